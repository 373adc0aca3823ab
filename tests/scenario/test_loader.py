from __future__ import annotations

import datetime as dt

import pytest

from counterflow.errors import InputError
from counterflow.scenario import BUILTIN_SCENARIOS, load_scenario, parse_scenario


@pytest.mark.parametrize("name", BUILTIN_SCENARIOS)
def test_builtin_scenarios_load(name: str) -> None:
    sc, text = load_scenario(name)
    assert sc.name == name
    assert parse_scenario(text) == sc  # the canonical text round-trips


def test_default_is_used_without_a_name() -> None:
    sc, _ = load_scenario(None)
    assert sc.name == "default"
    assert sc.end_date == sc.start_date + dt.timedelta(days=sc.days - 1)


def test_unknown_key_names_line_key_and_allowed_keys() -> None:
    with pytest.raises(InputError) as e:
        parse_scenario("name: x\npopulation:\n  persns: 30\n", "s.yaml")
    msg = str(e.value)
    assert msg.startswith("s.yaml: ")
    assert "line 3" in msg and "population.persns" in msg
    assert "allowed keys: persons, businesses" in msg


def test_unknown_country_lists_allowed_codes() -> None:
    with pytest.raises(InputError, match=r"residence\.XX.*'US', 'MX', 'CN', 'HK', 'CA' or 'IN'"):
        parse_scenario("name: x\nresidence: {XX: 1}\n")


def test_bad_value_names_key_and_value() -> None:
    with pytest.raises(InputError, match=r"line 2, key 'days'.*greater than or equal to 1.*got -3"):
        parse_scenario("name: x\ndays: -3\n")


def test_bad_choice_lists_allowed_values() -> None:
    with pytest.raises(InputError, match=r"output\.compression.*'zstd', 'snappy', 'lz4' or 'none'"):
        parse_scenario("name: x\noutput:\n  compression: gz\n")


def test_shares_are_normalised_and_banks_required() -> None:
    sc = parse_scenario("name: x\nresidence: {US: 2, MX: 2}\n")
    assert sc.residence == {"US": 0.5, "MX": 0.5}
    with pytest.raises(InputError, match=r"no banks given for CA, HK, IN, where parties live$"):
        parse_scenario("name: x\nresidence: {US: 1, IN: 1}\nbanks: {US: 2, MX: 1, CN: 1}\n")


def test_invalid_yaml_and_missing_file(tmp_path) -> None:
    with pytest.raises(InputError, match="line 2.*not valid YAML"):
        parse_scenario("name: x\n  bad: [\n", "s.yaml")
    with pytest.raises(InputError, match="no such scenario file"):
        load_scenario(str(tmp_path / "nope.yaml"))
    with pytest.raises(InputError, match="must be a mapping"):
        parse_scenario("- a\n- b\n")
