"""The letters' code generator (engine/render/template_codegen.py) renders what Jinja's own renders."""
from __future__ import annotations

import jinja2
import markupsafe
import pytest

from engine.render.letters import letter_env
from engine.render.template_codegen import LetterCodeGenerator

TEMPLATES = {
    "page": "<p>{{ a.b }} {{ a.n }} {{ d.k }} {{ m }} {{ 3 + 4 }}</p>{% for x in xs %}<i>{{ x.v }}{{ loop.index }}</i>{% endfor %}"
            "{% include 'part' %}|{% include 'part' without context %}|{% include 'nothing' ignore missing %}"
            "{% macro box(t) %}[{{ t }}]{% endmacro %}{{ box(a.b) }}{% set s %}<{{ a.b }}>{% endset %}{{ s }}"
            "{% filter upper %}{{ a.b }}x{% endfilter %}{% if d.missing is defined %}no{% else %}yes{% endif %}",
    "part": "<part>{{ a.b if a is defined else 'none' }}</part>",
    "base": "<base>{% block body %}base{% endblock %}</base>",
    "child": "{% extends 'base' %}{% block body %}child {{ a.b }}{{ super() }}{% endblock %}",
    "blocks": "before {% block one %}one {{ a.b }}{% endblock %} after",
    "strict": "{{ a.nothing }}",
}


class _Obj:
    def __init__(self, b):
        self.b = b
        self.n = 12


def _envs():
    loader = jinja2.DictLoader(TEMPLATES)
    fast = letter_env()
    fast.loader = loader
    fast.bytecode_cache = None
    plain = jinja2.Environment(loader=loader, autoescape=True, undefined=jinja2.StrictUndefined,
                               trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    plain.filters.update(fast.filters)
    return fast, plain


@pytest.mark.parametrize("name", ["page", "child", "blocks", "part"])
@pytest.mark.parametrize("b", ["甲 & <乙> \"丙\" '丁'", markupsafe.Markup("<b>标记</b>"), 5, None])
def test_renders_what_jinjas_code_renders(name, b):
    fast, plain = _envs()
    values = dict(a=_Obj(b), d={"k": "<v>"}, m=markupsafe.Markup("<br>"), xs=[{"v": "x<"}, _Obj(1)])
    values["xs"][1].v = "y>"
    assert fast.code_generator_class is LetterCodeGenerator
    assert fast.get_template(name).render(**values) == plain.get_template(name).render(**values)


def test_a_missing_attribute_is_undefined_as_before():
    fast, plain = _envs()
    for env in (fast, plain):
        with pytest.raises(jinja2.UndefinedError):
            env.get_template("strict").render(a=_Obj("x"))


def test_a_sandbox_keeps_its_attribute_checks():
    from jinja2.sandbox import SandboxedEnvironment

    class Sandboxed(SandboxedEnvironment):
        code_generator_class = LetterCodeGenerator

    env = Sandboxed()
    assert env.from_string("{{ a.b }}").render(a=_Obj("x")) == "x"
    with pytest.raises(jinja2.exceptions.SecurityError):
        env.from_string("{{ a.__class__.__subclasses__() }}").render(a=_Obj("x"))
