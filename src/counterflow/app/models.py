"""The case database's tables (SQLAlchemy); the schema itself is created by the Alembic migrations.

Alerts are copied in from a ``counterflow detect`` output (one row per alert, with the lists of
its transactions, accounts and shipments as JSON text) so that the queue's filters, claims and
dispositions are plain SQL in the same database as the audit log.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

ROLES = ("viewer", "analyst", "approver", "admin", "auditor")
ALERT_STATUSES = ("new", "in_review", "snoozed", "in_case", "closed")
CASE_STATUSES = ("open", "pending_approval", "closed", "merged")
OUTCOMES = ("confirmed", "false_positive", "inconclusive")
# Closing as suspicious or filing a report needs a second person (four-eyes).
NEEDS_APPROVAL = ("confirmed", "file")


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    pw_hash: Mapped[str] = mapped_column(String(255))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)


class WebSession(Base):
    __tablename__ = "web_sessions"
    token_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    user_name: Mapped[str] = mapped_column(ForeignKey("users.name"))
    csrf: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    user_name: Mapped[str] = mapped_column(String(64), index=True)
    ip: Mapped[str] = mapped_column(String(64), index=True)
    ts: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    ok: Mapped[bool] = mapped_column(Boolean)


class AlertSource(Base):
    __tablename__ = "alert_sources"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    description: Mapped[str] = mapped_column(Text)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime)


class Alert(Base):
    __tablename__ = "alerts"
    __table_args__ = (UniqueConstraint("source_id", "ext_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("alert_sources.id"))
    ext_id: Mapped[int] = mapped_column(BigInteger)            # alert_id in the detect output
    subject_account: Mapped[int] = mapped_column(BigInteger, index=True)
    subject_party: Mapped[int | None] = mapped_column(BigInteger, index=True)
    subject_name: Mapped[str | None] = mapped_column(Text)
    state: Mapped[str | None] = mapped_column(String(8))      # the subject's state or province
    score: Mapped[float] = mapped_column(Float, index=True)
    alert_ts: Mapped[dt.datetime] = mapped_column(DateTime, index=True)
    first_ts: Mapped[dt.datetime] = mapped_column(DateTime)
    typologies: Mapped[str] = mapped_column(Text)              # ",F3,C1," so LIKE '%,F3,%' filters
    detectors: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    amount_usd: Mapped[float] = mapped_column(Float)
    txn_ids: Mapped[str] = mapped_column(Text)                 # JSON lists
    accounts: Mapped[str] = mapped_column(Text)
    counterparties: Mapped[str] = mapped_column(Text)
    shipment_ids: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="new", index=True)
    assignee: Mapped[str | None] = mapped_column(ForeignKey("users.name"), index=True)
    claimed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    snoozed_until: Mapped[dt.datetime | None] = mapped_column(DateTime)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    outcome: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    loaded_at: Mapped[dt.datetime] = mapped_column(DateTime)   # the SLA clock starts here


class Case(Base):
    __tablename__ = "cases"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    title: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="open", index=True)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    narrative: Mapped[str] = mapped_column(Text, default="")
    merged_into: Mapped[int | None] = mapped_column(ForeignKey("cases.id"))
    outcome: Mapped[str | None] = mapped_column(String(16))
    closed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class Decision(Base):
    """A proposed disposition; those in :data:`NEEDS_APPROVAL` wait for a second person."""

    __tablename__ = "decisions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    outcome: Mapped[str] = mapped_column(String(16))
    file_report: Mapped[bool] = mapped_column(Boolean, default=False)
    reason: Mapped[str] = mapped_column(Text)
    prepared_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    prepared_at: Mapped[dt.datetime] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16))            # pending, approved, rejected, final
    reviewed_by: Mapped[str | None] = mapped_column(ForeignKey("users.name"))
    reviewed_at: Mapped[dt.datetime | None] = mapped_column(DateTime)
    review_reason: Mapped[str | None] = mapped_column(Text)


class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    author: Mapped[str] = mapped_column(ForeignKey("users.name"))
    ts: Mapped[dt.datetime] = mapped_column(DateTime)
    body: Mapped[str] = mapped_column(Text)


class Attachment(Base):
    __tablename__ = "attachments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary, deferred=True)  # read only on download
    uploaded_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    ts: Mapped[dt.datetime] = mapped_column(DateTime)


class CaseLink(Base):
    __tablename__ = "case_links"
    __table_args__ = (UniqueConstraint("case_a", "case_b", "kind", "value"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    case_a: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    case_b: Mapped[int] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))              # account, party, identifier, document
    value: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    ts: Mapped[dt.datetime] = mapped_column(DateTime)


class ScreeningHit(Base):
    __tablename__ = "screening_hits"
    __table_args__ = (UniqueConstraint("party_id", "list_id", "entry_id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_id: Mapped[int] = mapped_column(BigInteger, index=True)
    party_name: Mapped[str] = mapped_column(Text)
    list_id: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[str] = mapped_column(String(64))
    entry_name: Mapped[str] = mapped_column(Text)
    score: Mapped[float] = mapped_column(Float)
    verdict: Mapped[str] = mapped_column(String(16))           # the matcher's: match, candidate
    decision: Mapped[str | None] = mapped_column(String(16))   # the analyst's: match, no_match
    reason: Mapped[str | None] = mapped_column(Text)
    decided_by: Mapped[str | None] = mapped_column(ForeignKey("users.name"))
    decided_at: Mapped[dt.datetime | None] = mapped_column(DateTime)


class WhitelistEntry(Base):
    """A (party, list entry) pair cleared as no match, until ``expires_at``."""

    __tablename__ = "whitelist"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    party_id: Mapped[int] = mapped_column(BigInteger, index=True)
    list_id: Mapped[str] = mapped_column(String(64))
    entry_id: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text)
    created_by: Mapped[str] = mapped_column(ForeignKey("users.name"))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(DateTime)


class AuditEntry(Base):
    __tablename__ = "audit_log"
    seq: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    ts: Mapped[str] = mapped_column(String(32))                # ISO text: hashed exactly as stored
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    object_type: Mapped[str] = mapped_column(String(32))
    object_id: Mapped[str] = mapped_column(String(64))
    before: Mapped[str] = mapped_column(Text)                  # canonical JSON
    after: Mapped[str] = mapped_column(Text)
    reason: Mapped[str] = mapped_column(Text)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class AuditHead(Base):
    """One row: the last entry's number and hash (and the lock writers take on PostgreSQL)."""

    __tablename__ = "audit_head"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))
