"""Demo catalogue: Russian, Latvian and English classics (public domain: free), children's books, modern paid
titles, audiobooks, EPUB fragments, and paper books with copies in the demo public library and its branch.

Loaded through the importer (source "demo", a stable control number per title), so running it again changes
nothing: records that match their titles unchanged write nothing, files are written once, and statuses,
popularity and catalogue selections are set only for what this run created. ISBNs are made up (valid check
digits) and the modern titles and their authors are invented.
"""

import hashlib
from datetime import timedelta

from django.core.files.base import ContentFile
from django.db import transaction

from abonement.catalog import services
from abonement.catalog.epub import make_epub, silent_mp3
from abonement.catalog.importers import AuthorName, ItemData, Position, TitleData, import_records
from abonement.catalog.models import CatalogAccess, Format, Item, Title
from abonement.catalog.search import indexer
from abonement.core import clock

SOURCE = "demo"
SCHOOL_SELECTION = 150
EPUB_BOOKS = 60

# (author, [(title, year, genre, age, description)]) — public domain: free.
RU_CLASSICS = [
    (
        "Александр Пушкин",
        [
            (
                "Евгений Онегин",
                1833,
                "Роман в стихах",
                12,
                "Роман в стихах о судьбе молодого петербургского дворянина.",
            ),
            (
                "Капитанская дочка",
                1836,
                "Историческая проза",
                12,
                "Повесть о любви и чести во времена пугачёвского восстания.",
            ),
            ("Пиковая дама", 1834, "Повесть", 12, "Петербургская повесть о тайне трёх карт."),
            ("Повести Белкина", 1831, "Повесть", 12, "Пять повестей, будто бы записанных скромным помещиком Белкиным."),
            ("Дубровский", 1841, "Роман", 12, "Разбойничий роман о молодом дворянине, лишённом наследства."),
            ("Медный всадник", 1833, "Поэма", 12, "Петербургская повесть в стихах о наводнении 1824 года."),
            ("Борис Годунов", 1825, "Драма", 12, "Трагедия о царе и самозванце."),
            ("Руслан и Людмила", 1820, "Поэма", 6, "Сказочная поэма о похищенной княжне."),
            ("Сказка о рыбаке и рыбке", 1835, "Сказка", 0, "Сказка о старике, старухе и золотой рыбке."),
            ("Сказка о царе Салтане", 1831, "Сказка", 0, "Сказка о славном и могучем богатыре князе Гвидоне."),
        ],
    ),
    (
        "Лев Толстой",
        [
            ("Война и мир", 1869, "Роман", 12, "Роман-эпопея о русском обществе в эпоху войн против Наполеона."),
            ("Анна Каренина", 1877, "Роман", 16, "Роман о любви, семье и обществе."),
            ("Воскресение", 1899, "Роман", 16, "Роман о суде, вине и нравственном возрождении."),
            ("Смерть Ивана Ильича", 1886, "Повесть", 16, "Повесть о жизни и смерти судейского чиновника."),
            ("Казаки", 1863, "Повесть", 12, "Повесть о молодом москвиче на Кавказе."),
            ("Детство", 1852, "Повесть", 6, "Первая часть автобиографической трилогии."),
            ("Хаджи-Мурат", 1912, "Повесть", 16, "Повесть о наибе Шамиля."),
            ("Крейцерова соната", 1890, "Повесть", 18, "Повесть о ревности и браке."),
        ],
    ),
    (
        "Антон Чехов",
        [
            ("Вишнёвый сад", 1904, "Пьеса", 12, "Комедия о продаже родового имения."),
            ("Чайка", 1896, "Пьеса", 12, "Комедия о любви и искусстве."),
            ("Три сестры", 1901, "Пьеса", 12, "Драма о сёстрах Прозоровых, мечтающих о Москве."),
            ("Дядя Ваня", 1897, "Пьеса", 12, "Сцены из деревенской жизни."),
            ("Палата № 6", 1892, "Рассказ", 16, "Рассказ о больничном флигеле и его обитателях."),
            ("Дама с собачкой", 1899, "Рассказ", 16, "Рассказ о встрече в Ялте."),
            ("Человек в футляре", 1898, "Рассказ", 12, "Рассказ об учителе Беликове."),
            ("Каштанка", 1887, "Рассказ", 6, "Рассказ о собаке, потерявшей хозяина."),
            ("Толстый и тонкий", 1883, "Рассказ", 6, "Рассказ о встрече двух школьных приятелей."),
            ("Хамелеон", 1884, "Рассказ", 6, "Рассказ о полицейском надзирателе Очумелове."),
            ("Ионыч", 1898, "Рассказ", 12, "Рассказ о земском докторе Старцеве."),
            ("Степь", 1888, "Повесть", 12, "История одной поездки."),
        ],
    ),
    (
        "Фёдор Достоевский",
        [
            ("Преступление и наказание", 1866, "Роман", 16, "Роман о студенте Родионе Раскольникове."),
            ("Идиот", 1869, "Роман", 16, "Роман о князе Мышкине."),
            ("Братья Карамазовы", 1880, "Роман", 16, "Последний роман Достоевского."),
            ("Бесы", 1872, "Роман", 16, "Роман о революционном кружке в губернском городе."),
            ("Белые ночи", 1848, "Повесть", 12, "Сентиментальный роман из воспоминаний мечтателя."),
            ("Бедные люди", 1846, "Роман", 12, "Роман в письмах."),
            ("Записки из подполья", 1864, "Повесть", 16, "Исповедь отставного чиновника."),
            ("Игрок", 1866, "Роман", 16, "Роман о рулетке и страсти."),
        ],
    ),
    (
        "Николай Гоголь",
        [
            ("Мёртвые души", 1842, "Поэма", 12, "Поэма в прозе о похождениях Чичикова."),
            ("Ревизор", 1836, "Пьеса", 12, "Комедия о мнимом ревизоре."),
            ("Шинель", 1842, "Повесть", 12, "Повесть о маленьком чиновнике Акакии Акакиевиче."),
            ("Нос", 1836, "Повесть", 12, "Повесть о сбежавшем носе майора Ковалёва."),
            ("Вечера на хуторе близ Диканьки", 1832, "Повесть", 12, "Повести, изданные пасичником Рудым Паньком."),
            ("Тарас Бульба", 1835, "Повесть", 12, "Повесть о запорожском казаке и его сыновьях."),
            ("Вий", 1835, "Повесть", 16, "Повесть о бурсаке Хоме Бруте."),
        ],
    ),
    (
        "Иван Тургенев",
        [
            ("Отцы и дети", 1862, "Роман", 12, "Роман о нигилисте Базарове."),
            ("Муму", 1854, "Рассказ", 12, "Рассказ о дворнике Герасиме."),
            ("Записки охотника", 1852, "Рассказ", 12, "Цикл рассказов о русской деревне."),
            ("Ася", 1858, "Повесть", 12, "Повесть о встрече на Рейне."),
            ("Дворянское гнездо", 1859, "Роман", 12, "Роман о Фёдоре Лаврецком."),
            ("Первая любовь", 1860, "Повесть", 12, "Повесть о первой любви шестнадцатилетнего юноши."),
        ],
    ),
    (
        "Михаил Лермонтов",
        [
            ("Герой нашего времени", 1840, "Роман", 12, "Роман о Григории Печорине."),
            ("Мцыри", 1839, "Поэма", 12, "Поэма о юном послушнике."),
            ("Демон", 1842, "Поэма", 12, "Восточная повесть в стихах."),
            ("Бородино", 1837, "Стихотворение", 6, "Стихотворение о Бородинском сражении."),
        ],
    ),
    (
        "Иван Гончаров",
        [
            ("Обломов", 1859, "Роман", 12, "Роман об Илье Ильиче Обломове."),
            ("Обыкновенная история", 1847, "Роман", 12, "Роман о юном провинциале в Петербурге."),
        ],
    ),
    ("Александр Грибоедов", [("Горе от ума", 1825, "Пьеса", 12, "Комедия в стихах о Чацком.")]),
    (
        "Александр Островский",
        [
            ("Гроза", 1859, "Пьеса", 12, "Драма о Катерине Кабановой."),
            ("Бесприданница", 1878, "Пьеса", 12, "Драма о Ларисе Огудаловой."),
            ("Снегурочка", 1873, "Пьеса", 6, "Весенняя сказка в стихах."),
        ],
    ),
    (
        "Николай Лесков",
        [
            ("Левша", 1881, "Повесть", 6, "Сказ о тульском косом левше и о стальной блохе."),
            ("Очарованный странник", 1873, "Повесть", 12, "Повесть о странствиях Ивана Флягина."),
            ("Леди Макбет Мценского уезда", 1865, "Повесть", 18, "Очерк о купчихе Катерине Измайловой."),
        ],
    ),
    (
        "Иван Бунин",
        [
            ("Тёмные аллеи", 1943, "Рассказ", 18, "Цикл рассказов о любви."),
            ("Антоновские яблоки", 1900, "Рассказ", 12, "Рассказ об уходящей усадебной жизни."),
            ("Господин из Сан-Франциско", 1915, "Рассказ", 12, "Рассказ о путешествии богатого американца."),
        ],
    ),
    (
        "Александр Куприн",
        [
            ("Гранатовый браслет", 1911, "Повесть", 12, "Повесть о безответной любви."),
            ("Олеся", 1898, "Повесть", 12, "Повесть о полесской колдунье."),
            ("Поединок", 1905, "Повесть", 16, "Повесть об армейской жизни."),
            ("Белый пудель", 1903, "Рассказ", 6, "Рассказ о бродячих артистах и их собаке."),
        ],
    ),
]

