"""The JSON Schema of the accounts file: committed up to date, a valid draft-07 schema, and
consistent with validation: it accepts every file that validation accepts and rejects what it
can express."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from hypothesis import HealthCheck, Phase, find, given, settings
from hypothesis import strategies as st

from driftcheck.errors import SpecError
from driftcheck.targets.accounts import ACCOUNT_KEYS, ORGANIZATION_KEYS, TOP_LEVEL_KEYS
from driftcheck.targets.json_schema import REGENERATE, SCHEMA_FILE, build_schema
from tests.targets.helpers import EXAMPLE, EXAMPLE_ENV, parse, problems

REPO = Path(__file__).resolve().parents[2]
VALIDATOR = jsonschema.Draft7Validator(build_schema())
ROLE = '"arn:aws:iam::${account_id}:role/r"'
ENV = {**EXAMPLE_ENV, "ACC": "111111111111", "R": "us-west-2", "EXT": "ext-1", "P": "prof"}


# One account `a`; its mapping ends with "]}".
ONE = (
    f'version: 1\naccounts:\n  a: {{account_id: "111111111111", role: {ROLE}, '
    "regions: [us-east-1]}\n"
)


def schema_errors(text: str) -> list[str]:
    """The schema's complaints about ``text`` (loaded as editors load it)."""
    return [error.message for error in VALIDATOR.iter_errors(yaml.safe_load(text))]


def accepted(text: str) -> bool:
    try:
        parse(text, ENV)
    except SpecError:
        return False
    return True


# --- the committed file ------------------------------------------------------------------


def test_the_committed_schema_is_what_the_generator_prints() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "driftcheck.targets.json_schema"],
        capture_output=True,
        text=True,
        check=True,
        cwd=REPO,
    )
    if result.stdout != SCHEMA_FILE.read_text(encoding="utf-8"):
        pytest.fail(
            f"{SCHEMA_FILE.relative_to(REPO)} is out of date with the validation rules; "
            f"regenerate it with: {REGENERATE}",
            pytrace=False,
        )
    assert json.loads(result.stdout) == build_schema()


def test_it_is_a_valid_draft_07_schema() -> None:
    schema = json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    jsonschema.Draft7Validator.check_schema(schema)


# --- examples ----------------------------------------------------------------------------

VALID = {
    "the issue's example": EXAMPLE,
    "organization only": f"version: 1\norganization: {{role: {ROLE}, regions: [us-east-1]}}\n",
    "unquoted ids": f"""\
        version: 1
        defaults: {{role: {ROLE}, regions: [us-east-1]}}
        accounts:
          a: {{account_id: 111111111111}}
          b: {{account_id: 012345678901}}
          c: {{account_id: 012345670123}}
        """,
    "merge keys and variables": """\
        version: 1
        accounts:
          a: &base
            account_id: "111111111111"
            role: ${env:ROLE_A}
            external_id: x-${account_id}
            regions: ["${env:R}", eu-west-1]
            vars: {env: prod, n: 3, on: true}
          b:
            <<: *base
            account_id: "222222222222"
            role: arn:aws-us-gov:iam::222222222222:role/path/name
        """,
    "profiles": """\
        version: 1
        defaults: {profile: "sso-${account_id}", regions: [us-east-1]}
        accounts:
          a: {account_id: "111111111111"}
          b: {account_id: "222222222222", profile: other}
        """,
}

