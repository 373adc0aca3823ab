"""Chinese characters: telegraph (Chinese Commercial) codes, characters and Mandarin readings.

OFAC writes the Chinese names of listed people as Chinese Commercial Codes ("6774 4395 2529" is
郑福景, Zheng Fujing). The shipped table ``lists/unihan/unihan-ccc.tsv.gz`` is built from Unicode's
Unihan database (kMainlandTelegraph, kTaiwanTelegraph, kMandarin) by ``unihan_build``; it is read
once, on first use.
"""

from __future__ import annotations

import gzip
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class CharTable:
    reading: dict[str, str]  # character -> toneless Mandarin reading ("zheng")
    mainland: dict[str, str]  # 4-digit code -> character (mainland codebook)
    taiwan: dict[str, str]  # 4-digit code -> character (Taiwan codebook)


def _toneless(reading: str) -> str:
    text = unicodedata.normalize("NFD", reading)
    # ü is kept as 'u' plus the diaeresis dropped: OFAC and passports write LU / LV for lü.
    return "".join(c for c in text if not unicodedata.combining(c)).lower()


@lru_cache(maxsize=1)
def char_table() -> CharTable:
    """Load the shipped character table (about 41,000 characters)."""
    res = resources.files("counterflow.screen").joinpath("lists/unihan/unihan-ccc.tsv.gz")
    reading: dict[str, str] = {}
    mainland: dict[str, str] = {}
    taiwan: dict[str, str] = {}
    with gzip.open(res.open("rb"), "rt", encoding="utf-8") as fh:
        next(fh)
        for line in fh:
            char, main, tw, mandarin = line.rstrip("\n").split("\t")
            if mandarin:
                reading[char] = _toneless(mandarin)
            if main:
                mainland[main] = char
            if tw:
                taiwan[tw] = char
    return CharTable(reading, mainland, taiwan)


@dataclass(frozen=True)
class DecodedCCC:
    codes: tuple[str, ...]
    mainland: str  # characters by the mainland codebook ('' for an unknown code)
    taiwan: str
    readings: tuple[str, ...]  # toneless Mandarin reading of each code

    @property
    def pinyin(self) -> str:
        """Family name then the given name joined, as OFAC spells names: 'zheng fujing'."""
        if not self.readings:
            return ""
        return " ".join([self.readings[0], "".join(self.readings[1:])]).strip()


def decode(codes: str) -> DecodedCCC:
    """Decode a string of 4-digit Chinese Commercial Codes; unknown codes decode to nothing."""
    table = char_table()
    parts = tuple(codes.split())
    main = "".join(table.mainland.get(c, "") for c in parts)
    tw = "".join(table.taiwan.get(c, "") for c in parts)
    readings = []
    for code in parts:
        char = table.mainland.get(code) or table.taiwan.get(code)
        if char and char in table.reading:
            readings.append(table.reading[char])
    return DecodedCCC(parts, main, tw, tuple(readings))


def encode(text: str) -> tuple[str, ...]:
    """Chinese characters -> telegraph codes (mainland codebook first; '' where none)."""
    table = char_table()
    reverse = {c: code for code, c in table.taiwan.items()}
    reverse.update({c: code for code, c in table.mainland.items()})
    return tuple(reverse.get(ch, "") for ch in text if not ch.isspace())


def is_cjk(ch: str) -> bool:
    """A CJK ideograph (the unified blocks and their extensions)."""
    cp = ord(ch)
    return (0x4E00 <= cp <= 0x9FFF or 0x3400 <= cp <= 0x4DBF or 0x20000 <= cp <= 0x3134F
            or 0xF900 <= cp <= 0xFAFF)
