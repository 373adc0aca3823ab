from __future__ import annotations

import json
from collections import Counter
from pathlib import Path

import pytest

from counterflow.dataset.ftm import export_ftm, read_ftm
from counterflow.dataset.reader import open_dataset
from counterflow.errors import InputError

# Properties of the FtM schemata used, from followthemoney/schema/*.yaml (own and inherited):
# the export must not invent property names that FtM tools would reject.
_THING = {"name", "alias", "country", "address", "description", "summary", "notes"}
_LEGAL = _THING | {"email", "phone", "website", "incorporationDate", "sector", "classification",
                   "registrationNumber", "idNumber", "taxNumber", "jurisdiction", "mainCountry"}
FTM_PROPERTIES = {
    "LegalEntity": _LEGAL,
    "Person": _LEGAL | {"firstName", "lastName", "middleName", "birthDate", "birthPlace",
                        "nationality", "citizenship", "position", "profession", "gender"},
    "Company": _LEGAL,
    "BankAccount": _THING | {"accountNumber", "bankName", "bic", "iban", "bank", "accountType",
                             "openingDate", "closingDate", "balance", "currency", "amount"},
    "Ownership": {"owner", "asset", "percentage", "ownershipType", "startDate", "endDate"},
    "Payment": {"payer", "payerAccount", "beneficiary", "beneficiaryAccount", "amount",
                "currency", "amountUsd", "amountEur", "date", "startDate", "endDate",
                "purpose", "programme", "transactionNumber", "sequenceNumber", "description",
                "summary"},
}


@pytest.fixture(scope="module")
def exported(tiny_path: Path, tmp_path_factory: pytest.TempPathFactory) -> tuple[list, dict]:
    """The tiny dataset exported, and read back."""
    out = tmp_path_factory.mktemp("ftm") / "tiny.jsonl"
    with open_dataset(tiny_path) as ds:
        counts = export_ftm(ds, out)
    return list(read_ftm(out)), counts


def test_counts_per_schema_equal_table_counts(tiny_path: Path, exported: tuple[list, dict]) -> None:
    entities, counts = exported
    seen = Counter(e["schema"] for e in entities)
    assert seen == counts
    with open_dataset(tiny_path) as ds:
        kinds = dict(ds.fetchall("SELECT kind, count(*) FROM parties GROUP BY kind"))
        assert seen["Person"] == kinds["person"] and seen["Company"] == kinds["business"]
        assert seen["BankAccount"] == seen["Ownership"] == ds.rows("accounts")
        assert seen["Payment"] == ds.rows("transactions")
    ids = [e["id"] for e in entities]
    assert len(set(ids)) == len(ids)
    for e in entities:
        assert set(e["properties"]) <= FTM_PROPERTIES[e["schema"]], e
        if e["schema"] in ("Person", "Company", "LegalEntity"):
            assert e["properties"]["name"]  # required by FtM


