"""Writing files so that a reader never sees a half-written one.

Every output file goes through :func:`atomic_file`: the work is written to a hidden sibling,
which replaces the target only when the block completes, and is removed when it fails.
(Whole dataset folders use :class:`counterflow.dataset.writer.DatasetWriter`.)
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_file(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; it becomes ``target`` if the block succeeds."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.parent / f".{target.name}.tmp-{uuid.uuid4().hex[:12]}"
    try:
        yield tmp
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)
