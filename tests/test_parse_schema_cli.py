"""The report JSON (schemas/report.schema.json) and the `xxgk-audit parse` command."""
from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from engine.cli import EXIT_INPUT, main
from engine.parse import NotAReportError, parse_file
from real_support import real_file, real_names

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = sorted((ROOT / "tests" / "fixtures" / "seeds").glob("*.txt"))
REAL_NAMES = [*real_names("pingtan-*.txt"), "shanghai-bangongting-2019.html", "template-2021-blank.docx",
              "hongze-quzhengfu-2023.pdf"]
SCHEMA = json.loads((ROOT / "schemas" / "report.schema.json").read_text(encoding="utf-8"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)


@pytest.mark.parametrize("path", [*FIXTURES, *REAL_NAMES], ids=lambda p: getattr(p, "name", p))
def test_every_parsed_fixture_validates(path):
    path = real_file(path) if isinstance(path, str) else path
    report = parse_file(path)
    errors = sorted(VALIDATOR.iter_errors(report.to_json()), key=str)
    assert not errors, errors[0]


def test_with_lines_validates_and_keeps_original_text():
    path = FIXTURES[0]
    doc = parse_file(path).to_json(with_lines=True)
    VALIDATOR.validate(doc)
    assert doc["lines"][85]["text"].startswith("\t\t\t\t\t0")
    assert doc["lines"][85]["where"] == "第86行"


def test_schema_rejects_a_number_cell_without_value():
    doc = parse_file(FIXTURES[0]).to_json()
    doc["tables"]["review"]["cells"]["review.复议后起诉.总计"]["value"] = None
    assert list(VALIDATOR.iter_errors(doc))


def test_cli_prints_the_model(capsys):
    rc = main(["parse", str(FIXTURES[0])])
    out = capsys.readouterr().out
    assert rc == 0
    doc = json.loads(out)
    VALIDATOR.validate(doc)
    assert doc["metadata"]["agency"] == "金村镇人民政府"
    assert "金村镇" in out          # ensure_ascii=False
    assert "lines" not in doc
    rc = main(["parse", "--with-lines", str(FIXTURES[0])])
    assert "lines" in json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("content,words", [
    (None, "不存在"),
    (b"", "空文件"),
    (b"\x00\x01\x02\x03\xff\xfe\x00\x00" * 64, "二进制"),
    ("会议纪要\n今天讨论了食堂菜单。\n".encode("utf-8"), "不是政府信息公开工作年度报告"),
], ids=["missing", "empty", "binary", "not-a-report"])
def test_cli_input_errors_are_one_chinese_message(tmp_path, capsys, content, words):
    path = tmp_path / "input.txt"
    if content is not None:
        path.write_bytes(content)
    rc = main(["parse", str(path)])
    captured = capsys.readouterr()
    assert rc == EXIT_INPUT
    assert captured.out == ""
    assert words in captured.err
    assert "Traceback" not in captured.err
    assert len(captured.err.strip().splitlines()) == 1


def test_not_a_report_error_is_raised_by_the_parser(tmp_path):
    path = tmp_path / "minutes.txt"
    path.write_text("会议纪要\n一、会议议程\n二、讨论事项\n", encoding="utf-8")
    with pytest.raises(NotAReportError):
        parse_file(path)


def test_cli_internal_error_is_one_message_not_a_traceback(monkeypatch, capsys):
    import engine.parse

    def broken(doc):
        raise ValueError("boom")

    monkeypatch.setattr(engine.parse, "parse_document", broken)
    rc = main(["parse", str(FIXTURES[0])])
    err = capsys.readouterr().err
    assert rc == EXIT_INPUT and "内部错误" in err and "boom" in err and "Traceback" not in err


def test_reader_notes_are_kept_as_diagnostics():
    from engine.ingest import read_document
    from engine.model import Diagnostic
    from engine.parse import parse_document

    doc = read_document(FIXTURES[0])
    doc.notes.append(Diagnostic(code="PDF_UNMAPPED_GLYPHS", message="第2页有无法识别的字符", severity="warning"))
    report = parse_document(doc)
    assert report.diagnostics[0].code == "PDF_UNMAPPED_GLYPHS"
    VALIDATOR.validate(report.to_json())
