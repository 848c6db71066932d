"""The outputs' pass over the summaries made as records become final (engine/run/summary_pass.py):
each summary observed once, in output order, as soon as every earlier one is final; the same counts
as the pass made at the end (read_summaries)."""
from __future__ import annotations

from engine.model import AuditRecord
from engine.render.output import RunOutput, read_summaries
from engine.run.keyed import KeyList
from engine.run.records import RecordStore
from engine.run.summary_pass import SummaryPass


class Seen(RunOutput):
    def __init__(self) -> None:
        self.seen: list[str] = []

    def observer(self):
        self.seen = []
        return lambda summary: self.seen.append(summary.source)


def test_summaries_are_observed_in_order_as_their_predecessors_are_final(tmp_path):
    store = RecordStore(tmp_path)
    keys = KeyList(f"in:{i:06d}" for i in range(5))
    records = {k: AuditRecord(source=f"in/{i}.txt", status="empty" if i % 2 else "broken") for i, k in enumerate(keys)}
    out = Seen()
    summary_pass = SummaryPass(keys, store, [out])
    for k in ("in:000001", "in:000003"):
        store.put(k, records[k])
        summary_pass.advance()
    assert out.seen == []                                  # in:000000 is not final yet
    store.put("in:000000", records["in:000000"])
    summary_pass.advance()
    assert out.seen == ["in/0.txt", "in/1.txt"]            # up to the next one not final
    for k in ("in:000002", "in:000004"):
        store.put(k, records[k])
    counts = summary_pass.complete(KeyList(keys))
    assert out.seen == [f"in/{i}.txt" for i in range(5)]
    again = Seen()
    expected = read_summaries(store.slims(keys), [again])
    assert counts == expected and again.seen == out.seen
    store.close()


def test_other_keys_at_the_end_mean_reading_them_all_again(tmp_path):
    store = RecordStore(tmp_path)
    keys = KeyList(["in:000000", "in:000001"])
    for i, k in enumerate(keys):
        store.put(k, AuditRecord(source=f"in/{i}.txt", status="empty"))
    summary_pass = SummaryPass(keys, store, [Seen()])
    assert summary_pass.complete(KeyList(["in:000000"])) is None
    store.close()
