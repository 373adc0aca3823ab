"""Parameters of the trafficking twin, with their sources.

Sources are the seed articles (by file name, e.g. ``seed 003``) and the figures shipped in
``counterflow/world/data/figures.csv`` (by id). Where the reporting gives no number the value
is marked *assumption* with its reasoning; calibration (``counterflow calibrate``) shows how the
whole set compares with the figures. Values are frozen module constants: the scenario
(:class:`counterflow.scenario.trafficking.Trafficking`) carries the knobs a user may turn.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from counterflow.world import geography as geo

# Organisations. Sinaloa and CJNG are the umbrella cartels (seed 001, seed 003); Dominican TCOs
# retail in the Northeast (seed 003); "independent" are US buyers of Chinese fentanyl by mail.
ORGS: tuple[str, ...] = ("sinaloa", "cjng", "dominican_tco", "independent")
SINALOA, CJNG, DOMINICAN, INDEPENDENT = 0, 1, 2, 3
CARTELS = (SINALOA, CJNG)
# Case ids of the ground truth: one per organisation's network.
CASE_BASE = 3001


@dataclass(frozen=True)
class Chemical:
    name: str
    # kg of fentanyl per kg of chemical. Assumption: molar-mass ratio (fentanyl 336 g/mol) times a
    # clandestine practical yield of 50-70%; the reporting gives no yields.
    yield_kg: float
    price_cn: float  # USD per kg from a diverting Chinese maker (see notes)
    actual_hs: str
    declared_as: tuple[str, ...]  # HS codes of ordinary goods the load is declared as (T2)


# Raw fentanyl: 2,000 USD per pound in China in 2020 (china_raw_price, seed 003) = 4,409 USD/kg,
# after China's 2019 scheduling; the free-market price before it is that over SCHEDULED_PRICE.
# Precursor prices are assumptions (bulk fine chemicals at a few hundred USD/kg, marked up
# by diverting makers); only their ratio to the fentanyl price matters to the choice model.
CHEMICALS: tuple[Chemical, ...] = (
    Chemical("fentanyl", 1.0, 4409.0 / 2.0, "2933.33", ("3004.90", "2942.00")),
    Chemical("NPP", 0.8, 450.0, "2933.39", ("2942.00", "2921.19", "2915.21")),
    Chemical("4-ANPP", 0.85, 900.0, "2933.39", ("2942.00", "3004.90")),
    Chemical("4-AP", 0.95, 400.0, "2933.39", ("2942.00", "2921.19")),
    Chemical("1-boc-4-AP", 0.6, 520.0, "2933.39", ("2942.00", "2915.21")),
    Chemical("norfentanyl", 1.0, 1300.0, "2933.39", ("2942.00", "3004.90")),
    # A methamphetamine precursor the DEA asked China to control together with 4-AP (seed 003);
    # no fentanyl route uses it, so it never carries fentanyl mass.
    Chemical("methylamine", 0.0, 6.0, "2921.11", ("2921.19",)),
)
CHEM_NAMES: tuple[str, ...] = tuple(c.name for c in CHEMICALS)
FENTANYL = 0
YIELD = np.array([c.yield_kg for c in CHEMICALS])
PRICE_CN = np.array([c.price_cn for c in CHEMICALS])
SOURCES: tuple[str, ...] = ("CN", "IN")
# India as an emerging source (issue 3): online from 2019, dearer, offers the piperidine routes.
INDIA_ONLINE = dt.date(2019, 6, 1)
INDIA_PRICE_FACTOR = 1.35
INDIA_OFFERS = ("NPP", "4-AP", "1-boc-4-AP", "norfentanyl")
# Scheduling leaves a leak of the former supply at a multiple of the price (assumption).
SCHEDULED_LEAK = 0.05
SCHEDULED_PRICE = 2.0
SCHEDULED_EXPORT_RISK = 0.12  # chance an export of a controlled chemical is stopped in China
BASE_EXPORT_RISK = 0.004  # Chinese customs found 46 kg bound for Mexico in 2015 (seed 003)

# Mexican synthesis: cost per kg of fentanyl made, falling with experience (learning by doing).
# Assumption: dear and uncertain at first (seed 000: labs only "begin to develop" in 2017).
LAB_COST_FLOOR = 1500.0
LAB_COST_PREMIUM = 9000.0
LAB_EXPERIENCE_KG = 1500.0  # cumulative kg after which the premium has fallen to 1/e
TRANSPORT_SEA_PER_KG = 250.0  # assumption: forwarders, brokers' fees, bribes per kg of load
COST_SENSITIVITY = 4.0  # logit weight on log cost (assumption)


@dataclass(frozen=True)
class SeaPort:
    key: str
    place: str
    inspect: float  # share of containers physically inspected (assumption: about one in ten)
    # Share of inspections neutralised by corruption, per cartel (seed 003: CJNG controls Lázaro
    # Cárdenas, Manzanillo and Veracruz; "fixers" at entry ports; Sinaloa controls other ports).
    corruption: tuple[float, float]
    affinity: tuple[float, float]  # log-preference per cartel (reach of the port from its labs)


MX_PORTS: tuple[SeaPort, ...] = (
    SeaPort("manzanillo", "Port of Manzanillo", 0.10, (0.3, 0.6), (0.6, 1.2)),
    SeaPort("lazaro_cardenas", "Port of Lázaro Cárdenas", 0.08, (0.2, 0.6), (0.0, 0.9)),
    SeaPort("ensenada", "Port of Ensenada", 0.10, (0.4, 0.1), (-0.3, -1.2)),
    SeaPort("veracruz", "Port of Veracruz", 0.12, (0.1, 0.5), (-0.8, 0.2)),
)
PORT_DETECT = 0.5  # chance an inspected, mislabeled chemical load is recognised (assumption)
ORIGIN_PORTS = {
    "CN": ("Port of Shanghai", "Port of Shenzhen (Yantian)", "Port of Ningbo-Zhoushan", "Port of Guangzhou (Nansha)"),
    "IN": ("Port of Nhava Sheva", "Port of Chennai"),
}
# Forwarder chains: one to five companies (forwarders_in_chain: five on a 2015 load, seed 003).
CHAIN_P = np.array([0.35, 0.3, 0.18, 0.11, 0.06])


@dataclass(frozen=True)
class Crossing:
    key: str
    place: str
    corridor: str  # Mexican state the load comes through (seed 003: Sinaloa, Sonora, Jalisco,
    # Nayarit, Baja California)
    hub: str  # US distribution hub the crossing feeds
    affinity: tuple[float, float]
    tunnel: bool  # tunnels are known under the San Diego and Nogales crossings


CROSSINGS: tuple[Crossing, ...] = (
    Crossing("san_ysidro", "San Ysidro (San Diego–Tijuana)", "Baja California", "Los Angeles", (0.6, 1.0), True),
    Crossing("otay_mesa", "Otay Mesa (San Diego–Tijuana)", "Baja California", "Los Angeles", (0.4, 0.8), True),
    Crossing("calexico", "Calexico (Calexico–Mexicali)", "Baja California", "Los Angeles", (0.2, 0.3), False),
    Crossing("nogales_deconcini", "Nogales DeConcini (Nogales–Nogales)", "Sonora", "Phoenix", (1.0, 0.0), True),
    Crossing("nogales_mariposa", "Nogales Mariposa (Nogales–Nogales)", "Sonora", "Phoenix", (0.8, -0.2), True),
    Crossing("san_luis", "San Luis (San Luis–San Luis Río Colorado)", "Sonora", "Phoenix", (0.4, -0.3), False),
    Crossing("lukeville", "Lukeville (Lukeville–Sonoyta)", "Sonora", "Phoenix", (0.0, -1.0), False),
    Crossing("douglas", "Douglas (Douglas–Agua Prieta)", "Sonora", "Phoenix", (0.0, -1.0), False),
    Crossing("el_paso", "El Paso (El Paso–Ciudad Juárez)", "Chihuahua", "Chicago", (-0.6, -0.4), False),
    Crossing("laredo", "Laredo (Laredo–Nuevo Laredo)", "Tamaulipas", "Chicago", (-1.2, 0.0), False),
)
METHODS: tuple[str, ...] = ("vehicle", "courier", "tunnel")
# Chance a load is referred to secondary inspection and found without a scanner (assumption),
# and chance a scan finds it (assumption). Tunnels bypass the port; Border Patrol finds a few.
REFERRAL = np.array([0.015, 0.018, 0.0])
SCAN_DETECT = np.array([0.15, 0.0, 0.0])
TUNNEL_FIND = 0.01
METHOD_COST = np.array([0.0, 0.3, 0.8])  # log-cost relative to a vehicle (assumption)
METHOD_SHARE_PRIOR = np.array([0.0, -0.7, -3.0])
# Inland leg from the labs to the border: road through a corridor or an air parcel to Tijuana
# (seed 003: parcel services from Sinaloa and Mexico City to airports near the border).
INLAND_ROAD_SEIZE = 0.015  # Mexican army or Guard checkpoints (mexico_powder_seizures_2015: tens of kg)
AIR_PARCEL_SHARE = 0.04
AIR_PARCEL_SEIZE = 0.03

# Lab cities (issue 3, seed 003) and the organisation that runs most labs there.
LAB_CITIES = {
    SINALOA: ("Culiacán", "Culiacán", "Ciudad de México"),
    CJNG: ("Guadalajara", "Guadalajara", "Ciudad de México"),
}
LAB_RAID_RATE = 1 / 2500  # per lab per day (assumption: a lab is found every few years)
LAB_REBUILD_DAYS = 45
DISPATCH_DAYS = 5.0  # labs send their stock north within about a week (assumption)
LAB_CAPACITY_KG = 40.0  # kg of fentanyl a lab can synthesise a day (not binding by design)

# Product forms. A pill weighs about 0.1 g; powder crosses at about 30% purity (assumptions),
# which turns pure kg into the gross weights CBP reports (cbp_lb_*).
PILL_GROSS_KG = 1e-4
POWDER_PURITY = 0.3
# Pill share of product pressed in Mexico: logistic ramp (sd_pill_share_fy2017 5%,
# sd_pill_share_fy2018 30%, dea_pills_2021..2023 growing).
PILL_SHARE_LOW, PILL_SHARE_HIGH, PILL_SHARE_MID, PILL_SHARE_WIDTH = 0.0, 0.6, 2019.4, 0.5
LOAD_PURE_KG = np.array([0.9, 0.35])  # mean pure kg of a powder load and a pill load (assumption)

# US market. Regions, their cities (street markets) and a lead or lag of the outbreak in years
# (seed 003: the Northeast and Midwest first; the West later). Weights: share of potential use.
REGIONS: tuple[str, ...] = ("northeast", "midwest", "south", "west")
REGION_CITIES: dict[str, tuple[str, ...]] = {
    "northeast": ("New York", "Philadelphia", "Boston", "Lawrence", "Newark", "Baltimore", "Washington"),
    "midwest": ("Chicago", "Detroit", "Columbus", "Minneapolis", "St. Louis"),
    "south": ("Houston", "Dallas", "Atlanta", "Miami", "Charlotte", "Nashville", "San Antonio", "El Paso"),
    "west": ("Los Angeles", "Phoenix", "San Diego", "San Francisco", "Seattle", "Las Vegas", "Denver",
             "Portland", "Salt Lake City", "Albuquerque", "Tucson"),
}
REGION_WEIGHT = np.array([0.24, 0.24, 0.32, 0.20])
REGION_LAG_YEARS = np.array([-1.2, -0.6, 0.3, 1.6])
# Who retails where (shares of the region's Mexican-supplied market). Dominican TCOs buy from
# the cartels and retail in the Northeast (seed 003).
RETAIL = np.array([
    # sinaloa cjng dominican
    [0.0, 0.0, 1.0],  # northeast
    [0.6, 0.4, 0.0],  # midwest
    [0.4, 0.6, 0.0],  # south
    [0.55, 0.45, 0.0],  # west
])
HUBS: tuple[str, ...] = ("Los Angeles", "Phoenix", "Chicago", "New York")
# Prices (reference values for 2018; they move with scarcity).
PRICE_MX_REF = 32_000.0  # kg_cost_mexico: a kilogram to a Mexican trafficker, 2018 (seed 003)
PRICE_US_WHOLESALE_REF = 3 * PRICE_MX_REF  # price_mexico_kg note: about three times in the Southwest
PILL_PRICE_REF = 20.0  # street_value_per_kg / pills_per_kg: about 20 USD a pill (seed 003)
POWDER_PRICE_PER_G = 400.0  # USD per pure gram of street powder (assumption)
REGION_PRICE = np.array([1.15, 1.0, 1.0, 0.85])  # assumption: dearer far from the border
PRICE_ELASTICITY = 0.6  # street price response to scarcity (assumption)
DEMAND_ELASTICITY = 0.3  # consumption response to the street price (assumption)
SALES_COVER_DAYS = 12.0  # stock a retailer sells down in (assumption)
# Share of US demand that independents fill by mail while Chinese fentanyl is freely sold
# (seed 003: pure fentanyl and pills mailed from China directly or through Canada).
MAIL_SHARE = 0.25
MAIL_RISK_AVERSION = 4.0  # independents weigh parcel risk less than cartels weigh theirs (assumption)
MAIL_INSPECT = 0.25  # chance an international parcel with fentanyl is stopped (assumption)
CANADA_INSPECT = 0.02
PARCEL_KG = 0.6
# Interior seizures by DEA and police per day as a share of US stock (dea_pills_2021..2023).
INTERIOR_SEIZE = 0.001
EXHIBITS_PER_KG = 40.0  # NFLIS exhibit reports per kg sold (nflis_2017: 56,530)

# Exposure model of overdose deaths: each dose's fentanyl content is lognormal around the mean
# (pills: 1e6 mg / pills_per_kg); a dose at or above the lethal 2 mg (lethal_dose_mg) kills a
# user with a small probability (most users are tolerant); calibrated to cdc_synthetic_2019.
LETHAL_MG = 2.0
POTENCY_SIGMA = 0.8
POWDER_DOSE_MG = 1.0
LETHAL_HAZARD = 2.6e-4

# Counter-measures on the public record, applied when ``history: true``.
HISTORY: tuple[dict, ...] = (
    # China put NPP and 4-ANPP under national control in February 2018 (public record).
    {"kind": "schedule_precursors", "start": dt.date(2018, 2, 1), "country": "CN", "chemicals": ["NPP", "4-ANPP"]},
    # China scheduled all fentanyl-related substances in May 2019 (seed 001: "In 2019 ... stronger
    # regulatory regime").
    {"kind": "schedule_precursors", "start": dt.date(2019, 5, 1), "country": "CN", "chemicals": ["fentanyl"]},
    # CBP's scanner build-out at Southwest land ports (seed 001: "new non-intrusive inspection
    # technologies at POEs"); from about 2% of vehicles to about a third (assumption on the pace).
    {"kind": "land_port_nii", "start": dt.date(2020, 10, 1), "scan_share": 0.35, "ramp_days": 1100},
)
BASE_SCAN_SHARE = 0.02


def place_id(name: str, kind: str | None = None) -> int:
    for p in geo.places():
        if p.name == name and (kind is None or p.kind == kind):
            return p.place_id
    raise KeyError(name)


def city_id(name: str, country: str) -> int:
    for p in geo.places_of("city", country):
        if p.name == name:
            return p.place_id
    raise KeyError(name)


def state_id(name: str) -> int:
    for p in geo.places_of("state", "MX"):
        if p.name == name:
            return p.place_id
    raise KeyError(name)
