"""``driftcheck apply``: bring the live event destinations to the specs.

- :mod:`.actions`: plan → the write actions (pure);
- :mod:`.policy`: what apply refuses (an incomplete plan), and asking for approval;
- :mod:`.executor`: run them concurrently per set, within the writer's rate limit;
- :mod:`.run`: connect, check a saved plan's freshness, apply;
- :mod:`.report`: the results as text and JSON.
"""

from driftcheck.apply.actions import ActionKind, ApplyAction, build_actions, update_definition
from driftcheck.apply.executor import ActionResult, Outcome, execute
from driftcheck.apply.policy import (
    IncompletePlanError,
    NotApprovedError,
    ask_approval,
    refuse_incomplete,
)
from driftcheck.apply.report import render_actions, render_json, render_text, result_line, verdict
from driftcheck.apply.run import apply_actions, apply_plan, verify_saved_plan

__all__ = [
    "ActionKind",
    "ActionResult",
    "ApplyAction",
    "IncompletePlanError",
    "NotApprovedError",
    "Outcome",
    "apply_actions",
    "apply_plan",
    "ask_approval",
    "build_actions",
    "execute",
    "refuse_incomplete",
    "render_actions",
    "render_json",
    "render_text",
    "result_line",
    "update_definition",
    "verdict",
    "verify_saved_plan",
]
