"""``export`` and ``import``: our datasets to and from formats other AML tools read."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import typer
from rich.markup import escape

from counterflow.cli.output import claim, console, emit_json, err_console, progress_bar

export_app = typer.Typer(help="Write a dataset in a format other AML tools read.",
                         no_args_is_help=True)
import_app = typer.Typer(help="Read another tool's data into a Counterflow dataset.",
                         no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.add_typer(export_app, name="export")
    app.add_typer(import_app, name="import")


def _bars(quiet: bool, json_out: bool) -> bool:
    # Only on a terminal: piped, a finished Rich progress display leaves a stray blank line on
    # stderr, before the one-line error a script reads.
    return not (quiet or json_out) and err_console.is_terminal


def _report(doc: dict[str, Any], json_out: bool, line: str) -> None:
    if json_out:
        emit_json(doc)
    else:
        console.print(line)


@export_app.command("amlworld")
def export_amlworld_cmd(
    path: Path = typer.Argument(..., help="Dataset directory."),
    out: Path = typer.Option(..., "--out", "-o", help="CSV file to write."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing file."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Transactions as an AMLworld-style CSV (Timestamp, From Bank, Account, ... Is Laundering)."""
    from counterflow.dataset.amlworld import AMLWORLD_CSV, export_amlworld
    from counterflow.dataset.reader import open_dataset

    t0 = time.perf_counter()
    with claim(out, kind="file", overwrite=overwrite, inputs=[path], replaceable=AMLWORLD_CSV), \
            open_dataset(path) as ds, progress_bar(enabled=_bars(quiet, json_out)) as progress:
        rows = export_amlworld(ds, out, overwrite=overwrite, progress=progress)
    seconds = time.perf_counter() - t0
    doc = {"format": "amlworld", "file": str(out), "rows": rows, "seconds": round(seconds, 2),
           "rows_per_second": round(rows / max(seconds, 1e-9))}
    _report(doc, json_out, f"wrote {rows:,} transactions to [bold]{escape(str(out))}[/bold] "
            f"in {doc['seconds']} s ({doc['rows_per_second']:,} rows/s)")


@export_app.command("ftm")
def export_ftm_cmd(
    path: Path = typer.Argument(..., help="Dataset directory."),
    out: Path = typer.Option(..., "--out", "-o", help="JSON-lines file to write."),
    no_payments: bool = typer.Option(False, "--no-payments",
                                     help="Only parties and accounts, no Payment entities."),
    limit_payments: int | None = typer.Option(
        None, "--limit-payments", min=0, help="Write only the first N payments (by time)."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing file."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Parties, accounts and payments as FollowTheMoney entities (JSON lines)."""
    from counterflow.dataset.ftm import PARTS, export_ftm
    from counterflow.dataset.reader import open_dataset
    from counterflow.files import JSON_LINES

    include = tuple(p for p in PARTS if not (no_payments and p == "payments"))
    t0 = time.perf_counter()
    with claim(out, kind="file", overwrite=overwrite, inputs=[path], replaceable=JSON_LINES), \
            open_dataset(path) as ds, progress_bar(enabled=_bars(quiet, json_out)) as progress:
        counts = export_ftm(ds, out, include=include, limit_payments=limit_payments,
                            overwrite=overwrite, progress=progress)
    seconds = time.perf_counter() - t0
    total = sum(counts.values())
    doc = {"format": "ftm", "file": str(out), "entities": counts, "total": total,
           "seconds": round(seconds, 2)}
    per = ", ".join(f"{k} {v:,}" for k, v in counts.items())
    _report(doc, json_out, f"wrote {total:,} entities ({per}) to [bold]{escape(str(out))}[/bold] "
            f"in {doc['seconds']} s")


@import_app.command("amlworld")
def import_amlworld_cmd(
    file: Path = typer.Argument(..., help="AMLworld-style transactions CSV."),
    out: Path = typer.Option(..., "--out", "-o", help="Dataset directory to write."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing dataset."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """An AMLworld-style CSV as a Counterflow dataset (labels kept when the file has them)."""
    from counterflow.dataset.amlworld import import_amlworld
    from counterflow.dataset.reader import open_dataset
    from counterflow.dataset.writer import replaceable_dataset

    t0 = time.perf_counter()
    with claim(out, kind="dataset", overwrite=overwrite, inputs=[file], replaceable=replaceable_dataset), \
            progress_bar(enabled=_bars(quiet, json_out)) as progress:
        result = import_amlworld(file, out, overwrite=overwrite, progress=progress)
    seconds = time.perf_counter() - t0
    with open_dataset(result) as ds:
        rows = ds.rows("transactions")
        illicit = ds.fetchone("SELECT count(*) FROM transaction_labels WHERE is_illicit")[0]
        doc = {"format": "amlworld", "file": str(file), "dataset": str(result),
               "transactions": rows, "accounts": ds.rows("accounts"), "banks": ds.rows("banks"),
               "labels": ds.manifest.get("labels"), "laundering": illicit,
               "start_date": ds.manifest.get("start_date"),
               "end_date": ds.manifest.get("end_date"),
               "seconds": round(seconds, 2), "rows_per_second": round(rows / max(seconds, 1e-9))}
    labels = f"{illicit:,} laundering" if doc["labels"] else "no labels in the file"
    _report(doc, json_out,
            f"imported {rows:,} transactions ({labels}), {doc['accounts']:,} accounts at "
            f"{doc['banks']:,} banks into [bold]{escape(str(result))}[/bold] in {doc['seconds']} s "
            f"({doc['rows_per_second']:,} rows/s)")


@import_app.command("table")
def import_table_cmd(
    file: Path = typer.Argument(..., help="Transactions file: CSV, or Parquet (.parquet)."),
    mapping: Path = typer.Option(..., "--map", "-m", help="YAML column mapping (see docs/formats.md)."),
    out: Path = typer.Option(..., "--out", "-o", help="Dataset directory to write."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing dataset."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
) -> None:
    """Your own transactions (any CSV or Parquet layout, by a column mapping) as a Counterflow dataset."""
    from counterflow.dataset.reader import open_dataset
    from counterflow.dataset.tabular import import_table, load_mapping
    from counterflow.dataset.writer import replaceable_dataset

    t0 = time.perf_counter()
    with claim(out, kind="dataset", overwrite=overwrite, inputs=[file, mapping], replaceable=replaceable_dataset):
        m = load_mapping(mapping)
        with progress_bar(enabled=_bars(quiet, json_out)) as progress:
            result = import_table(file, m, out, overwrite=overwrite, progress=progress)
    seconds = time.perf_counter() - t0
    with open_dataset(result) as ds:
        rows = ds.rows("transactions")
        illicit = ds.fetchone("SELECT count(*) FROM transaction_labels WHERE is_illicit")[0]
        doc = {"format": ds.manifest.get("source"), "file": str(file), "dataset": str(result),
               "transactions": rows, "accounts": ds.rows("accounts"), "banks": ds.rows("banks"),
               "labels": ds.manifest.get("labels"), "illicit": illicit,
               "start_date": ds.manifest.get("start_date"), "end_date": ds.manifest.get("end_date"),
               "seconds": round(seconds, 2), "rows_per_second": round(rows / max(seconds, 1e-9))}
    labels = f"{illicit:,} labeled illicit" if doc["labels"] else "no label column mapped"
    _report(doc, json_out,
            f"imported {rows:,} transactions ({labels}), {doc['accounts']:,} accounts at "
            f"{doc['banks']:,} banks into [bold]{escape(str(result))}[/bold] in {doc['seconds']} s")
