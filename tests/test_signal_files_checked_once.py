"""The signal file a catalog names is found (os.stat) once per catalog, not once per report, and
the shipped sources list is stat'ed at most once per RECHECK_SECONDS; the facts are the same."""
import shutil
from pathlib import Path

import engine.sources as sources
from engine.evaluate import fact_filters
from engine.facts import build_facts
from engine.facts.extractors import text_signals
from engine.ingest import read_document
from engine.parse import parse_document
from engine.rules import DEFAULT_RULES_DIR, load_catalog

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def test_signal_set_found_once_per_catalog(monkeypatch):
    catalog = load_catalog(DEFAULT_RULES_DIR)
    reports = [parse_document(read_document(p)) for p in sorted(SEEDS.glob("*.txt"))]
    before = [build_facts(r, None, catalog.requests, sent=fact_filters(catalog)).facts for r in reports]
    asked = []
    real = text_signals.signal_set
    monkeypatch.setattr(text_signals, "signal_set", lambda path: asked.append(path) or real(path))
    monkeypatch.setattr(text_signals, "_BY_OWNER", {})
    after = [build_facts(r, None, catalog.requests, sent=fact_filters(catalog)).facts for r in reports]
    assert after == before
    # the text_signals requests (one list) and each fee request of text_figures: at most once each
    fee_requests = [r for r in catalog.requests["text_figures"] if r["kind"] == "fee"]
    assert 1 <= len(asked) <= 1 + len(fee_requests)
    again = [build_facts(r, None, catalog.requests, sent=fact_filters(catalog)).facts for r in reports]
    assert again == before and len(asked) <= 1 + len(fee_requests)
    # another catalog (another run) looks its file up again
    other = load_catalog(DEFAULT_RULES_DIR)
    n = len(asked)
    build_facts(reports[0], None, other.requests, sent=fact_filters(other))
    assert len(asked) > n or other.requests is catalog.requests


def test_shipped_sources_stat_at_most_once_per_interval(tmp_path, monkeypatch):
    copy = tmp_path / "sources.yaml"
    shutil.copy(sources.SHIPPED, copy)
    monkeypatch.setattr(sources, "SHIPPED", copy)
    monkeypatch.setattr(sources, "_SHIPPED_SEEN", [float("-inf"), None])
    stats = []
    real_stat = Path.stat
    monkeypatch.setattr(Path, "stat", lambda self, *a, **k: stats.append(self) or real_stat(self, *a, **k))
    first = sources.load_sources()
    assert [sources.load_sources() for _ in range(5)] == [first] * 5
    assert stats.count(copy) == 1
    # after the interval the file is checked again, and a change is seen
    text = copy.read_text(encoding="utf-8")
    copy.write_text(text.replace("国办公开办函〔2019〕60号", "国办公开办函〔2019〕99号"), encoding="utf-8")
    monkeypatch.setattr(sources, "RECHECK_SECONDS", 0.0)
    changed = sources.load_sources()
    assert stats.count(copy) == 2
    assert any(f.doc == "国办公开办函〔2019〕99号" for f in changed.formats)
