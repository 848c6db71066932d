"""A streaming .xlsx writer: rows go to temporary files as they come, the workbook is assembled once.

Why not a library: openpyxl's write-only mode and XlsxWriter's constant_memory mode both stream the
cells, but both keep every hyperlink of a sheet in memory until the workbook is saved (openpyxl:
`ws._hyperlinks`, XlsxWriter: `worksheet.hyperlinks` and the sheet's relationships) — the 报告 sheet
has two per report, so their memory grew with the number of reports (392 MB at 50,000 with
openpyxl) — and each costs several microseconds per cell in generic type and style dispatch (openpyxl
wrote the workbook at ~1.2 ms of CPU per report). Here a sheet's cells, its <hyperlink> elements and
their relationships each go to their own temporary file as the row is written; nothing is kept per
row. What is written is the small part of SpreadsheetML the summary needs (ECMA-376 Part 1, §18):

- cells: numbers, booleans and inline strings (t="inlineStr": no shared-string table to hold in
  memory; a string is never read as a formula, whatever it starts with), three styles (plain, bold,
  link) — STYLE_PLAIN, STYLE_BOLD, STYLE_LINK;
- per sheet: column widths, the first row frozen, an autofilter over all rows (with the hidden
  _xlnm._FilterDatabase name Excel expects), external hyperlinks;
- document properties with a fixed date and every zip member with the same fixed timestamp, so the
  same rows give the same bytes.

Text is UTF-8 (openpyxl wrote every CJK character as a 8-byte character reference, which doubled
the XML to compress). Characters XML 1.0 cannot carry (C0 controls but tab, line feed and carriage
return) are written as Excel's _xHHHH_ escapes, so a stray control character in a quote never stops
the workbook; unpaired surrogates and U+FFFE/U+FFFF, which cannot be encoded, become U+FFFD.
"""
from __future__ import annotations

import datetime as dt
import math
import re
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import IO, Any, Iterable, Sequence

STYLE_PLAIN, STYLE_BOLD, STYLE_LINK = 0, 1, 2
# deflate level 3. Measured on 10,000 reports' workbook (86 MB of XML): level 1 0.032 ms/report and
# 11.7 MB, level 3 0.037 ms and 10.3 MB, level 6 (zlib's default) 0.081 ms and 8.2 MB
COMPRESS_LEVEL = 3
# rows are a few KiB: buffered in 256 KiB before each write to a temporary file (8 KiB wrote every
# row); up to three such buffers per sheet are the writer's only memory that depends on the run's size
_BUFFER = 1 << 18

_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_HYPERLINK_REL = _REL_NS + "/hyperlink"
_SELECTED = ' tabSelected="1"'
_XML_HEAD = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'

# text that needs more than &, < and > escaped
_SPECIAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\r\ud800-\udfff\ufffe\uffff]")


def _special(m: re.Match) -> str:
    ch = m.group()
    if ch == "\r":
        return "&#13;"              # a bare CR would be read back as a line feed (XML end-of-line handling)
    if "\ud800" <= ch <= "\udfff" or ch in "\ufffe\uffff":
        return "\ufffd"
    return f"_x{ord(ch):04X}_"


# anything escape_text changes: most cells have none, and one search tells
_ESCAPED = re.compile("[&<>\x00-\x08\x0b\x0c\x0e-\x1f\r\ud800-\udfff\ufffe\uffff]")


def escape_text(value: str) -> str:
    """`value` as XML character data."""
    if not _ESCAPED.search(value):
        return value
    if "&" in value:
        value = value.replace("&", "&amp;")
    if "<" in value:
        value = value.replace("<", "&lt;")
    if ">" in value:
        value = value.replace(">", "&gt;")
    return _SPECIAL.sub(_special, value)


def escape_attr(value: str) -> str:
    """`value` as a double-quoted XML attribute value."""
    return escape_text(value).replace('"', "&quot;").replace("\n", "&#10;").replace("\t", "&#9;")


def column_letter(index: int) -> str:
    """1 → A, 27 → AA."""
    letters = ""
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


_LETTERS = [column_letter(i + 1) for i in range(64)]      # column index → letters; grown on demand
MAX_COLUMNS = 16_384                                         # Excel's, XFD


