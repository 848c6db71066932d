"""Parse diagnostic codes and their Chinese messages (one place, stable codes).

Codes:
    TABLE_MISSING        a table of the template is not in the report                      (error)
    ROW_MISSING          a row of a table is not in the report                              (error)
    ROW_TOO_FEW_VALUES   a row states fewer values than the template has columns           (error)
    ROW_TOO_MANY_VALUES  a row states more values than the template has columns            (error)
    ROW_UNPLACED         the values near a row's label cannot be given to it with certainty
                         (reading-order text with labels out of place): cells unknown       (error)
    CELL_BLANK           a cell of the grid is empty (not 0, not a dash)                    (warning)
    DIGITS_RECOVERED     values run together were split, the table's identities allowing
                         exactly one split                                                  (info)
    DIGITS_AMBIGUOUS     values run together admit several splits (or none consistent with
                         the identities): the cells stay unknown                            (error)
    UNIT_CONVERTED       a value printed with another money unit than its column's was converted
                         exactly to the column's unit (251000元 → 25.1 万元)                  (info)
    UNIT_MISMATCH        a value printed with a unit its column cannot take (件 in a 万元
                         column): the cell is kind "text", its value unknown                 (error)
    HEADER_COLUMNS       the requests table's header shows another column order or an extra
                         column (小计): values placed by the header                          (warning)
    REVIEW_BY_ORDER      the review table's header lacks its column labels (a conversion kept
                         only 行政复议 / 行政诉讼): the row under it is read in the template's order
                         (only when it has exactly fifteen cells)                          (info)
    STREAM_ORDER         reading-order text (one cell per line, labels out of place): rows read
                         from the stream of labels and values where it leaves no doubt
                         (engine/parse/stream.py)                                           (info)
    STREAM_COLUMNS       reading-order text where a group of rows is emitted column by column:
                         the rows read that way, the only reading in which every row and
                         column adds up (engine/parse/stream_blocks.py)                     (info)
    STREAM_AMBIGUOUS     reading-order text: several block readings add up and differ on
                         these rows, which stay unknown (beside the row reader's diagnostic) (info)
    FIGURES_WRAPPED      text copied out of a PDF where figures wrapped inside their narrow
                         cells ("12" over "7"): each joined with its rest, the row's identity
                         holding (engine/parse/wrapped.py, review_layout.py)                (info)
    TEMPLATE_MIXED       the tables follow different template generations                   (warning)
    YEAR_CONFLICT        the title's year and the statistics period's year differ            (warning)
"""
from __future__ import annotations

from engine.model import Diagnostic, SourceLine
from engine.template import ACTIVE_ITEMS, APPLICATION_ROWS, TABLE_TITLES

TABLE_NUMBERS = {"active": "表二", "applications": "表三", "review": "表四"}

SEVERITY = {
    "TABLE_MISSING": "error",
    "ROW_MISSING": "error",
    "ROW_TOO_FEW_VALUES": "error",
    "ROW_TOO_MANY_VALUES": "error",
    "ROW_UNPLACED": "error",
    "CELL_BLANK": "warning",
    "DIGITS_RECOVERED": "info",
    "DIGITS_AMBIGUOUS": "error",
    "UNIT_CONVERTED": "info",
    "UNIT_MISMATCH": "error",
    "HEADER_COLUMNS": "warning",
    "REVIEW_BY_ORDER": "info",
    "STREAM_ORDER": "info",
    "FIGURES_WRAPPED": "info",
    "STREAM_COLUMNS": "info",
    "STREAM_AMBIGUOUS": "info",
    "TEMPLATE_MIXED": "warning",
    "YEAR_CONFLICT": "warning",
}


def row_title(table: str, row: str) -> str:
    """表三“（三）不予公开 1.属于国家秘密”行 / 表二第二十条第（一）项“规章”行 / 表四数据行."""
    if table == "applications":
        app = next((r for v in APPLICATION_ROWS.values() for r in v if r.key == row), None)
        if app is None:
            return f"表三“{row}”行"
        label = app.label
        if row.count(".") == 2 and app.group:
            label = f"{app.group} {label}"
        return f"表三“{label}”行"
    if table == "active":
        item, _, name = row.partition(".")
        it = next((i for t in ACTIVE_ITEMS.values() for i in t if i.key == item), None)
        return f"表二{it.label if it else item}“{name}”行"
    return "表四数据行"


