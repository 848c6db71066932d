"""dataclasses.replace for the hot paths: the same values, without running __init__ again."""
from __future__ import annotations

from dataclasses import replace
from typing import Any, TypeVar

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
