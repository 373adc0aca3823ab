"""``lab report``: one self-contained, offline HTML page from a lab run folder.

Plots are matplotlib figures written as inline SVG with text kept as text, a fixed hash salt for
element ids and no date in the metadata, so the same run folder gives the same bytes. Nothing is
fetched: no scripts, fonts or style sheets from elsewhere. Sections appear for the parts the
folder holds (see :mod:`.store`).
"""

from __future__ import annotations

import html
import io
from pathlib import Path

import numpy as np

from counterflow.errors import InputError
from counterflow.files import atomic_file
from counterflow.lab import series as S
from counterflow.lab.store import read_json

RC = {"svg.hashsalt": "counterflow-lab", "svg.fonttype": "none", "font.size": 9, "axes.spines.top": False,
      "axes.spines.right": False}
CSS = """body{font-family:system-ui,sans-serif;max-width:1000px;margin:2em auto;color:#222;line-height:1.4}
table{border-collapse:collapse;margin:0.6em 0;font-size:0.85em}td,th{border:1px solid #ccc;padding:2px 6px;
text-align:right}th{background:#f3f3f3}td:first-child,th:first-child{text-align:left}.ok{color:#1a7f37}
.no{color:#c62828}h2{border-bottom:1px solid #ddd;margin-top:1.6em}.note{color:#555;font-size:0.9em}"""


def _svg(fig) -> str:  # noqa: ANN001 - a matplotlib Figure
    import matplotlib.pyplot as plt

    buf = io.StringIO()
    fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": "counterflow"})
    plt.close(fig)
    text = buf.getvalue()
    return text[text.index("<svg"):]


def _fig(w: float = 7.5, h: float = 3.0):  # noqa: ANN202
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=(w, h))


def _e(x: object) -> str:
    return html.escape(str(x))


def _num(x: float | None, pct: bool = False) -> str:
    if x is None:
        return "-"
    if pct:
        return f"{x:+.1%}" if abs(x) < 10 else f"{x:+.0%}"
    return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"


def _table(header: list[str], rows: list[list[str]]) -> str:
    h = "".join(f"<th>{_e(c)}</th>" for c in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in r) + "</tr>" for r in rows)
    return f"<table><tr>{h}</tr>{body}</table>"


def _yes(b: bool) -> str:
    return '<span class="ok">yes</span>' if b else '<span class="no">no</span>'


def _calibration(run: Path) -> str:
    import pyarrow.parquet as pq

    doc = read_json(run / "calibration.json")
    sc = doc["scores"]
    series = S.load()
    parts = ["<h2>Calibration and held-out years</h2>",
             f"<p>ABC-SMC on the years up to {sc['fit_until']} ({doc['simulations']} simulations, "
             f"{len(doc['generations'])} generations, tolerances "
             + ", ".join(f"{g['epsilon']:.3f}" for g in doc["generations"])
             + f"); forecast of {sc['held_out_years'][0]}-{sc['held_out_years'][-1]} with the parameters frozen "
             f"({doc['config']['draws']} posterior draws x {doc['config']['seeds']} seeds).</p>"]
    t = pq.read_table(run / "forecast.parquet").to_pydict()
    kind, outcome = np.array(t["kind"]), np.array(t["outcome"])
    year, value = np.array(t["year"]), np.array(t["value"], float)
    held0 = sc["held_out_years"][0]
    for name, sname, label in (("deaths", S.DEATHS, "synthetic-opioid deaths"),
                               ("cbp_seized_lb", S.CBP, "CBP fentanyl seizures (lb, fiscal year)"),
                               ("lethal_dose_share", S.LETHAL, "share of pills with a lethal dose")):
        fig, ax = _fig()
        for k, colour in (("plain", "tab:blue"), ("driven", "tab:orange")):
            m = (kind == k) & (outcome == name) & np.isfinite(value)
            if not m.any():
                continue
            ys = np.unique(year[m])
            q = np.array([np.nanquantile(value[m & (year == y)], [0.05, 0.5, 0.95]) for y in ys])
            if k == "driven":
                sel = ys >= sc["held_out_years"][-1] - 1
                ys, q = ys[sel], q[sel]
            ax.fill_between(ys, q[:, 0], q[:, 2], color=colour, alpha=0.2, lw=0)
            ax.plot(ys, q[:, 1], color=colour, label="twin, driver given" if k == "driven" else "twin (median, 90%)")
        obs = S.values(series, sname)
        if obs:
            ax.plot(list(obs), list(obs.values()), "ko", ms=4, label="public series")
        ax.axvline(held0 - 0.5, color="grey", ls="--", lw=0.8)
        ax.set_title(label)
        ax.legend(fontsize=7, frameon=False)
        parts.append(_svg(fig))
    rows = [["deaths MAPE " + "-".join(str(y) for y in sc["deaths_mape_years"][::len(sc["deaths_mape_years"]) - 1]),
             _num(sc["deaths_mape"] and sc["deaths_mape"] * 100) + " %", "<= 8 %",
             _num((sc["deaths_mape_baselines"].get("persistence") or 0) * 100) + " %",
             _num((sc["deaths_mape_baselines"].get("straight line") or 0) * 100) + " %",
             _yes(sc["deaths_mape"] is not None and sc["deaths_mape"] <= 0.08)],
            [f"90% band coverage ({sc['coverage_points']} points)", _num((sc["coverage_90"] or 0) * 100) + " %",
             ">= 80 %", "-", "-", _yes((sc["coverage_90"] or 0) >= 0.8)]]
    for y, err in sc["cbp_rel_error"].items():
        rows.append([f"CBP FY{y}", f"{err:+.0%}", "±25%", "-", "-", _yes(sc["cbp_within"][y])])
    rows.append(["CBP peak year", _e(sc["cbp_peak_twin"]), _e(sc["cbp_peak_observed"]), "-", "-",
                 _yes(sc["cbp_peak_twin"] == sc["cbp_peak_observed"])])
    for y, err in sc["lethal_error_points"].items():
        rows.append([f"lethal-dose share {y}", f"{err:+.0f} pts", "±10 pts", "-", "-", _yes(sc["lethal_within"][y])])
    if "fall_driven" in sc:
        f = sc["fall_driven"]
        rows.append([f"deaths {sc['held_out_years'][-1]}, driver given", f"{f['median_change']:+.0%}",
                     f"sign of {sc.get('fall_observed', 0):+.0%}", "-", "-", _yes(f["median_change"] < 0)])
    parts.append(_table(["held-out measure", "twin", "target", "persistence", "straight line", "met"], rows))
    parts.append("<h3>Priors and posterior means</h3>")
    pm = doc["posterior_mean"]
    parts.append(_table(["parameter", "prior", "posterior mean", "why"],
                        [[_e(p["parameter"]), _e(p["prior"]), _num(pm.get(p["parameter"])), _e(p["why"])]
                         for p in doc["priors"]]))
    return "".join(parts)


