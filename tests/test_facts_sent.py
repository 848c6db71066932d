"""What build_facts(sent=...) leaves unmade is what no condition can match, and the fast readings
of the extractors give the facts the general ones give.

* fact_filters keeps a field's inequality to another field of the same fact ({"$neq": {a: {"$m":
  b}}}); engine.facts applies it to two "dec" fields: a known sum whose stated total equals the
  computed one is not made (the sums extractor decides it from the numbers), an unequal or unknown
  one is, and so is an equal one the engine form would refuse (too many decimals: FactError);
* structure's whole-table reading (_quick_table_facts) gives exactly the general path's facts,
  on the seeds, the rules' example reports and seeds with blank, missing, text and malformed cells.
"""
from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from engine.evaluate import evaluate, fact_filters, fields_used
from engine.facts import FactContext, FactError, _args_test, _neq_may_hold, _wanted, build_facts
from engine.facts.extractors import structure
from engine.model import Cell, Diagnostic
from engine.parse import parse_file
from engine.rules import DEFAULT_RULES_DIR, load_catalog
from engine.rules.compile import fact_filters as compile_fact_filters
from engine.rules.examples import build_report

SEEDS = sorted((Path(__file__).parent / "fixtures" / "seeds").glob("*.txt"))


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(DEFAULT_RULES_DIR)


def test_fact_filters_keep_same_fact_inequalities():
    ruleset = {"a#0": {"all": [{"s": {"$and": [{"type": "sum"}, {"known": True},
                                               {"$neq": {"stated": {"$m": "computed"}}},
                                               {"$neq": {"table": "x"}}]}}]}}
    assert compile_fact_filters(ruleset) == {"sum": ((("known", True), ("stated", ("$neq", "computed"))),)}


def test_neq_may_hold_as_the_engine_would_see_it():
    assert not _neq_may_hold(None, Decimal(1)) and not _neq_may_hold(Decimal(1), None)
    assert not _neq_may_hold(Decimal(3), Decimal(3)) and not _neq_may_hold(Decimal("3.0"), Decimal(3))
    assert _neq_may_hold(Decimal(3), Decimal(4))
    # equal, but sending it raises FactError (more than 4 decimals): kept so that it still does
    assert _neq_may_hold(Decimal("1.00001"), Decimal("1.00001"))
    # beyond the engine's range: left out of the engine's fact, no error, cannot match
    assert not _neq_may_hold(Decimal(10) ** 16, Decimal(10) ** 16)
    test = _args_test(((("known", True), ("stated", ("$neq", "computed"))),), ("known", "stated", "computed"))
    assert test(True, Decimal(2), Decimal(3)) and not test(True, Decimal(2), Decimal(2))
    assert not test(False, Decimal(2), Decimal(3)) and not test(True, None, Decimal(2))
    # a field of the comparison not among the arguments: no test (every fact is built)
    assert _args_test(((("stated", ("$neq", "computed")),),), ("stated",)) is None


def _sums(facts):
    return {f["inst"] + f["rule"]: f for f in facts if f["type"] == "sum"}


def _set(report, address: str, kind: str, value=None):
    """The report with one cell replaced (on the line it stood on)."""
    table = report.tables[address.split(".", 1)[0]]
    old = table.cells.get(address)
    table.cells[address] = Cell(address, kind, None if value is None else Decimal(value),
                                "" if value is None else value, line=old.line if old else None)
    return report


def test_equal_sums_are_not_made_for_the_engine(catalog):
    sent = fact_filters(catalog)
    clean = parse_file(SEEDS[0])
    every, some = _sums(build_facts(clean, None, catalog.requests).facts), \
        _sums(build_facts(clean, None, catalog.requests, sent=sent).facts)
    assert every and set(some) < set(every)
    for key, fact in every.items():
        can_fail = fact["known"] is False or fact.get("stated") != fact.get("computed")
        assert (key in some) == can_fail, key
        if key in some:      # made the same way, whatever the filter
            assert {k: v for k, v in some[key].items() if k != "id"} == {k: v for k, v in fact.items() if k != "id"}
    # one cell changed: the sums it enters no longer add up, and are made
    address = "applications.一.自然人"
    value = clean.tables["applications"].cells[address].value
    broken = _set(parse_file(SEEDS[0]), address, "number", str(value + 1))
    some = _sums(build_facts(broken, None, catalog.requests, sent=sent).facts)
    assert any(address in f["cells"] and f["known"] and f["stated"] != f["computed"] for f in some.values())


