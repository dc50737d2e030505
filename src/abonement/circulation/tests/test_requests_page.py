"""The librarian's Ordered list (SPEC L4): figures, highlights, sorting, approving and rejecting in bulk,
isolation between libraries, the header count with its "new" mark, and a bounded number of queries."""

import re
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import NoReverseMatch, reverse
from django.utils import translation

from abonement.circulation import policies, services, views_requests
from abonement.circulation.models import Loan, Request
from abonement.core import clock
from abonement.notifications.models import Notice
from abonement.readers.models import Card
from abonement.testing.clients import signed_in

URL = "/staff/requests/"
DECIDE = "/staff/requests/decide/"


def born_years_ago(years: int) -> date:
    """A birth date that makes the reader exactly `years` old today."""
    return date(clock.now().date().year - years, 1, 1)


def ago(**delta):
    return clock.now() - timedelta(**delta)


def ask(card, title, **waited) -> Request:
    return services.request_title(card=card, title=title, now=ago(**(waited or {"minutes": 5})))


def row_html(html: str, request: Request) -> str:
    match = re.search(rf'<tr id="request-{request.pk}".*?</tr>', html, re.S)
    assert match, f"request {request.pk} is not listed"
    return match.group(0)


def listed(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr id="request-(\d+)"', html)]


def text(html: str) -> str:
    """The words of a piece of HTML, spaces collapsed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


@pytest.fixture
def library(library_factory, operator_factory):
    library = library_factory(name="Skola 5", lending_mode="by_request", max_on_hand=3)
    services.grant_credits(operator=operator_factory(network=library.network), library=library, amount=100)
    library.refresh_from_db()
    return library


@pytest.fixture
def staff(librarian_factory, library):
    return signed_in(librarian_factory(library=library))


@pytest.fixture
def reader(card_factory, library):
    return card_factory(library=library, full_name="Ivanova Anna", birth_date=born_years_ago(14))


def give(card, titles):
    """Open loans, issued by the desk (force issue lends whatever the card's mode)."""
    for title in titles:
        services.force_issue(librarian=None, library=card.library, card_number=card.number, title=title)


@pytest.mark.django_db
class TestList:
    def test_columns_and_figures(self, staff, reader, card_factory, library, title_factory):
        Card.objects.filter(pk=reader.pk).update(max_on_hand=20)
        give(reader, [title_factory() for _ in range(7)])
        give(reader, [title_factory(is_free=True, price=0) for _ in range(5)])
        wanted = title_factory(title="Malinovyj pelikan")
        first = ask(reader, wanted, days=2, hours=3)
        second = ask(reader, title_factory(title="Solovej"), hours=3)
        ask(card_factory(library=library), wanted, minutes=10)

        response = staff.get(URL)
        assert response.status_code == 200
        html = response.content.decode()
        headers = text(html[html.index("<thead>") : html.index("</thead>")])
        assert headers == "All on this page Waiting ▼ Reader On hand Requested Book Readers asking Decision"
        assert 'aria-sort="descending"' in html and html.count("aria-sort=") == 1
        assert listed(html)[:2] == [first.pk, second.pk]  # longest waiting first

        row = row_html(html, first)
        assert "2 days" in text(row)
        assert f'href="/staff/readers/{reader.pk}/"' in row
        assert "Ivanova Anna" in row and "14 years" in row and reader.number in row
        assert ">7+5<" in row and "7 paid, 5 free" in row
        cells = [text(cell) for cell in re.findall(r"<t[dh][ >].*?</t[dh]>", row, re.S)]
        # waiting, reader, on hand, requested (2 by this reader), book, readers asking (2 for this title)
        assert cells[1] == "2 days"
        assert cells[4] == "2" and cells[5] == "Malinovyj pelikan" and cells[6] == "2"
        assert "3 h" in text(row_html(html, second)) and "Solovej" in row_html(html, second)
        assert 'data-problem="' not in row  # 7 paid of 20: nothing to highlight

    def test_only_waiting_requests_of_this_library(self, staff, reader, card_factory, library_factory, title_factory):
        kept = ask(reader, title_factory())
        cancelled = ask(reader, title_factory())
        services.cancel_request(card=reader, request=cancelled)
        foreign = ask(card_factory(library=library_factory(), full_name="Foreign Reader"), title_factory())
        html = staff.get(URL).content.decode()
        assert listed(html) == [kept.pk]
        assert "Foreign Reader" not in html and foreign.pk not in listed(html)

    def test_title_links_to_the_book_page_when_there_is_one(self, staff, reader, title_factory):
        title = title_factory(title="Solovej")
        ask(reader, title)
        html = staff.get(URL).content.decode()
        try:
            url = reverse("catalog:title", kwargs={"title_id": title.pk})
        except NoReverseMatch:
            assert (
                "Solovej" in html and "<a href" not in row_html(html, Request.objects.get()).split("Solovej")[0][-40:]
            )
        else:
            assert f'<a href="{url}">Solovej</a>' in html

    def test_empty_list(self, staff):
        assert "No waiting requests." in staff.get(URL).content.decode()

    def test_pages_of_the_list(self, staff, reader, card_factory, library, title_factory, monkeypatch):
        monkeypatch.setattr(views_requests, "PAGE_SIZE", 2)
        requests = [ask(card_factory(library=library), title_factory(), hours=10 - i) for i in range(5)]
        html = staff.get(URL).content.decode()
        assert listed(html) == [requests[0].pk, requests[1].pk] and "page 1 of 3" in html
        html = staff.get(URL + "?sort=-title&page=3").content.decode()
        assert "page 3 of 3" in html and len(listed(html)) == 1
        assert 'href="?sort=-title&amp;page=2"' in html


@pytest.mark.django_db
class TestHighlights:
    def problems(self, staff, request) -> dict[str, str]:
        row = row_html(staff.get(URL).content.decode(), request)
        return {kind: text(badge) for kind, badge in re.findall(r'data-problem="(\w+)">(.*?)</strong>', row, re.S)}

    def test_limit_reached_on_hand(self, staff, reader, title_factory):
        Card.objects.filter(pk=reader.pk).update(max_on_hand=2)
        give(reader, [title_factory(), title_factory(), title_factory(is_free=True, price=0)])
        request = ask(reader, title_factory())
        # 2 paid on hand and this request make 3: the Requested column is over the limit too.
        assert self.problems(staff, request) == {
            "limit": "limit 2 reached",
            "requested": "over the limit of 2",
        }

    def test_a_free_title_is_never_over_the_limit(self, staff, reader, title_factory):
        Card.objects.filter(pk=reader.pk).update(max_on_hand=2)
        give(reader, [title_factory(), title_factory()])
        free = ask(reader, title_factory(is_free=True, price=0))
        assert "limit" not in self.problems(staff, free)

    def test_on_hand_and_requested_over_the_limit(self, staff, reader, title_factory):
        give(reader, [title_factory()])  # library limit 3: 1 on hand + 2 requested fits, + 3 does not
        first, second = ask(reader, title_factory()), ask(reader, title_factory())
        assert self.problems(staff, first) == {}
        third = ask(reader, title_factory())
        for request in (first, second, third):
            assert self.problems(staff, request) == {"requested": "over the limit of 3"}

    @pytest.mark.parametrize(
        ("birth_date", "rating", "expected"),
        [
            (born_years_ago(12), 16, {"age": "too young for 16+"}),
            (born_years_ago(16), 16, {}),
            (None, 6, {"age": "age unknown, the book is 6+"}),
            (None, 0, {}),
        ],
    )
    def test_age_rating_above_the_readers_age(
        self, staff, card_factory, library, title_factory, birth_date, rating, expected
    ):
        request = ask(card_factory(library=library, birth_date=birth_date), title_factory(age_rating=rating))
        assert self.problems(staff, request) == expected

    def test_reader_changed_birth_date(self, staff, reader, title_factory):
        request = ask(reader, title_factory())
        Request.objects.filter(pk=request.pk).update(birth_date_was=date(2008, 4, 1))
        assert self.problems(staff, request) == {"birth_date": "reader changed birth date, was 01.04.2008"}

    def test_blocked_card(self, staff, reader, title_factory):
        request = ask(reader, title_factory())
        Card.objects.filter(pk=reader.pk).update(status=Card.Status.BLOCKED)
        assert self.problems(staff, request) == {"blocked": "card blocked"}

    def test_problems_only(self, staff, reader, card_factory, library, title_factory):
        fine = ask(reader, title_factory())
        young = ask(card_factory(library=library, birth_date=born_years_ago(8)), title_factory(age_rating=12))
        changed = ask(card_factory(library=library), title_factory())
        Request.objects.filter(pk=changed.pk).update(birth_date_was=date(2008, 4, 1))
        html = staff.get(URL + "?show=problems").content.decode()
        assert listed(html) == [young.pk, changed.pk]
        assert "2 waiting requests" in html and fine.pk not in listed(html)
        assert listed(staff.get(URL + "?show=problems&sort=-waiting").content.decode()) == [young.pk, changed.pk]


@pytest.mark.django_db
class TestSorting:
    @pytest.fixture
    def data(self, reader, card_factory, library, title_factory):
        """Three readers and three titles with different figures in every column."""
        banana = card_factory(library=library, full_name="banana Boris")
        cherry = card_factory(library=library, full_name="Cherry Chen")
        Card.objects.filter(pk__in=[reader.pk, banana.pk, cherry.pk]).update(max_on_hand=10)
        give(cherry, [title_factory(), title_factory(), title_factory(is_free=True, price=0)])
        give(banana, [title_factory(), title_factory(is_free=True, price=0)])
        give(reader, [title_factory(), title_factory()])
        zeta, alpha, mu = (title_factory(title=name) for name in ("Zeta", "alpha", "Mu"))
        return [
            ask(reader, zeta, hours=5),
            ask(banana, alpha, hours=3),
            ask(banana, zeta, hours=1),
            ask(cherry, mu, days=2),
            ask(cherry, zeta, minutes=30),
            ask(banana, mu, hours=8),
        ]

    @staticmethod
    def expected(data, key, descending):
        figures = {
            "waiting": lambda r: clock.now() - r.created_at,
            "reader": lambda r: (r.card.full_name.lower(), r.card.number),
            "on_hand": lambda r: (
                Loan.objects.filter(card=r.card, ended_at=None, is_free=False).count(),
                Loan.objects.filter(card=r.card, ended_at=None, is_free=True).count(),
            ),
            "requested": lambda r: Request.objects.filter(card=r.card, status="waiting").count(),
            "title": lambda r: (r.title.title.lower(), r.title_id),
            "demand": lambda r: Request.objects.filter(title=r.title, status="waiting").count(),
        }
        tie_break = sorted(data, key=lambda r: (r.created_at, r.pk))
        return [r.pk for r in sorted(tie_break, key=figures[key], reverse=descending)]

    @pytest.mark.parametrize("key", ["waiting", "reader", "on_hand", "requested", "title", "demand"])
    @pytest.mark.parametrize("descending", [False, True])
    def test_sort_by_each_column(self, staff, data, key, descending):
        html = staff.get(URL, {"sort": ("-" if descending else "") + key}).content.decode()
        assert listed(html) == self.expected(data, key, descending)
        sorted_header = re.search(r'<th scope="col" aria-sort="(\w+)">\s*<a href="\?([^"]*)">', html)
        assert sorted_header.group(1) == ("descending" if descending else "ascending")
        # The sorted column's link turns the order round.
        flipped = "" if (key, descending) == ("waiting", False) else ("sort=" + ("" if descending else "-") + key)
        assert sorted_header.group(2) == flipped

    def test_default_is_the_longest_waiting_first_and_nonsense_falls_back_to_it(self, staff, data):
        expected = self.expected(data, "waiting", True)
        assert listed(staff.get(URL).content.decode()) == expected
        assert listed(staff.get(URL, {"sort": "-password"}).content.decode()) == expected


@pytest.mark.django_db
class TestApprove:
    def test_approve_many_one_fails_and_is_reported(self, staff, reader, card_factory, library, title_factory):
        blocked = card_factory(library=library, full_name="Petrov Pavel")
        ok_1, ok_2 = ask(reader, title_factory(title="Solovej")), ask(reader, title_factory())
        refused = ask(blocked, title_factory(title="Malinovyj pelikan"))
        Card.objects.filter(pk=blocked.pk).update(status=Card.Status.BLOCKED)

        response = staff.post(DECIDE, {"action": "approve", "request": [ok_1.pk, refused.pk, ok_2.pk]})
        assert response.status_code == 302 and response.url == URL
        page = staff.get(response.url)
        assert page.status_code == 200
        html = page.content.decode()
        assert "Approved 2 requests." in html
        report = text(html[html.index('id="not-approved-heading"') : html.index("</section>")])
        assert "1 request was not approved" in report
        assert "Petrov Pavel" in report and "Malinovyj pelikan" in report
        with translation.override("en"):
            assert str(policies.CardBlocked(number=blocked.number)) in report

        statuses = dict(Request.objects.values_list("pk", "status"))
        assert statuses == {ok_1.pk: "approved", ok_2.pk: "approved", refused.pk: "waiting"}
        assert Loan.objects.filter(card=reader, ended_at=None).count() == 2
        assert Request.objects.get(pk=ok_1.pk).decided_by == Request.objects.get(pk=ok_2.pk).decided_by is not None
        assert listed(html) == [refused.pk]
        # The report shows once.
        assert "not approved" not in staff.get(URL).content.decode()

    def test_approve_one_with_its_row_button_ignores_the_ticks(self, staff, reader, title_factory):
        one, other = ask(reader, title_factory()), ask(reader, title_factory())
        staff.post(DECIDE, {"approve_one": one.pk, "request": [other.pk]})
        assert dict(Request.objects.values_list("pk", "status")) == {one.pk: "approved", other.pk: "waiting"}

    def test_approving_an_approved_request_says_so_and_changes_nothing(self, staff, reader, title_factory):
        request = ask(reader, title_factory(title="Solovej"))
        staff.post(DECIDE, {"action": "approve", "request": [request.pk]})
        loans = Loan.objects.count()
        html = staff.post(DECIDE, {"action": "approve", "request": [request.pk]}, follow=True).content.decode()
        assert "Approved 0 requests." in html
        assert "Solovej" in html and "This request was already approved." in html
        assert Loan.objects.count() == loans and Request.objects.get().status == "approved"

    def test_all_on_this_page_works_without_javascript(
        self, staff, reader, card_factory, library, title_factory, monkeypatch
    ):
        monkeypatch.setattr(views_requests, "PAGE_SIZE", 2)
        requests = [ask(card_factory(library=library), title_factory(), hours=5 - i) for i in range(3)]
        html = staff.get(URL).content.decode()
        page_ids = re.search(r'name="page_ids" value="([\d,]+)"', html).group(1)
        assert page_ids == f"{requests[0].pk},{requests[1].pk}"
        response = staff.post(DECIDE, {"action": "approve", "all_on_page": "1", "page_ids": page_ids})
        assert response.status_code == 302
        assert [r.status for r in Request.objects.order_by("created_at")] == ["approved", "approved", "waiting"]

    def test_keeps_the_sort_and_filter_after_deciding(self, staff, reader, title_factory):
        request = ask(reader, title_factory())
        response = staff.post(DECIDE + "?sort=title&show=problems", {"approve_one": request.pk})
        assert response.url == URL + "?sort=title&show=problems"


@pytest.mark.django_db
class TestReject:
    def test_reject_many_with_a_reason(self, staff, reader, card_factory, library, title_factory):
        other = card_factory(library=library)
        kept = ask(other, title_factory())
        rejected = [ask(reader, title_factory(title="Solovej")), ask(other, title_factory())]
        response = staff.post(
            DECIDE, {"action": "reject", "request": [r.pk for r in rejected], "reason": "Not for the school programme"}
        )
        assert response.status_code == 302
        assert "Rejected 2 requests; the readers are told the reason." in staff.get(response.url).content.decode()
        for request in rejected:
            request.refresh_from_db()
            assert request.status == "rejected" and request.reason == "Not for the school programme"
        assert Request.objects.get(pk=kept.pk).status == "waiting"
        notices = Notice.objects.filter(kind="request_rejected")
        assert sorted(n.to for n in notices) == sorted([reader.user.email, other.user.email])
        assert all("Not for the school programme" in n.body for n in notices)
        assert "Solovej" in notices.get(to=reader.user.email).body

    @pytest.mark.parametrize("reason", ["", "   "])
    def test_without_a_reason_is_400_and_changes_nothing(self, staff, reader, title_factory, reason):
        requests = [ask(reader, title_factory()), ask(reader, title_factory())]
        response = staff.post(DECIDE, {"action": "reject", "request": [r.pk for r in requests], "reason": reason})
        assert response.status_code == 400
        html = response.content.decode()
        assert "Give the reason for the refusal: the reader gets it." in html
        assert all(f'value="{r.pk}" id="tick-{r.pk}" checked' in html for r in requests)  # the ticks stay
        assert set(Request.objects.values_list("status", flat=True)) == {"waiting"}
        assert not Notice.objects.filter(kind="request_rejected").exists()

    def test_rejecting_a_decided_request_rejects_none(self, staff, reader, title_factory):
        approved, waiting = ask(reader, title_factory()), ask(reader, title_factory())
        staff.post(DECIDE, {"approve_one": approved.pk})
        response = staff.post(DECIDE, {"action": "reject", "request": [approved.pk, waiting.pk], "reason": "No"})
        assert response.status_code == 409 and "This request was already approved." in response.content.decode()
        assert Request.objects.get(pk=waiting.pk).status == "waiting"

    def test_row_button_rejects_one_with_the_reason(self, staff, reader, title_factory):
        one, other = ask(reader, title_factory()), ask(reader, title_factory())
        staff.post(DECIDE, {"reject_one": one.pk, "request": [other.pk], "reason": "Duplicate"})
        assert dict(Request.objects.values_list("pk", "status")) == {one.pk: "rejected", other.pk: "waiting"}


@pytest.mark.django_db
class TestIsolationAndAccess:
    @pytest.fixture
    def foreign(self, card_factory, library_factory, title_factory):
        return ask(card_factory(library=library_factory(), full_name="Foreign Reader"), title_factory())

    @pytest.mark.parametrize(
        "data",
        [
            {"action": "approve"},
            {"action": "reject", "reason": "Because"},
            {"approve_one": "{foreign}"},
            {"reject_one": "{foreign}", "reason": "Because"},
            {"action": "approve", "all_on_page": "1", "page_ids": "{foreign}"},
        ],
    )
    def test_foreign_request_ids_change_nothing(self, staff, foreign, data):
        data = {key: value.format(foreign=foreign.pk) for key, value in data.items()}
        response = staff.post(DECIDE, {"request": [foreign.pk], **data})
        assert response.status_code == 400 and "Tick at least one request." in response.content.decode()
        foreign.refresh_from_db()
        assert foreign.status == "waiting" and foreign.decided_at is None
        assert not Loan.objects.exists() and not Notice.objects.filter(kind="request_rejected").exists()
        assert "Foreign Reader" not in response.content.decode()

    def test_foreign_ids_among_own_ones_are_ignored(self, staff, reader, title_factory, foreign):
        own = ask(reader, title_factory())
        staff.post(DECIDE, {"action": "reject", "request": [own.pk, foreign.pk], "reason": "No"})
        assert Request.objects.get(pk=own.pk).status == "rejected"
        assert Request.objects.get(pk=foreign.pk).status == "waiting"

    @pytest.mark.parametrize(
        "data",
        [{"action": "approve", "request": ["1 OR 1=1"]}, {"action": "delete", "request": ["1"]}, {"request": ["1"]}],
    )
    def test_nonsense_is_400(self, staff, reader, title_factory, data):
        ask(reader, title_factory())
        assert staff.post(DECIDE, data).status_code == 400
        assert set(Request.objects.values_list("status", flat=True)) == {"waiting"}

    def test_readers_and_strangers_are_kept_out(self, reader, title_factory):
        request = ask(reader, title_factory())
        as_reader = signed_in(reader.user)
        assert as_reader.get(URL).status_code == 403
        assert as_reader.post(DECIDE, {"approve_one": request.pk}).status_code == 403
        anonymous = Client()
        assert anonymous.get(URL).status_code == 302
        assert anonymous.post(DECIDE, {"approve_one": request.pk}).status_code == 302
        assert Request.objects.get().status == "waiting"

    def test_decide_is_post_only(self, staff):
        assert staff.get(DECIDE).status_code == 405


@pytest.mark.django_db
class TestHeader:
    def header(self, client) -> str:
        html = client.get("/staff/").content.decode()
        return text(html[html.index('data-testid="staff-header"') : html.index("</header>")])

    def test_count_and_new_mark(self, staff, reader, card_factory, library, library_factory, title_factory):
        assert "Waiting requests: 0" in self.header(staff) and "new" not in self.header(staff)
        ask(reader, title_factory())
        ask(reader, title_factory())
        cancelled = ask(reader, title_factory())
        services.cancel_request(card=reader, request=cancelled)
        ask(card_factory(library=library_factory()), title_factory())  # another library's
        html = staff.get("/staff/").content.decode()
        assert f'<a href="{URL}" data-testid="waiting-requests">Waiting requests: 2</a>' in html
        assert 'data-testid="new-requests"' in html and "Waiting requests: 2 ● new" in self.header(staff)

        staff.get(URL)  # the librarian looks at the list
        assert self.header(staff).endswith("Waiting requests: 2")
        services.request_title(card=reader, title=title_factory(), now=clock.now() + timedelta(seconds=1))
        assert self.header(staff).endswith("Waiting requests: 3 ● new")

    def test_new_mark_is_per_library(self, librarian_factory, library, library_factory, card_factory, title_factory):
        other = library_factory(name="Aaa first library")
        librarian = librarian_factory(library=library)
        librarian.staff_memberships.create(library=other)
        client = signed_in(librarian)
        ask(card_factory(library=library), title_factory())
        ask(card_factory(library=other), title_factory())
        client.post("/staff/library/switch/", {"library_id": library.pk})
        client.get(URL)
        assert self.header(client).endswith("Waiting requests: 1")
        client.post("/staff/library/switch/", {"library_id": other.pk})
        assert self.header(client).endswith("Waiting requests: 1 ● new")


@pytest.mark.django_db
def test_queries_stay_bounded_whatever_the_size(
    staff, library, card_factory, title_factory, django_assert_max_num_queries
):
    titles = [title_factory(age_rating=(0, 6, 12, 16, 18)[i % 5]) for i in range(10)]

    def fill(count):
        """Readers with every kind of problem: limits, ages, blocked cards, changed birth dates."""
        for i in range(count):
            birth_date = None if i % 7 == 0 else born_years_ago(6 + i % 12)
            card = card_factory(library=library, birth_date=birth_date, max_on_hand=1 if i % 4 == 0 else None)
            if i % 3 == 0:
                give(card, [title_factory(), title_factory(is_free=True, price=0)])
            request = ask(card, titles[i % len(titles)], minutes=i + 1)
            if i % 10 == 5:
                Card.objects.filter(pk=card.pk).update(status=Card.Status.BLOCKED)
            if i % 11 == 3:
                Request.objects.filter(pk=request.pk).update(birth_date_was=date(2008, 4, 1))

    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert staff.get(url).status_code == 200
        return len(captured)

    fill(3)
    few = {url: queries(url) for url in (URL, URL + "?show=problems&sort=-demand")}
    fill(47)
    with django_assert_max_num_queries(12):
        html = staff.get(URL).content.decode()
    assert len(listed(html)) == 50
    assert {url: queries(url) for url in few} == few
    # The highlights (Python) and the "problems only" filter (SQL) apply the same rules.
    highlighted = [int(pk) for pk in re.findall(r'<tr id="request-(\d+)" class="has-problem"', html)]
    assert 0 < len(highlighted) < 50
    assert sorted(listed(staff.get(URL + "?show=problems").content.decode())) == sorted(highlighted)
