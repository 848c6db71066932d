"""Per-input tables of the main process kept in a few bytes per key (docs/scale.md).

    KeyList          a list of input keys: 8 bytes a key
    BlobTable        key -> Blob (where a blob is in a spool): 20 bytes a key
    StatusTable      key -> status: 1 byte a key
    SourceTable      key -> source path: its UTF-8 bytes and 12 bytes a key
    DigestTable      key -> (sha256 or None, a flag): 33 bytes a key

The run keys its inputs "in:000001" (INPUT files) and "prev:000001" (--previous files), numbered
in display-path order (inputs.input_records). A dict keyed by such strings costs ~100–200 bytes per
entry (the key, the hash slot, the value's objects); these tables keep an array per key prefix,
indexed by the key's number, and build a key or a value only when it is read. Any other key (tests
name their own) goes to a plain dict beside the arrays, so every key works.
"""
from __future__ import annotations

import bisect
import sys
from array import array
from collections.abc import Collection, Iterable, Iterator, Mapping, MutableMapping, Sequence
from itertools import repeat
from typing import Any

from engine.spool import Blob

PREFIXES = ("in", "prev")
_PREFIX_ID = {p: i for i, p in enumerate(PREFIXES)}
_WIDE = len(PREFIXES)
# a code is number << 1 | prefix (= number × _WIDE + prefix: shifts, not divmod, on the hot paths)
assert _WIDE == 2


# the last key coded and its code: the run looks one key up in several tables in a row (its record,
# status, source; where its blobs are), with the same string object
_last: tuple[str | None, int | None] = (None, None)


def key_code(key: str) -> int | None:
    """The key's code (number × prefixes + prefix), None for a key not of the run's form (the number
    in six digits or more, with no leading zero beyond six: as f"{n:06d}" writes it)."""
    global _last
    last = _last
    if last[0] is key:
        return last[1]
    prefix, sep, digits = key.partition(":")
    p = _PREFIX_ID.get(prefix)
    if p is None or not digits.isdigit() or not digits.isascii():
        code = None
    elif len(digits) != 6 and (len(digits) < 6 or digits[0] == "0"):
        code = None
    else:
        code = int(digits) * _WIDE + p
    _last = (key, code)
    return code


def code_key(code: int) -> str:
    n, p = divmod(code, _WIDE)
    return f"{PREFIXES[p]}:{n:06d}"


class KeyList(Sequence):
    """Keys in a given order, 8 bytes each (other keys: an index into a side list)."""

    def __init__(self, keys: Iterable[str] = ()):
        self._codes = array("q")
        self._other: list[str] = []
        self._plain: tuple[int, int | None] = (-1, None)     # (len when checked, the prefix or None)
        for key in keys:
            self.append(key)

    def append(self, key: str) -> None:
        code = key_code(key)
        if code is None:
            code = -1 - len(self._other)
            self._other.append(key)
        self._codes.append(code)

    def _key(self, code: int) -> str:
        return code_key(code) if code >= 0 else self._other[-1 - code]

    def __len__(self) -> int:
        return len(self._codes)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            out = KeyList()
            out._codes, out._other = self._codes[i], self._other
            return out
        return self._key(self._codes[i])

    def __iter__(self) -> Iterator[str]:
        key = self._key
        return (key(c) for c in self._codes)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Sequence) and len(self) == len(other) and all(a == b for a, b in zip(self, other))

    def __repr__(self) -> str:
        return f"KeyList({list(self)!r})"

    def _one_prefix(self) -> int | None:
        """The prefix of every key when all are run keys of one prefix numbered below 10**6 (six
        digits: their codes are then in the keys' string order); None otherwise."""
        checked, prefix = self._plain
        codes = self._codes
        if checked != len(codes):
            prefix = codes[0] % _WIDE if codes else None
            if prefix is not None and (min(codes) < 0 or max(codes) >= 10**6 * _WIDE
                                       or any(c % _WIDE != prefix for c in codes)):
                prefix = None
            self._plain = (len(codes), prefix)
        return prefix

    def same(self, other: "KeyList") -> bool:
        """self == other, compared as the arrays of codes (no key string built)."""
        return self._codes == other._codes and [self._key(c) for c in self._codes if c < 0] == \
            [other._key(c) for c in other._codes if c < 0]

    def bisect_left(self, key: str) -> int:
        """bisect.bisect_left(self, key) for a list in sorted order: over the codes when they are in
        the keys' order (no key string built per comparison)."""
        code = key_code(key)
        if code is not None and code < 10**6 * _WIDE and self._one_prefix() == code % _WIDE:
            return bisect.bisect_left(self._codes, code)
        return bisect.bisect_left(self, key)


