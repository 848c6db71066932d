"""CPU per text report, stage by stage, optionally side by side with another git commit.

    .venv/bin/python benchmarks/stages.py [-n 100] [--rounds 3] [--against REV] [--profile STAGE]

The reports are benchmarks/audit.py's synthetic text reports (the five seeds with their own agency
names and consistent figures, a fifth of them with an injected defect). Stages, in CPU ms per
report (time.process_time, garbage collector on, the setup frozen out of it as in the workers):

    read       read_document(path)
    parse      parse_document(document)
    facts      the facts evaluate(engine="durable") builds: build_facts(report, None, catalog.requests,
               sent=fact_filters(catalog)) (only what the engine can use; a tree without `sent`: all)
    facts_all  build_facts(report, None, catalog.requests): every fact (the reference evaluator's)
    durable    evaluate(report, catalog, engine="durable")  (facts + engine + results + charges)
    reference  evaluate(report, catalog, engine="reference")
    record     build_record(...)  (findings quoted and sorted, score, not-assessable items)
    letters    HtmlLetters.write + DocxLetters.write  (both letter files written, as in the worker)
    json       report_text(record)  (the findings.json text the worker spools)
    worker     read + parse + durable + record + letters + json: the worker's CPU per report
               (without the Report pickle between the phases and the spool writes)

Each round measures every stage once over the whole corpus; the figure is the median over rounds.
--against REV: the same measurement for REV (checked out in a temporary git worktree, removed
afterwards), rounds alternating between the two trees in fresh processes, so both see the same
machine load; the last column is the ratio (this tree / REV).
--profile STAGE: cProfile of one stage over the corpus, top functions by own time (this tree only).
Target (issue 14): parse ≤ 1.5 ms and durable ≤ 2 ms per report; ≥ 500 reports/s with 2 workers
leaves the worker about 4 ms of CPU per report in all.
"""
from __future__ import annotations

import argparse
import contextlib
import os
import json
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.append(str(ROOT / "benchmarks"))       # last: its script names (parse, ledger) must shadow nothing

from against import checkout                                         # noqa: E402

STAGES = ("read", "parse", "facts", "facts_all", "durable", "reference", "record", "letters", "json")
WORKER = ("read", "parse", "durable", "record", "letters", "json")


def measure(root: Path, corpus: Path, rounds: int, profile: str | None) -> dict[str, list[float]]:
    """Runs in the child process, importing the engine of `root`."""
    sys.path.insert(0, str(root))
    import datetime as dt
    import gc
    import time

    from engine.evaluate import evaluate
    from engine.facts import build_facts
    from engine.ingest import read_document
    from engine.parse import parse_document
    from engine.model import AuditRecord
    from engine.render.docx_letter import DocxLetters
    from engine.render.json_out import report_text
    from engine.render.letters import HtmlLetters, assign_letter_paths
    from engine.render.office import load_office
    from engine.render.output import OutputContext
    from engine.rules import DEFAULT_RULES_DIR, load_catalog
    from engine.run.records import build_record, catalog_rule_info
    from engine.score import load_scoring

    files = sorted(str(p) for p in corpus.glob("*.txt"))
    catalog = load_catalog(DEFAULT_RULES_DIR)
    docs = [read_document(f) for f in files]
    reports = [parse_document(d) for d in docs]
    evaluate(reports[0], catalog, engine="durable")      # the ruleset is created once per process
    evaluate(reports[0], catalog, engine="reference")
    results = [evaluate(r, catalog, engine="durable") for r in reports]
    office, run_date = load_office(DEFAULT_RULES_DIR / "office.yaml"), dt.date(2026, 12, 1)
    policy, info = load_scoring(DEFAULT_RULES_DIR / "scoring.yaml"), catalog_rule_info(catalog)
    paths = assign_letter_paths([(r.metadata.agency, r.metadata.year) for r in reports])
    bases = [AuditRecord(source=f, status="audited", letter=path, sequence=i + 1,
                         reference_number=office.reference_number(i + 1, run_date))
             for i, (f, path) in enumerate(zip(files, paths))]
    records = [build_record(b, r, res, policy, info, "durable") for b, r, res in zip(bases, reports, results)]
    out_dir = Path(tempfile.mkdtemp(prefix="xxgk-stages-out-"))
    ctx = OutputContext(out_dir, office, run_date)
    HtmlLetters.prepare(out_dir)
    letter_outputs = [HtmlLetters(ctx), DocxLetters(ctx)]
    import inspect
    from engine.evaluate import fact_filters
    durable_facts = ({"sent": fact_filters(catalog)}
                     if "sent" in inspect.signature(build_facts).parameters else {})
    runs = {
        "read": lambda: [read_document(f) for f in files],
        "parse": lambda: [parse_document(d) for d in docs],
        "facts": lambda: [build_facts(r, None, catalog.requests, **durable_facts) for r in reports],
        "facts_all": lambda: [build_facts(r, None, catalog.requests) for r in reports],
        "durable": lambda: [evaluate(r, catalog, engine="durable") for r in reports],
        "reference": lambda: [evaluate(r, catalog, engine="reference") for r in reports],
        "record": lambda: [build_record(b, r, res, policy, info, "durable")
                           for b, r, res in zip(bases, reports, results)],
        "letters": lambda: [out.write(rec) for rec in records for out in letter_outputs],
        "json": lambda: [report_text(rec) for rec in records],
    }
    gc.collect()
    gc.freeze()            # the workers freeze what they loaded before the first report
    if profile:
        import cProfile
        import pstats
        prof = cProfile.Profile()
        prof.enable()
        runs[profile]()
        prof.disable()
        pstats.Stats(prof, stream=sys.stderr).sort_stats(os.environ.get("SORT", "tottime")).print_stats(int(os.environ.get("TOP", "30")))
        return {}
    out: dict[str, list[float]] = {s: [] for s in STAGES}
    for _ in range(rounds):
        for stage in STAGES:
            c0 = time.process_time()
            runs[stage]()
            out[stage].append((time.process_time() - c0) * 1000 / len(files))
            gc.collect()
    import shutil
    shutil.rmtree(out_dir, ignore_errors=True)
    return out


