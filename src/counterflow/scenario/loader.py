"""Reading scenario files: YAML in, a validated :class:`Scenario` out, or an error that names the
file, the line, the key and what would have been allowed.
"""

from __future__ import annotations

import re
import typing
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from counterflow.errors import InputError
from counterflow.files import read_at_most
from counterflow.scenario.model import Scenario

M = typing.TypeVar("M", bound=BaseModel)

# A scenario or mapping file is a page of settings: anything much larger is not one (or is endless,
# such as /dev/zero), and is refused before it is read into memory.
MAX_BYTES = 1 << 20
# Values in the document once its aliases are expanded: a few thousand in any real file; a "billion
# laughs" document of nested aliases holds exponentially many, and is refused before validation.
MAX_VALUES = 200_000


class _Loader(yaml.SafeLoader):
    """Safe YAML without implicit timestamps: a date stays text for the model to check, so that
    2024-02-30 is an error naming the key and its line instead of a crash inside the YAML parser."""


_Loader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def _load(text: str) -> Any:
    loader = _Loader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def read_bounded(path: Path, what: str, limit: int = MAX_BYTES) -> str:
    """The text of a small UTF-8 settings file; refuses a larger (or endless) one without reading it all."""
    try:
        with open(path, "rb") as fh:
            raw = read_at_most(fh, limit + 1)
    except OSError as exc:
        raise InputError(f"cannot read the {what} ({exc.strerror or exc})", file=str(path)) from None
    if len(raw) > limit:
        raise InputError(f"the {what} is larger than {limit // 1024} KiB; it cannot be one", file=str(path))
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise InputError(f"the {what} is not UTF-8 text (byte {exc.start + 1})", file=str(path), row=line) from None

BUILTIN_SCENARIOS: tuple[str, ...] = (
    "tiny", "default", "medium", "large", "xlarge",
    "baseline", "china-schedules-4ap", "manzanillo-x10", "brokers-dismantled", "bank-cutoff", "hi", "li",
)


def builtin_path(name: str) -> Any:
    return resources.files("counterflow.scenario") / "builtin" / f"{name}.yaml"


def load_scenario(spec: str | Path | None = None) -> tuple[Scenario, str]:
    """Load a scenario by built-in name or file path; returns (scenario, canonical YAML text).

    The canonical text (re-dumped from the validated model) is what the manifest records, so the
    same scenario gives the same manifest however its file was formatted.
    """
    if spec is None:
        spec = "default"
    spec_s = str(spec)
    if spec_s in BUILTIN_SCENARIOS and not Path(spec_s).exists():
        text = builtin_path(spec_s).read_text(encoding="utf-8")
        source = f"built-in scenario '{spec_s}'"
    else:
        path = Path(spec_s)
        if not path.exists():
            raise InputError(
                f"no such scenario file; built-in scenarios are: {', '.join(BUILTIN_SCENARIOS)}",
                file=spec_s,
            )
        if path.is_dir():
            raise InputError("is a directory, not a scenario file", file=spec_s)
        text = read_bounded(path, "scenario file")
        source = spec_s
    scenario = parse_scenario(text, source)
    return scenario, canonical_yaml(scenario)


def canonical_yaml(scenario: Scenario) -> str:
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    return parse_yaml_model(text, Scenario, source, what="a scenario file")


def parse_yaml_model(text: str, model: type[M], source: str, *, what: str = "the file") -> M:
    """YAML text validated by a pydantic model; errors name the file, line, key and allowed keys."""
    if len(text) > MAX_BYTES:
        raise InputError(f"{what} is larger than {MAX_BYTES // 1024} KiB; it cannot be one", file=source)
    try:
        root = yaml.compose(text, Loader=_Loader)
        lines = _key_lines(root)  # also refuses a document that expands beyond MAX_VALUES
        data = _load(text) if root is not None else None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        pos = getattr(exc, "position", None)  # a reader error: a character YAML does not allow
        line = (f"line {mark.line + 1}: " if mark is not None
                else f"line {text[:pos].count(chr(10)) + 1}: " if isinstance(pos, int) else "")
        raise InputError(f"{line}not valid YAML ({getattr(exc, 'problem', exc)})", file=source) from None
    except _TooBig as exc:
        raise InputError(str(exc), file=source) from None
    except RecursionError:
        raise InputError("not valid YAML: nested too deeply", file=source) from None
    except ValueError as exc:  # a value the YAML constructors reject (e.g. a huge number in exponent form)
        raise InputError(f"not valid YAML ({exc})", file=source) from None
    if not isinstance(data, dict):
        raise InputError(f"{what} must be a mapping of keys to values", file=source)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise InputError(_describe(exc, lines, model, what), file=source) from None


