"""Difference paths: one grammar (write, read, cover, glob) and what a path names."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from driftcheck.diffpath import (
    Key,
    Member,
    PathSyntaxError,
    Segment,
    check_glob,
    child,
    covers,
    format_path,
    glob_matches,
    keyed_items,
    parse_path,
    read_loosely,
)

DIMS = "CloudWatchDestination.DimensionConfigurations"


@pytest.mark.parametrize(
    ("segments", "text"),
    [
        ((), ""),
        ((Member("Enabled"),), "Enabled"),
        ((Member("SnsDestination"), Member("TopicArn")), "SnsDestination.TopicArn"),
        (
            (Member("A"), Member("B"), Key("__campaign"), Member("C")),
            "A.B[__campaign].C",
        ),
        ((Member("A"), Key("0")), "A[0]"),  # a name of digits is a name, not a position
        ((Member("A"), Key("-x_")), "A[-x_]"),
        ((Member("A"), Key("a.b")), 'A["a.b"]'),
        ((Member("A"), Key("a]b")), 'A["a]b"]'),
        ((Member("A"), Key("a[b")), 'A["a[b"]'),
        ((Member("A"), Key('a"b')), 'A["a\\"b"]'),
        ((Member("A"), Key("")), 'A[""]'),
        ((Member("A"), Key("café")), 'A["café"]'),
        ((Member("A"), Key("a b")), 'A["a b"]'),
        ((Member("A"), Key("*")), 'A["*"]'),
        ((Member("we.ird"), Member("x")), '"we.ird".x'),
        ((Member("A"), Member("")), 'A.""'),
    ],
)
def test_paths_are_written_and_read_back(segments: tuple[Segment, ...], text: str) -> None:
    assert format_path(segments) == text
    assert parse_path(text) == segments


SEGMENT_TEXT = st.text(max_size=8) | st.from_regex(r"_{0,2}[A-Za-z0-9_-]{0,6}", fullmatch=True)
SEGMENTS = st.lists(
    st.one_of(st.builds(Member, SEGMENT_TEXT), st.builds(Key, SEGMENT_TEXT)), max_size=5
).filter(lambda s: not s or isinstance(s[0], Member))


@given(SEGMENTS)
def test_every_path_reads_back_as_written(segments: list[Segment]) -> None:
    text = format_path(segments)
    assert parse_path(text) == tuple(segments)
    # the written form is canonical: equal paths are equal strings
    assert format_path(parse_path(text)) == text


@given(SEGMENTS, SEGMENTS)
def test_covers_is_exactly_a_prefix_of_segments(above: list[Segment], below: list[Segment]) -> None:
    assert covers(format_path(above), format_path(below)) == (below[: len(above)] == above)


def test_a_quoted_plain_name_is_the_same_path() -> None:
    assert parse_path(f'{DIMS}["campaign"].X') == parse_path(f"{DIMS}[campaign].X")
    assert covers(f'{DIMS}["campaign"]', f"{DIMS}[campaign].X")


@pytest.mark.parametrize(
    "text",
    [".Enabled", "A..B", "A.", "A[x", "A[x]]", "[x]", "A[x]B", 'A["x]', "A b", "A[a.b]", "A[]"],
)
def test_malformed_paths_are_refused(text: str) -> None:
    with pytest.raises(PathSyntaxError):
        parse_path(text)
    assert not covers(text, text)


def test_covers_stops_at_segment_boundaries() -> None:
    assert covers("SnsDestination", "SnsDestination.TopicArn")
    assert covers(f"{DIMS}[d]", f"{DIMS}[d].DefaultDimensionValue")
    assert covers(DIMS, f"{DIMS}[d]")
    assert not covers("Sns", "SnsDestination.TopicArn")
    assert not covers(f"{DIMS}[d]", f"{DIMS}[dd].X")
    assert not covers(f"{DIMS}[a]", f'{DIMS}["a.b"]')  # a quoted name is one segment
    assert covers("", "Enabled")  # the whole definition


@pytest.mark.parametrize(
    ("pattern", "path", "matches"),
    [
        ("Enabled", "Enabled", True),
        ("SnsDestination", "SnsDestination.TopicArn", True),  # a glob covers what is below
        ("*", f"{DIMS}[x].Y", True),
        ("*.TopicArn", "SnsDestination.TopicArn", True),
        ("Cloud*", f"{DIMS}[x].Y", True),
        ("*Arn", "SnsDestination.TopicArn", True),  # `*` spans segments, as fnmatch did
        ("Sns?estination", "SnsDestination.TopicArn", True),
        ("Sns", "SnsDestination.TopicArn", False),
        # `[` is a key, never a character class
        (f"{DIMS}[campaign]", f"{DIMS}[campaign].DefaultDimensionValue", True),
        (f"{DIMS}[campaign].*", f"{DIMS}[campaign].DefaultDimensionValue", True),
        (f"{DIMS}[campaign]", f"{DIMS}[c].DefaultDimensionValue", False),
        (f"{DIMS}[*].DefaultDimensionValue", f"{DIMS}[__c].DefaultDimensionValue", True),
        (f"{DIMS}[*].DefaultDimensionValue", f"{DIMS}[c].DimensionValueSource", False),
        (f"{DIMS}[__*]", f"{DIMS}[__campaign].X", True),
        (f"{DIMS}[__*]", f"{DIMS}[campaign].X", False),
        # quoted text is literal, and written as paths write it
        (f'{DIMS}["*"]', f'{DIMS}["*"].X', True),
        (f'{DIMS}["*"]', f"{DIMS}[a].X", False),
        (f'{DIMS}["a.b"]', f'{DIMS}["a.b"].X', True),
        (f'{DIMS}["x"]', f"{DIMS}[x]", True),
        (f"{DIMS}[*]", f'{DIMS}["a]b"].X', True),
    ],
)
def test_globs(pattern: str, path: str, matches: bool) -> None:
    check_glob(pattern)
    assert glob_matches(pattern, path) is matches


@pytest.mark.parametrize("pattern", ["A..B", "A[", "[x]", "A[x", 'A["x'])
def test_malformed_globs_are_refused(pattern: str) -> None:
    with pytest.raises(PathSyntaxError):
        check_glob(pattern)


def test_child_appends_one_segment_in_the_grammar() -> None:
    assert child("", Member("Enabled")) == "Enabled"
    assert child(DIMS, Key("a.b")) == f'{DIMS}["a.b"]'
    assert child(f'{DIMS}["a.b"]', Member("X")) == f'{DIMS}["a.b"].X'


def test_loose_reading_keeps_what_a_checker_can_explain() -> None:
    spans = read_loosely(f"{DIMS}[a.b].Default Value")
    assert [s for s, _, _ in spans] == [
        Member("CloudWatchDestination"),
        Member("DimensionConfigurations"),
        Key("a.b"),
        Member("Default Value"),
    ]
    assert read_loosely("A[]")[1][0] == Key("")
    with pytest.raises(PathSyntaxError):
        read_loosely("A..B")


def dimension(name: Any, value: str = "v") -> dict[str, Any]:
    return {
        "DimensionName": name,
        "DimensionValueSource": "MESSAGE_TAG",
        "DefaultDimensionValue": value,
    }


def test_only_lists_with_distinct_string_keys_are_keyed() -> None:
    assert keyed_items("DimensionConfigurations", [dimension("a"), dimension("b")]) == {
        "a": dimension("a"),
        "b": dimension("b"),
    }
    assert keyed_items("DimensionConfigurations", []) == {}
    for unkeyable in (
        [dimension("a"), dimension("a", "w")],  # a repeated name
        [dimension(None)],
        [dimension(3)],
        [{"DimensionValueSource": "MESSAGE_TAG"}],
        ["a"],
        "a",
    ):
        assert keyed_items("DimensionConfigurations", unkeyable) is None
    assert keyed_items("MatchingEventTypes", ["SEND"]) is None  # not a keyed list
