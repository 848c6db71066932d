"""Compiled Jinja templates kept between runs (Jinja's own bytecode cache, in the user's cache folder).

    bytecode_cache(env) -> jinja2.BytecodeCache | None

Compiling the letter's and the overview page's templates costs ~30 ms of CPU in every run (the
letter's before the workers fork, the overview page's at the very end of the run, while the workers
have nothing left to do). Jinja can keep the compiled code of a template (marshalled) and use it
again as long as the template's text is the same: each stored template is checked against a
checksum of its source, so an edited template (the letter templates are the user's to edit) is
compiled afresh. What else shapes the compiled code — the Jinja and Python versions, the
environment's syntax and whitespace options, autoescaping, its extensions and the names of its
filters and tests (checked when a template is compiled), its code generator (and that generator's
VERSION) — makes the folder's name: another
environment never reads code compiled for this one.

The folder is the user's cache folder ($XDG_CACHE_HOME/xxgk-audit, else ~/.cache/xxgk-audit, as the
compiled rule catalog's: engine/run/catalog_cache.py), never the audit's output. A cache folder
that cannot be read or written only means compiling the templates afresh; XXGK_AUDIT_NO_CACHE=1
turns it off.
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from typing import Any

import jinja2

from engine.paths import prune_newest, user_cache_folder

# compiled templates kept at most in a folder (the newest)
KEEP = 32


class _QuietCache(jinja2.FileSystemBytecodeCache):
    """Jinja's file cache (it writes a temporary file and renames it: a reader never sees half a
    file), where a file that cannot be read or written means compiling, never an error."""

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:      # noqa: BLE001 — unreadable or cut short (its checksum is a pickle): compile
            bucket.reset()

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        try:
            super().dump_bytecode(bucket)
        except OSError:
            pass


def environment_key(env: jinja2.Environment) -> str:
    """What, beside a template's text, decides the code Jinja compiles it to."""
    autoescape = env.autoescape
    if callable(autoescape):
        autoescape = f"{getattr(autoescape, '__module__', '')}.{getattr(autoescape, '__qualname__', autoescape)}"
    options: list[Any] = [
        jinja2.__version__, sys.version, env.block_start_string, env.block_end_string,
        env.variable_start_string, env.variable_end_string, env.comment_start_string, env.comment_end_string,
        env.line_statement_prefix, env.line_comment_prefix, env.trim_blocks, env.lstrip_blocks,
        env.newline_sequence, env.keep_trailing_newline, env.optimized, autoescape, env.is_async,
        env.finalize is not None, sorted(env.extensions), sorted(env.filters), sorted(env.tests),
        f"{env.code_generator_class.__module__}.{env.code_generator_class.__qualname__}",
        getattr(env.code_generator_class, "VERSION", None),
    ]
    return hashlib.sha256(repr(options).encode("utf-8")).hexdigest()


def bytecode_cache(env: jinja2.Environment) -> jinja2.BytecodeCache | None:
    """A bytecode cache for `env` (set it as env.bytecode_cache once its filters are in place), or
    None when there is no usable cache folder."""
    folder = user_cache_folder()
    if folder is None:
        return None
    directory = folder / f"templates-{environment_key(env)[:24]}"
    try:
        directory.mkdir(parents=True, exist_ok=True)
        _prune(directory)
    except OSError:
        return None
    return _QuietCache(str(directory))


def _prune(directory: Path) -> None:
    """At most KEEP compiled templates kept (the newest): one a template file in use, and the
    folders of templates edited or copied elsewhere do not pile up."""
    prune_newest(directory, KEEP, lambda name: name.startswith("__jinja2_"))
