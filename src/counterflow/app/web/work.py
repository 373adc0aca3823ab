"""The queue, alerts and cases: the analyst's daily work."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import select

from counterflow.app import cases as cs
from counterflow.app import queue as q
from counterflow.app.errors import AppError, NotFound
from counterflow.app.models import OUTCOMES, Attachment, Case, Comment, User
from counterflow.app.web.access import APPROVE, READ, SUPERVISE, WORK, me, route
from counterflow.app.web.forms import choice, date, form, ids, integer, text

router = APIRouter()


def _back(request: Request, default: str) -> Response:
    return RedirectResponse(default, status_code=303)


@route(router, "GET", "/queue", READ)
def queue_page(request: Request) -> Response:
    ctx = request.app.state.ctx
    f = q.Filters.parse(dict(request.query_params))
    with ctx.db.read() as s:
        alerts, total = q.list_queue(s, ctx.source_id, f, me(request).name)
        analysts = s.scalars(select(User.name).where(User.role.in_(("analyst", "approver", "admin")))).all()
    rows = [(a, q.sla(a, ctx.config.sla_hours)) for a in alerts]
    name = "_queue_rows.html" if request.headers.get("hx-request") else "queue.html"
    return ctx.page(request, name, rows=rows, total=total, f=f, analysts=analysts, page_size=q.PAGE)


@route(router, "POST", "/queue/next", WORK)
async def queue_next(request: Request) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.write() as s:
        a = q.next_alert(s, ctx.source_id, me(request).name)
    if a is None:
        raise NotFound("the queue is empty")
    return RedirectResponse(f"/alerts/{a.id}", status_code=303)


@route(router, "POST", "/alerts/assign", SUPERVISE)
async def alerts_assign(request: Request) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    chosen = ids(f, "alert_id")
    if not chosen:
        raise AppError("choose the alerts to assign")
    with ctx.db.write() as s:
        q.bulk_assign(s, chosen, text(f, "assignee", required=True, max_len=64), me(request).name)
    return _back(request, "/queue")


@route(router, "GET", "/alerts/{alert_id}", READ)
def alert_page(request: Request, alert_id: int) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.read() as s:
        a = q.get_alert(s, alert_id)
        lists = q.alert_lists(a)
        evidence = ctx.store.evidence(lists["accounts"], lists["txn_ids"], lists["shipment_ids"])
        case = s.get(Case, a.case_id) if a.case_id else None
    from counterflow.app.rules import detector_rules

    return ctx.page(request, "alert.html", a=a, lists=lists, evidence=evidence, case=case,
                    sla=q.sla(a, ctx.config.sla_hours), rules=detector_rules(q.detector_names(a)), codes=q.codes(a),
                    holders=ctx.store.holders(lists["accounts"]), outcomes=OUTCOMES)


@route(router, "GET", "/alerts/{alert_id}/features", READ)
def alert_features_part(request: Request, alert_id: int) -> Response:
    """The model's feature contributions, loaded after the page (they take a feature run)."""
    from counterflow.app.rules import alert_features

    ctx = request.app.state.ctx
    with ctx.db.read() as s:
        a = q.get_alert(s, alert_id)
        txn_ids = q.alert_lists(a)["txn_ids"]
    cache = ctx.extra.setdefault("features", {})
    if alert_id not in cache:
        cache[alert_id] = alert_features(ctx.store, txn_ids)
    return ctx.page(request, "_features.html", features=cache[alert_id])


@route(router, "POST", "/alerts/{alert_id}/claim", WORK)
async def alert_claim(request: Request, alert_id: int) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.write() as s:
        q.claim(s, alert_id, me(request).name)
    return _back(request, f"/alerts/{alert_id}")


@route(router, "POST", "/alerts/{alert_id}/release", WORK)
async def alert_release(request: Request, alert_id: int) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.write() as s:
        q.release(s, alert_id, me(request).name, force=me(request).role in SUPERVISE)
    return _back(request, f"/alerts/{alert_id}")


@route(router, "POST", "/alerts/{alert_id}/snooze", WORK)
async def alert_snooze(request: Request, alert_id: int) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    with ctx.db.write() as s:
        q.snooze(s, alert_id, date(text(f, "until", required=True), "until"), text(f, "reason"), me(request).name)
    return _back(request, "/queue")


@route(router, "POST", "/alerts/{alert_id}/close", WORK)
async def alert_close(request: Request, alert_id: int) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    with ctx.db.write() as s:
        q.close_alert(s, alert_id, choice(text(f, "outcome"), "outcome", OUTCOMES), text(f, "reason"),
                      me(request).name)
    return _back(request, f"/alerts/{alert_id}")


# -- cases ---------------------------------------------------------------------------------
@route(router, "GET", "/cases", READ)
def cases_page(request: Request) -> Response:
    ctx = request.app.state.ctx
    status = request.query_params.get("status") or ""
    with ctx.db.read() as s:
        stmt = select(Case).order_by(Case.id.desc())
        if status:
            stmt = stmt.where(Case.status == status)
        cases = s.scalars(stmt.limit(500)).all()
        pending = {c.id: cs.pending_decision(s, c.id) for c in cases if c.status == "pending_approval"}
    return ctx.page(request, "cases.html", cases=cases, status=status, pending=pending)


