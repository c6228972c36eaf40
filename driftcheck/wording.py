"""English shared by every message and format: counts with their noun ("1 file", "2 files")."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, in the plural unless ``count`` is 1: ``plural(2, "set")``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"
