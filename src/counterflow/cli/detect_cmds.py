"""``train``, ``detect`` and ``evaluate``: the learned score, alerts, and how good they are."""

from __future__ import annotations

import datetime as dt
import re
import time
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from counterflow.cli.output import claim, console, emit_json, row
from counterflow.errors import InputError

_ENGINE_HELP = "Engine that runs the detection steps: duckdb (in-process, default) or spark (needs the spark extra)."


def _engine(value: str) -> str:
    from counterflow.engine.registry import ENGINE_NAMES

    if value not in ENGINE_NAMES:
        raise InputError(f"unknown engine {value!r}; choose one of {', '.join(ENGINE_NAMES)}", field="--engine")
    return value


def register(app: typer.Typer) -> None:
    app.command()(train)
    app.command()(detect)
    app.command()(evaluate)


_MEMORY_OPT = typer.Option(
    None, "--memory-limit",
    help="Cap the DuckDB engine's memory, e.g. 2GB (default: DuckDB's own, 80% of the machine); "
         "over it, DuckDB spills to disk.")
_MEMORY = re.compile(r"^\s*\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\s*$", re.IGNORECASE)


def _memory(value: str | None) -> str | None:
    if value is not None and not _MEMORY.match(value):
        raise InputError(f"{value!r} is not a memory size (e.g. 2GB, 512MB)", field="--memory-limit")
    return value


_LIST_OPT = typer.Option(
    None, "--list", "-l",
    help="Sanctions list whose matches among the dataset's parties feed the listed-hop features: ofac-sdn, un "
         "(newest shipped snapshot), a shipped list id or a list file; repeatable.")


def _date(value: str | None, option: str) -> dt.datetime | None:
    if value is None:
        return None
    try:
        return dt.datetime.fromisoformat(value)
    except ValueError:
        raise InputError(f"{value!r} is not a date (YYYY-MM-DD)", field=option) from None


def _paths(specs: list[str] | None) -> list[str]:
    """The ones of ``specs`` that name files (the others are shipped list ids)."""
    return [s for s in specs or [] if Path(s).exists()]


def _model_file(path: Path) -> str | None:
    """Why an existing file may not be replaced by ``train --model`` (None: it is a model file)."""
    from counterflow.files import first_line

    return first_line(r'\{"format": "counterflow-model"', "a Counterflow model file")(path)


def _labels(path: Path | None):  # type: ignore[no-untyped-def]
    if path is None:
        return None
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        t = pq.read_table(path)
    except (OSError, pa.ArrowInvalid) as exc:
        raise InputError(f"not a Parquet labels table ({exc})", file=str(path)) from exc
    for col in ("txn_id", "is_illicit"):
        if col not in t.column_names:
            raise InputError(f"labels need columns txn_id and is_illicit; {col} is missing", file=str(path), field=col)
    return t.select(["txn_id", "is_illicit"]).cast(pa.schema([("txn_id", pa.int64()), ("is_illicit", pa.bool_())]))


