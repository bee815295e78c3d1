"""The keys that name a roadmap's parts across re-imports."""

from __future__ import annotations


def obligation_key(item_number: str, phase_index: int, label: str | None) -> str:
    """An obligation's key, stable across re-imports: the item number, plus the phase for
    phased activities («3.1.4/2»)."""
    return item_number if phase_index == 0 and not label else f"{item_number}/{phase_index + 1}"
