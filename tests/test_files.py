"""The one writer (driftcheck.files.write_file) on every kind of path it can be given.

Each test creates the real thing (a symbolic link, a FIFO, a socket, /dev/null, a process's
stdout) and checks what the path is afterwards, not only what was written.
"""

from __future__ import annotations

import errno
import os
import socket
import stat
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from driftcheck.files import write_file

TEXT = "report \u00fc\n"


@pytest.fixture
def umask() -> Iterator[int]:
    """A known umask for the test (CI runners use 022; 027 tells it from the default)."""
    old = os.umask(0o027)
    try:
        yield 0o027
    finally:
        os.umask(old)


def names(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir())


# --- regular files -------------------------------------------------------------------------


def test_a_new_file_gets_the_umasks_mode_not_0600(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "report.xml"
    write_file(path, TEXT)
    assert path.read_text(encoding="utf-8") == TEXT
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask == 0o640
    assert names(tmp_path) == ["report.xml"]  # no temporary file left


def test_an_existing_file_is_replaced_atomically_and_keeps_its_mode(
    tmp_path: Path, umask: int
) -> None:
    path = tmp_path / "report.xml"
    path.write_text("old\n")
    path.chmod(0o604)  # not what the umask would give
    before = path.stat()
    write_file(path, TEXT)
    after = path.stat()
    assert path.read_text(encoding="utf-8") == TEXT
    assert stat.S_IMODE(after.st_mode) == 0o604
    assert after.st_ino != before.st_ino  # a new file renamed over the old one
    assert names(tmp_path) == ["report.xml"]


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another user")
def test_root_keeps_the_owner_of_an_existing_file(tmp_path: Path) -> None:
    path = tmp_path / "report.xml"
    path.write_text("old\n")
    os.chown(path, 4321, 4322)
    write_file(path, TEXT)
    assert (path.stat().st_uid, path.stat().st_gid) == (4321, 4322)


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "report.xml"
    path.write_text("old\n")

    def full(descriptor: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(OSError, match="No space left on device"):
        write_file(path, TEXT)
    assert path.read_text() == "old\n"
    assert names(tmp_path) == ["report.xml"]


def test_replace_false_never_overwrites_a_file(tmp_path: Path, umask: int) -> None:
    path = tmp_path / "spec.yaml"
    write_file(path, "first\n", replace=False)
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    with pytest.raises(FileExistsError):
        write_file(path, "second\n", replace=False)
    assert path.read_text() == "first\n"
    assert names(tmp_path) == ["spec.yaml"]


def test_replace_false_loses_the_race_to_a_file_created_meanwhile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The file appears between the check and the rename: it is kept, not overwritten."""
    path = tmp_path / "spec.yaml"
    real_fsync = os.fsync

    def someone_else_writes(descriptor: int) -> None:
        real_fsync(descriptor)
        path.write_text("theirs\n")

    monkeypatch.setattr(os, "fsync", someone_else_writes)
    with pytest.raises(FileExistsError):
        write_file(path, "mine\n", replace=False)
    assert path.read_text() == "theirs\n"
    assert names(tmp_path) == ["spec.yaml"]


def test_append_starts_on_a_line_of_its_own_and_creates_the_file(tmp_path: Path) -> None:
    path = tmp_path / "summary.md"
    write_file(path, "one", append=True)
    write_file(path, "two\n", append=True)
    write_file(path, "three\n", append=True)
    assert path.read_text() == "one\ntwo\nthree\n"


def test_a_missing_directory_is_one_clear_sentence(tmp_path: Path) -> None:
    for append in (False, True):
        with pytest.raises(FileNotFoundError) as caught:
            write_file(tmp_path / "reports" / "r.xml", TEXT, append=append)
        assert caught.value.strerror == f"the directory {tmp_path / 'reports'} does not exist"
    assert names(tmp_path) == []


# --- symbolic links ------------------------------------------------------------------------


def test_a_symbolic_link_is_followed_and_stays_a_link(tmp_path: Path) -> None:
    (tmp_path / "artifacts").mkdir()
    target = tmp_path / "artifacts" / "report.xml"
    target.write_text("old\n")
    target.chmod(0o640)
    link = tmp_path / "report.xml"
    link.symlink_to(Path("artifacts") / "report.xml")
    write_file(link, TEXT)
    assert link.is_symlink() and link.readlink() == Path("artifacts") / "report.xml"
    assert target.read_text(encoding="utf-8") == TEXT
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert names(tmp_path / "artifacts") == ["report.xml"]  # the temporary was next to it


def test_a_dangling_link_gets_its_target_created(tmp_path: Path, umask: int) -> None:
    link = tmp_path / "report.xml"
    link.symlink_to("real.xml")
    write_file(link, TEXT)
    assert link.is_symlink()
    assert (tmp_path / "real.xml").read_text(encoding="utf-8") == TEXT
    assert stat.S_IMODE((tmp_path / "real.xml").stat().st_mode) == 0o640


def test_a_link_loop_is_an_error_and_nothing_is_written(tmp_path: Path) -> None:
    (tmp_path / "a").symlink_to("b")
    (tmp_path / "b").symlink_to("a")
    with pytest.raises(OSError) as caught:
        write_file(tmp_path / "a", TEXT)
    assert caught.value.errno == errno.ELOOP
    assert (tmp_path / "a").is_symlink() and (tmp_path / "b").is_symlink()


# --- devices, FIFOs, streams ---------------------------------------------------------------


def test_dev_null_stays_a_character_device() -> None:
    before = Path("/dev/null").stat()
    write_file("/dev/null", TEXT)
    after = Path("/dev/null").stat()
    assert stat.S_ISCHR(after.st_mode)
    assert (after.st_ino, after.st_rdev) == (before.st_ino, before.st_rdev)


def test_a_character_device_is_written_through(tmp_path: Path) -> None:
    """A device node of our own (root only), so the test can see it was not replaced."""
    node = tmp_path / "null"
    try:
        os.mknod(node, stat.S_IFCHR | 0o666, os.makedev(1, 3))  # Linux's /dev/null
    except PermissionError:
        pytest.skip("creating a device node needs root (CAP_MKNOD)")
    write_file(node, TEXT)
    assert stat.S_ISCHR(node.stat().st_mode)
    assert names(tmp_path) == ["null"]


def test_a_fifo_is_written_through_to_its_reader(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()))
    reader.start()
    write_file(fifo, TEXT)  # blocks until the reader opens the FIFO, as `cat > fifo` does
    reader.join()
    assert received == [TEXT.encode()]
    assert stat.S_ISFIFO(fifo.stat().st_mode)
    assert names(tmp_path) == ["pipe"]


def test_dash_is_stdout(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    write_file("-", TEXT)
    assert capsys.readouterr().out == TEXT
    assert names(tmp_path) == []


WRITE_TWICE = (
    "import sys; from driftcheck.files import write_file; "
    "print('before', flush=True); print('log', file=sys.stderr, flush=True); "
    "write_file(sys.argv[1], 'report\\n')"
)


@pytest.mark.parametrize("path", ["/dev/stdout", "/dev/fd/1", "/proc/self/fd/1"])
def test_dev_stdout_is_written_through_a_pipe(path: str) -> None:
    done = subprocess.run(
        [sys.executable, "-c", WRITE_TWICE, path], capture_output=True, text=True, check=True
    )
    assert done.stdout == "before\nreport\n"


def test_dev_stdout_redirected_to_a_file_is_appended_to_not_replaced(tmp_path: Path) -> None:
    """`driftcheck ... --output json=/dev/stdout > log`: the log is not replaced by the
    report (which would drop what was already written and orphan the shell's file)."""
    log = tmp_path / "log"
    with log.open("w") as out:
        subprocess.run(
            [sys.executable, "-c", WRITE_TWICE, "/dev/stdout"],
            stdout=out,
            stderr=subprocess.DEVNULL,
            check=True,
        )
        inode = os.fstat(out.fileno()).st_ino
    assert log.read_text() == "before\nreport\n"
    assert log.stat().st_ino == inode
    assert names(tmp_path) == ["log"]


def test_dev_stderr_is_written_through() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WRITE_TWICE, "/dev/stderr"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert (done.stdout, done.stderr) == ("before\n", "log\nreport\n")


# --- refused -------------------------------------------------------------------------------


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(IsADirectoryError) as caught:
        write_file(tmp_path, TEXT)
    assert caught.value.strerror == (
        "it is a directory; outputs go to files, FIFOs or character devices"
    )
    assert names(tmp_path) == []


def test_a_socket_is_refused() -> None:
    with tempfile.TemporaryDirectory() as short:  # a socket path must be short
        path = Path(short) / "s.sock"
        with socket.socket(socket.AF_UNIX) as server:
            server.bind(str(path))
            with pytest.raises(OSError, match="it is a socket"):
                write_file(path, TEXT)
            assert stat.S_ISSOCK(path.stat().st_mode)


def test_a_block_device_is_refused_and_never_opened(tmp_path: Path) -> None:
    """As root, `--output junit=/dev/sda` must not write a report over a disk."""
    node = tmp_path / "disk"
    try:
        os.mknod(node, stat.S_IFBLK | 0o600, os.makedev(7, 255))  # a loop device number
    except PermissionError:
        pytest.skip("creating a device node needs root (CAP_MKNOD)")
    with pytest.raises(OSError, match="it is a block device; outputs go to files"):
        write_file(node, TEXT)
    assert stat.S_ISBLK(node.stat().st_mode)
