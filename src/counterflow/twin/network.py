"""The agent sets of the trafficking network, as arrays.

Each set (diverting chemical makers, brokers, forwarders, front companies, labs, couriers,
distributors) is a group of parallel arrays, Mesa's ``AgentSet`` without per-agent objects: the
daily step selects and updates them with masks. Built once from the scenario and the twin's
random generator; the dataset renderer turns the same arrays into parties.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from counterflow.scenario.trafficking import Trafficking
from counterflow.twin import params as P

# Where diverting makers sit (seed 003: Wuhan, Shanghai and the eastern chemical provinces;
# India's pharmaceutical hubs as the emerging source).
_SUPPLIER_CITIES = {
    "CN": ("Wuhan", "Shanghai", "Hangzhou", "Shijiazhuang", "Nanjing", "Guangzhou", "Zhengzhou"),
    "IN": ("Hyderabad", "Mumbai", "Ahmedabad"),
}
# Front companies: veterinary, clothing, clinical laboratory and computer-services businesses
# (seed 003, the Zheng network's Mexican shells).
FRONT_INDUSTRIES = ("541940", "424350", "621511", "541511")
_FRONT_CITIES = ("Guadalajara", "Culiacán", "Ciudad de México", "Manzanillo", "Lázaro Cárdenas", "Tijuana")


@dataclass
class Network:
    # Diverting chemical makers.
    sup_country: np.ndarray  # index into P.SOURCES
    sup_offers: np.ndarray  # (S, chemicals) bool
    sup_capacity: np.ndarray
    sup_broker: np.ndarray
    sup_connected: np.ndarray  # bool: reachable through an active broker
    sup_city: np.ndarray  # place_id
    # Chemical brokers (Chinese or Hong Kong), each mostly serving one cartel.
    brk_cartel: np.ndarray
    brk_country: np.ndarray  # "CN" | "HK"
    brk_active: np.ndarray
    # Freight forwarders: origin side (CN, HK, IN) and Mexican side.
    fwd_country: np.ndarray
    # Front companies in Mexico (consignees of record), by cartel.
    front_cartel: np.ndarray
    front_industry: np.ndarray
    front_city: np.ndarray
    # Labs: slots that reopen after a raid.
    lab_cartel: np.ndarray
    lab_city: np.ndarray
    lab_open_day: np.ndarray  # first day the slot is working
    lab_presses: np.ndarray
    # People: couriers (smugglers) in Mexico, distributors in US cities.
    courier_cartel: np.ndarray
    dist_org: np.ndarray
    dist_city: np.ndarray

    @property
    def n_suppliers(self) -> int:
        return len(self.sup_country)


def build_network(tr: Trafficking, rng: np.random.Generator) -> Network:
    n_cn, n_in = tr.diverting_suppliers_cn, tr.diverting_suppliers_in
    S = n_cn + n_in
    country = np.r_[np.zeros(n_cn, np.int8), np.ones(n_in, np.int8)]
    offers = np.zeros((S, len(P.CHEMICALS)), bool)
    # Chinese makers: half sell finished fentanyl, each sells two to four precursors.
    for s in range(n_cn):
        offers[s, P.FENTANYL] = s % 2 == 0 or s == 0
        k = int(rng.integers(2, 5))
        offers[s, 1 + rng.choice(len(P.CHEMICALS) - 1, k, replace=False)] = True
    india = [P.CHEM_NAMES.index(c) for c in P.INDIA_OFFERS]
    for s in range(n_cn, S):
        offers[s, rng.choice(india, int(rng.integers(2, len(india) + 1)), replace=False)] = True
    # Every chemical a route needs has at least one Chinese maker.
    for g in range(len(P.CHEMICALS)):
        if not offers[:n_cn, g].any():
            offers[int(rng.integers(0, n_cn)), g] = True
    capacity = rng.pareto(1.5, S) + 1.0
    brokers = tr.brokers
    brk_cartel = np.arange(brokers) % 2
    broker = rng.integers(0, brokers, S)
    cities = {c: np.array([P.city_id(n, c) for n in _SUPPLIER_CITIES[c]]) for c in P.SOURCES}
    sup_city = np.array([cities[P.SOURCES[c]][rng.integers(0, len(cities[P.SOURCES[c]]))] for c in country])

    n_f = tr.forwarders
    fwd_country = np.array(["CN", "HK", "MX"] * (n_f // 3 + 1))[:n_f].astype(object)
    if n_in:
        fwd_country[-1] = "IN"
    front_city = np.array([P.city_id(n, "MX") for n in _FRONT_CITIES])
    n_m = tr.front_companies
    labs = tr.labs_per_cartel * 2
    lab_cartel = np.arange(labs) % 2
    lab_city = np.array([
        P.city_id(P.LAB_CITIES[int(c)][i // 2 % len(P.LAB_CITIES[int(c)])], "MX") for i, c in enumerate(lab_cartel)
    ])
    us_cities = {r: np.array([P.city_id(n, "US") for n in cs]) for r, cs in P.REGION_CITIES.items()}
    dist_org = np.arange(tr.distributors) % 3
    region_of_org = {P.SINALOA: "west", P.CJNG: "south", P.DOMINICAN: "northeast"}
    dist_city = np.array([
        us_cities[region_of_org[int(o)]][rng.integers(0, len(us_cities[region_of_org[int(o)]]))] for o in dist_org
    ])
    return Network(
        sup_country=country,
        sup_offers=offers,
        sup_capacity=capacity,
        sup_broker=broker,
        sup_connected=np.ones(S, bool),
        sup_city=sup_city,
        brk_cartel=brk_cartel,
        brk_country=np.where(rng.random(brokers) < 0.3, "HK", "CN").astype(object),
        brk_active=np.ones(brokers, bool),
        fwd_country=fwd_country,
        front_cartel=np.arange(n_m) % 2,
        front_industry=np.array(FRONT_INDUSTRIES * (n_m // 4 + 1), dtype=object)[:n_m],
        front_city=front_city[rng.integers(0, len(front_city), n_m)],
        lab_cartel=lab_cartel,
        lab_city=lab_city,
        lab_open_day=np.zeros(labs, np.int64),
        lab_presses=rng.integers(1, 4, labs),
        courier_cartel=np.arange(tr.couriers) % 2,
        dist_org=dist_org,
        dist_city=dist_city,
    )


def forwarder_pools(net: Network) -> tuple[np.ndarray, np.ndarray]:
    """(origin-side forwarders, Mexican forwarders) as index arrays."""
    origin = np.flatnonzero(net.fwd_country != "MX")
    mexican = np.flatnonzero(net.fwd_country == "MX")
    return origin, mexican
