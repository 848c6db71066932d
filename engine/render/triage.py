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
    ranked = sorted((SEVERITY_ORDER.get(f.severity, 9), i, f.title)
                    for i, f in enumerate(findings) if getattr(f, "counted", True))
    titles = list(dict.fromkeys(title for _sev, _i, title in ranked if title))
    return titles[:limit]

