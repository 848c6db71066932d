"""The web app on a large batch: the results index (engine/web/results_index.py) gives the batch
page, a report's page, the finding look-ups, letters.zip and the API's batch view without reading
the batch's whole results — and shows exactly what reading them whole showed."""
from __future__ import annotations

import io
import json
import re
import threading
import zipfile
from collections import Counter
from pathlib import Path

import pytest

from tests.web_support import TestClient, login, make_app  # first: skips the module without fastapi

from engine.render.json_out import load_findings, write_findings_stream  # noqa: E402
from engine.web import engine_api, results_index, service  # noqa: E402
from engine.web.results_index import GRADE_ORDER, INDEX_NAME, Filters, StaleIndex  # noqa: E402
from engine.web.views import report_view  # noqa: E402
from tests.web_scale_support import audit_seeds, synthetic_records, write_results  # noqa: E402

N = 450          # 5 pages of the batch page (100 rows), 9 of the API's at 50


@pytest.fixture(scope="session")
def seed_out(tmp_path_factory):
    return audit_seeds(tmp_path_factory.mktemp("seeds") / "out")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("webdata"))
    yield app
    app.state.xxgk.runner.shutdown()


@pytest.fixture(scope="module")
def client(app):
    client = TestClient(app)
    login(client)
    return client


def add_batch(app, seed_out: Path, batch_id: str, n: int = N, variant: int = 0) -> Path:
    """A finished batch whose results are n synthetic reports (as a large run writes them)."""
    state = app.state.xxgk
    if state.db.batch(batch_id) is None:
        state.db.add_batch(batch_id, f"大批次 {batch_id}", "admin", n)
        state.db.update_batch(batch_id, status="done", message="测试批次")
    out = state.settings.batches / batch_id / "out"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_results(out, seed_out, synthetic_records(seed_out, n, variant))
    return out


@pytest.fixture(scope="module")
def big(app, seed_out):
    add_batch(app, seed_out, "20260101-000000-aaaaaa")
    return "20260101-000000-aaaaaa"


# -- the old way: every record read, sorted and counted per request ------------------------------

def old_views(out: Path):
    return [report_view(r) for r in load_findings(out)["reports"]]


def old_order(out: Path) -> list[str]:
    views = old_views(out)
    audited = sorted((v for v in views if v.status == "audited"),
                     key=lambda v: (GRADE_ORDER.get(v.grade or "", 9), -v.counts["error"], v.score or 0, v.agency))
    return [v.id for v in audited] + [v.id for v in views if v.status != "audited"]


def old_common(out: Path) -> list[tuple[str, int]]:
    audited = sorted((v for v in old_views(out) if v.status == "audited"),
                     key=lambda v: (GRADE_ORDER.get(v.grade or "", 9), -v.counts["error"], v.score or 0, v.agency))
    return Counter(f.title for r in audited for f in r.findings if f.charge != "manual").most_common(8)


def page_ids(client, batch_id: str, query: str = "") -> list[str]:
    """Every page's report ids, in page order (audited rows by their link, the others by source)."""
    ids, page = [], 1
    while True:
        html = client.get(f"/batches/{batch_id}?{query}&page={page}").text
        ids += re.findall(rf'href="/batches/{batch_id}/reports/([\w-]+)">', html)
        ids += re.findall(r"<tr><td>(in/\d+\.txt)</td>", html)
        pager = re.search(r"第 \d+ 页 / 共 (\d+) 页", html)
        pages = int(pager.group(1)) if pager else 1
        if page >= pages:
            return ids
        page += 1


def ids_of_sources(out: Path, ids: list[str]) -> list[str]:
    """The page's ids with the others' sources turned into their report ids."""
    by_source = {v.source: v.id for v in old_views(out)}
    return [by_source.get(i, i) for i in ids]


# -- the batch page ------------------------------------------------------------------------------

def test_batch_page_pages_in_the_old_worst_first_order(client, app, big):
    out = service.out_dir(app.state.xxgk, big)
    html = client.get(f"/batches/{big}").text
    assert "第 1 页 / 共 5 页" in html and "下一页" in html and f"本批次共 {N} 份" in html
    assert html.count(f'href="/batches/{big}/reports/') == 100
    assert ids_of_sources(out, page_ids(client, big)) == old_order(out)
    last = client.get(f"/batches/{big}?page=99").text           # past the end: the last page
    assert "第 5 页 / 共 5 页" in last and "上一页" in last and "未审核的文件" in last


