"""Identification: what each track is, and which zones admit it.

- :mod:`~airsentry.identify.icao` and :mod:`~airsentry.identify.callsign`: registering
  State, military ranges and what a callsign says about its operator.
- :mod:`~airsentry.identify.classify` (the rules of :mod:`~airsentry.identify.rules` over
  the cues of :mod:`~airsentry.identify.cues`): the class of every track, with
  confidence and reasons.
- :mod:`~airsentry.identify.authority`: which targets each zone admits, and why not.
- :mod:`~airsentry.identify.base`: the stage (:class:`Identifier`) and what it hands
  downstream with every batch of track updates (:class:`Identified`).
"""
