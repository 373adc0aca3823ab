"""Every parser a user can feed either loads its input or raises the project's input error (a
CounterflowError: one line naming file, row and field), never anything else, within a memory bound,
and leaves nothing half-written. Inputs are valid files broken at random (bytes cut, doubled,
replaced or inserted from an alphabet of troublemakers: quotes, separators, new lines, bad UTF-8,
zero-width characters, YAML anchors) and, where it helps, values drawn by structure.

Hypothesis runs derandomized and without a database, so CI sees the same examples every run.
"""

from __future__ import annotations

import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from counterflow.dataset.amlworld import import_amlworld
from counterflow.dataset.tabular import import_table, load_mapping
from counterflow.errors import CounterflowError
from counterflow.scenario import parse_scenario
from counterflow.scenario.loader import builtin_path
from counterflow.screen.ofac import load_ofac_csv
from counterflow.screen.parties import read_parties
from counterflow.screen.un import load_un_xml
from tests.reliability.inputs import aml_bytes
from tests.screen.conftest import FIXTURES

PROFILE = settings(max_examples=25, deadline=None, derandomize=True, database=None,
                   suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture,
                                          HealthCheck.data_too_large])
MEMORY_BOUND = 64 << 20  # Python-level peak per example; the inputs are a few kilobytes

TROUBLE = [b'"', b",", b"\n", b"\r\n", b"\x00", b"\xff", b"\xc3", b"\xe2\x80\x8b", b"\xc2\xad", b"-", b":",
           b"/", b"[", b"]", b"&a", b"*a", b"{", b"}", b"<", b">", b"0000", b"9999", b"1e999", b"-1", b"02/30",
           b"'", b"\t", b"\\", b"%", b"!!python/object", b"[/bold]", b"\x1a", b" ", b"null", b"~"]


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few random edits."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["cut", "insert", "replace", "double", "truncate"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        j = min(len(data), i + draw(st.integers(1, 40)))
        if op == "cut":
            del data[i:j]
        elif op == "insert":
            data[i:i] = draw(st.sampled_from(TROUBLE)) * draw(st.integers(1, 3))
        elif op == "replace":
            data[i:j] = draw(st.binary(min_size=0, max_size=8)) if draw(st.booleans()) else draw(
                st.sampled_from(TROUBLE))
        elif op == "double":
            data[i:i] = data[i:j]
        else:
            del data[i:]
    return bytes(data)


def loads_or_input_error(fn: Callable[[], object]) -> None:
    """Run ``fn``: it returns, or raises a CounterflowError with a one-line message; memory is bounded."""
    tracemalloc.start()
    try:
        fn()
    except CounterflowError as exc:
        assert str(exc) and "\n" not in str(exc).rstrip("\n"), repr(exc)
        assert ".tmp-" not in str(exc) and ".stage-" not in str(exc), str(exc)  # never a hidden file's name
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    assert peak < MEMORY_BOUND, f"peak {peak / 2**20:.0f} MiB"


def only_inputs_left(folder: Path, inputs: set[str]) -> None:
    """After a refused import, nothing half-written: no output, no temporary folders or lock files."""
    left = {p.name for p in folder.iterdir()}
    assert left <= inputs | {"ds"}, left
    if "ds" in left:  # an import that succeeded is a whole dataset
        assert (folder / "ds" / "manifest.json").exists()


def fresh(tmp_path: Path, name: str) -> Path:
    """A new empty folder per example (the test's tmp_path lives across examples)."""
    d = tmp_path / name
    i = 0
    while d.exists():
        i += 1
        d = tmp_path / f"{name}-{i}"
    d.mkdir()
    return d


# --- scenario YAML and column mappings --------------------------------------------------------------

TINY = builtin_path("tiny").read_bytes()
SCENARIO_KEYS = ["name", "start_date", "days", "population", "persons", "businesses", "banks", "US", "MX",
                 "trafficking", "laundering", "levers", "kind", "start", "output", "residence", "behaviour"]
YAML_VALUES = st.one_of(st.integers(-10**12, 10**12), st.floats(allow_nan=True), st.booleans(), st.none(),
                        st.sampled_from(["2024-02-30", "0000-01-01", "9999-12-31", "2024-01-01", "US", "", "[/bold]"]),
                        st.text(max_size=12))


@PROFILE
@given(mutated(TINY))
def test_scenario_yaml_mutated(text: bytes) -> None:
    loads_or_input_error(lambda: parse_scenario(text.decode("utf-8", "replace"), "broken.yaml"))


@PROFILE
@given(st.recursive(YAML_VALUES, lambda inner: st.one_of(
    st.lists(inner, max_size=4), st.dictionaries(st.sampled_from(SCENARIO_KEYS), inner, max_size=4)), max_leaves=20))
