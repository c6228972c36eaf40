"""``${name}``, ``${env:NAME}`` and ``$${``: unit rules, then through load_specs."""

from __future__ import annotations

import pytest
from conftest import Write
from hypothesis import given
from hypothesis import strategies as st
from spec_helpers import destination, load, problems

from driftcheck.desired.variables import Variables

VARS = Variables({"account": "123456789012", "name": "topic"}, {"HOME_REGION": "eu-west-1"})


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("plain", "plain"),
        ("${account}", "123456789012"),
        ("arn:${account}:${name}", "arn:123456789012:topic"),
        ("${env:HOME_REGION}", "eu-west-1"),
        ("$${account}", "${account}"),
        ("$$${account}", "$${account}"),  # a `$`, then the escape `$${`
        ("cost: $5 and $name", "cost: $5 and $name"),
        ("a$", "a$"),
        ("{account}", "{account}"),
    ],
)
def test_expand(text: str, expected: str) -> None:
    assert VARS.expand(text) == (expected, [])


@pytest.mark.parametrize(
    ("text", "error"),
    [
        (
            "${acount}",
            "undefined variable `acount`; define it under `vars:` or pass --var acount=... "
            "(did you mean `account`?)",
        ),
        ("${zzz}", "undefined variable `zzz`; define it under `vars:` or pass --var zzz=..."),
        ("${env:NOPE}", "the environment variable `NOPE` is not set"),
        ("${env:}", "`${env:}` needs the name of an environment variable"),
        ("${}", "empty variable reference `${}`"),
        (
            "arn:${account",
            "unterminated `${` (close it with `}`, or write `$${` for a literal `${`)",
        ),
    ],
)
def test_expand_errors(text: str, error: str) -> None:
    _, errors = VARS.expand(text)
    assert errors == [error]


def test_every_failed_reference_is_reported() -> None:
    _, errors = VARS.expand("${a}-${account}-${env:B}")
    assert len(errors) == 2


@given(st.text(st.sampled_from("${}ab:")))
def test_escaping_every_reference_gives_the_text_back(text: str) -> None:
    assert VARS.expand(text.replace("${", "$${")) == (text, [])


@given(st.text(st.characters(blacklist_characters="$")))
def test_text_without_dollars_is_unchanged(text: str) -> None:
    assert VARS.expand(text) == (text, [])


# --- through load_specs --------------------------------------------------------------------

TOPIC_SPEC = """\
version: 1
region: us-east-1
vars:
  account: "111111111111"
  topic: from-file
  flag: true
  number: 0x1F
configuration_sets:
  marketing:
    event_destinations:
      sns:
        Enabled: true
        MatchingEventTypes: [SEND]
        SnsDestination:
          TopicArn: arn:aws:sns:us-east-1:${account}:${topic}-$${literal}-${flag}-${number}
"""


NO_VARS_SPEC = TOPIC_SPEC.split("vars:\n")[0] + TOPIC_SPEC.split("0x1F\n")[1]


def topic_arn(paths: list[str], cli_vars: dict[str, str] | None = None) -> str:
    state = load(paths, cli_vars=cli_vars)
    arn: str = state.sets[0].destinations[0].definition["SnsDestination"]["TopicArn"]
    return arn


def test_file_vars_are_used_as_written(write: Write) -> None:
    path = write(TOPIC_SPEC)
    assert topic_arn([path]) == "arn:aws:sns:us-east-1:111111111111:from-file-${literal}-true-0x1F"


def test_cli_vars_override_file_vars(write: Write) -> None:
    path = write(TOPIC_SPEC)
    arn = topic_arn([path], cli_vars={"topic": "from-cli", "unused": "x"})
    assert arn == "arn:aws:sns:us-east-1:111111111111:from-cli-${literal}-true-0x1F"


def test_cli_vars_serve_files_without_vars(write: Write) -> None:
    path = write(NO_VARS_SPEC)
    arn = topic_arn(
        [path], cli_vars={"account": "222222222222", "topic": "t", "flag": "no", "number": "1"}
    )
    assert arn == "arn:aws:sns:us-east-1:222222222222:t-${literal}-no-1"


