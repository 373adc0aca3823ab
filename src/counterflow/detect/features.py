"""Per-transaction features over backward time windows, computed in the engine.

Every transaction gets features of its paying and its receiving account, each computed over
the windows that end at the transaction's own time (``RANGE BETWEEN W PRECEDING AND CURRENT
ROW`` on epoch seconds, so rows booked in the same second count as "now"), plus features of
the transaction itself, the shortest temporal cycle it closes (:mod:`counterflow.detect.cycles`),
and the scatter-gather, party-trait, trade-paper and listed-distance features of
:mod:`counterflow.detect.feature_steps`. Nothing after a transaction's time is used: appending
later rows changes no earlier feature.

Work is done in time chunks: a chunk [a, b) reads rows from a − 2 × (longest window) on, so
results do not depend on the chunk size while memory is bounded by chunk plus look-back. Gaps
between an account's legs are capped at the longest window, and a leg at the far end of a
window still sees its own previous leg, hence the doubled look-back.

The feature builder follows the scikit-learn contract: parameters in the constructor,
``fit`` learns nothing (``feature_names_`` is set), ``transform(dataset)`` returns an Arrow table.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from counterflow.dataset import vocab
from counterflow.dataset.reader import Dataset
from counterflow.detect.base import REPORTING_THRESHOLD_USD, ts_literal, txn_base_sql
from counterflow.detect.cycles import DEFAULT_MAX_LEN, cycles_kernel
from counterflow.detect.feature_steps import (
    HOP_FEATURES,
    PARTY_FEATURES,
    TRADE_FEATURES,
    add_party_steps,
    add_pattern_steps,
    add_payment_trade_steps,
    daily_hops,
    pattern_kernel,
)
from counterflow.detect.windows import ACCOUNT_AGGS, window_kernel
from counterflow.engine.dialects import Dialect
from counterflow.engine.pipeline import Engine, EngineError, Pipeline
from counterflow.engine.registry import open_engine
from counterflow.world.geography import COUNTRY_CODES

log = logging.getLogger(__name__)

# Ratios of the aggregates, computed in a second step; ``{p}`` is the side's prefix (src_, dst_)
# in the per-transaction windows table.
_ACCOUNT_RATIOS: tuple[tuple[str, str], ...] = (
    ("legs", "{p}n_in_{s} + {p}n_out_{s}"),
    # null, not 0, where the transaction has no account on that side
    ("passthrough", "CASE WHEN {p}usd_in_{s} IS NULL THEN NULL WHEN {p}usd_in_{s} > 0 AND {p}usd_out_{s} > 0 "
                    "THEN least({p}usd_in_{s}, {p}usd_out_{s}) / greatest({p}usd_in_{s}, {p}usd_out_{s}) ELSE 0 END"),
    ("cp_diversity", "{p}n_cp_{s} / ({p}n_in_{s} + {p}n_out_{s})"),
)
_TXN_FEATURES: tuple[str, ...] = (
    "amount_usd", "log_amount", "is_cash", "is_round", "below_threshold", "cross_currency",
    "cross_border", "hour", "channel_code", "currency_paid_code", "currency_received_code", "src_country_code",
    "dst_country_code", "pair_n", "cycle_len", "sg", "gs",
)
# Profile mismatch (C2, C7): money a profile does not explain, per window label ``{s}``.
_PROFILE_FEATURES: tuple[tuple[str, str], ...] = (
    ("dst_profile_usd_in", "w.dst_usd_in_{s} * rp.low_income_profile"),
    ("dst_profile_xborder_usd_in", "w.dst_xborder_usd_in_{s} * rp.low_income_profile"),
    ("dst_no_nexus_xborder_usd_in", "w.dst_xborder_usd_in_{s} * rp.no_trade_nexus"),
    ("src_cash_excess", "w.src_cash_share_{s} - sp.expected_cash_share"),
    ("dst_cash_excess", "w.dst_cash_share_{s} - rp.expected_cash_share"),
)


ACCOUNT_AGGS_AND_RATIOS: tuple[str, ...] = ACCOUNT_AGGS + tuple(n for n, _ in _ACCOUNT_RATIOS)


@dataclass(frozen=True)
class Window:
    label: str
    seconds: int


DEFAULT_WINDOWS: tuple[Window, ...] = (Window("1d", 86_400), Window("7d", 7 * 86_400))


class FeatureBuilder:
    """Look-ahead-free transaction features (see the module docstring)."""

    def __init__(self, windows: tuple[Window, ...] = DEFAULT_WINDOWS, cycle_window_s: int = 7 * 86_400,
                 max_cycle_len: int = DEFAULT_MAX_LEN, chunk_days: int = 30, chunk_rows: int = 400_000,
                 pattern_window_s: int = 86_400,
                 listed: pa.Table | None = None, hop_days: int = 30, debug: bool = False,
                 engine: str = "duckdb") -> None:
        self.windows = windows
        self.cycle_window_s = cycle_window_s
        self.max_cycle_len = max_cycle_len
        if chunk_days < 1 or chunk_rows < 1:
            raise ValueError("chunk_days and chunk_rows must be at least 1")
        self.chunk_days = chunk_days
        self.chunk_rows = chunk_rows
        self.pattern_window_s = pattern_window_s
        self.listed = listed  # party_id of listed or known-bad parties; None leaves the hop features null
        self.hop_days = hop_days
        self.debug = debug
        self.engine = engine  # which engine runs the steps when the caller passes none (engine.registry)

    # -- scikit-learn contract --------------------------------------------------------------
    def get_params(self, deep: bool = True) -> dict:
        return {"windows": self.windows, "cycle_window_s": self.cycle_window_s,
                "max_cycle_len": self.max_cycle_len, "chunk_days": self.chunk_days, "chunk_rows": self.chunk_rows,
                "pattern_window_s": self.pattern_window_s, "listed": self.listed, "hop_days": self.hop_days,
                "debug": self.debug, "engine": self.engine}

    def fit(self, ds: Dataset | None = None, y: object = None) -> FeatureBuilder:
        self.feature_names_ = self.feature_names()
        return self

    def feature_names(self) -> list[str]:
        names: list[str] = list(_TXN_FEATURES)
        for side in ("src", "dst"):
            for w in self.windows:
                names += [f"{side}_{n}_{w.label}" for n in ACCOUNT_AGGS_AND_RATIOS]
        names += [f"{side}_{n}" for side in ("src", "dst") for n in PARTY_FEATURES]
        names += [f"{n}_{w.label}" for w in self.windows for n, _ in _PROFILE_FEATURES]
        return names + list(TRADE_FEATURES) + list(HOP_FEATURES)

    @property
    def lookback_s(self) -> int:
        return max([w.seconds for w in self.windows] + [self.cycle_window_s, self.pattern_window_s])

    def transform(self, ds: Dataset, start: dt.datetime | None = None, end: dt.datetime | None = None,
                  engine: Engine | None = None) -> pa.Table:
        """Features of the transactions with ``start <= ts < end``, in transaction order."""
        engine = engine or open_engine(self.engine, ds, debug=self.debug)
        parts = list(self.iter_chunks(ds, start, end, engine))
        if not parts:
            return self._empty(ds, engine)
        return pa.concat_tables(parts)

    def iter_chunks(self, ds: Dataset, start: dt.datetime | None = None,
                    end: dt.datetime | None = None, engine: Engine | None = None) -> Iterator[pa.Table]:
        """One Arrow table per time chunk (bounded memory for long ranges)."""
        engine = engine or open_engine(self.engine, ds, debug=self.debug)
        for a, b in self.chunk_bounds(ds, start, end):
            yield self.chunk(engine, a, b)

    def chunk_bounds(self, ds: Dataset, start: dt.datetime | None = None,
                     end: dt.datetime | None = None) -> list[tuple[dt.datetime, dt.datetime]]:
        """Time chunks [a, b) covering the range: whole days, at most ``chunk_days`` each, and no
        more than ``chunk_rows`` transactions unless one day alone has more.

        Capping rows as well as days keeps a chunk's memory the same on dense data as on sparse
        data; features do not depend on where the chunks fall."""
        lo, hi = ds.fetchall("SELECT min(ts), max(ts) FROM transactions")[0]
        if lo is None:
            return []
        a = max(lo, start) if start is not None else lo
        stop = min(hi + dt.timedelta(seconds=1), end) if end is not None else hi + dt.timedelta(seconds=1)
        if a >= stop:
            return []
        # Rows per day counted from a, in whole days after it.
        per_day = dict(ds.fetchall(
            "SELECT CAST(floor(date_diff('second', CAST(? AS TIMESTAMP), ts) / 86400) AS BIGINT) AS k, count(*) "
            "FROM transactions WHERE ts >= ? AND ts < ? GROUP BY k", [a, a, stop]))
        bounds = []
        k = 0
        while a < stop:
            days, rows = 1, per_day.get(k, 0)
            while (days < self.chunk_days and a + dt.timedelta(days=days) < stop
                   and rows + per_day.get(k + days, 0) <= self.chunk_rows):
                rows += per_day.get(k + days, 0)
                days += 1
            b = min(a + dt.timedelta(days=days), stop)
            bounds.append((a, b))
            a, k = b, k + days
        return bounds

    def _empty(self, ds: Dataset, engine: Engine) -> pa.Table:
        t = ds.fetchall("SELECT max(ts) FROM transactions")[0][0] or dt.datetime(2000, 1, 1)
        far = t + dt.timedelta(days=1)
        return self.chunk(engine, far, far + dt.timedelta(seconds=1))

    # -- SQL ----------------------------------------------------------------------------------
    def base_inputs(self, d: Dialect, lo: dt.datetime, hi: dt.datetime) -> Pipeline:
        """Transactions of the chunk [lo, hi) and its look-back, enriched and flagged, stored once per
        chunk (as ``source``) for the kernels' inputs and the final steps.

        The look-back is twice the longest window: a leg at the far end of a window needs its own
        previous leg for its gap, and a scatter-gather path completed at lo − W started by lo − 2W."""
        p = Pipeline("feature_base")
        p.add("txn", txn_base_sql(d, lo - dt.timedelta(seconds=2 * self.lookback_s), hi))
        thr = REPORTING_THRESHOLD_USD
        flags = f"""CASE WHEN channel = 'CASH' THEN 1 ELSE 0 END AS is_cash,
       CASE WHEN src_country <> dst_country THEN 1 ELSE 0 END AS cross_border,
       CASE WHEN currency_paid <> currency_received THEN 1 ELSE 0 END AS cross_currency,
       CASE WHEN amount_paid >= 100 AND amount_paid = floor(amount_paid / 100) * 100 THEN 1 ELSE 0 END AS is_round,
       CASE WHEN amount_usd >= {thr * 0.9} AND amount_usd < {thr} THEN 1 ELSE 0 END AS below_threshold"""
        p.add("txn_flags", f"SELECT *, {flags} FROM txn")
        return p

    def window_inputs(self, d: Dialect, lo: dt.datetime, source: str = "feature_txn") -> Pipeline:
        """Legs (one per side of a transaction) for the account-window kernel, sorted by account and
        time; legs from ``lo`` on are marked as output."""
        p = Pipeline("window_inputs")
        legs = "txn_id, e, {acct} AS account, {cp} AS cp, {inb} AS inbound, amount_usd, {cur} AS currency, " \
               "is_cash, cross_border, cross_currency, is_round, below_threshold, ts >= {lo} AS is_output"
        lo_ts = ts_literal(lo)
        p.add("legs", f"""
