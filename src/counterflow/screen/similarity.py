"""Name-to-name similarity: token alignment that tolerates order, typos, initials and romanisation.

Both names are cut into spans: whole tokens and, for romanised Chinese names, single syllables.
Span pairs are scored (equal Mandarin syllable keys count as equal whatever the spelling; two
different syllables count as different even when one letter apart, which is what separates ZHANG
from ZHENG), then aligned greedily, best pair first, each unit used once. The score is the matched
weight over the weight of both names, blended with how much of the query is covered, so that a
short query ("Joaquin Guzman") still ranks a longer listed name high.
"""

from __future__ import annotations

from functools import lru_cache

from rapidfuzz.distance import OSA

from counterflow.screen.names import NameForm

# Particles that carry little identity: unmatched, they cost a quarter of a token.
STOPWORDS = frozenset("de del la las los el y e of the and al bin ibn van von da do dos das di "
                      "du le".split())
COVERAGE_WEIGHT = 0.3
_MIN_TOKEN_SIM = 0.6
_osa = OSA.normalized_similarity


def token_similarity(a: str, b: str) -> float:
    """Similarity of two folded tokens in [0, 1]: exact, initial, or edit distance (OSA)."""
    if a == b:
        return 1.0
    if len(a) == 1 or len(b) == 1:
        return 0.8 if a[0] == b[0] else 0.0
    sim = OSA.normalized_similarity(a, b)
    return sim if sim >= _MIN_TOKEN_SIM else 0.0


def syllable_similarity(a: str, b: str) -> float:
    """Two Mandarin syllable keys: equal, or differing only in -n/-ng (a common confusion)."""
    if a == b:
        return 1.0
    if a.rstrip("g") == b.rstrip("g"):
        return 0.7
    return 0.0


Spans = tuple[tuple[float, ...], tuple[tuple[tuple[int, ...], "str | None", "str | None"], ...]]


@lru_cache(maxsize=200_000)
def spans(form: NameForm, chinese: bool) -> Spans:
    """(unit weights, spans) where a span is (unit ids, text or None, syllable key or None)."""
    return make_spans(form, chinese)


def make_spans(form: NameForm, chinese: bool) -> Spans:
    """spans() without the cache, for query names that are seen once."""
    weights: list[float] = []
    out: list[tuple[tuple[int, ...], str | None, str | None]] = []
    for token, syls in zip(form.tokens, form.syllables, strict=True):
        w = 0.25 if token in STOPWORDS else 1.0
        if chinese and syls is not None and token not in STOPWORDS:
            ids = tuple(range(len(weights), len(weights) + len(syls)))
            weights.extend([w] * len(syls))
            if len(syls) == 1:
                out.append((ids, token, syls[0]))
            else:
                out.append((ids, token, None))
                out.extend(((i,), None, s) for i, s in zip(ids, syls, strict=True))
        else:
            out.append(((len(weights),), token, None))
            weights.append(w)
    return tuple(weights), tuple(out)


def plain_tokens(form: NameForm) -> tuple[tuple[str, float], ...]:
    """(token, weight) pairs: a name's spans when it is not read as Chinese."""
    return tuple((t, 0.25 if t in STOPWORDS else 1.0) for t in form.tokens)


def plain_similarity(q: tuple[tuple[str, float], ...], n: tuple[tuple[str, float], ...],
                     total_q: float, total_n: float) -> float:
    """span_similarity of two names neither read as Chinese (every span one token): the
    screening loop's fast path, same result."""
    pairs: list[tuple[float, int, int]] = []
    for i, (a, _) in enumerate(q):
        short_a = len(a) == 1
        for j, (b, _) in enumerate(n):
            if a == b:
                pairs.append((1.0, i, j))
            elif short_a or len(b) == 1:
                if a[0] == b[0]:
                    pairs.append((0.8, i, j))
            else:
                sim = _osa(a, b)  # no score_cutoff: rapidfuzz drops a score equal to it
                if sim >= _MIN_TOKEN_SIM:
                    pairs.append((sim, i, j))
    if not pairs:
        return 0.0
    pairs.sort(reverse=True)
    used_q = used_n = 0
    matched = matched_q = 0.0
    for sim, i, j in pairs:
        bi, bj = 1 << i, 1 << j
        if not used_q & bi and not used_n & bj:
            used_q |= bi
            used_n |= bj
            wq = q[i][1]
            matched += sim * (wq + n[j][1])
            matched_q += sim * wq
    return ((1 - COVERAGE_WEIGHT) * matched / (total_q + total_n)
            + COVERAGE_WEIGHT * matched_q / total_q)


def name_similarity(q: NameForm, n: NameForm, chinese: bool = False) -> float:
    """Similarity of a query name and a listed name in [0, 1]."""
    if not q.tokens or not n.tokens:
        return 0.0
    return span_similarity(spans(q, chinese), spans(n, chinese))


def span_similarity(q: Spans, n: Spans) -> float:
    """name_similarity on precomputed spans (the screening loop caches the listed names')."""
    qw, qs = q
    nw, ns = n
    if not qw or not nw:
        return 0.0
    # token_similarity and syllable_similarity inlined: this runs for every Chinese candidate.
    pairs: list[tuple[float, int, tuple[int, ...], tuple[int, ...]]] = []
    for qids, qtext, qkey in qs:
        qmulti = len(qids) > 1
        for nids, ntext, nkey in ns:
            if qkey is not None and nkey is not None:
                if qkey == nkey:
                    sim = 1.0
                elif qkey.rstrip("g") == nkey.rstrip("g"):
                    sim = 0.7
                else:
                    continue
            elif qtext is not None and ntext is not None:
                nmulti = len(nids) > 1
                if qmulti and nmulti:
                    continue  # two multi-syllable tokens: their syllables are compared instead
                if qtext == ntext:
                    sim = 1.0
                elif len(qtext) == 1 or len(ntext) == 1:
                    if qtext[0] != ntext[0]:
                        continue
                    sim = 0.8
                else:
                    sim = _osa(qtext, ntext)
                    if sim < _MIN_TOKEN_SIM:
                        continue
                if qkey is not None or nkey is not None or qmulti or nmulti:
                    sim *= 0.9  # a spelling match across a romanised syllable is weaker evidence
            else:
                continue
            pairs.append((sim, len(qids) + len(nids), qids, nids))
    if not pairs:
        return 0.0
    pairs.sort(reverse=True)
    used_q: set[int] = set()
    used_n: set[int] = set()
    matched = 0.0
    matched_q = 0.0
    for sim, _, qids, nids in pairs:
        if used_q.isdisjoint(qids) and used_n.isdisjoint(nids):
            used_q.update(qids)
            used_n.update(nids)
            wq = sum(qw[i] for i in qids)
            matched += sim * (wq + sum(nw[i] for i in nids))
            matched_q += sim * wq
    total_q, total_n = sum(qw), sum(nw)
    symmetric = matched / (total_q + total_n)
    coverage = matched_q / total_q
    return (1 - COVERAGE_WEIGHT) * symmetric + COVERAGE_WEIGHT * coverage
