"""Judged search queries (SPEC C4, issue #13): does the title a reader means come in the first three?

    .venv/bin/python bench/search_quality.py                       # SQLite file in a temp dir, 50,000 distractors
    .venv/bin/python bench/search_quality.py --distractors 400000 --markdown /tmp/quality.md
    .venv/bin/python bench/search_quality.py --database-url postgres://postgres@127.0.0.1:5432/abonement_quality_bench

The catalogue is the demo's real one (Russian, Latvian and English classics, modern titles, paper editions of
some) among synthetic distractor titles from bench/catalog_generate.py, which share their words, authors'
first names and word forms; the search index is built as `abonement reindex` does. Each judged query names
the title the reader means; a hit is that title among the first three results of `query.search()` (either
edition when there is a paper and an e-book one). Categories: exact titles, word forms, typos,
transliterated Latin spellings of Russian names and titles, author + title, Latvian with and without
diacritics, English. Target: hit rate ≥ 95 %. --markdown FILE writes the figures for BENCHMARKS.md.
"""

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

import catalog_generate  # noqa: E402
from catalog_search import (  # noqa: E402
    configure_environment,
    create_postgres_database,
    drop_postgres_database,
    machine,
)

TARGET = 0.95
TOP = 3

# (category, what the reader types, the title they mean)
JUDGED = [
    ("exact ru", "Война и мир", "Война и мир"),
    ("exact ru", "анна каренина", "Анна Каренина"),
    ("exact ru", "преступление и наказание", "Преступление и наказание"),
    ("exact ru", "евгений онегин", "Евгений Онегин"),
    ("exact ru", "мертвые души", "Мёртвые души"),
    ("exact ru", "отцы и дети", "Отцы и дети"),
    ("exact ru", "герой нашего времени", "Герой нашего времени"),
    ("exact ru", "вишневый сад", "Вишнёвый сад"),
    ("exact ru", "горе от ума", "Горе от ума"),
    ("exact ru", "Код доступа", "Код доступа"),
    ("exact ru", "математика для любопытных", "Математика для любопытных"),
    ("word forms ru", "о войне и мире", "Война и мир"),
    ("word forms ru", "капитанской дочки", "Капитанская дочка"),
    ("word forms ru", "мёртвых душах", "Мёртвые души"),
    ("word forms ru", "письма из риги", "Письма из Риги"),
    ("word forms ru", "тайну старого парка", "Тайна старого парка"),
    ("word forms ru", "лесной школы зимние каникулы", "Лесная школа. Зимние каникулы"),
    ("typo ru", "престулпение", "Преступление и наказание"),
    ("typo ru", "каренна", "Анна Каренина"),
    ("typo ru", "обломав", "Обломов"),
    ("typo ru", "гранатовый браслед", "Гранатовый браслет"),
    ("typo ru", "ревезор", "Ревизор"),
    ("typo ru", "бесприданица", "Бесприданница"),
    ("transliterated", "Pushkin Onegin", "Евгений Онегин"),
    ("transliterated", "Tolstoy Anna Karenina", "Анна Каренина"),
    ("transliterated", "Chekhov Chaika", "Чайка"),
    ("transliterated", "Dostoevsky Idiot", "Идиот"),
    ("transliterated", "Gogol Revizor", "Ревизор"),
    ("transliterated", "Turgenev Mumu", "Муму"),
    ("transliterated", "Oblomov", "Обломов"),
    ("transliterated", "Kapitanskaya dochka", "Капитанская дочка"),
    ("transliterated", "Voyna i mir", "Война и мир"),
    ("transliterated", "Vojna i mir", "Война и мир"),
    ("transliterated", "Mertvye dushi", "Мёртвые души"),
    ("transliterated", "Prestuplenie i nakazanie", "Преступление и наказание"),
    ("transliterated", "Čehovs Kaštanka", "Каштанка"),
    ("transliterated", "Puškins Pikovaja dama", "Пиковая дама"),
    ("transliterated", "Bunin Temnye allei", "Тёмные аллеи"),
    ("author + title", "Толстой Война", "Война и мир"),
    ("author + title", "Чехов Каштанка", "Каштанка"),
    ("author + title", "Пушкин Дубровский", "Дубровский"),
    ("author + title", "гоголь тарас бульба", "Тарас Бульба"),
    ("author + title", "Бунин Тёмные аллеи", "Тёмные аллеи"),
    ("author + title", "Гайдар Тимур", "Тимур и его команда"),
    ("author + title", "Blaumanis Indrāni", "Indrāni"),
    ("author + title", "Rainis Uguns un nakts", "Uguns un nakts"),
    ("author + title", "Stevenson treasure", "Treasure Island"),
    ("author + title", "Austen pride", "Pride and Prejudice"),
    ("lv", "Zelta zirgs", "Zelta zirgs"),
    ("lv", "Pērļu zvejnieks", "Pērļu zvejnieks"),
    ("lv", "Mazā pūce un zvaigznes", "Mazā pūce un zvaigznes"),
    ("lv", "Latvijas putni", "Latvijas putni"),
    ("lv", "Rīgas detektīvs", "Rīgas detektīvs"),
    ("lv plain", "Sidraba skidrauts", "Sidraba šķidrauts"),
    ("lv plain", "Skroderdienas Silmacos", "Skroderdienas Silmačos"),
    ("lv plain", "Lacplesis", "Lāčplēsis"),
    ("lv plain", "Mernieku laiki", "Mērnieku laiki"),
    ("lv plain", "Spriditis", "Sprīdītis"),
    ("lv plain", "Kakisa dzirnavas", "Kaķīša dzirnavas"),
    ("lv plain", "vasara pie juras", "Vasara pie jūras"),
    ("en", "pride and prejudice", "Pride and Prejudice"),
    ("en", "christmas carol", "A Christmas Carol"),
    ("en", "hound of the baskervilles", "The Hound of the Baskervilles"),
    ("en", "treasure island", "Treasure Island"),
    ("en", "alice in wonderland", "Alice's Adventures in Wonderland"),
    ("en", "lighthouse keeper", "The Lighthouse Keeper's Daughter"),
    ("en", "winter willow farm", "Winter at Willow Farm"),
    ("en", "code breakers lost key", "Code Breakers: The Lost Key"),
    ("en", "short history of maps", "A Short History of Maps"),
    ("typo en", "baskerviles", "The Hound of the Baskervilles"),
    ("typo en", "prejudise", "Pride and Prejudice"),
]


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", help="sqlite:////NEW_FILE or postgres://user@host:port/NEW_DB")
    parser.add_argument("--distractors", type=int, default=50_000, help="synthetic titles around the demo's")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--markdown", help="write the results as Markdown to this file")
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="abonement-quality-") as data_dir:
        url = configure_environment(Path(data_dir), args.database_url)
        postgres = url.startswith("postgres")
        if postgres:
            create_postgres_database(url)
        try:
            return judge(args)
        finally:
            if postgres:
                from django.db import connections

                connections.close_all()
                drop_postgres_database(url)