# Problems that the schema reports too.
INVALID = {
    "unknown top-level key": "version: 1\ndefault: {}\norganization: {}\n",
    "unknown account key": ONE.replace("]}", "], region: x}"),
    "unknown organization key": f"version: 1\norganization: {{role: {ROLE}, tags: {{}}}}\n",
    "version 2": f"version: 2\norganization: {{role: {ROLE}, regions: [us-east-1]}}\n",
    "no version": f"organization: {{role: {ROLE}, regions: [us-east-1]}}\n",
    "no account": "version: 1\n",
    "empty accounts": "version: 1\naccounts: {}\n",
    "short id": ONE.replace("111111111111", "11111111111"),
    "id with a letter": ONE.replace("111111111111", "11111111111a"),
    "missing id": ONE.replace('account_id: "111111111111", ', ""),
    "bad name": ONE.replace("  a:", '  "a b":'),
    "not a role": ONE.replace(ROLE, "driftcheck-read"),
    "a user, not a role": ONE.replace(":role/", ":user/"),
    "role and profile": ONE.replace("]}", "], profile: p}"),
    "profile and external_id": ONE.replace(f"role: {ROLE}", "profile: p, external_id: xy"),
    "empty regions": ONE.replace("[us-east-1]", "[]"),
    "bad region": ONE.replace("[us-east-1]", "[us_east_1]"),
    "repeated region": ONE.replace("[us-east-1]", "[us-east-1, us-east-1]"),
    "short external_id": ONE.replace("]}", "], external_id: x}"),
    "bad vars": ONE.replace("]}", "], vars: {1x: a}}"),
    "organization role in one account": (
        "version: 1\norganization:\n  role: arn:aws:iam::111111111111:role/r\n"
        "  regions: [us-east-1]\n"
    ),
    "repeated exclude": (
        f"version: 1\norganization: {{role: {ROLE}, regions: [us-east-1], "
        'exclude: ["111111111111", "111111111111"]}\n'
    ),
}

# Problems that only validation finds (see driftcheck/targets/json_schema.py).
BEYOND_THE_SCHEMA = {
    "a role in another account": ONE.replace("${account_id}", "222222222222"),
    "two accounts, one id": f"""\
        version: 1
        defaults: {{role: {ROLE}, regions: [us-east-1]}}
        accounts:
          a: {{account_id: "111111111111"}}
          b: {{account_id: "111111111111"}}
        """,
    "no credentials after merging": (
        'version: 1\naccounts:\n  a: {account_id: "111111111111", regions: [us-east-1]}\n'
    ),
    "no regions after merging": ONE.replace(", regions: [us-east-1]", ""),
    "an unset environment variable": ONE.replace("]}", '], external_id: "${env:UNSET}"}'),
    "an external_id with the profile of the defaults": """\
        version: 1
        defaults: {profile: p, regions: [us-east-1]}
        accounts:
          a: {account_id: "111111111111", external_id: xy}
        """,
    "an unquoted id of 11 digits": ONE.replace('"111111111111"', "11111111111"),
}


@pytest.mark.parametrize("text", VALID.values(), ids=VALID.keys())
def test_valid_files_are_accepted_by_both(text: str) -> None:
    text = textwrap.dedent(text)
    parse(text, {**ENV, "ROLE_A": "arn:aws:iam::111111111111:role/r"})
    assert schema_errors(text) == []


@pytest.mark.parametrize("text", INVALID.values(), ids=INVALID.keys())
def test_invalid_files_are_rejected_by_both(text: str) -> None:
    text = textwrap.dedent(text)
    assert problems(text, ENV)
    assert schema_errors(text) != []


@pytest.mark.parametrize("text", BEYOND_THE_SCHEMA.values(), ids=BEYOND_THE_SCHEMA.keys())
def test_what_only_validation_finds(text: str) -> None:
    # If the schema learns to reject one of these, move it to INVALID.
    text = textwrap.dedent(text)
    assert problems(text, ENV)
    assert schema_errors(text) == []


# --- the contract, on generated files ----------------------------------------------------

