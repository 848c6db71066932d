"""Stage 3 — rules: YAML rule files become a validated, compiled `Catalog`.

Public interface:
    load_catalog(path=DEFAULT_RULES_DIR) -> Catalog     raises RuleLoadError (problems with file:line)

A rule names a building block (`check:`) with options; the block expands into clauses
(engine/rules/blocks/__init__.py documents the interface), the compiler checks them against
durable-rules' safe subset and builds one ruleset (engine/rules/compile.py). Every problem —
bad YAML, unknown field, wrong type, unknown block, unknown cell address, duplicate id, a construct
outside the safe subset, an unknown message placeholder — is a (file, line, message) triple with a
Chinese message; all problems of all files are collected before RuleLoadError is raised.
"""
from __future__ import annotations

import hashlib
import json
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema

from engine.dialect import discriminator
from engine.facts import fact_types
from engine.paths import RULES_DIR as DEFAULT_RULES_DIR
from engine.regex_cache import regex as cached_regex
from engine.sources import load_sources
from engine.rules.blocks import BlockError, Clause, CompileContext
from engine.rules.blocks.registry import BLOCKS
from engine.rules.compile import alpha_share_problems, build_ruleset, check_clause, guard_references
from engine.rules.examples import check_example
from engine.rules.loader import is_rule_file, rule_schema, schema_message
from engine.yamlfile import YamlProblem, line_of, plain, read_yaml

# A folded YAML string (`>-`) joins lines with a space; between two Chinese characters that space
# is an artefact, never intended: rule authors may wrap long Chinese text freely.
_FOLD_SPACE = cached_regex(r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’]) "
                         r"(?=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”‘’])")
TEXT_FIELDS = ("title", "basis", "rationale", "remedy", "message", "reason")


def unfold(text: str) -> str:
    return _FOLD_SPACE.sub("", text)


GENERIC_MESSAGE_FIELDS = {"cell": "第一个相关单元格的中文描述", "cells_desc": "相关单元格的中文描述"}


class RuleLoadError(Exception):
    """Broken rule files. `.problems` is a list of (file, line, message) with Chinese messages."""

    def __init__(self, problems: list[tuple[str, int, str]]):
        self.problems = sorted(set(problems), key=lambda p: (p[0], p[1], p[2]))
        super().__init__("\n".join(f"{f}:{ln}: {m}" for f, ln, m in self.problems))


@dataclass
class Rule:
    id: str
    title: str
    severity: str
    category: str
    points: float
    basis: str
    rationale: str
    remedy: str
    check: str
    options: dict[str, Any]
    message: str
    examples: list[dict[str, Any]]
    file: str
    line: int
    applies: dict[str, Any] = field(default_factory=dict)
    reason: str | None = None
    clauses: list[Clause] = field(default_factory=list)
    example_lines: list[int] = field(default_factory=list)

    @property
    def block(self):
        return BLOCKS[self.check]

    @property
    def fact_types(self) -> set[str]:
        return {discriminator(expr) for c in self.clauses for _, expr in c.all}

    def to_json(self) -> dict[str, Any]:
        return {k: getattr(self, k) for k in ("id", "title", "severity", "category", "points",
                                              "basis", "rationale", "remedy", "applies", "check",
                                              "options", "message", "file", "line")}


@dataclass
class Catalog:
    rules: list[Rule]
    ruleset: dict[str, Any]                 # durable-rules rules mapping (compile.build_ruleset)
    clauses: dict[str, Clause]              # clause name -> clause
    requests: dict[str, list[dict]]         # extractor id -> requests
    digest: str                             # sha256 (hex) of the rules folder: catalog_digest
    directory: str
    files: list[str] = field(default_factory=list)
    digest_files: int = 0                   # how many files the digest covers

    def rule(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)

    @property
    def ruleset_json(self) -> str:
        return json.dumps(self.ruleset, ensure_ascii=False, sort_keys=True)

    def subset(self, rule_ids: set[str]) -> "Catalog":
        """The same catalog restricted to some rules (used by `rules test`)."""
        rules = [r for r in self.rules if r.id in rule_ids]
        clauses = [c for r in rules for c in r.clauses]
        return Catalog(rules=rules, ruleset=build_ruleset(clauses),
                       clauses={c.name: c for c in clauses}, requests=_requests(clauses),
                       digest=self.digest + ":" + ",".join(sorted(rule_ids)),
                       directory=self.directory, files=self.files, digest_files=self.digest_files)


