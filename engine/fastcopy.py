"""dataclasses.replace for the hot paths: the same values, without running __init__ again."""
from __future__ import annotations

from dataclasses import fields, replace
from operator import itemgetter
from typing import Any, Callable, TypeVar

T = TypeVar("T")


def replaced(obj: T, cls: type, **changes: Any) -> T:
    """`obj` with `changes`, as dataclasses.replace(obj, **changes) makes it (field values shared,
    not copied) — but without running `cls.__init__` over every field again, which was a fifth of
    building an audit record. Only for an instance of exactly `cls`, a plain dataclass whose
    __init__ does nothing but assign its fields (no __post_init__, no slots); any other object,
    a subclass included, goes through dataclasses.replace."""
    if type(obj) is not cls:
        return replace(obj, **changes)
    new = object.__new__(cls)
    new.__dict__.update(obj.__dict__)
    new.__dict__.update(changes)
    return new


# Compact pickles of plain dataclasses (compact_pickle)
_FIELDS: dict[type, tuple[tuple[str, ...], Callable[[dict], tuple]]] = {}


def _fields_of(cls: type) -> tuple[tuple[str, ...], Callable[[dict], tuple]]:
    known = _FIELDS.get(cls)
    if known is None:
        names = tuple(f.name for f in fields(cls))
        known = _FIELDS[cls] = (names, itemgetter(*names))
    return known


def compact_pickle(cls: type[T]) -> type[T]:
    """Class decorator for a plain dataclass (no slots, no __post_init__): pickled as its values in
    field order. The default form names every field in each pickle and sets them back one at a time
    (a record so far, ~35 fields, crosses the pool with every member of a group task and is spooled
    and read back by the main process). An instance of a subclass, or with attributes that are not
    its fields, is pickled as its attributes."""
    def __reduce__(self: Any) -> tuple:
        d = self.__dict__
        names, values = _fields_of(cls)
        if type(self) is cls and len(d) == len(names):
            try:
                return from_values, (cls, values(d))
            except KeyError:
                pass
        return with_state, (type(self), dict(d))

    cls.__reduce__ = __reduce__      # type: ignore[method-assign]
    return cls


def from_values(cls: type[T], values: tuple) -> T:
    """An instance of `cls` (compact_pickle) from its field values in field order."""
    obj = object.__new__(cls)
    obj.__dict__.update(zip(_fields_of(cls)[0], values))
    return obj


def with_state(cls: type[T], state: dict[str, Any]) -> T:
    """An instance of `cls` with `state` as its attributes (what the default pickle of a plain class makes)."""
    obj = object.__new__(cls)
    obj.__dict__.update(state)
    return obj
