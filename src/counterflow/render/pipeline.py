"""``simulate``: scenario and seed in, a complete dataset directory out.

Days are generated in order; each generator draws from its own stream for each day, so the
output depends only on the scenario and the seed. Rows are flushed to Parquet every
``output.chunk_rows`` rows, which bounds memory whatever the horizon.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from counterflow.dataset.writer import DatasetWriter
from counterflow.render import tables
from counterflow.render.batch import TxnRows, sort_by_time, to_arrow
from counterflow.render.calendar import Day, day
from counterflow.render.economy import business, crossborder, household, spending, trade
from counterflow.render.economy.context import Context, build_context
from counterflow.render.ids import DayStreams
from counterflow.render.population import build_population
from counterflow.scenario.loader import canonical_yaml
from counterflow.scenario.model import Scenario

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
        w.write_table("party_labels", tables.party_labels_table(party_ids))
        w.write_table("accounts", tables.accounts_table(pop, seed))
        plan = ctx.prepared("trade", trade.plan_trade)
        w.write_table("shipments", plan.shipments)
        w.write_table("shipment_labels", tables.shipment_labels_table(plan.shipments))
        w.write_table("trade_documents", plan.documents)
        report("population", 1, 1)
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
