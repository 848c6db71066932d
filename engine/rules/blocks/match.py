"""Block `match`: a condition written directly over facts, for what no dedicated block covers.

    check: match
    options:
      fail:                          # one fact pattern, or two (a join on the second's `ref`s)
        - type: report
          where: {year: {gte: 2021}, template: "2019"}
      unknown:                       # optional: patterns meaning "not assessable"
        - type: report
          where: {year: {exists: false}}
      reason: 未能识别报告年度

A pattern: `type` (a fact type), optional `alias` (default a, b), `where` (field: value, or field:
{op: value} with op in eq, ne, lt, lte, gt, gte, in, exists) and/or `any` (a list of `where` maps,
at least one must hold). A value may be `{ref: <alias>.<field>}` (a field of the first fact) or
`{same: <field>}` (another field of the same fact). This is the safe subset of durable-rules:
regex matching, negation ("no fact such that"), counting and joins of three facts are refused —
compute them in a fact extractor and test the resulting field instead.
"""
from __future__ import annotations

from decimal import Decimal
from typing import Any

from engine.facts import fact_types
from engine.rules.blocks import Clause, all_of, any_of, dec_const, is_type
from engine.template import all_known_addresses

ID = "match"
SUMMARY = "通用条件：直接对事实字段写比较条件（安全子集：不含正则、否定、计数、三方关联）"
OPS = {"eq": None, "ne": "$neq", "lt": "$lt", "lte": "$lte", "gt": "$gt", "gte": "$gte"}
UNSAFE_OPS = {"matches": "正则匹配（$mt）", "regex": "正则匹配（$mt）", "mt": "正则匹配（$mt）",
              "not": "否定（$not）", "absent": "否定（$not）", "none_of": "否定（$not）",
              "count": "计数（count）", "cap": "计数（cap）", "sum": "运算", "add": "运算"}
_PATTERN = {
    "type": "object",
    "additionalProperties": False,
    "required": ["type"],
    "properties": {"alias": {"type": "string", "pattern": "^[a-z][a-z0-9_]*$"},
                   "type": {"type": "string"},
                   "where": {"type": "object"},
                   "any": {"type": "array", "minItems": 1, "items": {"type": "object"}}},
}
OPTIONS = {
    "type": "object",
    "additionalProperties": False,
    "required": ["fail"],
    "properties": {
        "fail": {"type": "array", "minItems": 1, "items": _PATTERN},
        "unknown": {"type": "array", "minItems": 1, "items": _PATTERN},
        "reason": {"type": "string"},
    },
}
MESSAGE_FIELDS: dict[str, str] = {}   # any field of the matched facts (see message_fields)


def message_fields(options) -> dict[str, str]:
    types = fact_types()
    out: dict[str, str] = {}
    for role in ("fail", "unknown"):
        for i, pat in enumerate(options.get(role) or []):
            alias = pat.get("alias") or ("ab"[i] if i < 2 else "x")
            for f in types.get(pat.get("type"), {}):
                out[f] = f"事实 {pat.get('type')} 的字段"
                out[f"{alias}_{f}"] = f"事实 {pat.get('type')} 的字段"
    return out


def expand(options, ctx):
    types = fact_types()
    clauses = []
    for role in ("fail", "unknown"):
        pats = options.get(role)
        if not pats:
            continue
        if len(pats) > 2:
            raise ctx.error("条件最多关联两个事实（三方关联不在安全子集内）", role, 2)
        conds, aliases = [], []
        for i, pat in enumerate(pats):
            alias = pat.get("alias") or "ab"[i]
            if alias in aliases:
                raise ctx.error(f"别名“{alias}”重复", role, i, "alias")
            fields = types.get(pat["type"])
            if fields is None:
                raise ctx.error(f"未知的事实类型“{pat['type']}”（可用：{'、'.join(sorted(types))}）",
                                role, i, "type")
            env = {"alias0": aliases[0] if aliases else None, "first_type": pats[0]["type"],
                   "types": types, "path": (role, i)}
            exprs = [is_type(pat["type"])]
            exprs += _where(pat.get("where") or {}, fields, env, ctx, (role, i, "where"))
            if pat.get("any"):
                alts = [all_of(*(_where(w, fields, env, ctx, (role, i, "any", j)) or
                                 [is_type(pat["type"])]))
                        for j, w in enumerate(pat["any"])]
                exprs.append(any_of(*alts))
            conds.append((alias, all_of(*exprs)))
            aliases.append(alias)
        clauses.append(Clause(role=role, all=conds,
                              reason=options.get("reason") if role == "unknown" else None))
    return clauses


