"""English shared by every message and format: counts with their noun ("1 file", "2 files"),
and how an account is named."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """``count`` and ``noun``, in the plural unless ``count`` is 1: ``plural(2, "set")``."""
    return f"{count} {noun}{'' if count == 1 else 's'}"


def account_label(account_id: str, account_name: str = "") -> str:
    """An account as people read it: ``prod (111111111111)``, the id alone when the account
    has no name, and "" in a run without an accounts file (no account to name). Not escaped:
    callers make it safe for their medium, as they do every name."""
    if not account_id:
        return account_name
    return f"{account_name} ({account_id})" if account_name else account_id


def age(seconds: float) -> str:
    """A time span as people say it, rounded down: ``"45 seconds"``, ``"4 minutes"``,
    ``"3 hours"``, ``"2 days"``; ``"0 seconds"`` for a negative span (a clock skew)."""
    whole = max(0, int(seconds))
    for unit, size in (("day", 86400), ("hour", 3600), ("minute", 60)):
        if whole >= size:
            return plural(whole // size, unit)
    return plural(whole, "second")
