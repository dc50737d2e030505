import csv
import io
import re
from datetime import date, timedelta

import openpyxl
import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from django.utils import timezone

from abonement.accounts.models import TrackedSession, User
from abonement.core.models import Event
from abonement.notifications.models import Notice
from abonement.readers.models import Card, Group
from abonement.testing.factories import TEST_PASSWORD


@pytest.fixture
def library(library_factory):
    return library_factory(name="Skola 5", contact_email="skola5@example.lv")


@pytest.fixture
def staff(client, librarian_factory, library):
    librarian = librarian_factory(library=library)
    client.post("/login/", {"identifier": librarian.username, "password": TEST_PASSWORD})
    client.librarian = librarian
    return client


def reader_form(**overrides):
    data = {
        "full_name": "Ivanova Anna",
        "birth_date": "01.09.2012",
        "email": "anna@example.org",
        "phone": "",
        "language": "en",
    }
    data.update(overrides)
    return data


def password_on_slip(html: str) -> str:
    return re.search(r'class="credential">([a-z0-9-]{17})<', html).group(1)


@pytest.mark.django_db
class TestCreateOne:
    def test_creates_card_mails_credentials_and_shows_a_slip_whose_password_works(self, staff, library):
        response = staff.post("/staff/readers/new/", reader_form())
        card = Card.objects.get(full_name="Ivanova Anna")
        assert response.status_code == 302 and response.url == f"/staff/readers/{card.pk}/slip/"
        assert card.library == library and card.birth_date == date(2012, 9, 1) and card.source == "librarian"
        assert card.user.email == "anna@example.org" and card.user.username == card.number
        notice = Notice.objects.get(kind="reader_credentials")
        assert notice.to == "anna@example.org" and card.number in notice.body
        slip = staff.get(response.url).content.decode()
        password = password_on_slip(slip)
        assert password in notice.body
        reader = Client(HTTP_ACCEPT_LANGUAGE="en")
        assert reader.post("/login/", {"identifier": card.number, "password": password}).status_code == 302
        assert reader.post("/login/", {"identifier": "anna@example.org", "password": password}).status_code == 302
        assert Event.objects.filter(kind=Event.Kind.READER_REGISTERED, subject_user=card.user).exists()

    def test_generated_password_hash_is_upgraded_at_first_sign_in(self, staff):
        staff.post("/staff/readers/new/", reader_form())
        card = Card.objects.get()
        assert card.user.password.startswith("pbkdf2_generated$")
        password = password_on_slip(staff.get(f"/staff/readers/{card.pk}/slip/").content.decode())
        Client().post("/login/", {"identifier": card.number, "password": password})
        card.user.refresh_from_db()
        assert not card.user.password.startswith("pbkdf2_generated$")
        assert card.user.check_password(password)

    def test_phone_only_reader_gets_an_sms(self, staff):
        staff.post("/staff/readers/new/", reader_form(email="", phone="79261234567"))
        card = Card.objects.get()
        assert card.user.phone == "+79261234567" and card.user.email is None
        notice = Notice.objects.get(kind="reader_credentials_sms")
        assert notice.channel == "sms" and notice.to == "+79261234567" and card.number in notice.body

    def test_slip_shows_the_password_only_in_the_creating_session(self, staff, librarian_factory, library):
        staff.post("/staff/readers/new/", reader_form())
        card = Card.objects.get()
        colleague = Client(HTTP_ACCEPT_LANGUAGE="en")
        colleague.post(
            "/login/", {"identifier": librarian_factory(library=library).username, "password": TEST_PASSWORD}
        )
        html = colleague.get(f"/staff/readers/{card.pk}/slip/").content.decode()
        assert "not stored in readable form" in html and 'class="credential"' not in html

    @pytest.mark.parametrize("flow", ["create", "reset"])
    def test_slip_is_shown_once_with_no_store_and_the_password_never_reaches_the_session_store(
        self, flow, staff, card_factory, library
    ):
        if flow == "create":
            response = staff.post("/staff/readers/new/", reader_form())
            card = Card.objects.get(full_name="Ivanova Anna")
        else:
            card = card_factory(library=library)
            response = staff.post(f"/staff/readers/{card.pk}/password/")
        assert response.status_code == 302 and response.url == f"/staff/readers/{card.pk}/slip/"
        kept_before = [(s.session_data, str(s.get_decoded())) for s in Session.objects.all()]

        slip = staff.get(response.url)
        password = password_on_slip(slip.content.decode())
        card.user.refresh_from_db()
        assert card.user.check_password(password)
        kept_after = [(s.session_data, str(s.get_decoded())) for s in Session.objects.all()]
        for raw, decoded in kept_before + kept_after:
            assert password not in raw and password not in decoded
        assert "no-store" in slip["Cache-Control"]
        # The browser's half: a signed cookie sent to the slip only, for minutes, that the slip deletes.
        cookie = response.cookies["reader_slip"]
        assert cookie["path"] == response.url and cookie["httponly"] and cookie["samesite"] == "Strict"
        assert 0 < int(cookie["max-age"]) <= 600 and password not in cookie.value
        assert slip.cookies["reader_slip"].value == "" and slip.cookies["reader_slip"]["path"] == response.url

        again = staff.get(response.url)
        assert "no-store" in again["Cache-Control"] and 'class="credential"' not in again.content.decode()
        assert "not stored in readable form" in again.content.decode()
        # The cookie alone is not enough: without the session's half it shows nothing.
        staff.cookies["reader_slip"] = cookie.value
        assert password not in staff.get(response.url).content.decode()

    def test_a_forged_slip_cookie_shows_no_password(self, staff, card_factory, library):
        card = card_factory(library=library)
        response = staff.post(f"/staff/readers/{card.pk}/password/")
        staff.cookies["reader_slip"] = response.cookies["reader_slip"].value[:-2] + "xx"
        assert 'class="credential"' not in staff.get(response.url).content.decode()

    @pytest.mark.parametrize(
        ("overrides", "message"),
        [
            ({"birth_date": "31.02.2010"}, "Enter the date as DD.MM.YYYY, like 01.09.2012."),
            ({"birth_date": "soon"}, "Enter the date as DD.MM.YYYY, like 01.09.2012."),
            ({"birth_date": (timezone.localdate() + timedelta(days=2)).strftime("%d.%m.%Y")}, "is in the future"),
            ({"email": "anna.example.org"}, "Enter a valid e-mail address"),
            ({"email": "", "phone": "7926abc4567"}, "A phone number has digits only"),
            ({"email": "", "phone": "7926"}, "is not a valid phone number"),
            ({"email": "", "phone": ""}, "Give an e-mail or a phone"),
            ({"full_name": ""}, "Enter the reader&#x27;s full name."),
        ],
    )
    def test_bad_input(self, staff, overrides, message):
        response = staff.post("/staff/readers/new/", reader_form(**overrides))
        assert response.status_code == 400
        assert message in response.content.decode()
        assert not Card.objects.exists() and not Notice.objects.exists()

    def test_email_of_a_reader_of_another_library_is_refused_with_the_seed_message(self, staff, card_factory):
        card_factory(user__email="anna@example.org")
        response = staff.post("/staff/readers/new/", reader_form())
        assert response.status_code == 409
        assert (
            "A user with e-mail anna@example.org already exists — give another e-mail, or a phone instead."
            in response.content.decode()
        )
        assert Card.objects.count() == 1

    def test_phone_taken(self, staff, user_factory):
        user_factory(phone="+79261234567")
        response = staff.post("/staff/readers/new/", reader_form(email="", phone="+7 926 123-45-67"))
        assert response.status_code == 409
        assert "A user with phone +79261234567 already exists — give another phone" in response.content.decode()

    def test_messages_in_latvian(self, staff):
        staff.post("/i18n/setlang/", {"language": "lv"})
        response = staff.post("/staff/readers/new/", reader_form(birth_date="31.02.2010"))
        assert response.status_code == 400
        assert "DD.MM.GGGG" in response.content.decode()


