"""Generated Python code compiled once per text, kept between runs (marshalled, in the user's cache folder).

    compiled(source, filename) -> code object     as compile(source, filename, "exec")

The facts stage writes some of its hot functions as straight-line Python code made from the catalog
and the table layouts (the sum batches of engine/facts/extractors/sums.py, the engine forms of
engine/facts/forms.py, the sent-fact tests of engine/facts/__init__.py) and compiles them when a
worker first needs them: ~30 ms of CPU in each worker's first reports, every run, on the path of
the run (the batches are long functions, one per table layout). The text of such code depends only
on the catalog and the layout, so the code object compiled from it is kept as Python keeps a
module's bytecode (marshal): a file named by a sha256 of the text, the name it is compiled under
and the Python version and bytecode magic, holding the marshalled code after a sha256 of it (a file
cut short or damaged is compiled afresh, never used). The text itself is the key: code made from
edited rules or changed code generators is other text, another file.

The folder is the user's cache folder ($XDG_CACHE_HOME/xxgk-audit, else ~/.cache/xxgk-audit, as the
compiled rule catalog's and templates': engine/run/catalog_cache.py, engine/render/template_cache.py),
never the audit's output. A folder that cannot be read or written only means compiling afresh;
XXGK_AUDIT_NO_CACHE=1 turns it off.
"""
from __future__ import annotations

import hashlib
import importlib.util
import marshal
import os
import sys
from pathlib import Path
from types import CodeType

from engine.paths import user_cache_folder

# code files kept at most in the folder (the newest): a few dozen per catalog in use
KEEP = 512
# bump when the stored form changes
FORMAT = b"code-cache 1"

# (filename, source) -> code: compiled or read in this process (bounded: see compiled)
_MEMO: dict[tuple[str, str], CodeType] = {}
_MEMO_MAX = 256
# the folder once looked up (False: not looked up yet; None: no cache)
_folder: Path | None | bool = False


def compiled(source: str, filename: str) -> CodeType:
    """compile(source, filename, "exec"), read from the cache folder when this very text was
    compiled before (by this Python), else compiled and stored there."""
    key = (filename, source)
    code = _MEMO.get(key)
    if code is not None:
        return code
    folder = _cache_folder()
    path = None
    if folder is not None:
        path = folder / (hashlib.sha256(b"%s\0%s" % (filename.encode("utf-8"), source.encode("utf-8")))
                         .hexdigest() + ".bin")
        code = _read(path, filename)
    if code is None:
        code = compile(source, filename, "exec")
        if path is not None:
            _write(path, code)
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[key] = code
    return code


def _cache_folder() -> Path | None:
    global _folder
    if _folder is False:
        _folder = None
        base = user_cache_folder()
        if base is not None:
            tag = hashlib.sha256(FORMAT + sys.version.encode() + importlib.util.MAGIC_NUMBER).hexdigest()[:24]
            folder = base / f"code-{tag}"
            try:
                folder.mkdir(parents=True, exist_ok=True)
                _folder = folder
            except OSError:
                pass
    return _folder


def _read(path: Path, filename: str) -> CodeType | None:
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    digest, payload = data[:32], data[32:]
    if len(digest) < 32 or hashlib.sha256(payload).digest() != digest:
        return None
    try:
        code = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, CodeType) and code.co_filename == filename else None


def _write(path: Path, code: CodeType) -> None:
    """Stored under a temporary name, then renamed: a reader never sees half a file (two processes
    storing the same code at once both write the same bytes)."""
    payload = marshal.dumps(code)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as f:
            f.write(hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
        _prune(path.parent)
    except OSError:
        try:
            tmp.unlink()
        except OSError:
            pass


def _prune(folder: Path) -> None:
    """At most KEEP files kept (the newest): code made from rules edited many times does not pile up."""
    entries = [e for e in os.scandir(folder) if e.name.endswith(".bin")]
    if len(entries) <= KEEP:
        return
    entries.sort(key=lambda e: e.stat().st_mtime_ns, reverse=True)
    for entry in entries[KEEP:]:
        try:
            os.unlink(entry.path)
        except OSError:
            pass
