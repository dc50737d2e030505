"""Writes the sample catalogue files the importer tests read. Run it to regenerate them:

    .venv/bin/python src/abonement/catalog/tests/samples/make_samples.py

Records are written with pymarc (MARC 21, RUSMARC, MARCXML); the Windows-1251 RUSMARC file with a small
encoder below because pymarc writes UTF-8 only.
"""

from pathlib import Path

from pymarc import Field, Indicators, MARCWriter, Record, Subfield, XMLWriter

HERE = Path(__file__).resolve().parent


def field(tag, ind="  ", **subfields):
    pairs = []
    for code, value in subfields.items():
        for v in value if isinstance(value, list) else [value]:
            pairs.append(Subfield(code.lstrip("_"), v))
    return Field(tag=tag, indicators=Indicators(ind[0], ind[1]), subfields=pairs)


def record(leader, control, fields):
    rec = Record(force_utf8=True, leader=leader)
    for tag, value in control:
        rec.add_field(Field(tag=tag, data=value))
    for f in fields:
        rec.add_field(f)
    return rec


RU_LEADER = "00000nam  2200000   450 "
AUDIO_RU_LEADER = "00000nim  2200000   450 "


def rusmarc_records():
    return [
        record(
            RU_LEADER,
            [("001", "RU/DEMO/0001")],
            [
                field("010", _a="978-5-17-090633-6", d="350 р."),
                field("100", _a="20230110d1869    u  y0rusy50      ca"),
                field("101", "0 ", _a="rus"),
                field("200", "1 ", _a="Война и мир", e="роман-эпопея", f="Лев Толстой"),
                field("210", _a="Москва", c="АСТ", d="2023"),
                field("215", _a="1300 с."),
                field("225", "1 ", _a="Эксклюзивная классика", v="12"),
                field("330", _a="Роман-эпопея о русском обществе в эпоху войн против Наполеона."),
                field("333", _a="12+"),
                field("606", "1 ", _a="Отечественная война 1812 года"),
                field("608", _a="Роман"),
                field("610", "0 ", _a=["война", "семья"]),
                field("700", " 1", _a="Толстой", b="Л. Н.", g="Лев Николаевич", _4="070"),
            ],
        ),
        record(
            RU_LEADER,
            [("001", "RU/DEMO/0002")],
            [
                field("010", _a="978-5-389-07435-4"),
                field("101", "0 ", _a="rus"),
                field("200", "1 ", _a="Преступление и наказание", f="Ф. М. Достоевский"),
                field("210", _a="Санкт-Петербург", c="Азбука", d="2019"),
                field("215", _a="608 с."),
                field("330", _a="Роман о студенте Родионе Раскольникове."),
                field("333", _a="Информационная продукция для детей старше 16 лет (16+)"),
                field("608", _a="Роман"),
                field("700", " 1", _a="Достоевский", b="Ф. М.", g="Фёдор Михайлович"),
            ],
        ),
        record(
            RU_LEADER,
            [("001", "RU/DEMO/0003")],
            [
                field("010", _a="978-5-04-116597-6"),
                field("101", "0 ", _a="rus"),
                field("200", "1 ", _a="Ёжик в тумане", e="сказки"),
                field("210", _a="Москва", c="Эксмо", d="2021"),
                field("215", _a="[8], 64 с.", c="ил."),
                field("333", _a="0+"),
                field("608", _a="Сказки"),
                field("610", "0 ", _a="ёжик"),
                field("700", " 1", _a="Козлов", b="С. Г.", g="Сергей Григорьевич"),
                field("702", " 1", _a="Норштейн", b="Ю. Б.", g="Юрий Борисович", _4="440"),
            ],
        ),
        record(
            AUDIO_RU_LEADER,
            [("001", "RU/DEMO/0004")],
            [
                field("101", "0 ", _a="rus"),
                field("200", "1 ", _a="Мёртвые души", e="поэма"),
                field("210", _a="Москва", c="Союз", d="2018"),
                field("215", _a="1 электрон. опт. диск (12 ч 15 мин)"),
                field("700", " 1", _a="Гоголь", b="Н. В.", g="Николай Васильевич"),
                field("702", " 1", _a="Клюквин", b="А. В.", g="Александр Валентинович", _4="590"),
            ],
        ),
        record(
            RU_LEADER,
            [("001", "RU/DEMO/0005")],
            [
                field("010", _a="5-08-001234-X"),
                field("101", "0 ", _a="rus"),
                field("200", "1 ", _a="Евгений Онегин", e="роман в стихах"),
                field("210", _a="Москва", c="Детская литература", d="1985"),
                field("215", _a="224 с."),
                field("700", " 1", _a="Пушкин", b="А. С.", g="Александр Сергеевич"),
            ],
        ),
    ]


