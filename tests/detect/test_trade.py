"""Trade-paper facts: a CIF customs value is not a contradiction; a value outside its band is."""

from __future__ import annotations

from pathlib import Path

import pytest

from counterflow.dataset.reader import open_dataset
from counterflow.detect.features import FeatureBuilder
from counterflow.detect.trade import CIF_MAX
from tests.detect.builders import Txn, World, write

DAY = 1440.0


# want: how many of quantity and value contradict (the HS code never does here).
@pytest.mark.parametrize(("bl_qty", "cd_qty", "cd_value", "want"), [
    (100.0, 100.0, 10_000.0, 0),    # FOB, as US customs values
    (100.0, 100.0, 10_800.0, 0),    # CIF: freight and insurance on top
    (100.0, 100.0, 10_000.0 * (1 + CIF_MAX), 0),
    (100.0, 100.0, 13_000.0, 1),    # above any freight: a value contradiction
    (100.0, 100.0, 6_000.0, 1),     # under-declared to customs
    (92.0, 92.0, 9_200.0 * 1.07, 1),  # short-shipped: the quantity differs, the CIF value of 92 units agrees
    (60.0, 60.0, 6_000.0, 1),       # quantity cut on the bill of lading
])
def test_customs_value_agrees_within_its_cif_band(tmp_path: Path, bl_qty: float, cd_qty: float, cd_value: float,
                                                  want: int) -> None:
    w = World()
    w.parties.update({40: {"kind": "business", "industry_code": "423690"}})
    w.shipments.append({"shipment_id": 7, "exporter_id": 41, "importer_id": 40, "hs_code": "8517.13",
                        "unit": "unit", "quantity": 100.0, "declared_value": 10_000.0, "forwarder_ids": [60],
                        "departure_date": 3})
    w.documents += [
        {"shipment_id": 7, "doc_type": "invoice", "issue_date": 1, "issuer_id": 41, "hs_code": "8517.13",
         "quantity": 100.0, "declared_value": 10_000.0},
        {"shipment_id": 7, "doc_type": "bill_of_lading", "issue_date": 3, "issuer_id": 60, "hs_code": "8517.13",
         "quantity": bl_qty, "declared_value": 10_000.0},
        {"shipment_id": 7, "doc_type": "customs_declaration", "issue_date": 20, "issuer_id": 40,
         "hs_code": "8517.13", "quantity": cd_qty, "declared_value": cd_value},
    ]
    w.add(Txn(25 * DAY, 40, 41, 10_000, shipment=7))
    w.banks.update({41: 3, 40: 2})
    with open_dataset(write(w, tmp_path / "ds")) as ds:
        row = FeatureBuilder().transform(ds).to_pylist()[0]
    assert row["trade_contradictions"] == want
