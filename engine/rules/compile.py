"""Compiler: expanded block clauses -> one durable-rules ruleset (JSON), within the safe subset.

The safe subset (docs/durable-rules.md §4), enforced here
for every clause whatever block produced it:

* facts only (the driver never posts events), no `count`/`cap`, no `pri` except the sentinel's;
* one or two facts per clause (2-fact joins; never three);
* every fact expression starts with the positive `type` discriminator;
* operators: equality, $neq/$lt/$lte/$gt/$gte, $ex/$nex, $and/$or — never $not, $mt/$imt,
  $iall/$iany, $s, arithmetic ($add/$sub/$mul/$div);
* fields exist on the fact type and are engine-visible; constants have the field's JSON type
  (mixed types compare as strings in durable-rules); size comparisons on numbers only;
* a right-hand reference names a field of the same fact ($m) or of the FIRST fact of the clause;
* every field taking part in a reference comparison is guarded by `$ex` in its fact's top-level
  conjunction (`guard_references` adds the guards): measured here, durable-rules matches
  comparisons against an ABSENT referenced field inconsistently and a join whose first fact lacks
  the referenced field fails the whole report with error 311;
* at most MAX_ALPHA_SHARE clauses that can match one fact (error 303 beyond 64);
* one always-firing sentinel rule (`__sentinel__`, pri 65000): every report dispatches an action
  (the driver checks it fired; `delete_state` is only safe on a sid that dispatched one).

Problems are returned as (path, message) pairs; the loader turns them into file:line.
"""
from __future__ import annotations

import json
import re
from collections import Counter
from typing import Any

from engine.dialect import SENTINEL_PRI, SENTINEL_RULE, SENTINEL_TYPE, discriminator
from engine.rules.blocks import Clause

MAX_ALPHA_SHARE = 60          # durable-rules fails with error 303 beyond 64
COMPARISONS = ("$neq", "$lt", "$lte", "$gt", "$gte", "$eq")
ORDERINGS = ("$lt", "$lte", "$gt", "$gte")
UNSAFE = {"$not": "否定（$not）", "$mt": "正则（$mt）", "$imt": "正则（$imt）",
          "$iall": "数组条件（$iall）", "$iany": "数组条件（$iany）", "$s": "状态事实（$s）",
          "$add": "运算", "$sub": "运算", "$mul": "运算", "$div": "运算",
          "count": "计数（count）", "cap": "计数（cap）", "$all": "嵌套（$all）", "$any": "嵌套（$any）"}
_ALIAS = re.compile(r"^[a-z][a-z0-9_]*$")


class UnsafeConstruct(Exception):
    pass


def _references(expr: Any, out: list[tuple[str, str, str]]) -> None:
    """Collect (left field, ref source, ref field) of every reference comparison in `expr`."""
    if not isinstance(expr, dict) or len(expr) != 1:
        return
    (key, value), = expr.items()
    if key in ("$and", "$or") and isinstance(value, list):
        for sub in value:
            _references(sub, out)
        return
    if key in COMPARISONS and isinstance(value, dict) and len(value) == 1:
        (fld, rv), = value.items()
    elif not key.startswith("$"):
        fld, rv = key, value
    else:
        return
    if isinstance(rv, dict) and len(rv) == 1:
        (src, g), = rv.items()
        out.append((fld, src, g))


def _guards_needed(clause: Clause) -> dict[str, set[str]]:
    """alias -> fields that must be guarded by $ex in that alias' top-level conjunction."""
    need: dict[str, set[str]] = {alias: set() for alias, _ in clause.all}
    for alias, expr in clause.all:
        refs: list[tuple[str, str, str]] = []
        _references(expr, refs)
        for fld, src, g in refs:
            need[alias].add(fld)
            target = alias if src == "$m" else src
            if target in need and isinstance(g, str):
                need[target].add(g)
    return need


def _top_level(expr: dict) -> list:
    return expr["$and"] if set(expr) == {"$and"} else [expr]


def _has_guard(expr: dict, fld: str) -> bool:
    return any(x == {"$ex": {fld: 1}} for x in _top_level(expr))


def guard_references(clause: Clause) -> Clause:
    """Add `$ex` guards for every field a reference comparison uses (see module docstring)."""
    need = _guards_needed(clause)
    new_all = []
    for alias, expr in clause.all:
        missing = sorted(f for f in need.get(alias, ()) if not _has_guard(expr, f))
        if missing and discriminator(expr) is not None:
            items = _top_level(expr)
            expr = {"$and": [items[0]] + [{"$ex": {f: 1}} for f in missing] + items[1:]}
        new_all.append((alias, expr))
    clause.all = new_all
    return clause


