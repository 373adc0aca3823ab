"""The trafficking twin: precursors to pills to street, stepped daily, with interdiction and adaptation.

One seed, one ``numpy.random.Generator`` (passed to every draw), agent sets as arrays
(:mod:`.network`), counter-measures as per-day arrays (:mod:`.levers`). Each day:

1. Brokers: dismantled brokers cut their suppliers off; cut-off suppliers rewire at random.
2. Supply: what each source country sells, at what price and export risk (scheduling).
3. Cartels order chemicals to keep their pipeline full and pick, per shipment, a chemical,
   source and Mexican port by a logit over cost and *perceived* risk. Perceived risk is learned
   from their own seizures, so a port that gets hot is avoided and a scheduled chemical is
   replaced; finished Chinese fentanyl is replaced by Mexican synthesis when it gets scarce.
4. Independents order parcels of fentanyl from China, directly or through Canada.
5. Labs receive chemicals, may be raided, synthesise (cost falls with experience), and send
   product north as powder or pressed pills.
6. Loads cross by vehicle, courier or tunnel at a port of entry picked by the same kind of
   learned logit; inspection (with scanners) seizes some.
7. US market: Dominican TCOs buy wholesale for the Northeast; retailers sell to each region's
   demand; prices move with scarcity; deaths follow the exposure model (:mod:`.market`).

Outcomes of a shipment or load are drawn when it is sent, with the inspection rates of the day it
arrives (levers are known in advance); traffickers learn of them only on that day.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

import numpy as np

from counterflow.render.ids import rng_for
from counterflow.scenario.trafficking import Trafficking
from counterflow.twin import crossing, market
from counterflow.twin import params as P
from counterflow.twin.assumptions import DEFAULT, Assumptions
from counterflow.twin.levers import Policy, compile_policy
from counterflow.twin.network import Network, build_network, forwarder_pools
from counterflow.twin.records import SEIZURE_COLUMNS, SHIPMENT_COLUMNS, EventLog, Series

H = 90  # days ahead the arrival buffers reach (longest transit plus delays)
LOT_EQ = 20.0  # kg of fentanyl equivalent a cartel shipment carries on average (assumption)
LEAD_DAYS, COVER_DAYS, ORDER_SMOOTH = 55.0, 25.0, 15.0
A = {name: i for i, name in enumerate(("CBP", "USBP", "DEA", "HSI", "SEMAR", "SEDENA", "FGR", "China Customs", "CBSA"))}
M = {name: i for i, name in enumerate(
    ("sea_container", "parcel", "vehicle", "courier", "tunnel", "air_parcel", "road", "lab", "stash"))}
POWDER, PILLS, PRECURSOR, EQUIPMENT = 0, 1, 2, 3


@dataclass
class TwinResult:
    start: dt.date
    days: int
    series: Series
    shipments: dict[str, np.ndarray]
    seizures: dict[str, np.ndarray]
    network: Network
    policy: Policy
    pills_per_kg: float
    final: dict[str, np.ndarray]  # stocks and pipelines at the end (for the mass balance)

    def years(self) -> np.ndarray:
        """Decimal year of each day."""
        return _year0(self.start) + np.arange(self.days) / 365.25


def _year0(d: dt.date) -> float:
    return d.year + (d.timetuple().tm_yday - 1) / 365.25


def _softmax(u: np.ndarray) -> np.ndarray:
    u = u - np.max(u)
    e = np.exp(u)
    return e / e.sum()


def _draw(p: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    """``n`` indices drawn with probabilities ``p`` (inverse CDF; cheaper than ``rng.choice``)."""
    cum = np.cumsum(p)
    return np.minimum(np.searchsorted(cum, rng.random(n) * cum[-1], side="right"), len(p) - 1)


def _learn(belief: np.ndarray, n: np.ndarray, seized: np.ndarray, rate: float) -> None:
    """Move perceived risk toward today's observed seizure rate, more so the more was observed."""
    seen = n > 0
    w = 1.0 - (1.0 - rate) ** n[seen]
    belief[seen] += w * (seized[seen] / n[seen] - belief[seen])


