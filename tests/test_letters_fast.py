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
    for out_dir in (str(tmp_path), f"{tmp_path}/", "out", "/", ""):
        assert letter_target(out_dir, letter, suffix) == os.path.join(out_dir, *Path(letter).parts[:2],
                                                                      Path(letter).with_suffix(suffix).name)
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
    from engine.render.letter_content import evidence_of

    for record in records:
        view, plain = letter_record(record), record_json(record)
        # the view keeps each finding's Evidence (evidence_of reads it as the plain form's dict)
        findings = [{**f, "evidence": evidence_of(f)} for f in view["findings"]]
        assert findings == plain["findings"]
        assert [evidence_of(f) for f in view["findings"]] == [evidence_of(f) for f in plain["findings"]]
        assert {k: view[k] for k in plain if k != "findings"} == {k: v for k, v in plain.items() if k != "findings"}
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
    assert b"".join(body.out) == paragraph(run("依据：", bold=True) + run(text), "LetterNote").encode()
    body = _Body()
    body.para(text, "LetterBody")
    assert b"".join(body.out) == para_xml(text, "LetterBody").encode()


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
    from engine.render.docx_letter import RIGHT_INDENT, _Body, _Table, closing_xml, lines_runs, paragraph, run
    from engine.render.letter_content import FindingRow, RuleGroup

    rows = [FindingRow(1, "甲 & <乙>", "表三，原文第3行", "原文\t一行\n两行", still_open=True),
            FindingRow(12, " 前后空格 ", "", None), FindingRow(123, "数值\n换行", "全文", None),
            FindingRow(7, "", "表二", "引文")]
    group = RuleGroup("（一）", "error", "错误", "标题", "扣 5 分", rows, "请更正。", None)
    body = _Body()
    body.group(group)
    expected = (paragraph(lines_runs("（一）【错误】标题（扣 5 分）"), "LetterSubheading") + _general_group_table(group)
                + paragraph(run("整改要求：", bold=True) + run("请更正。"), "LetterNote"))
    assert b"".join(body.out) == expected.encode()
    assert expected.count("<w:tr>") == len(rows) + 1
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


