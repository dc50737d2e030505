"""SPEC C3: MARC 21, UNIMARC/RUSMARC (ISO 2709 and MARCXML) and CSV import, on the sample files in samples/."""

from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation
from pymarc import Field, Indicators, Record, Subfield

from abonement.catalog.importers import (
    AuthorName,
    NotACatalogFile,
    Position,
    TitleData,
    import_file,
    import_records,
)
from abonement.catalog.models import Author, Format, Genre, Item, Series, Tag, Title, TitleAuthor

SAMPLES = Path(__file__).resolve().parent / "samples"


def sample(name: str) -> Path:
    return SAMPLES / name


def authors_of(title: Title) -> list[tuple[str, str]]:
    return [(ta.author.name, ta.role) for ta in TitleAuthor.objects.filter(title=title).select_related("author")]


@pytest.fixture
def union(network_factory, library_factory):
    """A network with a central library and a branch, named as the sample files name them."""
    network = network_factory(name="Union", slug="union")
    central = library_factory(network=network, name="Central")
    branch = library_factory(network=network, name="Branch", parent=central)
    return network, central, branch


@pytest.mark.django_db
class TestRusmarc:
    def test_records_map_the_unimarc_layout(self):
        report = import_file(sample("rusmarc.iso"))
        assert (report.created, report.failed) == (5, 0)
        assert report.format == "UNIMARC/RUSMARC (ISO 2709)"
        war = Title.objects.get(control_number="RU/DEMO/0001")
        assert war.title == "Война и мир: роман-эпопея"
        assert war.network is None and war.format == Format.EBOOK
        assert (war.isbn, war.language, war.publisher, war.year, war.pages) == (
            "9785170906336",
            "ru",
            "АСТ",
            2023,
            1300,
        )
        assert war.age_rating == 12 and war.series.name == "Эксклюзивная классика" and war.series_number == 12
        assert war.description.startswith("Роман-эпопея")
        assert authors_of(war) == [("Лев Николаевич Толстой", "")]
        assert Author.objects.get(name="Лев Николаевич Толстой").sort_name == "Толстой, Лев Николаевич"
        assert [g.name for g in war.genres.all()] == ["Роман"]
        assert sorted(t.name for t in war.tags.all()) == ["Отечественная война 1812 года", "война", "семья"]

    def test_cyrillic_letters_stay_intact_and_roles_come_from_relator_codes(self):
        import_file(sample("rusmarc.iso"), format="rusmarc")
        hedgehog = Title.objects.get(control_number="RU/DEMO/0003")
        assert hedgehog.title == "Ёжик в тумане: сказки" and hedgehog.age_rating == 0 and hedgehog.pages == 64
        assert authors_of(hedgehog) == [("Сергей Григорьевич Козлов", ""), ("Юрий Борисович Норштейн", "illustrator")]
        souls = Title.objects.get(control_number="RU/DEMO/0004")
        assert souls.format == Format.AUDIOBOOK and souls.duration_seconds == 12 * 3600 + 15 * 60
        assert ("Александр Валентинович Клюквин", "narrator") in authors_of(souls)
        assert Title.objects.get(control_number="RU/DEMO/0005").isbn == "508001234X"

    def test_windows_1251_records_are_read_as_well(self):
        report = import_file(sample("rusmarc_cp1251.iso"))
        assert report.created == 2
        assert Title.objects.get(control_number="RU/DEMO/0002").title == "Преступление и наказание"


