"""OUT/index.html: the overview an office triages from — every audited report worst first, with
score, grade, counts, main problems, the 待人工核对 count and its letter; the most frequent problems
(click one: only the reports that have it); the score distribution (inline SVG); the inputs that
were not audited and why. Self-contained: inline CSS and JS, no network, works opened from file://.

Large audits (docs/outputs.md "The overview page at scale"): the table shows PAGE_ROWS reports per
page. index.html holds the first page as HTML (readable without JS) and its rows' data; the other
pages' rows are data files index-data/rows-NNNNN.js, one per page, which the page loads with
<script src> when they are needed (fetch() is refused on file://). Filtering by a problem or sorting
by a column loads every page once and works on all reports. A run of at most PAGE_ROWS audited
reports writes index.html alone.

The records it reads are AuditSummary (or full AuditRecord) objects: `document["reports"]`, read
once (dashboard_index.py: what it keeps of each; in a run, while the run reads them for every output).
"""
from __future__ import annotations

import json
import re
import shutil
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from markupsafe import Markup, escape

from engine.model import RecordHead
from engine.render.labels import PREVIOUS_STATUS_LABELS, STATUS_LABELS
from engine.render.letter_cells import format_number
from engine.render.letter_content import file_name
from engine.render.template_cache import bytecode_cache
from engine.render.letters import letter_env
from engine.render.dashboard_index import BUCKETS, DashboardIndex, NotInSourceOrder, Row
from engine.render.output import FinishedRun, RunOutput
from engine.score import RuleInfo

__all__ = ["BUCKETS", "PAGE_ROWS", "DATA_FOLDER", "Dashboard", "Row", "index_of", "ranked_reports",
           "render_dashboard", "write_dashboard", "page_file", "script_json"]

# Reports per page of the ranking table, and per data file of the later pages (a module constant so
# that tests can lower it; 1,000 rows keep a page light in any browser). The page lists as many of
# the inputs that were not audited.
PAGE_ROWS = 1000
DATA_FOLDER = "index-data"          # beside index.html: rows-00002.js, rows-00003.js, …


@dataclass
class Bar:
    label: str
    count: int
    x: float
    y: float
    height: float


def index_of(reports: Iterable[RecordHead]) -> DashboardIndex:
    """The page's figures from one pass over `reports` (dashboard_index.py); reports not in source
    order take a second pass, which first ranks their sources."""
    try:
        return _indexed(reports, None)
    except NotInSourceOrder:
        sources = [r.source for r in reports]
        order = sorted(range(len(sources)), key=lambda i: (sources[i], i))
        ranks = [0] * len(order)
        for rank, i in enumerate(order):
            ranks[i] = rank
        return _indexed(reports, ranks)


def _indexed(reports: Iterable[RecordHead], ranks: list[int] | None) -> DashboardIndex:
    index = DashboardIndex(ranks, others_shown=PAGE_ROWS)
    try:
        for r in reports:
            index.add(r)
    except BaseException:
        index.close()
        raise
    return index.finish()


def ranked_reports(reports: Sequence[RecordHead]) -> list[RecordHead]:
    """Audited reports, worst first — the office's triage order: lowest grade, then most errors, then
    lowest score; ties by source path (stable, deterministic). A grade ranks by the best score any
    report with it has (grades are score bands whatever scoring.yaml names them)."""
    index = index_of(reports)
    try:
        audited = [r for r in reports if r.status == "audited"]
        return [audited[j] for j in index.ranked]
    finally:
        index.close()


def not_audited_reason(r: RecordHead) -> str:
    """Why an input was not audited, in Chinese: its own message, else what its status means."""
    if r.message:
        return r.message
    if r.status == "duplicate" and r.duplicate_of:
        return f"与 {file_name(r.duplicate_of)} 内容完全相同，只审核一次"
    return STATUS_LABELS.get(r.status, "未审核")


