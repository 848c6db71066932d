"""The documented sources a rule's basis may cite, and the format document a report follows.

    load_sources(rules_dir) -> Sources            rules_dir/sources.yaml, else the shipped rules/sources.yaml
    Sources.basis_problems(basis) -> [Chinese problem]      what `rules check` reports for one basis
    Sources.format_doc(template, year) -> str | None        国办公开办函〔2019〕60号 / 〔2021〕30号
    format_doc(template, year) / format_title(...)          the same with the shipped list
    render_basis(basis, template, year) -> str              {format_doc} replaced for one report

Why data and not code: which documents count as a legal basis is the auditors' decision, kept
next to the rules (rules/sources.yaml, documented in rules/README.md). A basis is split at "；"
and every piece must open with a listed prefix; project files (docs/…, *.md, *.yaml) are refused
because an agency cannot look them up.
"""
from __future__ import annotations

import re
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path


from engine.paths import RULES_DIR
from engine.yaml_guard import safe_load

SHIPPED = RULES_DIR / "sources.yaml"
FILE_NAME = "sources.yaml"
PLACEHOLDER = "{format_doc}"
_PROJECT_FILE = re.compile(r"(docs/|rules/|engine/|\.md\b|\.ya?ml\b|\.py\b)", re.IGNORECASE)


@dataclass(frozen=True)
class FormatDoc:
    template: str
    doc: str
    title: str
    year_from: int | None
    year_to: int | None


@dataclass(frozen=True)
class Sources:
    prefixes: tuple[str, ...]
    formats: tuple[FormatDoc, ...]

    def basis_problems(self, basis: str) -> list[str]:
        problems = []
        for piece in (p.strip() for p in basis.split("；")):
            if not piece:
                continue
            if _PROJECT_FILE.search(piece):
                problems.append(f"依据“{piece}”引用了本项目的文件；依据只能是法规和格式文件，"
                                f"机关无从查阅项目文件")
            elif not piece.startswith(self.prefixes):
                problems.append(f"依据“{piece}”不在 {FILE_NAME} 登记的来源中（应以下列之一开头："
                                f"{'、'.join(self.prefixes)}）；没有明文规定的写作“常见要求：……”")
        return problems

    def format_for(self, template: str | None, year: int | None) -> FormatDoc | None:
        """The format the report is judged against: the one in force for its year (a 2024 report
        made on the 2019 template is still judged against 〔2021〕30号); by its template when the
        year is unknown."""
        if year is not None:
            for f in self.formats:
                if (f.year_from is None or year >= f.year_from) and (f.year_to is None or year <= f.year_to):
                    return f
        if template:
            for f in self.formats:
                if f.template == template:
                    return f
        return None

    def format_doc(self, template: str | None, year: int | None) -> str | None:
        f = self.format_for(template, year)
        return f.doc if f else None


def _parse(path: Path) -> Sources:
    data = safe_load(path.read_text(encoding="utf-8")) or {}
    prefixes = tuple(str(s["prefix"]) for s in data.get("sources") or [])
    formats = tuple(FormatDoc(str(f["template"]), f["doc"], f.get("title") or f["doc"],
                              (f.get("years") or {}).get("from"), (f.get("years") or {}).get("to"))
                    for f in data.get("formats") or [])
    return Sources(prefixes, formats)


@lru_cache(maxsize=8)
def _load(path: str, mtime: float) -> Sources:
    return _parse(Path(path))


# the shipped list as last loaded: (time.monotonic() of its file's stat, Sources). Letters ask for
# it once per report (format_title): its file is stat'ed again only after RECHECK_SECONDS, not on
# every call (time.monotonic makes no system call)
_SHIPPED_SEEN: list = [float("-inf"), None]
RECHECK_SECONDS = 1.0


def load_sources(rules_dir: str | Path | None = None) -> Sources:
    """The sources list of a rules directory (its own sources.yaml, else the shipped one)."""
    if rules_dir is None:
        now = time.monotonic()
        seen = _SHIPPED_SEEN
        if seen[1] is None or now - seen[0] >= RECHECK_SECONDS:
            seen[1] = _load(str(SHIPPED), SHIPPED.stat().st_mtime)
            seen[0] = now
        return seen[1]
    path = Path(rules_dir) / FILE_NAME
    if not path.is_file():
        path = SHIPPED
    return _load(str(path), path.stat().st_mtime)


def format_doc(template: str | None, year: int | None) -> str | None:
    return load_sources().format_doc(template, year)


def format_title(template: str | None, year: int | None) -> str | None:
    """The format document as a letter cites it: 《…通知》（国办公开办函〔2019〕60号）."""
    f = load_sources().format_for(template, year)
    return f"{f.title}（{f.doc}）" if f else None


def render_basis(basis: str, template: str | None, year: int | None) -> str:
    """A rule's basis for one report: {format_doc} becomes the format document the report follows
    (both, when neither its template nor its year is known)."""
    if PLACEHOLDER not in basis:
        return basis
    doc = format_doc(template, year)
    if doc is None:
        docs = [f.doc for f in load_sources().formats]
        doc = "或".join(docs) if docs else "年度报告格式"
    return basis.replace(PLACEHOLDER, doc)