def check_clause(clause: Clause, types: dict[str, dict[str, str]]) -> list[str]:
    """Problems (Chinese) of one clause against the safe subset; [] when it is fine."""
    problems: list[str] = []
    if len(clause.all) <= 2 and all(isinstance(e, dict) for _, e in clause.all):
        for alias, fields in _guards_needed(clause).items():
            expr = dict(clause.all)[alias]
            for f in sorted(fields):
                if not _has_guard(expr, f):
                    problems.append(f"事实“{alias}”的字段“{f}”参与引用比较，须先以 $ex 判定存在"
                                    "（由 guard_references 自动加入）")
    if clause.role not in ("fail", "unknown"):
        problems.append(f"未知的子句角色“{clause.role}”")
    if not 1 <= len(clause.all) <= 2:
        problems.append(f"一个条件关联 {len(clause.all)} 个事实：安全子集最多两个")
        return problems
    aliases: dict[str, str] = {}
    for i, (alias, expr) in enumerate(clause.all):
        if not isinstance(alias, str) or not _ALIAS.match(alias) or alias in aliases:
            problems.append(f"别名“{alias}”无效或重复（{'$not' if '$' in str(alias) else ''}）"
                            if "$" not in str(alias) else f"“{alias}”：否定（$not）不在安全子集内")
            continue
        ftype = discriminator(expr)
        if ftype is None:
            problems.append(f"事实“{alias}”的条件没有以 type 判别开头")
            continue
        if ftype not in types:
            problems.append(f"未知的事实类型“{ftype}”")
            continue
        env = {"types": types, "aliases": dict(aliases), "ftype": ftype}
        try:
            _check_expr(expr, env)
        except UnsafeConstruct as exc:
            problems.append(f"事实“{alias}”：{exc}")
        aliases[alias] = ftype
    return problems


def _check_expr(expr: Any, env: dict) -> None:
    if not isinstance(expr, dict) or len(expr) != 1:
        raise UnsafeConstruct(f"条件应为只含一个键的映射：{json.dumps(expr, ensure_ascii=False)}")
    (key, value), = expr.items()
    if key in UNSAFE:
        raise UnsafeConstruct(f"{UNSAFE[key]}不在 durable-rules 安全子集内")
    if key in ("$and", "$or"):
        if not isinstance(value, list) or not value:
            raise UnsafeConstruct(f"{key} 需要非空列表")
        for sub in value:
            _check_expr(sub, env)
        return
    if key in ("$ex", "$nex"):
        if not isinstance(value, dict) or len(value) != 1:
            raise UnsafeConstruct(f"{key} 需要一个字段")
        _field_kind(next(iter(value)), env)
        return
    if key in COMPARISONS:
        if not isinstance(value, dict) or len(value) != 1:
            raise UnsafeConstruct(f"{key} 需要一个字段")
        (fld, rv), = value.items()
        kind = _field_kind(fld, env)
        if key in ORDERINGS and kind not in ("int", "dec"):
            raise UnsafeConstruct(f"字段“{fld}”不是数值，不能比较大小")
        _check_rvalue(rv, kind, env)
        return
    if key.startswith("$"):
        raise UnsafeConstruct(f"不支持的运算符“{key}”")
    kind = _field_kind(key, env)
    _check_rvalue(value, kind, env)


def _field_kind(fld: str, env: dict) -> str:
    kinds = env["types"][env["ftype"]]
    kind = kinds.get(fld)
    if kind is None or kind == "py":
        raise UnsafeConstruct(f"事实类型“{env['ftype']}”没有可比较的字段“{fld}”")
    return kind


def _check_rvalue(rv: Any, kind: str, env: dict) -> None:
    if isinstance(rv, dict):
        if len(rv) != 1:
            raise UnsafeConstruct("引用应写作 {\"$m\": 字段} 或 {别名: 字段}")
        (ref, fld), = rv.items()
        if ref == "$m":
            other = _field_kind(fld, env)
        elif ref in env["aliases"]:
            if list(env["aliases"])[0] != ref:
                raise UnsafeConstruct("只能引用第一个事实")
            other = env["types"][env["aliases"][ref]].get(fld)
        elif ref in UNSAFE:
            raise UnsafeConstruct(f"{UNSAFE[ref]}不在 durable-rules 安全子集内")
        else:
            raise UnsafeConstruct(f"引用了未知的别名“{ref}”")
        if other != kind:
            raise UnsafeConstruct(f"比较的两个字段类型不同（{kind} 与 {other}）")
        return
    ok = {"str": isinstance(rv, str) and "\n" not in rv,
          "bool": isinstance(rv, bool),
          "int": isinstance(rv, int) and not isinstance(rv, bool),
          "dec": isinstance(rv, int) and not isinstance(rv, bool)}[kind]
    if not ok:
        raise UnsafeConstruct(f"取值 {rv!r} 与字段类型 {kind} 不符"
                              + ("（dec 字段的常量须按 SCALE 换算为整数）" if kind == "dec" else ""))


