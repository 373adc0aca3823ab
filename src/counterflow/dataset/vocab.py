"""Closed vocabularies of the dataset: the allowed values of every enumerated column.

The twins add to these tuples (never reorder them): dictionary codes in generated data are
positions in these tuples.
"""

from __future__ import annotations

from counterflow.world.currencies import CHANNELS as _CHANNELS
from counterflow.world.currencies import CURRENCY_CODES

PARTY_KINDS = ("person", "business", "unknown")
ACCOUNT_TYPES = ("checking", "savings", "business", "foreign_currency", "wallet", "unknown")
BANK_KINDS = ("bank", "msb", "crypto_exchange", "unknown")
PLACE_KINDS = ("country", "state", "city", "sea_port", "land_crossing")
# REINVESTMENT only arrives with imported AMLworld data.
CHANNELS = _CHANNELS + ("REINVESTMENT",)
TXN_TYPES = (
    "payroll", "rent", "bill", "card_purchase", "p2p", "cash_deposit", "cash_withdrawal",
    "savings_transfer", "remittance", "tuition", "family_support", "crypto_purchase",
    "b2b_payment", "trade_payment", "unknown",
    # The laundering twin (schema 1.2): account-to-account moves, cashier's checks, card pay-offs.
    "transfer", "cashier_check", "card_payment",
)
# ISO 4217 codes the dataset accepts: the twin's own plus those of imported AMLworld files.
CURRENCIES = CURRENCY_CODES + ("EUR", "GBP", "JPY", "RUB", "AUD", "CHF", "ILS", "SAR", "BRL")
SHIPMENT_MODES = ("sea", "air", "road", "parcel")
DOC_TYPES = ("invoice", "bill_of_lading", "customs_declaration")
UNITS = ("kg", "unit")

# Red-flag codes from the public advisories (see docs/schema.md): F fentanyl proceeds,
# P precursor procurement, C Chinese money-laundering networks, T trade-based laundering,
# S sanctions.
TYPOLOGIES = (
    tuple(f"F{i}" for i in range(1, 7))
    + tuple(f"P{i}" for i in range(1, 12))
    + tuple(f"C{i}" for i in range(1, 10))
    + tuple(f"T{i}" for i in range(1, 7))
    + ("S1", "S2")
)
ROLES = (
    "legitimate", "precursor_supplier", "chemical_broker", "freight_forwarder", "front_company",
    "importer", "cartel", "lab_operator", "smuggler", "distributor", "money_broker",
    "broker_courier", "mule", "funnel_account", "shell_company", "dollar_buyer", "peso_buyer",
    "goods_supplier",
)

# The trafficking twin (schema 1.1).
ORGANISATIONS = ("sinaloa", "cjng", "dominican_tco", "independent")
US_REGIONS = ("northeast", "midwest", "south", "west")
AGENCIES = ("CBP", "USBP", "DEA", "HSI", "SEMAR", "SEDENA", "FGR", "China Customs", "CBSA")
SEIZURE_FORMS = ("powder", "pills", "precursor", "equipment")
SEIZURE_METHODS = ("sea_container", "parcel", "vehicle", "courier", "tunnel", "air_parcel", "road", "lab", "stash")
SUBSTANCES = ("fentanyl", "NPP", "4-ANPP", "4-AP", "1-boc-4-AP", "norfentanyl", "methylamine", "pill press")
FLOW_MEASURES = (
    "port_arrived_kg", "port_seized_kg", "crossed_pure_kg", "crossing_seized_pure_kg", "synthesized_kg",
    "lab_precursor_stock_kg", "lab_fentanyl_stock_kg", "pills_pressed", "us_stock_pure_kg", "wholesale_usd",
    "sold_pure_kg", "revenue_usd", "demand_pure_kg", "deaths", "exhibits", "pill_price_usd",
    "price_china_usd_kg", "price_mexico_usd_kg", "price_us_wholesale_usd_kg", "mail_sent_kg", "mail_seized_kg",
    "interior_seized_pure_kg",
)


def encode(values: list[str | None], vocabulary: tuple[str, ...]):  # noqa: ANN201 - pa.DictionaryArray
    """Values (None allowed) as a dictionary array over the whole ``vocabulary``, as the schema stores
    its vocabulary columns; a value outside it raises ValueError."""
    import pyarrow as pa

    idx = pa.array([None if v is None else vocabulary.index(v) for v in values], pa.int8())
    return pa.DictionaryArray.from_arrays(idx, pa.array(vocabulary))
