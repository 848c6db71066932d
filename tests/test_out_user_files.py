"""Issue 17 item 5, from the office's side: re-running into a results folder keeps what the user put
there (a 我的批注.docx beside the letters, an archive/ folder with last year's results, a note inside
letters/), while the tool's own files are replaced by the new run's."""
from __future__ import annotations

from pathlib import Path

from engine.cli import main

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def test_rerun_keeps_the_users_files_and_replaces_its_own(tmp_path, capsys):
    out = tmp_path / "审核结果"
    args = ["audit", str(SEEDS / "002_6e41f544aa427844.txt"), "-o", str(out), "--jobs", "1"]
    assert main(args + ["--date", "2026-11-20"]) == 0
    (out / "我的批注.docx").write_bytes(b"PK\x03\x04 notes")
    (out / "archive" / "2025").mkdir(parents=True)
    (out / "archive" / "2025" / "findings.json").write_text("{}", encoding="utf-8")
    assert main(args + ["--date", "2026-11-23"]) == 0
    assert (out / "我的批注.docx").read_bytes() == b"PK\x03\x04 notes"
    assert (out / "archive" / "2025" / "findings.json").read_text(encoding="utf-8") == "{}"
    assert '"run_date": "2026-11-23"' in (out / "findings.json").read_text(encoding="utf-8")
    letters = sorted(p.suffix for p in (out / "letters").rglob("*") if p.is_file())
    assert letters == [".docx", ".html"]
