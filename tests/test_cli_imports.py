"""The light commands import only what they use: the CLI imports every command module to build its
parser, so a command module imports its stage lazily (test_architecture's comment rule), and the
packages engine.run and engine.ledger import their modules on first use."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SEED = sorted((ROOT / "tests" / "fixtures" / "seeds").glob("*.txt"))[0]

# What the whole audit run brings in: the rule engine, the facts, the renderers, the run's steps,
# the ledger's store, the web app and the heavy libraries behind them.
HEAVY = ("engine.rules", "engine.facts", "engine.evaluate", "engine.score", "engine.run.audit", "engine.run.workers",
         "engine.run.outputs", "engine.render.dashboard", "engine.render.json_out", "engine.render.letters",
         "engine.ledger.store", "engine.ledger.ids", "engine.web", "jinja2", "jsonschema", "durable", "pandas",
         "openpyxl", "docx", "lxml")

PROBE = """
import contextlib, io, json, sys
from engine.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(sys.argv[1:])
print(json.dumps({"code": code, "out": out.getvalue()[:200], "modules": sorted(sys.modules)}), file=sys.stderr)
"""


def imported_by(*argv: str) -> tuple[int, str, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], cwd=ROOT, capture_output=True, text=True, timeout=120)
    found = json.loads(done.stderr.strip().splitlines()[-1])
    return found["code"], found["out"], found["modules"]


def heavy(modules: list[str]) -> list[str]:
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


def test_parse_imports_the_reader_and_parser_only():
    code, out, modules = imported_by("parse", str(SEED))
    assert code == 0 and out.lstrip().startswith("{")
    assert "engine.parse" in modules and "engine.ingest" in modules
    assert heavy(modules) == []


def test_building_the_parser_imports_no_stage():
    code, _out, modules = imported_by("review")      # no sub-command: prints the usage
    assert code == 2
    assert heavy(modules) == []
    assert "engine.parse" not in modules


def test_the_packages_still_export_their_names():
    import engine.ledger
    import engine.run

    assert engine.run.run_audit.__module__ == "engine.run.audit"
    assert engine.ledger.Ledger.__module__ == "engine.ledger.store"
    for package in (engine.run, engine.ledger):
        assert all(getattr(package, name) for name in package.__all__)
