"""The cache of compiled rule catalogs (engine/run/catalog_cache.py): used only for the same rules
and code, never for broken rules, off on request, bounded in size."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from engine import DEFAULT_RULES_DIR
from engine.rules import RuleLoadError, load_catalog
from engine.run import catalog_cache
from engine.run.catalog_cache import cached_catalog, catalog_key


class Counting:
    def __init__(self):
        self.calls = 0

    def __call__(self, path):
        self.calls += 1
        return load_catalog(path)


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("XXGK_AUDIT_NO_CACHE", raising=False)
    return tmp_path / "cache" / "xxgk-audit"


@pytest.fixture
def rules(tmp_path):
    folder = tmp_path / "rules"
    shutil.copytree(DEFAULT_RULES_DIR, folder)
    return folder


def test_second_load_comes_from_the_cache_and_equals_a_fresh_load(cache_home, rules):
    load = Counting()
    first = cached_catalog(load, rules)
    second = cached_catalog(load, rules)
    assert load.calls == 1
    assert second is not first and second == first == load_catalog(rules)
    assert second.ruleset_json == first.ruleset_json and second.digest == first.digest
    assert len(list(cache_home.glob("catalog-*.pickle"))) == 1


def test_any_change_to_a_rules_file_is_another_key(cache_home, rules):
    load = Counting()
    before = cached_catalog(load, rules)
    scoring = rules / "scoring.yaml"
    scoring.write_bytes(scoring.read_bytes() + b"\n# changed\n")
    after = cached_catalog(load, rules)
    assert load.calls == 2
    assert after.digest != before.digest


def test_same_rules_in_another_folder_is_another_key(rules, tmp_path):
    other = tmp_path / "other"
    shutil.copytree(rules, other)
    assert catalog_key(rules) != catalog_key(other)      # the catalog names its folder's files


def test_code_change_is_another_key(rules, monkeypatch):
    key = catalog_key(rules)
    monkeypatch.setattr(catalog_cache, "_code_digest", b"another engine")
    assert catalog_key(rules) != key


def test_broken_rules_raise_every_time_and_are_not_stored(cache_home, rules):
    (rules / "values.yaml").write_text("rules:\n  - id: 1\n", encoding="utf-8")
    for _ in range(2):
        with pytest.raises(RuleLoadError):
            cached_catalog(load_catalog, rules)
    assert not list(cache_home.glob("catalog-*.pickle")) if cache_home.exists() else True


def test_unreadable_entry_is_loaded_afresh(cache_home, rules):
    load = Counting()
    cached_catalog(load, rules)
    (entry,) = cache_home.glob("catalog-*.pickle")
    entry.write_bytes(b"not a pickle")
    assert cached_catalog(load, rules) == load_catalog(rules)
    assert load.calls == 2
    assert cached_catalog(load, rules) is not None and load.calls == 2     # stored again, whole


def test_off_on_request(cache_home, rules, monkeypatch):
    monkeypatch.setenv("XXGK_AUDIT_NO_CACHE", "1")
    load = Counting()
    cached_catalog(load, rules)
    cached_catalog(load, rules)
    assert load.calls == 2 and not cache_home.exists()


def test_cache_folder_not_writable_still_loads(tmp_path, monkeypatch, rules):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocker))       # a file: no folder can be made under it
    monkeypatch.delenv("XXGK_AUDIT_NO_CACHE", raising=False)
    assert cached_catalog(load_catalog, rules) == load_catalog(rules)


def test_only_the_most_recent_entries_are_kept(cache_home, rules, monkeypatch):
    monkeypatch.setattr(catalog_cache, "KEEP", 2)
    scoring = rules / "scoring.yaml"
    original = scoring.read_bytes()
    for i in range(4):
        scoring.write_bytes(original + f"\n# {i}\n".encode())
        cached_catalog(load_catalog, rules)
    assert len(list(cache_home.glob("catalog-*.pickle"))) == 2
    assert not list(Path(cache_home).glob(".*.tmp"))


def test_warm_extractors_loads_the_sets_the_catalog_names_once(monkeypatch):
    """As a worker starts (warmup.start_worker), the signal and figure sets of the catalog's requests
    are loaded into the extractors' caches (not on its first report)."""
    from engine.facts.extractors import text_figures, text_signals
    from engine.run.warmup import warm_extractors
    monkeypatch.setattr(text_figures, "_FIGURE_CACHE", {})
    monkeypatch.setattr(text_signals, "_CACHE", {})
    catalog = load_catalog(DEFAULT_RULES_DIR)
    files = {r["file"] for reqs in catalog.requests.values() for r in reqs if r.get("file")}
    assert files
    warm_extractors(catalog)
    assert set(text_figures._FIGURE_CACHE) == {r["file"] for r in catalog.requests["text_figures"] if r.get("file")}
    assert {name for name, _mtime in text_signals._CACHE} == {
        str(Path(r["file"])) for r in catalog.requests["text_signals"] if r.get("file")}
    loaded = dict(text_signals._CACHE)
    warm_extractors(catalog)
    assert text_signals._CACHE == loaded and all(text_signals._CACHE[k] is loaded[k] for k in loaded)
    warm_extractors(object())          # a substitute catalog without requests: nothing to load
