"""Compiled templates kept between runs (engine/render/template_cache.py): the same text rendered as
without the cache, an edited template compiled afresh, another environment never given this one's
code, and a cache that cannot be used only means compiling."""
from __future__ import annotations

import os

import jinja2
import pytest

from engine.render import template_cache
from engine.render.letters import letter_env


@pytest.fixture
def cache_home(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("XXGK_AUDIT_NO_CACHE", raising=False)
    return tmp_path / "cache" / "xxgk-audit"


def env_for(folder, **options) -> jinja2.Environment:
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(folder)), autoescape=True, **options)
    env.bytecode_cache = template_cache.bytecode_cache(env)
    return env


def test_stored_code_renders_as_fresh_and_an_edited_template_is_compiled_again(tmp_path, cache_home):
    templates = tmp_path / "t"
    templates.mkdir()
    (templates / "a.j2").write_text("{% for x in xs %}<{{ x }}>{% endfor %}", encoding="utf-8")
    first = env_for(templates).get_template("a.j2").render(xs=["&", 1])
    stored = list(cache_home.glob("templates-*/__jinja2_*"))
    assert len(stored) == 1
    assert env_for(templates).get_template("a.j2").render(xs=["&", 1]) == first == "<&amp;><1>"
    (templates / "a.j2").write_text("[{{ xs|length }}]", encoding="utf-8")
    assert env_for(templates).get_template("a.j2").render(xs=["&", 1]) == "[2]"


def test_other_options_or_filters_are_another_folder(tmp_path, cache_home):
    base = env_for(tmp_path)
    trimmed = env_for(tmp_path, trim_blocks=True)
    filtered = env_for(tmp_path)
    filtered.filters["extra"] = str
    assert template_cache.environment_key(base) != template_cache.environment_key(trimmed)
    assert template_cache.environment_key(base) != template_cache.environment_key(filtered)
    assert template_cache.environment_key(base) == template_cache.environment_key(env_for(tmp_path))


def test_the_letter_renders_the_same_with_a_stored_template(cache_home):
    fresh = letter_env()
    fresh.bytecode_cache = None
    source = fresh.get_template("letter.html.j2")
    cached_env = letter_env()
    assert cached_env.bytecode_cache is not None
    cached_env.get_template("letter.html.j2")                 # compiled and stored
    again = letter_env().get_template("letter.html.j2")        # read back
    assert again.root_render_func.__code__.co_code == source.root_render_func.__code__.co_code


def test_no_cache_when_turned_off_or_unwritable(tmp_path, cache_home, monkeypatch):
    (tmp_path / "a.j2").write_text("{{ 1 + 1 }}", encoding="utf-8")
    monkeypatch.setenv("XXGK_AUDIT_NO_CACHE", "1")
    assert env_for(tmp_path).bytecode_cache is None
    monkeypatch.delenv("XXGK_AUDIT_NO_CACHE")
    cache_home.parent.mkdir(parents=True, exist_ok=True)
    cache_home.write_text("a file where the folder should be", encoding="utf-8")
    env = env_for(tmp_path)
    assert env.bytecode_cache is None and env.get_template("a.j2").render() == "2"


def test_an_unreadable_or_broken_stored_template_is_compiled(tmp_path, cache_home):
    (tmp_path / "a.j2").write_text("{{ 2 * 3 }}", encoding="utf-8")
    env_for(tmp_path).get_template("a.j2")
    (stored,) = cache_home.glob("templates-*/__jinja2_*")
    stored.write_bytes(stored.read_bytes()[:20])                 # cut short
    assert env_for(tmp_path).get_template("a.j2").render() == "6"
    if os.geteuid() != 0:                                         # root reads a file whatever its mode
        stored.chmod(0)
        assert env_for(tmp_path).get_template("a.j2").render() == "6"


def test_old_stored_templates_are_pruned(tmp_path, cache_home, monkeypatch):
    monkeypatch.setattr(template_cache, "KEEP", 3)
    for i in range(6):
        (tmp_path / f"t{i}.j2").write_text(f"{i}", encoding="utf-8")
        env_for(tmp_path).get_template(f"t{i}.j2")
    env_for(tmp_path)                                             # prunes when made
    assert len(list(cache_home.glob("templates-*/__jinja2_*"))) == 3
