"""The app's typed configuration, validated once at the edge (the CLI or a test)."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from counterflow.scenario.base import Strict


class Filer(Strict):
    """The reporting institution, as the reports name it (placeholders until a team sets its own)."""

    name: str = "Counterflow Demo Bank"
    tin: str = "000000000"             # EIN, 9 digits
    tcc: str = "PTEST000"              # FinCEN transmitter control code (test value)
    address: str = "1 Main Street"
    city: str = "Washington"
    state: str = "DC"
    zip: str = "20001"
    country: str = "US"
    phone: str = "2025550100"
    contact: str = "BSA Officer"
    regulator: str = "7"               # FinCEN primary federal regulator code; 7 = OCC in the SAR guide's table
    goaml_rentity_id: int = 1          # the FIU's id of the reporting entity
    goaml_person: tuple[str, str] = ("Compliance", "Officer")


class AppConfig(Strict):
    data: Path
    alerts: Path | None = None
    db_url: str = "sqlite:///cases.sqlite"
    sla_hours: int = Field(72, ge=1, le=24 * 365)      # time from alert to disposition
    session_hours: int = Field(8, ge=1, le=24 * 30)
    secure_cookies: bool = False                        # set behind HTTPS
    login_max_failures: int = Field(5, ge=1, le=100)
    login_window_s: int = Field(900, ge=10)
    max_attachment_bytes: int = Field(10 * 1024 * 1024, ge=1024)
    filer: Filer = Filer()


def db_url(value: str | None, default_dir: Path | None = None) -> str:
    """A SQLAlchemy URL from ``--db``: a URL as it is, a bare path as a SQLite file."""
    if not value:
        return f"sqlite:///{(default_dir or Path('.')) / 'cases.sqlite'}"
    if "://" in value:
        return value
    return f"sqlite:///{Path(value)}"
