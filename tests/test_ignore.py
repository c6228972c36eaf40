"""Noise control: ignore patterns, IgnoreChanges, unmanaged sets and --target."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

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
    Api,
    DesiredDestination,
    DesiredSet,
    DesiredState,
    LiveSet,
    LiveState,
    SetKey,
    SetStatus,
    Source,
)
from driftcheck.normalise import normalise_definition
from driftcheck.plan import plan
from driftcheck.plan_model import Action, Plan, SetPlan, Status

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
        listed={("", Api.PINPOINT_EMAIL, "us-east-1"): ("marketing", "legacy", "old")},
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
        "[/destination][:field.path] (after an optional ACCOUNT:)"
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
            ("", Api.PINPOINT_EMAIL, "us-east-1"): ("other", "tx"),
            ("", Api.SESV2, "us-east-1"): ("other", "tx"),
        },
    )
    unmanaged = [s.key for s in plan(desired, live).sets if s.status is SetStatus.UNMANAGED]
    assert unmanaged == [SetKey(Api.PINPOINT_EMAIL, "us-east-1", "other")]


# --- ACCOUNT: one prefix for patterns and targets ---------------------------------------

PROD = SetKey(
    Api.PINPOINT_EMAIL, "us-east-1", "marketing", account="111111111111", account_name="prod"
)
STAGING = replace(PROD, account="222222222222", account_name="staging")
# an account whose *name* is another account's id
DIGITS = replace(PROD, account="333333333333", account_name="222222222222")


def fleet_plan(*keys: SetKey) -> Plan:
    """The set ``marketing`` in each account of ``keys``: a (misconfigured), b (extra)."""
    desired = DesiredState(tuple(desired_set(k, a=sns("a", "SEND")) for k in keys))
    live = LiveState(
        {
            k: LiveSet(k, SetStatus.PRESENT, {"a": sns("x", "SEND"), "b": sns("b", "SEND")})
            for k in keys
        }
    )
    return plan(desired, live)


def ignored_rows(result: Plan) -> set[tuple[str, str]]:
    return {(d.key.account, d.name) for d in result.destinations if d.ignored}


@pytest.mark.parametrize(
    ("text", "account", "parts", "field"),
    [
        ("pinpoint-email/us-east-1/marketing", None, 3, None),
        ("prod:pinpoint-email/us-east-1/marketing", "prod", 3, None),
        ("111111111111:*/*/marketing/b", "111111111111", 4, None),
        ("prod:*/*/marketing:Enabled", "prod", 4, "Enabled"),
        # a ':' after the first '/' starts a field path, never an account
        ("*/*/marketing:Enabled", None, 4, "Enabled"),
        ('*/*/*/a:X.DimensionConfigurations["a:b"]', None, 4, 'X.DimensionConfigurations["a:b"]'),
        ("prod-*:*/*/*", "prod-*", 3, None),
        # names that look like something else are accounts before the ':'
        ("sesv2:pinpoint-email/us-east-1/x", "sesv2", 3, None),
        ("us-east-1:*/*/x", "us-east-1", 3, None),
        ("*:*/*/x", "*", 3, None),
    ],
)
def test_a_pattern_may_start_with_an_account(
    text: str, account: str | None, parts: int, field: str | None
) -> None:
    pattern = parse_pattern(text, "t")
    assert (pattern.account, len(pattern.parts), pattern.field) == (account, parts, field)
    negated = parse_pattern(f"!{text}", "t")
    assert negated.negate and negated.account == account


PART = st.text(alphabet="abz019-_*?.", min_size=1, max_size=6)
FIELD = st.sampled_from(["", ":Enabled", ":SnsDestination.*", ':X.Dims["a:b"]'])


@given(st.lists(PART, min_size=3, max_size=4), FIELD, st.sampled_from(["", "prod", "1" * 12]))
def test_the_account_prefix_leaves_every_other_pattern_as_it_was(
    parts: list[str], field: str, account: str
) -> None:
    """A pattern of before accounts has none; with ``ACCOUNT:`` in front, the same pattern."""
    text = "/".join(parts) + field
    plain = parse_pattern(text, "t")
    assert (plain.account, list(plain.parts[: len(parts)]), plain.field) == (
        None,
        parts,
        field[1:] or None,
    )
    if account:
        prefixed = parse_pattern(f"{account}:{text}", "t")
        assert prefixed.account == account
        assert (prefixed.parts, prefixed.field) == (plain.parts, plain.field)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        (":*/*/x", "':*/*/x' has an empty account before ':'"),
        ("!:*/*/x", "'!:*/*/x' has an empty account before ':'"),
        ("prod:", "'prod:' is not api/region/configuration-set[/destination][:field.path] "
         "(after an optional ACCOUNT:)"),
        ("prod:marketing", "'prod:marketing' is not api/region/configuration-set"
         "[/destination][:field.path] (after an optional ACCOUNT:)"),
        ("prod:a/b:Enabled", "'prod:a/b:Enabled' is not api/region/configuration-set"
         "[/destination][:field.path] (after an optional ACCOUNT:)"),
        ("prod:*/*/x:", "'prod:*/*/x:' has an empty field path after ':'"),
    ],
)  # fmt: skip
def test_a_malformed_account_pattern_is_one_sentence(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        parse_pattern(text, "t")
    assert str(caught.value) == reason


@pytest.mark.parametrize(
    ("patterns", "ignored"),
    [
        (["*/*/marketing/b"], {("111111111111", "b"), ("222222222222", "b")}),
        (["*:*/*/marketing/b"], {("111111111111", "b"), ("222222222222", "b")}),
        (["prod:*/*/marketing/b"], {("111111111111", "b")}),
        (["111111111111:*/*/marketing/b"], {("111111111111", "b")}),
        (["stag*:*/*/marketing/b"], {("222222222222", "b")}),
        (["2222*:*/*/marketing/b"], {("222222222222", "b")}),  # a glob matches ids too
        (["*/*/marketing/b", "!prod:*/*/marketing/b"], {("222222222222", "b")}),
    ],
)
def test_an_account_pattern_ignores_rows_of_that_account_only(
    patterns: list[str], ignored: set[tuple[str, str]]
) -> None:
    result = apply_ignores(fleet_plan(PROD, STAGING), [parse_pattern(p, "t") for p in patterns])
    assert ignored_rows(result) == ignored
    assert result.warnings == ()


def test_an_account_pattern_ignores_fields_of_that_account_only() -> None:
    result = apply_ignores(
        fleet_plan(PROD, STAGING), [parse_pattern("staging:*/*/*:SnsDestination", "t")]
    )
    rows = {(d.key.account, d.name): d.status for d in result.destinations}
    assert rows[("111111111111", "a")] is Status.MISCONFIGURED
    assert rows[("222222222222", "a")] is Status.IN_SYNC


def test_a_twelve_digit_account_is_an_id_never_a_name() -> None:
    """``222222222222:`` selects the account with that id, not the one so named."""
    both = fleet_plan(STAGING, DIGITS)
    result = apply_ignores(both, [parse_pattern("222222222222:*/*/marketing/b", "t")])
    assert ignored_rows(result) == {("222222222222", "b")}
    only_named = fleet_plan(PROD, DIGITS)
    stale = apply_ignores(only_named, [parse_pattern("222222222222:*/*/*/b", ".driftignore:1")])
    assert ignored_rows(stale) == set()
    assert stale.warnings == (
        ".driftignore:1: ignore pattern '222222222222:*/*/*/b' matches nothing",
    )
    by_id = apply_ignores(only_named, [parse_pattern("333333333333:*/*/*/b", "t")])
    assert ignored_rows(by_id) == {("333333333333", "b")}


def test_an_account_pattern_matches_nothing_without_an_accounts_file() -> None:
    result = apply_ignores(drifted_plan(), [parse_pattern("prod:*/*/marketing/b", "f:1")])
    assert ignored_rows(result) == set()
    assert result.warnings == ("f:1: ignore pattern 'prod:*/*/marketing/b' matches nothing",)
    every = apply_ignores(drifted_plan(), [parse_pattern("*:*/*/marketing/b", "t")])
    assert ignored_rows(every) == {("", "b")}


def test_an_unmanaged_set_is_ignored_per_account() -> None:
    legacy = [replace(k, name="legacy") for k in (PROD, STAGING)]
    base = fleet_plan(PROD, STAGING)
    unmanaged = replace(
        base, sets=base.sets + tuple(SetPlan(k, SetStatus.UNMANAGED, None) for k in legacy)
    )
    result = apply_ignores(unmanaged, [parse_pattern("prod:*/*/legacy", "t")])
    assert [(s.key.account, s.ignored) for s in result.sets if s.key.name == "legacy"] == [
        ("111111111111", True),
        ("222222222222", False),
    ]


@pytest.mark.parametrize(
    ("text", "target"),
    [
        ("marketing", Target("marketing")),
        ("marketing/b", Target("marketing", "b")),
        ("prod:marketing", Target("marketing", None, "prod")),
        ("111111111111:marketing/b", Target("marketing", "b", "111111111111")),
        ("us-east-1:marketing", Target("marketing", None, "us-east-1")),  # an account so named
        ("prod-*:marketing", Target("marketing", None, "prod-*")),
    ],
)
def test_a_target_may_start_with_an_account(text: str, target: Target) -> None:
    assert Target.parse(text) == target
    assert str(target) == text


@pytest.mark.parametrize("text", [":marketing", "prod:", "prod:a/b/c", "a/b:c", "prod:a:b", "p:/x"])
def test_a_malformed_account_target_is_one_sentence(text: str) -> None:
    with pytest.raises(UsageError) as caught:
        Target.parse(text)
    assert str(caught.value) == (
        "--target takes SET or SET/DESTINATION, after an optional ACCOUNT: (an account name "
        f"or 12-digit id), not {text!r}"
    )


def test_an_account_target_reads_and_shows_that_account_only() -> None:
    desired = DesiredState(tuple(desired_set(k) for k in (PROD, STAGING, DIGITS)))
    picked = {
        text: [s.key.account for s in select_targets(desired, [Target.parse(text)]).sets]
        for text in ["marketing", "prod:marketing", "222222222222:marketing", "*:marketing"]
    }
    assert picked == {
        "marketing": ["111111111111", "222222222222", "333333333333"],
        "prod:marketing": ["111111111111"],
        "222222222222:marketing": ["222222222222"],  # the id, not the account so named
        "*:marketing": ["111111111111", "222222222222", "333333333333"],
    }
    result = restrict_plan(fleet_plan(PROD, STAGING), [Target.parse("staging:marketing/b")])
    assert [(d.key.account, d.name) for d in result.destinations] == [("222222222222", "b")]
    assert [s.key.account for s in result.sets] == ["222222222222"]


@pytest.mark.parametrize(
    ("keys", "text", "message"),
    [
        ((KEY,), "prod:marketing", "--target prod:marketing: names account prod, but this run "
         "has no accounts file (--accounts), so no set has an account"),
        ((PROD, STAGING), "dev:marketing", "--target dev:marketing: no account dev in this run"),
        ((PROD, DIGITS), "222222222222:marketing", "--target 222222222222:marketing: no account "
         "has the id 222222222222; the account named 222222222222 has the id 333333333333: "
         "name it by its id"),
        ((PROD, replace(OTHER, account="222222222222", account_name="staging")),
         "staging:marketing",
         "--target staging:marketing: no spec declares that set in account staging"),
    ],
)  # fmt: skip
def test_an_account_target_that_selects_nothing_says_why(
    keys: tuple[SetKey, ...], text: str, message: str
) -> None:
    desired = DesiredState(tuple(desired_set(k) for k in keys))
    with pytest.raises(UsageError) as caught:
        select_targets(desired, [Target.parse(text)])
    assert str(caught.value) == message


def test_an_account_target_destination_must_exist_in_that_account() -> None:
    base = fleet_plan(PROD, STAGING)
    [prod_b] = [d for d in base.destinations if (d.key.account, d.name) == (PROD.account, "b")]
    with_c = replace(base, destinations=(*base.destinations, replace(prod_b, name="c")))
    assert [
        d.key.account for d in restrict_plan(with_c, [Target.parse("marketing/c")]).destinations
    ] == ["111111111111"]
    assert restrict_plan(with_c, [Target.parse("prod:marketing/c")]).destinations
    with pytest.raises(UsageError) as caught:
        restrict_plan(with_c, [Target.parse("staging:marketing/c")])
    assert str(caught.value) == (
        "--target staging:marketing/c: no such destination is declared or live"
    )
