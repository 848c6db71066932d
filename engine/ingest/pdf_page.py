"""What one PDF page holds, read with pypdfium2 (PDFium, Apache/BSD): characters with their boxes
and the ruling edges drawn on the page, in top-down page coordinates (y grows downwards, as in
pdfplumber), as plain dicts the table and text logic of engine/ingest/pdf.py works on.

Every access to PDFium's page objects goes through the functions below (`page_chars`,
`page_edges`, `walk_objects`, `page_has_images`), so limits on hostile content (objects per page,
nested form XObjects) can be enforced in one place.

Why PDFium: pdfminer (under pdfplumber) spends ~90% of a page's time building Python objects for
every glyph and path; PDFium parses the content stream in C and we copy out only what we use.
"""
from __future__ import annotations

import bisect
import ctypes
import math
from dataclasses import dataclass

import pypdfium2 as pdfium
import pypdfium2.raw as raw

from engine.ingest import pdf_grid, pdf_text
from engine.ingest.pdf_wrap import wrapped_figure
from engine.ingest.pdf_grid import Edge

# Nesting depth of form XObjects beyond which their objects are not visited (a form drawing a
# form drawing a form ... is a content bomb, not a report).
MAX_FORM_DEPTH = 12
# Below the baseline, in font sizes, where a glyph box ends when PDFium gives none (CJK fonts: ~0.12).
TYPICAL_DESCENT = 0.12
# Path objects with more segments than this are pictures (maps, logos), not table rulings.
MAX_SEGMENTS_PER_PATH = 2000

_SEGMENT_MOVETO = raw.FPDF_SEGMENT_MOVETO
_PATH = raw.FPDF_PAGEOBJ_PATH
_FORM = raw.FPDF_PAGEOBJ_FORM
_IMAGE = raw.FPDF_PAGEOBJ_IMAGE


def _unchecked(function, restype):
    """The PDFium function that pypdfium2's binding `function` calls, without the binding's
    argument types: ctypes then checks and converts no argument, which makes a call about three
    times cheaper (the per-character and per-path-segment calls are most of a page's reading).
    Callers pass only ctypes objects (handles as pypdfium2 or these functions return them, byref,
    c_ulong) and ints where the function takes a C int; a function returning a handle gets a
    pointer `restype`, so the handle goes back in as a pointer."""
    return ctypes.CFUNCTYPE(restype)(ctypes.cast(function, ctypes.c_void_p).value)


_text_is_generated = _unchecked(raw.FPDFText_IsGenerated, ctypes.c_int)
_text_loose_box = _unchecked(raw.FPDFText_GetLooseCharBox, ctypes.c_int)
_text_map_error = _unchecked(raw.FPDFText_HasUnicodeMapError, ctypes.c_int)
_text_font_size = _unchecked(raw.FPDFText_GetFontSize, ctypes.c_double)
_text_matrix = _unchecked(raw.FPDFText_GetMatrix, ctypes.c_int)
_text_origin = _unchecked(raw.FPDFText_GetCharOrigin, ctypes.c_int)
_page_object = _unchecked(raw.FPDFPage_GetObject, raw.FPDF_PAGEOBJECT)
_object_type = _unchecked(raw.FPDFPageObj_GetType, ctypes.c_int)
_object_matrix_of = _unchecked(raw.FPDFPageObj_GetMatrix, ctypes.c_int)
_form_count = _unchecked(raw.FPDFFormObj_CountObjects, ctypes.c_int)
_form_object = _unchecked(raw.FPDFFormObj_GetObject, raw.FPDF_PAGEOBJECT)
_path_count = _unchecked(raw.FPDFPath_CountSegments, ctypes.c_int)
_path_segment = _unchecked(raw.FPDFPath_GetPathSegment, raw.FPDF_PATHSEGMENT)
_segment_type = _unchecked(raw.FPDFPathSegment_GetType, ctypes.c_int)
_segment_point = _unchecked(raw.FPDFPathSegment_GetPoint, ctypes.c_int)
_segment_close = _unchecked(raw.FPDFPathSegment_GetClose, ctypes.c_int)


def open_document(data: bytes) -> pdfium.PdfDocument:
    """The PDF held in `data` (raises pypdfium2's PdfiumError when it cannot be opened)."""
    return pdfium.PdfDocument(data)


# ------------------------------------------------------------------------------------------
# Characters
# ------------------------------------------------------------------------------------------

