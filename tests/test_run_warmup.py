"""Each worker's warm-up between the probe and the group tasks (engine/run/warmup.py,
OnePassSteps.warm_workers): it runs, it leaves nothing behind (no letter, no spooled record, no
error for a file that is not a report or is gone), and the outputs are the same bytes without it."""
from __future__ import annotations

import datetime as dt
import filecmp
import os
import shutil
import time
from pathlib import Path

import pytest

import engine.run.grouped as grouped
from engine import DEFAULT_RULES_DIR
from engine.evaluate import evaluate as real_evaluate
from engine.ingest import DEFAULT_LIMITS
from engine.render.office import load_office
from engine.run import AuditOptions, Hooks, run_audit
from engine.run.warmup import warm_worker
from engine.run.workers import EvalContext, ParseTask, init_eval_worker

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
MARKS = "XXGK_TEST_WARM_MARKS"


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> Path:
    # a snapshot: rule files may change while the suite runs
    return shutil.copytree(DEFAULT_RULES_DIR, tmp_path_factory.mktemp("rules") / "rules")


def corpus(folder: Path) -> Path:
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
    (folder / "notes.txt").write_text("会议纪要\n今天讨论了天气。\n", encoding="utf-8")
    return folder


def marking_warm_worker(tasks, budget):
    """warm_worker, leaving a mark per call in the folder the test names (it runs in a worker)."""
    folder = Path(os.environ[MARKS])
    (folder / f"{os.getpid()}-{len(list(folder.iterdir()))}").write_text(" ".join(t.display for t in tasks))
    return warm_worker(tasks, budget)


@pytest.fixture
def marks(tmp_path, monkeypatch) -> Path:
    """The folder where the workers' warm-ups leave a mark per call (marking_warm_worker in place)."""
    folder = tmp_path / "marks"
    folder.mkdir()
    monkeypatch.setenv(MARKS, str(folder))
    monkeypatch.setattr(grouped, "warm_worker", marking_warm_worker)
    return folder


def stand_in_evaluate(report, catalog, previous=None, engine="durable"):
    return real_evaluate(report, catalog, previous=previous, engine=engine)