@pytest.mark.django_db
class TestCardNumbers:
    def test_numbers_are_unique_and_skip_taken_ones(self, staff, card_factory, library):
        card_factory(number="1000000")
        card_factory(number="1000001")
        for i in range(3):
            staff.post("/staff/readers/new/", reader_form(email=f"r{i}@example.org", full_name=f"R {i}"))
        numbers = sorted(Card.objects.filter(library=library).values_list("number", flat=True))
        assert numbers == ["1000002", "1000003", "1000004"]

    def test_a_number_used_as_an_item_barcode_is_never_given_to_a_card(self, staff, library, title_factory):
        """The desk's one input takes either: a card and an item never share a code."""
        from abonement.catalog.models import Item

        title = title_factory(format="paper", network=library.network)
        Item.objects.create(title=title, library=library, barcode="1000001")
        for i in range(2):
            assert staff.post("/staff/readers/new/", reader_form(email=f"r{i}@example.org")).status_code == 302
        numbers = sorted(Card.objects.filter(library=library).values_list("number", flat=True))
        assert numbers == ["1000000", "1000002"]


@pytest.mark.django_db
class TestCardPage:
    def test_edit_blank_card_without_contacts(self, staff, card_factory, library):
        card = card_factory(library=library, full_name="", birth_date=None, user__email=None)
        response = staff.post(
            f"/staff/readers/{card.pk}/edit/",
            {"full_name": "Pēteris Kalniņš", "birth_date": "2014-03-05", "email": "", "phone": ""},
        )
        assert response.status_code == 302
        card.refresh_from_db()
        assert card.full_name == "Pēteris Kalniņš" and card.birth_date == date(2014, 3, 5)
        assert Event.objects.get(kind=Event.Kind.READER_CHANGED).details["fields"] == ["full_name", "birth_date"]

    def test_lending_settings(self, staff, card_factory, library):
        card = card_factory(library=library)
        response = staff.post(
            f"/staff/readers/{card.pk}/lending/", {"lending_mode": "self_service", "max_on_hand": "150"}
        )
        assert response.status_code == 302
        card.refresh_from_db()
        assert card.lending_mode == "self_service" and card.max_on_hand == 150
        bad = staff.post(f"/staff/readers/{card.pk}/lending/", {"lending_mode": "free-for-all", "max_on_hand": "-1"})
        assert bad.status_code == 400
        card.refresh_from_db()
        assert card.lending_mode == "self_service"

    def test_block_signs_the_reader_out_keeps_the_card_and_unblock_restores(self, staff, card_factory, library):
        card = card_factory(library=library)
        reader = Client()
        reader.post("/login/", {"identifier": card.number, "password": TEST_PASSWORD})
        assert staff.post(f"/staff/readers/{card.pk}/block/").status_code == 302
        card.refresh_from_db()
        assert card.status == Card.Status.BLOCKED and card.blocked_at is not None
        assert reader.get("/my/").status_code == 302
        assert not TrackedSession.objects.filter(user=card.user).exists()
        assert "Blocked since" in staff.get(f"/staff/readers/{card.pk}/").content.decode()
        staff.post(f"/staff/readers/{card.pk}/unblock/")
        card.refresh_from_db()
        assert card.status == Card.Status.ACTIVE
        assert [e.kind for e in Event.objects.filter(kind__startswith="reader_").order_by("id")] == [
            "reader_blocked",
            "reader_unblocked",
        ]

    def test_there_is_no_delete(self, staff, card_factory, library):
        card = card_factory(library=library)
        assert staff.delete(f"/staff/readers/{card.pk}/").status_code in {403, 405, 200}
        assert Card.objects.filter(pk=card.pk).exists()
        assert b"delete" not in staff.get(f"/staff/readers/{card.pk}/").content.lower()

    def test_new_password_for_a_reader(self, staff, card_factory, library):
        card = card_factory(library=library)
        response = staff.post(f"/staff/readers/{card.pk}/password/")
        password = password_on_slip(staff.get(response.url).content.decode())
        card.user.refresh_from_db()
        assert card.user.check_password(password) and not card.user.check_password(TEST_PASSWORD)