def score_bars(counts: Counter, width: int = 520, height: int = 200) -> tuple[list[Bar], int]:
    """The distribution chart's bars from the number of audited reports per bucket (BUCKETS)."""
    top = max(counts.values(), default=0) or 1
    slot = width / len(BUCKETS)
    bars = []
    for i, (label, _low, _high) in enumerate(BUCKETS):
        h = round((height - 45) * counts[label] / top, 1)   # room for the count above the bar
        bars.append(Bar(label, counts[label], round(i * slot + slot * 0.15, 1), round(height - 20 - h, 1), h))
    return bars, round(slot * 0.7, 1)


def render_dashboard(document: dict[str, Any], rule_info: dict[str, RuleInfo] | None = None) -> str:
    """index.html as one string (the later pages' data files of a large audit are not included)."""
    return "".join(_dashboard_chunks(document, rule_info, None))


def write_dashboard(path: Path, document: dict[str, Any], rule_info: dict[str, RuleInfo] | None = None,
                    index: DashboardIndex | None = None) -> None:
    """index.html written as the template renders it, and the data files of its later pages beside
    it (the page of a large audit is never one string in memory; `document["reports"]` may be read
    back from disk as it is iterated). `index`: the reports' DashboardIndex when it was built while
    they were read for something else (then `document["reports"]` is not read at all)."""
    data_dir = path.parent / DATA_FOLDER
    if data_dir.exists():
        shutil.rmtree(data_dir)
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(_dashboard_chunks(document, rule_info, data_dir, index))