def _describe(exc: ValidationError, lines: dict[tuple, int], model: type[BaseModel] = Scenario,
              what: str = "a scenario file") -> str:
    parts = []
    for err in exc.errors():
        raw = tuple(err["loc"])
        loc = _user_path(raw, lines)
        key = ".".join(str(p) for p in loc) or "(top level)"
        line = _nearest_line(lines, loc)
        where = f"line {line}, " if line else ""
        msg = err["msg"].removeprefix("Value error, ")
        named = _NAMED_KEY.match(msg)
        if err["type"] == "value_error" and named:
            # A check across keys says which key it is about: point at that one, where the user wrote it.
            sub = tuple(int(p) if p.isdigit() else p for p in named.group(1).split("."))
            loc = tuple(p for p in loc if p != "[key]") + sub
            key = ".".join(str(p) for p in loc)
            line = _nearest_line(lines, loc)
            where = f"line {line}, " if line else ""
            msg = named.group(2)
        elif err["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, raw[:-1])
            msg = "unknown key" + (f"; allowed keys: {', '.join(allowed)}" if allowed else "")
        elif err["type"] == "literal_error" and len(loc) >= 2 and loc[-1] == "[key]":
            key = ".".join(str(p) for p in loc[:-2] + (loc[-2],))
            msg = f"unknown country code {loc[-2]!r}; {msg}"
        elif "input" in err and err["type"] != "missing" and not isinstance(err["input"], (dict, list)):
            msg = f"{msg} (got {err['input']!r})"
        parts.append(f"{where}key '{key}': {msg}")
    return ("invalid scenario: " if model is Scenario else f"invalid {what}: ") + "; ".join(parts)


_NAMED_KEY = re.compile(r"^([a-z_][a-z0-9_]*(?:\.[a-z0-9_]+)*): (.*)$", re.S)


def _user_path(loc: tuple, lines: dict[tuple, int]) -> tuple:
    """``loc`` as the user wrote it: without the tag pydantic adds for a member of a tagged union
    (``levers.0.bank_cutoff.start`` is ``levers.0.start`` in the file)."""
    out: tuple = ()
    for i, p in enumerate(loc):
        nxt = loc[i + 1] if i + 1 < len(loc) else None
        if (p != "[key]" and nxt is not None and out + (p,) not in lines and out + (nxt,) in lines
                and isinstance(p, str)):
            continue
        out += (p,)
    return out


def _allowed_keys(model: type[BaseModel], loc: tuple) -> list[str]:
    current: Any = model
    for part in loc:
        if typing.get_origin(current) is typing.Annotated:
            current = typing.get_args(current)[0]
        if isinstance(part, int):  # an item of a list
            args = typing.get_args(current)
            current = args[0] if args else current
            continue
        members = [a for a in typing.get_args(current) if isinstance(a, type) and issubclass(a, BaseModel)]
        tagged = [a for a in members if "kind" in a.model_fields
                  and part in typing.get_args(a.model_fields["kind"].annotation)]
        if tagged:  # the tag pydantic puts in the location of a discriminated union's member
            current = tagged[0]
            continue
        if not (isinstance(current, type) and issubclass(current, BaseModel)):
            return []
        field = current.model_fields.get(str(part))
        if field is None:
            return []
        current = field.annotation
        args = [a for a in typing.get_args(current) if isinstance(a, type)]
        if args and not (isinstance(current, type) and issubclass(current, BaseModel)):
            current = next((a for a in args if issubclass(a, BaseModel)), current)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


class _TooBig(Exception):
    """A document too large once its aliases are expanded."""


def _key_lines(root: Any) -> dict[tuple, int]:
    """Map each key path in the composed YAML document to its 1-based line number; refuses a
    document that holds more than MAX_VALUES values once its aliases are expanded."""
    out: dict[tuple, int] = {}
    stack: list[tuple[Any, tuple]] = [(root, ())] if root is not None else []
    seen = 0
    while stack:  # iterative: a deeply nested document cannot exhaust the call stack
        node, path = stack.pop()
        seen += 1
        if seen > MAX_VALUES:
            raise _TooBig(f"the document holds more than {MAX_VALUES:,} values once its aliases are expanded "
                          "(a YAML bomb?); refused")
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                p = path + (str(k.value),)
                out[p] = k.start_mark.line + 1
                stack.append((v, p))
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                out[path + (i,)] = v.start_mark.line + 1
                stack.append((v, path + (i,)))
    return out


def _nearest_line(lines: dict[tuple, int], loc: tuple) -> int | None:
    loc = tuple(p for p in loc if p != "[key]")
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return None
