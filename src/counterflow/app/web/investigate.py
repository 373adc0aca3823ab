"""Investigation views: entity 360, the graph, the flow map, a case's timeline, screening review,
and the detector rules with backtesting."""

from __future__ import annotations

import base64
import datetime as dt
import json

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from sqlalchemy import or_, select

from counterflow.app import cases as cs
from counterflow.app import graph as gr
from counterflow.app import screening as sc
from counterflow.app.errors import AppError, NotFound
from counterflow.app.models import Alert, AuditEntry, Comment, Decision, ScreeningHit
from counterflow.app.rules import backtest, detector_rules
from counterflow.app.web.access import READ, WORK, me, route
from counterflow.app.web.forms import choice, date, form, integer, text

router = APIRouter()


def _opt_date(v: str | None, name: str) -> dt.datetime | None:
    return date(v, name) if v else None


def _opt_float(v: str | None, name: str) -> float | None:
    if not v:
        return None
    try:
        return float(v)
    except ValueError:
        raise AppError(f"{name}: {v!r} is not a number") from None


@route(router, "GET", "/entities/{party_id}", READ)
def entity_page(request: Request, party_id: int) -> Response:
    ctx = request.app.state.ctx
    st = ctx.store
    p = st.party(party_id)
    if p is None:
        raise NotFound(f"no party {party_id}")
    accounts = st.party_accounts(party_id)
    acc_ids = [a["account_id"] for a in accounts]
    with ctx.db.read() as s:
        alerts = s.scalars(select(Alert).where(or_(Alert.subject_party == party_id,
                                                   *[Alert.accounts.like(f"%{a}%") for a in acc_ids[:20]]))
                           .order_by(Alert.alert_ts.desc()).limit(100)).all()
        alerts = [a for a in alerts if a.subject_party == party_id or set(json.loads(a.accounts)) & set(acc_ids)]
        case_ids = sorted({a.case_id for a in alerts if a.case_id})
        hits = s.scalars(select(ScreeningHit).where(ScreeningHit.party_id == party_id)).all()
    shared = st.shared_identifiers([party_id])
    sharing = []
    for i in shared:
        others = st.rows(f"SELECT party_id, name FROM cf_parties WHERE {i['kind']} = ? AND party_id <> ? LIMIT 20",
                         [i["value"], party_id])
        if others:
            sharing.append({"kind": i["kind"], "value": i["value"], "parties": others})
    return ctx.page(request, "entity.html", p=p, accounts=accounts, counterparties=st.counterparties(acc_ids),
                    txns=st.account_txns(acc_ids, 100), alerts=alerts, case_ids=case_ids, hits=hits,
                    documents=st.party_documents(party_id), sharing=sharing)


@route(router, "GET", "/graph", READ)
def graph_page(request: Request) -> Response:
    ctx = request.app.state.ctx
    qp = request.query_params
    roots: list[int] = []
    case_id = qp.get("case")
    if case_id:
        with ctx.db.read() as s:
            roots = cs.case_scope(s, ctx.store, integer(case_id, "case"))["accounts"]
    elif qp.get("account"):
        roots = [integer(qp.get("account"), "account")]
    return ctx.page(request, "graph.html", roots=roots, case_id=case_id)


@route(router, "GET", "/api/graph", READ)
def graph_api(request: Request) -> Response:
    ctx = request.app.state.ctx
    qp = request.query_params
    roots = [integer(x, "account") for x in (qp.get("accounts") or "").split(",") if x.strip()]
    if not roots:
        raise AppError("give accounts=ID,ID")
    data = gr.expand(ctx.store, roots, integer(qp.get("hops") or 1, "hops"), lo=_opt_date(qp.get("from"), "from"),
                     hi=_opt_date(qp.get("to"), "to"), min_usd=_opt_float(qp.get("min_usd"), "min_usd"))
    data["mirror"] = gr.mirror_paths(ctx.store, roots)
    return JSONResponse(json.loads(json.dumps(data, default=str)))


@route(router, "POST", "/cases/{case_id}/graph-picture", WORK)
async def graph_picture(request: Request, case_id: int) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    png = text(f, "png", required=True, max_len=ctx.config.max_attachment_bytes * 2)
    prefix = "data:image/png;base64,"
    if not png.startswith(prefix):
        raise AppError("png: not a PNG data URL")
    try:
        data = base64.b64decode(png[len(prefix):], validate=True)
    except ValueError:
        raise AppError("png: not base64") from None
    if not data.startswith(b"\x89PNG\r\n\x1a\n"):
        raise AppError("png: not a PNG image")
    with ctx.db.write() as s:
        att = cs.add_attachment(s, case_id, f"graph-case-{case_id}.png", "image/png", data, me(request).name,
                                ctx.config.max_attachment_bytes)
    return JSONResponse({"attachment": att.id, "bytes": att.size})