class _Column:
    """One array per key prefix, indexed by the key's number; `missing` where no key was set."""

    def __init__(self, typecode: str, missing: int):
        self.missing = missing
        self.parts = [array(typecode) for _ in PREFIXES]

    def get(self, code: int) -> int:
        try:                        # (codes are never negative: no index from the end)
            return self.parts[code & 1][code >> 1]
        except IndexError:
            return self.missing

    def set(self, code: int, value: int) -> None:
        n = code >> 1
        part = self.parts[code & 1]
        if n >= len(part):
            part.extend(repeat(self.missing, n + 1 - len(part)))
        part[n] = value

    def codes(self) -> Iterator[int]:
        """The codes set, by prefix, then number."""
        missing = self.missing
        for p, part in enumerate(self.parts):
            for n, value in enumerate(part):
                if value != missing:
                    yield n * _WIDE + p


class _Keyed(MutableMapping):
    """A mapping whose run keys live in columns and other keys in `_other`."""

    _present: _Column

    def __init__(self) -> None:
        self._other: dict[str, Any] = {}
        self._count = 0

    def __len__(self) -> int:
        return self._count + len(self._other)

    def __iter__(self) -> Iterator[str]:
        for code in self._present.codes():
            yield code_key(code)
        yield from list(self._other)

    def __contains__(self, key: object) -> bool:
        code = key_code(key) if isinstance(key, str) else None
        if code is None:
            return key in self._other
        return self._present.get(code) != self._present.missing

    def key_list(self, without_prefix: str | None = None, without: Collection[str] = ()) -> KeyList:
        """The keys in iteration order but those of `without_prefix` (a run prefix: "prev") and those
        in `without`, as a KeyList made from the codes (no key string built and parsed again for each:
        the run's passes over every input)."""
        skip = {code for code in map(key_code, without) if code is not None}
        out, missing = KeyList(), self._present.missing
        for p, part in enumerate(self._present.parts):
            if PREFIXES[p] != without_prefix:
                out._codes.extend(code for code in (n * _WIDE + p for n, value in enumerate(part) if value != missing)
                                  if code not in skip)
        head = None if without_prefix is None else without_prefix + ":"
        for key in list(self._other):
            if key not in without and (head is None or not key.startswith(head)):
                out.append(key)
        return out

    def __getitem__(self, key: str) -> Any:
        code = key_code(key)
        if code is None:
            return self._other[key]
        if self._present.get(code) == self._present.missing:
            raise KeyError(key)
        return self._get(code)

    def __setitem__(self, key: str, value: Any) -> None:
        code = key_code(key)
        if code is None:
            self._other[key] = value
            return
        if self._present.get(code) == self._present.missing:
            self._count += 1
        self._set(code, value)

    def get(self, key: str, default: Any = None) -> Any:
        # Mapping.get would raise and catch a KeyError for each key not set
        code = key_code(key) if isinstance(key, str) else None
        if code is None:
            return self._other.get(key, default)
        if self._present.get(code) == self._present.missing:
            return default
        return self._get(code)

    def __delitem__(self, key: str) -> None:
        code = key_code(key)
        if code is None:
            del self._other[key]
            return
        if self._present.get(code) == self._present.missing:
            raise KeyError(key)
        self._count -= 1
        self._present.set(code, self._present.missing)

    def _get(self, code: int) -> Any:
        raise NotImplementedError

    def _set(self, code: int, value: Any) -> None:
        raise NotImplementedError