def _where(where: dict, fields: dict, env: dict, ctx, path: tuple) -> list[dict]:
    out = []
    for name, spec in where.items():
        if name not in fields or fields[name] == "py":
            raise ctx.error(f"事实没有可比较的字段“{name}”（可用：{'、'.join(k for k, v in fields.items() if v != 'py')}）",
                            *path, name)
        kind = fields[name]
        ops = spec if isinstance(spec, dict) and not _is_ref(spec) else {"eq": spec}
        for op, value in ops.items():
            p = path + (name, op) if ops is spec else path + (name,)
            if op in UNSAFE_OPS:
                raise ctx.error(f"“{op}”：{UNSAFE_OPS[op]}不在 durable-rules 安全子集内，"
                                f"请在事实提取器中计算后比较字段", *p)
            if op == "exists":
                if not isinstance(value, bool):
                    raise ctx.error("exists 取值应为 true 或 false", *p)
                out.append({"$ex" if value else "$nex": {name: 1}})
            elif op == "in":
                if not isinstance(value, list) or not value:
                    raise ctx.error("in 取值应为非空列表", *p)
                out.append(any_of(*[{name: _const(v, kind, ctx, p)} for v in value]))
            elif op in OPS:
                if op in ("lt", "lte", "gt", "gte") and kind not in ("int", "dec"):
                    raise ctx.error(f"字段“{name}”不是数值，不能比较大小", *p)
                rv = _rvalue(value, kind, fields, env, ctx, p)
                out.append({name: rv} if OPS[op] is None else {OPS[op]: {name: rv}})
            else:
                raise ctx.error(f"未知的比较“{op}”（可用：{'、'.join(list(OPS) + ['in', 'exists'])}）", *p)
    return out


def _is_ref(spec: dict) -> bool:
    return set(spec) in ({"ref"}, {"same"})


def _rvalue(value: Any, kind: str, fields: dict, env: dict, ctx, p: tuple) -> Any:
    if isinstance(value, dict) and _is_ref(value):
        if "same" in value:
            other = value["same"]
            if fields.get(other) != kind:
                raise ctx.error(f"字段“{other}”不存在或类型不同", *p)
            return {"$m": other}
        alias, _, fld = str(value["ref"]).partition(".")
        if env["alias0"] is None or alias != env["alias0"]:
            raise ctx.error("ref 只能引用第一个事实的字段（写作 <别名>.<字段>）", *p)
        if env["types"][env["first_type"]].get(fld) != kind:
            raise ctx.error(f"被引用的字段“{value['ref']}”不存在或类型不同", *p)
        return {alias: fld}
    return _const(value, kind, ctx, p)


def _const(value: Any, kind: str, ctx, p: tuple) -> Any:
    if "addr" in p and isinstance(value, str):
        if value not in all_known_addresses():
            raise ctx.error(f"未知的单元格地址“{value}”", *p)
    ok = {"str": isinstance(value, str), "bool": isinstance(value, bool),
          "int": isinstance(value, int) and not isinstance(value, bool),
          "dec": isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)}[kind]
    if not ok:
        raise ctx.error(f"取值 {value!r} 与字段类型（{kind}）不符", *p)
    return dec_const(value) if kind == "dec" else value
