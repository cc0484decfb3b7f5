"""Decisions: people decide what airsentry recommends, and every decision is audited.

- :mod:`~airsentry.decisions.desk`: the one door for acknowledgements, authorisations
  and refusals (roles from a roster, actions the playbook recommends, reasons given).
- :mod:`~airsentry.decisions.audit`: the tamper-evident audit log, and the trail of
  recommendations the pipeline made.
"""