class BlobTable(_Keyed):
    """key -> Blob: the spool file's number (the names are kept once each), offset and length."""

    def __init__(self) -> None:
        super().__init__()
        self._present = self._file = _Column("i", -1)
        self._offset = _Column("q", 0)
        self._length = _Column("q", 0)
        self._paths: list[str] = []
        self._path_ids: dict[str, int] = {}

    def _get(self, code: int) -> Blob:
        return Blob(self._paths[self._file.get(code)], self._offset.get(code), self._length.get(code))

    def __getitem__(self, key: str) -> Blob:
        # _Keyed's lookup in one step (read once or twice a report in the main process)
        code = key_code(key)
        if code is None:
            return self._other[key]
        n, p = code >> 1, code & 1
        files = self._file.parts[p]
        if n >= len(files) or files[n] < 0:
            raise KeyError(key)
        return Blob(self._paths[files[n]], self._offset.parts[p][n], self._length.parts[p][n])

    def _set(self, code: int, blob: Blob) -> None:
        path_id = self._path_ids.get(blob.path)
        if path_id is None:
            path_id = self._path_ids[blob.path] = len(self._paths)
            self._paths.append(sys.intern(blob.path))
        self._offset.set(code, blob.offset)
        self._length.set(code, blob.length)
        self._file.set(code, path_id)

    def at_code(self, code: int) -> Blob | None:
        """The Blob of the run key coded `code` (KeyList's codes: ≥ 0), None when it is not set."""
        n, p = code >> 1, code & 1
        files = self._file.parts[p]
        if n >= len(files) or files[n] < 0:
            return None
        return Blob(self._paths[files[n]], self._offset.parts[p][n], self._length.parts[p][n])

    def of(self, keys: "KeyList") -> Iterator[Blob]:
        """The Blobs of `keys` (each must be set), in that order: a pass over many keys without a
        key string built and parsed for each."""
        paths, files, offsets, lengths = self._paths, self._file.parts, self._offset.parts, self._length.parts
        other = keys._other
        for code in keys._codes:
            if code < 0:
                yield self[other[-1 - code]]
                continue
            n, p = code >> 1, code & 1
            part = files[p]
            if n >= len(part) or part[n] < 0:
                raise KeyError(code_key(code))
            yield Blob(paths[part[n]], offsets[p][n], lengths[p][n])

    def view(self, keys: Iterable[str]) -> "BlobView":
        """The Blobs of `keys`, in that order (a mapping that pickles in a few bytes a key)."""
        return BlobView(self, keys if isinstance(keys, KeyList) else KeyList(keys))

    def sequence(self, keys: Iterable[str]) -> "BlobSequence":
        """The Blobs of `keys` as a sequence, in that order."""
        return BlobSequence(self, keys if isinstance(keys, KeyList) else KeyList(keys))


class BlobView(Mapping):
    """An ordered read-only selection of a BlobTable (FinishedRun.blobs)."""

    def __init__(self, table: BlobTable, keys: KeyList):
        self._table, self._keys = table, keys

    def __getitem__(self, key: str) -> Blob:
        return self._table[key]

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def values(self) -> Iterator[Blob]:     # type: ignore[override]
        return self._table.of(self._keys)

    def keys_in_order(self) -> KeyList:
        return self._keys


class BlobSequence(Sequence):
    """The Blobs of some keys of a BlobTable, by position (SpooledSequence's list of Blobs)."""

    def __init__(self, table: BlobTable, keys: KeyList):
        self._table, self._keys = table, keys

    def __len__(self) -> int:
        return len(self._keys)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return BlobSequence(self._table, self._keys[i])
        return self._table[self._keys[i]]

    def __iter__(self) -> Iterator[Blob]:
        return self._table.of(self._keys)


class StatusTable(_Keyed):
    """key -> status (one byte a key: the statuses are a handful of names)."""

    def __init__(self) -> None:
        super().__init__()
        self._present = self._code = _Column("B", 0)
        self._names: list[str] = [""]
        self._ids: dict[str, int] = {}

    def _get(self, code: int) -> str:
        return self._names[self._code.get(code)]

    def items(self) -> Iterator[tuple[str, str]]:       # type: ignore[override]
        """(key, status) of every key, in iteration order, read off the arrays (no lookup per key)."""
        names = self._names
        for p, part in enumerate(self._code.parts):
            for n, sid in enumerate(part):
                if sid:
                    yield code_key(n * _WIDE + p), names[sid]
        yield from [(key, self._other[key]) for key in list(self._other)]

    def _set(self, code: int, status: str) -> None:
        sid = self._ids.get(status)
        if sid is None:
            if len(self._names) > 255:
                raise ValueError("too many distinct statuses")
            sid = self._ids[status] = len(self._names)
            self._names.append(sys.intern(status))
        self._code.set(code, sid)


