"""CLI for sanctions screening: ``lists`` (show, fetch, diff, export), ``screen``, ``screen-name``.

Every reporting command prints a Rich table, or with ``--json`` the same content as JSON.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from counterflow.cli.output import claim, lit, row
from counterflow.errors import InputError

_FETCH_OUT_OPT = typer.Option(Path("."), "--out", "-o", help="File or folder to write.")
_EXPORT_OUT_OPT = typer.Option(..., "--out", "-o", help="FollowTheMoney JSON lines file.")
_ID_OPT = typer.Option(None, "--id", help="Identifier: email, passport, crypto address, phone "
                       "(repeatable).")
_PARTIES_ARG = typer.Argument(..., help="Parties: .csv, .parquet, FtM .jsonl or a dataset "
                              "directory.")

lists_app = typer.Typer(help="Sanctions lists: show the loaded lists, fetch, diff, export.",
                        invoke_without_command=True, no_args_is_help=False)


def _emit(data, table: Table | None, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(data, ensure_ascii=False, indent=2))
    elif table is not None:
        Console().print(table)


@lists_app.callback()
def lists_show(ctx: typer.Context,
               as_json: bool = typer.Option(False, "--json", help="Print JSON.")) -> None:
    """Show the shipped lists with their dates and sizes."""
    if ctx.invoked_subcommand is not None:
        return
    from counterflow.screen.lists import available

    rows = available()
    table = Table(title="Sanctions lists")
    for col in ("list_id", "publisher", "published", "entries", "names", "default"):
        table.add_column(col)
    for r in rows:
        table.add_row(*row(*(r[c] for c in ("list_id", "publisher", "published", "entries",
                                            "names", "default"))))
    _emit({"lists": rows}, table, as_json)


@lists_app.command("fetch")
def lists_fetch(
    source: str = typer.Argument(..., help="'ofac-sdn', 'un', or a URL (file:// works)."),
    out: Path = _FETCH_OUT_OPT,
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing list file."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Download the current list from its publisher (needs network access)."""
    from counterflow.screen.lists import describe, fetch, load_list

    dest = fetch(source, out, overwrite=overwrite)
    info = describe(load_list(dest)) | {"path": str(dest)}
    table = Table(title="Fetched list")
    for key in info:
        table.add_column(key)
    table.add_row(*row(*info.values()))
    _emit(info, table, as_json)


