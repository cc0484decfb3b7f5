"""The Mode S / ADS-B decoding core shared by the Beast and raw (AVR) sources.

:mod:`.fields` reads bit fields of whole frame arrays, :mod:`.cpr` decodes CPR
positions vectorised, :mod:`.state` and :mod:`.positions` keep per-aircraft memory
across chunks, and :class:`~.decoder.ModeSDecoder` ties them into report batches.
"""

from airsentry.sources.modes.decoder import ModeSDecoder

__all__ = ["ModeSDecoder"]
