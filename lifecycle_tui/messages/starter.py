"""Seeding the starter templates from the repository's ``templates/`` folder (placeholder)."""


def seed_templates(store) -> int:
    """Add starter templates the store does not have yet; return how many were added."""
    return 0
