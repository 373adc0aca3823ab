"""Country names as sanctions lists write them, resolved to ISO-3166 alpha-2 codes.

Lists name countries in prose ("Korea, North", "Virgin Islands, British", "Iran (Islamic Republic
of)"); screening compares them with the ISO codes of a party's residence or nationality. The table
covers every country spelling found in the shipped OFAC and UN lists plus the other UN members.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# code|name|other spellings...  (names are matched case- and punctuation-insensitively)
_TABLE = """
AF|Afghanistan
AL|Albania
DZ|Algeria
AD|Andorra
AO|Angola
AG|Antigua and Barbuda
AR|Argentina
AM|Armenia
AW|Aruba
AU|Australia
AT|Austria
AZ|Azerbaijan
BS|Bahamas|Bahamas, The|The Bahamas
BH|Bahrain
BD|Bangladesh
BB|Barbados
BY|Belarus
BE|Belgium
BZ|Belize
BJ|Benin
BM|Bermuda
BT|Bhutan
BO|Bolivia|Bolivia (Plurinational State of)
BA|Bosnia and Herzegovina|Bosnia-Herzegovina
BW|Botswana
BR|Brazil
VG|Virgin Islands, British|British Virgin Islands
BN|Brunei|Brunei Darussalam
BG|Bulgaria
BF|Burkina Faso
MM|Burma|Myanmar
BI|Burundi
CV|Cabo Verde|Cape Verde
KH|Cambodia
CM|Cameroon
CA|Canada
KY|Cayman Islands
CF|Central African Republic
TD|Chad
CL|Chile
CN|China|People's Republic of China|PRC
CO|Colombia
KM|Comoros
CG|Congo, Republic of the|Republic of the Congo|Congo
CD|Congo, Democratic Republic of the|Democratic Republic of the Congo|DRC
CR|Costa Rica
CI|Cote d Ivoire|Cote d'Ivoire|Ivory Coast
HR|Croatia
CU|Cuba
CW|Curacao
CY|Cyprus
CZ|Czech Republic|Czechia
DK|Denmark
DJ|Djibouti
DM|Dominica
DO|Dominican Republic
EC|Ecuador
EG|Egypt
SV|El Salvador
GQ|Equatorial Guinea
ER|Eritrea
EE|Estonia
SZ|Eswatini|Swaziland
ET|Ethiopia
FJ|Fiji
FI|Finland
FR|France
GA|Gabon
GM|Gambia|The Gambia|Gambia, The
GE|Georgia
DE|Germany
GH|Ghana
GI|Gibraltar
GR|Greece
GD|Grenada
GT|Guatemala
GG|Guernsey
GN|Guinea
GW|Guinea-Bissau
GY|Guyana
HT|Haiti
HN|Honduras
HK|Hong Kong|Hong Kong SAR
HU|Hungary
IS|Iceland
IN|India
ID|Indonesia
IR|Iran|Iran (Islamic Republic of)|Islamic Republic of Iran
IQ|Iraq
IE|Ireland
IM|Man, Isle of|Isle of Man
IL|Israel
IT|Italy
JM|Jamaica
JP|Japan
JE|Jersey
JO|Jordan
KZ|Kazakhstan
KE|Kenya
KI|Kiribati
KP|Korea, North|North Korea|Democratic People's Republic of Korea|DPRK
KR|Korea, South|South Korea|Republic of Korea
XK|Kosovo
KW|Kuwait
KG|Kyrgyzstan
LA|Laos|Lao People's Democratic Republic
LV|Latvia
LB|Lebanon
LS|Lesotho
LR|Liberia
LY|Libya
LI|Liechtenstein
LT|Lithuania
LU|Luxembourg
MO|Macau|Macao
MG|Madagascar
MW|Malawi
MY|Malaysia
MV|Maldives
ML|Mali
MT|Malta
MH|Marshall Islands
MR|Mauritania
MU|Mauritius
MX|Mexico
FM|Micronesia
MD|Moldova|Republic of Moldova
MC|Monaco
MN|Mongolia
ME|Montenegro
MA|Morocco
MZ|Mozambique
NA|Namibia
NR|Nauru
NP|Nepal
NL|Netherlands|The Netherlands
AN|Netherlands Antilles
NZ|New Zealand
NI|Nicaragua
NE|Niger
NG|Nigeria
MK|North Macedonia|North Macedonia, The Republic of|Macedonia
NO|Norway
OM|Oman
PK|Pakistan
PW|Palau
PS|Palestinian|Palestinian Authority|State of Palestine|West Bank|Region: Gaza|Gaza
PA|Panama
PG|Papua New Guinea
PY|Paraguay
PE|Peru
PH|Philippines
PL|Poland
PT|Portugal
QA|Qatar
RO|Romania
RU|Russia|Russian Federation
RW|Rwanda
KN|Saint Kitts and Nevis
LC|Saint Lucia
VC|Saint Vincent and the Grenadines
WS|Samoa
SM|San Marino
ST|Sao Tome and Principe
SA|Saudi Arabia
SN|Senegal
RS|Serbia
SC|Seychelles
SL|Sierra Leone
SG|Singapore
SK|Slovakia
SI|Slovenia
SB|Solomon Islands
SO|Somalia
ZA|South Africa
SS|South Sudan
ES|Spain
LK|Sri Lanka
SD|Sudan
SR|Suriname
SE|Sweden
CH|Switzerland
SY|Syria|Syrian Arab Republic
TW|Taiwan
TJ|Tajikistan
TZ|Tanzania|United Republic of Tanzania
TH|Thailand
TL|Timor-Leste|East Timor
TG|Togo
TO|Tonga
TT|Trinidad and Tobago
TN|Tunisia
TR|Turkey|Turkiye
TM|Turkmenistan
TV|Tuvalu
UG|Uganda
UA|Ukraine|Region: Crimea|Crimea
AE|United Arab Emirates|UAE
GB|United Kingdom|U.K.|UK|Great Britain|United Kingdom of Great Britain and Northern Ireland
US|United States|United States of America|U.S.|USA
UY|Uruguay
UZ|Uzbekistan
VU|Vanuatu
VE|Venezuela|Venezuela (Bolivarian Republic of)
VN|Vietnam|Viet Nam
YE|Yemen
ZM|Zambia
ZW|Zimbabwe
"""


def _key(text: str) -> str:
    text = unicodedata.normalize("NFKD", text)
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9]+", " ", text).strip()


@lru_cache(maxsize=1)
def _lookup() -> tuple[dict[str, str], dict[str, str]]:
    by_name: dict[str, str] = {}
    names: dict[str, str] = {}
    for line in _TABLE.strip().splitlines():
        code, *spellings = line.split("|")
        names[code] = spellings[0]
        by_name[_key(code)] = code
        for spelling in spellings:
            by_name[_key(spelling)] = code
    return by_name, names


def to_iso2(text: str | None) -> str | None:
    """ISO2 code for a country name or code as lists write it; None when unknown or empty."""
    if not text:
        return None
    by_name, _ = _lookup()
    key = _key(text)
    if key in by_name:
        return by_name[key]
    # "Shanghai, China" and "Culiacan, Sinaloa, Mexico": the country comes last.
    tail = _key(text.rsplit(",", 1)[-1])
    return by_name.get(tail)


def country_name(code: str) -> str:
    """English name for an ISO2 code (the code itself when not in the table)."""
    return _lookup()[1].get(code.upper(), code.upper())
