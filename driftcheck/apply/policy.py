"""What ``apply`` refuses, and when it asks first.

- Never apply an incomplete plan: a configuration set that could not be read may need
  changes that the plan cannot show, so nothing at all is applied (:func:`refuse_incomplete`),
  whether the plan was made now or saved by ``plan --out``.
- A plan made now is applied after ``yes`` on a terminal, or with ``--auto-approve``
  (:func:`ask_approval`); a saved plan was reviewed when it was saved, as with Terraform.
"""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from driftcheck.errors import ApiError, DriftcheckError
from driftcheck.plan_model import Plan
from driftcheck.saved_plan import PLAN_AGAIN


class IncompletePlanError(ApiError):
    """Some configuration sets of the plan could not be read: nothing was applied."""


class NotApprovedError(DriftcheckError):
    """Nobody approved the actions: no terminal to ask on, or an answer other than ``yes``."""


def refuse_incomplete(plan: Plan, saved: Path | None = None) -> None:
    """IncompletePlanError when a set of ``plan`` could not be read; ``saved`` is the file a
    saved plan was read from (None for a plan made now, whose unreadable sets were shown)."""
    if not plan.failed_sets:
        return
    if saved is None:
        raise IncompletePlanError("some configuration sets could not be read; nothing was applied")
    names = ", ".join(str(s.key) for s in plan.failed_sets)
    raise IncompletePlanError(
        f"{saved} was saved by a plan that could not read {names}; nothing was applied; "
        f"{PLAN_AGAIN}"
    )


def ask_approval(answers: TextIO, prompts: TextIO) -> None:
    """Ask for ``yes`` on a terminal; refuse without one (CI must say --auto-approve).

    ``answers`` is the terminal's input (stdin), ``prompts`` where the question goes (stderr,
    so that stdout keeps only the results).
    """
    if not answers.isatty():
        raise NotApprovedError(
            "apply needs approval: run it on a terminal and answer yes, or pass --auto-approve"
        )
    prompts.write("\nDo you want to perform these actions? Only 'yes' will be accepted: ")
    prompts.flush()
    if answers.readline().strip() != "yes":
        raise NotApprovedError("apply cancelled; nothing was written")
