"""A long import commits batch by batch (SPEC Q1, Q6): other writers — logins, the worker — get the database
between batches; a batch the database refuses stops the import, and what it did is reported."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import translation

from abonement.catalog import services
from abonement.catalog.importers import ImportInterrupted, Position, TitleData, import_records
from abonement.catalog.models import Title
from abonement.catalog.tests.test_import_pages import upload
from abonement.core.models import Event
from abonement.core.worker import Worker
from abonement.notifications import services as notices
from abonement.notifications.models import Notice
from abonement.testing.database import database_locked, short_lock_waits
from abonement.testing.factories import TEST_PASSWORD


def records(count: int) -> list[TitleData]:
    return [
        TitleData(position=Position(number=i), title=f"Book {i}", control_number=f"B{i:05}")
        for i in range(1, count + 1)
    ]


def test_a_batch_the_database_refuses_stops_the_import_and_the_batches_before_stay(transactional_db):
    held = []

    def progress(report):
        if report.read == 4 and not held:  # the first batch is in: now someone else holds the database
            held.append(database_locked())
            held[0].__enter__()

    with short_lock_waits(0.3):
        try:
            with pytest.raises(ImportInterrupted) as caught:
                import_records(records(10), source="test", batch_size=4, progress=progress)
        finally:
            held[0].__exit__(None, None, None)
    report = caught.value.report
    assert (report.read, report.created, report.updated, report.failed) == (8, 4, 0, 0)
    with translation.override("en"):
        assert "The import stopped at record 5" in str(caught.value)
    assert sorted(Title.objects.values_list("control_number", flat=True)) == ["B00001", "B00002", "B00003", "B00004"]
    again = import_records(records(10), source="test", batch_size=4)  # importing the file again finishes it
    assert (again.created, again.unchanged) == (6, 4) and Title.objects.count() == 10


def test_the_import_page_tells_the_librarian_what_an_interrupted_import_did(transactional_db, librarian_factory):
    librarian = librarian_factory()
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": librarian.username, "password": TEST_PASSWORD}).status_code == 302
    data = b"title;barcode\nSprediitis;X-1\n"
    with short_lock_waits(0.3), database_locked():
        response = client.post("/staff/catalog/import/", {"file": upload("books.csv", data)})
    assert response.status_code == 503
    page = response.content.decode()
    assert "The import stopped at row 2" in page and "Import the same file again to finish" in page
    assert '<dd data-testid="created">0</dd>' in page
    assert not Title.objects.exists()
    response = client.post("/staff/catalog/import/", {"file": upload("books.csv", data)})
    assert response.status_code == 200 and Title.objects.count() == 1


TITLES = 12000
BATCH = 200
LOCK_WAIT_SECONDS = 3.0  # the settings' 20 s, scaled down with the import


def test_a_long_import_leaves_room_for_logins_and_the_worker(transactional_db, librarian_factory):
    """What librarians met on SQLite: while a big import ran, logins answered 500 ("database is locked") and the
    worker's loop died, so notices stayed queued."""
    librarian = librarian_factory()
    with transaction.atomic():
        notice = notices.queue(
            kind="password_reset",
            to=librarian.email,
            user=librarian,
            language="en",
            context={"user": librarian, "link": "x"},
        )
    csv = "title;authors;year\n" + "".join(f"Grāmata {i};Autors {i % 300};{1900 + i % 120}\n" for i in range(TITLES))
    started, finished = threading.Event(), threading.Event()
    problems, logins, imported = [], [], []

    def in_thread(work):
        def run():
            try:
                work()
            except BaseException as error:  # noqa: BLE001 — whatever a thread meets is the test's failure
                problems.append(f"{work.__name__}: {error!r}")
            finally:
                connection.close()

        return threading.Thread(target=run)

    def do_import():
        try:
            report = services.import_catalog_file(csv.encode(), batch_size=BATCH, progress=lambda report: started.set())
            imported.append(report)
        finally:
            started.set()
            finished.set()

    def sign_in():
        started.wait()
        while not finished.is_set():
            response = Client(HTTP_ACCEPT_LANGUAGE="en", raise_request_exception=False).post(
                "/login/", {"identifier": librarian.username, "password": TEST_PASSWORD}
            )
            logins.append((response.status_code, finished.is_set()))

    def work_tasks():
        started.wait()
        Worker(
            queue_names=["default"],
            interval=0.1,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id="test-worker",
            excluded_queue_names=[],
        ).run()

    with short_lock_waits(LOCK_WAIT_SECONDS):
        threads = [in_thread(do_import), in_thread(sign_in), in_thread(work_tasks)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=300)
    assert problems == []
    assert imported[0].created == TITLES and Title.objects.count() == TITLES
    assert logins and {status for status, _after in logins} == {302}
    assert any(not after for _status, after in logins), "no login finished while the import ran"
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT
    assert Event.objects.filter(kind=Event.Kind.LOGIN).count() == len(logins)