RU_CHILDREN = [
    ("Иван Крылов", "Басни", 1843, 6, "Басни о зверях и людях."),
    ("Всеволод Гаршин", "Лягушка-путешественница", 1887, 0, "Сказка о лягушке, которая полетела с утками."),
    ("Пётр Ершов", "Конёк-Горбунок", 1834, 0, "Сказка в стихах об Иванушке и его коньке."),
    ("Сергей Аксаков", "Аленький цветочек", 1858, 0, "Сказка ключницы Пелагеи."),
    ("Владимир Одоевский", "Городок в табакерке", 1834, 6, "Сказка о музыкальной табакерке."),
    ("Антоний Погорельский", "Чёрная курица, или Подземные жители", 1829, 6, "Волшебная повесть для детей."),
    ("Дмитрий Мамин-Сибиряк", "Алёнушкины сказки", 1897, 0, "Сказки, которые отец рассказывал дочери."),
    ("Дмитрий Мамин-Сибиряк", "Серая Шейка", 1893, 0, "Сказка об уточке, оставшейся на зиму."),
    ("Константин Ушинский", "Рассказы и сказки", 1864, 0, "Рассказы и сказки для самых маленьких."),
    ("Аркадий Гайдар", "Тимур и его команда", 1940, 6, "Повесть о дачных друзьях."),
    ("Аркадий Гайдар", "Чук и Гек", 1939, 6, "Повесть о двух братьях и путешествии в тайгу."),
    ("Павел Бажов", "Малахитовая шкатулка", 1939, 6, "Уральские сказы."),
    ("Павел Бажов", "Серебряное копытце", 1938, 0, "Сказ о волшебном козлике."),
    ("Алексей Толстой", "Золотой ключик, или Приключения Буратино", 1936, 0, "Сказка о деревянном мальчике."),
]

