"""Leak benchmark: how much of the ground truth a plain model reads off the generator's raw fields.

One command: ``python bench/leak_bench.py [--scenario default hi] [--seed 42] [--keep DIR]``.

A synthetic AML data set is useful only when a model has to learn the typologies, not the
generator. For each scenario this simulates one dataset (or reuses ``DIR/<scenario>``), splits
the transactions by days (the first 60 % train, the next 20 % choose the threshold with the best
F1, the last 20 % are the test; as ``bench/quality_bench.py``) and trains the same LightGBM on five
field sets (two configurations, the project's :class:`LightGBMScorer` weighted at learning rate
0.02 and plain LightGBM at 0.05, each set keeping the better on validation; see ``CONFIGS``):

- **(a) AMLworld**: the fields of an AMLworld CSV (amounts paid and received, currencies, payment
  format, banks on both sides, hour and weekday);
- **(b) transaction**: every field of a transaction row (adds the type, location, shipment, memo,
  the dollar amount, cents, minute and second, which sides have an account);
- **(c) + parties and accounts**: (b) plus every attribute of both sides' account (bank, type,
  currency, age) and holder (kind, country, nationality, age, occupation, industry, registration
  age, website, trade names, formats of phone, email and address, city, state);
- **(d) amounts**: amount paid, amount in USD and the cents alone;
- **(e) Counterflow**: our look-ahead-free detection features (:class:`FeatureBuilder`);
- **(f)** (optional, ``--sets f``): (c) with dates in whole years and near-identifiers (city, name
  and address lengths) dropped, which tells generator tells from memorised illicit accounts.

The gap between (c) and (e) is what detection adds; (a)-(d) should stay low. For each set it
prints the test F1, precision and recall, the top features by gain and the recall per typology.
``--sets`` picks sets (e.g. ``abcd`` to skip the slow features); figures go to ``leak.json`` in
the work directory. :func:`field_table` and :func:`fit_set` are what ``tests/render/test_leak.py``
uses on a small scenario.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from quality_bench import TRAIN_SHARE, VALID_SHARE, quality  # noqa: E402 - the same split and metrics

# Transaction fields: every column of the transactions table, made numeric.
_TXN = """
SELECT t.txn_id, b.e, coalesce(l.is_illicit, false) AS y, CAST(l.typology AS VARCHAR) AS typology,
       t.amount_paid, t.amount_received,
       hash(CAST(t.currency_paid AS VARCHAR)) % 1000 AS currency_paid,
       hash(CAST(t.currency_received AS VARCHAR)) % 1000 AS currency_received,
       hash(CAST(t.channel AS VARCHAR)) % 1000 AS channel, hash(CAST(t.txn_type AS VARCHAR)) % 1000 AS txn_type,
       hour(t.ts) AS hour, dayofweek(t.ts) AS weekday, minute(t.ts) AS minute, second(t.ts) AS second,
       sa.bank_id AS src_bank, da.bank_id AS dst_bank,
       coalesce(b.amount_usd, 0) AS amount_usd,
       round(t.amount_paid * 100) % 100 AS cents_paid, round(t.amount_received * 100) % 100 AS cents_received,
       round(t.amount_paid) % 1000 AS units_paid, CAST(t.src_account IS NULL AS INT) AS no_src,
       CAST(t.dst_account IS NULL AS INT) AS no_dst, t.location_id, CAST(t.shipment_id IS NOT NULL AS INT) AS shipment,
       hash(CAST(t.memo AS VARCHAR)) % 1000 AS memo
