"""The normalized sanctions-list model that every parser fills and every matcher reads.

One ``SanctionsList`` holds ``Entry`` records. OFAC, UN and any later source are loaded into
the same shape so that screening, diffs and FollowTheMoney export never look at a source format.
Values are frozen dataclasses with tuples, so entries can be compared (list diffs) and hashed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

ENTRY_TYPES = ("person", "organization", "vessel", "aircraft")


@dataclass(frozen=True)
class PartialDate:
    """A date of birth as lists state it: sometimes only a year, sometimes a range or 'circa'."""

    year: int
    month: int | None = None
    day: int | None = None
    circa: bool = False
    to_year: int | None = None  # "DOB 1955 to 1957"

    def iso(self) -> str:
        """ISO 8601 text at the precision the list gives ('1983', '1983-06', '1983-06-11')."""
        text = f"{self.year:04d}"
        if self.month is not None:
            text += f"-{self.month:02d}"
            if self.day is not None:
                text += f"-{self.day:02d}"
        if self.to_year is not None:
            text += f"/{self.to_year:04d}"
        return text

    def compare(self, other: date) -> str:
        """How a known date relates to this one: 'exact', 'year', 'near' or 'contradicts'."""
        lo, hi = self.year, self.to_year or self.year
        slack = 2 if self.circa else 0
        if not (lo - slack <= other.year <= hi + slack):
            return "contradicts"
        if self.to_year is not None or self.circa or self.month is None:
            return "year" if lo == hi and not self.circa else "near"
        if self.month != other.month:
            return "contradicts"
        if self.day is None:
            return "year"
        return "exact" if self.day == other.day else "contradicts"


@dataclass(frozen=True)
class Identifier:
    """A document or contact detail: passport, national id, email, crypto address, CCC, ..."""

    kind: str
    value: str
    country: str | None = None  # ISO-3166 alpha-2 where the list names one we know
    label: str | None = None  # the list's own wording, e.g. "C.U.R.P." or "XBT"
    issued: str | None = None
    expires: str | None = None


@dataclass(frozen=True)
class Address:
    text: str
    city: str | None = None
    country: str | None = None  # ISO-3166 alpha-2 where known
    country_name: str | None = None


@dataclass(frozen=True)
class Name:
    """One name of an entry. kind: 'primary', 'aka', 'fka', 'nka'; weak: the list's low quality."""

    text: str
    kind: str = "primary"
    weak: bool = False
    script: str | None = None  # 'original' for names in the original script (UN lists)


@dataclass(frozen=True)
class Entry:
    """One listed person, organisation, vessel or aircraft."""

    list_id: str
    entry_id: str
    names: tuple[Name, ...]
    entry_type: str = "organization"
    programs: tuple[str, ...] = ()
    dobs: tuple[PartialDate, ...] = ()
    places_of_birth: tuple[str, ...] = ()
    nationalities: tuple[str, ...] = ()  # ISO2
    citizenships: tuple[str, ...] = ()  # ISO2
    addresses: tuple[Address, ...] = ()
    identifiers: tuple[Identifier, ...] = ()
    gender: str | None = None
    title: str | None = None
    linked_to: tuple[str, ...] = ()
    listed_on: str | None = None
    notes: tuple[str, ...] = ()
    remarks: str | None = None  # the source's free text, kept verbatim

    @property
    def name(self) -> str:
        return self.names[0].text if self.names else ""

    @property
    def aliases(self) -> tuple[Name, ...]:
        return self.names[1:]

    @property
    def ccc(self) -> tuple[str, ...]:
        """Chinese Commercial Code groups (one string of 4-digit codes per name)."""
        return tuple(i.value for i in self.identifiers if i.kind == "ccc")

    def countries(self) -> frozenset[str]:
        """Every country the entry is tied to: nationality, citizenship, addresses, documents."""
        found = set(self.nationalities) | set(self.citizenships)
        found.update(a.country for a in self.addresses if a.country)
        found.update(i.country for i in self.identifiers if i.country)
        return frozenset(found)


@dataclass(frozen=True)
class SanctionsList:
    """A loaded list: which publisher and date, and its entries keyed by the list's own id."""

    list_id: str  # e.g. 'ofac-sdn-2024-05-03'
    publisher: str  # 'OFAC' or 'UN'
    title: str
    published: str | None  # ISO date where the file says so
    source: str  # file or folder it came from (relative where shipped)
    entries: dict[str, Entry] = field(default_factory=dict, compare=False)
    # Which files of a multi-file format were present (OFAC: sdn, alt, add); empty: complete.
    parts: tuple[str, ...] = ()

    def has_part(self, part: str) -> bool:
        return not self.parts or part in self.parts

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, entry_id: str | int) -> Entry | None:
        return self.entries.get(str(entry_id))
