"""The durable-rules dialect shared by the stages that write and read the engine's JSON: the fact
builder (engine/facts), the rule compiler (engine/rules/compile.py) and the two evaluators
(engine/evaluate/durable.py, engine/evaluate/reference.py). A leaf module: it imports nothing
from engine, so every stage may use it. docs/durable-rules.md explains the constraints."""
from __future__ import annotations

from decimal import Decimal
from typing import Any

RULESET_NAME = "xxgk"            # the one ruleset the driver creates (per process)
SENTINEL_RULE = "__sentinel__"   # always fires: deleting a report's state is then safe (docs/durable-rules.md §3)
SENTINEL_PRI = 65000
SENTINEL_TYPE = "__eval__"       # the type of the fact that makes the sentinel fire
SCALE = 10_000                   # "dec" fields travel to the engine as integers in units of 1/10000
MAX_ENGINE_INT = 2 ** 62         # durable-rules reads integers with atoll: larger ones saturate
# "dec" values whose scaled form fits the engine: |value| < ENGINE_DEC_BOUND.
ENGINE_DEC_BOUND = Decimal(MAX_ENGINE_INT) / SCALE


class FactError(Exception):
    """A fact that cannot be sent to the engine (an extractor bug)."""


def scaled(value: Decimal | int) -> int:
    """The engine form of a Decimal: an integer in units of 1/SCALE (exact for ≤ 4 decimals).
    The engine compares numbers as C doubles; scaled integers keep decimal amounts exact."""
    if value.__class__ is int:
        return value * SCALE
    # a Decimal is used as is (Decimal(d) is an exact copy of d): same product, one copy less
    d = (value if value.__class__ is Decimal else Decimal(value)) * SCALE
    if d != d.to_integral_value():
        raise FactError(f"数值 {value} 超出引擎精度（最多 4 位小数）")
    return int(d)


def discriminator(expr: Any) -> str | None:
    """The fact type a condition is about: its leading positive `type` test (every compiled
    condition starts with one), or None."""
    if isinstance(expr, dict) and set(expr) == {"type"} and isinstance(expr["type"], str):
        return expr["type"]
    if isinstance(expr, dict) and set(expr) == {"$and"} and isinstance(expr["$and"], list) \
            and expr["$and"]:
        return discriminator(expr["$and"][0])
    return None
