"""Pausing the cyclic garbage collector around steps that allocate many objects but no cycles.

Loading a large spec and planning 100,000 destinations build millions of small objects;
the collector's repeated passes over them cost a third of the time and find nothing to free
(reference counting frees everything these steps drop).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """The collector off for the block, and back as it was afterwards (even on an error)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
