"""The web app on a large batch: milliseconds per batch page, report page and decision look-up,
with the results index (engine/web/results_index.py) and the old way (every request parsing the
batch's whole results: findings.json + every line of findings.jsonl).

    .venv/bin/python benchmarks/web.py [--sizes 1000,10000] [--repeat 5]

The batch's results are the five seeds' records copied N times (tests/web_scale_support.py), written
as a large run writes them. Prints, per size: the index's one-time build, then for each request the
median of --repeat runs, new and old. The new requests go through the app (TestClient: routing,
session, template); the old way is timed at the service level only (its parse alone), so the
comparison flatters the old way.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.render.json_out import load_findings  # noqa: E402
from engine.web import results_index, service  # noqa: E402
from engine.web.results_index import GRADE_ORDER  # noqa: E402
from engine.web.views import report_view  # noqa: E402
from tests.web_scale_support import audit_seeds, synthetic_records, write_results  # noqa: E402
from tests.web_support import TestClient, login, make_app  # noqa: E402


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def old_batch_page(out: Path) -> None:
    views = [report_view(r) for r in load_findings(out)["reports"]]
    audited = sorted((v for v in views if v.status == "audited"),
                     key=lambda v: (GRADE_ORDER.get(v.grade or "", 9), -v.counts["error"], v.score or 0, v.agency))
    Counter(f.title for r in audited for f in r.findings if f.charge != "manual").most_common(8)
    [r.main_problems for r in audited]


def old_report(out: Path, rid: str) -> None:
    next(v for v in (report_view(r) for r in load_findings(out)["reports"]) if v.id == rid)


def old_finding(out: Path, fid: str) -> None:
    next(f for v in (report_view(r) for r in load_findings(out)["reports"]) for f in v.findings if f.id == fid)


def one_size(tmp: Path, seed_out: Path, n: int, repeat: int) -> None:
    app = make_app(tmp / f"data-{n}")
    state = app.state.xxgk
    batch_id = f"20260101-000000-{n:06d}"
    state.db.add_batch(batch_id, "benchmark", "admin", n)
    state.db.update_batch(batch_id, status="done")
    out = state.settings.batches / batch_id / "out"
    out.parent.mkdir(parents=True)
    records = synthetic_records(seed_out, n)
    write_results(out, seed_out, records)
    size = (out / "findings.jsonl").stat().st_size / 1e6
    t = time.perf_counter()
    results_index.build_index(out.parent)
    build = (time.perf_counter() - t) * 1000
    index_mb = (out.parent / results_index.INDEX_NAME).stat().st_size / 1e6
    client = TestClient(app)
    login(client)
    middle = records[n // 2]
    rid = report_view(middle).id
    fid = next(f["id"] for r in records[n // 2:] for f in r["findings"])
    print(f"N={n}: findings.jsonl {size:.0f} MB; index built once in {build:.0f} ms ({index_mb:.1f} MB)")
    rows = [
        ("batch page (page 1)", lambda: client.get(f"/batches/{batch_id}"), lambda: old_batch_page(out)),
        ("batch page (filtered)", lambda: client.get(f"/batches/{batch_id}?grade=不合格&q=金村&page=2"), None),
        ("report page", lambda: client.get(f"/batches/{batch_id}/reports/{rid}"), lambda: old_report(out, rid)),
        ("decision look-up", lambda: service._batch_with_finding(state, fid, None), lambda: old_finding(out, fid)),
        ("API batch view (100)", lambda: client.get(f"/api/batches/{batch_id}"), None),
    ]
    for label, new, old in rows:
        new_ms = median_ms(new, repeat)
        old_ms = median_ms(old, max(1, repeat // 2)) if old else None
        print(f"  {label:22s} {new_ms:8.1f} ms" + (f"   old way {old_ms:8.0f} ms" if old_ms is not None else ""))
    app.state.xxgk.runner.shutdown()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="1000,10000")
    ap.add_argument("--repeat", type=int, default=5)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory(prefix="xxgk-web-bench-") as tmp:
        seed_out = audit_seeds(Path(tmp) / "seeds")
        for n in (int(s) for s in args.sizes.split(",")):
            one_size(Path(tmp), seed_out, n, args.repeat)


if __name__ == "__main__":
    main()
