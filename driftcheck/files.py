"""The one writer of every file driftcheck writes: reports, saved plans, imported specs, state.

What happens depends on what the path is when it is written, never on its name alone:

- ``-``, or the file that is this process's stdout or stderr (``/dev/stdout``,
  ``/dev/stderr``, ``/dev/fd/1``, or the file a shell redirected stdout to): written through
  that stream, after what was already written to it;
- a character device (``/dev/null``, a terminal) or a FIFO: opened and written, never
  replaced or created (as root, replacing ``/dev/null`` would break every later program);
- a regular file, or a path that does not exist yet: replaced atomically, so a reader never
  sees half a file and a failure leaves the old file as it was: a temporary file in the same
  directory, written, synced, renamed over the path, then the directory synced. An existing
  file keeps its mode (and its owner when driftcheck may set it); a new file gets the mode
  any other program would give it: ``0o666`` less the umask (CI artifacts must be readable
  by the next job). A hard link to the old file keeps the old content;
- a symbolic link: followed; its target is replaced as above (or created, for a dangling
  link) and the link stays a link;
- a directory, a block device or a socket: refused with one sentence.

A missing directory is an error, never created here. Every error is an :class:`OSError`
whose ``strerror`` is a short reason; callers put it in their own sentence.
"""

from __future__ import annotations

import errno
import os
import stat
import sys
from contextlib import suppress
from pathlib import Path
from typing import TextIO

STDOUT = "-"

_NEW_FILE_MODE = 0o666  # less the umask, applied by the kernel when the file is created


def write_file(
    path: str | os.PathLike[str], text: str, *, append: bool = False, replace: bool = True
) -> None:
    """Write ``text`` (UTF-8) to ``path`` as the module describes.

    ``append`` adds to the end of a regular file (created if needed), on a line of its own;
    ``replace=False`` refuses (:class:`FileExistsError`) to replace an existing regular file
    and creates a new one without ever overwriting one that appears meanwhile.
    """
    if os.fspath(path) == STDOUT:
        _to_stream(sys.stdout, text)
        return
    path = Path(path)
    try:
        status: os.stat_result | None = path.stat()
    except FileNotFoundError:
        status = None  # a new file, or the target of a dangling symbolic link
    stream = _standard_stream(status)
    if stream is not None:
        _to_stream(stream, text)
    elif status is None or stat.S_ISREG(status.st_mode):
        _write_regular(path, text, status, append=append, replace=replace)
    elif stat.S_ISCHR(status.st_mode) or stat.S_ISFIFO(status.st_mode):
        _write_through(path, text)
    else:
        raise OSError(
            errno.EISDIR if stat.S_ISDIR(status.st_mode) else errno.EINVAL,
            f"it is {kind_of(status.st_mode)}; outputs go to files, FIFOs or character devices",
            str(path),
        )


def _write_regular(
    path: Path, text: str, status: os.stat_result | None, *, append: bool, replace: bool
) -> None:
    """Write a regular file (``status``), or a new one (None)."""
    directory = path.resolve().parent
    if not directory.is_dir():
        raise FileNotFoundError(
            errno.ENOENT, f"the directory {directory} does not exist", str(path)
        )
    if append:
        _append(path, text)
    elif status is not None and not replace:
        raise FileExistsError(errno.EEXIST, "the file already exists", str(path))
    else:
        _replace_atomically(path, text, status, replace=replace)


def _standard_stream(status: os.stat_result | None) -> TextIO | None:
    """sys.stdout or sys.stderr when ``status`` is the file behind fd 1 or 2, else None."""
    if status is None:
        return None
    for descriptor, stream in ((1, sys.stdout), (2, sys.stderr)):
        try:
            own = os.fstat(descriptor)
        except OSError:
            continue  # closed
        if (own.st_dev, own.st_ino) == (status.st_dev, status.st_ino):
            return stream
    return None


