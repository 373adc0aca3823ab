"""Each counter-measure moves what it should, and traffickers adapt (same seed, two scenarios)."""

from __future__ import annotations

import numpy as np

from counterflow.twin import TwinResult
from counterflow.twin import params as P
from counterflow.twin.compare import measures
from tests.twin.conftest import LEVER, twin_run


def _after(r: TwinResult, key: str, days: int | None = None) -> np.ndarray:
    a = (LEVER - r.start).days
    return r.series[key][a:a + days if days else None]


def test_manzanillo_inspections_displace_imports_to_other_ports(base: TwinResult) -> None:
    hot = twin_run("manzanillo-x10")
    a, b = measures(base, LEVER), measures(hot, LEVER)
    assert b["import share via manzanillo"] < 0.5 * a["import share via manzanillo"]
    others = [f"import share via {p.key}" for p in P.MX_PORTS if p.key != "manzanillo"]
    assert sum(b[k] for k in others) > sum(a[k] for k in others) + 0.2
    # Displacement, not collapse: supply to the US hardly changes.
    assert abs(b["sold in the US (kg pure)"] / a["sold in the US (kg pure)"] - 1) < 0.1
    # The first months, before traffickers learn, Manzanillo seizures jump.
    k = [p.key for p in P.MX_PORTS].index("manzanillo")
    assert _after(hot, "port_seized_kg", 120)[:, k].sum() > 2 * _after(base, "port_seized_kg", 120)[:, k].sum()


def test_scheduling_4ap_substitutes_other_chemicals_and_india(base: TwinResult) -> None:
    sched = twin_run("china-schedules-4ap")
    a, b = measures(base, LEVER), measures(sched, LEVER)
    gone = ("import share of 4-AP", "import share of 1-boc-4-AP")
    assert sum(b[k] for k in gone) < sum(a[k] for k in gone)
    others = ("import share of NPP", "import share of norfentanyl")
    assert sum(b[k] for k in others) > sum(a[k] for k in others) or b["import share from India"] > a[
        "import share from India"]
    assert b["import share from India"] > a["import share from India"]


def test_dismantled_brokers_cut_chinese_supply_and_india_fills_in(base: TwinResult) -> None:
    cut = twin_run("brokers-dismantled")
    src_a = _after(base, "cartel_source_share", 240).sum(axis=(0, 1))
    src_b = _after(cut, "cartel_source_share", 240).sum(axis=(0, 1))
    assert src_b[1] / src_b.sum() > src_a[1] / src_a.sum()  # India fills in
    assert src_b[0] < 0.8 * src_a[0]  # Chinese supply falls while suppliers rewire


def test_scanners_raise_border_seizures(base: TwinResult) -> None:
    nii = twin_run("land_port_nii")
    assert _after(nii, "crossing_seized_kg").sum() > 1.5 * _after(base, "crossing_seized_kg").sum()


def test_lab_raids_seize_more_at_labs(base: TwinResult) -> None:
    raids = twin_run("lab_raids")
    assert _after(raids, "lab_raids").sum() > 5 * max(_after(base, "lab_raids").sum(), 1)
    assert _after(raids, "lab_seized_kg").sum() > _after(base, "lab_seized_kg").sum()


def test_arrests_cut_the_organisations_output_for_a_while(base: TwinResult) -> None:
    hit = twin_run("arrests")
    assert _after(hit, "dispatched_kg", 14)[:, P.SINALOA].sum() < 0.6 * _after(base, "dispatched_kg", 14)[
        :, P.SINALOA].sum()
    assert _after(hit, "dispatched_kg", 14)[:, P.CJNG].sum() > 0.8 * _after(base, "dispatched_kg", 14)[:, P.CJNG].sum()


def test_mail_inspection_seizes_more_parcels_and_pushes_them_through_canada(base: TwinResult) -> None:
    mail = twin_run("mail_inspection")
    sent_a, sent_b = base.series["mail_sent_kg"].sum(axis=0), mail.series["mail_sent_kg"].sum(axis=0)
    assert sent_b[1] / sent_b.sum() > sent_a[1] / sent_a.sum()  # adaptation: the Canadian route
    seized_a = base.series["mail_seized_kg"][:, 0].sum() / max(sent_a[0], 1e-9)
    seized_b = mail.series["mail_seized_kg"][:, 0].sum() / max(sent_b[0], 1e-9)
    assert seized_b > seized_a
