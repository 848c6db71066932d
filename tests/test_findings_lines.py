"""Issue 14 item 4 and issue 16 item 5: findings.jsonl (one report per line, streamed as records
finish, in output order), findings.json with or without its `reports` (large runs), the `letters`
table (agency/report → letter files), letters in sub-folders; docs/outputs.md describes them."""
from __future__ import annotations

import datetime as dt
import json
import random
from pathlib import Path

import pytest

from audit_support import FAKE_HOOKS, report_text
from engine import DEFAULT_RULES_DIR
from engine.render import json_out
from engine.render.json_out import (iter_reports, load_findings, located_reports, report_at, validate_findings,
                                    validate_report_line)
from engine.render.jsonl_out import PART_NAME, FindingsLines, jsonl_line
from engine.render import letters as letters_module
from engine.render.letters import assign_letter_paths, letter_file, letter_folders
from engine.render.office import Office
from engine.render.output import FinishedRun, OutputContext
from engine.run import AuditOptions, run_audit
from engine.spool import Spool

RUN_DATE = dt.date(2026, 11, 20)


def options(**kw) -> AuditOptions:
    kw.setdefault("rules_dir", DEFAULT_RULES_DIR)
    kw.setdefault("jobs", 2)
    kw.setdefault("run_date", RUN_DATE)
    kw.setdefault("hooks", FAKE_HOOKS)
    return AuditOptions(**kw)


def write(path: Path, content: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)


@pytest.fixture
def batch(tmp_path, monkeypatch) -> Path:
    """Reports with awkward names (a formula, '#', a bidi override, two of one name), a duplicate,
    an empty file and a text that is not a report, interleaved in source order."""
    monkeypatch.chdir(tmp_path)
    d = tmp_path / "in"
    write(d / "a.txt", report_text("甲镇人民政府", 2024, "缺少：五", "警告：一"))
    write(d / "b-copy.txt", report_text("甲镇人民政府", 2024, "缺少：五", "警告：一"))   # duplicate of a.txt
    write(d / "c.txt", report_text("甲镇人民政府", 2024, "版本二"))
    write(d / "d-empty.txt", b"")
    write(d / "e.txt", report_text('=HYPERLINK("http://x","点")', 2024, "警告：二"))
    write(d / "f-notes.txt", "会议纪要：今天讨论了食堂菜单。\n")
    write(d / "g.txt", report_text("乙#镇\u202e人民政府", 2023))
    write(d / "h.txt", report_text("Abc局", 2024))
    write(d / "i.txt", report_text("abd局", 2024))
    return d


def lines_of(out: Path) -> list[str]:
    return (out / "findings.jsonl").read_text(encoding="utf-8").splitlines()


# --- the JSON Lines file -------------------------------------------------------------------------

def test_jsonl_holds_findings_json_reports_one_per_line_and_validates(batch, tmp_path):
    run_audit(["in"], tmp_path / "out", options())
    out = tmp_path / "out"
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    assert validate_findings(doc) == []
    assert doc["reports_file"] == "findings.jsonl" and doc["reports_inline"] is True
    lines = lines_of(out)
    assert [json.loads(line) for line in lines] == doc["reports"]
    assert len(lines) == 9 and {r["status"] for r in doc["reports"]} >= {"audited", "duplicate", "empty", "not_a_report"}
    for line in lines:
        assert validate_report_line(line) == [], line[:80]
        assert line == json.dumps(json.loads(line), ensure_ascii=False)    # the canonical one-line form
    assert not (out / PART_NAME).exists()
    assert list(iter_reports(out)) == doc["reports"]
    # each record's place in the file: report_at reads it again alone, and only it
    located = list(located_reports(out))
    assert [record for _, _, record in located] == doc["reports"]
    data = (out / "findings.jsonl").read_bytes()
    for offset, length, record in located:
        assert data[offset:offset + length].rstrip(b"\n") == json.dumps(record, ensure_ascii=False).encode()
        assert report_at(out, offset, length) == record
    offset, length, _ = located[-1]
    assert report_at(out, offset, length + 1) is None             # past the end: not a whole record
    assert report_at(out, offset + 1, length - 1) is None         # inside a line: not a record


