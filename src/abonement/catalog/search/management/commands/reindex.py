"""`abonement reindex`: rebuild the catalogue search index from the titles (SPEC C4)."""

import time

from django.core.management.base import BaseCommand

from abonement.catalog.search import backend, indexer


class Command(BaseCommand):
    help = (
        "Rebuild the search index of the whole catalogue in one transaction (searches keep using the old index "
        "until it commits). With --statistics, only recount term frequencies."
    )

    def add_arguments(self, parser):
        parser.add_argument("--statistics", action="store_true", help="only recount term frequencies")
        parser.add_argument("--chunk-size", type=int, default=10_000, help="titles read per query (default 10000)")
        parser.add_argument("--workers", type=int, default=1, help="processes analysing text (default 1)")

    def handle(self, *args, statistics=False, chunk_size=10_000, workers=1, verbosity=1, **options):
        started = time.perf_counter()
        if statistics:
            indexer.refresh_statistics()
            self.stdout.write(f"Term frequencies recounted in {time.perf_counter() - started:.1f} s.")
            return

        def progress(message):
            if verbosity > 1:
                self.stdout.write(f"  {message}")

        stats = indexer.rebuild_index(chunk_size=chunk_size, workers=workers, progress=progress)
        backend.vacuum(indexer.INDEX_MODELS)
        self.stdout.write(
            f"Indexed {stats.titles:,} titles in {time.perf_counter() - started:.1f} s: {stats.postings:,} postings, "
            f"{stats.terms:,} terms, {stats.suggestions:,} suggestions."
        )
