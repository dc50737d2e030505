import socket
from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from abonement.notifications import services
from abonement.notifications.models import Notice
from abonement.settings import mailers_from_url


def queue_reset_notice(user, **extra):
    with transaction.atomic():
        return services.queue(
            kind="password_reset",
            to=user.email,
            user=user,
            language="en",
            context={"user": user, "link": "https://example.org/reset"},
            **extra,
        )


def test_notice_and_its_task_commit_with_the_change(run_worker, smtp_server, user_factory):
    user = user_factory(email="reader@example.org")
    notice = queue_reset_notice(user)
    assert DBTaskResult.objects.count() == 1
    run_worker()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT and notice.attempts == 1 and notice.sent_at
    [message] = smtp_server.messages
    assert message["To"] == "reader@example.org"
    assert message["Subject"] == "Set a new password"
    assert "https://example.org/reset" in smtp_server.bodies()[0]


def test_rolled_back_change_leaves_no_notice_and_no_task(transactional_db, user_factory):
    user = user_factory()
    with pytest.raises(RuntimeError, match="boom"), transaction.atomic():
        services.queue(kind="password_reset", to=user.email, context={"user": user, "link": "x"})
        raise RuntimeError("boom")
    assert not Notice.objects.exists()
    assert not DBTaskResult.objects.exists()


def test_queue_outside_a_transaction_is_refused(transactional_db, user_factory):
    user = user_factory()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        services.queue(kind="password_reset", to=user.email, context={"user": user, "link": "x"})


def test_a_batch_writes_its_notices_with_one_delivery_task(run_worker, smtp_server, user_factory):
    readers = [user_factory(email=f"reader{i}@example.org") for i in range(3)]
    with transaction.atomic(), services.batch():
        queued = [
            services.queue(kind="password_reset", to=u.email, user=u, language="en", context={"user": u, "link": "x"})
            for u in readers
        ]
        assert not Notice.objects.exists()  # written when the batch ends, still inside the transaction
    assert all(notice.pk for notice in queued)
    assert Notice.objects.count() == 3 and DBTaskResult.objects.count() == 1
    run_worker()
    assert sorted(m["To"] for m in smtp_server.messages) == [u.email for u in readers]
    assert set(Notice.objects.values_list("status", flat=True)) == {Notice.Status.SENT}


def test_a_failed_batch_leaves_no_notice(transactional_db, user_factory):
    user = user_factory()
    with pytest.raises(RuntimeError, match="boom"), transaction.atomic(), services.batch():
        services.queue(kind="password_reset", to=user.email, context={"user": user, "link": "x"})
        raise RuntimeError("boom")
    assert not Notice.objects.exists() and not DBTaskResult.objects.exists()
    with transaction.atomic():  # the failed batch did not leave the next notice batched forever
        services.queue(kind="password_reset", to=user.email, context={"user": user, "link": "x"})
    assert Notice.objects.count() == 1


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_mail_server_down_delays_the_notice_and_retries_later(run_worker, settings, user_factory):
    settings.MAILERS = mailers_from_url(f"smtp://127.0.0.1:{_closed_port()}?timeout=2")
    user = user_factory()
    notice = queue_reset_notice(user)
    before = timezone.now()
    run_worker()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.RETRYING
    assert notice.attempts == 1
    assert "ConnectionRefused" in notice.last_error
    assert notice.next_attempt_at >= before + services.retry_delay(1) - timedelta(seconds=1)
    retry = DBTaskResult.objects.filter(status="READY").get()
    assert retry.run_after == notice.next_attempt_at
    # the retry is not due yet, so a worker run now does nothing
    run_worker()
    notice.refresh_from_db()
    assert notice.attempts == 1


def test_retry_delivers_once_the_server_is_back(run_worker, settings, smtp_server, user_factory):
    good = settings.MAILERS
    settings.MAILERS = mailers_from_url(f"smtp://127.0.0.1:{_closed_port()}?timeout=2")
    user = user_factory()
    notice = queue_reset_notice(user)
    run_worker()
    settings.MAILERS = good
    # time passes: the scheduled retry becomes due
    DBTaskResult.objects.filter(status="READY").update(run_after=timezone.now() - timedelta(seconds=1))
    run_worker()
    notice.refresh_from_db()
    assert notice.status == Notice.Status.SENT and notice.attempts == 2 and notice.last_error == ""
    assert len(smtp_server.messages) == 1


