"""Renderers (engine/render/): letters, dashboard, spreadsheets, findings.json schema, office config."""
from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from audit_support import audit_with_fake_hooks, report_text
from engine import DEFAULT_RULES_DIR
from engine.model import AuditRecord
from engine.render.dashboard import ranked_reports, render_dashboard
from engine.render.json_out import validate_findings
from engine.render.letters import HtmlLetters, assign_letter_names, letter_env, render_letter, safe_stem
from engine.render.office import Office, OfficeConfigError, load_office
from engine.render.tables import write_tables

RUN_DATE = dt.date(2026, 11, 20)     # a Friday


@pytest.fixture(scope="module")
def audit(tmp_path_factory) -> Path:
    return audit_with_fake_hooks(tmp_path_factory.mktemp("render"), {
        "a.txt": report_text("甲镇人民政府", 2024, "缺少：五", "警告：<script>alert('x')</script>", "列：自然人,总计"),
        "b.txt": report_text("乙镇人民政府", 2024),
        "c.txt": report_text("丙镇人民政府", 2023, "表格缺失", "警告"),
        "empty.txt": b"",
    }, RUN_DATE)


def doc_of(out: Path) -> dict:
    return json.loads((out / "findings.json").read_text(encoding="utf-8"))


def typed(doc: dict) -> dict:
    """The document with its reports as the renderers take them (AuditRecord)."""
    return {**doc, "reports": [AuditRecord.from_json(r) for r in doc["reports"]]}


def letter_of(out: Path, source: str) -> str:
    rec = next(r for r in doc_of(out)["reports"] if r["source"] == source)
    return (out / rec["letter"]).read_text(encoding="utf-8")


def text_of(html: str) -> str:
    """A letter's text as a reader sees it (tags dropped, entities decoded)."""
    import html as html_module

    return html_module.unescape(re.sub(r"<[^>]+>", "", html))


# --- letters -----------------------------------------------------------------------------------

def test_letter_contains_everything_an_office_sends(audit):
    html = letter_of(audit, "in/a.txt")
    text = text_of(html)
    for expected in ("审核意见书", "公开审〔2026〕001号", "甲镇人民政府：", "第四十七条、第五十条", "国办公开办函〔2021〕30号",
                     "85 分", "良好", "报告缺少第五部分", "按模板补充该部分", "第五部分“存在的主要问题及改进情况”",
                     "原文第4行", "原文：“缺少：五”", "“自然人”列总计 5 与各项之和 4 不符",
                     "2026年12月11日", "15个工作日内", "县政务公开工作领导小组办公室", "2026年11月20日",
                     "【错误】表三总计不等于各列之和（扣 8 分）", "【错误】缺少规定的部分（扣 5 分）",
                     "（文件名：a.txt）", "二、存在的问题", "三、整改要求"):
        assert expected in text, expected
    # one table row per finding, numbered through the letter; rule ids stay in findings.json
    assert re.findall(r'<td class="no">(\d+)</td>', html) == ["1", "2", "3", "4"]
    assert "R-SUM" not in html and "R-PART" not in html


def test_letter_escapes_report_text(audit):
    html = letter_of(audit, "in/a.txt")
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;" in html


def test_letter_is_self_contained_and_prints_on_a4(audit):
    for p in (audit / "letters").rglob("*.html"):
        html = p.read_text(encoding="utf-8")
        assert "@page { size: A4" in html
        assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html), p
        assert "@import" not in html and "url(" not in html


def test_letter_without_findings_says_so(audit):
    html = letter_of(audit, "in/b.txt")
    assert "未发现问题" in html and "无需整改" in html and "100 分" in html and "优秀" in html
    assert "完成整改" not in html and "整改要求" not in html


def test_letter_lists_not_assessable_items(audit):
    html = letter_of(audit, "in/c.txt")
    assert "未能核对的事项" in html and "表二数字核对：表二缺失" in html


