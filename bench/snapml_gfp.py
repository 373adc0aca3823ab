"""IBM Snap ML's Graph Feature Preprocessor fed edge by edge: the speed baseline of ``detect_bench.py``.

Run by ``detect_bench.py`` with a Python that has ``snapml`` (never a project dependency), e.g.
``python3 -m venv snapenv && snapenv/bin/pip install snapml``, then
``python bench/detect_bench.py --snapml-python snapenv/bin/python``. It needs only NumPy and Snap ML:

    python bench/snapml_gfp.py EDGES.npy FIRST_OUTPUT_ROW [default|mirror]

``EDGES.npy`` holds float64 rows [edge id, source, target, timestamp (s), amount] in time order.
Rows before ``FIRST_OUTPUT_ROW`` are history (inserted with ``partial_fit`` in one call: no
features are computed for them); every later row is passed to ``transform`` on its own, so its
features see only earlier edges (the fair, look-ahead-free way: BASELINES.md). Presets: ``default``
is Snap ML's default configuration (fan-in/out and account statistics only), one thread;
``mirror`` enables the patterns Counterflow computes, with its windows: fan, degree and account
statistics over 1 day, scatter-gather over 1 day, temporal cycles over 7 days, one thread.
Prints one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time

DAY = 86_400


def params(preset: str) -> dict:
    """``default``: Snap ML's own defaults (fan-in/out and account statistics), one thread;
    ``mirror``: the patterns and windows of Counterflow's features."""
    if preset == "default":
        return {"num_threads": 1}
    if preset != "mirror":
        raise SystemExit(f"unknown preset {preset!r}: default or mirror")
    bins = [2, 3, 4, 5, 6, 8, 10, 15, 20]
    return {
        "num_threads": 1, "time_window": 7 * DAY,
        "vertex_stats": True, "vertex_stats_tw": DAY, "vertex_stats_cols": [4],
        "vertex_stats_feats": [0, 1, 2, 3, 4, 5, 6, 8],
        "fan": True, "fan_tw": DAY, "fan_bins": bins,
        "degree": True, "degree_tw": DAY, "degree_bins": bins,
        "scatter-gather": True, "scatter-gather_tw": DAY, "scatter-gather_bins": bins,
        "temp-cycle": True, "temp-cycle_tw": 7 * DAY, "temp-cycle_bins": [2, 3, 4, 5, 6],
        "lc-cycle": False,
    }


def main() -> None:
    import numpy as np
    from snapml import GraphFeaturePreprocessor

    edges = np.load(sys.argv[1])
    first = int(sys.argv[2])
    preset = sys.argv[3] if len(sys.argv) > 3 else "default"
    gfp = GraphFeaturePreprocessor()
    gfp.set_params(params(preset))
    if first > 0:
        gfp.partial_fit(np.ascontiguousarray(edges[:first]))
    out_rows = edges.shape[0] - first
    n_feats = 0
    t0 = time.perf_counter()
    c0 = time.process_time()
    for k in range(first, edges.shape[0]):
        f = gfp.transform(edges[k:k + 1])
        n_feats = f.shape[1] - edges.shape[1]
    cpu = time.process_time() - c0
    wall = time.perf_counter() - t0
    print(json.dumps({"kind": f"snapml_gfp_{preset}", "transactions": out_rows, "seconds": wall, "cpu_seconds": cpu,
                      "features": n_feats, "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


if __name__ == "__main__":
    main()
