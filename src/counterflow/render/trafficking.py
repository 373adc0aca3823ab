"""The trafficking twin's parties, accounts, shipments and trade documents, as dataset tables.

Illicit records take the legitimate records' shape so that only their content gives them away:
a diverting maker is a Chinese chemical manufacturer like the legitimate ones, a front company
is a Mexican veterinary clinic or clothing trader (seed 003), a precursor load is declared as an
ordinary chemical (``shipment_labels.actual_hs_code`` tells the truth, typology T2) and may pass
through a long chain of forwarders or a transshipment port (T4). Ids come from the twin's own
opaque streams, so they reveal nothing.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from counterflow.dataset import vocab
from counterflow.render.ids import TWIN_ACCOUNTS, TWIN_DOCUMENTS, TWIN_PARTIES, TWIN_SHIPMENTS, opaque_ids, rng_for
from counterflow.render.population import (
    Population,
    birth_days_before,
    business_account_days_before,
    checking_days_before,
    has_website,
    person_traits,
    registration_days_before,
    zipf_pick,
)
from counterflow.render.tables import _domain
from counterflow.twin import params as P
from counterflow.twin.model import TwinResult
from counterflow.world import geography as geo
from counterflow.world import names as nm
from counterflow.world.goods import GOODS
from counterflow.world.industries import OCCUPATION_NAMES, business_names, tax_ids

_GOOD = {g.hs_code: g for g in GOODS}
_CITY_NAME = {p.place_id: p.name for p in geo.places_of("city")}
_CITY_STATE = {p.place_id: p.state for p in geo.places_of("city")}
HONG_KONG_PORT = P.place_id("Port of Hong Kong", "sea_port")


@dataclass
class IllicitParties:
    """Party ids of each agent set, in the set's own order, plus the tables."""

    supplier: np.ndarray
    broker: np.ndarray
    forwarder: np.ndarray
    front: np.ndarray
    lab_operator: np.ndarray
    courier: np.ndarray
    distributor: np.ndarray
    parties: pa.Table
    labels: pa.Table
    accounts: pa.Table