def test_letter_names_are_safe_and_unique():
    assert safe_stem('A/B:C*?"<>| 镇', 2024) == "ABC镇-2024"
    assert safe_stem(None, None) == "未识别单位-年度不详"
    assert safe_stem("..", 2020) == "未识别单位-2020"
    assert assign_letter_names([("甲镇", 2024), ("甲镇", 2024), ("甲 镇", 2024), ("乙镇", None)]) == [
        "甲镇-2024.html", "甲镇-2024-2.html", "甲镇-2024-3.html", "乙镇-年度不详.html"]


def test_render_letter_with_fallback_note_and_values():
    rec = {"source": "x.txt", "status": "audited", "agency": "丁镇", "year": 2024, "title": None, "template": None,
           "reference_number": "X〔2026〕9号", "score": 99.5, "grade": "优秀", "rules_evaluated": 3,
           "counts": {"error": 0, "warning": 0, "info": 1}, "engine_fallback": True,
           "engine_note": "规则引擎失败，改用参考引擎", "previous_source": None, "agency_notes": [],
           "not_assessable": [], "diagnostics": [{"code": "ROW", "message": "行数不足", "line": 7, "where": "第7行",
                                                   "severity": "warning"}],
           "findings": [{"rule_id": "R", "severity": "info", "category": "c", "title": "标题", "message": "消息",
                         "points": 0.5, "basis": "", "remedy": "",
                         "evidence": {"part": "四", "table": "review", "cells": ["review.行政复议.总计"],
                                      "values": {"review.行政复议.总计": 3}, "line": None, "where": None,
                                      "excerpt": None, "previous_source": None, "previous_cells": [],
                                      "previous_values": {}, "previous_line": None, "previous_where": None,
                                      "previous_excerpt": None}}]}
    html = text_of(render_letter(AuditRecord.from_json(rec), Office(), RUN_DATE, letter_env()))
    assert "改用参考引擎" in html and "99.5 分" in html and "表四“行政复议”之“总计”：3" in html
    assert "第7行：行数不足" in html and "请核实并更正上述内容。" in html
    # a hint only: for reference, nothing to rectify
    assert "二、提示事项" in html and "供参考，无需整改" in html and "【提示】标题" in html
    assert "完成整改" not in html and "整改要求" not in html


def test_letter_content_is_built_once_for_both_forms(audit, tmp_path, monkeypatch):
    """The worker writes the HTML and then the DOCX letter of a record: its content is built once,
    and each form is what it is when built on its own; writing a form again builds it again."""
    from engine.render import letter_content
    from engine.render.docx_letter import DocxLetters, render_docx
    from engine.render.output import OutputContext

    record = next(r for r in typed(doc_of(audit))["reports"] if r.findings)
    office, calls = Office(), []
    original = letter_content.build_letter
    monkeypatch.setattr(letter_content, "build_letter", lambda *a: calls.append(a[0]) or original(*a))
    ctx = OutputContext(tmp_path, office, RUN_DATE)
    HtmlLetters.prepare(tmp_path)
    html, docx = HtmlLetters(ctx), DocxLetters(ctx)
    html.write(record)
    docx.write(record)
    assert calls == [record]
    html.write(record)
    html.write(record)
    assert len(calls) == 3
    path = tmp_path / record.letter
    assert path.read_text(encoding="utf-8") == render_letter(record, office, RUN_DATE, letter_env())
    assert path.with_suffix(".docx").read_bytes() == render_docx(original(record, office, RUN_DATE))


# --- office config -----------------------------------------------------------------------------

def test_deadline_counts_working_days():
    office = Office(deadline_working_days=3)
    assert office.deadline(dt.date(2026, 11, 20)) == dt.date(2026, 11, 25)      # Fri → Wed
    assert office.deadline(dt.date(2026, 11, 21)) == dt.date(2026, 11, 25)      # Sat → Wed
    hol = Office(deadline_working_days=3, holidays=("2026-11-23",), extra_working_days=("2026-11-22",))
    assert hol.deadline(dt.date(2026, 11, 20)) == dt.date(2026, 11, 25)          # Sun worked, Mon off


