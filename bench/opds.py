"""Benchmark of the OPDS feeds (SPEC I3, issue #16): a 400,000-title catalogue on PostgreSQL, then feed pages
and OPDS search timed against the HTML catalogue page in the same run.

    .venv/bin/python bench/opds.py --server postgres://postgres@127.0.0.1:5432 [--titles 400000] [--runs 20]

Production settings (benchenv) in a database created for the run (abonement_bench_opds) and dropped after.
Timed through Django's test client (middleware, view, rendering; server time, no network), each request run
once to warm up and --runs times more:
  html       GET /catalog/browse/new/ and /catalog/?q=…, the HTML catalogue pages (the reference)
  feed       GET /opds/<library>/new/, popular/, a genre's, an author's feed, and the OPDS 2.0 twins (50 entries)
  search     GET /opds/<library>/search/?q=… with the same queries as the HTML search
Targets: feed page p95 <= 30 ms, OPDS search p95 <= 50 ms; reported with their ratios to the HTML pages, so a
loaded machine shows as a slow baseline rather than as a slow feed. Exit status 1 when a target is missed.
"""

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import benchenv  # noqa: E402
import catalog_generate  # noqa: E402

DATABASE = "abonement_bench_opds"
TARGETS = {"feed": 30.0, "search": 50.0}


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
    parser.add_argument("--titles", type=int, default=400_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--seed", type=int, default=2026)
    return parser.parse_args()


def timed(client, path: str, runs: int) -> list[float]:
    assert client.get(path).status_code == 200, path  # warm-up
    found = []
    for _ in range(runs):
        started = time.perf_counter()
        response = client.get(path)
        found.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, path
    return found


def p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(0.95 * len(ordered)) - 1))]


def summary(name: str, values: list[float], reference: list[float] | None = None) -> str:
    line = f"{name:8} median {statistics.median(values):6.1f} ms  p95 {p95(values):6.1f} ms"
    if reference:
        line += f"  ratio to HTML p95 {p95(values) / p95(reference):.2f}"
    return line


def bench(args) -> int:
    benchenv.setup_django()
    benchenv.migrate()
    from django.test import Client

    from abonement.catalog.models import Author, CatalogAccess, Genre
    from abonement.catalog.search import indexer

    info = benchenv.machine()
    print(f"{info['nproc']} CPUs ({info['cpu']}), {info['ram_gib']} GiB, load {info['loadavg_at_start']}")
    print(benchenv.describe_database(), flush=True)
    catalogue = catalog_generate.generate(args.titles, seed=args.seed)
    counts = catalog_generate.load(catalogue, progress=None)
    indexer.rebuild_index()
    print(f"catalogue: {counts}", flush=True)
    rng = random.Random(args.seed)
    words = [row.title.split()[0] for row in rng.sample(catalogue.titles, 20)]
    del catalogue

    from abonement.libraries.models import Library

    library = Library.objects.order_by("id").first()
    CatalogAccess.objects.update_or_create(library=library, defaults={"whole_catalog": True})
    genre = Genre.objects.order_by("id").first()
    author = Author.objects.order_by("-id").first()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    base = f"/opds/{library.pk}"

    html, feed, html_search, search = [], [], [], []
    for path in ("/catalog/browse/new/", "/catalog/browse/popular/"):
        html += timed(client, path, args.runs)
    for path in (
        f"{base}/new/",
        f"{base}/popular/",
        f"{base}/genres/{genre.pk}/",
        f"{base}/authors/{author.pk}/",
        f"{base}/v2/new/",
        f"{base}/v2/popular/",
        f"{base}/new/?page=20",
    ):
        values = timed(client, path, args.runs)
        print(f"  {path:40} median {statistics.median(values):6.1f} ms", flush=True)
        feed += values
    for word in words:
        html_search += timed(client, f"/catalog/?q={word}", max(1, args.runs // 4))
        search += timed(client, f"{base}/search/?q={word}", max(1, args.runs // 4))

    print(summary("html", html))
    print(summary("feed", feed, html))
    print(summary("html q", html_search))
    print(summary("search", search, html_search))
    missed = [name for name, values in (("feed", feed), ("search", search)) if p95(values) > TARGETS[name]]
    print("targets missed: " + ", ".join(missed) if missed else "targets met")
    return 1 if missed else 0


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="abonement-opds-bench-") as tmp:
        benchenv.configure_environment(Path(tmp), f"{args.server.rstrip('/')}/{DATABASE}")
        benchenv.create_database(args.server, DATABASE)
        try:
            return bench(args)
        finally:
            from django.db import connections

            connections.close_all()
            benchenv.drop_database(args.server, DATABASE)


if __name__ == "__main__":
    sys.exit(main())
