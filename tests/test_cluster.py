"""`audit --cluster`: the per-report work on a Dask distributed cluster gives the same outputs, byte
for byte, as a local run with any --jobs. The cluster is a LocalCluster with two worker processes
started by the test on the loopback interface."""
from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest

from engine.run import AuditOptions, ClusterUnavailable, run_audit
from tests.real_support import real_file

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.slow

SEEDS = Path(__file__).parent / "fixtures" / "seeds"
REAL = ("hongze-quzhengfu-2023.pdf", "shanghai-bangongting-2019.html", "pingtan-2021.txt", "pingtan-2022.txt")


def tree(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def inputs(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("cluster-in") / "reports"
    folder.mkdir()
    for seed in sorted(SEEDS.glob("*.txt")):
        shutil.copy(seed, folder / seed.name)
    for name in REAL:
        shutil.copy(real_file(name), folder / name)
    return folder


def audit(inputs: Path, out: Path, **options) -> dict[str, bytes]:
    run_audit([inputs], out, AuditOptions(run_date=dt.date(2026, 3, 2), **options))
    return tree(out)


def test_cluster_outputs_equal_local_outputs(inputs, tmp_path, monkeypatch):
    monkeypatch.chdir(inputs.parent)        # display paths relative to the same folder in every run
    local = audit(Path("reports"), tmp_path / "local", jobs=2)       # --jobs 1 vs 2: test_audit_batch
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        on_cluster = audit(Path("reports"), tmp_path / "cluster", jobs=2, cluster=cluster.scheduler_address)
    assert local.keys() == on_cluster.keys()
    assert len([k for k in on_cluster if k.startswith("letters/")]) >= len(list(SEEDS.glob("*.txt"))) + 3
    for name in local:
        assert on_cluster[name] == local[name], f"cluster differs from local: {name}"


def test_unreachable_scheduler_is_a_clear_error(inputs, tmp_path):
    with pytest.raises(ClusterUnavailable, match="无法连接 Dask 集群调度器"):
        run_audit([inputs], tmp_path / "out", AuditOptions(jobs=1, cluster="tcp://127.0.0.1:1"))
    assert not (tmp_path / "out").exists()