def test_scenario_yaml_by_structure(doc: object) -> None:
    import yaml

    text = yaml.safe_dump({"name": "x", **doc} if isinstance(doc, dict) else doc)
    loads_or_input_error(lambda: parse_scenario(text, "drawn.yaml"))


MAPPING = (b"columns:\n  timestamp: t\n  src_account: a\n  dst_account: b\n  amount: x\n  label: y\n"
           b"timestamp_format: \"%Y-%m-%d %H:%M\"\ncurrency: USD\nchannel_values: {SEPA: ACH}\n"
           b"label_positive: [\"1\", \"yes\"]\n")


@PROFILE
@given(mutated(MAPPING))
def test_mapping_file_mutated(tmp_path: Path, data: bytes) -> None:
    p = fresh(tmp_path, "m") / "map.yaml"
    p.write_bytes(data)
    loads_or_input_error(lambda: load_mapping(p))


# --- AMLworld and mapped CSV, mapped Parquet ---------------------------------------------------------

AML_SEED = aml_bytes(40)  # most edits land in the rows, not the header


@settings(PROFILE, max_examples=20)
@given(mutated(AML_SEED))
def test_amlworld_csv_mutated(tmp_path: Path, data: bytes) -> None:
    d = fresh(tmp_path, "a")
    (d / "tx.csv").write_bytes(data)
    loads_or_input_error(lambda: import_amlworld(d / "tx.csv", d / "ds"))
    only_inputs_left(d, {"tx.csv"})


TABLE_CSV = (b"t,a,b,x,y\n2024-01-01 10:00,A1,B1,10.5,1\n2024-01-02 11:00,\"A,2\",B1,3,0\n"
             b"2024-01-03 12:30,A3,\"B\n3\",0.01,yes\n")


@settings(PROFILE, max_examples=20)
@given(mutated(TABLE_CSV))
def test_mapped_csv_mutated(tmp_path: Path, data: bytes) -> None:
    d = fresh(tmp_path, "t")
    (d / "tx.csv").write_bytes(data)
    (d / "map.yaml").write_bytes(MAPPING)
    loads_or_input_error(lambda: import_table(d / "tx.csv", load_mapping(d / "map.yaml"), d / "ds"))
    only_inputs_left(d, {"tx.csv", "map.yaml"})


ARROW_TYPES = [pa.string(), pa.int64(), pa.float64(), pa.bool_(), pa.timestamp("ms"), pa.date32(),
               pa.list_(pa.string()), pa.struct([("k", pa.int32())]), pa.binary(), pa.decimal128(10, 2),
               pa.large_string(), pa.null(), pa.timestamp("s")]


@st.composite
def parquet_tables(draw: st.DrawFn) -> pa.Table:
    n = draw(st.integers(0, 4))
    cols = {}
    for name in ("t", "a", "b", "x", "y"):
        typ = draw(st.sampled_from(ARROW_TYPES))
        if pa.types.is_string(typ) or pa.types.is_large_string(typ):
            values = draw(st.lists(st.one_of(st.none(), st.sampled_from(
                ["2024-01-01", "2024-02-30 10:00", "0000-01-01", "x", "", "1e999", "-3", "7"]), st.text(max_size=5)),
                min_size=n, max_size=n))
        elif pa.types.is_integer(typ):
            values = draw(st.lists(st.one_of(st.none(), st.integers(-2**62, 2**62)), min_size=n, max_size=n))
        elif pa.types.is_floating(typ):
            values = draw(st.lists(st.one_of(st.none(), st.floats()), min_size=n, max_size=n))
        elif pa.types.is_timestamp(typ):
            values = draw(st.lists(st.one_of(st.none(), st.integers(-2**40, 2**40)), min_size=n, max_size=n))
            cols[name] = pa.array(values, pa.int64()).cast(typ)
            continue
        elif pa.types.is_date(typ):
            values = draw(st.lists(st.one_of(st.none(), st.integers(-700_000, 2_900_000)), min_size=n, max_size=n))
            cols[name] = pa.array(values, pa.int32()).cast(typ)
            continue
        else:
            cols[name] = pa.nulls(n, typ) if draw(st.booleans()) or not pa.types.is_list(typ) else pa.array(
                [["a"]] * n, typ)
            continue
        cols[name] = pa.array(values, typ)
    return pa.table(cols)


@settings(PROFILE, max_examples=20)
@given(parquet_tables())
def test_mapped_parquet_by_structure(tmp_path: Path, table: pa.Table) -> None:
    d = fresh(tmp_path, "p")
    pq.write_table(table, d / "tx.parquet")
    (d / "map.yaml").write_bytes(MAPPING.replace(b'timestamp_format: "%Y-%m-%d %H:%M"\n', b""))
    loads_or_input_error(lambda: import_table(d / "tx.parquet", load_mapping(d / "map.yaml"), d / "ds"))
    only_inputs_left(d, {"tx.parquet", "map.yaml"})