def load_catalog(path: str | Path = DEFAULT_RULES_DIR) -> Catalog:
    directory = Path(path)
    if not directory.is_dir():
        raise RuleLoadError([(str(directory), 0, "规则目录不存在")])
    files = sorted(p for p in directory.iterdir() if p.is_file() and is_rule_file(p))
    problems: list[tuple[str, int, str]] = []
    rules: list[Rule] = []
    seen: dict[str, tuple[str, int]] = {}
    cache: dict[str, Any] = {}
    for f in files:
        rules.extend(_load_file(f, directory, seen, cache, problems))
    if not files:
        problems.append((str(directory), 0, "规则目录中没有规则文件（*.yaml）"))
    clauses = [c for r in rules for c in r.clauses]
    for msg in alpha_share_problems(clauses):
        problems.append((str(directory), 0, msg))
    if problems:
        raise RuleLoadError(problems)
    digest, digest_files = catalog_digest(directory)
    return Catalog(rules=rules, ruleset=build_ruleset(clauses),
                   clauses={c.name: c for c in clauses}, requests=_requests(clauses),
                   digest=digest, directory=str(directory),
                   files=[str(f) for f in files], digest_files=digest_files)


def catalog_digest(directory: Path) -> tuple[str, int]:
    """The one digest of the rules: sha256 (hex) over every YAML file under the rules folder that
    decides an audit's outcome — rule files, scoring policy, signal lists, deadlines — by relative
    name and bytes; office.yaml (the reviewing office's letterhead) is not part of the rules.
    Returns the digest and how many files it covers (findings.json's `rules`)."""
    files = sorted(p for p in directory.rglob("*")
                   if p.is_file() and p.suffix in (".yaml", ".yml") and p.name != "office.yaml")
    h = hashlib.sha256()
    for p in files:
        h.update(p.relative_to(directory).as_posix().encode() + b"\0" + p.read_bytes() + b"\0")
    return h.hexdigest(), len(files)


def _requests(clauses: list[Clause]) -> dict[str, list[dict]]:
    out: dict[str, list[dict]] = {}
    for c in clauses:
        for ex_id, req in c.requests:
            out.setdefault(ex_id, []).append(req)
    return out


def _load_file(path: Path, directory: Path, seen: dict, cache: dict,
               problems: list) -> list[Rule]:
    fname = str(path)
    try:
        root = read_yaml(path)
    except YamlProblem as exc:
        problems.append((fname, exc.line, exc.message))
        return []
    data = plain(root)
    validator = jsonschema.Draft202012Validator(rule_schema())
    bad_rules: set[int] = set()
    file_level = False
    for err in sorted(validator.iter_errors(data), key=lambda e: list(map(str, e.absolute_path))):
        path_ = list(err.absolute_path)
        problems.append((fname, line_of(root, path_), _name_rule(schema_message(err), data, path_)))
        if len(path_) >= 2 and path_[0] == "rules" and isinstance(path_[1], int):
            bad_rules.add(path_[1])
        else:
            file_level = True
    if file_level or not isinstance(data, dict):
        return []
    out = []
    for i, raw in enumerate(data.get("rules") or []):
        if i in bad_rules:
            # still reserve the id so a duplicate elsewhere is reported once
            continue
        rule = _compile_rule(raw, root, i, path, directory, seen, cache, problems)
        if rule is not None:
            out.append(rule)
    return out


def _name_rule(message: str, data: Any, path: list) -> str:
    """'rules.3.points：…' -> '规则 XXGK-R303 的 points：…' (authors know rules by id)."""
    if len(path) >= 2 and path[0] == "rules" and isinstance(path[1], int):
        try:
            rid = data["rules"][path[1]].get("id")
        except (KeyError, IndexError, TypeError, AttributeError):
            rid = None
        prefix = f"rules.{path[1]}"
        if isinstance(rid, str) and message.startswith(prefix):
            rest = message[len(prefix):].lstrip(".")
            head, sep, tail = rest.partition("：") if not rest.startswith("：") else ("", "：", rest[1:])
            return f"规则 {rid}" + (f" 的 {head}" if head else "") + "：" + tail
    return message


def _compile_rule(raw: dict, root: Any, i: int, path: Path, directory: Path, seen: dict,
                  cache: dict, problems: list) -> Rule | None:
    """The compiled rule, or None with its problems appended (each naming the rule id)."""
    n_before = len(problems)
    rule = _compile_rule_checked(raw, root, i, path, directory, seen, cache, problems)
    problems[n_before:] = [(f, ln, m if m.startswith("规则 ") else f"规则 {raw['id']}：{m}")
                           for f, ln, m in problems[n_before:]]
    return rule


