"""A text file whose digest the run knows already (the probe took it: the record states it) is not
hashed again by the reader: read_document(..., sha256=) and workers.parse_one(task, sha256)."""
from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from engine.ingest import DEFAULT_LIMITS, read_document
from engine.run.options import Hooks
from engine.run.workers import ParseTask, parse_one

SEEDS = Path(__file__).parent / "fixtures" / "seeds"


def _report_text(tmp_path: Path) -> Path:
    path = tmp_path / "report.txt"
    path.write_bytes(sorted(SEEDS.glob("*.txt"))[0].read_bytes())
    return path


def test_the_digest_given_is_taken_and_the_file_not_hashed(tmp_path, monkeypatch):
    path = _report_text(tmp_path)
    want = hashlib.sha256(path.read_bytes()).hexdigest()
    assert read_document(path).sha256 == want

    import engine.ingest.text as text_reader

    def no_hash(_data):
        raise AssertionError("hashed again")

    monkeypatch.setattr(text_reader, "sha256_of", no_hash)
    doc = read_document(path, DEFAULT_LIMITS, want)
    assert doc.sha256 == want
    with pytest.raises(AssertionError):
        read_document(path)                  # without it the reader hashes the bytes


def test_parse_one_hands_the_digest_to_the_reader(tmp_path, monkeypatch):
    path = _report_text(tmp_path)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    task = ParseTask("k", str(path), str(path), str(tmp_path), Hooks(), DEFAULT_LIMITS)
    parsed, report = parse_one(task)
    import engine.ingest.text as text_reader

    monkeypatch.setattr(text_reader, "sha256_of", lambda _data: pytest.fail("hashed again"))
    parsed2, report2 = parse_one(task, digest)
    assert parsed2 == parsed
    assert parsed.status == "audited"
    assert report2.sha256 == report.sha256 == digest
    assert report2.to_json(with_lines=True) == report.to_json(with_lines=True)


def test_a_substituted_reader_is_called_as_before(tmp_path):
    """A reader hook other than engine.ingest's is called with (path, limits) whatever digest is known."""
    import sys

    calls = []
    module = type(sys)("known_digest_hooks")

    def fake_read(path, limits):
        calls.append((path, limits))
        raise __import__("engine.ingest", fromlist=["IngestError"]).IngestError("empty", "空")

    module.fake_read = fake_read
    sys.modules["known_digest_hooks"] = module
    try:
        hooks = Hooks(read_document="known_digest_hooks:fake_read")
        task = ParseTask("k", str(tmp_path / "a.txt"), "a.txt", str(tmp_path), hooks, DEFAULT_LIMITS)
        parsed, report = parse_one(task, "0" * 64)
    finally:
        del sys.modules["known_digest_hooks"]
    assert calls == [(task.path, DEFAULT_LIMITS)]
    assert parsed.status == "empty" and report is None
