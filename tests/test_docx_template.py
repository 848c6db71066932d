"""The DOCX letters' fast writer: the package template is current, the zip is what zipfile writes,
and text XML cannot carry never stops a letter."""
from __future__ import annotations

import io
import zipfile
import zlib

from docx import Document

from engine.render.docx_letter import render_docx
from engine.render.docx_package import STORED, Package, _Entry, xml_text, zip_bytes
from engine.render.docx_template import FIXED_ZIP_TIME, TEMPLATE, _fixed_zip, build_template
from engine.render.letter_content import FindingRow, Letter, RuleGroup, Section


def test_the_committed_template_is_what_the_styles_code_builds():
    # after a style change: .venv/bin/python scripts/build_letter_template.py
    assert TEMPLATE.read_bytes() == build_template()


def test_the_zip_writer_gives_zipfiles_bytes():
    parts = [("[Content_Types].xml", b"<a/>" * 50), ("word/document.xml", "正文".encode() * 300), ("x/empty.xml", b"")]
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts:
            z.writestr(name, data)
    expected_deflated = _fixed_zip(buf.getvalue())
    buf = io.BytesIO()                   # the same with a stored entry, as _fixed_zip writes entries
    with zipfile.ZipFile(buf, "w") as z:
        methods = [zipfile.ZIP_DEFLATED] * len(parts) + [zipfile.ZIP_STORED]
        for (name, data), method in zip(parts + [("docProps/core.xml", b"<stored/>")], methods):
            entry = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            entry.compress_type, entry.external_attr = method, 0o644 << 16
            z.writestr(entry, data)
    expected = buf.getvalue()
    entries = []
    for name, data in parts:
        c = zlib.compressobj(zlib.Z_DEFAULT_COMPRESSION, zlib.DEFLATED, -15)
        entries.append(_Entry(name.encode(), zlib.crc32(data), c.compress(data) + c.flush(), len(data)))
    assert zip_bytes(entries) == expected_deflated
    entries.append(_Entry(b"docProps/core.xml", zlib.crc32(b"<stored/>"), b"<stored/>", 9, STORED))
    assert zip_bytes(entries) == expected


def _letter(text: str) -> Letter:
    row = FindingRow(1, text, "表三", f"原文\t{text}")
    group = RuleGroup("（一）", "error", "错误", "标题", "扣 5 分", [row], "请更正。", "依据 & 说明")
    return Letter("rectify", "审核意见书", "公开审〔2026〕1号", "甲镇", "开头", [Section("一、存在的问题", groups=[group])],
                  Section("二、整改要求", ["请整改。"]), "某办公室", "2026年1月5日", None, None, "甲镇", 2024, 1)


def test_text_xml_cannot_carry_is_dropped_and_the_rest_kept():
    data = render_docx(_letter("填报\x0c有误 <5> & \x00完"))
    text = "\n".join(c.text for t in Document(io.BytesIO(data)).tables for r in t.rows for c in r.cells)
    assert "填报有误 <5> & 完" in text
    assert "原文\t填报有误" in text


def test_every_part_but_the_body_and_properties_comes_from_the_template():
    package = Package(TEMPLATE.read_bytes())
    data = render_docx(_letter("有误"))
    with zipfile.ZipFile(io.BytesIO(data)) as z, zipfile.ZipFile(TEMPLATE) as t:
        assert z.namelist() == t.namelist()
        changed = {n for n in t.namelist() if z.read(n) != t.read(n)}
        core = z.read("docProps/core.xml").decode()
    assert changed == {Package.DOCUMENT, Package.CORE}
    assert "<dc:title>审核意见书 公开审〔2026〕1号</dc:title>" in core and "@@" not in core
    assert package.document_tail.startswith("<w:sectPr")


def test_package_write_is_zip_bytes_of_its_entries():
    """Package.write assembles the zip from records made once; the bytes are zip_bytes' own."""
    package = Package(TEMPLATE.read_bytes())
    document = package.document_head + "<w:p/>" * 50 + package.document_tail
    core = {"title": "审核意见书", "subject": "甲镇 & <乙>", "author": "办公室"}
    core_xml = "".join(xml_text(core[p]) if i % 2 else p for i, p in enumerate(package.core))
    parts = {Package.DOCUMENT: document, Package.CORE: core_xml}
    entries = []
    for entry in package.entries:
        if isinstance(entry, str):                                 # the parts written per letter: stored
            data = parts[entry].encode("utf-8")
            entry = _Entry(entry.encode(), zlib.crc32(data), data, len(data), STORED)
        entries.append(entry)
    assert package.write(document, core) == zip_bytes(entries)
    assert package.write(document, core) == zip_bytes(entries)      # the records made once serve again
    # the body alone, between the template's start and end of the document (made UTF-8 once)
    assert package.write_body("<w:p/>" * 50, core) == zip_bytes(entries)
