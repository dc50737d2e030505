"""Demo data: one network, a school library, a public library with a branch, staff and a reader.

Idempotent: running it again changes nothing that exists. Demo passwords are public — never in production.
"""

from datetime import date

from django.db import transaction

from abonement.accounts.models import User
from abonement.libraries.models import LendingMode, Library, Network, StaffMembership
from abonement.readers.models import Card

DEMO_PASSWORD = "demo12345"  # noqa: S105 — documented demo-only password


def _user(username: str, **fields) -> User:
    user, created = User.objects.get_or_create(username=username, defaults=fields)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


@transaction.atomic
def load_demo() -> dict:
    network, _ = Network.objects.get_or_create(slug="demo", defaults={"name": "Demo network / Демо-сеть"})
    school, _ = Library.objects.get_or_create(
        network=network,
        name="Школа № 1 — библиотека",
        defaults={
            "address": "ул. Школьная, 1",
            "contact_email": "school-library@example.org",
            "lending_mode": LendingMode.SELF_SERVICE,
            "max_on_hand": 3,
            "loan_days": 365,
            "credits": 500,
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
            "credits": 100,
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
    return {
        "network": network,
        "libraries": [school, public, branch],
        "users": [admin, operator, librarian, librarian2, reader],
    }