@pytest.mark.django_db
class TestListAndExport:
    def test_search_by_name_number_and_group(self, staff, card_factory, library):
        group = Group.objects.create(library=library, name="5.b")
        anna = card_factory(library=library, full_name="Anna Bērziņa", number="3000001")
        anna.groups.add(group)
        card_factory(library=library, full_name="Jānis Ozols", number="3000002")

        def names(q):
            return re.findall(
                r'href="/staff/readers/\d+/">([^<]+)<', staff.get("/staff/readers/", {"q": q}).content.decode()
            )

        assert names("bērz") == ["Anna Bērziņa"]
        assert names("3000002") == ["Jānis Ozols"]
        assert names("5.b") == ["Anna Bērziņa"]
        assert len(names("")) == 2

    def test_status_filter_and_mode_badge(self, staff, card_factory, library):
        card_factory(library=library, full_name="Blocked One", status=Card.Status.BLOCKED)
        card_factory(library=library, full_name="Active One", lending_mode="self_service")
        html = staff.get("/staff/readers/", {"status": "blocked"}).content.decode()
        assert "Blocked One" in html and "Active One" not in html
        assert 'class="badge mode-self_service"' in staff.get("/staff/readers/").content.decode()

    def test_list_query_count_is_bounded(self, staff, card_factory, library, django_assert_max_num_queries):
        group = Group.objects.create(library=library, name="7.a")
        for _ in range(30):
            card_factory(library=library).groups.add(group)
        with django_assert_max_num_queries(12):
            assert staff.get("/staff/readers/").status_code == 200

    def test_exports_neutralise_formulas(self, staff, card_factory, library):
        card_factory(library=library, full_name='=HYPERLINK("http://evil")', user__email="x@example.org")
        card_factory(library=library, full_name="Ēriks Šķēle")
        card_factory(library=library, full_name="Petrov;=2*21;", user__phone="+37120000001")
        csv_body = b"".join(staff.get("/staff/readers/export/csv/").streaming_content).decode("utf-8-sig")
        assert "'=HYPERLINK" in csv_body and "Ēriks Šķēle" in csv_body
        # Every text cell is quoted, so a ";" inside stays inside when LibreOffice (ru/lv) splits at ";" (see
        # reports/tests/test_libreoffice.py); read back at ",", the cells are the texts, none runs as a formula.
        assert '"Petrov;=2*21;"' in csv_body and '"\'+37120000001"' in csv_body
        cells = [cell for row in csv.reader(io.StringIO(csv_body)) for cell in row]
        assert "Petrov;=2*21;" in cells and not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)
        xlsx = staff.get("/staff/readers/export/xlsx/")
        assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")
        sheet = openpyxl.load_workbook(io.BytesIO(xlsx.content)).active
        by_name = {row[1].value: row for row in sheet.iter_rows(min_row=2)}
        # In xlsx a text cell is text already: the value is as typed, no apostrophe shows.
        evil, phone = by_name['=HYPERLINK("http://evil")'][1], by_name["Petrov;=2*21;"][5]
        assert (phone.value, phone.data_type, phone.quotePrefix) == ("+37120000001", "s", True)
        assert (evil.data_type, evil.quotePrefix) == ("s", True)
        assert "Ēriks Šķēle" in by_name and not by_name["Ēriks Šķēle"][1].quotePrefix
        assert staff.get("/staff/readers/export/pdf/").status_code == 404


