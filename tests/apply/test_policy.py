"""What apply refuses (an incomplete plan) and how it asks for approval."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from driftcheck.apply.policy import (
    IncompletePlanError,
    NotApprovedError,
    ask_approval,
    refuse_incomplete,
)
from driftcheck.errors import ApiError, ExitCode
from tests.factories import definition, key, missing, plan, present, sns, unreadable

TX, MARKETING = key("tx"), key("marketing")
ROW = missing(TX, "bounces", definition("BOUNCE", SnsDestination=sns("a")), line=3)


def test_a_complete_plan_with_drift_may_be_applied() -> None:
    refuse_incomplete(plan([present(TX)], [ROW]))
    refuse_incomplete(plan([present(TX)], [ROW]), Path("plan.json"))


def test_a_plan_made_now_with_an_unreadable_set_is_refused() -> None:
    with pytest.raises(IncompletePlanError) as refused:
        refuse_incomplete(plan([present(TX), unreadable(MARKETING)], [ROW]))
    assert str(refused.value) == "some configuration sets could not be read; nothing was applied"
    assert isinstance(refused.value, ApiError) and refused.value.exit_code is ExitCode.ERROR


def test_a_saved_plan_with_unreadable_sets_names_them_and_the_file() -> None:
    other = key("other", region="eu-west-1")
    incomplete = plan([unreadable(MARKETING), present(TX), unreadable(other)], [ROW])
    with pytest.raises(IncompletePlanError) as refused:
        refuse_incomplete(incomplete, Path("out/plan.json"))
    assert str(refused.value) == (
        "out/plan.json was saved by a plan that could not read "  # in plan order
        "other (eu-west-1, pinpoint-email), marketing (us-east-1, pinpoint-email); "
        "nothing was applied; run `driftcheck plan --out FILE` again"
    )


class Terminal(io.StringIO):
    """Typed answers, read as from a terminal."""

    def isatty(self) -> bool:
        return True


def test_without_a_terminal_nothing_is_asked_and_apply_is_refused() -> None:
    prompts = io.StringIO()
    with pytest.raises(NotApprovedError, match=r"apply needs approval: .* --auto-approve"):
        ask_approval(io.StringIO("yes\n"), prompts)  # piped input is not an approval
    assert prompts.getvalue() == ""


def test_yes_on_a_terminal_approves() -> None:
    prompts = io.StringIO()
    answers = Terminal("  yes \nmore\n")
    ask_approval(answers, prompts)
    assert prompts.getvalue().endswith("Only 'yes' will be accepted: ")
    assert answers.readline() == "more\n"  # one line was read, no more


@pytest.mark.parametrize("answer", ["y\n", "YES\n", "no\n", "\n", ""])
def test_any_other_answer_cancels(answer: str) -> None:
    with pytest.raises(NotApprovedError, match="apply cancelled; nothing was written"):
        ask_approval(Terminal(answer), io.StringIO())
