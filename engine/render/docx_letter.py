"""OUT/letters/<folder>/<agency>-<year>.docx: the 审核意见书 as an editable Word file (python-docx), laid out
as a 公文 after GB/T 9704 — title in 小标宋 2号, 文号, 主送, body in 仿宋_GB2312 3号 (Word and WPS
fall back to 仿宋), 一、 headings in 黑体, （一） headings in 楷体, one findings table per rule, and the
closing paragraph, 落款 and date kept together on the last page. An office adds its red header,
edits and signs it in WPS or Word. Same content as the HTML letter (both render letter_content.Letter).

    render_docx(letter) -> bytes      deterministic: fixed document dates and zip timestamps
    DocxLetters                       the Output (engine/render/output.py) writing them next to the HTML
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import PurePosixPath

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

from engine.model import AuditRecord
from engine.render.letter_content import Letter, RuleGroup, Section, build_letter
from engine.render.letters import letter_file
from engine.render.output import ReportOutput

BODY_FONT = "仿宋_GB2312"
TITLE_FONT = "方正小标宋简体"
HEADING_FONT = "黑体"
SUBHEADING_FONT = "楷体_GB2312"
LATIN_FONT = "Times New Roman"
# What Word / WPS use when a 公文 font is not installed (fontTable altName)
FALLBACKS = {"仿宋_GB2312": "仿宋", "楷体_GB2312": "楷体", "方正小标宋简体": "宋体", "黑体": "SimHei"}
BODY_PT = 16          # 3号
TITLE_PT = 22         # 2号
TABLE_PT = 10         # tables a little under 五号: a typical letter fits 1–3 pages
NOTE_PT = 12          # 小四
LINE_PT = 24          # exact line pitch of body text
FIXED_ZIP_TIME = (2000, 1, 1, 0, 0, 0)


def render_docx(letter: Letter) -> bytes:
    doc = Document()
    _page_setup(doc)
    _styles(doc)
    if letter.placeholder_warning:
        _para(doc, letter.placeholder_warning, "LetterWarning")
    _para(doc, f"政府信息公开工作年度报告\n{letter.title}", "LetterTitle")
    _para(doc, letter.reference_number, "LetterRef")
    _para(doc, f"{letter.addressee}：", "LetterAddressee")
    _para(doc, letter.opening, "LetterBody")
    for section in letter.sections:
        _section(doc, section)
    _closing(doc, letter)
    _core_properties(doc, letter)
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip(buf.getvalue())


class DocxLetters(ReportOutput):
    """OUT/letters/<folder>/<name>.docx for every audited report, beside its HTML letter."""

    folder = "letters"

    def write(self, record: AuditRecord) -> None:
        data = render_docx(build_letter(record, self.ctx.office, self.ctx.run_date))
        path = letter_file(self.ctx.out_dir, record.letter, ".docx")
        path.parent.mkdir(exist_ok=True)
        path.write_bytes(data)


def docx_name(letter: str) -> str:
    """The DOCX letter's file name from the HTML letter's path (letters/甲镇/甲镇-2024.html → 甲镇-2024.docx)."""
    return PurePosixPath(letter).with_suffix(".docx").name


def docx_path(letter: str) -> str:
    """The DOCX letter's path relative to OUT, beside the HTML letter (letters/甲镇/甲镇-2024.docx)."""
    return str(PurePosixPath(letter).with_suffix(".docx"))


# --- page and styles -------------------------------------------------------------------------------

def _page_setup(doc) -> None:
    s = doc.sections[0]
    s.page_width, s.page_height = Cm(21.0), Cm(29.7)
    s.top_margin, s.bottom_margin = Cm(2.5), Cm(2.5)
    s.left_margin, s.right_margin = Cm(2.8), Cm(2.6)


# name: (font, size pt, line pitch pt, first-line indent in characters, alignment, bold, keep with next)
STYLES = {
    "LetterBody": (BODY_FONT, BODY_PT, LINE_PT, 2, None, False, False),
    "LetterTitle": (TITLE_FONT, TITLE_PT, TITLE_PT * 1.4, 0, WD_ALIGN_PARAGRAPH.CENTER, False, True),
    "LetterRef": (BODY_FONT, BODY_PT, LINE_PT, 0, WD_ALIGN_PARAGRAPH.CENTER, False, False),
    "LetterAddressee": (BODY_FONT, BODY_PT, LINE_PT, 0, None, False, False),
    "LetterHeading": (HEADING_FONT, BODY_PT, LINE_PT, 2, None, False, True),
    "LetterSubheading": (SUBHEADING_FONT, BODY_PT, LINE_PT, 2, None, True, True),
    "LetterNote": (BODY_FONT, NOTE_PT, NOTE_PT * 1.4, 2, None, False, False),
    "LetterItem": (BODY_FONT, TABLE_PT, TABLE_PT * 1.35, 2, None, False, False),
    "LetterCell": (BODY_FONT, TABLE_PT, TABLE_PT * 1.35, 0, None, False, False),
    "LetterCellCenter": (BODY_FONT, TABLE_PT, TABLE_PT * 1.35, 0, WD_ALIGN_PARAGRAPH.CENTER, False, False),
    "LetterCellNote": (BODY_FONT, TABLE_PT - 1, (TABLE_PT - 1) * 1.35, 0, None, False, False),
    "LetterSign": (BODY_FONT, BODY_PT, LINE_PT, 0, WD_ALIGN_PARAGRAPH.RIGHT, False, True),
    "LetterWarning": (HEADING_FONT, NOTE_PT, NOTE_PT * 1.4, 0, None, False, False),
    "LetterContact": (BODY_FONT, NOTE_PT, NOTE_PT * 1.4, 0, None, False, False),
}