def test_common_findings_are_counted_as_before(app, big):
    out = service.out_dir(app.state.xxgk, big)
    index = service.results(app.state.xxgk, big)
    assert index.common() == old_common(out) and len(index.common()) > 1


@pytest.mark.parametrize("query, keep", [
    ("grade=不合格", lambda v: v.grade == "不合格"),
    ("grade=优秀", lambda v: v.grade == "优秀"),
    ("status=unreadable", lambda v: v.status == "unreadable"),
    ("q=金村", lambda v: "金村" in v.agency),
    ("q=金村&grade=合格", lambda v: "金村" in v.agency and v.grade == "合格"),
    ("q=%25", lambda v: "%" in v.agency),           # a LIKE wildcard is an ordinary character
])
def test_filters_keep_the_order_and_select_the_right_reports(client, app, big, query, keep):
    out = service.out_dir(app.state.xxgk, big)
    views = {v.id: v for v in old_views(out)}
    expected = [i for i in old_order(out) if keep(views[i])]
    assert ids_of_sources(out, page_ids(client, big, query)) == expected


def test_the_problem_filter_selects_reports_with_that_finding(client, app, big):
    out = service.out_dir(app.state.xxgk, big)
    title = old_common(out)[0][0]
    views = {v.id: v for v in old_views(out)}
    expected = [i for i in old_order(out) if any(f.title == title for f in views[i].findings)]
    assert 0 < len(expected) < N
    assert page_ids(client, big, f"problem={title}") == expected
    html = client.get(f"/batches/{big}", params={"problem": title}).text
    assert "符合条件的" in html and 'class="chip active"' in html


# -- one report, one finding: one record read ----------------------------------------------------

def test_report_page_reads_one_record_not_the_batch(client, app, big, monkeypatch):
    out = service.out_dir(app.state.xxgk, big)
    wanted = old_views(out)[321]
    service.results(app.state.xxgk, big)                   # built (as the worker does)
    reads: list[tuple] = []
    real_read = engine_api.read_record

    def counting_read(*args):
        reads.append(args)
        return real_read(*args)

    def no_whole_results(*_):
        raise AssertionError("the whole results were read")

    monkeypatch.setattr(engine_api, "read_record", counting_read)
    monkeypatch.setattr(engine_api, "load_findings", no_whole_results)
    monkeypatch.setattr(engine_api, "iter_record_lines", no_whole_results)
    r = client.get(f"/batches/{big}/reports/{wanted.id}")
    assert r.status_code == 200 and wanted.agency in r.text
    assert len(reads) == 1
    _, position, offset, length = reads[0]
    line = (out / "findings.jsonl").read_bytes()[offset:offset + length]
    assert position == 321 and line.count(b"\n") == 1 and wanted.id.encode() in line
    assert client.get(f"/batches/{big}/reports/0000000000000000").status_code == 404


def test_finding_to_batch_is_an_indexed_look_up(app, seed_out, big, monkeypatch):
    state = app.state.xxgk
    other = "20260102-000000-bbbbbb"
    add_batch(app, seed_out, other, n=60, variant=1)       # newer; its finding ids differ
    old_finding = "F0-00321-0"
    new_finding = next(f.id for v in old_views(service.out_dir(state, other)) for f in v.findings)
    service.results(state, big), service.results(state, other)

    def no_whole_results(*_):
        raise AssertionError("the whole results were read")

    monkeypatch.setattr(engine_api, "load_findings", no_whole_results)
    monkeypatch.setattr(engine_api, "read_record", no_whole_results)
    assert service._batch_with_finding(state, old_finding, None).id == big
    assert service._batch_with_finding(state, new_finding, None).id == other
    assert service._batch_with_finding(state, new_finding, big) is None
    assert service._batch_with_finding(state, "F-none", None) is None


# -- a re-run replaces the results: the index follows --------------------------------------------

