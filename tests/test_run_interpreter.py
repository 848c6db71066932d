"""run_audit pauses the cyclic garbage collector while it loads the rules and keeps what it loaded
frozen for the run, and shortens the GIL's switch interval for the run (engine/run/interpreter.py):
the process's collector and interval are left as the run found them, even when the run fails."""
import datetime as dt
import gc
import shutil
import sys
from pathlib import Path

import pytest

from engine.rules import DEFAULT_RULES_DIR, RuleLoadError
import engine.run.audit as audit
from engine.run import AuditOptions, run_audit
from engine.run.interpreter import SWITCH_SECONDS

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def run_one(tmp_path, **options):
    return run_audit([sorted(SEEDS.glob("*.txt"))[0]], tmp_path / "out",
                     AuditOptions(jobs=1, run_date=dt.date(2026, 1, 5), **options))


def test_the_collector_is_left_as_it_was(tmp_path):
    assert gc.get_freeze_count() == 0 and gc.isenabled()
    assert run_one(tmp_path).count_by_status() == {"audited": 1}
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_a_paused_collector_stays_paused(tmp_path):
    gc.disable()
    try:
        run_one(tmp_path)
        assert not gc.isenabled() and gc.get_freeze_count() == 0
    finally:
        gc.enable()


def test_a_failed_load_leaves_it_as_it_was(tmp_path):
    rules = tmp_path / "rules"
    rules.mkdir()
    shutil.copy(DEFAULT_RULES_DIR / "scoring.yaml", rules)
    (rules / "broken.yaml").write_text("rules: [\n", encoding="utf-8")
    with pytest.raises(RuleLoadError):
        run_one(tmp_path, rules_dir=rules)
    assert gc.get_freeze_count() == 0 and gc.isenabled()


def test_the_switch_interval_is_short_for_the_run_and_put_back(tmp_path, monkeypatch):
    seen = []
    parse = audit.Audit.parse
    monkeypatch.setattr(audit.Audit, "parse", lambda self: seen.append(sys.getswitchinterval()) or parse(self))
    was = sys.getswitchinterval()
    assert was > SWITCH_SECONDS                       # Python's default, 5 ms
    run_one(tmp_path)
    assert seen == [SWITCH_SECONDS] and sys.getswitchinterval() == was
    sys.setswitchinterval(SWITCH_SECONDS / 2)         # a shorter one is kept
    try:
        run_one(tmp_path / "again")
        assert sys.getswitchinterval() == SWITCH_SECONDS / 2
    finally:
        sys.setswitchinterval(was)