@pytest.mark.django_db
class TestMarc21:
    def test_latvian_records_map_the_marc21_layout(self):
        report = import_file(sample("latvian_marc21.mrc"))
        assert (report.created, report.failed) == (5, 0)
        assert report.format == "MARC 21 (ISO 2709)"
        thieves = Title.objects.get(control_number="LV0001")
        assert thieves.source == "LV-RgLNB"
        assert thieves.title == "Zagļi: luga četros cēlienos"
        assert (thieves.publisher, thieves.year, thieves.language, thieves.pages) == ("Zvaigzne ABC", 2014, "lv", 128)
        assert thieves.isbn == "9789934015384" and thieves.age_rating == 12
        assert (thieves.series.name, thieves.series_number) == ("Latviešu klasika", 3)
        assert authors_of(thieves) == [("Rūdolfs Blaumanis", "")]
        assert [g.name for g in thieves.genres.all()] == ["Lugas"]
        assert sorted(t.name for t in thieves.tags.all()) == ["Lauku dzīve", "dramaturģija", "klasika"]
        assert Title.objects.get(control_number="LV0002").language == "lv"  # from 008/35-37
        assert Title.objects.get(control_number="LV0005").title == "Sidraba šķidrauts"

    def test_audiobook_duration_and_narrator(self):
        import_file(sample("latvian_marc21.mrc"), format="marc21")
        battle = Title.objects.get(control_number="LV0004")
        assert battle.format == Format.AUDIOBOOK and battle.duration_seconds == 4800 and battle.pages is None
        assert authors_of(battle) == [("Jānis Poruks", ""), ("Pēteris Ozols", "narrator")]

    def test_forcing_the_wrong_layout_reports_every_record(self):
        report = import_file(sample("latvian_marc21.mrc"), format="unimarc")
        assert report.created == 0 and report.failed == 5
        assert "no title field 200" in report.errors[0].reason

    def test_marcxml_mixes_layouts_record_by_record(self):
        report = import_file(sample("collection.xml"))
        assert (report.created, report.failed) == (3, 0)
        assert report.format == "MARC 21 + UNIMARC/RUSMARC (MARCXML)"
        alice = Title.objects.get(control_number="XML-1")
        assert alice.title == "Alice's adventures in Wonderland" and alice.language == "en" and alice.year == 2015
        assert authors_of(alice) == [("Lewis Carroll", "")]
        assert Title.objects.get(control_number="XML-2").title == "Война и мир: роман-эпопея"
        assert Title.objects.get(control_number="XML-3").title == "Zelta zirgs: pasaka piecos cēlienos"


@pytest.mark.django_db
class TestReimport:
    def test_same_file_twice_updates_nothing_and_duplicates_nothing(self):
        import_file(sample("latvian_marc21.mrc"))
        counts = (Title.objects.count(), Author.objects.count(), Genre.objects.count(), TitleAuthor.objects.count())
        report = import_file(sample("latvian_marc21.mrc"))
        assert (report.created, report.updated, report.unchanged) == (0, 0, 5)
        assert counts == (
            Title.objects.count(),
            Author.objects.count(),
            Genre.objects.count(),
            TitleAuthor.objects.count(),
        )

    def test_changed_record_updates_its_title(self):
        import_file(sample("rusmarc.iso"))
        title = Title.objects.get(control_number="RU/DEMO/0002")
        record = Record(force_utf8=True, leader="00000nam  2200000   450 ")
        record.add_field(Field(tag="001", data="RU/DEMO/0002"))
        record.add_field(Field("010", Indicators(" ", " "), [Subfield("a", "978-5-389-07435-4")]))
        record.add_field(Field("200", Indicators("1", " "), [Subfield("a", "Преступление и наказание (новое изд.)")]))
        record.add_field(Field("700", Indicators(" ", "1"), [Subfield("a", "Достоевский"), Subfield("b", "Фёдор")]))
        report = import_records([record], source="")
        assert (report.created, report.updated) == (0, 1)
        title.refresh_from_db()
        assert title.title == "Преступление и наказание (новое изд.)"
        assert authors_of(title) == [("Фёдор Достоевский", "")]
        assert Title.objects.filter(control_number="RU/DEMO/0002").count() == 1

    def test_a_record_without_control_number_matches_by_isbn(self):
        import_file(sample("titles.csv"))
        record = TitleData(position=Position(1), title="Капитанская дочка (2-е изд.)", isbn="9785389012342")
        report = import_records([record], source="other")
        assert report.updated == 1 and Title.objects.filter(isbn="9785389012342").count() == 1
        assert Title.objects.get(isbn="9785389012342").title == "Капитанская дочка (2-е изд.)"

    def test_same_control_number_of_another_source_is_another_title(self):
        import_file(sample("latvian_marc21.mrc"))
        record = TitleData(position=Position(1), title="Cits", control_number="LV0001", source="other")
        assert import_records([record], source="").created == 1

    def test_rows_without_isbn_or_control_number_match_by_title_author_year(self):
        row = TitleData(
            position=Position(1), title="Dzeja", authors=[AuthorName("Aspazija", "Aspazija")], year=1900, format="ebook"
        )
        import_records([row], source="csv")
        again = TitleData(
            position=Position(1),
            title="Dzeja",
            authors=[AuthorName("Aspazija", "Aspazija")],
            year=1900,
            description="Dzejoļi.",
        )
        assert import_records([again], source="csv").updated == 1
        assert Title.objects.filter(title="Dzeja").count() == 1

    def test_batches_split_anywhere_give_the_same_result(self):
        one = import_file(sample("rusmarc.iso"), batch_size=2)
        assert one.created == 5
        assert Genre.objects.filter(name="Роман").count() == 1
        assert Title.objects.get(control_number="RU/DEMO/0001").genres.get().name == "Роман"


