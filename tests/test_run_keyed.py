"""The main process's compact per-input tables (engine/run/keyed.py) behave as the dicts and lists
they replace: same answers for every key, whatever the order of the operations."""
from __future__ import annotations

import pickle
import random
from pathlib import Path

import pytest

from engine.run.inputs import InputFile, InputList, InputTable
from engine.run.keyed import BlobTable, KeyList, SourceTable, StatusTable, code_key, key_code
from engine.run.probe import Probe, ProbeTable
from engine.spool import Blob


def test_key_codes_round_trip_and_other_keys_are_not_coded():
    for key in ("in:000000", "in:000123", "prev:000007", "in:1234567"):
        assert code_key(key_code(key)) == key
    for key in ("in:12", "in:0000001", "x:000001", "in:00000a", "in000001", "prev:", "in:٠٠٠٠٠١"):
        assert key_code(key) is None


def _keys(rng: random.Random) -> list[str]:
    return [rng.choice([f"in:{rng.randrange(50):06d}", f"prev:{rng.randrange(10):06d}", f"other{rng.randrange(5)}"])
            for _ in range(300)]


@pytest.mark.parametrize("seed", range(5))
def test_tables_answer_as_a_dict_does(seed):
    rng = random.Random(seed)
    tables = {"blobs": (BlobTable(), lambda: Blob(rng.choice(["/a/s-1.bin", "/a/s-2.bin"]), rng.randrange(10**12),
                                                      rng.randrange(10**6))),
              "statuses": (StatusTable(), lambda: rng.choice(["audited", "pending", "duplicate", "轻微"])),
              "sources": (SourceTable(), lambda: rng.choice(["报告/甲.txt", "b.txt", "a/c.md"])),
              "inputs": (InputTable(), lambda: InputFile(Path(rng.choice(["/x/年报.txt", "rel/b.txt"])),
                                                         rng.choice(["d/年报.txt", "b.txt"]))),
              "probes": (ProbeTable(), lambda: (Probe(rng.choice(["某某镇人民政府", "甲局"]), rng.randrange(2000, 2030),
                                                      rng.choice(["txt", "md"])), InputFile(Path("/p/q.txt"), "q.txt")))}
    for name, (table, value) in tables.items():
        plain: dict = {}
        for key in _keys(rng):
            op = rng.random()
            if op < 0.6:
                v = value()
                table[key] = v
                plain[key] = v
            elif op < 0.8:
                assert table.pop(key, None) == plain.pop(key, None), name
            else:
                assert (key in table) == (key in plain), name
                assert table.get(key) == plain.get(key), name
        assert len(table) == len(plain), name
        assert dict(table) == plain, name
        assert sorted(table) == sorted(plain), name
        assert list(table.items()) == [(k, table[k]) for k in table], name      # StatusTable's own items()


def test_key_lists_compare_by_their_codes():
    keys = ["in:000002", "other", "prev:000001", "in:000000"]
    assert KeyList(keys).same(KeyList(keys))
    assert not KeyList(keys).same(KeyList(keys[:3]))
    assert not KeyList(keys).same(KeyList(keys[:1] + ["another"] + keys[2:]))
    assert not KeyList(keys).same(KeyList(["in:000003"] + keys[1:]))


def test_source_order_without_a_sort_only_when_the_sources_ascend():
    table = SourceTable()
    for i, source in enumerate(["a/1.txt", "a/2.txt", "b/1.txt"]):
        table[f"in:{i:06d}"] = source
    table["prev:000000"] = "a/15.txt"
    keys = ["in:000002", "in:000000", "in:000001"]
    assert list(table.ordered(keys)) == ["in:000000", "in:000001", "in:000002"]
    both = keys + ["prev:000000"]
    assert list(table.ordered(both)) == sorted(both, key=lambda k: (table[k], k))
    # numbered out of source order: the keys are sorted by source
    table["in:000003"] = "a/0.txt"
    keys.append("in:000003")
    assert list(table.ordered(keys)) == ["in:000003", "in:000000", "in:000001", "in:000002"]
    # the same source for two keys: the key breaks the tie
    same = SourceTable()
    same["in:000000"] = same["in:000001"] = "x.txt"
    assert list(same.ordered(["in:000001", "in:000000"])) == ["in:000000", "in:000001"]