@pytest.mark.django_db
class TestGroups:
    def test_create_rename_add_remove(self, staff, card_factory, library):
        card = card_factory(library=library, full_name="Marta Liepa")
        response = staff.post("/staff/groups/", {"name": "Olimpiāde"})
        group = Group.objects.get(name="Olimpiāde")
        assert response.url == f"/staff/groups/{group.pk}/"
        assert staff.post("/staff/groups/", {"name": "olimpiāde"}).status_code == 409
        assert "Marta Liepa" in staff.get(f"/staff/groups/{group.pk}/", {"q": "Liepa"}).content.decode()
        staff.post(f"/staff/groups/{group.pk}/members/", {"action": "add", "card": [card.pk]})
        assert list(group.cards.all()) == [card]
        staff.post(f"/staff/groups/{group.pk}/", {"name": "Olimpiāde 2026"})
        group.refresh_from_db()
        assert group.name == "Olimpiāde 2026"
        staff.post(f"/staff/groups/{group.pk}/members/", {"action": "remove", "card": [card.pk]})
        assert not group.cards.exists()

    def test_a_reader_in_many_groups_and_foreign_cards_cannot_be_added(self, staff, card_factory, library):
        mine, foreign = card_factory(library=library), card_factory()
        a = Group.objects.create(library=library, name="A")
        b = Group.objects.create(library=library, name="B")
        for group in (a, b):
            staff.post(f"/staff/groups/{group.pk}/members/", {"action": "add", "card": [mine.pk, foreign.pk]})
        assert set(mine.groups.values_list("name", flat=True)) == {"A", "B"}
        assert not foreign.groups.exists()

    def test_add_readers_finds_them_by_the_name_of_another_group(self, staff, card_factory, library):
        # the box says "Name, card number or group", as in the readers list: a whole class is found by its group
        pupils = [card_factory(library=library, full_name=name) for name in ("Anna Ozola", "Jānis Bērziņš")]
        outsider = card_factory(library=library, full_name="Pēteris Kalns")
        member = card_factory(library=library, full_name="Līga Member")
        klass = Group.objects.create(library=library, name="5.b")
        klass.cards.add(*pupils, member)
        club = Group.objects.create(library=library, name="Chess club")
        club.cards.add(member)
        page = staff.get(f"/staff/groups/{club.pk}/", {"q": "5.b"}).content.decode()
        found = re.findall(r'name="card" value="(\d+)" id="f', page)
        assert sorted(found) == sorted(str(c.pk) for c in pupils)
        assert outsider.full_name not in page and page.count("Līga Member") == 1  # a member is listed once, above


