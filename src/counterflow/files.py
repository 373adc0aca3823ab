"""Writing outputs so that nothing is lost: one policy for every file or folder a command writes.

* :func:`claim_output` is what every writing command goes through, before it does any work: it
  cleans up after a killed run into the same place, takes an exclusive lock on the target (a
  second run writing the same target at the same time is refused), refuses a target that is, holds
  or lies inside one of the command's inputs, refuses an existing target unless ``overwrite`` is
  given, and even then replaces only a target of the expected kind (a Counterflow dataset whose
  manifest and files check out, a file whose first bytes are of the format the command writes).
* :func:`atomic_file` writes a file to a hidden sibling, which replaces the target only when the
  block completes, and is removed when it fails.
* :func:`publish_dir` moves a finished folder into place (atomically exchanged with the old one
  where the system can). Whole dataset folders use :class:`counterflow.dataset.writer.DatasetWriter`.
* :func:`commit_files` replaces several files as one unit: a journal names the finished files
  and is the commit point; a run killed half way is completed by the next :func:`claim_output`.

Hidden names are ``.<target>.<role>-<random>``; messages name the user's target, never them.
"""

from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import re
import shutil
import threading
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Literal

from counterflow.errors import InputError

# Roles of the hidden siblings a writer makes; anything matching these after a killed run is debris.
_ROLES = ("tmp", "old", "stage", "spill", "pair")
_LOCKS: dict[str, tuple[int, int]] = {}  # resolved target -> (fd, depth): re-entrant within a process
_LOCKS_GUARD = threading.Lock()
Kind = Literal["file", "dataset", "folder"]
# Says why an existing target may not be replaced (None: it may).
Check = Callable[[Path], "str | None"]


def hidden(target: Path, role: str) -> Path:
    """A new hidden sibling of ``target`` for ``role`` (one of the roles cleaned after a crash)."""
    return target.parent / f".{target.name}.{role}-{uuid.uuid4().hex[:12]}"


def _debris(target: Path) -> list[Path]:
    pattern = re.compile(rf"^\.{re.escape(target.name)}\.({'|'.join(_ROLES)})-\w+$")
    try:
        return sorted(p for p in target.parent.iterdir() if pattern.match(p.name))
    except OSError:
        return []


def _journal(target: Path) -> Path:
    return target.parent / f".{target.name}.commit"


def recover(target: str | Path) -> list[str]:
    """Tidy up after a run into ``target`` that was killed; returns what was done, in words.

    Called with the target's lock held, so nothing found belongs to a live run. A finished
    multi-file commit (its journal exists) is completed; an old dataset moved aside is put back
    when no new one replaced it; everything else a writer leaves (temporary files and folders,
    staging and spill folders) is removed.
    """
    target = Path(target)
    done: list[str] = []
    journal = _journal(target)
    if journal.exists():
        try:
            moves = json.loads(journal.read_text(encoding="utf-8"))
            for src, dst in moves:
                if Path(src).exists():
                    os.replace(src, dst)
            done.append(f"completed the interrupted replacement of {target}")
        except (OSError, ValueError, TypeError):
            done.append(f"dropped an unreadable commit journal for {target}")
        journal.unlink(missing_ok=True)
    for p in _debris(target):
        role = p.name.rsplit(".", 1)[1].split("-", 1)[0]
        if role == "old" and not target.exists():
            os.replace(p, target)
            done.append(f"restored the previous {target} left aside by an interrupted run")
            continue
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p, ignore_errors=True)
        else:
            p.unlink(missing_ok=True)
        done.append(f"removed a temporary {'folder' if role != 'tmp' or p.is_dir() else 'file'} "
                    f"left by an interrupted run into {target}")
    return done


