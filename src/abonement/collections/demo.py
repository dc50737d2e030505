"""Demo collection templates: the seven of the school library guide (seed 000, "Шаблоны для создания подборок"),
filled with titles of the demo catalogue, and one collection of the school library made from a template.

Idempotent: templates are found by name, books already in a template are not added again, and the school's
collection is made once.
"""

from abonement.catalog.models import Title
from abonement.collections import services
from abonement.collections.models import Collection

TEMPLATES = [
    ("О войне", ["Война и мир", "Бородино", "Тарас Бульба", "Хаджи-Мурат"]),
    ("Героическая проза", ["Капитанская дочка"]),
    ("О природе", ["Записки охотника"]),
    ("О животных", ["Каштанка", "Белый пудель"]),
    (
        "Классика — ключевые тексты для ЕГЭ по русскому языку и литературе",
        [
            "Евгений Онегин",
            "Капитанская дочка",
            "Герой нашего времени",
            "Мёртвые души",
            "Ревизор",
            "Горе от ума",
            "Преступление и наказание",
            "Отцы и дети",
            "Война и мир",
            "Гроза",
            "Вишнёвый сад",
        ],
    ),
    ("Классика и экранизация (читаем и смотрим)", ["Анна Каренина", "Дубровский", "Идиот", "Обломов"]),
    (
        "Классика — обязательный минимум",
        [
            "Евгений Онегин",
            "Медный всадник",
            "Шинель",
            "Муму",
            "Мцыри",
            "Горе от ума",
            "Капитанская дочка",
            "Ревизор",
            "Тарас Бульба",
            "Бородино",
            "Отцы и дети",
            "Левша",
            "Человек в футляре",
        ],
    ),
]
SCHOOL_COLLECTION_FROM = "О животных"


def load_collections_demo(school) -> None:
    names = {name for _, titles in TEMPLATES for name in titles}
    by_name = {}
    for title in Title.objects.filter(network__isnull=True, title__in=names).order_by("id"):
        by_name.setdefault(title.title, title)
    templates = {}
    for name, titles in TEMPLATES:
        # The seed's templates were made from other schools' collections: shared with every library.
        template = Collection.objects.filter(network__isnull=True, library__isnull=True, name=name).first()
        template = template or services.create_template(network=None, name=name)
        services.add_titles(collection=template, titles=[by_name[t] for t in titles if t in by_name])
        templates[name] = template
    source = templates[SCHOOL_COLLECTION_FROM]
    if not Collection.objects.filter(library=school, made_from=source).exists():
        services.copy_template(library=school, template=source)
