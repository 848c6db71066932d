"""OUT/letters/<folder>/<agency>-<year>.docx: the 审核意见书 as an editable Word file, laid out as a 公文 after
GB/T 9704 (the styles: engine/render/docx_template.py) — title, 文号, 主送, body, one findings table
per rule, and the closing paragraph, 落款 and date kept together on the last page. An office adds its
red header, edits and signs it in WPS or Word. Same content as the HTML letter (both render
letter_content.Letter).

    render_docx(letter) -> bytes      deterministic: fixed document dates and zip timestamps
    DocxLetters                       the Output (engine/render/output.py) writing them next to the HTML

Speed: a letter is the package template (templates/letter.docx: styles, numbering, settings …, read
once per process with its parts already compressed) plus two parts written here as text — the body
(word/document.xml) and the core properties. The body is the WordprocessingML python-docx would
write for the same calls (paragraphs with a style, runs, tables with fixed column widths), built as
strings: ~1 ms a letter instead of ~50 ms for python-docx opening, building and saving a package.
"""
from __future__ import annotations

import re
import struct
import zlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from engine.model import AuditRecord
from engine.render.letter_content import FindingRow, Letter, RuleGroup, Section, shared_letter
from engine.render.letters import letter_target, write_letter
from engine.render.output import ReportOutput

TEMPLATE = Path(__file__).parent / "templates" / "letter.docx"
FIXED_DOS_TIME, FIXED_DOS_DATE = 0, (2000 - 1980) << 9 | 1 << 5 | 1      # 2000-01-01 00:00 (as the template)
RIGHT_INDENT = 640    # twips: the 落款 and date two 3号 characters in from the right margin


def render_docx(letter: Letter) -> bytes:
    body = _Body()
    if letter.placeholder_warning:
        body.para(letter.placeholder_warning, "LetterWarning")
    body.para(f"政府信息公开工作年度报告\n{letter.title}", "LetterTitle")
    body.para(letter.reference_number, "LetterRef")
    body.para(f"{letter.addressee}：", "LetterAddressee")
    body.para(letter.opening, "LetterBody")
    for section in letter.sections:
        body.section(section)
    body.closing(letter)
    package = template()
    core = {"title": f"审核意见书 {letter.reference_number}",
            "subject": f"{letter.agency}{letter.year or ''}年度政府信息公开工作年度报告审核意见",
            "author": letter.office_name}
    return package.write(package.document_head + "".join(body.out) + package.document_tail, core)


class DocxLetters(ReportOutput):
    """OUT/letters/<folder>/<name>.docx for every audited report, beside its HTML letter."""

    folder = "letters"

    def write(self, record: AuditRecord) -> None:
        data = render_docx(shared_letter(record, self.ctx.office, self.ctx.run_date, "docx"))
        write_letter(letter_target(self.ctx.out_dir, record.letter, ".docx"), data)


def docx_name(letter: str) -> str:
    """The DOCX letter's file name from the HTML letter's path (letters/甲镇/甲镇-2024.html → 甲镇-2024.docx)."""
    return PurePosixPath(letter).with_suffix(".docx").name


def docx_path(letter: str) -> str:
    """The DOCX letter's path relative to OUT, beside the HTML letter (letters/甲镇/甲镇-2024.docx)."""
    return str(PurePosixPath(letter).with_suffix(".docx"))


