"""``simulate``: scenario and seed in, a complete dataset directory out.

The physical trafficking twin runs first (after the population): its parties, shipments,
seizures, flows and cash proceeds are written next to the legitimate records. Days of
transactions are then generated in order; each generator draws from its own stream for each day, so the
output depends only on the scenario and the seed. Rows are flushed to Parquet every
``output.chunk_rows`` rows, which bounds memory whatever the horizon.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from counterflow.dataset import schema as sch
from counterflow.dataset.writer import DatasetWriter
from counterflow.render import tables, twin_tables
from counterflow.render.batch import TxnRows, sort_by_time, to_arrow
from counterflow.render.calendar import Day, day
from counterflow.render.economy import business, crossborder, household, spending, trade, transfers
from counterflow.render.economy.context import Context, build_context
from counterflow.render.ids import DayStreams
from counterflow.render.laundering import mirror, suppliers
from counterflow.render.laundering import trade as trade_laundering
from counterflow.render.laundering.network import relabel_mules
from counterflow.render.population import Population, build_population
from counterflow.render.trafficking import build_parties, build_trade
from counterflow.scenario.loader import canonical_yaml
from counterflow.scenario.model import Scenario
from counterflow.scenario.trafficking import Trafficking
from counterflow.twin import TwinResult, run_twin

log = logging.getLogger(__name__)

Generator = Callable[[Context, Day, np.random.Generator, TxnRows], None]

# Name -> generator. Names key the random streams: never rename one, only add.
GENERATORS: dict[str, Generator] = {
    "payroll": household.payroll,
    "rent": household.rent,
    "bills": household.bills,
    "savings": household.savings,
    "card": spending.card,
    "p2p": spending.p2p,
    "cash": spending.cash,
    "b2b": business.b2b,
    "cash_takings": business.cash_takings,
    "remittances": crossborder.remittances,
    "students": crossborder.students,
    "crypto": crossborder.crypto,
    "trade": trade.payments,
    "laundering": mirror.generate,
    "laundering_trade": trade_laundering.generate,
    "laundering_suppliers": suppliers.generate,
    "transfers": transfers.transfers,
}

# progress(stage, done, total): the CLI turns it into a progress bar.
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class SimulationResult:
    path: Path
    transactions: int
    seconds: float
    manifest: dict[str, Any]
    # CPU seconds of the fixed setup (population, parties, trade plan) and of the day loop
    # (generating and writing transactions), so throughput can be read without the setup.
    setup_cpu_s: float = 0.0
    transactions_cpu_s: float = 0.0


def simulate(
    scenario: Scenario, seed: int, out: str | Path, *, overwrite: bool = False, progress: Progress | None = None
) -> SimulationResult:
    t0 = time.perf_counter()
    c0 = time.process_time()
    report = progress or (lambda stage, done, total: None)
    with DatasetWriter(out, overwrite=overwrite, compression=scenario.output.compression) as w:
        report("population", 0, 1)
        pop = build_population(scenario, seed)
        ctx = build_context(scenario, seed, pop)
        w.write_table("places", tables.places_table())
        w.write_table("banks", tables.banks_table(pop))
        w.write_table("fx_rates", tables.fx_table(ctx))
        w.write_table("goods", tables.goods_table())
        parties = w.parts("parties")
        for chunk in tables.person_chunks(pop, seed):
            parties.write(chunk)
        for chunk in tables.business_chunks(pop, seed):
            parties.write(chunk)
        party_ids = np.concatenate([pop.persons.party_id, pop.businesses.party_id])
        plan = ctx.prepared("trade", trade.plan_trade)
        report("population", 1, 1)
        report("trafficking", 0, 1)
        illicit, records = _trafficking(scenario, seed, pop)
        parties.write(illicit["parties"])
        legit_labels = tables.party_labels_table(party_ids)
        if scenario.trafficking.enabled and scenario.laundering.enabled:
            # The laundering twin's brokers, buyers and couriers join the parties; recruited mules
            # are real persons, so their legitimate labels change.
            ctx.cash_proceeds = illicit["cash_proceeds"]
            lp = mirror.plan(ctx)
            parties.write(_conform("parties", lp.parties))
            legit_labels = relabel_mules(legit_labels, lp)
            for name, table in (("party_labels", lp.labels), ("accounts", lp.accounts)):
                illicit[name] = pa.concat_tables([illicit[name], _conform(name, table)])
            # Trade-based laundering brings its fronts, suppliers, shipments and documents.
            if scenario.laundering.trade.enabled:
                tp = trade_laundering.plan(ctx)
                _join(parties, illicit, {"parties": tp.parties, "party_labels": tp.labels, "accounts": tp.accounts,
                                         "shipments": tp.shipments, "shipment_labels": tp.shipment_labels,
                                         "trade_documents": tp.documents})
        if scenario.laundering.suppliers.enabled:
            # Payments for the twin's precursors (when it runs) and their legitimate look-alikes.
            ctx.cache["twin_records"] = records
            sp = suppliers.plan(ctx)
            _join(parties, illicit, {"parties": sp.parties, "party_labels": sp.labels, "accounts": sp.accounts})
        legit = {
            "party_labels": legit_labels,
            "accounts": tables.accounts_table(pop, seed),
            "shipments": plan.shipments,
            "shipment_labels": tables.shipment_labels_table(plan.shipments),
            "trade_documents": plan.documents,
        }
        for name, table in legit.items():
            w.write_table(name, pa.concat_tables([_conform(name, table), illicit[name]]))
        for name in ("seizures", "seizure_labels", "flows", "cash_proceeds"):
            w.write_table(name, illicit[name])
        report("trafficking", 1, 1)
        c1 = time.process_time()
        n_txn = _transactions(ctx, w, report)
        c2 = time.process_time()
        manifest = {
            "scenario": scenario.name,
            "seed": seed,
            "source": "simulate",
            "start_date": scenario.start_date.isoformat(),
            "end_date": scenario.end_date.isoformat(),
            "scenario_yaml": canonical_yaml(scenario),
        }
        path = w.commit(manifest)
    seconds = time.perf_counter() - t0
    log.info("wrote %s transactions to %s in %.1fs", n_txn, path, seconds)
    return SimulationResult(path, n_txn, seconds, manifest, c1 - c0, c2 - c1)


def _join(parties, illicit: dict[str, pa.Table], new: dict[str, pa.Table]) -> None:  # noqa: ANN001 - a part writer
    """Write new parties and append the other new tables to the illicit side's."""
    parties.write(_conform("parties", new.pop("parties")))
    for name, table in new.items():
        illicit[name] = pa.concat_tables([illicit[name], _conform(name, table)])


