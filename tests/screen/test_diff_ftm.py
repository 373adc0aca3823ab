"""List updates between the 2021 and 2024 fixtures, and FollowTheMoney export."""

from __future__ import annotations

import json

from counterflow.screen.diff import diff_lists, rescreen
from counterflow.screen.ftm import entry_to_ftm, write_ftm
from counterflow.screen.index import ScreeningIndex
from counterflow.screen.match import Party, Screener


def test_added_removed_changed(sdn2021_small, sdn2024_small):
    delta = diff_lists(sdn2021_small, sdn2024_small)
    assert set(delta.removed) == {"1572", "1910", "2680"}
    assert {"9647", "17013"} <= set(delta.added)
    assert "36" not in delta.changed and "173" not in delta.changed  # identical rows
    # 2677: 'AL-ZUMAR, Abbud' (2021) became 'AL-ZOMOR, Abboud Abdul Latif Hassan' with a date of
    # birth and a nationality the 2021 row lacked
    assert delta.changed["2677"] == ("names", "dobs", "nationalities")
    assert delta.not_compared == ("addresses",)  # the 2024 snapshot has no add.csv
    assert diff_lists(sdn2024_small, sdn2024_small).as_dict()["counts"] == {
        "added": 0, "removed": 0, "changed": 0}


def test_rescreen_only_touches_changed_entries(sdn2021_small, sdn2024_small):
    parties = [Party("Mahmoud Zahar", party_id="p1"), Party("Fujing Zheng", party_id="p2"),
               Party("Hasan Nasrallah", party_id="p3")]
    old = Screener(ScreeningIndex(sdn2021_small))
    previous = {p.party_id: old.screen(p) for p in parties}
    updated, delta = rescreen(parties, previous, sdn2021_small, sdn2024_small)
    full = Screener(ScreeningIndex(sdn2024_small))
    for p in parties:  # same answer as screening everyone again against the new list
        assert [(h.entry_id, round(h.score, 6)) for h in updated[p.party_id]] == [
            (h.entry_id, round(h.score, 6)) for h in full.screen(p)]
    assert updated["p1"][0].entry_id == "9647"  # ZAHHAR was added in the new list
    assert previous["p1"] == [] or previous["p1"][0].entry_id != "9647"


def test_ftm_entities(sdn2024_small, tmp_path):
    person, sanction = entry_to_ftm(sdn2024_small.get(26236))[:2]
    assert person["schema"] == "Person"
    props = person["properties"]
    assert props["name"] == ["ZHENG, Fujing"]
    assert {"JIN, Gordon", "郑福景"} <= set(props["alias"])
    assert props["birthDate"] == ["1983-06-11"] and props["nationality"] == ["cn"]
    assert props["passportNumber"] == ["G31920875"]
    assert sanction["schema"] == "Sanction"
    assert sanction["properties"]["authorityId"] == ["26236"]
    assert sanction["properties"]["entity"] == [person["id"]]
    wallets = [e for e in entry_to_ftm(sdn2024_small.get(26236)) if e["schema"] == "CryptoWallet"]
    assert len(wallets) == 2
    count = write_ftm(sdn2024_small, tmp_path / "out" / "sdn.ftm.json")
    lines = (tmp_path / "out" / "sdn.ftm.json").read_text().splitlines()
    assert count == len(lines) > 72
    assert all(json.loads(line)["schema"] for line in lines)
    assert not list((tmp_path / "out").glob(".ftm-*"))