def train(
    data: Path = typer.Argument(..., help="Dataset directory or AMLworld-style CSV."),
    until: str = typer.Option(..., "--until", help="Train on transactions before this date."),
    validate_until: str | None = typer.Option(
        None, "--validate-until", help="Set the threshold on transactions from --until to this date."),
    model: Path = typer.Option(..., "--model", help="Model file to write (JSON)."),
    budget: float = typer.Option(0.005, "--budget", help="Alert budget: share of transactions flagged."),
    engine: str = typer.Option("duckdb", "--engine", help=_ENGINE_HELP),
    budget_alerts: int | None = typer.Option(
        None, "--budget-alerts", min=0,
        help="Alert budget as a count: the threshold gives at most N model alerts over the validation period "
             "(instead of --budget)."),
    threshold: str = typer.Option(
        "budget", "--threshold",
        help="Threshold rule: 'budget' (--budget or --budget-alerts) or 'best-f1' (best F1 on the validation period)."),
    lists: list[str] | None = _LIST_OPT,
    memory_limit: str | None = _MEMORY_OPT,
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing model file."),
    labels: Path | None = typer.Option(
        None, "--labels", help="Labels (Parquet: txn_id, is_illicit) that replace the dataset's ground truth where "
                               "they name a transaction, e.g. the web app's dispositions export."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
) -> None:
    """Train the learned score (LightGBM on windowed features) with a temporal split."""
    from counterflow.detect.api import listed_party_ids, open_data
    from counterflow.detect.api import train as run
    from counterflow.detect.features import FeatureBuilder
    from counterflow.detect.model import LightGBMScorer
    from counterflow.files import atomic_file

    engine = _engine(engine)
    if threshold not in ("budget", "best-f1"):
        raise InputError(f"{threshold!r} is not a threshold rule (budget, best-f1)", field="--threshold")
    if threshold == "best-f1" and budget_alerts is not None:
        raise InputError("--budget-alerts is a budget rule: leave it out with --threshold best-f1",
                         field="--threshold")
    until_ts, validate_ts = _date(until, "--until"), _date(validate_until, "--validate-until")
    t0 = time.perf_counter()
    with claim(model, kind="file", overwrite=overwrite, inputs=[data, *_paths(lists), *([labels] if labels else [])],
               replaceable=_model_file, what="model file"):
        with open_data(data, memory_limit=_memory(memory_limit)) as ds:
            listed = listed_party_ids(ds, lists) if lists else None
            scorer = run(ds, until_ts, validate_until=validate_ts,
                         scorer=LightGBMScorer(alert_budget=budget), builder=FeatureBuilder(listed=listed),
                         budget_alerts=budget_alerts, engine=engine, best_f1=threshold == "best-f1",
                         labels=_labels(labels))
        with atomic_file(model) as tmp:
            scorer.save(tmp)
    doc = {"model": str(model), "features": len(scorer.feature_names_), "threshold": scorer.threshold_,
           "threshold_rule": threshold, "alert_budget": budget, "budget_alerts": getattr(scorer, "budget_", None),
           "listed_parties": None if listed is None else listed.num_rows, "versions": scorer.versions_,
           "validation": getattr(scorer, "validation_", None), "seconds": round(time.perf_counter() - t0, 2)}
    if json_out:
        emit_json(doc)
        return
    if threshold == "best-f1":
        b = doc["budget_alerts"]
        rule = f"for the best F1 over the {b['rows']} period ({b['f1']:.3f}, {b['flagged_transactions']:,} flagged)"
    elif budget_alerts is None:
        rule = f"for a budget of {budget:.2%} of transactions"
    else:
        b = doc["budget_alerts"]
        rule = (f"for at most {budget_alerts:,} alerts over the {b['rows']} period "
                f"({b['flagged_alerts']:,} alerts, {b['flagged_transactions']:,} transactions flagged there)")
    console.print(f"trained on {escape(str(data))}: {doc['features']} features, threshold "
                  f"{doc['threshold']:.4f} {rule}, saved to {escape(str(model))} in {doc['seconds']} s")


def detect(
    data: Path = typer.Argument(..., help="Dataset directory or AMLworld-style CSV."),
    model: Path | None = typer.Option(None, "--model", help="Trained model (default: the built-in model)."),
    no_model: bool = typer.Option(False, "--no-model", help="Typology detectors only, no learned score."),
    lists: list[str] | None = _LIST_OPT,
    out: Path = typer.Option(..., "--out", "-o", help="Alerts file to write (Parquet)."),
    start: str | None = typer.Option(None, "--from", help="Only patterns completed from this date."),
    end: str | None = typer.Option(None, "--until", help="Only patterns completed before this date."),
    cases: bool = typer.Option(False, "--cases", help="One alert per case: connected flagged accounts merged."),
    budget_alerts: int | None = typer.Option(None, "--budget-alerts", min=0,
                                             help="Alert budget as a count: keep the N highest-ranked alerts."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace existing alerts."),
    engine: str = typer.Option("duckdb", "--engine", help=_ENGINE_HELP),
    memory_limit: str | None = _MEMORY_OPT,
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    show: int = typer.Option(10, "--show", help="Alerts to print."),
) -> None:
    """Find alerts: typology detectors with evidence, plus the learned score (the built-in model unless
    --model or --no-model)."""
    from counterflow.detect.alerts import evidence_path, write_alerts
    from counterflow.detect.api import detect as run
    from counterflow.detect.api import listed_party_ids, open_data
    from counterflow.detect.model import LightGBMScorer, load_builtin
    from counterflow.files import PARQUET, check_output

    engine = _engine(engine)
    if no_model and model is not None:
        raise InputError("give --model or --no-model, not both", field="--no-model")
    start_ts, end_ts = _date(start, "--from"), _date(end, "--until")
    inputs = [data, model, *_paths(lists)]
    t0 = time.perf_counter()
    # Checked before any work: the alerts file and the evidence file beside it, locked as one.
    with claim(out, kind="file", overwrite=overwrite, inputs=inputs, replaceable=PARQUET, what="alerts file"):
        check_output(evidence_path(out), kind="file", overwrite=overwrite, inputs=inputs, replaceable=PARQUET,
                     what="evidence file")
        scorer = None if no_model else LightGBMScorer.load(model) if model is not None else load_builtin()
        with open_data(data, memory_limit=_memory(memory_limit)) as ds:
            listed = listed_party_ids(ds, lists) if lists else None
            alerts, evidence = run(ds, scorer=scorer, start=start_ts, end=end_ts,
                                   cases=cases, budget_alerts=budget_alerts, listed=listed, engine=engine)
        _write_pair(alerts, evidence, out, write_alerts)
    rows = alerts.to_pylist()
    by_det: dict[str, int] = {}
    for a in rows:
        for d in a["detectors"]:
            by_det[d] = by_det.get(d, 0) + 1
    doc = {"alerts_file": str(out), "alerts": len(rows), "evidence_rows": evidence.num_rows,
           "by_detector": dict(sorted(by_det.items())), "seconds": round(time.perf_counter() - t0, 2),
           "grouping": "cases" if cases else "accounts", "budget_alerts": budget_alerts,
           "model": None if no_model else str(model) if model is not None else "built-in",
           "listed_parties": None if listed is None else listed.num_rows,
           "top": [{k: a[k] for k in ("alert_id", "subject_account", "accounts", "score", "typologies", "reason")}
                   for a in rows[:show]]}
    if json_out:
        emit_json(doc)
        return
    console.print(f"{len(rows):,} alerts written to {escape(str(out))} in {doc['seconds']} s "
                  f"({', '.join(f'{k} {v}' for k, v in doc['by_detector'].items()) or 'no detector fired'})")
    t = Table("alert", "account", "score", "typologies", "reason", title="Top alerts")
    for a in doc["top"]:
        t.add_row(*row(a["alert_id"], a["subject_account"], f"{a['score']:.3f}", ",".join(a["typologies"]),
                       a["reason"]))
    console.print(t)


def _write_pair(alerts, evidence, out: Path, write_alerts) -> None:  # noqa: ANN001 - tables and a writer
    """Alerts and evidence replaced as one unit: both written in a hidden folder, then moved under a
    journal (counterflow.files.commit_files); a run that dies between the two moves is completed by
    the next run into the same place, so the pair is never left mismatched."""
    import shutil

    from counterflow.detect.alerts import evidence_path
    from counterflow.files import commit_files, make_temp_dir, pending_commit

    tmp = make_temp_dir(out, "pair")
    try:
        write_alerts(alerts, evidence, tmp / out.name, overwrite=True)
        commit_files([(evidence_path(tmp / out.name), evidence_path(out)), (tmp / out.name, out)], out)
    finally:
        if not pending_commit(out):  # a journal left by a failed move still needs the staged files
            shutil.rmtree(tmp, ignore_errors=True)


def evaluate(
    alerts: Path = typer.Argument(..., help="Alerts file written by detect."),
    data: Path = typer.Option(..., "--data", help="The labeled dataset directory or AMLworld-style CSV."),
    start: str | None = typer.Option(None, "--from", help="Evaluate transactions from this date (test period)."),
    memory_limit: str | None = _MEMORY_OPT,
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Score alerts against ground truth: F1, precision, recall, value recall, per typology."""
    from counterflow.detect.alerts import read_alerts
    from counterflow.detect.api import open_data
    from counterflow.evaluate import evaluate as run

    table = read_alerts(alerts)
    with open_data(data, memory_limit=_memory(memory_limit)) as ds:
        doc = run(table, ds, start=_date(start, "--from"))
    if json_out:
        emit_json(doc)
        return
    tx, ac, cs = doc["transactions"], doc["accounts"], doc["cases"]
    t = Table("level", "precision", "recall", "F1", "value recall", "support", title="Detection quality")
    t.add_row("transactions", f"{tx['precision']:.3f}", f"{tx['recall']:.3f}", f"{tx['f1']:.3f}",
              f"{tx['value_recall']:.3f}", f"{tx['true_positives'] + tx['false_negatives']:,} illicit")
    t.add_row("accounts", f"{ac['precision']:.3f}", f"{ac['recall']:.3f}", f"{ac['f1']:.3f}", "",
              f"{ac['illicit_accounts']:,} illicit")
    t.add_row("cases", "", f"{cs['recall']:.3f}", "", "", f"{cs['cases']:,} cases")
    sh = doc["shipments"]
    t.add_row("shipments", f"{sh['precision']:.3f}", f"{sh['recall']:.3f}", f"{sh['f1']:.3f}", "",
              f"{sh['illicit_shipments']:,} illicit, {sh['flagged_shipments']:,} flagged")
    for code, m in doc["typologies"].items():
        t.add_row(f"typology {code}", f"{m['precision']:.3f}", f"{m['recall']:.3f}", f"{m['f1']:.3f}",
                  f"{m['value_recall']:.3f}", f"{m['support']:,} illicit, {m['flagged']:,} flagged")
    console.print(t)
    pa_ = ", ".join(f"top {k}: {v:.3f}" for k, v in doc["precision_at_budget"].items())
    console.print(f"{doc['alerts']:,} alerts; account precision at budget: {pa_}")
    ttd = cs["time_to_detect_hours"]
    if ttd["median"] is not None:
        console.print(f"time to detect: median {ttd['median']:.1f} h, max {ttd['max']:.1f} h "
                      f"({cs['detected']} of {cs['cases']} cases detected)")