def page_chars(page: pdfium.PdfPage, height: float) -> list[dict]:
    """The page's characters in content order, each {"text", "x0", "x1", "top", "bottom", ...}.

    The box is PDFium's "loose" box: the glyph's advance across and the font's ascent to descent
    down, like pdfminer's (a word gap is measured between advances, not between ink). Characters
    PDFium generates itself (spaces and line ends it infers) are left out: words are split by the
    distance between characters, as pdfplumber does. A character without a Unicode mapping gets
    the text "(cid:N)" as pdfminer gives it, so the caller can count undecodable glyphs."""
    handle = raw.FPDFText_LoadPage(page.raw)
    if not handle:
        raise pdfium.PdfiumError("Failed to load text page.")
    try:
        count = raw.FPDFText_CountChars(handle)
        # all the page's code units in one call (index-aligned with the characters), instead of
        # one call per character: the per-call cost of ctypes is most of this function's time
        units = (ctypes.c_ushort * (count + 1))()
        if count:
            raw.FPDFText_GetText(handle, 0, count, units)
        return _chars(handle, units[:count], height)
    finally:
        raw.FPDFText_ClosePage(handle)


def _chars(handle, units: list[int], height: float) -> list[dict]:
    rect = raw.FS_RECTF()
    rect_ref = ctypes.byref(rect)
    is_generated, loose_box, map_error = _text_is_generated, _text_loose_box, _text_map_error
    font_size, char_matrix = _text_font_size, _text_matrix
    matrix = raw.FS_MATRIX()
    matrix_ref = ctypes.byref(matrix)
    origin_x, origin_y = ctypes.c_double(), ctypes.c_double()
    origin_x_ref, origin_y_ref = ctypes.byref(origin_x), ctypes.byref(origin_y)
    hypot = math.hypot
    texts: dict[int, str] = {}         # _char_text of each code met on the page
    chars: list[dict] = []
    append = chars.append
    for i, code in enumerate(units):
        # PDFium's own characters are the spaces and line ends it infers: only whitespace
        if code in _SPACES and is_generated(handle, i) == 1:
            continue
        if code == 0 or not loose_box(handle, i, rect_ref):
            continue
        if map_error(handle, i) == 1:
            text = f"(cid:{code})"
        else:
            text = texts.get(code)
            if text is None:
                texts[code] = text = _char_text(code)
            if not text:
                continue
        size = font_size(handle, i) * (hypot(matrix.c, matrix.d) if char_matrix(handle, i, matrix_ref) else 1.0)
        x0, x1, rect_bottom = rect.left, rect.right, rect.bottom
        bottom = height - rect_bottom
        tall = rect.top - rect_bottom
        if x1 - x0 > 2 * size or tall > 2 * size:
            # PDFium lays a glyph of a vertical-writing (-V) font out unscaled; pdfminer reads
            # it as an upright glyph of one font size at its origin: do the same
            _text_origin(handle, i, origin_x_ref, origin_y_ref)
            x0, bottom = origin_x.value, height - origin_y.value
            x1 = x0 + size
        elif tall < 0.5 * size:
            # a glyph PDFium boxes by its ink alone (一 in a font chromium embeds): put it on
            # its baseline, with a typical descent below it
            _text_origin(handle, i, origin_x_ref, origin_y_ref)
            bottom = height - origin_y.value + TYPICAL_DESCENT * size
        # pdfminer's glyph box is one font size tall above the descent; PDFium's loose box
        # reaches the font's ascent, which differs between the CJK and Latin fonts of a line
        append({"text": text, "x0": x0, "x1": x1, "top": bottom - size, "bottom": bottom})
    return chars


# The UTF-16 code units that are whitespace (str.isspace), looked up instead of tested per character
_SPACES = frozenset(c for c in range(0x10000) if chr(c).isspace())


def _char_text(code: int) -> str:
    if 0xD800 <= code <= 0xDFFF:        # a lone surrogate half (PDFium splits astral characters)
        return ""
    text = chr(code)
    if text in "\r\n\x00\ufffe\uffff":
        return ""
    return text


# ------------------------------------------------------------------------------------------
# Page objects: ruling edges and images
# ------------------------------------------------------------------------------------------

def walk_objects(page: pdfium.PdfPage, kinds: tuple[int, ...] = (_PATH,)):
    """The page objects of the given kinds with the matrix that maps their own coordinates to the
    page, form XObjects entered (to MAX_FORM_DEPTH): yields (raw object handle, kind, matrix
    (a, b, c, d, e, f))."""
    handle = page.raw
    get_type, get_object = _object_type, _page_object
    for i in range(raw.FPDFPage_CountObjects(handle)):
        obj = get_object(handle, i)
        kind = get_type(obj)
        if kind == _FORM:
            yield from _walk_form(obj, kinds)
        elif kind in kinds:
            yield obj, kind, _compose(_object_matrix(obj), _IDENTITY)