def test_office_config_loading(tmp_path):
    shipped = load_office(DEFAULT_RULES_DIR / "office.yaml")
    assert shipped.reference_number(7, RUN_DATE) == "公开审〔2026〕007号"
    p = tmp_path / "office.yaml"
    p.write_text("name: 某县政务公开办\nholidays:\n  - 2026-10-01\n", encoding="utf-8")
    office = load_office(p)
    assert office.name == "某县政务公开办" and office.holidays == ("2026-10-01",)
    assert office.deadline_working_days == 15          # default
    p.write_text("name: 办\ndeadline_working_days: 0\nreference_format: '{nope}'\ncolour: red\n", encoding="utf-8")
    with pytest.raises(OfficeConfigError) as info:
        load_office(p)
    text = "\n".join(info.value.problems)
    assert "deadline_working_days：0 太小" in text and "有不认识的配置项" in text
    p.write_text("holidays: ['10/1']\nsequence_start: 1.5\n", encoding="utf-8")
    with pytest.raises(OfficeConfigError) as info:
        load_office(p)
    assert "holidays[0]：'10/1' 格式不对（应为 YYYY-MM-DD）" in info.value.problems
    assert "sequence_start：应为整数，实际为 1.5" in info.value.problems
    p.write_text("reference_format: '{nope}'\n", encoding="utf-8")
    with pytest.raises(OfficeConfigError, match="reference_format"):
        load_office(p)


# --- dashboard ---------------------------------------------------------------------------------

def test_dashboard_ranks_links_and_lists_everything(audit):
    html = (audit / "index.html").read_text(encoding="utf-8")
    doc = doc_of(audit)
    ranked = ranked_reports(typed(doc)["reports"])
    assert [r.source for r in ranked] == ["in/a.txt", "in/c.txt", "in/b.txt"]      # worst first
    rows = re.findall(r'<a href="(letters/[^"]+)">', html)
    assert rows == [r.letter for r in ranked]
    assert all((audit / link).is_file() for link in rows)
    assert "<svg id=\"distribution\"" in html and "<rect" in html
    assert "in/empty.txt" in html and "空文件" in html
    assert "表三总计不等于各列之和" in html           # most frequent failed rules
    assert "<script>alert" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)


def test_dashboard_with_no_audited_report():
    doc = {"reports": [{"source": "x", "status": "empty", "message": "空"}], "run_date": "2026-01-01",
           "office": {"name": "办"}, "tool": {"version": "0"}, "rules": {"version": "v", "files": 0},
           "summary": {"inputs": 1, "findings": {"error": 0, "warning": 0, "info": 0}}, "previous_inputs": []}
    html = render_dashboard(typed(doc))
    assert "没有审核任何报告" in html and "空文件" in html


def test_dashboard_rendered_from_records_read_back_from_disk_is_the_same(audit, tmp_path):
    """The batch runner hands the dashboard records read back from its spool one at a time and has
    the page written as it renders: the page is the same as from a list in memory."""
    from engine.render.dashboard import write_dashboard
    from engine.spool import Spool, SpooledSequence, put_object

    doc = typed(doc_of(audit))
    spool = Spool(tmp_path)
    spooled = {**doc, "reports": SpooledSequence([put_object(spool, r) for r in doc["reports"]])}
    write_dashboard(tmp_path / "index.html", spooled)
    assert (tmp_path / "index.html").read_text(encoding="utf-8") == render_dashboard(doc)
    assert render_dashboard(doc) == (audit / "index.html").read_text(encoding="utf-8")


# --- spreadsheets ------------------------------------------------------------------------------