LV_CLASSICS = [
    (
        "Rainis",
        [
            ("Uguns un nakts", 1905, "Lugas", 12, "Dramatiska poēma par Lāčplēsi un Melno bruņinieku."),
            ("Zelta zirgs", 1909, "Lugas", 6, "Pasaka piecos cēlienos par Antiņu un Saulcerīti."),
            ("Indulis un Ārija", 1911, "Lugas", 12, "Traģēdija par kuršu valdnieku."),
            ("Pūt, vējiņi!", 1913, "Lugas", 12, "Luga pēc tautasdziesmas motīviem."),
            ("Jāzeps un viņa brāļi", 1919, "Lugas", 12, "Traģēdija pēc Bībeles motīviem."),
            ("Spēlēju, dancoju", 1915, "Lugas", 12, "Luga par Tottu un Ellas valdnieku."),
        ],
    ),
    (
        "Aspazija",
        [
            ("Sidraba šķidrauts", 1905, "Lugas", 12, "Luga par Gunu un sidraba šķidrautu."),
            ("Vaidelote", 1894, "Lugas", 12, "Traģēdija par vaideloti Kriveiti."),
            ("Ragana", 1893, "Lugas", 12, "Luga par sievietes likteni."),
            ("Zaudētas tiesības", 1894, "Lugas", 12, "Drāma par Mārtu."),
        ],
    ),
    (
        "Rūdolfs Blaumanis",
        [
            ("Zagļi", 1890, "Lugas", 12, "Luga par Viļa Vārnas nelaimi."),
            ("Indrāni", 1904, "Lugas", 12, "Traģēdija par vecajiem Indrāniem."),
            ("Ļaunais gars", 1907, "Lugas", 12, "Luga par Kristapa Vanaga likteni."),
            ("Skroderdienas Silmačos", 1902, "Lugas", 6, "Komēdija par Jāņu laiku Silmačos."),
            ("Nāves ēnā", 1899, "Noveles", 12, "Novele par zvejniekiem uz ledus gabala."),
            ("Purva bridējs", 1898, "Noveles", 12, "Novele par Kārli un Lienu."),
        ],
    ),
    (
        "Jānis Poruks",
        [
            ("Pērļu zvejnieks", 1895, "Stāsti", 12, "Stāsts par sapņotāju Kaspaŗu."),
            ("Kauja pie Knipskas", 1898, "Stāsti", 6, "Stāsts par skolas zēnu kauju."),
        ],
    ),
    (
        "Anna Brigadere",
        [
            ("Sprīdītis", 1903, "Lugas", 0, "Luga par mazo Sprīdīti, kas iet laimes meklēt."),
            ("Dievs. Daba. Darbs.", 1926, "Stāsti", 6, "Atmiņu stāsts par Annužu."),
            ("Lolitas brīnumputns", 1926, "Lugas", 0, "Pasaku luga par princesi un brīnumputnu."),
        ],
    ),
    (
        "Kārlis Skalbe",
        [
            ("Kaķīša dzirnavas", 1911, "Pasakas", 0, "Pasaka par kaķīti, kas uzcēla dzirnavas."),
            ("Ziemas pasaka", 1913, "Pasakas", 6, "Pasaka par ziemu un mīlestību."),
        ],
    ),
    ("Andrejs Pumpurs", [("Lāčplēsis", 1888, "Eposs", 12, "Latviešu tautas varoņeposs.")]),
    ("Reinis Kaudzīte", [("Mērnieku laiki", 1879, "Romāni", 12, "Pirmais latviešu romāns.")]),
]