def test_delivery_is_idempotent(run_worker, smtp_server, user_factory):
    notice = queue_reset_notice(user_factory())
    run_worker()
    services.deliver(notice_id=notice.pk)
    assert len(smtp_server.messages) == 1


def test_gives_up_after_max_attempts(transactional_db, settings, user_factory):
    settings.MAILERS = mailers_from_url(f"smtp://127.0.0.1:{_closed_port()}?timeout=2")
    settings.NOTICE_MAX_ATTEMPTS = 2
    notice = queue_reset_notice(user_factory())
    assert services.deliver(notice_id=notice.pk).status == Notice.Status.RETRYING
    final = services.deliver(notice_id=notice.pk)
    assert final.status == Notice.Status.FAILED and final.attempts == 2 and final.next_attempt_at is None


def test_backoff_grows_and_is_capped():
    delays = [services.retry_delay(n).total_seconds() for n in range(1, 12)]
    assert delays[:3] == [30, 60, 120]
    assert delays == sorted(delays) and max(delays) == services.RETRY_MAX_SECONDS


def test_sms_goes_through_the_logging_gateway_by_default(transactional_db, user_factory, caplog):
    user = user_factory(phone="+37120000002")
    with transaction.atomic():
        notice = services.queue(
            kind="password_reset",
            to=user.phone,
            channel=Notice.Channel.SMS,
            language="en",
            context={"user": user, "link": "https://example.org/r"},
        )
    with caplog.at_level("INFO", logger="abonement.sms"):
        sent = services.deliver(notice_id=notice.pk)
    assert sent.status == Notice.Status.SENT
    assert "SMS to +37120000002" in caplog.text and "https://example.org/r" in caplog.text


def test_notice_is_rendered_in_the_recipients_language(db, user_factory, library_factory):
    library = library_factory(name="Rīgas bibliotēka", address="Brīvības 1", contact_email="r@example.org")
    user = user_factory(first_name="Anna", last_name="Bērziņa")
    with transaction.atomic():
        notice = services.queue(
            kind="staff_credentials",
            to=user.email,
            language="lv",
            library=library,
            context={"user": user, "login": "anna", "password": "abcde-fghjk-mnpqr"},
        )
    assert "Rīgas bibliotēka" in notice.subject
    assert "Parole: abcde-fghjk-mnpqr" in notice.body
    assert "Rīgas bibliotēka, Brīvības 1, r@example.org" in notice.body


def test_keyed_notices_keep_every_field_and_are_written_once(db, user_factory, library_factory):
    """The dedupe-keyed INSERT (one array a column on PostgreSQL, a VALUES list on SQLite) stores each field as
    given — attachment bytes, no library, a library — and skips a key already written."""
    user = user_factory(email="keyed@example.org")
    library = library_factory()
    at = timezone.now()
    with transaction.atomic(), services.batch():
        first = services.queue(
            kind="password_reset",
            to=user.email,
            user=user,
            language="en",
            context={"user": user, "link": "x"},
            attachment=("card.pdf", b"%PDF\x00\xff", "application/pdf"),
            now=at,
            dedupe_key="test:1",
        )
        second = services.queue(
            kind="password_reset",
            to="other@example.org",
            library=library,
            language="lv",
            context={"user": user, "link": "x"},
            now=at,
            dedupe_key="test:2",
        )
    assert first.pk and second.pk
    stored = Notice.objects.get(pk=first.pk)
    assert (stored.to, stored.user_id, stored.library_id, stored.language) == (user.email, user.pk, None, "en")
    assert (bytes(stored.attachment), stored.attachment_name, stored.attachment_type) == (
        b"%PDF\x00\xff",
        "card.pdf",
        "application/pdf",
    )
    assert stored.created_at == at and stored.status == Notice.Status.QUEUED and stored.attempts == 0
    assert stored.subject == "Set a new password" and stored.body == first.body
    other = Notice.objects.get(pk=second.pk)
    assert (other.library_id, other.user_id, other.attachment, other.dedupe_key) == (library.pk, None, None, "test:2")
    with transaction.atomic():
        again = services.queue(
            kind="password_reset", to=user.email, context={"user": user, "link": "x"}, dedupe_key="test:1"
        )
    assert again.pk is None and Notice.objects.count() == 2