@contextmanager
def output_lock(target: str | Path) -> Iterator[None]:
    """Hold an exclusive lock on ``target`` (a hidden lock file beside it) while the block runs.

    The lock is the kernel's (``flock``): it goes with the process, so a killed run leaves no
    stale lock. Re-entrant within one process (a command may lock, then call a writer that does).
    """
    target = Path(target)
    key = str(target.resolve())
    with _LOCKS_GUARD:
        held = _LOCKS.get(key)
        if held is not None:
            _LOCKS[key] = (held[0], held[1] + 1)
    if held is not None:
        try:
            yield
        finally:
            with _LOCKS_GUARD:
                fd, depth = _LOCKS[key]
                _LOCKS[key] = (fd, depth - 1)
        return
    lock = target.parent / f".{target.name}.lock"
    fd = _acquire(lock, target)
    with _LOCKS_GUARD:
        _LOCKS[key] = (fd, 1)
    try:
        yield
    finally:
        with _LOCKS_GUARD:
            _LOCKS.pop(key, None)
        # Unlink before unlocking: a run waiting on this inode then sees it is stale and retries.
        try:
            if os.path.samestat(os.fstat(fd), os.stat(lock)):
                lock.unlink()
        except OSError:
            pass
        os.close(fd)


def _acquire(lock: Path, target: Path) -> int:
    up = target.parent
    while not up.exists() and up != up.parent:
        up = up.parent
    if not up.is_dir():
        raise InputError(f"cannot write the output: {up} is a file, not a folder", file=str(target))
    try:
        lock.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(exc, target) from None
    for _ in range(20):
        try:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        except OSError as exc:
            raise _os_error(exc, target) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError as exc:
            os.close(fd)
            if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
                raise InputError("another counterflow run is writing this output now; wait for it to "
                                 "finish or choose another output", file=str(target)) from None
            raise _os_error(exc, target) from None
        try:  # the holder before us may have unlinked the file we opened: lock the current one
            if os.path.samestat(os.fstat(fd), os.stat(lock)):
                return fd
        except FileNotFoundError:
            pass
        os.close(fd)
    raise InputError("could not lock the output (it keeps changing); try again", file=str(target))


def _os_error(exc: OSError, target: Path) -> InputError:
    reason = {errno.EACCES: "permission denied", errno.EROFS: "read-only file system",
              errno.ENOSPC: "no space left on the device", errno.EPERM: "permission denied",
              errno.ENOTDIR: "a part of the path is a file, not a folder"}.get(
        exc.errno or 0, exc.strerror or str(exc))
    return InputError(f"cannot write the output: {reason}", file=str(target))


def _inside(child: Path, parent: Path) -> bool:
    return child == parent or parent in child.parents


def check_output(target: str | Path, *, kind: Kind, overwrite: bool, inputs: Iterable[str | Path | None] = (),
                 replaceable: Check | None = None, what: str = "output") -> Path:
    """Refuse a target the command may not write (see the module docstring); returns it."""
    target = Path(target)
    real = target.resolve()
    if kind == "file" and target.is_dir():
        raise InputError(f"the {what} is a directory; give a file name", file=str(target))
    if kind != "file" and target.exists() and not target.is_dir():
        raise InputError(f"the {what} is an existing file; give a directory", file=str(target))
    for inp in inputs:
        if inp is None:
            continue
        src = Path(inp).resolve()
        if not src.exists():
            continue
        if _inside(src, real):
            raise InputError(f"the {what} would replace the command's own input {inp}; choose another "
                             f"{'folder' if kind != 'file' else 'file'}", file=str(target))
        if src.is_dir() and _inside(real, src):
            raise InputError(f"the {what} lies inside the command's input {inp}, which is never altered; "
                             "write it somewhere else", file=str(target))
    if target.is_symlink() and not target.exists():
        raise InputError("the output is a broken symbolic link", file=str(target))
    if not target.exists():
        if target.parent.exists() and not target.parent.is_dir():
            raise InputError(f"cannot write the output: {target.parent} is a file, not a folder", file=str(target))
        return target
    if kind != "file" and not any(target.iterdir()):
        return target  # an empty folder holds nothing to lose
    if not overwrite:
        raise InputError(f"{what} exists; pass --overwrite to replace it", file=str(target))
    if replaceable is not None:
        reason = replaceable(target)
        if reason:
            raise InputError(f"refusing to replace the existing {what}: {reason}", file=str(target))
    return target


@contextmanager
def claim_output(target: str | Path, *, kind: Kind, overwrite: bool, inputs: Iterable[str | Path | None] = (),
                 replaceable: Check | None = None, what: str = "output",
                 report: Callable[[str], None] | None = None) -> Iterator[Path]:
    """Lock ``target``, clean up after a killed run into it, and check it may be written; the lock
    is held until the block ends (the block does the work and publishes the result)."""
    target = Path(target)
    with output_lock(target):
        for line in recover(target):
            if report is not None:
                report(line)
        yield check_output(target, kind=kind, overwrite=overwrite, inputs=inputs, replaceable=replaceable,
                           what=what)


