"""A realistic synthetic catalogue for the search benchmark (SPEC C4): deterministic for a given seed.

    .venv/bin/python bench/catalog_search.py ...        # uses this module to fill its database

Shape of 400,000 titles (the defaults):
  languages   Russian 50 %, Latvian 25 %, English 25 %; titles, series, tags and descriptions in that language
  words       a few hundred real words per language first (книга, война, grāmata, jūra, war, house…), then
              ~42,000 made-up lemmas with the language's letters; chosen with Zipf weights (1/(rank+8)), and
              written in inflected forms (книги, книгу, войны; grāmatas, grāmatai; books, house's)
  authors     40,000 people (real first names and surnames first, made-up surnames after), Zipf productivity:
              a few authors have hundreds of titles, most have one or two; 8 % of titles have two authors
  series      12,000; 22 % of titles belong to one;  tags 2,500 (Zipf, 0–4 per title);  genres 36 (1–2)
  description 70 % of titles, 10–60 words (stop words included);  ISBN-13 on 85 % of titles (valid check digits, unique)
  formats     e-book 50 %, audiobook 15 %, paper 35 % (in one network, 1–3 items each in 4 libraries, 70 % of
              items on the shelf);  popularity Zipf-like (most titles 0–5 loans, a few thousands)
"""

import bisect
import itertools
import random
from dataclasses import dataclass, field

RU_NOUNS_A = (
    "книга война история жизнь любовь дорога сказка тайна звезда земля страна душа судьба зима весна река гора"
    " школа семья война победа правда игра мечта улица деревня птица рыба собака кошка девочка машина планета"
    " граница столица легенда память надежда встреча охота работа наука музыка картина комната тетрадь"
).split()
RU_NOUNS_CONS = (
    "мир дом лес город сад путь свет век друг герой король капитан остров берег корабль ветер огонь снег хлеб"
    " сон день вечер рассвет закат роман рассказ язык народ человек мальчик волк медведь кот пёс океан сундук"
    " замок двор бал полк генерал доктор учитель ученик художник поэт солдат мастер"
).split()
RU_NOUNS_O = "море поле небо слово солнце окно сердце лето утро детство время имя зеркало золото серебро".split()
RU_ADJ = (
    "новый старый большой малый тёмный светлый последний первый белый чёрный красный зелёный тихий долгий"
    " далёкий золотой весёлый грустный странный тайный великий русский северный южный морской лесной"
).split()
LV_NOUNS_A = (
    "grāmata pasaka dziesma zeme māja jūra upe meitene skola vēsture pilsēta valoda zvaigzne laime diena"
    " ziema vasara dzīve mīlestība taka lapa puķe kaza ola maize"
).split()
LV_NOUNS_S = (
    "mežs ceļš laiks kalns draugs putns zirgs suns vilks lācis vējš sniegs lietus sapnis stāsts ezers karalis"
    " puika bērns tēvs brālis akmens rudens pavasaris ceļojums noslēpums dzejolis vārds zelts gads"
).split()
LV_ADJ = "liels mazs jauns vecs balts melns zaļš sarkans tumšs gaišs garš īss skaists labs".split()
EN_NOUNS = (
    "book war history life love road tale secret star land house river mountain school family victory truth"
    " game dream street village bird fish dog cat girl boy machine planet border city legend memory hope"
    " world forest garden way light century friend hero king captain island shore ship wind fire snow bread"
    " night day evening sun moon sea field sky word heart summer winter morning childhood time name mirror"
    " gold silver garden queen prince princess dragon wizard witch castle kingdom journey stranger murder"
    " detective mystery"
).split()
EN_ADJ = "new old great little dark bright last first white black red green silent long distant golden".split()

