"""Cross-year in the outputs: the letter shows this year's and last year's values side by side, the
dashboard shows each agency's score change since last year (real audit run on the pingtan texts)."""
from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from pathlib import Path

from engine.run import AuditOptions, run_audit
from real_support import real_file



def _run(tmp_path, monkeypatch, years, edit=None):
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "in"
    folder.mkdir()
    for y in years:
        text = (real_file(f"pingtan-{y}.txt")).read_text(encoding="utf-8")
        if edit and y in edit:
            old, new = edit[y]
            assert old in text
            text = text.replace(old, new)
        (folder / f"pingtan-{y}.txt").write_text(text, encoding="utf-8")
    run_audit(["in"], tmp_path / "out", AuditOptions(jobs=1, run_date=dt.date(2026, 3, 1)))
    return tmp_path / "out"


def _ranking_rows(html: str) -> dict[str, list[str]]:
    """file name -> the cells' texts of the dashboard's ranking table (it shows file names, not paths)."""
    body = html.split('<table id="ranking"', 1)[1].split("</table>", 1)[0]
    rows = {}
    for tr in re.findall(r"<tr>(.*?)</tr>", body.split("<tbody>", 1)[1], re.S):
        cells = [re.sub(r"<[^>]+>", "", td).strip() for td in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
        rows[cells[-1]] = cells
    return rows


def test_dashboard_shows_score_change_since_last_year(tmp_path, monkeypatch):
    out = _run(tmp_path, monkeypatch, [2021, 2022, 2023])
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    score = {r["year"]: r["score"] for r in doc["reports"]}
    html = (out / "index.html").read_text(encoding="utf-8")
    head = html.split('<table id="ranking"', 1)[1].split("</thead>", 1)[0]
    headers = [re.sub(r"<[^>]+>", "", th).strip() for th in re.findall(r"<th[^>]*>(.*?)</th>", head, re.S)]
    col = headers.index("较上年")
    assert headers[col - 1] == "得分"
    rows = _ranking_rows(html)
    assert rows["pingtan-2021.txt"][col] == "—"         # 2020 is not among the inputs
    for y in (2022, 2023):
        change = score[y] - score[y - 1]
        shown = rows[f"pingtan-{y}.txt"][col]
        assert float(shown) == round(change, 2)
        assert shown.startswith("+") == (change > 0)


def test_letter_shows_both_years_values_side_by_side(tmp_path, monkeypatch):
    # 2022 says it carried over nothing, while 2021 carried 1 request (自然人) over
    out = _run(tmp_path, monkeypatch, [2021, 2022],
               edit={2022: ("二、上年结转政府信息公开申请数量 1000001", "二、上年结转政府信息公开申请数量 0000000")})
    doc = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    [record] = [r for r in doc["reports"] if r["year"] == 2022]
    carry = [f for f in record["findings"] if f["rule_id"] == "XXGK-X701"]
    assert sorted(f["evidence"]["cells"] for f in carry) == [["applications.二.总计"], ["applications.二.自然人"]]
    letter = (out / record["letter"]).read_text(encoding="utf-8")
    # each finding's row shows this year's cell next to last year's (compact letter: no table per cell)
    for col in ("总计", "自然人"):
        assert (f"本年表三“二、上年结转政府信息公开申请数量”行“{col}”列：0，"
                f"上年表三“四、结转下年度继续办理”行“{col}”列：1") in letter
