"""Loading OFAC legacy CSV and UN XML files into the list model, and their error messages."""

from __future__ import annotations

import gzip

import pytest

from counterflow.errors import InputError
from counterflow.screen.model import PartialDate
from counterflow.screen.ofac import load_ofac_csv
from counterflow.screen.un import load_un_xml
from tests.screen.conftest import FIXTURES


def test_ofac_programs_types_and_sizes(sdn2024_small):
    assert len(sdn2024_small) == 36
    sinaloa = sdn2024_small.get(11440)
    assert sinaloa.programs == ("SDNTK", "ILLICIT-DRUGS-EO14059")
    assert sinaloa.entry_type == "organization"
    assert sdn2024_small.get(26236).entry_type == "person"


def test_ofac_2021_merges_alt_and_add(sdn2021_small):
    zheng = sdn2021_small.get(26236)
    texts = [n.text for n in zheng.names]
    assert texts.count("JIN, Gordon") == 1  # in alt.csv and in the remarks: kept once
    biotech = sdn2021_small.get(27646)
    assert [(a.city, a.country) for a in biotech.addresses] == [
        (None, "VG"), ("Shanghai 201206", "CN")]


def test_gzip_file_read_transparently(tmp_path):
    raw = (FIXTURES / "ofac-2024" / "sdn.csv").read_bytes()
    (tmp_path / "sdn.csv.gz").write_bytes(gzip.compress(raw))
    assert len(load_ofac_csv(tmp_path / "sdn.csv")) == 36


@pytest.mark.parametrize("text, message, row", [
    ('1,"A",-0- ,"X"\n', "expected 12 columns", 1),
    ('36,"A",-0- ,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \nabc,"B",-0- ,"X",-0- ,-0- ,-0- ,'
     '-0- ,-0- ,-0- ,-0- ,-0- \n', "ent_num is not a number", 2),
    ('36,-0- ,-0- ,"X",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- \n', "empty SDN_Name", 1),
])
def test_malformed_ofac_rows(tmp_path, text, message, row):
    path = tmp_path / "sdn.csv"
    path.write_text(text + "\x1a")  # OFAC files end with this mark
    with pytest.raises(InputError) as err:
        load_ofac_csv(path)
    assert message in str(err.value) and err.value.row == row
    assert err.value.file == str(path)


def test_un_xml_fields():
    un = load_un_xml(FIXTURES / "un" / "UN_consolidated.xml")
    assert un.published == "2026-02-27" and len(un) == 6
    aziz = un.get("IQi.025")
    assert aziz.name == "TARIQ AZIZ"
    assert aziz.dobs == (PartialDate(1936, 7, 1),)
    assert aziz.nationalities == ("IQ",)
    assert [(i.kind, i.value) for i in aziz.identifiers] == [("passport", "No34409/129")]
    assert any(n.script == "original" for n in aziz.names)
    assert un.get("CDi.001").dobs == (PartialDate(1971),)
    adf = un.get("CDe.001")
    assert adf.entry_type == "organization"
    assert ("NALU", "fka") in [(n.text, n.kind) for n in adf.names]
    assert un.get("KPe.055").name == "CHANG AN SHIPPING & TECHNOLOGY"


def test_malformed_un_xml(tmp_path):
    bad = tmp_path / "un.xml"
    bad.write_text("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL></INDIVIDUALS></CONSOLIDATED_LIST>")
    with pytest.raises(InputError, match="malformed XML"):
        load_un_xml(bad)
    bad.write_text("<CONSOLIDATED_LIST><INDIVIDUALS><INDIVIDUAL></INDIVIDUAL></INDIVIDUALS>")
    with pytest.raises(InputError, match="cut short"):
        load_un_xml(bad)
    other = tmp_path / "other.xml"
    other.write_text("<sdnList/>")
    with pytest.raises(InputError, match="not a UN consolidated list"):
        load_un_xml(other)