def magic(prefix: bytes, what: str) -> Check:
    """A :data:`Check` that accepts an empty file or one starting with ``prefix``."""

    def check(path: Path) -> str | None:
        try:
            with open(path, "rb") as fh:
                head = fh.read(len(prefix))
        except OSError as exc:
            return f"it cannot be read ({exc.strerror})"
        if head and head != prefix:
            return f"it is not {what}"
        return None

    return check


def first_line(pattern: str, what: str) -> Check:
    """A :data:`Check` that accepts an empty file or one whose first line matches ``pattern``."""
    rx = re.compile(pattern)

    def check(path: Path) -> str | None:
        try:
            with open(path, "rb") as fh:
                head = fh.readline(1 << 16)
        except OSError as exc:
            return f"it cannot be read ({exc.strerror})"
        text = head.decode("utf-8", "replace").lstrip("\ufeff")
        if head and not rx.match(text):
            return f"it is not {what}"
        return None

    return check


PARQUET = magic(b"PAR1", "a Parquet file")
PNG = magic(b"\x89PNG\r\n\x1a\n", "a PNG image")
JSON_LINES = first_line(r"\s*\{", "a JSON-lines file")


@contextmanager
def atomic_file(target: str | Path) -> Iterator[Path]:
    """Yield a temporary path beside ``target``; it becomes ``target`` if the block succeeds."""
    target = Path(target)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise _os_error(exc, target) from None
    tmp = hidden(target, "tmp")
    try:
        try:
            yield tmp
        except OSError as exc:
            if exc.errno in (errno.EACCES, errno.EROFS, errno.ENOSPC, errno.EPERM):
                raise _os_error(exc, target) from None
            raise
        try:
            os.replace(tmp, target)
        except OSError as exc:
            raise _os_error(exc, target) from None
    finally:
        tmp.unlink(missing_ok=True)


def make_temp_dir(target: Path, role: str = "tmp") -> Path:
    """A new hidden folder beside ``target``; a write failure is reported against ``target``."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        tmp = hidden(target, role)
        tmp.mkdir()
    except OSError as exc:
        raise _os_error(exc, target) from None
    return tmp


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux renameat2 RENAME_EXCHANGE); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        fn = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    rc = fn(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return rc == 0


def publish_dir(tmp: Path, target: Path) -> None:
    """Move the finished folder ``tmp`` to ``target``, replacing a folder there.

    Where the system can, the two are exchanged in one step, so a reader (or a kill) sees the
    old folder or the new one, never none; elsewhere the old folder is first moved aside, and
    :func:`recover` puts it back if the run dies before the new one is in place.
    """
    if target.exists():
        if _exchange(tmp, target):
            shutil.rmtree(tmp, ignore_errors=True)  # tmp now holds the old folder
            return
        old = hidden(target, "old")
        os.replace(target, old)
        os.replace(tmp, target)
        shutil.rmtree(old, ignore_errors=True)
        return
    os.replace(tmp, target)


def pending_commit(target: Path) -> bool:
    """Whether a multi-file commit into ``target`` was started and not finished."""
    return _journal(Path(target)).exists()


def commit_files(moves: list[tuple[Path, Path]], target: Path) -> None:
    """Replace several files as one unit: each (finished temporary, destination) pair.

    The journal (a hidden file beside ``target`` listing the moves) is written and synced first:
    it is the commit point. If the run dies while moving, the next :func:`claim_output` of
    ``target`` completes the moves; before it, nothing was replaced.
    """
    journal = _journal(target)
    tmpj = hidden(target, "tmp")
    with open(tmpj, "w", encoding="utf-8") as fh:
        json.dump([[str(s), str(d)] for s, d in moves], fh)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmpj, journal)
    for src, dst in moves:
        os.replace(src, dst)
    journal.unlink()


def read_at_most(fh, limit: int) -> bytes:  # noqa: ANN001 - a binary file
    """Up to ``limit`` bytes, in blocks (``read(limit)`` would allocate all of ``limit`` at once)."""
    parts, size = [], 0
    while size < limit:
        block = fh.read(min(1 << 20, limit - size))
        if not block:
            break
        parts.append(block)
        size += len(block)
    return b"".join(parts)