SELECT {legs.format(acct='src_account', cp='dst_account', inb=0, cur='currency_paid', lo=lo_ts)}
FROM {source} WHERE src_account IS NOT NULL
UNION ALL
SELECT {legs.format(acct='dst_account', cp='src_account', inb=1, cur='currency_received', lo=lo_ts)}
FROM {source} WHERE dst_account IS NOT NULL""")
        p.add("legs_sorted", "SELECT * FROM legs ORDER BY account, e, txn_id, inbound")
        return p

    def cycle_inputs(self, d: Dialect, lo: dt.datetime, source: str = "feature_txn") -> Pipeline:
        """Payments between two accounts from one cycle window before ``lo``, in time order."""
        p = Pipeline("cycle_inputs")
        reach = d.epoch_seconds(ts_literal(lo - dt.timedelta(seconds=self.cycle_window_s)))
        p.add("edges", f"""
SELECT txn_id, e, src_account, dst_account, ts >= {ts_literal(lo)} AS is_output
FROM {source} WHERE src_account IS NOT NULL AND dst_account IS NOT NULL AND e >= {reach} ORDER BY e, txn_id""")
        return p

    def pattern_inputs(self, d: Dialect, lo: dt.datetime, source: str = "feature_txn") -> Pipeline:
        """Two-hop paths for the scatter-gather kernel (:func:`add_pattern_steps`)."""
        p = Pipeline("pattern_inputs")
        add_pattern_steps(p, source, self.pattern_window_s, d.epoch_seconds(ts_literal(lo)))
        return p

    def pipeline(self, d: Dialect, lo: dt.datetime, hi: dt.datetime, source: str = "feature_txn",
                 cycles_table: str = "txn_cycles", hops_table: str = "txn_hops",
                 windows_table: str = "txn_windows", patterns_table: str = "txn_patterns",
                 window_columns: bool = True) -> Pipeline:
        """The final steps for the chunk [lo, hi) over ``source`` (:meth:`base_inputs`); they read the
        kernels' outputs (cycles, account windows, scatter-gather) and the listed parties' daily hop
        distances (party_id, day, hop) from the named tables.

        Without ``window_columns`` the result leaves out the account-window columns and their
        ratios (:meth:`chunk` puts them in from the kernel's arrays: moving 80 wide columns through
        the engine and back cost a third of the step); the windows table then needs only the
        columns of :data:`_PROFILE_FEATURES`."""
        p = Pipeline("features")
        ratios = [f"{expr.format(s=w.label, p=side)} AS {side}{name}_{w.label}"
                  for side in ("src_", "dst_") for w in self.windows for name, expr in _ACCOUNT_RATIOS]
        p.add("acct", ("SELECT *, " + ", ".join(ratios) if window_columns else "SELECT *") + f"\nFROM {windows_table}")
        chan = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(vocab.CHANNELS))
        # Categories as codes, as raw-field models take them: the rails and currencies a payment
        # uses and the countries of its banks (-1: unknown or no account on that side).
        cur = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(vocab.CURRENCIES))
        ctry = " ".join(f"WHEN '{c}' THEN {i}" for i, c in enumerate(COUNTRY_CODES))
        top = max(w.seconds for w in self.windows)
        # pair_n of a payment from lo on looks back one window; older rows only widen the sort.
        reach = d.epoch_seconds(ts_literal(lo - dt.timedelta(seconds=top)))
        p.add("txn_own", f"""
