"""``simulate``, ``inspect`` and ``schema``: making a dataset and looking inside one."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from counterflow.cli.output import claim, console, emit_json, lit, progress_bar, row


def register(app: typer.Typer) -> None:
    app.command()(simulate)
    app.command()(inspect)
    app.command()(schema)


def simulate(
    out: Path = typer.Option(..., "--out", "-o", help="Dataset directory to write."),
    scenario: str | None = typer.Option(
        None, "--scenario", "-s", help="Scenario file, or a built-in: tiny, default, medium, large, xlarge."
    ),
    seed: int = typer.Option(42, "--seed", help="Random seed; same seed and scenario, same bytes."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing dataset."),
    json_out: bool = typer.Option(False, "--json", help="Print the summary as JSON."),
    quiet: bool = typer.Option(False, "--quiet", "-q", help="No progress bars."),
    workers: int = typer.Option(1, "--workers", "-w", min=0,
                                help="Processes generating the days (0: one per core); same bytes whatever N."),
) -> None:
    """Generate a labeled dataset from a scenario."""
    from counterflow.dataset.reader import open_dataset
    from counterflow.dataset.summary import summarize
    from counterflow.dataset.writer import replaceable_dataset
    from counterflow.render.pipeline import simulate as run
    from counterflow.scenario import load_scenario

    inputs = [scenario] if scenario is not None and Path(scenario).exists() else []
    with claim(out, kind="dataset", overwrite=overwrite, inputs=inputs, replaceable=replaceable_dataset):
        sc, _ = load_scenario(scenario)
        _check_fits(sc, scenario or "default")
        with progress_bar(enabled=not (quiet or json_out)) as progress:
            result = run(sc, seed, out, overwrite=overwrite, progress=progress, workers=workers)
    with open_dataset(result.path) as ds:
        doc = summarize(ds, checksums=False)
    doc["generation"] = {
        "seconds": round(result.seconds, 2),
        "transactions_per_second": round(result.transactions / max(result.seconds, 1e-9)),
    }
    if json_out:
        emit_json(doc)
    else:
        _print_summary(doc)
        console.print(
            f"generated in {doc['generation']['seconds']} s "
            f"({doc['generation']['transactions_per_second']:,} transactions/s)"
        )


# Memory a run holds whatever its length: the population and its context, about 640 bytes a party
# (1.1 million parties: 0.9 GB peak RSS, measured with /usr/bin/time), plus the interpreter, engines and a
# chunk of transactions. Transactions themselves are streamed to disk chunk by chunk.
_BYTES_PER_PARTY = 800
_BASE_BYTES = 512 << 20


def available_memory() -> int | None:
    """Bytes of memory available now (Linux MemAvailable), or None where unknown."""
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError):
        pass
    return None


def _check_fits(sc, source: str) -> None:  # noqa: ANN001 - a Scenario
    """Refuse, before any work, a population that cannot fit in this machine's memory."""
    from counterflow.errors import InputError

    need = _BASE_BYTES + _BYTES_PER_PARTY * (sc.population.persons + sc.population.businesses)
    have = available_memory()
    if have is not None and need > have:
        raise InputError(f"population.persons {sc.population.persons:,} and businesses {sc.population.businesses:,} "
                         f"need about {need / 2**30:.1f} GiB of memory and {have / 2**30:.1f} GiB is available; "
                         "use a smaller population (or a larger machine)", file=source, field="population")


def inspect(
    path: Path = typer.Argument(..., help="Dataset directory."),
    json_out: bool = typer.Option(False, "--json", help="Print the report as JSON."),
    quick: bool = typer.Option(False, "--quick", help="Skip checksums and vocabulary checks."),
    deep: bool = typer.Option(False, "--deep", help="Also check keys and references (scans data)."),
    laundering: bool = typer.Option(
        False, "--laundering", help="Also report the run's laundering: value by typology, cases, fees, a traced case."
    ),
    case: int | None = typer.Option(None, "--case", help="Case to trace with --laundering (default: the largest)."),
    plot: Path | None = typer.Option(None, "--plot", help="With --laundering: write a PNG of value by week and case."),
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing --plot file."),
) -> None:
    """Show what a dataset holds and validate it (exit 1 when invalid)."""
    from contextlib import nullcontext

    from counterflow.dataset.laundering import laundering_report, plot_laundering
    from counterflow.dataset.reader import open_dataset
    from counterflow.dataset.summary import summarize
    from counterflow.files import PNG

    for name, value in (("--case", case), ("--plot", plot)):
        if value is not None and not laundering:
            raise typer.BadParameter(f"{name} needs --laundering", param_hint=name)
    plot_claim = nullcontext() if plot is None else claim(plot, kind="file", overwrite=overwrite, inputs=[path],
                                                          replaceable=PNG, what="plot")
    with plot_claim, open_dataset(path, check=False) as ds, progress_bar(enabled=not json_out) as progress:
        doc = summarize(ds, checksums=not quick, deep=deep, progress=progress)
        if laundering and doc["valid"]:
            try:
                doc["laundering"] = laundering_report(ds, case=case)
            except ValueError as e:
                raise typer.BadParameter(str(e), param_hint="--case") from None
            if plot is not None:
                doc["laundering"]["plot"] = str(plot_laundering(doc["laundering"], plot))
    if json_out:
        emit_json(doc)
    else:
        _print_summary(doc)
        if "laundering" in doc:
            _print_laundering(doc["laundering"])
    if not doc["valid"]:
        raise typer.Exit(1)