def child(root: Path, corpus: Path, rounds: int) -> dict[str, list[float]]:
    cmd = [sys.executable, __file__, "--child", str(root), "--corpus", str(corpus), "--rounds", str(rounds)]
    return json.loads(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout)


def make_corpus(n: int, folder: Path) -> None:
    from audit import generate           # benchmarks/audit.py's generator
    generate(n, folder, defects=0.2)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("-n", type=int, default=100, help="synthetic reports (default 100)")
    ap.add_argument("--rounds", type=int, default=3, help="rounds per tree (default 3)")
    ap.add_argument("--against", metavar="REV", help="git commit to measure side by side")
    ap.add_argument("--profile", choices=STAGES, help="cProfile one stage instead of timing")
    ap.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--corpus", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(measure(args.child, args.corpus, args.rounds, None)))
        return
    with tempfile.TemporaryDirectory(prefix="xxgk-stages-") as tmp:
        corpus = Path(tmp) / "reports"
        corpus.mkdir()
        make_corpus(args.n, corpus)
        if args.profile:
            measure(ROOT, corpus, 1, args.profile)
            return
        with contextlib.ExitStack() as stack:
            trees = {"this": ROOT}
            if args.against:
                trees["against"] = stack.enter_context(checkout(ROOT, args.against))
            got: dict[str, dict[str, list[float]]] = {t: {s: [] for s in STAGES} for t in trees}
            for _ in range(args.rounds):         # alternate: both trees see the same machine load
                for name, root in trees.items():
                    for stage, ms in child(root, corpus, 1).items():
                        got[name][stage] += ms
    print(f"{args.n} synthetic text reports, CPU ms per report (median of {args.rounds} rounds)")
    head = f"{'stage':10s}{'this':>9s}" + (f"{args.against[:12]:>14s}{'ratio':>8s}" if args.against else "")
    print(head)
    med = {t: {s: statistics.median(v) for s, v in stages.items()} for t, stages in got.items()}
    for t in med:
        med[t]["worker"] = sum(med[t][s] for s in WORKER)
    for stage in (*STAGES, "worker"):
        a = med["this"][stage]
        row = f"{stage:10s}{a:9.2f}"
        if args.against:
            b = med["against"][stage]
            row += f"{b:14.2f}{a / b:8.2f}"
        print(row)


if __name__ == "__main__":
    main()
