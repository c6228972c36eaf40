"""load_specs end to end: the DesiredState it builds, files and directories, file problems."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import Write
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from spec_helpers import destination, load, problems

from driftcheck.desired import spec_files
from driftcheck.desired.loader import MAX_CONFIGURATION_SETS, over_quota
from driftcheck.errors import SpecError
from driftcheck.model import Api, DesiredDestination, DesiredSet, DesiredState, SetKey, Source

ACCOUNT = "123456789012"
TOPIC = f"arn:aws:sns:us-east-1:{ACCOUNT}:ses-events"
ROLE = f"arn:aws:iam::{ACCOUNT}:role/ses-firehose"
STREAM = f"arn:aws:firehose:us-east-1:{ACCOUNT}:deliverystream/ses"
APP = f"arn:aws:mobiletargeting:us-east-1:{ACCOUNT}:apps/0123456789abcdef"
BUS = f"arn:aws:events:us-east-1:{ACCOUNT}:event-bus/default"

ALL_TYPES = f"""\
version: 1
api: {{api}}
region: us-east-1
configuration_sets:
  marketing:
    event_destinations:
      sns:
        Enabled: true
        MatchingEventTypes: [COMPLAINT, BOUNCE]
        SnsDestination:
          TopicArn: {TOPIC}
      firehose:
        Enabled: false
        MatchingEventTypes: [send, renderingFailure, DELIVERY]
        KinesisFirehoseDestination:
          IamRoleArn: {ROLE}
          DeliveryStreamArn: {STREAM}
      cloudwatch:
        Enabled: true
        MatchingEventTypes: [open, click]
        CloudWatchDestination:
          DimensionConfigurations:
            - DimensionName: campaign
              DimensionValueSource: messageTag
              DefaultDimensionValue: none
            - DimensionName: b-link
              DimensionValueSource: linkTag
              DefaultDimensionValue: none
            - DimensionName: a-header
              DimensionValueSource: emailHeader
              DefaultDimensionValue: none
      pinpoint:
        Name: pinpoint
        Enabled: true
        MatchingEventTypes: [REJECT]
        PinpointDestination:
          ApplicationArn: {APP}
{{sesv2_extra}}  empty:
    event_destinations: {{}}
"""

SESV2_EXTRA = f"""\
      eventbridge:
        Enabled: true
        MatchingEventTypes: [deliveryDelay, SUBSCRIPTION, SEND]
        EventBridgeDestination:
          EventBusArn: {BUS}
