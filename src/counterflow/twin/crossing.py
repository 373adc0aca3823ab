"""The second half of the daily step: Mexican labs, the border crossing and the US market.

Functions of the running :class:`~counterflow.twin.model.TraffickingModel` (passed in), split
out to keep each module readable. All loops here run over a handful of organisations or forms,
never over agents or loads.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from counterflow.twin import market
from counterflow.twin import params as P

if TYPE_CHECKING:
    from counterflow.twin.model import TraffickingModel

_A_CBP, _A_USBP, _A_DEA, _A_HSI, _A_SEMAR, _A_SEDENA, _A_FGR = 0, 1, 2, 3, 4, 5, 6
_M_VEHICLE, _M_AIR, _M_ROAD, _M_LAB, _M_STASH = 2, 5, 6, 7, 8
POWDER, PILLS, PRECURSOR, EQUIPMENT = 0, 1, 2, 3
TIJUANA = P.city_id("Tijuana", "MX")


def _draw(p: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    cum = np.cumsum(p)
    return np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), len(p) - 1)


def labs_step(m: TraffickingModel, t: int) -> None:
    net, rng, s, pol = m.net, m.rng, m.series, m.policy
    arr = m.lab_arr[t]
    cartel = net.lab_cartel
    if arr.any():
        m.lab_fent += arr[:, P.FENTANYL]
        m.lab_chem[:, 1:] += arr[:, 1:]
        s["finished_in_kg"][t] = np.bincount(cartel, arr[:, P.FENTANYL], 2)
        s["imported_eq_kg"][t] = np.bincount(cartel, arr @ P.YIELD, 2)
        s["imported_kg"][t] = arr.sum(axis=0)
    open_ = net.lab_open_day <= t
    raided = np.flatnonzero(open_ & (rng.random(len(open_)) < pol.lab_raid[t]))
    if len(raided):
        _raid(m, t, raided)
        open_[raided] = False
    capf = pol.capacity[t, cartel]
    eq = m.lab_chem @ P.YIELD
    made = np.where(open_, np.minimum(eq, P.LAB_CAPACITY_KG * capf), 0.0)
    frac = np.divide(made, eq, out=np.zeros_like(eq), where=eq > 0)
    m.lab_chem -= m.lab_chem * frac[:, None] * m._has_yield[None, :]
    m.lab_fent += made
    out = np.where(open_, m.lab_fent / P.DISPATCH_DAYS, 0.0) * capf
    m.lab_fent -= out
    made_c = np.bincount(cartel, made, 2)
    m.experience += made_c
    s["synthesized_kg"][t] = made_c
    s["lab_precursor_kg"][t] = np.bincount(cartel, m.lab_chem.sum(axis=1), 2)
    s["lab_fentanyl_kg"][t] = np.bincount(cartel, m.lab_fent, 2)
    m._dispatch_today = np.bincount(cartel, out, 2)
    s["dispatched_kg"][t] = m._dispatch_today


def _raid(m: TraffickingModel, t: int, labs: np.ndarray) -> None:
    net, rng = m.net, m.rng
    s = m.series
    s["lab_raids"][t] += len(labs)
    chem_l, chem_g = np.nonzero(m.lab_chem[labs] > 0)
    rows_lab = np.r_[labs[chem_l], labs[m.lab_fent[labs] > 0], labs]
    chem = np.r_[chem_g, np.full(int((m.lab_fent[labs] > 0).sum()), P.FENTANYL), np.full(len(labs), -1)]
    qty = np.r_[m.lab_chem[labs][chem_l, chem_g], m.lab_fent[labs][m.lab_fent[labs] > 0], net.lab_presses[labs]]
    form = np.r_[np.full(len(chem_l), PRECURSOR), np.full(len(rows_lab) - len(chem_l) - len(labs), POWDER),
                 np.full(len(labs), EQUIPMENT)]
    pure = np.where(form == EQUIPMENT, 0.0, np.where(form == POWDER, qty, qty * P.YIELD[np.maximum(chem, 0)]))
    agency = rng.choice([_A_SEMAR, _A_SEDENA, _A_FGR], len(rows_lab))
    m.seizures.add(
        len(rows_lab), day=t, place_id=net.lab_city[rows_lab], agency=agency, chemical=chem, form=form,
        quantity=qty, pure_kg=pure, gross_kg=np.where(form == EQUIPMENT, 0.0, qty), method=_M_LAB,
        shipment=-1, courier=-1, lab=rows_lab, org=net.lab_cartel[rows_lab], crossing=-1,
    )
    s["lab_seized_kg"][t] += pure.sum()
    m.lab_chem[labs] = 0.0
    m.lab_fent[labs] = 0.0
    net.lab_open_day[labs] = t + P.LAB_REBUILD_DAYS


def cross_step(m: TraffickingModel, t: int, y: float) -> None:
    """Send today's product north in loads; inspect them inland and at the border."""
    net, rng, s, pol = m.net, m.rng, m.series, m.policy
    pill = market.pill_share(y)
    m.staged += m._dispatch_today[:, None] * np.array([1 - pill, pill])[None, :]
    s["pills_pressed"][t] = m._dispatch_today * pill * m.tr.pills_per_kg
    counts = rng.poisson(m.staged / P.LOAD_PURE_KG[None, :])
    n = int(counts.sum())
    if n == 0:
        return
    group = np.repeat(np.arange(4), counts.ravel())
    org, form = np.divmod(group, 2)
    w = rng.lognormal(0, 0.6, n)
    kg = m.staged.ravel()[group] * w / np.bincount(group, w, 4)[group]
    m.staged[counts > 0] = 0.0
    n = len(kg)
    pills = np.where(form == PILLS, kg * m.tr.pills_per_kg, 0.0)
    gross = np.where(form == PILLS, pills * P.PILL_GROSS_KG, kg / P.POWDER_PURITY)
    air = rng.random(n) < P.AIR_PARCEL_SHARE
    inland = rng.random(n) < np.where(air, P.AIR_PARCEL_SEIZE, P.INLAND_ROAD_SEIZE)
    # Crossing and method per load, by each cartel's learned logit.
    J, K = len(P.CROSSINGS), len(P.METHODS)
    j = np.empty(n, np.int64)
    meth = np.empty(n, np.int64)
    for c in P.CARTELS:
        mine = org == c
        if not mine.any():
            continue
        u = (m.aff_x[c][:, None] + P.METHOD_SHARE_PRIOR[None, :] - P.METHOD_COST[None, :]
             - m.tr.risk_aversion * m.x_risk[c])
        u[~m.tunnel_ok, 2] = -np.inf
        u -= u[np.isfinite(u)].max()
        pick = _draw(np.exp(u).ravel(), int(mine.sum()), rng)
        j[mine], meth[mine] = np.divmod(pick, K)
    detect = np.where(meth == 2, P.TUNNEL_FIND, m.referral[meth] + pol.scan_share[t, j] * m.scan_detect[meth])
    at_border = ~inland & (rng.random(n) < np.minimum(detect, 0.95))
    crossed = ~inland & ~at_border
    obs = np.zeros((2, J, K, 2))
    np.add.at(obs, (org[~inland], j[~inland], meth[~inland], 0), 1)
    np.add.at(obs, (org[~inland], j[~inland], meth[~inland], 1), at_border[~inland])
    m.x_obs[t] += obs
    delay = t + rng.integers(2, 5, n)
    np.add.at(m.us_arr, (delay[crossed], org[crossed], form[crossed]), kg[crossed])
    np.add.at(s["loads"][t], (j[~inland], form[~inland]), 1)
    np.add.at(s["crossed_kg"], (t, j[crossed]), kg[crossed])
    np.add.at(s["crossing_seized_kg"], (t, j[at_border]), kg[at_border])
    np.add.at(s["crossing_seized_gross_kg"], (t, j[at_border]), gross[at_border])
    np.add.at(s["crossing_seized_pills"], (t, j[at_border]), pills[at_border])
    s["inland_seized_kg"][t] = kg[inland].sum()
    seized = inland | at_border
    if seized.any():
        k = int(seized.sum())
        couriers = np.flatnonzero(net.courier_cartel == 0), np.flatnonzero(net.courier_cartel == 1)
        org_s = org[seized]
        cour = np.where(org_s == 0, couriers[0][rng.integers(0, len(couriers[0]), k)],
                        couriers[1][rng.integers(0, len(couriers[1]), k)])
        inl = inland[seized]
        place = np.where(inl, np.where(air[seized], TIJUANA, m.corridor_place[j[seized]]), m.crossing_place[j[seized]])
        agency = np.where(inl, _A_SEDENA, np.where(meth[seized] == 2, _A_USBP, _A_CBP))
        method = np.where(inl, np.where(air[seized], _M_AIR, _M_ROAD), _M_VEHICLE + meth[seized])
        m.seizures.add(
            k, day=t, place_id=place, agency=agency, chemical=P.FENTANYL, form=form[seized],
            quantity=np.where(form[seized] == PILLS, np.round(pills[seized]), gross[seized]), pure_kg=kg[seized],
            gross_kg=gross[seized], method=method, shipment=-1, courier=cour, lab=-1, org=org_s,
            crossing=np.where(inl, -1, j[seized]),
        )


