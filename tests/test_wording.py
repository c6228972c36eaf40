"""English shared by every message and format."""

from __future__ import annotations

from driftcheck.wording import plural


def test_a_count_takes_the_plural_unless_it_is_one() -> None:
    assert [plural(n, "set") for n in (0, 1, 2)] == ["0 sets", "1 set", "2 sets"]