FROM transactions t JOIN base b ON b.txn_id = t.txn_id
LEFT JOIN transaction_labels l ON l.txn_id = t.txn_id
LEFT JOIN accounts sa ON sa.account_id = t.src_account
LEFT JOIN accounts da ON da.account_id = t.dst_account"""

# Account and holder attributes of one side ({s}: src or dst); dates as days before the row.
_SIDE = """
SELECT a.account_id AS {s}_account_id,
       hash(a.account_type) % 1000 AS {s}_account_type, hash(a.currency) % 1000 AS {s}_account_currency,
       a.open_date AS {s}_open_date, length(a.account_number) AS {s}_account_number_len,
       hash(p.kind) % 1000 AS {s}_kind, hash(p.country) % 1000 AS {s}_country,
       hash(p.nationality) % 1000 AS {s}_nationality, CAST(p.country = p.nationality AS INT) AS {s}_national,
       p.birth_date AS {s}_birth_date, hash(coalesce(p.occupation, '')) % 1000 AS {s}_occupation,
       hash(coalesce(p.industry_code, '')) % 1000 AS {s}_industry, p.registration_date AS {s}_registration_date,
       CAST(p.tax_id IS NULL AS INT) AS {s}_no_tax_id, coalesce(len(p.trade_names), -1) AS {s}_trade_names,
       CAST(p.has_website AS INT) AS {s}_website, length(p.phone) AS {s}_phone_len,
       hash(regexp_replace(p.phone, '[0-9]', '9', 'g')) % 1000 AS {s}_phone_format,
       hash(split_part(p.email, '@', 2)) % 1000 AS {s}_email_domain,
       length(split_part(p.email, '@', 1)) AS {s}_email_user_len,
       CAST(regexp_matches(p.email, '[0-9]@') AS INT) AS {s}_email_digits,
       CAST(p.address LIKE '%Apt%' OR p.address LIKE '%Int%' AS INT) AS {s}_address_unit,
       length(p.address) AS {s}_address_len, length(p.name) AS {s}_name_len,
       length(p.name) - length(replace(p.name, ' ', '')) AS {s}_name_words, p.city_id AS {s}_city,
       hash(coalesce(p.state, '')) % 1000 AS {s}_state
FROM accounts a JOIN parties p ON p.party_id = a.party_id"""

SET_NAMES = {"a": "AMLworld CSV fields", "b": "every transaction field", "c": "+ party and account attributes",
             "d": "amounts alone", "e": "Counterflow features", "f": "(c) without near-identifiers"}
A_FIELDS = ("amount_paid", "amount_received", "currency_paid", "currency_received", "channel", "hour", "weekday",
            "src_bank", "dst_bank")
D_FIELDS = ("amount_paid", "amount_usd", "cents_paid")
B_FIELDS = A_FIELDS + ("txn_type", "minute", "second", "amount_usd", "cents_paid", "cents_received", "units_paid",
                       "no_src", "no_dst", "location_id", "shipment", "memo")


def _progress(msg: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def field_table(data: str | Path):  # type: ignore[no-untyped-def]
    """The transactions with labels and sets (a)-(d)'s fields (Arrow, in time order), and the split
    (first day of validation, first day of test) as epoch seconds."""
    from counterflow.dataset.reader import open_dataset
    from counterflow.detect.base import txn_base_sql
    from counterflow.engine.duckdb import DuckDBEngine

    with open_dataset(data) as ds:
        eng = DuckDBEngine(ds.con)
        ds.con.execute(f"CREATE OR REPLACE TEMP TABLE base AS {txn_base_sql(eng.dialect, None, None)}")
        lo, hi = ds.fetchall("SELECT min(ts), max(ts) FROM transactions")[0]
        day0 = dt.datetime(lo.year, lo.month, lo.day)
        days = (hi - day0).days + 1
        cuts = [day0 + dt.timedelta(days=round(days * s)) for s in (TRAIN_SHARE, TRAIN_SHARE + VALID_SHARE)]
        side_cols = ", ".join(f"{s}.* EXCLUDE ({s}_account_id, {s}_open_date, {s}_birth_date, {s}_registration_date), "
                              f"datediff('day', {s}.{s}_open_date, t.ts) AS {s}_account_age, "
                              f"datediff('day', {s}.{s}_birth_date, t.ts) AS {s}_age, "
                              f"datediff('day', {s}.{s}_registration_date, t.ts) AS {s}_registered"
                              for s in ("src", "dst"))
        table = ds.sql(f"""
