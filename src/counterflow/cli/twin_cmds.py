"""``calibrate`` and ``twin compare``: the physical trafficking twin against the public figures,
and two scenarios against each other (adaptation: where the flows went)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import typer
from rich.table import Table

from counterflow.cli.output import claim, console, emit_json, row
from counterflow.errors import InputError
from counterflow.files import PNG, first_line

# What existing outputs must be for --overwrite to replace them.
CALIBRATION_CSV = first_line(r"id,figure,", "a calibration table")

twin_app = typer.Typer(help="The physical trafficking twin.", no_args_is_help=True)


def register(app: typer.Typer) -> None:
    app.command()(calibrate)
    twin_app.command("compare")(compare)
    app.add_typer(twin_app, name="twin")


def _run(scenario: str | None, seed: int):
    from counterflow.scenario import load_scenario
    from counterflow.twin import run_twin

    sc, _ = load_scenario(scenario or "baseline")
    if not sc.trafficking.enabled:
        raise InputError("the scenario switches the trafficking twin off (trafficking.enabled: false)",
                         file=scenario or "baseline")
    return sc, run_twin(sc.trafficking, sc.end_date, seed)


def calibrate(
    scenario: str | None = typer.Option(
        None, "--scenario", "-s", help="Scenario file or built-in (default: baseline)."
    ),
    seed: int = typer.Option(42, "--seed", help="Random seed."),
    out: Path = typer.Option(Path("calibration"), "--out", "-o", help="Folder for calibration.csv and .png."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace calibration.csv and .png in --out."),
    json_out: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
) -> None:
    """Compare a twin run with the public figures (figures.csv); write a table and a plot."""
    from counterflow.files import check_output
    from counterflow.twin.calibrate import compare as compare_figures

    if out.exists() and not out.is_dir():
        raise InputError("the output folder is an existing file; give a folder", file=str(out))
    inputs = [scenario] if scenario is not None and Path(scenario).exists() else []
    with claim(out / "calibration.csv", kind="file", overwrite=overwrite, inputs=inputs,
               replaceable=CALIBRATION_CSV, what="calibration table"):
        check_output(out / "calibration.png", kind="file", overwrite=overwrite, inputs=inputs, replaceable=PNG,
                     what="calibration plot")
        sc, result = _run(scenario, seed)
        rows = compare_figures(result)
        _write(out, rows)
    if json_out:
        emit_json(rows)
        return
    t = Table("id", "figure", "target", "twin", "tolerance", "within", title=f"Calibration of {sc.name}, seed {seed}")
    for r in rows:
        t.add_row(*row(r["id"], r["figure"], f"{r['target']:,.4g}", "-" if r["value"] is None else f"{r['value']:,.4g}",
                       r["tolerance"]), "[green]yes[/green]" if r["within"] else "[red]no[/red]")
    console.print(t)
    console.print(f"{sum(r['within'] for r in rows)} of {len(rows)} within tolerance; wrote {out}/calibration.csv "
                  "and calibration.png")


def _write(out: Path, rows: list[dict]) -> None:
    """Table and plot replaced as one unit: both written in a hidden folder, then moved under a journal
    (counterflow.files.commit_files), so a killed run never leaves a new table beside an old plot; the
    next run into the same place completes a commit cut half way."""
    import csv
    import shutil

    from counterflow.files import commit_files, make_temp_dir, pending_commit

    table = out / "calibration.csv"
    tmp = make_temp_dir(table, "pair")
    try:
        with open(tmp / table.name, "w", newline="", encoding="utf-8") as fh:
            w = csv.DictWriter(fh, fieldnames=["id", "figure", "source", "target", "value", "tolerance", "within"])
            w.writeheader()
            w.writerows(rows)
        _plot(tmp / "calibration.png", rows)
        commit_files([(tmp / "calibration.png", out / "calibration.png"), (tmp / table.name, table)], table)
    finally:
        if not pending_commit(table):  # a journal left by a failed move still needs the staged files
            shutil.rmtree(tmp, ignore_errors=True)


def _plot(path: Path, rows: list[dict]) -> None:
    import math

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ratio = [math.log10(r["value"] / r["target"]) if r["value"] and r["target"] else 0.0 for r in rows]
    fig, ax = plt.subplots(figsize=(8, 0.32 * len(rows) + 1.2))
    colours = ["tab:green" if r["within"] else "tab:red" for r in rows]
    ax.barh(range(len(rows)), ratio, color=colours)
    ax.set_yticks(range(len(rows)), [r["id"] for r in rows], fontsize=7)
    ax.axvline(0, color="black", lw=0.8)
    for x in (-math.log10(2), math.log10(2)):
        ax.axvline(x, color="grey", lw=0.6, ls="--")
    ax.set_xlabel("log10(twin / figure); dashed: factor of 2")
    ax.invert_yaxis()
    fig.tight_layout()
    fig.savefig(path, dpi=110, format="png")
    plt.close(fig)


def compare(
    scenario_a: str = typer.Argument(..., help="First scenario (file or built-in)."),
    scenario_b: str = typer.Argument(..., help="Second scenario."),
    seed: int = typer.Option(42, "--seed", help="Random seed, the same for both runs."),
    since: str | None = typer.Option(None, "--since", help="Start of the compared period (YYYY-MM-DD); "
                                     "default: the first lever of B that A lacks, else 2021-01-01."),
    json_out: bool = typer.Option(False, "--json", help="Print the comparison as JSON."),
) -> None:
    """Run two scenarios with one seed and show where supply, routes and seizures moved."""
    from counterflow.twin.compare import compare as compare_runs

    sa, ra = _run(scenario_a, seed)
    sb, rb = _run(scenario_b, seed)
    if since:
        try:
            start = dt.date.fromisoformat(since)
        except ValueError as exc:
            raise InputError(f"--since: not a date ({since!r})") from exc
    else:
        extra = [lv.start for lv in sb.trafficking.levers if lv not in sa.trafficking.levers]
        start = min(extra) if extra else dt.date(2021, 1, 1)
    rows = compare_runs(ra, rb, start)
    if json_out:
        emit_json({"a": sa.name, "b": sb.name, "seed": seed, "since": start.isoformat(), "measures": rows})
        return
    t = Table("measure", sa.name, sb.name, "change", title=f"{sa.name} vs {sb.name}, seed {seed}, since {start}")
    for r in rows:
        if r["kind"] == "share":
            t.add_row(r["measure"], f"{r['a']:.1%}", f"{r['b']:.1%}", f"{r['change'] * 100:+.1f} pts")
        else:
            ch = "-" if r["change"] is None else f"{r['change']:+.1%}"
            t.add_row(r["measure"], f"{r['a']:,.0f}", f"{r['b']:,.0f}", ch)
    console.print(t)
