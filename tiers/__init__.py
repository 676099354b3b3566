"""Tiers as data: one frozen :class:`~tiers.model.TierSpec` per tier, and their registry."""

from tiers import advanced, expert, intermediate, poc
from tiers.model import Environment, Target, Tier, TierSpec

TIERS: dict[Tier, TierSpec] = {
    spec.tier: spec for spec in (poc.SPEC, intermediate.SPEC, advanced.SPEC, expert.SPEC)
}

__all__ = ["TIERS", "Environment", "Target", "Tier", "TierSpec"]