def test_env_references_read_the_given_environment(write: Write) -> None:
    path = write(
        destination(
            """\
            Enabled: true
            MatchingEventTypes: [SEND]
            SnsDestination:
              TopicArn: arn:aws:sns:${env:REGION}:${env:ACCOUNT}:t
            """
        ).replace("region: us-east-1", "region: ${env:REGION}")
    )
    state = load([path], environ={"REGION": "eu-west-2", "ACCOUNT": "333333333333"})
    [desired] = state.sets
    assert desired.key.region == "eu-west-2"
    assert desired.destinations[0].definition["SnsDestination"] == {
        "TopicArn": "arn:aws:sns:eu-west-2:333333333333:t"
    }


def test_vars_of_one_file_do_not_leak_into_another(write: Write) -> None:
    first = write(TOPIC_SPEC, "a.yaml")
    second = write(NO_VARS_SPEC.replace("marketing", "other"), "b.yaml")
    assert problems([first, second]) == [
        "b.yaml:10:21: `${account}` (the name of each account in the accounts file) needs "
        "--accounts FILE; without it, define `account` under `vars:` or pass --var account=...",
        *(
            f"b.yaml:10:21: undefined variable `{name}`; define it under `vars:` or pass "
            f"--var {name}=..."
            for name in ("flag", "number", "topic")
        ),
    ]


def test_unresolved_references_are_reported_at_the_string(write: Write) -> None:
    path = write(
        destination(
            """\
            Enabled: true
            MatchingEventTypes: [SEND]
            SnsDestination:
              TopicArn: "arn:aws:sns:us-east-1:${account_id}:${env:TOPIC}"
            """
        )
    )
    assert problems([path]) == [
        "spec.yaml:11:21: `${account_id}` (the 12-digit id of each account) needs "
        "--accounts FILE; without it, define `account_id` under `vars:` or pass "
        "--var account_id=...",
        "spec.yaml:11:21: the environment variable `TOPIC` is not set",
    ]


def test_arns_are_checked_after_substitution(write: Write) -> None:
    path = write(
        "vars:\n  topic: arn:aws:sqs:us-east-1:123456789012:q\n"
        + destination(
            """\
            Enabled: true
            MatchingEventTypes: [SEND]
            SnsDestination:
              TopicArn: ${topic}
            """
        )
    )
    assert problems([path]) == [
        "spec.yaml:13:21: `TopicArn` must be an ARN like arn:aws:sns:REGION:ACCOUNT:TOPIC: "
        "the service is `sqs`, not `sns`"
    ]


def test_references_under_unknown_keys_are_reported_too(write: Write) -> None:
    path = write(
        destination(
            """\
            Enabled: true
            MatchingEventTypes: [SEND]
            SnsDestinaton:
              TopicArn: ${nope}
            """
        )
    )
    assert problems([path]) == [
        "spec.yaml:10:9: unknown key `SnsDestinaton` in destination `dest`; "
        "did you mean `SnsDestination`?",
        "spec.yaml:11:21: undefined variable `nope`; define it under `vars:` or pass "
        "--var nope=...",
    ]


def test_keys_are_not_interpolated(write: Write) -> None:
    path = write(
        destination(
            """\
            Enabled: true
            MatchingEventTypes: [SEND]
            PinpointDestination: {}
            """,
            name="${name}",
        )
    )
    assert problems([path], cli_vars={"name": "dest"}) == [
        "spec.yaml:7:7: event destination name `${name}` must be 1 to 64 letters, digits, "
        "`_` or `-`"
    ]


def test_vars_must_be_named_scalars(write: Write) -> None:
    path = write(
        """\
        version: 1
        vars:
          ok: 1
          1bad: x
          list: [a]
          empty:
        configuration_sets: {}
        """
    )
    assert problems([path]) == [
        "spec.yaml:4:3: variable name `1bad` must start with a letter or `_` and contain only "
        "letters, digits, `_` and `-`",
        "spec.yaml:5:9: variable `list` must be a string, number or boolean, got a list",
        "spec.yaml:6:9: variable `empty` has no value",
    ]