def _dashboard_chunks(document: dict[str, Any], rule_info: dict[str, RuleInfo] | None,
                      data_dir: Path | None, index: DashboardIndex | None = None) -> Iterator[str]:
    index = index or index_of(document["reports"])
    try:
        pages = max(1, -(-len(index) // PAGE_ROWS))
        first = list(index.rows(stop=PAGE_ROWS))
        if data_dir is not None and pages > 1:
            write_page_data(data_dir, index.rows(start=PAGE_ROWS))
        bars, bar_width = score_bars(index.bucket_counts)
        figures = dict(ranked_count=len(index), rows=first, bars=bars, bar_width=bar_width,
                       meta={"pages": pages, "rows": len(index), "page_rows": PAGE_ROWS,
                             "data": DATA_FOLDER + "/", "first": [row.data() for row in first]},
                       others=index.others, others_count=index.others_count, off_list=index.off_list,
                       rules=index.frequent_rules(rule_info or {}), by_status=index.by_status,
                       grades=index.grades(), manual_total=index.manual_total)
    finally:
        index.close()
    env = letter_env()
    env.filters["status"] = lambda s: PREVIOUS_STATUS_LABELS.get(s, s)
    env.filters["file_name"] = file_name
    env.filters["script_json"] = script_json
    env.bytecode_cache = bytecode_cache(env)     # this environment's filters: its own compiled code
    return env.get_template("dashboard.html.j2").generate(doc=document, reason=not_audited_reason,
                                                          status_labels=STATUS_LABELS,
                                                          ranking_rows=ranking_rows(first), **figures)


def _html(value: Any) -> str:
    """markupsafe.escape(value) as text, without a Markup object for each cell: a str is escaped
    with markupsafe's replacements, an int is its digits."""
    t = type(value)
    if t is str:
        if _SPECIAL.search(value) is None:
            return value
        return (value.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")
                .replace("'", "&#39;").replace('"', "&#34;"))
    if t is int:
        return str(value)
    return str(escape(value))


_SPECIAL = re.compile("[&<>'\"]")


def ranking_rows(rows: Iterable[Row]) -> Markup:
    """The first page's rows of the ranking table (<tr> elements), exactly as the template's loop
    over them rendered them (autoescaped, the same filters), but built here: the loop was most of
    the main process's time in writing index.html (tests/test_dashboard_rows.py holds that loop and
    checks the two agree)."""
    e = _html
    out: list[str] = []
    add = out.append
    for r in rows:
        rank = e(r.rank)
        add(f'<tr>\n  <td class="num" data-v="{rank}">{rank}</td>\n  <td>{e(r.agency)}')
        if r.fallback_note:
            add(f' <span class="flag" title="{e(r.fallback_note)}">（参考引擎）</span>')
        year = r.year
        add(f'</td>\n  <td class="num" data-v="{e(year if year is not None else -1)}">'
            f'{e(year if year is not None else "—")}</td>\n'
            f'  <td class="num" data-v="{e(r.score)}">{e(format_number(r.score))}</td>\n')
        change = r.change
        if change is not None:
            add(f'<td class="num change" data-v="{e(change)}" title="上年报告：'
                f'{e(file_name(r.previous_source))}">{"+" if change > 0 else ""}'
                f'{e(format_number(change))}</td>\n  ')
        else:
            title = ("上年报告未在本次审核：" + str(file_name(r.previous_source)) if r.previous_source
                     else "本次没有该单位上一年度的报告")
            add(f'<td class="num change" data-v="-1000" title="{e(title)}">—</td>  ')
        grade = e(r.grade)
        error, warning, info, manual, na = e(r.error), e(r.warning), e(r.info), e(r.manual), e(r.not_assessable)
        add(f'<td class="g-{grade}">{grade}</td>\n'
            f'  <td class="num err" data-v="{error}">{error}</td>\n'
            f'  <td class="num warn" data-v="{warning}">{warning}</td>\n'
            f'  <td class="num" data-v="{info}">{info}</td>\n'
            f'  <td class="num manual" data-v="{manual}">{manual}</td>\n'
            f'  <td class="num" data-v="{na}">{na}</td>\n'
            f'  <td class="problems">{e(r.problems)}</td>\n  <td>')
        if r.letter:
            add(f'<a href="{e(r.letter)}">{e(r.reference_number or "意见书")}</a>')
        add(f'</td>\n  <td class="src" title="{e(r.source)}">{e(r.file)}</td>\n</tr>\n')
    return Markup("".join(out))


def write_page_data(data_dir: Path, rows: Iterable[Row]) -> None:
    """The rows of pages 2, 3, … (`rows` from the second page on) as data files the page loads with
    <script src>: each calls xxgkDashboard.page(n, rows) with the page's Row.data() arrays."""
    data_dir.mkdir(parents=True, exist_ok=True)
    page: list[list[Any]] = []
    number = 2
    for row in rows:
        page.append(row.data())
        if len(page) == PAGE_ROWS:
            _write_page(data_dir, number, page)
            page, number = [], number + 1
    if page:
        _write_page(data_dir, number, page)


def _write_page(data_dir: Path, number: int, rows: list[list[Any]]) -> None:
    text = json.dumps(rows, ensure_ascii=False, separators=(",", ":"))
    with open(data_dir / page_file(number), "w", encoding="utf-8") as fh:
        fh.write(f"xxgkDashboard.page({number},{text});\n")


def page_file(number: int) -> str:
    return f"rows-{number:05d}.js"


def script_json(value: Any) -> str:
    """JSON for a <script type="application/json"> element: no "<" (so no "</script>", "<!--")."""
    text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return Markup(text.replace("<", "\\u003c").replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


class Dashboard(RunOutput):
    """The Output that writes OUT/index.html, from the DashboardIndex it builds while the run reads
    the summaries once for every output (RunOutput.observer)."""

    def __init__(self) -> None:
        self._index: DashboardIndex | None = None
        self._stale = False

    def observer(self) -> Callable[[Any], None]:
        self.close()
        self._index, self._stale = DashboardIndex(None, others_shown=PAGE_ROWS), False
        return self._observe

    def _observe(self, summary: Any) -> None:
        if self._stale or self._index is None:
            return
        try:
            self._index.add(summary)
        except NotInSourceOrder:         # not the run's output order: write() reads them again
            self._stale = True

    def write(self, run: FinishedRun) -> None:
        index = None
        if self._index is not None and not self._stale:
            index, self._index = self._index.finish(), None
        write_dashboard(self.ctx.out_dir / "index.html", run.overview, run.rule_info, index)

    def close(self) -> None:
        if self._index is not None:
            self._index.close()
            self._index = None
