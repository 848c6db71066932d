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

from operator import itemgetter

X_TOLERANCE = 1.5
Y_TOLERANCE = 3.0
_LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}
# A character's text is one character (or "(cid:N)", which holds no ligature): replacing ligatures
# in a word's joined text is replacing them character by character
_LIGATURE_TABLE = str.maketrans(_LIGATURES)
_X0 = itemgetter("x0")


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
    """pdfplumber's cluster_objects on `top`: runs of one cluster in the given order, or (not
    preserving the order) one group per cluster, clusters ascending, members in the given order."""
    ids = cluster_ids([o["top"] for o in objs], tolerance)
    groups: list[list[dict]] = []
    if preserve_order:
        previous = None
        for o in objs:
            g = ids[o["top"]]
            if g != previous:
                groups.append([o])
                previous = g
            else:
                groups[-1].append(o)
        return groups
    by_id: dict[int, list[dict]] = {}
    for o in objs:
        g = ids[o["top"]]
        if g in by_id:
            by_id[g].append(o)
        else:
            by_id[g] = [o]
    return [by_id[g] for g in sorted(by_id)]


def words(chars: list[dict]) -> list[dict]:
    """Words ({"text", "x0", "x1", "top", "bottom", "chars"}) in line order."""
    out: list[dict] = []
    for line in _cluster(chars, Y_TOLERANCE, preserve_order=False):
        line.sort(key=_X0)
        current: list[dict] = []
        prev_x0 = prev_x1 = prev_top = 0.0
        for ch in line:
            x0, top = ch["x0"], ch["top"]
            if ch["text"].isspace():
                if current:
                    out.append(_word(current))
                current = []
                continue
            # a word ends where the next character starts left of the previous one, beyond its end, or off its line
            if current and (x0 < prev_x0 or x0 > prev_x1 + X_TOLERANCE or abs(top - prev_top) > Y_TOLERANCE):
                out.append(_word(current))
                current = [ch]
            else:
                current.append(ch)
            prev_x0, prev_x1, prev_top = x0, ch["x1"], top
        if current:
            out.append(_word(current))
    return out


def _line_word_texts(line: list[dict]) -> list[str]:
    """The words of one line of characters sorted left to right (as `words`, texts only)."""
    out: list[str] = []
    current: list[str] = []
    prev_x0 = prev_x1 = prev_top = 0.0
    for ch in line:
        text = ch["text"]
        if text.isspace():
            if current:
                out.append("".join(current).translate(_LIGATURE_TABLE))
            current = []
            continue
        x0, top = ch["x0"], ch["top"]
        # a word ends as in `words`
        if current and (x0 < prev_x0 or x0 > prev_x1 + X_TOLERANCE or abs(top - prev_top) > Y_TOLERANCE):
            out.append("".join(current).translate(_LIGATURE_TABLE))
            current = []
        current.append(text)
        prev_x0, prev_x1, prev_top = x0, ch["x1"], top
    if current:
        out.append("".join(current).translate(_LIGATURE_TABLE))
    return out


def _word(chars: list[dict]) -> dict:
    """A word of characters sorted by x0 (so the first has the least x0)."""
    if len(chars) == 1:
        c = chars[0]
        return {"text": c["text"].translate(_LIGATURE_TABLE), "x0": c["x0"], "x1": c["x1"], "top": c["top"],
                "bottom": c["bottom"], "chars": chars}
    return {"text": "".join([c["text"] for c in chars]).translate(_LIGATURE_TABLE),
            "x0": chars[0]["x0"], "x1": max([c["x1"] for c in chars]),
            "top": min([c["top"] for c in chars]), "bottom": max([c["bottom"] for c in chars]), "chars": chars}


def text(chars: list[dict]) -> str:
    """pdfplumber's extract_text(chars, x_tolerance=1.5): lines joined by newlines."""
    if not chars:
        return ""
    if len(chars) == 1:          # a cell of one character (a figure): its text, or none for a space
        t = chars[0]["text"]
        return "" if t.isspace() else t.translate(_LIGATURE_TABLE)
    tops = [c["top"] for c in chars]
    if max(tops) - min(tops) <= Y_TOLERANCE:      # one line (most cells): no clustering needed
        return " ".join(_line_word_texts(sorted(chars, key=_X0)))
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