"""


def expected_sets(api: Api, file: str) -> tuple[DesiredSet, ...]:
    def dest(name: str, line: int, definition: dict[str, Any]) -> DesiredDestination:
        return DesiredDestination(name, definition, Source(file, line, 7))

    destinations = [
        dest(
            "cloudwatch",
            18,
            {
                "Enabled": True,
                "MatchingEventTypes": ["CLICK", "OPEN"],
                "CloudWatchDestination": {
                    "DimensionConfigurations": [
                        {
                            "DefaultDimensionValue": "none",
                            "DimensionName": "a-header",
                            "DimensionValueSource": "EMAIL_HEADER",
                        },
                        {
                            "DefaultDimensionValue": "none",
                            "DimensionName": "b-link",
                            "DimensionValueSource": "LINK_TAG",
                        },
                        {
                            "DefaultDimensionValue": "none",
                            "DimensionName": "campaign",
                            "DimensionValueSource": "MESSAGE_TAG",
                        },
                    ]
                },
            },
        ),
        dest(
            "firehose",
            12,
            {
                "Enabled": False,
                "MatchingEventTypes": ["DELIVERY", "RENDERING_FAILURE", "SEND"],
                "KinesisFirehoseDestination": {"DeliveryStreamArn": STREAM, "IamRoleArn": ROLE},
            },
        ),
        dest(
            "pinpoint",
            32,
            {
                "Enabled": True,
                "MatchingEventTypes": ["REJECT"],
                "PinpointDestination": {"ApplicationArn": APP},
            },
        ),
        dest(
            "sns",
            7,
            {
                "Enabled": True,
                "MatchingEventTypes": ["BOUNCE", "COMPLAINT"],
                "SnsDestination": {"TopicArn": TOPIC},
            },
        ),
    ]
    if api is Api.SESV2:
        destinations.insert(
            1,
            dest(
                "eventbridge",
                38,
                {
                    "Enabled": True,
                    "MatchingEventTypes": ["DELIVERY_DELAY", "SEND", "SUBSCRIPTION"],
                    "EventBridgeDestination": {"EventBusArn": BUS},
                },
            ),
        )
    empty_line = 43 if api is Api.SESV2 else 38
    return (
        DesiredSet(SetKey(api, "us-east-1", "empty"), (), Source(file, empty_line, 3)),
        DesiredSet(SetKey(api, "us-east-1", "marketing"), tuple(destinations), Source(file, 5, 3)),
    )


@pytest.mark.parametrize("api", list(Api))
def test_every_destination_type_round_trips(write: Write, api: Api) -> None:
    extra = SESV2_EXTRA if api is Api.SESV2 else ""
    path = write(ALL_TYPES.replace("{api}", api.value).replace("{sesv2_extra}", extra))
    assert load([path]) == DesiredState(expected_sets(api, "spec.yaml"), files=("spec.yaml",))


def test_pasted_live_output_fits(write: Write) -> None:
    """A destination as `aws sesv2 get-configuration-set-event-destinations` prints it."""
    live = {
        "Name": "sns",
        "Enabled": True,
        "MatchingEventTypes": ["SEND", "BOUNCE"],
        "SnsDestination": {"TopicArn": TOPIC},
    }
    spec = {
        "version": 1,
        "api": "sesv2",
        "region": "eu-west-1",
        "configuration_sets": {"s": {"event_destinations": {"sns": live}}},
    }
    path = write(json.dumps(spec, indent=2))  # JSON is YAML
    [desired] = load([path]).sets
    assert desired.key == SetKey(Api.SESV2, "eu-west-1", "s")
    assert desired.destinations[0].definition == {
        "Enabled": True,
        "MatchingEventTypes": ["BOUNCE", "SEND"],
        "SnsDestination": {"TopicArn": TOPIC},
    }


def test_anchors_and_merge_keys_share_definitions(write: Write) -> None:
    path = write(
        f"""\
        version: 1
        region: us-east-1
        vars: {{topic: "{TOPIC}"}}
        configuration_sets:
          a:
            event_destinations:
              sns: &sns
                Enabled: true
                MatchingEventTypes: [BOUNCE]
                SnsDestination: {{TopicArn: "${{topic}}"}}
          b:
            event_destinations:
              sns:
                <<: *sns
                Enabled: false
        """
    )
    state = load([path])
    a, b = state.sets
    assert a.destinations[0].definition["Enabled"] is True
    assert b.destinations[0].definition == {
        "Enabled": False,
        "MatchingEventTypes": ["BOUNCE"],
        "SnsDestination": {"TopicArn": TOPIC},
    }
    assert b.destinations[0].source == Source("spec.yaml", 13, 7)


def test_problems_in_an_aliased_node_are_reported_once(write: Write) -> None:
    path = write(
        """\
        version: 1
        configuration_sets:
          a:
            event_destinations:
              x: &bad {Enabled: true, MatchingEventTypes: [BOUNCES], PinpointDestination: {}}
          b:
            event_destinations:
              x: *bad
        """
    )
    assert problems([path]) == [
        "spec.yaml:5:52: `BOUNCES` is not a valid value for an item of `MatchingEventTypes`; "
        "did you mean `BOUNCE`?"
    ]


def test_an_alias_bomb_spec_is_refused(write: Write) -> None:
    lines = ["version: 1", 'a0: &a0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    lines += [f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 8)}]" for i in range(1, 10)]
    lines.append("configuration_sets: {}")
    path = write("\n".join(lines) + "\n")
    [message] = problems([path])
    assert message.startswith("spec.yaml:8:")
    assert message.endswith(
        "the aliases in this file expand to more than 1,000,000 nodes; refusing to load it "
        "(an alias bomb?)"
    )


# --- regions, multiple files, duplicates ---------------------------------------------------

PLAIN = """\
version: 1
{region}configuration_sets:
  {name}:
    event_destinations: {{}}