def schema(
    markdown: bool = typer.Option(True, "--markdown/--json", help="Markdown page or JSON."),
) -> None:
    """Print the dataset schema (tables, columns, types, vocabularies)."""
    from counterflow.dataset import schema as sch

    if markdown:
        typer.echo(sch.to_markdown())
        return
    emit_json(
        {
            "schema_version": sch.SCHEMA_VERSION,
            "tables": [
                {
                    "name": t.name,
                    "doc": t.doc,
                    "key": t.key,
                    "columns": [
                        {
                            "name": c.name,
                            "type": str(c.type),
                            "nullable": c.nullable,
                            "doc": c.doc,
                            "values": list(c.values) if c.values else None,
                            "references": c.references,
                        }
                        for c in t.columns
                    ],
                }
                for t in sch.TABLES
            ],
        }
    )


def _print_summary(doc: dict) -> None:
    console.print(
        f"[bold]{escape(str(doc['path']))}[/bold]  scenario [cyan]{escape(str(doc.get('scenario')))}[/cyan]  "
        f"seed {doc.get('seed')}  schema {doc.get('schema_version')}  "
        f"counterflow {escape(str(doc.get('counterflow_version')))}  source {escape(str(doc.get('source')))}"
    )
    if "date_range" in doc:
        console.print(f"transactions from {doc['date_range']['first']} to {doc['date_range']['last']}")
    t = Table("table", "rows", "files", title="Tables")
    for name, e in doc["tables"].items():
        t.add_row(*row(name, f"{e['rows']:,}", e["files"]))
    console.print(t)
    if "labels" in doc:
        lt = Table("labels", "rows", "illicit", "rate", title="Ground truth")
        for name, e in doc["labels"].items():
            lt.add_row(*row(name, f"{e['rows']:,}", f"{e['illicit']:,}", f"{e['rate']:.4%}"))
        console.print(lt)
        if doc["typologies"]:
            console.print(lit("typologies: " + ", ".join(f"{k} {v:,}" for k, v in doc["typologies"].items())))
        tt = Table("type", "count", "USD", title="Transactions by type")
        for k, e in doc["transaction_types"].items():
            usd = "" if e["amount_usd"] is None else f"{e['amount_usd']:,.0f}"
            tt.add_row(*row(k, f"{e['count']:,}", usd))
        console.print(tt)
    status = "[green]valid[/green]" if doc["valid"] else "[red]INVALID[/red]"
    console.print(f"{status} ({escape('; '.join(doc['checks']))})")
    for p in doc["problems"]:
        console.print(f"  [red]- {escape(p)}[/red]")


def _print_laundering(rep: dict) -> None:
    t = rep["transactions"]
    console.print(
        f"\n[bold]Laundering[/bold]: {t['illicit']:,} of {t['rows']:,} transactions illicit ({t['rate']:.3%}), "
        f"{t['illicit_usd']:,.0f} of {t['usd']:,.0f} USD moved ({t['illicit_value_rate']:.2%}; a dollar counts "
        "once per leg it passes through)"
    )
    tt = Table("typology", "rows", "USD", "cases", title="Illicit transactions by typology")
    for k, e in rep["typologies"].items():
        tt.add_row(*row(k, f"{e['rows']:,}", f"{e['usd']:,.0f}", e["cases"]))
    console.print(tt)
    ct = Table("case", "organisation", "rows", "cash placed in US", "banked abroad", "to the cartel", "broker fee",
               "typologies", title="Cases (USD)")
    for c in rep["cases"]:
        fee = "" if c["broker_fee_rate"] is None else f"{c['broker_fee_usd']:,.0f} ({c['broker_fee_rate']:.1%})"
        ct.add_row(*row(c["case_id"], c["organisation"] or "", f"{c['rows']:,}", f"{c['cash_placed_us_usd']:,.0f}",
                        f"{c['cash_banked_abroad_usd']:,.0f}", f"{c['delivered_to_cartel_usd']:,.0f}", fee,
                        " ".join(c["typologies"])))
    console.print(ct)
    if rep["roles"]:
        console.print(lit("illicit parties: " + ", ".join(f"{k} {v}" for k, v in rep["roles"].items())))
    tr = rep.get("trace")
    if not tr:
        return
    console.print(
        f"\n[bold]Case {tr['case_id']}[/bold] ({escape(str(tr['organisation'] or 'unknown'))}) traced from transaction "
        f"{tr['start_txn']}: {tr['legs']} legs between {tr['window'][0]} and {tr['window'][1]}"
        + (" (truncated)" if tr["truncated"] else "")
    )
    for i, s in enumerate(tr["steps"], 1):
        console.print(f"{i:>3}. {s['first'][5:16]}–{s['last'][11:16]}  {escape(s['text'])}")
    led = tr["ledger"]
    line = (f"ledger: cash placed {led['cash_placed_usd']:,.0f} USD → to the cartel "
            f"{led['delivered_to_cartel_usd']:,.0f} USD")
    if led["broker_fee_rate"] is not None:
        line += (f" (the broker paid {led['broker_payout_mxn']:,.0f} MXN for {led['broker_cash_usd']:,.0f} USD "
                 f"placed through its mules and couriers and kept {led['broker_fee_usd']:,.0f} USD, "
                 f"{led['broker_fee_rate']:.1%})")
    console.print(lit(line))
    if rep.get("plot"):
        console.print(lit(f"plot written to {rep['plot']}"))
