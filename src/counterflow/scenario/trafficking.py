"""The ``trafficking:`` section of a scenario: the physical twin's knobs and its counter-measures.

Every field has a default, so a scenario without the section runs the calibrated baseline. The
twin's history starts at ``start_date`` (years before the dataset window, so that the network has
grown to its size by the time records are written) and ends with the scenario's last day.

Counter-measures ("levers") are a list; each has a ``kind`` from a closed set, a ``start`` date and
its own parameters. ``history: true`` adds the counter-measures on the public record (see
:data:`counterflow.twin.params.HISTORY`) before the scenario's own.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from pydantic import Field, field_validator

from counterflow.scenario.base import Day, Strict

Chemical = Literal["fentanyl", "NPP", "4-ANPP", "4-AP", "1-boc-4-AP", "norfentanyl", "methylamine"]
MexicanPort = Literal["manzanillo", "lazaro_cardenas", "ensenada", "veracruz"]
LandCrossing = Literal[
    "san_ysidro", "otay_mesa", "calexico", "nogales_deconcini", "nogales_mariposa",
    "san_luis", "lukeville", "douglas", "el_paso", "laredo",
]
Organisation = Literal["sinaloa", "cjng", "dominican_tco"]
SourceCountry = Literal["CN", "IN"]


class _Lever(Strict):
    start: Day
    note: str = ""


class SchedulePrecursors(_Lever):
    """A source country puts chemicals under control: supply shrinks to a leak, price and the risk
    of an export seizure rise."""

    kind: Literal["schedule_precursors"]
    country: SourceCountry = "CN"
    chemicals: list[Chemical] = Field(..., min_length=1)


class PortInspection(_Lever):
    """Mexican sea ports inspect a multiple of their usual share of containers."""

    kind: Literal["port_inspection"]
    ports: list[MexicanPort] = Field(..., min_length=1)
    multiplier: float = Field(..., gt=0, le=100)


class LandPortNII(_Lever):
    """Non-intrusive inspection (scanners) at land ports of entry: share of vehicles scanned."""

    kind: Literal["land_port_nii"]
    crossings: list[LandCrossing] | None = None  # None: every crossing
    scan_share: float = Field(..., ge=0, le=1)
    ramp_days: int = Field(0, ge=0, le=3650)


class LabRaids(_Lever):
    """Mexican forces raid clandestine labs at a multiple of the usual rate."""

    kind: Literal["lab_raids"]
    multiplier: float = Field(..., gt=0, le=100)


class Arrests(_Lever):
    """Arrest of an organisation's key figures: its capacity drops, then recovers."""

    kind: Literal["arrests"]
    organisation: Organisation
    disruption: float = Field(0.5, gt=0, le=1)
    recovery_days: int = Field(180, ge=1, le=3650)


class MailInspection(_Lever):
    """International mail and express parcels inspected at a multiple of the usual rate."""

    kind: Literal["mail_inspection"]
    multiplier: float = Field(..., gt=0, le=100)
    via_canada: bool = False  # also the parcels that enter through Canada


class DismantleBrokers(_Lever):
    """A share of the chemical brokers is arrested; their suppliers are cut off until rewired."""

    kind: Literal["dismantle_brokers"]
    share: float = Field(..., gt=0, le=1)
    rewire_days: int = Field(240, ge=1, le=3650)


Lever = Annotated[
    SchedulePrecursors | PortInspection | LandPortNII | LabRaids | Arrests | MailInspection | DismantleBrokers,
    Field(discriminator="kind"),
]
LEVER_KINDS: tuple[str, ...] = (
    "schedule_precursors", "port_inspection", "land_port_nii", "lab_raids", "arrests",
    "mail_inspection", "dismantle_brokers",
)


class Trafficking(Strict):
    """The physical twin: size of the network, market scale, and counter-measures."""

    enabled: bool = True
    # When the twin's history begins: before the fentanyl outbreak (seed 003 dates it to 2014).
    start_date: Day = dt.date(2013, 1, 1)
    history: bool = True
    # Potential US consumption at saturation, kg of pure fentanyl a year (calibrated to CDC deaths).
    demand_peak_kg: float = Field(3_000.0, gt=0, le=1_000_000)
    demand_midpoint_year: float = Field(2019.0, ge=1990, le=2100)
    demand_width_years: float = Field(1.9, gt=0, le=50)
    # Counterfeit pills pressed from one kilogram of fentanyl (seed 003: about a million).
    pills_per_kg: float = Field(1_000_000, ge=10_000, le=10_000_000)
    diverting_suppliers_cn: int = Field(12, ge=1, le=500)
    diverting_suppliers_in: int = Field(4, ge=0, le=500)
    brokers: int = Field(6, ge=1, le=200)
    forwarders: int = Field(14, ge=5, le=500)
    front_companies: int = Field(12, ge=2, le=500)
    labs_per_cartel: int = Field(6, ge=1, le=100)
    couriers: int = Field(40, ge=1, le=5000)
    distributors: int = Field(30, ge=1, le=5000)
    # How strongly traffickers avoid perceived seizure risk, and how fast they learn from seizures.
    risk_aversion: float = Field(14.0, ge=0, le=200)
    learning_rate: float = Field(0.08, gt=0, le=1)
    levers: list[Lever] = Field(default_factory=list)

    @field_validator("start_date")
    @classmethod
    def _not_too_early(cls, v: dt.date) -> dt.date:
        if v.year < 1990:
            raise ValueError("the twin starts in 1990 at the earliest")
        return v
