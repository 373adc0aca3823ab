"""The interdiction planner: candidate actions with costs, plans from the static network model
and from heuristics, each judged in the twin (traffickers adapting) over many seeds.

1. A baseline twin run gives the flows of the plan period: cartel imports by source and chemical,
   by Mexican port, loads by land crossing, parcels by route, US sales. They become the static
   network of :mod:`.network` (every layer scaled to the kg sold in the US, so a cut anywhere is
   in the same unit), and each candidate action its static effect on the arcs it hits.
2. Plans at the same budget: the static min-cut MILP (HiGHS), greedy by flow, key players,
   random affordable plans, and a plan chosen *in the twin* (greedy: each round adds the action
   with the most deaths averted per dollar over the selection seeds).
3. Every plan runs in the twin over evaluation seeds distinct from the selection seeds; deaths
   averted are paired by seed against the no-action run. The adaptation gap is what the static
   model promised (its fall in US supply, as deaths) minus what the twin delivered.

Costs are illustrative assumptions (USD millions a year, in ``CATALOGUE``): the reporting gives
no budget figures; what the planner shows is the method and the adaptation gap, not a price list.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

from counterflow.lab.network import Action, Network, greedy_by_flow, key_players, min_cut_plan, random_plan
from counterflow.lab.runner import Job, Progress, run_jobs, seeds
from counterflow.scenario.trafficking import Trafficking
from counterflow.twin import params as P
from counterflow.twin.assumptions import Assumptions
from counterflow.twin.levers import compile_policy
from counterflow.twin.model import run_twin

PORT_MULT, SCAN_SHARE, BROKER_SHARE, MAIL_MULT = 5.0, 0.9, 0.5, 3.0
COST = {"port": 30.0, "crossing": 20.0, "brokers": 60.0, "schedule_cn": 25.0, "schedule_in": 40.0, "mail": 50.0,
        "banks": 40.0}


@dataclass(frozen=True)
class Candidate:
    key: str
    kind: str
    cost: float
    levers: tuple[dict, ...]
    note: str


def catalogue(start: dt.date, chemicals_cn: list[str]) -> list[Candidate]:
    """Every candidate action from ``start``."""
    out = [Candidate(f"inspect_port:{p.key}", "port", COST["port"],
                     ({"kind": "port_inspection", "start": start, "ports": [p.key], "multiplier": PORT_MULT},),
                     f"inspect {PORT_MULT:g} times as many containers at {p.key}") for p in P.MX_PORTS]
    out += [Candidate(f"scan_crossing:{c.key}", "crossing", COST["crossing"],
                      ({"kind": "land_port_nii", "start": start, "crossings": [c.key], "scan_share": SCAN_SHARE},),
                      f"scan {SCAN_SHARE:.0%} of vehicles at {c.key}") for c in P.CROSSINGS]
    out.append(Candidate("dismantle_brokers", "brokers", COST["brokers"],
                         ({"kind": "dismantle_brokers", "start": start, "share": BROKER_SHARE},),
                         f"arrest the largest {BROKER_SHARE:.0%} of the chemical brokers"))
    out += [Candidate(f"schedule_cn:{g}", "schedule_cn", COST["schedule_cn"],
                      ({"kind": "schedule_precursors", "start": start, "country": "CN", "chemicals": [g]},),
                      f"China schedules {g}") for g in chemicals_cn]
    out.append(Candidate("schedule_in", "schedule_in", COST["schedule_in"],
                         ({"kind": "schedule_precursors", "start": start, "country": "IN",
                           "chemicals": list(P.INDIA_OFFERS)},), "India schedules the piperidine precursors"))
    out.append(Candidate("mail_inspection", "mail", COST["mail"],
                         ({"kind": "mail_inspection", "start": start, "multiplier": MAIL_MULT},),
                         f"inspect {MAIL_MULT:g} times as many international parcels"))
    # A laundering lever: it has no arc in the physical network and no lever in the physical twin
    # (the twin has no money-to-supply feedback), so it can avert no deaths here; it stays a
    # candidate so the planner's answer shows that, rather than hiding it.
    out.append(Candidate("cut_off_banks", "banks", COST["banks"], (),
                         "cut off half of the Mexican banks (laundering twin; no physical effect)"))
    return out


@dataclass
class StaticModel:
    network: Network
    candidates: list[Candidate]
    us_supply_kg: float
    deaths: float


def _share(x: np.ndarray) -> np.ndarray:
    t = x.sum()
    return x / t if t > 0 else np.zeros_like(x)


def build_static(tr: Trafficking, start: dt.date, end: dt.date, seed: int,
                 assume: Assumptions | None = None) -> StaticModel:
    """The static network of the period ``start``..``end`` from one baseline run."""
    r = run_twin(tr, end, seed, assume or Assumptions())
    a = (start - r.start).days
    sh, s = r.shipments, r.series
    sea = (sh["mode"] == 0) & (sh["order_day"] >= a)
    by_chem = np.zeros((2, len(P.CHEMICALS)))
    np.add.at(by_chem, (sh["source"][sea].astype(int), sh["chemical"][sea].astype(int)), sh["eq_kg"][sea])
    by_port = np.bincount(sh["port"][sea].astype(int), sh["eq_kg"][sea], len(P.MX_PORTS))
    loads = s["loads"][a:].sum(axis=(0, 2))
    sold = s["sold_kg"][a:].sum(axis=(0, 1))
    f_mx, f_mail = float(sold[:3].sum()), float(sold[3])
    mail = _share(s["mail_sent_kg"][a:].sum(axis=0)) * f_mail
    chem_share = by_chem / max(by_chem.sum(), 1e-12)
    cn_chems = [g for g in range(len(P.CHEMICALS)) if chem_share[0, g] > 1e-4]
    pol = compile_policy(tr, r.start, r.days)
    nodes = ["source"] + [f"CN:{P.CHEM_NAMES[g]}" for g in cn_chems] + ["CN brokers", "IN makers", "shipping"]
    nodes += [f"port:{p.key}" for p in P.MX_PORTS] + ["labs"] + [f"crossing:{c.key}" for c in P.CROSSINGS]
    nodes += ["mail direct", "mail via Canada", "US market"]
    ix = {n: i for i, n in enumerate(nodes)}
    arcs, cap, hit = [], [], {}

    def arc(u: str, v: str, c: float, action: str | None = None) -> None:
        if action:
            hit.setdefault(action, []).append(len(arcs))
        arcs.append((ix[u], ix[v]))
        cap.append(c)

    for g in cn_chems:
        arc("source", f"CN:{P.CHEM_NAMES[g]}", chem_share[0, g] * f_mx, f"schedule_cn:{P.CHEM_NAMES[g]}")
        arc(f"CN:{P.CHEM_NAMES[g]}", "CN brokers", chem_share[0, g] * f_mx)
    arc("source", "IN makers", chem_share[1].sum() * f_mx, "schedule_in")
    arc("CN brokers", "shipping", chem_share[0].sum() * f_mx, "dismantle_brokers")
    arc("IN makers", "shipping", chem_share[1].sum() * f_mx)
    for k, p in enumerate(P.MX_PORTS):
        arc("shipping", f"port:{p.key}", _share(by_port)[k] * f_mx, f"inspect_port:{p.key}")
        arc(f"port:{p.key}", "labs", _share(by_port)[k] * f_mx)
    for j, c in enumerate(P.CROSSINGS):
        arc("labs", f"crossing:{c.key}", _share(loads)[j] * f_mx)
        arc(f"crossing:{c.key}", "US market", _share(loads)[j] * f_mx, f"scan_crossing:{c.key}")
    arc("source", "mail direct", mail[0], "mail_inspection")
    arc("mail direct", "US market", mail[0])
    arc("source", "mail via Canada", mail[1])
    arc("mail via Canada", "US market", mail[1])
    # Static effects: the extra share of flow each action stops if nothing adapts.
    corr = np.array([p.corruption for p in P.MX_PORTS]).mean(axis=1)
    scan_now = pol.scan_share[a:].mean(axis=0)
    served = np.bincount(r.network.sup_broker, r.network.sup_capacity * (r.network.sup_country == 0),
                         len(r.network.brk_active))
    k_b = max(1, round(BROKER_SHARE * len(served)))
    broker_effect = float(np.sort(served)[::-1][:k_b].sum() / max(served.sum(), 1e-12))
    mail_now = float(pol.mail_inspect[a:].mean())
    cands = catalogue(start, [P.CHEM_NAMES[g] for g in cn_chems])
    effect: dict[str, float] = {}
    for cd in cands:
        if cd.kind == "port":
            k = [p.key for p in P.MX_PORTS].index(cd.key.split(":")[1])
            i0 = float(pol.port_inspect[a:, k].mean())
            effect[cd.key] = (min(1.0, PORT_MULT * i0) - i0) * P.PORT_DETECT * (1 - corr[k])
        elif cd.kind == "crossing":
            j = [c.key for c in P.CROSSINGS].index(cd.key.split(":")[1])
            # Scanners find loads in vehicles; the static model treats every load as one (tunnels
            # and couriers are a few percent of loads).
            effect[cd.key] = max(0.0, SCAN_SHARE - float(scan_now[j])) * float(P.SCAN_DETECT[0])
        elif cd.kind == "brokers":
            effect[cd.key] = broker_effect
        elif cd.kind in ("schedule_cn", "schedule_in"):
            effect[cd.key] = 1 - P.SCHEDULED_LEAK
        elif cd.kind == "mail":
            effect[cd.key] = min(1.0, MAIL_MULT * mail_now) - mail_now
        else:
            effect[cd.key] = 0.0
    actions = tuple(Action(cd.key, cd.cost, tuple(hit.get(cd.key, ())), float(effect[cd.key]), cd.note)
                    for cd in cands)
    net = Network(tuple(nodes), tuple(arcs), np.array(cap), ix["source"], ix["US market"], actions)
    deaths = float(s["deaths"][a:].sum())
    return StaticModel(net, cands, f_mx + f_mail, deaths)


def _with(tr: Trafficking, cands: dict[str, Candidate], plan: list[str]) -> Trafficking:
    levers = [lv.model_dump() for lv in tr.levers] + [lv for k in plan for lv in cands[k].levers]
    return Trafficking.model_validate({**tr.model_dump(), "levers": levers})


def _deaths(tr: Trafficking, end: dt.date, run_seeds: np.ndarray, assume: Assumptions, start: dt.date,
            workers: int, progress: Progress | None, stage: str, plans: list[list[str]],
            cands: dict[str, Candidate]) -> np.ndarray:
    """(plans, seeds) deaths from ``start`` to ``end``."""
    jobs = [Job.of(_with(tr, cands, p), assume, end, int(s)) for p in plans for s in run_seeds]
    outs = run_jobs(jobs, workers, progress, stage)
    y0, y1 = start.year, end.year
    vals = [float(np.nansum([o.get("deaths", y) for y in range(y0, y1 + 1)])) for o in outs]
    return np.array(vals).reshape(len(plans), len(run_seeds))


def twin_greedy(tr: Trafficking, model: StaticModel, budget: float, start: dt.date, end: dt.date,
                sel_seeds: np.ndarray, assume: Assumptions, workers: int = 1,
                progress: Progress | None = None) -> tuple[list[str], list[dict]]:
    """Greedy in the twin: each round adds the affordable action with the most deaths averted per
    dollar (mean over the selection seeds), until none averts any."""
    cands = {c.key: c for c in model.candidates}
    plan: list[str] = []
    spent = 0.0
    base = _deaths(tr, end, sel_seeds, assume, start, workers, progress, "select: no action", [[]], cands)[0]
    current = base
    rounds = []
    while True:
        options = [k for k, c in cands.items() if k not in plan and spent + c.cost <= budget + 1e-9]
        if not options:
            break
        d = _deaths(tr, end, sel_seeds, assume, start, workers, progress, f"select: round {len(rounds) + 1}",
                    [plan + [k] for k in options], cands)
        gain = (current[None, :] - d).mean(axis=1)
        per = gain / np.array([cands[k].cost for k in options])
        best = int(np.argmax(per))
        rounds.append({"round": len(rounds) + 1, "gains": dict(zip(options, gain.tolist())), "chosen": options[best]})
        if gain[best] <= 0:
            rounds[-1]["chosen"] = None
            break
        plan.append(options[best])
        spent += cands[options[best]].cost
        current = d[best]
    return plan, rounds


def _boot_ci(x: np.ndarray, rng: np.random.Generator, n: int = 2000) -> tuple[float, float]:
    idx = rng.integers(0, len(x), (n, len(x)))
    m = x[idx].mean(axis=1)
    return float(np.quantile(m, 0.05)), float(np.quantile(m, 0.95))


def evaluate(tr: Trafficking, model: StaticModel, plans: dict[str, list[str]], start: dt.date, end: dt.date,
             eval_seeds: np.ndarray, assume: Assumptions, seed: int, workers: int = 1,
             progress: Progress | None = None) -> dict:
    """Deaths averted per plan (paired by seed), the adaptation gap, and the twin plan's margins."""
    cands = {c.key: c for c in model.candidates}
    names = list(plans)
    d = _deaths(tr, end, eval_seeds, assume, start, workers, progress, "evaluate plans",
                [[]] + [plans[n] for n in names], cands)
    base, rest = d[0], d[1:]
    averted = base[None, :] - rest
    net = model.network
    flow0 = net.max_flow()
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(505,)))
    out: dict = {"deaths_no_action": float(base.mean()), "plans": {}}
    for i, n in enumerate(names):
        p = plans[n]
        promised = (1 - net.max_flow(p) / flow0) * model.deaths if flow0 > 0 else 0.0
        lo, hi = _boot_ci(averted[i], rng)
        out["plans"][n] = {
            "actions": p, "cost": float(sum(cands[k].cost for k in p)),
            "static_supply_cut": float(1 - net.max_flow(p) / flow0) if flow0 > 0 else 0.0,
            "promised_deaths_averted": float(promised),
            "twin_deaths_averted": float(averted[i].mean()), "twin_ci90": [lo, hi],
            "adaptation_gap": float(promised - averted[i].mean()),
            "per_seed": averted[i].tolist(),
        }
    if "twin" in names:
        t = names.index("twin")
        cmp = {}
        rnd = [i for i, n in enumerate(names) if n.startswith("random")]
        others = [(n, averted[i]) for i, n in enumerate(names) if n != "twin"]
        if rnd:
            others.append(("random (mean)", averted[rnd].mean(axis=0)))
        for n, x in others:
            diff = averted[t] - x
            lo, hi = _boot_ci(diff, rng)
            other = x.mean()
            cmp[n] = {"difference": float(diff.mean()), "ci90": [lo, hi],
                      "margin": float(averted[t].mean() / other - 1) if other > 0 else None,
                      "beats_by_15pct_ci_excludes_zero": bool(
                          (other <= 0 or averted[t].mean() >= 1.15 * other) and lo > 0)}
        out["twin_vs"] = cmp
    return out