def _walk_form(form, kinds: tuple[int, ...]):
    """walk_objects inside a form XObject of the page's own content, depth first."""
    get_type = _object_type
    stack = [(form, _IDENTITY, 0)]
    while stack:
        obj, parent, depth = stack.pop()
        kind = get_type(obj)
        if kind == _FORM:
            if depth < MAX_FORM_DEPTH:
                matrix = _compose(_object_matrix(obj), parent)
                # the index is an unsigned long: passed as one (a bare int goes in as a C int)
                inner = [_form_object(obj, ctypes.c_ulong(i)) for i in range(_form_count(obj))]
                stack.extend((o, matrix, depth + 1) for o in reversed(inner))
        elif kind in kinds:
            yield obj, kind, _compose(_object_matrix(obj), parent)


_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _object_matrix(obj) -> tuple[float, ...]:
    m = raw.FS_MATRIX()
    if not _object_matrix_of(obj, ctypes.byref(m)):
        return _IDENTITY
    return (m.a, m.b, m.c, m.d, m.e, m.f)


def _compose(inner: tuple[float, ...], outer: tuple[float, ...]) -> tuple[float, ...]:
    """inner then outer (PDF row-vector convention: p' = p · inner · outer)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def page_has_images(page: pdfium.PdfPage) -> bool:
    return any(True for _ in walk_objects(page, (_IMAGE,)))


def page_edges(page: pdfium.PdfPage, height: float) -> list[Edge]:
    """Horizontal and vertical edges of the page's painted paths, following pdfminer's
    reading of paths: a two-point subpath is a line (one edge), an axis-aligned closed
    four-cornered subpath a rectangle (its four sides), any other subpath a polyline whose
    axis-aligned steps are edges."""
    edges: list[Edge] = []
    for obj, _, matrix in walk_objects(page, (_PATH,)):
        for points, closed in _subpaths(obj, matrix):
            edges.extend(_subpath_edges(points, closed, height))
    return edges


def _subpaths(obj, matrix) -> list[tuple[list[tuple[float, float]], bool]]:
    """The path's subpaths in page coordinates: (points, closed). The close flag is asked only of
    a subpath's last segment (ctypes calls are the cost here)."""
    count = _path_count(obj)
    if count <= 0 or count > MAX_SEGMENTS_PER_PATH:
        return []
    get_segment, get_type, get_point = _path_segment, _segment_type, _segment_point
    segments = [get_segment(obj, i) for i in range(count)]
    kinds = [get_type(seg) for seg in segments]
    a, b, c, d, e, f = matrix
    x, y = ctypes.c_float(), ctypes.c_float()
    xr, yr = ctypes.byref(x), ctypes.byref(y)
    out: list[tuple[list[tuple[float, float]], bool]] = []
    points: list[tuple[float, float]] = []
    for i, segment in enumerate(segments):
        if kinds[i] == _SEGMENT_MOVETO and points:
            out.append((points, bool(_segment_close(segments[i - 1]))))
            points = []
        if not get_point(segment, xr, yr):
            continue
        px, py = x.value, y.value
        points.append((px * a + py * c + e, px * b + py * d + f))
    if points:
        out.append((points, bool(_segment_close(segments[-1]))))
    return out


_EPS = 1e-3


def _subpath_edges(points, closed: bool, height: float) -> list[Edge]:
    if len(points) < 2:
        return []
    if len(points) == 5 and _same(points[0], points[4]):
        points, closed = points[:4], True
    if len(points) == 4 and closed and _is_box(points):
        pairs = list(zip(points, points[1:] + points[:1]))
    else:
        pairs = list(zip(points, points[1:]))
    out = []
    for (x0, y0), (x1, y1) in pairs:
        if abs(y0 - y1) <= _EPS:
            orientation = "h"
        elif abs(x0 - x1) <= _EPS:
            orientation = "v"
        else:
            continue
        # min and max, written out (the first of two equal values, as they return)
        left, right = (x1 if x1 < x0 else x0), (x1 if x1 > x0 else x0)
        top, bottom = height - (y1 if y1 > y0 else y0), height - (y1 if y1 < y0 else y0)
        out.append(Edge(orientation, left, top, right, bottom))
    return out


def _same(p, q) -> bool:
    return abs(p[0] - q[0]) <= _EPS and abs(p[1] - q[1]) <= _EPS


def _is_box(points) -> bool:
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = points

    def eq(u, v):
        return abs(u - v) <= _EPS
    return (eq(y0, y1) and eq(x1, x2) and eq(y2, y3) and eq(x3, x0)) or \
           (eq(x0, x1) and eq(y1, y2) and eq(x2, x3) and eq(y3, y0))


# ------------------------------------------------------------------------------------------
# One page, as the reader sees it
# ------------------------------------------------------------------------------------------

PASSWORD_ERRORS = (raw.FPDF_ERR_PASSWORD, raw.FPDF_ERR_SECURITY)


