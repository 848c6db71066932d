"""OUT/letters/<folder>/<agency>-<year>.docx: the 审核意见书 as an editable Word file, laid out as a 公文 after
GB/T 9704 (the styles: engine/render/docx_template.py) — title, 文号, 主送, body, one findings table
per rule, and the closing paragraph, 落款 and date kept together on the last page. An office adds its
red header, edits and signs it in WPS or Word. Same content as the HTML letter (both render
letter_content.Letter).

    render_docx(letter) -> bytes      deterministic: fixed document dates and zip timestamps
    DocxLetters                       the Output (engine/render/output.py) writing them next to the HTML

Speed: a letter is the package template (templates/letter.docx: styles, numbering, settings …, read
once per process with its parts already compressed: docx_package.py) plus two parts written per letter,
stored — the body (word/document.xml) and the core properties. The body is the WordprocessingML
python-docx would write for the same calls (paragraphs with a style, runs, tables with fixed column
widths), built as strings from pieces made once (a findings table's start and rows, the closing of a
run's letters): ~0.1 ms a letter instead of ~50 ms for python-docx opening, building and saving a
package.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import PurePosixPath

from engine.model import AuditRecord
from engine.render.docx_package import _NOT_AS_IS, template, xml_text
from engine.render.letter_content import FindingRow, Letter, RuleGroup, Section, run_basis, shared_letter
from engine.render.letters import letter_target, write_letter
from engine.render.output import OutputContext, ReportOutput

RIGHT_INDENT = 640    # twips: the 落款 and date two 3号 characters in from the right margin


def render_docx(letter: Letter) -> bytes:
    return b"".join(render_docx_parts(letter))


def render_docx_parts(letter: Letter) -> list[bytes]:
    """render_docx's bytes in pieces (joined, they are the package): what DocxLetters writes with
    one writev, the ~50 KB of a letter never copied into one bytes object."""
    package = template()
    body = _Body()
    if letter.placeholder_warning:
        body.para(letter.placeholder_warning, "LetterWarning")
    body.out.append(_title_bytes(letter.title))
    body.para(letter.reference_number, "LetterRef")
    body.para(f"{letter.addressee}：", "LetterAddressee")
    body.para(letter.opening, "LetterBody")
    for section in letter.sections:
        body.section(section)
    body.closing(letter)
    core = {"title": f"审核意见书 {letter.reference_number}",
            "subject": f"{letter.agency}{letter.year or ''}年度政府信息公开工作年度报告审核意见",
            "author": letter.office_name}
    return package.write_body_parts(b"".join(body.out), core)


@lru_cache(maxsize=8)
def _title_bytes(title: str) -> bytes:
    """The title's paragraph (two lines: a break in it), the same for every letter of a kind (审核意见书,
    整改复核意见): made once."""
    return para_xml(f"政府信息公开工作年度报告\n{title}", "LetterTitle").encode()


class DocxLetters(ReportOutput):
    """OUT/letters/<folder>/<name>.docx for every audited report, beside its HTML letter."""

    folder = "letters"

    def __init__(self, ctx: OutputContext):
        super().__init__(ctx)
        self.basis = run_basis()          # the format documents cited, as HtmlLetters

    def write(self, record: AuditRecord) -> None:
        parts = render_docx_parts(shared_letter(record, self.ctx.office, self.ctx.run_date, "docx", self.basis))
        write_letter(letter_target(self.ctx.out_dir, record.letter, ".docx"), parts)


def docx_name(letter: str) -> str:
    """The DOCX letter's file name from the HTML letter's path (letters/甲镇/甲镇-2024.html → 甲镇-2024.docx)."""
    return PurePosixPath(letter).with_suffix(".docx").name


def docx_path(letter: str) -> str:
    """The DOCX letter's path relative to OUT, beside the HTML letter (letters/甲镇/甲镇-2024.docx)."""
    return str(PurePosixPath(letter).with_suffix(".docx"))


# --- text --------------------------------------------------------------------------------------------

_BREAKS = re.compile("([\t\r\n])")


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


# A text that is its own run as it stands: not empty, no tab, CR or LF, nothing xml_text changes, no
# white space at either end (str.isspace and the pattern's \s are the same test) — most of a letter.
# Its run is <w:r><w:t>text</w:t></w:r> whichever of run, text_run or lines_runs writes it.
_AS_IS_RUN = re.compile(r"(?!\s)[^\t\n\r&<>\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]+(?<!\s)")


