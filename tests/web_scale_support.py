"""A large batch's results, written cheaply: the five seeds audited once for real, then their records
copied N times with their own digest, agency, score, grade and finding ids, and written as a large
run writes them (findings.jsonl one record a line, findings.json without `reports`) with the
engine's own writer. Used by tests/test_web_scale.py and benchmarks/web.py (no pytest here)."""
from __future__ import annotations

import copy
import hashlib
import json
import os
import shutil
from pathlib import Path
from typing import Any

from engine.render.json_out import FINDINGS_FILE, REPORTS_FILE, write_findings_stream
from engine.run import AuditOptions, run_audit

ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = ROOT / "tests" / "fixtures" / "seeds"
GRADES = (("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", 0))
OTHER_STATUS = ("unreadable", "duplicate", "scanned")
TOWNS = ("南岭", "金村", "阎村", "木厂", "洪泽", "淮安", "清河", "白马")


def audit_seeds(out: Path) -> Path:
    """The five seeds audited into `out` (letters and all), once."""
    if not (out / FINDINGS_FILE).is_file():
        run_audit([SEEDS_DIR], out, AuditOptions(jobs=1))
    return out


def synthetic_records(seed_out: Path, n: int, variant: int = 0) -> list[dict[str, Any]]:
    """n report records made from the seeds' (`variant` changes every score and finding id: a re-run)."""
    templates = [json.loads(line) for line in (seed_out / REPORTS_FILE).read_text(encoding="utf-8").splitlines()]
    records = []
    for i in range(n):
        r = copy.deepcopy(templates[i % len(templates)])
        r["sha256"] = hashlib.sha256(f"report-{i}".encode()).hexdigest()
        r["agency"] = f"{TOWNS[i % len(TOWNS)]}{i:05d}镇人民政府"
        r["source"] = f"in/{i:05d}.txt"
        if i % 37 == 5:
            r.update(status=OTHER_STATUS[i % 3], message="无法读取该文件。", score=None, grade=None, letter=None,
                     findings=[], not_assessable=[], counts={"error": 0, "warning": 0, "info": 0})
        else:
            r["score"] = float((i * 7919 + variant * 13) % 41 + 60) - (0 if i % 9 else 41)
            r["grade"] = next(g for g, floor in GRADES if r["score"] >= floor)
            keep = (i + variant) % (len(r["findings"]) + 1)
            r["findings"] = r["findings"][:keep]
            for j, f in enumerate(r["findings"]):
                f["id"] = f"F{variant}-{i:05d}-{j}"
            r["counts"] = {s: sum(f["severity"] == s for f in r["findings"]) for s in ("error", "warning", "info")}
        records.append(r)
    return records


def write_results(out: Path, seed_out: Path, records: list[dict[str, Any]]) -> None:
    """`records` as a large run's OUT (findings.jsonl + findings.json without `reports`), the seeds'
    letters beside them; replaces `out` as a run does (a new folder renamed into place)."""
    staging = out.with_name(out.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with open(staging / REPORTS_FILE, "w", encoding="utf-8", newline="\n") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    head = json.loads((seed_out / FINDINGS_FILE).read_text(encoding="utf-8"))
    for key in ("reports", "letters", "previous_inputs"):
        head.pop(key, None)
    head.update(reports_file=REPORTS_FILE, reports_inline=False)
    write_findings_stream(staging / FINDINGS_FILE, head, None, [])
    shutil.copytree(seed_out / "letters", staging / "letters")
    if out.exists():
        old = out.with_name(out.name + ".old")
        os.replace(out, old)
        os.replace(staging, out)
        shutil.rmtree(old)
    else:
        os.replace(staging, out)