WITH txn AS ({_TXN}), src AS ({_SIDE.format(s='src')}), dst AS ({_SIDE.format(s='dst')})
SELECT x.*, {side_cols}
FROM txn x JOIN transactions t ON t.txn_id = x.txn_id
LEFT JOIN src ON src.src_account_id = t.src_account LEFT JOIN dst ON dst.dst_account_id = t.dst_account
ORDER BY x.e, x.txn_id""").to_arrow_table()
    epoch = [int(c.replace(tzinfo=dt.timezone.utc).timestamp()) for c in cuts]
    return table, epoch


# Person accounts with their holder's traits, for the party check; ``cover`` is what the role
# dictates (country, nationality), the rest must not tell an illicit holder from an honest one.
_PERSON_ACCOUNTS = """
SELECT CAST(l.is_illicit AS INT) AS y, p.country || '/' || coalesce(p.nationality, '') AS cover,
       hash(a.account_type) % 1000 AS account_type, hash(a.currency) % 1000 AS currency, a.bank_id,
       datediff('day', a.open_date, DATE '{start}') AS account_age, length(a.account_number) AS number_len,
       datediff('day', p.birth_date, DATE '{start}') AS age, hash(coalesce(p.occupation, '')) % 1000 AS occupation,
       length(p.phone) AS phone_len, hash(regexp_replace(p.phone, '[0-9]', '9', 'g')) % 1000 AS phone_format,
       hash(split_part(p.email, '@', 2)) % 1000 AS email_domain, length(split_part(p.email, '@', 1)) AS email_user,
       CAST(regexp_matches(p.email, '[0-9]@') AS INT) AS email_digits, length(p.address) AS address_len,
       CAST(p.address LIKE '%Apt%' AS INT) AS address_unit, length(p.name) AS name_len, p.city_id,
       hash(coalesce(p.state, '')) % 1000 AS state, CAST(p.tax_id IS NULL AS INT) AS no_tax_id
FROM accounts a JOIN parties p ON p.party_id = a.party_id JOIN party_labels l ON l.party_id = a.party_id
WHERE p.kind = 'person' AND a.account_type <> 'wallet'"""
PARTY_FIELDS = ("account_type", "currency", "bank_id", "account_age", "number_len", "age", "occupation", "phone_len",
                "phone_format", "email_domain", "email_user", "email_digits", "address_len", "address_unit", "name_len",
                "city_id", "state", "no_tax_id")


def party_check(data: str | Path) -> dict:
    """How well a model tells illicit persons' accounts from honest ones of the same cover (country
    and nationality) by every trait of the account and holder: LightGBM on one half of the covers'
    accounts (a fixed hash split), best-F1 threshold and F1 on the other half, with the F1 of
    flagging at random (the base rate) beside it. Persons only: firms' traits follow their role."""
    from counterflow.dataset.reader import open_dataset

    with open_dataset(data) as ds:
        start = ds.fetchall("SELECT CAST(min(ts) AS DATE) FROM transactions")[0][0]
        t = ds.sql(_PERSON_ACCOUNTS.format(start=start)).to_arrow_table()
    return party_f1(t)


def party_f1(t) -> dict:  # type: ignore[no-untyped-def]
    """:func:`party_check` on a table of ``_PERSON_ACCOUNTS`` rows."""
    import lightgbm as lgb

    from counterflow.detect.model import LightGBMScorer

    y = t.column("y").to_numpy().astype(bool)
    cover = np.array(t.column("cover").to_pylist(), dtype=object)
    keep = np.isin(cover, np.unique(cover[y]))  # honest accounts of the covers illicit holders have
    X = matrix(t, list(PARTY_FIELDS))[keep]
    y = y[keep]
    half = (np.arange(len(y)) * 2654435761 % 2**32) % 2 == 0
    params = LightGBMScorer(n_jobs=THREADS)._lgb_params(y[half])
    params["scale_pos_weight"] = 1.0
    bst = lgb.train(params, lgb.Dataset(X[half], y[half].astype(np.float64), feature_name=list(PARTY_FIELDS)), 100)
    f1 = _best_f1(bst.predict(X[~half]), y[~half])  # at the test half's own best threshold: an upper bound
    gain = bst.feature_importance(importance_type="gain")
    top = [(PARTY_FIELDS[i], float(gain[i] / max(gain.sum(), 1e-9))) for i in np.argsort(-gain)[:5] if gain[i] > 0]
    base = float(y[~half].mean())
    return {"accounts": int(len(y)), "illicit": int(y.sum()), "f1": f1, "random_f1": 2 * base / (1 + base),
            "top_gain": top}