class PageView:
    """One page: its characters (read at once) and its ruling edges and images (read when first
    asked for: a page without text needs only its images, a page of plain text no edges)."""

    def __init__(self, page: pdfium.PdfPage):
        self._page = page
        self.width = float(page.get_width())
        self.height = float(page.get_height())
        self.bbox = (0.0, 0.0, self.width, self.height)
        self.chars = page_chars(page, self.height)
        self._edges: list[Edge] | None = None
        self._by_centre: _CentreIndex | None = None

    def by_centre(self) -> "_CentreIndex":
        """The characters sorted by the height of their centre (built once per page)."""
        if self._by_centre is None:
            items = sorted([((ch["top"] + ch["bottom"]) / 2, n, (ch["x0"] + ch["x1"]) / 2, ch)
                            for n, ch in enumerate(self.chars)])     # n is unique: ch is never compared
            self._by_centre = _CentreIndex([item[0] for item in items], [item[1:] for item in items])
        return self._by_centre

    @property
    def edges(self) -> list[Edge]:
        if self._edges is None:
            self._edges = page_edges(self._page, self.height)
        return self._edges

    @property
    def has_images(self) -> bool:
        return page_has_images(self._page)

    def close(self) -> None:
        self._page.close()


@dataclass
class _CentreIndex:
    keys: list[float]                         # centre heights, ascending
    items: list[tuple[int, float, dict]]      # (content order, centre across, character), in the same order


def load_page(pdf: pdfium.PdfDocument, index: int) -> PageView:
    page = pdf[index]
    try:
        return PageView(page)
    except Exception:
        page.close()
        raise


def find_tables(view: PageView) -> list[pdf_grid.RuledTable]:
    """The ruled tables of the page (engine/ingest/pdf_grid.py)."""
    return pdf_grid.find_tables(view.edges)


def cell_text(chars: list[dict]) -> str:
    """The text of some characters, lines top to bottom (pdfplumber's word and line grouping)."""
    return pdf_text.text(chars)


def text_lines(chars: list[dict]) -> list[dict]:
    """Lines of text ({"text", "x0", "top", "x1", "bottom"}) made of `chars`, top to bottom."""
    return pdf_text.lines(chars)


def word_lines(chars: list[dict]) -> list[tuple[dict, list[dict]]]:
    """The lines of `text_lines` with their words."""
    return pdf_text.word_lines(chars)


def chars_in_box(view: PageView, box) -> list[dict]:
    """The page's characters whose centre is in `box` (x0, top, x1, bottom), half-open on the
    right and the bottom as pdfplumber has it, in content order."""
    return [ch for _, ch in numbered_chars_in_box(view, box)]


def chars_outside(view: PageView, boxes) -> list[dict]:
    """The page's characters, in content order, whose centre is outside every box (x0, top, x1,
    bottom), each box widened by 1 on each side and closed."""
    index = view.by_centre()
    keys, items = index.keys, index.items
    inside: set[int] = set()
    for x0, top, x1, bottom in boxes:
        lo, hi = bisect.bisect_left(keys, top - 1), bisect.bisect_right(keys, bottom + 1)
        left, right = x0 - 1, x1 + 1
        inside.update([n for n, cx, _ in items[lo:hi] if left <= cx <= right])
    return [ch for n, ch in enumerate(view.chars) if n not in inside]


def numbered_chars_in_box(view: PageView, box) -> list[tuple[int, dict]]:
    """`chars_in_box` with each character's place in content order: (place, character)."""
    index = view.by_centre()
    x0, top, x1, bottom = box
    keys = index.keys
    found = [(n, ch) for n, cx, ch in index.items[bisect.bisect_left(keys, top):bisect.bisect_left(keys, bottom)]
             if x0 <= cx < x1]
    found.sort()             # by place: places are distinct, so characters are never compared
    return found


def table_cells_text(view: PageView, table) -> tuple[list[list[str | None]], set[int]]:
    """What pdfplumber's Table.extract(x_tolerance=1.5) gives (per row, per cell: the text, "" for
    a cell without characters, None where the row has no cell), and the places in content order
    (numbered_chars_in_box) of the characters placed in some cell."""
    placed: set[int] = set()
    out: list[list[str | None]] = []
    text = pdf_text.text
    for row in table.rows:
        texts: list[str | None] = []
        for cell in row.cells:
            if cell is None:
                texts.append(None)
                continue
            found = numbered_chars_in_box(view, cell)
            if not found:
                texts.append("")
                continue
            placed.update([n for n, _ in found])
            chars = [ch for _, ch in found]
            cell_text_ = text(chars)
            if "\n" in cell_text_:
                cell_text_ = wrapped_figure(chars, cell) or cell_text_
            texts.append(cell_text_)
        out.append(texts)
    return out, placed