def judge(args) -> int:
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from abonement.catalog.demo import load_catalog_demo
    from abonement.catalog.models import Title
    from abonement.catalog.search import backend, indexer, query
    from abonement.libraries.models import Library, Network

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    catalog_generate.load(catalog_generate.generate(args.distractors, seed=args.seed), progress=None)
    network = Network.objects.create(name="Quality network", slug="quality")
    school = Library.objects.create(network=network, name="School", contact_email="school@example.org")
    public = Library.objects.create(network=network, name="Public", contact_email="public@example.org")
    branch = Library.objects.create(network=network, name="Branch", parent=public, contact_email="b@example.org")
    load_catalog_demo(network, [school, public, branch])
    indexer.rebuild_index()
    backend.vacuum(indexer.INDEX_MODELS)
    titles = Title.objects.count()
    print(f"{titles:,} titles indexed in {time.perf_counter() - started:.0f} s ({connection.vendor})", flush=True)

    known = set(Title.objects.filter(source="demo").values_list("title", flat=True))
    missing = sorted({meant for _c, _q, meant in JUDGED if meant not in known})
    if missing:
        sys.exit(f"judged titles missing from the demo catalogue: {missing}")

    by_category: dict[str, list[bool]] = defaultdict(list)
    misses = []
    for category, typed, meant in JUDGED:
        results = query.search(typed)
        top = [t.title for t in results.titles[:TOP]]
        hit = meant in top
        by_category[category].append(hit)
        if not hit:
            misses.append((category, typed, meant, top))
    hits = sum(sum(v) for v in by_category.values())
    rate = hits / len(JUDGED)
    lines = [
        f"Judged queries: **{hits} of {len(JUDGED)} ({rate:.1%})** have the meant title in the first {TOP} "
        f"(target ≥ {TARGET:.0%}); {titles:,} titles ({args.distractors:,} synthetic distractors), "
        f"{connection.vendor}, {machine()['cpus']} CPUs.",
        "",
        "| Category | Queries | Hits |",
        "|---|---:|---:|",
        *(f"| {c} | {len(v)} | {sum(v)} |" for c, v in by_category.items()),
    ]
    if misses:
        lines += ["", "Misses:", ""]
        lines += [f"- {c}: “{q}” → wanted “{m}”, got {top}" for c, q, m, top in misses]
    text = "\n".join(lines)
    print(text)
    if args.markdown:
        Path(args.markdown).write_text(text + "\n")
    return 0 if rate >= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
