"""The DOCX letters' package template: engine/render/templates/letter.docx, built with python-docx.

    build_template() -> bytes     the package of an empty letter: page set-up, styles, font table
    TEMPLATE                      where the built package is kept (templates/letter.docx)

Every DOCX letter is this package with its own document.xml and core properties
(engine/render/docx_letter.py and docx_package.py write only those two parts per letter and copy the others, already
compressed). Building the package takes python-docx ~0.5 s (its import and default template) and
its styles part is 350 KB: done once here, not for each letter nor in each worker. The page and the
styles are a 公文 after GB/T 9704 — title in 小标宋 2号, body in 仿宋_GB2312 3号 (Word and WPS fall back
to 仿宋), 一、 headings in 黑体, （一） headings in 楷体. After editing a style here, rebuild the file:

    .venv/bin/python scripts/build_letter_template.py

tests/test_docx_template.py fails while templates/letter.docx differs from what build_template() gives.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile
from pathlib import Path

from docx import Document
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor
from lxml import etree

TEMPLATE = Path(__file__).parent / "templates" / "letter.docx"

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
# Placeholders in the template's core properties, replaced per letter (docx_letter.CORE_FIELDS)
CORE_PLACEHOLDERS = {"title": "@@title@@", "subject": "@@subject@@", "author": "@@author@@"}

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


def build_template() -> bytes:
    """The package of a letter with an empty body (deterministic bytes)."""
    doc = Document()
    _page_setup(doc)
    _styles(doc)
    _core_properties(doc)
    buf = io.BytesIO()
    doc.save(buf)
    return _fixed_zip(buf.getvalue())


def _page_setup(doc) -> None:
    s = doc.sections[0]
    s.page_width, s.page_height = Cm(21.0), Cm(29.7)
    s.top_margin, s.bottom_margin = Cm(2.5), Cm(2.5)
    s.left_margin, s.right_margin = Cm(2.8), Cm(2.6)


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


def _core_properties(doc) -> None:
    """Fixed dates and revision; title, subject and author are placeholders each letter fills in."""
    props = doc.core_properties
    props.title = CORE_PLACEHOLDERS["title"]
    props.subject = CORE_PLACEHOLDERS["subject"]
    props.author = props.last_modified_by = CORE_PLACEHOLDERS["author"]
    props.keywords = props.comments = props.category = ""
    props.revision = 1
    fixed = dt.datetime(2000, 1, 1)
    props.created = props.modified = fixed
    props.last_printed = fixed


def _fixed_zip(data: bytes) -> bytes:
    """The same package gives the same bytes: zip entries rewritten with one fixed timestamp."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=FIXED_ZIP_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o644 << 16
            dst.writestr(entry, src.read(info.filename))
    return out.getvalue()
