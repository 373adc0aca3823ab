"""Dollar values of a dataset's amounts: the day's rate from ``fx_rates``, or a fixed fallback.

Datasets made by the twin carry daily rates; imported AMLworld files do not, so every reader that
needs dollars falls back to one rate per currency (the twin's starting levels, early-2024 market
levels for the others).
"""

from __future__ import annotations

from counterflow.world.currencies import CURRENCIES

FALLBACK_USD_PER_UNIT: dict[str, float] = {c.code: c.usd_per_unit for c in CURRENCIES} | {
    "EUR": 1.09, "GBP": 1.27, "JPY": 0.0068, "RUB": 0.011, "AUD": 0.66, "CHF": 1.13,
    "ILS": 0.27, "SAR": 0.267, "BRL": 0.20,
}


def fallback_rates_sql() -> str:
    """The fallback rates as a SQL relation ``(currency, usd_per_unit)``."""
    rows = ", ".join(f"('{k}', {v!r})" for k, v in sorted(FALLBACK_USD_PER_UNIT.items()))
    return f"SELECT * FROM (VALUES {rows}) AS r(currency, usd_per_unit)"
