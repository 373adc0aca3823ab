"""Report pages: the SAR and goAML drafts with their check, their download, the printable case file.

The XML can be downloaded only when it passes the structural check and the case has an approved
decision to file (four-eyes); before that the page shows the draft and lists the errors.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select

from counterflow.app.audit import now, record
from counterflow.app.cases import decisions_of
from counterflow.app.errors import AppError, Conflict, NotFound
from counterflow.app.models import Comment
from counterflow.app.reports import goaml, sar
from counterflow.app.reports.draft import gather
from counterflow.app.web.access import READ, me, route

router = APIRouter()
KINDS = {"sar": ("FinCEN SAR (BSA E-Filing batch XML, SARX)", sar), "goaml": ("goAML STR", goaml)}


def _kind(kind: str) -> tuple[str, object]:
    if kind not in KINDS:
        raise NotFound(f"no report kind {kind!r}")
    return KINDS[kind]


def _draft(request: Request, case_id: int, kind: str) -> tuple[dict, bytes, list[str], bool]:
    ctx = request.app.state.ctx
    _, module = _kind(kind)
    with ctx.db.read() as s:
        data = gather(s, ctx.store, case_id)
        approved = any(d.status == "approved" and d.file_report for d in decisions_of(s, case_id))
    xml = module.build(data, ctx.config.filer, now())  # type: ignore[attr-defined]
    return data, xml, module.validate(xml), approved  # type: ignore[attr-defined]


@route(router, "GET", "/cases/{case_id}/report/{kind}", READ)
def report_page(request: Request, case_id: int, kind: str) -> Response:
    ctx = request.app.state.ctx
    title, _ = _kind(kind)
    data, xml, errors, approved = _draft(request, case_id, kind)
    return ctx.page(request, "report.html", c=data["case"], kind=kind, title=title, xml=xml.decode("utf-8"),
                    errors=errors, approved=approved, narrative=data["narrative"])


@route(router, "GET", "/cases/{case_id}/report/{kind}/download", READ)
def report_download(request: Request, case_id: int, kind: str) -> Response:
    ctx = request.app.state.ctx
    data, xml, errors, approved = _draft(request, case_id, kind)
    if errors:
        raise AppError("the report does not pass the schema check: " + "; ".join(errors[:5]))
    if not approved:
        raise Conflict("a report is filed only after a second person approved the decision to file (four-eyes)")
    with ctx.db.write() as s:
        record(s, me(request).name, f"report.{kind}", "case", case_id, after={"bytes": len(xml)})
    name = f"{'SARX' if kind == 'sar' else 'goAML-STR'}-case-{case_id}.xml"
    return Response(xml, media_type="application/xml",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})


@route(router, "GET", "/cases/{case_id}/casefile", READ)
def casefile(request: Request, case_id: int) -> Response:
    ctx = request.app.state.ctx
    with ctx.db.read() as s:
        data = gather(s, ctx.store, case_id)
        decisions = decisions_of(s, case_id)
        comments = s.scalars(select(Comment).where(Comment.case_id == case_id).order_by(Comment.id)).all()
    return ctx.page(request, "casefile.html", d=data, decisions=decisions, comments=comments, printed=now())