# Attributes that are near-identifiers of one party (a birth or open date to the day, a city, the
# length of a name or an address): with them a model can memorise the few hundred illicit
# accounts of the training period rather than learn what illicit parties look like. Set (f) is (c)
# with dates in whole years and these dropped.
_IDENTIFYING = ("city", "name_len", "address_len", "email_user_len", "account_number_len")
_IN_YEARS = ("age", "account_age", "registered")


def columns_of(table, kind: str) -> list[str]:  # type: ignore[no-untyped-def]
    """The field names of set ``kind`` (a-d, f) in ``table`` (``X/365`` names a field in years)."""
    if kind == "f":
        out = []
        for c in columns_of(table, "c"):
            side, _, rest = c.partition("_")
            if side in ("src", "dst") and rest in _IDENTIFYING:
                continue
            out.append(f"{c}/365" if side in ("src", "dst") and rest in _IN_YEARS else c)
        return out
    if kind == "a":
        return list(A_FIELDS)
    if kind == "d":
        return list(D_FIELDS)
    if kind == "b":
        return list(B_FIELDS)
    skip = {"txn_id", "e", "y", "typology"}
    return list(B_FIELDS) + [c for c in table.column_names if c not in skip and c not in B_FIELDS]


def matrix(table, names: list[str]) -> np.ndarray:  # type: ignore[no-untyped-def]
    m = np.empty((table.num_rows, len(names)), dtype=np.float32)
    for j, n in enumerate(names):
        col, years = (n[:-4], True) if n.endswith("/365") else (n, False)
        v = table.column(col).to_numpy(zero_copy_only=False).astype(np.float64)
        m[:, j] = np.floor(v / 365) if years else v
    return m


# Two LightGBM configurations, the same for every set; each set keeps the one with the better
# validation F1. The scorer's default (200 trees at 0.05, positives weighted to balance the
# classes) diverges when positives are rare (1 in 600 or fewer): most scores saturate at 1 and
# F1 collapses, which would hide a leak rather than measure it. Weighted at a slower rate, and
# unweighted at the default rate, both train stably.
# One thread: OpenMP threads spinning on a loaded shared machine run many times slower than one.
THREADS = 1
CONFIGS = ({"weighted": True, "learning_rate": 0.02}, {"weighted": False, "learning_rate": 0.05})


class _Unweighted:
    """LightGBM with the scorer's settings but no class weights (lightgbm's plain binary objective)."""

    def __init__(self, learning_rate: float) -> None:
        self.learning_rate = learning_rate

    def fit(self, X: np.ndarray, y: np.ndarray, names: list[str]) -> _Unweighted:
        import lightgbm as lgb

        from counterflow.detect.model import LightGBMScorer

        params = LightGBMScorer(learning_rate=self.learning_rate, n_jobs=THREADS)._lgb_params(y)
        params["scale_pos_weight"] = 1.0
        self.booster_ = lgb.train(params, lgb.Dataset(X, y.astype(np.float64), feature_name=names), 200)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return self.booster_.predict(X)


def _best_f1(scores: np.ndarray, y: np.ndarray) -> float:
    from counterflow.detect.model import f1_threshold

    t = f1_threshold(scores, y)
    flag = scores >= t
    return float(2 * np.sum(flag & y) / (flag.sum() + y.sum()))


