"""The physical trafficking twin: precursors to pills to street, with interdiction and adaptation.

``run_twin(trafficking, end, seed)`` steps the network daily from ``trafficking.start_date`` to
``end`` and returns a :class:`~counterflow.twin.model.TwinResult` (daily series, shipment and
seizure logs, the agent sets). :mod:`counterflow.render.trafficking` turns it into dataset
tables; :mod:`counterflow.twin.calibrate` compares it with public figures.
"""

from counterflow.twin.model import TwinResult, run_twin

__all__ = ["TwinResult", "run_twin"]