_IDS = st.one_of(st.from_regex(r"[0-9]{12}", fullmatch=True), st.integers(10**11, 10**12 - 1))
_ROLES = st.sampled_from(
    ["arn:aws:iam::${account_id}:role/r", "arn:aws-cn:iam::${account_id}:role/a/b"]
)
_EXTERNAL_IDS = st.sampled_from(["ext-1", "${env:EXT}", "e-${account_id}"])
_REGIONS = st.lists(
    st.sampled_from(["us-east-1", "eu-west-1", "${env:R}"]), min_size=1, max_size=3, unique=True
)
_VARS = st.dictionaries(
    st.sampled_from(["env", "team"]),
    st.one_of(st.text(max_size=3), st.integers(), st.booleans()),
    max_size=2,
)
_CREDENTIALS = st.one_of(
    st.fixed_dictionaries({"role": _ROLES}, optional={"external_id": _EXTERNAL_IDS}),
    st.fixed_dictionaries({"profile": st.sampled_from(["p", "${env:P}", "p-${account_id}"])}),
)
_OWN = st.tuples(
    st.one_of(st.just({}), _CREDENTIALS),
    st.fixed_dictionaries({}, optional={"regions": _REGIONS, "vars": _VARS}),
).map(lambda parts: {**parts[0], **parts[1]})
_DEFAULTS = st.tuples(
    _CREDENTIALS, st.fixed_dictionaries({"regions": _REGIONS}, optional={"vars": _VARS})
).map(lambda parts: {**parts[0], **parts[1]})
_ORGANIZATION = st.fixed_dictionaries(
    {"role": _ROLES},
    optional={
        "external_id": _EXTERNAL_IDS,
        "regions": _REGIONS,
        "exclude": st.lists(_IDS, max_size=2, unique_by=str),
    },
)
# Values, right and wrong, that one change may put anywhere.
_ANY_VALUE = st.one_of(
    _IDS,
    st.from_regex(r"[0-9]{10,13}", fullmatch=True),
    st.integers(0, 10**13),
    _ROLES,
    st.sampled_from(
        [
            "arn:aws:iam::111111111111:role/r",
            "arn:aws:iam::${account_id}:user/u",
            "arn:aws:iam::${env:ACC}:role/r",
            "driftcheck-read",
            "x",
            "a b",
            " ",
            "us_east_1",
            "${env:UNSET}",
            "$${",
        ]
    ),
    _REGIONS,
    st.lists(st.sampled_from(["us-east-1", "us_east_1", "us-east-1"]), max_size=3),
    _VARS,
    st.dictionaries(st.sampled_from(["1x", "ok"]), st.none(), max_size=1),
    st.none(),
    st.booleans(),
)
_KEYS = sorted({*ACCOUNT_KEYS, *TOP_LEVEL_KEYS, *ORGANIZATION_KEYS, "tags"})


@st.composite
def documents(draw: st.DrawFn) -> str:
    """Accounts files, valid unless one change (or a version 2) breaks them."""
    names = draw(st.lists(st.sampled_from(["prod", "staging", "t-1", "a b"]), unique=True))
    ids = draw(st.lists(_IDS, min_size=len(names), max_size=len(names), unique_by=str))
    accounts = {n: {"account_id": i, **draw(_OWN)} for n, i in zip(names, ids, strict=True)}
    doc: dict[str, Any] = {
        "version": draw(st.sampled_from([1, 1, 1, 2])),
        "defaults": draw(_DEFAULTS),
    }
    if accounts:
        doc["accounts"] = accounts
    if not accounts or draw(st.booleans()):
        doc["organization"] = draw(_ORGANIZATION)
    if draw(st.booleans()):
        mappings = [doc, *(m for m in doc.values() if isinstance(m, dict)), *accounts.values()]
        target = draw(st.sampled_from(mappings))
        key = draw(st.sampled_from(_KEYS))
        if key in target and draw(st.booleans()):
            del target[key]
        else:
            target[key] = draw(_ANY_VALUE)
    return yaml.safe_dump(doc)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(documents())
def test_the_schema_accepts_every_file_that_validation_accepts(text: str) -> None:
    if accepted(text):
        assert schema_errors(text) == []


def test_the_generated_files_include_valid_ones_of_every_shape() -> None:
    # Else the property above could hold vacuously (about a quarter are valid).
    for shape in ("organization", "profile", "external_id", "vars", "${env:"):
        found = find(
            documents(),
            lambda text, shape=shape: shape in text and accepted(text),
            settings=settings(
                max_examples=2000, deadline=None, database=None, phases=[Phase.generate]
            ),
        )
        assert schema_errors(found) == []