def test_views_and_sequences_keep_the_given_order_and_pickle_small():
    table = BlobTable()
    for i in range(2000):
        table[f"in:{i:06d}"] = Blob(f"/work/records/record-{i % 3}.bin", i * 1000, 900 + i)
    keys = KeyList(f"in:{i:06d}" for i in reversed(range(0, 2000, 2)))
    view = table.view(keys)
    assert list(view) == list(keys)
    assert list(view.values())[0] == Blob("/work/records/record-0.bin", 1998000, 2898)
    seq = pickle.loads(pickle.dumps(table.sequence(keys)))
    assert list(seq) == [table[k] for k in keys]
    assert list(seq[3:5]) == [table[k] for k in list(keys)[3:5]]
    assert len(pickle.dumps(table.sequence(keys))) < 40 * 2000     # a few bytes a key, not a Blob each
    assert keys == list(keys) and list(keys) == keys


def test_input_list_is_the_list_of_input_files():
    items = [InputFile(Path("/in/a.txt"), "in/a.txt"), InputFile(Path("in/年报 b.txt"), "in/年报 b.txt", ("unsupported", "说明")),
             InputFile(Path("c"), "c")]
    packed = InputList()
    for f in items:
        packed.append(f.path, f.display, f.refused)
    assert list(packed) == items
    assert packed[-1] == items[-1] and packed[1:] == items[1:]
    with pytest.raises(IndexError):
        packed[3]


@pytest.mark.parametrize("seed", range(3))
def test_order_check_by_one_walk_is_the_filtered_comparison(seed):
    """findings.jsonl and the 问题 sheet check their streamed order by one walk (is_subsequence)
    instead of filtering a list of every key through a set: the same answer."""
    from engine.render.jsonl_out import is_subsequence

    rng = random.Random(seed)
    for _ in range(300):
        keys = [f"in:{i:06d}" for i in rng.sample(range(30), rng.randrange(0, 12))]
        order = [k for k in keys if rng.random() < 0.6]
        if rng.random() < 0.5 and order:
            rng.shuffle(order)
        if rng.random() < 0.2:
            order.append(f"in:{rng.randrange(30, 40):06d}")
        streamed = set(order)
        assert is_subsequence(order, keys) == ([k for k in keys if k in streamed] == order), (keys, order)


@pytest.mark.parametrize("keys, probes", [
    ([f"in:{i:06d}" for i in range(0, 40, 3)], [f"in:{i:06d}" for i in range(-1, 45)] + ["in:1000000", "prev:000001"]),
    (sorted([f"in:{i:06d}" for i in (1, 5, 9)] + [f"prev:{i:06d}" for i in (0, 4)]), ["in:000004", "prev:000002", "x"]),
    (sorted(["in:000002", "in:1000000", "in:999999"]), ["in:000003", "in:1000001", "in:999998"]),
    (sorted(["a", "in:000004", "zz"]), ["in:000003", "b", "in:000005"]),
    ([], ["in:000001"]),
])
def test_keylist_bisect_left_is_bisects(keys, probes):
    import bisect

    listed = KeyList(keys)
    for key in probes:
        assert listed.bisect_left(key) == bisect.bisect_left(keys, key), key
    listed.append("prev:000009")         # appended after a search: checked again
    assert listed.bisect_left("prev:000008") == bisect.bisect_left(keys + ["prev:000009"], "prev:000008")


def test_blob_table_passes_over_keys_as_lookups_do():
    table = BlobTable()
    keys = ["in:000003", "prev:000001", "mine", "in:000000"]
    for i, key in enumerate(keys):
        table[key] = Blob(f"/s/{i % 2}.bin", i * 10, i + 1)
    listed = KeyList(reversed(keys))
    assert list(table.of(listed)) == [table[k] for k in reversed(keys)]
    assert list(table.view(listed).values()) == list(table.sequence(listed)) == [table[k] for k in reversed(keys)]
    with pytest.raises(KeyError):
        list(table.of(KeyList(["in:000001"])))
    with pytest.raises(KeyError):
        list(table.of(KeyList(["in:000009"])))