EN_CLASSICS = [
    (
        "Lewis Carroll",
        [
            ("Alice's Adventures in Wonderland", 1865, "Fairy tales", 0, "A girl falls down a rabbit hole."),
            ("Through the Looking-Glass", 1871, "Fairy tales", 0, "Alice steps through a mirror."),
        ],
    ),
    (
        "Mark Twain",
        [
            ("The Adventures of Tom Sawyer", 1876, "Adventure", 6, "A boy on the Mississippi."),
            ("Adventures of Huckleberry Finn", 1884, "Adventure", 12, "Huck and Jim on a raft."),
        ],
    ),
    (
        "Rudyard Kipling",
        [
            ("The Jungle Book", 1894, "Stories", 6, "Mowgli and the animals of the jungle."),
            ("Just So Stories", 1902, "Fairy tales", 0, "How the leopard got his spots, and more."),
        ],
    ),
    (
        "Jane Austen",
        [
            ("Pride and Prejudice", 1813, "Novels", 12, "Elizabeth Bennet and Mr Darcy."),
            ("Emma", 1815, "Novels", 12, "A young matchmaker in Highbury."),
        ],
    ),
    (
        "Charles Dickens",
        [
            ("Oliver Twist", 1838, "Novels", 12, "An orphan in London."),
            ("A Christmas Carol", 1843, "Stories", 6, "Scrooge and three spirits."),
            ("Great Expectations", 1861, "Novels", 12, "Pip and his benefactor."),
        ],
    ),
    (
        "Jack London",
        [
            ("The Call of the Wild", 1903, "Adventure", 12, "A dog in the Klondike."),
            ("White Fang", 1906, "Adventure", 12, "A wolf-dog tamed."),
        ],
    ),
    ("Robert Louis Stevenson", [("Treasure Island", 1883, "Adventure", 6, "Pirates and buried gold.")]),
    (
        "Oscar Wilde",
        [
            ("The Picture of Dorian Gray", 1890, "Novels", 16, "A portrait that ages instead of its sitter."),
            ("The Happy Prince and Other Tales", 1888, "Fairy tales", 0, "A statue and a swallow."),
        ],
    ),
]
SHERLOCK = [
    ("A Study in Scarlet", 1887, 1, "Holmes and Watson meet."),
    ("The Sign of the Four", 1890, 2, "A treasure and a pact."),
    ("The Adventures of Sherlock Holmes", 1892, 3, "Twelve cases."),
    ("The Hound of the Baskervilles", 1902, 5, "A legend on the moor."),
]