def plan(tr: Trafficking, budget: float, start: dt.date = dt.date(2021, 1, 1), end: dt.date = dt.date(2022, 12, 31),
         sel_seeds: int = 3, eval_seeds: int = 20, n_random: int = 3, seed: int = 42,
         assume: Assumptions | None = None, workers: int = 1, progress: Progress | None = None) -> dict:
    assume = assume or Assumptions()
    if budget <= 0:
        raise ValueError("the budget must be positive")
    model = build_static(tr, start, end, int(seeds(seed, 1, label=606)[0]), assume)
    plans: dict[str, list[str]] = {}
    plans["static min-cut"], _ = min_cut_plan(model.network, budget)
    plans["greedy by flow"] = greedy_by_flow(model.network, budget)
    plans["key players"] = key_players(model.network, budget)
    rng = np.random.default_rng(np.random.SeedSequence(entropy=seed, spawn_key=(707,)))
    for i in range(n_random):
        plans[f"random {i + 1}"] = random_plan(model.network, budget, rng)
    sel = seeds(seed, sel_seeds, label=808)
    plans["twin"], rounds = twin_greedy(tr, model, budget, start, end, sel, assume, workers, progress)
    ev = seeds(seed, eval_seeds, label=909)
    res = evaluate(tr, model, plans, start, end, ev, assume, seed, workers, progress)
    res.update({
        "budget": budget, "start": start.isoformat(), "end": end.isoformat(), "selection_seeds": sel_seeds,
        "evaluation_seeds": eval_seeds, "twin_selection": rounds,
        "candidates": [{"action": c.key, "cost": c.cost, "note": c.note,
                        "static_effect": next(a.effect for a in model.network.actions if a.key == c.key),
                        "static_flow_kg": float(sum(model.network.capacity[i] for i in next(
                            a.arcs for a in model.network.actions if a.key == c.key)))}
                       for c in model.candidates],
        "static_us_supply_kg": model.us_supply_kg, "static_deaths": model.deaths,
    })
    return res