@pytest.mark.django_db
class TestBadFiles:
    def test_truncated_records_are_reported_with_position_and_the_rest_imports(self):
        report = import_file(sample("truncated.mrc"))
        assert (report.created, report.failed) == (4, 2)
        first, last = report.errors
        assert str(first.position) == "record 3 (byte 952)" and "truncated" in first.reason
        assert str(last.position) == "record 6 (byte 1813)" and "truncated" in last.reason
        assert set(Title.objects.values_list("control_number", flat=True)) == {"LV0001", "LV0002", "LV0004", "LV0005"}

    @pytest.mark.parametrize("name", ["not_marc.png", "not_marc.txt"])
    def test_a_file_that_is_not_marc_imports_nothing(self, name):
        with pytest.raises(NotACatalogFile, match="not MARC"):
            import_file(sample(name))
        assert not Title.objects.exists()

    def test_the_wrong_explicit_format_is_refused(self):
        with pytest.raises(NotACatalogFile, match="not MARCXML"):
            import_file(sample("rusmarc.iso"), format="marcxml")
        with pytest.raises(NotACatalogFile, match="not ISO 2709"):
            import_file(sample("collection.xml"), format="marc21")

    def test_empty_and_foreign_xml_files(self):
        with pytest.raises(NotACatalogFile, match="empty"):
            import_file(b"")
        with pytest.raises(NotACatalogFile, match="<html>"):
            import_file(b"<?xml version='1.0'?><html><body/></html>")

    def test_broken_xml_reports_line_and_keeps_earlier_records(self):
        data = sample("collection.xml").read_bytes()
        cut = data[: data.index(b"XML-3")]
        report = import_file(cut)
        assert report.created == 2 and report.failed == 1
        assert "the XML is broken at line" in report.errors[0].reason

    def test_entity_declarations_are_refused(self):
        bomb = b'<?xml version="1.0"?><!DOCTYPE collection [<!ENTITY a "aaaaaaaaaa">]><collection>&a;</collection>'
        report = import_file(bomb)
        assert report.failed == 1 and "entity" in report.errors[0].reason
        assert not Title.objects.exists()

    def test_a_damaged_directory_is_one_failed_record(self):
        data = bytearray(sample("latvian_marc21.mrc").read_bytes())
        data[12:17] = b"00099"  # the first record's base address now points into its directory
        report = import_file(bytes(data))
        assert report.created == 4 and report.failed == 1
        assert str(report.errors[0].position) == "record 1 (byte 0)"


