"""Name similarity on hand-built pairs with known outcomes."""

from __future__ import annotations

import pytest

from counterflow.screen.names import name_form
from counterflow.screen.similarity import name_similarity, token_similarity

ZHENG = name_form("ZHENG, Fujing")


@pytest.mark.parametrize("query", ["Fujing Zheng", "Zheng Fu Jing", "Fu-Jing ZHENG",
                                   "Cheng Fu-ching", "郑福景", "zheng fujing"])
def test_same_chinese_name_in_any_spelling_scores_one(query):
    assert name_similarity(name_form(query), ZHENG, chinese=True) == pytest.approx(1.0)


def test_different_family_name_stays_low():
    assert name_similarity(name_form("Zhang Fujing"), ZHENG, chinese=True) < 0.7
    # without Chinese reading it would look like a one-letter typo
    assert name_similarity(name_form("Zhang Fujing"), ZHENG, chinese=False) > 0.85


def test_typos_initials_and_partial_names():
    assert name_similarity(name_form("Zhemg Fujing"), ZHENG, chinese=True) > 0.85
    assert 0.8 < name_similarity(name_form("F. Zheng"), ZHENG, chinese=True) < 0.9
    assert name_similarity(name_form("Zheng"), ZHENG, chinese=True) < 0.7
    guzman = name_form("GUZMAN LOERA, Joaquin Archivaldo")
    assert 0.75 < name_similarity(name_form("Joaquin Guzman"), guzman) < 0.85
    assert token_similarity("lopez", "lopes") == pytest.approx(0.8)
    assert token_similarity("fujnig", "fujing") > 0.8  # transposition is one edit
    assert token_similarity("ab", "xy") == 0.0


def test_order_and_particles():
    assert name_similarity(name_form("Cartel de Sinaloa"), name_form("SINALOA CARTEL")) > 0.9
    assert name_similarity(name_form("Gordon Jin"), name_form("JIN, Gordon")) == 1.0


@pytest.mark.parametrize("query, listed", [
    ("Joaquin Guzman", "GUZMAN LOERA, Joaquin Archivaldo"), ("J. Smith", "SMITH, John"),
    ("Baker Sader", "SADER, Fadi"), ("Cartel de Sinaloa", "SINALOA CARTEL"),
    ("Jon Smyth", "SMITH, John"),
])
def test_fast_path_equals_span_similarity(query, listed):
    from counterflow.screen.similarity import plain_similarity, plain_tokens

    q, n = name_form(query), name_form(listed)
    pq, pn = plain_tokens(q), plain_tokens(n)
    fast = plain_similarity(pq, pn, sum(w for _, w in pq), sum(w for _, w in pn))
    assert fast == name_similarity(q, n)