# Invented modern titles and authors: paid, 1 credit. (author, title, year, genre, age, series, number, language)
MODERN = [
    ("Ирина Белова", "Сезон дождей", 2021, "Современная проза", 16, "", None, "ru"),
    ("Ирина Белова", "Дом на набережной Фонтанки", 2022, "Современная проза", 16, "", None, "ru"),
    ("Максим Орлов", "Тайна старого парка", 2019, "Детектив", 12, "Тайны старого парка", 1, "ru"),
    ("Максим Орлов", "Тайна заброшенной станции", 2020, "Детектив", 12, "Тайны старого парка", 2, "ru"),
    ("Максим Орлов", "Тайна северного маяка", 2022, "Детектив", 12, "Тайны старого парка", 3, "ru"),
    ("Анна Соколова", "Лесная школа", 2020, "Сказка", 0, "", None, "ru"),
    ("Анна Соколова", "Лесная школа. Зимние каникулы", 2021, "Сказка", 0, "", None, "ru"),
    ("Дмитрий Лебедев", "Код доступа", 2023, "Фантастика", 16, "Станция «Полярная»", 1, "ru"),
    ("Дмитрий Лебедев", "Протокол тишины", 2024, "Фантастика", 16, "Станция «Полярная»", 2, "ru"),
    ("Ольга Миронова", "Как устроен город", 2022, "Научно-популярное", 6, "", None, "ru"),
    ("Елена Крылова", "Письма из Риги", 2021, "Современная проза", 16, "", None, "ru"),
    ("Сергей Ветров", "Математика для любопытных", 2020, "Научно-популярное", 12, "", None, "ru"),
    ("Laura Kalniņa", "Rīgas detektīvs", 2019, "Detektīvs", 12, "Rīgas detektīvs", 1, "lv"),
    ("Laura Kalniņa", "Rīgas detektīvs un pazudušais gleznotājs", 2020, "Detektīvs", 12, "Rīgas detektīvs", 2, "lv"),
    ("Laura Kalniņa", "Rīgas detektīvs Jūrmalā", 2022, "Detektīvs", 12, "Rīgas detektīvs", 3, "lv"),
    ("Mārtiņš Ozoliņš", "Vasara pie jūras", 2021, "Romāni", 12, "", None, "lv"),
    ("Mārtiņš Ozoliņš", "Ziemeļu vējš", 2023, "Romāni", 16, "", None, "lv"),
    ("Ilze Bērziņa", "Mazā pūce un zvaigznes", 2020, "Pasakas", 0, "", None, "lv"),
    ("Ilze Bērziņa", "Mazā pūce iet uz skolu", 2022, "Pasakas", 0, "", None, "lv"),
    ("Kristaps Liepa", "Latvijas putni", 2021, "Populārzinātne", 6, "", None, "lv"),
    ("Dace Krūmiņa", "Dārzs aiz mājas", 2023, "Romāni", 16, "", None, "lv"),
    ("Emily Hart", "The Lighthouse Keeper's Daughter", 2020, "Novels", 16, "", None, "en"),
    ("Emily Hart", "Winter at Willow Farm", 2022, "Novels", 12, "", None, "en"),
    ("Tom Fletcher-Price", "Code Breakers", 2021, "Adventure", 12, "Code Breakers", 1, "en"),
    ("Tom Fletcher-Price", "Code Breakers: The Lost Key", 2023, "Adventure", 12, "Code Breakers", 2, "en"),
    ("Grace Okafor", "A Short History of Maps", 2022, "Non-fiction", 12, "", None, "en"),
]

AUDIOBOOKS = [  # (key of the e-book, narrator)
    ("ru-aleksandr-pushkin-kapitanskaya-dochka", "Александр Клюквин"),
    ("ru-anton-chehov-kashtanka", "Ирина Литвинова"),
    ("ru-nikolay-gogol-mertvye-dushi", "Александр Клюквин"),
    ("lv-rudolfs-blaumanis-zagli", "Pēteris Ozols"),
    ("lv-anna-brigadere-spriditis", "Dace Eversa"),
    ("en-lewis-carroll-alices-adventures-in-wonderland", "Grace Okafor"),
]