@route(router, "POST", "/cases", WORK)
async def case_create(request: Request) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    with ctx.db.write() as s:
        c = cs.create_case(s, ids(f, "alert_id"), me(request).name, text(f, "title", max_len=200))
    return RedirectResponse(f"/cases/{c.id}", status_code=303)


@route(router, "GET", "/cases/{case_id}", READ)
def case_page(request: Request, case_id: int) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.read() as s:
        c = cs.get_case(s, case_id)
        alerts = cs.case_alerts(s, case_id)
        scope = cs.case_scope(s, ctx.store, case_id)
        comments = s.scalars(select(Comment).where(Comment.case_id == case_id).order_by(Comment.id)).all()
        atts = s.scalars(select(Attachment).where(Attachment.case_id == case_id).order_by(Attachment.id)).all()
        decisions = cs.decisions_of(s, case_id)
        pending = cs.pending_decision(s, case_id)
        links = cs.links_of(s, case_id)
        related = cs.related_cases(s, ctx.store, case_id)
        open_cases = s.scalars(select(Case).where(Case.status == "open", Case.id != case_id)).all()
    parties = ctx.store.parties(scope["parties"])
    return ctx.page(request, "case.html", c=c, alerts=alerts, scope=scope, comments=comments, attachments=atts,
                    decisions=decisions, pending=pending, links=links, related=related, parties=parties,
                    open_cases=open_cases, outcomes=OUTCOMES, can_approve=me(request).role in APPROVE)


@route(router, "POST", "/cases/{case_id}/merge", WORK)
async def case_merge(request: Request, case_id: int) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    target = integer(f.get("into"), "into")
    with ctx.db.write() as s:
        cs.merge_cases(s, case_id, target, me(request).name, text(f, "reason"))
    return RedirectResponse(f"/cases/{target}", status_code=303)


@route(router, "POST", "/cases/{case_id}/split", WORK)
async def case_split(request: Request, case_id: int) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    with ctx.db.write() as s:
        new = cs.split_case(s, case_id, ids(f, "alert_id"), me(request).name, text(f, "title", max_len=200))
    return RedirectResponse(f"/cases/{new.id}", status_code=303)


@route(router, "POST", "/cases/{case_id}/link", WORK)
async def case_link(request: Request, case_id: int) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    with ctx.db.write() as s:
        cs.link_cases(s, case_id, integer(f.get("other"), "other"), choice(text(f, "kind"), "kind", cs.LINK_KINDS),
                      text(f, "value", required=True, max_len=500), me(request).name)
    return _back(request, f"/cases/{case_id}")


@route(router, "POST", "/cases/{case_id}/comments", WORK)
async def case_comment(request: Request, case_id: int) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    with ctx.db.write() as s:
        cs.add_comment(s, case_id, text(f, "body", max_len=20_000), me(request).name)
    return _back(request, f"/cases/{case_id}#comments")


@route(router, "POST", "/cases/{case_id}/attachments", WORK)
async def case_attach(request: Request, case_id: int) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    up = f.get("file")
    if up is None or not hasattr(up, "read"):
        raise AppError("choose a file to attach")
    data = await up.read(ctx.config.max_attachment_bytes + 1)
    with ctx.db.write() as s:
        cs.add_attachment(s, case_id, up.filename or "", up.content_type or "", data, me(request).name,
                          ctx.config.max_attachment_bytes)
    return _back(request, f"/cases/{case_id}#attachments")


@route(router, "GET", "/attachments/{attachment_id}", READ)
def attachment(request: Request, attachment_id: int) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.read() as s:
        att = s.get(Attachment, attachment_id)
        if att is None:
            raise NotFound(f"no attachment {attachment_id}")
        data = att.data
    # Served as a download, never rendered in the app's origin (an uploaded HTML file is hostile too).
    safe = "".join(ch if ch.isalnum() or ch in "._-" else "_" for ch in att.filename)
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": f'attachment; filename="{safe}"'})


@route(router, "POST", "/cases/{case_id}/narrative", WORK)
async def case_narrative(request: Request, case_id: int) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    with ctx.db.write() as s:
        cs.set_narrative(s, case_id, text(f, "narrative", max_len=50_000), me(request).name)
    return _back(request, f"/cases/{case_id}/report/sar")


@route(router, "POST", "/cases/{case_id}/decision", WORK)
async def case_decide(request: Request, case_id: int) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    with ctx.db.write() as s:
        cs.propose(s, case_id, choice(text(f, "outcome"), "outcome", OUTCOMES), text(f, "reason"), me(request).name,
                   file_report=f.get("file_report") == "1")
    return _back(request, f"/cases/{case_id}")


@route(router, "POST", "/decisions/{decision_id}/review", APPROVE)
async def decision_review(request: Request, decision_id: int) -> Response:
    ctx = request.app.state.ctx
    f = await form(request)
    verdict = choice(text(f, "verdict"), "verdict", ("approve", "reject"))
    with ctx.db.write() as s:
        d = cs.review(s, decision_id, verdict == "approve", text(f, "reason"), me(request).name)
    return _back(request, f"/cases/{d.case_id}")
