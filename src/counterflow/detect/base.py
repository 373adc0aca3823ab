"""What every detection step starts from: transactions in a time range, in US dollars, with places.

``txn_base`` is the first step of the feature and detector pipelines. It reads the dataset's
``transactions`` view between two times and adds the dollar amount (the day's rate from
``fx_rates``, or a fixed early-2024 rate where the dataset has none, as imported AMLworld files
do), the banks' countries and, for cash, the state of the branch's city.
"""

from __future__ import annotations

import datetime as dt

from counterflow.dataset.fx import FALLBACK_USD_PER_UNIT, fallback_rates_sql  # noqa: F401 - re-exported
from counterflow.engine.dialects import Dialect

# Cash transactions just below this many dollars are reported nowhere: the structuring line.
REPORTING_THRESHOLD_USD = 10_000.0


def ts_literal(t: dt.datetime | dt.date) -> str:
    if not isinstance(t, dt.datetime):
        t = dt.datetime(t.year, t.month, t.day)
    return f"TIMESTAMP '{t.strftime('%Y-%m-%d %H:%M:%S')}'"


def txn_base_sql(d: Dialect, lo: dt.datetime | None, hi: dt.datetime | None) -> str:
    """Transactions with ``lo <= ts < hi`` (either bound may be None), enriched; one row each."""
    where = []
    if lo is not None:
        where.append(f"t.ts >= {ts_literal(lo)}")
    if hi is not None:
        where.append(f"t.ts < {ts_literal(hi)}")
    cond = ("WHERE " + " AND ".join(where)) if where else ""
    return f"""
SELECT t.txn_id, t.ts, {d.epoch_seconds('t.ts')} AS e,
       t.src_account, t.dst_account,
       t.amount_paid, CAST(t.currency_paid AS VARCHAR) AS currency_paid,
       t.amount_received, CAST(t.currency_received AS VARCHAR) AS currency_received,
       CAST(t.channel AS VARCHAR) AS channel, CAST(t.txn_type AS VARCHAR) AS txn_type,
       t.amount_paid * coalesce(fx.usd_per_unit, fb.usd_per_unit) AS amount_usd,
       sa.party_id AS src_party, da.party_id AS dst_party,
       sb.country AS src_country, db.country AS dst_country,
       t.location_id, pl.state AS loc_state, t.shipment_id
FROM transactions t
LEFT JOIN accounts sa ON sa.account_id = t.src_account
LEFT JOIN accounts da ON da.account_id = t.dst_account
LEFT JOIN banks sb ON sb.bank_id = sa.bank_id
LEFT JOIN banks db ON db.bank_id = da.bank_id
LEFT JOIN places pl ON pl.place_id = t.location_id
LEFT JOIN fx_rates fx ON fx.date = CAST(t.ts AS DATE) AND fx.currency = CAST(t.currency_paid AS VARCHAR)
LEFT JOIN ({fallback_rates_sql()}) fb ON fb.currency = CAST(t.currency_paid AS VARCHAR)
{cond}"""