# Paper books of the demo network: (key of the e-book, [(library index 1=public 2=branch, fund), …])
PAPER = [
    ("ru-aleksandr-pushkin-evgeniy-onegin", [(1, "Abonements"), (1, "Lasītava"), (2, "Abonements")]),
    ("ru-lev-tolstoy-voyna-i-mir", [(1, "Abonements"), (2, "Abonements")]),
    ("ru-fedor-dostoevskiy-prestuplenie-i-nakazanie", [(1, "Abonements"), (1, "Abonements")]),
    ("ru-anton-chehov-vishnevyy-sad", [(1, "Lasītava")]),
    ("ru-nikolay-gogol-revizor", [(2, "Abonements")]),
    ("ru-ivan-turgenev-otcy-i-deti", [(1, "Abonements"), (2, "Abonements")]),
    ("ru-mihail-lermontov-geroy-nashego-vremeni", [(1, "Abonements")]),
    ("lv-rainis-uguns-un-nakts", [(1, "Abonements"), (1, "Lasītava"), (2, "Abonements")]),
    ("lv-rainis-zelta-zirgs", [(1, "Bērnu nodaļa"), (2, "Bērnu nodaļa")]),
    ("lv-aspazija-sidraba-skidrauts", [(1, "Abonements")]),
    ("lv-rudolfs-blaumanis-zagli", [(1, "Abonements"), (2, "Abonements")]),
    ("lv-rudolfs-blaumanis-skroderdienas-silmacos", [(1, "Abonements"), (1, "Abonements"), (2, "Abonements")]),
    ("lv-rudolfs-blaumanis-indrani", [(1, "Lasītava")]),
    ("lv-janis-poruks-perlu-zvejnieks", [(1, "Abonements")]),
    ("lv-anna-brigadere-spriditis", [(1, "Bērnu nodaļa"), (2, "Bērnu nodaļa")]),
    ("lv-karlis-skalbe-kakisa-dzirnavas", [(1, "Bērnu nodaļa")]),
    ("lv-andrejs-pumpurs-lacplesis", [(1, "Abonements"), (1, "Lasītava")]),
    ("lv-reinis-kaudzite-mernieku-laiki", [(1, "Abonements"), (2, "Abonements")]),
    ("lv-laura-kalnina-rigas-detektivs", [(1, "Abonements"), (2, "Abonements")]),
    ("lv-martins-ozolins-vasara-pie-juras", [(2, "Abonements")]),
    ("lv-ilze-berzina-maza-puce-un-zvaigznes", [(1, "Bērnu nodaļa"), (2, "Bērnu nodaļa")]),
    ("en-jane-austen-pride-and-prejudice", [(1, "Abonements")]),
    ("en-charles-dickens-a-christmas-carol", [(1, "Abonements")]),
    ("en-arthur-conan-doyle-the-hound-of-the-baskervilles", [(1, "Abonements"), (2, "Abonements")]),
    ("en-robert-louis-stevenson-treasure-island", [(2, "Bērnu nodaļa")]),
]

# Real openings of a few public-domain books; the rest of every demo EPUB is labelled demo text.
OPENINGS = {
    "ru-aleksandr-pushkin-kapitanskaya-dochka": [
        "Отец мой Андрей Петрович Гринёв в молодости своей служил при графе Минихе и вышел в отставку "
        "премьер-майором в 17.. году. С тех пор жил он в своей Симбирской деревне, где и женился на девице "
        "Авдотье Васильевне Ю., дочери бедного тамошнего дворянина. Нас было девять человек детей. Все мои "
        "братья и сёстры умерли во младенчестве.",
    ],
    "ru-lev-tolstoy-anna-karenina": [
        "Все счастливые семьи похожи друг на друга, каждая несчастливая семья несчастлива по-своему.",
        "Всё смешалось в доме Облонских.",
    ],
    "ru-anton-chehov-tolstyy-i-tonkiy": [
        "На вокзале Николаевской железной дороги встретились два приятеля: один толстый, другой тонкий.",
    ],
    "ru-nikolay-gogol-shinel": ["В департаменте… но лучше не называть, в каком департаменте."],
    "en-lewis-carroll-alices-adventures-in-wonderland": [
        "Alice was beginning to get very tired of sitting by her sister on the bank, and of having nothing to "
        "do: once or twice she had peeped into the book her sister was reading, but it had no pictures or "
        "conversations in it, “and what is the use of a book,” thought Alice “without pictures or "
        "conversations?”",
    ],
    "en-jane-austen-pride-and-prejudice": [
        "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in "
        "want of a wife.",
    ],
}
DEMO_TEXT = {
    "ru": (
        "Глава {n}",
        "Это демонстрационный текст книги «{title}»: глава {n}, абзац {p}. Настоящий текст "
        "книги появится, когда библиотека загрузит файл издания.",
    ),
    "lv": (
        "{n}. nodaļa",
        "Šis ir grāmatas “{title}” demonstrācijas teksts: {n}. nodaļa, {p}. rindkopa. Īstais "
        "teksts parādīsies, kad bibliotēka augšupielādēs izdevuma failu.",
    ),
    "en": (
        "Chapter {n}",
        "This is demo text of “{title}”: chapter {n}, paragraph {p}. The real text appears when "
        "the library uploads the edition's file.",
    ),
}

TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "y",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "h",
        "ц": "c",
        "ч": "ch",
        "ш": "sh",
        "щ": "sch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
        "ā": "a",
        "č": "c",
        "ē": "e",
        "ģ": "g",
        "ī": "i",
        "ķ": "k",
        "ļ": "l",
        "ņ": "n",
        "š": "s",
        "ū": "u",
        "ž": "z",
        "ŗ": "r",
    }
)


def slug(*parts: str) -> str:
    text = "-".join(parts).lower().replace("'", "").translate(TRANSLIT)
    return "-".join("".join(c if c.isalnum() and c.isascii() else " " for c in text).split())


