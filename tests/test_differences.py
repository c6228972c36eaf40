"""Differences applied to a definition (:mod:`driftcheck.differences`)."""

from __future__ import annotations

from typing import Any

import pytest

from driftcheck.differences import PathNotFound, apply_differences
from driftcheck.plan_model import Difference, DiffType

DIMS = "CloudWatchDestination.DimensionConfigurations"


def dimension(name: Any, value: str = "v") -> dict[str, Any]:
    return {
        "DimensionName": name,
        "DimensionValueSource": "MESSAGE_TAG",
        "DefaultDimensionValue": value,
    }


def cloudwatch(*dimensions: dict[str, Any]) -> dict[str, Any]:
    return {
        "Enabled": True,
        "MatchingEventTypes": ["BOUNCE", "SEND"],
        "CloudWatchDestination": {"DimensionConfigurations": list(dimensions)},
    }


def test_applying_differences_gives_the_other_side() -> None:
    before = cloudwatch(dimension("a"), dimension("b"))
    differences = [
        Difference("Enabled", DiffType.NOT_EQUAL, True, False),
        Difference("MatchingEventTypes", DiffType.ADD, None, "OPEN"),
        Difference("MatchingEventTypes", DiffType.REMOVE, "SEND", None),
        Difference(f"{DIMS}[a]", DiffType.REMOVE, dimension("a"), None),
        Difference(f"{DIMS}[b].DefaultDimensionValue", DiffType.NOT_EQUAL, "v", "w"),
        Difference(f'{DIMS}["0.x"]', DiffType.ADD, None, dimension("0.x")),
        Difference("SnsDestination", DiffType.ADD, None, {"TopicArn": "t"}),
    ]
    after = apply_differences(before, differences)
    assert after == {
        "Enabled": False,
        "MatchingEventTypes": ["BOUNCE", "OPEN"],
        "CloudWatchDestination": {
            "DimensionConfigurations": [dimension("0.x"), dimension("b", "w")]
        },
        "SnsDestination": {"TopicArn": "t"},
    }
    assert before == cloudwatch(dimension("a"), dimension("b"))  # never changed in place
    whole = Difference("", DiffType.NOT_EQUAL, before, {"Enabled": True})
    assert apply_differences(before, [whole]) == {"Enabled": True}


@pytest.mark.parametrize(
    "path",
    [
        "SnsDestination.TopicArn",  # no SnsDestination on this side
        f"{DIMS}[zz].DefaultDimensionValue",  # no such item
        "Enabled.X",  # below a scalar
        "MatchingEventTypes[a]",  # not a keyed list
    ],
)
def test_applying_a_difference_that_names_nothing_is_an_error(path: str) -> None:
    with pytest.raises(PathNotFound):
        apply_differences(cloudwatch(dimension("a")), [Difference(path, DiffType.NOT_EQUAL, 1, 2)])
