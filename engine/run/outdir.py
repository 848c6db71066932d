"""The output folder OUT: checked and locked before the run, written as a staging folder beside it,
and swapped into place only when every output is written (a failed run leaves OUT as it was).

Nothing is lost (issue 16):
- At every instant OUT holds either the old or the new complete result: the staging folder and
  OUT are exchanged in one step (Linux renameat2 RENAME_EXCHANGE, through ctypes). Where that is
  not available (another system, a file system that refuses it) OUT is renamed aside and the new
  folder renamed in; a run killed between those two renames leaves the old result beside OUT,
  and the next run on OUT puts it back first (`reclaim`).
- Only what the tool wrote is replaced. Each OUT carries a manifest (MANIFEST: the names of the
  outputs it wrote); every other entry of the old OUT — files the user put there, an input folder
  kept inside OUT, hidden files such as .gitkeep — is moved into the new OUT after the swap. A run
  killed before that leaves them in the old folder beside OUT, and `reclaim` moves them on the next
  run; an entry whose name is taken in the new OUT is left where it is, never deleted.
- Two runs on one OUT exclude each other (`output_lock`: a POSIX lock on a file beside OUT).
- The run's temporary folders live beside OUT with prefixes of their own (.OUT.tmp-, .OUT.old-,
  .OUT.work-); whatever a killed run left is reclaimed by the next run on OUT, under the lock.
"""
from __future__ import annotations

import ctypes
import errno
import fcntl
import json
import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from engine.run.lifeline import c_library

MANIFEST = ".xxgk-audit.json"     # {"state": "staging" | "complete", "outputs": [top-level names]}
_KINDS = ("tmp", "old", "work")
_RENAME_EXCHANGE = 2
_AT_FDCWD = -100
# Fault injection for the kill -9 tests only: the named step SIGKILLs this process.
FAULT_ENV = "XXGK_AUDIT_FAULT"
NO_EXCHANGE_ENV = "XXGK_AUDIT_NO_EXCHANGE"   # tests: use the two-rename fallback


class OutputPathError(Exception):
    """OUT cannot be used (a file, a non-empty folder that is not a previous audit, or in use)."""


def check_output_path(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputPathError(f"输出路径 {out} 是一个文件，不是文件夹")
    if out.is_dir():
        visible = [p for p in out.iterdir() if not p.name.startswith(".")]
        if visible and not (out / "findings.json").exists() and not (out / MANIFEST).exists():
            raise OutputPathError(
                f"输出文件夹 {out} 不是空的，也不是以前的审核结果（没有 findings.json）；"
                f"为免误删其中的文件，请指定一个新的或空的输出文件夹")


def tool_prefixes(out: Path) -> tuple[str, ...]:
    """Names beside OUT that belong to the tool (never inputs): temporary folders and the lock."""
    return tuple(f".{out.name}.{kind}-" for kind in _KINDS) + (_lock_path(out).name,)


def _lock_path(out: Path) -> Path:
    return out.parent / f".{out.name}.lock"


@contextmanager
def output_lock(out: Path) -> Iterator[None]:
    """Exclusive use of OUT for the run; a second run on the same OUT stops with a clear message.
    The lock file stays (removing it would let a third run lock a different file)."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(_lock_path(out), os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            # a POSIX record lock, not flock: it belongs to this process only, so the workers and
            # the spreadsheet writer forked during the run do not inherit (and outlive) it
            fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            holder = os.pread(fd, 32, 0).decode("ascii", "ignore").strip()
            raise OutputPathError(f"另一个审核（进程 {holder or '未知'}）正在写入输出文件夹 {out}；"
                                  f"请等它结束后再运行，或指定另一个输出文件夹") from None
        os.ftruncate(fd, 0)
        os.pwrite(fd, str(os.getpid()).encode(), 0)
        yield
    finally:
        os.close(fd)        # releases the lock


@contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A hidden temporary folder beside OUT to write the outputs into; swapped into place as OUT
    when the block ends normally, removed when it raises."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        _write_manifest(staging, {"state": "staging"})
        yield staging
        outputs = sorted(p.name for p in staging.iterdir() if p.name != MANIFEST)
        _write_manifest(staging, {"state": "complete", "outputs": outputs})
        replace_output(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


@contextmanager
def work_folder(out: Path) -> Iterator[Path]:
    """The run's scratch folder (spools, spilled reports), beside OUT so that the next run on OUT
    reclaims it if this one is killed."""
    work = Path(tempfile.mkdtemp(prefix=f".{out.name}.work-", dir=out.parent))
    try:
        yield work
    finally:
        shutil.rmtree(work, ignore_errors=True)


def replace_output(staging: Path, out: Path) -> None:
    """Put the finished outputs in place as OUT (see the module doc), then carry the entries of the
    old OUT that the tool did not write into the new one."""
    os.chmod(staging, 0o755)   # mkdtemp creates 0700
    if not out.exists():
        os.rename(staging, out)
        return
    if os.environ.get(NO_EXCHANGE_ENV) != "1" and _exchange(staging, out):
        old = staging                         # the old OUT now sits under the staging name
    else:
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.rename(out, old)
        _fault("between-renames")
        try:
            os.rename(staging, out)
        except OSError:
            os.rename(old, out)
            raise
    _fault("after-swap")
    if _carry_user_entries(old, out):
        shutil.rmtree(old, ignore_errors=True)


def reclaim(out: Path) -> None:
    """Clean up after a killed run on OUT (call under output_lock): an old result left beside a
    missing OUT goes back in place; old results' user entries move into OUT; staging and work
    folders are removed."""
    prefixes = tuple(f".{out.name}.{kind}-" for kind in _KINDS)
    leftovers = sorted(p for p in out.parent.iterdir()
                       if p.name.startswith(prefixes) and p.is_dir() and not p.is_symlink())
    olds = [p for p in leftovers if not p.name.startswith(f".{out.name}.work-")
            and _manifest(p).get("state") != "staging"]
    if not out.exists() and olds:
        complete = [p for p in olds if _manifest(p).get("state") == "complete"] or olds
        newest = max(complete, key=lambda p: p.stat().st_mtime)
        os.rename(newest, out)
        leftovers.remove(newest)
        olds.remove(newest)
    for p in leftovers:
        if p in olds and out.is_dir() and not _carry_user_entries(p, out):
            continue                          # something could not be moved: kept, never deleted
        shutil.rmtree(p, ignore_errors=True)


def _carry_user_entries(old: Path, out: Path) -> bool:
    """Move every entry of the old result the tool did not write into `out`; True when nothing is
    left behind (an entry whose name is taken in `out` stays in `old`)."""
    tool = set(_manifest(old).get("outputs") or ()) | set(_manifest(out).get("outputs") or ()) | {MANIFEST}
    all_moved = True
    for entry in sorted(os.listdir(old)):
        if entry in tool:
            continue
        target = out / entry
        if os.path.lexists(target):
            all_moved = False
            continue
        os.rename(old / entry, target)
    return all_moved


def _manifest(folder: Path) -> dict:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}


def _write_manifest(folder: Path, data: dict) -> None:
    tmp = folder / (MANIFEST + ".new")
    tmp.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)


def _exchange(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2 RENAME_EXCHANGE); False when unavailable."""
    try:
        renameat2 = c_library().renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    if renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EPERM, errno.EOPNOTSUPP, errno.EXDEV):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _fault(step: str) -> None:
    if os.environ.get(FAULT_ENV) == step:
        os.kill(os.getpid(), signal.SIGKILL)
