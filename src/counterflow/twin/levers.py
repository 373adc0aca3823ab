"""Counter-measures compiled into per-day policy arrays.

The scenario's levers (and the public-record history, when asked) become arrays indexed by the
twin's day, so the daily step reads a row instead of interpreting rules. Levers of one kind
compound: two port-inspection multipliers on the same port multiply.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
from pydantic import TypeAdapter

from counterflow.scenario.trafficking import Lever, Trafficking
from counterflow.twin import params as P

_LEVERS = TypeAdapter(list[Lever])


@dataclass(frozen=True)
class Policy:
    """What the counter-measures are on each day (row ``t`` of each array)."""

    scheduled: np.ndarray  # (T, sources, chemicals) bool
    port_inspect: np.ndarray  # (T, ports) share of containers inspected
    scan_share: np.ndarray  # (T, crossings) share of vehicles scanned
    lab_raid: np.ndarray  # (T,) raid chance per lab and day
    mail_inspect: np.ndarray  # (T,) chance a direct parcel is stopped
    canada_inspect: np.ndarray  # (T,) chance a parcel through Canada is stopped
    capacity: np.ndarray  # (T, orgs) capacity left after arrests
    broker_cuts: tuple[tuple[int, float, int], ...]  # (day, share, rewire_days)
    levers: tuple[Lever, ...]


def levers_of(tr: Trafficking) -> tuple[Lever, ...]:
    hist = tuple(_LEVERS.validate_python(list(P.HISTORY))) if tr.history else ()
    return hist + tuple(tr.levers)


def compile_policy(tr: Trafficking, start: dt.date, days: int) -> Policy:
    levers = levers_of(tr)
    T = days
    t = np.arange(T)

    def day(d: dt.date) -> int:
        return max(0, (d - start).days)

    scheduled = np.zeros((T, len(P.SOURCES), len(P.CHEMICALS)), bool)
    port = np.tile(np.array([p.inspect for p in P.MX_PORTS]), (T, 1))
    scan = np.full((T, len(P.CROSSINGS)), P.BASE_SCAN_SHARE)
    raid = np.full(T, P.LAB_RAID_RATE)
    mail = np.full(T, P.MAIL_INSPECT)
    canada = np.full(T, P.CANADA_INSPECT)
    capacity = np.ones((T, len(P.ORGS)))
    cuts = []
    port_keys = [p.key for p in P.MX_PORTS]
    crossing_keys = [c.key for c in P.CROSSINGS]
    for lv in levers:
        d0 = day(lv.start)
        if lv.start - start >= dt.timedelta(days=T):
            continue
        if lv.kind == "schedule_precursors":
            s = P.SOURCES.index(lv.country)
            for c in lv.chemicals:
                scheduled[d0:, s, P.CHEM_NAMES.index(c)] = True
        elif lv.kind == "port_inspection":
            for k in lv.ports:
                port[d0:, port_keys.index(k)] *= lv.multiplier
        elif lv.kind == "land_port_nii":
            cols = [crossing_keys.index(k) for k in lv.crossings] if lv.crossings else list(range(len(P.CROSSINGS)))
            ramp = np.clip((t[d0:] - d0 + 1) / max(lv.ramp_days, 1), 0, 1)[:, None]
            before = scan[d0:, cols]
            scan[d0:, cols] = np.maximum(before, before + (lv.scan_share - before) * ramp)
        elif lv.kind == "lab_raids":
            raid[d0:] *= lv.multiplier
        elif lv.kind == "arrests":
            o = P.ORGS.index(lv.organisation)
            hit = 1 - lv.disruption * np.exp(-(t[d0:] - d0) / lv.recovery_days)
            capacity[d0:, o] *= hit
        elif lv.kind == "mail_inspection":
            mail[d0:] *= lv.multiplier
            if lv.via_canada:
                canada[d0:] *= lv.multiplier
        elif lv.kind == "dismantle_brokers":
            cuts.append((d0, lv.share, lv.rewire_days))
    return Policy(
        scheduled=scheduled,
        port_inspect=np.clip(port, 0, 1),
        scan_share=np.clip(scan, 0, 1),
        lab_raid=np.clip(raid, 0, 1),
        mail_inspect=np.clip(mail, 0, 1),
        canada_inspect=np.clip(canada, 0, 1),
        capacity=capacity,
        broker_cuts=tuple(sorted(cuts)),
        levers=levers,
    )
