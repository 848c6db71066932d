"""One pass (engine/run/onepass.py, probe.py, grouped.py): the same outputs, byte for byte, as the
two-phase run — with the probe right, with the probe wrong (another body, another year, a file that
is not a report), with a body's chain of years longer than one group task, and when durable-rules
fails on a report inside a group task."""
from __future__ import annotations

import datetime as dt
import filecmp
import os
import re
import shutil
from pathlib import Path

import pytest

import engine.run.audit as audit_module
import engine.run.onepass as onepass
from engine import DEFAULT_RULES_DIR
from engine.evaluate import evaluate as real_evaluate
from engine.ingest import DEFAULT_LIMITS, Limits
from engine.parse import parse_file
from engine.run import AuditOptions, Hooks, run_audit
from engine.run.inputs import file_digest
from engine.run.onepass import MAX_GROUP, plan_groups
from engine.run.probe import Probe, probe_file, probe_text

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def seed_text(name: str) -> str:
    return next(SEEDS.glob(f"{name}_*.txt")).read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def rules(tmp_path_factory) -> Path:
    # a snapshot: rule files may change while the suite runs
    return shutil.copytree(DEFAULT_RULES_DIR, tmp_path_factory.mktemp("rules") / "rules")


@pytest.fixture
def corpus(tmp_path) -> Path:
    """The seeds, a body's reports for more years than one group task takes (seed 000 retitled),
    two different reports of one body and year, and a file that is not a report."""
    folder = tmp_path / "in"
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
    text = seed_text("000")
    year = parse_file(next(SEEDS.glob("000_*.txt"))).metadata.year
    for i in range(MAX_GROUP + 3):
        (folder / f"chain-{i:02d}.txt").write_text(text.replace(str(year), str(2010 + i)), encoding="utf-8")
    (folder / "chain-05-copy.txt").write_text(text.replace(str(year), "2015") + "\n附：本报告另有说明。\n",
                                              encoding="utf-8")
    (folder / "notes.txt").write_text("会议纪要\n今天讨论了天气。\n", encoding="utf-8")
    return folder


def run(folder: Path, out: Path, rules: Path, one_pass: bool, monkeypatch, jobs: int = 2, **kw) -> Path:
    monkeypatch.setattr(audit_module, "ONE_PASS", one_pass)
    run_audit([folder], out, AuditOptions(jobs=jobs, run_date=dt.date(2026, 1, 5), rules_dir=rules, **kw))
    return out


def assert_same_tree(a: Path, b: Path) -> None:
    names = sorted(str(p.relative_to(a)) for p in a.rglob("*"))
    assert sorted(str(p.relative_to(b)) for p in b.rglob("*")) == names
    for name in names:
        if (a / name).is_file():
            assert filecmp.cmp(a / name, b / name, shallow=False), name


def test_probe_predicts_the_seeds_as_the_parser_reads_them():
    for seed in sorted(SEEDS.glob("*.txt")):
        probe = probe_text(str(seed), DEFAULT_LIMITS)
        md = parse_file(seed).metadata
        assert probe == Probe(md.agency, md.year, "txt"), seed.name


def test_probe_leaves_what_it_cannot_tell_to_the_full_parse(tmp_path):
    notes = tmp_path / "notes.txt"
    notes.write_text("会议纪要\n今天讨论了天气。\n", encoding="utf-8")
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes(seed_text("000").encode("gb18030"))
    html = tmp_path / "r.html"
    html.write_text("<html><body>" + seed_text("000") + "</body></html>", encoding="utf-8")
    assert [probe_text(str(p), DEFAULT_LIMITS) for p in (notes, gbk, html)] == [None, None, None]


def test_probe_file_reads_the_digest_file_digest_gives(tmp_path):
    """The probe task reads each file once: its sha256 is file_digest's, None for what file_digest
    leaves to the parse (blank, empty, missing, a folder, a FIFO, over the size cap)."""
    files = {"report.txt": seed_text("000").encode("utf-8"), "gbk.txt": seed_text("001").encode("gb18030"),
             "blank.txt": b" \r\n\t\x0b\x0c ", "empty.txt": b"", "nul.txt": b"\x00\x01abc",
             "big.txt": b"x" * 100_001}
    for name, data in files.items():
        (tmp_path / name).write_bytes(data)
    (tmp_path / "folder").mkdir()
    os.mkfifo(tmp_path / "fifo")
    limits = Limits(max_bytes=100_000)
    for name in [*files, "folder", "fifo", "missing.txt"]:
        path = str(tmp_path / name)
        sha, probe = probe_file(path, limits)
        assert sha == file_digest(path, limits), name
        assert probe == probe_text(path, limits), name
    sha, probe = probe_file(str(tmp_path / "report.txt"), limits)
    assert sha is not None and probe is not None
    assert probe_file(str(tmp_path / "big.txt"), limits) == (None, None)          # over the size cap