# --- text --------------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry (a form feed from a PDF's text …): dropped, a letter is always written
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_BREAKS = re.compile("([\t\r\n])")
# what xml_text changes: most text has none of it and is its own XML form
_NOT_AS_IS = re.compile("[&<>\r\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def xml_text(text: str) -> str:
    """Text content escaped as lxml serializes it."""
    if _NOT_AS_IS.search(text) is None:
        return text
    if _NOT_XML.search(text):
        text = _NOT_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _t(text: str) -> str:
    # python-docx keeps leading or trailing white space (str.strip's) with xml:space="preserve"
    if text and (text[0].isspace() or text[-1].isspace()):
        return f'<w:t xml:space="preserve">{xml_text(text)}</w:t>'
    return f"<w:t>{xml_text(text)}</w:t>"


def run_content(text: str) -> str:
    """A run's content as python-docx's Run.text writes it: a tab is <w:tab/>, CR or LF a <w:br/>."""
    if "\t" not in text and "\r" not in text and "\n" not in text:
        return _t(text)
    out = []
    for piece in _BREAKS.split(text):
        if piece == "\t":
            out.append("<w:tab/>")
        elif piece in ("\r", "\n"):
            out.append("<w:br/>")
        elif piece:
            out.append(_t(piece))
    return "".join(out)


def run(text: str | None, bold: bool = False, br: bool = False) -> str:
    content = (run_content(text) if text else "") + ("<w:br/>" if br else "")
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    return f"<w:r>{props}{content}</w:r>" if props or content else "<w:r/>"


def text_run(text: str) -> str:
    """run(text) for a text without tab, CR or LF (most of a letter's): one <w:t>."""
    if not text:
        return "<w:r/>"
    escaped = text if _NOT_AS_IS.search(text) is None else xml_text(text)
    if text[0].isspace() or text[-1].isspace():
        return f'<w:r><w:t xml:space="preserve">{escaped}</w:t></w:r>'
    return f"<w:r><w:t>{escaped}</w:t></w:r>"


def _plain(text: str) -> bool:
    return "\n" not in text and "\t" not in text and "\r" not in text


def paragraph(runs: str, style: str, right_indent: int | None = None) -> str:
    indent = f'<w:ind w:right="{right_indent}"/>' if right_indent is not None else ""
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/>{indent}</w:pPr>{runs}</w:p>'


def lines_runs(text: str) -> str:
    """A run per line, a break after each but the last (a multi-line paragraph)."""
    if _plain(text):
        return text_run(text)
    lines = text.split("\n")
    return "".join(run(chunk, br=i < len(lines) - 1) for i, chunk in enumerate(lines))


def twips(cm: float) -> int:
    emu = int(cm * 360000)            # python-docx's Cm() and its twips rounding
    return int(round(emu / 635.0))


# --- tables ------------------------------------------------------------------------------------------

_TBL_LOOK = ('<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" '
             'w:noVBand="1" w:val="04A0"/>')
_NO_BORDERS = ('<w:tblBorders><w:top w:val="nil"/><w:left w:val="nil"/><w:bottom w:val="nil"/><w:right w:val="nil"/>'
               '<w:insideH w:val="nil"/><w:insideV w:val="nil"/></w:tblBorders>'
               '<w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar>')
_HEADER_ROW = '<w:trPr><w:tblHeader w:val="true"/><w:cantSplit w:val="true"/></w:trPr>'
_ROW = '<w:trPr><w:cantSplit w:val="true"/></w:trPr>'


@dataclass
class _Table:
    """A table of fixed column widths (the grid for LibreOffice and WPS, each cell's width for Word),
    centred, rows that may not split across pages; a heading row repeated on each page."""
    widths: tuple[int, ...]            # twips
    grid: bool = True                  # Word's "Table Grid" style (ruled); False: no borders, no cell margins

    def __post_init__(self) -> None:
        self.rows: list[str] = []
        self.cell_heads = _cell_heads(self.widths)

    def row(self, cells: list[str], header: bool = False) -> None:
        """`cells`: each cell's paragraphs ("" for an empty cell, which still holds one empty paragraph)."""
        tcs = "".join(f'{head}{content or "<w:p/>"}</w:tc>' for head, content in zip(self.cell_heads, cells))
        self.rows.append(f"<w:tr>{_HEADER_ROW if header else _ROW}{tcs}</w:tr>")

    def xml(self) -> str:
        style = '<w:tblStyle w:val="TableGrid"/>' if self.grid else ""
        props = (f'<w:tblPr>{style}<w:tblW w:type="auto" w:w="0"/><w:jc w:val="center"/><w:tblLayout w:type="fixed"/>'
                 f'{_TBL_LOOK}{"" if self.grid else _NO_BORDERS}</w:tblPr>')
        grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in self.widths)
        return f"<w:tbl>{props}<w:tblGrid>{grid}</w:tblGrid>{''.join(self.rows)}</w:tbl>"


