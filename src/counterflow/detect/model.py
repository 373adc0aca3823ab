"""The learned score: LightGBM on the transaction features, with a threshold set by an alert budget.

Follows the scikit-learn contract without depending on scikit-learn: parameters in the
constructor, learning in ``fit``, learned attributes end in ``_``, ``predict_proba`` returns two
columns. The threshold is the score of the ``alert_budget``-th share of transactions, ranked
on the validation rows when given (else on the training rows), so the budget holds on data the
trees did not see. A saved model is one JSON file: parameters, feature list, threshold, the
versions it was trained with, and LightGBM's own text model; loading checks the format.
"""

from __future__ import annotations

import json
import math
import platform
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from counterflow import __version__
from counterflow.errors import InputError

FORMAT = "counterflow-model"
FORMAT_VERSION = 1
BUILTIN_MODEL = "builtin_model.json"


def to_matrix(X: pa.Table | np.ndarray, feature_names: list[str] | None = None) -> np.ndarray:
    """Features as a float matrix; missing values (nulls) become NaN, which LightGBM handles. A
    float32 or float64 matrix is used as it is (LightGBM takes both; a copy would double memory)."""
    if isinstance(X, np.ndarray):
        return X if X.dtype in (np.float32, np.float64) else np.asarray(X, dtype=np.float64)
    names = feature_names or X.column_names
    missing = [n for n in names if n not in X.column_names]
    if missing:
        raise ValueError(f"features missing from the input: {', '.join(missing[:5])}")
    cols = [X.column(n).cast(pa.float64()).to_numpy(zero_copy_only=False) for n in names]
    return np.column_stack(cols) if cols else np.zeros((X.num_rows, 0))


def budget_threshold(scores: np.ndarray, budget: float) -> float:
    """The lowest score still inside the top ``budget`` share of ``scores``."""
    if not 0 < budget <= 1:
        raise ValueError("alert budget must be a share of transactions in (0, 1]")
    if len(scores) == 0:
        return 1.0
    k = max(1, math.ceil(budget * len(scores)))
    return float(np.sort(scores)[::-1][k - 1])


def alert_count_threshold(scores: np.ndarray, subjects: np.ndarray, n_alerts: int) -> float:
    """The lowest score threshold at which the rows scoring at or above it fall into at most
    ``n_alerts`` distinct subjects (accounts), as ``detect`` groups flagged rows into alerts.

    Rows of equal score are flagged together, so a tie that would overshoot the budget is left out.
    """
    if n_alerts < 0:
        raise ValueError("alert budget must be a count of alerts, 0 or more")
    scores = np.asarray(scores, dtype=np.float64)
    if len(scores) == 0:
        return 1.0
    order = np.argsort(-scores, kind="stable")
    s = scores[order]
    # A row opens a new alert when its subject appears for the first time in score order.
    _, first = np.unique(np.asarray(subjects)[order], return_index=True)
    new = np.zeros(len(s), dtype=np.int64)
    new[first] = 1
    alerts = np.cumsum(new)
    cut = np.r_[s[1:] != s[:-1], True] & (alerts <= n_alerts)
    if not cut.any():
        return float(np.nextafter(s[0], np.inf))  # nothing may be flagged: above the top score
    return float(s[np.flatnonzero(cut)[-1]])


def f1_threshold(scores: np.ndarray, y: np.ndarray) -> float:
    """The score threshold (flag ``score >= t``) with the highest minority-class F1 on (scores, y)."""
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y, dtype=bool)
    if len(scores) == 0 or not y.any():
        raise ValueError("choosing a threshold by F1 needs rows with laundering among them")
    order = np.argsort(-scores, kind="stable")
    s, tp = scores[order], np.cumsum(y[order])
    flagged = np.arange(1, len(s) + 1)
    # Only cut between different scores: rows of equal score are flagged together.
    cut = np.r_[s[1:] != s[:-1], True]
    f1 = np.where(cut, 2 * tp / (flagged + y.sum()), -1.0)
    return float(s[int(np.argmax(f1))])