SELECT txn_id, ts, src_account, dst_account, src_party, dst_party, amount_usd, ln(1 + amount_usd) AS log_amount,
       is_cash, is_round, below_threshold, cross_currency, cross_border, hour(ts) AS hour,
       CASE channel {chan} ELSE -1 END AS channel_code,
       CASE currency_paid {cur} ELSE -1 END AS currency_paid_code,
       CASE currency_received {cur} ELSE -1 END AS currency_received_code,
       CASE src_country {ctry} ELSE -1 END AS src_country_code,
       CASE dst_country {ctry} ELSE -1 END AS dst_country_code,
       CASE WHEN src_account IS NULL OR dst_account IS NULL THEN 0 ELSE count(*) OVER (
           PARTITION BY src_account, dst_account ORDER BY e RANGE BETWEEN {top} PRECEDING AND CURRENT ROW) END AS pair_n
FROM {source} WHERE e >= {reach}""")
        pf = add_party_steps(p)
        tp = add_payment_trade_steps(p, source, lo)
        acct_cols = [f"{name}_{w.label}" for w in self.windows for name in ACCOUNT_AGGS_AND_RATIOS]
        sel = ", ".join([f"w.{side}_{c}" for side in ("src", "dst") for c in acct_cols if window_columns]
                        + [f"sp.{c} AS src_{c}" for c in PARTY_FEATURES]
                        + [f"rp.{c} AS dst_{c}" for c in PARTY_FEATURES]
                        + [f"{expr.format(s=w.label)} AS {n}_{w.label}"
                           for w in self.windows for n, expr in _PROFILE_FEATURES])
        own = [c for c in _TXN_FEATURES if c not in ("cycle_len", "sg", "gs")]
        p.add("features", f"""