"""


def plain_spec(name: str = "marketing", region: str | None = None, api: str | None = None) -> str:
    text = PLAIN.format(name=name, region=f"region: {region}\n" if region else "")
    return text.replace("version: 1\n", f"version: 1\napi: {api}\n") if api else text


def keys(state: DesiredState) -> list[tuple[str, str, str]]:
    return [(s.key.api.value, s.key.region, s.key.name) for s in state.sets]


def test_regions(write: Write) -> None:
    with_region = write(plain_spec("a", "eu-west-1"), "a.yaml")
    without = write(plain_spec("b"), "b.yaml")
    assert keys(load([with_region, without])) == [
        ("pinpoint-email", "", "b"),
        ("pinpoint-email", "eu-west-1", "a"),
    ]
    assert keys(load([with_region, without], default_region="us-west-2")) == [
        ("pinpoint-email", "eu-west-1", "a"),
        ("pinpoint-email", "us-west-2", "b"),
    ]
    assert problems([with_region, without], require_region=True) == [
        "b.yaml:1:1: no region: add `region:` to the spec, pass --region, or set AWS_DEFAULT_REGION"
    ]
    assert keys(load([without], default_region="us-west-2", require_region=True)) == [
        ("pinpoint-email", "us-west-2", "b")
    ]


def test_a_file_without_sets_needs_no_region(write: Write) -> None:
    path = write("version: 1\nconfiguration_sets: {}\n")
    assert load([path], require_region=True) == DesiredState((), files=("spec.yaml",))


def test_the_same_set_in_two_files_is_an_error(write: Write) -> None:
    first = write(plain_spec("marketing", "us-east-1"), "a.yaml")
    second = write(plain_spec("marketing", "us-east-1"), "b.yaml")
    other_region = write(plain_spec("marketing", "eu-west-1"), "c.yaml")
    assert problems([first, second, other_region]) == [
        "b.yaml:4:3: configuration set `marketing` (in us-east-1, api pinpoint-email) is "
        "declared twice; also declared at a.yaml:4:3"
    ]


def test_the_same_set_in_one_file_is_an_error(write: Write) -> None:
    path = write(plain_spec("marketing") + "  marketing:\n    event_destinations: {}\n")
    assert problems([path]) == [
        "spec.yaml:5:3: duplicate key `marketing`, also declared at spec.yaml:3:3 "
        "(YAML would silently keep only the last one)"
    ]


def test_the_same_set_through_both_apis_is_an_error(write: Write) -> None:
    first = write(plain_spec("marketing", "us-east-1", api="sesv2"), "a.yaml")
    second = write(plain_spec("marketing", "us-east-1", api="pinpoint-email"), "b.yaml")
    assert problems([first, second]) == [
        "b.yaml:5:3: configuration set `marketing` (in us-east-1) is also declared at "
        "a.yaml:5:3 with api sesv2; both APIs manage the same SES configuration set"
    ]


def test_directories_are_searched_recursively_in_order(write: Write, workdir: Path) -> None:
    write(plain_spec("b", "us-east-1"), "specs/b.yaml")
    write(plain_spec("a", "us-east-1"), "specs/sub/a.yml")
    write(plain_spec("c", "us-east-1"), "specs/a.yaml")
    write("not: a spec\n", "specs/notes.txt")
    write("version: [broken\n", "specs/.hidden.yaml")
    write("version: [broken\n", "specs/.git/x.yaml")
    assert spec_files(["specs"]) == [
        Path("specs/a.yaml"),
        Path("specs/b.yaml"),
        Path("specs/sub/a.yml"),
    ]
    state = load(["specs"])
    assert [(s.key.name, s.source) for s in state.sets] == [
        ("a", Source("specs/sub/a.yml", 4, 3)),
        ("b", Source("specs/b.yaml", 4, 3)),
        ("c", Source("specs/a.yaml", 4, 3)),
    ]


def test_files_and_directories_mix_and_a_file_is_read_once(write: Write) -> None:
    write(plain_spec("a", "us-east-1"), "specs/a.yaml")
    write(plain_spec("b", "us-east-1"), "b.spec")  # a file named explicitly: any suffix
    assert spec_files(["b.spec", "specs", "specs/a.yaml", "./specs/a.yaml"]) == [
        Path("b.spec"),
        Path("specs/a.yaml"),
    ]
    assert keys(load(["specs", "b.spec", "specs/a.yaml"])) == [
        ("pinpoint-email", "us-east-1", "a"),
        ("pinpoint-email", "us-east-1", "b"),
    ]


def test_source_files_keep_the_path_as_given(write: Write, workdir: Path) -> None:
    write(plain_spec("a", "us-east-1"), "specs/a.yaml")
    absolute = str(workdir / "specs")
    [desired] = load([absolute]).sets
    assert desired.source.file == str(workdir / "specs" / "a.yaml")
    [desired] = load(["./specs/a.yaml"]).sets
    assert desired.source.file == "./specs/a.yaml"


# --- file problems -------------------------------------------------------------------------


def test_missing_paths_and_empty_directories(write: Write, workdir: Path) -> None:
    (workdir / "empty").mkdir()
    write("x\n", "empty/readme.txt")
    assert problems(["nope.yaml", "empty"]) == [
        "empty:1:1: the directory holds no *.yaml or *.yml spec file",
        "nope.yaml:1:1: no such file or directory",
    ]
    with pytest.raises(SpecError):
        spec_files(["nope.yaml"])


def test_an_unreadable_file_at_the_open_boundary(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Whatever the user: the OSError that open() raises is a problem naming the file."""
    path = write(plain_spec())
    real_open = os.open

    def refuse(name: Any, flags: int, *args: Any, **kwargs: Any) -> int:
        if os.fspath(name) == path:
            raise PermissionError(13, "Permission denied", path)
        return real_open(name, flags, *args, **kwargs)

    monkeypatch.setattr(os, "open", refuse)
    assert problems([path]) == ["spec.yaml:1:1: cannot read the file: Permission denied"]