RU_FIRST = (
    "Лев Фёдор Антон Михаил Александр Иван Николай Сергей Владимир Борис Максим Алексей Андрей Анна Мария"
    " Марина Ольга Татьяна Елена Людмила Наталья Дарья Юрий Виктор Василий Евгений Дмитрий Павел Кир Агния"
).split()
RU_SURNAMES = (
    "Толстой Достоевский Чехов Пушкин Гоголь Тургенев Булгаков Пастернак Набоков Бунин Лермонтов Цветаева"
    " Ахматова Горький Шолохов Платонов Зощенко Ильф Петров Стругацкий Лукьяненко Пелевин Улицкая Акунин"
    " Носов Успенский Драгунский Маршак Барто Чуковский Катаев Каверин Паустовский Пришвин Бианки Гайдар"
).split()
LV_FIRST = "Rainis Aspazija Jānis Anna Kārlis Regīna Rūdolfs Andrejs Imants Māra Inga Vizma Ojārs Nora Pēteris".split()
LV_SURNAMES = (
    "Bērziņš Kalniņš Ozoliņš Jansons Liepiņa Zariņa Krūmiņš Vītols Blaumanis Poruks Skalbe Zālīte Belševica"
    " Ziedonis Vācietis Upīts Lācis Priede Ikstena Kolmane Rīdere Ābele Kronbergs Stārasts Brigadere"
).split()
EN_FIRST = "John Mary James Elizabeth Charles Jane George Agatha Arthur Virginia Ernest Ray Ursula Neil Terry".split()
EN_SURNAMES = (
    "Smith Dickens Austen Christie Doyle Woolf Hemingway Bradbury Tolkien Rowling Gaiman Pratchett Orwell"
    " Twain Wilde Shelley Bronte Hardy Kipling Stevenson Carroll Milne Lewis Dahl Steinbeck Fitzgerald"
).split()

GENRES = [
    "Роман",
    "Детектив",
    "Фантастика",
    "Фэнтези",
    "Поэзия",
    "Сказки",
    "Приключения",
    "Историческая проза",
    "Биография",
    "Научно-популярная литература",
    "Психология",
    "Бизнес",
    "Детская литература",
    "Классика",
    "Триллер",
    "Любовный роман",
    "Юмор",
    "Romāns",
    "Detektīvs",
    "Fantastika",
    "Dzeja",
    "Pasakas",
    "Vēsture",
    "Bērnu literatūra",
    "Mystery",
    "Romance",
    "Thriller",
    "Poetry",
    "Biography",
    "Science",
    "Fantasy",
    "Classics",
    "Humour",
    "Horror",
    "Travel",
    "Cookery",
]
STOP = {
    "ru": "и в на с по о к из за для от у не как что".split(),
    "lv": "un ar par no uz ka ir bet vai kas pie".split(),
    "en": "the and of in on with for to from a an at by".split(),
}
SYLLABLES = {
    "ru": [c + v for c in "бвгдзклмнпрстфхчшщж" for v in "аеиоуыя"],
    "lv": [c + v for c in "bcdgjklmnprstvzšžčņļķģ" for v in "aeiouāēīū"],
    "en": [c + v for c in "bcdfghjklmnprstvwz" for v in "aeiouy"] + ["th", "st", "ch", "sh", "br", "tr"],
}
ENDINGS = {
    "ru_a": ["а", "ы", "е", "у", "ой"],
    "ru_cons": ["", "а", "у", "ом", "е", "ы"],
    "ru_o": ["о", "а", "у", "ом", "е"],
    "ru_adj": ["ый", "ая", "ое", "ые", "ого", "ой", "ую"],
    "lv_a": ["a", "as", "ai", "u", "ā", "ām", "ās"],
    "lv_s": ["s", "a", "am", "u", "ā", "i", "iem", "us"],
    "lv_e": ["e", "es", "ei", "i", "ē", "ēm"],
    "lv_adj": ["s", "a", "ais", "ā", "ajā", "ie", "ās", "o"],
    "en_n": ["", "", "", "s", "'s"],
    "en_adj": [""],
}


@dataclass
class Lemma:
    stem: str
    kind: str
    base: str  # dictionary form, as a person types it

    def form(self, rng: random.Random, base_share: float = 0.55) -> str:
        if rng.random() < base_share:
            return self.base
        return self.stem + rng.choice(ENDINGS[self.kind])


def _real_lemmas(language: str) -> list[Lemma]:
    lemmas = []
    if language == "ru":
        lemmas += [Lemma(w[:-1], "ru_a", w) for w in RU_NOUNS_A]
        lemmas += [Lemma(w, "ru_cons", w) for w in RU_NOUNS_CONS]
        lemmas += [Lemma(w[:-1], "ru_o", w) for w in RU_NOUNS_O]
        lemmas += [Lemma(w[:-2], "ru_adj", w) for w in RU_ADJ]
    elif language == "lv":
        lemmas += [Lemma(w[:-1], "lv_a" if w.endswith("a") else "lv_e", w) for w in LV_NOUNS_A]
        lemmas += [Lemma(w[:-2] if w.endswith("is") else w[:-1], "lv_s", w) for w in LV_NOUNS_S if w[-1] in "sš"]
        lemmas += [Lemma(w[:-1], "lv_adj", w) for w in LV_ADJ]
    else:
        lemmas += [Lemma(w, "en_n", w) for w in EN_NOUNS] + [Lemma(w, "en_adj", w) for w in EN_ADJ]
    return lemmas


