"""Sanctions screening: real lists (OFAC SDN, UN), one list model, fast name matching.

Typical use::

    from counterflow.screen import ScreeningIndex, Screener, load_list
    screener = Screener(ScreeningIndex(load_list("ofac-sdn-2024-05-03")))
    hits = screener.screen_name("Fujing Zheng")
"""

from counterflow.screen.index import ScreeningIndex
from counterflow.screen.lists import DEFAULT_LIST, load_list, load_shipped
from counterflow.screen.match import Hit, Party, ScreenConfig, Screener

__all__ = ["DEFAULT_LIST", "Hit", "Party", "ScreenConfig", "Screener", "ScreeningIndex",
           "load_list", "load_shipped"]
