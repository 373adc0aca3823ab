"""``export`` and ``import``: our datasets to and from formats other AML tools read."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    pass
