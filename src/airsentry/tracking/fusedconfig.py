"""Settings of the fused multi-target tracker's default assembly
(:meth:`~airsentry.tracking.mtt.FusedTracker.from_config`): what the pipeline's
configuration file and the scenario library tune, with the reasons for the defaults."""

from __future__ import annotations

from dataclasses import dataclass, field

from airsentry.tracking.crosscheck import CrossCheck
from airsentry.tracking.existence import Existence
from airsentry.tracking.imm import IMM
from airsentry.tracking.management import Management
from airsentry.tracking.motion import MotionModel
from airsentry.tracking.stitch import StitchConfig


def fused_imm() -> IMM:
    """Motion models for a mixed picture. Drones fly waypoint routes and turn abruptly
    (a 90 degree corner at 18 m/s is a 25 m/s velocity jump within one 2 s revisit of a
    counter-drone radar with 15 m plots); with the quieter filter defaults their tracks
    fell out of the gate at corners and restarted as second objects."""
    return IMM(
        models=(MotionModel("cv", sigma_a=2.0), MotionModel("ct", sigma_a=6.0, sigma_w=0.05))
    )


@dataclass(frozen=True, slots=True)
class FusedConfig:
    """Flat settings of the default assembly (:meth:`FusedTracker.from_config`): what the
    pipeline's configuration file and the scenario library tune."""

    imm: IMM = field(default_factory=fused_imm)
    management: Management = field(default_factory=Management)
    crosscheck: CrossCheck = field(default_factory=CrossCheck)
    association: str = "gnn"  # "gnn", or "jpda" where gates overlap
    scan_s: float = 1.0  # shortest sensor scan: one sensor's plots within this window
    # chi-square 2 dof, 99.995 %: at the textbook 99.9 % (association.CHI2_GATE_2D) one good plot in
    # a thousand falls outside, and a drone seen every 2 s for an hour gives thousands
    gate: float = 20.0
    hint_bonus: float = 8.0  # cost reduction for a plot whose track number names the track
    default_accuracy_m: float = 150.0  # plots that state no accuracy
    min_accuracy_m: float = 5.0
    init_speed_sigma: float = 150.0  # m/s, velocity uncertainty of a new track
    init_turn_sigma: float = 0.05  # rad/s
    max_speed_mps: float = 400.0  # a tentative track faster than this is clutter (per hop too)
    alt_sigma_m: float = 150.0  # plots' height noise unless stated (frame); transponder: 1/4
    sigma_az: float = 1.0  # m/s^2 vertical acceleration noise
    alt_gate_sigmas: float = 5.0  # vertical gate: this many sigmas of predicted altitude ...
    alt_gate_m: float = 500.0  # ... plus this margin (plots' altitude noise is unstated)
    late_s: float = 30.0  # plots older than their track by more than this are ignored
    merge_threshold: float = 9.5  # chi-square 4 dof, ~95 %
    merge_after: int = 3  # consecutive agreeing checks before two tracks merge
    merge_active_s: float = 30.0  # only tracks updated this recently merge
    housekeeping_s: float = 20.0  # merge and expiry checks at least this often (event time)
    stitch: StitchConfig = field(default_factory=StitchConfig)  # dormant anonymous tracks
    existence: Existence = field(default_factory=Existence)  # clutter hook: IPDA, clutter map

    def __post_init__(self) -> None:
        if self.association not in ("gnn", "jpda"):
            raise ValueError(f"association must be 'gnn' or 'jpda', not {self.association!r}")
        if self.scan_s <= 0:
            raise ValueError("scan_s must be positive")