def isbn13(key: str, group: str) -> str:
    """A made-up ISBN-13 with a valid check digit, stable for `key`."""
    body = f"978{group}"
    body += str(int(hashlib.sha256(key.encode()).hexdigest(), 16))[: 12 - len(body)]
    total = sum(int(d) * (1 if i % 2 == 0 else 3) for i, d in enumerate(body))
    return body + str((10 - total % 10) % 10)


def popularity(key: str) -> int:
    value = int(hashlib.sha256(key.encode()).hexdigest()[:6], 16)
    return value % 400 if value % 7 else value % 4000


def person(name: str) -> AuthorName:
    first, _, last = name.rpartition(" ")
    return AuthorName(name=name, sort_name=f"{last}, {first}" if first else name)


GROUP = {"ru": "5", "lv": "9934", "en": "0"}
TAGS = {"ru": ["классика", "школьная программа"], "lv": ["klasika", "skolas programma"], "en": ["classics"]}


def _records() -> list[TitleData]:
    records: dict[str, TitleData] = {}

    def add(key, *, language, **fields):
        records[key] = TitleData(
            position=Position(len(records) + 1),
            control_number=key,
            language=language,
            isbn=isbn13(key, GROUP[language]),
            **fields,
        )

    for language, books in (("ru", RU_CLASSICS), ("lv", LV_CLASSICS), ("en", EN_CLASSICS)):
        for author, works in books:
            for title, year, genre, age, description in works:
                add(
                    slug(language, author, title),
                    language=language,
                    title=title,
                    authors=[person(author)],
                    year=year,
                    genres=[genre],
                    tags=TAGS[language],
                    description=description,
                    age_rating=age,
                    is_free=True,
                    price=0,
                )
    for author, title, year, age, description in RU_CHILDREN:
        add(
            slug("ru", author, title),
            language="ru",
            title=title,
            authors=[person(author)],
            year=year,
            genres=["Детская литература"],
            tags=["для детей", "классика"],
            description=description,
            age_rating=age,
            is_free=True,
            price=0,
        )
    for title, year, number, description in SHERLOCK:
        add(
            slug("en", "Arthur Conan Doyle", title),
            language="en",
            title=title,
            authors=[person("Arthur Conan Doyle")],
            year=year,
            genres=["Detective"],
            tags=["classics"],
            series="Sherlock Holmes",
            series_number=number,
            description=description,
            age_rating=12,
            is_free=True,
            price=0,
        )
    for author, title, year, genre, age, series, number, language in MODERN:
        add(
            slug(language, author, title),
            language=language,
            title=title,
            authors=[person(author)],
            year=year,
            genres=[genre],
            tags=[],
            series=series,
            series_number=number,
            description="",
            age_rating=age,
            is_free=False,
            price=1,
            publisher={"ru": "Демо-издательство", "lv": "Demo izdevniecība", "en": "Demo Press"}[language],
        )
    ebooks = dict(records)
    for key, narrator in AUDIOBOOKS:
        book = ebooks[key]
        records[f"{key}-audio"] = TitleData(
            position=Position(len(records) + 1),
            control_number=f"{key}-audio",
            format=Format.AUDIOBOOK,
            title=book.title,
            authors=[*book.authors, AuthorName(narrator, person(narrator).sort_name, role="narrator")],
            language=book.language,
            year=2020,
            genres=book.genres,
            tags=book.tags,
            description=book.description,
            age_rating=book.age_rating,
            duration_seconds=3 * 3600 + len(book.title) * 60,
            is_free=book.is_free,
            price=book.price,
            isbn=isbn13(f"{key}-audio", GROUP[book.language]),
        )
    return list(records.values())


def _paper_list(ebooks: dict[str, TitleData]) -> list[tuple[str, list[tuple[int, str]]]]:
    """PAPER, then one copy of every other Russian and Latvian free classic (public library or branch)."""
    listed = dict(PAPER)
    extra = [
        key
        for key, book in ebooks.items()
        if key not in listed and book.is_free and book.format is None and book.language in ("ru", "lv")
    ]
    return PAPER + [(key, [(1 + n % 2, "Abonements")]) for n, key in enumerate(extra)]