def test_sample_values_match_the_dataset(tiny_path: Path, exported: tuple[list, dict]) -> None:
    by_id = {e["id"]: e["properties"] for e in exported[0]}
    with open_dataset(tiny_path) as ds:
        for pid, name, given, family, birth, nat in ds.fetchall(
                "SELECT party_id, name, given_name, family_name, birth_date, nationality "
                "FROM parties WHERE kind = 'person' ORDER BY party_id LIMIT 20"):
            p = by_id[f"cf-party-{pid}"]
            assert p["name"] == [name] and p["firstName"] == [given]
            assert p["lastName"] == [family] and p["birthDate"] == [birth.isoformat()]
            assert p["nationality"] == [nat.lower()]
        for pid, tax, names, code in ds.fetchall(
                "SELECT party_id, tax_id, trade_names, industry_code FROM parties "
                "WHERE kind = 'business' ORDER BY trade_names IS NULL, party_id LIMIT 20"):
            p = by_id[f"cf-party-{pid}"]
            assert p["taxNumber"] == [tax] and p["classification"] == [code]
            assert p.get("alias", []) == (names or [])
        for aid, pid, number, bank, cur in ds.fetchall(
                "SELECT a.account_id, a.party_id, a.account_number, b.name, a.currency "
                "FROM accounts a JOIN banks b USING (bank_id) ORDER BY account_id LIMIT 50"):
            a = by_id[f"cf-account-{aid}"]
            assert a["accountNumber"] == [number] and a["bankName"] == [bank]
            assert a["currency"] == [cur]
            o = by_id[f"cf-ownership-{aid}"]
            assert o["owner"] == [f"cf-party-{pid}"] and o["asset"] == [f"cf-account-{aid}"]
        for tid, ts, src, dst, amount, cur, spid, dpid, kind in ds.fetchall("""
                SELECT t.txn_id, t.ts, t.src_account, t.dst_account, t.amount_paid,
                       CAST(t.currency_paid AS VARCHAR), sa.party_id, da.party_id,
                       CAST(t.txn_type AS VARCHAR)
                FROM transactions t LEFT JOIN accounts sa ON sa.account_id = t.src_account
                LEFT JOIN accounts da ON da.account_id = t.dst_account
                WHERE t.txn_id % 301 = 0 OR CAST(t.channel AS VARCHAR) = 'CASH'"""):
            p = by_id[f"cf-payment-{tid}"]
            assert float(p["amount"][0]) == amount and p["currency"] == [cur]
            assert p["date"] == [ts.isoformat(timespec="seconds")] and p["purpose"] == [kind]
            if src is None:  # a cash deposit has no payer
                assert "payer" not in p and "payerAccount" not in p
            else:
                assert p["payer"] == [f"cf-party-{spid}"] and p["payerAccount"] == [f"cf-account-{src}"]
            if dst is None:
                assert "beneficiary" not in p
            else:
                assert p["beneficiaryAccount"] == [f"cf-account-{dst}"]
                assert p["beneficiary"] == [f"cf-party-{dpid}"]


def test_include_and_limit_payments(tiny_path: Path, tmp_path: Path) -> None:
    with open_dataset(tiny_path) as ds:
        c = export_ftm(ds, tmp_path / "a.jsonl", include=("parties",))
        assert set(c) == {"Person", "Company"}
        c = export_ftm(ds, tmp_path / "b.jsonl", include=("payments",), limit_payments=7)
        assert c == {"Payment": 7}
        first = ds.fetchall("SELECT txn_id FROM transactions ORDER BY txn_id LIMIT 7")
        with pytest.raises(InputError, match="exists"):
            export_ftm(ds, tmp_path / "b.jsonl")
        with pytest.raises(InputError, match="cannot export"):
            export_ftm(ds, tmp_path / "c.jsonl", include=("shipments",))
    assert [e["id"] for e in read_ftm(tmp_path / "b.jsonl")] == [f"cf-payment-{t}" for (t,) in first]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a.jsonl", "b.jsonl"]


GOOD = '{"id": "x1", "schema": "Person", "properties": {"name": ["Ana"]}}'


@pytest.mark.parametrize("line,field,words", [
    ("{not json", None, "not valid JSON"),
    ('["a list"]', None, "not a JSON object"),
    ('{"schema": "Person", "properties": {}}', "id", "missing or empty entity id"),
    ('{"id": "x2", "properties": {}}', "schema", "missing or empty entity schema"),
    ('{"id": "x2", "schema": "Person", "properties": []}', "properties", "must be an object"),
    ('{"id": "x2", "schema": "Person", "properties": {"name": "Ana"}}', "properties.name",
     "list of strings"),
])
def test_read_ftm_names_file_line_and_field(tmp_path: Path, line: str, field: str | None,
                                            words: str) -> None:
    p = tmp_path / "e.jsonl"
    p.write_text(f"{GOOD}\n\n{line}\n{GOOD}\n", encoding="utf-8")
    with pytest.raises(InputError) as info:
        list(read_ftm(p))
    assert info.value.file == str(p) and info.value.row == 3 and info.value.field == field
    assert str(info.value).startswith(f"{p}, row 3") and words in str(info.value)


