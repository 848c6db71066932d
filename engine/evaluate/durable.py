"""Our thin driver over durable-rules' C API (`durable_rules_engine`), nothing from its Host.

Why so thin (docs/durable-rules.md §1 and §3): the stock Host runs background threads
that read freed memory, raises before dispatching when one fact matches no rule, and re-runs slow
actions. This driver follows the safe subset:

* `create_ruleset` once per process per catalog (ruleset creation leaks in the library);
* facts only (`assert_facts`), never events; one report at a time on a handle, under a lock;
* a constant sid ("w") and decimal fact ids "0".."N-1" (collision-free in its 32-bit hashes);
* an always-firing sentinel fact/rule, so every report dispatches at least one action (a check
  that the engine saw the whole payload);
* after each report its facts are retracted (`retract_facts` with the same payload), not the sid
  deleted: the sid's state — ~0.6M instructions of frame pools and indexes set up whenever a sid
  is created — then serves every report of the handle. Measured here (300 reports × 100 rounds)
  the activations stay identical to deleting the sid each time, memory flat, no action pending
  after the retraction (no rule tests absence, so a retraction never activates anything). Any
  failure there abandons the handle, as below;
* `start_action_for_state` / `complete_and_start_action` until None; payloads are decoded here,
  and findings are built in Python from the fact ids;
* activations are de-duplicated: measured here, a fact matching two branches of an `$or` (even two
  identical branches) is activated once per branch; a condition is a set of matching facts;
* after any engine error the handle is abandoned (its sid may be unsafe to delete) and a new one
  is created for the next report. The error is raised as EngineFailure: the batch runner decides
  (retry in a fresh worker, then the reference evaluator).
"""
from __future__ import annotations

import json
import re
import threading
from typing import Any

from engine.dialect import RULESET_NAME, SENTINEL_RULE

SID = "w"
# An action's message is {"<rule>":{"<alias>":<fact>, …}} with each fact as we sent it (its text
# echoed verbatim, every one opening with our sid and id: FactSet.engine_payload). A frame of one
# fact — nearly all of them — is read from its first characters: a fact's opening {"sid": "w",
# "id": " cannot occur inside a JSON string (its quotes would be escaped), so counting it counts
# the facts. Anything else is decoded in full.
_FACT_OPEN = '{"sid": "%s", "id": "' % SID
_ONE_FACT = re.compile(r'\{"([^"\\]+)":\{"([^"\\]+)":' + re.escape(_FACT_OPEN) + r'([0-9]+)"')

_LOCK = threading.Lock()
_HANDLES: dict[str, int] = {}      # catalog ruleset digest -> handle


class EngineFailure(Exception):
    """durable-rules returned an error for this report."""


def _engine():
    # a deliberate lazy load: the C extension is loaded only by processes that run it
    import durable_rules_engine
    return durable_rules_engine


def _handle(key: str, ruleset: dict[str, Any], ruleset_json: str | None) -> int:
    h = _HANDLES.get(key)
    if h is None:
        try:
            h = _engine().create_ruleset(
                RULESET_NAME, ruleset_json or json.dumps(ruleset, ensure_ascii=False))
        except Exception as exc:
            raise EngineFailure(f"durable-rules 无法创建规则集：{exc}") from exc
        _HANDLES[key] = h
    return h


MAX_PROPERTIES = 250          # error 302 beyond 254 (sid and id included)
MAX_STRING = 4096             # string lengths are truncated mod 2**16 in comparisons
MAX_INT = 2 ** 62             # integers are read with atoll and saturate


def check_facts(engine_facts: list[dict[str, Any]]) -> None:
    """Refuse, before the C code sees them, facts it mishandles: measured here, a float in
    exponent form or a fact with too many properties makes assert_facts return code 0 with a
    garbage state offset, and dispatching that offset crashes the process."""
    for f in engine_facts:
        if len(f) > MAX_PROPERTIES:
            raise EngineFailure(f"事实 {f.get('type')} 的字段过多（{len(f)} 个）")
        for k, v in f.items():
            cls = v.__class__
            if cls is str:
                if len(v) > MAX_STRING:
                    raise EngineFailure(f"事实 {f.get('type')}.{k} 的字符串过长")
            elif cls is int:
                if not -MAX_INT < v < MAX_INT:
                    raise EngineFailure(f"事实 {f.get('type')}.{k} 的整数超出范围")
            elif cls is not bool:
                raise EngineFailure(f"事实 {f.get('type')}.{k} 的取值类型 {cls.__name__} 不能交给规则引擎")