class TraffickingModel:
    """One run of the physical twin from ``tr.start_date`` to ``end`` (inclusive)."""

    def __init__(self, tr: Trafficking, end: dt.date, seed: int, assume: Assumptions = DEFAULT) -> None:
        self.tr = tr
        self.assume = assume
        self.referral = P.REFERRAL * assume.referral_factor
        self.scan_detect = np.array([assume.scan_detect, 0.0, 0.0])
        self.start = tr.start_date
        self.T = (end - self.start).days + 1
        self.rng = rng_for(seed, "trafficking-twin")
        self.policy = compile_policy(tr, self.start, self.T)
        self.net = build_network(tr, self.rng)
        self.series = Series(self.T, len(P.MX_PORTS), len(P.CROSSINGS), len(P.REGIONS), len(P.ORGS), len(P.CHEMICALS))
        self.ships = EventLog(SHIPMENT_COLUMNS)
        self.seizures = EventLog(SEIZURE_COLUMNS)
        self.year0 = _year0(self.start)
        net, T, G, L = self.net, self.T, len(P.CHEMICALS), len(self.net.lab_cartel)
        self.fwd_origin, self.fwd_mx = forwarder_pools(net)
        self.sup_rewire = np.zeros(net.n_suppliers)  # daily chance a cut-off supplier rewires
        self.lab_chem = np.zeros((L, G))
        self.lab_fent = np.zeros(L)
        self.lab_arr = np.zeros((T + H, L, G))
        self.port_obs = np.zeros((T + H, 2, len(P.MX_PORTS), 2))
        self.x_obs = np.zeros((T + H, 2, len(P.CROSSINGS), len(P.METHODS), 2))
        self.mail_obs = np.zeros((T + H, 2, 2))
        self.pipe_out = np.zeros((T + H, 3))  # eq kg leaving the pipeline: cartels, independents
        self.in_transit = np.zeros(3)
        self.backlog = np.zeros(3)
        corr = np.array([p.corruption for p in P.MX_PORTS]).T  # (cartel, port)
        base = np.array([p.inspect for p in P.MX_PORTS])
        self.port_risk = base * P.PORT_DETECT * (1 - corr)
        scan0 = self.policy.scan_share[0]
        xr = self.referral[None, :] + scan0[:, None] * self.scan_detect[None, :]
        xr[:, 2] = P.TUNNEL_FIND
        self.x_risk = np.stack([xr, xr.copy()])
        self.mail_risk = np.array([P.MAIL_INSPECT, P.CANADA_INSPECT])
        self.experience = np.zeros(2)
        self.staged = np.zeros((2, 2))  # cartel x form, pure kg waiting for a load
        self.us_arr = np.zeros((T + H, len(P.ORGS), 2))
        self.us_stock = np.zeros((len(P.ORGS), 2))
        self.price_idx = np.ones(len(P.REGIONS))
        self.corr = corr
        self.aff_port = np.array([p.affinity for p in P.MX_PORTS]).T
        self.aff_x = np.array([c.affinity for c in P.CROSSINGS]).T
        self.tunnel_ok = np.array([c.tunnel for c in P.CROSSINGS])
        self.crossing_place = np.array([P.place_id(c.place, "land_crossing") for c in P.CROSSINGS])
        self.corridor_place = np.array([P.state_id(c.corridor) if c.corridor in ("Sonora", "Baja California")
                                        else P.state_id("Sinaloa") for c in P.CROSSINGS])
        self.port_place = np.array([P.place_id(p.place, "sea_port") for p in P.MX_PORTS])
        self.origin_place = {s: np.array([P.place_id(n, "sea_port") for n in P.ORIGIN_PORTS[s]]) for s in P.SOURCES}
        self.hub_place = np.array([P.city_id(h, "US") for h in P.HUBS])
        self.region_city = [np.array([P.city_id(n, "US") for n in P.REGION_CITIES[r]]) for r in P.REGIONS]
        self.india_day = (P.INDIA_ONLINE - self.start).days
        self.potency_day = (assume.potency_from - self.start).days if assume.potency_from else self.T + 1
        self.shock_day = (assume.hazard_shock_from - self.start).days if assume.hazard_shock_from else self.T + 1
        self._dispatch_today = np.zeros(2)
        self._net_version = 0
        self._is_fent = np.arange(len(P.CHEMICALS)) == P.FENTANYL
        self._has_yield = P.YIELD > 0
        self._supply_key: tuple | None = None
        self._region_len = np.array([len(x) for x in self.region_city])
        self._region_off = np.r_[0, np.cumsum(self._region_len)[:-1]]
        self._region_flat = np.concatenate(self.region_city)
        self._lab_masks = [net.lab_cartel == c for c in P.CARTELS]
        self._us_imf = np.array([P.city_id(x, "US") for x in ("Los Angeles", "New York", "Chicago")])
        self._ca_cities = np.array([P.city_id(x, "CA") for x in ("Vancouver", "Toronto")])

    # -- the run -------------------------------------------------------------------------------
    def run(self) -> TwinResult:
        for t in range(self.T):
            self.step(t)
        return TwinResult(
            start=self.start,
            days=self.T,
            series=self.series,
            shipments=self.ships.columns(),
            seizures=self.seizures.columns(),
            network=self.net,
            policy=self.policy,
            pills_per_kg=self.tr.pills_per_kg,
            final={
                "lab_chem": self.lab_chem.copy(), "lab_fent": self.lab_fent.copy(), "staged": self.staged.copy(),
                "us_stock": self.us_stock.copy(), "lab_arr_after": self.lab_arr[self.T:].sum(axis=(0, 1)),
                "us_arr_after": self.us_arr[self.T:].sum(axis=0),
            },
        )

    def step(self, t: int) -> None:
        y = self.year0 + t / 365.25
        self._brokers(t)
        avail, price, export_risk = self._supply(t)
        s = self.series
        pot = market.potential_demand(y, self.tr.demand_peak_kg, self.tr.demand_midpoint_year,
                                      self.tr.demand_width_years)
        demand = pot * self.price_idx ** (-self.assume.demand_elasticity)
        s["demand_kg"][t] = demand
        mail_share = P.MAIL_SHARE * avail[0, P.FENTANYL]
        share = demand @ (P.RETAIL[:, :2] + 0.5 * P.RETAIL[:, 2:3]) / max(demand.sum(), 1e-12)
        best = np.inf
        for c in P.CARTELS:
            need = demand.sum() * (1 - mail_share) * share[c] * self.policy.capacity[t, c]
            best = min(best, self._order(t, c, need, avail, price, export_risk))
        self._mail(t, demand.sum() * mail_share, avail, price)
        self._learn_routes(t)
        crossing.labs_step(self, t)
        crossing.cross_step(self, t, y)
        crossing.market_step(self, t, demand)
        s["price_china"][t] = price[0, P.FENTANYL]
        # The Mexican price follows street scarcity and, weakly, the cost of the cheapest route.
        ref_cost = P.PRICE_CN[P.FENTANYL] * P.SCHEDULED_PRICE + P.TRANSPORT_SEA_PER_KG
        s["price_mexico"][t] = P.PRICE_MX_REF * self.price_idx.mean() * (best / ref_cost) ** 0.3
        s["price_us_wholesale"][t] = 3 * s["price_mexico"][t]

    # -- supply side ---------------------------------------------------------------------------
    def _brokers(self, t: int) -> None:
        net = self.net
        for day, share, rewire in self.policy.broker_cuts:
            if day != t:
                continue
            served = np.bincount(net.sup_broker, weights=net.sup_capacity, minlength=len(net.brk_active))
            active = np.flatnonzero(net.brk_active)
            k = max(1, round(share * len(active)))
            hit = active[np.argsort(-served[active], kind="stable")[:k]]
            net.brk_active[hit] = False
            # Chinese brokers broker Chinese chemicals; Indian makers sell to the cartels directly.
            cut = np.isin(net.sup_broker, hit) & (net.sup_country == 0)
            net.sup_connected[cut] = False
            self.sup_rewire[cut] = 1.0 / rewire
            self._net_version += 1
        off = np.flatnonzero(~net.sup_connected) if self._net_version else ()
        if len(off):
            back = off[self.rng.random(len(off)) < self.sup_rewire[off]]
            if len(back):
                pool = np.flatnonzero(net.brk_active)
                if len(pool) == 0:  # a new broker steps in
                    net.brk_active[int(self.rng.integers(0, len(net.brk_active)))] = True
                    pool = np.flatnonzero(net.brk_active)
                net.sup_broker[back] = pool[self.rng.integers(0, len(pool), len(back))]
                net.sup_connected[back] = True
                self._net_version += 1

    def _supply(self, t: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(availability, price per kg, export risk), each (sources, chemicals). Recomputed only
        when the brokers, the schedule or India's entry change."""
        net = self.net
        sched = self.policy.scheduled[t]
        key = (self._net_version, t >= self.india_day, sched.tobytes())
        if key == self._supply_key:
            return self._supply_val
        cap = net.sup_offers * net.sup_capacity[:, None]
        avail = np.zeros((2, len(P.CHEMICALS)))
        for src in range(2):
            mine = net.sup_country == src
            total = cap[mine].sum(axis=0)
            live = cap[mine & net.sup_connected].sum(axis=0)
            avail[src] = np.divide(live, total, out=np.zeros_like(live), where=total > 0)
        if t < self.india_day:
            avail[1] = 0.0
        # Broker outages make chemicals dearer; scheduling multiplies the price of the leak.
        price = np.vstack([P.PRICE_CN, P.PRICE_CN * P.INDIA_PRICE_FACTOR]) / np.maximum(avail, 0.05) ** 0.25
        price = price * np.where(sched, self.assume.scheduled_price, 1.0)
        avail = np.where(sched, avail * self.assume.scheduled_leak, avail)
        risk = np.where(sched, P.SCHEDULED_EXPORT_RISK, P.BASE_EXPORT_RISK)
        self._supply_key = key
        self._supply_val = (avail, price, risk)
        with np.errstate(divide="ignore"):
            self._log_avail = np.log(avail)
        return self._supply_val

    def _order(self, t: int, c: int, need: float, avail: np.ndarray, price: np.ndarray,
               export_risk: np.ndarray) -> float:
        """Cartel ``c`` orders chemicals; returns its cheapest cost per kg of fentanyl."""
        net, rng, s = self.net, self.rng, self.series
        labs = self._lab_masks[c]
        position = ((self.lab_chem[labs] @ P.YIELD).sum() + self.lab_fent[labs].sum() + self.in_transit[c]
                    + self.staged[c].sum() + self.us_stock[c].sum() + 0.5 * self.us_stock[P.DOMINICAN].sum())
        target = need * (LEAD_DAYS + COVER_DAYS) / 0.9
        self.backlog[c] += max(0.0, target - position) / ORDER_SMOOTH
        lab_cost = P.LAB_COST_FLOOR + P.LAB_COST_PREMIUM * math.exp(-self.experience[c] / P.LAB_EXPERIENCE_KG)
        with np.errstate(divide="ignore", invalid="ignore"):
            cost = (price + P.TRANSPORT_SEA_PER_KG) / P.YIELD + np.where(self._is_fent, 0.0, lab_cost)
        cost[:, ~self._has_yield] = np.inf
        ok = avail > 0.02
        best = float(cost[ok].min()) if ok.any() else float(cost[:, self._has_yield].min())
        n = int(self.backlog[c] // LOT_EQ)
        if n <= 0:
            return best
        with np.errstate(divide="ignore", invalid="ignore"):
            risk = export_risk[:, :, None] + (1 - export_risk[:, :, None]) * self.port_risk[c][None, None, :]
            u = (self.aff_port[c][None, None, :] + self._log_avail[:, :, None]
                 - P.COST_SENSITIVITY * np.log(cost / P.PRICE_CN[0])[:, :, None] - self.tr.risk_aversion * risk)
        u = np.where(np.isfinite(u), u, -np.inf)
        if not np.isfinite(u).any():
            return best
        n = min(n, 12)
        self.backlog[c] -= n * LOT_EQ
        pick = _draw(_softmax(u.ravel()), n, rng)
        src, g, k = np.unravel_index(pick, u.shape)
        eq = LOT_EQ * rng.lognormal(-0.06, 0.35, n)
        kg = eq / P.YIELD[g]
        # Supplier: among reachable makers of that chemical in that country, by capacity.
        m = net.sup_offers[:, g].T & (net.sup_country[None, :] == src[:, None]) & net.sup_connected[None, :]
        m |= ~m.any(axis=1, keepdims=True) & net.sup_offers[:, g].T & (net.sup_country[None, :] == src[:, None])
        cum = np.cumsum(m * net.sup_capacity[None, :], axis=1)
        sup = np.minimum((cum < rng.random(n)[:, None] * cum[:, -1:]).sum(axis=1), net.n_suppliers - 1)
        chain = rng.choice(5, n, p=P.CHAIN_P) + 1
        fwd = self.fwd_origin[rng.integers(0, len(self.fwd_origin), (n, 5))]
        last_mx = self.fwd_mx[rng.integers(0, len(self.fwd_mx), n)]
        fwd[np.arange(n), chain - 1] = np.where(chain >= 2, last_mx, fwd[np.arange(n), chain - 1])
        fwd[np.arange(5)[None, :] >= chain[:, None]] = -1
        transship = rng.random(n) < 0.08 + 0.1 * (chain - 1)
        depart = t + rng.integers(5, 15, n)
        arrive = depart + rng.integers(24, 38, n) + 6 * transship
        front = np.flatnonzero(net.front_cartel == c)[rng.integers(0, (net.front_cartel == c).sum(), n)]
        lab = np.flatnonzero(labs)[rng.integers(0, labs.sum(), n)]
        u_out = rng.random((n, 2))
        at_origin = u_out[:, 0] < export_risk[src, g]
        arr_c = np.minimum(arrive, self.T - 1)
        p_port = self.policy.port_inspect[arr_c, k] * P.PORT_DETECT * (1 - self.corr[c, k])
        at_port = ~at_origin & (u_out[:, 1] < p_port)
        outcome = np.where(at_origin, 1, np.where(at_port, 2, 0))
        out_day = np.where(at_origin, depart, arrive)
        outcome = np.where(out_day >= self.T, 4, outcome)
        origin_port = np.array([self.origin_place[P.SOURCES[x]][rng.integers(0, len(self.origin_place[P.SOURCES[x]]))]
                                for x in src])
        self.ships.add(
            n, order_day=t, depart=depart, arrive=arrive, org=c, chemical=g, source=src, supplier=sup,
            broker=net.sup_broker[sup], port=k, mode=0, dest=0, kg=kg, eq_kg=eq, outcome=outcome,
            outcome_day=out_day, lab=lab, front=front, chain=chain, transship=transship, origin_port=origin_port,
            fwd0=fwd[:, 0], fwd1=fwd[:, 1], fwd2=fwd[:, 2], fwd3=fwd[:, 3], fwd4=fwd[:, 4],
        )
        self.in_transit[c] += eq.sum()
        ship_idx = np.arange(self.ships.n - n, self.ships.n)
        deliver = outcome == 0
        np.add.at(self.pipe_out, (np.minimum(out_day + 3 * deliver, self.T + H - 1), c), eq)
        np.add.at(self.lab_arr, (arrive[deliver] + 3, lab[deliver], g[deliver]), kg[deliver])
        reached = ~at_origin
        np.add.at(self.port_obs, (arrive[reached], c, k[reached], 0), 1)
        np.add.at(self.port_obs, (arrive[reached], c, k[reached], 1), at_port[reached])
        s_ = self.series
        v = arrive < self.T
        np.add.at(s_["port_arrived_kg"], (arrive[v & reached & ~at_port], k[v & reached & ~at_port]),
                  kg[v & reached & ~at_port])
        np.add.at(s_["port_seized_kg"], (arrive[v & at_port], k[v & at_port]), kg[v & at_port])
        o = at_origin & (depart < self.T)
        np.add.at(s_["origin_seized_kg"], depart[o], kg[o])
        np.add.at(s["route_eq_kg"], (t, g), eq)
        np.add.at(s["cartel_source_share"], (t, c, src), eq)
        for mask, place, agency, day in ((at_origin, origin_port, A["China Customs"], depart),
                                         (at_port, self.port_place[k], A["SEMAR"], arrive)):
            if mask.any():
                self.seizures.add(
                    int(mask.sum()), day=day[mask], place_id=place[mask], agency=agency, chemical=g[mask],
                    form=np.where(g[mask] == P.FENTANYL, POWDER, PRECURSOR), quantity=kg[mask],
                    pure_kg=eq[mask], gross_kg=kg[mask], method=M["sea_container"], shipment=ship_idx[mask],
                    courier=-1, lab=-1, org=c, crossing=-1,
                )
        return best

    def _mail(self, t: int, need: float, avail: np.ndarray, price: np.ndarray) -> None:
        """Independents buy Chinese fentanyl by parcel, directly or through Canada."""
        rng, net = self.rng, self.net
        i = P.INDEPENDENT
        position = self.us_stock[i].sum() + self.in_transit[2]
        self.backlog[2] += max(0.0, need * 35.0 - position) / 10.0
        n = int(self.backlog[2] // P.PARCEL_KG)
        makers = np.flatnonzero(net.sup_offers[:, P.FENTANYL] & (net.sup_country == 0))
        if n <= 0 or avail[0, P.FENTANYL] <= 0 or len(makers) == 0:
            return
        n = min(n, 60)
        self.backlog[2] -= n * P.PARCEL_KG
        kg = P.PARCEL_KG * rng.lognormal(-0.045, 0.3, n)
        p = _softmax(np.array([0.0, -1.2]) - P.MAIL_RISK_AVERSION * self.mail_risk)
        route = (rng.random(n) < p[1]).astype(np.int64)
        arrive = t + np.where(route == 0, rng.integers(7, 13, n), rng.integers(12, 21, n))
        arr_c = np.minimum(arrive, self.T - 1)
        p_seize = np.where(route == 0, self.policy.mail_inspect[arr_c], self.policy.canada_inspect[arr_c])
        seized = rng.random(n) < p_seize
        outcome = np.where(seized, 3, np.where(arrive >= self.T, 4, 0))  # 4: still on its way
        sup = makers[rng.integers(0, len(makers), n)]
        self.ships.add(
            n, order_day=t, depart=t + 1, arrive=arrive, org=i, chemical=P.FENTANYL, source=0, supplier=sup,
            broker=-1, port=-1, mode=1, dest=1 + route, kg=kg, eq_kg=kg, outcome=outcome, outcome_day=arrive,
            lab=-1, front=-1, chain=1, transship=False, origin_port=-1,
            fwd0=-1, fwd1=-1, fwd2=-1, fwd3=-1, fwd4=-1,
        )
        idx = np.arange(self.ships.n - n, self.ships.n)
        self.in_transit[2] += kg.sum()
        np.add.at(self.pipe_out, (arrive, 2), kg)
        np.add.at(self.us_arr, (arrive[~seized], i, POWDER), kg[~seized])
        np.add.at(self.mail_obs, (arrive, route, 0), 1)
        np.add.at(self.mail_obs, (arrive, route, 1), seized)
        v = arrive < self.T
        np.add.at(self.series["mail_sent_kg"], (t, route), kg)
        np.add.at(self.series["mail_seized_kg"], (arrive[v & seized], route[v & seized]), kg[v & seized])
        if seized.any():
            us_imf, ca = self._us_imf, self._ca_cities
            rs = route[seized]
            place = np.where(rs == 0, us_imf[rng.integers(0, 3, len(rs))], ca[rng.integers(0, 2, len(rs))])
            self.seizures.add(
                len(rs), day=arrive[seized], place_id=place, agency=np.where(rs == 0, A["CBP"], A["CBSA"]),
                chemical=P.FENTANYL, form=POWDER, quantity=kg[seized], pure_kg=kg[seized], gross_kg=kg[seized],
                method=M["parcel"], shipment=idx[seized], courier=-1, lab=-1, org=i, crossing=-1,
            )

    def _learn_routes(self, t: int) -> None:
        rate = self.tr.learning_rate
        po = self.port_obs[t]
        for c in P.CARTELS:
            _learn(self.port_risk[c], po[c, :, 0], po[c, :, 1], rate)
            xo = self.x_obs[t, c]
            _learn(self.x_risk[c], xo[..., 0], xo[..., 1], rate)
        _learn(self.mail_risk, self.mail_obs[t, :, 0], self.mail_obs[t, :, 1], rate)
        self.in_transit -= self.pipe_out[t]

def run_twin(tr: Trafficking, end: dt.date, seed: int, assume: Assumptions = DEFAULT) -> TwinResult:
    """Run the physical twin from ``tr.start_date`` through ``end`` (``assume``: the uncertain
    assumptions and drivers of :mod:`.assumptions`; default: the values in ``params``)."""
    return TraffickingModel(tr, end, seed, assume).run()
