"""Shared CLI plumbing: JSON or Rich output of one report, progress bars, the one output policy of
every writing command (:func:`claim`), and how failures become exit statuses (:func:`run`)."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.text import Text

console = Console(stderr=False)
err_console = Console(stderr=True)


def lit(value: Any) -> Text:
    """User or file text shown as written: ``[/bold]`` in a name is text, not Rich markup."""
    return value if isinstance(value, Text) else Text(str(value))


def row(*values: Any) -> list[Text]:
    """A table row of literal cells (see :func:`lit`)."""
    return [lit(v) for v in values]


def claim(out: Path, *, kind: str, overwrite: bool, inputs: Any = (), replaceable: Any = None,
          what: str = "output") -> Any:
    """The output policy of every command that writes (:func:`counterflow.files.claim_output`):
    lock, clean up after a killed run, refuse an input or an existing target unless ``--overwrite``,
    and replace only a target of the expected kind. Call it before doing any work."""
    from counterflow.files import claim_output

    return claim_output(out, kind=kind, overwrite=overwrite, inputs=inputs, replaceable=replaceable, what=what,
                        report=lambda line: err_console.print(Text(f"note: {line}")))


def run(app: Callable[[], Any]) -> None:
    """Run the CLI: a library error is one line on stderr and exit 2; Ctrl-C exits 130."""
    from counterflow.errors import CounterflowError

    try:
        app()
    except CounterflowError as exc:
        _fail(f"error: {exc}", 2)
    except KeyboardInterrupt:
        _fail("interrupted", 130)
    except SystemExit as exc:
        # Typer turns Ctrl-C outside a DuckDB query into a silent exit 130: say why, as for the others.
        if exc.code == 130 and isinstance(getattr(exc.__context__, "__cause__", None), KeyboardInterrupt):
            _fail("interrupted", 130)
        raise
    except MemoryError:
        _fail("error: out of memory", 2)
    except RuntimeError as exc:
        # DuckDB turns Ctrl-C inside a query into "Query interrupted".
        if "interrupted" in str(exc).lower():
            _fail("interrupted", 130)
        raise
    except OSError as exc:
        where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
        _fail(f"error: {where}{exc.strerror or _first_line(exc)}", 2)
    except Exception as exc:
        # A data file that DuckDB or Arrow cannot read (damaged in the middle, where the part-file check
        # at opening does not look) is the data's fault, not a bug: one line, exit 2.
        if _unreadable_data(exc):
            _fail(f"error: cannot read the data ({_first_line(exc)}); counterflow inspect checks a dataset", 2)
        raise


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _unreadable_data(exc: BaseException) -> bool:
    import duckdb
    import pyarrow as pa

    if isinstance(exc, (duckdb.IOException, duckdb.InvalidInputException)):
        return True
    return isinstance(exc, pa.ArrowInvalid) and any(
        w in str(exc) for w in ("Parquet", "parquet", "magic bytes", "footer", "Couldn't deserialize"))


_HIDDEN = re.compile(r"(^|[/\s])\.([^/]+?)\.(tmp|stage|spill|pair|old)-\w+(/[^\s:,;)'\"]*)?")


def _fail(line: str, status: int) -> None:
    # A temporary name means nothing to a user: name the output it was becoming.
    sys.stderr.write(_HIDDEN.sub(r"\1\2", line) + "\n")
    sys.exit(status)


def emit_json(doc: Any) -> None:
    sys.stdout.write(json.dumps(doc, indent=2, ensure_ascii=False, default=str) + "\n")


@contextmanager
def progress_bar(enabled: bool = True) -> Iterator[Callable[[str, int, int], None]]:
    """A ``progress(stage, done, total)`` callback drawing one bar per stage on stderr."""
    if not enabled:
        yield lambda stage, done, total: None
        return
    with Progress(
        TextColumn("{task.description:<14}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=err_console,
        transient=False,
    ) as bar:
        tasks: dict[str, Any] = {}

        def update(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done, total=total)

        yield update
