"""Thresholds of the learned score: alert-count budget and best F1, on hand-counted scores."""

from __future__ import annotations

import numpy as np
import pytest

from counterflow.detect.model import alert_count_threshold, f1_threshold

SCORES = np.array([0.6, 0.8, 0.9, 0.7, 0.8])
SUBJECTS = np.array([1, 2, 1, 3, 1])  # in score order: 0.9→1, 0.8→2, 0.8→1, 0.7→3, 0.6→1


def _alerts(t: float) -> int:
    return len(set(SUBJECTS[SCORES >= t]))


def test_alert_count_threshold_counts_accounts_not_rows() -> None:
    # One alert: only the top row (the tie at 0.8 would bring account 2 in as well).
    assert alert_count_threshold(SCORES, SUBJECTS, 1) == 0.9
    assert alert_count_threshold(SCORES, SUBJECTS, 2) == 0.8 and _alerts(0.8) == 2
    # Three alerts take every row: the last (0.6) is account 1 again, no new alert.
    assert alert_count_threshold(SCORES, SUBJECTS, 3) == 0.6 and _alerts(0.6) == 3
    assert alert_count_threshold(SCORES, SUBJECTS, 10) == 0.6
    t0 = alert_count_threshold(SCORES, SUBJECTS, 0)
    assert t0 > 0.9 and _alerts(t0) == 0
    with pytest.raises(ValueError):
        alert_count_threshold(SCORES, SUBJECTS, -1)


def test_f1_threshold_picks_the_best_cut() -> None:
    s = np.array([0.5, 0.9, 0.7, 0.6, 0.8])
    y = np.array([False, True, True, True, False])
    # Cuts: 0.9 → F1 2/4, 0.8 → 2/5, 0.7 → 4/6, 0.6 → 6/7, 0.5 → 6/8.
    assert f1_threshold(s, y) == 0.6
    # Equal scores are flagged together: the illicit row at 0.6 ties with three legitimate ones, so
    # 0.6 flags 7 rows (F1 6/10) and 0.7 (F1 4/6) wins; cutting inside the tie would claim 6/7.
    tie_s = np.array([0.9, 0.8, 0.7, 0.6, 0.6, 0.6, 0.6])
    tie_y = np.array([True, False, True, True, False, False, False])
    assert f1_threshold(tie_s, tie_y) == 0.7
    with pytest.raises(ValueError):
        f1_threshold(s, np.zeros(5, bool))
