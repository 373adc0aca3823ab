"""The twin's records in a dataset: references hold, labels tell the truth, cash adds up."""

from __future__ import annotations

from counterflow.dataset import vocab
from counterflow.dataset.reader import Dataset
from counterflow.dataset.validate import validate
from counterflow.twin import params as P
from counterflow.twin import records


def test_vocabularies_match_the_twin() -> None:
    assert vocab.ORGANISATIONS == P.ORGS
    assert vocab.US_REGIONS == P.REGIONS
    assert vocab.AGENCIES == records.AGENCIES
    assert vocab.SEIZURE_FORMS == records.SEIZURE_FORMS
    assert vocab.SEIZURE_METHODS == records.SEIZURE_METHODS
    assert vocab.SUBSTANCES[:-1] == P.CHEM_NAMES


def test_dataset_with_the_twin_validates_deeply(tiny: Dataset) -> None:
    rep = validate(tiny, deep=True)
    assert rep.ok, rep.problems
    for t in ("seizures", "seizure_labels", "flows", "cash_proceeds"):
        assert tiny.fetchone(f"SELECT count(*) FROM {t}")[0] > 0, t


def test_seizures_point_to_real_shipments_and_illicit_parties(tiny: Dataset) -> None:
    n_ship, bad_ship = tiny.fetchone("""SELECT count(*), count(*) FILTER (WHERE l.is_illicit IS NOT TRUE)
        FROM seizures z LEFT JOIN shipment_labels l USING (shipment_id) WHERE z.shipment_id IS NOT NULL""")
    assert bad_ship == 0
    n_party, bad_party = tiny.fetchone("""SELECT count(*), count(*) FILTER (WHERE l.is_illicit IS NOT TRUE)
        FROM seizures z LEFT JOIN party_labels l USING (party_id) WHERE z.party_id IS NOT NULL""")
    assert n_party > 0 and bad_party == 0
    # Every seizure's label names the organisation and its case.
    assert tiny.fetchone("""SELECT count(*) FROM seizures z JOIN seizure_labels l USING (seizure_id)
        WHERE l.is_illicit AND l.case_id = 3001 + list_position(['sinaloa', 'cjng', 'dominican_tco',
        'independent'], CAST(l.organisation AS VARCHAR)) - 1""")[0] == tiny.fetchone(
        "SELECT count(*) FROM seizures")[0]


def test_illicit_shipments_look_like_trade_but_lie_about_the_goods(tiny: Dataset) -> None:
    rows = tiny.fetchall("""SELECT s.mode, s.hs_code, l.actual_hs_code, len(s.forwarder_ids), p.role
        FROM shipments s JOIN shipment_labels l USING (shipment_id)
        JOIN party_labels p ON p.party_id = s.consignee_id WHERE l.is_illicit""")
    assert rows
    assert all(declared != actual for _, declared, actual, _, _ in rows)
    sea = [r for r in rows if r[0] == "sea"]
    assert sea and all(str(r[4]) == "front_company" for r in sea)
    assert all(1 <= r[3] <= 5 for r in sea)
    # Documents state the declared goods, not the real ones.
    assert tiny.fetchone("""SELECT count(*) FROM trade_documents d JOIN shipments s USING (shipment_id)
        JOIN shipment_labels l USING (shipment_id) WHERE l.is_illicit AND d.hs_code <> s.hs_code""")[0] == 0


def test_cash_proceeds_add_up_to_street_revenue(tiny: Dataset) -> None:
    cash = tiny.fetchone("SELECT sum(amount_usd) FROM cash_proceeds")[0]
    revenue = tiny.fetchone("SELECT sum(value) FROM flows WHERE CAST(measure AS VARCHAR) = 'revenue_usd'")[0]
    assert abs(cash - revenue) / revenue < 1e-3
    lo, hi = tiny.fetchone("SELECT min(date), max(date) FROM cash_proceeds")
    start, end = tiny.fetchone("SELECT min(CAST(ts AS DATE)), max(CAST(ts AS DATE)) FROM transactions")
    assert start <= lo and hi <= end
    cities = {c for (c,) in tiny.fetchall("""SELECT DISTINCT p.country FROM cash_proceeds c
        JOIN places p ON p.place_id = c.city_id""")}
    assert cities == {"US"}
