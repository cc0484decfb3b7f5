"""Names and adjectives of states, by ISO 3166-1 alpha-3 code, for reports.

A small table for Europe and its neighbours (plus the NATO allies across the
Atlantic) is enough for the zones airsentry ships; no dependency is worth adding for
it. Unknown codes are shown as they are.
"""

from __future__ import annotations

# code: (short name, adjective as in "Estonian airspace")
COUNTRIES: dict[str, tuple[str, str]] = {
    "ALB": ("Albania", "Albanian"),
    "AND": ("Andorra", "Andorran"),
    "ARM": ("Armenia", "Armenian"),
    "AUT": ("Austria", "Austrian"),
    "AZE": ("Azerbaijan", "Azerbaijani"),
    "BEL": ("Belgium", "Belgian"),
    "BGR": ("Bulgaria", "Bulgarian"),
    "BIH": ("Bosnia and Herzegovina", "Bosnian"),
    "BLR": ("Belarus", "Belarusian"),
    "CAN": ("Canada", "Canadian"),
    "CHE": ("Switzerland", "Swiss"),
    "CYP": ("Cyprus", "Cypriot"),
    "CZE": ("Czechia", "Czech"),
    "DEU": ("Germany", "German"),
    "DNK": ("Denmark", "Danish"),
    "DZA": ("Algeria", "Algerian"),
    "EGY": ("Egypt", "Egyptian"),
    "ESP": ("Spain", "Spanish"),
    "EST": ("Estonia", "Estonian"),
    "FIN": ("Finland", "Finnish"),
    "FRA": ("France", "French"),
    "FRO": ("Faroe Islands", "Faroese"),
    "GBR": ("United Kingdom", "British"),
    "GEO": ("Georgia", "Georgian"),
    "GRC": ("Greece", "Greek"),
    "GRL": ("Greenland", "Greenlandic"),
    "HRV": ("Croatia", "Croatian"),
    "HUN": ("Hungary", "Hungarian"),
    "IRL": ("Ireland", "Irish"),
    "IRN": ("Iran", "Iranian"),
    "IRQ": ("Iraq", "Iraqi"),
    "ISL": ("Iceland", "Icelandic"),
    "ISR": ("Israel", "Israeli"),
    "ITA": ("Italy", "Italian"),
    "JOR": ("Jordan", "Jordanian"),
    "KAZ": ("Kazakhstan", "Kazakh"),
    "LBN": ("Lebanon", "Lebanese"),
    "LBY": ("Libya", "Libyan"),
    "LIE": ("Liechtenstein", "Liechtenstein"),
    "LTU": ("Lithuania", "Lithuanian"),
    "LUX": ("Luxembourg", "Luxembourg"),
    "LVA": ("Latvia", "Latvian"),
    "MAR": ("Morocco", "Moroccan"),
    "MCO": ("Monaco", "Monégasque"),
    "MDA": ("Moldova", "Moldovan"),
    "MKD": ("North Macedonia", "North Macedonian"),
    "MLT": ("Malta", "Maltese"),
    "MNE": ("Montenegro", "Montenegrin"),
    "NLD": ("Netherlands", "Dutch"),
    "NOR": ("Norway", "Norwegian"),
    "POL": ("Poland", "Polish"),
    "PRT": ("Portugal", "Portuguese"),
    "ROU": ("Romania", "Romanian"),
    "RUS": ("Russia", "Russian"),
    "SMR": ("San Marino", "Sammarinese"),
    "SRB": ("Serbia", "Serbian"),
    "SVK": ("Slovakia", "Slovak"),
    "SVN": ("Slovenia", "Slovenian"),
    "SWE": ("Sweden", "Swedish"),
    "SYR": ("Syria", "Syrian"),
    "TUN": ("Tunisia", "Tunisian"),
    "TUR": ("Türkiye", "Turkish"),
    "UKR": ("Ukraine", "Ukrainian"),
    "USA": ("United States", "United States"),
    "VAT": ("Vatican City", "Vatican"),
    "XKX": ("Kosovo", "Kosovar"),  # user-assigned code, as used by the EU and NATO
}


def country_name(code: str) -> str:
    """``"Estonia"`` for ``"EST"``; the code itself when unknown (or ``"unknown"``)."""
    entry = COUNTRIES.get(code.upper())
    return entry[0] if entry else (code or "unknown")


def country_adjective(code: str) -> str:
    """``"Estonian"`` for ``"EST"``; the code itself when unknown."""
    entry = COUNTRIES.get(code.upper())
    return entry[1] if entry else (code or "unknown")