def test_plan_groups_puts_last_year_first_and_cuts_long_chains():
    keys = [f"in:{i:06d}" for i in range(20)]
    previous_of = {keys[i]: keys[i - 1] for i in range(1, 12)}        # one chain of 12 years
    previous_of[keys[15]] = "prev:000000"                              # last year given with --previous
    tasks = plan_groups(keys, previous_of)
    evaluated = [k for task in tasks for k, ev in task if ev]
    assert sorted(evaluated) == keys
    for task in tasks:
        seen = set()
        for k, ev in task:
            if ev and k in previous_of:
                assert previous_of[k] in seen          # its previous year is parsed before it, in the task
            seen.add(k)
        assert sum(ev for _k, ev in task) <= MAX_GROUP
    assert ("prev:000000", False) in next(t for t in tasks if ("in:000015", True) in t)


def test_one_pass_outputs_are_the_two_phase_outputs(corpus, tmp_path, rules, monkeypatch):
    two = run(corpus, tmp_path / "two", rules, False, monkeypatch)
    one = run(corpus, tmp_path / "one", rules, True, monkeypatch)
    assert_same_tree(two, one)
    one1 = run(corpus, tmp_path / "one1", rules, True, monkeypatch, jobs=1)
    assert_same_tree(two, one1)


def wrong_probe(path: str, limits):
    """The real probe, wrong on purpose for a few files: another year, another body, a not-report
    predicted to be a report."""
    name = Path(path).name
    if name == "notes.txt":
        return Probe("某某镇人民政府", 2024, "txt")
    probe = probe_text(path, limits)
    if probe is None:
        return None
    if name == "chain-03.txt":
        return Probe(probe.agency, probe.year + 1, probe.format)      # lands in another group
    if name.startswith("001_"):
        return Probe(probe.agency + "办公室", probe.year, probe.format)
    return probe


def wrong_probe_file(path: str, limits):
    """probe_file with wrong_probe's predictions."""
    return probe_file(path, limits)[0], wrong_probe(path, limits)


def test_wrong_predictions_are_put_right(corpus, tmp_path, rules, monkeypatch):
    two = run(corpus, tmp_path / "two", rules, False, monkeypatch)
    monkeypatch.setattr(onepass, "probe_file", wrong_probe_file)
    one = run(corpus, tmp_path / "one", rules, True, monkeypatch)
    assert_same_tree(two, one)


def failing_evaluate(report, catalog, previous=None, engine="durable"):
    """durable-rules failing on one report (the reference engine works)."""
    if engine == "durable" and "chain-04" in (report.source or ""):
        raise RuntimeError("durable-rules 出错（测试）")
    return real_evaluate(report, catalog, previous=previous, engine=engine)


def test_rule_engine_failure_inside_a_group_falls_back_as_in_two_phases(corpus, tmp_path, rules, monkeypatch):
    hooks = Hooks(evaluate=f"{__name__}:failing_evaluate")
    two = run(corpus, tmp_path / "two", rules, False, monkeypatch, hooks=hooks)
    one = run(corpus, tmp_path / "one", rules, True, monkeypatch, hooks=hooks)
    assert_same_tree(two, one)
    assert "engine_fallback" in (one / "findings.json").read_text(encoding="utf-8")


def duplicates_corpus(corpus: Path) -> Path:
    """The corpus with byte-identical copies (of a report, of a file that is not one), two blank
    files (each "empty", never a duplicate of the other) and a PDF's bytes renamed .txt."""
    seed = next(corpus.glob("000_*.txt"))
    shutil.copy(seed, corpus / "zz-copy-of-000.txt")
    shutil.copy(seed, corpus / "0-copy-of-000.txt")          # listed first: the others are its copies
    shutil.copy(corpus / "notes.txt", corpus / "notes-copy.txt")
    (corpus / "blank1.txt").write_text("  \n", encoding="utf-8")
    (corpus / "blank2.txt").write_text("  \n", encoding="utf-8")
    return corpus


