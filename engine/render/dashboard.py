"""OUT/index.html: the overview — every agency with score, grade, counts and letter; the most
frequently failed rules; the score distribution (inline SVG); the inputs that were not audited.
Self-contained: inline CSS, a few lines of inline JS for sorting, no network.

The records it reads are AuditSummary (or full AuditRecord) objects: `document["reports"]`.
"""
from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from engine.model import RecordHead
from engine.render.labels import PREVIOUS_STATUS_LABELS, STATUS_LABELS
from engine.render.letters import letter_env
from engine.render.output import FinishedRun, RunOutput
from engine.score import RuleInfo

# Score buckets of the distribution chart: (label, low inclusive, high exclusive)
BUCKETS = (("0–59", 0, 60), ("60–69", 60, 70), ("70–79", 70, 80), ("80–89", 80, 90), ("90–100", 90, 101))
TOP_RULES = 10


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
    reports_failing: Counter = Counter()
    findings: Counter = Counter()
    titles: dict[str, str] = {}
    severities: dict[str, str] = {}
    for r in reports:
        seen = set()
        for f in r.findings:             # FindingBrief or Finding
            findings[f.rule_id] += 1
            titles.setdefault(f.rule_id, f.title)
            severities.setdefault(f.rule_id, f.severity)
            seen.add(f.rule_id)
        reports_failing.update(seen)
    ranked = sorted(reports_failing, key=lambda rid: (-reports_failing[rid], -findings[rid], rid))
    return [{"rule_id": rid, "title": titles.get(rid) or (rule_info.get(rid).title if rid in rule_info else rid),
             "severity": severities.get(rid, ""), "reports": reports_failing[rid], "findings": findings[rid]}
            for rid in ranked[:TOP_RULES]]


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
    return "".join(_dashboard_chunks(document, rule_info))


def write_dashboard(path: Path, document: dict[str, Any], rule_info: dict[str, RuleInfo] | None = None) -> None:
    """index.html written as the template renders it (the page of a large audit is never one
    string in memory; `document["reports"]` may be read back from disk as it is iterated)."""
    with open(path, "w", encoding="utf-8") as fh:
        fh.writelines(_dashboard_chunks(document, rule_info))


def _dashboard_chunks(document: dict[str, Any], rule_info: dict[str, RuleInfo] | None) -> Iterator[str]:
    reports = document["reports"]
    ranked = ranked_reports(reports)
    bars, bar_width = score_bars(ranked)
    env = letter_env()
    env.filters["status"] = lambda s: PREVIOUS_STATUS_LABELS.get(s, s)
    return env.get_template("dashboard.html.j2").generate(
        doc=document, ranked=ranked, others=other_reports(reports), bars=bars, bar_width=bar_width,
        rules=frequent_rules(ranked, rule_info or {}), changes=score_changes(reports),
        by_status=Counter(r.status for r in reports),
        status_labels=STATUS_LABELS,
        grades=list(Counter(r.grade for r in ranked).items()),     # best grade first (ranked order)
    )


class Dashboard(RunOutput):
    """The Output that writes OUT/index.html."""

    def write(self, run: FinishedRun) -> None:
        write_dashboard(self.ctx.out_dir / "index.html", run.overview, run.rule_info)
