"""The signal file is checked and parsed once for both of its readings (the signal set and the
figure set, made one after the other as each worker starts: engine/facts/signal_file.py); a changed
file is read afresh, and a file over the limits is still refused."""
import shutil
from pathlib import Path

import pytest

import engine.facts.signal_file as signal_file
from engine.facts.narrative import load_figures
from engine.facts.signals import DEFAULT_SIGNALS_FILE, SignalLoadError, load_signals


@pytest.fixture
def parses(monkeypatch):
    calls = []
    real = signal_file.round_trip_tree
    monkeypatch.setattr(signal_file, "round_trip_tree", lambda text: calls.append(text) or real(text))
    monkeypatch.setattr(signal_file, "_LAST_READ", None)
    return calls


def test_both_readings_of_one_file_parse_it_once(tmp_path, monkeypatch, parses):
    path = tmp_path / "signals.yaml"
    shutil.copy(DEFAULT_SIGNALS_FILE, path)
    signals, figures = load_signals(path), load_figures(path)
    assert len(parses) == 1
    # the same readings, each from a fresh parse: the same sets
    monkeypatch.setattr(signal_file, "_LAST_READ", None)
    alone = load_signals(path)
    monkeypatch.setattr(signal_file, "_LAST_READ", None)
    assert load_figures(path).patterns == figures.patterns
    assert alone.signals == signals.signals and alone.negation == signals.negation
    assert len(parses) == 3


def test_a_changed_file_is_read_again(tmp_path, parses):
    path = tmp_path / "signals.yaml"
    text = Path(DEFAULT_SIGNALS_FILE).read_text(encoding="utf-8")
    path.write_text(text, encoding="utf-8")
    load_signals(path)
    path.write_text(text.replace("title:", "title: ", 1), encoding="utf-8")
    load_figures(path)
    assert len(parses) == 2


def test_a_file_over_the_limits_is_refused_after_a_good_one(tmp_path, parses):
    path = tmp_path / "signals.yaml"
    shutil.copy(DEFAULT_SIGNALS_FILE, path)
    load_signals(path)
    path.write_text("a: " + "[" * 100 + "]" * 100 + "\n", encoding="utf-8")   # nested too deep
    with pytest.raises(SignalLoadError, match="嵌套"):
        load_figures(path)
    assert len(parses) == 1
