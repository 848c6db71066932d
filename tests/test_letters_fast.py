"""The letters' shortcuts (engine/render/letters.py, letter_content.py, docx_letter.py) against the
plain code they stand for: string paths against pathlib, the record view against record_json, the
office's texts made once against made each time, the DOCX text runs against their definition."""
from __future__ import annotations

import datetime as dt
import os
import stat
from pathlib import Path, PurePath

import pytest

from audit_support import audit_with_fake_hooks, report_text
from engine.model import AuditRecord
from engine.render import letter_content
from engine.render.docx_letter import _t, cell, grid_table, number_cell, twips
from engine.render.docx_package import _NOT_XML, xml_text
from engine.render.letter_content import (build_letter, file_name, letter_record, placeholder_warning, record_json,
                                          rectify_request)
from engine.render.letters import letter_file, letter_target, write_letter
from engine.render.office import Office

RUN_DATE = dt.date(2026, 11, 20)


def _pathlib_letter_file(out_dir, letter, suffix):
    parts = Path(letter or "").parts
    if len(parts) != 3 or parts[0] != "letters" or any(p in ("", ".", "..") for p in parts):
        raise ValueError("refused")
    return Path(out_dir, *parts).with_suffix(suffix)


LETTER_PATHS = ["letters/甲镇/甲镇-2024.html", "letters/a/b", "letters/a/.html", "letters/a/b.", "letters/a/b.c.html",
                "letters/a/..html", "letters/a/b.html/", "letters//a/b.html", "letters/./a/b.html", "./letters/a/b.html",
                "letters/a/./b.html", "letters/a/b/c.html", "letters/../x.html", "letters/x.html", "/etc/x.html",
                "other/a/b.html", "letters/a/../b.html", "letters/.../b.html", "letters/a b/c d.html", "", None]


@pytest.mark.parametrize("letter", LETTER_PATHS)
@pytest.mark.parametrize("suffix", [".html", ".docx"])
def test_letter_target_is_pathlibs_answer(tmp_path, letter, suffix):
    try:
        expected = _pathlib_letter_file(tmp_path, letter, suffix)
    except ValueError:
        with pytest.raises(ValueError, match="审核意见书路径不合规"):
            letter_target(tmp_path, letter, suffix)
        return
    assert Path(letter_target(tmp_path, letter, suffix)) == expected
    assert letter_file(tmp_path, letter, suffix) == expected
    assert letter_file(str(tmp_path), letter, suffix) == expected


def test_write_letter_makes_the_folder_once_and_replaces_a_file(tmp_path):
    (tmp_path / "letters").mkdir()
    path = str(tmp_path / "letters" / "甲镇" / "甲镇-2024.html")
    write_letter(path, "第一版".encode())
    assert Path(path).read_bytes() == "第一版".encode()
    write_letter(path, b"2")                     # replaced, not appended to
    assert Path(path).read_bytes() == b"2"
    write_letter(str(tmp_path / "letters" / "甲镇" / "b.docx"), bytes(range(256)) * 300)
    assert (tmp_path / "letters" / "甲镇" / "b.docx").read_bytes() == bytes(range(256)) * 300
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o666 & ~umask      # as open(path, "wb")
    with pytest.raises(FileNotFoundError):       # only the letter's own folder is made
        write_letter(str(tmp_path / "nowhere" / "x" / "y.html"), b"")


@pytest.mark.parametrize("path", ["in/a.txt", "a.txt", "/abs/dir/b.docx", "dir\\win\\c.pdf", "dir//d.txt", "dir/./e.txt",
                                  "dir/", "./f.txt", ".", "", None, "a/b/..", "x/.hidden", "C:\\x\\y.txt"])
def test_file_name_is_pathlibs_name(path):
    assert file_name(path) == PurePath(str(path or "").replace("\\", "/")).name


@pytest.fixture(scope="module")
def records(tmp_path_factory) -> list[AuditRecord]:
    import json

    out = audit_with_fake_hooks(tmp_path_factory.mktemp("fast"), {
        "a.txt": report_text("甲镇人民政府", 2024, "缺少：五", "警告：<script>x</script>", "列：自然人,总计"),
        "b.txt": report_text("乙镇人民政府", 2024),
        "c.txt": report_text("丙镇人民政府", 2023, "表格缺失", "警告"),
    }, RUN_DATE)
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    return [AuditRecord.from_json(r) for r in doc["reports"]]


