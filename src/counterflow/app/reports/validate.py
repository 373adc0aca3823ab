"""A structural XML validator: required elements, their order and counts, and value patterns.

The official schemas (FinCEN's SAR batch XSD, UNODC's goAML XSD) cannot be downloaded at run
time and are not shipped here, so each report module declares the structure its public
specification requires as a small tree of :class:`El`; :func:`check` walks a document against it
and lists every error with its path. It checks what the declarations say (presence, order of the
declared children, counts, patterns, allowed values, attributes) and nothing else; it is not a
full XSD validation.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field


@dataclass(frozen=True)
class El:
    name: str
    min: int = 1
    max: int | None = 1                     # None: unbounded
    children: tuple[El, ...] = ()
    pattern: str | None = None              # the text must match (fully)
    values: tuple[str, ...] | None = None   # or be one of these
    max_len: int | None = None
    attrs: dict[str, str] = field(default_factory=dict)   # attribute -> pattern (required)
    choice: tuple[tuple[str, ...], ...] = ()               # exactly one of each group must be present
    text: bool = False                      # has text content (leaf)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def check(root: ET.Element, spec: El) -> list[str]:
    errors: list[str] = []
    if _local(root.tag) != spec.name:
        return [f"/{_local(root.tag)}: the root element must be {spec.name}"]
    _walk(root, spec, f"/{spec.name}", errors)
    return errors


def _walk(node: ET.Element, spec: El, path: str, errors: list[str]) -> None:
    for attr, pat in spec.attrs.items():
        v = node.get(attr)
        if v is None:
            errors.append(f"{path}: attribute {attr} is required")
        elif not re.fullmatch(pat, v):
            errors.append(f"{path}: attribute {attr}={v!r} does not match {pat}")
    if spec.text or spec.pattern or spec.values or spec.max_len:
        value = (node.text or "").strip()
        if not value:
            errors.append(f"{path}: must not be empty")
        elif spec.pattern and not re.fullmatch(spec.pattern, value):
            errors.append(f"{path}: {value[:40]!r} does not match {spec.pattern}")
        elif spec.values and value not in spec.values:
            errors.append(f"{path}: {value[:40]!r} is not one of {', '.join(spec.values)}")
        elif spec.max_len and len(value) > spec.max_len:
            errors.append(f"{path}: longer than {spec.max_len:,} characters")
    kids = list(node)
    names = [_local(k.tag) for k in kids]
    declared = {c.name for c in spec.children}
    for group in spec.choice:
        present = [g for g in group if g in names]
        if len(present) != 1:
            errors.append(f"{path}: needs exactly one of {', '.join(group)}" + (f" (has {', '.join(present)})"
                                                                                 if present else ""))
    in_choice = {g for group in spec.choice for g in group}
    for c in spec.children:
        n = names.count(c.name)
        if c.name not in in_choice and n < c.min:
            errors.append(f"{path}: {c.name} is required" if c.min == 1 else
                          f"{path}: needs at least {c.min} {c.name}, has {n}")
        if c.max is not None and n > c.max:
            errors.append(f"{path}: at most {c.max} {c.name}, has {n}")
    if spec.children:
        for n in names:
            if n not in declared:
                errors.append(f"{path}: unexpected element {n}")
        order = [c.name for c in spec.children]
        seen = [order.index(n) for n in names if n in declared]
        if seen != sorted(seen):
            errors.append(f"{path}: children out of order (expected {', '.join(o for o in order if o in names)})")
    counts: dict[str, int] = {}
    by_name = {c.name: c for c in spec.children}
    for k, n in zip(kids, names):
        if n in by_name:
            counts[n] = counts.get(n, 0) + 1
            _walk(k, by_name[n], f"{path}/{n}[{counts[n]}]", errors)
