"""Compact pickles of what crosses the pool and the spools (fastcopy.compact_pickle, GroupTask,
Finished, Probe): the objects read back equal the objects pickled, whatever they hold."""
from __future__ import annotations

import copy
import pickle
from dataclasses import dataclass

from engine.fastcopy import compact_pickle
from engine.ingest import Limits
from engine.model import AuditRecord, Evidence, Finding
from engine.run.onepass import GroupTask, Member
from engine.run.options import Hooks
from engine.run.probe import Probe
from engine.run.records import Finished
from engine.run.workers import ParseTask
from engine.spool import Blob


def _record(**changes) -> AuditRecord:
    finding = Finding(rule_id="XXGK-T001", severity="error", category="表格", title="标题", message="说明", points=2.0,
                      basis="依据", remedy="整改", evidence=Evidence(part="二", cells=["二.1"]))
    return AuditRecord(source="in/a.txt", status="audited", agency="某镇人民政府", year=2023,
                       letter="letters/某镇/某镇人民政府-2023.html", same_year_sources=["in/b.txt"],
                       findings=[finding], counts={"error": 1}, **changes)


def test_an_audit_record_reads_back_equal_and_smaller():
    record = _record()
    data = pickle.dumps(record, protocol=pickle.HIGHEST_PROTOCOL)
    again = pickle.loads(data)
    assert type(again) is AuditRecord and again == record and again.__dict__ == record.__dict__
    assert list(again.__dict__) == list(record.__dict__)           # the fields in their order
    assert b"same_year_sources" not in data                         # values, not names
    assert copy.copy(record) == record and copy.deepcopy(record) == record


def test_a_record_with_other_attributes_or_a_subclass_keeps_them():
    record = _record()
    record.extra = "x"                                              # not a field: pickled as its attributes
    again = pickle.loads(pickle.dumps(record))
    assert again.extra == "x" and again == record

    class Sub(AuditRecord):
        pass

    sub = Sub(source="s", status="audited")
    assert copy.copy(sub).__class__ is Sub and copy.copy(sub) == sub


@compact_pickle
@dataclass
class _Pair:
    a: int
    b: list


def test_compact_pickle_on_any_plain_dataclass():
    pair = _Pair(1, [2, 3])
    again = pickle.loads(pickle.dumps(pair))
    assert again == pair and again.b is not pair.b


def test_a_group_task_reads_back_equal():
    hooks, limits = Hooks(), Limits()
    members = [Member(f"in:00000{i}", ParseTask(f"in:00000{i}", f"/x/{i}.txt", f"{i}.txt", "/w", hooks, limits),
                      None, Probe("某镇人民政府", 2023, "txt"), None if i == 0 else "in:000000",
                      _record() if i else None) for i in range(3)]
    members.append(Member("in:000009", None, Blob("/w/s.bin", 10, 20), None, None, _record()))      # a spill
    members.append(Member("in:000010", ParseTask("in:000010", "/y", "y", "/other", hooks, limits),  # other settings
                          None, None, None, _record()))
    task = GroupTask(members)
    again = pickle.loads(pickle.dumps(task, protocol=pickle.HIGHEST_PROTOCOL))
    assert again == task
    assert again.members[1].parse.hooks is again.members[2].parse.hooks     # shared settings stay shared


def test_finished_and_probe_read_back_equal():
    one = Finished(Blob("/r/a.bin", 0, 10), Blob("/r/a.bin", 10, 5), Blob("/r/a.bin", 15, 7))
    other = Finished(Blob("/r/a.bin", 0, 10), Blob("/r/b.bin", 10, 5))
    for f in (one, other):
        again = pickle.loads(pickle.dumps(f))
        assert again == f and all(type(b) is Blob for b in (again.blob, again.slim_blob))
    probe = Probe("某镇人民政府", 2023, "txt")
    assert pickle.loads(pickle.dumps(probe)) == probe
