"""factory_boy factories for tests (and nothing else: production data goes through services)."""

import datetime

import factory

from abonement.accounts.models import User
from abonement.catalog.models import Title
from abonement.libraries.models import Library, Network, StaffMembership
from abonement.readers.models import Card

TEST_PASSWORD = "correct-horse-42"  # noqa: S105


class NetworkFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Network

    name = factory.Sequence(lambda n: f"Network {n}")
    slug = factory.Sequence(lambda n: f"network-{n}")


class LibraryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Library

    network = factory.SubFactory(NetworkFactory)
    name = factory.Sequence(lambda n: f"Library {n}")
    contact_email = factory.Sequence(lambda n: f"library{n}@example.org")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = "Test"
    last_name = factory.Sequence(lambda n: f"Person{n}")
    email = factory.Sequence(lambda n: f"user{n}@example.org")
    language = "en"
    password = factory.PostGenerationMethodCall("set_password", TEST_PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class LibrarianFactory(UserFactory):
    @factory.post_generation
    def library(obj, create, extracted, **kwargs):
        if create:
            StaffMembership.objects.create(user=obj, library=extracted or LibraryFactory())


class OperatorFactory(UserFactory):
    @factory.post_generation
    def network(obj, create, extracted, **kwargs):
        if create:
            (extracted or NetworkFactory()).operators.add(obj)


class CardFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Card

    number = factory.Sequence(lambda n: f"{2000000 + n}")
    library = factory.SubFactory(LibraryFactory)
    full_name = factory.Sequence(lambda n: f"Reader {n}")
    birth_date = datetime.date(2010, 5, 17)
    user = factory.SubFactory(UserFactory, username=factory.SelfAttribute("..number"))


class TitleFactory(factory.django.DjangoModelFactory):
    """A shared digital e-book; pass format="paper" and network=… for a paper title."""

    class Meta:
        model = Title

    title = factory.Sequence(lambda n: f"Book {n}")
    language = "ru"
    price = 1
    age_rating = 0
