"""The laundering networks' response to levers: bank cut-offs, designations, closures, FX quota, USD cap."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa
import pyarrow.compute  # noqa: F401 - pa.compute
import pytest

from counterflow.errors import InputError
from counterflow.render.batch import CUR, TYPE, TYPOLOGY, TxnRows
from counterflow.render.calendar import day
from counterflow.render.economy.context import build_context
from counterflow.render.ids import DayStreams
from counterflow.render.laundering import mirror
from counterflow.render.laundering.adapt import bank_of
from counterflow.render.laundering.network import BULK, CMLN, CRYPTO
from counterflow.render.pipeline import _trafficking
from counterflow.render.population import build_population
from counterflow.scenario import load_scenario, parse_scenario
from counterflow.scenario.laundering import Laundering

SEED = 7
START = dt.date(2024, 1, 1)  # the tiny scenario's first day
CUT_DAY = 20


def _run(levers: list[dict], **knobs):  # noqa: ANN202
    sc, _ = load_scenario("tiny")
    sc = sc.model_copy(update={"laundering": Laundering(cash_scale=0.003, levers=levers, **knobs)})
    pop = build_population(sc, SEED)
    ctx = build_context(sc, SEED, pop)
    ctx.cash_proceeds = _trafficking(sc, SEED, pop)[0]["cash_proceeds"]
    plan = mirror.plan(ctx)
    rows, streams = TxnRows(), DayStreams(SEED)
    for i in range(sc.days):
        mirror.generate(ctx, day(sc.start_date, i), streams.get("laundering", i), rows)
    r = rows.arrays()
    r["day"] = (r["ts"] - day(sc.start_date, 0).epoch_s) // 86_400
    return pop, plan, r


def _banks(pop, plan, accounts: np.ndarray) -> np.ndarray:  # noqa: ANN001
    a = plan.accounts
    ids, banks = a["account_id"].to_numpy(), a["bank_id"].to_numpy()
    order = np.argsort(ids)
    pos = np.searchsorted(ids, accounts, sorter=order).clip(0, len(ids) - 1)
    hit = ids[order[pos]] == accounts
    return np.where(hit, banks[order[pos]], bank_of(pop, accounts))


@pytest.fixture(scope="module")
def baseline():  # noqa: ANN201
    return _run([])


def test_after_a_cutoff_no_leg_touches_the_bank_and_volume_moves(baseline) -> None:  # noqa: ANN001
    pop, plan, r = _run([{"kind": "bank_cutoff", "start": START + dt.timedelta(days=CUT_DAY), "country": "MX",
                          "share": 0.5}])
    cut = set(plan.adapt.cut_banks)
    assert cut and len(plan.adapt.old) > 0
    touches = np.isin(_banks(pop, plan, r["src"]), list(cut)) | np.isin(_banks(pop, plan, r["dst"]), list(cut))
    after = r["day"] >= CUT_DAY
    assert touches[~after].any() and not touches[after].any()
    # Before the order, legs through the bank carry C9; untouched legs keep their typology.
    assert (r["typology"][touches] == TYPOLOGY["C9"]).all()
    assert not (r["typology"][~touches] == TYPOLOGY["C9"]).any()
    # The pesos keep flowing after the order, through the replacement accounts.
    mxn = r["cur_paid"] == CUR["MXN"]
    assert np.isin(r["dst"][mxn & after], plan.adapt.new).any()
    assert r["amount_paid"][mxn & after].sum() == pytest.approx(
        baseline[2]["amount_paid"][(baseline[2]["cur_paid"] == CUR["MXN"]) & (baseline[2]["day"] >= CUT_DAY)].sum(),
        rel=0.25)


def test_after_a_designation_the_nominees_carry_on(baseline) -> None:  # noqa: ANN001
    _, plan, r = _run([{"kind": "sanction", "start": START + dt.timedelta(days=CUT_DAY), "networks": 2}])
    ad, net = plan.adapt, plan.network
    assert len(ad.designated) == 2 and set(ad.designated.values()) == {CUT_DAY}
    designated = np.concatenate([[net.us[j], net.mx[j], net.cn[j], net.wallet[j]] for j in ad.designated])
    assert np.array_equal(np.sort(ad.old), np.sort(designated)) and not ad.cut.any()
    after = r["day"] >= CUT_DAY
    touches = np.isin(r["src"], designated) | np.isin(r["dst"], designated)
    assert touches[~after].any() and not touches[after].any()
    # The nominees take over: new persons of the same case, role money_broker, their accounts used after.
    nominees = np.isin(r["src"], ad.new) | np.isin(r["dst"], ad.new)
    assert nominees[after].any() and not nominees[~after].any()
    new_parties = set(plan.accounts.filter(pa.compute.is_in(plan.accounts["account_id"], pa.array(ad.new)))
                      ["party_id"].to_pylist())
    lab = {p: (role, case) for p, role, case in zip(plan.labels["party_id"].to_pylist(),
                                                      plan.labels["role"].to_pylist(),
                                                      plan.labels["case_id"].to_pylist())}
    assert {lab[p][0] for p in new_parties} == {"money_broker"}
    assert {lab[p][1] for p in new_parties} <= {int(net.case[j]) for j in ad.designated}
    assert len(new_parties) == 3 * len(ad.designated)  # US, Mexican and Chinese nominees per network
    # A designation is not a cut-off: no C9, and the pesos keep flowing as much as without it.
    assert not (r["typology"] == TYPOLOGY["C9"]).any()
    mxn = r["cur_paid"] == CUR["MXN"]
    base = baseline[2]
    assert r["amount_paid"][mxn].sum() == pytest.approx(base["amount_paid"][base["cur_paid"] == CUR["MXN"]].sum(),
                                                        rel=0.05)


def test_closures_bring_fresh_mules_and_no_deposit_after_closure(baseline) -> None:  # noqa: ANN001
    _, plan, r = _run([{"kind": "account_closure", "start": START, "after_deposits": 4, "notice_days": 0}])
    pk, base = plan.pickups, baseline[1].pickups
    assert len(np.unique(pk.dep_acct)) > 1.5 * len(np.unique(base.dep_acct))
    assert len(plan.network.recruit_party) > len(baseline[1].network.recruit_party)
    dep = r["txn_type"] == TYPE["cash_deposit"]
    for acct, closed in plan.adapt.closed.items():
        assert not (dep & (r["dst"] == acct) & (r["day"] >= closed)).any()


def test_fx_quota_lowers_fees_and_adds_dollar_buyers(baseline) -> None:  # noqa: ANN001
    _, plan, _ = _run([{"kind": "fx_quota", "start": START + dt.timedelta(days=CUT_DAY), "fee_factor": 0.5,
                        "extra_buyers": 2}])
    pk, base = plan.pickups, baseline[1].pickups
    on = pk.day >= CUT_DAY
    assert np.allclose(pk.fee[on], 0.5 * base.fee[on]) and np.array_equal(pk.fee[~on], base.fee[~on])

    def buyers(p, m):  # noqa: ANN001, ANN202
        return np.bincount(p.pay_own, minlength=len(p.day))[m & (p.channel == CMLN) & ~p.lost & (p.path != CRYPTO)]

    assert buyers(pk, on).mean() >= buyers(base, on).mean() + 1.5


def test_usd_cap_moves_bulk_cash_to_the_mirror_and_crypto(baseline) -> None:  # noqa: ANN001
    cap = 15_000  # some bulk pick-ups still fit under it
    pop, plan, r = _run([{"kind": "mx_usd_cap", "start": START, "cap_usd": cap, "crypto_share": 0.5}])
    pk, base = plan.pickups, baseline[1].pickups
    assert pk.cash[pk.channel == BULK].sum() < 0.5 * base.cash[base.channel == BULK].sum()
    assert pk.cash[pk.channel == CMLN].sum() > base.cash[base.channel == CMLN].sum()
    assert (r["txn_type"] == TYPE["crypto_purchase"]).any()
    # No Mexican USD account takes more cash than the cap in a month.
    mx = (r["txn_type"] == TYPE["cash_deposit"]) & (_banks(pop, plan, r["dst"]) >= 0) & (r["cur_paid"] == CUR["USD"])
    mx &= np.isin(r["dst"], plan.accounts.filter(
        plan.accounts["currency"].to_numpy(zero_copy_only=False) == "USD")["account_id"].to_numpy())
    mx &= np.isin(_banks(pop, plan, r["dst"]), [b.bank_id for b in pop.banks if b.country == "MX"])
    assert mx.any()
    month = r["day"][mx] // 30
    key = r["dst"][mx] * 100 + month
    _, inv = np.unique(key, return_inverse=True)
    assert np.bincount(inv, r["amount_paid"][mx]).max() <= cap + 0.01


def test_bad_levers_are_named() -> None:
    base = "name: x\ndays: 3\npopulation: {persons: 100, businesses: 40}\nlaundering:\n  levers:\n"
    with pytest.raises(InputError, match="bank_cutoff"):
        parse_scenario(base + "    - {kind: bank_cutof, start: 2024-01-02}\n")
    with pytest.raises(InputError, match="fee"):
        parse_scenario(base + "    - {kind: fx_quota, start: 2024-01-02, fee: 0.5}\n")
    with pytest.raises(InputError, match="banks"):
        parse_scenario(base + "    - {kind: bank_cutoff, start: 2024-01-02}\n")
    with pytest.raises(ValueError, match="not both"):
        Laundering(organisations=("sinaloa",), own_channel=("sinaloa",))
    with pytest.raises(InputError, match="no bank named"):
        _run([{"kind": "bank_cutoff", "start": START, "banks": ["Bank of Nowhere"]}])
