"""engine/render/dashboard.py ranking_rows: the first page's rows built in Python are exactly what the
template's loop over them rendered (the loop below is the one templates/dashboard.html.j2 had)."""
import random

from engine.render.dashboard import file_name, ranking_rows
from engine.render.dashboard_index import Row
from engine.render.letters import letter_env

TEMPLATE_ROWS = (
    '{% for r in rows %}\n'
    '<tr>\n'
    '  <td class="num" data-v="{{ r.rank }}">{{ r.rank }}</td>\n'
    '  <td>{{ r.agency }}{% if r.fallback_note %} <span class="flag" title="{{ r.fallback_note }}">（参考引擎）</span>{% endif %}</td>\n'
    '  <td class="num" data-v="{{ r.year if r.year is not none else -1 }}">{{ r.year if r.year is not none else "—" }}</td>\n'
    '  <td class="num" data-v="{{ r.score }}">{{ r.score|num }}</td>\n'
    '  {% if r.change is not none %}<td class="num change" data-v="{{ r.change }}" title="上年报告：{{ r.previous_source|file_name }}">{{ "+" if r.change > 0 else "" }}{{ r.change|num }}</td>\n'
    '  {% else %}<td class="num change" data-v="-1000" title="{{ \'上年报告未在本次审核：\' ~ (r.previous_source|file_name) if r.previous_source else \'本次没有该单位上一年度的报告\' }}">—</td>{% endif %}\n'
    '  <td class="g-{{ r.grade }}">{{ r.grade }}</td>\n'
    '  <td class="num err" data-v="{{ r.error }}">{{ r.error }}</td>\n'
    '  <td class="num warn" data-v="{{ r.warning }}">{{ r.warning }}</td>\n'
    '  <td class="num" data-v="{{ r.info }}">{{ r.info }}</td>\n'
    '  <td class="num manual" data-v="{{ r.manual }}">{{ r.manual }}</td>\n'
    '  <td class="num" data-v="{{ r.not_assessable }}">{{ r.not_assessable }}</td>\n'
    '  <td class="problems">{{ r.problems }}</td>\n'
    '  <td>{% if r.letter %}<a href="{{ r.letter }}">{{ r.reference_number or "意见书" }}</a>{% endif %}</td>\n'
    '  <td class="src" title="{{ r.source }}">{{ r.file }}</td>\n'
    '</tr>\n'
    '{% endfor %}\n'
)


def render_with_template(rows):
    env = letter_env()
    env.filters["file_name"] = file_name
    return env.from_string(TEMPLATE_ROWS).render(rows=rows)


TEXTS = ["", "甲镇人民政府", "<b>&'\"", "  空格 ", "a/b\\c.txt", "报告/2023 年.txt", "R1；R2", "\u2028x"]


def random_row(rng: random.Random, rank: int) -> Row:
    def text():
        return rng.choice(TEXTS)

    def number():
        return rng.choice([0, 1, 7, 12])

    return Row(rank, text(), rng.choice([None, 2019, 2024]), rng.choice([0, 59.5, 60, 85.25, 100, 72.0, None]),
               rng.choice([None, 0, 0.0, 2.5, -3, -0.25, 12.0]), text(), rng.choice(["优秀", "良好", "合格", "不合格", "<g>"]),
               number(), number(), number(), number(), number(), text(), text(), text(), text(), text(),
               [text()], rng.choice(["", "参考引擎", "规则引擎失败 <x> & \"y\""]))


def test_ranking_rows_are_the_template_loop():
    rng = random.Random(5)
    rows = [random_row(rng, i) for i in range(1, 400)]
    assert str(ranking_rows(rows)) == render_with_template(rows)
    assert str(ranking_rows([])) == render_with_template([]) == ""