def test_summary_csv_has_bom_and_one_row_per_input(audit):
    raw = (audit / "summary.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert [r["来源文件"] for r in rows] == ["in/a.txt", "in/b.txt", "in/c.txt", "in/empty.txt"]
    assert rows[0]["得分"] == "85" and rows[0]["等级"] == "良好" and rows[3]["状态"] == "空文件"


def test_summary_xlsx_sheets(audit):
    reports = pd.read_excel(audit / "summary.xlsx", sheet_name="报告")
    findings = pd.read_excel(audit / "summary.xlsx", sheet_name="问题")
    assert list(reports["来源文件"]) == ["in/a.txt", "in/b.txt", "in/c.txt", "in/empty.txt"]
    assert len(findings) == sum(len(r.get("findings", [])) for r in doc_of(audit)["reports"])
    assert "表三“（七）总计”行“自然人”列" in set(findings["单元格"])


def test_xlsx_is_reproducible(audit, tmp_path):
    doc = typed(doc_of(audit))
    (tmp_path / "1").mkdir()
    (tmp_path / "2").mkdir()
    write_tables(doc, tmp_path / "1", RUN_DATE)
    import time
    time.sleep(1.1)       # openpyxl stamps the save time: it must not reach the file
    write_tables(doc, tmp_path / "2", RUN_DATE)
    assert (tmp_path / "1" / "summary.xlsx").read_bytes() == (tmp_path / "2" / "summary.xlsx").read_bytes()


def test_csv_is_what_pandas_to_csv_gave(audit, tmp_path):
    """summary.csv is written row by row with the csv module, in the format of the frames pandas
    wrote before (the same bytes): integer columns as integers, scores and deductions with %g, none
    empty, formula-like text guarded."""
    from engine.render import tables

    doc = typed(doc_of(audit))
    doc["reports"][0].agency = "=HYPERLINK(1)"          # guarded in both
    doc["reports"][0].score = 87.25
    write_tables(doc, tmp_path, RUN_DATE)
    categories = tables.scoring_categories(None, doc["reports"])
    frame = pd.DataFrame([tables.report_row(r, categories) for r in doc["reports"]],
                         columns=list(tables.report_columns(categories)))
    for column in ("年度", "错误", "警告", "提示", "待人工核对", "无法核对"):
        frame[column] = frame[column].astype("Int64")
    text = [c for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
    for c in text:
        frame[c] = frame[c].map(tables.csv_safe)
    expected = frame.to_csv(index=False, lineterminator="\r\n", float_format="%g")
    written = (tmp_path / "summary.csv").read_bytes()
    assert written == b"\xef\xbb\xbf" + expected.encode("utf-8")
    assert "'=HYPERLINK(1)" in expected and ",87.25," in expected


# --- findings.json -----------------------------------------------------------------------------

def test_findings_json_validates_and_schema_catches_errors(audit):
    doc = doc_of(audit)
    assert validate_findings(doc) == []
    broken = json.loads(json.dumps(doc))
    broken["reports"][0]["findings"][0]["evidence"]["part"] = "七"
    del broken["reports"][1]["score"]
    broken["reports"][3]["status"] = "lost"
    problems = validate_findings(broken)
    assert len(problems) >= 3, problems


def test_letter_lists_the_cells_that_matter_and_no_long_raw_values():
    cells = [f"review.{g}.{c}" for g in ("行政复议", "未经复议直接起诉", "复议后起诉")
             for c in ("结果维持", "结果纠正", "其他结果", "尚未审结", "总计")]
    values = {c: 0 for c in cells} | {cells[0]: "dash", cells[1]: 7, cells[4]: 12, cells[2]: "0 0 0 0 0 0 0 0 0 0 0"}
    rec = {"source": "x.txt", "status": "audited", "agency": "丁镇", "year": 2024, "title": None, "template": "2021",
           "reference_number": "X", "score": 95, "grade": "优秀", "rules_evaluated": 1,
           "counts": {"error": 1, "warning": 0, "info": 0}, "engine_fallback": False, "engine_note": None,
           "previous_source": None, "agency_notes": [], "not_assessable": [], "diagnostics": [],
           "findings": [{"rule_id": "D", "severity": "error", "category": "c", "title": "行数值个数不对",
                         "message": "m", "points": 5, "basis": "", "remedy": "",
                         "evidence": {"part": "四", "table": "review", "cells": cells, "values": values,
                                      "line": 9, "where": "第9行", "excerpt": "0\t0", "previous_source": None,
                                      "previous_cells": [], "previous_values": {}, "previous_line": None,
                                      "previous_where": None, "previous_excerpt": None}}]}
    html = text_of(render_letter(AuditRecord.from_json(rec), Office(), RUN_DATE, letter_env()))
    # the stated total first, then the non-zero items; zeros only counted
    listed = html[html.index("m（"):]
    assert listed.index("表四“行政复议”之“总计”：12") < listed.index("表四“行政复议”之“结果纠正”：7")
    assert "表四“行政复议”之“结果维持”：（填“—”）" in html and "等 5 个单元格" in html and "另有 9 个单元格为 0" in html
    assert "0 0 0 0" not in html


def test_streamed_findings_json_is_laid_out_like_json_dumps(audit, tmp_path):
    """findings.json is json.dumps(document, indent=2) except that each report and each letter
    entry is on one line (each report exactly as its line of findings.jsonl)."""
    from engine.render.json_out import dumps, report_text, write_findings_stream

    def expected(document: dict) -> str:
        one_line = {}
        for key in ("reports", "letters"):
            if key in document:
                marks = [f"@@{key}{i}@@" for i in range(len(document[key]))]
                one_line.update(zip(marks, (json.dumps(x, ensure_ascii=False) for x in document[key])))
                document = {**document, key: marks}
        text = dumps(document)
        for mark, line in one_line.items():
            text = text.replace(json.dumps(mark), line)
        return text

    doc = doc_of(audit)
    head = {k: v for k, v in doc.items() if k not in ("reports", "letters", "previous_inputs")}
    assert doc["letters"]
    for reports, letters, previous in ((doc["reports"], doc["letters"], []),
                                       ([], [], [{"source": "p", "status": "parsed"}])):
        write_findings_stream(tmp_path / "f.json", head, (report_text(AuditRecord.from_json(r)) for r in reports),
                              previous, letters)
        text = (tmp_path / "f.json").read_text(encoding="utf-8")
        assert text == expected({**head, "reports": reports, "letters": letters, "previous_inputs": previous})
        assert json.loads(text) == json.loads(dumps({**head, "reports": reports, "letters": letters,
                                                     "previous_inputs": previous}))
    # a large run: the same document without `reports`
    write_findings_stream(tmp_path / "f.json", head, None, [], doc["letters"])
    assert (tmp_path / "f.json").read_text(encoding="utf-8") == expected({**head, "letters": doc["letters"],
                                                                         "previous_inputs": []})
    # each report's line in findings.jsonl is its entry in findings.json
    lines = (audit / "findings.jsonl").read_text(encoding="utf-8").splitlines()
    entries = [ln.strip().rstrip(",") for ln in (audit / "findings.json").read_text(encoding="utf-8").splitlines()
               if ln.startswith('    {"source"')]
    assert lines == entries[:len(lines)] and len(lines) == len(doc["reports"])


# --- the office settings still hold the example values ---------------------------------------------

def _docx_text(data: bytes) -> str:
    import docx

    d = docx.Document(io.BytesIO(data))
    return "\n".join([p.text for p in d.paragraphs] + [c.text for t in d.tables for r in t.rows for c in r.cells])


def test_default_office_is_flagged_in_every_letter_the_dashboard_and_the_cli(audit, capsys):
    from engine.render.docx_letter import render_docx
    from engine.render.letter_content import build_letter

    doc = doc_of(audit)
    assert doc["office"]["placeholders"] == ["落款单位名称（name）", "联系电话（contact）"]
    assert "仍是示例值" in (audit / "index.html").read_text(encoding="utf-8")
    for r in doc["reports"]:
        if r["status"] == "audited":
            assert "【发文前请注意】" in letter_of(audit, r["source"])
            assert "仍是示例值" in _docx_text((audit / Path(r["letter"]).with_suffix(".docx")).read_bytes())
    # a configured office: no warning anywhere
    configured = Office(name="平潭综合实验区政务公开工作领导小组办公室", contact="电话：0591-23456789")
    assert configured.placeholder_fields() == []
    rec = AuditRecord.from_json(next(r for r in doc["reports"] if r["source"] == "in/a.txt"))
    assert "发文前请注意" not in render_letter(rec, configured, RUN_DATE, letter_env())
    assert "发文前请注意" not in _docx_text(render_docx(build_letter(rec, configured, RUN_DATE)))
    assert "发文前请注意" in _docx_text(render_docx(build_letter(rec, Office(), RUN_DATE)))


def test_cli_warns_while_the_office_holds_example_values(tmp_path, capsys):
    from engine.cli import main

    seed = Path(__file__).parent / "fixtures" / "seeds" / "002_6e41f544aa427844.txt"
    assert main(["audit", str(seed), "-o", str(tmp_path / "a"), "--jobs", "1", "--date", "2026-11-20"]) == 0
    assert "仍是示例值" in capsys.readouterr().err
    office = tmp_path / "office.yaml"
    office.write_text("name: 某县政务公开工作领导小组办公室\ncontact: 电话：0591-2345678\n", encoding="utf-8")
    assert main(["audit", str(seed), "-o", str(tmp_path / "b"), "--jobs", "1", "--date", "2026-11-20",
                 "--office", str(office)]) == 0
    assert "仍是示例值" not in capsys.readouterr().err


def test_letter_wording_follows_what_was_found(audit):
    """Errors/warnings: rectification by a deadline; hints only: for reference; nothing: says so."""
    from engine.render.letter_content import build_letter

    doc = doc_of(audit)
    rec = next(r for r in doc["reports"] if r["source"] == "in/a.txt")
    assert build_letter(rec, Office(), RUN_DATE).kind == "rectify"
    hints = {**rec, "findings": [dict(f, severity="info") for f in rec["findings"]]}
    letter = build_letter(hints, Office(), RUN_DATE)
    assert letter.kind == "hints" and "供参考，无需整改" in letter.closing.paragraphs[0]
    html = text_of(render_letter(hints, Office(), RUN_DATE, letter_env()))
    assert "整改要求" not in html and "完成整改" not in html and "建议：" in html
    clean = {**rec, "findings": [], "not_assessable": []}
    letter = build_letter(clean, Office(), RUN_DATE)
    assert letter.kind == "clean" and "未发现问题" in letter.closing.paragraphs[0]
    # findings resting on our own reading (charge "manual", 待人工核对) never reach the letter
    manual = {**rec, "findings": [dict(f, charge="manual") for f in rec["findings"]]}
    assert build_letter(manual, Office(), RUN_DATE).kind == "clean"


def test_letters_show_file_names_not_paths():
    from engine.render.letter_content import build_letter

    rec = {"source": "batch/2024/pingtan-2019.txt", "status": "audited", "agency": "丁镇", "year": 2024,
           "title": "丁镇2024年报", "reference_number": "X", "score": 90, "grade": "优秀",
           "previous_source": "batch/2023/pingtan-2018.txt", "agency_notes": [], "not_assessable": [],
           "diagnostics": [], "scoring": {},
           "findings": [{"rule_id": "X", "severity": "warning", "title": "上年问题未回应",
                         "message": "上一年度报告（batch/2023/pingtan-2018.txt）所列问题未回应", "points": 1,
                         "basis": "国办公开办函〔2021〕30号；docs/template.md 关系9", "remedy": "逐条回应",
                         "evidence": {"part": "五", "previous_source": "batch/2023/pingtan-2018.txt"}}]}
    html = text_of(render_letter(rec, Office(), RUN_DATE, letter_env()))
    assert "batch/" not in html and "docs/template.md" not in html
    assert "pingtan-2019.txt" in html and "pingtan-2018.txt" in html and "国办公开办函〔2021〕30号" in html
    letter = build_letter(rec, Office(), RUN_DATE)
    assert letter.addressee == "丁镇"
