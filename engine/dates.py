"""Dates written YYYY-MM-DD by users (--date, holidays in office.yaml): a wrong format and an
impossible date (2025-02-30) get different Chinese messages. A leaf module: the CLI and the office
configuration both use it.

    date_problem(text) -> str | None       why text is not a date (None when it is one)
"""
from __future__ import annotations

import datetime as dt
import re

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