def test_an_equal_sum_the_engine_form_refuses_is_still_made(catalog):
    """A sum of numbers with five decimals adds up, but its fact cannot be given to the engine:
    it is made, so that sending it raises FactError as it did when every sum was made."""
    report = parse_file(SEEDS[0])
    for col in ("结果维持", "结果纠正", "其他结果", "尚未审结"):
        _set(report, f"review.行政复议.{col}", "number", "0")
    _set(report, "review.行政复议.结果维持", "number", "1.00001")
    _set(report, "review.行政复议.总计", "number", "1.00001")
    sent = fact_filters(catalog)
    facts = build_facts(report, None, catalog.requests, sent=sent)
    made = [f for f in facts.facts if f["type"] == "sum" and f["inst"] == "row:行政复议"]
    assert made and made[0]["stated"] == made[0]["computed"] == Decimal("1.00001")
    with pytest.raises(FactError):
        facts.engine_payload(used=fields_used(catalog), sent=sent)


def _structure_facts(report, wanted, general: bool, monkeypatch) -> list[dict]:
    with monkeypatch.context() as m:
        if general:
            m.setattr(structure, "_quick_table_facts", lambda *a, **k: None)
        return list(structure.extract(FactContext(report=report, wanted=wanted)))


def _variants():
    seed = SEEDS[1]
    yield _set(_set(parse_file(seed), "applications.一.自然人", "blank"), "applications.二.其他", "none")
    yield _set(_set(_set(parse_file(seed), "applications.三.一.商业企业", "number", "-3"),
                    "applications.四.总计", "number", "2.5"), "applications.三.二.自然人", "dash")
    yield _set(parse_file(seed), "review.行政复议.总计", "text", None)
    gone = parse_file(seed)                                   # a row the parser did not produce
    for a in [a for a in gone.tables["applications"].cells if a.startswith("applications.三.五.")]:
        del gone.tables["applications"].cells[a]
    yield gone
    yield _set(parse_file(seed), "applications.三.五.总计", "missing")      # produced as missing
    extra = parse_file(seed)                                  # a cell outside the layout
    extra.tables["review"].cells["review.别的.总计"] = Cell("review.别的.总计", "number", Decimal(1), "1")
    yield extra
    swapped = parse_file(seed)                                # one cell missing, one outside the layout
    del swapped.tables["applications"].cells["applications.一.自然人"]
    swapped.tables["applications"].cells["applications.三.六.自然人"] = Cell("applications.三.六.自然人", "blank", None, "")
    yield swapped
    bad = parse_file(seed)
    bad.diagnostics.append(Diagnostic(code="ROW_TOO_FEW_VALUES", message="少",
                                      cells=["applications.三.一.自然人"]))
    yield bad
    other = parse_file(seed)
    other.diagnostics.append(Diagnostic(code="ROW_TOO_FEW_VALUES", message="少", cells=["nowhere.x.y"]))
    yield other
    # malformed cells read by the whole-table path: a text, a negative number and a missing cell
    # among them, a row with a gap too, two tables, several rows
    worse = _set(_set(_set(parse_file(seed), "applications.三.一.自然人", "text", None),
                      "applications.三.一.商业企业", "number", "-1"), "applications.三.二.自然人", "missing")
    worse.diagnostics.append(Diagnostic(code="ROW_TOO_MANY_VALUES", message="多", cells=[
        "applications.三.一.自然人", "applications.三.一.商业企业", "applications.三.二.其他",
        "review.行政复议.总计", "review.未经复议直接起诉.维持"]))
    worse.diagnostics.append(Diagnostic(code="DIGITS_AMBIGUOUS", message="粘连", cells=["active.item1.规章.本年新制发件数"]))
    yield worse
    gone_bad = parse_file(seed)                               # a malformed cell the parser did not produce
    del gone_bad.tables["applications"].cells["applications.三.七.总计"]
    gone_bad.diagnostics.append(Diagnostic(code="ROW_UNPLACED", message="未定位", cells=["applications.三.七.总计"]))
    yield gone_bad