@pytest.mark.django_db
def test_operator_issues_blank_cards(client, operator_factory, library_factory, network_factory):
    network = network_factory()
    library = library_factory(network=network)
    operator = operator_factory(network=network)
    client.post("/login/", {"identifier": operator.username, "password": TEST_PASSWORD})
    assert client.post(f"/operator/libraries/{library.pk}/blank-cards/", {"count": "0"}).status_code == 400
    response = client.post(f"/operator/libraries/{library.pk}/blank-cards/", {"count": "3"})
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"  # it holds passwords
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 3
    cards = Card.objects.filter(library=library, source=Card.Source.BLANK)
    assert cards.count() == 3 and not Notice.objects.exists()
    assert all(c.user.email is None and c.user.phone is None and c.full_name == "" for c in cards)
    number, password, _library = rows[0]
    reader = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert reader.post("/login/", {"identifier": number, "password": password}).status_code == 302
    assert 'href="/my/backup-login/"' in reader.get("/my/").content.decode()  # offered a backup login
    assert User.objects.get(username=number).cards.get().is_blank


@pytest.mark.django_db
def test_printable_reader_card_has_number_and_barcode(staff, card_factory, library):
    card = card_factory(library=library, full_name="Līga Zariņa", number="1234567")
    html = staff.get(f"/staff/readers/{card.pk}/card/").content.decode()
    assert "Līga Zariņa" in html and "№ 1234567" in html and "Skola 5" in html
    assert "<svg" in html and "<rect" in html


@pytest.mark.django_db
def test_new_group_names_differing_in_case_make_one_group(librarian_factory, library_factory):
    from abonement.readers.services import NewReader, create_readers

    library = library_factory()
    readers = [
        NewReader(full_name="A", birth_date=date(2012, 1, 1), email="a@example.org", group_names=("Robotics", "5A")),
        NewReader(full_name="B", birth_date=date(2012, 1, 1), email="b@example.org", group_names=("ROBOTICS", "5a")),
    ]
    issued = create_readers(librarian=librarian_factory(library=library), library=library, readers=readers)
    assert Group.objects.filter(library=library).count() == 2
    assert all(i.card.groups.count() == 2 for i in issued)


@pytest.mark.django_db
def test_filters_ever_borrowed_and_on_hand(staff, card_factory, library, title_factory):
    from abonement.circulation import services as lending

    returned, holding, _never = (
        card_factory(library=library, full_name=n) for n in ("Returned R", "Holding H", "Never N")
    )
    lending.grant_credits(operator=None, library=library, amount=2)
    loan = lending.force_issue(
        librarian=staff.librarian, library=library, card_number=returned.number, title=title_factory()
    )
    lending.return_loan(loan=loan, actor=None)
    lending.force_issue(librarian=staff.librarian, library=library, card_number=holding.number, title=title_factory())

    def names(status):
        html = staff.get("/staff/readers/", {"status": status}).content.decode()
        return {n for n in ("Returned R", "Holding H", "Never N") if n in html}

    assert names("borrowed") == {"Returned R", "Holding H"}
    assert names("on_hand") == {"Holding H"}
    assert names("") == {"Returned R", "Holding H", "Never N"}
