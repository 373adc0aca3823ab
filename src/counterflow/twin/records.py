"""What the twin keeps: event logs (shipments, seizures) and daily series.

Events are appended as small column batches and concatenated once at the end, so a step never
copies the history. Series are preallocated (days x dimensions) when the run starts: memory is
fixed by the horizon, not by how busy the network is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

AGENCIES: tuple[str, ...] = ("CBP", "USBP", "DEA", "HSI", "SEMAR", "SEDENA", "FGR", "China Customs", "CBSA")
SEIZURE_FORMS: tuple[str, ...] = ("powder", "pills", "precursor", "equipment")
SEIZURE_METHODS: tuple[str, ...] = (
    "sea_container", "parcel", "vehicle", "courier", "tunnel", "air_parcel", "road", "lab", "stash",
)
SHIPMENT_OUTCOMES: tuple[str, ...] = ("delivered", "seized_origin", "seized_port", "seized_mail", "in_transit")


class EventLog:
    """Columns appended in batches; ``columns()`` gives one array per column."""

    def __init__(self, names: tuple[str, ...]) -> None:
        self.names = names
        self._parts: dict[str, list[tuple[int, object]]] = {n: [] for n in names}
        self.n = 0

    def add(self, k: int, **cols: object) -> None:
        """Append ``k`` rows; a scalar column value is repeated."""
        if k <= 0:
            return
        for n in self.names:
            self._parts[n].append((k, cols[n]))
        self.n += k

    def columns(self) -> dict[str, np.ndarray]:
        out = {}
        for n, parts in self._parts.items():
            arrs = [np.full(k, v) if np.ndim(v) == 0 else np.asarray(v) for k, v in parts]
            out[n] = np.concatenate(arrs) if arrs else np.empty(0)
        return out


SEIZURE_COLUMNS = (
    "day", "place_id", "agency", "chemical", "form", "quantity", "pure_kg", "gross_kg", "method",
    "shipment", "courier", "lab", "org", "crossing",
)
SHIPMENT_COLUMNS = (
    "order_day", "depart", "arrive", "org", "chemical", "source", "supplier", "broker", "port", "mode", "dest",
    "kg", "eq_kg", "outcome", "outcome_day", "lab", "front", "chain", "transship", "origin_port",
    "fwd0", "fwd1", "fwd2", "fwd3", "fwd4",
)


@dataclass
class Series:
    """Daily aggregates over the whole horizon (row = day)."""

    days: int
    n_ports: int
    n_crossings: int
    n_regions: int
    n_orgs: int
    n_chem: int
    a: dict[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        T, K, J, R, N, G = self.days, self.n_ports, self.n_crossings, self.n_regions, self.n_orgs, self.n_chem
        shapes = {
            "port_arrived_kg": (T, K), "port_seized_kg": (T, K), "origin_seized_kg": (T,),
            "imported_kg": (T, G), "imported_eq_kg": (T, 2), "synthesized_kg": (T, 2), "finished_in_kg": (T, 2),
            "lab_precursor_kg": (T, 2), "lab_fentanyl_kg": (T, 2), "pills_pressed": (T, 2),
            "dispatched_kg": (T, 2), "crossed_kg": (T, J), "crossing_seized_kg": (T, J),
            "crossing_seized_gross_kg": (T, J), "loads": (T, J, 2), "crossing_seized_pills": (T, J),
            "inland_seized_kg": (T,),
            "mail_sent_kg": (T, 2), "mail_seized_kg": (T, 2), "us_stock_kg": (T, N), "interior_seized_kg": (T,),
            "interior_seized_pills": (T,), "sold_kg": (T, R, N), "revenue_usd": (T, R, N), "wholesale_usd": (T, N),
            "demand_kg": (T, R), "deaths": (T, R), "exhibits": (T, R), "pill_price": (T, R),
            "price_china": (T,), "pill_mg": (T,), "price_mexico": (T,), "price_us_wholesale": (T,), "lab_raids": (T,),
            "lab_seized_kg": (T,), "cartel_source_share": (T, 2, 2), "route_eq_kg": (T, G),
        }
        self.a = {k: np.zeros(s) for k, s in shapes.items()}

    def __getitem__(self, key: str) -> np.ndarray:
        return self.a[key]