def test_line_schema_catches_errors(batch, tmp_path):
    run_audit(["in"], tmp_path / "out", options())
    record = json.loads(next(line for line in lines_of(tmp_path / "out") if '"audited"' in line))
    record["status"], record["letter"] = "lost", "letters/x.html"       # unknown status; not in a sub-folder
    del record["findings"][0]["severity"]
    problems = validate_report_line(json.dumps(record, ensure_ascii=False))
    assert len(problems) >= 3, problems
    assert validate_report_line(json.dumps(record, indent=2)) == ["(line): 一行只能有一份报告记录"]
    assert validate_report_line("{") and validate_report_line("{")[0].startswith("(line): 不是合法的 JSON")


def test_a_record_is_one_line_of_json_in_both_files():
    """report_text (what the worker spools) is one line whatever the strings hold; jsonl_line
    refuses a text of several lines rather than write a broken JSON Lines file."""
    from engine.model import AuditRecord
    from engine.render.json_out import report_text

    record = AuditRecord(source="in/a\nb.txt", status="empty", message="第一行\n第二行, \\n \u2028 \"引号\"",
                         agency="甲镇\r\n", year=2024)
    text = report_text(record)
    assert "\n" not in text and "\r" not in text and json.loads(text)["message"] == record.message
    assert text == json.dumps(json.loads(text), ensure_ascii=False)
    assert jsonl_line(text) == (text + "\n").encode("utf-8")
    with pytest.raises(ValueError, match="应为一行"):
        jsonl_line(json.dumps({"a": 1}, indent=2))


def _finished(tmp_path: Path, keys: list[str]) -> tuple[FinishedRun, dict[str, str]]:
    spool = Spool(tmp_path / "spool")
    (tmp_path / "spool").mkdir()
    texts = {k: json.dumps({"source": k, "status": "audited", "note": "第一行\n第二行, 三"}, ensure_ascii=False)
             for k in keys}
    blobs = {k: spool.put_text(texts[k]) for k in keys}
    run = FinishedRun(head={}, summaries=[], previous_inputs=[], rule_info={}, blobs=blobs)
    return run, texts


@pytest.mark.parametrize("seed", range(4))
def test_lines_streamed_in_output_order_whatever_the_ready_order(tmp_path, seed):
    """A line is written as soon as every evaluated record before it is final; the records that were
    never evaluated are merged in at their places at the end; the file is the same whatever order
    the records finished in."""
    keys = [f"k{i:02d}" for i in range(12)]
    evaluated = [k for i, k in enumerate(keys) if i % 4 != 1]       # k01, k05, k09 were never evaluated
    run, texts = _finished(tmp_path, keys)
    out = tmp_path / "out"
    out.mkdir()
    output = FindingsLines()
    output.start(OutputContext(out, Office(), RUN_DATE), evaluated)
    ready = evaluated[:]
    random.Random(seed).shuffle(ready)
    for n, key in enumerate(ready):
        output.ready(key, run.blobs[key])
        finished = set(ready[:n + 1])
        done = next((i for i, k in enumerate(evaluated) if k not in finished), len(evaluated))
        output._fh.flush()
        assert (out / PART_NAME).read_bytes().count(b"\n") == done     # the in-order prefix is on disk
        assert len(output._waiting) == n + 1 - done                     # the others: only where they are
    output.write(run)
    output.close()
    expected = "".join(json.dumps(json.loads(texts[k]), ensure_ascii=False) + "\n" for k in keys)
    assert (out / "findings.jsonl").read_text(encoding="utf-8") == expected
    assert not (out / PART_NAME).exists()


def test_lines_written_at_the_end_when_nothing_was_streamed(tmp_path):
    keys = ["a", "b", "c"]
    run, texts = _finished(tmp_path, keys)
    out = tmp_path / "out"
    out.mkdir()
    output = FindingsLines()
    output.ctx = OutputContext(out, Office(), RUN_DATE)
    output.write(run)
    assert lines_of(out) == [json.dumps(json.loads(texts[k]), ensure_ascii=False) for k in keys]


def test_lines_refuse_an_order_that_disagrees_with_findings_json(tmp_path):
    run, _ = _finished(tmp_path, ["a", "b"])
    out = tmp_path / "out"
    out.mkdir()
    output = FindingsLines()
    output.start(OutputContext(out, Office(), RUN_DATE), ["b", "a"])
    with pytest.raises(RuntimeError, match="顺序"):
        output.write(run)
    output.close()


