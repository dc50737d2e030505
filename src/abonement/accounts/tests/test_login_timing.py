"""A failed sign-in costs the same work whether the login exists, and whatever hash its password has.

Work is counted in PBKDF2 rounds run by real hashers (abonement.testing.hashers), not in seconds, so the
comparison holds on a busy machine.
"""

import pytest
from django.contrib.auth.hashers import identify_hasher
from django.test import Client

from abonement.accounts.hashers import hash_generated_password
from abonement.testing.factories import TEST_PASSWORD
from abonement.testing.hashers import RoundTally, TalliedDefaultHasher

GENERATED_PASSWORD = "abcde-fghij-kmnpq"  # noqa: S105


@pytest.fixture
def tallied_hashers(settings):
    settings.PASSWORD_HASHERS = [
        "abonement.testing.hashers.TalliedDefaultHasher",
        "abonement.testing.hashers.TalliedGeneratedHasher",
    ]


def rounds_for_a_failed_login(identifier: str) -> int:
    RoundTally.rounds = 0
    response = Client(HTTP_ACCEPT_LANGUAGE="en").post("/login/", {"identifier": identifier, "password": "a-guess"})
    assert response.status_code == 400
    return RoundTally.rounds


@pytest.mark.django_db
def test_every_failure_costs_one_default_hasher_check(tallied_hashers, card_factory):
    chose_a_password = card_factory()
    never_signed_in = card_factory()
    never_signed_in.user.password = hash_generated_password(GENERATED_PASSWORD)
    never_signed_in.user.save(update_fields=["password"])

    costs = {
        "unknown card": rounds_for_a_failed_login("9999999"),
        "card with a chosen password": rounds_for_a_failed_login(chose_a_password.number),
        "card with a generated password": rounds_for_a_failed_login(never_signed_in.number),
    }

    one_check = TalliedDefaultHasher.iterations
    assert all(one_check <= cost <= one_check * 1.1 for cost in costs.values()), costs


@pytest.mark.django_db
def test_generated_password_still_signs_in_and_is_upgraded(tallied_hashers, card_factory):
    card = card_factory()
    card.user.password = hash_generated_password(GENERATED_PASSWORD)
    card.user.save(update_fields=["password"])
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert client.post("/login/", {"identifier": card.number, "password": TEST_PASSWORD}).status_code == 400
    assert client.post("/login/", {"identifier": card.number, "password": GENERATED_PASSWORD}).status_code == 302
    card.user.refresh_from_db()
    assert identify_hasher(card.user.password).algorithm == TalliedDefaultHasher.algorithm