def _to_stream(stream: TextIO, text: str) -> None:
    stream.write(text)
    stream.flush()


def _write_through(path: Path, text: str) -> None:
    """Open an existing device or FIFO and write to it; never create or truncate anything."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CLOEXEC)  # a FIFO waits for its reader
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write(text)


def _append(path: Path, text: str) -> None:
    """Append on a line of its own (after whatever earlier steps wrote)."""
    with path.open("a+", encoding="utf-8") as file:
        end = file.seek(0, os.SEEK_END)
        if end:
            file.seek(end - 1)
            if file.read(1) != "\n":
                text = "\n" + text
        file.write(text)
        file.flush()
        os.fsync(file.fileno())


def _replace_atomically(
    path: Path, text: str, old: os.stat_result | None, *, replace: bool
) -> None:
    target = path.resolve()  # a symbolic link stays; its target is replaced
    descriptor, temporary = _create_temporary(target)
    try:
        with os.fdopen(descriptor, "w", encoding="utf-8") as file:
            if old is not None:
                _keep_owner_and_mode(file.fileno(), old)
            file.write(text)
            file.flush()
            os.fsync(file.fileno())
        if replace:
            temporary.replace(target)
        else:
            _publish_new(temporary, target)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _sync_directory(target.parent)


def _create_temporary(target: Path) -> tuple[int, Path]:
    """A new, empty, hidden file next to ``target``, created with the umask's mode."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
    while True:
        temporary = target.with_name(f".{target.name}.{os.urandom(4).hex()}.tmp")
        try:
            return os.open(temporary, flags, _NEW_FILE_MODE), temporary
        except FileExistsError:
            continue


def _keep_owner_and_mode(descriptor: int, old: os.stat_result) -> None:
    with suppress(PermissionError):  # only root may give a file to another user
        os.fchown(descriptor, old.st_uid, old.st_gid)
    os.fchmod(descriptor, stat.S_IMODE(old.st_mode))


def _publish_new(temporary: Path, target: Path) -> None:
    """Give the new file its name, never replacing a file created at that name meanwhile."""
    try:
        target.hardlink_to(temporary)  # fails if the name exists: nothing is overwritten
    except FileExistsError:
        raise FileExistsError(errno.EEXIST, "the file already exists", str(target)) from None
    except OSError:  # a file system without hard links: check, then rename
        if target.exists() or target.is_symlink():
            raise FileExistsError(errno.EEXIST, "the file already exists", str(target)) from None
        temporary.replace(target)
        return
    temporary.unlink()


def _sync_directory(directory: Path) -> None:
    """Make the rename durable; some file systems cannot sync a directory: nothing lost."""
    with suppress(OSError):
        descriptor = os.open(directory, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
        try:
            os.fsync(descriptor)
        finally:
            os.close(descriptor)


def kind_of(mode: int) -> str:
    """What a file of ``st_mode`` ``mode`` is, for messages: "a FIFO (named pipe)"..."""
    kinds = [
        (stat.S_ISREG, "a regular file"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO (named pipe)"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    ]
    return next((kind for test, kind in kinds if test(mode)), "a special file")


def read_bytes(path: Path, *, what: str) -> bytes:
    """The content of a regular file or a pipe; OSError for anything else (``what`` names
    the file the caller expected, e.g. "a spec file", for that message).

    Opened without blocking, so a FIFO that no program writes to gives no content (then
    "the file is empty") instead of waiting forever; a device is never read (``/dev/zero``
    would never end).
    """
    descriptor = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    with os.fdopen(descriptor, "rb") as file:
        mode = os.fstat(descriptor).st_mode
        if stat.S_ISFIFO(mode):
            os.set_blocking(descriptor, True)  # wait for the data of a writer that is there
        elif not stat.S_ISREG(mode):
            raise OSError(errno.EINVAL, f"it is {kind_of(mode)}, not {what}")
        return file.read()
