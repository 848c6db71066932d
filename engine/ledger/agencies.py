"""The list of agencies an office audits (--agencies FILE, CSV or XLSX).

Columns (first row): 单位名称, 类型 (政府/部门/乡镇/街道/其他) required; 别名 (several separated by
、，,;；|), 发布日期, 链接 optional. The list decides a body's type (which decides rules such as
T802) and may give the date a report was published; agencies on it without a report in a run are
reported missing, reports from bodies not on it are flagged.

    load_agency_list(path) -> list[AgencyEntry]      raises AgencyListError (Chinese problems)
    Registry(entries).match(name) -> AgencyEntry | None
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from engine.parse.agency import extends, normalize_agency

KINDS = ("政府", "部门", "乡镇", "街道", "其他")
# Which body_kind (the rules' applies.body_kinds) a listed type means. 乡镇 and 街道 are local
# people's governments (条例第五十条 applies to them too); 其他 says nothing: the guess from the
# name stays.
BODY_KIND = {"政府": "government", "乡镇": "government", "街道": "government", "部门": "department", "其他": None}
KIND_ALIASES = {"人民政府": "政府", "政府部门": "部门", "乡": "乡镇", "镇": "乡镇", "街道办事处": "街道"}

COLUMNS = {"单位名称": "name", "类型": "kind", "别名": "aliases", "发布日期": "published", "链接": "url"}
REQUIRED = ("单位名称", "类型")
_ALIAS_SPLIT = re.compile(r"[、，,;；|｜]")
_DATE = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:\s+00:00(?::00)?)?\s*$")


class AgencyListError(Exception):
    def __init__(self, path: str, problems: list[str]):
        super().__init__(f"{path}: " + "；".join(problems))
        self.path = path
        self.problems = problems


@dataclass(frozen=True)
class AgencyEntry:
    name: str
    kind: str                                   # one of KINDS
    aliases: tuple[str, ...] = ()
    published: str | None = None                # ISO date the report was published, when listed
    url: str | None = None

    @property
    def key(self) -> str:
        return normalize_agency(self.name) or self.name

    @property
    def body_kind(self) -> str | None:
        return BODY_KIND[self.kind]

    def keys(self) -> list[str]:
        return [k for k in (normalize_agency(n) for n in (self.name, *self.aliases)) if k]

    def to_json(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "aliases": list(self.aliases),
                "published": self.published, "url": self.url}


def load_agency_list(path: str | Path) -> list[AgencyEntry]:
    path = Path(path)
    rows = _read_rows(path)
    problems: list[str] = []
    if not rows:
        raise AgencyListError(str(path), ["单位名单为空"])
    header = [str(h).strip() for h in rows[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise AgencyListError(str(path), [f"第1行缺少列：{'、'.join(missing)}（应有列：单位名称、类型，可选 别名、发布日期、链接）"])
    index = {COLUMNS[h]: i for i, h in enumerate(header) if h in COLUMNS}
    entries: list[AgencyEntry] = []
    seen: dict[str, int] = {}
    for no, row in enumerate(rows[1:], start=2):
        cell = {name: _cell(row, i) for name, i in index.items()}
        if not any(cell.values()):
            continue
        entry, row_problems = _entry(cell, no)
        problems += row_problems
        if entry is None:
            continue
        for k in entry.keys():
            if k in seen and seen[k] != no:
                problems.append(f"第{no}行：单位“{entry.name}”与第{seen[k]}行重复")
                break
        else:
            seen.update({k: no for k in entry.keys()})
            entries.append(entry)
    if problems:
        raise AgencyListError(str(path), problems)
    return entries


def _read_rows(path: Path) -> list[list[Any]]:
    # a deliberate lazy load: pandas (~0.5 s) only when a list of agencies is read from a file
    import pandas as pd

    if not path.is_file():
        raise AgencyListError(str(path), ["单位名单文件不存在"])
    suffix = path.suffix.lower()
    try:
        if suffix in (".xlsx", ".xlsm"):
            frame = pd.read_excel(path, header=None, dtype=object)
        elif suffix in (".csv", ".txt"):
            frame = _read_csv(path, pd)
        else:
            raise AgencyListError(str(path), [f"不支持的单位名单格式“{path.suffix}”（应为 .csv 或 .xlsx）"])
    except AgencyListError:
        raise
    except Exception as exc:     # pandas/openpyxl raise many kinds for a damaged file
        raise AgencyListError(str(path), [f"无法读取单位名单：{exc}"]) from None
    return [[None if _blank(v) else v for v in row] for row in frame.itertuples(index=False, name=None)]


def _read_csv(path: Path, pd: Any) -> Any:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return pd.read_csv(path, header=None, dtype=str, keep_default_na=False, encoding=encoding)
        except UnicodeDecodeError:
            continue
    raise AgencyListError(str(path), ["单位名单的文字编码无法识别（请另存为 UTF-8 或 GBK 编码的 CSV）"])


def _blank(v: Any) -> bool:
    return v is None or (isinstance(v, float) and v != v) or (isinstance(v, str) and not v.strip())


def _cell(row: list[Any], i: int) -> Any:
    return row[i] if i < len(row) else None


def _entry(cell: dict[str, Any], no: int) -> tuple[AgencyEntry | None, list[str]]:
    problems = []
    name = str(cell.get("name") or "").strip()
    kind = str(cell.get("kind") or "").strip()
    kind = KIND_ALIASES.get(kind, kind)
    if not name:
        problems.append(f"第{no}行：缺少单位名称")
    if kind not in KINDS:
        problems.append(f"第{no}行：类型“{cell.get('kind') or ''}”无效，应为 {'/'.join(KINDS)} 之一")
    published = None
    if cell.get("published") is not None:
        published = parse_date(cell["published"])
        if published is None:
            problems.append(f"第{no}行：发布日期“{cell['published']}”无法识别（应为 YYYY-MM-DD）")
    if problems:
        return None, problems
    aliases = tuple(a.strip() for a in _ALIAS_SPLIT.split(str(cell.get("aliases") or "")) if a.strip())
    url = str(cell["url"]).strip() if cell.get("url") is not None else None
    return AgencyEntry(name=name, kind=kind, aliases=aliases, published=published, url=url or None), []


def parse_date(value: Any) -> str | None:
    """ISO date from a list cell: a date/datetime (Excel) or text like 2024-01-15, 2024/1/15, 2024年1月15日."""
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    m = _DATE.match(str(value))
    if not m:
        return None
    try:
        return dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3))).isoformat()
    except ValueError:
        return None


@dataclass
class Registry:
    """The list, with name matching: a report's body is the entry whose name or alias normalises to
    the same key, or — when exactly one entry fits — the one that extends it by administrative
    divisions (金村镇政府 meets 泽州县金村镇人民政府) or is extended by it."""
    entries: list[AgencyEntry] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._by_key = {k: e for e in self.entries for k in e.keys()}

    def __bool__(self) -> bool:
        return bool(self.entries)

    def match(self, name: str | None) -> AgencyEntry | None:
        key = normalize_agency(name)
        if not key:
            return None
        if key in self._by_key:
            return self._by_key[key]
        fits = {id(e): e for k, e in self._by_key.items() if extends(k, key) or extends(key, k)}
        return next(iter(fits.values())) if len(fits) == 1 else None

    def missing(self, present: Iterable[AgencyEntry]) -> list[AgencyEntry]:
        """Entries with no report, in the list's order."""
        seen = {id(e) for e in present}
        return [e for e in self.entries if id(e) not in seen]
