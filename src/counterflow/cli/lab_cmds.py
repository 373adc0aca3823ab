"""``counterflow lab``: calibration with held-out years, scenario batches, sensitivity, the
interdiction planner and the HTML report (the policy lab, :mod:`counterflow.lab`)."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.table import Table

from counterflow.cli.output import claim, console, emit_json, progress_bar

lab_app = typer.Typer(help="The policy lab: calibrated forecasts, batches, sensitivity, planner.",
                      no_args_is_help=True)

WORKERS = typer.Option(None, "--workers", "-w", help="Parallel processes (default: CPUs, at most 8).")
OUT = typer.Option(Path("lab-run"), "--out", "-o", help="Run folder (created; files replaced atomically).")
OVERWRITE = typer.Option(False, "--overwrite", help="Replace this command's results in the run folder.")


def register(app: typer.Typer) -> None:
    app.add_typer(lab_app, name="lab")


def _claim(path: Path, overwrite: bool):  # noqa: ANN202
    """The CLI's output rule (cli/output.py) for one result file of a run folder: locked while the
    command runs, an existing one kept unless --overwrite, and only a JSON file replaced."""
    from counterflow.files import first_line

    return claim(path, kind="file", overwrite=overwrite, replaceable=first_line(r"\s*[{\[]", "a JSON file"),
                 what="lab result")


def _sections(path: Path) -> set[str]:
    from counterflow.lab.store import read_json

    doc = read_json(path)
    return set(doc) if isinstance(doc, dict) else set()


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
    overwrite: bool = OVERWRITE,
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
    with _claim(out / "calibration.json", overwrite):
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
    overwrite: bool = OVERWRITE,
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
    with _claim(out / "batch.json", overwrite):
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


@lab_app.command("event")
def event_cmd(
    calibration: Path | None = typer.Option(None, "--calibration", "-c",
                                            help="Run folder of `lab calibrate` (draws from its posterior); "
                                                 "default: the twin's own values."),
    draws: int = typer.Option(8, "--draws", help="Posterior draws (with --calibration)."),
    seeds: int = typer.Option(4, "--seeds", help="Seeds per draw."),
    threshold: float = typer.Option(0.05, "--threshold", help="Price ratio above 1 + this counts as a rise."),
    seed: int = typer.Option(42, "--seed", help="Master seed."),
    out: Path = OUT,
    overwrite: bool = OVERWRITE,
    workers: int | None = WORKERS,
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """China's May 2019 class-wide scheduling as a test of the scheduling lever."""
    from counterflow.lab.event import event_study
    from counterflow.lab.runner import seeds as make_seeds
    from counterflow.lab.store import write_json

    with _claim(out / "event_2019.json", overwrite):
        thetas = _draws(calibration, draws, seed)[0] if calibration else [{}]
        with progress_bar(not quiet and not json_out) as bar:
            res = event_study(thetas, make_seeds(seed, seeds, label=111), threshold=threshold,
                              workers=_workers(workers), progress=bar)
        write_json(out / "event_2019.json", res)
    if json_out:
        emit_json(res)
        return
    t = Table("measure", "median", "90% band", title=f"May 2019 scheduling, {res['runs']} paired runs")
    for key, label in (("price_mexico_usd_kg", "Mexican wholesale price"), ("pill_price_usd", "street pill price")):
        r = res[key]
        t.add_row(f"{label}: peak ratio to no-scheduling", f"{r['peak_ratio_median']:.2f}", "")
        t.add_row(f"{label}: months of rise (> {threshold:.0%})", f"{r['months_above_median']:g}",
                  f"{r['months_above_p05']:g} to {r['months_above_p95']:g}")
    for key, label in (("deaths_vs_counterfactual", "deaths, 12 months, vs no scheduling"),
                       ("deaths_vs_pretrend", "deaths, 12 months, vs own pre-trend")):
        r = res[key]
        t.add_row(label, _pct(r["median"]), f"{_pct(r['p05'])} to {_pct(r['p95'])}")
    console.print(t)
    console.print("published: a 3-5 month price rise, deaths below trend; twin: " + ", ".join(
        f"{k.replace('_', ' ')} {'yes' if v else 'no'}" for k, v in res["reproduced"].items()))