def _conform(name: str, table: pa.Table) -> pa.Table:
    schema = sch.table(name).arrow_schema()
    return table.select(schema.names).cast(schema)


@lru_cache(maxsize=4)
def _twin_run(trafficking_json: str, end: dt.date, seed: int) -> TwinResult:
    """The physical twin, memoised: several datasets of one scenario and seed share one run."""
    return run_twin(Trafficking.model_validate_json(trafficking_json), end, seed)


def _trafficking(scenario: Scenario, seed: int,
                 pop: Population) -> tuple[dict[str, pa.Table], suppliers.TwinRecords | None]:
    """The illicit side's tables (empty when the twin is off), each conformed to the schema, and the
    twin's records the laundering twin pays for (None when the twin is off)."""
    names = ("parties", "party_labels", "accounts", "shipments", "shipment_labels", "trade_documents",
             "seizures", "seizure_labels", "flows", "cash_proceeds")
    tr = scenario.trafficking
    if not tr.enabled:
        return {n: sch.table(n).arrow_schema().empty_table() for n in names}, None
    result = _twin_run(tr.model_dump_json(), scenario.end_date, seed)
    start, end = scenario.start_date, scenario.end_date
    ip = build_parties(result, pop, seed, start)
    tt = build_trade(result, ip, seed, start, end)
    seizures, seizure_labels = twin_tables.seizure_tables(result, ip, tt, start, end)
    out = {
        "parties": ip.parties, "party_labels": ip.labels, "accounts": ip.accounts,
        "shipments": tt.shipments, "shipment_labels": tt.labels, "trade_documents": tt.documents,
        "seizures": seizures, "seizure_labels": seizure_labels,
        "flows": twin_tables.flows_table(result, start, end),
        "cash_proceeds": twin_tables.cash_table(result, start, end),
    }
    return {n: _conform(n, t) for n, t in out.items()}, suppliers.TwinRecords(result, ip, tt)


def _transactions(ctx: Context, w: DatasetWriter, report: Progress) -> int:
    sc = ctx.scenario
    txns = w.parts("transactions", sc.output.rows_per_file)
    labels = w.parts("transaction_labels", sc.output.rows_per_file)
    # Each day becomes Arrow at once; a flush writes the days as one chunked table (no copy).
    pending: list[tuple[pa.Table, pa.Table]] = []
    pending_rows = 0
    next_id = 1

    def flush() -> None:
        nonlocal pending, pending_rows
        if not pending_rows:
            return
        txns.write(pa.concat_tables([t for t, _ in pending]))
        labels.write(pa.concat_tables([lab for _, lab in pending]))
        pending, pending_rows = [], 0

    streams = DayStreams(ctx.seed)
    for i in range(sc.days):
        d = day(sc.start_date, i)
        rows = TxnRows()
        for name, gen in GENERATORS.items():
            gen(ctx, d, streams.get(name, i), rows)
        if rows.n:
            pending.append(to_arrow(sort_by_time(rows.arrays()), next_id))
            next_id += rows.n
            pending_rows += rows.n
        if pending_rows >= sc.output.chunk_rows:
            flush()
        report("transactions", i + 1, sc.days)
    flush()
    return next_id - 1
