"""Candidate generation: an inverted index from name keys to listed names.

A query is compared in full only with the few listed names that share a key with it, never
with the whole list. Keys of a token are the token itself, its one-letter deletions (for tokens of
five letters or more: two words one edit apart share a deletion, so typos still meet) and, for
Chinese-linked entries, the Mandarin syllable keys (so pinyin and Wade-Giles spellings meet).
Identifiers (emails, crypto addresses, passports, ...) have their own exact-value index.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache

from counterflow.screen import ccc
from counterflow.screen.model import Entry, Name, SanctionsList
from counterflow.screen.names import NameForm, name_form
from counterflow.screen.similarity import STOPWORDS, Spans, plain_tokens, spans

log = logging.getLogger(__name__)

CHINESE_COUNTRIES = frozenset({"CN", "HK", "MO", "TW"})
# Keys shared by more names than this are too common to generate candidates on their own.
COMMON_KEY = 600
_HIT_CACHE_SIZE = 50_000
_SYL = "\x01"  # prefix that keeps syllable keys apart from token keys

# Identifier kinds compared exactly, and how their values are normalised.
ID_KINDS = ("email", "crypto", "passport", "national_id", "tax_id", "phone", "website",
            "registration", "imo", "swift")


def normalize_identifier(kind: str, value: str) -> str:
    value = value.strip()
    if kind == "email":
        return value.lower()
    if kind == "crypto":
        return value  # base58 / hex addresses are case-sensitive
    if kind == "website":
        return re.sub(r"^(https?://)?(www\.)?", "", value.lower()).rstrip("/")
    if kind == "phone":
        return re.sub(r"\D", "", value).lstrip("0")
    return re.sub(r"[^0-9A-Za-z]", "", value).upper()


def guess_identifier_kinds(value: str) -> tuple[str, ...]:
    """Kinds a bare identifier string from a party record could be."""
    v = value.strip()
    if "@" in v:
        return ("email",)
    if v.lower().startswith(("http", "www.")):
        return ("website",)
    if re.fullmatch(r"\+?[\d\s().-]{7,}", v):
        return ("phone", "national_id", "tax_id", "registration")
    return ("crypto", "passport", "national_id", "tax_id", "registration", "imo", "swift")


@dataclass(frozen=True, slots=True)
class IndexedName:
    """A listed name with everything the scorer needs computed once, at index build.

    plain: for names not read as Chinese, (token, weight) pairs (the scorer's fast path).
    """

    entry_id: str
    name: Name
    form: NameForm
    chinese: bool
    spans: Spans
    weight: float
    plain: tuple[tuple[str, float], ...] | None


def is_chinese_entry(entry: Entry) -> bool:
    """Entries whose names should be read as romanised Chinese (country, CCC or characters)."""
    if entry.countries() & CHINESE_COUNTRIES or entry.ccc:
        return True
    return any(ccc.is_cjk(ch) for n in entry.names for ch in n.text)


def entry_names(entry: Entry) -> list[Name]:
    """The entry's names plus the Chinese names its Commercial Codes spell."""
    names = list(entry.names)
    for codes in entry.ccc:
        decoded = ccc.decode(codes)
        if decoded.mainland:
            names.append(Name(decoded.mainland, kind="ccc", script="original"))
    return names


@lru_cache(maxsize=100_000)
def token_keys(token: str, syllables: tuple[str, ...] | None) -> tuple[str, ...]:
    """Index keys of one token (see the module docstring)."""
    keys = {token}
    if len(token) >= 5:
        keys.update(token[:i] + token[i + 1:] for i in range(len(token)))
    if syllables:
        keys.update(_SYL + s for s in syllables)
    return tuple(keys)


class ScreeningIndex:
    """Names and identifiers of one or more lists, indexed for candidate generation."""

    def __init__(self, lists: SanctionsList | Iterable[SanctionsList]) -> None:
        self.lists = [lists] if isinstance(lists, SanctionsList) else list(lists)
        self.entries: dict[str, Entry] = {}
        self.names: list[IndexedName] = []
        self.ntokens: list[int] = []
        self._hit_cache: dict = {}
        self.postings: dict[str, list[int]] = {}
        self.identifiers: dict[tuple[str, str], set[str]] = {}
        for lst in self.lists:
            for entry in lst.entries.values():
                self.add(entry)
        log.info("indexed %d names of %d entries", len(self.names), len(self.entries))

    @staticmethod
    def key_of(entry: Entry) -> str:
        return f"{entry.list_id}:{entry.entry_id}"

    def add(self, entry: Entry) -> None:
        ekey = self.key_of(entry)
        self.entries[ekey] = entry
        chinese = is_chinese_entry(entry)
        for name in entry_names(entry):
            form = name_form(name.text)
            if not form.tokens:
                continue
            nid = len(self.names)
            name_spans = spans(form, chinese)
            self.names.append(IndexedName(ekey, name, form, chinese, name_spans,
                                          sum(name_spans[0]),
                                          None if chinese else plain_tokens(form)))
            self.ntokens.append(len(form.tokens))
            seen: set[str] = set()
            for token, syls in zip(form.tokens, form.syllables, strict=True):
                for key in token_keys(token, syls if chinese else None):
                    if key not in seen:
                        seen.add(key)
                        self.postings.setdefault(key, []).append(nid)
        for ident in entry.identifiers:
            if ident.kind in ID_KINDS:
                norm = normalize_identifier(ident.kind, ident.value)
                if len(norm) >= 5:
                    self.identifiers.setdefault((ident.kind, norm), set()).add(ekey)

    def candidates(self, form: NameForm, limit: int) -> tuple[list[tuple[int, float]], float]:
        """Listed names sharing keys with the query, most query tokens covered first.

        Returns ([(name id, query weight its keys cover)], total query weight). Initials carry no
        keys and are left out of both (the scorer accounts for them).
        """
        score: Counter[int] = Counter()
        total = 0.0
        common: list[tuple[int, str]] = []
        for token, syls in zip(form.tokens, form.syllables, strict=True):
            if len(token) == 1:
                continue
            weight = 0.25 if token in STOPWORDS else 1.0
            total += weight
            hit, token_common = self._token_hits(token, syls)
            if token_common:
                common.extend(token_common)
            if weight == 1.0:
                score.update(hit)  # counted in C; most tokens weigh 1
            else:
                for nid in hit:
                    score[nid] += weight
        if not score and common:
            # Only very common keys (a query of one common word): use the rarest one.
            _, key = min(common)
            total += 1.0
            score.update(self.postings[key])
        floor = 0.5 * total
        passing = [(s, nid) for nid, s in score.items() if s >= floor]
        n = len(form.tokens)
        ntokens = self.ntokens
        if len(passing) > limit:
            # Most tokens covered first; among equals, names of about the query's length.
            passing.sort(reverse=True)
            cut = passing[limit - 1][0]
            head = [p for p in passing if p[0] > cut]
            tie = [p for p in passing if p[0] == cut]
            tie.sort(key=lambda p: abs(ntokens[p[1]] - n))  # stable: keeps higher ids first
            passing = head + tie[:limit - len(head)]
        ranked = sorted(((s, -abs(ntokens[nid] - n), nid) for s, nid in passing), reverse=True)
        return [(nid, s) for s, _, nid in ranked], total

    def _token_hits(self, token: str, syls: tuple[str, ...] | None
                    ) -> tuple[tuple[int, ...], tuple[tuple[int, str], ...]]:
        """Names any key of the token reaches, and its too-common keys; cached per token
        because party files repeat given and family names across thousands of rows."""
        cached = self._hit_cache.get((token, syls))
        if cached is not None:
            return cached
        hit: set[int] = set()
        common: list[tuple[int, str]] = []
        for key in token_keys(token, syls):
            posting = self.postings.get(key)
            if posting is None:
                continue
            if len(posting) > COMMON_KEY:
                common.append((len(posting), key))
            else:
                hit.update(posting)
        if len(self._hit_cache) >= _HIT_CACHE_SIZE:
            self._hit_cache.clear()
        result = (tuple(hit), tuple(common))
        self._hit_cache[(token, syls)] = result
        return result

    def identifier_hits(self, kind: str, value: str) -> set[str]:
        return self.identifiers.get((kind, normalize_identifier(kind, value)), set())
