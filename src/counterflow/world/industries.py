"""Industries (NAICS codes), occupations and the business names that go with them.

Each industry carries the behaviour the legitimate economy needs: whether it takes card
payments, how cash-heavy it is, its typical ticket size, and its role in trade. Ticket sizes
are lognormal (median in USD, sigma of the log) and are scaled by the country's price level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Industry:
    code: str  # NAICS 2017
    name: str
    role: str  # merchant | landlord | utility | university | trade | service | manufacturer
    ticket_usd: float = 0.0  # median card ticket when role == merchant
    ticket_sigma: float = 0.0
    cash_share: float = 0.0  # share of takings received in cash
    weight: float = 1.0  # relative number of such businesses
    name_words: tuple[str, ...] = ()


INDUSTRIES: tuple[Industry, ...] = (
    Industry("445110", "Supermarkets and grocery stores", "merchant", 42, 0.8, 0.15, 6, ("Market", "Grocery", "Foods")),
    Industry("722511", "Full-service restaurants", "merchant", 38, 0.6, 0.35, 8, ("Grill", "Kitchen", "Restaurant", "Cocina")),
    Industry("722513", "Limited-service restaurants", "merchant", 12, 0.5, 0.30, 8, ("Tacos", "Burgers", "Express", "Cafe")),
    Industry("447110", "Gasoline stations with convenience stores", "merchant", 45, 0.5, 0.20, 4, ("Fuel", "Gas", "Stop")),
    Industry("452210", "Department stores", "merchant", 65, 0.9, 0.05, 1, ("Department Store", "Emporium")),
    Industry("454110", "Electronic shopping", "merchant", 55, 1.0, 0.0, 2, ("Online", "Direct", "Shop")),
    Industry("448140", "Family clothing stores", "merchant", 48, 0.8, 0.10, 3, ("Apparel", "Fashion", "Boutique")),
    Industry("443142", "Electronics stores", "merchant", 120, 1.1, 0.08, 2, ("Electronics", "Digital", "Tech")),
    Industry("446110", "Pharmacies and drug stores", "merchant", 28, 0.8, 0.10, 2, ("Pharmacy", "Farmacia", "Drug")),
    Industry("812111", "Barber shops", "merchant", 25, 0.4, 0.45, 2, ("Barbers", "Cuts")),
    Industry("531110", "Lessors of residential buildings", "landlord", weight=3, name_words=("Properties", "Realty", "Apartments", "Homes")),
    Industry("221122", "Electric power distribution", "utility", weight=0.3, name_words=("Power", "Energy", "Electric")),
    Industry("517312", "Wireless telecommunications carriers", "utility", weight=0.3, name_words=("Wireless", "Mobile", "Telecom")),
    Industry("524126", "Property and casualty insurance", "utility", weight=0.3, name_words=("Insurance", "Mutual", "Assurance")),
    Industry("611310", "Colleges and universities", "university", weight=0.3, name_words=("University", "College", "Institute")),
    Industry("325199", "Basic organic chemical manufacturing", "manufacturer", weight=1.2, name_words=("Chemical", "Chemical Technology", "Fine Chemicals", "Biochemical")),
    Industry("325412", "Pharmaceutical preparation manufacturing", "manufacturer", weight=0.8, name_words=("Pharmaceutical", "Pharma", "Biotech", "Medicine")),
    Industry("424690", "Chemical wholesalers", "trade", weight=1.0, name_words=("Chemicals Trading", "Chemical Supply", "Química", "Chem Import Export")),
    Industry("424210", "Drug and druggists' sundries wholesalers", "trade", weight=0.6, name_words=("Pharma Distribution", "Farmacéutica", "Medical Supply")),
    Industry("423690", "Electronic parts wholesalers", "trade", weight=1.0, name_words=("Electronics Trading", "Components", "Electrónica")),
    Industry("334220", "Communications equipment manufacturing", "manufacturer", weight=0.5, name_words=("Electronics", "Technology", "Digital Equipment")),
    Industry("424350", "Clothing wholesalers", "trade", weight=0.8, name_words=("Garments", "Textiles", "Ropa", "Apparel Trading")),
    Industry("488510", "Freight forwarding", "service", weight=0.8, name_words=("Logistics", "Freight", "Shipping", "Forwarding", "Logística")),
    Industry("541511", "Custom computer programming services", "service", weight=1.5, name_words=("Software", "Systems", "Solutions", "IT Services")),
    Industry("541940", "Veterinary services", "service", weight=0.6, name_words=("Veterinary", "Animal Hospital", "Veterinaria")),
    Industry("621511", "Medical laboratories", "service", weight=0.4, name_words=("Clinical Lab", "Diagnostics", "Laboratorio")),
    Industry("236118", "Residential remodelers", "service", weight=2.0, name_words=("Construction", "Builders", "Remodeling", "Construcciones")),
    Industry("484121", "General freight trucking", "service", weight=1.5, name_words=("Trucking", "Transport", "Transportes", "Logistics")),
    Industry("541211", "Offices of certified public accountants", "service", weight=1.0, name_words=("Accounting", "CPA", "Tax Services", "Contadores")),
)
INDUSTRY_CODES: tuple[str, ...] = tuple(i.code for i in INDUSTRIES)


def industry(code: str) -> Industry:
    for i in INDUSTRIES:
        if i.code == code:
            return i
    raise KeyError(code)


@dataclass(frozen=True)
class Occupation:
    name: str
    salary_usd: float  # median annual pay in the US; 0 for no wage
    weight: float  # share among adults
    min_age: int = 18
    max_age: int = 70


# Student, homemaker, retiree and laborer are here on purpose: mule recruitment in the reporting
# targets exactly these profiles, so the legitimate economy needs plenty of the real ones.
OCCUPATIONS: tuple[Occupation, ...] = (
    Occupation("software engineer", 125000, 3),
    Occupation("registered nurse", 82000, 4),
    Occupation("teacher", 62000, 5),
    Occupation("retail salesperson", 32000, 9),
    Occupation("cook", 33000, 5),
    Occupation("laborer", 38000, 8),
    Occupation("truck driver", 50000, 4),
    Occupation("construction worker", 48000, 5),
    Occupation("accountant", 78000, 3),
    Occupation("manager", 105000, 6),
    Occupation("office clerk", 40000, 8),
    Occupation("warehouse worker", 37000, 5),
    Occupation("physician", 230000, 1),
    Occupation("small business owner", 70000, 4),
    Occupation("farm worker", 31000, 2),
    Occupation("student", 0, 7, 18, 30),
    Occupation("homemaker", 0, 5, 20, 70),
    Occupation("retiree", 0, 12, 62, 95),
    Occupation("unemployed", 0, 4),
)
OCCUPATION_NAMES: tuple[str, ...] = tuple(o.name for o in OCCUPATIONS)

# Wage and price level of each country relative to the US (in USD terms).
PRICE_LEVEL: dict[str, float] = {"US": 1.0, "CA": 0.85, "MX": 0.18, "CN": 0.22, "HK": 0.65, "IN": 0.08}

_LEGAL_SUFFIX: dict[str, tuple[str, ...]] = {
    "US": ("Inc.", "LLC", "Corp.", "Co."),
    "MX": ("S.A. de C.V.", "S. de R.L. de C.V.", "S.A.P.I. de C.V."),
    "CN": ("Co., Ltd.",),
    "HK": ("Limited", "Co., Limited", "Trading Limited"),
    "CA": ("Ltd.", "Inc.", "Corp."),
    "IN": ("Pvt. Ltd.", "Ltd.", "LLP"),
}
_PREFIX: dict[str, tuple[str, ...]] = {
    "US": ("Pacific", "Liberty", "Summit", "Golden State", "Lone Star", "Great Lakes", "Evergreen",
           "Eagle", "Pioneer", "Atlas", "Keystone", "Bluebird", "Harbor", "Frontier", "Sterling"),
    "MX": ("Grupo Azteca", "del Pacífico", "Sol de Jalisco", "Norteña", "Real del Valle",
           "Hermanos Ruiz", "Costa Azul", "Sierra Madre", "Comercial Tapatía", "Bajío"),
    "CN": ("Huaxin", "Jinlong", "Tianrun", "Hengda", "Zhongke", "Xinyuan", "Dongfang", "Haitai",
           "Kangning", "Ruitai", "Yuanda", "Hongsheng", "Shengda", "Baicheng", "Longxiang"),
    "HK": ("Pacific Rim", "Victoria", "Golden Harbour", "Kowloon", "Pearl River", "Star Ferry"),
    "CA": ("Maple Leaf", "Northern", "Cascade", "Laurentian", "Prairie", "Pacific Coast"),
    "IN": ("Shree", "Sai", "Ganesh", "Bharat", "Sunrise", "Lotus", "Om", "Krishna"),
}


def business_names(country: str, city_names: list[str], industry_codes: list[str],
                   rng: np.random.Generator) -> list[str]:
    """Names like "Wuhan Huaxin Chemical Technology Co., Ltd." or "Costa Azul Logística S.A. de C.V."."""
    n = len(industry_codes)
    prefixes = _PREFIX[country]
    suffixes = _LEGAL_SUFFIX[country]
    p = rng.integers(0, len(prefixes), n)
    s = rng.integers(0, len(suffixes), n)
    w = rng.integers(0, 1 << 30, n)
    use_city = rng.random(n) < (0.7 if country == "CN" else 0.25)
    out = []
    for i, code in enumerate(industry_codes):
        words = industry(code).name_words
        word = words[w[i] % len(words)]
        head = f"{city_names[i]} {prefixes[p[i]]}" if use_city[i] else prefixes[p[i]]
        out.append(f"{head} {word} {suffixes[s[i]]}")
    return out


def tax_ids(country: str, names: list[str], reg_years: np.ndarray,
            rng: np.random.Generator) -> list[str]:
    """Identifiers in each country's own format (EIN, RFC, USCC, BR, BN, GSTIN)."""
    n = len(names)
    num = rng.integers(0, 10**9, n)
    if country == "US":
        return [f"{x // 10**7 % 90 + 10:02d}-{x % 10**7:07d}" for x in num]
    if country == "MX":
        letters = [("".join(c for c in nm.upper() if c.isalpha()) + "XXX")[:3] for nm in names]
        return [f"{a}{y % 100:02d}{x % 12 + 1:02d}{x % 28 + 1:02d}{_b36(x, 3)}"
                for a, y, x in zip(letters, reg_years, num)]
    if country == "CN":
        return [f"91{x % 10**6:06d}{_b36(x * 7 + 3, 9)}{x % 10}" for x in num]
    if country == "HK":
        return [f"{x % 10**8:08d}" for x in num]
    if country == "CA":
        return [f"{x % 10**9:09d}RC0001" for x in num]
    return [f"{x % 37 + 1:02d}{_b36(x, 5)}{x % 10**4:04d}A1Z{x % 9}" for x in num]


_B36 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"


def _b36(x: int, width: int) -> str:
    x = int(x)
    out = []
    for _ in range(width):
        out.append(_B36[x % 36])
        x //= 36
    return "".join(reversed(out))
