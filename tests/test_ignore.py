"""Noise control: ignore patterns, IgnoreChanges, unmanaged sets and --target."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from driftcheck.diffpath import Key, parse_path
from driftcheck.errors import SpecError, UsageError
from driftcheck.ignore import (
    Target,
    apply_ignores,
    find_ignore_file,
    load_patterns,
    parse_ignore_file,
    parse_pattern,
    restrict_plan,
    select_targets,
)
from driftcheck.model import (
    Action,
    Api,
    DesiredDestination,
    DesiredSet,
    DesiredState,
    LiveSet,
    LiveState,
    Plan,
    SetKey,
    SetStatus,
    Source,
    Status,
)
from driftcheck.normalise import normalise_definition
from driftcheck.plan import plan

SNS = "arn:aws:sns:us-east-1:123456789012:"
KEY = SetKey(Api.PINPOINT_EMAIL, "us-east-1", "marketing")
OTHER = SetKey(Api.PINPOINT_EMAIL, "us-east-1", "tx")


def sns(topic: str, *types: str, enabled: bool = True) -> dict[str, Any]:
    return {
        "Enabled": enabled,
        "MatchingEventTypes": list(types),
        "SnsDestination": {"TopicArn": SNS + topic},
    }


def desired_set(key: SetKey, ignore: tuple[str, ...] = (), **bodies: dict[str, Any]) -> DesiredSet:
    return DesiredSet(
        key,
        tuple(
            DesiredDestination(n, normalise_definition(b), Source("s.yaml", 9), ignore)
            for n, b in sorted(bodies.items())
        ),
        Source("s.yaml", 3),
    )


def drifted_plan() -> Plan:
    """marketing: a (topic changed), b (extra), c (in sync); tx: d (enabled changed)."""
    desired = DesiredState(
        (
            desired_set(KEY, a=sns("a", "SEND"), c=sns("c", "SEND")),
            desired_set(OTHER, d=sns("d", "SEND")),
        )
    )
    live = LiveState(
        {
            KEY: LiveSet(
                KEY,
                SetStatus.PRESENT,
                {"a": sns("x", "SEND"), "b": sns("b", "SEND"), "c": sns("c", "SEND")},
            ),
            OTHER: LiveSet(OTHER, SetStatus.PRESENT, {"d": sns("d", "SEND", enabled=False)}),
        }
    )
    return plan(desired, live)


def rows(result: Plan) -> dict[str, tuple[str, bool]]:
    return {d.name: (d.status.value, d.ignored) for d in result.destinations}


# --- IgnoreChanges (in the spec) ------------------------------------------------------------


def test_ignore_changes_keeps_the_difference_but_not_the_drift() -> None:
    desired = DesiredState((desired_set(KEY, ("SnsDestination",), a=sns("a", "SEND")),))
    live = LiveState({KEY: LiveSet(KEY, SetStatus.PRESENT, {"a": sns("x", "SEND")})})
    result = plan(desired, live)
    [row] = result.destinations
    assert (row.status, row.action) == (Status.IN_SYNC, Action.NOOP)
    [difference] = row.differences
    assert (difference.path, difference.ignored) == ("SnsDestination.TopicArn", True)
    assert not result.drift
    assert result.summary.ignored == 1 and result.summary.in_sync == 1


def test_ignore_changes_covers_only_the_paths_it_names() -> None:
    desired = DesiredState((desired_set(KEY, ("Enabled",), a=sns("a", "SEND")),))
    live = LiveState({KEY: LiveSet(KEY, SetStatus.PRESENT, {"a": sns("x", "SEND", enabled=False)})})
    [row] = plan(desired, live).destinations
    assert row.status is Status.MISCONFIGURED
    assert {(d.path, d.ignored) for d in row.differences} == {
        ("Enabled", True),
        ("SnsDestination.TopicArn", False),
    }


# --- patterns ---------------------------------------------------------------------------


def test_an_ignored_extra_is_shown_but_is_not_drift() -> None:
    result = apply_ignores(drifted_plan(), [parse_pattern("*/*/marketing/b", "t")])
    assert rows(result)["b"] == ("extra", True)
    assert [d.name for d in result.changes] == ["a", "d"]
    assert result.summary.extra == 0 and result.summary.ignored == 1


def test_field_patterns_ignore_differences_and_last_match_wins() -> None:
    patterns = [
        parse_pattern("pinpoint-email/us-east-1/*:Enabled", "t"),
        parse_pattern("pinpoint-email/us-east-1/*/a:SnsDestination", "t"),
        parse_pattern("!*/*/marketing/a:SnsDestination.TopicArn", "t"),
    ]
    result = apply_ignores(drifted_plan(), patterns)
    assert rows(result)["d"] == ("in_sync", False)  # its only difference, Enabled, ignored
    assert rows(result)["a"] == ("misconfigured", False)  # negated back: still drift
    assert result.warnings == ()


def dimensions_plan(*names: str) -> Plan:
    """One destination whose dimensions ``names`` have another default value live."""

    def body(default: str) -> dict[str, Any]:
        dimensions = [
            {
                "DimensionName": n,
                "DimensionValueSource": "MESSAGE_TAG",
                "DefaultDimensionValue": default,
            }
            for n in names
        ]
        return {"Enabled": True, "CloudWatchDestination": {"DimensionConfigurations": dimensions}}

    desired = DesiredState((desired_set(KEY, a=body("x")),))
    return plan(desired, LiveState({KEY: LiveSet(KEY, SetStatus.PRESENT, {"a": body("y")})}))


@pytest.mark.parametrize(
    ("field", "ignored"),
    [
        # `[campaign]` is a dimension, not fnmatch's character class
        ("CloudWatchDestination.DimensionConfigurations[campaign]", {"campaign"}),
        ("CloudWatchDestination.DimensionConfigurations[campaign].*", {"campaign"}),
        ("CloudWatchDestination.DimensionConfigurations[__*]", {"__campaign"}),
        (
            "CloudWatchDestination.DimensionConfigurations[*].DefaultDimensionValue",
            {"campaign", "__campaign", "a.b"},
        ),
        ('CloudWatchDestination.DimensionConfigurations["a.b"]', {"a.b"}),
        ("*DefaultDimensionValue", {"campaign", "__campaign", "a.b"}),
        ("CloudWatchDestination.DimensionConfigurations[c]", set()),
    ],
)
def test_field_patterns_address_dimensions_by_name(field: str, ignored: set[str]) -> None:
    result = apply_ignores(
        dimensions_plan("campaign", "__campaign", "a.b"),
        [parse_pattern(f"*/*/*/a:{field}", "t")],
        warn_stale=False,
    )
    [row] = result.destinations
    names = {parse_path(d.path)[2] for d in row.differences if d.ignored}
    assert names == {Key(name) for name in ignored}


@pytest.mark.parametrize("field", ["Cloud..Watch", "CloudWatchDestination[", 'X["a'])
def test_a_malformed_field_path_is_refused(field: str) -> None:
    with pytest.raises(ValueError, match="malformed field path"):
        parse_pattern(f"*/*/*:{field}", "t")


def test_a_pattern_that_matches_nothing_is_a_warning() -> None:
    result = apply_ignores(drifted_plan(), [parse_pattern("sesv2/*/*/*", ".driftignore:4")])
    assert result.warnings == (".driftignore:4: ignore pattern 'sesv2/*/*/*' matches nothing",)
    assert result.destinations == drifted_plan().destinations


def test_unmanaged_sets_are_listed_and_count_as_drift_only_when_strict() -> None:
    desired = DesiredState((desired_set(KEY),))
    live = LiveState(
        {KEY: LiveSet(KEY, SetStatus.PRESENT)},
        listed={(Api.PINPOINT_EMAIL, "us-east-1"): ("marketing", "legacy", "old")},
    )
    lenient, strict = plan(desired, live), plan(desired, live, strict=True)
    assert [(s.key.name, s.status) for s in lenient.sets] == [
        ("legacy", SetStatus.UNMANAGED),
        ("marketing", SetStatus.PRESENT),
        ("old", SetStatus.UNMANAGED),
    ]
    assert not lenient.drift and strict.drift
    assert strict.summary.unmanaged == 2
    quiet = apply_ignores(
        strict, [parse_pattern("*/us-east-1/l*", "t"), parse_pattern("*/*/old", "t")]
    )
    assert not quiet.drift and quiet.summary.unmanaged == 0 and quiet.summary.ignored == 2


def test_ignore_file_comments_errors_and_discovery(tmp_path: Path) -> None:
    text = "# extras we leave alone\n*/*/marketing/b   # legacy\n\n  not-a-pattern\n"
    with pytest.raises(SpecError) as caught:
        parse_ignore_file(text, "specs/.driftignore")
    assert [str(p) for p in caught.value.problems] == [
        "specs/.driftignore:4:3: 'not-a-pattern' is not api/region/configuration-set"
        "[/destination][:field.path]"
    ]
    (tmp_path / ".driftignore").write_text("*/*/marketing/b\n")
    (tmp_path / "s.yaml").write_text("version: 1\n")
    assert find_ignore_file([tmp_path / "s.yaml"]) == tmp_path / ".driftignore"
    patterns = load_patterns(find_ignore_file([tmp_path]), ["!*/*/marketing/b"])
    assert [(p.origin, p.negate) for p in patterns] == [
        (f"{tmp_path}/.driftignore:1", False),
        ("--ignore", True),
    ]
    with pytest.raises(UsageError, match="--ignore"):
        load_patterns(None, ["a/b"])


def test_the_ignore_file_is_found_next_to_the_specs_or_in_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "repo"
    specs = root / "specs"
    specs.mkdir(parents=True)
    (specs / "a.yaml").write_text("version: 1\n")
    monkeypatch.chdir(root)
    assert find_ignore_file([Path("specs")]) is None
    # the repository root, where CI runs `driftcheck plan specs/` (the README's workflows)
    (root / ".driftignore").write_text("*/*/x\n")
    assert find_ignore_file([Path("specs")]) == Path(".driftignore")
    assert find_ignore_file([Path("specs/a.yaml")]) == Path(".driftignore")
    # run from inside the specs: the same file seen twice is one file
    monkeypatch.chdir(specs)
    (root / ".driftignore").rename(specs / ".driftignore")
    assert find_ignore_file([Path()]) == Path(".driftignore")
    monkeypatch.chdir(root)
    assert find_ignore_file([Path("specs")]) == Path("specs/.driftignore")
    # two different files: which one wins would be a guess
    (root / ".driftignore").write_text("*/*/y\n")
    with pytest.raises(UsageError) as caught:
        find_ignore_file([Path("specs")])
    assert str(caught.value) == (
        "2 ignore files apply, specs/.driftignore and .driftignore: merge them into one, "
        "or choose one with --ignore-file FILE"
    )
    (root / "other").mkdir()
    (root / "other" / ".driftignore").write_text("*/*/z\n")
    (root / ".driftignore").unlink()
    with pytest.raises(UsageError, match=r"specs/\.driftignore and other/\.driftignore"):
        find_ignore_file([Path("specs"), Path("other")])


# --- --target ---------------------------------------------------------------------------


def test_targets_select_sets_and_single_destinations() -> None:
    result = drifted_plan()
    only_a = restrict_plan(result, [Target.parse("marketing/a")])
    assert [d.name for d in only_a.destinations] == ["a"]
    assert [s.key.name for s in only_a.sets] == ["marketing"]
    only_extra = restrict_plan(result, [Target.parse("marketing/b")])
    assert rows(only_extra) == {"b": ("extra", False)}
    tx = restrict_plan(result, [Target.parse("tx")])
    assert [d.name for d in tx.destinations] == ["d"]
    with pytest.raises(UsageError, match="no such destination"):
        restrict_plan(result, [Target.parse("marketing/zzz")])


def test_targets_limit_what_is_read() -> None:
    desired = DesiredState((desired_set(KEY), desired_set(OTHER)))
    assert [s.key.name for s in select_targets(desired, [Target.parse("tx/d")]).sets] == ["tx"]
    with pytest.raises(UsageError, match="no spec declares"):
        select_targets(desired, [Target.parse("nope")])
    for bad in ["", "/x", "a/", "a/b/c"]:
        with pytest.raises(UsageError):
            Target.parse(bad)


def test_a_set_declared_through_either_api_is_managed() -> None:
    sesv2_key = SetKey(Api.SESV2, "us-east-1", "tx")
    desired = DesiredState((desired_set(sesv2_key),))
    live = LiveState(
        {sesv2_key: LiveSet(sesv2_key, SetStatus.PRESENT)},
        listed={
            (Api.PINPOINT_EMAIL, "us-east-1"): ("other", "tx"),
            (Api.SESV2, "us-east-1"): ("other", "tx"),
        },
    )
    unmanaged = [s.key for s in plan(desired, live).sets if s.status is SetStatus.UNMANAGED]
    assert unmanaged == [SetKey(Api.PINPOINT_EMAIL, "us-east-1", "other")]
