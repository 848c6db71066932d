"""The issuing office's settings for audit letters (rules/office.yaml) and the deadline arithmetic.

    load_office(path) -> Office          raises OfficeConfigError (Chinese problems)
    Office.reference_number(seq, run_date) -> str
    Office.deadline(run_date) -> date    N working days (Mon–Fri, minus holidays) after the run date
"""
from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import jsonschema
import yaml

from engine import SCHEMAS_DIR
from engine.dates import date_problem
from engine.score import _explain
from engine.yaml_guard import read_yaml_text, safe_load

OFFICE_SCHEMA = SCHEMAS_DIR / "office.schema.json"


# The example values rules/office.yaml ships with (and the built-in default name): no real office.
PLACEHOLDER_NAMES = frozenset({"政务公开工作领导小组办公室", "县政务公开工作领导小组办公室"})
PLACEHOLDER_PHONE = re.compile(r"0000-?0{6,8}")


class OfficeConfigError(Exception):
    def __init__(self, path: str, problems: list[str]):
        super().__init__(f"{path}: " + "；".join(problems))
        self.path = path
        self.problems = problems


@dataclass(frozen=True)
class Office:
    name: str = "政务公开工作领导小组办公室"
    contact: str = ""
    reference_prefix: str = "公开审"
    reference_format: str = "{prefix}〔{year}〕{seq:03d}号"
    sequence_start: int = 1
    deadline_working_days: int = 15
    holidays: tuple[str, ...] = field(default_factory=tuple)
    extra_working_days: tuple[str, ...] = field(default_factory=tuple)

    def reference_number(self, seq: int, run_date: dt.date) -> str:
        return self.reference_format.format(prefix=self.reference_prefix, year=run_date.year, seq=seq)

    def is_working_day(self, day: dt.date) -> bool:
        iso = day.isoformat()
        if iso in self.extra_working_days:
            return True
        return day.weekday() < 5 and iso not in self.holidays

    def deadline(self, run_date: dt.date) -> dt.date:
        day, left = run_date, self.deadline_working_days
        while left:
            day += dt.timedelta(days=1)
            if self.is_working_day(day):
                left -= 1
        return day

    def placeholder_fields(self) -> list[str]:
        """Which settings still hold the shipped example values (Chinese names): letters, the
        dashboard and the CLI warn until the office has filled them in."""
        unset = []
        if self.name in PLACEHOLDER_NAMES:
            unset.append("落款单位名称（name）")
        if PLACEHOLDER_PHONE.search(self.contact or ""):
            unset.append("联系电话（contact）")
        return unset

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "contact": self.contact, "reference_prefix": self.reference_prefix,
                "deadline_working_days": self.deadline_working_days,
                "placeholders": self.placeholder_fields()}


def load_office(path: str | Path | None) -> Office:
    if path is None:
        return Office()
    path = Path(path)
    try:
        data = safe_load(read_yaml_text(path), _TextDateLoader, _FastTextDateLoader)
    except FileNotFoundError:
        raise OfficeConfigError(str(path), ["审核单位配置文件不存在"]) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise OfficeConfigError(str(path), [f"无法读取：{exc}"]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"第{mark.line + 1}行：" if mark else ""
        raise OfficeConfigError(str(path), [f"{where}不是有效的 YAML（{getattr(exc, 'problem', exc)}）"]) from None
    data = data if data is not None else {}
    problems = _validate(data) or _date_problems(data)
    if not problems:
        try:
            Office(**{k: v for k, v in data.items() if k == "reference_format"}).reference_number(1, dt.date(2000, 1, 1))
        except (KeyError, ValueError, IndexError) as exc:
            problems.append(f"reference_format：格式有误（{exc}），可用的占位符为 {{prefix}}、{{year}}、{{seq}}")
    if problems:
        raise OfficeConfigError(str(path), problems)
    for key in ("holidays", "extra_working_days"):
        if key in data:
            data[key] = tuple(data[key])
    return Office(**data)


class _TextDateLoader(yaml.SafeLoader):
    """YAML without implicit timestamps: an unquoted 2025-02-30 stays text, so an impossible date is
    reported by name (below) instead of failing inside the YAML reader."""


class _FastTextDateLoader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):   # type: ignore[misc]
    """_TextDateLoader on libyaml's parser (yaml_guard.safe_load: the pure one reports the errors)."""


_TextDateLoader.yaml_implicit_resolvers = _FastTextDateLoader.yaml_implicit_resolvers = {
    ch: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for ch, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _date_problems(data: dict[str, Any]) -> list[str]:
    problems = []
    for key in ("holidays", "extra_working_days"):
        for i, value in enumerate(data.get(key) or []):
            problem = date_problem(str(value))
            if problem:
                problems.append(f"{key} 第{i + 1}项：{problem}")
    return problems


def _validate(data: Any) -> list[str]:
    schema = json.loads(OFFICE_SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)
    return [_explain(e) for e in sorted(validator.iter_errors(data), key=lambda e: list(e.path))]