def build_parties(r: TwinResult, pop: Population, seed: int, start: dt.date) -> IllicitParties:
    """Parties, labels and one account each for every member of the twin's agent sets."""
    net = r.network
    rng = rng_for(seed, "twin-parties")
    groups: list[tuple[str, str, list[str], list[int], list[str | None], list[int], str | None]] = []
    # (role, kind, countries, cities, industries, cases, typology)
    case = P.CASE_BASE
    groups.append(("precursor_supplier", "business", [P.SOURCES[c] for c in net.sup_country], list(net.sup_city),
                   ["325199"] * net.n_suppliers, list(case + net.brk_cartel[net.sup_broker]), "P3"))
    nb = len(net.brk_cartel)
    brk_city = [P.city_id("Hong Kong", "HK") if c == "HK" else P.city_id("Shanghai", "CN") for c in net.brk_country]
    groups.append(("chemical_broker", "person", list(net.brk_country), brk_city, [None] * nb,
                   list(case + net.brk_cartel), "P3"))
    fwd_city = {"CN": P.city_id("Shenzhen", "CN"), "HK": P.city_id("Hong Kong", "HK"),
                "MX": P.city_id("Manzanillo", "MX"), "IN": P.city_id("Mumbai", "IN")}
    nf = len(net.fwd_country)
    groups.append(("freight_forwarder", "business", list(net.fwd_country), [fwd_city[c] for c in net.fwd_country],
                   ["488510"] * nf, [case + i % 2 for i in range(nf)], "T4"))
    groups.append(("front_company", "business", ["MX"] * len(net.front_cartel), list(net.front_city),
                   list(net.front_industry), list(case + net.front_cartel), "P5"))
    groups.append(("lab_operator", "person", ["MX"] * len(net.lab_cartel), list(net.lab_city),
                   [None] * len(net.lab_cartel), list(case + net.lab_cartel), None))
    mx_border = [P.city_id(n, "MX") for n in ("Tijuana", "Mexicali", "Nogales", "Culiacán")]
    nc = len(net.courier_cartel)
    groups.append(("smuggler", "person", ["MX"] * nc, [mx_border[i % 4] for i in range(nc)], [None] * nc,
                   list(case + net.courier_cartel), None))
    groups.append(("distributor", "person", ["US"] * len(net.dist_org), list(net.dist_city),
                   [None] * len(net.dist_org), list(case + net.dist_org), None))

    cols: dict[str, list] = {k: [] for k in (
        "kind", "name", "given_name", "family_name", "country", "nationality", "birth_date", "occupation",
        "industry_code", "registration_date", "tax_id", "trade_names", "has_website", "phone", "email",
        "address", "city_id", "state")}
    roles, cases, typologies, offsets = [], [], [], []
    for role, kind, countries, cities, industries, gcases, typ in groups:
        offsets.append(len(roles))
        for i, (c, city, ind) in enumerate(zip(countries, cities, industries)):
            # Every trait drawn as for an honest party of the population (render.population).
            if kind == "business":
                name = business_names(c, [_CITY_NAME[int(city)]], [ind], rng)[0]
                reg = start - dt.timedelta(days=int(registration_days_before(1, rng)[0]))
                given = family = nat = birth = occ = None
                tax = tax_ids(c, [name], np.array([reg.year]), rng)[0]
                site = bool(has_website(1, rng)[0])
                dom = _domain(name)
                email = f"info@{dom}" if site else f"{dom.split('.')[0]}{int(rng.integers(0, 97))}@gmail.com"
            else:
                d, g, f = nm.person_names(c, 1, rng)
                name, given, family, nat = d[0], g[0], f[0], c
                o, age = person_traits(1, rng)
                birth = start - dt.timedelta(days=int(birth_days_before(age, rng)[0]))
                occ, reg, tax, site = OCCUPATION_NAMES[int(o[0])], None, None, None
                email = nm.emails(g, f, c, rng)[0]
            cols["kind"].append(kind)
            cols["name"].append(name)
            cols["given_name"].append(given)
            cols["family_name"].append(family)
            cols["country"].append(c)
            cols["nationality"].append(nat)
            cols["birth_date"].append(birth)
            cols["occupation"].append(occ)
            cols["industry_code"].append(ind)
            cols["registration_date"].append(reg)
            cols["tax_id"].append(tax)
            cols["trade_names"].append(None)
            cols["has_website"].append(site)
            cols["phone"].append(nm.phones(c, 1, rng)[0])
            cols["email"].append(email)
            cols["address"].append(nm.street_addresses(c, 1, rng)[0])
            cols["city_id"].append(int(city))
            cols["state"].append(_CITY_STATE[int(city)])
            roles.append(role)
            cases.append(int(gcases[i]))
            typologies.append(typ)
    n = len(roles)
    pid = opaque_ids(TWIN_PARTIES, np.arange(n))
    parties = pa.table({"party_id": pid, **{k: pa.array(v, _ARROW.get(k)) for k, v in cols.items()}})
    labels = pa.table({
        "party_id": pid,
        "is_illicit": np.ones(n, bool),
        "role": vocab.encode(roles, vocab.ROLES),
        "typology": vocab.encode(typologies, vocab.TYPOLOGIES),
        "case_id": pa.array(cases, pa.int64()),
    })
    accounts = _accounts(pid, cols["country"], cols["kind"], cols["registration_date"], pop, rng, start)
    o = offsets + [n]
    parts = [pid[o[i]:o[i + 1]] for i in range(len(groups))]
    return IllicitParties(*parts, parties=parties, labels=labels, accounts=accounts)


_ARROW = {"birth_date": pa.date32(), "registration_date": pa.date32(), "trade_names": pa.list_(pa.string()),
          "has_website": pa.bool_(), "city_id": pa.int32()}