def test_letters_rendered_by_the_letter_code_are_the_plain_renders(records):
    import jinja2

    from engine.render.letters import HtmlLetters, letter_env
    from engine.render.output import OutputContext

    fast = letter_env().get_template("letter.html.j2")
    assert "_fast_out" in fast.root_render_func.__code__.co_varnames
    plain = jinja2.Environment(loader=fast.environment.loader, autoescape=True, undefined=jinja2.StrictUndefined,
                               trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    plain.filters.update(fast.environment.filters)
    plain = plain.get_template("letter.html.j2")
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


def test_as_is_is_the_pattern():
    import random

    from engine.render.docx_letter import _AS_IS_RUN, as_is

    for c in range(0x10000):
        assert as_is(chr(c)) == (_AS_IS_RUN.fullmatch(chr(c)) is not None), hex(c)
    pool = [chr(c) for c in [*range(0x30), 0x3000, 0xa0, 0x85, 0x2028, 0xd800, 0xdfff, 0xfffe, 0xffff, 0xfeff,
                             0x200b, 0x4e2d, 0x201c, 0x7f, 0x9f, 0x1f600]] + list("abc&<> ")
    rnd = random.Random(3)
    for text in TEXTS + ["".join(rnd.choice(pool) for _ in range(rnd.randint(0, 6))) for _ in range(20000)]:
        assert as_is(text) == (_AS_IS_RUN.fullmatch(text) is not None), repr(text)


def _plain_drop_long_parentheses(text, longest=12):
    """letter_cells._drop_long_parentheses as first written: character by character."""
    out, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch == "（":
            if depth == 0:
                start = i
            depth += 1
        elif ch == "）" and depth:
            depth -= 1
            if depth == 0 and i - start - 1 <= longest:
                out.append(text[start:i + 1])
        elif depth == 0:
            out.append(ch)
    if depth:
        out.append(text[start:])
    return "".join(out)


def test_parentheses_dropped_from_group_to_group_as_character_by_character():
    import random

    from engine.render.letter_cells import _drop_long_parentheses

    rnd = random.Random(5)
    texts = ["", "无括号", "（一）予以公开", "原因（表三“（一）予以公开”行“总计”列等 7 个单元格），无法核对；另有",
             "）（", "（（））", "未闭合（甲乙丙丁戊己庚辛壬癸子丑寅", "a（b）c）d（e"]
    texts += ["".join(rnd.choice("（）；a 一") for _ in range(rnd.randint(0, 30))) for _ in range(20000)]
    for text in texts:
        for longest in (0, 2, 12):
            assert _drop_long_parentheses(text, longest) == _plain_drop_long_parentheses(text, longest), (text, longest)


def _plain_empty_cells_text(cells, values):
    """letter_cells.empty_cells_text as first written (each cell's row compared with every cell's)."""
    import re

    from engine.render.letter_cells import EMPTY_KINDS, _row_cells
    from engine.template import describe_address

    def row_and_column(address):
        text = describe_address(address)
        m = re.match(r"^(.*)“([^“”]*)”列$", text) or re.match(r"^(.*)之“([^“”]*)”$", text)
        return (m.group(1), m.group(2)) if m else (text, "")

    kinds = [values.get(c) for c in cells]
    if not cells or not all(isinstance(k, str) and k in EMPTY_KINDS for k in kinds):
        return None
    rows = {}
    for c in cells:
        row, col = row_and_column(c)
        rows.setdefault(row, []).append(col)
    whole = {row_and_column(c)[0] for c in cells
             if set(a for a in cells if a.rsplit(".", 1)[0] == c.rsplit(".", 1)[0]) >= _row_cells(c)}
    label = {"blank": "空白", "dash": "填“—”", "none": "填“无”"}
    kind_text = "、".join(dict.fromkeys(label[k] for k in kinds))
    described = "；".join(f"{row}（整行）" if row in whole else
                         f"{row}{'、'.join(c for c in cols if c)}列" if any(cols) else row
                         for row, cols in rows.items())
    return f"{described}（{kind_text}）".replace("（整行）（空白）", "整行空白")


def _plain_cells_text(cells, values, message):
    """letter_cells.cells_text as first written (several passes over the cells)."""
    from engine.render.letter_cells import CELLS_LISTED, _is_total, shown_value
    from engine.template import describe_address

    shown = [(c, shown_value(values.get(c))) for c in cells if values.get(c) != "missing"]
    shown = [(c, v) for c, v in shown if v is not None]
    if not shown or all(v in message for _, v in shown):
        return None
    zeros = [c for c, v in shown if v == "0" and not _is_total(c)]
    ordered = ([(c, v) for c, v in shown if _is_total(c) and v != "0"]
               + [(c, v) for c, v in shown if not _is_total(c) and v != "0"]
               + [(c, v) for c, v in shown if _is_total(c) and v == "0"])
    listed = [f"{describe_address(c)}：{v}" for c, v in ordered[:CELLS_LISTED]]
    more = len(ordered) - len(listed)
    tail = [f"等 {len(ordered)} 个单元格" if more > 0 else "", f"另有 {len(zeros)} 个单元格为 0" if zeros else ""]
    return "、".join(listed) + "".join(f"，{t}" for t in tail if t)


def test_cells_texts_in_one_pass_are_the_texts_of_several():
    import random

    from engine.render.letter_cells import cells_text, empty_cells_text
    from engine.template import all_known_addresses

    addresses = sorted(all_known_addresses())
    values = [None, 0, 1, 2.0, 2.5, "blank", "dash", "none", "missing", "x", True, "12", "", " 0 "]
    rnd = random.Random(7)
    whole_rows = 0
    for _ in range(3000):
        cells = rnd.sample(addresses, rnd.randint(0, 12))
        if rnd.random() < 0.3:             # a whole row
            prefix = rnd.choice(addresses).rsplit(".", 1)[0]
            cells += [a for a in addresses if a.rsplit(".", 1)[0] == prefix]
        pool = values if rnd.random() < 0.5 else ["blank", "dash", "none"]
        cell_values = {c: rnd.choice(pool) for c in cells if rnd.random() < 0.95}
        message = rnd.choice(["", "0", "1 2", "总计"])
        empty = empty_cells_text(cells, cell_values)
        assert empty == _plain_empty_cells_text(cells, cell_values)
        whole_rows += bool(empty and ("整行" in empty))
        assert cells_text(cells, cell_values, message) == _plain_cells_text(cells, cell_values, message)
    assert whole_rows > 50


def test_write_letter_writes_pieces_as_their_join(tmp_path, monkeypatch):
    from engine.render import letters

    (tmp_path / "letters").mkdir()
    pieces = [b"PK", "甲".encode(), b"", bytes(range(256)) * 200, b"end"]
    path = str(tmp_path / "letters" / "甲" / "a.docx")
    write_letter(path, pieces)
    assert Path(path).read_bytes() == b"".join(pieces)
    write_letter(path, [b"x"] * 2000)              # more pieces than one writev takes: joined
    assert Path(path).read_bytes() == b"x" * 2000
    real = os.writev
    monkeypatch.setattr(letters, "_WRITEV", lambda fd, parts: real(fd, parts[:2]))   # a short write
    write_letter(path, pieces)
    assert Path(path).read_bytes() == b"".join(pieces)
    write_letter(path, [])
    assert Path(path).read_bytes() == b""


def test_docx_parts_are_the_package(records):
    from engine.render.docx_letter import render_docx, render_docx_parts
    from engine.render.docx_package import template

    for record in records:
        letter = build_letter(record, Office(), RUN_DATE)
        parts = render_docx_parts(letter)
        assert all(isinstance(p, bytes) for p in parts)
        assert b"".join(parts) == render_docx(letter)
    package = template()
    body = "<w:p><w:r><w:t>甲 &amp; 乙</w:t></w:r></w:p>"
    core = {"title": "审核意见书 X", "subject": "甲镇", "author": "某办"}
    document = package.document_head + body + package.document_tail
    assert package.write_body(body, core) == package.write_body(body.encode(), core) == package.write(document, core)


def test_letter_templates_globals_are_the_environments(records):
    import jinja2

    from engine.render.letters import LetterEnvironment, letter_env

    env = letter_env()
    assert isinstance(env, LetterEnvironment)
    template = env.get_template("letter.html.j2")
    assert template.globals == dict(jinja2.Environment().make_globals(None), **env.globals)
    assert env.make_globals({"x": 1, "range": 2}) == {**env.globals, "x": 1, "range": 2}
    plain = jinja2.Environment(loader=env.loader, autoescape=True, undefined=jinja2.StrictUndefined,
                               trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    plain.filters.update(env.filters)
    for record in records:
        letter = build_letter(record, Office(), RUN_DATE)
        assert template.render(L=letter) == plain.get_template("letter.html.j2").render(L=letter)


def test_path_scrubber_replaces_longest_paths_first_as_sorted():
    from engine.render.letter_content import PathScrubber, evidence_of

    record = {"source": "in/2024/甲镇.txt", "previous_source": "in/2023/甲镇.txt", "same_year_sources": ["x.txt", "in/乙.txt"],
              "findings": [{"evidence": {"previous_source": "old/in/2023/甲镇.txt"}}, {"evidence": None}, {}]}
    scrub = PathScrubber(record)
    paths = {"in/2024/甲镇.txt", "in/2023/甲镇.txt", "x.txt", "in/乙.txt", "old/in/2023/甲镇.txt"}
    assert [p for p, _ in scrub.pairs] == sorted((p for p in paths if "/" in p), key=lambda p: -len(p))[:1] + \
        [p for p, _ in scrub.pairs][1:]
    assert len(scrub.pairs[0][0]) == max(len(p) for p in paths)
    assert scrub("见 old/in/2023/甲镇.txt 与 in/2024/甲镇.txt、in/乙.txt") == "见 甲镇.txt 与 甲镇.txt、乙.txt"
    assert PathScrubber({"source": "a.txt"}).pairs == [] and PathScrubber({}).pairs == []
    assert evidence_of({}) == {} and evidence_of({"evidence": None}) == {}
