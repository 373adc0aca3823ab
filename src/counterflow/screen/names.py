"""Name normalisation for screening: folding, company suffixes, pinyin and Wade-Giles.

Names are folded to lower-case ASCII tokens (diacritics and apostrophes dropped, punctuation
split). Chinese characters become their Mandarin readings. A Latin token that spells one or more
Mandarin syllables, in pinyin ("Zheng", "Fujing") or Wade-Giles ("Cheng", "Fu-ching"), gets a
syllable key per syllable: the Wade-Giles spelling without apostrophes, which both romanisations
map to ("zheng" and "cheng" -> "cheng", "jing" and "ching" -> "ching"), so the two spellings of
one name compare equal while "zhang" ("chang") stays different from "zheng".
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache

from counterflow.screen.ccc import char_table, is_cjk

_SPECIAL = str.maketrans({"ß": "ss", "ø": "o", "æ": "ae", "œ": "oe", "đ": "d", "ł": "l",
                          "ı": "i", "þ": "th", "ð": "d", "ħ": "h"})
_APOSTROPHES = re.compile(r"['’‘`ʻʼ]")
_NON_WORD = re.compile(r"[^\w]+|_")
_ASCII_WORD = re.compile(r"[a-z0-9]+")

# Legal-form words removed from the end of organisation names (as token sequences).
_SUFFIXES = [tuple(s.split()) for s in (
    "s a de c v", "sa de cv", "s de r l de c v", "s de rl de cv", "s c de r l de c v",
    "s a p i de c v", "sapi de cv", "s a", "s a s", "s r l", "s l", "s p a", "s c",
    "inc", "incorporated", "ltd", "limited", "co", "corp", "corporation", "company",
    "llc", "l l c", "gmbh", "sa", "srl", "sas", "plc", "ltda", "bv", "b v", "ag", "nv",
    "fze", "fzco", "fzc", "fz llc", "llp", "lp", "pte", "pvt", "private", "jsc", "ojsc", "cjsc",
    "ooo", "oao", "zao", "pao", "youxian gongsi", "you xian gong si", "gongsi", "sarl", "sl",
    "sdn bhd", "bhd", "pty", "kg", "ab", "oy", "as", "spa", "cv", "sae",
)]
_SUFFIXES.sort(key=len, reverse=True)
# Legal forms written before the name (Russian and other lists: "LIMITED LIABILITY COMPANY X").
_PREFIXES = sorted((tuple(s.split()) for s in (
    "limited liability company", "joint stock company", "public joint stock company",
    "closed joint stock company", "open joint stock company", "ooo", "oao", "zao", "pao", "ao",
    "llc", "the")), key=len, reverse=True)
_VOWELS = frozenset("aeiou")
# ASCII control characters other than the whitespace ones (which separate words anyway).
_ASCII_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1f\x7f]")


def _visible(text: str) -> str:
    """``text`` without invisible characters: format characters (zero-width space and joiners, soft
    hyphen, direction marks, byte-order mark) and control characters go, so that one hidden inside a
    word does not split it; whitespace controls (tab, new line) become spaces."""
    out = []
    for ch in text:
        cat = unicodedata.category(ch)
        if cat == "Cf" or (cat == "Cc" and not ch.isspace()):
            continue
        out.append(" " if cat == "Cc" else ch)
    return "".join(out)


def fold(text: str) -> str:
    """Lower-case ASCII-ish text: diacritics, apostrophes and punctuation gone; CJK read."""
    return " ".join(fold_tokens(text))


def fold_tokens(text: str) -> list[str]:
    """The words of ``fold(text)``."""
    if text.isascii():  # most names: NFKC, diacritics and CJK readings do not apply
        text = _ASCII_CONTROL.sub("", text)
        return _ASCII_WORD.findall(text.lower().replace("'", "").replace("`", ""))
    text = unicodedata.normalize("NFKC", _visible(text)).casefold().translate(_SPECIAL)
    if any(is_cjk(ch) for ch in text):
        reading = char_table().reading
        text = "".join(f" {reading.get(ch, ch)} " if is_cjk(ch) else ch for ch in text)
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = _APOSTROPHES.sub("", text)
    return _NON_WORD.sub(" ", text).split()


def _by_edge(forms: list[tuple[str, ...]], edge: int) -> dict[str, list[tuple[str, ...]]]:
    out: dict[str, list[tuple[str, ...]]] = {}
    for form in forms:  # longest first, as sorted above
        out.setdefault(form[edge], []).append(form)
    return out


_SUFFIXES_BY_LAST = _by_edge(_SUFFIXES, -1)
_PREFIXES_BY_FIRST = _by_edge(_PREFIXES, 0)
_LONGEST_PREFIX = max(len(p) for p in _PREFIXES)


def _deletions(word: str) -> set[str]:
    return {word[:i] + word[i + 1:] for i in range(len(word))}


# Legal-form words of six letters or more, reached also with one typo ("limted", "comapny"):
# word and one-letter deletions -> word (two spellings one edit apart share a deletion).
_LEGAL_TYPOS: dict[str, str] = {}
for _word in sorted({w for form in _SUFFIXES + _PREFIXES for w in form if len(w) >= 6}):
    for _key in _deletions(_word) | {_word}:
        _LEGAL_TYPOS.setdefault(_key, _word)


@lru_cache(maxsize=50_000)
def _legal_word(token: str) -> str:
    """The legal-form word a token spells, allowing one typo in words of 6+ letters."""
    if token in _SUFFIXES_BY_LAST or token in _PREFIXES_BY_FIRST or len(token) < 5:
        return token
    word = _LEGAL_TYPOS.get(token)
    if word is None:
        word = next((_LEGAL_TYPOS[k] for k in _deletions(token) if k in _LEGAL_TYPOS), token)
    return word


def strip_suffixes(tokens: tuple[str, ...]) -> tuple[tuple[str, ...], bool]:
    """Remove legal forms: suffixes ('... s a de c v', '... co ltd') and a leading one.

    Legal-form words of six letters or more match with one typo ('... trading co limted')."""
    stripped = False
    if len(tokens) > 1:
        legal = tuple(_legal_word(t) for t in tokens[:_LONGEST_PREFIX])
        for prefix in _PREFIXES_BY_FIRST.get(legal[0], ()):
            n = len(prefix)
            if len(tokens) > n and legal[:n] == prefix:
                tokens = tokens[n:]
                stripped = True
                break
    changed = True
    while changed and len(tokens) > 1:
        changed = False
        last = _legal_word(tokens[-1])
        for suffix in _SUFFIXES_BY_LAST.get(last, ()):
            n = len(suffix)
            if len(tokens) > n and (tokens[-n:-1] + (last,) == suffix
                                    or tuple(map(_legal_word, tokens[-n:])) == suffix):
                tokens = tokens[:-n]
                stripped = changed = True
                break
    return tokens, stripped


@dataclass(frozen=True)
class NameForm:
    """A name ready for matching: folded tokens and, per token, its Mandarin syllable keys."""

    text: str
    tokens: tuple[str, ...]
    syllables: tuple[tuple[str, ...] | None, ...]  # keys per token; None: not Mandarin
    org_suffix: bool

    @property
    def chinese(self) -> bool:
        """Every token spells Mandarin syllables (could be a romanised Chinese name)."""
        return bool(self.tokens) and all(s is not None for s in self.syllables)


@lru_cache(maxsize=200_000)
def name_form(text: str) -> NameForm:
    tokens, stripped = strip_suffixes(tuple(fold_tokens(text)))
    return NameForm(text, tokens, tuple(token_syllables(t) for t in tokens), stripped)


# --- pinyin and Wade-Giles --------------------------------------------------------------

_WG_INITIALS = [("zh", "ch"), ("ch", "ch"), ("sh", "sh"), ("b", "p"), ("p", "p"), ("d", "t"),
                ("t", "t"), ("g", "k"), ("k", "k"), ("z", "ts"), ("c", "ts"), ("s", "s"),
                ("j", "ch"), ("q", "ch"), ("x", "hs"), ("r", "j"), ("h", "h"), ("f", "f"),
                ("m", "m"), ("n", "n"), ("l", "l"), ("w", "w"), ("y", "y")]
_WG_WHOLE = {"zhi": "chih", "chi": "chih", "shi": "shih", "ri": "jih", "zi": "tzu", "ci": "tzu",
             "si": "ssu", "er": "erh", "you": "yu", "yan": "yen", "ye": "yeh", "yong": "yung",
             "yue": "yueh", "e": "o", "yi": "i", "lue": "lueh", "nue": "nueh"}


def pinyin_to_wade_giles(syllable: str) -> str:
    """Toneless pinyin syllable -> Wade-Giles without apostrophes or diaeresis."""
    if syllable in _WG_WHOLE:
        return _WG_WHOLE[syllable]
    initial, final = "", syllable
    for py, _ in _WG_INITIALS:
        if syllable.startswith(py) and len(syllable) > len(py):
            initial, final = py, syllable[len(py):]
            break
    wg_initial = dict(_WG_INITIALS).get(initial, "")
    if final == "e" and initial in ("g", "k", "h"):
        final = "o"
    elif final == "uo" and initial not in ("g", "k", "h", "sh"):
        final = "o"
    elif final == "ui" and initial in ("g", "k"):
        final = "uei"
    elif final == "ong":
        final = "ung"
    elif final == "iong":
        final = "iung"
    elif final.startswith("ian"):
        final = "ien" + final[3:]
    elif final == "ie":
        final = "ieh"
    elif final == "ue":
        final = "ueh"
    elif final == "i" and initial == "x":
        final = "i"
    return wg_initial + final


@lru_cache(maxsize=1)
def _syllable_tables() -> tuple[dict[str, str], frozenset[str], int]:
    """(pinyin syllable -> key, Wade-Giles-only spellings, longest syllable length)."""
    readings = set(char_table().reading.values())
    pinyin = {r for r in readings if r.isascii() and r.isalpha() and r not in ("m", "n", "ng",
                                                                             "hm", "hng", "r")}
    keys = {p: pinyin_to_wade_giles(p) for p in pinyin}
    # ü written as v or yu by passports and some lists
    for alt, base in (("lv", "lu"), ("nv", "nu"), ("lyu", "lu"), ("nyu", "nu"), ("lve", "lue"),
                      ("nve", "nue")):
        if base in keys:
            keys[alt] = keys[base]
    wade = frozenset(v for v in keys.values() if v not in keys) | {"szu", "tzu", "ssu"}
    return keys, wade, max(len(p) for p in keys)


@lru_cache(maxsize=100_000)
def token_syllables(token: str) -> tuple[str, ...] | None:
    """Syllable keys of a token that spells Mandarin syllables, else None.

    A token is read as pinyin split into syllables ('fujing' -> fu+jing), or as one Wade-Giles
    syllable ('ching', 'hsi'). Splits whose later syllables start with a vowel cost extra, as
    pinyin would need an apostrophe there ('fangan' reads fan+gan, not fang+an).
    """
    if not token.isascii() or not token.isalpha() or len(token) > 24:
        return None
    keys, wade, longest = _syllable_tables()
    if token in keys:
        return (keys[token],)
    if token in wade:
        return (token,)
    n = len(token)
    best: list[tuple[float, tuple[str, ...]] | None] = [None] * (n + 1)
    best[0] = (0.0, ())
    for i in range(n):
        if best[i] is None:
            continue
        cost_i, seq = best[i]
        for j in range(i + 1, min(n, i + longest) + 1):
            piece = token[i:j]
            if piece in keys:
                cost = cost_i + 1 + (0.5 if i > 0 and piece[0] in _VOWELS else 0.0)
                if best[j] is None or cost < best[j][0]:
                    best[j] = (cost, seq + (keys[piece],))
    return best[n][1] if best[n] is not None else None