LV_LEADER = "00000cam a2200000 i 4500"


def fixed(year: str, language: str = "lav") -> str:
    """MARC 21 008 for a book: entered, date type, year, place, 17 material positions, language."""
    return f"230105s{year}    lv {' ' * 12}000 1{language} d"


def latvian_records():
    return [
        record(
            LV_LEADER,
            [("001", "LV0001"), ("003", "LV-RgLNB"), ("008", fixed("2014"))],
            [
                field("020", _a="9789934015384 (iesiets)"),
                field("041", "0 ", _a="lav"),
                field("100", "1 ", _a="Blaumanis, Rūdolfs,", d="1863-1908", e="autors."),
                field("245", "10", _a="Zagļi :", b="luga četros cēlienos /", c="Rūdolfs Blaumanis."),
                field("264", " 1", _a="Rīga :", b="Zvaigzne ABC,", c="2014."),
                field("300", _a="128 lpp. ;", c="20 cm."),
                field("490", "1 ", _a="Latviešu klasika ;", v="3"),
                field("520", _a="Luga par dzīvi Latvijas laukos."),
                field("521", _a="12+"),
                field("650", " 4", _a=["Lauku dzīve"]),
                field("653", _a=["klasika", "dramaturģija"]),
                field("655", " 4", _a="Lugas."),
            ],
        ),
        record(
            LV_LEADER,
            [("001", "LV0002"), ("003", "LV-RgLNB"), ("008", fixed("2016"))],
            [
                field("020", _a="978-9934-0-1234-0"),
                field("100", "1 ", _a="Rainis,", d="1865-1929."),
                field("245", "10", _a="Zelta zirgs :", b="pasaka piecos cēlienos."),
                field("260", _a="Rīga :", b="Liels un mazs,", c="2016."),
                field("300", _a="96 lpp."),
                field("655", " 4", _a="Lugas."),
                field("655", " 4", _a="Pasakas."),
            ],
        ),
        record(
            LV_LEADER,
            [("001", "LV0003"), ("003", "LV-RgLNB"), ("008", fixed("2019"))],
            [
                field("020", _a="9789984234567"),
                field("100", "1 ", _a="Zālīte, Māra,", d="1952-"),
                field("245", "10", _a="Pieci pirksti /", c="Māra Zālīte."),
                field("264", " 1", _a="Rīga :", b="Mansards,", c="2019."),
                field("300", _a="296 lpp."),
                field("655", " 4", _a="Romāni."),
                field("700", "1 ", _a="Bērziņa, Anna,", e="tulkotāja."),
            ],
        ),
        record(
            "00000cim a2200000 i 4500",
            [("001", "LV0004"), ("003", "LV-RgLNB"), ("008", fixed("2020"))],
            [
                field("100", "1 ", _a="Poruks, Jānis,", d="1871-1911."),
                field("245", "10", _a="Kauja pie Knipskas", h="[skaņu ieraksts]"),
                field("264", " 1", _a="Rīga :", b="Latvijas Radio,", c="2020."),
                field("300", _a="1 audio fails (1 st. 20 min.)"),
                field("306", _a="012000"),
                field("700", "1 ", _a="Ozols, Pēteris,", e="narrator.", _4="nrt"),
            ],
        ),
        record(
            LV_LEADER,
            [("001", "LV0005"), ("003", "LV-RgLNB"), ("008", fixed("1912"))],
            [
                field("100", "1 ", _a="Aspazija,", d="1865-1943."),
                field("245", "10", _a="Sidraba šķidrauts"),
                field("264", " 1", _a="Rīga :", b="Grāmatu draugs,", c="1912."),
                field("300", _a="144 lpp."),
                field("655", " 4", _a="Lugas."),
            ],
        ),
    ]


