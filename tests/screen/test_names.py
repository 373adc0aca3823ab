"""Folding, suffixes, pinyin / Wade-Giles syllable keys, Chinese Commercial Codes."""

from __future__ import annotations

from counterflow.screen import ccc
from counterflow.screen.names import fold, name_form, pinyin_to_wade_giles, token_syllables


def test_fold_diacritics_punctuation_apostrophes():
    assert fold("José María López-Núñez") == "jose maria lopez nunez"
    assert fold("O'Neil, Ch'eng") == "oneil cheng"
    assert fold("Straße Øster") == "strasse oster"


def test_company_suffixes_removed():
    assert name_form("GLOBAL UNITED BIOTECHNOLOGY INC.").tokens == (
        "global", "united", "biotechnology")
    assert name_form("Sistema de Radio de Sinaloa, S.A. de C.V.").tokens == (
        "sistema", "de", "radio", "de", "sinaloa")
    assert name_form("Anglo-Caribbean Co., Ltd.").tokens == ("anglo", "caribbean")
    assert name_form("Limited").tokens == ("limited",)  # a name is never emptied
    assert name_form("LIMITED LIABILITY COMPANY VMK").tokens == ("vmk",)


def test_wade_giles_keys():
    assert pinyin_to_wade_giles("zheng") == "cheng"
    assert pinyin_to_wade_giles("jing") == "ching"
    assert pinyin_to_wade_giles("xi") == "hsi"
    assert pinyin_to_wade_giles("guang") == "kuang"
    assert pinyin_to_wade_giles("zi") == "tzu"
    assert pinyin_to_wade_giles("zhang") == "chang"
    assert pinyin_to_wade_giles("guo") == "kuo"
    assert pinyin_to_wade_giles("dong") == "tung"


def test_segmentation_pinyin_and_wade_giles():
    assert token_syllables("fujing") == ("fu", "ching")
    assert token_syllables("ching") == ("ching",)  # Wade-Giles spelling
    assert token_syllables("guanghua") == ("kuang", "hua")
    assert token_syllables("fangan") == ("fan", "kan")  # no apostrophe: fan'gan, not fang'an
    assert token_syllables("gordon") is None
    forms = [name_form(t) for t in ("ZHENG, Fujing", "Cheng Fu-ching", "Zheng Fu Jing")]
    keys = [sorted(k for s in f.syllables for k in s) for f in forms]
    assert keys[0] == keys[1] == keys[2] == ["cheng", "ching", "fu"]
    assert sorted(k for s in name_form("Zhang Fujing").syllables for k in s) == [
        "chang", "ching", "fu"]


def test_chinese_commercial_codes():
    zheng = ccc.decode("6774 4395 2529")
    assert zheng.mainland == "郑福景"
    assert zheng.readings == ("zheng", "fu", "jing")
    assert zheng.pinyin == "zheng fujing"
    assert ccc.decode("6774 1639 5478").mainland == "郑广华"
    assert ccc.decode("5478").taiwan == "華"  # the codebooks differ for this character
    assert ccc.encode("郑福景") == ("6774", "4395", "2529")
    assert ccc.decode("0000 9999").readings == ()  # unknown codes decode to nothing


def test_characters_read_as_pinyin():
    assert name_form("郑福景").tokens == ("zheng", "fu", "jing")


def test_legal_forms_with_one_typo_removed():
    assert name_form("Puyuan Trade Co Limitd").tokens == ("puyuan", "trade")
    assert name_form("Limited Liabiltiy Company VMK").tokens == ("vmk",)
    assert name_form("Sepasad Engineering Comapny").tokens == ("sepasad", "engineering")
    assert name_form("Compay Segundo").tokens == ("compay", "segundo")  # not at the end
