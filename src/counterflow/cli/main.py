"""The ``counterflow`` command: assembles the sub-commands and turns library errors into exits."""

from __future__ import annotations

import typer

from counterflow import __version__
from counterflow.cli import app_cmds, dataset_cmds, detect_cmds, exchange_cmds, lab_cmds, screen_cmds, twin_cmds

app = typer.Typer(
    name="counterflow",
    help="Digital twin and detection engine for the fentanyl trafficking and laundering network.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
dataset_cmds.register(app)
exchange_cmds.register(app)
screen_cmds.register(app)
twin_cmds.register(app)
detect_cmds.register(app)
app_cmds.register(app)
lab_cmds.register(app)


def _version(value: bool) -> None:
    if value:
        typer.echo(f"counterflow {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(
        False, "--version", callback=_version, is_eager=True, help="Print the version and exit."
    ),
) -> None:
    """Digital twin and detection engine for the fentanyl trafficking and laundering network."""


def main() -> None:
    """Entry point: library errors become one line on stderr and exit status 2 (cli/output.py)."""
    from counterflow.cli.output import run

    run(app)


if __name__ == "__main__":  # pragma: no cover
    main()