def test_duplicates_from_the_probes_digests_are_the_listings(corpus, tmp_path, rules, monkeypatch):
    """One pass hashes each file in the worker that probes it, not while listing: the same
    duplicates, in the same display-path order, as the two-phase run finds while listing."""
    folder = duplicates_corpus(corpus)
    two = run(folder, tmp_path / "two", rules, False, monkeypatch)
    one = run(folder, tmp_path / "one", rules, True, monkeypatch)
    assert_same_tree(two, one)
    import json
    reports = {r["source"].rsplit("/", 1)[-1]: r for r in
               json.loads((one / "findings.json").read_text(encoding="utf-8"))["reports"]}
    assert reports["zz-copy-of-000.txt"]["duplicate_of"].endswith("0-copy-of-000.txt")
    assert reports[next(corpus.glob("000_*.txt")).name]["status"] == "duplicate"
    assert reports["notes.txt"]["status"] == "duplicate"      # "notes-copy" sorts first
    assert reports["blank1.txt"]["status"] == reports["blank2.txt"]["status"] == "empty"


def failing_probe_chunk(task):
    """A probe task that fails on the files of the chain (its files' digests are taken by the main
    process then, and the files parsed in full)."""
    if any("chain-0" in path for _key, path in task.items):
        raise RuntimeError("预读出错（测试）")
    return onepass.probe_chunk(task)


def test_a_failed_probe_task_still_finds_the_duplicates(corpus, tmp_path, rules, monkeypatch):
    import engine.run.grouped as grouped
    folder = duplicates_corpus(corpus)
    shutil.copy(folder / "chain-01.txt", folder / "chain-01-copy.txt")
    two = run(folder, tmp_path / "two", rules, False, monkeypatch)
    monkeypatch.setattr(grouped, "probe_chunk", failing_probe_chunk)
    one = run(folder, tmp_path / "one", rules, True, monkeypatch)
    assert_same_tree(two, one)


