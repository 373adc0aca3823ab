"""Each rule of the OFAC remarks parser, on remarks copied from real SDN rows."""

from __future__ import annotations

from datetime import date

from counterflow.screen.model import PartialDate
from counterflow.screen.remarks import parse_dob, parse_remarks, split_segments


def test_dob_forms():
    assert parse_dob("11 Jun 1983") == PartialDate(1983, 6, 11)
    assert parse_dob("Aug 1946") == PartialDate(1946, 8)
    assert parse_dob("1945") == PartialDate(1945)
    assert parse_dob("circa 1951") == PartialDate(1951, circa=True)
    assert parse_dob("1951 to 1953") == PartialDate(1951, to_year=1953)
    assert parse_dob("sometime") is None
    assert parse_dob("11 Foo 1983") is None


def test_partial_date_comparison():
    d = PartialDate(1983, 6, 11)
    assert d.compare(date(1983, 6, 11)) == "exact"
    assert d.compare(date(1983, 6, 12)) == "contradicts"
    assert d.compare(date(1990, 6, 11)) == "contradicts"
    assert PartialDate(1983).compare(date(1983, 1, 1)) == "year"
    assert PartialDate(1951, circa=True).compare(date(1953, 1, 1)) == "near"
    assert PartialDate(1951, circa=True).compare(date(1954, 1, 1)) == "contradicts"
    assert PartialDate(1951, to_year=1953).compare(date(1952, 5, 5)) == "near"


def test_multiple_dobs_nationality_citizen(sdn2024_small):
    # 12057 NAQDI: "DOB 1951 to 1953; alt. DOB 1960 to 1962; alt. DOB Apr 1961; alt. DOB 1953"
    naqdi = sdn2024_small.get(12057)
    assert naqdi.dobs == (PartialDate(1951, to_year=1953), PartialDate(1960, to_year=1962),
                          PartialDate(1961, 4), PartialDate(1953))
    assert naqdi.nationalities == ("IR",)
    assert naqdi.places_of_birth == ("Najaf, Iraq", "Tehran, Iran")
    zheng = sdn2024_small.get(26236)
    assert zheng.nationalities == ("CN",) and zheng.citizenships == ("CN",)
    assert sdn2024_small.get(7782).dobs == (PartialDate(1951, circa=True),)


def test_aliases_quoted_with_inner_apostrophe(sdn2024_small):
    zheng = sdn2024_small.get(26236)
    assert [(n.text, n.kind) for n in zheng.names] == [
        ("ZHENG, Fujing", "primary"), ("JIN, Gordon", "aka"), ("DENG, Gao", "aka"),
        ("ZHENG, Gordon", "aka")]
    # 3754: "a.k.a. 'ABU-'UMAR'" keeps the apostrophe inside the name
    assert [n.text for n in sdn2024_small.get(3754).aliases] == ["ABU-'UMAR"]
    ebano = sdn2024_small.get(4243)  # f.k.a. on a vessel
    assert [(n.text, n.kind) for n in ebano.aliases] == [("ANA I", "fka"), ("SAND SWAN", "fka")]


def test_emails_crypto_passport_national_id_ccc(sdn2024_small):
    zheng = sdn2024_small.get(26236)
    by_kind: dict[str, list] = {}
    for ident in zheng.identifiers:
        by_kind.setdefault(ident.kind, []).append(ident)
    assert [i.value for i in by_kind["email"]] == [
        "goldenchemical@live.com", "gordonzheng@qinvictory.com", "magicchemical@hotmail.com",
        "sales@globalrc.net", "3507656950@qq.com", "zhengfujing@live.cn"]
    assert [(i.label, i.value) for i in by_kind["crypto"]] == [
        ("XBT", "17ezuJoT3XBbdcwFZbkTnrXbup11F4uhiy"),
        ("XBT", "1DH2xDH7TngrDU6LXciprKCBKNcPA1xX8A")]
    (passport,) = by_kind["passport"]
    assert (passport.value, passport.country, passport.issued, passport.expires) == (
        "G31920875", "CN", "24 Oct 2008", "23 Oct 2018")
    assert [(i.value, i.country) for i in by_kind["national_id"]] == [
        ("310107198306111336", "CN")]
    assert zheng.ccc == ("6774 4395 2529",)
    assert zheng.gender == "male"
    eth = [i for i in sdn2024_small.get(27307).identifiers if i.kind == "crypto"]
    assert eth[0].label == "ETH" and eth[0].value == "0x098B716B8Aaf21512996dC57EB0615e2383E2f96"