def _accounts(pid: np.ndarray, countries: list[str], kinds: list[str], registered: list[dt.date | None],
              pop: Population, rng: np.random.Generator, start: dt.date) -> pa.Table:
    banks = {}
    for b in pop.banks:
        if b.kind == "bank":
            banks.setdefault(b.country, []).append(b)
    bank_ids, currency, types, number = [], [], [], []
    for c, k in zip(countries, kinds):
        pool = banks.get(c) or banks["US"]
        b = zipf_pick(pool, rng)
        bank_ids.append(b.bank_id)
        currency.append(b.currency)
        types.append("business" if k == "business" else "checking")
        number.append(f"{b.bank_id * 10**12 + int(rng.integers(10**9, 10**12)):015d}")
    n = len(pid)
    # Opened on the population's curves (a business's within its registration, a person's tenure).
    days = np.where(np.array(kinds) == "business",
                    business_account_days_before(np.array([(start - r).days if r else 0 for r in registered],
                                                          np.int64), rng),
                    checking_days_before(person_traits(n, rng)[1], rng))
    opened = [start - dt.timedelta(days=int(x)) for x in days]
    return pa.table({
        "account_id": opaque_ids(TWIN_ACCOUNTS, np.arange(n)),
        "party_id": pid,
        "bank_id": pa.array(bank_ids, pa.int32()),
        "account_number": number,
        "account_type": types,
        "currency": currency,
        "open_date": pa.array(opened, pa.date32()),
    })


@dataclass
class IllicitTrade:
    shipments: pa.Table
    labels: pa.Table
    documents: pa.Table
    shipment_id: np.ndarray  # per twin shipment: dataset id, or -1 when outside the window


def build_trade(r: TwinResult, ip: IllicitParties, seed: int, start: dt.date, end: dt.date) -> IllicitTrade:
    """Shipments departing inside the dataset window, with their documents and labels."""
    sh = r.shipments
    rng = rng_for(seed, "twin-trade")
    base = np.datetime64(r.start, "D")
    lo, hi = (start - r.start).days, (end - r.start).days
    keep = np.flatnonzero((sh["depart"] >= lo) & (sh["depart"] <= hi)) if len(sh["depart"]) else np.array([], int)
    n = len(keep)
    sid = opaque_ids(TWIN_SHIPMENTS, np.arange(n))
    ship_id = np.full(len(sh["depart"]), -1, np.int64)
    ship_id[keep] = sid
    g = sh["chemical"][keep].astype(int)
    declared = [P.CHEMICALS[x].declared_as[int(rng.integers(0, len(P.CHEMICALS[x].declared_as)))] for x in g]
    kg = np.round(sh["kg"][keep].astype(float), 1)
    value = np.round([k * _GOOD[h].price_usd * float(rng.lognormal(0, 0.2)) for k, h in zip(kg, declared)], 2)
    parcel = sh["mode"][keep] == 1
    org = sh["org"][keep].astype(int)
    dist_by_org = ip.distributor
    front = sh["front"][keep].astype(int)
    consignee = np.where(parcel, dist_by_org[np.arange(n) % len(dist_by_org)], ip.front[np.maximum(front, 0)])
    exporter = ip.supplier[sh["supplier"][keep].astype(int)]
    fwd = np.stack([sh[f"fwd{i}"][keep].astype(int) for i in range(5)], axis=1) if n else np.zeros((0, 5), int)
    chains = [[int(ip.forwarder[f]) for f in row if f >= 0] for row in fwd]
    port = sh["port"][keep].astype(int)
    dest = sh["dest"][keep].astype(int)
    depart = base + sh["depart"][keep].astype("timedelta64[D]")
    arrive = base + sh["arrive"][keep].astype("timedelta64[D]")
    shipments = pa.table({
        "shipment_id": sid,
        "exporter_id": exporter,
        "importer_id": consignee,
        "consignee_id": consignee,
        "hs_code": declared,
        "goods_description": [_GOOD[h].description for h in declared],
        "quantity": kg,
        "unit": ["kg"] * n,
        "declared_value": value,
        "currency": ["USD"] * n,
        "mode": np.where(parcel, "parcel", "sea").tolist(),
        "origin_country": [P.SOURCES[int(x)] for x in sh["source"][keep]],
        "origin_port_id": pa.array([None if p else int(x) for p, x in zip(parcel, sh["origin_port"][keep])],
                                   pa.int32()),
        "transship_port_id": pa.array([HONG_KONG_PORT if t else None for t in sh["transship"][keep]], pa.int32()),
        "dest_country": [("MX", "US", "CA")[int(d)] for d in dest],
        "dest_port_id": pa.array([None if p else int(r_) for p, r_ in
                                  zip(parcel, np.array([_PORT_PLACE[max(k, 0)] for k in port], dtype=np.int64))],
                                 pa.int32()),
        "departure_date": pa.array(depart),
        "arrival_date": pa.array(arrive),
        "forwarder_ids": pa.array(chains, pa.list_(pa.int64())),
    })
    chain_len = sh["chain"][keep].astype(int)
    typ = ["T4" if (c >= 3 or t) else "T2" for c, t in zip(chain_len, sh["transship"][keep])]
    labels = pa.table({
        "shipment_id": sid,
        "is_illicit": np.ones(n, bool),
        "actual_hs_code": [P.CHEMICALS[x].actual_hs for x in g],
        "typology": vocab.encode(typ, vocab.TYPOLOGIES),
        "case_id": pa.array(P.CASE_BASE + org, pa.int64()),
    })
    documents = _documents(sid, declared, kg, value, exporter, consignee, chains, depart, arrive,
                           sh["outcome"][keep].astype(int), end)
    return IllicitTrade(shipments, labels, documents, ship_id)


