"""Compiled patterns kept between runs (engine/regex_cache.py): a stored pattern is the one
re.compile makes (equal, same groups, same matches), is used instead of compiling, a bad pattern
raises as re.compile does, derived values follow the code that derives them, and a damaged file or
no cache folder only means compiling."""
from __future__ import annotations

import re

import pytest

from engine import code_cache, regex_cache
from engine.facts.literals import required_literals

PATTERNS = [
    ("(?:约|近)?(?P<n>\\d+)件(?:申请)?", 0),
    ("未(?:收取|产生)[^，。]{0,8}费", 0),
    ("abc|d(e)f|(?i:x+)", 0),
    ("a|b", re.UNICODE),
    ("^\\s*第([一二三四五六七八九十]+)[章节]", re.MULTILINE),
]


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("XXGK_AUDIT_NO_CACHE", raising=False)
    fresh_process(monkeypatch)
    return tmp_path / "cache" / "xxgk-audit"


def fresh_process(monkeypatch):
    monkeypatch.setattr(regex_cache, "_PATTERNS", {})
    monkeypatch.setattr(regex_cache, "_DERIVED", {})
    monkeypatch.setattr(regex_cache, "_STAMPS", {})
    monkeypatch.setattr(code_cache.Store, "_stores", {})


def no_compiling(monkeypatch):
    def refuse(*_args, **_kwargs):
        raise AssertionError("compiled although stored")
    monkeypatch.setattr(regex_cache.re, "compile", refuse)


def same(a: re.Pattern, b: re.Pattern) -> None:
    assert a == b and a.pattern == b.pattern and a.flags == b.flags
    assert a.groups == b.groups and a.groupindex == b.groupindex
    for text in ("近12件申请", "未收取任何费用。", "xdefX", "第三章\n  第十节", "ab"):
        assert [m.span() + m.groups() for m in a.finditer(text)] == [m.span() + m.groups() for m in b.finditer(text)]


@pytest.mark.skipif(not regex_cache._USABLE, reason="another Python: regex() is re.compile")
def test_stored_patterns_are_what_re_compiles_and_are_not_compiled_again(cache_home, monkeypatch):
    fresh = [regex_cache.regex(p, f) for p, f in PATTERNS]
    for (p, f), got in zip(PATTERNS, fresh):
        same(got, re.compile(p, f))
    assert len(list(cache_home.glob("regex-*/*.bin"))) == len(PATTERNS)
    expected = [re.compile(p, f) for p, f in PATTERNS]
    fresh_process(monkeypatch)
    no_compiling(monkeypatch)
    for (p, f), want in zip(PATTERNS, expected):
        same(regex_cache.regex(p, f), want)


def test_a_bad_pattern_raises_as_re_compile_does(cache_home):
    with pytest.raises(re.error):
        regex_cache.regex("a(b")
    assert not list(cache_home.glob("regex-*/*.bin"))


def test_a_damaged_file_or_no_folder_only_means_compiling(cache_home, monkeypatch, tmp_path):
    regex_cache.regex("未(?:收取|产生)费")
    (stored,) = cache_home.glob("regex-*/*.bin")
    stored.write_bytes(stored.read_bytes()[:-4])
    fresh_process(monkeypatch)
    same(regex_cache.regex("未(?:收取|产生)费"), re.compile("未(?:收取|产生)费"))
    monkeypatch.setenv("XXGK_AUDIT_NO_CACHE", "1")
    fresh_process(monkeypatch)
    same(regex_cache.regex("x(y)"), re.compile("x(y)"))


def test_derived_values_are_kept_and_follow_the_deriving_code(cache_home, monkeypatch, tmp_path):
    module = tmp_path / "deriver.py"
    module.write_text("# v1\n")
    calls = []

    def make():
        calls.append(1)
        return ("处理费", None, 3)

    assert regex_cache.derived("k", "a+", 0, make, str(module)) == ("处理费", None, 3)
    fresh_process(monkeypatch)
    assert regex_cache.derived("k", "a+", 0, make, str(module)) == ("处理费", None, 3)
    assert len(calls) == 1
    module.write_text("# v2, another size\n")
    fresh_process(monkeypatch)
    regex_cache.derived("k", "a+", 0, make, str(module))
    assert len(calls) == 2


def test_required_literals_are_the_same_from_the_cache(cache_home, monkeypatch):
    regexes = [re.compile(p, f) for p, f in PATTERNS]
    first = [required_literals(r) for r in regexes]
    fresh_process(monkeypatch)
    assert [required_literals(r) for r in regexes] == first
    assert first[0] == ("件",) and first[1] == ("未",)