def _styles(doc) -> None:
    """Paragraph styles for every kind of paragraph: an office restyles a whole letter in one place
    (and a run carries no formatting of its own, which keeps the file small and quick to write)."""
    normal = doc.styles["Normal"]
    _set_font(normal.font, normal.element, BODY_FONT, BODY_PT)
    normal.paragraph_format.space_before = normal.paragraph_format.space_after = Pt(0)
    normal.paragraph_format.widow_control = True
    for name, (font, size, line, indent, align, bold, keep) in STYLES.items():
        style = doc.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = normal
        style.quick_style = True
        _set_font(style.font, style.element, font, size)
        style.font.bold = bold or None
        fmt = style.paragraph_format
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = Pt(line)
        fmt.first_line_indent = Pt(size * indent) if indent else None
        fmt.alignment = align
        fmt.keep_with_next = keep or None
    doc.styles["LetterTitle"].paragraph_format.space_after = Pt(6)
    doc.styles["LetterAddressee"].paragraph_format.space_before = Pt(8)
    doc.styles["LetterContact"].paragraph_format.space_before = Pt(8)
    doc.styles["LetterWarning"].font.color.rgb = RGBColor(0xC0, 0, 0)
    _font_fallbacks(doc)


def _set_font(font, element, name: str, size: float) -> None:
    font.name = LATIN_FONT
    font.size = Pt(size)
    rpr = element.get_or_add_rPr()
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    fonts.set(qn("w:eastAsia"), name)
    fonts.set(qn("w:ascii"), LATIN_FONT)
    fonts.set(qn("w:hAnsi"), LATIN_FONT)


def _font_fallbacks(doc) -> None:
    """Declares each 公文 font in the font table with the common font to use where it is missing."""
    table = next((p for p in doc.part.package.iter_parts() if str(p.partname) == "/word/fontTable.xml"), None)
    if table is None:
        return
    root = etree.fromstring(table.blob)
    for name, alt in FALLBACKS.items():
        font = etree.SubElement(root, qn("w:font"))
        font.set(qn("w:name"), name)
        alt_el = etree.SubElement(font, qn("w:altName"))
        alt_el.set(qn("w:val"), alt)
        charset = etree.SubElement(font, qn("w:charset"))
        charset.set(qn("w:val"), "86")             # GB2312
        family = etree.SubElement(font, qn("w:family"))
        family.set(qn("w:val"), "modern" if "黑" in name else "roman")
    table._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


# --- paragraphs ----------------------------------------------------------------------------------

def _para(doc_or_cell, text: str, style: str):
    p = doc_or_cell.add_paragraph()
    p._p.style = style       # our styles' ids are their names; python-docx's lookup by name scans every style
    lines = text.split("\n")
    for i, chunk in enumerate(lines):
        run = p.add_run(chunk)
        if i < len(lines) - 1:
            run.add_break()
    return p


def _section(doc, section: Section) -> None:
    _para(doc, section.heading, "LetterHeading")
    for text in section.paragraphs:
        _para(doc, text, "LetterBody")
    if section.rectified:
        widths = (Cm(1.3), Cm(12.1), Cm(2.2))
        table = _table(doc, ("序号", "原审核意见", "整改情况"))
        for no, text, status in section.rectified:
            cells = table.add_row().cells
            _cell_text(cells[0], [str(no)], "LetterCellCenter")
            _cell_text(cells[1], [text], "LetterCell")
            _cell_text(cells[2], [status], "LetterCellCenter")
        _fix_widths(table, widths)
    for k, item in enumerate(section.items, start=1):
        _para(doc, f"{k}. {item}", "LetterItem")
    for group in section.groups:
        _group(doc, group)