def as_is(text: str) -> bool:
    """_AS_IS_RUN.fullmatch(text) is not None, for most texts without the pattern: a printable text
    (str.isprintable: no control, format, surrogate, unassigned or separator character but the
    space) has none of the characters the pattern excludes but & < >, and no white space but the
    space. Matching the pattern went character by character through its class, the largest
    single cost of writing a letter's body; the str methods run in C over the text."""
    if text.isprintable():
        return bool(text) and "&" not in text and "<" not in text and ">" not in text \
            and text[0] != " " and text[-1] != " "
    return _AS_IS_RUN.fullmatch(text) is not None


def para_xml(text: str, style: str) -> str:
    """paragraph(lines_runs(text), style) in one step for a text carried as it stands."""
    if not as_is(text):
        return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr>{lines_runs(text)}</w:p>'
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>'


def cell_para(text: str, style: str) -> str:
    """cell([text], style): the first line of a cell is one run (a line break inside it)."""
    if not as_is(text):
        return paragraph(run(text), style)
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>'


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


@dataclass(frozen=True)
class _GridForm:
    """The pieces of a grid table with a number column first, the same in every letter: the table up
    to and with its heading row, and a row's XML around its number (then the second cell's head)."""
    start: str                # <w:tbl>, properties, grid, heading row
    row_head: str             # <w:tr>, row properties, first cell's head, the number's paragraph up to the digits
    row_mid: str              # after the digits: end of the first cell, the second cell's head


@lru_cache(maxsize=None)
def _grid_form(headings: tuple[str, ...], widths_cm: tuple[float, ...]) -> _GridForm:
    table = grid_table(headings, widths_cm)
    start = table.xml()
    start = start[:-len("</w:tbl>")]
    heads = table.cell_heads
    number = number_cell(0)
    at = number.index("<w:t>0</w:t>") + len("<w:t>")
    return _GridForm(start, f"<w:tr>{_ROW}{heads[0]}{number[:at]}", f"{number[at + 1:]}</w:tc>{heads[1]}")


_RULE_TABLE = (("序号", "问题、位置及原文"), (1.3, 14.3))
_PAIRED_TABLE = (("序号", "问题", "序号", "问题"), (1.1, 6.7, 1.1, 6.7))
_RECTIFIED_TABLE = (("序号", "原审核意见", "整改情况"), (1.3, 12.1, 2.2))


@lru_cache(maxsize=None)
def _label_head(label: str) -> str:
    """labelled()'s paragraph up to the text's run: the bold label."""
    return f'<w:p><w:pPr><w:pStyle w:val="LetterNote"/></w:pPr>{run(f"{label}：", bold=True)}'


# --- the body ----------------------------------------------------------------------------------------

@lru_cache(maxsize=None)
def _para_open(style: str) -> bytes:
    """para_xml's paragraph (UTF-8) up to an as-is text: <w:p>, the style, the run and its <w:t>."""
    return f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:r><w:t>'.encode()


_PARA_CLOSE = b"</w:t></w:r></w:p>"


@lru_cache(maxsize=None)
def _row_pieces(headings: tuple[str, ...], widths_cm: tuple[float, ...]) -> tuple[bytes, bytes, bytes, bytes]:
    """_grid_form's pieces in UTF-8: the table's start, a row's XML before and after its number, and
    the first paragraph of the second cell up to an as-is text (style LetterCell)."""
    form = _grid_form(headings, widths_cm)
    return form.start.encode(), form.row_head.encode(), form.row_mid.encode(), _para_open("LetterCell")


_ROW_CLOSE = b"</w:tc></w:tr>"
_TABLE_CLOSE = b"</w:tbl>"
_RUN_CLOSE = b"</w:t></w:r></w:p>"