def make(code: str, message: str, line: SourceLine | None = None, table: str | None = None,
         cells: list[str] | None = None) -> Diagnostic:
    return Diagnostic(code=code, message=message, line=line.no if line else None,
                      where=line.where if line else None, severity=SEVERITY[code], table=table,
                      cells=list(cells or []))


def table_missing(table: str) -> Diagnostic:
    return make("TABLE_MISSING", f"未找到{TABLE_NUMBERS[table]}“{TABLE_TITLES[table]}”", table=table)


def row_missing(table: str, row: str, cells: list[str]) -> Diagnostic:
    return make("ROW_MISSING", f"{row_title(table, row)}缺失：报告中找不到该行", table=table, cells=cells)


def too_few(table: str, row: str, expected: int, got: list[str], line: SourceLine | None,
            cells: list[str]) -> Diagnostic:
    seen = "、".join(got) if got else "无"
    return make("ROW_TOO_FEW_VALUES",
                f"{row_title(table, row)}应有 {expected} 个数值，实际只有 {len(got)} 个（{seen}），"
                f"无法确定各数值所属的列，该行数值按未知处理", line, table, cells)


def too_many(table: str, row: str, expected: int, got: list[str], line: SourceLine | None,
             cells: list[str]) -> Diagnostic:
    return make("ROW_TOO_MANY_VALUES",
                f"{row_title(table, row)}应有 {expected} 个数值，实际有 {len(got)} 个（{'、'.join(got)}），"
                f"无法确定多出的是哪一个，该行数值按未知处理", line, table, cells)


def row_unplaced(table: str, row: str, why: str, got: list[str], line: SourceLine | None,
                 cells: list[str]) -> Diagnostic:
    seen = f"（附近的数值：{' '.join(got)}）" if got else ""
    return make("ROW_UNPLACED", f"{row_title(table, row)}：{why}{seen}，该行数值按未知处理", line, table, cells)


def cell_blank(table: str, row: str, columns: list[str], line: SourceLine | None, cells: list[str]) -> Diagnostic:
    if table == "review":       # columns are "group.column": name them by group
        groups: dict[str, list[str]] = {}
        for c in columns:
            g, _, col = c.partition(".")
            groups.setdefault(g, []).append(f"“{col}”")
        what = "；".join(f"表四“{g}”的{'、'.join(cols)}" for g, cols in groups.items())
        return make("CELL_BLANK", f"{what}为空白（未填写数值）", line, table, cells)
    cols = "、".join(f"“{c}”" for c in columns)
    return make("CELL_BLANK", f"{row_title(table, row)}{cols}列为空白（未填写数值）", line, table, cells)


def digits_recovered(table: str, row: str, run: str, values: list[str], line: SourceLine | None,
                     cells: list[str], why: str) -> Diagnostic:
    return make("DIGITS_RECOVERED",
                f"{row_title(table, row)}的数字连在一起（“{run}”），{why}，拆分为 {' / '.join(values)}",
                line, table, cells)


def digits_ambiguous(table: str, row: str, run: str, expected: int, line: SourceLine | None,
                     cells: list[str], why: str) -> Diagnostic:
    return make("DIGITS_AMBIGUOUS",
                f"{row_title(table, row)}的数字连在一起（“{run}”），应拆成 {expected} 个数值，但{why}，"
                f"该行数值按未知处理", line, table, cells)


def _cell_title(table: str, row: str, address: str) -> str:
    if table == "review":
        _, group, col = address.split(".")
        return f"表四“{group}”的“{col}”"
    return f"{row_title(table, row)}“{address.rsplit('.', 1)[-1]}”列"


def unit_converted(table: str, row: str, address: str, printed: str, value: str, column_unit: str,
                   line: SourceLine | None) -> Diagnostic:
    return make("UNIT_CONVERTED",
                f"{_cell_title(table, row, address)}填写为“{printed}”，该列以{column_unit}为单位，"
                f"已按原值换算为 {value} {column_unit}", line, table, [address])


