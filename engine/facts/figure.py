"""A figure stated in a report's narrative (engine/facts/narrative.py finds them)."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.facts.text_source import TextView

_LATER = object()       # a Figure's line, place or sentence not looked up yet


class Figure:
    """A figure stated in the narrative. Its source line, place (SourceLine.where) and sentence
    are looked up when first read, from the view and the match's span it keeps: most figures
    agree with the tables and are never quoted (a line costs the matching of the part's lines
    with the source, see text_source._LineSpans). Read-only, compared by value like the frozen
    dataclass it was."""
    __slots__ = ("kind", "value", "approx", "scope", "scope_own", "part", "phrase", "unit",
                 "_line", "_where", "_excerpt", "_view", "_span")
    _FIELDS = ("kind", "value", "approx", "scope", "scope_own", "part", "line", "where", "excerpt",
               "phrase", "unit")

    def __init__(self, kind: str, value: Decimal, approx: bool, scope: str | None,
                 scope_own: bool | None, part: str, line: Any = _LATER, where: Any = _LATER,
                 excerpt: Any = _LATER, phrase: str = "", unit: str | None = None,
                 view: TextView | None = None, span: tuple[int, int, int, int] | None = None):
        """`view` and `span` ((start, end) of the match, (start, end) of its sentence) stand in
        for whichever of line, where and excerpt is not given."""
        if view is None and _LATER in (line, where, excerpt):
            raise TypeError("Figure: line, where and excerpt, or the view and span they are read from")
        put = object.__setattr__
        put(self, "kind", kind)
        put(self, "value", value)
        put(self, "approx", approx)
        put(self, "scope", scope)
        put(self, "scope_own", scope_own)
        put(self, "part", part)
        put(self, "phrase", phrase)
        put(self, "unit", unit)
        put(self, "_line", line)
        put(self, "_where", where)
        put(self, "_excerpt", excerpt)
        put(self, "_view", view)
        put(self, "_span", span)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"Figure is read-only: cannot set {name}")

    @property
    def line(self) -> int | None:
        if self._line is _LATER:
            object.__setattr__(self, "_line", self._view.line_at(self._span[0]))
        return self._line

    @property
    def where(self) -> str | None:
        if self._where is _LATER:
            line, view = self.line, self._view
            # (TextView.where_at, from the line just found)
            where = None if line is None else view.lines[line - 1].where if 1 <= line <= len(view.lines) \
                else f"第{line}行"
            object.__setattr__(self, "_where", where)
        return self._where

    @property
    def excerpt(self) -> str:
        if self._excerpt is _LATER:
            start, end, s, e = self._span
            object.__setattr__(self, "_excerpt", self._view.sentence_in(start, end, s, e))
        return self._excerpt

    @property
    def comparable(self) -> bool:
        return not self.approx and self.scope_own is True

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in self._FIELDS)

    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._values() == other._values()

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return "Figure(" + ", ".join(f"{n}={getattr(self, n)!r}" for n in self._FIELDS) + ")"

    def to_json(self) -> dict[str, Any]:
        out = {name: getattr(self, name) for name in self._FIELDS}
        out["value"] = str(self.value)
        return out