def _paper_records(ebooks: dict[str, TitleData], libraries) -> list[TitleData]:
    result = []
    counter = 0
    for key, copies in _paper_list(ebooks):
        book = ebooks[key]
        items = []
        for library_index, fund in copies:
            counter += 1
            surname = book.authors[0].sort_name.split(",")[0]
            items.append(
                ItemData(
                    barcode=f"DEMO-{counter:05d}",
                    library=str(libraries[library_index].pk),
                    fund=fund,
                    shelf_mark=f"84 {surname[:1]}{len(surname)}",
                )
            )
        result.append(
            TitleData(
                position=Position(len(result) + 1),
                control_number=f"{key}-paper",
                title=book.title,
                authors=book.authors,
                language=book.language,
                year=book.year if book.year and book.year > 1990 else 2015,
                publisher={"ru": "Азбука", "lv": "Zvaigzne ABC", "en": "Penguin"}[book.language],
                genres=book.genres,
                tags=book.tags,
                description=book.description,
                age_rating=book.age_rating,
                pages=120 + len(book.title) * 9,
                isbn=isbn13(f"{key}-paper", GROUP[book.language]),
                items=items,
            )
        )
    return result


def _chapters(key: str, title: str, language: str) -> list[tuple[str, list[str]]]:
    heading, paragraph = DEMO_TEXT[language]
    chapters = []
    for n in range(1, 11):
        paragraphs = [paragraph.format(title=title, n=n, p=p) for p in range(1, 7)]
        if n == 1 and key in OPENINGS:
            paragraphs = OPENINGS[key] + paragraphs
        chapters.append((heading.format(n=n), paragraphs))
    return chapters


def _attach_files(records: list[TitleData]) -> int:
    """EPUBs for the first e-books and a short silent MP3 for each audiobook, written once."""
    keys = [r.control_number for r in records if r.format is None][:EPUB_BOOKS] + [
        r.control_number for r in records if r.format == Format.AUDIOBOOK
    ]
    by_key = {r.control_number: r for r in records}
    written = 0
    for title in Title.objects.filter(source=SOURCE, network__isnull=True, control_number__in=keys, content=""):
        record = by_key[title.control_number]
        audio = title.format == Format.AUDIOBOOK
        relative = f"demo/{title.control_number}.{'mp3' if audio else 'epub'}"
        name = title.content.field.generate_filename(title, relative)
        if title.content.storage.exists(name):  # left by an earlier demo load (say, before a database reset)
            title.content.name = name
        elif audio:
            title.content.save(relative, ContentFile(silent_mp3(10)), save=False)
        else:
            author = record.authors[0].name if record.authors else ""
            data = make_epub(
                identifier=f"urn:abonement:demo:{title.control_number}",
                title=title.title,
                author=author,
                language=title.language,
                chapters=_chapters(title.control_number, title.title, title.language),
            )
            title.content.save(relative, ContentFile(data), save=False)
        title.save(update_fields=["content"])
        written += 1
    return written


@transaction.atomic
def load_catalog_demo(network, libraries) -> dict:
    """Load the demo catalogue. `libraries` as core.demo gives them: [school, public library, its branch]."""
    school, public, branch = libraries
    known = set(Title.objects.filter(source=SOURCE).values_list("control_number", flat=True))
    known_items = set(Item.objects.filter(barcode__startswith="DEMO-").values_list("barcode", flat=True))

    records = _records()
    digital = import_records(records, source=SOURCE)
    ebooks = {r.control_number: r for r in records}
    paper = import_records(_paper_records(ebooks, libraries), source=SOURCE, network=network)

    created = list(
        Title.objects.filter(source=SOURCE).exclude(control_number__in=known).values_list("pk", "control_number")
    )
    for pk, key in created:
        Title.objects.filter(pk=pk).update(popularity=popularity(key))
    if created:
        indexer.index_titles([pk for pk, _key in created])

    today = clock.now().date()
    new_items = list(
        Item.objects.filter(barcode__startswith="DEMO-").exclude(barcode__in=known_items).order_by("barcode")
    )
    for n, item in enumerate(new_items):
        if n % 5 == 1:
            item.status, item.due_date = Item.Status.ON_LOAN, today + timedelta(days=3 + n)
        elif item.fund == "Lasītava":
            item.status, item.reservable_online = Item.Status.READING_ROOM, False
        else:
            continue
        item.save(update_fields=["status", "due_date", "reservable_online"])

    files = _attach_files(records)

    for library in (public, branch):
        if not CatalogAccess.objects.filter(library=library).exists():
            services.set_whole_catalog(library=library, whole=True)
    if not CatalogAccess.objects.filter(library=school).exists():
        # A school's first selection: the youngest readers' books first, then on up to 150 titles.
        chosen = (
            Title.objects.filter(source=SOURCE, network__isnull=True)
            .order_by("age_rating", "control_number")
            .values_list("pk", flat=True)[:SCHOOL_SELECTION]
        )
        services.set_whole_catalog(library=school, whole=False)
        services.add_titles(library=school, titles=list(chosen))
    return {"digital": digital, "paper": paper, "files": files}
