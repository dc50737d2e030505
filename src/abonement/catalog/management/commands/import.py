"""`abonement import PATH [--format …] [--network SLUG]`: import catalogue records (SPEC C3, I5)."""

import time

from django.core.management.base import BaseCommand, CommandError

from abonement.catalog import importers, services
from abonement.libraries.models import Library, Network

ERRORS_PRINTED = 200


class Command(BaseCommand):
    help = (
        "Import titles from MARC 21 or UNIMARC/RUSMARC (ISO 2709 or MARCXML) or CSV. Without --network the titles "
        "go into the shared digital catalogue; with it they are the network's paper books (items in the "
        "libraries the records name, or in --library). Importing the same records again updates them."
    )

    def add_arguments(self, parser):
        parser.add_argument("path", help="the file to import")
        parser.add_argument("--format", choices=importers.FORMATS, help="the file's format (detected when omitted)")
        parser.add_argument("--network", metavar="SLUG", help="import paper books into this network")
        parser.add_argument(
            "--library", metavar="NAME_OR_ID", help="the network's library for items whose record names none"
        )
        parser.add_argument(
            "--source",
            default="",
            help="where the records come from; control numbers (001) are matched within a source",
        )
        parser.add_argument("--batch-size", type=int, default=importers.DEFAULT_BATCH_SIZE)

    def handle(self, *args, path, format, network, library, source, batch_size, **options):  # noqa: A002
        target_network = None
        if network:
            target_network = Network.objects.filter(slug=network).first()
            if target_network is None:
                known = ", ".join(Network.objects.order_by("slug").values_list("slug", flat=True)[:20]) or "none"
                raise CommandError(f"No network with the short name “{network}” (known: {known}).")
        default_library = None
        if library:
            if target_network is None:
                raise CommandError("--library needs --network: items belong to paper books of a network.")
            libraries = Library.objects.filter(network=target_network)
            default_library = (
                libraries.filter(pk=int(library)).first() if library.isdigit() else None
            ) or libraries.filter(name__iexact=library).first()
            if default_library is None:
                raise CommandError(f"No library “{library}” in the network {target_network.slug}.")
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")

        started = time.monotonic()
        verbose = options["verbosity"] > 0

        def progress(report):
            if verbose:
                elapsed = time.monotonic() - started
                self.stderr.write(
                    f"\r{report.read} records read — created {report.created}, updated {report.updated}, "
                    f"unchanged {report.unchanged}, failed {report.failed} ({elapsed:.0f} s)",
                    ending="",
                )
                self.stderr.flush()

        try:
            with open(path, "rb") as stream:
                report = services.import_catalog_file(
                    stream,
                    format=format,
                    network=target_network,
                    library=default_library,
                    source=source,
                    batch_size=batch_size,
                    progress=progress,
                )
        except OSError as exc:
            raise CommandError(f"Cannot read {path}: {exc.strerror or exc}") from exc
        except importers.NotACatalogFile as exc:
            raise CommandError(f"{path}: {exc} Nothing was imported.") from exc
        except importers.ImportInterrupted as exc:
            self.stderr.write("")
            raise CommandError(f"{path}: {exc} Imported so far: {exc.report.summary()}") from exc
        if verbose:
            self.stderr.write("")
        for error in report.errors[:ERRORS_PRINTED]:
            self.stderr.write(f"{path}: {error}")
        if len(report.errors) > ERRORS_PRINTED:
            self.stderr.write(f"… and {report.failed - ERRORS_PRINTED} more failed records.")
        for note in report.notes:
            self.stdout.write(note)
        target = f"network {target_network.slug}" if target_network else "the shared digital catalogue"
        summary = f"{report.format} into {target}: {report.summary()}"
        elapsed = time.monotonic() - started
        style = self.style.SUCCESS if not report.failed else self.style.WARNING
        self.stdout.write(style(f"{summary} ({elapsed:.1f} s)"))
        if report.failed and not report.imported:
            raise CommandError(f"{path}: no record could be imported.")
