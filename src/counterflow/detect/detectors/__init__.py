"""Typology detectors: each a few named SQL steps that return evidence rows (see ``base``)."""

from __future__ import annotations

import datetime as dt

import pyarrow as pa

from counterflow.detect.detectors.base import EVIDENCE_SCHEMA, Detector
from counterflow.detect.detectors.cash import FunnelAccount, Structuring
from counterflow.detect.detectors.flows import PassThrough, SupplierPayments
from counterflow.detect.detectors.mirror import MirrorSwap
from counterflow.detect.detectors.shared import SharedIdentifierCluster
from counterflow.detect.detectors.trade import TradeBasedLaundering
from counterflow.engine.pipeline import Engine

__all__ = ["DEFAULT_DETECTORS", "Detector", "EVIDENCE_SCHEMA", "FunnelAccount", "MirrorSwap", "PassThrough",
           "SharedIdentifierCluster", "Structuring", "SupplierPayments", "TradeBasedLaundering", "run_detectors"]

DEFAULT_DETECTORS: tuple[Detector, ...] = (
    Structuring(), FunnelAccount(), SupplierPayments(), PassThrough(), MirrorSwap(), TradeBasedLaundering(),
    SharedIdentifierCluster(),
)


def run_detectors(engine: Engine, lo: dt.datetime, hi: dt.datetime,
                  detectors: tuple[Detector, ...] = DEFAULT_DETECTORS) -> pa.Table:
    """Evidence of every detector for patterns completed in [lo, hi)."""
    names = [det.name for det in detectors]
    if len(set(names)) != len(names):
        raise ValueError(f"detector names must be unique: {names}")
    parts = [det.run(engine, lo, hi) for det in detectors]
    return pa.concat_tables(parts) if parts else EVIDENCE_SCHEMA.empty_table()
