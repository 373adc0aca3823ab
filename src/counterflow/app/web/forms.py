"""Reading and checking form input: every field is validated here or by the domain functions."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import Request

from counterflow.app.errors import AppError


async def form(request: Request) -> Any:
    return await request.form()


def text(f: Any, name: str, *, required: bool = False, max_len: int = 5000) -> str:
    v = f.get(name)
    v = v.strip() if isinstance(v, str) else ""
    if required and not v:
        raise AppError(f"{name}: required")
    if len(v) > max_len:
        raise AppError(f"{name}: at most {max_len:,} characters")
    return v


def integer(value: Any, name: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise AppError(f"{name}: {value!r} is not a whole number") from None


def ids(f: Any, name: str) -> list[int]:
    out = []
    for v in f.getlist(name):
        for part in str(v).replace(",", " ").split():
            out.append(integer(part, name))
    return out


def date(value: str, name: str) -> dt.datetime:
    try:
        return dt.datetime.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        raise AppError(f"{name}: {value!r} is not a date (YYYY-MM-DD)") from None


def choice(value: str, name: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise AppError(f"{name}: choose one of {', '.join(allowed)}")
    return value