# --- a large run: findings.json without its reports -------------------------------------------------

def test_large_run_leaves_reports_out_of_findings_json_and_readers_still_work(batch, tmp_path, monkeypatch):
    small = run_audit(["in"], tmp_path / "small", options())
    monkeypatch.setattr(json_out, "INLINE_MAX_BYTES", 1000)
    large = run_audit(["in"], tmp_path / "large", options(jobs=1))
    text = (tmp_path / "large" / "findings.json").read_text(encoding="utf-8")
    doc = json.loads(text)
    assert "reports" not in doc and doc["reports_inline"] is False
    assert validate_findings(doc) == []
    # the lines are the same bytes, and a reader sees the same document either way
    assert (tmp_path / "large" / "findings.jsonl").read_bytes() == (tmp_path / "small" / "findings.jsonl").read_bytes()
    full = load_findings(tmp_path / "large")
    assert full["reports"] == small.document["reports"] and full["letters"] == small.document["letters"]
    assert large.records == small.records
    assert {k: v for k, v in full.items() if k != "reports_inline"} == \
        {k: v for k, v in small.document.items() if k != "reports_inline"}
    # the web app reads a large batch's results through the same function
    from engine.web.engine_api import read_results
    assert read_results(tmp_path / "large")["reports"] == small.document["reports"]
    # a findings.json with `reports` while reports_inline is false (or the reverse) is invalid
    assert validate_findings({**doc, "reports": []})
    assert validate_findings({k: v for k, v in small.document.items() if k != "reports"})


def test_reports_read_from_findings_json_when_there_is_no_jsonl(batch, tmp_path):
    run = run_audit(["in"], tmp_path / "out", options())
    (tmp_path / "out" / "findings.jsonl").unlink()       # a result written before findings.jsonl existed
    assert list(iter_reports(tmp_path / "out")) == run.document["reports"]
    assert list(located_reports(tmp_path / "out")) == [(None, None, r) for r in run.document["reports"]]
    assert list(iter_reports(tmp_path / "nothing")) == []


# --- letters: sub-folders and the mapping in findings.json --------------------------------------------

def test_letters_table_maps_reports_to_their_letter_files(batch, tmp_path):
    run = run_audit(["in"], tmp_path / "out", options())
    out = tmp_path / "out"
    doc = run.document
    table = {e["source"]: e for e in doc["letters"]}
    with_letter = [r for r in doc["reports"] if r.get("letter")]
    assert [e["source"] for e in doc["letters"]] == [r["source"] for r in with_letter]    # reports order
    for r in with_letter:
        entry = table[r["source"]]
        assert (entry["agency"], entry["year"], entry["html"]) == (r["agency"], r["year"], r["letter"])
        assert entry["docx"] == r["letter"][:-len(".html")] + ".docx"
        assert (out / entry["html"]).is_file() and (out / entry["docx"]).is_file()
    assert table["in/a.txt"]["html"] == "letters/甲镇/甲镇人民政府-2024.html" and not table["in/a.txt"]["name_changed"]
    assert table["in/c.txt"]["html"] == "letters/甲镇/甲镇人民政府-2024-2.html" and table["in/c.txt"]["name_changed"]
    formula = table["in/e.txt"]
    assert formula["agency"].startswith("=HYPERLINK") and formula["name_changed"]
    assert not set(formula["html"]) & set('="') and formula["html"].startswith("letters/hy/")
    bidi = table["in/g.txt"]
    assert bidi["name_changed"] and bidi["html"] == "letters/乙镇/乙镇人民政府-2023.html"
    # folders differ only by what is in the name, never by case
    assert table["in/h.txt"]["html"] == "letters/ab/Abc局-2024.html"
    assert table["in/i.txt"]["html"] == "letters/ab/abd局-2024.html"
    # every file under letters/ is listed, nothing else is there
    listed = {e[k] for e in doc["letters"] for k in ("html", "docx")}
    assert {p.relative_to(out).as_posix() for p in (out / "letters").rglob("*") if p.is_file()} == listed


