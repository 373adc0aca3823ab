"""Countries, states, cities, sea ports and land crossings named in the reporting.

Places get stable integer ids in declaration order, so a dataset's ``places`` table is the same
for every seed. Populations are in thousands and only weight where parties live.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache


@dataclass(frozen=True)
class Country:
    code: str  # ISO 3166-1 alpha-2
    name: str
    currency: str
    phone_prefix: str


@dataclass(frozen=True)
class Place:
    place_id: int
    kind: str  # country | state | city | sea_port | land_crossing
    name: str
    country: str
    state: str | None
    lat: float | None
    lon: float | None
    population_k: int


# Hong Kong is its own country code and currency but is reported together with China (seeds).
COUNTRIES: tuple[Country, ...] = (
    Country("US", "United States", "USD", "+1"),
    Country("MX", "Mexico", "MXN", "+52"),
    Country("CN", "China", "CNY", "+86"),
    Country("HK", "Hong Kong", "HKD", "+852"),
    Country("CA", "Canada", "CAD", "+1"),
    Country("IN", "India", "INR", "+91"),
)
COUNTRY_CODES: tuple[str, ...] = tuple(c.code for c in COUNTRIES)

US_STATES: tuple[tuple[str, str], ...] = (
    ("AL", "Alabama"), ("AK", "Alaska"), ("AZ", "Arizona"), ("AR", "Arkansas"),
    ("CA", "California"), ("CO", "Colorado"), ("CT", "Connecticut"), ("DE", "Delaware"),
    ("DC", "District of Columbia"), ("FL", "Florida"), ("GA", "Georgia"), ("HI", "Hawaii"),
    ("ID", "Idaho"), ("IL", "Illinois"), ("IN", "Indiana"), ("IA", "Iowa"), ("KS", "Kansas"),
    ("KY", "Kentucky"), ("LA", "Louisiana"), ("ME", "Maine"), ("MD", "Maryland"),
    ("MA", "Massachusetts"), ("MI", "Michigan"), ("MN", "Minnesota"), ("MS", "Mississippi"),
    ("MO", "Missouri"), ("MT", "Montana"), ("NE", "Nebraska"), ("NV", "Nevada"),
    ("NH", "New Hampshire"), ("NJ", "New Jersey"), ("NM", "New Mexico"), ("NY", "New York"),
    ("NC", "North Carolina"), ("ND", "North Dakota"), ("OH", "Ohio"), ("OK", "Oklahoma"),
    ("OR", "Oregon"), ("PA", "Pennsylvania"), ("RI", "Rhode Island"), ("SC", "South Carolina"),
    ("SD", "South Dakota"), ("TN", "Tennessee"), ("TX", "Texas"), ("UT", "Utah"),
    ("VT", "Vermont"), ("VA", "Virginia"), ("WA", "Washington"), ("WV", "West Virginia"),
    ("WI", "Wisconsin"), ("WY", "Wyoming"),
)
MX_STATES: tuple[tuple[str, str], ...] = (
    ("AGU", "Aguascalientes"), ("BCN", "Baja California"), ("BCS", "Baja California Sur"),
    ("CAM", "Campeche"), ("CHP", "Chiapas"), ("CHH", "Chihuahua"), ("CMX", "Ciudad de México"),
    ("COA", "Coahuila"), ("COL", "Colima"), ("DUR", "Durango"), ("GUA", "Guanajuato"),
    ("GRO", "Guerrero"), ("HID", "Hidalgo"), ("JAL", "Jalisco"), ("MEX", "Estado de México"),
    ("MIC", "Michoacán"), ("MOR", "Morelos"), ("NAY", "Nayarit"), ("NLE", "Nuevo León"),
    ("OAX", "Oaxaca"), ("PUE", "Puebla"), ("QUE", "Querétaro"), ("ROO", "Quintana Roo"),
    ("SLP", "San Luis Potosí"), ("SIN", "Sinaloa"), ("SON", "Sonora"), ("TAB", "Tabasco"),
    ("TAM", "Tamaulipas"), ("TLA", "Tlaxcala"), ("VER", "Veracruz"), ("YUC", "Yucatán"),
    ("ZAC", "Zacatecas"),
)
CN_PROVINCES: tuple[tuple[str, str], ...] = (
    ("BJ", "Beijing"), ("SH", "Shanghai"), ("TJ", "Tianjin"), ("GD", "Guangdong"),
    ("ZJ", "Zhejiang"), ("JS", "Jiangsu"), ("HB", "Hubei"), ("HE", "Hebei"), ("SD", "Shandong"),
    ("SC", "Sichuan"), ("FJ", "Fujian"), ("HA", "Henan"),
)
CA_PROVINCES: tuple[tuple[str, str], ...] = (
    ("BC", "British Columbia"), ("ON", "Ontario"), ("QC", "Quebec"), ("AB", "Alberta"),
)
IN_STATES: tuple[tuple[str, str], ...] = (
    ("MH", "Maharashtra"), ("DL", "Delhi"), ("TG", "Telangana"), ("GJ", "Gujarat"),
    ("TN", "Tamil Nadu"), ("KA", "Karnataka"),
)
HK_REGIONS: tuple[tuple[str, str], ...] = (("HK", "Hong Kong"),)

STATES: dict[str, tuple[tuple[str, str], ...]] = {
    "US": US_STATES, "MX": MX_STATES, "CN": CN_PROVINCES, "HK": HK_REGIONS,
    "CA": CA_PROVINCES, "IN": IN_STATES,
}

# (country, state code, city, lat, lon, metro population in thousands)
CITIES: tuple[tuple[str, str, str, float, float, int], ...] = (
    ("US", "NY", "New York", 40.71, -74.01, 19500), ("US", "CA", "Los Angeles", 34.05, -118.24, 12800),
    ("US", "IL", "Chicago", 41.88, -87.63, 9400), ("US", "TX", "Houston", 29.76, -95.37, 7300),
    ("US", "TX", "Dallas", 32.78, -96.80, 7900), ("US", "AZ", "Phoenix", 33.45, -112.07, 5000),
    ("US", "PA", "Philadelphia", 39.95, -75.17, 6200), ("US", "CA", "San Diego", 32.72, -117.16, 3300),
    ("US", "CA", "San Francisco", 37.77, -122.42, 4700), ("US", "WA", "Seattle", 47.61, -122.33, 4000),
    ("US", "FL", "Miami", 25.76, -80.19, 6100), ("US", "GA", "Atlanta", 33.75, -84.39, 6200),
    ("US", "MA", "Boston", 42.36, -71.06, 4900), ("US", "CO", "Denver", 39.74, -104.99, 2900),
    ("US", "NV", "Las Vegas", 36.17, -115.14, 2300), ("US", "TX", "El Paso", 31.76, -106.49, 870),
    ("US", "AZ", "Tucson", 32.22, -110.97, 1050), ("US", "AZ", "Nogales", 31.34, -110.93, 20),
    ("US", "OH", "Columbus", 39.96, -83.00, 2100), ("US", "MI", "Detroit", 42.33, -83.05, 4300),
    ("US", "MN", "Minneapolis", 44.98, -93.27, 3700), ("US", "MD", "Baltimore", 39.29, -76.61, 2800),
    ("US", "NJ", "Newark", 40.74, -74.17, 2000), ("US", "MA", "Lawrence", 42.71, -71.16, 90),
    ("US", "OR", "Portland", 45.52, -122.68, 2500), ("US", "NC", "Charlotte", 35.23, -80.84, 2700),
    ("US", "TN", "Nashville", 36.16, -86.78, 2000), ("US", "MO", "St. Louis", 38.63, -90.20, 2800),
    ("US", "TX", "San Antonio", 29.42, -98.49, 2600), ("US", "TX", "Laredo", 27.51, -99.51, 270),
    ("US", "CA", "Calexico", 32.68, -115.50, 40), ("US", "DC", "Washington", 38.91, -77.04, 6300),
    ("US", "NM", "Albuquerque", 35.08, -106.65, 920), ("US", "UT", "Salt Lake City", 40.76, -111.89, 1250),
    ("MX", "CMX", "Ciudad de México", 19.43, -99.13, 21800), ("MX", "JAL", "Guadalajara", 20.67, -103.35, 5300),
    ("MX", "NLE", "Monterrey", 25.69, -100.32, 5300), ("MX", "SIN", "Culiacán", 24.81, -107.39, 1000),
    ("MX", "BCN", "Tijuana", 32.51, -117.04, 2200), ("MX", "BCN", "Mexicali", 32.62, -115.45, 1050),
    ("MX", "BCN", "Ensenada", 31.87, -116.60, 520), ("MX", "SON", "Nogales", 31.31, -110.94, 260),
    ("MX", "SON", "Hermosillo", 29.07, -110.96, 940), ("MX", "COL", "Manzanillo", 19.05, -104.32, 190),
    ("MX", "MIC", "Lázaro Cárdenas", 17.96, -102.20, 180), ("MX", "VER", "Veracruz", 19.17, -96.13, 940),
    ("MX", "PUE", "Puebla", 19.04, -98.21, 3200), ("MX", "CHH", "Ciudad Juárez", 31.69, -106.42, 1500),
    ("MX", "NAY", "Tepic", 21.50, -104.89, 500), ("MX", "SIN", "Mazatlán", 23.25, -106.41, 500),
    ("MX", "MIC", "Morelia", 19.70, -101.19, 990), ("MX", "TAM", "Nuevo Laredo", 27.48, -99.52, 420),
    ("CN", "SH", "Shanghai", 31.23, 121.47, 24900), ("CN", "BJ", "Beijing", 39.90, 116.41, 21900),
    ("CN", "GD", "Guangzhou", 23.13, 113.26, 18700), ("CN", "GD", "Shenzhen", 22.54, 114.06, 17600),
    ("CN", "HB", "Wuhan", 30.59, 114.31, 13700), ("CN", "TJ", "Tianjin", 39.34, 117.36, 13900),
    ("CN", "ZJ", "Ningbo", 29.87, 121.54, 9600), ("CN", "SD", "Qingdao", 36.07, 120.38, 10100),
    ("CN", "HE", "Shijiazhuang", 38.04, 114.51, 11200), ("CN", "JS", "Nanjing", 32.06, 118.80, 9400),
    ("CN", "SC", "Chengdu", 30.57, 104.07, 21200), ("CN", "FJ", "Xiamen", 24.48, 118.09, 5300),
    ("CN", "HA", "Zhengzhou", 34.75, 113.63, 12800), ("CN", "ZJ", "Hangzhou", 30.27, 120.16, 12400),
    ("HK", "HK", "Hong Kong", 22.32, 114.17, 7500),
    ("CA", "BC", "Vancouver", 49.28, -123.12, 2700), ("CA", "ON", "Toronto", 43.65, -79.38, 6300),
    ("CA", "QC", "Montreal", 45.50, -73.57, 4300), ("CA", "AB", "Calgary", 51.05, -114.07, 1600),
    ("IN", "MH", "Mumbai", 19.08, 72.88, 21300), ("IN", "DL", "Delhi", 28.70, 77.10, 32900),
    ("IN", "TG", "Hyderabad", 17.39, 78.49, 10500), ("IN", "GJ", "Ahmedabad", 23.02, 72.57, 8500),
    ("IN", "TN", "Chennai", 13.08, 80.27, 11500), ("IN", "KA", "Bengaluru", 12.97, 77.59, 13600),
)

# Sea ports: Mexican Pacific/Gulf destination ports from the reporting, Asian origin ports,
# and the North American ports on the direct and Canadian routes.
SEA_PORTS: tuple[tuple[str, str, str, float, float], ...] = (
    ("MX", "COL", "Port of Manzanillo", 19.06, -104.30),
    ("MX", "MIC", "Port of Lázaro Cárdenas", 17.94, -102.18),
    ("MX", "BCN", "Port of Ensenada", 31.85, -116.62),
    ("MX", "VER", "Port of Veracruz", 19.20, -96.13),
    ("MX", "SIN", "Port of Mazatlán", 23.20, -106.42),
    ("CN", "SH", "Port of Shanghai", 31.23, 121.49),
    ("CN", "GD", "Port of Shenzhen (Yantian)", 22.57, 114.27),
    ("CN", "ZJ", "Port of Ningbo-Zhoushan", 29.94, 121.85),
    ("CN", "GD", "Port of Guangzhou (Nansha)", 22.75, 113.62),
    ("CN", "TJ", "Port of Tianjin", 38.98, 117.74),
    ("CN", "SD", "Port of Qingdao", 36.08, 120.32),
    ("HK", "HK", "Port of Hong Kong", 22.33, 114.12),
    ("IN", "MH", "Port of Nhava Sheva", 18.95, 72.95),
    ("IN", "TN", "Port of Chennai", 13.10, 80.30),
    ("US", "CA", "Port of Los Angeles", 33.74, -118.27),
    ("US", "CA", "Port of Long Beach", 33.75, -118.22),
    ("US", "TX", "Port of Houston", 29.73, -95.27),
    ("US", "PA", "Port of Philadelphia", 39.90, -75.14),
    ("CA", "BC", "Port of Vancouver", 49.29, -123.11),
)

# Southwest-border land ports of entry (US side, paired Mexican city in the name).
LAND_CROSSINGS: tuple[tuple[str, str, str, float, float], ...] = (
    ("US", "CA", "San Ysidro (San Diego–Tijuana)", 32.54, -117.03),
    ("US", "CA", "Otay Mesa (San Diego–Tijuana)", 32.55, -116.94),
    ("US", "CA", "Calexico (Calexico–Mexicali)", 32.67, -115.50),
    ("US", "AZ", "Nogales DeConcini (Nogales–Nogales)", 31.33, -110.94),
    ("US", "AZ", "Nogales Mariposa (Nogales–Nogales)", 31.34, -110.97),
    ("US", "AZ", "San Luis (San Luis–San Luis Río Colorado)", 32.49, -114.78),
    ("US", "AZ", "Lukeville (Lukeville–Sonoyta)", 31.88, -112.82),
    ("US", "AZ", "Douglas (Douglas–Agua Prieta)", 31.33, -109.56),
    ("US", "TX", "El Paso (El Paso–Ciudad Juárez)", 31.75, -106.45),
    ("US", "TX", "Laredo (Laredo–Nuevo Laredo)", 27.50, -99.50),
)


@lru_cache(maxsize=1)
def places() -> tuple[Place, ...]:
    """All places, ids assigned in a fixed order: countries, states, cities, ports, crossings."""
    out: list[Place] = []

    def add(kind: str, name: str, country: str, state: str | None,
            lat: float | None = None, lon: float | None = None, pop: int = 0) -> None:
        out.append(Place(len(out) + 1, kind, name, country, state, lat, lon, pop))

    for c in COUNTRIES:
        add("country", c.name, c.code, None)
    for code, states in STATES.items():
        for s_code, s_name in states:
            add("state", s_name, code, s_code)
    for country, state, name, lat, lon, pop in CITIES:
        add("city", name, country, state, lat, lon, pop)
    for country, state, name, lat, lon in SEA_PORTS:
        add("sea_port", name, country, state, lat, lon)
    for country, state, name, lat, lon in LAND_CROSSINGS:
        add("land_crossing", name, country, state, lat, lon)
    return tuple(out)


def places_of(kind: str, country: str | None = None) -> tuple[Place, ...]:
    return tuple(
        p for p in places() if p.kind == kind and (country is None or p.country == country)
    )


def country(code: str) -> Country:
    for c in COUNTRIES:
        if c.code == code:
            return c
    raise KeyError(code)