def _made_up_lemmas(language: str, count: int, rng: random.Random, taken: set[str]) -> list[Lemma]:
    kinds = {
        "ru": [("ru_a", "а"), ("ru_cons", ""), ("ru_o", "о"), ("ru_adj", "ый")],
        "lv": [("lv_a", "a"), ("lv_s", "s"), ("lv_e", "e"), ("lv_adj", "s")],
        "en": [("en_n", ""), ("en_n", ""), ("en_adj", "")],
    }[language]
    lemmas = []
    while len(lemmas) < count:
        stem = "".join(rng.choice(SYLLABLES[language]) for _ in range(rng.choice((2, 2, 3, 3, 3, 4))))
        if language == "ru" and rng.random() < 0.5:
            stem += rng.choice("нкрлтсвм")
        if language == "en" and rng.random() < 0.4:
            stem += rng.choice(("n", "r", "l", "t", "ck", "ng", "ss"))
        kind, ending = rng.choice(kinds)
        base = stem + ending
        if base in taken:
            continue
        taken.add(base)
        lemmas.append(Lemma(stem, kind, base))
    return lemmas


class Zipf:
    """Draw items with weight 1 / (rank + offset)."""

    def __init__(self, items, offset: float = 8.0, exponent: float = 1.0):
        self.items = list(items)
        self.cumulative = list(itertools.accumulate(1.0 / (r + offset) ** exponent for r in range(len(self.items))))
        self.total = self.cumulative[-1]

    def draw(self, rng: random.Random):
        return self.items[bisect.bisect_left(self.cumulative, rng.random() * self.total)]


class Language:
    """A language's word forms with Zipf weights over lemmas; the dictionary form gets 55 % of a lemma's
    weight and the inflected forms share the rest."""

    def __init__(self, code: str, lemmas: list[Lemma], stop: list[str], rng: random.Random, pool: int = 1_500_000):
        self.code, self.lemmas, self.stop = code, lemmas, stop
        forms, weights = [], []
        for rank, lemma in enumerate(lemmas):
            weight = 1.0 / (rank + 8)
            inflected = [lemma.stem + e for e in ENDINGS[lemma.kind] if lemma.stem + e != lemma.base]
            forms.append(lemma.base)
            weights.append(weight * (0.55 if inflected else 1.0))
            for form in inflected:
                forms.append(form)
                weights.append(weight * 0.45 / len(inflected))
        # Drawing by weight costs a bisection each time: draw a large pool once, then pick uniformly from it.
        self.pool = rng.choices(forms, cum_weights=list(itertools.accumulate(weights)), k=pool)

    def words(self, rng: random.Random, count: int) -> list[str]:
        return rng.choices(self.pool, k=count)


@dataclass
class AuthorRow:
    id: int
    name: str
    sort_name: str
    language: str
    surname: str


@dataclass
class TitleRow:
    id: int
    language: str
    title: str
    description: str
    isbn: str
    format: str
    age_rating: int
    is_free: bool
    price: int
    popularity: int
    series_id: int | None
    series_number: int | None
    author_ids: list[int]
    tag_ids: list[int]
    genre_ids: list[int]
    words: list[str] = field(default_factory=list)  # the title's words, for building queries


@dataclass
class Catalogue:
    languages: dict[str, Language]
    authors: list[AuthorRow]
    series: list[tuple[int, str]]
    tags: list[tuple[int, str]]
    genres: list[tuple[int, str]]
    titles: list[TitleRow]


def _isbn13(serial: int) -> str:
    body = f"978{serial:09d}"
    check = (10 - sum((3 if i % 2 else 1) * int(d) for i, d in enumerate(body)) % 10) % 10
    return body + str(check)