class DigestTable(_Keyed):
    """key -> (sha256 as hex or None, a flag): the 32 bytes of the digest and one byte a key."""

    def __init__(self) -> None:
        super().__init__()
        self._present = self._flags = _Column("b", -1)     # bit 0: a digest; bit 1: the flag
        self._digests = [bytearray() for _ in PREFIXES]

    def _get(self, code: int) -> tuple[str | None, bool]:
        flags = self._flags.get(code)
        if not flags & 1:
            return None, bool(flags & 2)
        n = (code >> 1) * 32
        return self._digests[code & 1][n:n + 32].hex(), bool(flags & 2)

    def digest(self, key: str) -> bytes | None:
        """The key's digest as 32 bytes (None: none, or the key not set), without the hex text."""
        code = key_code(key)
        if code is None:
            sha = self._other.get(key, (None, False))[0]
            return bytes.fromhex(sha) if sha is not None else None
        flags = self._flags.get(code)
        if flags < 0 or not flags & 1:              # not set, or set without a digest
            return None
        n = (code >> 1) * 32
        return bytes(self._digests[code & 1][n:n + 32])

    def _set(self, code: int, value: tuple[str | None, bool]) -> None:
        sha, flag = value
        digests, n = self._digests[code & 1], (code >> 1) * 32
        if sha is not None:
            if len(digests) < n + 32:
                digests.extend(bytes(n + 32 - len(digests)))
            digests[n:n + 32] = bytes.fromhex(sha)
        self._flags.set(code, (sha is not None) | (2 if flag else 0))


class PackedStrings:
    """Strings appended one after another as UTF-8 (a few bytes beyond the text itself each)."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("q")

    def append(self, text: str) -> int:
        self._data += text.encode("utf-8")
        self._ends.append(len(self._data))
        return len(self._ends) - 1

    def __getitem__(self, i: int) -> str:
        start = self._ends[i - 1] if i else 0
        return self._data[start:self._ends[i]].decode("utf-8")

    def __len__(self) -> int:
        return len(self._ends)


class PackedTable(_Keyed):
    """key -> a value packed as one string and one integer (subclasses say how: `_pack`, `_unpack`);
    the strings one after another as UTF-8. A value set again is appended again (the old bytes stay:
    a table is for values set once or twice)."""

    def __init__(self) -> None:
        super().__init__()
        self._present = self._index = _Column("q", -1)
        self._number = _Column("q", 0)
        self._strings = PackedStrings()

    def _get(self, code: int) -> Any:
        return self._unpack(self._strings[self._index.get(code)], self._number.get(code))

    def _set(self, code: int, value: Any) -> None:
        text, number = self._pack(value)
        self._number.set(code, number)
        self._index.set(code, self._strings.append(text))

    def _pack(self, value: Any) -> tuple[str, int]:
        raise NotImplementedError

    def _unpack(self, text: str, number: int) -> Any:
        raise NotImplementedError


class SourceTable(PackedTable):
    """key -> source path (PackedTable). Knows whether the sources of each prefix were set in key
    order and strictly ascending (as the inputs are numbered): then the output order of such keys is
    their key order (`ordered`), with no sort."""

    def __init__(self) -> None:
        super().__init__()
        self._ascending = [True] * _WIDE
        self._last: list[tuple[int, str] | None] = [None] * _WIDE

    def _pack(self, value: str) -> tuple[str, int]:
        return value, 0

    def _unpack(self, text: str, number: int) -> str:
        return text

    def _set(self, code: int, source: str) -> None:
        if self._index.get(code) >= 0:
            if self._get(code) == source:
                return
            self._ascending[code % _WIDE] = False         # a key's source changed: sort
        n, p = divmod(code, _WIDE)
        last = self._last[p]
        if last is not None and (n <= last[0] or source <= last[1]):
            self._ascending[p] = False
        self._last[p] = (n, source)
        super()._set(code, source)

    def ordered(self, keys: Iterable[str]) -> KeyList:
        """`keys` sorted by (source, key): the output order."""
        keys = keys if isinstance(keys, KeyList) else KeyList(keys)
        codes = keys._codes
        prefixes = {c % _WIDE for c in codes if c >= 0}
        if not keys._other and len(prefixes) <= 1 and all(self._ascending[p] for p in prefixes):
            out = KeyList()
            out._codes = array("q", sorted(codes))
            return out
        return KeyList(sorted(keys, key=lambda k: (self[k], k)))

