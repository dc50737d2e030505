"""Readers who gave only a phone hear about their loans by SMS (issue #13): the librarian's actions on the
Ordered list and the book page queue a short SMS in the reader's language, sent through the SMS gateway."""

import pytest
from django.test import Client

from abonement.circulation import services as circulation
from abonement.notifications import services
from abonement.notifications.models import Notice
from abonement.testing.factories import TEST_PASSWORD


@pytest.fixture
def library(library_factory, operator_factory):
    library = library_factory(name="Skola 5", lending_mode="by_request")
    circulation.grant_credits(operator=operator_factory(network=library.network), library=library, amount=10)
    return library


@pytest.fixture
def staff(librarian_factory, library):
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    librarian = librarian_factory(library=library)
    assert client.post("/login/", {"identifier": librarian.username, "password": TEST_PASSWORD}).status_code == 302
    return client


@pytest.fixture
def pupil(card_factory, user_factory, library):
    user = user_factory(email=None, phone="+37120000077", language="ru")
    return card_factory(library=library, user=user, full_name="Anna Ozola")


def sent_sms(notice: Notice, caplog) -> str:
    """Deliver the notice through the configured gateway (the logging one in tests) and return what it sent."""
    caplog.clear()
    with caplog.at_level("INFO", logger="abonement.sms"):
        assert services.deliver(notice_id=notice.pk).status == Notice.Status.SENT
    return caplog.text


@pytest.mark.django_db
def test_approved_and_rejected_requests_reach_a_phone_only_reader_by_sms(staff, pupil, title_factory, caplog):
    approved = circulation.request_title(card=pupil, title=title_factory(title="Malinovyj pelikan"))
    rejected = circulation.request_title(card=pupil, title=title_factory(title="Solovej"))

    staff.post("/staff/requests/decide/", {"action": "approve", "request": [approved.pk]})
    staff.post("/staff/requests/decide/", {"action": "reject", "request": [rejected.pk], "reason": "Not now"})

    notices = {n.kind: n for n in Notice.objects.filter(user=pupil.user)}
    assert set(notices) == {"request_approved_sms", "request_rejected_sms"}
    assert all(n.channel == Notice.Channel.SMS and n.to == "+37120000077" for n in notices.values())
    approved.refresh_from_db()
    day = approved.loan.last_day.strftime("%d.%m.%Y")
    text = sent_sms(notices["request_approved_sms"], caplog)
    assert f"SMS to +37120000077: Skola 5: Заявка одобрена: «Malinovyj pelikan» выдана вам до {day}." in text
    text = sent_sms(notices["request_rejected_sms"], caplog)
    assert "SMS to +37120000077: Skola 5: Заявка на «Solovej» отклонена: Not now" in text
    assert len(notices["request_approved_sms"].body) <= 160


@pytest.mark.django_db
def test_a_book_issued_at_the_desk_is_told_by_sms_and_an_email_reader_still_gets_an_email(
    staff, pupil, card_factory, library, title_factory, caplog
):
    title = title_factory(title="Solovej")
    staff.post(f"/staff/titles/{title.pk}/issue/", {"card_number": pupil.number})
    notice = Notice.objects.get(user=pupil.user)
    assert notice.kind == "loan_issued_sms" and notice.channel == Notice.Channel.SMS
    assert "«Solovej» выдана вам до" in sent_sms(notice, caplog)

    with_email = card_factory(library=library)
    staff.post(f"/staff/titles/{title.pk}/issue/", {"card_number": with_email.number})
    notice = Notice.objects.get(user=with_email.user)
    assert notice.kind == "loan_issued" and notice.channel == Notice.Channel.EMAIL
    assert notice.to == with_email.user.email


@pytest.mark.django_db
@pytest.mark.parametrize(
    "kind",
    [
        "loan_issued",
        "request_approved",
        "request_rejected",
        "queue_turn",
        "queue_skipped",
        "books_issued",
        "loan_ended",
    ],
)
@pytest.mark.parametrize("language", ["ru", "lv", "en"])
def test_every_lending_sms_is_short_and_in_the_readers_language(kind, language, pupil, title_factory):
    title = title_factory(title="Solovej")
    loan = circulation.force_issue(librarian=None, library=pupil.library, card_number=pupil.number, title=title)
    context = {
        "library": pupil.library,
        "site_url": "https://lib.example.org",
        "card": pupil,
        "title": title,
        "loan": loan,
        "loans": [loan],
        "due_at": loan.due_at,
        "reason": "—",
        "titles": ["Solovej"],
    }
    english, _ = services.render(f"{kind}_sms", language="en", context=context)
    subject, body = services.render(f"{kind}_sms", language=language, context=context)
    assert subject and body.startswith("Skola 5: ") and len(body) <= 160
    assert (
        "«Solovej»" if language == "ru" else "„Solovej“" if kind == "loan_ended" and language == "lv" else "“Solovej”"
    ) in body or kind == "books_issued"
    if language != "en":
        assert subject != english  # translated


@pytest.mark.django_db
def test_loans_that_ended_are_told_by_sms_to_a_phone_only_reader(pupil, card_factory, library, title_factory, caplog):
    first, second = title_factory(title="Solovej"), title_factory(title="Malinovyj pelikan")
    loans = [
        circulation.force_issue(librarian=None, library=library, card_number=pupil.number, title=title)
        for title in (first, second)
    ]
    with_email = card_factory(library=library)
    circulation.force_issue(librarian=None, library=library, card_number=with_email.number, title=first)
    Notice.objects.all().delete()

    assert circulation.expire_due_loans(now=max(loan.due_at for loan in loans)) == 3

    notice = Notice.objects.get(user=pupil.user)
    assert notice.kind == "loan_ended_sms" and notice.channel == Notice.Channel.SMS and notice.to == "+37120000077"
    assert "SMS to +37120000077: Skola 5: Закончился срок выдачи 2 книг." in sent_sms(notice, caplog)
    assert len(notice.body) <= 160
    email = Notice.objects.get(user=with_email.user)
    assert email.kind == "loan_ended" and email.channel == Notice.Channel.EMAIL and email.to == with_email.user.email


@pytest.mark.django_db
def test_one_ended_loan_names_the_book_in_the_sms(pupil, library, title_factory, caplog):
    title = title_factory(title="Solovej")
    loan = circulation.force_issue(librarian=None, library=library, card_number=pupil.number, title=title)
    circulation.expire_due_loans(now=loan.due_at)
    notice = Notice.objects.get(kind="loan_ended_sms")
    assert "Skola 5: Срок выдачи книги «Solovej» закончился." in sent_sms(notice, caplog)
