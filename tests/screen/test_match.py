"""Screening against the full 2024 SDN list: known entries, look-alikes, identifiers, evidence."""

from __future__ import annotations

from datetime import date

import pytest

from counterflow.screen.match import (
    DOB_CONTRADICTS,
    DOB_EXACT,
    NATIONALITY_CONTRADICTS,
    Party,
    ScreenConfig,
)


def top(screener, name, **kw):
    hits = screener.screen(Party(name=name, **kw))
    return hits[0] if hits else None


@pytest.mark.parametrize("name, ent", [
    ("Fujing Zheng", "26236"), ("ZHENG Fujing", "26236"), ("Cheng Fu-ching", "26236"),
    ("Gordon Jin", "26236"), ("Gao Deng", "26236"), ("郑福景", "26236"),
    ("Zheng Guanghua", "26323"), ("Guang-hua Cheng", "26323"),
    ("Zheng Drug Trafficking Organization", "26324"),
    ("Global United Biotechnology Ltd", "27646"), ("Sinaloa Cartel", "11440"),
    ("Cartel de Sinaloa", "11440"), ("Cartel Jalisco Nueva Generacion", "17671"),
    ("Mexican Federation", "11440"),
])
def test_known_entries_found_as_match(full_screener, name, ent):
    hit = top(full_screener, name)
    assert hit is not None and hit.entry_id == ent
    assert hit.verdict == "match" and hit.score >= 0.85


def test_similar_but_different_name_is_not_a_match(full_screener):
    hits = full_screener.screen(Party("Zhang Fujing"))
    assert all(h.verdict != "match" for h in hits)
    # even with Zheng Fujing's own date of birth it stays a candidate
    hit = top(full_screener, "Zhang Fujing", birth_date=date(1983, 6, 11))
    assert hit.entry_id == "26236" and hit.verdict == "candidate"


def test_identifier_wins_outright(full_screener):
    hits = full_screener.screen(Party("Nobody Similar", identifiers=("Goldenchemical@live.com",)))
    assert {h.entry_id for h in hits} == {"26236", "26324"}  # the person and the organisation
    assert all(h.score == 1.0 and h.verdict == "match" for h in hits)
    assert "identifier:email" in hits[0].features
    wallet = top(full_screener, "x", identifiers=("17ezuJoT3XBbdcwFZbkTnrXbup11F4uhiy",))
    assert wallet.entry_id == "26236"
    assert top(full_screener, "x", identifiers=("G31920875",)).entry_id == "26236"


def test_dob_and_country_move_the_score(full_screener):
    base = top(full_screener, "Zheng Fujin")
    good = top(full_screener, "Zheng Fujin", birth_date=date(1983, 6, 11), nationality="CN")
    bad = top(full_screener, "Zheng Fujin", birth_date=date(1990, 1, 1), nationality="MX")
    assert good.score == pytest.approx(min(1.0, base.score + DOB_EXACT + 0.02))
    assert bad is None or bad.score == pytest.approx(
        base.score + DOB_CONTRADICTS + NATIONALITY_CONTRADICTS)
    assert good.features["dob"] == DOB_EXACT


def test_threshold_is_configurable(full_screener):
    from counterflow.screen.match import Screener

    strict = Screener(full_screener.index, ScreenConfig(threshold=0.99, floor=0.5))
    hit = strict.screen(Party("Zheng Fujin"))[0]
    assert hit.entry_id == "26236" and hit.verdict == "candidate"
    with pytest.raises(ValueError):
        ScreenConfig(threshold=0.5, floor=0.8)


def test_candidate_generation_is_selective(full_screener):
    from counterflow.screen.names import name_form

    index = full_screener.index
    found, total = index.candidates(name_form("Fujing Zheng"), 12)
    assert 0 < len(found) <= 12 and len(index.names) > 18000
    assert total == 2.0
    assert any(index.names[nid].entry_id.endswith(":26236") for nid, _ in found)
