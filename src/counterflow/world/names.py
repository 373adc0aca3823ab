"""Name pools that fit each country, and vectorised builders of names, phones and emails.

Chinese names are pinyin with the family name first ("Wang Fang"); Hong Kong names use
Cantonese romanisation in the same order; Mexican names carry both surnames (paternal, maternal).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

US_GIVEN = (
    "James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda", "David",
    "Elizabeth", "William", "Barbara", "Richard", "Susan", "Joseph", "Jessica", "Thomas", "Sarah",
    "Christopher", "Karen", "Daniel", "Lisa", "Matthew", "Nancy", "Anthony", "Betty", "Mark",
    "Sandra", "Donald", "Ashley", "Steven", "Emily", "Andrew", "Kimberly", "Joshua", "Donna",
    "Kevin", "Michelle", "Brian", "Amanda", "Tyler", "Megan", "Brandon", "Rachel", "Jamal",
    "Keisha", "Luis", "Maria", "Carlos", "Ana",
)
US_FAMILY = (
    "Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Rodriguez",
    "Martinez", "Hernandez", "Lopez", "Gonzalez", "Wilson", "Anderson", "Thomas", "Taylor",
    "Moore", "Jackson", "Martin", "Lee", "Perez", "Thompson", "White", "Harris", "Sanchez",
    "Clark", "Ramirez", "Lewis", "Robinson", "Walker", "Young", "Allen", "King", "Wright",
    "Scott", "Torres", "Nguyen", "Hill", "Flores", "Green", "Adams", "Nelson", "Baker", "Hall",
    "Rivera", "Campbell", "Mitchell", "Carter", "Roberts", "Kim", "Patel", "Chen", "Murphy",
    "Cook", "Rogers", "Morgan", "Cooper", "Peterson", "Reed",
)
MX_GIVEN = (
    "José", "María", "Juan", "Guadalupe", "Luis", "Juana", "Jesús", "Margarita", "Miguel Ángel",
    "Verónica", "Francisco", "Leticia", "Alejandro", "Rosa María", "Carlos", "Gabriela",
    "Jorge", "Alejandra", "Ricardo", "Patricia", "Fernando", "Adriana", "Eduardo", "Claudia",
    "Javier", "Silvia", "Rafael", "Elizabeth", "Arturo", "Martha", "José Luis", "Ana María",
    "Héctor", "Yolanda", "Raúl", "Araceli", "Ismael", "Dulce", "Joaquín", "Griselda",
)
MX_FAMILY = (
    "Hernández", "García", "Martínez", "López", "González", "Pérez", "Rodríguez", "Sánchez",
    "Ramírez", "Cruz", "Flores", "Gómez", "Morales", "Vázquez", "Reyes", "Jiménez", "Torres",
    "Díaz", "Gutiérrez", "Ruiz", "Mendoza", "Aguilar", "Ortiz", "Moreno", "Castillo", "Romero",
    "Álvarez", "Méndez", "Chávez", "Rivera", "Juárez", "Ramos", "Domínguez", "Herrera",
    "Medina", "Castro", "Vargas", "Guzmán", "Velázquez", "Salazar", "Zambada", "Beltrán",
    "Quintero", "Caro", "Félix", "Valenzuela", "Zazueta", "Araujo", "Bojórquez", "Limón",
)
CN_FAMILY = (
    "Wang", "Li", "Zhang", "Liu", "Chen", "Yang", "Huang", "Zhao", "Wu", "Zhou", "Xu", "Sun",
    "Ma", "Zhu", "Hu", "Guo", "He", "Gao", "Lin", "Luo", "Zheng", "Liang", "Xie", "Song",
    "Tang", "Han", "Feng", "Deng", "Cao", "Peng", "Zeng", "Xiao", "Tian", "Dong", "Pan",
    "Yuan", "Cai", "Jiang", "Yu", "Du",
)
CN_GIVEN = (
    "Wei", "Fang", "Xiuying", "Na", "Min", "Jing", "Li", "Qiang", "Lei", "Jun", "Yang", "Yong",
    "Yan", "Jie", "Tao", "Ming", "Chao", "Xiulan", "Xia", "Ping", "Gang", "Hui", "Haoran",
    "Yuxuan", "Zihan", "Yutong", "Xinyi", "Guangming", "Jianguo", "Xiaoling", "Zhiwei",
    "Hongmei", "Jianhua", "Lihua", "Yufei", "Qian", "Bo", "Kai", "Ruoxi", "Zhenyu",
)
HK_FAMILY = ("Chan", "Wong", "Lee", "Cheung", "Lau", "Ho", "Ng", "Leung", "Tsang", "Yip",
             "Lam", "Tang", "Chow", "Kwok", "Mak", "Fung")
HK_GIVEN = ("Tai Man", "Ka Ming", "Siu Ling", "Wing Yan", "Chi Keung", "Mei Ling", "Ka Wai",
            "Hoi Yan", "Kin Wah", "Pui Shan", "Wai Lun", "Suet Ying")
IN_GIVEN = ("Aarav", "Priya", "Rahul", "Ananya", "Vikram", "Sneha", "Arjun", "Pooja", "Rohan",
            "Kavya", "Amit", "Neha", "Suresh", "Lakshmi", "Rajesh", "Divya", "Sanjay", "Meera")
IN_FAMILY = ("Sharma", "Patel", "Singh", "Kumar", "Gupta", "Reddy", "Iyer", "Nair", "Shah",
             "Mehta", "Rao", "Joshi", "Desai", "Agarwal", "Verma", "Chopra")
CA_FAMILY = US_FAMILY[:40] + ("Tremblay", "Gagnon", "Roy", "Côté", "Bouchard", "Gauthier",
                              "Morin", "Lavoie", "Fortin", "Gagné")
CA_GIVEN = US_GIVEN[:40] + ("Jean", "Marie", "Louis", "Chloé", "Étienne", "Isabelle")

# country -> (given pool, family pool, family first?, two family names?)
NAME_STYLE: dict[str, tuple[tuple[str, ...], tuple[str, ...], bool, bool]] = {
    "US": (US_GIVEN, US_FAMILY, False, False),
    "MX": (MX_GIVEN, MX_FAMILY, False, True),
    "CN": (CN_GIVEN, CN_FAMILY, True, False),
    "HK": (HK_GIVEN, HK_FAMILY, True, False),
    "CA": (CA_GIVEN, CA_FAMILY, False, False),
    "IN": (IN_GIVEN, IN_FAMILY, False, False),
}

EMAIL_DOMAINS: dict[str, tuple[str, ...]] = {
    "US": ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "aol.com"),
    "MX": ("gmail.com", "hotmail.com", "yahoo.com.mx", "outlook.com", "prodigy.net.mx"),
    "CN": ("qq.com", "163.com", "126.com", "sina.com", "foxmail.com"),
    "HK": ("gmail.com", "yahoo.com.hk", "netvigator.com", "outlook.com"),
    "CA": ("gmail.com", "outlook.com", "yahoo.ca", "rogers.com", "shaw.ca"),
    "IN": ("gmail.com", "yahoo.co.in", "rediffmail.com", "outlook.com"),
}


@lru_cache(maxsize=4096)
def _ascii(s: str) -> str:
    import unicodedata

    return "".join(
        ch for ch in unicodedata.normalize("NFKD", s) if not unicodedata.combining(ch)
    ).lower().replace(" ", "")


def person_names(
    country: str, n: int, rng: np.random.Generator
) -> tuple[list[str], list[str], list[str]]:
    """(display name, given name, family name) for ``n`` people of ``country``."""
    given_pool, family_pool, family_first, two_family = NAME_STYLE[country]
    g = np.asarray(given_pool, dtype=object)[rng.integers(0, len(given_pool), n)]
    f = np.asarray(family_pool, dtype=object)[rng.integers(0, len(family_pool), n)]
    if two_family:
        f2 = np.asarray(family_pool, dtype=object)[rng.integers(0, len(family_pool), n)]
        f = f + " " + f2
    display = (f + " " + g) if family_first else (g + " " + f)
    return list(display), list(g), list(f)


def emails(given: list[str], family: list[str], country: str,
           rng: np.random.Generator) -> list[str]:
    """Plausible personal emails; numbers keep them mostly unique but collisions can occur."""
    n = len(given)
    # Python ints and strs, not NumPy scalars: formatting NumPy scalars is several times slower.
    domain = np.array(EMAIL_DOMAINS[country], dtype=object)[rng.integers(0, len(EMAIL_DOMAINS[country]), n)].tolist()
    num = rng.integers(1, 9999, n).tolist()
    style = rng.integers(0, 3, n).tolist()
    g = [_ascii(x) for x in given]
    f = [_ascii(x.split(" ", 1)[0]) for x in family]
    qq = country == "CN"
    return [
        (str(100000 + k * 7919 % 900000) if qq and s == 0  # QQ-number style mailbox
         else a + "." + b + str(k % 100) if s == 1
         else a[:1] + b + str(k)) + "@" + dom
        for a, b, k, s, dom in zip(g, f, num, style, domain)
    ]


_PHONE_FORMATS: dict[str, tuple[str, int]] = {
    # prefix, number of subscriber digits
    "US": ("+1", 10), "CA": ("+1", 10), "MX": ("+52", 10), "CN": ("+86", 11),
    "HK": ("+852", 8), "IN": ("+91", 10),
}
_CN_MOBILE = np.array([130, 131, 132, 135, 136, 137, 138, 139, 150, 151, 155, 158, 176, 186, 188])
_US_AREA = np.array([212, 213, 312, 713, 214, 602, 215, 619, 415, 206, 305, 404, 617, 303, 702,
                     915, 520, 614, 313, 612, 410, 973, 503, 704, 615, 314, 210, 956, 760, 202])


def phones(country: str, n: int, rng: np.random.Generator) -> list[str]:
    prefix, digits = _PHONE_FORMATS[country]
    if country == "CN":
        head = _CN_MOBILE[rng.integers(0, len(_CN_MOBILE), n)].tolist()
        tail = rng.integers(0, 10**8, n).tolist()
        return [f"{prefix} {h}{t:08d}" for h, t in zip(head, tail)]
    if country in ("US", "CA"):
        area = _US_AREA[rng.integers(0, len(_US_AREA), n)].tolist()
        tail = rng.integers(2000000, 9999999, n).tolist()
        return [f"{prefix} {a}-{t // 10000:03d}-{t % 10000:04d}" for a, t in zip(area, tail)]
    num = rng.integers(10 ** (digits - 1), 10**digits - 1, n).tolist()
    return [f"{prefix} {x}" for x in num]


STREETS: dict[str, tuple[str, ...]] = {
    "US": ("Main St", "Oak Ave", "Maple Dr", "Washington Blvd", "Cedar Ln", "Park Ave",
           "Elm St", "Lincoln Ave", "Broadway", "Sunset Blvd", "Mission St", "Central Ave"),
    "MX": ("Av. Juárez", "Calle Hidalgo", "Av. Revolución", "Calle Morelos", "Blvd. Insurgentes",
           "Av. Reforma", "Calle Zaragoza", "Av. Obregón", "Calle Allende", "Av. Madero"),
    "CN": ("Renmin Road", "Zhongshan Road", "Jiefang Avenue", "Huaihai Road", "Jianshe Road",
           "Xinhua Street", "Heping Road", "Changjiang Road", "Gongye Park Road"),
    "HK": ("Nathan Road", "Queen's Road Central", "Des Voeux Road", "Hennessy Road",
           "Canton Road", "Wing Lok Street"),
    "CA": ("King St", "Yonge St", "Granville St", "Rue Sainte-Catherine", "Main St",
           "Hastings St"),
    "IN": ("MG Road", "Nehru Marg", "Station Road", "Link Road", "Linking Road", "Ring Road"),
}


def street_addresses(country: str, n: int, rng: np.random.Generator) -> list[str]:
    pool = STREETS[country]
    s = rng.integers(0, len(pool), n).tolist()
    num = rng.integers(1, 9999, n).tolist()
    if country in ("MX",):
        return [f"{pool[i]} {k}" for i, k in zip(s, num)]
    if country in ("CN", "HK"):
        return [f"No. {k % 999 + 1} {pool[i]}" for i, k in zip(s, num)]
    return [f"{k} {pool[i]}" for i, k in zip(s, num)]
