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

from engine.paths import prune_newest, user_cache_folder

# files kept at most in a folder (the newest; checked at a process's first store): a few hundred per
# catalog and signal file in use
KEEP = 2048
# bump when the stored form changes
FORMAT = b"code-cache 1"

# (filename, source) -> code: compiled or read in this process (bounded: see compiled)
_MEMO: dict[tuple[str, str], CodeType] = {}
_MEMO_MAX = 256


def compiled(source: str, filename: str) -> CodeType:
    """compile(source, filename, "exec"), read from the cache folder when this very text was
    compiled before (by this Python), else compiled and stored there."""
    key = (filename, source)
    code = _MEMO.get(key)
    if code is not None:
        return code
    store = Store.named("code")
    name = store.name_of(b"%s\0%s" % (filename.encode("utf-8"), source.encode("utf-8")))
    code = _loaded(store.get(name), filename)
    if code is None:
        code = compile(source, filename, "exec")
        store.put(name, marshal.dumps(code))
    if len(_MEMO) >= _MEMO_MAX:
        _MEMO.clear()
    _MEMO[key] = code
    return code


def _loaded(payload: bytes | None, filename: str) -> CodeType | None:
    if payload is None:
        return None
    try:
        code = marshal.loads(payload)
    except (EOFError, ValueError, TypeError):
        return None
    return code if isinstance(code, CodeType) and code.co_filename == filename else None


class Store:
    """A folder of the user's cache for one kind of compiled thing (made for this Python and this
    FORMAT): payloads by name, each file a sha256 of its payload then the payload, written under a
    temporary name and renamed (a reader never sees half a file; a damaged one reads as absent).
    Without a usable folder, nothing is found and nothing is kept."""

    _stores: dict[str, "Store"] = {}

    def __init__(self, folder: Path | None):
        self.folder = folder
        self._pruned = False

    @classmethod
    def named(cls, kind: str) -> "Store":
        """The store of `kind`, looked up once per process."""
        store = cls._stores.get(kind)
        if store is None:
            store = cls._stores[kind] = cls(_folder_for(kind))
        return store

    @staticmethod
    def name_of(key: bytes) -> str:
        return hashlib.sha256(key).hexdigest() + ".bin"

    def get(self, name: str) -> bytes | None:
        if self.folder is None:
            return None
        try:
            with open(self.folder / name, "rb") as f:
                data = f.read()
        except OSError:
            return None
        digest, payload = data[:32], data[32:]
        if len(digest) < 32 or hashlib.sha256(payload).digest() != digest:
            return None
        return payload

    def put(self, name: str, payload: bytes) -> None:
        if self.folder is None:
            return
        path = self.folder / name
        tmp = path.with_name(f".{name}.{os.getpid()}.tmp")
        try:
            with open(tmp, "wb") as f:
                f.write(hashlib.sha256(payload).digest() + payload)
            os.replace(tmp, path)
            if not self._pruned:          # once a process: a run stores a few hundred at most
                self._pruned = True
                _prune(self.folder)
        except OSError:
            try:
                tmp.unlink()
            except OSError:
                pass


def _folder_for(kind: str) -> Path | None:
    base = user_cache_folder()
    if base is None:
        return None
    tag = hashlib.sha256(FORMAT + sys.version.encode() + importlib.util.MAGIC_NUMBER).hexdigest()[:24]
    folder = base / f"{kind}-{tag}"
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:
        return None
    return folder


def _prune(folder: Path) -> None:
    """At most KEEP files kept (the newest): code made from rules edited many times does not pile up."""
    prune_newest(folder, KEEP, lambda name: name.endswith(".bin"))