@pytest.mark.django_db
class TestCsv:
    def test_good_rows_import_and_bad_rows_say_row_and_rule(self):
        report = import_file(sample("titles.csv"))
        assert (report.created, report.failed) == (4, 5)
        reasons = {str(e.position): e.reason for e in report.errors}
        assert reasons == {
            "row 6": "year “20x1” is not a whole number",
            "row 7": "age_rating “13+” must be one of 0+, 6+, 12+, 16+, 18+",
            "row 8": "title is empty (it is required)",
            "row 9": "price must be 0 for a free title (is_free is yes, price is 3)",
            "row 10": "paper books are catalogued in a network: import them into a network",
        }
        daughter = Title.objects.get(title="Капитанская дочка")
        assert daughter.is_free and daughter.price == 0 and daughter.language == "ru"
        assert [g.name for g in daughter.genres.order_by("name")] == ["Историческая проза", "Роман"]
        assert authors_of(daughter) == [("Александр Сергеевич Пушкин", "")]
        watch = Title.objects.get(title="Ночной дозор (аудиокнига)")
        assert (watch.format, watch.duration_seconds, watch.price, watch.is_free) == ("audiobook", 45600, 2, False)
        assert watch.series == Series.objects.get(name="Дозоры")
        times = Title.objects.get(title="Mērnieku laiki")
        assert [a for a, _r in authors_of(times)] == ["Reinis Kaudzīte", "Matīss Kaudzīte"]

    def test_paper_rows_become_one_title_with_items_in_named_libraries(self, union):
        network, central, branch = union
        report = import_file(sample("paper.csv"), network=network)
        assert report.created == 2 and report.failed == 1
        assert "library “Nowhere” of item B-0004 is not one of: Branch, Central" in report.errors[0].reason
        sprid = Title.objects.get(title="Sprīdītis")
        assert sprid.network == network and sprid.format == Format.PAPER
        items = {i.barcode: (i.library, i.fund, i.shelf_mark) for i in sprid.items.all()}
        assert items == {
            "B-0001": (central, "Bērnu nodaļa", "84(2L)6 B85"),
            "B-0002": (branch, "Abonements", "84(2L)6 B85"),
            "B-0003": (central, "Lasītava", "84(2L)6 B85"),
        }
        assert report.items_created == 3

    def test_paper_reimport_updates_items_and_does_not_duplicate(self, union):
        network, central, branch = union
        import_file(sample("paper.csv"), network=network)
        data = sample("paper.csv").read_bytes().replace(b"B-0001;Central", b"B-0001;Branch")
        report = import_file(data, network=network)
        assert report.created == 0 and report.items_updated == 1 and report.items_created == 0
        assert Item.objects.get(barcode="B-0001").library == branch
        assert Title.objects.filter(title="Sprīdītis").count() == 1

    def test_digital_format_is_refused_in_a_network(self, union):
        network, *_ = union
        report = import_file(sample("titles.csv"), network=network)
        assert report.created == 1  # "Paper here"
        reasons = [e.reason for e in report.errors]
        assert sum("digital titles belong to the shared catalogue" in r for r in reasons) == 4

    def test_a_barcode_of_another_network_is_refused(self, union, network_factory, library_factory):
        network, central, _branch = union
        import_file(sample("paper.csv"), network=network)
        other = network_factory()
        library_factory(network=other, name="Central")
        report = import_file(sample("paper.csv"), network=other)
        assert not Title.objects.filter(network=other, title="Sprīdītis").exists()
        assert any("barcode B-0001 is already used by another catalogue's item" in e.reason for e in report.errors)
        assert Item.objects.get(barcode="B-0001").library == central

    def test_a_barcode_equal_to_a_reader_card_number_is_refused(self, union, card_factory):
        """The desk's one input takes a card number or an item barcode: an import cannot make a code both."""
        network, central, _branch = union
        card = card_factory(library=central, number="20260001")
        with translation.override("en"):
            report = import_file(sample("paper.csv").read_bytes().replace(b"B-0001;", b"20260001;"), network=network)
        assert any(
            "barcode 20260001 is a reader card number: an item and a card cannot share a code" in e.reason
            for e in report.errors
        )
        assert not Item.objects.filter(barcode=card.number).exists()

    def test_header_without_title_column_is_not_a_catalogue(self):
        with pytest.raises(NotACatalogFile):
            import_file(b"name,author\nX,Y\n")

    def test_unknown_columns_are_named_in_the_notes(self):
        report = import_file("title,colour\nGrāmata,zila\n".encode())
        assert report.created == 1 and report.notes == ["Columns ignored (not known): colour."]

    def test_windows_1251_semicolon_csv(self):
        report = import_file("title;authors;language\nВишнёвый сад;Антон Чехов;ru\n".encode("cp1251"))
        assert report.created == 1
        assert Title.objects.get().title == "Вишнёвый сад"


