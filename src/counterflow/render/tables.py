"""Arrow tables of the static and party records: places, banks, rates, goods, parties, accounts.

Parties and accounts are built in chunks of rows, each chunk from its own random stream, so
the strings of a large population never sit in memory at once and the output does not depend
on how many chunks there are.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator

import numpy as np
import pyarrow as pa

from counterflow.dataset import vocab
from counterflow.render.economy.context import Context
from counterflow.render.ids import rng_for
from counterflow.render.population import Population
from counterflow.world import geography as geo
from counterflow.world import names as nm
from counterflow.world.currencies import CURRENCY_CODES
from counterflow.world.goods import GOODS
from counterflow.world.industries import INDUSTRIES, OCCUPATION_NAMES, business_names, tax_ids

PARTY_CHUNK = 100_000
# Share of businesses registered at their city's business centre (a shared address).
SHARED_ADDRESS = 0.04


def places_table() -> pa.Table:
    ps = geo.places()
    return pa.table(
        {
            "place_id": pa.array([p.place_id for p in ps], pa.int32()),
            "kind": [p.kind for p in ps],
            "name": [p.name for p in ps],
            "country": [p.country for p in ps],
            "state": [p.state for p in ps],
            "lat": pa.array([p.lat for p in ps], pa.float64()),
            "lon": pa.array([p.lon for p in ps], pa.float64()),
        }
    )


def banks_table(pop: Population) -> pa.Table:
    bs = pop.banks
    return pa.table(
        {
            "bank_id": pa.array([b.bank_id for b in bs], pa.int32()),
            "name": [b.name for b in bs],
            "country": [b.country for b in bs],
            "kind": [b.kind for b in bs],
            "bic": [b.bic for b in bs],
            "currency": [b.currency for b in bs],
        }
    )


def fx_table(ctx: Context) -> pa.Table:
    days = ctx.scenario.days
    dates = [ctx.scenario.start_date + dt.timedelta(days=i) for i in range(days)]
    cur_idx = [vocab.CURRENCIES.index(c) for c in CURRENCY_CODES]
    return pa.table(
        {
            "date": pa.array(np.repeat(np.array(dates, dtype="datetime64[D]"), len(cur_idx))),
            "currency": list(CURRENCY_CODES) * days,
            "usd_per_unit": np.round(ctx.usd[:, cur_idx].ravel(), 8),
        }
    )


def goods_table() -> pa.Table:
    return pa.table(
        {
            "hs_code": [g.hs_code for g in GOODS],
            "description": [g.description for g in GOODS],
            "unit": [g.unit for g in GOODS],
            "typical_unit_price_usd": [g.price_usd for g in GOODS],
            "sector": [g.sector for g in GOODS],
        }
    )


def _dates(start: dt.date, days_before: np.ndarray) -> pa.Array:
    base = np.datetime64(start, "D")
    return pa.array(base - days_before.astype("timedelta64[D]"))


def _city_info() -> tuple[dict[int, str], np.ndarray]:
    """City names by place id, and an array indexed by place id giving the state code."""
    cities = geo.places_of("city")
    state = np.full(max(p.place_id for p in geo.places()) + 1, None, dtype=object)
    for c in cities:
        state[c.place_id] = c.state
    return {c.place_id: c.name for c in cities}, state


_CODES = np.array(geo.COUNTRY_CODES, dtype=object)
_OCCUPATIONS = np.array(OCCUPATION_NAMES, dtype=object)
_INDUSTRY_CODES = np.array([i.code for i in INDUSTRIES], dtype=object)


def person_chunks(pop: Population, seed: int) -> Iterator[pa.Table]:
    p = pop.persons
    city_name, city_state = _city_info()
    for k, lo in enumerate(range(0, len(p), PARTY_CHUNK)):
        hi = min(lo + PARTY_CHUNK, len(p))
        rng = rng_for(seed, "person-strings", k)
        idx = np.arange(lo, hi)
        name = np.empty(hi - lo, dtype=object)
        given = np.empty(hi - lo, dtype=object)
        family = np.empty(hi - lo, dtype=object)
        phone = np.empty(hi - lo, dtype=object)
        email = np.empty(hi - lo, dtype=object)
        address = np.empty(hi - lo, dtype=object)
        # Names follow nationality; phones and addresses follow residence.
        for ci in np.unique(p.nationality[idx]):
            m = p.nationality[idx] == ci
            code = geo.COUNTRY_CODES[ci]
            d, g, f = nm.person_names(code, int(m.sum()), rng)
            name[m], given[m], family[m] = d, g, f
            email[m] = nm.emails(g, f, code, rng)
        for ci in np.unique(p.country[idx]):
            m = p.country[idx] == ci
            code = geo.COUNTRY_CODES[ci]
            phone[m] = nm.phones(code, int(m.sum()), rng)
            address[m] = nm.street_addresses(code, int(m.sum()), rng)
        birth = p.age[idx].astype(np.int64) * 365 + rng.integers(0, 365, hi - lo)
        yield pa.table(
            {
                "party_id": p.party_id[idx],
                "kind": ["person"] * (hi - lo),
                "name": name.tolist(),
                "given_name": given.tolist(),
                "family_name": family.tolist(),
                "country": [geo.COUNTRY_CODES[c] for c in p.country[idx]],
                "nationality": [geo.COUNTRY_CODES[c] for c in p.nationality[idx]],
                "birth_date": _dates(pop.start, birth),
                "occupation": _OCCUPATIONS[p.occupation[idx]],
                "industry_code": pa.nulls(hi - lo, pa.string()),
                "registration_date": pa.nulls(hi - lo, pa.date32()),
                "tax_id": pa.nulls(hi - lo, pa.string()),
                "trade_names": pa.nulls(hi - lo, pa.list_(pa.string())),
                "has_website": pa.nulls(hi - lo, pa.bool_()),
                "phone": phone.tolist(),
                "email": email.tolist(),
                "address": address.tolist(),
                "city_id": pa.array(p.city[idx], pa.int32()),
                "state": city_state[p.city[idx]],
            }
        )


def business_chunks(pop: Population, seed: int) -> Iterator[pa.Table]:
    b = pop.businesses
    city_name, city_state = _city_info()
    for k, lo in enumerate(range(0, len(b), PARTY_CHUNK)):
        hi = min(lo + PARTY_CHUNK, len(b))
        rng = rng_for(seed, "business-strings", k)
        idx = np.arange(lo, hi)
        n = hi - lo
        name = np.empty(n, dtype=object)
        tax = np.empty(n, dtype=object)
        phone = np.empty(n, dtype=object)
        address = np.empty(n, dtype=object)
        reg_year = pop.start.year - b.registration[idx] // 365
        for ci in np.unique(b.country[idx]):
            m = b.country[idx] == ci
            code = geo.COUNTRY_CODES[ci]
            cities = [city_name[int(c)] for c in b.city[idx][m]]
            inds = [INDUSTRIES[i].code for i in b.industry[idx][m]]
            name[m] = business_names(code, cities, inds, rng)
            tax[m] = tax_ids(code, list(name[m]), reg_year[m], rng)
            phone[m] = nm.phones(code, int(m.sum()), rng)
            address[m] = nm.street_addresses(code, int(m.sum()), rng)
        # Some firms are registered at their city's business centre or registered agent: honest
        # parties sharing an address (the look-alike of shell companies' shared addresses). A
        # stream of its own, so the other strings do not change with it.
        centre = rng_for(seed, "business-centres", k).random(n) < SHARED_ADDRESS
        for i in np.flatnonzero(centre):
            address[i] = _centre_address(seed, int(b.country[idx][i]), int(b.city[idx][i]))
        website = rng.random(n) < np.clip(0.45 + 0.1 * np.log(b.size[idx]), 0, 0.98)
        domains = [_domain(x) for x in name]
        email = [
            f"info@{dom}" if w else f"{dom.split('.')[0]}{i % 97}@gmail.com"
            for i, (dom, w) in enumerate(zip(domains, website))
        ]
        # A minority trade under one or two other names, as real firms do.
        n_dba = rng.choice(3, size=n, p=[0.85, 0.12, 0.03])
        dba = [
            None if j == 0 else [f"{name[i].split(' ')[0]} {w}" for w in ("Trading", "Group")[:j]]
            for i, j in enumerate(n_dba)
        ]
        yield pa.table(
            {
                "party_id": b.party_id[idx],
                "kind": ["business"] * n,
                "name": name.tolist(),
                "given_name": pa.nulls(n, pa.string()),
                "family_name": pa.nulls(n, pa.string()),
                "country": _CODES[b.country[idx]],
                "nationality": pa.nulls(n, pa.string()),
                "birth_date": pa.nulls(n, pa.date32()),
                "occupation": pa.nulls(n, pa.string()),
                "industry_code": _INDUSTRY_CODES[b.industry[idx]],
                "registration_date": _dates(pop.start, b.registration[idx]),
                "tax_id": tax.tolist(),
                "trade_names": pa.array(dba, pa.list_(pa.string())),
                "has_website": website,
                "phone": phone.tolist(),
                "email": email,
                "address": address.tolist(),
                "city_id": pa.array(b.city[idx], pa.int32()),
                "state": city_state[b.city[idx]],
            }
        )


@functools.lru_cache(maxsize=4096)
def _centre_address(seed: int, country: int, city: int) -> str:
    """The business-centre address of a city: the same string for every firm registered there."""
    return nm.street_addresses(geo.COUNTRY_CODES[country], 1, rng_for(seed, "business-centre", city))[0]


def _domain(name: str) -> str:
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = [w for w in ascii_name.lower().replace(",", " ").replace(".", " ").split() if w.isalnum()]
    return "".join(words[:2]) + ".com"


def accounts_table(pop: Population, seed: int) -> pa.Table:
    a, p, b = pop.accounts, pop.persons, pop.businesses
    party = np.where(
        a.owner_kind == 0, p.party_id[np.minimum(a.owner, len(p) - 1)], b.party_id[np.minimum(a.owner, len(b) - 1)]
    )
    rng = rng_for(seed, "account-numbers")
    numbers = rng.integers(10**9, 10**12, len(a.account_id))
    return pa.table(
        {
            "account_id": a.account_id,
            "party_id": party,
            "bank_id": pa.array(a.bank, pa.int32()),
            "account_number": np.char.zfill((a.bank.astype(np.int64) * 10**12 + numbers).astype(str), 15),
            "account_type": [vocab.ACCOUNT_TYPES[t] for t in a.account_type],
            "currency": a.currency.tolist(),
            "open_date": _dates(pop.start, a.open_days_before),
        }
    )


def party_labels_table(party_ids: np.ndarray) -> pa.Table:
    n = len(party_ids)
    role = pa.DictionaryArray.from_arrays(pa.array(np.zeros(n, np.int8)), pa.array(vocab.ROLES))
    typ = pa.DictionaryArray.from_arrays(pa.nulls(n, pa.int8()), pa.array(vocab.TYPOLOGIES))
    return pa.table(
        {
            "party_id": party_ids,
            "is_illicit": np.zeros(n, bool),
            "role": role,
            "typology": typ,
            "case_id": pa.nulls(n, pa.int64()),
        }
    )


def shipment_labels_table(shipments: pa.Table) -> pa.Table:
    n = shipments.num_rows
    typ = pa.DictionaryArray.from_arrays(pa.nulls(n, pa.int8()), pa.array(vocab.TYPOLOGIES))
    return pa.table(
        {
            "shipment_id": shipments["shipment_id"],
            "is_illicit": np.zeros(n, bool),
            "actual_hs_code": shipments["hs_code"],
            "typology": typ,
            "case_id": pa.nulls(n, pa.int64()),
        }
    )
