"""Hand-built datasets with known answers: a few transactions, written as a real dataset."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pyarrow as pa

from counterflow.dataset import schema as sch
from counterflow.dataset.writer import DatasetWriter
from counterflow.render.tables import places_table
from counterflow.world.goods import GOODS

T0 = dt.datetime(2024, 3, 1, 9, 0, 0)
# Bank id -> country. 1 US, 2 MX, 3 CN, 4 HK.
BANKS = {1: "US", 2: "MX", 3: "CN", 4: "HK"}
BANK_CURRENCY = {1: "USD", 2: "MXN", 3: "CNY", 4: "HKD"}
# Cities (places.place_id) in different US states: NY, CA, IL, TX, AZ, PA, WA, FL, GA.
CITIES = [113, 114, 115, 116, 118, 119, 122, 123, 124]


@dataclass
class Txn:
    minutes: float  # after T0
    src: int | None
    dst: int | None
    amount: float
    currency: str = "USD"
    channel: str = "WIRE"
    received: float | None = None
    currency_received: str | None = None
    location: int | None = None
    illicit: bool = False
    typology: str | None = None
    case: int | None = None
    shipment: int | None = None


@dataclass
class World:
    txns: list[Txn] = field(default_factory=list)
    # account id -> bank id (party id = account id unless given in owners)
    banks: dict[int, int] = field(default_factory=dict)
    owners: dict[int, int] = field(default_factory=dict)
    parties: dict[int, dict[str, Any]] = field(default_factory=dict)
    # shipments and trade documents as table rows; dates may be given as days after T0; a shipment's
    # optional "illicit" and "typology" keys go to shipment_labels
    shipments: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)

    def add(self, *t: Txn) -> World:
        self.txns.extend(t)
        return self


def _fill(table: str, rows: list[dict[str, Any]]) -> pa.Table:
    schema = sch.table(table).arrow_schema()
    cols = {}
    for f in schema:
        t = f.type.value_type if pa.types.is_dictionary(f.type) else f.type
        cols[f.name] = pa.array([r.get(f.name) for r in rows], t)
    return pa.table(cols)


def _day(d: float | dt.date) -> dt.date:
    return d if isinstance(d, dt.date) else (T0 + dt.timedelta(days=d)).date()


def _shipment(r: dict[str, Any]) -> dict[str, Any]:
    """A shipment row with defaults; ``departure_date``/``arrival_date`` in days after T0."""
    row = {"goods_description": "goods", "unit": "kg", "currency": "USD", "mode": "sea", "origin_country": "CN",
           "dest_country": "MX", "forwarder_ids": [], "departure_date": 0, "arrival_date": 20, **r}
    row["consignee_id"] = row.get("consignee_id", row["importer_id"])
    row["departure_date"], row["arrival_date"] = _day(row["departure_date"]), _day(row["arrival_date"])
    return row


def write(world: World, out: Path) -> Path:
    txns = sorted(world.txns, key=lambda t: t.minutes)
    accts = sorted({a for t in txns for a in (t.src, t.dst) if a is not None} | set(world.banks))
    party_ids = sorted({world.owners.get(a, a) for a in accts} | set(world.parties))
    with DatasetWriter(out) as w:
        w.write_table("places", places_table())
        w.write_table("banks", _fill("banks", [
            {"bank_id": b, "name": f"Bank {b}", "country": c, "kind": "bank", "currency": BANK_CURRENCY[b]}
            for b, c in BANKS.items()]))
        w.write_table("fx_rates", _fill("fx_rates", []))
        w.write_table("goods", _fill("goods", [
            {"hs_code": g.hs_code, "description": g.description, "unit": g.unit,
             "typical_unit_price_usd": g.price_usd, "sector": g.sector} for g in GOODS]))
        w.write_table("parties", _fill("parties", [
            {"party_id": p, "kind": "person", "name": f"Party {p}", **world.parties.get(p, {})} for p in party_ids]))
        w.write_table("accounts", _fill("accounts", [
            {"account_id": a, "party_id": world.owners.get(a, a), "bank_id": world.banks.get(a, 1),
             "account_number": f"A{a}", "account_type": "checking",
             "currency": BANK_CURRENCY[world.banks.get(a, 1)]} for a in accts]))
        rows, labels = [], []
        for i, t in enumerate(txns, start=1):
            rows.append({
                "txn_id": i, "ts": T0 + dt.timedelta(minutes=t.minutes), "src_account": t.src,
                "dst_account": t.dst, "amount_paid": t.amount, "currency_paid": t.currency,
                "amount_received": t.received if t.received is not None else t.amount,
                "currency_received": t.currency_received or t.currency, "channel": t.channel,
                "txn_type": "trade_payment" if t.shipment else "unknown", "location_id": t.location,
                "shipment_id": t.shipment})
            labels.append({"txn_id": i, "is_illicit": t.illicit, "typology": t.typology, "case_id": t.case})
        w.write_table("transactions", _fill("transactions", rows))
        w.write_table("transaction_labels", _fill("transaction_labels", labels))
        w.write_table("party_labels", _fill("party_labels", [
            {"party_id": p, "is_illicit": False, "role": "legitimate"} for p in party_ids]))
        w.write_table("shipments", _fill("shipments", [_shipment(r) for r in world.shipments]))
        w.write_table("shipment_labels", _fill("shipment_labels", [
            {"shipment_id": r["shipment_id"], "is_illicit": r.get("illicit", False), "typology": r.get("typology")}
            for r in world.shipments]))
        w.write_table("trade_documents", _fill("trade_documents", [
            {"document_id": i, "doc_number": f"D{i}", "goods_description": "goods", "currency": "USD",
             **r, "issue_date": _day(r["issue_date"])} for i, r in enumerate(world.documents, start=1)]))
        # Every other table of the schema (whatever the twins add) is empty here.
        written = {"places", "banks", "fx_rates", "goods", "parties", "accounts", "transactions",
                   "transaction_labels", "party_labels", "shipments", "shipment_labels", "trade_documents"}
        for name in sch.TABLE_NAMES:
            if name not in written:
                w.write_table(name, _fill(name, []))
        w.commit({"scenario": None, "seed": None, "source": "test"})
    return out


def amlworld_csv(path: Path, seed: int = 0, days: int = 40, background: int = 3000) -> Path:
    """An AMLworld-style CSV: random ordinary payments plus labelled laundering patterns
    (temporal cycles and fan-in/fan-out bursts among their own accounts), spread over ``days``."""
    import numpy as np

    from counterflow.dataset.amlworld import HEADER

    rng = np.random.default_rng(seed)
    rows: list[tuple[dt.datetime, int, int, float, str, int]] = []
    start = dt.datetime(2022, 9, 1)
    for _ in range(background):
        a, b = rng.integers(0, 400, 2)
        when = start + dt.timedelta(minutes=int(rng.integers(0, days * 1440)))
        rows.append((when, int(a), int(b), float(np.round(rng.lognormal(5, 1.2), 2)),
                     str(rng.choice(["ACH", "Credit Card", "Cheque", "Wire"])), 0))
    mule = 1000
    for _ in range(days // 2):
        t = start + dt.timedelta(minutes=int(rng.integers(0, (days - 2) * 1440)))
        k = int(rng.integers(3, 6))
        ring = list(range(mule, mule + k))
        mule += k
        amt = float(rng.integers(5000, 9000))
        for i in range(k):  # a cycle, one hop every few hours
            t = t + dt.timedelta(minutes=int(rng.integers(30, 300)))
            amt *= 0.98
            rows.append((t, ring[i], ring[(i + 1) % k], round(amt, 2), "Wire", 1))
        hub = mule
        mule += 1
        for j in range(int(rng.integers(6, 10))):  # fan-in then fan-out through one hub
            rows.append((t + dt.timedelta(minutes=10 * j), mule + j, hub, float(rng.integers(2000, 4000)), "ACH", 1))
            rows.append((t + dt.timedelta(hours=5, minutes=10 * j), hub, mule + 20 + j,
                         float(rng.integers(2000, 4000)), "Wire", 1))
        mule += 40
    rows.sort(key=lambda r: r[0])
    lines = [",".join(HEADER)]
    for when, a, b, amt, fmt, y in rows:
        lines.append(f"{when:%Y/%m/%d %H:%M},10,{a:08X},20,{b:08X},{amt},US Dollar,{amt},US Dollar,{fmt},{y}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