def test_latin_american_and_tax_documents(sdn2024_small):
    rodriguez = sdn2024_small.get(4107)
    cedulas = [(i.value, i.country) for i in rodriguez.identifiers if i.label == "Cedula No."]
    assert cedulas == [("6068015", "CO"), ("6067015", "CO")]
    passports = [(i.value, i.country) for i in rodriguez.identifiers if i.kind == "passport"]
    assert passports[1] == ("6067015", "KM")
    arriola = sdn2024_small.get(9338)
    curp = [i for i in arriola.identifiers if i.label == "C.U.R.P."][0]
    assert (curp.kind, curp.value, curp.country, curp.issued) == (
        "national_id", "AIMM67125HCHRRG06", "MX", "1968")
    rfc = [i for i in arriola.identifiers if i.label == "R.F.C."][0]
    assert (rfc.kind, rfc.value) == ("tax_id", "AIMM-671215-387")
    tax = [i for i in sdn2024_small.get(8267).identifiers if i.kind == "tax_id"]
    assert tax[0].value == "AABA 670850 Y"
    ssn = [i for i in sdn2024_small.get(3754).identifiers if i.label == "SSN"][0]
    assert (ssn.value, ssn.country) == ("523-33-8386", "US")


def test_contacts_registrations_vessels(sdn2024_small):
    bank = sdn2024_small.get(12802)
    phones = [i.value for i in bank.identifiers if i.kind == "phone"]
    assert phones[:2] == ["982188526300", "982188526301"] and len(phones) == 7
    assert [i.value for i in bank.identifiers if i.kind == "website"] == ["www.mebank.ir"]
    charity = sdn2024_small.get(12686)
    assert [i.value for i in charity.identifiers if i.kind == "phone"] == [
        "(218) 21 273343326", "(218) 21 253343328"]
    havin = sdn2024_small.get(906)
    assert [(i.kind, i.value) for i in havin.identifiers][:1] == [("swift", "HAVIGB2L")]
    assert ("registration", "01074897", "GB") in [
        (i.kind, i.value, i.country) for i in havin.identifiers]
    assert [i.value for i in sdn2024_small.get(7330).identifiers] == ["14063277"]
    assert [(i.kind, i.value) for i in sdn2024_small.get(4243).identifiers] == [
        ("imo", "7406784")]
    tifon = sdn2024_small.get(4249)
    assert ("call_sign", "CL2059") in [(i.kind, i.value) for i in tifon.identifiers]
    assert tifon.entry_type == "vessel"
    plane = sdn2024_small.get(15431)
    assert plane.entry_type == "aircraft"
    assert ("aircraft", "1023409321") in [(i.kind, i.value) for i in plane.identifiers]


def test_linked_to_and_unknown_segments_kept_as_notes(sdn2024_small):
    assert sdn2024_small.get(27646).linked_to == ("ZHENG DRUG TRAFFICKING ORGANIZATION",)
    assert sdn2024_small.get(12743).notes == ("Organization Established Date 1969",)
    assert sdn2024_small.get(7522).gender == "female"


def test_empty_and_segment_splitting():
    assert parse_remarks("-0- ").dobs == []
    assert parse_remarks(None).aliases == []
    assert split_segments("a.k.a. 'A; B'; DOB 1950.") == ["a.k.a. 'A; B'", "DOB 1950"]
