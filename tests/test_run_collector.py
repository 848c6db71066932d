"""run_audit pauses the cyclic garbage collector while it loads the rules and keeps what it loaded
frozen for the run (engine/run/audit.py): the process's collector is left as the run found it, even
when the run fails."""
import datetime as dt
import gc
import shutil
from pathlib import Path

import pytest

from engine.rules import DEFAULT_RULES_DIR, RuleLoadError
from engine.run import AuditOptions, run_audit

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