def _phrase(language: Language, rng: random.Random, words: int) -> list[str]:
    out = language.words(rng, words)
    if words > 2:
        for _ in range(words // 6 + (rng.random() < 0.5)):
            out.insert(rng.randrange(1, len(out)), rng.choice(language.stop))
    return out


def generate(titles: int = 400_000, seed: int = 2026) -> Catalogue:
    rng = random.Random(seed)
    taken: set[str] = set()
    languages = {}
    for code, made_up in (("ru", 20_000), ("lv", 11_000), ("en", 11_000)):
        real = _real_lemmas(code)
        taken.update(lemma.base for lemma in real)
        lemmas = real + _made_up_lemmas(code, made_up, rng, taken)
        languages[code] = Language(code, lemmas, STOP[code], rng)

    authors: list[AuthorRow] = []
    names_seen = set()
    people = {"ru": (RU_FIRST, RU_SURNAMES), "lv": (LV_FIRST, LV_SURNAMES), "en": (EN_FIRST, EN_SURNAMES)}
    while len(authors) < titles // 10:
        code = rng.choices(("ru", "lv", "en"), (50, 25, 25))[0]
        firsts, surnames = people[code]
        if rng.random() < 0.35:
            surname = rng.choice(surnames)
        else:
            made = languages[code].lemmas[rng.randrange(200, len(languages[code].lemmas))].stem.capitalize()
            surname = (
                made
                + {
                    "ru": rng.choice(("ов", "ев", "ин", "ский", "ова")),
                    "lv": rng.choice(("s", "iņš", "a")),
                    "en": rng.choice(("son", "ton", "er", "ley", "")),
                }[code]
            )
        first = rng.choice(firsts)
        name = f"{first} {surname}"
        if name in names_seen:
            continue
        names_seen.add(name)
        authors.append(AuthorRow(len(authors) + 1, name, f"{surname}, {first}", code, surname))
    authors_by_language = {code: [a for a in authors if a.language == code] for code in languages}
    author_zipf = {code: Zipf(rows, offset=3.0, exponent=0.9) for code, rows in authors_by_language.items()}

    series, series_language = [], {}
    for i in range(1, titles * 3 // 100 + 1):
        code = rng.choices(("ru", "lv", "en"), (50, 25, 25))[0]
        series.append((i, " ".join(_phrase(languages[code], rng, rng.choice((1, 2, 2, 3)))).capitalize()))
        series_language[i] = code
    series_by_language = {code: [s for s in series if series_language[s[0]] == code] for code in languages}

    tags, tag_names = [], set()
    while len(tags) < 2_500:
        code = rng.choices(("ru", "lv", "en"), (50, 25, 25))[0]
        name = " ".join(
            languages[code].lemmas[rng.randrange(len(languages[code].lemmas) // 4)].base
            for _ in range(rng.choice((1, 1, 2)))
        )
        if name not in tag_names:
            tag_names.add(name)
            tags.append((len(tags) + 1, name))
    tag_zipf = Zipf([t[0] for t in tags], offset=5.0)
    genres = [(i + 1, g) for i, g in enumerate(GENRES)]

    rows = []
    isbn_serials = rng.sample(range(10_000_000, 999_999_999), titles)
    for i in range(1, titles + 1):
        code = rng.choices(("ru", "lv", "en"), (50, 25, 25))[0]
        language = languages[code]
        words = _phrase(language, rng, rng.choice((1, 2, 2, 3, 3, 3, 4, 4, 5, 6)))
        title = " ".join(words)
        title = title[0].upper() + title[1:]
        description = ""
        if rng.random() < 0.7:  # many union-catalogue records have no annotation
            description = " ".join(_phrase(language, rng, rng.randint(10, 60))).capitalize() + "."
        fmt = rng.choices(("ebook", "audiobook", "paper"), (50, 15, 35))[0]
        is_free = fmt != "paper" and rng.random() < 0.1
        popularity = int(rng.paretovariate(1.3)) - 1 if rng.random() < 0.7 else rng.randint(0, 3)
        series_id = number = None
        if rng.random() < 0.22:
            series_id = rng.choice(series_by_language[code])[0]
            number = rng.randint(1, 12)
        author_ids = [author_zipf[code].draw(rng).id]
        if rng.random() < 0.08:
            author_ids.append(author_zipf[code].draw(rng).id)
        rows.append(
            TitleRow(
                id=i,
                language=code,
                title=title[:500],
                description=description,
                isbn=_isbn13(isbn_serials[i - 1]) if rng.random() < 0.85 else "",
                format=fmt,
                age_rating=rng.choices((0, 6, 12, 16, 18), (30, 25, 25, 12, 8))[0],
                is_free=is_free,
                price=0 if is_free else rng.choice((1, 1, 1, 2, 3)),
                popularity=min(popularity, 50_000),
                series_id=series_id,
                series_number=number,
                author_ids=sorted(set(author_ids)),
                tag_ids=sorted({tag_zipf.draw(rng) for _ in range(rng.choice((0, 1, 2, 2, 3, 4)))}),
                genre_ids=sorted({rng.randrange(len(genres)) + 1 for _ in range(rng.choice((1, 1, 2)))}),
                words=[w for w in words if w not in language.stop],
            )
        )
    return Catalogue(languages, authors, series, tags, genres, rows)


class _Rows:
    """Rows for one model: the given columns, then every other concrete column at its default (computed
    once). Written with the search backend's bulk loader (COPY on PostgreSQL, executemany on SQLite):
    the ORM's bulk_create spends most of its time building SQL, which is not what this benchmark measures."""

    def __init__(self, model, given: tuple[str, ...]):
        from django.db import connection

        self.model = model
        auto = model._meta.auto_field
        others = [f for f in model._meta.concrete_fields if f.attname not in given and f is not auto]
        self.fields = tuple(given) + tuple(f.attname for f in others)
        self.defaults = tuple(f.get_db_prep_save(f.get_default(), connection) for f in others)

    def write(self, loader, rows) -> int:
        rows = [tuple(row) + self.defaults for row in rows]
        loader.rows(self.model, self.fields, rows)
        return len(rows)


def load(catalogue: Catalogue, *, batch: int = 50_000, progress=print) -> dict:
    """Write the catalogue into the configured database: one network with four libraries holding the paper
    titles' items. Returns counts."""
    from django.db import connection, transaction

    from abonement.catalog.models import Author, Genre, Item, Series, Tag, Title, TitleAuthor
    from abonement.catalog.search.backend import Loader
    from abonement.libraries.models import Library, Network

    loader = Loader(freeze=False)
    with transaction.atomic():
        network = Network.objects.create(name="Bench network", slug="bench-search")
        libraries = [
            Library.objects.create(
                network=network, name=f"Bench library {n}", contact_email=f"lib{n}@bench.example.org"
            )
            for n in range(4)
        ]
        _Rows(Author, ("id", "name", "sort_name")).write(
            loader, ((a.id, a.name, a.sort_name) for a in catalogue.authors)
        )
        _Rows(Series, ("id", "name")).write(loader, catalogue.series)
        _Rows(Tag, ("id", "name")).write(loader, catalogue.tags)
        _Rows(Genre, ("id", "name")).write(loader, catalogue.genres)
    titles = _Rows(
        Title,
        (
            "id",
            "network_id",
            "format",
            "title",
            "description",
            "language",
            "isbn",
            "age_rating",
            "is_free",
            "price",
            "popularity",
            "series_id",
            "series_number",
        ),
    )
    authors = _Rows(TitleAuthor, ("title_id", "author_id", "position", "role"))
    tags = _Rows(Title.tags.through, ("title_id", "tag_id"))
    genres = _Rows(Title.genres.through, ("title_id", "genre_id"))
    items = _Rows(Item, ("title_id", "library_id", "barcode", "status"))
    rng = random.Random(7)
    barcode = itertools.count(10_000_000)
    statuses = ["on_shelf"] * 7 + ["on_loan"] * 2 + ["reserved"]
    counts = {"titles": 0, "title authors": 0, "tag links": 0, "genre links": 0, "items": 0}
    for start in range(0, len(catalogue.titles), batch):
        chunk = catalogue.titles[start : start + batch]
        with transaction.atomic():
            counts["titles"] += titles.write(
                loader,
                (
                    (
                        t.id,
                        network.id if t.format == "paper" else None,
                        t.format,
                        t.title,
                        t.description,
                        t.language,
                        t.isbn,
                        t.age_rating,
                        t.is_free,
                        t.price,
                        t.popularity,
                        t.series_id,
                        t.series_number,
                    )
                    for t in chunk
                ),
            )
            counts["title authors"] += authors.write(
                loader, ((t.id, a, n, "") for t in chunk for n, a in enumerate(t.author_ids))
            )
            counts["tag links"] += tags.write(loader, ((t.id, g) for t in chunk for g in t.tag_ids))
            counts["genre links"] += genres.write(loader, ((t.id, g) for t in chunk for g in t.genre_ids))
            counts["items"] += items.write(
                loader,
                (
                    (t.id, lib.id, str(next(barcode)), rng.choice(statuses))
                    for t in chunk
                    if t.format == "paper"
                    for lib in rng.sample(libraries, rng.choice((1, 1, 2, 3)))
                ),
            )
        if progress:
            progress(f"  {start + len(chunk):,} titles written")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            for model in (
                Author,
                Series,
                Tag,
                Genre,
                Title,
                Item,
                TitleAuthor,
                Title.tags.through,
                Title.genres.through,
            ):
                table = model._meta.db_table
                sql = f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT MAX(id) FROM {table}))"  # noqa: S608
                cursor.execute(sql)
                cursor.execute(f"ANALYZE {table}")
    else:
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    counts["libraries"] = libraries
    return counts