def test_letter_record_reads_as_record_json(records):
    assert any(r.findings for r in records)
    for record in records:
        view, plain = letter_record(record), record_json(record)
        assert {k: view[k] for k in plain} == plain
        assert set(view) - set(plain) <= {"rule_errors"}
        office = Office()
        assert build_letter(record, office, RUN_DATE) == build_letter(plain, office, RUN_DATE)


def test_office_texts_made_once_are_the_texts_made_each_time():
    offices = [Office(), Office(deadline_working_days=3, holidays=("2026-11-23",), contact="电话：0591-23456789"),
               Office(name="平潭综合实验区政务公开工作领导小组办公室", extra_working_days=("2026-11-22",))]
    for office in offices:
        for day in (RUN_DATE, dt.date(2026, 11, 21)):
            assert rectify_request(office, day) == letter_content._rectify_request(office, day)
            assert rectify_request(office, day) == rectify_request(office, day)
        assert placeholder_warning(office) == letter_content._placeholder_warning(office)
    # an Office made by hand with lists (unhashable) is served too
    by_hand = Office(deadline_working_days=3, holidays=["2026-11-23"])
    assert rectify_request(by_hand, RUN_DATE) == letter_content._rectify_request(by_hand, RUN_DATE)
    assert "2026年11月26日" in rectify_request(by_hand, RUN_DATE)
    assert placeholder_warning(by_hand) == letter_content._placeholder_warning(by_hand)


def _plain_xml_text(text: str) -> str:
    text = _NOT_XML.sub("", text)
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\r", "&#13;")


def _plain_t(text: str) -> str:
    if len(text.strip()) < len(text):
        return f'<w:t xml:space="preserve">{_plain_xml_text(text)}</w:t>'
    return f"<w:t>{_plain_xml_text(text)}</w:t>"


TEXTS = ["甲镇", " 前空格", "后空格 ", "\u3000全角空格", "x\u3000", "\x0b竖表", "尾\x0c", "\x1c", "a\x85", "\xa0b",
         "a & b < c > d", "回车\r", "\ud800孤", "\ufffe", "", "无特殊字符的一般文字，含数字 123。"]


@pytest.mark.parametrize("text", TEXTS)
def test_docx_text_is_its_definition(text):
    assert xml_text(text) == _plain_xml_text(text)
    assert _t(text) == _plain_t(text)


def test_docx_made_once_pieces_are_the_pieces():
    for no in (1, 9, 10, 123):
        assert number_cell(no) == cell([str(no)], "LetterCellCenter")
    table = grid_table(("序号", "问题"), (1.3, 14.3))
    assert table.widths == (twips(1.3), twips(14.3))
    assert table.rows[0].count("<w:tc>") == 2 and "<w:tblHeader" in table.rows[0]
    again = grid_table(("序号", "问题"), (1.3, 14.3))
    again.row([number_cell(1), ""])
    assert len(again.rows) == 2 and len(table.rows) == 1      # each letter's table has its own rows


@pytest.mark.parametrize("text", TEXTS + ["两行\n文字", "制表\t符", "回车\r换行\n", "\n", "a\n\nb", " \n "])
def test_docx_runs_made_directly_are_the_general_runs(text):
    from engine.render.docx_letter import lines_runs, paragraph, run, text_run

    if "\n" not in text and "\t" not in text and "\r" not in text:
        assert text_run(text) == run(text)
    expected = "".join(run(chunk, br=i < text.count("\n")) for i, chunk in enumerate(text.split("\n")))
    assert lines_runs(text) == expected
    assert cell([text, text], "LetterCell") == (paragraph(run(text), "LetterCell")
                                                + paragraph(lines_runs(text), "LetterCellNote"))
    assert cell([text], "LetterCellCenter", bold=True) == paragraph(run(text, bold=True), "LetterCellCenter")


@pytest.mark.parametrize("text", TEXTS + ["两行\n文字", "制表\t符", "回车\r换行\n", "\n", "a\n\nb", " \n ", "a", " ", "\u3000"])
def test_docx_paragraphs_made_directly_are_the_general_paragraphs(text):
    from engine.render.docx_letter import _Body, cell_para, lines_runs, para_xml, paragraph, run

    assert para_xml(text, "LetterBody") == paragraph(lines_runs(text), "LetterBody")
    assert cell_para(text, "LetterCell") == cell([text], "LetterCell")
    body = _Body()
    body.labelled("依据", text)
    assert body.out == [paragraph(run("依据：", bold=True) + run(text), "LetterNote")]


