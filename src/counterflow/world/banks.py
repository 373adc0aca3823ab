"""Banks, money-services businesses and crypto exchanges of each country.

Names are fictional on purpose: the twin places illicit flows at these institutions, and a real
bank's name would suggest a real bank did so.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Bank:
    bank_id: int
    name: str
    country: str
    kind: str  # bank | msb | crypto_exchange
    bic: str
    currency: str


_BANK_WORDS: dict[str, tuple[str, ...]] = {
    "US": ("First Continental Bank", "Pacific Union Bank", "Great Plains Savings", "Liberty National Bank",
           "Harborview Bank", "Keystone Trust", "Sunbelt Bank", "Cascade Federal", "Heartland Credit Union",
           "Metro Commerce Bank", "Lakeshore Bank", "Desert Sun Bank"),
    "MX": ("Banco del Pacífico Mexicano", "Banco Mercantil del Norte Sur", "Banco Azteca Real",
           "Banco Popular de Occidente", "Banca Jalisciense", "Banco del Bajío Central", "Banco Sinaloense"),
    "CN": ("Huaxia Commercial Bank", "Yangtze Development Bank", "Pearl River Rural Bank",
           "Eastern Merchants Bank", "Jianghan Bank", "Bohai Industrial Bank"),
    "HK": ("Victoria Harbour Bank", "Kowloon Commercial Bank", "Pacific Orient Bank HK"),
    "CA": ("Northern Dominion Bank", "Laurentian Trust", "Cascadia Credit Union"),
    "IN": ("Bharat Commerce Bank", "Deccan Cooperative Bank", "Western India Bank"),
}
_MSB_WORDS: dict[str, tuple[str, ...]] = {
    "US": ("Envíos Rápidos USA", "GlobalSend Money Transfer", "Pacific Remit"),
    "CA": ("MapleSend Remittance",),
}
_CURRENCY = {"US": "USD", "MX": "MXN", "CN": "CNY", "HK": "HKD", "CA": "CAD", "IN": "INR"}


def build_banks(per_country: dict[str, int], msbs: bool = True,
                crypto_exchanges: int = 1) -> tuple[Bank, ...]:
    """Banks in a fixed order; ids start at 1 so 0 can never be mistaken for a bank."""
    out: list[Bank] = []

    def add(name: str, country: str, kind: str, currency: str) -> None:
        bid = len(out) + 1
        bic = ("".join(w[0] for w in name.split() if w[0].isalpha()).upper() + "XXXX")[:4]
        out.append(Bank(bid, name, country, kind, f"{bic}{country}{bid:02d}"[:11], currency))

    for country, n in per_country.items():
        pool = _BANK_WORDS[country]
        for i in range(n):
            name = pool[i % len(pool)] + ("" if i < len(pool) else f" {i // len(pool) + 1}")
            add(name, country, "bank", _CURRENCY[country])
    if msbs:
        for country, names in _MSB_WORDS.items():
            if country in per_country:
                for name in names:
                    add(name, country, "msb", _CURRENCY[country])
    for i in range(crypto_exchanges):
        add(f"CoinHarbor Exchange{'' if i == 0 else f' {i + 1}'}", "HK", "crypto_exchange", "USDT")
    return tuple(out)