def test_whole_table_reading_gives_the_general_facts(catalog, monkeypatch):
    wanted = _wanted(fact_filters(catalog))
    reports = [parse_file(p) for p in SEEDS]
    reports += [build_report(ex["report"]) for r in catalog.rules for ex in r.examples
                if not ex["report"].get("file")]
    reports += list(_variants())
    made = 0
    for report in reports:
        quick = _structure_facts(report, wanted, False, monkeypatch)
        general = _structure_facts(report, wanted, True, monkeypatch)
        assert json.dumps(quick, default=str, ensure_ascii=False) == json.dumps(general, default=str, ensure_ascii=False)
        made += sum(f["type"] in ("row", "cell") for f in quick)
    assert made > 0          # some row or cell facts are wanted (not a comparison of empty lists)


def test_findings_alike_with_and_without_the_filter(catalog):
    """Both engines (durable is given the filtered facts, the reference evaluator every fact), on
    reports whose sums fail, are not assessable and add up."""
    seed = SEEDS[2]
    for report, r301 in ((parse_file(seed), "pass"),
                         (_set(parse_file(seed), "applications.一.总计", "number", "999"), "fail"),
                         (_set(parse_file(seed), "applications.一.商业企业", "blank"), "not_assessable")):
        durable = evaluate(report, catalog, engine="durable")
        ref = evaluate(report, catalog, engine="reference")
        assert [(r.rule_id, r.outcome, r.reason, [f.message for f in r.findings]) for r in durable] == \
            [(r.rule_id, r.outcome, r.reason, [f.message for f in r.findings]) for r in ref]
        assert next(r.outcome for r in durable if r.rule_id == "XXGK-R301") == r301


def _sum_variants():
    seed = SEEDS[3]
    yield parse_file(seed)
    yield _set(parse_file(seed), "applications.一.商业企业", "blank")
    yield _set(parse_file(seed), "applications.一.总计", "number", "7.5")
    yield _set(parse_file(seed), "review.行政复议.结果维持", "number", "2.000001")
    # two numbers too large for the engine that cancel out: the cells are named, not the sum
    big = _set(parse_file(seed), "applications.一.自然人", "number", "10000000000000000")
    yield _set(big, "applications.一.商业企业", "number", "-10000000000000000")
    yield _set(parse_file(seed), "applications.一.自然人", "number", "400000000000000")
    yield parse_file(SEEDS[0])
    for rule in load_catalog(DEFAULT_RULES_DIR).rules:
        for ex in rule.examples:
            if not ex["report"].get("file") and rule.check == "sum_identity":
                yield build_report(ex["report"])


def test_the_sum_batch_leaves_out_only_facts_the_filter_drops(catalog):
    """Every request the layouts' batch (sums._needed) leaves out has a known sum whose fact the
    filter would drop; the facts made are those of the request-by-request path."""
    from engine.facts.extractors import sums
    sent = fact_filters(catalog)
    requests = catalog.requests["sums"]
    left_out = 0
    for report in _sum_variants():
        wanted = FactContext(report=report, wanted=_wanted(sent)).keep("sum", sums.WANTED_KEYS)
        needed = sums._needed(report, requests, wanted)
        for k, req in enumerate(requests):
            fact = sums.sum_fact(report, req)
            if k in needed or fact is None:
                continue
            left_out += 1
            assert fact["known"] and not wanted(*[fact.get(n) for n in sums.WANTED_KEYS]), (k, fact)
        by_request = [f for req in requests for f in [sums.sum_fact(report, req, wanted=wanted)] if f is not None]
        batch = list(sums.extract(FactContext(report=report, requests=requests, wanted=_wanted(sent))))
        assert batch == by_request
    assert left_out > 0


