"""Publication deadlines (条例第四十九条): which date a report was published, which deadline
applied to its body, and the finding when it came late.

    load_deadlines(path) -> DeadlineConfig        raises DeadlineConfigError (Chinese problems)
    publication(report_date, listed) -> PublishedDate | None
    lateness(config, year, kind, kind_guessed, published) -> LateFinding | None

The date comes from the list of agencies when it gives one, else from the report itself (the
web page's 发布日期/发布时间, or the date under the signature — a report cannot be published before
it is signed, so a late signature is a late report). Unknown date or unknown type: no finding.
When the type is only guessed from the name, lateness that depends on the guess is 待人工核对
(charge manual); late under every configured deadline it is the agency's.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from engine import DEFAULT_RULES_DIR
from engine.ledger.agencies import KINDS
from engine.yaml_guard import read_yaml_text, safe_load

DEFAULT_DEADLINES = DEFAULT_RULES_DIR / "deadlines.yaml"


class DeadlineConfigError(Exception):
    def __init__(self, path: str, problems: list[str]):
        super().__init__(f"{path}: " + "；".join(problems))
        self.path = path
        self.problems = problems


@dataclass(frozen=True)
class DeadlineConfig:
    month_day: dict[str, tuple[int, int] | None]          # kind -> (month, day) of the year after
    rule_id: str = "XXGK-D001"
    title: str = "年度报告未按期公布"
    severity: str = "warning"
    category: str = "时效性"
    points: float = 2
    basis: str = "《中华人民共和国政府信息公开条例》第四十九条"
    remedy: str = "今后应在规定期限内公布年度报告。"

    def deadline(self, year: int, kind: str) -> dt.date | None:
        md = self.month_day.get(kind)
        return dt.date(year + 1, md[0], md[1]) if md else None

    def latest(self, year: int) -> dt.date | None:
        days = [d for d in (self.deadline(year, k) for k in KINDS) if d]
        return max(days) if days else None


def load_deadlines(path: str | Path = DEFAULT_DEADLINES) -> DeadlineConfig:
    path = Path(path)
    try:
        data = safe_load(read_yaml_text(path))
    except (OSError, UnicodeDecodeError) as exc:
        raise DeadlineConfigError(str(path), [f"无法读取：{exc.strerror or exc}"]) from None
    except yaml.YAMLError as exc:
        raise DeadlineConfigError(str(path), [f"不是有效的 YAML：{exc}"]) from None
    if not isinstance(data, dict) or not isinstance(data.get("deadlines"), dict):
        raise DeadlineConfigError(str(path), ["缺少 deadlines（类型 → 月-日）"])
    problems: list[str] = []
    month_day: dict[str, tuple[int, int] | None] = {k: None for k in KINDS}
    for kind, value in data["deadlines"].items():
        if kind not in KINDS:
            problems.append(f"deadlines: 类型“{kind}”无效，应为 {'/'.join(KINDS)} 之一")
        elif value is not None:
            md = _month_day(value)
            if md is None:
                problems.append(f"deadlines.{kind}: “{value}”应为 MM-DD（如 03-31）或 null")
            month_day[kind] = md
    finding = data.get("finding") or {}
    if not isinstance(finding, dict):
        problems.append("finding 应为映射")
        finding = {}
    known = {"rule_id", "title", "severity", "category", "points", "basis", "remedy"}
    problems += [f"finding: 未知字段“{k}”" for k in finding if k not in known]
    if finding.get("severity", "warning") not in ("error", "warning", "info"):
        problems.append("finding.severity 应为 error/warning/info 之一")
    if not isinstance(finding.get("points", 0), (int, float)) or isinstance(finding.get("points"), bool):
        problems.append("finding.points 应为数字")
    if problems:
        raise DeadlineConfigError(str(path), problems)
    return DeadlineConfig(month_day=month_day, **{k: v for k, v in finding.items() if k in known})


def _month_day(value: Any) -> tuple[int, int] | None:
    try:
        month, day = (int(p) for p in str(value).split("-"))
        dt.date(2001, month, day)     # a year without 29 February: 02-29 is not a deadline
    except ValueError:
        return None
    return month, day


@dataclass(frozen=True)
class PublishedDate:
    date: dt.date
    source: str            # list | report

    def label(self) -> str:
        return "单位名单登记的发布日期" if self.source == "list" else "报告所载日期"


def publication(report_date: str | None, listed: str | None) -> PublishedDate | None:
    for value, source in ((listed, "list"), (report_date, "report")):
        if value:
            try:
                return PublishedDate(dt.date.fromisoformat(value), source)
            except ValueError:
                continue
    return None


@dataclass(frozen=True)
class LateFinding:
    published: PublishedDate
    deadline: dt.date
    kind: str
    charge: str                       # agency | manual
    config: DeadlineConfig = field(repr=False)

    @property
    def days_late(self) -> int:
        return (self.published.date - self.deadline).days

    def finding(self) -> dict[str, Any]:
        """The finding, in findings.json's shape (without id: the run assigns ids)."""
        c = self.config
        message = (f"{self.published.label()}为{_zh(self.published.date)}，晚于{self.kind}年度报告的公布期限"
                   f"{_zh(self.deadline)}（逾期{self.days_late}天）。")
        if self.charge == "manual":
            message += f"单位类型系按名称推断为“{self.kind}”，请人工核对适用的期限。"
        return {"rule_id": c.rule_id, "severity": c.severity, "category": c.category, "title": c.title,
                "message": message, "points": c.points, "basis": c.basis, "remedy": c.remedy,
                "charge": self.charge,
                "evidence": {"part": None, "table": None, "cells": [], "values": {
                    "published": self.published.date.isoformat(), "published_source": self.published.source,
                    "deadline": self.deadline.isoformat(), "kind": self.kind},
                    "line": None, "where": None, "excerpt": None}}


def lateness(config: DeadlineConfig, year: int | None, kind: str | None, kind_guessed: bool,
             published: PublishedDate | None) -> LateFinding | None:
    if year is None or kind is None or published is None:
        return None
    deadline = config.deadline(year, kind)
    if deadline is None or published.date <= deadline:
        return None
    latest = config.latest(year)
    charge = "manual" if kind_guessed and latest is not None and published.date <= latest else "agency"
    return LateFinding(published, deadline, kind, charge, config)


def guess_kind(agency: str | None, body_kind: str | None) -> str | None:
    """The list type a body most likely has, from its name and the parser's body_kind (a guess)."""
    name = (agency or "").strip()
    if body_kind == "department":
        return "部门"
    if body_kind != "government":
        return None
    if name.endswith(("街道办事处", "街道")):
        return "街道"
    stem = name.removesuffix("人民政府").removesuffix("政府")
    if stem.endswith(("镇", "乡", "苏木")):
        return "乡镇"
    return "政府"


def _zh(day: dt.date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"