def test_letter_folders_are_safe_and_deterministic():
    assert letter_folders(["北京市朝阳区人民政府", "ABC局", "a.b局", "X", "CON", "-", None, "=Con1", "COM1x"]) == [
        "北京", "ab", "a", "x", "_c", "未识", "未识", "co", "co"]
    paths = assign_letter_paths([("甲镇", 2024), ("甲镇", 2024), ("ABC", 2024), ("abc", 2024), (None, None)])
    assert paths == ["letters/甲镇/甲镇-2024.html", "letters/甲镇/甲镇-2024-2.html", "letters/ab/ABC-2024.html",
                     "letters/ab/abc-2024-2.html", "letters/未识/未识别单位-年度不详.html"]


def test_a_full_folder_is_split_by_one_more_character(monkeypatch):
    """No folder holds more than _FOLDER_MAX letters unless they share the whole name; the folders
    depend on the set of names, not their order."""
    monkeypatch.setattr(letters_module, "_FOLDER_MAX", 3)
    names = ["重庆市渝中区人民政府", "重庆市渝中区财政局", "重庆市江北区人民政府", "重庆市江北区教育局",
             "重庆市", "重庆", "北京市人民政府", "com1局", "com1处", "com2局", "com局"] + ["甲镇人民政府"] * 5
    folders = letter_folders(names)
    assert dict(zip(names, folders)) == {
        "重庆市渝中区人民政府": "重庆市渝", "重庆市渝中区财政局": "重庆市渝", "重庆市江北区人民政府": "重庆市江",
        "重庆市江北区教育局": "重庆市江", "重庆市": "重庆市", "重庆": "重庆", "北京市人民政府": "北京",
        "com1局": "_com1", "com1处": "_com1", "com2局": "_com2", "com局": "com局",     # COM1, COM2: devices
        "甲镇人民政府": "甲镇人民政府"}
    for shuffled in (list(reversed(range(len(names)))), sorted(range(len(names)), key=lambda i: names[i])):
        again = letter_folders([names[i] for i in shuffled])
        assert again == [folders[i] for i in shuffled]
    counts = {f: folders.count(f) for f in folders}
    assert all(n <= 3 for f, n in counts.items() if f != "甲镇人民政府")     # five letters of one name


def test_letter_file_refuses_paths_outside_letters(tmp_path):
    assert letter_file(tmp_path, "letters/甲镇/甲镇-2024.html", ".docx") == tmp_path / "letters" / "甲镇" / "甲镇-2024.docx"
    for bad in ("letters/../x.html", "letters/x.html", "/etc/x.html", "other/a/b.html", None, "letters/a/../b.html"):
        with pytest.raises(ValueError, match="审核意见书路径不合规"):
            letter_file(tmp_path, bad)


def _reference_letter_paths(items):
    """assign_letter_paths as it was before letter_paths (a list of every name, stem and path)."""
    names = [letters_module._safe_name(agency) for agency, _ in items]
    folders = letters_module._folders([name.lower() for name in names])
    used, last, out = set(), {}, []
    for name, (_, year), folder in zip(names, items, folders):
        stem = letters_module._stem(name, year)
        key, candidate, n = stem.lower(), stem, last.get(stem.lower(), 1)
        if n > 1 or key in used:
            while True:
                n += 1
                candidate = f"{stem}-{n}"
                if candidate.lower() not in used:
                    break
            last[key] = n
        used.add(candidate.lower())
        out.append(f"letters/{folder}/{candidate}.html")
    return out


def test_letter_paths_made_one_at_a_time_equal_the_list_form(monkeypatch):
    monkeypatch.setattr(letters_module, "_FOLDER_MAX", 5)         # folders split by more characters
    names = ["重庆市渝中区教育局", "重庆市江北区教育局", "CON", "a.b", "Ab", "aB", "ab-2023", "ab", None, "", "甲-2023",
             "甲", "x" * 80, "北京市", "北京", "..", "-x-", "重庆"]
    for seed in range(600):
        rng = random.Random(seed)
        items = [(rng.choice(names) if rng.random() < .8 else f"重庆市{rng.randint(0, 30)}局",
                  rng.choice([2023, 2022, None, 2])) for _ in range(rng.randint(0, 40))]
        expected = _reference_letter_paths(items)
        assert assign_letter_paths(items) == expected, seed
        assert list(letters_module.letter_paths(iter(items))) == expected, seed