def _compile_rule_checked(raw: dict, root: Any, i: int, path: Path, directory: Path, seen: dict,
                          cache: dict, problems: list) -> Rule | None:
    fname = str(path)
    at = lambda *p: line_of(root, ("rules", i) + p)   # noqa: E731
    raw = {**raw, **{k: unfold(raw[k]) for k in TEXT_FIELDS if isinstance(raw.get(k), str)}}
    n_before = len(problems)
    rid = raw["id"]
    if rid in seen:
        f0, l0 = seen[rid]
        problems.append((fname, at("id"), f"规则编号 {rid} 重复（已在 {f0}:{l0} 使用）"))
        return None
    seen[rid] = (fname, at("id"))
    if raw.get("enabled") is False:
        return None
    years = (raw.get("applies") or {}).get("years") or {}
    if "from" in years and "to" in years and years["from"] > years["to"]:
        problems.append((fname, at("applies", "years"), "适用年度的 from 晚于 to：规则永远不会适用"))
    block = BLOCKS.get(raw["check"])
    if block is None:
        problems.append((fname, at("check"),
                         f"未知的构件“{raw['check']}”（可用：{'、'.join(sorted(BLOCKS))}）"))
        return None
    options = raw.get("options") or {}
    v = jsonschema.Draft202012Validator(block.OPTIONS)
    opt_errors = list(v.iter_errors(options))
    for err in opt_errors:
        problems.append((fname, at("options", *err.absolute_path),
                         "options 中 " + schema_message(err)))
    if opt_errors:
        return None
    ctx = CompileContext(rule_id=rid, file=fname, line=at(), rules_dir=directory, cache=cache)
    try:
        clauses = block.expand(options, ctx)
    except BlockError as exc:
        problems.append((fname, at("options", *exc.path), exc.message))
        return None
    types = fact_types()
    for n, c in enumerate(clauses):
        c.name, c.rule_id = f"{rid}#{n}", rid
        if all(isinstance(e, dict) for _, e in c.all):
            guard_references(c)
        for msg in check_clause(c, types):
            problems.append((fname, at("options") if "options" in raw else at("check"),
                             f"构件 {block.ID} 生成的条件不在安全子集内：{msg}"))
    allowed = dict(GENERIC_MESSAGE_FIELDS)
    allowed.update(block.message_fields(options) if hasattr(block, "message_fields")
                   else block.MESSAGE_FIELDS)
    for c in clauses:
        allowed.update(dict.fromkeys(c.params, ""))
        for _, expr in c.all:
            allowed.update(dict.fromkeys(types.get(discriminator(expr), {}), ""))
    for key in ("message", "reason", "remedy"):
        if raw.get(key):
            for msg in _placeholder_problems(raw[key], allowed):
                problems.append((fname, at(key), msg))
    for msg in load_sources(directory).basis_problems(raw["basis"]):
        problems.append((fname, at("basis"), msg))
    if raw.get("reason"):
        for c in clauses:
            if c.role == "unknown":
                c.reason = raw["reason"]
    example_lines = []
    for k, ex in enumerate(raw["examples"]):
        example_lines.append(at("examples", k))
        for sub, msg in check_example(ex, directory=path.parent):
            problems.append((fname, at("examples", k, *sub), msg))
    if len(problems) > n_before:
        return None
    return Rule(id=rid, title=raw["title"], severity=raw["severity"], category=raw["category"],
                points=raw["points"], basis=raw["basis"], rationale=raw["rationale"],
                remedy=raw["remedy"], check=raw["check"], options=options,
                message=raw["message"], examples=raw["examples"], file=fname, line=at(),
                applies=raw.get("applies") or {}, reason=raw.get("reason"), clauses=clauses,
                example_lines=example_lines)


def _placeholder_problems(template: str, allowed: dict) -> list[str]:
    out = []
    try:
        parsed = list(string.Formatter().parse(template))
    except ValueError as exc:
        return [f"消息模板格式错误：{exc}（字面花括号请写作 {{{{ 与 }}}}）"]
    for _, name, spec, conv in parsed:
        if name is None:
            continue
        base = name.split(".")[0].split("[")[0]
        if not base or base.isdigit():
            out.append("消息模板的占位符必须有名字，例如 {stated_total}")
        elif base not in allowed:
            out.append(f"消息模板中的占位符 {{{base}}} 未定义（可用：{'、'.join(sorted(allowed))}）")
    return out