def xml_records():
    english = record(
        "00000nam a2200000 i 4500",
        [("001", "XML-1"), ("008", fixed("1865", "eng"))],
        [
            field("020", _a="9780141439761"),
            field("100", "1 ", _a="Carroll, Lewis,", d="1832-1898."),
            field("245", "10", _a="Alice's adventures in Wonderland /", c="Lewis Carroll."),
            field("264", " 1", _a="London :", b="Penguin,", c="2015."),
            field("300", _a="xx, 121 p."),
            field("520", _a="A girl falls down a rabbit hole."),
            field("655", " 7", _a="Fairy tales."),
        ],
    )
    russian = rusmarc_records()[0]
    russian["001"].data = "XML-2"
    latvian = latvian_records()[1]
    latvian["001"].data = "XML-3"
    return [english, russian, latvian]


def encode_cp1251(rec: Record) -> bytes:
    """ISO 2709 in Windows-1251, as older Russian library systems export RUSMARC."""
    fields, directory, offset = b"", b"", 0
    for f in rec.fields:
        data = f.as_marc(encoding="cp1251")
        fields += data
        directory += f"{f.tag}{len(data):04d}{offset:05d}".encode()
        offset += len(data)
    directory += b"\x1e"
    fields += b"\x1d"
    base = 24 + len(directory)
    leader = str(rec.leader)
    leader = f"{base + len(fields):05d}{leader[5:9]} {leader[10:12]}{base:05d}{leader[17:]}"
    return leader.encode("ascii") + directory + fields


def paper_records():
    """RUSMARC records of a union catalogue with 899 holdings (library, fund, shelf mark, barcode)."""
    base = rusmarc_records()
    first, second = base[1], base[4]
    first.add_field(field("899", _a="Central", b="Abonements", j="84(2)1 D70", p="P-0001"))
    first.add_field(field("899", _a="Branch", b="Lasītava", j="84(2)1 D70", p="P-0002"))
    second.add_field(field("899", _a="Central", b="Abonements", j="84(2)1 P91", p="P-0003"))
    return [first, second]


def write_iso(path: Path, records) -> bytes:
    with path.open("wb") as out:
        writer = MARCWriter(out)
        for rec in records:
            writer.write(rec)
    return path.read_bytes()


def main() -> None:
    write_iso(HERE / "rusmarc.iso", rusmarc_records())
    latvian = write_iso(HERE / "latvian_marc21.mrc", latvian_records())
    write_iso(HERE / "paper_rusmarc.iso", paper_records())

    with (HERE / "collection.xml").open("wb") as out:
        writer = XMLWriter(out)
        for rec in xml_records():
            writer.write(rec)
        writer.close(close_fh=False)
    xml = HERE / "collection.xml"
    xml.write_bytes(xml.read_bytes().replace(b"><", b">\n<"))

    (HERE / "rusmarc_cp1251.iso").write_bytes(b"".join(encode_cp1251(r) for r in rusmarc_records()[:2]))

    # Five Latvian records where the third lost its second half and the file ends inside a sixth.
    chunks = [c + b"\x1d" for c in latvian.split(b"\x1d")[:-1]]
    third = chunks[2]
    damaged = chunks[0] + chunks[1] + third[: len(third) // 2] + chunks[3] + chunks[4]
    sixth = latvian_records()[0]
    sixth["001"].data = "LV0006"
    damaged += write_iso(HERE / "_tmp.mrc", [sixth])[:100]
    (HERE / "_tmp.mrc").unlink()
    (HERE / "truncated.mrc").write_bytes(damaged)

    (HERE / "not_marc.png").write_bytes(
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00\x1f\x15\xc4\x89"
        + bytes(range(256))
    )
    (HERE / "not_marc.txt").write_text("Dear librarian,\nhere is the list of books we talked about.\n", "utf-8")


if __name__ == "__main__":
    main()
