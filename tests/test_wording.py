"""English shared by every message and format: counts with their noun in the right number."""

from __future__ import annotations

from pathlib import Path

import pytest

from driftcheck.cli import main
from driftcheck.emulator.schema import api_schema
from driftcheck.emulator.service import ServiceError
from driftcheck.errors import Problem, SpecError
from driftcheck.model import Api
from driftcheck.wording import account_label, age, plural


def test_a_count_takes_the_plural_unless_it_is_one() -> None:
    assert [plural(n, "set") for n in (0, 1, 2)] == ["0 sets", "1 set", "2 sets"]


def test_an_account_reads_as_its_name_and_id_or_its_id_alone() -> None:
    assert account_label("111111111111", "prod") == "prod (111111111111)"
    assert account_label("111111111111") == "111111111111"
    assert account_label("") == ""  # a run without an accounts file: no account to name


def test_validate_says_1_configuration_set(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "one.yaml"
    spec.write_text(
        "version: 1\nregion: us-east-1\nconfiguration_sets:\n  s:\n    event_destinations:\n"
        "      d:\n        Enabled: true\n        MatchingEventTypes: [SEND]\n"
        "        SnsDestination:\n          TopicArn: arn:aws:sns:us-east-1:123456789012:t\n",
        encoding="utf-8",
    )
    with pytest.raises(SystemExit) as done:
        main(["validate", str(spec)])
    assert done.value.code == 0
    assert capsys.readouterr().out == "OK: 1 configuration set, 1 event destination in 1 file.\n"


def test_one_problem_is_singular() -> None:
    assert str(SpecError([Problem("a.yaml", 1, 1, "bad")])) == "1 problem in the specs"


def test_the_emulator_says_invalid_request() -> None:
    schema = api_schema(Api.SESV2)
    shape = schema.operation("CreateConfigurationSet").input_shape
    with pytest.raises(ServiceError) as caught:
        schema.check({"Bogus": 1}, shape)
    assert caught.value.message.startswith("Invalid request: ")


@pytest.mark.parametrize(
    ("seconds", "text"),
    [
        (-3, "0 seconds"),
        (1, "1 second"),
        (59.9, "59 seconds"),
        (60, "1 minute"),
        (4 * 60 + 59, "4 minutes"),
        (3600, "1 hour"),
        (86399, "23 hours"),
        (86400 * 2 + 5, "2 days"),
    ],
)
def test_age_is_rounded_down_to_its_largest_unit(seconds: float, text: str) -> None:
    assert age(seconds) == text
