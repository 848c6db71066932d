"""Chinese labels shared by every output (letters, dashboard, spreadsheets, CLI summary)."""
from __future__ import annotations

from engine.template import PART_TITLES, TABLE_TITLES

# Every status an input can end with, in the order outputs list them.
STATUS_LABELS = {
    "audited": "已审核",
    "not_a_report": "不是政府信息公开年度报告",
    "blank_template": "空白模板（未填写）",
    "own_output": "本工具的审核输出（已跳过）",
    "duplicate": "重复文件",
    "unreadable": "无法读取",
    "empty": "空文件",
    "binary": "无法识别的二进制文件",
    "unsupported": "不支持的格式",
    "scanned": "扫描件（没有文字层）",
    "too_large": "文件过大",
    "timeout": "处理超时",
    "broken": "文件损坏或无法解析",
}
# --previous inputs read as reports (compared against, not audited)
PREVIOUS_STATUS_LABELS = {**STATUS_LABELS, "parsed": "已读取（仅用于跨年度比对）"}

# How a cell that states no number appeared (model.CellKind), as letters show it.
CELL_KIND_LABELS = {
    "missing": "（缺失或无法读取）",
    "blank": "（空白）",
    "dash": "（填“—”）",
    "none": "（填“无”）",
}

# Scoring categories in the order tables show them (rules/README.md lists them so); a category a
# rules folder adds comes after these.
CATEGORY_ORDER = ("完整性", "准确性", "规范性", "时效性", "一致性", "连续性")

SEVERITY_LABELS = {"error": "错误", "warning": "警告", "info": "提示"}
SEVERITY_ORDER = {"error": 0, "warning": 1, "info": 2}

TABLE_LABELS = {name: f"表{'二三四'[i]}（{title}）" for i, (name, title) in enumerate(TABLE_TITLES.items())}


def part_label(part: str | None) -> str:
    if not part:
        return ""
    return f"第{part}部分“{PART_TITLES.get(part, '')}”" if part in PART_TITLES else f"第{part}部分"
