"""engine/spool.py: blobs appended to one file per writing process, read back whole."""
import multiprocessing
import os

import pytest

from engine.spool import Blob, Spool, SpoolError, read_blob, read_text, spool_for


def test_blobs_read_back_in_any_order(tmp_path):
    spool = Spool(tmp_path)
    texts = ["", "审核意见", "x" * 70000, "第二行\n第三行"]
    blobs = [spool.put_text(t) for t in texts]
    assert [read_text(b) for b in reversed(blobs)] == list(reversed(texts))
    assert len({b.path for b in blobs}) == 1          # one file for all of them
    assert len(list(tmp_path.iterdir())) == 1


def _child_put(folder: str, conn) -> None:
    conn.send(spool_for(folder).put(f"子进程 {os.getpid()}".encode()))


def test_a_forked_child_writes_its_own_file(tmp_path):
    parent = spool_for(tmp_path)
    first = parent.put(b"parent-1")
    ctx = multiprocessing.get_context("fork")
    recv, send = ctx.Pipe(duplex=False)
    proc = ctx.Process(target=_child_put, args=(str(tmp_path), send))
    proc.start()
    child_blob = recv.recv()
    proc.join()
    second = parent.put(b"parent-2")
    assert child_blob.path != first.path
    assert read_text(child_blob).startswith("子进程")
    # the child's writes did not move the parent's offsets
    assert read_blob(first) == b"parent-1" and read_blob(second) == b"parent-2"
    assert second.path == first.path and second.offset == first.offset + len(b"parent-1")


def test_a_truncated_spool_is_an_error_not_short_data(tmp_path):
    blob = Spool(tmp_path).put(b"0123456789")
    os.truncate(blob.path, 4)
    with pytest.raises(SpoolError, match="不完整"):
        read_blob(blob)
    with pytest.raises(SpoolError):
        read_blob(Blob(blob.path, 100, 3))


def test_a_spooled_sequence_reads_items_back_in_order_and_pickles_small(tmp_path):
    import pickle

    from engine.spool import SpooledSequence, put_object

    first, second = Spool(tmp_path, "a"), Spool(tmp_path, "b")
    items = [{"i": i, "名称": "单位" * i} for i in range(50)]
    seq = SpooledSequence([put_object(first if i % 2 else second, x) for i, x in enumerate(items)])
    assert list(seq) == items and list(seq) == items        # re-iterable
    assert len(seq) == 50 and seq[7] == items[7] and list(seq[3:6]) == items[3:6]
    assert len(pickle.dumps(seq)) < sum(len(pickle.dumps(x)) for x in items)
    os.truncate(seq.blobs[-1].path, seq.blobs[-1].offset + 1)
    with pytest.raises(SpoolError):
        list(seq)


def test_a_failed_write_sends_later_blobs_to_a_new_file(tmp_path, monkeypatch):
    """A write that fails part-way may leave bytes in the file: later blobs must not be located by
    offsets that no longer match, so they go to a fresh file."""
    import engine.spool as spool_module

    spool = Spool(tmp_path)
    first = spool.put(b"first")
    real_write = os.write
    calls = {"n": 0}

    def half_then_fail(fd, data):
        calls["n"] += 1
        if calls["n"] == 1:
            return real_write(fd, bytes(data[:2]))     # a partial write …
        raise OSError(28, "No space left on device")   # … then the disk is full

    monkeypatch.setattr(spool_module.os, "write", half_then_fail)
    with pytest.raises(OSError):
        spool.put(b"torn blob")
    monkeypatch.setattr(spool_module.os, "write", real_write)
    after = spool.put(b"after")
    assert after.path != first.path and after.offset == 0
    assert read_blob(first) == b"first" and read_blob(after) == b"after"


def test_put_many_writes_blobs_back_to_back_and_a_reader_reads_them(tmp_path):
    from engine.spool import SpoolReader, put_object

    spool = Spool(tmp_path)
    before = spool.put(b"before")
    blobs = spool.put_many([b"one", "二".encode(), b"", b"four"])
    after = put_object(spool, {"x": 1})
    assert [b.offset for b in blobs] == [6, 9, 12, 12] and after.offset == 16
    with SpoolReader() as reader:
        assert [reader.read(b) for b in blobs] == [b"one", "二".encode(), b"", b"four"]
        assert reader.text(blobs[1]) == "二" and reader.object(after) == {"x": 1}
        assert reader.read(before) == b"before"
        os.truncate(before.path, 10)
        with pytest.raises(SpoolError, match="不完整"):
            reader.read(blobs[3])
    assert reader._fds == {}          # closed on leaving the block