def _event(run: Path) -> str:
    r = read_json(run / "event_2019.json")
    fig, ax = _fig()
    months = np.array(r["months"])
    for key, colour, label in (("price_mexico_usd_kg", "tab:blue", "Mexican wholesale"),
                               ("pill_price_usd", "tab:green", "street pill")):
        q = r[key]
        n = len(q["ratio_median"])
        ax.fill_between(months[:n], q["ratio_p05"], q["ratio_p95"], color=colour, alpha=0.2, lw=0)
        ax.plot(months[:n], q["ratio_median"], color=colour, label=label)
    ax.axhline(1 + r["threshold"], color="grey", ls=":", lw=0.8)
    ax.axvline(2019 + 4 / 12, color="grey", ls="--", lw=0.8)
    ax.set_title("price with / without the May 2019 scheduling")
    ax.legend(fontsize=7, frameon=False)
    rows = []
    for key, label in (("price_mexico_usd_kg", "Mexican wholesale price"), ("pill_price_usd", "street pill price")):
        q = r[key]
        rows.append([f"{label}: months of rise", f"{q['months_above_median']:g}",
                     f"{q['months_above_p05']:g} to {q['months_above_p95']:g}"])
    for key, label in (("deaths_vs_counterfactual", "deaths 12 months vs no scheduling"),
                       ("deaths_vs_pretrend", "deaths 12 months vs pre-trend")):
        q = r[key]
        rows.append([label, _num(q["median"], True), f"{_num(q['p05'], True)} to {_num(q['p95'], True)}"])
    repro = ", ".join(f"{_e(k.replace('_', ' '))}: {_yes(v)}" for k, v in r["reproduced"].items())
    return ("<h2>China's May 2019 scheduling</h2>" + _svg(fig) + _table(["measure", "median", "90% band"], rows)
            + f"<p>Published: a 3-5 month price rise, deaths below trend. Twin: {repro}.</p>")


def _batch(run: Path) -> str:
    from counterflow.cli.lab_cmds import KEY_OUTCOMES

    b = read_json(run / "batch.json")
    names, ref = b["scenarios"], b["reference"]
    fig, ax = _fig(7.5, 0.4 * len(names) + 1.2)
    med = [b["outcomes"][n]["deaths"]["median"] or 0 for n in names]
    lo = [b["outcomes"][n]["deaths"]["p05"] or 0 for n in names]
    hi = [b["outcomes"][n]["deaths"]["p95"] or 0 for n in names]
    ax.barh(range(len(names)), med, xerr=[np.subtract(med, lo), np.subtract(hi, med)], color="tab:blue", alpha=0.7)
    ax.set_yticks(range(len(names)), names)
    ax.set_title(f"deaths {b['period'][0]}-{b['period'][1]} (median, 90% band)")
    rows = []
    for k in KEY_OUTCOMES:
        row = [_e(k)]
        for n in names:
            o = b["outcomes"][n][k]
            row.append(f"{_num(o['median'])} [{_num(o['p05'])}, {_num(o['p95'])}]")
        for n in names[1:]:
            d = b["differences"][n][k]["relative"]
            row.append(f"{_num(d['median'], True)} [{_num(d['p05'], True)}, {_num(d['p95'], True)}]")
        rows.append(row)
    return (f"<h2>Scenarios</h2><p>{b['draws']} draws x {b['seeds']} seeds each; differences paired by draw and "
            f"seed against {_e(ref)}.</p>" + _svg(fig)
            + _table(["outcome", *names, *(f"{n} vs {ref}" for n in names[1:])], rows))


