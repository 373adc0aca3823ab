"""Counterflow: a digital twin and detection engine for the fentanyl trafficking and laundering network.

The public surface is small: :func:`open_dataset` to read a dataset, :func:`simulate` to write one.
Everything else lives in the domain packages (``world``, ``scenario``, ``render``, ``dataset``, ...).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:  # pragma: no cover
    from counterflow.dataset.reader import Dataset


def open_dataset(path: Any) -> Dataset:
    """Open a dataset directory lazily; see :class:`counterflow.dataset.reader.Dataset`."""
    from counterflow.dataset.reader import open_dataset as _open

    return _open(path)


def simulate(*args: Any, **kwargs: Any) -> Any:
    """Generate a dataset; see :func:`counterflow.render.pipeline.simulate`."""
    from counterflow.render.pipeline import simulate as _simulate

    return _simulate(*args, **kwargs)


__all__ = ["__version__", "open_dataset", "simulate"]