def market_step(m: TraffickingModel, t: int, demand: np.ndarray) -> None:
    """Wholesale to the Northeast, retail sales, prices, interior seizures, deaths."""
    rng, s, pol = m.rng, m.series, m.policy
    m.us_stock += m.us_arr[t]
    stock = m.us_stock
    # Dominican TCOs restock from the cartels at the wholesale price.
    target = demand[0] * P.SALES_COVER_DAYS * 1.5 * pol.capacity[t, P.DOMINICAN]
    cartel_total = stock[:2].sum()
    buy = min(max(0.0, target - stock[P.DOMINICAN].sum()) / 5.0, 0.3 * cartel_total)
    if buy > 0 and cartel_total > 0:
        take = stock[:2] * (buy / cartel_total)
        stock[:2] -= take
        stock[P.DOMINICAN] += take.sum(axis=0)
        s["wholesale_usd"][t, :2] = take.sum(axis=1) * P.PRICE_US_WHOLESALE_REF * m.price_idx[0]
    # Interior seizures (DEA, HSI) at hubs and stash houses.
    total = stock.sum(axis=1)
    n_ev = rng.poisson(10.0, len(P.ORGS)) * (total > 0) if t % 7 == 6 else 0
    if np.sum(n_ev):
        org = np.repeat(np.arange(len(P.ORGS)), n_ev)
        share = np.minimum(7 * P.INTERIOR_SEIZE / 10.0 * rng.lognormal(-0.125, 0.5, len(org)), 0.2)
        pill_frac = np.divide(stock[org, PILLS], total[org], out=np.zeros(len(org)), where=total[org] > 0)
        form = (rng.random(len(org)) < pill_frac).astype(np.int64)
        kg = np.minimum(total[org] * share, stock[org, form])
        np.subtract.at(stock, (org, form), kg)
        kg = np.maximum(kg, 0)
        pills = np.where(form == PILLS, kg * m.tr.pills_per_kg, 0.0)
        gross = np.where(form == PILLS, pills * P.PILL_GROSS_KG, kg / P.POWDER_PURITY)
        region = np.where(org == P.DOMINICAN, 0, rng.integers(0, len(P.REGIONS), len(org)))
        u = rng.random(len(org))
        city = m._region_flat[m._region_off[region] + (u * m._region_len[region]).astype(np.int64)]
        place = np.where(org < 2, m.hub_place[rng.integers(0, len(P.HUBS), len(org))], city)
        m.seizures.add(
            len(org), day=t, place_id=place, agency=np.where(rng.random(len(org)) < 0.7, _A_DEA, _A_HSI),
            chemical=P.FENTANYL, form=form, quantity=np.where(form == PILLS, np.round(pills), gross), pure_kg=kg,
            gross_kg=gross, method=_M_STASH, shipment=-1, courier=-1, lab=-1, org=org, crossing=-1,
        )
        s["interior_seized_kg"][t] = kg.sum()
        s["interior_seized_pills"][t] = pills.sum()
    # Retail.
    total = stock.sum(axis=1)
    can_sell = total / P.SALES_COVER_DAYS * pol.capacity[t]
    offer = np.zeros((len(P.REGIONS), len(P.ORGS)))
    for o in (P.SINALOA, P.CJNG, P.DOMINICAN):
        w = demand * P.RETAIL[:, o]
        if w.sum() > 0:
            offer[:, o] = can_sell[o] * w / w.sum()
    offer[:, P.INDEPENDENT] = can_sell[P.INDEPENDENT] * demand / max(demand.sum(), 1e-12)
    sold = market.allocate_sales(demand, offer)
    by_org = sold.sum(axis=0)
    frac = np.divide(by_org, total, out=np.zeros_like(total), where=total > 0)
    pill_frac = np.divide(stock[:, PILLS], total, out=np.zeros_like(total), where=total > 0)
    stock -= stock * frac[:, None]
    pills = sold * pill_frac[None, :] * m.tr.pills_per_kg
    powder = sold * (1 - pill_frac[None, :])
    pill_price = P.PILL_PRICE_REF * P.REGION_PRICE * m.price_idx
    s["pill_price"][t] = pill_price
    s["revenue_usd"][t] = pills * pill_price[:, None] + powder * 1e3 * P.POWDER_PRICE_PER_G * (
        P.REGION_PRICE * m.price_idx)[:, None]
    s["sold_kg"][t] = sold
    s["us_stock_kg"][t] = stock.sum(axis=1)
    a = m.assume
    pill_mg = a.pill_mg_at(m.year0 + t / 365.25, m.tr.pills_per_kg, t >= m.potency_day)
    s["pill_mg"][t] = pill_mg
    hazard = a.lethal_hazard * (a.hazard_shock if t >= m.shock_day else 1.0)
    s["deaths"][t] = market.deaths(pills.sum(axis=1), powder.sum(axis=1), m.tr.pills_per_kg, hazard, pill_mg)
    s["exhibits"][t] = P.EXHIBITS_PER_KG * sold.sum(axis=1)
    ratio = np.divide(offer.sum(axis=1), demand, out=np.ones_like(demand), where=demand > 0)
    goal = np.clip(np.maximum(ratio, 1e-3) ** (-a.price_elasticity), 0.25, 4.0)
    m.price_idx += 0.03 * (goal - m.price_idx)
