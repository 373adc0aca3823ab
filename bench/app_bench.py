"""Web app load benchmark: 20 concurrent analysts over loopback, page times and claim races.

Run: python bench/app_bench.py [--scenario default] [--seed 7] [--analysts 20] [--rounds 5] [--data DIR --alerts FILE]

Generates the scenario's dataset (unless --data), runs detect with the built-in model (unless
--alerts), starts ``counterflow serve`` on 127.0.0.1 in its own process (SQLite case database;
the analysts' clients run in this one, so they do not share the server's interpreter), signs in
the analysts, builds a case per analyst, then (1) every analyst loads the queue, a case page and
an alert page ``rounds`` times, all at once: median and p95 milliseconds per page and errors;
(2) all analysts claim the same alert at once (exactly one must win) and press "next" at once
(each must get a different alert). Wall-clock figures: on a loaded machine they rise with the load.
Target: p95 under 300 ms for the queue and case pages. Requests go to loopback only and every
loop is bounded.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import re
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc): a figure other load
    on the machine does not inflate, unlike wall-clock times."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", default="default")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--data", type=Path)
    ap.add_argument("--alerts", type=Path)
    ap.add_argument("--analysts", type=int, default=20)
    ap.add_argument("--rounds", type=int, default=5)
    args = ap.parse_args()

    import httpx

    from counterflow.app.loadtest import next_for_all, page_times, race, sign_in

    with tempfile.TemporaryDirectory(prefix="cf-app-bench-") as tmp:
        tmp = Path(tmp)
        t0 = time.perf_counter()
        data = args.data
        if data is None:
            from counterflow.render.pipeline import simulate
            from counterflow.scenario import load_scenario

            sc, _ = load_scenario(args.scenario)
            data = simulate(sc, args.seed, tmp / "ds").path
        t_sim = time.perf_counter() - t0
        alerts = args.alerts
        if alerts is None:
            from counterflow.detect.alerts import write_alerts
            from counterflow.detect.api import detect, open_data
            from counterflow.detect.model import load_builtin

            with open_data(data) as ds:
                a, ev = detect(ds, scorer=load_builtin())
            alerts = tmp / "alerts.parquet"
            write_alerts(a, ev, alerts)
        t_detect = time.perf_counter() - t0 - t_sim
        db = tmp / "cases.sqlite"
        password = "bench password 1"
        names = [f"analyst{i}" for i in range(args.analysts)]
        cli = [sys.executable, "-m", "counterflow.cli.main"]
        for n in names:
            subprocess.run([*cli, "users", "add", n, "--role", "analyst", "--db", str(db), "--password-stdin"],
                           input=password + "\n", text=True, check=True, capture_output=True)
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
        sock.close()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen([*cli, "serve", str(data), "--alerts", str(alerts), "--db", str(db),
                                   "--port", str(port)], stdout=subprocess.DEVNULL)
        t1 = time.perf_counter()
        while time.perf_counter() - t1 < 600:
            try:
                if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        t_start = time.perf_counter() - t1
        clients = [sign_in(base, n, password) for n in names]
        try:
            # Each analyst claims the next alert and opens a case on it.
            got = next_for_all(clients)
            cases = []
            for c, loc in zip(clients, got):
                if loc is None:
                    continue
                aid = loc.rsplit("/", 1)[1]
                r = c.post("/cases", data={"csrf": c.csrf, "alert_id": aid})
                cases.append(r.headers["location"])
            pages = ["/queue", cases[0] if cases else "/cases", got[0] or "/queue"]
            cpu0 = _cpu_s(server.pid)
            timing = page_times(clients, pages, args.rounds)
            cpu_ms = (_cpu_s(server.pid) - cpu0) * 1000 / max(1, sum(r["n"] for r in timing["pages"].values()))
            free = re.findall(r'href="/alerts/(\d+)"', clients[0].get("/queue?status=new&assignee=none").text)
            codes = race(clients, f"/alerts/{free[0]}/claim") if free else []
            nexts = [g for g in next_for_all(clients) if g]
        finally:
            for c in clients:
                c.close()
            server.terminate()
            server.wait(30)
        n_alerts = sqlite3.connect(db).execute("SELECT count(*) FROM alerts").fetchone()[0]
    labels = {"/queue": "queue", pages[1]: "case page", pages[2]: "alert page"}
    doc = {"scenario": args.scenario if args.data is None else str(args.data), "alerts": n_alerts,
           "analysts": args.analysts, "rounds": args.rounds,
           "setup_s": {"simulate": round(t_sim, 1), "detect": round(t_detect, 1), "serve_start": round(t_start, 1)},
           "pages": {labels[p]: {k: round(v, 1) if isinstance(v, float) else v for k, v in r.items()}
                     for p, r in timing["pages"].items()},
           "server_cpu_ms_per_page": round(cpu_ms, 2), "errors": len(timing["errors"]),
           "load_average": round(os.getloadavg()[0], 1),
           "claim_race": {"winners": sum(1 for x in codes if x == 303), "refused": sum(1 for x in codes if x == 409)},
           "next_race": {"claimed": len(nexts), "distinct": len(set(nexts))},
           "taken": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
    print(json.dumps(doc, indent=2))
    for name, r in doc["pages"].items():
        print(f"{name:<11} median {r['median_ms']:7.1f} ms   p95 {r['p95_ms']:7.1f} ms   "
              f"(n={r['n']}, target p95 < 300 ms)")
    print(f"server CPU per page {doc['server_cpu_ms_per_page']} ms (all pages; load average {doc['load_average']} "
          f"on {os.cpu_count()} cores)")
    print(f"errors {doc['errors']}; claim race: {doc['claim_race']['winners']} winner, {doc['claim_race']['refused']} "
          f"refused; next race: {doc['next_race']['claimed']} claimed, {doc['next_race']['distinct']} distinct")


if __name__ == "__main__":
    main()
