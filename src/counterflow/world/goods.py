"""Traded goods by Harmonized System code, with typical unit prices for invoice checks.

Prices are typical legitimate unit values in USD (per kg or per unit) of the kind customs price
databases give; detection compares invoices with them. Chemical intermediates that matter in
the reporting (piperidine derivatives under HS 2933) appear here as ordinary legal trade.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Good:
    hs_code: str
    description: str
    unit: str  # kg | unit
    price_usd: float  # typical unit value
    price_sigma: float  # spread of legitimate unit values (log scale)
    lot_median: float  # typical quantity per shipment
    sector: str  # chemical | pharma | electronics | apparel | equipment


GOODS: tuple[Good, ...] = (
    Good("2933.39", "Heterocyclic compounds with a piperidine ring (pharmaceutical intermediates)", "kg", 180.0, 0.6, 500, "chemical"),
    Good("2921.19", "Acyclic monoamines and derivatives", "kg", 3.5, 0.4, 8000, "chemical"),
    Good("2915.21", "Acetic acid", "kg", 0.7, 0.3, 20000, "chemical"),
    Good("2902.30", "Toluene", "kg", 1.1, 0.3, 15000, "chemical"),
    Good("2942.00", "Other organic compounds", "kg", 25.0, 0.7, 1000, "chemical"),
    Good("2941.10", "Penicillins and derivatives", "kg", 55.0, 0.5, 1500, "pharma"),
    Good("3004.90", "Medicaments, packaged for retail sale", "kg", 32.0, 0.6, 2000, "pharma"),
    Good("8479.89", "Machines with individual functions, incl. tablet presses", "unit", 9000.0, 0.8, 3, "equipment"),
    Good("8517.13", "Smartphones", "unit", 320.0, 0.5, 2000, "electronics"),
    Good("8471.30", "Portable computers", "unit", 620.0, 0.4, 800, "electronics"),
    Good("8528.72", "Television receivers", "unit", 340.0, 0.4, 600, "electronics"),
    Good("6109.10", "Cotton T-shirts", "unit", 4.2, 0.4, 20000, "apparel"),
    Good("6203.42", "Men's cotton trousers", "unit", 9.5, 0.4, 8000, "apparel"),
)
HS_CODES: tuple[str, ...] = tuple(g.hs_code for g in GOODS)

# Which goods each trading industry deals in.
SECTOR_OF_INDUSTRY: dict[str, tuple[str, ...]] = {
    "325199": ("chemical",), "424690": ("chemical",), "325412": ("pharma", "equipment"),
    "424210": ("pharma",), "423690": ("electronics",), "334220": ("electronics",),
    "424350": ("apparel",),
}

# Customs outside the US value imports CIF: the invoice plus freight and insurance, which cost this
# share of the goods' value by mode (assumption, in line with common freight-to-value ratios).
# US customs values FOB (the invoice).
CIF_UPLIFT: dict[str, tuple[float, float]] = {"road": (0.01, 0.03), "sea": (0.04, 0.09), "air": (0.08, 0.15),
                                              "parcel": (0.08, 0.15)}


def customs_uplift(mode: str, dest_country: str, u: float) -> float:
    """Share added to the invoice value on a customs declaration; ``u`` is a uniform draw in [0, 1)."""
    if dest_country == "US":
        return 0.0
    lo, hi = CIF_UPLIFT[mode]
    return lo + (hi - lo) * u
