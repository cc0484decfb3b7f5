"""Response: how threatening an incident is, what it costs to act, and what to recommend.

- :mod:`~airsentry.respond.picture`: the live traffic picture the rules look at.
- :mod:`~airsentry.respond.threat` and :mod:`~airsentry.respond.impact`: the threat
  assessment of an incident and the expected impact of closing an airport.
- :mod:`~airsentry.respond.situation`: the facts of an incident the triggers read.
- :mod:`~airsentry.respond.playbook`: rules of engagement as YAML escalation ladders
  (``playbooks/default.yaml``); :class:`~airsentry.respond.playbook.Responder` is the
  pipeline's one recommender. Engagement is never automatic.
"""