_PORT_PLACE = np.array([P.place_id(p.place, "sea_port") for p in P.MX_PORTS])


def _documents(sid, declared, kg, value, exporter, consignee, chains, depart, arrive, outcome, end) -> pa.Table:
    """Invoice, bill of lading and (once the load reached customs) the declaration, all stating the
    declared goods: the papers agree with each other, not with the load."""
    rows: dict[str, list] = {k: [] for k in ("shipment_id", "doc_type", "doc_number", "issue_date", "issuer_id",
                                              "hs_code", "goods_description", "quantity", "declared_value",
                                              "currency")}
    end64 = np.datetime64(end, "D")
    for i in range(len(sid)):
        issued = [("invoice", depart[i] - np.timedelta64(2, "D"), exporter[i], "INV"),
                  ("bill_of_lading", depart[i], chains[i][0] if chains[i] else exporter[i], "BL")]
        if outcome[i] != 1:
            issued.append(("customs_declaration", arrive[i], consignee[i], "CD"))
        for kind, day, issuer, prefix in issued:
            if day > end64:
                continue
            year = int(str(day)[:4])
            rows["shipment_id"].append(int(sid[i]))
            rows["doc_type"].append(kind)
            rows["doc_number"].append(f"{prefix}-{year}-{int(sid[i]) % 10**7:07d}")
            rows["issue_date"].append(day)
            rows["issuer_id"].append(int(issuer))
            rows["hs_code"].append(declared[i])
            rows["goods_description"].append(_GOOD[declared[i]].description)
            rows["quantity"].append(float(kg[i]))
            rows["declared_value"].append(float(value[i]))
            rows["currency"].append("USD")
    n = len(rows["shipment_id"])
    rows["issue_date"] = pa.array(np.array(rows["issue_date"], dtype="datetime64[D]"), pa.date32())
    return pa.table({"document_id": opaque_ids(TWIN_DOCUMENTS, np.arange(n)), **rows})
