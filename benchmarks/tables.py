"""Benchmark of the spreadsheet writer alone: summary.xlsx + summary.csv for N records, in one process.

    .venv/bin/python benchmarks/tables.py [--from OUT/findings.json] [--sizes 1000,10000] [--keep DIR]

The records are those of a finished run's findings.json (--from; default: 100 synthetic reports of
benchmarks/audit.py audited once), cycled to N with a distinct source, agency and letter path each.
Each size runs in a fresh forked process that does what the run's writer process (engine/run/outputs.py,
"xxgk-tables") does: decode each record's JSON, add its findings to the 问题 sheet in output order,
then the 报告 sheet, summary.csv and the save. Prints, per size, the CPU ms per report of the decode
and of the writer itself (rows, sheets, csv, zip), and the process's peak RSS above what it had when it
started (the growth the writer adds; flat in N is the target). Run it from the tree to measure
(it imports the engine from its own folder).
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.model import AuditRecord                       # noqa: E402
from engine.score import RuleInfo                          # noqa: E402

RUN_DATE = dt.date(2026, 1, 5)


def sample(path: Path | None) -> list[dict]:
    """The records of a findings.json (made by a 100-report audit when no path is given)."""
    if path is None:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from audit import generate                       # benchmarks/audit.py
        from engine.run import AuditOptions, run_audit
        with tempfile.TemporaryDirectory(prefix="xxgk-tables-") as tmp:
            (Path(tmp) / "in").mkdir()
            generate(100, Path(tmp) / "in", 0.2)
            run_audit([Path(tmp) / "in"], Path(tmp) / "out", AuditOptions(jobs=1, run_date=RUN_DATE))
            return json.loads((Path(tmp) / "out" / "findings.json").read_text(encoding="utf-8"))["reports"]
    return json.loads(path.read_text(encoding="utf-8"))["reports"]


def variant(data: dict, i: int) -> dict:
    """Record i: the sample's record i % len with its own source, agency and letter."""
    out = dict(data)
    out["source"] = f"reports/{i:06d}_{data['source'].rsplit('/', 1)[-1]}"
    if data.get("agency"):
        out["agency"] = f"{data['agency']}{i:06d}"
    if data.get("letter"):
        folder, name = data["letter"].rsplit("/", 1)
        out["letter"] = f"{folder}/{i:06d}-{name}"
    return out


class Summaries:
    """The run's summaries, made again at each pass (the run reads them back from disk)."""

    def __init__(self, texts: list[str], n: int):
        self.texts, self.n = texts, n

    def __iter__(self):
        for i in range(self.n):
            yield AuditRecord.from_json(variant(json.loads(self.texts[i % len(self.texts)]), i)).summary()

    def __len__(self) -> int:
        return self.n


def measure(records: list[dict], n: int, keep: Path | None) -> None:
    from engine.render import tables

    texts = [json.dumps(r, ensure_ascii=False) for r in records]
    rule_info = {f["rule_id"]: RuleInfo(f["rule_id"], category=f.get("category") or "其他")
                 for r in records for f in r.get("findings") or []}
    base_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    decode = 0.0
    cpu0 = time.process_time()
    t0 = time.perf_counter()
    book = tables.SummaryWorkbook(RUN_DATE)
    for i in range(n):                                   # the 问题 sheet, record by record
        d0 = time.process_time()
        record = AuditRecord.from_json(variant(json.loads(texts[i % len(texts)]), i))
        decode += time.process_time() - d0
        book.add_findings([record])
    streamed = time.process_time()
    summaries = Summaries(texts, n)
    document = {"reports": summaries}
    with tempfile.TemporaryDirectory(prefix="xxgk-tables-out-") as tmp:
        out = keep or Path(tmp)
        out.mkdir(parents=True, exist_ok=True)
        s0 = time.process_time()
        for _ in summaries:                              # the cost of making the summaries, taken out below
            pass
        made = time.process_time() - s0
        f0 = time.process_time()
        tables.write_tables(document, out, RUN_DATE, workbook=book, findings_of=lambda: iter(()),
                            rule_info=rule_info)
        finish = time.process_time() - f0 - made
        size = (out / "summary.xlsx").stat().st_size
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0 - 2 * made            # made above and again inside write_tables
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    findings = sum(len(r.get("findings") or []) for r in records) * n / len(records)
    print(f"N={n:>6}  writer CPU {(cpu - decode) / n * 1000:6.3f} ms/report (问题 rows {(streamed - cpu0 - decode) / n * 1000:.3f}, "
          f"报告+csv+save {finish / n * 1000:.3f}); record decode {decode / n * 1000:.3f} ms/report; "
          f"wall {wall:6.2f} s; peak RSS +{peak - base_rss:6.1f} MB (from {base_rss:.0f}); "
          f"xlsx {size / 1e6:.1f} MB; ~{findings / n:.1f} findings/report")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--from", dest="source", type=Path, default=None, help="a findings.json to take the records from")
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--keep", type=Path, default=None, help="write the last size's outputs here")
    args = ap.parse_args()
    records = sample(args.source)
    from engine.render import tables     # noqa: F401 — imported before the fork: not part of the growth
    import pandas                        # noqa: F401
    sizes = [int(s) for s in args.sizes.split(",")]
    for k, n in enumerate(sizes):
        pid = os.fork()                 # a fresh process per size: its peak RSS is this size's
        if pid == 0:
            try:
                measure(records, n, args.keep if k == len(sizes) - 1 else None)
            finally:
                sys.stdout.flush()
                os._exit(0)
        os.waitpid(pid, 0)


if __name__ == "__main__":
    main()