# --- what a spec directory holds: every kind of path ---------------------------------------


@contextmanager
def unprivileged() -> Iterator[None]:
    """Run the block without root's power to read anything, so that `chmod 000` denies
    reading as it does for any CI user. The effective user becomes nobody; the real one
    stays root, which takes it back. Not root: nothing to drop."""
    if os.geteuid() != 0:
        yield
        return
    try:
        os.setegid(65534)
        os.seteuid(65534)
    except PermissionError:  # pragma: no cover - a root without CAP_SETUID
        pytest.skip("root without CAP_SETUID cannot drop its read permission")
    try:
        yield
    finally:
        os.seteuid(0)
        os.setegid(0)


def test_an_unreadable_subdirectory_is_an_error_not_skipped(write: Write, workdir: Path) -> None:
    write(plain_spec("a", "us-east-1"), "specs/a.yaml")
    write(plain_spec("locked", "us-east-1"), "specs/locked/b.yaml")
    (workdir / "specs" / "locked").chmod(0)
    workdir.chmod(0o755)  # nobody may look up names in the working directory
    try:
        with unprivileged():
            found = problems(["specs"])
    finally:
        (workdir / "specs" / "locked").chmod(0o755)
    assert found == ["specs/locked:1:1: cannot read the directory: Permission denied"]


def test_an_unreadable_spec_file_is_an_error(write: Write, workdir: Path) -> None:
    write(plain_spec("a", "us-east-1"), "specs/a.yaml")
    (workdir / write(plain_spec("b", "us-east-1"), "specs/b.yaml")).chmod(0)
    workdir.chmod(0o755)  # nobody may look up names in the working directory
    with unprivileged():
        assert problems(["specs"]) == ["specs/b.yaml:1:1: cannot read the file: Permission denied"]
        assert problems(["specs/b.yaml"]) == [
            "specs/b.yaml:1:1: cannot read the file: Permission denied"
        ]


