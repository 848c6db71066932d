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

The records it reads are AuditSummary (or full AuditRecord) objects: `document["reports"]`.
"""
from __future__ import annotations

import json
import shutil
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from markupsafe import Markup

from engine.model import RecordHead
from engine.render.labels import PREVIOUS_STATUS_LABELS, STATUS_LABELS
from engine.render.letter_content import file_name
from engine.render.letters import letter_env
from engine.render.output import FinishedRun, RunOutput
from engine.render.triage import main_problems
from engine.score import RuleInfo

# Score buckets of the distribution chart: (label, low inclusive, high exclusive)
BUCKETS = (("0–59", 0, 60), ("60–69", 60, 70), ("70–79", 70, 80), ("80–89", 80, 90), ("90–100", 90, 101))
TOP_RULES = 10
# Reports per page of the ranking table, and per data file of the later pages (a module constant so
# that tests can lower it; 1,000 rows keep a page light in any browser).
PAGE_ROWS = 1000
DATA_FOLDER = "index-data"          # beside index.html: rows-00002.js, rows-00003.js, …


@dataclass
class Bar:
    label: str
    count: int
    x: float
    y: float
    height: float


class Subset(Sequence):
    """The records of `reports` at `indexes`, in that order, fetched as they are iterated: the
    reports may be a list or a sequence read back from disk one record at a time (the batch runner's
    spooled records), so that the dashboard never needs every record in memory at once."""

    def __init__(self, reports: Sequence[RecordHead], indexes: list[int]):
        self._reports, self._indexes = reports, indexes

    def __len__(self) -> int:
        return len(self._indexes)

    def __getitem__(self, i):  # type: ignore[override]
        if isinstance(i, slice):
            return Subset(self._reports, self._indexes[i])
        return self._reports[self._indexes[i]]

    def __iter__(self) -> Iterator[RecordHead]:
        for i in self._indexes:
            yield self._reports[i]


def ranked_reports(reports: Sequence[RecordHead]) -> Subset:
    """Audited reports, worst first — the office's triage order: lowest grade, then most errors, then
    lowest score; ties by source path (stable, deterministic). A grade ranks by the best score any
    report with it has (grades are score bands whatever scoring.yaml names them)."""
    audited = [(i, r) for i, r in enumerate(reports) if r.status == "audited"]
    grade_top: dict[str, float] = {}
    for _i, r in audited:
        grade_top[r.grade] = max(grade_top.get(r.grade, r.score), r.score)
    order = sorted((grade_top[r.grade], -(r.counts or {}).get("error", 0), r.score, r.source, i) for i, r in audited)
    return Subset(reports, [key[-1] for key in order])


def other_reports(reports: Sequence[RecordHead]) -> Subset:
    """The inputs that were not audited, in output order."""
    return Subset(reports, [i for i, r in enumerate(reports) if r.status != "audited"])


def score_changes(reports: Iterable[RecordHead]) -> dict[str, float]:
    """source -> score change since last year's report of the same body, for the reports whose
    previous-year report (engine.parse.agency grouping) was audited in the same run (same catalog,
    same scoring policy). A previous-year report only read for comparison (--previous) has no score."""
    scores = {r.source: r.score for r in reports if r.status == "audited"}
    out: dict[str, float] = {}
    for r in reports:
        prev = r.previous_source
        if r.status == "audited" and prev in scores:
            out[r.source] = round(r.score - scores[prev], 2)
    return out


def frequent_rules(reports: Iterable[Any], rule_info: dict[str, RuleInfo]) -> list[dict[str, Any]]:
    """The TOP_RULES rules most reports fail (counted findings only: the agency's problems)."""
    reports_failing: Counter = Counter()
    findings: Counter = Counter()
    titles: dict[str, str] = {}
    severities: dict[str, str] = {}
    for r in reports:
        seen = set()
        for f in r.findings:             # FindingBrief or Finding
            if not getattr(f, "counted", True):
                continue
            findings[f.rule_id] += 1
            titles.setdefault(f.rule_id, f.title)
            severities.setdefault(f.rule_id, f.severity)
            seen.add(f.rule_id)
        reports_failing.update(seen)
    ranked = sorted(reports_failing, key=lambda rid: (-reports_failing[rid], -findings[rid], rid))
    return [{"rule_id": rid, "title": titles.get(rid) or (rule_info.get(rid).title if rid in rule_info else rid),
             "severity": severities.get(rid, ""), "reports": reports_failing[rid], "findings": findings[rid]}
            for rid in ranked[:TOP_RULES]]


@dataclass
class Row:
    """One row of the ranking table. The template renders the first page's rows from it, and its
    `data()` array is what the page's script renders every other view from (same cells)."""
    rank: int
    agency: str
    year: int | None
    score: Any
    change: float | None
    previous_source: str
    grade: str
    error: int
    warning: int
    info: int
    manual: int
    not_assessable: int
    problems: str                       # main_problems, joined
    letter: str
    reference_number: str
    file: str                           # file name shown
    source: str                         # display path (tooltip)
    rules: list[str] = field(default_factory=list)    # rule ids of its counted findings (the filter)
    fallback_note: str = ""             # why the reference engine evaluated it, if it did

    def data(self) -> list[Any]:
        # the order the script's F constants name (templates/_dashboard.js)
        return [self.rank, self.agency, self.year, self.score, self.change, self.previous_source, self.grade,
                self.error, self.warning, self.info, self.manual, self.not_assessable, self.problems,
                self.letter, self.reference_number, self.file, self.source, self.rules, self.fallback_note]


def ranking_rows(ranked: Sequence[RecordHead], changes: dict[str, float], start: int = 0,
                 stop: int | None = None) -> Iterator[Row]:
    """The rows of ranked[start:stop], numbered by their rank (1 = worst)."""
    for rank, r in enumerate(ranked[start:stop], start + 1):
        counts = r.counts or {}
        counted = [f for f in r.findings if getattr(f, "counted", True)]
        yield Row(rank=rank, agency=r.agency or "（未识别）", year=r.year, score=r.score,
                  change=changes.get(r.source), previous_source=r.previous_source or "", grade=r.grade or "",
                  error=counts.get("error", 0), warning=counts.get("warning", 0), info=counts.get("info", 0),
                  manual=r.manual, not_assessable=len(r.not_assessable), problems="；".join(main_problems(counted)),
                  letter=r.letter or "", reference_number=r.reference_number or "", file=file_name(r.source),
                  source=r.source, rules=sorted({f.rule_id for f in counted}),
                  fallback_note=(r.engine_note or "参考引擎") if r.engine_fallback else "")


def not_audited_reason(r: RecordHead) -> str:
    """Why an input was not audited, in Chinese: its own message, else what its status means."""
    if r.message:
        return r.message
    if r.status == "duplicate" and r.duplicate_of:
        return f"与 {file_name(r.duplicate_of)} 内容完全相同，只审核一次"
    return STATUS_LABELS.get(r.status, "未审核")


def score_bars(reports: Iterable[RecordHead], width: int = 520, height: int = 200) -> tuple[list[Bar], int]:
    counts = defaultdict(int)
    for r in reports:
        for label, low, high in BUCKETS:
            if low <= r.score < high:
                counts[label] += 1
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


def write_dashboard(path: Path, document: dict[str, Any], rule_info: dict[str, RuleInfo] | None = None) -> None:
    """index.html written as the template renders it, and the data files of its later pages beside
    it (the page of a large audit is never one string in memory; `document["reports"]` may be read
    back from disk as it is iterated)."""
    data_dir = path.parent / DATA_FOLDER
    if data_dir.exists():
        shutil.rmtree(data_dir)
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(_dashboard_chunks(document, rule_info, data_dir))


def _dashboard_chunks(document: dict[str, Any], rule_info: dict[str, RuleInfo] | None,
                      data_dir: Path | None) -> Iterator[str]:
    reports = document["reports"]
    ranked = ranked_reports(reports)
    changes = score_changes(reports)
    bars, bar_width = score_bars(ranked)
    pages = max(1, -(-len(ranked) // PAGE_ROWS))
    first = list(ranking_rows(ranked, changes, stop=PAGE_ROWS))
    if data_dir is not None and pages > 1:
        write_page_data(data_dir, ranking_rows(ranked, changes, start=PAGE_ROWS))
    others = other_reports(reports)
    env = letter_env()
    env.filters["status"] = lambda s: PREVIOUS_STATUS_LABELS.get(s, s)
    env.filters["file_name"] = file_name
    env.filters["script_json"] = script_json
    return env.get_template("dashboard.html.j2").generate(
        doc=document, ranked_count=len(ranked), rows=first, bars=bars, bar_width=bar_width,
        meta={"pages": pages, "rows": len(ranked), "page_rows": PAGE_ROWS,
              "data": DATA_FOLDER + "/", "first": [row.data() for row in first]},
        others=others[:PAGE_ROWS], others_count=len(others), reason=not_audited_reason,
        rules=frequent_rules(ranked, rule_info or {}),
        by_status=Counter(r.status for r in reports),
        status_labels=STATUS_LABELS,
        **triage_totals(ranked),
    )


def triage_totals(ranked: Iterable[RecordHead]) -> dict[str, Any]:
    """The summary cards' figures from one pass over the audited reports: the number per grade
    (in ranked order: worst grade first) and the 待人工核对 items."""
    grades: Counter = Counter()
    manual = 0
    for r in ranked:
        grades[r.grade] += 1
        manual += r.manual
    return {"grades": list(grades.items()), "manual_total": manual}


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
    """The Output that writes OUT/index.html."""

    def write(self, run: FinishedRun) -> None:
        write_dashboard(self.ctx.out_dir / "index.html", run.overview, run.rule_info)
