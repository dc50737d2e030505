"""Queue and deliver notices.

`queue()` must run inside the transaction of the change that causes the notice: the Notice row and the
delivery task (a row of django-tasks-db) commit or roll back together with that change, so a notice is
never sent for a change that did not happen and never lost for one that did.
"""

import logging
import threading
from contextlib import contextmanager
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import connection, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from abonement.core import clock
from abonement.notifications import sms
from abonement.notifications.models import Notice

log = logging.getLogger("abonement.notifications")

RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 60 * 60


def render(kind: str, *, language: str, context: dict, time_zone: str | None = None) -> tuple[str, str]:
    """Render templates notifications/<kind>.txt: the first line is the subject, the rest the body. Dates and
    times are shown in `time_zone` (the library's: a loan ends at 23:59 of its day there)."""
    with translation.override(language), timezone.override(time_zone or settings.TIME_ZONE):
        text = render_to_string(f"notifications/{kind}.txt", context)
    subject, _, body = text.strip().partition("\n")
    return subject.strip(), body.strip() + "\n"


def queue(
    *,
    kind: str,
    to: str,
    context: dict,
    channel: str = Notice.Channel.EMAIL,
    language: str = "ru",
    library=None,
    user=None,
    attachment: tuple[str, bytes, str] | None = None,
    now: datetime | None = None,
    dedupe_key: str | None = None,
) -> Notice:
    """Record a notice and its delivery task in the caller's transaction. `attachment` = (name, bytes, mime type).
    Inside `batch()` the notice is written when the batch ends (its `pk` is set then). A notice with a
    `dedupe_key` already written (by an earlier run of a periodic job, or another worker) is not written again
    and gets no delivery task; its `pk` stays None."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("notices.queue() must run inside the transaction of the change it reports")
    context = {"library": library, "site_url": settings.SITE_URL, **context}
    subject, body = render(
        kind, language=language, context=context, time_zone=library.timezone if library is not None else None
    )
    notice = Notice(
        kind=kind,
        channel=channel,
        to=to,
        subject=subject,
        body=body,
        language=language,
        library=library,
        user=user,
        created_at=now or clock.now(),
        dedupe_key=dedupe_key,
        **(
            {"attachment_name": attachment[0], "attachment": attachment[1], "attachment_type": attachment[2]}
            if attachment
            else {}
        ),
    )
    pending = getattr(_batch, "notices", None)
    if pending is not None:
        pending.append(notice)
    else:
        _write([notice])
    return notice


_batch = threading.local()


@contextmanager
def batch():
    """Notices queued inside are written with one INSERT and one delivery task when the block ends — for work
    that notifies thousands of readers at once (loan expiry, mass issue, bulk registration). The block must run
    inside the transaction of the change, as `queue()` itself."""
    if getattr(_batch, "notices", None) is not None:  # already batching: the outer block writes
        yield
        return
    _batch.notices = []
    try:
        yield
        _write(_batch.notices)
    finally:
        _batch.notices = None


def _write(notices: list[Notice]) -> None:
    from abonement.notifications.tasks import deliver_notice, deliver_notices

    keyed = [notice for notice in notices if notice.dedupe_key]
    if keyed:
        notices = [notice for notice in notices if not notice.dedupe_key]
        written = _insert_new(keyed)
        if written:
            deliver_notices.enqueue(written)
    if not notices:
        return
    if len(notices) == 1:
        notices[0].save(force_insert=True)
        deliver_notice.enqueue(notices[0].pk)
        return
    Notice.objects.bulk_create(notices, batch_size=500)  # PostgreSQL and SQLite ≥ 3.35 return the ids
    deliver_notices.enqueue([notice.pk for notice in notices])


def _insert_new(notices: list[Notice], batch_size: int = 500) -> list[int]:
    """INSERT … ON CONFLICT DO NOTHING RETURNING: write the notices whose `dedupe_key` is new, set their `pk`
    and return those ids (PostgreSQL and SQLite ≥ 3.35). A key another transaction is writing right now waits
    for it and is then skipped, so two workers never write one notice twice."""
    fields = [field for field in Notice._meta.concrete_fields if not field.primary_key]
    columns = ", ".join(connection.ops.quote_name(field.column) for field in fields)
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    by_key = {notice.dedupe_key: notice for notice in notices}
    written: list[int] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # One array a column: a short statement psycopg need not parse again for each row's placeholders.
            arrays = ", ".join(f"%s::{field.db_type(connection)}[]" for field in fields)
            for start in range(0, len(notices), batch_size):
                chunk = notices[start : start + batch_size]
                cursor.execute(
                    f"INSERT INTO {Notice._meta.db_table} ({columns}) SELECT * FROM unnest({arrays})"  # noqa: S608
                    " ON CONFLICT DO NOTHING RETURNING id, dedupe_key",
                    [
                        [field.get_db_prep_save(field.pre_save(notice, add=True), connection) for notice in chunk]
                        for field in fields
                    ],
                )
                for pk, key in cursor.fetchall():
                    by_key[key].pk = pk
                    written.append(pk)
            return sorted(written)
        for start in range(0, len(notices), batch_size):
            chunk = notices[start : start + batch_size]
            values = [
                field.get_db_prep_save(field.pre_save(notice, add=True), connection)
                for notice in chunk
                for field in fields
            ]
            # The table and column names come from the model; every value is a parameter.
            cursor.execute(
                f"INSERT INTO {Notice._meta.db_table} ({columns}) VALUES "  # noqa: S608
                + ", ".join([row] * len(chunk))
                + " ON CONFLICT DO NOTHING RETURNING id, dedupe_key",
                values,
            )
            for pk, key in cursor.fetchall():
                by_key[key].pk = pk
                written.append(pk)
    return sorted(written)


def retry_delay(attempts: int) -> timedelta:
    return timedelta(seconds=min(RETRY_BASE_SECONDS * 2 ** (attempts - 1), RETRY_MAX_SECONDS))


def _send(notice: Notice) -> None:
    if notice.channel == Notice.Channel.SMS:
        sms.gateway().send(to=notice.to, text=notice.body)
        return
    reply_to = [notice.library.contact_email] if notice.library and notice.library.contact_email else None
    message = EmailMessage(subject=notice.subject, body=notice.body, to=[notice.to], reply_to=reply_to)
    if notice.attachment_name:
        message.attach(notice.attachment_name, bytes(notice.attachment), notice.attachment_type)
    message.send()


def deliver(*, notice_id: int, now: datetime | None = None) -> Notice:
    """Send one notice. Idempotent: a sent notice is never sent again; a failure schedules a retry."""
    from abonement.notifications.tasks import deliver_notice

    with transaction.atomic():
        notice = Notice.objects.select_for_update(of=("self",)).select_related("library").get(pk=notice_id)
        if notice.status in {Notice.Status.SENT, Notice.Status.FAILED}:
            return notice
        now = now or clock.now()
        notice.attempts += 1
        try:
            _send(notice)
        except Exception as exc:  # noqa: BLE001 — any transport error means "try later"
            notice.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if notice.attempts >= settings.NOTICE_MAX_ATTEMPTS:
                notice.status = Notice.Status.FAILED
                notice.next_attempt_at = None
                log.error("notice %s failed for good: %s", notice.pk, notice.last_error)
            else:
                notice.status = Notice.Status.RETRYING
                notice.next_attempt_at = now + retry_delay(notice.attempts)
                deliver_notice.using(run_after=notice.next_attempt_at).enqueue(notice.pk)
                log.warning("notice %s will retry at %s: %s", notice.pk, notice.next_attempt_at, notice.last_error)
        else:
            notice.status = Notice.Status.SENT
            notice.sent_at = now
            notice.attachment = None  # attachments may hold passwords: keep them no longer than needed
            notice.next_attempt_at = None
            notice.last_error = ""
        notice.save()
        return notice
