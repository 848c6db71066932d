"""engine.fastcopy.replaced is dataclasses.replace without __init__: the same object for the classes it serves."""
from dataclasses import dataclass, fields, replace

import pytest

from engine.fastcopy import replaced
from engine.model import AuditRecord, RuleResult


def _same(a, b) -> bool:
    return type(a) is type(b) and all(getattr(a, f.name) is getattr(b, f.name) for f in fields(a))


def test_a_rule_result_replaced_equals_dataclasses_replace():
    result = RuleResult(**{f.name: f"v-{f.name}" for f in fields(RuleResult) if f.init})
    changes = {fields(RuleResult)[0].name: "changed", fields(RuleResult)[-1].name: ["x"]}
    assert _same(replaced(result, RuleResult, **changes), replace(result, **changes))
    assert result.__dict__ != replaced(result, RuleResult, **changes).__dict__   # the original is untouched


def test_an_audit_record_replaced_equals_dataclasses_replace():
    record = AuditRecord(**{f.name: f"v-{f.name}" for f in fields(AuditRecord) if f.init})
    assert _same(replaced(record, AuditRecord, agency="甲", score=90), replace(record, agency="甲", score=90))


def test_another_class_goes_through_dataclasses_replace():
    @dataclass
    class Checked:
        n: int

        def __post_init__(self):
            if self.n < 0:
                raise ValueError("negative")

    @dataclass
    class Sub(Checked):
        pass

    with pytest.raises(ValueError):          # __post_init__ ran: replace, not the shortcut
        replaced(Sub(1), Checked, n=-1)
