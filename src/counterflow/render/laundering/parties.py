"""New parties and accounts of trade-based laundering and supplier payments, as dataset tables.

One builder collects persons and businesses (each with a label: role, typology, case) and the
accounts they hold, including crypto wallets for parties that already exist (the trafficking
twin's fronts and makers, legitimate importers). Ids come from the trade streams of
:mod:`counterflow.render.ids`, so they reveal nothing about the origin of a party.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pyarrow as pa

from counterflow.dataset import vocab
from counterflow.render.ids import TRADE_ACCOUNTS, TRADE_PARTIES, opaque_ids
from counterflow.world import geography as geo
from counterflow.world import names as nm
from counterflow.render.population import (
    birth_days_before,
    business_account_days_before,
    checking_days_before,
    has_website,
    person_traits,
    registration_days_before,
    zipf_pick,
)
from counterflow.render.tables import _domain
from counterflow.world.industries import OCCUPATION_NAMES, business_names, tax_ids

_COLS = ("kind", "name", "given_name", "family_name", "country", "nationality", "birth_date", "occupation",
         "industry_code", "registration_date", "tax_id", "trade_names", "has_website", "phone", "email",
         "address", "city_id", "state")
_ARROW = {"birth_date": pa.date32(), "registration_date": pa.date32(), "trade_names": pa.list_(pa.string()),
          "has_website": pa.bool_(), "city_id": pa.int32(), "occupation": pa.string(), "industry_code": pa.string(),
          "tax_id": pa.string(), "given_name": pa.string(), "family_name": pa.string(),
          "nationality": pa.string(), "email": pa.string()}



def _city(country: str, rng: np.random.Generator) -> Any:  # noqa: ANN401 - a geography place
    cities = geo.places_of("city", country)
    w = np.array([c.population_k for c in cities], float)
    return cities[int(rng.choice(len(cities), p=w / w.sum()))]


class PartyBuilder:
    """Collects parties (with labels) and accounts; ``tables()`` turns them into Arrow."""

    def __init__(self, rng: np.random.Generator, start: dt.date, banks, first: int = 0) -> None:  # noqa: ANN001
        # ``first``: index of the first id in the trade streams, so that two builders never collide.
        self.rng, self.start, self.first = rng, start, first
        self.banks: dict[str, list] = {}
        self.exchange = [b for b in banks if b.kind == "crypto_exchange"]
        for bk in banks:
            if bk.kind == "bank":
                self.banks.setdefault(bk.country, []).append(bk)
        self.cols: dict[str, list] = {k: [] for k in _COLS}
        self.pid: list[int] = []
        self.labels: dict[str, list] = {k: [] for k in ("role", "typology", "case_id")}
        self.acct: dict[str, list] = {k: [] for k in ("party", "bank_id", "account_number", "account_type",
                                                      "currency", "open_date")}
        self.currency: dict[int, str] = {}
        self.tenure: dict[int, int] = {}  # party position -> days its first account opens before the start

    def _party(self, row: dict[str, Any], role: str, typology: str | None, case: int) -> int:
        pid = int(opaque_ids(TRADE_PARTIES, self.first + len(self.pid)))
        for k in _COLS:
            self.cols[k].append(row.get(k))
        self.pid.append(pid)
        self.labels["role"].append(role)
        self.labels["typology"].append(typology)
        self.labels["case_id"].append(case)
        return pid

    def person(self, country: str, nationality: str, role: str, typology: str | None, case: int,
               **override: Any) -> int:  # noqa: ANN401
        rng = self.rng
        display, given, family = nm.person_names(nationality, 1, rng)
        city = _city(country, rng)
        # Occupation and age as for an honest person (population.person_traits); the account opens
        # on the population's tenure curve.
        occupation, age = person_traits(1, rng)
        self.tenure[self.first + len(self.pid)] = int(checking_days_before(age, rng)[0])
        return self._party({
            "kind": "person", "name": display[0], "given_name": given[0], "family_name": family[0],
            "country": country, "nationality": nationality, "occupation": OCCUPATION_NAMES[int(occupation[0])],
            "birth_date": self.start - dt.timedelta(days=int(birth_days_before(age, rng)[0])),
            "phone": nm.phones(country, 1, rng)[0], "email": nm.emails(given, family, nationality, rng)[0],
            "address": nm.street_addresses(country, 1, rng)[0], "city_id": city.place_id, "state": city.state,
            **override,
        }, role, typology, case)

    def business(self, country: str, name_industry: str, role: str, typology: str | None, case: int, *,
                 industry: str | None = None, shell: bool = False, **override: Any) -> int:  # noqa: ANN401
        """A business named after ``name_industry``. A shell (F5) registers another ``industry``
        code, trades under three or four names, sits at a residential address and has no website;
        a real-looking one has its own industry, a website and a company email."""
        rng = self.rng
        city = _city(country, rng)
        name = business_names(country, [city.name], [name_industry], rng)[0]
        # Registered as long before the window as an honest firm (shelf companies are bought old);
        # the account opens on the population's curve.
        days = registration_days_before(1, rng)
        self.tenure[self.first + len(self.pid)] = int(business_account_days_before(days, rng)[0])
        reg = self.start - dt.timedelta(days=int(days[0]))
        head = name.split(" ")[0]
        address = nm.street_addresses(country, 1, rng)[0]
        domain = _domain(name)
        if shell:
            words = ("Trading", "Global", "Import Export", "Group", "International", "Supply")
            dba = [f"{head} {w}" for w in rng.choice(words, int(rng.integers(3, 5)), replace=False)]
            address = f"{address}, Apt {int(rng.integers(1, 40))}{'ABCD'[int(rng.integers(0, 4))]}"
            website = False
        else:
            # A real-looking firm: a website as often as an honest one, trade names as rarely.
            n_dba = int(rng.choice(3, p=[0.85, 0.12, 0.03]))
            dba = [f"{head} {w}" for w in ("Trading", "Group")[:n_dba]] or None
            website = bool(has_website(1, rng)[0])
        email = f"info@{domain}" if website else f"{domain.split('.')[0]}{int(rng.integers(0, 97))}@gmail.com"
        row = {
            "kind": "business", "name": name, "country": country, "industry_code": industry or name_industry,
            "registration_date": reg, "tax_id": tax_ids(country, [name], np.array([reg.year]), rng)[0],
            "trade_names": dba, "has_website": website, "phone": nm.phones(country, 1, rng)[0],
            "email": email, "address": address, "city_id": city.place_id, "state": city.state,
        }
        row.update(override)
        return self._party(row, role, typology, case)

    def account(self, party: int, country: str, account_type: str = "checking") -> int:
        """An account of ``party`` at a bank of ``country`` in its currency ("wallet": at the crypto
        exchange, in USDT)."""
        rng = self.rng
        if account_type == "wallet":
            bk = self.exchange[int(rng.integers(0, len(self.exchange)))]
            currency = "USDT"
        else:
            pool = self.banks.get(country) or self.banks["US"]
            bk = zipf_pick(pool, rng)
            currency = bk.currency
        aid = int(opaque_ids(TRADE_ACCOUNTS, self.first + len(self.acct["party"])))
        pos = self.first + self.pid.index(party) if party in self.pid else -1
        self.currency[aid] = currency
        self.acct["party"].append(int(party))
        self.acct["bank_id"].append(bk.bank_id)
        self.acct["account_number"].append(f"{bk.bank_id * 10**12 + int(rng.integers(10**9, 10**12)):015d}")
        self.acct["account_type"].append(account_type)
        self.acct["currency"].append(currency)
        # A party's first account opens on its tenure; a wallet or a second account later.
        days = self.tenure.pop(pos, None) if account_type != "wallet" else None
        days = days if days is not None else int(rng.integers(30, 4 * 365))
        self.acct["open_date"].append(self.start - dt.timedelta(days=days))
        return aid

    def currency_of(self, account: int) -> str:
        return self.currency[account]

    def tables(self) -> tuple[pa.Table, pa.Table, pa.Table]:
        n = len(self.pid)
        parties = pa.table({"party_id": pa.array(self.pid, pa.int64()),
                            **{k: pa.array(self.cols[k], _ARROW.get(k)) for k in _COLS}})
        labels = pa.table({
            "party_id": pa.array(self.pid, pa.int64()),
            "is_illicit": np.array([r != "legitimate" for r in self.labels["role"]], bool).reshape(n),
            "role": vocab.encode(self.labels["role"], vocab.ROLES),
            "typology": vocab.encode(self.labels["typology"], vocab.TYPOLOGIES),
            "case_id": pa.array(self.labels["case_id"], pa.int64()),
        })
        a = self.acct
        accounts = pa.table({
            "account_id": opaque_ids(TRADE_ACCOUNTS, self.first + np.arange(len(a["party"]))),
            "party_id": pa.array(a["party"], pa.int64()),
            "bank_id": pa.array(a["bank_id"], pa.int32()),
            "account_number": pa.array(a["account_number"], pa.string()),
            "account_type": pa.array(a["account_type"], pa.string()),
            "currency": pa.array(a["currency"], pa.string()),
            "open_date": pa.array(a["open_date"], pa.date32()),
        })
        return parties, labels, accounts