def run(ruleset: dict[str, Any], engine_facts: list[dict[str, Any]] | None, key: str,
        ruleset_json: str | None = None, checked: bool = False,
        payload: str | None = None) -> list[tuple[str, dict[str, str]]]:
    """Activations [(rule name, {alias: fact id})] of one report's facts (sentinel excluded).
    `checked`: the facts come from FactSet.engine_facts / engine_payload, which already enforce
    check_facts. `payload`: the facts' JSON text already written (FactSet.engine_payload, only
    with `checked`); `engine_facts` is then not used."""
    E = _engine()
    if payload is None or not checked:
        if engine_facts is None:
            engine_facts = json.loads(payload)
        if not checked:
            check_facts(engine_facts)
        payload = json.dumps(engine_facts, ensure_ascii=False)
    with _LOCK:
        h = _handle(key, ruleset, ruleset_json)
        out: list[tuple[str, dict[str, str]]] = []
        seen: set[tuple] = set()
        try:
            code, offset = E.assert_facts(h, payload)
            if code not in (0, 1):      # 1 = some fact matched no rule: fine
                raise EngineFailure(f"durable-rules assert_facts 返回错误码 {code}")
            started = E.start_action_for_state(h, offset)
            msg = started[1] if started else None
            sentinel_seen = False
            complete, one_fact = E.complete_and_start_action, _ONE_FACT.match
            while msg:
                m = one_fact(msg)
                if m is not None and msg.count(_FACT_OPEN) == 1:
                    # frames(msg), inline for a frame of one fact (nearly every one)
                    name, alias, fid = m.groups()
                    if name == SENTINEL_RULE:
                        sentinel_seen = True
                    else:
                        key_ = (name, (alias, fid))
                        if key_ not in seen:
                            seen.add(key_)
                            out.append((name, {alias: fid}))
                    msg = complete(h, offset)
                    continue
                for name, ids in frames(msg):
                    if name == SENTINEL_RULE:
                        sentinel_seen = True
                        continue
                    if len(ids) == 1:
                        key_ = (name, *ids.items())
                    else:
                        key_ = (name, tuple(sorted(ids.items())))
                    if key_ not in seen:      # one activation per $or branch: keep one
                        seen.add(key_)
                        out.append((name, ids))
                msg = complete(h, offset)
            if not sentinel_seen:
                raise EngineFailure("durable-rules 未触发哨兵规则")
            # the report's facts out again: the sid is left empty for the next report (module doc)
            code = E.retract_facts(h, payload)[0]
            if code not in (0, 1):
                raise EngineFailure(f"durable-rules retract_facts 返回错误码 {code}")
        except BaseException as exc:
            # the sid may hold this report's facts, or be unsafe to delete: abandon the handle
            _HANDLES.pop(key, None)
            if isinstance(exc, getattr(E, "error", ())) or isinstance(exc, (ValueError, KeyError)):
                raise EngineFailure(f"durable-rules 运行出错：{type(exc).__name__}: {exc}") from exc
            raise          # EngineFailure itself, or an interruption (time cap, Ctrl-C): unchanged
    return out


def frames(msg: str) -> list[tuple[str, dict[str, str]]]:
    """The (rule name, {alias: fact id}) of one action message: a frame of one fact from the
    message's first characters (_ONE_FACT), any other decoded in full."""
    m = _ONE_FACT.match(msg)
    if m is not None and msg.count(_FACT_OPEN) == 1:
        name, alias, fid = m.groups()
        return [(name, {alias: fid})]
    return [(name, {alias: str(f["id"]) for alias, f in frame.items()}) for name, frame in json.loads(msg).items()]
