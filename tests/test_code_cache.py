"""Generated code kept between runs (engine/code_cache.py): the stored code behaves as freshly
compiled code, is used instead of compiling, other text or another name is another entry, and a
damaged file or an unusable folder only means compiling."""
from __future__ import annotations

import pytest

from engine import code_cache

SOURCE = "def f(x):\n    return [x * 2, 'é', (1, 2.5)]\n"


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("XXGK_AUDIT_NO_CACHE", raising=False)
    fresh_process(monkeypatch)
    return tmp_path / "cache" / "xxgk-audit"


def fresh_process(monkeypatch):
    """As a new process sees the module: nothing compiled or looked up yet."""
    monkeypatch.setattr(code_cache, "_MEMO", {})
    monkeypatch.setattr(code_cache.Store, "_stores", {})


def run(code):
    namespace = {}
    exec(code, namespace)
    return namespace["f"](3)


def no_compiling(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("compiled although stored")
    monkeypatch.setattr(code_cache, "compile", refuse, raising=False)


def test_stored_code_is_used_in_a_new_process_and_behaves_as_compiled(cache_home, monkeypatch):
    first = code_cache.compiled(SOURCE, "<gen>")
    assert run(first) == run(compile(SOURCE, "<gen>", "exec")) == [6, "é", (1, 2.5)]
    assert len(list(cache_home.glob("code-*/*.bin"))) == 1
    fresh_process(monkeypatch)
    no_compiling(monkeypatch)
    again = code_cache.compiled(SOURCE, "<gen>")
    assert again is not first and again.co_filename == "<gen>" and run(again) == [6, "é", (1, 2.5)]
    assert code_cache.compiled(SOURCE, "<gen>") is again          # once per process


def test_other_text_or_name_is_compiled(cache_home, monkeypatch):
    code_cache.compiled(SOURCE, "<gen>")
    other = code_cache.compiled(SOURCE.replace("2", "3"), "<gen>")
    assert run(other) == [9, "é", (1, 3.5)]
    assert code_cache.compiled(SOURCE, "<other>").co_filename == "<other>"
    assert len(list(cache_home.glob("code-*/*.bin"))) == 3


@pytest.mark.parametrize("damage", [lambda b: b[:-3], lambda b: b[:32] + b[33:] + b"x", lambda b: b""])
def test_a_damaged_file_is_compiled_afresh(cache_home, monkeypatch, damage):
    code_cache.compiled(SOURCE, "<gen>")
    (stored,) = cache_home.glob("code-*/*.bin")
    stored.write_bytes(damage(stored.read_bytes()))
    fresh_process(monkeypatch)
    assert run(code_cache.compiled(SOURCE, "<gen>")) == [6, "é", (1, 2.5)]
    fresh_process(monkeypatch)
    no_compiling(monkeypatch)                   # stored again, whole
    assert run(code_cache.compiled(SOURCE, "<gen>")) == [6, "é", (1, 2.5)]


def test_no_cache_folder_only_means_compiling(tmp_path, monkeypatch):
    monkeypatch.setenv("XXGK_AUDIT_NO_CACHE", "1")
    fresh_process(monkeypatch)
    assert run(code_cache.compiled(SOURCE, "<gen>")) == [6, "é", (1, 2.5)]
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    monkeypatch.delenv("XXGK_AUDIT_NO_CACHE")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    fresh_process(monkeypatch)
    assert run(code_cache.compiled(SOURCE, "<gen>")) == [6, "é", (1, 2.5)]


def test_old_files_are_pruned(cache_home, monkeypatch):
    monkeypatch.setattr(code_cache, "KEEP", 3)
    for i in range(5):
        code_cache.compiled(f"def f(x):\n    return {i}\n", "<gen>")
    fresh_process(monkeypatch)                  # pruned at a process's first store
    code_cache.compiled("def f(x):\n    return 'last'\n", "<gen>")
    assert len(list(cache_home.glob("code-*/*.bin"))) == 3