SELECT o.txn_id, o.ts, o.src_account, o.dst_account,
       {", ".join(f"o.{c}" for c in own)},
       coalesce(c.cycle_len, 0) AS cycle_len, coalesce(g.sg, 0) AS sg, coalesce(g.gs, 0) AS gs,
       {sel},
       tf.value_ratio AS trade_value_ratio, tf.sector_mismatch AS trade_sector_mismatch,
       CASE WHEN tf.key IS NOT NULL THEN tf.contradictions END AS trade_contradictions,
       tf.forwarders AS trade_forwarders, tf.transship AS trade_transship,
       hs.hop AS src_listed_hop, hr.hop AS dst_listed_hop
FROM txn_own o
LEFT JOIN acct w ON w.txn_id = o.txn_id
LEFT JOIN {cycles_table} c ON c.txn_id = o.txn_id
LEFT JOIN {patterns_table} g ON g.txn_id = o.txn_id
LEFT JOIN {pf} sp ON sp.account_id = o.src_account
LEFT JOIN {pf} rp ON rp.account_id = o.dst_account
LEFT JOIN {tp} tf ON tf.key = o.txn_id
LEFT JOIN {hops_table} hs ON hs.party_id = o.src_party AND hs.day = CAST(o.ts AS DATE)
LEFT JOIN {hops_table} hr ON hr.party_id = o.dst_party AND hr.day = CAST(o.ts AS DATE)
WHERE o.ts >= {ts_literal(lo)} AND o.ts < {ts_literal(hi)}""")
        return p

    def pipelines(self, d: Dialect, lo: dt.datetime, hi: dt.datetime) -> list[Pipeline]:
        """Every SQL pipeline of a chunk, in run order (what an engine must be able to run)."""
        return [self.base_inputs(d, lo, hi), self.window_inputs(d, lo), self.cycle_inputs(d, lo),
                self.pattern_inputs(d, lo), self.pipeline(d, lo, hi)]

    def chunk(self, engine: Engine, lo: dt.datetime, hi: dt.datetime) -> pa.Table:
        """Features of the transactions in [lo, hi)."""
        d = engine.dialect
        made = []
        try:
            engine.materialize(self.base_inputs(d, lo, hi), "feature_txn")
            made.append("feature_txn")
            legs = engine.arrow(self.window_inputs(d, lo))
            try:
                windows = window_kernel([(w.label, w.seconds) for w in self.windows], self.lookback_s)(legs)
            except Exception as exc:  # named as Engine.kernel names a failing kernel
                raise EngineError("account_windows", f"-- kernel account_windows over:\n"
                                  f"{self.window_inputs(d, lo).sql()}", exc) from exc
            del legs
            # The engine sees only what the profile features read; the rest is joined here.
            engine.register("txn_windows", windows.select(["txn_id"] + self._profile_window_columns()))
            made.append("txn_windows")
            engine.kernel("temporal_cycles", self.cycle_inputs(d, lo),
                          cycles_kernel(self.cycle_window_s, self.max_cycle_len), "txn_cycles")
            made.append("txn_cycles")
            engine.kernel("scatter_gather", self.pattern_inputs(d, lo), pattern_kernel(self.pattern_window_s),
                          "txn_patterns")
            made.append("txn_patterns")
            hops = (daily_hops(engine, self.listed, lo, hi, self.hop_days) if self.listed is not None
                    else daily_hops(engine, pa.table({"party_id": pa.array([], pa.int64())}), lo, lo, 0))
            engine.register("txn_hops", hops)
            made.append("txn_hops")
            out = engine.arrow(self.pipeline(d, lo, hi, window_columns=False))
            # Sorted here, not in SQL: an engine's ORDER BY moves every wide row through its sort
            # (a third of the step's time); Arrow sorts the keys and takes each column once.
            ids = out.column("txn_id").to_numpy()
            if len(ids) > 1 and not np.all(ids[1:] > ids[:-1]):  # the engine's order, when it kept one, is kept
                out = out.take(pc.sort_indices(out.column("txn_id")))
            out = self._with_windows(out, windows)
        finally:
            for name in made:
                engine.drop(name)
        log.debug("features %s..%s: %d rows", lo, hi, out.num_rows)
        return out

    def _profile_window_columns(self) -> list[str]:
        used = []
        for w in self.windows:
            for _, expr in _PROFILE_FEATURES:
                for side in ("src", "dst"):
                    for name in ACCOUNT_AGGS:
                        col = f"{side}_{name}_{w.label}"
                        if f"w.{col}" in expr.format(s=w.label) and col not in used:
                            used.append(col)
        return used

    def _with_windows(self, out: pa.Table, windows: pa.Table) -> pa.Table:
        """``out`` (sorted by txn_id, without window columns) with the account-window columns and
        their ratios (:data:`_ACCOUNT_RATIOS`, as the SQL step writes them) in the SQL step's place."""
        ids = out.column("txn_id").to_numpy()
        wid = windows.column("txn_id").to_numpy()
        at = np.searchsorted(wid, ids)
        found = at < len(wid)
        found[found] = wid[at[found]] == ids[found]
        at = np.where(found, at, 0)

        def col(name: str) -> np.ndarray:
            # NaN for null; nulls come back from the mask below
            c = windows.column(name)
            v = np.asarray((c.fill_null(np.nan) if c.null_count else c).to_numpy(), np.float64)
            return np.where(found, v[at], np.nan) if len(v) else np.full(len(ids), np.nan)

        def arr(v: np.ndarray) -> pa.Array:
            mask = np.isnan(v)
            return pa.array(v, pa.float64(), mask=mask if mask.any() else None)

        cols: list[tuple[str, pa.Array]] = []
        for side in ("src", "dst"):
            for w in self.windows:
                for name in ACCOUNT_AGGS:
                    cols.append((f"{side}_{name}_{w.label}", arr(col(f"{side}_{name}_{w.label}"))))
            for w in self.windows:
                n_in, n_out = col(f"{side}_n_in_{w.label}"), col(f"{side}_n_out_{w.label}")
                usd_in, usd_out = col(f"{side}_usd_in_{w.label}"), col(f"{side}_usd_out_{w.label}")
                legs = n_in + n_out
                both = (usd_in > 0) & (usd_out > 0)
                with np.errstate(invalid="ignore", divide="ignore"):
                    ratio = np.minimum(usd_in, usd_out) / np.maximum(usd_in, usd_out)
                    diversity = col(f"{side}_n_cp_{w.label}") / legs
                passthrough = np.where(np.isnan(usd_in), np.nan, np.where(both, ratio, 0.0))
                # SQL's division by zero is NULL
                diversity = np.where(legs == 0, np.nan, diversity)
                for name, v in (("legs", legs), ("passthrough", passthrough), ("cp_diversity", diversity)):
                    cols.append((f"{side}_{name}_{w.label}", arr(v)))
        # SQL's order: the window columns of both sides, for every window, follow gs.
        order = [f"{side}_{n}_{w.label}" for side in ("src", "dst") for w in self.windows
                 for n in ACCOUNT_AGGS_AND_RATIOS]
        by_name = dict(cols)
        k = out.column_names.index("gs") + 1
        names = out.column_names[:k] + order + out.column_names[k:]
        arrays = [out.column(n) for n in out.column_names[:k]] + [by_name[n] for n in order] + \
                 [out.column(n) for n in out.column_names[k:]]
        return pa.Table.from_arrays(arrays, names=names)
