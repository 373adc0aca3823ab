"""What the app refuses, with the HTTP status a page shows for it."""

from __future__ import annotations

from counterflow.errors import CounterflowError


class AppError(CounterflowError):
    status = 400


class NotFound(AppError):
    status = 404


class Conflict(AppError):
    """Someone else got there first (a claim), or the object is not in a state for this."""

    status = 409


class Forbidden(AppError):
    """A rule of the workflow, not of the role: e.g. approving one's own decision (four-eyes)."""

    status = 403