@lru_cache(maxsize=None)
def _cell_heads(widths: tuple[int, ...]) -> tuple[str, ...]:
    return tuple(f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{w}"/></w:tcPr>' for w in widths)


def number_cell(no: int) -> str:
    """cell([str(no)], "LetterCellCenter"): digits need no escaping and have no white space."""
    return f'<w:p><w:pPr><w:pStyle w:val="LetterCellCenter"/></w:pPr><w:r><w:t>{no}</w:t></w:r></w:p>'


def cell(lines: list[str], style: str, bold: bool = False) -> str:
    """A cell's text: its first line in `style`, further lines (位置 / 原文) a size smaller."""
    first = lines[0]
    head = paragraph(text_run(first) if not bold and first and _plain(first) else run(first, bold=bold), style)
    if len(lines) == 1:
        return head
    return head + "".join(paragraph(lines_runs(line), "LetterCellNote") for line in lines[1:])


def grid_table(headings: tuple[str, ...], widths_cm: tuple[float, ...]) -> _Table:
    widths, header = _grid_head(headings, widths_cm)
    table = _Table(widths)
    table.rows.append(header)
    return table


@lru_cache(maxsize=None)
def _grid_head(headings: tuple[str, ...], widths_cm: tuple[float, ...]) -> tuple[tuple[int, ...], str]:
    """The column widths (twips) and heading row of a grid table: the same in every letter."""
    table = _Table(tuple(twips(w) for w in widths_cm))
    table.row([cell([h], "LetterCellCenter", bold=True) for h in headings], header=True)
    return table.widths, table.rows[0]


def _marked(row: FindingRow) -> str:
    return f"【未整改】{row.text}" if row.still_open else row.text


# --- the body ----------------------------------------------------------------------------------------

class _Body:
    """The paragraphs and tables of word/document.xml's body, in order."""

    def __init__(self) -> None:
        self.out: list[str] = []

    def para(self, text: str, style: str) -> None:
        self.out.append(f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{lines_runs(text)}</w:p>')   # paragraph()

    def labelled(self, label: str, text: str) -> None:
        self.out.append(paragraph(run(f"{label}：", bold=True) + run(text), "LetterNote"))

    def section(self, section: Section) -> None:
        self.para(section.heading, "LetterHeading")
        for text in section.paragraphs:
            self.para(text, "LetterBody")
        if section.rectified:
            table = grid_table(("序号", "原审核意见", "整改情况"), (1.3, 12.1, 2.2))
            for no, text, status in section.rectified:
                table.row([number_cell(no), cell([text], "LetterCell"),
                           cell([status], "LetterCellCenter")])
            self.out.append(table.xml())
        for k, item in enumerate(section.items, start=1):
            self.para(f"{k}. {item}", "LetterItem")
        for group in section.groups:
            self.group(group)

    def group(self, group: RuleGroup) -> None:
        self.para(f"{group.heading}【{group.severity_label}】{group.title}（{group.points}）", "LetterSubheading")
        if group.paired:
            table = grid_table(("序号", "问题", "序号", "问题"), (1.1, 6.7, 1.1, 6.7))
            for a, b in group.row_pairs():
                cells = [number_cell(a.no), cell([_marked(a)], "LetterCell"), "", ""]
                if b is not None:
                    cells[2:] = [number_cell(b.no), cell([_marked(b)], "LetterCell")]
                table.row(cells)
        else:
            table = grid_table(("序号", "问题、位置及原文"), (1.3, 14.3))
            for row in group.rows:
                if row.quote:
                    text = [_marked(row), f"位置：{row.where}；原文：“{row.quote}”"]
                else:
                    text = [f"{_marked(row)}（{row.where}）" if row.where else _marked(row)]
                table.row([number_cell(row.no), cell(text, "LetterCell")])
        self.out.append(table.xml())
        self.labelled("整改要求" if group.severity != "info" else "建议", group.remedy)
        if group.basis:
            self.labelled("依据", group.basis)

    def closing(self, letter: Letter) -> None:
        """整改要求 / 处理意见, 落款 and date in one borderless table row that may not split: Word,
        WPS and LibreOffice all move such a row whole to the next page, so the signature never
        stands alone on the last page (keep-with-next chains are not honoured alike by all three)."""
        parts = [cell([letter.closing.heading], "LetterHeading")]
        parts += [paragraph(lines_runs(text), "LetterBody") for text in letter.closing.paragraphs]
        parts.append(paragraph(lines_runs(""), "LetterAddressee"))
        parts += [paragraph(lines_runs(text), "LetterSign", RIGHT_INDENT) for text in (letter.office_name, letter.date_text)]
        table = _Table((twips(15.6),), grid=False)
        table.row(["".join(parts)])
        self.out.append(table.xml())
        if letter.contact:
            self.para(f"（联系方式：{letter.contact}）", "LetterContact")


# --- the package -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class _Entry:
    """A zip entry of the template, kept compressed: (name, crc, compressed size, size, deflated data)."""
    name: bytes
    crc: int
    compressed: bytes
    size: int


class Package:
    """The template package: every part but the body and the core properties copied as stored."""

    DOCUMENT, CORE = "word/document.xml", "docProps/core.xml"

    def __init__(self, data: bytes):
        self.entries: list[_Entry | str] = []      # a name: a part written per letter
        document = core = ""
        for name, crc, size, raw in _read_zip(data):
            if name in (self.DOCUMENT, self.CORE):
                text = zlib.decompress(raw, -15).decode("utf-8")
                document, core = (text, core) if name == self.DOCUMENT else (document, text)
                self.entries.append(name)
            else:
                self.entries.append(_Entry(name.encode("ascii"), crc, raw, size))
        head, body, tail = document.partition("<w:body>")
        self.document_head = head + body
        self.document_tail = tail          # the section properties (page size, margins) and the end
        self.core = re.split("@@(title|subject|author)@@", core)   # text, field, text, field …
        # write(): the template's entries in runs between the parts written per letter, made on first use
        self._plan: list[str | _Run] | None = None

    def write(self, document: str, core: dict[str, str]) -> bytes:
        """zip_bytes of the template's entries with the two parts written here. The template's
        entries between those two parts are copied as runs of local records (header, name, data: the
        same for every letter, joined once); the central directory is each entry's record made once,
        with its offset filled in."""
        core_xml = "".join(xml_text(core[piece]) if i % 2 else piece for i, piece in enumerate(self.core))
        if self._plan is None:
            self._plan = _plan(self.entries)
        out, central = [], []
        offset = 0
        for piece in self._plan:
            if piece.__class__ is str:
                data = (document if piece == self.DOCUMENT else core_xml).encode("utf-8")
                compressor = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)   # as zipfile
                local, before, after = _records(_Entry(piece.encode("ascii"), zlib.crc32(data),
                                                       compressor.compress(data) + compressor.flush(), len(data)))
                out.append(local)
                central.append(before + offset.to_bytes(4, "little") + after)
                offset += len(local)
            else:
                out.append(piece.local)
                central += [before + (offset + at).to_bytes(4, "little") + after for before, at, after in piece.central]
                offset += len(piece.local)
        out += central
        n = len(central)
        out.append(struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, n, n, sum(map(len, central)), offset, 0))
        return b"".join(out)