def test_an_unreadable_directory_at_the_scandir_boundary(
    write: Write, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Any OSError of os.scandir (EACCES, EIO on a network mount...) names the directory."""
    write(plain_spec("a", "us-east-1"), "specs/a.yaml")
    write(plain_spec("b", "us-east-1"), "specs/sub/b.yaml")
    real_scandir = os.scandir

    def failing(path: Any) -> Any:
        if os.fspath(path).endswith("sub"):
            raise OSError(5, "Input/output error", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(os, "scandir", failing)
    assert problems(["specs"]) == ["specs/sub:1:1: cannot read the directory: Input/output error"]


def test_a_symlinked_directory_is_followed(write: Write, workdir: Path) -> None:
    write(plain_spec("a", "us-east-1"), "specs/a.yaml")
    write(plain_spec("team", "us-east-1"), "team/team.yaml")
    (workdir / "specs" / "common").symlink_to("../team")
    assert spec_files(["specs"]) == [Path("specs/a.yaml"), Path("specs/common/team.yaml")]
    assert keys(load(["specs"])) == [
        ("pinpoint-email", "us-east-1", "a"),
        ("pinpoint-email", "us-east-1", "team"),
    ]


def test_each_real_directory_and_file_is_read_once(write: Write, workdir: Path) -> None:
    """Two links to one directory, a directory given twice, a hard link: no set twice."""
    write(plain_spec("team", "us-east-1"), "team/team.yaml")
    (workdir / "specs").mkdir()
    (workdir / "specs" / "one").symlink_to("../team")
    (workdir / "specs" / "two").symlink_to("../team")
    (workdir / "team" / "same.yaml").hardlink_to(workdir / "team" / "team.yaml")
    state = load(["specs", "specs", "team", "./team/team.yaml"])
    assert keys(state) == [("pinpoint-email", "us-east-1", "team")]
    assert state.files == ("specs/one/same.yaml",)  # the first name met, in sorted order


def test_a_directory_link_loop_is_a_located_error(write: Write, workdir: Path) -> None:
    write(plain_spec("a", "us-east-1"), "specs/sub/a.yaml")
    (workdir / "specs" / "sub" / "back").symlink_to("..")
    assert problems(["specs"]) == [
        "specs/sub/back:1:1: a symbolic link loop: it leads back to specs, which contains it"
    ]


def test_a_file_link_loop_and_a_broken_link_are_located_errors(write: Write, workdir: Path) -> None:
    write(plain_spec("a", "us-east-1"), "specs/a.yaml")
    (workdir / "specs" / "b.yaml").symlink_to("c.yaml")
    (workdir / "specs" / "c.yaml").symlink_to("b.yaml")
    (workdir / "specs" / "d.yml").symlink_to("gone.yml")
    (workdir / "specs" / "notes").symlink_to("gone")  # not named like a spec: not one
    assert problems(["specs"]) == [
        "specs/b.yaml:1:1: a symbolic link loop: the links lead back to themselves",
        "specs/c.yaml:1:1: a symbolic link loop: the links lead back to themselves",
        "specs/d.yml:1:1: a broken symbolic link (to gone.yml)",
    ]
    assert problems(["specs/b.yaml"]) == [
        "specs/b.yaml:1:1: a symbolic link loop: the links lead back to themselves"
    ]


def test_a_symlinked_spec_file_is_read(write: Write, workdir: Path) -> None:
    write(plain_spec("a", "us-east-1"), "elsewhere/a.txt")
    (workdir / "specs").mkdir()
    (workdir / "specs" / "a.yaml").symlink_to("../elsewhere/a.txt")
    assert keys(load(["specs"])) == [("pinpoint-email", "us-east-1", "a")]


def test_extensions_match_in_any_case(write: Write) -> None:
    write(plain_spec("a", "us-east-1"), "specs/a.YAML")
    write(plain_spec("b", "us-east-1"), "specs/b.YML")
    write(plain_spec("c", "us-east-1"), "specs/c.Yaml")
    write(plain_spec("d", "us-east-1"), "specs/d.yml")
    write("not: a spec\n", "specs/e.yaml.bak")
    assert [name for name, *_ in map(reversed, keys(load(["specs"])))] == ["a", "b", "c", "d"]


def test_a_fifo_socket_or_device_in_a_directory_is_an_error_and_never_waited_for(
    write: Write, workdir: Path
) -> None:
    write(plain_spec("a", "us-east-1"), "specs/a.yaml")
    os.mkfifo(workdir / "specs" / "pipe.yaml")  # nobody writes to it: reading would hang
    (workdir / "specs" / "null.yml").symlink_to("/dev/null")
    with socket.socket(socket.AF_UNIX) as server:
        server.bind("specs/s.yaml")  # relative: a socket path must be short
        assert problems(["specs"]) == [
            "specs/null.yml:1:1: a character device, not a regular file; a spec directory "
            "holds regular files (name a pipe on the command line to read it)",
            "specs/pipe.yaml:1:1: a FIFO (named pipe), not a regular file; a spec directory "
            "holds regular files (name a pipe on the command line to read it)",
            "specs/s.yaml:1:1: a socket, not a regular file; a spec directory "
            "holds regular files (name a pipe on the command line to read it)",
        ]


@pytest.mark.parametrize("device", ["/dev/null", "/dev/zero"])
def test_a_device_given_is_refused_not_read_forever(device: str) -> None:
    assert problems([device]) == [f"{device}:1:1: a character device, not a spec file"]


def test_a_fifo_given_is_read_from_its_writer(workdir: Path) -> None:
    """A named pipe on the command line gives what its writer wrote."""
    os.mkfifo(workdir / "pipe")
    keep_open = os.open("pipe", os.O_RDONLY | os.O_NONBLOCK)  # so the writer need not wait
    try:
        writer = os.open("pipe", os.O_WRONLY)
        os.write(writer, plain_spec("piped", "us-east-1").encode())
        os.close(writer)  # written and gone: the loader reads the data, then the end
        assert keys(load(["pipe"])) == [("pinpoint-email", "us-east-1", "piped")]
    finally:
        os.close(keep_open)


def test_a_fifo_without_a_writer_does_not_hang(workdir: Path) -> None:
    os.mkfifo(workdir / "pipe")
    [problem] = problems(["pipe"])
    assert problem.startswith("pipe:1:1: the file is empty")


def test_a_process_substitution_is_read(workdir: Path) -> None:
    """The real thing: bash gives the spec as /dev/fd/63, a pipe with a writer."""
    (workdir / "spec.yaml").write_text(plain_spec("sub", "us-east-1"))
    script = (
        f"exec {sys.executable} -c 'import sys; from driftcheck.desired import load_specs; "
        f"print([s.key.name for s in load_specs(sys.argv[1:]).sets])' <(cat spec.yaml)"
    )
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout == "['sub']\n"


def test_the_desired_state_names_the_files_it_read(write: Write) -> None:
    write(plain_spec("a", "us-east-1"), "specs/a.yaml")
    write("version: 1\nconfiguration_sets: {}\n", "specs/empty.yaml")
    write(plain_spec("b", "us-east-1"), "b.spec")
    assert load(["specs", "b.spec"]).files == ("specs/a.yaml", "specs/empty.yaml", "b.spec")


def test_non_utf8_bytes_are_located(write: Write) -> None:
    path = write("version: 1\n# caf\u00e9 ok\nname: 'caf\xe9'\n".encode("latin-1"))
    # line 2 holds é as latin-1 too: the first bad byte is there, after "# caf"
    assert problems([path]) == [
        "spec.yaml:2:6: the file is not UTF-8 (byte 0xe9); save it as UTF-8"
    ]
    path = write("version: 1\n# caf\u00e9 ok\n".encode() + b"a: '\xc3\xa9\xff'\n", "b.yaml")
    assert problems([path]) == ["b.yaml:3:6: the file is not UTF-8 (byte 0xff); save it as UTF-8"]


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n", "---\n", "--- # c\n...\n"])
def test_an_empty_file(write: Write, text: str) -> None:
    path = write(text)
    assert problems([path]) == [
        "spec.yaml:1:1: the file is empty; a spec needs at least `version: 1` and "
        "`configuration_sets`"
    ]


def test_a_utf8_byte_order_mark_is_fine(write: Write) -> None:
    path = write(b"\xef\xbb\xbf" + plain_spec("a", "us-east-1").encode())
    assert keys(load([path])) == [("pinpoint-email", "us-east-1", "a")]


def test_validation_imports_no_heavy_module(write: Write, workdir: Path) -> None:
    """Neither boto3 nor deepdiff, nor jsonschema and the schema generator."""
    path = write(
        destination(
            "Enabled: true\nMatchingEventTypes: [SEND]\nSnsDestination: {TopicArn: " + TOPIC + "}"
        )
    )
    code = (
        "import sys\n"
        "from driftcheck.desired import load_specs\n"
        f"state = load_specs([{str(workdir / path)!r}])\n"
        "assert state.destination_count == 1\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('boto3', 'botocore', 'deepdiff', 's3transfer', 'urllib3', 'jsonschema') "
        "or m == 'driftcheck.desired.json_schema'))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


# --- scale and properties ------------------------------------------------------------------


def test_a_large_spec_loads_completely(write: Write) -> None:
    sets = {
        f"set-{s:04d}": {
            "event_destinations": {
                f"d{d}": {
                    "Enabled": True,
                    "MatchingEventTypes": ["SEND", "BOUNCE"],
                    "SnsDestination": {"TopicArn": f"{TOPIC}-{s}-{d}"},
                }
                for d in range(10)
            }
        }
        for s in range(300)
    }
    spec = {"version": 1, "region": "us-east-1", "configuration_sets": sets}
    path = write(yaml.safe_dump(spec, sort_keys=False))
    state = load([path])
    assert len(state.sets) == 300
    assert state.destination_count == 3000
    assert state.sets[-1].destinations[-1].definition["SnsDestination"] == {
        "TopicArn": f"{TOPIC}-299-9"
    }


PINPOINT_EVENT_TYPES = ["SEND", "REJECT", "BOUNCE", "COMPLAINT", "DELIVERY", "OPEN", "CLICK"]
PINPOINT_EVENT_TYPES.append("RENDERING_FAILURE")
EVENT_TYPES = {
    Api.PINPOINT_EMAIL: PINPOINT_EVENT_TYPES,
    Api.SESV2: [*PINPOINT_EVENT_TYPES, "DELIVERY_DELAY", "SUBSCRIPTION"],
}


def camel(value: str) -> str:
    first, *rest = value.lower().split("_")
    return first + "".join(part.capitalize() for part in rest)


@st.composite
def definitions(draw: st.DrawFn, api: Api) -> tuple[dict[str, Any], dict[str, Any]]:
    """A definition as a user may write it, and its expected normalised form."""
    chosen = draw(st.lists(st.sampled_from(EVENT_TYPES[api]), min_size=1, unique=True))
    written = [draw(st.sampled_from([t, camel(t)])) for t in chosen]
    enabled = draw(st.booleans())
    names = draw(
        st.lists(st.from_regex(r"[A-Za-z0-9_-]{1,8}", fullmatch=True), max_size=10, unique=True)
    )
    sources = [draw(st.sampled_from(["MESSAGE_TAG", "EMAIL_HEADER", "LINK_TAG"])) for _ in names]
    blocks: list[tuple[str, dict[str, Any]]] = [
        ("SnsDestination", {"TopicArn": TOPIC}),
        ("PinpointDestination", {"ApplicationArn": APP}),
        ("KinesisFirehoseDestination", {"IamRoleArn": ROLE, "DeliveryStreamArn": STREAM}),
    ]
    if names:
        dimensions = [
            {"DimensionName": n, "DimensionValueSource": camel(s), "DefaultDimensionValue": "v"}
            for n, s in zip(names, sources, strict=True)
        ]
        blocks.append(("CloudWatchDestination", {"DimensionConfigurations": dimensions}))
    if api is Api.SESV2:
        blocks.append(("EventBridgeDestination", {"EventBusArn": BUS}))
    block, body = draw(st.sampled_from(blocks))
    written_definition = {"Enabled": enabled, "MatchingEventTypes": written, block: body}
    expected_body = body
    if block == "CloudWatchDestination":
        expected_body = {
            "DimensionConfigurations": sorted(
                (
                    {"DefaultDimensionValue": "v", "DimensionName": n, "DimensionValueSource": s}
                    for n, s in zip(names, sources, strict=True)
                ),
                key=lambda d: d["DimensionName"],
            )
        }
    expected = {
        "Enabled": enabled,
        "MatchingEventTypes": sorted(chosen),
        block: dict(sorted(expected_body.items())),
    }
    return written_definition, expected


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.data(), api=st.sampled_from(list(Api)))
def test_written_definitions_load_normalised(write: Write, data: st.DataObject, api: Api) -> None:
    written, expected = data.draw(definitions(api))
    spec = {
        "version": 1,
        "api": api.value,
        "region": "us-east-1",
        "configuration_sets": {"s": {"event_destinations": {"d": written}}},
    }
    path = write(yaml.safe_dump(spec))
    [desired] = load([path]).sets
    assert desired.destinations[0].definition == expected


# --- the SES quota of configuration sets per region ---------------------------------------


def quota_sets(regions: list[str], api: Api = Api.PINPOINT_EMAIL) -> list[DesiredSet]:
    """One set per entry of ``regions``, named by its position, declared at line position+1."""
    return [
        DesiredSet(SetKey(api, region, f"s{i}"), (), Source("spec.yaml", i + 1, 3))
        for i, region in enumerate(regions)
    ]


def test_the_first_set_beyond_the_quota_is_named_with_its_region() -> None:
    sets = quota_sets(
        ["us-east-1", "eu-west-1", "us-east-1", "eu-west-1", "us-east-1", "us-east-1"]
    )
    [problem] = over_quota(sets, quota=2)
    assert str(problem) == (
        "spec.yaml:5:3: configuration set `s4` is one more than SES allows in us-east-1: "
        "at most 2 configuration sets per account and region"
    )
    assert over_quota(sets[:4], quota=2) == []  # two in each region: at the quota, allowed


def test_both_apis_count_against_one_quota_and_every_region_is_checked() -> None:
    sets = quota_sets(["us-east-1", "eu-west-1"]) + quota_sets(
        ["us-east-1", "eu-west-1"], Api.SESV2
    )
    assert [p.line for p in over_quota(sets, quota=1)] == [1, 2]


def test_the_real_quota_is_10000_sets_per_region() -> None:
    assert MAX_CONFIGURATION_SETS == 10_000  # https://docs.aws.amazon.com/ses/latest/dg/quotas.html
    assert over_quota(quota_sets(["us-east-1"] * 10_000 + ["eu-west-1"])) == []
    [problem] = over_quota(quota_sets(["us-east-1"] * 10_002))
    assert (problem.line, "10,000" in problem.message) == (10_001, True)


def test_validate_refuses_10001_sets_in_one_region(write: Write) -> None:
    """End to end, through one flow-style spec (about 0.7 s of CPU: one line per set)."""
    names = [f"s{i:05d}" for i in range(10_001)]
    body = "".join(f"  {name}: {{event_destinations: {{}}}}\n" for name in names)
    spec = write("version: 1\nregion: us-east-1\nconfiguration_sets:\n" + body, "many.yaml")
    assert problems([spec]) == [
        "many.yaml:10004:3: configuration set `s10000` is one more than SES allows in "
        "us-east-1: at most 10,000 configuration sets per account and region"
    ]
