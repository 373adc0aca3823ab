"""A bounded loopback load test of a running app: analysts sign in, page through the queue and
cases, and race for the same alerts.

Used by ``bench/app_bench.py`` (timings) and the tests (no lost or duplicated claims). It only
talks to the base URL it is given, which the callers keep on loopback; every loop is bounded in
count, and every request in time.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

TIMEOUT_S = 30.0


def sign_in(base: str, name: str, password: str) -> httpx.Client:
    if not base.startswith(("http://127.", "http://localhost", "http://[::1]")):
        raise ValueError("the load test talks to loopback addresses only")
    c = httpx.Client(base_url=base, timeout=TIMEOUT_S, follow_redirects=False)
    token = re.search(r'name="csrf" value="([^"]+)"', c.get("/login").text).group(1)
    r = c.post("/login", data={"name": name, "password": password, "csrf": token})
    if r.status_code != 303:
        raise RuntimeError(f"{name} could not sign in ({r.status_code})")
    c.csrf = re.search(r'data-csrf="([^"]*)"', c.get("/queue").text).group(1)  # type: ignore[attr-defined]
    return c


def race(clients: list[httpx.Client], path: str) -> list[int]:
    """Every client POSTs ``path`` at the same moment; their status codes, in client order."""
    barrier = threading.Barrier(len(clients))

    def go(c: httpx.Client) -> int:
        barrier.wait(timeout=TIMEOUT_S)
        return c.post(path, data={"csrf": c.csrf}).status_code  # type: ignore[attr-defined]
    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(go, clients))


def next_for_all(clients: list[httpx.Client]) -> list[str | None]:
    """Every client presses "next" at once; the alert each got (None: the queue was empty)."""
    barrier = threading.Barrier(len(clients))

    def go(c: httpx.Client) -> str | None:
        barrier.wait(timeout=TIMEOUT_S)
        r = c.post("/queue/next", data={"csrf": c.csrf})  # type: ignore[attr-defined]
        return r.headers.get("location") if r.status_code == 303 else None
    with ThreadPoolExecutor(len(clients)) as pool:
        return list(pool.map(go, clients))


def page_times(clients: list[httpx.Client], paths: list[str], rounds: int) -> dict[str, Any]:
    """Each client GETs every path ``rounds`` times, all clients at once; per-path median and p95 (ms)."""
    times: dict[str, list[float]] = {p: [] for p in paths}
    errors: list[str] = []
    lock = threading.Lock()

    def go(c: httpx.Client) -> None:
        for _ in range(rounds):
            for p in paths:
                t0 = time.perf_counter()
                try:
                    r = c.get(p)
                    ok = r.status_code == 200
                except httpx.HTTPError as exc:
                    ok, r = False, exc
                dt = (time.perf_counter() - t0) * 1000
                with lock:
                    times[p].append(dt)
                    if not ok:
                        errors.append(f"{p}: {getattr(r, 'status_code', r)}")
    with ThreadPoolExecutor(len(clients)) as pool:
        list(pool.map(go, clients))
    out = {}
    for p, xs in times.items():
        xs.sort()
        out[p] = {"n": len(xs), "median_ms": statistics.median(xs), "p95_ms": xs[max(0, int(0.95 * len(xs)) - 1)]}
    return {"pages": out, "errors": errors}
