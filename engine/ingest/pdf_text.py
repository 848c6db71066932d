"""Characters to words and lines, the way pdfplumber groups them (its non-layout text: the
reading the PDF tests were written against), written out here for speed: pdfplumber's general
word extractor costs more than reading the page itself.

Characters are dicts {"text", "x0", "x1", "top", "bottom"} in top-down page coordinates. The
grouping, with pdfplumber's defaults and x_tolerance 1.5:
- characters are clustered into lines by `top` (chained: each value within 3 pt of the last);
  within a line they are sorted left to right;
- a word ends at a space, or where the next character starts left of the previous one, more
  than 1.5 pt right of its end, or more than 3 pt above or below it;
- words are clustered into lines again by their `top`; a line is its words joined by spaces.
"""
from __future__ import annotations

X_TOLERANCE = 1.5
Y_TOLERANCE = 3.0
_LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}


def cluster_ids(values, tolerance: float) -> dict[float, int]:
    """pdfplumber's make_cluster_dict: distinct values sorted, chained within `tolerance`."""
    out: dict[float, int] = {}
    group = -1
    last = None
    for v in sorted(set(values)):
        if last is None or v > last + tolerance:
            group += 1
        out[v] = group
        last = v
    return out


def _cluster(objs: list[dict], tolerance: float, preserve_order: bool) -> list[list[dict]]:
    """pdfplumber's cluster_objects on `top`."""
    ids = cluster_ids((o["top"] for o in objs), tolerance)
    tagged = [(o, ids[o["top"]]) for o in objs]
    if not preserve_order:
        tagged.sort(key=lambda t: t[1])
    groups: list[list[dict]] = []
    previous = None
    for o, g in tagged:
        if g != previous:
            groups.append([])
            previous = g
        groups[-1].append(o)
    return groups


def words(chars: list[dict]) -> list[dict]:
    """Words ({"text", "x0", "x1", "top", "bottom", "chars"}) in line order."""
    out: list[dict] = []
    for line in _cluster(chars, Y_TOLERANCE, preserve_order=False):
        line.sort(key=lambda c: c["x0"])
        current: list[dict] = []
        for ch in line:
            if ch["text"].isspace():
                if current:
                    out.append(_word(current))
                current = []
            elif current and _begins_word(current[-1], ch):
                out.append(_word(current))
                current = [ch]
            else:
                current.append(ch)
        if current:
            out.append(_word(current))
    return out


def _line_word_texts(line: list[dict]) -> list[str]:
    """The words of one line of characters sorted left to right (as `words`, texts only)."""
    out: list[str] = []
    current: list[str] = []
    prev = None
    for ch in line:
        if ch["text"].isspace():
            if current:
                out.append("".join(current))
            current, prev = [], None
            continue
        if prev is not None and _begins_word(prev, ch):
            out.append("".join(current))
            current = []
        current.append(_LIGATURES.get(ch["text"], ch["text"]))
        prev = ch
    if current:
        out.append("".join(current))
    return out


def _begins_word(prev: dict, cur: dict) -> bool:
    return (cur["x0"] < prev["x0"] or cur["x0"] > prev["x1"] + X_TOLERANCE
            or abs(cur["top"] - prev["top"]) > Y_TOLERANCE)


def _word(chars: list[dict]) -> dict:
    return {"text": "".join(_LIGATURES.get(c["text"], c["text"]) for c in chars),
            "x0": min(c["x0"] for c in chars), "x1": max(c["x1"] for c in chars),
            "top": min(c["top"] for c in chars), "bottom": max(c["bottom"] for c in chars), "chars": chars}


def text(chars: list[dict]) -> str:
    """pdfplumber's extract_text(chars, x_tolerance=1.5): lines joined by newlines."""
    if not chars:
        return ""
    tops = [c["top"] for c in chars]
    if max(tops) - min(tops) <= Y_TOLERANCE:      # one line (most cells): no clustering needed
        return " ".join(_line_word_texts(sorted(chars, key=lambda c: c["x0"])))
    return "\n".join(" ".join(w["text"] for w in line)
                     for line in _cluster(words(chars), Y_TOLERANCE, preserve_order=False))


def lines(chars: list[dict]) -> list[dict]:
    """pdfplumber's extract_text_lines(x_tolerance=1.5, return_chars=False): one dict per line,
    {"text", "x0", "top", "x1", "bottom"}, top to bottom."""
    return [line for line, _ in word_lines(chars)]


def word_lines(chars: list[dict]) -> list[tuple[dict, list[dict]]]:
    """The lines of `lines` with their words, left to right."""
    out = []
    for line in _cluster(words(chars), Y_TOLERANCE, preserve_order=True):
        text = " ".join(w["text"] for w in line).strip(" ")
        if text:
            out.append(({"text": text, "x0": min(w["x0"] for w in line), "top": min(w["top"] for w in line),
                         "x1": max(w["x1"] for w in line), "bottom": max(w["bottom"] for w in line)}, line))
    return out
