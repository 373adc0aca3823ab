"""Scoring screening candidates: name similarity, identifiers, date of birth, country, type.

``Screener.screen(party)`` returns hits, best first. An exact identifier match (email, crypto
address, passport, ...) wins outright with score 1.0. Otherwise the score is the best name
similarity over the entry's names (primary, aliases, decoded Chinese Commercial Codes), nudged up
when the date of birth or a country agrees and down when they contradict the entry.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from counterflow.screen.index import ScreeningIndex, guess_identifier_kinds
from counterflow.screen.model import Entry
from counterflow.screen.names import name_form
from counterflow.screen.similarity import (
    COVERAGE_WEIGHT,
    make_spans,
    plain_similarity,
    plain_tokens,
    span_similarity,
)

# Score adjustments; named so that docs/screening.md and the tests state the same numbers.
DOB_EXACT, DOB_YEAR, DOB_CONTRADICTS = 0.05, 0.02, -0.15
COUNTRY_AGREES, NATIONALITY_CONTRADICTS, COUNTRY_CONTRADICTS = 0.02, -0.10, -0.05
TYPE_CONTRADICTS = -0.10
WEAK_ALIAS = 0.9
_KIND_RANK = {"primary": 0, "aka": 1, "fka": 2, "nka": 2, "ccc": 3}


@dataclass(frozen=True)
class ScreenConfig:
    """threshold: score for verdict 'match'; floor: lowest score reported as 'candidate'."""

    threshold: float = 0.85
    floor: float = 0.70
    max_hits: int = 10
    max_candidates: int = 8

    def __post_init__(self) -> None:
        if not 0.0 <= self.floor <= self.threshold <= 1.0:
            raise ValueError("need 0 <= floor <= threshold <= 1")


@dataclass(frozen=True)
class Party:
    """Who is screened. kind: 'person', 'business' or 'unknown'; countries are ISO2."""

    name: str
    kind: str = "unknown"
    birth_date: date | None = None
    country: str | None = None
    nationality: str | None = None
    identifiers: tuple[str, ...] = ()
    party_id: str | None = None


@dataclass(frozen=True)
class Hit:
    list_id: str
    entry_id: str
    entry_name: str
    matched_name: str
    matched_kind: str  # 'primary', 'aka', 'fka', 'ccc', 'identifier'
    score: float
    verdict: str
    features: dict[str, float] = field(default_factory=dict)
    programs: tuple[str, ...] = ()

    def as_dict(self) -> dict:
        return {"list_id": self.list_id, "ent_num" if self.list_id.startswith("ofac")
                else "entry_id": _id_value(self.entry_id), "entry_name": self.entry_name,
                "matched_name": self.matched_name, "matched_kind": self.matched_kind,
                "score": round(self.score, 4), "verdict": self.verdict,
                "features": {k: round(v, 4) for k, v in self.features.items()},
                "programs": list(self.programs)}


def _id_value(entry_id: str) -> int | str:
    return int(entry_id) if entry_id.isdigit() else entry_id


class Screener:
    """Screens parties against an index; build once, reuse for any number of parties."""

    def __init__(self, index: ScreeningIndex, config: ScreenConfig | None = None) -> None:
        self.index = index
        self.config = config or ScreenConfig()

    def screen_name(self, name: str, **details) -> list[Hit]:
        return self.screen(Party(name=name, **details))

    def screen(self, party: Party) -> list[Hit]:
        cfg = self.config
        best: dict[str, tuple[float, str, str, dict[str, float]]] = {}
        for ekey, kind in self._identifier_hits(party):
            best[ekey] = (1.0, "", "identifier", {"identifier": 1.0, "identifier_kind": 0.0})
            best[ekey][3].pop("identifier_kind")
            best[ekey][3][f"identifier:{kind}"] = 1.0
        form = name_form(party.name)
        names = self.index.names
        found, total = self.index.candidates(form, cfg.max_candidates)
        if found:
            initials = 0.8 * sum(1 for t in form.tokens if len(t) == 1)
            covered_extra, total_extra = initials, total + initials
            reach = cfg.floor - DOB_EXACT - COUNTRY_AGREES
            plain = plain_tokens(form)
            plain_total = sum(w for _, w in plain)
            chinese_spans = None
            for nid, covered in found:
                indexed = names[nid]
                ekey = indexed.entry_id
                current = best.get(ekey)
                if current is not None and current[2] == "identifier":
                    continue
                if indexed.plain is not None:
                    if _upper_bound(covered + covered_extra, total_extra,
                                    indexed.weight) < reach:
                        continue
                    sim = plain_similarity(plain, indexed.plain, plain_total, indexed.weight)
                else:
                    if chinese_spans is None:
                        chinese_spans = make_spans(form, True)
                    sim = span_similarity(chinese_spans, indexed.spans)
                name = indexed.name
                if name.weak:
                    sim *= WEAK_ALIAS
                if current is None or sim > current[0] or (
                        sim == current[0] and _KIND_RANK.get(name.kind, 3)
                        < _KIND_RANK.get(current[2], 3)):
                    best[ekey] = (sim, name.text, name.kind, {})
        hits = []
        for ekey, (name_score, matched, kind, feats) in best.items():
            entry = self.index.entries[ekey]
            if kind == "identifier":
                score = 1.0
                matched = entry.name
            else:
                if name_score + DOB_EXACT + COUNTRY_AGREES < cfg.floor:
                    continue
                feats = {"alias" if kind != "primary" else "name": name_score}
                feats.update(_adjustments(party, entry))
                score = min(1.0, max(0.0, name_score + sum(
                    v for k, v in feats.items() if k not in ("name", "alias"))))
            if score < cfg.floor:
                continue
            verdict = "match" if score >= cfg.threshold else "candidate"
            hits.append(Hit(entry.list_id, entry.entry_id, entry.name, matched, kind, score,
                            verdict, feats, entry.programs))
        hits.sort(key=lambda h: (-h.score, h.entry_name))
        return hits[:cfg.max_hits]

    def screen_many(self, parties: Iterable[Party]) -> list[tuple[Party, list[Hit]]]:
        return [(p, self.screen(p)) for p in parties]

    def _identifier_hits(self, party: Party) -> list[tuple[str, str]]:
        found = []
        for value in party.identifiers:
            if not value or len(value.strip()) < 5:
                continue
            for kind in guess_identifier_kinds(value):
                for ekey in self.index.identifier_hits(kind, value):
                    found.append((ekey, kind))
        return found


def _upper_bound(covered: float, wq: float, wn: float) -> float:
    """Most a name can score when only ``covered`` of the query's weight found a key in it.

    Tokens without a shared key can still be two edits apart; that rare case is given up for
    speed (most candidates of a batch are cut here without a full comparison).
    """
    if wq <= 0:
        return 1.0
    symmetric = (covered + min(covered, wn)) / (wq + wn)
    return (1 - COVERAGE_WEIGHT) * symmetric + COVERAGE_WEIGHT * covered / wq


def _adjustments(party: Party, entry: Entry) -> dict[str, float]:
    feats: dict[str, float] = {}
    if party.birth_date is not None and entry.dobs:
        outcomes = {d.compare(party.birth_date) for d in entry.dobs}
        if "exact" in outcomes:
            feats["dob"] = DOB_EXACT
        elif "year" in outcomes:
            feats["dob"] = DOB_YEAR
        elif outcomes == {"contradicts"}:
            feats["dob"] = DOB_CONTRADICTS
    listed_nat = set(entry.nationalities) | set(entry.citizenships)
    countries = entry.countries()
    mine = {c.upper() for c in (party.country, party.nationality) if c}
    if mine & countries:
        feats["country"] = COUNTRY_AGREES
    elif party.nationality and listed_nat and party.nationality.upper() not in listed_nat:
        feats["country"] = NATIONALITY_CONTRADICTS
    elif party.country and countries and party.country.upper() not in countries:
        feats["country"] = COUNTRY_CONTRADICTS
    if party.kind == "person" and entry.entry_type != "person":
        feats["type"] = TYPE_CONTRADICTS
    elif party.kind == "business" and entry.entry_type == "person":
        feats["type"] = TYPE_CONTRADICTS
    return feats
