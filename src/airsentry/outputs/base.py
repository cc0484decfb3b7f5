"""The contract of an output: a sink of the pipeline's steps.

Every consumer of what the pipeline found is a :class:`Sink`: the events file, the
audit trail of recommendations, the console's live picture, and the outputs of this
package. The pipeline calls ``write`` with each :class:`~airsentry.step.Step` after its
events and incidents are in the store (so a sink never sees anything the store could
lose), and ``close`` once at the end of the run.
"""

from __future__ import annotations

from typing import Protocol

from airsentry.step import Step


class Sink(Protocol):
    """Receives every step of a run, in order."""

    def write(self, step: Step) -> None: ...

    def close(self) -> None: ...