def _letters_for(n: int) -> None:
    if n > MAX_COLUMNS:
        raise ValueError(f"一行最多 {MAX_COLUMNS} 列，而这一行有 {n} 列")
    _LETTERS.extend(column_letter(i + 1) for i in range(len(_LETTERS), n))


def _number(value: Any) -> str | None:
    """A number as openpyxl wrote it (integers in full, floats with 16 significant digits); None for
    NaN and the infinities, which no cell holds (left empty)."""
    if isinstance(value, int):
        return str(int(value))
    number = float(value)           # float subclasses, numpy and Decimal numbers
    if math.isnan(number) or math.isinf(number):
        return None
    return "%.16g" % number


class XlsxSheet:
    """One worksheet being written: rows in order, each cell's XML appended to a temporary file."""

    def __init__(self, name: str, widths: Sequence[float]):
        self.name = name
        self.widths = tuple(widths)
        self.rows = 0                       # rows written
        self.columns = 0                    # the widest row's cells
        self.links = 0                      # hyperlinks written
        self.autofilter = False
        self._cells: IO[bytes] = tempfile.TemporaryFile(prefix="xxgk-sheet-", buffering=_BUFFER)
        self._links: IO[bytes] | None = None     # <hyperlink> elements
        self._rels: IO[bytes] | None = None      # their <Relationship> elements

    def write_row(self, values: Sequence[Any], style: int = STYLE_PLAIN,
                  links: dict[int, str] | None = None) -> None:
        """The next row. None (and "") leave a cell empty; a str is text, an int or float a number,
        a bool TRUE/FALSE. `links`: column index → the target of an external hyperlink on that cell
        (shown in the link style)."""
        if len(values) > len(_LETTERS):
            _letters_for(len(values))
        self.rows += 1
        r = str(self.rows)
        plain = f' s="{style}"' if style else ""
        parts = [f'<row r="{r}">']
        letters, needs_escape = _LETTERS, _ESCAPED.search
        for i, v in enumerate(values):
            if v is None or v == "":
                continue
            s = plain
            if links is not None and i in links:
                s = f' s="{STYLE_LINK}"'
                self._link(letters[i] + r, links[i])
            t = type(v)
            if t is str:
                space = ' xml:space="preserve"' if v != v.strip() else ""
                text = escape_text(v) if needs_escape(v) else v
                parts.append(f'<c r="{letters[i]}{r}"{s} t="inlineStr"><is><t{space}>{text}</t></is></c>')
            elif t is int:
                parts.append(f'<c r="{letters[i]}{r}"{s}><v>{v}</v></c>')
            elif t is bool:
                parts.append(f'<c r="{_LETTERS[i]}{r}"{s} t="b"><v>{int(v)}</v></c>')
            else:
                number = _number(v)
                if number is not None:
                    parts.append(f'<c r="{_LETTERS[i]}{r}"{s}><v>{number}</v></c>')
        parts.append("</row>")
        self.columns = max(self.columns, len(values))
        self._cells.write("".join(parts).encode("utf-8"))

    def _link(self, ref: str, target: str) -> None:
        if self._links is None:
            self._links = tempfile.TemporaryFile(prefix="xxgk-links-", buffering=_BUFFER)
            self._rels = tempfile.TemporaryFile(prefix="xxgk-rels-", buffering=_BUFFER)
        self.links += 1
        rid = f"rId{self.links}"
        self._links.write(f'<hyperlink ref="{ref}" r:id="{rid}"/>'.encode("utf-8"))
        assert self._rels is not None
        self._rels.write(f'<Relationship Id="{rid}" Type="{_HYPERLINK_REL}" Target="{escape_attr(target)}" '
                         f'TargetMode="External"/>'.encode("utf-8"))

    @property
    def ref(self) -> str:
        """The used range, A1:…"""
        return f"A1:{column_letter(max(self.columns, 1))}{max(self.rows, 1)}"

    def _head(self, selected: bool) -> bytes:
        cols = "".join(f'<col min="{i + 1}" max="{i + 1}" width="{w:g}" customWidth="1"/>'
                       for i, w in enumerate(self.widths))
        return (f'{_XML_HEAD}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><dimension ref="{self.ref}"/>'
                f'<sheetViews><sheetView{_SELECTED if selected else ""} workbookViewId="0">'
                '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
                '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
                '<sheetFormatPr defaultRowHeight="15"/>'
                + (f"<cols>{cols}</cols>" if cols else "") + "<sheetData>").encode("utf-8")

    def _tail_start(self) -> bytes:
        filt = f'<autoFilter ref="{self.ref}"/>' if self.autofilter else ""
        return ("</sheetData>" + filt + ("<hyperlinks>" if self.links else "")).encode("utf-8")

    def _tail_end(self) -> bytes:
        return (("</hyperlinks>" if self.links else "")
                + '<pageMargins left="0.75" right="0.75" top="1" bottom="1" header="0.5" footer="0.5"/>'
                + "</worksheet>").encode("utf-8")

    def write_xml(self, archive: "_FixedTimeZip", member: str, selected: bool) -> None:
        """The sheet's XML as one zip member, streamed from its temporary files."""
        parts: list[bytes | IO[bytes]] = [self._head(selected), self._cells, self._tail_start()]
        if self._links is not None:
            parts.append(self._links)
        parts.append(self._tail_end())
        archive.write_parts(member, parts)

    def write_rels(self, archive: "_FixedTimeZip", member: str) -> None:
        if self._rels is None:
            return
        archive.write_parts(member, [f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">'.encode("utf-8"),
                                     self._rels, b"</Relationships>"])

    def close(self) -> None:
        for f in (self._cells, self._links, self._rels):
            if f is not None:
                f.close()


