"""Seeding the starter rules (placeholder)."""


def seed_rules(store) -> int:
    """Add starter rules the store does not have yet; return how many were added."""
    return 0
