"""Median evaluation time per report with the full rule catalog, for durable-rules (our driver)
and for the pure-Python reference evaluator. Target: under 10 ms per report.

    .venv/bin/python benchmarks/evaluate.py [--reports N] [--rules DIR]

Reports: the seeds parsed by engine.parse (when the parser is available) plus example reports of
the catalog and randomised variants of them, so the measurement covers clean and broken reports.
Times include fact building, the engine run and building the RuleResults (not parsing); the
fact building and the engine run (engine facts, the engine, activations) are also shown alone.
For CPU per text report stage by stage (parse included), side by side with another commit, see
benchmarks/stages.py.
"""
from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from engine import template as T                       # noqa: E402
from engine.evaluate import evaluate, run_engine       # noqa: E402
from engine.facts import build_facts          # noqa: E402
from engine.rules import DEFAULT_RULES_DIR, load_catalog   # noqa: E402
from engine.rules.examples import build_report         # noqa: E402


def corpus(catalog, n: int, seed: int = 7, mutate: bool = True) -> list:
    rnd = random.Random(seed)
    reports = []
    try:
        from engine.parse import parse_file
        for p in sorted((ROOT / "tests" / "fixtures" / "seeds").glob("*.txt")):
            reports.append(parse_file(str(p)))
    except ImportError:
        pass
    descs = [ex["report"] for r in catalog.rules for ex in r.examples if not ex["report"].get("file")]
    while len(reports) < n:
        d = dict(rnd.choice(descs))
        cells = dict(d.get("cells") or {})
        tmpl = d.get("template", "2021")
        addrs = T.active_addresses(tmpl) + T.application_addresses(
            T.DEFAULT_APPLICATION_VARIANT[tmpl]) + T.review_addresses()
        for a in rnd.sample(addrs, 12 if mutate else 0):
            cells[a] = rnd.choice([0, 1, 2, 5, 17, "blank", "—", -1])
        d["cells"] = cells
        reports.append(build_report(d))
    return reports[:n]


def median_ms(fn, reports, repeat: int = 3) -> tuple[float, float]:
    """(median wall-clock ms, median CPU ms) per report: CPU time is what the engine costs when
    the machine is shared (wall-clock includes waiting for other processes)."""
    wall, cpu = [], []
    for _ in range(repeat):
        for r in reports:
            t0, c0 = time.perf_counter(), time.process_time()
            fn(r)
            wall.append((time.perf_counter() - t0) * 1000)
            cpu.append((time.process_time() - c0) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--reports", type=int, default=200)
    ap.add_argument("--clean", action="store_true",
                    help="only unmodified example reports (few findings) instead of randomised ones")
    ap.add_argument("--rules", default=str(DEFAULT_RULES_DIR))
    args = ap.parse_args()
    catalog = load_catalog(args.rules)
    reports = corpus(catalog, args.reports, mutate=not args.clean)
    evaluate(reports[0], catalog, engine="durable")      # create the ruleset once (per process)
    n_facts = statistics.median(len(build_facts(r, None, catalog.requests).facts) for r in reports)
    print(f"catalog: {len(catalog.rules)} rules, {len(catalog.clauses)} engine conditions; "
          f"{len(reports)} reports, median {n_facts:.0f} facts/report")
    facts_ms = median_ms(lambda r: build_facts(r, None, catalog.requests), reports)
    for engine in ("durable", "reference"):
        ms, cpu = median_ms(lambda r: evaluate(r, catalog, engine=engine), reports)
        verdict = "OK" if ms < 10 else "OVER TARGET"
        print(f"{engine:9s}: median {ms:6.2f} ms/report wall, {cpu:6.2f} ms CPU "
              f"(target < 10 ms: {verdict})")
    print(f"facts    : median {facts_ms[0]:6.2f} ms/report wall, {facts_ms[1]:6.2f} ms CPU "
          f"(included above)")
    fact_sets = [build_facts(r, None, catalog.requests) for r in reports]
    for engine in ("durable", "reference"):
        ms, cpu = median_ms(lambda fs: run_engine(catalog, fs, engine), fact_sets)
        print(f"engine   : median {ms:6.2f} ms/report wall, {cpu:6.2f} ms CPU "
              f"(facts → activations, {engine}; included above)")


if __name__ == "__main__":
    main()