def tree(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*"))


def test_the_warm_up_runs_and_changes_no_output(tmp_path, rules, marks, monkeypatch):
    folder = corpus(tmp_path / "in")
    options = dict(jobs=2, run_date=dt.date(2026, 1, 5), rules_dir=rules)
    run_audit([folder], tmp_path / "warm", AuditOptions(**options))
    # one call per worker, each with the first probed reports (the seeds, in key order)
    assert len(list(marks.iterdir())) == 2
    for mark in marks.iterdir():
        assert mark.read_text().split() == [f"in/{p.name}" for p in sorted(folder.glob("*.txt"))][:grouped.WARM_REPORTS]
    monkeypatch.setattr(grouped, "WARM_WORKERS", False)
    run_audit([folder], tmp_path / "cold", AuditOptions(**options))
    assert len(list(marks.iterdir())) == 2
    warm, cold = tmp_path / "warm", tmp_path / "cold"
    assert tree(warm) == tree(cold)
    for name in tree(warm):
        if (warm / name).is_file():
            assert filecmp.cmp(warm / name, cold / name, shallow=False), name


def test_the_warm_up_is_left_out_with_stand_in_stages(tmp_path, rules, marks, monkeypatch):
    folder = corpus(tmp_path / "in")
    hooks = Hooks(evaluate="engine.evaluate:evaluate")      # equal to the real ones: warmed
    run_audit([folder], tmp_path / "a", AuditOptions(jobs=1, run_date=dt.date(2026, 1, 5), rules_dir=rules,
                                                    hooks=hooks))
    assert len(list(marks.iterdir())) == 1
    hooks = Hooks(evaluate=f"{__name__}:stand_in_evaluate")
    run_audit([folder], tmp_path / "b", AuditOptions(jobs=1, run_date=dt.date(2026, 1, 5), rules_dir=rules,
                                                    hooks=hooks))
    assert len(list(marks.iterdir())) == 1


def worker_folders(tmp_path: Path, rules: Path) -> tuple[Path, Path, Path, Path]:
    """This process made an evaluation worker writing under tmp_path (out, records, work), and the
    corpus's folder."""
    out, records, work = tmp_path / "out", tmp_path / "records", tmp_path / "work"
    for folder in (out, records, work):
        folder.mkdir()
    options = AuditOptions(rules_dir=rules)
    init_eval_worker(EvalContext(Hooks(), str(rules), str(options.scoring_file), load_office(options.office_file),
                                 dt.date(2026, 1, 5), str(out), 60.0, str(records)))
    return out, records, work, corpus(tmp_path / "in")


def warm_tasks(work: Path, paths: list[Path]) -> list[ParseTask]:
    return [ParseTask(f"in:{i:06d}", str(path), path.name, str(work), Hooks(), DEFAULT_LIMITS)
            for i, path in enumerate(paths)]


def test_warm_worker_leaves_nothing_behind(tmp_path, rules):
    out, records, work, folder = worker_folders(tmp_path, rules)
    (out / "letters").mkdir()
    tasks = warm_tasks(work, [*sorted(folder.iterdir()), folder / "gone.txt"])
    assert warm_worker(tasks) is None
    assert tree(out) == ["letters"] and tree(records) == [] and tree(work) == []


def test_warm_worker_stops_once_its_time_is_up(tmp_path, rules, monkeypatch):
    """No report is begun after WARM_SECONDS (the group tasks wait behind the warm-up), and each
    report's parse and evaluation are capped at it."""
    import engine.run.warmup as warmup
    import engine.run.workers as workers

    _out, _records, work, folder = worker_folders(tmp_path, rules)
    tasks = warm_tasks(work, sorted(folder.glob("0*.txt")))
    evaluated: list[str] = []
    record = workers.EvalWorker.record

    def counted(self, task, *args, **kwargs):
        evaluated.append(task.key)
        if slow:
            time.sleep(10)          # past the cap: interrupted (TimeCapExceeded), dropped
        return record(self, task, *args, **kwargs)

    slow = False
    monkeypatch.setattr(workers.EvalWorker, "record", counted)
    warm_worker(tasks)
    assert evaluated == [t.key for t in tasks]
    evaluated.clear()
    slow = True
    monkeypatch.setattr(warmup, "WARM_SECONDS", 0.2)
    started = time.monotonic()
    warm_worker(tasks)
    assert evaluated == [tasks[0].key] and time.monotonic() - started < 5


def test_reports_after_the_first_only_within_the_budget(tmp_path, rules, monkeypatch):
    """The first report is always warmed; the next ones only while less than the budget (the main
    process's expected pairing time) has gone: none with a budget of 0, all with a large one."""
    import engine.run.workers as workers

    _out, _records, work, folder = worker_folders(tmp_path, rules)
    tasks = warm_tasks(work, sorted(folder.glob("0*.txt"))[:3])
    evaluated: list[str] = []
    record = workers.EvalWorker.record
    monkeypatch.setattr(workers.EvalWorker, "record",
                        lambda self, task, *a, **k: evaluated.append(task.key) or record(self, task, *a, **k))
    warm_worker(tasks, 0.0)
    assert evaluated == [tasks[0].key]
    evaluated.clear()
    warm_worker(tasks, 30.0)
    assert evaluated == [t.key for t in tasks]


def budget_marking_warm_worker(tasks, budget):
    """warm_worker, noting its budget in the file the test names (it runs in a worker)."""
    with open(os.environ["XXGK_TEST_WARM_BUDGETS"], "a") as f:
        f.write(f"{budget!r}\n")
    return warm_worker(tasks, budget)


def test_the_budget_grows_with_the_probed_reports(tmp_path, rules, monkeypatch):
    """warm_workers hands each worker PAIRING_SECONDS per probed report as its budget."""
    monkeypatch.setattr(grouped, "warm_worker", budget_marking_warm_worker)
    monkeypatch.setenv("XXGK_TEST_WARM_BUDGETS", str(tmp_path / "budgets"))
    folder = corpus(tmp_path / "in")           # the five seeds and a text that is no report
    run_audit([folder], tmp_path / "out", AuditOptions(jobs=2, run_date=dt.date(2026, 1, 5), rules_dir=rules))
    budgets = [float(x) for x in (tmp_path / "budgets").read_text().split()]
    assert budgets == [grouped.PAIRING_SECONDS * len(list(SEEDS.glob("*.txt")))] * 2
