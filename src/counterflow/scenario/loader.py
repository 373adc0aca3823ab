"""Reading scenario files: YAML in, a validated :class:`Scenario` out, or an error that names the
file, the line, the key and what would have been allowed.
"""

from __future__ import annotations

import typing
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ValidationError

from counterflow.errors import InputError
from counterflow.scenario.model import Scenario

M = typing.TypeVar("M", bound=BaseModel)

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
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"cannot read scenario file: {exc}", file=spec_s) from exc
        source = spec_s
    scenario = parse_scenario(text, source)
    return scenario, canonical_yaml(scenario)


def canonical_yaml(scenario: Scenario) -> str:
    return yaml.safe_dump(scenario.model_dump(mode="json"), sort_keys=False, allow_unicode=True)


def parse_scenario(text: str, source: str = "<scenario>") -> Scenario:
    return parse_yaml_model(text, Scenario, source, what="a scenario file")


def parse_yaml_model(text: str, model: type[M], source: str, *, what: str = "the file") -> M:
    """YAML text validated by a pydantic model; errors name the file, line, key and allowed keys."""
    try:
        data = yaml.safe_load(text)
        lines = _key_lines(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f"line {mark.line + 1}: " if mark is not None else ""
        raise InputError(f"{line}not valid YAML ({getattr(exc, 'problem', exc)})", file=source) from exc
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
        loc = tuple(err["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        line = _nearest_line(lines, loc)
        where = f"line {line}, " if line else ""
        msg = err["msg"]
        if err["type"] == "extra_forbidden":
            allowed = _allowed_keys(model, loc[:-1])
            msg = "unknown key" + (f"; allowed keys: {', '.join(allowed)}" if allowed else "")
        elif err["type"] == "literal_error" and len(loc) >= 2 and loc[-1] == "[key]":
            key = ".".join(str(p) for p in loc[:-2] + (loc[-2],))
            msg = f"unknown country code {loc[-2]!r}; {msg}"
        elif "input" in err and err["type"] != "missing" and not isinstance(err["input"], (dict, list)):
            msg = f"{msg} (got {err['input']!r})"
        parts.append(f"{where}key '{key}': {msg}")
    return ("invalid scenario: " if model is Scenario else f"invalid {what}: ") + "; ".join(parts)


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


def _key_lines(text: str) -> dict[tuple, int]:
    """Map each key path in the YAML document to its 1-based line number."""
    out: dict[tuple, int] = {}
    root = yaml.compose(text)

    def walk(node: Any, path: tuple) -> None:
        if isinstance(node, yaml.MappingNode):
            for k, v in node.value:
                p = path + (k.value,)
                out[p] = k.start_mark.line + 1
                walk(v, p)
        elif isinstance(node, yaml.SequenceNode):
            for i, v in enumerate(node.value):
                out[path + (i,)] = v.start_mark.line + 1
                walk(v, path + (i,))

    if root is not None:
        walk(root, ())
    return out


def _nearest_line(lines: dict[tuple, int], loc: tuple) -> int | None:
    loc = tuple(p for p in loc if p != "[key]")
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return None