def alpha_share_problems(clauses: list[Clause]) -> list[str]:
    """Clauses whose first fact can match one and the same fact: at most MAX_ALPHA_SHARE.

    Clauses keyed by their own `rule` equality (derived facts) cannot share a fact."""
    keys: Counter = Counter()
    for c in clauses:
        for _, expr in c.all:
            items = expr["$and"] if "$and" in expr else [expr]
            rule = next((x["rule"] for x in items if isinstance(x, dict) and "rule" in x
                         and isinstance(x["rule"], str)), None)
            keys[(discriminator(expr), rule)] += 1
    return [f"事实类型“{t}”上有 {n} 个条件（上限 {MAX_ALPHA_SHARE}，durable-rules 错误 303）"
            for (t, _), n in keys.items() if n > MAX_ALPHA_SHARE]


def build_ruleset(clauses: list[Clause]) -> dict[str, Any]:
    """The durable-rules ruleset (the rules mapping given to create_ruleset under RULESET_NAME):
    one rule per clause, named by the clause, plus the sentinel."""
    rules: dict[str, Any] = {}
    for c in clauses:
        rules[c.name] = {"all": [{alias: expr} for alias, expr in c.all]}
    rules[SENTINEL_RULE] = {"pri": SENTINEL_PRI, "all": [{"m": {"type": SENTINEL_TYPE}}]}
    return rules


def fields_used(ruleset: dict[str, Any]) -> dict[str, frozenset[str]]:
    """fact type -> the fields some condition of the ruleset reads (tested, compared, referenced
    through {"$m": f} or {alias: f}, or required by $ex/$nex). The evaluator sends only these to
    the engine (FactSet.engine_facts): a condition cannot depend on a field it does not name."""
    used: dict[str, set[str]] = {}
    for rule in ruleset.values():
        aliases: dict[str, str | None] = {}
        for cond in rule["all"]:
            (alias, expr), = cond.items()
            ftype = discriminator(expr)
            aliases[alias] = ftype
            _collect_fields(expr, ftype, aliases, used)
    return {t: frozenset(f) for t, f in used.items() if t is not None}


def _collect_fields(expr: Any, ftype: str | None, aliases: dict[str, str | None],
                    used: dict[str, set[str]]) -> None:
    mine = used.setdefault(ftype, set())
    (key, value), = expr.items()
    if key in ("$and", "$or"):
        for sub in value:
            _collect_fields(sub, ftype, aliases, used)
        return
    if key in ("$ex", "$nex"):
        mine.update(value)
        return
    if key.startswith("$"):
        (fld, rv), = value.items()
    else:
        fld, rv = key, value
    mine.add(fld)
    if isinstance(rv, dict):
        (src, other), = rv.items()
        used.setdefault(ftype if src == "$m" else aliases.get(src), set()).add(other)


Equalities = tuple[tuple[str, Any], ...]


def fact_filters(ruleset: dict[str, Any]) -> dict[str, tuple[Equalities, ...]] | None:
    """fact type -> one tuple of (field, constant) equalities per condition on that type: a fact
    can match that condition only if it has every one of them (each condition is an `$and` whose
    plain `{field: constant}` / `$eq` tests are necessary; `$or`, comparisons, `$ex` and joins are
    left out, so the equalities kept are necessary, never sufficient). A fact that meets the
    equalities of none of its type's conditions matches no condition of the ruleset — no rule can
    activate on it, nor does a rule here test for absence — so the evaluator need not send it to the
    engine (FactSet.engine_payload); a type no condition names is not sent at all. None when some
    condition has no `type` discriminator or a rule has more than `all` conditions: every fact may
    then match, all are sent. Only str and bool constants are kept (the fact builder checks the
    field's kind; ints are compared by the engine as doubles, so they are left to it), and a field's
    inequality to another field of the same fact as (field, ("$neq", other)) (engine.facts applies it
    to two "dec" fields: equal numbers are equal to the engine too)."""
    filters: dict[str, list[Equalities]] = {}
    for rule in ruleset.values():
        if set(rule) - {"all", "pri"}:
            return None
        for cond in rule["all"]:
            (_alias, expr), = cond.items()
            ftype = discriminator(expr)
            if ftype is None:
                return None
            filters.setdefault(ftype, []).append(tuple(_equalities(expr)))
    return {t: tuple(dict.fromkeys(alts)) for t, alts in filters.items()}


def _equalities(expr: Any) -> list[tuple[str, Any]]:
    """The (field, constant) equalities every fact matching `expr` has (str and bool constants)."""
    (key, value), = expr.items()
    if key == "$and":
        return [eq for sub in value for eq in _equalities(sub)]
    if key == "$eq":
        (key, value), = value.items()
    elif key == "$neq":
        # a field unequal to another field of the same fact ({"$m": other}): kept as
        # (field, ("$neq", other)), which a consumer knowing only constants ignores
        (key, value), = value.items()
        if isinstance(value, dict) and set(value) == {"$m"} and isinstance(value["$m"], str):
            return [(key, ("$neq", value["$m"]))]
        return []
    elif key.startswith("$"):
        return []
    if key == "type" or value.__class__ not in (str, bool):
        return []
    return [(key, value)]