def test_a_group_tasks_letters_are_written_after_its_reports_are_evaluated(corpus, tmp_path, rules, monkeypatch):
    """Each group task evaluates its reports, then writes their letters one after the other
    (workers.write_letters), every evaluated report's once."""
    import itertools

    import engine.run.workers as workers

    log = tmp_path / "events.txt"             # appended to by the forked workers

    def logged(kind, method):
        def wrapper(self, *args, **kwargs):
            result = method(self, *args, **kwargs)
            record = result if kind == "eval" else args[0]
            with open(log, "a", encoding="utf-8") as fh:
                fh.write(f"{kind}\t{record.source}\n")
            return result
        return wrapper

    import engine.run.grouped as grouped
    monkeypatch.setattr(grouped, "WARM_WORKERS", False)       # its evaluations write no letter (warmup.py)
    monkeypatch.setattr(workers.EvalWorker, "record", logged("eval", workers.EvalWorker.record))
    monkeypatch.setattr(workers.EvalWorker, "write_outputs", logged("write", workers.EvalWorker.write_outputs))
    run(corpus, tmp_path / "out", rules, True, monkeypatch, jobs=1)
    events = [line.split("\t") for line in log.read_text(encoding="utf-8").splitlines()]
    runs = [(kind, [source for _, source in group]) for kind, group in itertools.groupby(events, key=lambda e: e[0])]
    assert [kind for kind, _ in runs] == ["eval", "write"] * (len(runs) // 2) and len(runs) % 2 == 0
    assert any(len(sources) > 1 for _, sources in runs)         # several reports to a task
    for (_, evaluated), (_, written) in zip(runs[::2], runs[1::2]):
        assert written == evaluated


def _reference_plan(keys, previous_of, jobs):
    """plan_groups as it was before iter_groups (a dict entry and a list for every report)."""
    from collections import defaultdict
    from engine.run.onepass import tail_size
    wanted, parent = set(keys), {}

    def find(k):
        while parent.get(k, k) != k:
            k = parent[k]
        return k
    for k in keys:
        p = previous_of.get(k)
        if p is not None and find(k) != find(p):
            a, b = find(k), find(p)
            parent[max(a, b)] = min(a, b)
    members = defaultdict(list)
    for k in keys:
        members[find(k)].append(k)
        p = previous_of.get(k)
        if p is not None and p not in wanted:
            members[find(p)].append(p)

    def depth_of(k):
        d = 0
        while k in previous_of:
            k, d = previous_of[k], d + 1
        return d
    tasks, current, left = [], [], len(wanted)
    count = lambda task: sum(1 for _k, e in task if e)     # noqa: E731
    for root in sorted(members, key=lambda r: min(members[r])):
        group = sorted(set(members[root]), key=lambda k: (depth_of(k), k))
        evaluated = [k for k in group if k in wanted]
        if current and count(current) + len(evaluated) > tail_size(left, jobs):
            tasks.append(current)
            left -= count(current)
            current = []
        if len(evaluated) <= MAX_GROUP:
            current.extend((k, k in wanted) for k in group)
            continue
        for start in range(0, len(evaluated), MAX_GROUP):
            piece, task = evaluated[start:start + MAX_GROUP], []
            inside = set(piece)
            for k in piece:
                p = previous_of.get(k)
                if p is not None and p not in inside:
                    inside.add(p)
                    task.append((p, False))
                task.append((k, True))
            tasks.append(sorted(task, key=lambda m: (depth_of(m[0]), m[0])))
            left -= len(piece)
    if current:
        tasks.append(current)
    return tasks


def test_sparse_plan_equals_the_dict_form_on_random_batches():
    import random
    from engine.run.keyed import KeyList
    for seed in range(1500):
        rng = random.Random(seed)
        n = rng.randint(0, 80)
        pool = [f"in:{i:06d}" for i in range(n + 10)] + [f"prev:{i:06d}" for i in range(8)] + ["a", "zz"]
        keys = sorted(rng.sample(pool, min(len(pool), n)))
        previous_of = {}
        if rng.random() < 0.2:                       # a long chain of years: cut into tasks
            chain = keys[:rng.randint(0, len(keys))]
            previous_of.update({chain[i]: chain[i - 1] for i in range(1, len(chain))})
        for k in rng.sample(pool, min(len(pool), rng.randint(0, n // 2))):
            p = rng.choice(pool)
            seen, q = {k}, p                         # no cycle: a chain goes back in years
            while q in previous_of and q not in seen:
                seen.add(q)
                q = previous_of[q]
            if q not in seen and k not in previous_of:
                previous_of[k] = p
        jobs = rng.choice([1, 2, 4])
        given = keys if rng.random() < 0.8 else rng.sample(keys, len(keys))
        expected = _reference_plan(given, previous_of, jobs)
        assert plan_groups(given, previous_of, jobs) == expected, seed
        if given is keys:
            assert plan_groups(KeyList(keys), previous_of, jobs) == expected, seed


def test_in_key_order_is_the_string_order():
    import random
    from engine.run.keyed import KeyList
    from engine.run.onepass import in_key_order
    rng = random.Random(5)
    for _ in range(300):
        keys = rng.sample([f"in:{i:06d}" for i in range(30)] + [f"prev:{i:06d}" for i in range(30)]
                          + ["in:1000000", "in:999999", "x", "in:7"], rng.randint(0, 20))
        if rng.random() < 0.5:
            keys.sort(key=lambda k: (k.startswith("prev"), k))
        listed = KeyList(keys)
        ordered = in_key_order(listed)
        assert list(ordered) == sorted(keys)
        plain = all(re.fullmatch(r"(in|prev):\d{6}", k) for k in keys)     # run keys: no string made
        assert (ordered is listed) == (keys == sorted(keys) and plain)


def test_packed_duplicates_equal_the_dict_form():
    import hashlib
    import random
    from engine.run.inputs import duplicates_of

    def reference(digests):
        first_of = {}
        for key, digest in digests:
            if digest is not None and first_of.setdefault(digest, key) != key:
                yield key, first_of[digest]
    pool = [hashlib.sha256(bytes([j])).digest() for j in range(6)]
    pool += [pool[0][:8] + bytes(24), pool[1][:8] + b"x" * 24, None]       # the same first 8 bytes, other digests
    for seed in range(1000):
        rng = random.Random(seed)
        items = [(rng.choice([f"in:{i:06d}", f"k{i}"]), rng.choice(pool)) for i in range(rng.randint(0, 30))]
        assert list(duplicates_of(iter(items))) == list(reference(items)), seed
