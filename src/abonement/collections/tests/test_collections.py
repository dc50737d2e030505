"""SPEC G2: collections of a library and templates of a network; the demo templates."""

import pytest

from abonement.collections import services
from abonement.collections.demo import TEMPLATES
from abonement.collections.models import Collection, CollectionTitle

pytestmark = pytest.mark.django_db


def order(collection) -> list[int]:
    return list(collection.entries.values_list("title_id", flat=True))


@pytest.fixture
def collection(library_factory):
    return services.create_collection(library=library_factory(), name="Nature")


def test_books_are_appended_once_in_the_given_order(collection, title_factory):
    a, b, c = title_factory(), title_factory(), title_factory()
    assert services.add_titles(collection=collection, titles=[b, a]) == 2
    assert services.add_titles(collection=collection, titles=[a, c, c]) == 1
    assert order(collection) == [b.pk, a.pk, c.pk]


def test_moving_and_removing_keep_a_dense_order(collection, title_factory):
    a, b, c = title_factory(), title_factory(), title_factory()
    services.add_titles(collection=collection, titles=[a, b, c])
    services.move_title(collection=collection, title_id=c.pk, offset=-1)
    assert order(collection) == [a.pk, c.pk, b.pk]
    services.move_title(collection=collection, title_id=a.pk, offset=-1)  # already first: stays
    assert order(collection) == [a.pk, c.pk, b.pk]
    assert list(collection.entries.values_list("position", flat=True)) == [0, 1, 2]
    assert services.remove_titles(collection=collection, title_ids=[c.pk]) == 1
    assert order(collection) == [a.pk, b.pk]


def test_a_collection_has_a_name_and_a_size_limit(collection, title_factory, library_factory, monkeypatch):
    with pytest.raises(services.NameRequired):
        services.create_collection(library=library_factory(), name="   ")
    monkeypatch.setattr(services, "MAX_TITLES", 2)
    services.add_titles(collection=collection, titles=[title_factory(), title_factory()])
    with pytest.raises(services.CollectionFull):
        services.add_titles(collection=collection, titles=[title_factory()])
    assert collection.entries.count() == 2


def test_a_copy_of_a_template_is_independent(library_factory, title_factory):
    library = library_factory()
    template = services.create_template(network=library.network, name="Animals")
    a, b = title_factory(), title_factory()
    services.add_titles(collection=template, titles=[a, b])
    copy = services.copy_template(library=library, template=template)
    assert copy.library == library and copy.made_from == template and order(copy) == [a.pk, b.pk]
    services.remove_titles(collection=copy, title_ids=[a.pk])
    services.rename(collection=copy, name="Animals, 3 B")
    template.refresh_from_db()
    assert order(template) == [a.pk, b.pk] and template.name == "Animals"


def test_a_template_of_another_network_cannot_be_copied(library_factory, network_factory):
    template = services.create_template(network=network_factory(), name="War")
    with pytest.raises(services.TemplateOfAnotherNetwork):
        services.copy_template(library=library_factory(), template=template)
    assert Collection.objects.filter(library__isnull=False).count() == 0


def test_a_platform_template_is_offered_to_every_network_and_managed_by_the_platform_admin(
    library_factory, network_factory, operator_factory, user_factory
):
    from abonement.collections import selectors

    template = services.create_template(network=None, name="Nature")
    here, there = library_factory(), library_factory(network=network_factory())
    for library in (here, there):
        assert template in selectors.templates_for_library(library)
        assert services.copy_template(library=library, template=template).made_from == template
    # an operator manages their network's templates only; the platform admin (superuser) manages this one
    assert template not in selectors.operator_templates(operator_factory(network=here.network))
    assert template in selectors.operator_templates(user_factory(is_superuser=True))


def test_demo_ships_the_seed_templates_filled_and_twice_changes_nothing(settings, tmp_path):
    from abonement.core.demo import load_demo

    settings.MEDIA_ROOT = tmp_path / "media"  # the demo writes book files
    data = load_demo()
    templates = Collection.objects.filter(network__isnull=True, library__isnull=True)  # the whole platform's
    assert sorted(templates.values_list("name", flat=True)) == sorted(name for name, _ in TEMPLATES)
    for template in templates:
        assert template.entries.count() >= 1, template.name
    assert templates.get(name="Классика — обязательный минимум").entries.count() == 13
    school = data["libraries"][0]
    assert Collection.objects.filter(library=school, made_from__name="О животных").count() == 1
    before = list(CollectionTitle.objects.order_by("pk").values_list("pk", "collection_id", "title_id", "position"))
    load_demo()
    after = list(CollectionTitle.objects.order_by("pk").values_list("pk", "collection_id", "title_id", "position"))
    assert after == before and Collection.objects.count() == len(TEMPLATES) + 1
