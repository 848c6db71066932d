"""The output folder OUT: checked before the run, written as a staging folder beside it, and
swapped into place only when every output is written (a failed run leaves OUT as it was)."""
from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


class OutputPathError(Exception):
    """OUT cannot be used (a file, or a non-empty folder that is not a previous audit)."""


def check_output_path(out: Path) -> None:
    if out.exists() and not out.is_dir():
        raise OutputPathError(f"输出路径 {out} 是一个文件，不是文件夹")
    if out.is_dir():
        visible = [p for p in out.iterdir() if not p.name.startswith(".")]
        if visible and not (out / "findings.json").exists():
            raise OutputPathError(
                f"输出文件夹 {out} 不是空的，也不是以前的审核结果（没有 findings.json）；"
                f"为免误删其中的文件，请指定一个新的或空的输出文件夹")


@contextmanager
def staging_folder(out: Path) -> Iterator[Path]:
    """A hidden temporary folder beside OUT to write the outputs into; moved into place as OUT when
    the block ends normally, removed when it raises."""
    out.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.tmp-", dir=out.parent))
    try:
        yield staging
        replace_output(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def replace_output(staging: Path, out: Path) -> None:
    """Move the finished outputs into OUT. An existing OUT is replaced only now; its hidden files
    (e.g. .gitkeep) are kept."""
    if out.exists():
        for hidden in out.iterdir():
            if hidden.name.startswith(".") and not (staging / hidden.name).exists():
                shutil.move(str(hidden), str(staging / hidden.name))
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.rename(out, old)
        try:
            os.rename(staging, out)
        except OSError:
            os.rename(old, out)
            raise
        shutil.rmtree(old, ignore_errors=True)
    else:
        os.rename(staging, out)
    os.chmod(out, 0o755)   # mkdtemp creates 0700
