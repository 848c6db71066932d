"""What an office looks at first when it triages a batch: each report's main problems, in a few
words. One definition for the dashboard (index.html), the workbook (summary.xlsx/csv) and the web
app's batch page.

    main_problems(findings)        the titles of the one or two most serious counted findings
"""
from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from engine.render.labels import SEVERITY_ORDER

MAIN_PROBLEMS = 2          # a column's worth: more would be a list, which the letter is for


def main_problems(findings: Iterable[Any], limit: int = MAIN_PROBLEMS) -> list[str]:
    """The titles (rule titles: a few plain words) of the most serious counted findings, each title
    once: errors before warnings before hints, in letter order within a severity. `findings`: any
    objects with `severity` and `title` (Finding, FindingBrief, the web app's views); one with
    `counted` false (待人工核对, dismissed) is not the agency's problem and is left out."""
    # the titles bucketed by severity rank, each bucket in the findings' order (= a stable sort by
    # rank), then the first `limit` distinct ones: no tuple and no sort a finding (every summary row
    # of the dashboard and of the 报告 sheet asks)
    by_rank: dict[int, list[str]] = {}
    for f in findings:
        if getattr(f, "counted", True):
            title = f.title
            if title:
                rank = SEVERITY_ORDER.get(f.severity, 9)
                titles = by_rank.get(rank)
                if titles is None:
                    by_rank[rank] = [title]
                else:
                    titles.append(title)
    out: list[str] = []
    for rank in sorted(by_rank) if len(by_rank) > 1 else by_rank:
        for title in by_rank[rank]:
            if title not in out:
                out.append(title)
                if len(out) == limit:
                    return out
    return out[:limit] if limit < 1 else out      # a limit below 1 slices as a list's end does