class _Body:
    """The paragraphs and tables of word/document.xml's body, in order, in UTF-8: the markup's bytes
    made once, each text encoded by itself (encoding the whole body went character by character
    through the markup too, most of its length)."""

    def __init__(self) -> None:
        self.out: list[bytes] = []

    def para(self, text: str, style: str) -> None:
        # para_xml(text, style).encode()
        if as_is(text):
            self.out += (_para_open(style), text.encode(), _PARA_CLOSE)
        else:
            self.out.append(para_xml(text, style).encode())

    def labelled(self, label: str, text: str) -> None:
        # paragraph(run(f"{label}：", bold=True) + run(text), "LetterNote")
        if as_is(text):
            self.out += (_label_open(label), text.encode(), _RUN_CLOSE)
        else:
            self.out.append(f"{_label_head(label)}{run(text)}</w:p>".encode())

    def section(self, section: Section) -> None:
        self.para(section.heading, "LetterHeading")
        for text in section.paragraphs:
            self.para(text, "LetterBody")
        if section.rectified:
            table = grid_table(*_RECTIFIED_TABLE)
            for no, text, status in section.rectified:
                table.row([number_cell(no), cell([text], "LetterCell"),
                           cell([status], "LetterCellCenter")])
            self.out.append(table.xml().encode())
        for k, item in enumerate(section.items, start=1):
            self.para(f"{k}. {item}", "LetterItem")
        for group in section.groups:
            self.group(group)

    def group(self, group: RuleGroup) -> None:
        self.para(f"{group.heading}【{group.severity_label}】{group.title}（{group.points}）", "LetterSubheading")
        if group.paired:
            table = grid_table(*_PAIRED_TABLE)
            for a, b in group.row_pairs():
                cells = [number_cell(a.no), cell([_marked(a)], "LetterCell"), "", ""]
                if b is not None:
                    cells[2:] = [number_cell(b.no), cell([_marked(b)], "LetterCell")]
                table.row(cells)
            self.out.append(table.xml().encode())
        else:
            # table.row([number_cell(row.no), cell(lines, "LetterCell")]) for each finding, from the
            # table's pieces made once
            start, row_head, row_mid, cell_open = _row_pieces(*_RULE_TABLE)
            out = self.out
            out.append(start)
            for row in group.rows:
                text = f"【未整改】{row.text}" if row.still_open else row.text
                if row.quote:
                    first, note = text, f"位置：{row.where}；原文：“{row.quote}”"
                else:
                    first, note = (f"{text}（{row.where}）" if row.where else text), None
                out += (row_head, str(row.no).encode(), row_mid)
                if as_is(first):                  # cell_para(first, "LetterCell")
                    out += (cell_open, first.encode(), _PARA_CLOSE)
                else:
                    out.append(cell_para(first, "LetterCell").encode())
                if note is not None:
                    self.para(note, "LetterCellNote")
                out.append(_ROW_CLOSE)
            out.append(_TABLE_CLOSE)
        self.labelled("整改要求" if group.severity != "info" else "建议", group.remedy)
        if group.basis:
            self.labelled("依据", group.basis)

    def closing(self, letter: Letter) -> None:
        """整改要求 / 处理意见, 落款 and date in one borderless table row that may not split: Word,
        WPS and LibreOffice all move such a row whole to the next page, so the signature never
        stands alone on the last page (keep-with-next chains are not honoured alike by all three)."""
        self.out.append(_closing_bytes(letter.closing.heading, tuple(letter.closing.paragraphs),
                                       letter.office_name, letter.date_text))
        if letter.contact:
            self.para(f"（联系方式：{letter.contact}）", "LetterContact")


@lru_cache(maxsize=None)
def _label_open(label: str) -> bytes:
    """labelled()'s paragraph (UTF-8) up to an as-is text: the bold label, the text's run and <w:t>."""
    return f"{_label_head(label)}<w:r><w:t>".encode()


@lru_cache(maxsize=64)
def _closing_bytes(heading: str, paragraphs: tuple[str, ...], office_name: str, date_text: str) -> bytes:
    return closing_xml(heading, paragraphs, office_name, date_text).encode()


@lru_cache(maxsize=64)
def closing_xml(heading: str, paragraphs: tuple[str, ...], office_name: str, date_text: str) -> str:
    """The closing table: the same for the letters of a run that ask the same (the office's settings
    and the run date make the texts; the heading's number follows the sections before it)."""
    parts = [cell([heading], "LetterHeading")]
    parts += [paragraph(lines_runs(text), "LetterBody") for text in paragraphs]
    parts.append(paragraph(lines_runs(""), "LetterAddressee"))
    parts += [paragraph(lines_runs(text), "LetterSign", RIGHT_INDENT) for text in (office_name, date_text)]
    table = _Table((twips(15.6),), grid=False)
    table.row(["".join(parts)])
    return table.xml()