@pytest.mark.django_db
class TestPaperMarc:
    def test_rusmarc_holdings_become_items(self, union):
        network, central, branch = union
        report = import_file(sample("paper_rusmarc.iso"), network=network)
        assert report.created == 2 and report.items_created == 3
        crime = Title.objects.get(control_number="RU/DEMO/0002", network=network)
        assert {(i.barcode, i.library, i.fund) for i in crime.items.all()} == {
            ("P-0001", central, "Abonements"),
            ("P-0002", branch, "Lasītava"),
        }

    def test_the_same_file_in_two_networks_makes_two_catalogues(self, union, network_factory):
        network, *_ = union
        import_file(sample("rusmarc.iso"))
        import_file(sample("rusmarc.iso"), network=network, library=network.libraries.first())
        assert Title.objects.filter(control_number="RU/DEMO/0001").count() == 2

    def test_items_without_a_library_go_to_the_default_library(self, union):
        network, central, _branch = union
        record = TitleData(position=Position(1), title="Bez bibliotēkas", items=[])
        from abonement.catalog.importers import ItemData

        record.items.append(ItemData(barcode="X-1"))
        report = import_records([record], source="", network=network, library=central)
        assert report.created == 1 and Item.objects.get(barcode="X-1").library == central
        record = TitleData(position=Position(1), title="Bez", items=[ItemData(barcode="X-2")])
        report = import_records([record], source="", network=network)
        assert report.failed == 1 and "names no library" in report.errors[0].reason


def own_queries(context) -> int:
    """Queries of the catalogue importer, leaving out the search index's tables (catalog_search_*)."""
    return sum(1 for q in context.captured_queries if "catalog_search_" not in q["sql"])


def records(count: int, prefix: str) -> list[TitleData]:
    return [
        TitleData(
            position=Position(i + 1),
            title=f"Grāmata {prefix}{i}",
            control_number=f"{prefix}{i}",
            isbn=f"97899{prefix}{i:06d}",
            authors=[AuthorName(f"Autors {i % 40}", f"{i % 40}, Autors")],
            genres=[f"Žanrs {i % 5}"],
            tags=["tag"],
            series="Sērija" if i % 2 else "",
        )
        for i in range(count)
    ]


@pytest.mark.django_db
def test_import_makes_the_same_few_queries_for_30_or_300_records():
    counts = {}
    for count, prefix in ((30, "11"), (300, "22")):
        with CaptureQueriesContext(connection) as context:
            report = import_records(records(count, prefix), source="bench", batch_size=1000)
        assert report.created == count
        counts[count] = own_queries(context)
    assert counts[300] <= counts[30] + 2
    assert Tag.objects.count() == 1 and Author.objects.count() == 40
    with CaptureQueriesContext(connection) as context:
        again = import_records(records(300, "22"), source="bench", batch_size=1000)
    assert again.unchanged == 300
    assert own_queries(context) <= 12