@route(router, "GET", "/map", READ)
def map_page(request: Request) -> Response:
    ctx = request.app.state.ctx
    return ctx.page(request, "map.html", case_id=request.query_params.get("case") or "",
                    lo=request.query_params.get("from") or "", hi=request.query_params.get("to") or "",
                    min_usd=request.query_params.get("min_usd") or "")


@route(router, "GET", "/api/flows", READ)
def flows_api(request: Request) -> Response:
    ctx = request.app.state.ctx
    qp = request.query_params
    if qp.get("case"):
        with ctx.db.read() as s:
            scope = cs.case_scope(s, ctx.store, integer(qp.get("case"), "case"))
        data = gr.flows(ctx.store, scope["txn_ids"], shipment_ids=scope["shipment_ids"])
    else:
        data = gr.flows(ctx.store, lo=_opt_date(qp.get("from"), "from"), hi=_opt_date(qp.get("to"), "to"),
                        min_usd=_opt_float(qp.get("min_usd"), "min_usd"))
    return JSONResponse(json.loads(json.dumps(data, default=str)))


@route(router, "GET", "/cases/{case_id}/timeline", READ)
def timeline_page(request: Request, case_id: int) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.read() as s:
        c = cs.get_case(s, case_id)
        alerts = cs.case_alerts(s, case_id)
        scope = cs.case_scope(s, ctx.store, case_id)
        notes = [{"ts": m.ts, "kind": "comment", "text": f"{m.author}: {m.body[:200]}", "usd": None, "ref": m.id}
                 for m in s.scalars(select(Comment).where(Comment.case_id == case_id))]
        notes += [{"ts": d.prepared_at, "kind": "decision",
                   "text": f"{d.prepared_by} proposed {d.outcome} ({d.status})",
                   "usd": None, "ref": d.id} for d in s.scalars(select(Decision).where(Decision.case_id == case_id))]
        notes += [{"ts": dt.datetime.fromisoformat(e.ts), "kind": "audit", "text": f"{e.actor} {e.action}", "usd": None,
                   "ref": e.seq} for e in s.scalars(select(AuditEntry).where(AuditEntry.object_type == "case",
                                                                            AuditEntry.object_id == str(case_id)))]
    events = gr.timeline(ctx.store, scope, alerts, notes)
    zoom = request.query_params.get("by") or ""
    if zoom and zoom not in gr.ZOOM:
        raise AppError(f"by: choose one of {', '.join(gr.ZOOM)}")
    return ctx.page(request, "timeline.html", c=c, events=events, span=gr.span_label(events), zoom=zoom,
                    zooms=gr.ZOOM, buckets=gr.bucket(events, zoom) if zoom else None)


@route(router, "GET", "/screening", READ)
def screening_page(request: Request) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.read() as s:
        rows = sc.hits(s, pending_only=request.query_params.get("pending") == "1")
    return ctx.page(request, "screening.html", hits=rows)


@route(router, "POST", "/screening/run", WORK)
async def screening_run(request: Request) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.read() as s:
        parties = sorted({p for p in s.scalars(select(Alert.subject_party).where(
            Alert.source_id == ctx.source_id, Alert.subject_party.is_not(None)))})
    with ctx.db.write() as s:
        sc.run_screening(s, ctx.store, parties, me(request).name)
    return RedirectResponse("/screening", status_code=303)


@route(router, "POST", "/screening/{hit_id}/decide", WORK)
async def screening_decide(request: Request, hit_id: int) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    until = text(f, "whitelist_until")
    with ctx.db.write() as s:
        sc.decide(s, hit_id, choice(text(f, "decision"), "decision", ("match", "no_match")), text(f, "reason"),
                  me(request).name, date(until, "whitelist_until") if until else None)
    return RedirectResponse("/screening", status_code=303)


@route(router, "GET", "/rules", READ)
def rules_page(request: Request) -> Response:
    ctx = request.app.state.ctx
    return ctx.page(request, "rules.html", rules=detector_rules(), result=None)


@route(router, "POST", "/rules/backtest", WORK)
async def rules_backtest(request: Request) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    overrides: dict[str, dict[str, str]] = {}
    for key in f.keys():
        if key.startswith("p:"):
            _, det, param = key.split(":", 2)
            overrides.setdefault(det, {})[param] = str(f.get(key))
    result = backtest(ctx.store, overrides)
    return ctx.page(request, "rules.html", rules=detector_rules(), result=result)