def _general_group_table(group):
    """The findings table of a rule as the general pieces write it (grid_table, row, cell)."""
    table = grid_table(("序号", "问题、位置及原文"), (1.3, 14.3))
    for row in group.rows:
        marked = f"【未整改】{row.text}" if row.still_open else row.text
        if row.quote:
            lines = [marked, f"位置：{row.where}；原文：“{row.quote}”"]
        else:
            lines = [f"{marked}（{row.where}）" if row.where else marked]
        table.row([number_cell(row.no), cell(lines, "LetterCell")])
    return table.xml()


def test_docx_findings_table_and_closing_are_the_general_ones():
    from engine.render.docx_letter import RIGHT_INDENT, _Body, _Table, closing_xml, lines_runs, paragraph
    from engine.render.letter_content import FindingRow, RuleGroup

    rows = [FindingRow(1, "甲 & <乙>", "表三，原文第3行", "原文\t一行\n两行", still_open=True),
            FindingRow(12, " 前后空格 ", "", None), FindingRow(123, "数值\n换行", "全文", None),
            FindingRow(7, "", "表二", "引文")]
    group = RuleGroup("（一）", "error", "错误", "标题", "扣 5 分", rows, "请更正。", None)
    body = _Body()
    body.group(group)
    assert body.out[1] == _general_group_table(group)
    assert body.out[1].count("<w:tr>") == len(rows) + 1
    paragraphs = ("请你单位整改 <如下>。", "第二段\n两行")
    parts = [cell(["三、整改要求"], "LetterHeading")]
    parts += [paragraph(lines_runs(p), "LetterBody") for p in paragraphs]
    parts.append(paragraph(lines_runs(""), "LetterAddressee"))
    parts += [paragraph(lines_runs(t), "LetterSign", RIGHT_INDENT) for t in ("某办公室", "2026年1月5日")]
    table = _Table((twips(15.6),), grid=False)
    table.row(["".join(parts)])
    assert closing_xml("三、整改要求", paragraphs, "某办公室", "2026年1月5日") == table.xml()


def test_a_runs_basis_is_legal_basis_for(records):
    from engine.render.letter_content import legal_basis_for, run_basis

    basis = run_basis()
    for year, template in [(2019, None), (2021, None), (2024, "2021"), (None, "2019"), (None, None), (2018, "x")]:
        assert basis(year, template) == legal_basis_for(year, template)
    for record in records:
        assert build_letter(record, Office(), RUN_DATE, basis) == build_letter(record, Office(), RUN_DATE)


@pytest.mark.parametrize("value", ["", "甲镇", "a & b < c > d \"e\" 'f'", "&amp;", 12, 0.5, None, True,
                                   __import__("markupsafe").Markup("<b>已是标记</b>")])
def test_output_escape_writes_what_markupsafe_escape_writes(value):
    import markupsafe

    from engine.render.letters import output_escape

    assert str(output_escape(value)) == str(markupsafe.escape(value))


def test_letters_rendered_with_the_fast_escape_are_the_plain_renders(records, tmp_path):
    from engine.render.letters import HtmlLetters, letter_env
    from engine.render.output import OutputContext

    fast = HtmlLetters(OutputContext(tmp_path, Office(), RUN_DATE)).template
    plain = letter_env().get_template("letter.html.j2")
    assert fast.root_render_func.__globals__["escape"] is not plain.root_render_func.__globals__["escape"]
    for record in records:
        letter = build_letter(record, Office(), RUN_DATE)
        letter.addressee = "<script>甲</script> & \"乙\" '丙'"
        assert fast.render(L=letter) == plain.render(L=letter)
        assert "&lt;script&gt;" in fast.render(L=letter)


@pytest.mark.parametrize("excerpt", [None, "", "  ", "短句", "表三 （一）予以公开 自然人 5 " * 3, "甲" * 81, " x\n" * 50,
                                     "前文" * 30 + "（一）予以公开" + "后文" * 30])
def test_cells_quote_is_bounded_quote_with_the_cells_anchors(excerpt):
    from engine.render.letter_cells import bounded_quote, cell_anchors, cells_quote

    cells = ["applications.granted.自然人", "applications.total.总计"]
    assert cells_quote(excerpt, cells) == bounded_quote(excerpt, cell_anchors(cells))