def test_index_is_rebuilt_after_a_rerun(client, app, seed_out):
    batch_id = "20260103-000000-cccccc"
    out = add_batch(app, seed_out, batch_id, n=120)
    state = app.state.xxgk
    before = service.results(state, batch_id)
    first = old_views(out)[7]
    assert service.report_or_404(state, batch_id, first.id).score == first.score
    write_results(out, seed_out, synthetic_records(seed_out, 120, variant=5))      # the re-run
    stale = results_index._current(before.path, out, before.identity)
    assert stale is not None                     # the old index as it was …
    with pytest.raises(StaleIndex):
        stale.report(first.id)                   # … finds its offsets no longer its reports' (or other scores)
    after = service.results(state, batch_id)
    assert after.identity != before.identity
    rerun = old_views(out)[7]
    assert service.report_or_404(state, batch_id, first.id).score == rerun.score != first.score
    assert ids_of_sources(out, page_ids(client, batch_id)) == old_order(out)
    assert service.results(state, batch_id).identity == after.identity        # reused, not rebuilt


def test_concurrent_first_reads_build_one_good_index(app, seed_out):
    batch_id = "20260104-000000-dddddd"
    out = add_batch(app, seed_out, batch_id, n=80)
    state = app.state.xxgk
    found, errors = [], []

    def read():
        try:
            found.append(service.results(state, batch_id).page(Filters(), 1, 100).total)
        except Exception as exc:          # noqa: BLE001 — reported below
            errors.append(exc)

    threads = [threading.Thread(target=read) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == [] and found == [80] * 6
    folder = out.parent
    assert sorted(p.name for p in folder.iterdir() if p.name != "out") == [INDEX_NAME]


# -- letters.zip and the API ---------------------------------------------------------------------

def test_letters_zip_is_the_old_archive_streamed_from_disk(client, app, big):
    out = service.out_dir(app.state.xxgk, big)
    old = io.BytesIO()                     # the old way: the archive built in memory
    with zipfile.ZipFile(old, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((out / "letters").rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(out).as_posix())
    r = client.get(f"/batches/{big}/letters.zip")
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.headers["content-disposition"] == f'attachment; filename="letters-{big}.zip"'
    assert r.content == old.getvalue()
    assert zipfile.ZipFile(io.BytesIO(r.content)).namelist()[0].startswith("letters/")
    assert list(out.parent.glob(".letters-*.zip")) == []          # removed once sent


def test_api_batch_view_pages_in_the_results_order(client, app, big):
    out = service.out_dir(app.state.xxgk, big)
    views = old_views(out)
    body = client.get(f"/api/batches/{big}", params={"page": 2, "per_page": 50}).json()
    assert (body["page"], body["per_page"], body["pages"], body["total_reports"]) == (2, 50, 9, N)
    assert [r["id"] for r in body["reports"]] == [v.id for v in views[50:100]]
    assert body["reports"][0] == views[50].to_api()
    default = client.get(f"/api/batches/{big}").json()
    assert default["per_page"] == 100 and len(default["reports"]) == 100 and default["status"] == "done"
    assert client.get(f"/api/batches/{big}", params={"per_page": 100_000}).status_code == 422
    assert client.get(f"/api/batches/{big}", params={"page": 0}).status_code == 422
    assert client.get(f"/api/batches/{big}", params={"page": 50, "per_page": 50}).json()["page"] == 9


def test_api_documents_the_paged_batch_view(client):
    spec = client.get("/api/openapi.json").json()
    params = {p["name"] for p in spec["paths"]["/api/batches/{batch_id}"]["get"]["parameters"]}
    assert {"page", "per_page"} <= params
    fields = spec["components"]["schemas"]["BatchOut"]["properties"]
    assert {"reports", "page", "per_page", "pages", "total_reports", "progress"} <= set(fields)
    assert all(fields[k].get("description") for k in ("page", "pages", "total_reports"))


def test_results_without_findings_jsonl_are_indexed_from_findings_json(client, app, seed_out):
    """A batch audited before findings.jsonl existed: its records are findings.json's `reports`."""
    batch_id = "20260105-000000-eeeeee"
    out = add_batch(app, seed_out, batch_id, n=30)
    records = [json.loads(line) for line in (out / "findings.jsonl").read_text(encoding="utf-8").splitlines()]
    head = json.loads((out / "findings.json").read_text(encoding="utf-8"))
    for key in ("reports_file", "reports_inline", "letters", "previous_inputs"):
        head.pop(key, None)
    write_findings_stream(out / "findings.json", head, [json.dumps(r, ensure_ascii=False) for r in records], [])
    (out / "findings.jsonl").unlink()
    wanted = report_view(records[17])
    assert ids_of_sources(out, page_ids(client, batch_id)) == old_order(out)
    r = client.get(f"/batches/{batch_id}/reports/{wanted.id}")
    assert r.status_code == 200 and wanted.agency in r.text