def test_read_ftm_accepts_entities_from_other_tools(tmp_path: Path) -> None:
    p = tmp_path / "os.jsonl"
    p.write_text(json.dumps({"id": "NK-1", "schema": "Company", "caption": "ACME",
                             "datasets": ["x"], "properties": {"name": ["ACME"]}}) + "\n"
                 + json.dumps({"id": "NK-2", "schema": "Person"}) + "\n")
    ents = list(read_ftm(p))
    assert ents[0]["caption"] == "ACME" and ents[1]["properties"] == {}


def test_phone_e164_known_answers() -> None:
    from counterflow.dataset.ftm import phone_e164

    assert phone_e164("+1 212-355-1234", "US") == "+12123551234"  # valid as it is: only the format changes
    assert phone_e164("+91 9797741283", "IN") == "+919797741283"
    # Indian numbers start 6-9: lead 57 becomes the 17th valid lead (77), the rest is kept.
    assert phone_e164("+91 5797741283", "IN") == "+917797741283"
    # A Canadian holder of a +1 number with a US area code gets a Canadian one (58 leads: 213 % 58 = 39,
    # the 40th, 647); a US holder keeps it.
    assert phone_e164("+1 213-835-9762", "CA") == "+16478359762"
    assert phone_e164("+1 213-835-9762", "US") == "+12138359762"
    # 16 Hong Kong leads: 18 % 16 = 2, the third, 24; the calling code decides, not the holder's country.
    assert phone_e164("+852 18960677", "US") == "+85224960677"
    # A North American exchange code cannot start with 0 or 1: 0 becomes 2.
    assert phone_e164("+1 416-035-9762", "CA") == "+14162359762"


@pytest.mark.parametrize("country", ["CA", "MX", "HK", "IN"])
def test_any_drawn_number_exports_valid(country: str) -> None:
    """Whatever digits a generator draws for a country with rules, followthemoney keeps the export."""
    import numpy as np
    from followthemoney import registry  # the test extra installs it

    from counterflow.dataset.ftm import _PHONE_RULES, phone_e164

    code, n, _ = _PHONE_RULES[country]
    rng = np.random.default_rng(7)
    for digits in rng.integers(0, 10, size=(2000, n)):
        v = phone_e164(f"+{code} " + "".join(map(str, digits)), country)
        assert registry.phone.clean(v) == v and registry.phone.country_hint(v) == country.lower(), v
    assert phone_e164(None, "US") is None and phone_e164("", "MX") is None


def test_exported_phones_pass_followthemoney_validation(tiny_path: Path, exported: tuple[list, dict]) -> None:
    """Every exported phone survives FtM's own cleaning unchanged (E.164, valid) and is a number of the
    holder's country; a phone two parties share in the dataset is shared in the export."""
    from followthemoney import registry  # the test extra installs it
    with open_dataset(tiny_path) as ds:
        rows = ds.fetchall("SELECT party_id, country, phone FROM parties WHERE phone IS NOT NULL")
    stored = {pid: (ctry, ph) for pid, ctry, ph in rows}
    exported_phone: dict[str, set[str]] = {}
    seen = 0
    for e in exported[0]:
        for v in e["properties"].get("phone", []):
            pid = int(e["id"].rsplit("-", 1)[1])
            ctry, ph = stored[pid]
            assert registry.phone.clean(v) == v, (pid, ph, v)
            assert registry.phone.country_hint(v) == ctry.lower(), (pid, ctry, ph, v)
            exported_phone.setdefault(ph, set()).add(v)
            seen += 1
    assert seen == len(stored) > 500
    assert all(len(v) == 1 for v in exported_phone.values())
    assert len({next(iter(v)) for v in exported_phone.values()}) == len(exported_phone)
