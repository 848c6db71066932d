"""The run outputs' one pass over every report's summary, made while the workers evaluate.

    SummaryPass(keys, store, outputs)   advance() as records become final; complete(keys) at the end

The run-level outputs read every report's summary once, in output order (engine/render/output.py
read_summaries: findings.json's counts, its `letters` entries, the overview page's ranking). Made
after the last report was evaluated, that pass was serial time at the end of the run, the workers
idle. This pass is the same pass, fed as far as the records are final in output order — most of it
while the workers are still busy; complete() reads what is left once every record is final. The
summaries are read back from disk one at a time (nothing per report is kept here).

The keys are fixed when the pass starts: should the run's set of reports change (a failed
prediction is put right: Audit.restart_outputs drops the pass), the pass is not used and the
outputs read every summary again at the end, as before.
"""
from __future__ import annotations

from collections.abc import Iterable

from engine.render.output import RunCounts, RunOutput
from engine.run.keyed import KeyList
from engine.run.records import RecordStore
from engine.spool import SpoolReader


class SummaryPass:
    def __init__(self, keys: KeyList, store: RecordStore, outputs: Iterable[RunOutput]):
        self.keys, self.store = keys, store
        self.counts = RunCounts()
        outputs = list(outputs)
        self.observers = [self.counts.add, *(o for o in (output.observer() for output in outputs) if o is not None)]
        self.sinks = [s for s in (output.summary_sink() for output in outputs) if s is not None]
        self.done = 0                       # keys[:done] were observed
        self._reader = SpoolReader()

    def advance(self) -> None:
        """Every summary observed whose predecessors in output order all are (final in the store)."""
        keys, slims, done = self.keys, self.store.slim_blobs, self.done
        observers, sinks, reader = self.observers, self.sinks, self._reader
        codes = keys._codes              # run keys by their codes: no key string made to look one up
        while done < len(codes):
            code = codes[done]
            blob = slims.at_code(code) if code >= 0 else slims.get(keys[done])
            if blob is None:
                break
            summary = reader.object(blob)
            for observe in observers:
                observe(summary)
            for sink in sinks:
                sink(blob)
            done += 1
        self.done = done

    def complete(self, keys: KeyList) -> RunCounts | None:
        """The counts of the whole pass once every record is final, when `keys` (the run's reports
        in output order, as they are at the end) are the pass's; None otherwise (read them all)."""
        if keys._codes != self.keys._codes or keys._other != self.keys._other:
            return None
        self.advance()
        self.close()
        return self.counts if self.done == len(keys) else None

    def close(self) -> None:
        self._reader.close()
