"""The Python code the letters' templates compile to: Jinja's own code generator with three changes
that make the same page with less work per render (a letter is rendered for every report).

    LetterCodeGenerator        jinja2.Environment.code_generator_class for the letters' environment

1. Output collected in a list: a template's top level appends what it outputs to a list (one
   `extend` for the text and values between two tags) and yields the joined page once at its end,
   as Jinja's own code does inside macros, call and filter blocks, instead of one `yield` per piece
   of text or value (~160 per letter, each a resumption of the render's generator). Templates that
   extend another are compiled as Jinja compiles them (their output goes through the parent's).
2. Attributes read by the builtin getattr first: `a.b` is getattr(a, "b", missing), and only when
   that finds no attribute is it Environment.getattr(a, "b") (a's item "b", else undefined) —
   what Environment.getattr does, without a Python call for every attribute that exists. Only for
   an environment whose getattr is Jinja's (a sandbox checks attributes: left as it is).
3. Output escaped in line: with autoescape, a str value is escaped by markupsafe's C escape of str
   (`escape_str`, the text markupsafe.escape puts in its Markup); any other value (a number, a
   Markup, an object with __html__) by markupsafe.escape as before. The page is the join of the
   same texts.
Everything else (filters, tests, loops, includes, macros, undefined handling) is Jinja's code as it
is. Compiled once per template text (and kept by template_cache with the generator's version in
the cache folder's name).
"""
from __future__ import annotations

from typing import Any

import jinja2
import markupsafe
from jinja2 import nodes
from jinja2.compiler import CodeGenerator, Frame, optimizeconst

# markupsafe's escape of a str without the Markup it wraps the result in (MarkupSafe ≥ 2.1)
escape_str = getattr(markupsafe, "_escape_inner", None)

# names of the generated code's helpers (Jinja's own names are l_N_x, t_N and plain words)
_OBJ, _VALUE, _OUT, _ESCAPE_STR = "_fast_obj", "_fast_value", "_fast_out", "_fast_escape_str"


class LetterCodeGenerator(CodeGenerator):
    """jinja2's CodeGenerator with the output list, the getattr and the escape above."""

    VERSION = "1"        # in template_cache's key: code compiled by another version is not reused

    def visit_Template(self, node: nodes.Template, frame: Frame | None = None) -> None:
        # {% extends %}: the page is the parent's (require_output_check, yield from the parent)
        self._list_root = not self.environment.is_async and node.find(nodes.Extends) is None
        super().visit_Template(node, frame)

    def write_commons(self) -> None:
        super().write_commons()
        if self._fast_escape():
            self.writeline(f"{_ESCAPE_STR} = environment.escape_str")

    def blockvisit(self, body: Any, frame: Frame) -> None:
        if not (frame.rootlevel and frame.buffer is None and getattr(self, "_list_root", False)):
            super().blockvisit(body, frame)
            return
        frame.buffer = _OUT
        self.writeline(f"{_OUT} = []")
        try:
            super().blockvisit(body, frame)
        finally:
            frame.buffer = None
        self.writeline(f"yield concat({_OUT})")

    def visit_Include(self, node: nodes.Include, frame: Frame) -> None:
        if frame.buffer is None or node.with_context or self.environment.is_async:
            super().visit_Include(node, frame)
            return
        # Jinja writes `yield from` the included module's output here, whatever the frame: into the list
        if node.ignore_missing:
            self.writeline("try:")
            self.indent()
        func = "get_or_select_template"        # as Jinja's visit_Include chooses it
        if isinstance(node.template, nodes.Const):
            if isinstance(node.template.value, str):
                func = "get_template"
            elif isinstance(node.template.value, (tuple, list)):
                func = "select_template"
        elif isinstance(node.template, (nodes.Tuple, nodes.List)):
            func = "select_template"
        self.writeline(f"template = environment.{func}(", node)
        self.visit(node.template, frame)
        self.write(f", {self.name!r})")
        if node.ignore_missing:
            self.outdent()
            self.writeline("except TemplateNotFound:")
            self.indent()
            self.writeline("pass")
            self.outdent()
            self.writeline("else:")
            self.indent()
        self.writeline(f"{frame.buffer}.extend(template._get_default_module()._body_stream)")
        if node.ignore_missing:
            self.outdent()

    @optimizeconst
    def visit_Getattr(self, node: nodes.Getattr, frame: Frame) -> None:
        if self.environment.is_async or type(self.environment).getattr is not jinja2.Environment.getattr:
            super().visit_Getattr(node, frame)
            return
        # the object is evaluated once; the fallback sees the same object (the walrus names are
        # assigned in order: an inner a.b is finished before the outer one assigns them)
        self.write(f"({_VALUE} if ({_VALUE} := getattr(({_OBJ} := ")
        self.visit(node.node, frame)
        self.write(f"), {node.attr!r}, missing)) is not missing else environment.getattr({_OBJ}, {node.attr!r}))")

    def _fast_escape(self) -> bool:
        return escape_str is not None and getattr(self.environment, "escape_str", None) is escape_str

    def _as_jinja_does(self, frame: Frame, finalize: Any) -> bool:
        """Whether an output expression is written as Jinja writes it (the str fast path needs a fixed
        autoescape, no finalize and markupsafe's C escape)."""
        return frame.eval_ctx.volatile or not frame.eval_ctx.autoescape or finalize.src is not None \
            or not self._fast_escape()

    def _output_child_pre(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if self._as_jinja_does(frame, finalize):
            super()._output_child_pre(node, frame, finalize)
            return
        self.write(f"({_ESCAPE_STR}({_VALUE}) if ({_VALUE} := ")

    def _output_child_post(self, node: nodes.Expr, frame: Frame, finalize: Any) -> None:
        if self._as_jinja_does(frame, finalize):
            super()._output_child_post(node, frame, finalize)
            return
        self.write(f").__class__ is str else escape({_VALUE}))")