def _sensitivity(run: Path) -> str:
    doc = read_json(run / "sensitivity.json")
    parts = ["<h2>Sensitivity</h2>"]
    if "morris" in doc:
        m = doc["morris"]["indices"]["deaths"]
        names = sorted(m, key=lambda n: m[n]["mu_star"])
        fig, ax = _fig(7.5, 0.25 * len(names) + 1)
        ax.barh(names, [m[n]["mu_star"] for n in names], xerr=[m[n]["mu_star_conf"] for n in names],
                color="tab:purple", alpha=0.7)
        ax.set_title(f"Morris mu* of deaths ({doc['morris']['runs']} runs)")
        parts.append(_svg(fig))
    if "sobol" in doc and doc["sobol"]["indices"].get("deaths"):
        s = doc["sobol"]["indices"]["deaths"]
        names = sorted(s, key=lambda n: s[n]["ST"])
        fig, ax = _fig(7.5, 0.25 * len(names) + 1)
        y = np.arange(len(names))
        ax.barh(y - 0.2, [s[n]["S1"] for n in names], 0.4, xerr=[s[n]["S1_conf"] for n in names], label="S1")
        ax.barh(y + 0.2, [s[n]["ST"] for n in names], 0.4, xerr=[s[n]["ST_conf"] for n in names], label="ST")
        ax.set_yticks(y, names)
        ax.legend(fontsize=7, frameon=False)
        ax.set_title(f"Sobol indices of deaths ({doc['sobol']['runs']} runs, {doc['sobol']['conf_level']:.0%} CI)")
        parts.append(_svg(fig))
    return "".join(parts)


def _plan(run: Path) -> str:
    p = read_json(run / "plan.json")
    names = list(p["plans"])
    fig, ax = _fig(7.5, 0.35 * len(names) + 1.2)
    y = np.arange(len(names))
    tw = [p["plans"][n]["twin_deaths_averted"] for n in names]
    ci = np.array([p["plans"][n]["twin_ci90"] for n in names])
    promised = [p["plans"][n]["promised_deaths_averted"] for n in names]
    ax.barh(y + 0.2, promised, 0.4, color="grey", label="static promise")
    ax.barh(y - 0.2, tw, 0.4, xerr=[np.subtract(tw, ci[:, 0]), np.subtract(ci[:, 1], tw)], color="tab:red",
            label="twin, adapting (90% CI)")
    ax.set_yticks(y, names)
    ax.legend(fontsize=7, frameon=False)
    ax.set_title(f"deaths averted at a budget of {p['budget']:g}")
    rows = [[_e(n), _e(", ".join(q["actions"]) or "-"), f"{q['cost']:g}", _num(q["promised_deaths_averted"]),
             f"{_num(q['twin_deaths_averted'])} [{_num(q['twin_ci90'][0])}, {_num(q['twin_ci90'][1])}]",
             _num(q["adaptation_gap"])] for n, q in p["plans"].items()]
    out = ("<h2>Interdiction plan</h2>" + _svg(fig)
           + _table(["plan", "actions", "cost", "static promise", "twin averted [90% CI]", "adaptation gap"], rows))
    if "twin_vs" in p:
        out += _table(["twin plan vs", "margin", "difference [90% CI]", ">= 15% and CI > 0"],
                      [[_e(n), _num(c["margin"], True) if c["margin"] is not None else "-",
                        f"{_num(c['difference'])} [{_num(c['ci90'][0])}, {_num(c['ci90'][1])}]",
                        _yes(c["beats_by_15pct_ci_excludes_zero"])] for n, c in p["twin_vs"].items()])
    return out


SECTIONS = (("calibration.json", _calibration), ("event_2019.json", _event), ("batch.json", _batch),
            ("sensitivity.json", _sensitivity), ("plan.json", _plan))


def render(run: Path) -> str:
    import matplotlib

    run = Path(run)
    if not run.is_dir():
        raise InputError("not a lab run folder", file=str(run))
    present = [(f, fn) for f, fn in SECTIONS if (run / f).exists()]
    if not present:
        raise InputError("no lab results here (calibration.json, batch.json, plan.json, ...)", file=str(run))
    with matplotlib.rc_context(RC):
        body = "".join(fn(run) for _, fn in present)
    return (f"<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Counterflow policy lab: "
            f"{_e(run.name)}</title><style>{CSS}</style></head><body><h1>Counterflow policy lab</h1>"
            f"<p class=\"note\">Run folder {_e(run.name)}. Self-contained: no network needed.</p>{body}"
            "</body></html>\n")


def write(run: Path, out: Path) -> None:
    text = render(run)
    with atomic_file(out) as tmp:
        tmp.write_text(text, encoding="utf-8")
