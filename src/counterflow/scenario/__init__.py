"""Scenario files: typed, validated configuration of a twin run (see :mod:`.model`)."""

from counterflow.scenario.loader import BUILTIN_SCENARIOS, load_scenario, parse_scenario
from counterflow.scenario.model import Scenario

__all__ = ["BUILTIN_SCENARIOS", "Scenario", "load_scenario", "parse_scenario"]
