"""Trade-document facts of a shipment as known on a given day: the SQL behind T1, T2, T3 and T4.

For each *subject* row (a trade payment, or a shipment at a review date) the steps read the
shipment's documents issued on or before the subject's day, and its route only once it has
departed, so a fact never comes from a paper that did not exist yet. Facts:

- ``value_ratio``: the invoice's unit value in US dollars over ``goods.typical_unit_price_usd``
  of the declared HS code (T1: far above or below market value);
- ``sector_mismatch``: 1 when the declared goods' sector is not one the trader's industry deals in
  (``world.goods.SECTOR_OF_INDUSTRY``; a trader outside that table deals in none) (T2);
- ``contradictions``: how many of HS code, quantity and value disagree between the invoice, bill
  of lading and customs declaration, plus one when the shipment was invoiced more than once (T3).
  A customs value agrees with the invoice when it lies between the invoice's value of the declared
  quantity and that plus the largest CIF uplift (freight and insurance, ``world.goods.CIF_UPLIFT``):
  customs outside the US value imports CIF, so an honest Mexican declaration states more than the
  invoice;
- ``forwarders`` and ``transship``: length of the forwarder chain and whether the load was
  transshipped (T4).
"""

from __future__ import annotations

from counterflow.dataset.fx import fallback_rates_sql
from counterflow.engine.pipeline import Pipeline
from counterflow.world.goods import CIF_UPLIFT, SECTOR_OF_INDUSTRY

# Quantities and values within this relative difference agree (rounding, fx dates).
TOLERANCE = 0.02
# The most a customs value may exceed the invoice's (a CIF value), before tolerance.
CIF_MAX = max(hi for _, hi in CIF_UPLIFT.values())


def industry_sectors_sql() -> str:
    rows = ", ".join(f"('{code}', '{s}')" for code, sectors in sorted(SECTOR_OF_INDUSTRY.items()) for s in sectors)
    return f"SELECT * FROM (VALUES {rows}) AS r(industry_code, sector)"


def add_trade_steps(p: Pipeline, subjects: str, prefix: str = "tr") -> str:
    """Steps computing the facts for ``subjects`` (a step with ``key``, ``shipment_id``, ``day`` and
    ``trader_party``); returns the name of the last step (one row per key)."""
    tol = TOLERANCE
    p.add(f"{prefix}_docs", f"""
SELECT s.key, d.doc_type, d.hs_code, d.quantity,
       d.declared_value * coalesce(fx.usd_per_unit, fb.usd_per_unit) AS value_usd
FROM {subjects} s
JOIN trade_documents d ON d.shipment_id = s.shipment_id AND d.issue_date <= s.day
LEFT JOIN fx_rates fx ON fx.date = d.issue_date AND fx.currency = d.currency
LEFT JOIN ({fallback_rates_sql()}) fb ON fb.currency = d.currency""")
    p.add(f"{prefix}_doc_facts", f"""
SELECT key, sum(CASE WHEN doc_type = 'invoice' THEN 1 ELSE 0 END) AS n_invoices,
       count(*) AS n_docs,
       min(CASE WHEN doc_type = 'invoice' THEN hs_code END) AS invoice_hs,
       avg(CASE WHEN doc_type = 'invoice' THEN value_usd END) AS invoice_usd,
       avg(CASE WHEN doc_type = 'invoice' THEN quantity END) AS invoice_qty,
       CASE WHEN count(DISTINCT hs_code) > 1 THEN 1 ELSE 0 END AS hs_differs,
       CASE WHEN max(quantity) > (1 + {tol}) * min(quantity) THEN 1 ELSE 0 END AS qty_differs,
       -- The invoice against the bill of lading (equal values), and against the customs value of the
       -- declared quantity (the invoice's up to its CIF uplift).
       CASE WHEN max(CASE WHEN doc_type <> 'customs_declaration' THEN value_usd END)
                 > (1 + {tol}) * min(CASE WHEN doc_type <> 'customs_declaration' THEN value_usd END)
              OR max(cd_ratio) > (1 + {CIF_MAX} + {tol}) OR min(cd_ratio) < (1 - {tol})
            THEN 1 ELSE 0 END AS value_differs
FROM (SELECT *, CASE WHEN doc_type = 'customs_declaration' THEN value_usd / nullif(
                    max(CASE WHEN doc_type = 'invoice' THEN value_usd / nullif(quantity, 0) END) OVER (PARTITION BY key)
                    * quantity, 0) END AS cd_ratio
      FROM {prefix}_docs) GROUP BY key""")
    p.add(f"{prefix}_facts", f"""
SELECT s.key, s.shipment_id, s.trader_party, f.n_docs, f.n_invoices, f.invoice_hs, f.invoice_usd, f.invoice_qty,
       f.invoice_usd / f.invoice_qty / g.typical_unit_price_usd AS value_ratio,
       g.sector AS goods_sector, pt.industry_code AS trader_industry,
       CASE WHEN g.sector IS NULL THEN NULL WHEN ise.sector IS NULL THEN 1 ELSE 0 END AS sector_mismatch,
       f.hs_differs, f.qty_differs, f.value_differs,
       coalesce(f.hs_differs + f.qty_differs + f.value_differs + CASE WHEN f.n_invoices > 1 THEN 1 ELSE 0 END, 0)
           AS contradictions,
       CASE WHEN sh.departure_date <= s.day THEN array_length(sh.forwarder_ids) END AS forwarders,
       CASE WHEN sh.departure_date <= s.day THEN CASE WHEN sh.transship_port_id IS NULL THEN 0 ELSE 1 END END
           AS transship
FROM {subjects} s
LEFT JOIN {prefix}_doc_facts f ON f.key = s.key
LEFT JOIN shipments sh ON sh.shipment_id = s.shipment_id
LEFT JOIN goods g ON g.hs_code = f.invoice_hs
LEFT JOIN parties pt ON pt.party_id = s.trader_party
LEFT JOIN ({industry_sectors_sql()}) ise ON ise.industry_code = pt.industry_code AND ise.sector = g.sector""")
    return f"{prefix}_facts"
