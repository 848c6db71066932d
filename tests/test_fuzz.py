"""The readers and the parser on mutated inputs (issue 16): a seeded mutation loop over the seed
reports (text, HTML, DOCX, PDF) and ../shared/real, a few hundred inputs per run of the suite
(benchmarks/fuzz.py runs ≥ 100,000). Any exception other than IngestError / NotAReportError fails."""
from __future__ import annotations

import pytest

from tests.fuzz_support import fuzz, load_seeds
from tests.real_support import require_real


@pytest.mark.parametrize("seed", [1, 2])
def test_mutated_seeds_never_raise_unexpectedly(tmp_path, seed):
    tally = fuzz(300, seed, tmp_path, seeds=load_seeds(real=False), binary_share=0.15)
    assert tally.inputs == 300 and tally.statuses["parsed"] > 0
    assert tally.unexpected == []


def test_mutated_real_reports_never_raise_unexpectedly(tmp_path):
    require_real()
    seeds = [s for s in load_seeds(real=True) if s.name.startswith("real:")]
    tally = fuzz(200, 3, tmp_path, seeds=seeds, binary_share=0.1)
    assert tally.inputs == 200 and tally.unexpected == []