def _group(doc, group: RuleGroup) -> None:
    _para(doc, f"{group.heading}【{group.severity_label}】{group.title}（{group.points}）", "LetterSubheading")
    if group.paired:
        widths = (Cm(1.1), Cm(6.7), Cm(1.1), Cm(6.7))
        table = _table(doc, ("序号", "问题", "序号", "问题"))
        for a, b in group.row_pairs():
            cells = table.add_row().cells
            _cell_text(cells[0], [str(a.no)], "LetterCellCenter")
            _cell_text(cells[1], [_marked(a)], "LetterCell")
            if b is not None:
                _cell_text(cells[2], [str(b.no)], "LetterCellCenter")
                _cell_text(cells[3], [_marked(b)], "LetterCell")
    else:
        widths = (Cm(1.3), Cm(14.3))
        table = _table(doc, ("序号", "问题、位置及原文"))
        for row in group.rows:
            cells = table.add_row().cells
            _cell_text(cells[0], [str(row.no)], "LetterCellCenter")
            if row.quote:
                _cell_text(cells[1], [_marked(row), f"位置：{row.where}；原文：“{row.quote}”"], "LetterCell")
            else:
                _cell_text(cells[1], [f"{_marked(row)}（{row.where}）" if row.where else _marked(row)], "LetterCell")
    _fix_widths(table, widths)
    _labelled(doc, "整改要求" if group.severity != "info" else "建议", group.remedy)
    if group.basis:
        _labelled(doc, "依据", group.basis)


def _table(doc, headings: tuple[str, ...]):
    table = doc.add_table(rows=1, cols=len(headings))
    table.style = doc.styles["Table Grid"]
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, text in zip(table.rows[0].cells, headings):
        _cell_text(cell, [text], "LetterCellCenter")
        cell.paragraphs[0].runs[0].bold = True
    _repeat_header(table.rows[0])
    return table


def _fix_widths(table, widths: tuple) -> None:
    table.autofit = False
    for column, width in zip(table.columns, widths):
        column.width = width                     # the grid: what LibreOffice and WPS lay out by
    for tr in table.rows:
        _cant_split(tr)
        for cell, width in zip(tr.cells, widths):
            cell.width = width                   # the cells: what Word lays out by


def _marked(row) -> str:
    return f"【未整改】{row.text}" if row.still_open else row.text


def _labelled(doc, label: str, text: str):
    p = doc.add_paragraph()
    p._p.style = "LetterNote"
    p.add_run(f"{label}：").bold = True
    p.add_run(text)
    return p


def _cell_text(cell, lines: list[str], style: str) -> None:
    """The cell's text: its first line in `style`, further lines (位置 / 原文) a size smaller."""
    first = cell.paragraphs[0]
    first._p.style = style
    first.add_run(lines[0])
    for line in lines[1:]:
        _para(cell, line, "LetterCellNote")


def _repeat_header(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:tblHeader")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _cant_split(row) -> None:
    trpr = row._tr.get_or_add_trPr()
    el = OxmlElement("w:cantSplit")
    el.set(qn("w:val"), "true")
    trpr.append(el)


def _closing(doc, letter: Letter) -> None:
    """整改要求 / 处理意见, 落款 and date in one borderless table row that may not split: Word,
    WPS and LibreOffice all move such a row whole to the next page, so the signature never stands
    alone on the last page (keep-with-next chains are not honoured alike by all three)."""
    table = doc.add_table(rows=1, cols=1)
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    cell = table.rows[0].cells[0]
    _cell_text(cell, [letter.closing.heading], "LetterHeading")
    for text in letter.closing.paragraphs:
        _para(cell, text, "LetterBody")
    _para(cell, "", "LetterAddressee")
    office = _para(cell, letter.office_name, "LetterSign")
    date = _para(cell, letter.date_text, "LetterSign")
    office.paragraph_format.right_indent = date.paragraph_format.right_indent = Pt(BODY_PT * 2)
    _fix_widths(table, (Cm(15.6),))
    _no_borders(table)
    if letter.contact:
        _para(doc, f"（联系方式：{letter.contact}）", "LetterContact")


def _no_borders(table) -> None:
    tblpr = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tblpr.append(borders)
    margins = OxmlElement("w:tblCellMar")           # the text lines up with the body text
    for edge in ("left", "right"):
        el = OxmlElement(f"w:{edge}")
        el.set(qn("w:w"), "0")
        el.set(qn("w:type"), "dxa")
        margins.append(el)
    tblpr.append(margins)


# --- determinism -----------------------------------------------------------------------------------

def _core_properties(doc, letter: Letter) -> None:
    props = doc.core_properties
    props.title = f"审核意见书 {letter.reference_number}"
    props.subject = f"{letter.agency}{letter.year or ''}年度政府信息公开工作年度报告审核意见"
    props.author = props.last_modified_by = letter.office_name
    props.keywords = props.comments = props.category = ""
    props.revision = 1
    fixed = dt.datetime(2000, 1, 1)
    props.created = props.modified = fixed
    props.last_printed = fixed


def _fixed_zip(data: bytes) -> bytes:
    """The same letter gives the same bytes: zip entries rewritten with one fixed timestamp."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
