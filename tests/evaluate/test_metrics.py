from __future__ import annotations

import datetime as dt
from pathlib import Path

import pyarrow as pa
import pytest

from counterflow.dataset.reader import open_dataset
from counterflow.detect.api import detect
from counterflow.evaluate import evaluate
from tests.detect.builders import T0, write
from tests.detect.test_detectors import _world


def test_known_answers_on_planted_patterns(tmp_path: Path) -> None:
    with open_dataset(write(_world(), tmp_path / "ds")) as ds:
        alerts, _ = detect(ds)
        full = evaluate(alerts, ds)
        # Without the pass-through alert its 8 transactions (of 35 illicit) are missed.
        keep = pa.array([d != ["pass_through"] for d in alerts.column("detectors").to_pylist()])
        part = evaluate(alerts.filter(keep), ds)
        late = evaluate(alerts, ds, start=T0 + dt.timedelta(days=45))
        usd = ds.fetchall("SELECT sum(amount_paid) FROM transactions t JOIN transaction_labels l USING (txn_id) "
                          "WHERE l.is_illicit AND l.typology = 'C3'")[0][0]
        usd_all = ds.fetchall("SELECT sum(CASE WHEN currency_paid = 'MXN' THEN amount_paid / 17 ELSE amount_paid END) "
                              "FROM transactions t JOIN transaction_labels l USING (txn_id) WHERE l.is_illicit")[0][0]
    assert (full["f1"], full["precision"], full["recall"], full["value_recall"]) == (1.0, 1.0, 1.0, pytest.approx(1.0))
    assert full["transactions"]["true_positives"] == 35 and full["cases"]["detected"] == 7
    assert full["typologies"]["F3"] == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "value_recall": 1.0,
                                        "support": 5, "flagged": 5}
    assert full["typologies"]["F1"]["support"] == 0 and full["typologies"]["F1"]["flagged"] == 8
    assert full["precision_at_budget"]["10"] == 1.0 and full["accounts"]["precision"] == 1.0
    assert part["recall"] == pytest.approx(27 / 35) and part["precision"] == 1.0
    assert part["typologies"]["C3"]["recall"] == 0.0 and part["cases"]["detected"] == 6
    assert part["value_recall"] == pytest.approx(1 - usd / usd_all)
    # From day 45 only the mirror swap (day 50) is in the test period.
    assert late["transactions"]["true_positives"] == 2 and late["alerts"] == 1 and late["f1"] == 1.0
    assert late["cases"]["time_to_detect_hours"]["median"] == pytest.approx(0.25)


def test_shipment_level_precision_and_recall(tmp_path: Path) -> None:
    # Shipment 700 is illicit (T1) and carried by the trade alert; 701 is the legitimate decoy.
    with open_dataset(write(_world(), tmp_path / "ds")) as ds:
        alerts, _ = detect(ds)
        full = evaluate(alerts, ds)["shipments"]
        no_trade = evaluate(alerts.filter(pa.array(["trade_based" not in d for d in
                                                    alerts.column("detectors").to_pylist()])), ds)["shipments"]
        # A decoy flagged too: one alert carrying both shipments halves precision.
        both = alerts.set_column(alerts.schema.get_field_index("shipment_ids"), "shipment_ids",
                                 pa.array([[700, 701] if s else [] for s in alerts.column("shipment_ids").to_pylist()],
                                          pa.list_(pa.int64())))
        half = evaluate(both, ds)["shipments"]
        # Both shipments depart on day 30: a test period from day 31 has none.
        late = evaluate(alerts, ds, start=T0 + dt.timedelta(days=31))["shipments"]
    assert full == {"precision": 1.0, "recall": 1.0, "f1": 1.0, "shipments": 2, "illicit_shipments": 1,
                    "flagged_shipments": 1, "true_positives": 1}
    assert (no_trade["recall"], no_trade["flagged_shipments"], no_trade["illicit_shipments"]) == (0.0, 0, 1)
    assert (half["precision"], half["recall"], half["f1"]) == (0.5, 1.0, pytest.approx(2 / 3))
    assert (late["shipments"], late["illicit_shipments"], late["flagged_shipments"]) == (0, 0, 0)
