"""Registry of sanctions lists: the shipped snapshots, user files, and fetching from publishers.

Shipped snapshots live under ``lists/`` in the package (compressed). ``load_list`` reads any
file a user downloads (OFAC legacy CSV, UN XML), detecting the format from the content.
``fetch`` is the one network action in the package, run only when a user asks for it.
"""

from __future__ import annotations

import logging
import urllib.error
import urllib.request
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

from counterflow.errors import CounterflowError, InputError
from counterflow.files import atomic_file, claim_output
from counterflow.screen.model import SanctionsList
from counterflow.screen.ofac import load_ofac_csv
from counterflow.screen.sources import read_text, resolve
from counterflow.screen.un import load_un_xml

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ShippedList:
    list_id: str
    publisher: str
    published: str  # ISO date or month of the snapshot
    path: str  # relative to the package's lists/ folder
    fmt: str  # 'ofac-csv' or 'un-xml'


SHIPPED: tuple[ShippedList, ...] = (
    ShippedList("ofac-sdn-2024-05-03", "OFAC", "2024-05-03", "ofac-sdn-2024-05-03/sdn.csv",
                "ofac-csv"),
    ShippedList("ofac-sdn-2021-07", "OFAC", "2021-07", "ofac-sdn-2021-07/sdn.csv", "ofac-csv"),
    ShippedList("un-2026-02", "UN", "2026-02-27", "un-2026-02/UN_consolidated.xml", "un-xml"),
)
DEFAULT_LIST = "ofac-sdn-2024-05-03"

# Publishers' addresses for the current lists.
SOURCES = {
    "ofac-sdn": "https://www.treasury.gov/ofac/downloads/sdn.csv",
    "un": "https://scsanctions.un.org/resources/xml/en/consolidated.xml",
}


def _lists_dir() -> Path:
    return Path(str(resources.files("counterflow.screen").joinpath("lists")))


def shipped(list_id: str) -> ShippedList:
    for item in SHIPPED:
        if item.list_id == list_id:
            return item
    known = ", ".join(s.list_id for s in SHIPPED)
    raise InputError(f"unknown list '{list_id}' (shipped lists: {known}; or give a file path)")


@lru_cache(maxsize=8)
def load_shipped(list_id: str = DEFAULT_LIST) -> SanctionsList:
    """Load a shipped snapshot by id (cached: the lists are immutable)."""
    item = shipped(list_id)
    path = _lists_dir() / item.path
    if item.fmt == "ofac-csv":
        lst = load_ofac_csv(path, list_id=item.list_id, published=item.published)
    else:
        lst = load_un_xml(path, list_id=item.list_id)
    return SanctionsList(lst.list_id, lst.publisher, lst.title, lst.published or item.published,
                         f"counterflow:screen/lists/{item.path}", lst.entries, lst.parts)


def detect_format(path: Path) -> str:
    """'ofac-csv' or 'un-xml' from the first bytes of the file."""
    head = read_text(path)[:2000].lstrip()
    if head.startswith("<"):
        if "CONSOLIDATED_LIST" in head:
            return "un-xml"
        raise InputError("XML file is not a UN consolidated list (OFAC XML is not supported; "
                         "use OFAC's sdn.csv)", file=str(path))
    first = head.split("\n", 1)[0]
    if first[:1].isdigit() and first.count(",") >= 11:
        return "ofac-csv"
    raise InputError("not a recognised list file: expected OFAC sdn.csv (legacy CSV) or a UN "
                     "consolidated list XML", file=str(path))


def load_list(spec: str | Path) -> SanctionsList:
    """A shipped list id, or a path to a list file (or a folder holding sdn.csv)."""
    text = str(spec)
    if any(s.list_id == text for s in SHIPPED):
        return load_shipped(text)
    path = Path(text)
    if path.is_dir():
        path = path / "sdn.csv"
    if not path.exists() and not path.with_name(path.name + ".gz").exists():
        known = ", ".join(s.list_id for s in SHIPPED)
        raise InputError(f"no such list file or shipped list (shipped: {known})", file=text)
    path = resolve(path)
    fmt = detect_format(path)
    name = path.name.removesuffix(".gz")
    if fmt == "ofac-csv":
        return load_ofac_csv(path.with_name(name) if path.suffix == ".gz" else path,
                             list_id=f"ofac-sdn:{path.parent.name or name}")
    return load_un_xml(path)


def available() -> list[dict]:
    """Shipped lists with their dates and sizes (entries and names), for ``counterflow lists``."""
    rows = []
    for item in SHIPPED:
        lst = load_shipped(item.list_id)
        rows.append(describe(lst) | {"default": item.list_id == DEFAULT_LIST})
    return rows


def describe(lst: SanctionsList) -> dict:
    return {"list_id": lst.list_id, "publisher": lst.publisher, "published": lst.published,
            "entries": len(lst), "names": sum(len(e.names) for e in lst.entries.values()),
            "source": lst.source}


class FetchError(CounterflowError):
    """The publisher's list could not be downloaded."""


def fetch_target(source: str, dest: Path) -> Path:
    """The file :func:`fetch` writes: ``dest``, or a file named after the source inside folder ``dest``."""
    url = SOURCES.get(source, source)
    dest = Path(dest)
    if dest.is_dir():
        dest = dest / ("UN_consolidated.xml" if source == "un" else Path(url).name or "list")
    return dest


def replaceable_list(path: Path) -> str | None:
    """Why an existing file may not be replaced by a fetched list (None: it may)."""
    try:
        detect_format(path)
    except CounterflowError:
        return "it is not a sanctions list file"
    return None


def fetch(source: str, dest: Path, *, timeout: float = 60.0, overwrite: bool = False) -> Path:
    """Download a list ('ofac-sdn', 'un' or a URL, file:// included) to ``dest``; the result
    is parsed whole before it replaces anything, so a failed, cut or garbled download leaves no
    file. An existing file is replaced only with ``overwrite``, and only if it is a list file."""
    url = SOURCES.get(source, source)
    dest = fetch_target(source, dest)
    with claim_output(dest, kind="file", overwrite=overwrite, replaceable=replaceable_list, what="list file"):
        try:
            with urllib.request.urlopen(url, timeout=timeout) as resp:  # noqa: S310 - user's request
                data = resp.read()
        except (urllib.error.URLError, OSError, ValueError) as exc:
            reason = getattr(exc, "reason", exc)
            raise FetchError(f"cannot fetch {url}: {reason} (no network? download the file by hand "
                             f"and pass its path instead)") from exc
        with atomic_file(dest) as tmp:
            tmp.write_bytes(data)
            try:  # refuse anything that is not a whole list before keeping it
                fmt = detect_format(tmp)
                (load_ofac_csv if fmt == "ofac-csv" else load_un_xml)(tmp)
            except InputError as exc:
                # Named as the download, never as the hidden temporary file it sits in.
                raise InputError(f"the download is not a usable list: {exc.reason}", file=f"{url}",
                                 row=exc.row, field=exc.field) from None
    log.info("fetched %s to %s (%d bytes)", url, dest, len(data))
    return dest