@lab_app.command("sensitivity")
def sensitivity_cmd(
    method: str = typer.Option("morris", "--method", help="morris or sobol."),
    trajectories: int = typer.Option(4, "--trajectories", help="Morris trajectories."),
    base: int = typer.Option(16, "--base", help="Sobol base sample (a power of two)."),
    years: str = typer.Option("2021-2022", "--years", help="Period of whole years."),
    start: str = typer.Option("2016-01-01", "--start", help="First day of each run."),
    params: str | None = typer.Option(None, "--params", help="Comma-separated parameters (default: all)."),
    seed: int = typer.Option(42, "--seed", help="Seed of the sample and of every run."),
    out: Path = OUT,
    overwrite: bool = OVERWRITE,
    workers: int | None = WORKERS,
    json_out: bool = typer.Option(False, "--json", help="Print the indices as JSON."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bar."),
) -> None:
    """Morris screening or Sobol indices (SALib) of the outcomes over the documented parameters."""
    import datetime as dt

    from counterflow.errors import InputError
    from counterflow.lab import sensitivity as SE
    from counterflow.lab.store import read_json, write_json
    from counterflow.scenario.trafficking import Trafficking

    if method not in ("morris", "sobol"):
        raise InputError(f"--method: morris or sobol, not {method!r}")
    period = _parse_years(years)
    try:
        d0 = dt.date.fromisoformat(start)
    except ValueError:
        raise InputError(f"--start: not a date ({start!r})") from None
    names = tuple(p.strip() for p in params.split(",")) if params else None
    tr = Trafficking(start_date=d0)
    end = dt.date(period[1], 12, 31)
    path = out / "sensitivity.json"
    # The file keeps one section per method: only replacing an existing section needs --overwrite.
    adds = path.is_file() and method not in _sections(path)
    with _claim(path, overwrite or adds):
        with progress_bar(not quiet and not json_out) as bar:
            try:
                if method == "morris":
                    res = SE.morris(tr, end, period, trajectories, params=names, seed=seed, workers=_workers(workers),
                                    progress=bar)
                else:
                    res = SE.sobol(tr, end, period, base, params=names, seed=seed, workers=_workers(workers),
                                   progress=bar)
            except ValueError as exc:
                raise InputError(str(exc)) from None
        doc = read_json(path) if path.exists() else {}
        doc[method] = res
        write_json(path, doc)
    if json_out:
        emit_json(res)
        return
    idx = res["indices"]["deaths"]
    if idx is None:
        console.print("deaths did not vary over the sample")
        return
    if method == "morris":
        t = Table("parameter", "mu*", "± conf", "sigma", title=f"Morris, deaths {years}, {res['runs']} runs")
        for n, v in sorted(idx.items(), key=lambda kv: -kv[1]["mu_star"]):
            t.add_row(n, f"{v['mu_star']:,.0f}", f"{v['mu_star_conf']:,.0f}", f"{v['sigma']:,.0f}")
    else:
        t = Table("parameter", "S1", "± conf", "ST", "± conf", title=f"Sobol, deaths {years}, {res['runs']} runs")
        for n, v in sorted(idx.items(), key=lambda kv: -kv[1]["ST"]):
            t.add_row(n, f"{v['S1']:.2f}", f"{v['S1_conf']:.2f}", f"{v['ST']:.2f}", f"{v['ST_conf']:.2f}")
    console.print(t)
    console.print(f"wrote {path} (every outcome)")


@lab_app.command("plan")
def plan_cmd(
    budget: float = typer.Option(100.0, "--budget", "-b", help="Budget (USD millions a year, the costs' unit)."),
    scenario: str | None = typer.Option(None, "--scenario", "-s", help="Scenario (default: baseline)."),
    start: str = typer.Option("2016-01-01", "--start", help="First day of each twin run."),
    act_from: str = typer.Option("2021-01-01", "--from", help="Day the actions start."),
    until: str = typer.Option("2022-12-31", "--until", help="Last day of the judged period."),
    selection_seeds: int = typer.Option(3, "--selection-seeds", help="Seeds the twin plan is chosen on."),
    evaluation_seeds: int = typer.Option(20, "--evaluation-seeds", help="Other seeds every plan is judged on."),
    random_plans: int = typer.Option(3, "--random", help="Random affordable plans."),
    seed: int = typer.Option(42, "--seed", help="Master seed."),
    out: Path = OUT,
    overwrite: bool = OVERWRITE,
    workers: int | None = WORKERS,
    json_out: bool = typer.Option(False, "--json", help="Print the result as JSON."),
    quiet: bool = typer.Option(False, "--quiet", help="No progress bars."),
) -> None:
    """Choose actions under a budget: static min-cut (HiGHS), heuristics and a twin-chosen plan,
    all judged in the twin with adaptation; deaths averted, adaptation gap, margins."""
    import datetime as dt

    from counterflow.errors import InputError
    from counterflow.lab.plan import plan
    from counterflow.lab.store import write_json
    from counterflow.scenario import load_scenario

    try:
        d0, d1, d2 = (dt.date.fromisoformat(x) for x in (start, act_from, until))
    except ValueError as exc:
        raise InputError(f"--start/--from/--until: {exc}") from None
    if not d0 < d1 < d2:
        raise InputError("need --start < --from < --until")
    if budget <= 0:
        raise InputError("--budget must be positive")
    sc, _ = load_scenario(scenario or "baseline")
    tr = sc.trafficking.model_copy(update={"start_date": d0})
    with _claim(out / "plan.json", overwrite):
        with progress_bar(not quiet and not json_out) as bar:
            res = plan(tr, budget, d1, d2, selection_seeds, evaluation_seeds, random_plans, seed,
                       workers=_workers(workers), progress=bar)
        write_json(out / "plan.json", res)
    if json_out:
        emit_json(res)
        return
    t = Table("plan", "actions", "cost", "static supply cut", "promised", "twin averted (90% CI)", "gap",
              title=f"Plans at a budget of {budget:g}, deaths {d1.year}-{d2.year} (no action: "
                    f"{res['deaths_no_action']:,.0f})")
    for n, p in res["plans"].items():
        t.add_row(n, ", ".join(p["actions"]) or "-", f"{p['cost']:g}", _pct(p["static_supply_cut"]),
                  f"{p['promised_deaths_averted']:,.0f}",
                  f"{p['twin_deaths_averted']:,.0f} ({p['twin_ci90'][0]:,.0f} to {p['twin_ci90'][1]:,.0f})",
                  f"{p['adaptation_gap']:,.0f}")
    console.print(t)
    if "twin_vs" in res:
        t2 = Table("twin plan vs", "margin", "difference (90% CI)", ">= 15% and CI > 0",
                   title="Twin-chosen plan against the others")
        for n, c in res["twin_vs"].items():
            t2.add_row(n, _pct(c["margin"]), f"{c['difference']:,.0f} ({c['ci90'][0]:,.0f} to {c['ci90'][1]:,.0f})",
                       "[green]yes[/green]" if c["beats_by_15pct_ci_excludes_zero"] else "[red]no[/red]")
        console.print(t2)
    console.print(f"wrote {out}/plan.json")


@lab_app.command("report")
def report_cmd(
    run: Path = typer.Argument(..., help="Lab run folder."),
    out: Path = typer.Option(Path("report.html"), "--out", "-o", help="HTML file to write."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing report."),
) -> None:
    """One self-contained offline HTML page (plots inline) from a lab run folder."""
    from counterflow.files import first_line
    from counterflow.lab.report import write

    with claim(out, kind="file", overwrite=overwrite, replaceable=first_line(r"(?i)\s*<!doctype html", "an HTML page"),
               what="report"):
        write(run, out)
    console.print(f"wrote {out}")