@lists_app.command("diff")
def lists_diff(
    old: str = typer.Argument(..., help="Older list: shipped id or file."),
    new: str = typer.Argument(..., help="Newer list: shipped id or file."),
    limit: int = typer.Option(20, help="Ids shown per group in the table view."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Report added, removed and changed entries between two versions of a list."""
    from counterflow.screen.diff import diff_lists
    from counterflow.screen.lists import load_list

    delta = diff_lists(load_list(old), load_list(new))
    data = delta.as_dict()
    table = Table(title=lit(f"{old} -> {new}"))
    table.add_column("change")
    table.add_column("count")
    table.add_column("entries")
    for group in ("added", "removed", "changed"):
        ids = list(data[group])
        shown = ", ".join(ids[:limit]) + (" ..." if len(ids) > limit else "")
        table.add_row(*row(group, len(ids), shown))
    _emit(data, table, as_json)


@lists_app.command("export")
def lists_export(
    list_spec: str = typer.Argument("ofac-sdn-2024-05-03", metavar="LIST"),
    out: Path = _EXPORT_OUT_OPT,
    overwrite: bool = typer.Option(False, "--overwrite", help="Replace an existing file."),
) -> None:
    """Export a list as FollowTheMoney entities (JSON lines)."""
    from counterflow.files import JSON_LINES
    from counterflow.screen.ftm import write_ftm
    from counterflow.screen.lists import load_list

    inputs = [list_spec] if Path(list_spec).exists() else []
    with claim(out, kind="file", overwrite=overwrite, inputs=inputs, replaceable=JSON_LINES, what="FtM file"):
        count = write_ftm(load_list(list_spec), out, overwrite=overwrite)
    typer.echo(f"wrote {count} entities to {out}")


def _screener(lists: list[str] | None, threshold: float | None, floor: float | None):
    from counterflow.screen.index import ScreeningIndex
    from counterflow.screen.lists import DEFAULT_LIST, load_list
    from counterflow.screen.match import ScreenConfig, Screener

    defaults = ScreenConfig()
    th = defaults.threshold if threshold is None else threshold
    fl = min(defaults.floor if floor is None else floor, th)
    try:
        config = ScreenConfig(threshold=th, floor=fl)
    except ValueError as exc:
        raise InputError(str(exc), field="threshold") from exc
    return Screener(ScreeningIndex([load_list(s) for s in (lists or [DEFAULT_LIST])]), config)


def _hits_table(title: str, rows: list[tuple[str, dict]]) -> Table:
    table = Table(title=lit(title))
    for col in ("party", "entry", "matched name", "score", "verdict", "features"):
        table.add_column(col)
    for party, hit in rows:
        entry = hit.get("ent_num", hit.get("entry_id"))
        feats = ", ".join(f"{k} {v:+.2f}" if k not in ("name", "alias") else f"{k} {v:.2f}"
                          for k, v in hit["features"].items())
        table.add_row(*row(party, f"{entry} {hit['entry_name']}", hit["matched_name"],
                           f"{hit['score']:.3f}", hit["verdict"], feats))
    return table


_LIST_OPT = typer.Option(None, "--list", "-l", help="Shipped list id or list file (repeatable);"
                         " default: the newest shipped OFAC SDN snapshot.")
_THRESHOLD_OPT = typer.Option(None, "--threshold", help="Score for verdict 'match' (0.85).")
_FLOOR_OPT = typer.Option(None, "--floor", help="Lowest score reported as 'candidate' (0.70).")


def screen_name(
    name: str = typer.Argument(..., help="Name to screen."),
    dob: str = typer.Option(None, "--dob", help="Date of birth, YYYY-MM-DD."),
    country: str = typer.Option(None, "--country", help="Country of residence (ISO2)."),
    nationality: str = typer.Option(None, "--nationality", help="Nationality (ISO2)."),
    kind: str = typer.Option("unknown", "--kind", help="person, business or unknown."),
    ident: list[str] = _ID_OPT,
    lists: list[str] = _LIST_OPT,
    threshold: float = _THRESHOLD_OPT,
    floor: float = _FLOOR_OPT,
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Screen one name, e.g. counterflow screen-name "Fujing Zheng" --dob 1983-06-11."""
    from counterflow.screen.match import Party

    try:
        birth = date.fromisoformat(dob) if dob else None
    except ValueError as exc:
        raise InputError(f"--dob is not YYYY-MM-DD: {dob!r}", field="dob") from exc
    screener = _screener(lists, threshold, floor)
    hits = [h.as_dict() for h in screener.screen(Party(
        name=name, kind=kind, birth_date=birth, country=country, nationality=nationality,
        identifiers=tuple(ident or ())))]
    _emit({"hits": hits}, _hits_table(f"Screening {name!r}", [(name, h) for h in hits]),
          as_json)


def screen(
    parties: Path = _PARTIES_ARG,
    lists: list[str] = _LIST_OPT,
    threshold: float = _THRESHOLD_OPT,
    floor: float = _FLOOR_OPT,
    matches_only: bool = typer.Option(False, "--matches-only", help="Only verdict 'match'."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON."),
) -> None:
    """Screen a file of parties (or a dataset's parties) against sanctions lists."""
    from counterflow.screen.parties import read_parties

    screener = _screener(lists, threshold, floor)
    results, rows = [], []
    for party in read_parties(parties):
        hits = [h.as_dict() for h in screener.screen(party)
                if not matches_only or h.verdict == "match"]
        if hits:
            results.append({"party_id": party.party_id, "name": party.name, "hits": hits})
            rows.extend((party.name, h) for h in hits)
    data = {"hits": [h | {"party_id": r["party_id"], "party_name": r["name"]}
                     for r in results for h in r["hits"]]}
    data["hits"].sort(key=lambda h: -h["score"])
    _emit(data, _hits_table(f"Screening {parties}", rows), as_json)


def register(app: typer.Typer) -> None:
    """Add the screening commands to the ``counterflow`` app."""
    app.add_typer(lists_app, name="lists")
    app.command("screen")(screen)
    app.command("screen-name")(screen_name)