@pytest.mark.parametrize("seed", range(3))
def test_digest_table_answers_as_a_dict_does(seed):
    from engine.run.keyed import DigestTable
    rng = random.Random(seed)
    table, plain = DigestTable(), {}
    for key in _keys(rng):
        op = rng.random()
        if op < 0.6:
            value = (rng.randbytes(32).hex() if rng.random() < 0.7 else None, rng.random() < 0.5)
            table[key] = plain[key] = value
        elif op < 0.8 and key in plain:
            del table[key], plain[key]
        assert table.get(key) == plain.get(key)
    assert dict(table) == plain and len(table) == len(plain)


def test_base_records_keep_a_listed_record_without_pickling_it(tmp_path):
    from engine.model import AuditRecord
    from engine.run.records import BaseRecords
    records = BaseRecords(tmp_path)
    sha = "ab" * 32
    records.pending("in:000000", "in/a.txt", sha)
    records.pending("prev:000000", "old/a.txt", None, previous_only=True)
    records.pending("in:000001", "in/b.txt", "not a digest")          # kept as given: pickled
    assert "in:000000" not in records.blobs and "in:000001" in records.blobs
    assert records["in:000000"] == AuditRecord(source="in/a.txt", status="pending", sha256=sha)
    assert records["prev:000000"] == AuditRecord(source="old/a.txt", status="pending", previous_only=True)
    assert records["in:000001"].sha256 == "not a digest"
    assert records.sha256("in:000000") == sha and records.sha256("in:000001") == "not a digest"
    assert sorted(records) == ["in:000000", "in:000001", "prev:000000"] and len(records) == 3
    named = records["in:000000"]
    named.letter = "letters/a/x.html"
    records.save("in:000000", named)                     # saved otherwise: read back as saved
    assert records["in:000000"].letter == "letters/a/x.html" and "in:000000" not in records.listed
    records.close()


def test_digest_bytes_and_packed_files_without_paths():
    from engine.run.keyed import DigestTable
    table = DigestTable()
    sha = "0f" * 32
    table["in:000001"], table["in:000002"], table["other"] = (sha, False), (None, True), (sha, True)
    assert table.digest("in:000001") == bytes.fromhex(sha) == table.digest("other")
    assert table.digest("in:000002") is None and table.digest("in:000003") is None
    files, probes = InputTable(), ProbeTable()
    files["in:000001"] = InputFile(Path("dir/a b.txt"), "shown/a b.txt")
    files["x"] = InputFile(Path("dir/x.txt"), "x.txt")
    probe = Probe("某某镇人民政府", 2024, "txt")
    for key in ("in:000001", "x"):
        path = files.path_of(key)
        probes[key] = (probe, files.take(key))
        assert key not in files
        assert probes.strings(key) == (probe, path, probes[key][1].display)
        assert probes[key] == (probe, InputFile(Path(path), probes[key][1].display))
    assert probes.strings("in:000001") == (probe, "dir/a b.txt", "shown/a b.txt")


@pytest.mark.parametrize("seed", range(4))
def test_key_list_is_the_filtered_iteration(seed):
    rng = random.Random(seed)
    table = StatusTable()
    for _ in range(60):
        kind = rng.random()
        key = (f"in:{rng.randrange(40):06d}" if kind < 0.5 else f"prev:{rng.randrange(40):06d}" if kind < 0.8
               else rng.choice(["a", "prev:x", "in:7", "zz"]))
        table[key] = rng.choice(["audited", "pending", "duplicate"])
    without = set(rng.sample(list(table), 5))
    for prefix in (None, "prev", "in"):
        expected = [k for k in table if k not in without and (prefix is None or not k.startswith(prefix + ":"))]
        got = table.key_list(without_prefix=prefix, without=without)
        assert isinstance(got, KeyList) and list(got) == expected
    assert list(table.key_list()) == list(table)


def test_order_check_of_equal_key_lists_compares_their_codes():
    from engine.render.jsonl_out import is_subsequence

    table = BlobTable()
    keys = [f"in:{i:06d}" for i in range(5)]
    for i, k in enumerate(keys):
        table[k] = Blob("/s", i, 1)
    view = table.view(KeyList(keys))
    assert is_subsequence(KeyList(keys), view)
    assert is_subsequence(KeyList(keys[1:4]), view) and not is_subsequence(KeyList(keys[::-1]), view)