def test_whole_number_sums_decide_as_the_decimal_ones(catalog, monkeypatch):
    """The sums' batch reads a table of whole numbers (exponent 0) as ints: the requests it says
    are needed are those the Decimal reading says are, on the seeds and on tables with a broken
    total, a blank, a decimal, a number written with an exponent and numbers near the engine's
    range (sum or cell beyond it)."""
    from engine.facts.extractors import sums
    big = str(sums._WHOLE_BOUND - 1)
    reports = [parse_file(p) for p in SEEDS]
    seed = SEEDS[0]
    reports += [_set(parse_file(seed), "applications.一.自然人", "number", "7"),
                _set(parse_file(seed), "applications.一.自然人", "blank"),
                _set(parse_file(seed), "applications.四.总计", "number", "2.5"),
                _set(parse_file(seed), "review.行政复议.总计", "number", "3E+1"),
                _set(parse_file(seed), "review.行政复议.结果维持", "number", big),
                _set(_set(parse_file(seed), "review.行政复议.结果维持", "number", big),
                     "review.行政复议.结果纠正", "number", big),
                _set(parse_file(seed), "review.行政复议.结果维持", "number", str(sums._WHOLE_BOUND)),
                _set(parse_file(seed), "review.行政复议.结果维持", "number", "-" + big)]
    sent = fact_filters(catalog)
    requests = catalog.requests["sums"]
    wanted = FactContext(report=reports[0], wanted=_wanted(sent)).keep("sum", sums.WANTED_KEYS)
    whole = [sums._needed(r, requests, wanted) for r in reports]
    real_values = sums._TableRead.values
    # the ints' path that tests the engine's range (as if some number were huge) decides the same
    monkeypatch.setattr(sums._TableRead, "values", lambda self: (lambda got: got if got is None or got[1] is None
                        else (got[0], got[1], sums._WHOLE_BOUND))(real_values(self)))
    assert [sums._needed(r, requests, wanted) for r in reports] == whole
    monkeypatch.setattr(sums._TableRead, "values",
                        lambda self: (lambda got: got if got is None else (got[0], None, None))(real_values(self)))
    assert [sums._needed(r, requests, wanted) for r in reports] == whole
    assert len({frozenset(n) for n in whole}) >= 4


def test_or_of_grouped_by_rule_equals_the_plain_disjunction():
    """forms.or_of groups alternatives that all begin with `x == 'const'` into a conditional chain:
    the same truth value as the plain disjunction, for every assignment."""
    import itertools
    import random

    from engine.facts.forms import or_of
    rnd = random.Random(5)
    consts = ["R1", "R2", "R3"]
    for _ in range(300):
        tests = []
        for _ in range(rnd.randint(3, 7)):
            rest = [rnd.choice(["b", "not b", "c", "(c is not None and not c)", "b == c"])
                    for _ in range(rnd.randint(0, 2))]
            tests.append((("x", rnd.choice(consts)), [f"x == {rnd.choice(consts)!r}"] + rest))
        for (first, parts) in tests:        # (the first test is the equality `first` names)
            parts[0] = f"x == {first[1]!r}"
        plain = " or ".join("(" + " and ".join(parts) + ")" for _, parts in tests)
        grouped = or_of(tests)
        assert grouped != plain and " if x == " in grouped
        for x, b, c in itertools.product(consts + ["R9", None], [True, False, None], [True, False, None]):
            env = {"x": x, "b": b, "c": c}
            assert bool(eval(grouped, env)) == bool(eval(plain, env)), (grouped, env)
    # alternatives not all beginning with one variable's equality: the plain disjunction
    mixed = [(("x", "R1"), ["x == 'R1'", "b"]), (None, ["b"]), (("y", "R1"), ["y == 'R1'"])]
    assert or_of(mixed) == "(x == 'R1' and b) or (b) or (y == 'R1')"