class XlsxBook:
    """A workbook of streamed sheets, in the order they were added. save() writes it; close() (also
    called by save) drops the temporary files."""

    def __init__(self, stamp: dt.datetime, creator: str = "xxgk-audit"):
        self.stamp = stamp
        self.creator = creator
        self.sheets: list[XlsxSheet] = []

    def add_sheet(self, name: str, widths: Sequence[float] = ()) -> XlsxSheet:
        if any(s.name == name for s in self.sheets):
            raise ValueError(f"工作表名称重复：{name}")
        sheet = XlsxSheet(name, widths)
        self.sheets.append(sheet)
        return sheet

    def save(self, path: Path) -> None:
        try:
            with _FixedTimeZip(path, self.stamp) as archive:
                archive.write_text("[Content_Types].xml", self._content_types())
                archive.write_text("_rels/.rels", _ROOT_RELS)
                archive.write_text("docProps/app.xml", self._app())
                archive.write_text("docProps/core.xml", self._core())
                archive.write_text("xl/workbook.xml", self._workbook())
                archive.write_text("xl/_rels/workbook.xml.rels", self._workbook_rels())
                archive.write_text("xl/styles.xml", _STYLES)
                for i, sheet in enumerate(self.sheets, 1):
                    sheet.write_xml(archive, f"xl/worksheets/sheet{i}.xml", selected=(i == 1))
                    sheet.write_rels(archive, f"xl/worksheets/_rels/sheet{i}.xml.rels")
        finally:
            self.close()

    def close(self) -> None:
        for sheet in self.sheets:
            sheet.close()

    def _content_types(self) -> str:
        sheets = "".join(f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="application/'
                         'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                         for i in range(1, len(self.sheets) + 1))
        return (f'{_XML_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                '<Default Extension="xml" ContentType="application/xml"/>'
                '<Override PartName="/xl/workbook.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
                '<Override PartName="/xl/styles.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
                '<Override PartName="/docProps/core.xml" ContentType="application/'
                'vnd.openxmlformats-package.core-properties+xml"/>'
                '<Override PartName="/docProps/app.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.extended-properties+xml"/>'
                f"{sheets}</Types>")

    def _app(self) -> str:
        return (f'{_XML_HEAD}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
                f'extended-properties"><Application>{escape_text(self.creator)}</Application></Properties>')

    def _core(self) -> str:
        when = self.stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
        who = escape_text(self.creator)
        return (f'{_XML_HEAD}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/'
                'core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/'
                'terms/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
                f"<dc:creator>{who}</dc:creator><cp:lastModifiedBy>{who}</cp:lastModifiedBy>"
                f'<dcterms:created xsi:type="dcterms:W3CDTF">{when}</dcterms:created>'
                f'<dcterms:modified xsi:type="dcterms:W3CDTF">{when}</dcterms:modified></cp:coreProperties>')

    def _workbook(self) -> str:
        sheets = "".join(f'<sheet name="{escape_attr(s.name)}" sheetId="{i}" r:id="rId{i}"/>'
                         for i, s in enumerate(self.sheets, 1))
        names = "".join(f'<definedName name="_xlnm._FilterDatabase" localSheetId="{i}" hidden="1">'
                        f"{escape_text(_quoted(s.name))}!{_absolute(s.ref)}</definedName>"
                        for i, s in enumerate(self.sheets) if s.autofilter)
        return (f'{_XML_HEAD}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}"><workbookPr/>'
                '<bookViews><workbookView activeTab="0"/></bookViews>'
                f"<sheets>{sheets}</sheets>" + (f"<definedNames>{names}</definedNames>" if names else "")
                + "</workbook>")

    def _workbook_rels(self) -> str:
        n = len(self.sheets)
        sheets = "".join(f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
                         for i in range(1, n + 1))
        return (f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">{sheets}'
                f'<Relationship Id="rId{n + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/></Relationships>')


def _quoted(sheet_name: str) -> str:
    return "'" + sheet_name.replace("'", "''") + "'"


def _absolute(ref: str) -> str:
    """A1:T9 → $A$1:$T$9"""
    return ":".join(re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", part) for part in ref.split(":"))


_ROOT_RELS = (f'{_XML_HEAD}<Relationships xmlns="{_PKG_REL_NS}">'
              f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
              f'<Relationship Id="rId2" Type="{_PKG_REL_NS}/metadata/core-properties" Target="docProps/core.xml"/>'
              f'<Relationship Id="rId3" Type="{_REL_NS}/extended-properties" Target="docProps/app.xml"/>'
              "</Relationships>")

# fonts: the default, bold (headers), link blue underlined; one cell format (xf) each, in the order
# of STYLE_PLAIN, STYLE_BOLD, STYLE_LINK
_FONT = '<sz val="11"/><name val="Calibri"/><family val="2"/>'
_STYLES = (f'{_XML_HEAD}<styleSheet xmlns="{_MAIN_NS}">'
           f'<fonts count="3"><font>{_FONT}</font><font><b/>{_FONT}</font>'
           f'<font><u/><sz val="11"/><color rgb="FF0563C1"/><name val="Calibri"/><family val="2"/></font></fonts>'
           '<fills count="2"><fill><patternFill patternType="none"/></fill>'
           '<fill><patternFill patternType="gray125"/></fill></fills>'
           '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
           '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
           '<cellXfs count="3"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
           '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
           '<xf numFmtId="0" fontId="2" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
           '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
           "</styleSheet>")


class _FixedTimeZip(zipfile.ZipFile):
    """A zip for writing whose members all carry one timestamp and plain file permissions."""

    def __init__(self, path: Path, stamp: dt.datetime):
        super().__init__(path, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
        self._date_time = (max(stamp.year, 1980), stamp.month, stamp.day, 0, 0, 0)

    def _info(self, name: str, size: int) -> zipfile.ZipInfo:
        info = zipfile.ZipInfo(name, date_time=self._date_time)
        info.compress_type = zipfile.ZIP_DEFLATED
        info._compresslevel = COMPRESS_LEVEL     # type: ignore[attr-defined] — read by ZipFile.open (3.11–3.13)
        info.external_attr = 0o644 << 16
        info.file_size = size                    # lets zipfile decide on zip64 before it writes
        return info

    def write_text(self, name: str, text: str) -> None:
        self.write_parts(name, [text.encode("utf-8")])

    def write_parts(self, name: str, parts: Iterable[bytes | IO[bytes]]) -> None:
        """One member made of these byte strings and (whole) temporary files, in order."""
        parts = list(parts)
        size = 0
        for p in parts:
            if isinstance(p, bytes):
                size += len(p)
            else:
                p.flush()
                size += p.seek(0, 2)
        with self.open(self._info(name, size), "w") as out:
            for p in parts:
                if isinstance(p, bytes):
                    out.write(p)
                else:
                    p.seek(0)
                    shutil.copyfileobj(p, out, 1 << 20)