# --- sanctions lists, parties files, FtM lines -------------------------------------------------------

SDN = (FIXTURES / "ofac-2024" / "sdn.csv").read_bytes()
UN = (FIXTURES / "un" / "UN_consolidated.xml").read_bytes()


@PROFILE
@given(mutated(SDN))
def test_ofac_csv_mutated(tmp_path: Path, data: bytes) -> None:
    p = fresh(tmp_path, "o") / "sdn.csv"
    p.write_bytes(data)
    loads_or_input_error(lambda: load_ofac_csv(p))


@PROFILE
@given(mutated(UN))
def test_un_xml_mutated(tmp_path: Path, data: bytes) -> None:
    p = fresh(tmp_path, "u") / "un.xml"
    p.write_bytes(data)
    loads_or_input_error(lambda: load_un_xml(p))


PARTIES_CSV = (b"party_id,kind,name,birth_date,country,nationality,email,phone,tax_id,identifiers\n"
               b"1,person,Fujing Zheng,1983-06-11,CN,CN,a@b.c,+86 1,,P123;X9\n2,business,\"Acme, S.A.\",,MX,,,,,\n")


@PROFILE
@given(mutated(PARTIES_CSV))
def test_parties_csv_mutated(tmp_path: Path, data: bytes) -> None:
    p = fresh(tmp_path, "c") / "parties.csv"
    p.write_bytes(data)
    loads_or_input_error(lambda: read_parties(p))


FTM_VALUES = st.one_of(st.none(), st.text(max_size=8), st.integers(), st.lists(st.one_of(st.text(max_size=6),
                       st.integers(), st.none()), max_size=3), st.dictionaries(st.text(max_size=3), st.integers(),
                                                                               max_size=2))
FTM_PROPS = ["name", "birthDate", "country", "nationality", "email", "phone", "passportNumber", "jurisdiction"]


@PROFILE
@given(st.lists(st.one_of(
    st.fixed_dictionaries({"id": FTM_VALUES, "schema": st.sampled_from(["Person", "Company", "Payment", 3, None]),
                           "properties": st.one_of(FTM_VALUES, st.dictionaries(st.sampled_from(FTM_PROPS), FTM_VALUES,
                                                                               max_size=5))}),
    FTM_VALUES), max_size=4), st.sampled_from([b"", b"\xff", b"{", b"\n\n"]))
def test_ftm_lines_by_structure(tmp_path: Path, entities: list, tail: bytes) -> None:
    p = fresh(tmp_path, "f") / "parties.jsonl"
    p.write_bytes(b"".join(json.dumps(e).encode() + b"\n" for e in entities) + tail)
    loads_or_input_error(lambda: read_parties(p))


FTM_SEED = (b'{"id": "p1", "schema": "Person", "properties": {"name": ["Fujing Zheng"], "birthDate": ["1983-06-11"], '
            b'"nationality": ["cn"]}}\n{"id": "c1", "schema": "Company", "properties": {"name": "Acme", '
            b'"country": ["mx"]}}\n')


@PROFILE
@given(mutated(FTM_SEED))
def test_ftm_lines_mutated(tmp_path: Path, data: bytes) -> None:
    p = fresh(tmp_path, "g") / "parties.jsonl"
    p.write_bytes(data)
    loads_or_input_error(lambda: read_parties(p))


@pytest.fixture(scope="module", autouse=True)
def _warm(tmp_path_factory: pytest.TempPathFactory) -> None:
    """Load each seed once before memory is traced: lazy one-time tables (Chinese commercial codes,
    name folding) are the package's, not the input's."""
    d = tmp_path_factory.mktemp("warm")
    (d / "sdn.csv").write_bytes(SDN)
    load_ofac_csv(d / "sdn.csv")
    load_un_xml(FIXTURES / "un" / "UN_consolidated.xml")
    (d / "p.jsonl").write_bytes(FTM_SEED)
    read_parties(d / "p.jsonl")
    parse_scenario(TINY.decode(), "tiny")


# --- known answers beside the properties --------------------------------------------------------------

def test_ftm_name_given_as_a_string_is_one_name_not_its_letters(tmp_path: Path) -> None:
    p = tmp_path / "p.jsonl"
    p.write_bytes(FTM_SEED)
    names = [party.name for party in read_parties(p)]
    assert names == ["Fujing Zheng", "Acme"]
    p.write_text('{"schema": "Person", "properties": {"name": 7}}\n')
    with pytest.raises(CounterflowError, match="row 1, field 'name': property 'name' must be a list of strings"):
        read_parties(p)
