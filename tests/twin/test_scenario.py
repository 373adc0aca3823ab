"""The ``trafficking:`` section of scenario files: defaults, built-ins and validation errors."""

from __future__ import annotations

import pytest

from counterflow.errors import InputError
from counterflow.scenario import BUILTIN_SCENARIOS, load_scenario, parse_scenario


def test_old_scenarios_stay_valid_and_get_the_twin() -> None:
    sc = parse_scenario("name: x\n")
    assert sc.trafficking.enabled and sc.trafficking.history and sc.trafficking.levers == []


@pytest.mark.parametrize("name", ["baseline", "china-schedules-4ap", "manzanillo-x10", "brokers-dismantled"])
def test_trafficking_scenarios_ship_as_builtins(name: str) -> None:
    assert name in BUILTIN_SCENARIOS
    sc, _ = load_scenario(name)
    assert sc.trafficking.enabled
    assert (name == "baseline") == (not sc.trafficking.levers)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("trafficking: {levers: [{kind: ban, start: 2020-01-01}]}", "expected tags: 'schedule_precursors'"),
        ("trafficking: {levers: [{kind: port_inspection, start: 2020-01-01, ports: [tijuana], multiplier: 2}]}",
         "'manzanillo', 'lazaro_cardenas', 'ensenada' or 'veracruz'"),
        ("trafficking: {levers: [{kind: lab_raids, start: 2020-01-01, multiplier: 2, size: 3}]}",
         "unknown key; allowed keys: start, note, kind, multiplier"),
        ("trafficking: {levers: [{kind: schedule_precursors, start: 2020-01-01, chemicals: [heroin]}]}",
         "key 'trafficking.levers.0.chemicals.0'"),
        ("trafficking: {levers: [{kind: port_inspection, ports: [ensenada], multiplier: 2}]}", "Field required"),
        ("trafficking: {colour: red}", "allowed keys: enabled, start_date"),
        ("trafficking: {start_date: 2030-01-01}", "key 'trafficking.start_date': must be on or before start_date"),
        ("trafficking: {levers: [{kind: dismantle_brokers, start: 2020-01-01, share: 1.5}]}",
         "less than or equal to 1"),
    ],
)
def test_bad_trafficking_sections_name_the_key_and_allowed_values(text: str, expected: str) -> None:
    with pytest.raises(InputError) as err:
        parse_scenario("name: x\n" + text, "bad.yaml")
    assert expected in str(err.value)
    assert "bad.yaml" in str(err.value)
