"""List updates: what changed between two versions of a list, and re-screening only that.

Entries are compared by the list's own id. An entry counts as changed when any screening-relevant
field differs (names, type, programs, dates of birth, countries, identifiers); free-text remarks
alone do not count, since they do not change a screening result. OFAC snapshots that lack
alt.csv or add.csv (the 2024 snapshot is sdn.csv alone) are compared on what both sides have:
addresses are skipped, and aliases only count when the side without alt.csv has one the other
lacks.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from counterflow.screen.index import ScreeningIndex
from counterflow.screen.match import Hit, Party, ScreenConfig, Screener
from counterflow.screen.model import Entry, SanctionsList

_COMPARED = ("names", "entry_type", "programs", "dobs", "nationalities", "citizenships",
             "addresses", "identifiers")


@dataclass(frozen=True)
class ListDiff:
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: dict[str, tuple[str, ...]] = field(default_factory=dict)  # id -> changed fields
    not_compared: tuple[str, ...] = ()  # fields one of the two lists does not carry

    def as_dict(self) -> dict:
        return {"added": list(self.added), "removed": list(self.removed),
                "not_compared": list(self.not_compared),
                "changed": {k: list(v) for k, v in self.changed.items()},
                "counts": {"added": len(self.added), "removed": len(self.removed),
                           "changed": len(self.changed)}}


def _sort_key(entry_id: str) -> tuple[int, str]:
    return (int(entry_id), "") if entry_id.isdigit() else (1 << 62, entry_id)


def changed_fields(old: Entry, new: Entry, *, skip: tuple[str, ...] = (),
                   alias_subset: str | None = None) -> tuple[str, ...]:
    """Fields that differ. alias_subset 'old'/'new': that side lacks alt.csv, so its names
    need only be a subset of the other side's (plus the same primary name)."""

    def norm(entry: Entry, name: str):
        value = getattr(entry, name)
        if name == "names":  # alias order and kind wording are not changes
            return frozenset(n.text.casefold() for n in value)
        if name == "identifiers":
            return frozenset((i.kind, i.value) for i in value)
        return frozenset(value) if isinstance(value, tuple) else value

    out = []
    for f in _COMPARED:
        if f in skip:
            continue
        if f == "names" and alias_subset:
            small, big = (old, new) if alias_subset == "old" else (new, old)
            if small.name.casefold() == big.name.casefold() and norm(small, f) <= norm(big, f):
                continue
        if norm(old, f) != norm(new, f):
            out.append(f)
    return tuple(out)


def diff_lists(old: SanctionsList, new: SanctionsList) -> ListDiff:
    added = sorted(set(new.entries) - set(old.entries), key=_sort_key)
    removed = sorted(set(old.entries) - set(new.entries), key=_sort_key)
    skip = () if old.has_part("add") and new.has_part("add") else ("addresses",)
    alias_subset = None
    if old.has_part("alt") != new.has_part("alt"):
        alias_subset = "new" if old.has_part("alt") else "old"
    changed = {}
    for entry_id in sorted(set(old.entries) & set(new.entries), key=_sort_key):
        fields = changed_fields(old.entries[entry_id], new.entries[entry_id], skip=skip,
                                alias_subset=alias_subset)
        if fields:
            changed[entry_id] = fields
    return ListDiff(tuple(added), tuple(removed), changed, skip)


def rescreen(parties: Iterable[Party], previous: dict[str, list[Hit]], old: SanctionsList,
             new: SanctionsList, config: ScreenConfig | None = None
             ) -> tuple[dict[str, list[Hit]], ListDiff]:
    """Update earlier results (party key -> hits against ``old``) for the ``new`` list.

    Only added and changed entries are indexed and screened against: a party's result can only
    change through them, or by losing hits on removed or changed entries, which are dropped from
    its previous hits. Party key: ``party_id`` or else the name.
    """
    delta = diff_lists(old, new)
    touched = set(delta.added) | set(delta.changed)
    gone = set(delta.removed) | set(delta.changed)
    sub = SanctionsList(new.list_id, new.publisher, new.title, new.published, new.source,
                        {k: new.entries[k] for k in touched})
    screener = Screener(ScreeningIndex(sub), config) if touched else None
    cfg = config or ScreenConfig()
    out: dict[str, list[Hit]] = {}
    for party in parties:
        key = party.party_id or party.name
        kept = [h for h in previous.get(key, []) if h.entry_id not in gone]
        fresh = screener.screen(party) if screener else []
        merged = sorted(kept + fresh, key=lambda h: (-h.score, h.entry_name))
        out[key] = [Hit(new.list_id, h.entry_id, h.entry_name, h.matched_name, h.matched_kind,
                        h.score, h.verdict, h.features, h.programs)
                    for h in merged[:cfg.max_hits]]
    return out, delta
