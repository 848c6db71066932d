"""Another commit of this repository checked out beside it, so that a benchmark measures both trees
side by side in one run (the machine is noisy: figures are compared only within one run).

    with checkout(ROOT, "HEAD~1") as tree:    a detached git worktree of the commit in a temporary
        ...                                   folder, removed afterwards (the repository keeps no trace)

The child processes that run `tree/benchmarks/*.py` with this interpreter import the engine of `tree`:
each benchmark script puts its own tree first on sys.path.
"""
from __future__ import annotations

import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def checkout(root: Path, rev: str) -> Iterator[Path]:
    with tempfile.TemporaryDirectory(prefix="xxgk-against-") as tmp:
        tree = Path(tmp) / "tree"
        subprocess.run(["git", "-C", str(root), "worktree", "add", "--detach", "-q", str(tree), rev], check=True)
        try:
            yield tree
        finally:
            subprocess.run(["git", "-C", str(root), "worktree", "remove", "--force", str(tree)], check=True)