@dataclass(frozen=True)
class _Run:
    """Consecutive template entries: their local records joined, and each one's central record
    before and after its offset, with its offset from the run's start."""
    local: bytes
    central: tuple[tuple[bytes, int, bytes], ...]


def _plan(entries: list[_Entry | str]) -> list[str | _Run]:
    plan: list[str | _Run] = []
    run_local: list[bytes] = []
    run_central: list[tuple[bytes, int, bytes]] = []

    def close() -> None:
        if run_local:
            plan.append(_Run(b"".join(run_local), tuple(run_central)))
            run_local.clear()
            run_central.clear()

    for entry in entries:
        if isinstance(entry, str):
            close()
            plan.append(entry)
        else:
            local, before, after = _records(entry)
            run_central.append((before, sum(map(len, run_local)), after))
            run_local.append(local)
    close()
    return plan


def _records(e: _Entry) -> tuple[bytes, bytes, bytes]:
    """An entry's local record (header, name, data) and its central record before and after the
    entry's offset, as zip_bytes writes them."""
    head = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, FIXED_DOS_TIME, FIXED_DOS_DATE,
                       e.crc, len(e.compressed), e.size, len(e.name), 0)
    record = struct.pack("<4s4B4H3L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, 8, FIXED_DOS_TIME,
                         FIXED_DOS_DATE, e.crc, len(e.compressed), e.size, len(e.name), 0, 0, 0, 0,
                         0o644 << 16, 0)
    return head + e.name + e.compressed, record[:-4], e.name


def zip_bytes(entries: list[_Entry]) -> bytes:
    """The zip archive of deflated entries, byte for byte what zipfile writes for them with the fixed
    timestamp (engine/render/docx_template._fixed_zip): local headers and data, the central
    directory, the end record."""
    out, central = [], []
    offset = 0
    for e in entries:
        head = struct.pack("<4s5H3L2H", b"PK\x03\x04", 20, 0, 8, FIXED_DOS_TIME, FIXED_DOS_DATE,
                           e.crc, len(e.compressed), e.size, len(e.name), 0)
        out += [head, e.name, e.compressed]
        central.append(struct.pack("<4s4B4H3L5H2L", b"PK\x01\x02", 20, 3, 20, 0, 0, 8, FIXED_DOS_TIME,
                                   FIXED_DOS_DATE, e.crc, len(e.compressed), e.size, len(e.name), 0, 0, 0, 0,
                                   0o644 << 16, offset) + e.name)
        offset += len(head) + len(e.name) + len(e.compressed)
    directory = b"".join(central)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, len(entries), len(entries), len(directory), offset, 0)
    return b"".join(out) + directory + end


def _read_zip(data: bytes):
    """(name, crc, size, deflated data) of each entry of a zip this module or zipfile wrote."""
    _sig, _disk, _disk_cd, _here, count, _size, directory, _comment = struct.unpack_from("<4s4H2LH", data, len(data) - 22)
    pos = directory
    for _ in range(count):
        (crc, csize, size, nlen, xlen, clen, offset) = struct.unpack_from("<16x3L3H8xL", data, pos)
        name = data[pos + 46:pos + 46 + nlen].decode("utf-8")
        pos += 46 + nlen + xlen + clen
        lnlen, lxlen = struct.unpack_from("<26x2H", data, offset)
        start = offset + 30 + lnlen + lxlen
        yield name, crc, size, data[start:start + csize]


_template: Package | None = None


def template() -> Package:
    """The package template, read once per process (a forked worker inherits it)."""
    global _template
    if _template is None:
        _template = Package(TEMPLATE.read_bytes())
    return _template
