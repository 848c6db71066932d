"""engine/yamlfile.round_trip_tree: the tree ruamel's round-trip loader gives (keys, items, values,
line and column of every key and item; in the module's own LineMap and LineSeq, scalars as plain
str, int and float), built from libyaml; anything else is left to ruamel."""
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.scalarfloat import ScalarFloat
from ruamel.yaml.scalarint import ScalarInt
from ruamel.yaml.scalarstring import ScalarString

from engine.yamlfile import NOT_PLAIN, LineMap, LineSeq, line_of, round_trip_tree

RULES = Path(__file__).resolve().parent.parent / "rules"


def ruamel_tree(text: str):
    return YAML(typ="rt", pure=True).load(text)


# ruamel's type -> round_trip_tree's (documented: its scalar subclasses only keep how a value was
# written; the plain type has the same value)
PLAIN_TYPE = {CommentedMap: LineMap, CommentedSeq: LineSeq, ScalarFloat: float, ScalarInt: int, ScalarString: str}


def plain_type(ref):
    return next((t for base, t in PLAIN_TYPE.items() if isinstance(ref, base)), type(ref))


def assert_same_tree(fast, ref, where="$"):
    assert type(fast) is plain_type(ref), (where, type(fast), type(ref))
    if isinstance(ref, (CommentedMap, CommentedSeq)):
        assert (fast.lc.line, fast.lc.col) == (ref.lc.line, ref.lc.col), where
        keys = list(ref) if isinstance(ref, CommentedMap) else range(len(ref))
        assert list(fast if isinstance(ref, CommentedMap) else range(len(fast))) == list(keys), where
        for k in keys:
            assert fast.lc.data[k] == ref.lc.data[k], (where, k)
            if isinstance(ref, CommentedMap):        # what the readers ask (line_of, signal_file._line)
                assert (fast.lc.key(k), fast.lc.value(k)) == (ref.lc.key(k), ref.lc.value(k)), (where, k)
            else:
                assert fast.lc.item(k) == ref.lc.item(k), (where, k)
            assert_same_tree(fast[k], ref[k], f"{where}/{k}")
    else:
        assert fast == ref, (where, fast, ref)


@pytest.mark.parametrize("path", sorted(RULES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_shipped_yaml_file_gives_ruamels_tree(path):
    text = path.read_text(encoding="utf-8")
    fast = round_trip_tree(text)
    assert fast is not NOT_PLAIN               # the shipped files take the fast path
    assert_same_tree(fast, ruamel_tree(text))


PLAIN_DOCUMENTS = {
    "yaml 1.2 words stay strings": "a: yes\nb: no\nc: on\nd: Off\ne: y\n",
    "booleans and nulls": "a: true\nb: FALSE\nc: ~\nd: null\n",
    "numbers": "a: 12\nb: -3\nc: 0\nd: 007\ne: 1.25\nf: -0.5\ng: '12'\n",
    "block scalars": "a: |\n  第一行\n  第二行\nb: >\n  折叠的\n  一段\nc: >-\n  x\n",
    "nested flow and block": "rules:\n  - id: R1\n    tags: [a, b]\n    options: {x: 1, y: [1, 2]}\n  -\n    id: R2\n",
    "empty document": "",
    "comments only": "# 只有注释\n",
    "top-level list": "- 1\n- 二\n- - nested\n",
    "integer keys": "1: a\n2: b\n",
}


@pytest.mark.parametrize("text", PLAIN_DOCUMENTS.values(), ids=PLAIN_DOCUMENTS.keys())
def test_plain_documents_give_ruamels_tree(text):
    fast = round_trip_tree(text)
    assert fast is not NOT_PLAIN
    assert_same_tree(fast, ruamel_tree(text))


LEFT_TO_RUAMEL = {
    "anchor and alias": "a: &x [1]\nb: *x\n",
    "merge key": "base: &b {x: 1}\nc:\n  <<: *b\n  y: 2\n",
    "duplicate key": "a: 1\na: 2\n",
    "custom tag": "a: !thing 1\n",
    "hex": "a: 0x1F\n",
    "underscores": "a: 1_000\n",
    "exponent": "a: 1e3\n",
    "infinity": "a: .inf\n",
    "timestamp": "a: 2024-01-05\n",
    "syntax error": "a: [1, 2\n",
    "tab indentation": "a:\n\t- 1\n",
    "empty value": "a:\nb: 1\n",          # ruamel places the empty scalar at the next token
}


@pytest.mark.parametrize("text", LEFT_TO_RUAMEL.values(), ids=LEFT_TO_RUAMEL.keys())
def test_other_yaml_is_left_to_ruamel(text):
    assert round_trip_tree(text) is NOT_PLAIN


def test_line_of_reads_either_tree_alike():
    text = "rules:\n  - id: R1\n    when:\n      all: [a, b]\n  - id: R2\n"
    fast, ref = round_trip_tree(text), ruamel_tree(text)
    for path in [("rules",), ("rules", 1), ("rules", 0, "when", "all"), ("rules", 5), ("missing",), ()]:
        assert line_of(fast, path) == line_of(ref, path), path


def test_the_audit_path_does_not_import_ruamel():
    """ruamel.yaml is ~6 ms of every run's start (engine/yamlfile.py): the shipped files are plain
    YAML, so neither the main process (the rules, office, scoring; the run itself) nor a worker
    (the signal and figure sets, an evaluation) imports it."""
    script = """
import datetime as dt, sys, tempfile
from pathlib import Path
sys.path.insert(0, ROOT)
from engine.run import AuditOptions, run_audit
from engine.run.audit import load_rules
from engine.run.warmup import warm_extractors
from engine.ingest import Limits, read_document
from engine.parse import parse_document
from engine.evaluate import evaluate
seed = sorted(Path(ROOT, "tests", "fixtures", "seeds").glob("*.txt"))[0]
with tempfile.TemporaryDirectory() as tmp:
    run = run_audit([seed], Path(tmp) / "out", AuditOptions(jobs=1, run_date=dt.date(2026, 1, 5)))
    assert run.count_by_status() == {"audited": 1}, run.count_by_status()
rules = load_rules(AuditOptions())
warm_extractors(rules.catalog)
assert evaluate(parse_document(read_document(seed, Limits())), rules.catalog)
print(sorted(m for m in sys.modules if m.startswith("ruamel.")))
""".replace("ROOT", repr(str(RULES.parent)))
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "[]", out.stdout