def fit_set(X: np.ndarray, names: list[str], y: np.ndarray, e: np.ndarray, typology: np.ndarray, usd: np.ndarray,
            cuts: list[int], configs: tuple[dict, ...] = CONFIGS) -> dict:
    """Train on the first period with each configuration, keep the one with the best validation F1,
    threshold at that F1, score the test period."""
    from counterflow.detect.model import LightGBMScorer, f1_threshold

    a, b = (int(np.searchsorted(e, c)) for c in cuts)
    tr, va, te = slice(0, a), slice(a, b), slice(b, len(e))
    t0 = time.process_time()
    best = None
    for cfg in configs:
        if cfg["weighted"]:
            model = LightGBMScorer(learning_rate=cfg["learning_rate"], n_jobs=THREADS).fit(X[tr], y[tr],
                                                                                         feature_names=names)
        else:
            model = _Unweighted(cfg["learning_rate"]).fit(X[tr], y[tr], names)
        sv = model.decision_function(X[va])
        f1v = _best_f1(sv, y[va])
        if best is None or f1v > best[0]:
            best = (f1v, cfg, model, f1_threshold(sv, y[va]))
    f1v, cfg, model, threshold = best
    flag = model.decision_function(X[te]) >= threshold
    gain = model.booster_.feature_importance(importance_type="gain")
    total = float(gain.sum()) or 1.0
    top = [(names[i], float(gain[i] / total)) for i in np.argsort(-gain)[:8] if gain[i] > 0]
    return {"features": len(names), "config": cfg, "validation_f1": f1v,
            "rows": {"train": a, "validation": b - a, "test": len(e) - b},
            "illicit": {"train": int(y[tr].sum()), "validation": int(y[va].sum()), "test": int(y[te].sum())},
            "test": quality(flag, y[te], usd[te], typology[te]), "top_gain": top,
            "cpu_seconds": time.process_time() - t0}


