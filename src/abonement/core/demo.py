"""Demo data: one network, a school library, a public library with a branch, staff and a reader.

Idempotent: running it again changes nothing that exists. Demo passwords are public — never in production.
"""

from datetime import date

from django.contrib.auth.hashers import check_password, make_password
from django.db import transaction

from abonement.accounts.models import User
from abonement.catalog.demo import load_catalog_demo
from abonement.circulation.demo import PAPER_READER_LOGINS, load_paper_demo
from abonement.collections.demo import load_collections_demo
from abonement.libraries.models import LendingMode, Library, Network, StaffMembership
from abonement.readers.models import Card
from abonement.sip2.demo import load_kiosk_demo

DEMO_PASSWORD = "demo12345"  # noqa: S105 — documented demo-only password
# Demo passwords are hashed with this fixed salt, so a demo account is recognisable from its hash alone (no
# slow password check): see demo_accounts(). Long enough for Django's salt-entropy rule, so a login does not
# re-hash it with a random salt; a real password set later gets a random salt and the account stops counting.
DEMO_PASSWORD_SALT = "abonementDemoAccountPublicPassword"  # noqa: S105 — a marker, not a secret
DEMO_NETWORK = "demo"
DEMO_LOGINS = ("admin", "operator", "librarian", "librarian2", "1000001", *PAPER_READER_LOGINS)


def _user(username: str, **fields) -> User:
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if created:
        user.password = make_password(DEMO_PASSWORD, salt=DEMO_PASSWORD_SALT)
        user.save()
    return user


def demo_accounts():
    """Accounts that still have the public demo password."""
    marked = User.objects.filter(password__contains=f"${DEMO_PASSWORD_SALT}$")
    if not Network.objects.filter(slug=DEMO_NETWORK).exists():
        return marked
    # Demo data loaded before the marker existed: the demo network tells, a password check per demo login confirms
    # (no setter: nothing is re-hashed or written).
    unmarked = User.objects.filter(username__in=DEMO_LOGINS).exclude(pk__in=marked)
    public = [user.pk for user in unmarked if check_password(DEMO_PASSWORD, user.password)]
    return marked | User.objects.filter(pk__in=public)


@transaction.atomic
def load_demo() -> dict:
    network, _ = Network.objects.get_or_create(slug=DEMO_NETWORK, defaults={"name": "Demo network / Демо-сеть"})
    school, _ = Library.objects.get_or_create(
        network=network,
        name="Школа № 1 — библиотека",
        defaults={
            "address": "ул. Школьная, 1",
            "contact_email": "school-library@example.org",
            "lending_mode": LendingMode.SELF_SERVICE,
            "max_on_hand": 3,
            "loan_days": 365,
            "timezone": "Europe/Moscow",
        },
    )
    public, _ = Library.objects.get_or_create(
        network=network,
        name="Pilsētas bibliotēka",
        defaults={
            "address": "Brīvības iela 1, Rīga",
            "contact_email": "public-library@example.org",
            "lending_mode": LendingMode.SELF_SERVICE,
            "max_on_hand": 5,
            "loan_days": 14,
            "timezone": "Europe/Riga",
            "opening_weekdays": "123456",
        },
    )
    branch, _ = Library.objects.get_or_create(
        network=network,
        name="Pilsētas bibliotēka — Centra filiāle",
        defaults={
            "parent": public,
            "address": "Elizabetes iela 2, Rīga",
            "contact_email": "branch@example.org",
            "loan_days": 14,
            "timezone": "Europe/Riga",
        },
    )
    admin = _user(
        "admin",
        first_name="Platform",
        last_name="Admin",
        email="admin@example.org",
        is_superuser=True,
        is_staff=True,
        language="en",
    )
    operator = _user("operator", first_name="Ольга", last_name="Операторова", email="operator@example.org")
    network.operators.add(operator)
    librarian = _user("librarian", first_name="Мария", last_name="Иванова", email="librarian@example.org")
    StaffMembership.objects.get_or_create(user=librarian, library=school)
    librarian2 = _user(
        "librarian2", first_name="Anna", last_name="Bērziņa", email="librarian2@example.org", language="lv"
    )
    StaffMembership.objects.get_or_create(user=librarian2, library=public)
    StaffMembership.objects.get_or_create(user=librarian2, library=branch)
    reader = _user("1000001", first_name="Петя", last_name="Сидоров", email="reader@example.org")
    Card.objects.get_or_create(
        number="1000001",
        defaults={"library": school, "user": reader, "full_name": "Сидоров Пётр", "birth_date": date(2012, 4, 1)},
    )
    load_catalog_demo(network, [school, public, branch])
    _demo_lending(operator=operator, librarian=librarian, school=school, public=public, reader_card=reader.cards.get())
    load_collections_demo(school)
    load_paper_demo(network=network, public=public, branch=branch, librarian=librarian2, make_user=_user)
    load_kiosk_demo(public=public)
    return {
        "network": network,
        "libraries": [school, public, branch],
        "users": [admin, operator, librarian, librarian2, reader],
    }


def _demo_lending(*, operator, librarian, school, public, reader_card) -> None:
    """Credits through the ledger, a class of pupils, a few loans and waiting requests — once."""
    from abonement.catalog.models import Title
    from abonement.catalog.selectors import lendable_titles
    from abonement.circulation import services as circulation
    from abonement.circulation.models import Loan
    from abonement.libraries.models import CreditEntry
    from abonement.readers.models import Group
    from abonement.readers.services import NewReader, create_readers

    for library, amount in ((school, 500), (public, 100)):
        if not CreditEntry.objects.filter(library=library).exists():
            circulation.grant_credits(operator=operator, library=library, amount=amount, note="Demo")
    if Group.objects.filter(library=school, name="5 А").exists():
        return
    pupils = [
        ("Иванова Анна", date(2013, 3, 14)),
        ("Петров Максим", date(2013, 7, 2)),
        ("Смирнова Дарья", date(2012, 11, 30)),
        ("Кузнецов Артём", date(2013, 1, 9)),
        ("Попова Ева", date(2013, 5, 21)),
        ("Васильев Лев", date(2012, 12, 1)),
    ]
    issued = create_readers(
        librarian=librarian,
        library=school,
        source="bulk_import",
        readers=[
            NewReader(full_name=name, birth_date=born, email=f"pupil{i}@example.org", group_names=("5 А",))
            for i, (name, born) in enumerate(pupils, start=1)
        ],
    )
    paid = list(lendable_titles(school).filter(is_free=False, age_rating__lte=6).order_by("id")[:6])
    free = Title.objects.filter(network__isnull=True, is_free=True, age_rating__lte=6).order_by("id").first()
    if free and not Loan.objects.filter(card=reader_card).exists():
        circulation.take(card=reader_card, title=free)
    for item, title in zip(issued[:3], paid[:3], strict=False):
        circulation.force_issue(librarian=librarian, library=school, card_number=item.card.number, title=title)
    for item, title in zip(issued[3:], paid[3:], strict=False):
        circulation.request_title(card=item.card, title=title)
