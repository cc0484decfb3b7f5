"""What a callsign says about who flies: airline, registration, military, air ambulance.

Callsigns follow conventions (ICAO Doc 8585 designators, Annex 7 registration marks):

- **Airline**: a three-letter ICAO operator designator and a flight number that starts
  with a digit (``DLH8JW``, ``AFR21SQ``, ``THY1920``). Some designators belong to air
  forces (``FAF`` French Air Force, ``RCH`` US Air Mobility Command "Reach", ``RRR``
  RAF "Ascot", ``GAF`` German Air Force, ...): those count as military.
- **Registration**: general aviation flies under its registration mark, written without
  the hyphen: five letters (``FGALN`` for F-GALN, ``HBKRA``, ``GCLPU``) or a US
  N-number (``N56821``, ``N441FS``).
- **Military tactical**: a word of four to six letters and one to three digits
  (``PSWRD35``, ``DUKE01``): the pattern air forces use; a weak cue on its own.
- **Air ambulance / rescue helicopters**: a few operators whose callsigns are
  helicopters in practice (``REGA`` Swiss Air-Rescue, ``SAMU`` French emergency
  medical service, ``CHX`` ADAC/Christoph in Germany, ``HEMS``).

:func:`kinds` classifies a whole column with one ``np.unique`` and a regular expression
per *distinct* callsign, so a million rows with a few hundred callsigns cost little.
"""

from __future__ import annotations

import functools
import re

import numpy as np
import numpy.typing as npt

from airsentry.model import IntArray
from airsentry.tracking.base import factorize

NONE, AIRLINE, REGISTRATION, MILITARY, TACTICAL, AMBULANCE = range(6)
NAMES = ("none", "airline", "registration", "military", "tactical", "ambulance")

_MILITARY = (
    "FAF CTM RCH RRR GAF BAF CFC IAM PLF SUI CNV NAF HUF CEF AME DAF NOW SVF FNY HAF ASY KIW ROF"
)
MILITARY_DESIGNATORS = frozenset(_MILITARY.split(" "))
"""ICAO designators of air forces (Doc 8585): their flights are state aircraft."""
AMBULANCE_PREFIXES = ("REGA", "SAMU", "CHX", "HEMS", "CHRIS")

_AIRLINE = re.compile(r"^[A-Z]{3}[0-9][0-9A-Z]{0,4}$")
_REGISTRATION = re.compile(r"^(?:[A-Z]{5}|N[1-9][0-9]{0,4}[A-Z]{0,2})$")
_TACTICAL = re.compile(r"^[A-Z]{4,6}[0-9]{1,3}$")


def kind(callsign: str) -> int:
    """The kind of one callsign (see the module docstring)."""
    cs = callsign.strip().upper().replace("-", "")
    if not cs:
        return NONE
    if cs.startswith(AMBULANCE_PREFIXES):
        return AMBULANCE
    if _AIRLINE.match(cs):
        return MILITARY if cs[:3] in MILITARY_DESIGNATORS else AIRLINE
    if _REGISTRATION.match(cs):
        return REGISTRATION
    if _TACTICAL.match(cs):
        return TACTICAL
    return NONE


@functools.lru_cache(maxsize=65536)
def _kind_of(callsign: str) -> int:
    """:func:`kind`, remembered per callsign text (bounded): the same callsigns come
    back batch after batch."""
    return kind(callsign)


def kinds(callsigns: npt.ArrayLike) -> IntArray:
    """:func:`kind` of every entry of a column. A short column (the classifier passes
    one entry per run of a callsign along a track) is looked up entry by entry in a
    bounded memo; a long one is factorised first."""
    arr = np.asarray(callsigns, dtype=object).reshape(-1)
    if not len(arr):
        return np.empty(0, dtype=np.int64)
    if len(arr) <= 4096:
        return np.fromiter((_kind_of(str(c)) for c in arr.tolist()), np.int64, len(arr))
    uniq, inverse = factorize(arr)
    codes = np.array([kind(str(u)) for u in uniq], dtype=np.int64)
    return codes[inverse.reshape(-1)]
