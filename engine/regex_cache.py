"""Regular expressions of the signal file compiled once per pattern, kept between runs.

    regex(pattern, flags=0) -> re.Pattern        as re.compile(pattern, flags)
    derived(kind, pattern, flags, make, code_file) -> value
                                                  make(), kept per pattern (a plain value: literals …)

The narrative signals and figures (rules/signals.yaml: several hundred phrases and patterns, merged
into long alternations) are compiled by `re` in every run: its parser and compiler are Python code,
~20 ms of the main process's start before the workers fork and a few ms more in each worker as it
meets the signal groups of a year. What `re` compiles a pattern to (the code its C matcher runs, the
group count and names) depends only on the pattern, its flags and the Python version, so it is kept
in the user's cache folder (engine/code_cache.py's Store, made for this Python) and handed straight
to the C matcher next time. Before an entry is stored, the pattern made from it is checked to equal
the one re.compile makes (the C matcher compares patterns by flags, pattern text and code): a stored
entry is exactly what `re` would have built. A pattern `re` refuses raises re.error as re.compile
does (nothing is stored). Without a cache folder, or on a Python whose `re` internals differ, this is
re.compile.
"""
from __future__ import annotations

import marshal
import os
import re
import sys
from typing import Any, Callable

from engine.code_cache import Store

try:                              # CPython 3.11's `re` internals (re._compiler.compile does just this)
    import _sre
    from re import _compiler, _parser
    _USABLE = sys.version_info[:2] == (3, 11) and hasattr(_sre, "compile") and hasattr(_compiler, "_code")
except ImportError:               # pragma: no cover - another Python
    _USABLE = False

# (pattern, flags) -> compiled, in this process (bounded: cleared when full)
_PATTERNS: dict[tuple[str, int], re.Pattern] = {}
# (kind, pattern, flags) -> derived value, in this process
_DERIVED: dict[tuple[str, str, int], Any] = {}
_MAX = 4096


def regex(pattern: str, flags: int = 0) -> re.Pattern:
    """re.compile(pattern, flags) — from the cache folder when this pattern was compiled before."""
    key = (pattern, int(flags))
    hit = _PATTERNS.get(key)
    if hit is not None:
        return hit
    if not _USABLE:
        return re.compile(pattern, flags)
    store = Store.named("regex")
    name = store.name_of(b"re\0%d\0%s" % (key[1], pattern.encode("utf-8", "surrogatepass")))
    compiled = _from_entry(store.get(name), pattern)
    if compiled is None:
        compiled = re.compile(pattern, flags)        # raises re.error as it would anyway
        entry = _entry(pattern, key[1])
        if entry is not None and _from_entry(entry, pattern) == compiled:
            store.put(name, entry)
    if len(_PATTERNS) >= _MAX:
        _PATTERNS.clear()
    _PATTERNS[key] = compiled
    return compiled


def derived(kind: str, pattern: str, flags: int, make: Callable[[], Any], code_file: str) -> Any:
    """make() — a value derived from the pattern alone (None, str, int, tuples of them) by the code
    of `code_file` (the module that derives it: its size and modification time are part of the key,
    as Python's bytecode cache tells a changed source), kept in the cache folder under `kind`."""
    key = (kind, pattern, int(flags))
    if key in _DERIVED:
        return _DERIVED[key]
    store = Store.named("regex")
    name = store.name_of(b"%s\0%s\0%d\0%s" % (kind.encode(), _file_stamp(code_file), key[2],
                                                 pattern.encode("utf-8", "surrogatepass")))
    payload = store.get(name)
    value: Any = None
    found = False
    if payload is not None:
        try:
            got = marshal.loads(payload)
            if isinstance(got, tuple) and len(got) == 2 and got[0] == pattern:
                value, found = got[1], True
        except (EOFError, ValueError, TypeError):
            pass
    if not found:
        value = make()
        try:
            store.put(name, marshal.dumps((pattern, value)))
        except ValueError:        # not a plain value: kept in this process only
            pass
    if len(_DERIVED) >= _MAX:
        _DERIVED.clear()
    _DERIVED[key] = value
    return value


_STAMPS: dict[str, bytes] = {}


def _file_stamp(path: str) -> bytes:
    stamp = _STAMPS.get(path)
    if stamp is None:
        try:
            st = os.stat(path)
            stamp = f"{os.path.abspath(path)}\0{st.st_size}\0{st.st_mtime_ns}".encode("utf-8", "surrogatepass")
        except OSError:
            stamp = b"?"
        _STAMPS[path] = stamp
    return stamp


def _entry(pattern: str, flags: int) -> bytes | None:
    """What re._compiler.compile hands to the C matcher for this pattern, marshalled."""
    try:
        p = _parser.parse(pattern, flags)
        code = _compiler._code(p, flags)
        groupindex = dict(p.state.groupdict)
        indexgroup = [None] * p.state.groups
        for k, i in groupindex.items():
            indexgroup[i] = k
        return marshal.dumps((pattern, int(flags | p.state.flags), [int(c) for c in code], p.state.groups - 1, groupindex,
                              tuple(indexgroup)))
    except Exception:             # noqa: BLE001 - an internal API: not kept, compiled each time
        return None


def _from_entry(payload: bytes | None, pattern: str) -> re.Pattern | None:
    if payload is None:
        return None
    try:
        stored, flags, code, groups, groupindex, indexgroup = marshal.loads(payload)
        if stored != pattern:
            return None
        return _sre.compile(pattern, flags, code, groups, groupindex, indexgroup)
    except Exception:             # noqa: BLE001 - damaged or from another `re`: compiled afresh
        return None
