"""Helpers shared by the accounts-file tests."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping

import pytest

from driftcheck.errors import SpecError
from driftcheck.targets import AccountsFile, parse_accounts

FILE = "accounts.yaml"

# The example of issue 8, as a user would write it.
EXAMPLE = """\
version: 1
defaults:                                    # merged into every account below
  role: arn:aws:iam::${account_id}:role/driftcheck-read   # assumed with STS
  external_id: ${env:DRIFTCHECK_EXTERNAL_ID}             # optional
  regions: [us-east-1]
accounts:
  prod:
    account_id: "111111111111"
    regions: [us-east-1, eu-west-1]
    vars: {env: prod}                        # spec variables for this account
  staging:
    account_id: "222222222222"
    profile: staging                         # a named profile instead of a role
organization:                                # optional: every ACTIVE account of the organization
  role: arn:aws:iam::${account_id}:role/driftcheck-read
  regions: [us-east-1]
  exclude: ["333333333333"]
"""
EXAMPLE_ENV = {"DRIFTCHECK_EXTERNAL_ID": "ext-id-1234"}


def parse(text: str, environ: Mapping[str, str] | None = None) -> AccountsFile:
    """parse_accounts on the dedented ``text``, with an empty environment unless given."""
    return parse_accounts(textwrap.dedent(text).encode(), FILE, environ=environ or {})


def problems(text: str, environ: Mapping[str, str] | None = None) -> list[str]:
    """The problems of ``text``, as the user reads them; fails if it is valid."""
    with pytest.raises(SpecError) as info:
        parse(text, environ)
    return [str(p) for p in info.value.problems]


def one_account(body: str, defaults: str = "") -> str:
    """A file whose account `a` has ``body``, after ``defaults`` (under `defaults:`) if given.

    Without defaults, `a` is at line 3, column 3 and the body starts at line 4, column 5;
    each line of defaults adds one (plus one for `defaults:`); they start at line 3, column 3.
    """
    lines = ["version: 1"]
    if defaults:
        lines.append("defaults:")
        lines += ["  " + line for line in textwrap.dedent(defaults).strip("\n").splitlines()]
    lines += ["accounts:", "  a:"]
    lines += ["    " + line for line in textwrap.dedent(body).strip("\n").splitlines()]
    return "\n".join(lines) + "\n"
