"""``counterflow lab``: calibration with held-out years, scenario batches, sensitivity, the
interdiction planner and the HTML report (the policy lab, :mod:`counterflow.lab`)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from counterflow.cli.output import console, emit_json, progress_bar

lab_app = typer.Typer(help="The policy lab: calibrated forecasts, batches, sensitivity, planner.",
                      no_args_is_help=True)

WORKERS = typer.Option(None, "--workers", "-w", help="Parallel processes (default: CPUs, at most 8).")
OUT = typer.Option(Path("lab-run"), "--out", "-o", help="Run folder (created; files replaced atomically).")


def register(app: typer.Typer) -> None:
    app.add_typer(lab_app, name="lab")


def _workers(n: int | None) -> int:
    from counterflow.lab.runner import default_workers

    return default_workers() if n is None else max(1, n)


def _pct(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


@lab_app.command("calibrate")
def calibrate_cmd(
    fit_until: int = typer.Option(2020, "--fit-until", help="Last year the fit may see."),
    last_year: int = typer.Option(2024, "--last-year", help="Last forecast year."),
    particles: int = typer.Option(24, "--particles", help="ABC particles kept per generation."),
    generations: int = typer.Option(3, "--generations", help="ABC-SMC generations."),
    keep: float = typer.Option(0.25, "--keep", help="Share of each generation's simulations kept."),
    draws: int = typer.Option(24, "--draws", help="Posterior draws in the forecast."),
    seeds: int = typer.Option(2, "--seeds", help="Seeds per draw in the forecast."),
    seed: int = typer.Option(42, "--seed", help="Master seed."),
    series_file: Path | None = typer.Option(None, "--series", help="Series CSV (default: the shipped copy)."),
    out: Path = OUT,
    workers: int | None = WORKERS,
    json_out: bool = typer.Option(False, "--json", help="Print the scores as JSON."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars."),
) -> None:
    """Fit the twin on the years up to --fit-until (ABC-SMC), forecast the rest, score it."""
    from counterflow.errors import InputError
    from counterflow.lab import series as S
    from counterflow.lab.calibrate import CalibrationConfig, calibrate, save
    from counterflow.lab.scoring import score

    if not fit_until < last_year:
        raise InputError(f"--fit-until ({fit_until}) must come before --last-year ({last_year})")
    try:
        cfg = CalibrationConfig(fit_until=fit_until, last_year=last_year, particles=particles,
                                generations=generations, keep=keep, draws=draws, seeds=seeds, seed=seed)
    except ValueError as exc:
        raise InputError(str(exc).splitlines()[-1] if str(exc) else "bad option") from None
    series = S.load(series_file)
    with progress_bar(not quiet and not json_out) as bar:
        cal = calibrate(cfg, series=series, workers=_workers(workers), progress=bar)
    sc = score(cal, series)
    save(cal, sc, out)
    if json_out:
        emit_json(sc)
        return
    _print_scores(sc)
    console.print(f"{cal.fit.simulations} fit simulations, {len(cal.draws)} draws x {len(cal.run_seeds)} seeds "
                  f"forecast; wrote {out}/calibration.json, posterior.parquet, forecast.parquet")


def _print_scores(sc: dict) -> None:
    t = Table("held-out measure", "twin", "target", "persistence", "straight line", "met",
              title=f"Fit until {sc['fit_until']}, scored on {sc['held_out_years'][0]}-{sc['held_out_years'][-1]}")
    ok = "[green]yes[/green]"
    no = "[red]no[/red]"
    tg = sc["targets"]
    b = sc["deaths_mape_baselines"]
    yrs = sc["deaths_mape_years"]
    t.add_row(f"deaths MAPE {yrs[0]}-{yrs[-1]}", _pct(sc["deaths_mape"]), f"<= {tg['deaths_mape_max']:.0%}",
              _pct(b.get("persistence")), _pct(b.get("straight line")),
              ok if sc["deaths_mape"] is not None and sc["deaths_mape"] <= tg["deaths_mape_max"] else no)
    t.add_row(f"90% band coverage ({sc['coverage_points']} points)", _pct(sc["coverage_90"]),
              f">= {tg['coverage_min']:.0%}", "-", "-", ok if (sc["coverage_90"] or 0) >= tg["coverage_min"] else no)
    if "coverage_90_driven" in sc:
        t.add_row("  same, with the last year's driver", _pct(sc["coverage_90_driven"]), "", "-", "-", "")
    cb = sc["cbp_baselines_within"].get("persistence", {})
    for y, err in sc["cbp_rel_error"].items():
        t.add_row(f"CBP seizures FY{y} (error)", f"{err:+.0%}", "±25%", "yes" if cb.get(y) else "no", "n/a",
                  ok if sc["cbp_within"][y] else no)
    t.add_row("CBP peak fiscal year", str(sc["cbp_peak_twin"]), str(sc["cbp_peak_observed"]), "-", "-",
              ok if sc["cbp_peak_twin"] == sc["cbp_peak_observed"] else no)
    for y, err in sc["lethal_error_points"].items():
        t.add_row(f"lethal-dose share {y} (error)", f"{err:+.0f} pts", "±10 pts", "n/a", "n/a",
                  ok if sc["lethal_within"][y] else no)
    if "fall_driven" in sc:
        f, p = sc["fall_driven"], sc["fall_plain"]
        t.add_row(f"deaths {sc['held_out_years'][-1]} vs year before, driver given",
                  f"{f['median_change']:+.0%} ({f['share_falling']:.0%} of runs fall)",
                  f"sign of {sc.get('fall_observed', float('nan')):+.0%}", "0%", "-",
                  ok if f["median_change"] < 0 else no)
        t.add_row("  same, no driver", f"{p['median_change']:+.0%}", "", "", "", "")
    console.print(t)


def _parse_years(text: str) -> tuple[int, int]:
    from counterflow.errors import InputError

    try:
        a, _, b = text.partition("-")
        first, last = int(a), int(b or a)
    except ValueError:
        raise InputError(f"--years: expected YEAR or FIRST-LAST, got {text!r}") from None
    if first > last:
        raise InputError(f"--years: {first} comes after {last}")
    return first, last


def _draws(calibration: Path | None, n: int, seed: int):  # noqa: ANN202
    import numpy as np

    from counterflow.lab.batch import posterior_draws, prior_draws

    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(404,)))
    if calibration is None:
        return prior_draws(n, rng), "prior"
    path = calibration / "posterior.parquet" if calibration.is_dir() else calibration
    return posterior_draws(path, n, rng), str(path)


@lab_app.command("run")
def run_cmd(
    scenarios: list[str] = typer.Argument(..., help="Scenario files or built-ins; the first is the reference."),
    seeds: int = typer.Option(4, "--seeds", help="Seeds per parameter draw."),
    draws: int = typer.Option(8, "--draws", help="Parameter draws."),
    calibration: Path | None = typer.Option(None, "--calibration", "-c",
                                            help="Run folder (or posterior.parquet) of `lab calibrate`; "
                                                 "default: draws from the priors."),
    years: str = typer.Option("2021-2023", "--years", help="Period of whole years the outcomes cover."),
    seed: int = typer.Option(42, "--seed", help="Master seed."),
    out: Path = OUT,
    workers: int | None = WORKERS,
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Run scenarios over parameter draws and seeds; medians, 90% bands and paired differences."""
    import datetime as dt

    from counterflow.errors import InputError
    from counterflow.lab.batch import run_batch, save
    from counterflow.scenario import load_scenario

    period = _parse_years(years)
    if seeds < 1 or draws < 1:
        raise InputError("--seeds and --draws must be at least 1")
    loaded = []
    for s in scenarios:
        sc, _ = load_scenario(s)
        if not sc.trafficking.enabled:
            raise InputError("the scenario switches the trafficking twin off", file=s, field="trafficking.enabled")
        end = max(sc.end_date, dt.date(period[1], 12, 31))
        loaded.append((sc.name, sc.trafficking, end))
    if len({n for n, _, _ in loaded}) < len(loaded):
        raise InputError("two scenarios share a name; give each a distinct `name:`")
    thetas, source = _draws(calibration, draws, seed)
    with progress_bar(not quiet and not json_out) as bar:
        b = run_batch(loaded, thetas, seeds, seed, period, _workers(workers), bar)
    doc = save(b, out)
    doc["draws_from"] = source
    if json_out:
        emit_json(doc)
        return
    _print_batch(doc)
    console.print(f"{len(loaded)} scenarios x {draws} draws ({source}) x {seeds} seeds; wrote {out}/batch.parquet "
                  "and batch.json")


KEY_OUTCOMES = ("deaths", "supply_sold_kg", "seized_border_kg", "seized_mexican_ports_kg", "cbp_seized_lb",
                "price_mexico_usd_kg", "pill_price_usd", "cartel_revenue_usd", "laundering_cmln_wire_usd",
                "laundering_bulk_cash_usd", "broker_fees_usd")


def _fmt(x: float | None) -> str:
    if x is None:
        return "-"
    return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _print_batch(doc: dict) -> None:
    ref = doc["reference"]
    for name in doc["scenarios"]:
        t = Table("outcome", "median", "90% band", *(() if name == ref else (f"change vs {ref}", "90% band")),
                  title=f"{name}, {doc['period'][0]}-{doc['period'][1]}")
        for k in KEY_OUTCOMES:
            o = doc["outcomes"][name][k]
            row = [k, _fmt(o["median"]), f"{_fmt(o['p05'])} to {_fmt(o['p95'])}"]
            if name != ref:
                d = doc["differences"][name][k]["relative"]
                row += [_pct(d["median"]), f"{_pct(d['p05'])} to {_pct(d['p95'])}"]
            t.add_row(*row)
        console.print(t)