class LightGBMScorer:
    """Gradient-boosted trees scoring each transaction's likelihood of being laundering."""

    def __init__(self, n_estimators: int = 200, learning_rate: float = 0.05, num_leaves: int = 31,
                 min_child_samples: int = 20, alert_budget: float = 0.005, random_state: int = 0,
                 n_jobs: int = 0) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.alert_budget = alert_budget
        self.random_state = random_state
        self.n_jobs = n_jobs

    def get_params(self, deep: bool = True) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("n_estimators", "learning_rate", "num_leaves", "min_child_samples",
                                              "alert_budget", "random_state", "n_jobs")}

    def set_params(self, **params: Any) -> LightGBMScorer:
        for k, v in params.items():
            if k not in self.get_params():
                raise ValueError(f"unknown parameter {k!r}")
            setattr(self, k, v)
        return self

    def _lgb_params(self, y: np.ndarray) -> dict[str, Any]:
        pos = max(1.0, float(y.sum()))
        return {
            "objective": "binary", "learning_rate": self.learning_rate, "num_leaves": self.num_leaves,
            "min_child_samples": self.min_child_samples, "seed": self.random_state, "deterministic": True,
            "num_threads": self.n_jobs, "verbosity": -1, "force_col_wise": True,
            # Laundering is rare; weighting positives to balance the classes keeps the trees from
            # learning "never".
            "scale_pos_weight": max(1.0, (len(y) - pos) / pos),
        }

    def fit(self, X: pa.Table | np.ndarray | Any, y: np.ndarray, *, feature_names: list[str] | None = None,
            X_valid: pa.Table | np.ndarray | Any | None = None, y_valid: np.ndarray | None = None) -> LightGBMScorer:
        """Train on (X, y); X (and X_valid) may also be a :class:`lightgbm.Sequence` of feature rows
        (read batch by batch: :mod:`counterflow.detect.spill`), which then needs ``feature_names``."""
        import lightgbm as lgb

        if isinstance(X, lgb.Sequence):
            if feature_names is None:
                raise ValueError("training from a sequence of rows needs feature_names")
            names, data = feature_names, X
        else:
            names = feature_names or (X.column_names if isinstance(X, pa.Table) else
                                      [f"f{i}" for i in range(np.shape(X)[1])])
            data = to_matrix(X, names)
        y = np.asarray(y, dtype=np.float64)
        if len(y) != len(data):
            raise ValueError(f"{len(data)} rows of features but {len(y)} labels")
        if len(np.unique(y)) < 2:
            raise InputError("training data has one class only: laundering labels are needed to train")
        self.booster_ = lgb.train(self._lgb_params(y), lgb.Dataset(data, y, feature_name=names, free_raw_data=True),
                                  num_boost_round=self.n_estimators)
        self.feature_names_ = list(names)
        self.n_features_in_ = len(names)
        self.classes_ = np.array([False, True])
        ref = self._score_rows(X_valid if X_valid is not None else data)
        self.threshold_ = budget_threshold(ref, self.alert_budget)
        self.versions_ = versions()
        if y_valid is not None and X_valid is not None:
            self.validation_ = {"rows": int(len(y_valid)), "positives": int(np.sum(y_valid))}
        return self

    def _score(self, m: np.ndarray) -> np.ndarray:
        return self.booster_.predict(m)

    def _score_rows(self, X: pa.Table | np.ndarray | Any) -> np.ndarray:
        """Scores of a table, a matrix, or a :class:`lightgbm.Sequence` read in its batches."""
        import lightgbm as lgb

        if not isinstance(X, lgb.Sequence):
            return self._score(to_matrix(X, self.feature_names_))
        n, step = len(X), X.batch_size or 65_536
        parts = [self._score(np.asarray(X[a:min(n, a + step)], dtype=np.float64)) for a in range(0, n, step)]
        return np.concatenate(parts) if parts else np.zeros(0)

    def _check(self) -> None:
        if not hasattr(self, "booster_"):
            raise RuntimeError("this scorer is not fitted; call fit() or load() first")

    def predict_proba(self, X: pa.Table | np.ndarray | Any) -> np.ndarray:
        self._check()
        p = self._score_rows(X)
        return np.column_stack([1 - p, p])

    def decision_function(self, X: pa.Table | np.ndarray) -> np.ndarray:
        return self.predict_proba(X)[:, 1]

    def predict(self, X: pa.Table | np.ndarray) -> np.ndarray:
        return self.decision_function(X) >= self.threshold_

    # -- persistence -------------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        self._check()
        doc = {
            "format": FORMAT, "format_version": FORMAT_VERSION, "params": self.get_params(),
            "feature_names": self.feature_names_, "threshold": self.threshold_, "versions": self.versions_,
            "validation": getattr(self, "validation_", None), "budget": getattr(self, "budget_", None),
            "model": self.booster_.model_to_string(),
        }
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        tmp.write_text(json.dumps(doc), encoding="utf-8")
        tmp.replace(out)
        return out

    @classmethod
    def load(cls, path: str | Path) -> LightGBMScorer:
        import lightgbm as lgb

        p = Path(path)
        try:
            doc = json.loads(p.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read the model ({exc})", file=str(p)) from exc
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise InputError(f"not a Counterflow model (format must be {FORMAT!r})", file=str(p), field="format")
        if doc.get("format_version") != FORMAT_VERSION:
            raise InputError(f"model format version {doc.get('format_version')!r} is not supported",
                             file=str(p), field="format_version")
        for key in ("params", "feature_names", "threshold", "model"):
            if key not in doc:
                raise InputError("model file is incomplete", file=str(p), field=key)
        self = cls(**doc["params"])
        self.booster_ = lgb.Booster(model_str=doc["model"])
        self.feature_names_ = list(doc["feature_names"])
        self.n_features_in_ = len(self.feature_names_)
        self.classes_ = np.array([False, True])
        self.threshold_ = float(doc["threshold"])
        self.versions_ = doc.get("versions", {})
        if doc.get("validation"):
            self.validation_ = doc["validation"]
        if doc.get("budget"):
            self.budget_ = doc["budget"]
        return self


def builtin_model_path() -> Path:
    """The model shipped in the package (trained by ``bench/train_builtin.py``)."""
    from importlib import resources

    return Path(str(resources.files("counterflow.detect") / "data" / BUILTIN_MODEL))


def load_builtin() -> LightGBMScorer:
    """The shipped model; an error saying how to make it when the package has none."""
    path = builtin_model_path()
    if not path.exists():
        raise InputError("the package ships no built-in model; train one with bench/train_builtin.py "
                         "or pass --model", file=str(path))
    return LightGBMScorer.load(path)


def versions() -> dict[str, str]:
    import lightgbm

    return {"counterflow": __version__, "lightgbm": lightgbm.__version__, "numpy": np.__version__,
            "python": platform.python_version()}
