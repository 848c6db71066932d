"""Cross-year through the real audit run (engine.run.run_audit): grouping of the inputs, `--previous`
folders, and two different reports of one body and year.

Expected values: see tests/test_crossyear_pingtan.py (read off the pingtan texts by hand)."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

from engine.run import AuditOptions, run_audit
from real_support import real_file



def _copy(years, folder: Path) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for y in years:
        shutil.copy(real_file(f"pingtan-{y}.txt"), folder / f"pingtan-{y}.txt")
    return folder


def _options(**kw) -> AuditOptions:
    return AuditOptions(jobs=1, run_date=dt.date(2026, 3, 1), **kw)


def _by_year(run):
    return {r["year"]: r for r in run.document["reports"] if r["status"] == "audited"}


def _rule_findings(record, rule_id):
    return [f for f in record["findings"] if f["rule_id"] == rule_id]


def test_seven_years_in_one_batch_form_one_chain(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _copy(range(2019, 2026), tmp_path / "in")
    run = run_audit(["in"], tmp_path / "out", _options())
    reports = _by_year(run)
    assert sorted(reports) == list(range(2019, 2026))
    assert reports[2019]["previous_source"] is None
    for y in range(2020, 2026):
        assert reports[y]["previous_source"] == f"in/pingtan-{y - 1}.txt"
        assert reports[y]["same_year_sources"] == []
    # one finding per year for the look back at last year's problems (unanswered: 3, 3, 1, 2, 2, 1)
    assert [len(_rule_findings(reports[y], "XXGK-X703")) for y in range(2020, 2026)] == [1] * 6
    assert [len(_rule_findings(reports[y], "XXGK-T805")) for y in range(2020, 2026)] == [0] * 6
    # 2019 has no previous year: no cross-year rule produced anything for it
    assert not any(f["rule_id"] in ("XXGK-X701", "XXGK-X702", "XXGK-X703", "XXGK-X704")
                   for f in reports[2019]["findings"])
    assert not any(n["rule_id"].startswith("XXGK-X70") for n in reports[2019]["not_assessable"])
    finding = _rule_findings(reports[2022], "XXGK-X703")[0]
    assert finding["evidence"]["previous_source"] == "in/pingtan-2021.txt"
    assert "政务公开渠道有限" in finding["evidence"]["previous_excerpt"]


def test_previous_folder_is_compared_not_audited(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _copy([2022], tmp_path / "in")
    _copy([2021], tmp_path / "prev")
    run = run_audit(["in"], tmp_path / "out", _options(previous_dirs=[Path("prev")]))
    reports = _by_year(run)
    assert list(reports) == [2022]
    assert reports[2022]["previous_source"] == "prev/pingtan-2021.txt"
    assert [len(_rule_findings(reports[2022], "XXGK-X703"))] == [1]


def test_two_different_reports_of_one_year_name_each_other(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    folder = _copy([2023], tmp_path / "in")
    text = (real_file("pingtan-2023.txt")).read_text(encoding="utf-8")
    (folder / "pingtan-2023-修订版.txt").write_text(text.replace("2024年，我区将采取", "2024年，我区将继续采取"),
                                                 encoding="utf-8")
    run = run_audit(["in"], tmp_path / "out", _options())
    records = [r for r in run.document["reports"] if r["status"] == "audited"]
    assert len(records) == 2
    for record in records:
        other = next(r["source"] for r in records if r is not record)
        [finding] = _rule_findings(record, "XXGK-X705")
        assert other in finding["message"]


def test_previous_folder_report_is_never_a_same_year_peer(tmp_path, monkeypatch):
    """The --previous folder holds last year's report and an older draft of this year's: the draft is
    no second report of the year (no XXGK-X705), and last year's report is still the one compared."""
    monkeypatch.chdir(tmp_path)
    _copy([2022], tmp_path / "in")
    prev = _copy([2021], tmp_path / "prev")
    text = (real_file("pingtan-2022.txt")).read_text(encoding="utf-8")
    (prev / "pingtan-2022-初稿.txt").write_text(text.replace("2023年，我区将采取", "2023年，我区拟采取"),
                                              encoding="utf-8")
    run = run_audit(["in"], tmp_path / "out", _options(previous_dirs=[Path("prev")]))
    [record] = _by_year(run).values()
    assert record["previous_source"] == "prev/pingtan-2021.txt"
    assert record["same_year_sources"] == []
    assert _rule_findings(record, "XXGK-X705") == []
