"""Dates written YYYY-MM-DD by users (--date, holidays in office.yaml): a wrong format and an
impossible date (2025-02-30) get different Chinese messages. A leaf module: the CLI and the office
configuration both use it.

    date_problem(text) -> str | None       why text is not a date (None when it is one)
    NO_YEAR                                a report's year not known, in an array of years
"""
from __future__ import annotations

import datetime as dt
import re

# A report's year not known, where the years of a whole batch are kept in an array("q") instead of a
# list of int | None (grouping and naming a national batch: engine/parse/agency.py,
# engine/render/letters.py, engine/run/audit.py). No year a report states is this far from 0.
NO_YEAR = -(1 << 62)

_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


def date_problem(text: str) -> str | None:
    m = _ISO_DATE.match(text.strip())
    if not m:
        return f"日期格式应为 YYYY-MM-DD（例如 2025-03-01）：{text}"
    year, month, day = map(int, m.groups())
    if not 1 <= month <= 12:
        return f"不存在的日期：{text}（月份应为 01 至 12）"
    try:
        dt.date(year, month, day)
    except ValueError:
        return f"不存在的日期：{text}（{year}年{month}月没有{day}日）"
    return None
