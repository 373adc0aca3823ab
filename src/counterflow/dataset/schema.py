"""The dataset's tables and columns, declared once.

Everything else follows this declaration: the writers build Arrow schemas from it, ``inspect``
checks files against it, and ``docs/schema.md`` is generated from it (a test keeps them equal).
Bump :data:`SCHEMA_VERSION` on any change that an old reader could misread.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa

from counterflow.dataset import vocab

SCHEMA_VERSION = "1.2"

_DICT = pa.dictionary(pa.int8(), pa.string())


@dataclass(frozen=True)
class Column:
    name: str
    type: pa.DataType
    doc: str
    nullable: bool = False
    values: tuple[str, ...] | None = None  # closed vocabulary, checked by ``inspect``
    references: str | None = None  # "table.column" this column points to


@dataclass(frozen=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    key: str | None = None
    partitioned: bool = False  # written as several part files under a folder
    time_column: str | None = None

    def arrow_schema(self) -> pa.Schema:
        return pa.schema([pa.field(c.name, c.type, nullable=c.nullable) for c in self.columns])

    def column(self, name: str) -> Column:
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"{self.name}.{name}")


def _c(name: str, type_: pa.DataType, doc: str, **kw: object) -> Column:
    return Column(name, type_, doc, **kw)  # type: ignore[arg-type]


_LABEL_COLS = (
    _c("is_illicit", pa.bool_(), "Ground truth: part of the trafficking or laundering network."),
    _c(
        "typology",
        _DICT,
        "Red-flag code of the scheme (see vocabulary), null if legitimate.",
        nullable=True,
        values=vocab.TYPOLOGIES,
    ),
    _c("case_id", pa.int64(), "Criminal case the row belongs to, null if legitimate.", nullable=True),
)

TABLES: tuple[Table, ...] = (
    Table(
        "places",
        "Countries, states, cities, sea ports and land crossings.",
        (
            _c("place_id", pa.int32(), "Place identifier."),
            _c("kind", pa.string(), "What the place is.", values=vocab.PLACE_KINDS),
            _c("name", pa.string(), "Name as used in the reporting."),
            _c("country", pa.string(), "ISO 3166-1 alpha-2 country code."),
            _c("state", pa.string(), "State or province code, null for countries.", nullable=True),
            _c("lat", pa.float64(), "Latitude.", nullable=True),
            _c("lon", pa.float64(), "Longitude.", nullable=True),
        ),
        key="place_id",
    ),
    Table(
        "banks",
        "Banks, money-services businesses and crypto exchanges.",
        (
            _c("bank_id", pa.int32(), "Bank identifier."),
            _c("name", pa.string(), "Institution name (fictional for generated data)."),
            _c("country", pa.string(), "Country of the institution.", nullable=True),
            _c("kind", pa.string(), "Type of institution.", values=vocab.BANK_KINDS),
            _c("bic", pa.string(), "BIC-style code.", nullable=True),
            _c("currency", pa.string(), "Home currency.", nullable=True, values=vocab.CURRENCIES),
        ),
        key="bank_id",
    ),
    Table(
        "fx_rates",
        "Daily exchange rates: US dollars per unit of each currency.",
        (
            _c("date", pa.date32(), "Day."),
            _c("currency", pa.string(), "ISO 4217 code (BTC, USDT for crypto).", values=vocab.CURRENCIES),
            _c("usd_per_unit", pa.float64(), "US dollars for one unit of the currency."),
        ),
    ),
    Table(
        "goods",
        "Traded goods by HS code, with typical unit values for invoice checks.",
        (
            _c("hs_code", pa.string(), "Harmonized System code."),
            _c("description", pa.string(), "Goods description."),
            _c("unit", pa.string(), "Unit of quantity.", values=vocab.UNITS),
            _c("typical_unit_price_usd", pa.float64(), "Typical legitimate unit value in USD."),
            _c("sector", pa.string(), "Trade sector."),
        ),
        key="hs_code",
    ),
    Table(
        "parties",
        "Persons and businesses: customers, merchants, traders.",
        (
            _c("party_id", pa.int64(), "Party identifier (opaque; carries no meaning)."),
            _c("kind", pa.string(), "Person, business, or unknown (imported data).", values=vocab.PARTY_KINDS),
            _c("name", pa.string(), "Display name; Chinese names family name first."),
            _c("given_name", pa.string(), "Given name(s) of a person.", nullable=True),
            _c("family_name", pa.string(), "Family name(s) of a person.", nullable=True),
            _c("country", pa.string(), "Country of residence or registration.", nullable=True),
            _c("nationality", pa.string(), "Nationality of a person.", nullable=True),
            _c("birth_date", pa.date32(), "Date of birth of a person.", nullable=True),
            _c("occupation", pa.string(), "Occupation of a person.", nullable=True),
            _c("industry_code", pa.string(), "NAICS code of a business.", nullable=True),
            _c("registration_date", pa.date32(), "Incorporation date of a business.", nullable=True),
            _c("tax_id", pa.string(), "Tax identifier in the country's format.", nullable=True),
            _c("trade_names", pa.list_(pa.string()), "Doing-business-as names.", nullable=True),
            _c("has_website", pa.bool_(), "Whether a business has a web presence.", nullable=True),
            _c("phone", pa.string(), "Phone number with country prefix.", nullable=True),
            _c("email", pa.string(), "Email address.", nullable=True),
            _c("address", pa.string(), "Street address.", nullable=True),
            _c("city_id", pa.int32(), "City of the address.", nullable=True, references="places.place_id"),
            _c("state", pa.string(), "State or province code.", nullable=True),
        ),
        key="party_id",
    ),
    Table(
        "accounts",
        "Accounts held by parties at banks.",
        (
            _c("account_id", pa.int64(), "Account identifier (opaque)."),
            _c("party_id", pa.int64(), "Holder.", references="parties.party_id"),
            _c("bank_id", pa.int32(), "Bank holding the account.", references="banks.bank_id"),
            _c("account_number", pa.string(), "Account number as the bank shows it."),
            _c("account_type", pa.string(), "Kind of account.", values=vocab.ACCOUNT_TYPES),
            _c("currency", pa.string(), "Currency of the account.", values=vocab.CURRENCIES),
            _c("open_date", pa.date32(), "Opening date.", nullable=True),
        ),
        key="account_id",
    ),
    Table(
        "transactions",
        "Money movements, sorted by time.",
        (
            _c("txn_id", pa.int64(), "Transaction identifier, increasing with time."),
            _c("ts", pa.timestamp("ms"), "When it was booked (local time of the initiator)."),
            _c(
                "src_account",
                pa.int64(),
                "Paying account; null for a cash deposit.",
                nullable=True,
                references="accounts.account_id",
            ),
            _c(
                "dst_account",
                pa.int64(),
                "Receiving account; null for a cash withdrawal.",
                nullable=True,
                references="accounts.account_id",
            ),
            _c("amount_paid", pa.float64(), "Amount debited, in currency_paid."),
            _c("currency_paid", _DICT, "Currency debited.", values=vocab.CURRENCIES),
            _c("amount_received", pa.float64(), "Amount credited, in currency_received."),
            _c("currency_received", _DICT, "Currency credited.", values=vocab.CURRENCIES),
            _c("channel", _DICT, "Payment rail.", values=vocab.CHANNELS),
            _c("txn_type", _DICT, "Economic purpose as the twin knows it.", values=vocab.TXN_TYPES),
            _c(
                "location_id",
                pa.int32(),
                "City of a cash or card transaction.",
                nullable=True,
                references="places.place_id",
            ),
            _c(
                "shipment_id",
                pa.int64(),
                "Shipment a trade payment settles.",
                nullable=True,
                references="shipments.shipment_id",
            ),
            _c("memo", _DICT, "Free-text memo of a P2P payment.", nullable=True),
        ),
        key="txn_id",
        partitioned=True,
        time_column="ts",
    ),
    Table(
        "shipments",
        "International shipments with their declared goods and route.",
        (
            _c("shipment_id", pa.int64(), "Shipment identifier."),
            _c("exporter_id", pa.int64(), "Seller.", references="parties.party_id"),
            _c("importer_id", pa.int64(), "Buyer of record.", references="parties.party_id"),
            _c("consignee_id", pa.int64(), "Party receiving the goods.", references="parties.party_id"),
            _c("hs_code", pa.string(), "Declared HS code.", references="goods.hs_code"),
            _c("goods_description", pa.string(), "Declared goods."),
            _c("quantity", pa.float64(), "Declared quantity."),
            _c("unit", pa.string(), "Unit of quantity.", values=vocab.UNITS),
            _c("declared_value", pa.float64(), "Declared value."),
            _c("currency", pa.string(), "Currency of the declared value.", values=vocab.CURRENCIES),
            _c("mode", pa.string(), "Transport mode.", values=vocab.SHIPMENT_MODES),
            _c("origin_country", pa.string(), "Country of export."),
            _c("origin_port_id", pa.int32(), "Port of loading.", nullable=True, references="places.place_id"),
            _c("transship_port_id", pa.int32(), "Transshipment port.", nullable=True, references="places.place_id"),
            _c("dest_country", pa.string(), "Country of import."),
            _c("dest_port_id", pa.int32(), "Port of discharge or entry.", nullable=True, references="places.place_id"),
            _c("departure_date", pa.date32(), "Departure."),
            _c("arrival_date", pa.date32(), "Arrival."),
            _c("forwarder_ids", pa.list_(pa.int64()), "Freight forwarders the load passed through, in order."),
        ),
        key="shipment_id",
        time_column="departure_date",
    ),
    Table(
        "trade_documents",
        "Invoices, bills of lading and customs declarations of shipments.",
        (
            _c("document_id", pa.int64(), "Document identifier."),
            _c("shipment_id", pa.int64(), "Shipment described.", references="shipments.shipment_id"),
            _c("doc_type", pa.string(), "Kind of document.", values=vocab.DOC_TYPES),
            _c("doc_number", pa.string(), "Number printed on the document."),
            _c("issue_date", pa.date32(), "Date of issue."),
            _c("issuer_id", pa.int64(), "Party that issued it.", references="parties.party_id"),
            _c("hs_code", pa.string(), "HS code stated."),
            _c("goods_description", pa.string(), "Goods stated."),
            _c("quantity", pa.float64(), "Quantity stated."),
            _c("declared_value", pa.float64(), "Value stated."),
            _c("currency", pa.string(), "Currency of the value.", values=vocab.CURRENCIES),
        ),
        key="document_id",
        time_column="issue_date",
    ),
    Table(
        "transaction_labels",
        "Ground truth per transaction (same rows as transactions).",
        (_c("txn_id", pa.int64(), "Transaction.", references="transactions.txn_id"),) + _LABEL_COLS,
        key="txn_id",
        partitioned=True,
    ),
    Table(
        "party_labels",
        "Ground truth per party: role in the network.",
        (
            _c("party_id", pa.int64(), "Party.", references="parties.party_id"),
            _LABEL_COLS[0],
            _c("role", _DICT, "Role in the network; 'legitimate' outside it.", values=vocab.ROLES),
            *_LABEL_COLS[1:],
        ),
        key="party_id",
    ),
    Table(
        "shipment_labels",
        "Ground truth per shipment: what was really shipped.",
        (
            _c("shipment_id", pa.int64(), "Shipment.", references="shipments.shipment_id"),
            _LABEL_COLS[0],
            _c("actual_hs_code", pa.string(), "What was really in the load.", nullable=True),
            *_LABEL_COLS[1:],
        ),
        key="shipment_id",
    ),
    Table(
        "seizures",
        "Seizures of the trafficking twin, as an agency would report them.",
        (
            _c("seizure_id", pa.int64(), "Seizure identifier (opaque)."),
            _c("date", pa.date32(), "Day of the seizure."),
            _c("place_id", pa.int32(), "Port, crossing, city or state.", references="places.place_id"),
            _c("country", pa.string(), "Country of the place."),
            _c("agency", _DICT, "Seizing agency.", values=vocab.AGENCIES),
            _c("substance", _DICT, "What was seized.", values=vocab.SUBSTANCES),
            _c("form", _DICT, "Powder, pills, precursor chemical or equipment.", values=vocab.SEIZURE_FORMS),
            _c("quantity", pa.float64(), "Amount in unit: kg of gross weight, or a count of pills or presses."),
            _c("unit", pa.string(), "Unit of quantity.", values=vocab.UNITS),
            _c("fentanyl_kg", pa.float64(), "Fentanyl content, or what the chemical would yield, in kg."),
            _c("method", _DICT, "How the load travelled or where it was found.", values=vocab.SEIZURE_METHODS),
            _c(
                "shipment_id",
                pa.int64(),
                "Shipment the load travelled in, if in this dataset.",
                nullable=True,
                references="shipments.shipment_id",
            ),
            _c(
                "party_id",
                pa.int64(),
                "Party caught with it (courier, lab operator, consignee).",
                nullable=True,
                references="parties.party_id",
            ),
        ),
        key="seizure_id",
        time_column="date",
    ),
    Table(
        "seizure_labels",
        "Ground truth per seizure: whose load it was.",
        (
            _c("seizure_id", pa.int64(), "Seizure.", references="seizures.seizure_id"),
            _LABEL_COLS[0],
            _c("organisation", _DICT, "Organisation the load belonged to.", values=vocab.ORGANISATIONS),
            *_LABEL_COLS[1:],
        ),
        key="seizure_id",
    ),
    Table(
        "flows",
        "Daily flows, stocks, prices and outcomes of the trafficking twin, in long format: one "
        "measure of one node (place, organisation, region) on one day. Zero quantities are left out.",
        (
            _c("date", pa.date32(), "Day."),
            _c("place_id", pa.int32(), "Node: port, crossing or city; null if national.", nullable=True,
               references="places.place_id"),
            _c("organisation", _DICT, "Organisation, null if all.", nullable=True, values=vocab.ORGANISATIONS),
            _c("region", _DICT, "US region, null if not regional.", nullable=True, values=vocab.US_REGIONS),
            _c("measure", _DICT, "What is measured (see docs/trafficking.md).", values=vocab.FLOW_MEASURES),
            _c("value", pa.float64(), "Value, in the unit the measure's name ends with."),
        ),
        time_column="date",
    ),
    Table(
        "cash_proceeds",
        "Street-sale cash by city, day and organisation: the input of the laundering twin "
        "(contract in docs/trafficking.md).",
        (
            _c("date", pa.date32(), "Day of the sales."),
            _c("city_id", pa.int32(), "US city where the cash was taken.", references="places.place_id"),
            _c("organisation", _DICT, "Organisation that holds the cash.", values=vocab.ORGANISATIONS),
            _c("amount_usd", pa.float64(), "US dollars in cash, rounded to the dollar."),
            _c("case_id", pa.int64(), "Case of the organisation's network."),
        ),
        time_column="date",
    ),
)

TABLE_NAMES: tuple[str, ...] = tuple(t.name for t in TABLES)
LABEL_TABLES: tuple[str, ...] = ("transaction_labels", "party_labels", "shipment_labels", "seizure_labels")


def table(name: str) -> Table:
    for t in TABLES:
        if t.name == name:
            return t
    raise KeyError(f"no table {name!r}; tables are: {', '.join(TABLE_NAMES)}")


def _type_name(t: pa.DataType) -> str:
    if pa.types.is_dictionary(t):
        return "string (dictionary-encoded)"
    return str(t)


def to_markdown() -> str:
    """The schema documentation page, generated from the declaration."""
    lines = [
        "# Dataset schema",
        "",
        f"Schema version **{SCHEMA_VERSION}**. Generated from `counterflow/dataset/schema.py` "
        "by `counterflow schema`; do not edit by hand.",
        "",
        "A dataset is a directory with `manifest.json` and one Parquet file per table "
        "(a folder of part files for partitioned tables).",
        "",
    ]
    for t in TABLES:
        lines += [f"## `{t.name}`", "", t.doc, ""]
        if t.key:
            lines += [f"Key: `{t.key}`." + (" Partitioned into part files." if t.partitioned else ""), ""]
        lines += ["| column | type | null | description |", "|---|---|---|---|"]
        for c in t.columns:
            doc = c.doc
            if c.values is not None:
                doc += " Values: " + ", ".join(f"`{v}`" for v in c.values) + "."
            if c.references:
                doc += f" References `{c.references}`."
            lines.append(f"| `{c.name}` | {_type_name(c.type)} | {'yes' if c.nullable else 'no'} | {doc} |")
        lines.append("")
    return "\n".join(lines)