def _features(data: Path, work: Path, ids: np.ndarray) -> tuple[np.ndarray, list[str]]:
    """Our detection features aligned to ``ids`` (cached in ``work/features.parquet``)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from counterflow.dataset.reader import open_dataset
    from counterflow.detect.features import FeatureBuilder

    path = work / "features.parquet"
    if not path.exists():
        builder = FeatureBuilder().fit()
        names = builder.feature_names_
        schema = pa.schema([("txn_id", pa.int64())] + [(n, pa.float32()) for n in names])
        tmp = path.with_name(".features.parquet.tmp")
        with open_dataset(data) as ds, pq.ParquetWriter(tmp, schema) as w:
            for chunk in builder.iter_chunks(ds):
                w.write_table(pa.table([chunk.column("txn_id")] + [chunk.column(n).cast(pa.float32()) for n in names],
                                       schema=schema))
                _progress(f"  features: {chunk.num_rows:,} rows")
        tmp.replace(path)
    t = pq.read_table(path)
    fid = t.column("txn_id").to_numpy()
    order = np.argsort(fid, kind="stable")
    pos = order[np.searchsorted(fid, ids, sorter=order)]
    if not np.array_equal(fid[pos], ids):
        raise SystemExit("features do not cover the dataset's transactions")
    names = [c for c in t.column_names if c != "txn_id"]
    return np.column_stack([t.column(n).to_numpy(zero_copy_only=False)[pos] for n in names]).astype(np.float32), names


def simulate_into(scenario: str, seed: int, data: Path) -> None:
    from counterflow.render.pipeline import simulate
    from counterflow.scenario.loader import load_scenario

    sc, _ = load_scenario(scenario)
    t0 = time.process_time()
    res = simulate(sc, seed, data, overwrite=True)
    _progress(f"{scenario}: simulated {res.transactions:,} transactions in {time.process_time() - t0:.0f} CPU-s")


def value_share(table) -> float:  # type: ignore[no-untyped-def]
    usd = table.column("amount_usd").to_numpy()
    y = table.column("y").to_numpy(zero_copy_only=False).astype(bool)
    return float(usd[y].sum() / max(usd.sum(), 1e-9))


def run_scenario(scenario: str, seed: int, work: Path, sets: str) -> dict:
    work.mkdir(parents=True, exist_ok=True)
    data = work / "data"
    if not (data / "manifest.json").exists():
        simulate_into(scenario, seed, data)
    _progress(f"{scenario}: reading fields")
    table, cuts = field_table(data)
    y = table.column("y").to_numpy(zero_copy_only=False).astype(bool)
    e = table.column("e").to_numpy()
    usd = table.column("amount_usd").to_numpy()
    typ = np.array(table.column("typology").to_pylist(), dtype=object)
    doc = {"scenario": scenario, "seed": seed, "transactions": table.num_rows, "illicit": int(y.sum()),
           "illicit_value_share": value_share(table), "sets": {}}
    _progress(f"{scenario}: {table.num_rows:,} transactions, {int(y.sum()):,} illicit "
              f"(1 in {table.num_rows / max(1, y.sum()):,.0f}), {100 * doc['illicit_value_share']:.1f} % of USD")
    doc["party_check"] = party_check(data)
    _progress(f"{doc['scenario']}: party check F1 {doc['party_check']['f1']:.3f} "
              f"(random {doc['party_check']['random_f1']:.3f})")
    for kind in sets:
        if kind == "e":
            _progress(f"{scenario}: (e) computing our features")
            X, names = _features(data, work, table.column("txn_id").to_numpy())
        else:
            names = columns_of(table, kind)
            X = matrix(table, names)
        _progress(f"{scenario}: ({kind}) fitting on {len(names)} fields")
        res = fit_set(X, names, y, e, typ, usd, cuts)
        doc["sets"][kind] = res
        _progress(f"{scenario}: ({kind}) {SET_NAMES[kind]}: F1 {res['test']['f1']:.3f}")
        del X
    return doc


def report(doc: dict) -> str:
    lines = [f"== {doc['scenario']} (seed {doc['seed']}): {doc['transactions']:,} transactions, "
             f"{doc['illicit']:,} illicit (1 in {doc['transactions'] / max(1, doc['illicit']):,.0f}), "
             f"illicit value {100 * doc['illicit_value_share']:.1f} % of USD moved",
             f"{'set':<36}{'n':>5}{'F1':>7}{'prec':>7}{'recall':>8}  top features by gain"]
    for kind, r in doc["sets"].items():
        t = r["test"]
        top = ", ".join(f"{n} {g:.2f}" for n, g in r["top_gain"][:5])
        lines.append(f"({kind}) {SET_NAMES[kind]:<32}{r['features']:>5}{t['f1']:>7.3f}{t['precision']:>7.3f}"
                     f"{t['recall']:>8.3f}  {top}")
    pc = doc.get("party_check")
    if pc:
        lines.append(f"party check: {pc['illicit']:,} illicit of {pc['accounts']:,} person accounts of the same "
                     f"covers; F1 {pc['f1']:.3f} (flagging at random {pc['random_f1']:.3f}); top: "
                     + ", ".join(f"{n} {g:.2f}" for n, g in pc["top_gain"]))
    codes = sorted({c for r in doc["sets"].values() for c in r["test"]["typologies"]})
    if codes:
        lines.append("recall per typology (test; support): " + "; ".join(
            f"{c} ({next(iter(r['test']['typologies'][c]['support'] for r in doc['sets'].values()))}): " + " ".join(
                f"{k} {r['test']['typologies'][c]['recall']:.2f}" for k, r in doc["sets"].items()
                if c in r["test"]["typologies"]) for c in codes))
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scenario", nargs="+", default=["default", "hi"], help="built-in names or scenario files")
    ap.add_argument("--seed", type=int, default=42)
    ap.add_argument("--sets", default="abcde", help="field sets to fit, of a-e")
    ap.add_argument("--keep", type=Path, help="work directory: datasets and features are kept (and reused) there")
    ap.add_argument("--out", type=Path, help="JSON results (default: leak.json in the work directory)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="cf-leak-bench-") as tmp:
        work = args.keep or Path(tmp)
        docs = []
        for sc in args.scenario:
            docs.append(run_scenario(sc, args.seed, work / Path(sc).stem, args.sets))
            print(report(docs[-1]), flush=True)
        out = args.out or work / "leak.json"
        out.write_text(json.dumps(docs, indent=2), encoding="utf-8")
        print(f"results: {out}")


if __name__ == "__main__":
    main()