def unit_mismatch(table: str, row: str, address: str, printed: str, unit: str, column_unit: str | None,
                  line: SourceLine | None) -> Diagnostic:
    expected = f"以{column_unit}为单位的金额" if column_unit else "件数（计数）"
    return make("UNIT_MISMATCH",
                f"{_cell_title(table, row, address)}填写为“{printed}”，单位“{unit}”与该列（{expected}）"
                f"不符，无法换算，该单元格按未知处理", line, table, [address])


def header_columns(table: str, columns: list[str], template: list[str], line: SourceLine | None) -> Diagnostic:
    extra = [c for c in columns if c not in template]
    msg = (f"{TABLE_NUMBERS[table]}表头的列依次为“{'、'.join(columns)}”，与模板的列（{'、'.join(template)}）"
           f"{'顺序不同' if not extra else '不同'}，各行数值按表头的列读取")
    if extra:
        msg += f"；“{'、'.join(extra)}”列不属于模板，其数值未采用"
    return make("HEADER_COLUMNS", msg, line, table)


def review_by_order(line: SourceLine | None, cells: list[str]) -> Diagnostic:
    return make("REVIEW_BY_ORDER",
                "表四表头不完整（未见“结果维持”“尚未审结”等列名），其下一行的数值按模板顺序"
                "（行政复议、未经复议直接起诉、复议后起诉各五列）读取，个数不是15个时按未知处理", line, "review", cells)


def stream_order(table: str, rows: list[str], line: SourceLine | None, cells: list[str], partial: bool) -> Diagnostic:
    if table == "review":
        what = "表四数据行"
    elif len(rows) > 3:
        what = f"{TABLE_NUMBERS[table]}的 {len(rows)} 行"
    else:
        what = "、".join(row_title(table, r) for r in rows)
    rest = "；其余各行仍无法确定" if partial else ""
    return make("STREAM_ORDER",
                f"{what}的数值按文本中标签与数值的先后顺序读出（每格一行、标签错位的文本，只在个数与行列完全吻合时"
                f"读取）{rest}", line, table, cells)


def _rows_named(table: str, rows: list[str]) -> str:
    if len(rows) > 3:
        return f"{TABLE_NUMBERS[table]}的 {len(rows)} 行"
    return "、".join(row_title(table, r) for r in rows)


def stream_columns(table: str, rows: list[str], line: SourceLine | None, cells: list[str]) -> Diagnostic:
    return make("STREAM_COLUMNS",
                f"{_rows_named(table, rows)}的数值在文本中按列成块排列（先列出一列的各行，再列下一列），"
                f"按列读出：只有这一种读法使各行、各列的合计都吻合", line, table, cells)


def stream_ambiguous(table: str, rows: list[str], readings: int, cells: list[str]) -> Diagnostic:
    return make("STREAM_AMBIGUOUS",
                f"{_rows_named(table, rows)}的数值在文本中的排列有 {readings} 种读法都能使合计吻合，"
                f"各读法给出的数值不同，无法确定，该行数值按未知处理", None, table, cells)


def figures_wrapped(pieces: list[str], line: SourceLine | None, cells: list[str]) -> Diagnostic:
    return make("FIGURES_WRAPPED",
                f"表四数据行的数值在单元格内折行（{'、'.join(pieces)}），已将折行的数字接为一个数，"
                "且各组“总计”等于前四项之和", line, "review", cells)


def figures_wrapped_row(table: str, row: str, pieces: list[str], line: SourceLine | None,
                        cells: list[str]) -> Diagnostic:
    return make("FIGURES_WRAPPED",
                f"{row_title(table, row)}的数值在单元格内折行（{'、'.join(pieces)}），已将折行的数字接为一个数，"
                "且该行“总计”等于各项之和", line, table, cells)


def template_mixed(active: str, applications: str) -> Diagnostic:
    return make("TEMPLATE_MIXED",
                f"表二按 {active} 年版格式填写，表三按 {applications} 年版格式填写，两表格式不一致")


def year_conflict(title_year: int, period_start: str, period_end: str, line: SourceLine | None) -> Diagnostic:
    return make("YEAR_CONFLICT",
                f"标题所示年度为 {title_year} 年，而统计期限为 {period_start} 至 {period_end}，两者不一致",
                line)
