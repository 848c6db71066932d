"""The web app's JSON API: every endpoint, with bad input answered by a clear Chinese error and the
right status code. One real batch (the five seeds) is audited by a real worker process."""
from __future__ import annotations

import zipfile

import pytest

from engine.web.results_index import INDEX_NAME, Filters, results_index
from tests.web_support import (ADMIN_PASSWORD, SEEDS, TestClient, add_user, login, make_app, seed_files,
                               wait_batch, zip_bytes)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    app = make_app(tmp_path_factory.mktemp("webdata"), max_file_bytes=200_000, max_batch_bytes=2_000_000,
                   max_files=50, login_max_failures=3)
    yield app
    app.state.xxgk.runner.shutdown()


@pytest.fixture(scope="module")
def admin(app):
    client = TestClient(app)
    csrf = login(client)
    return client, csrf


@pytest.fixture(scope="module")
def batch(admin):
    client, csrf = admin
    r = client.post("/api/batches", files=seed_files(), headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    return wait_batch(client, r.json()["id"])


# -- login ---------------------------------------------------------------------------------------

def test_login_wrong_password_is_401_in_chinese(app):
    r = TestClient(app).post("/api/login", json={"username": "admin", "password": "wrong"})
    assert r.status_code == 401
    assert r.json() == {"error": "用户名或密码错误。"}


def test_login_missing_field_is_422_in_chinese(app):
    r = TestClient(app).post("/api/login", json={"username": "admin"})
    assert r.status_code == 422
    assert "请求内容不完整" in r.json()["error"] and "password" in r.json()["error"]


def test_login_is_rate_limited_per_user(app):
    client = TestClient(app)
    add_user(*_admin_client(app), "limited", "limited-pass-1", "viewer")
    for _ in range(3):
        assert client.post("/api/login", json={"username": "limited", "password": "nope"}).status_code == 401
    r = client.post("/api/login", json={"username": "limited", "password": "limited-pass-1"})
    assert r.status_code == 429
    assert "登录失败次数过多" in r.json()["error"]


def test_login_sets_httponly_samesite_cookie(app):
    r = TestClient(app).post("/api/login", json={"username": "admin", "password": ADMIN_PASSWORD})
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie


def _admin_client(app):
    client = TestClient(app)
    return client, login(client)


# -- batches -------------------------------------------------------------------------------------

def test_unauthenticated_requests_are_401(app):
    client = TestClient(app)
    assert client.get("/api/batches").status_code == 401
    r = client.post("/api/batches", files=seed_files())
    assert r.status_code == 401 and r.json()["error"] == "请先登录。"


def test_create_batch_without_csrf_token_is_refused(admin):
    client, _ = admin
    r = client.post("/api/batches", files=seed_files())
    assert r.status_code == 403
    assert "CSRF" in r.json()["error"]
    r = client.post("/api/batches", files=seed_files(), headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403


def test_batch_audits_every_seed(batch):
    assert batch["status"] == "done", batch["message"]
    assert batch["progress"]["done"] == batch["progress"]["total"] == len(SEEDS)
    reports = batch["reports"]
    assert len(reports) == len(SEEDS)
    assert {r["status"] for r in reports} == {"audited"}
    agencies = {r["agency"] for r in reports}
    assert "金村镇人民政府" in agencies
    for r in reports:
        assert isinstance(r["score"], (int, float)) and r["grade"]
        for f in r["findings"]:
            assert set(f) >= {"id", "rule_id", "severity", "message", "decision"}
            assert f["id"], "every finding has a stable id from the ledger"


def test_the_worker_indexes_the_results_it_wrote(app, batch):
    folder = app.state.xxgk.settings.batches / batch["id"]
    built = (folder / INDEX_NAME).stat().st_mtime_ns
    assert results_index(folder).page(Filters(), 1, 100).total == len(SEEDS)
    assert (folder / INDEX_NAME).stat().st_mtime_ns == built          # the worker's index, not rebuilt


def test_get_unknown_batch_is_404(admin):
    client, _ = admin
    r = client.get("/api/batches/nope-123")
    assert r.status_code == 404 and "没有编号为 nope-123 的审核批次" in r.json()["error"]
    assert client.get("/api/batches/..%2F..%2Fetc").status_code == 404


def test_oversized_upload_is_413(admin):
    client, csrf = admin
    big = ("files", ("big.txt", b"x" * 200_001, "text/plain"))
    r = client.post("/api/batches", files=[big], headers={"X-CSRF-Token": csrf})
    assert r.status_code == 413
    assert "超过单个文件的大小上限" in r.json()["error"]


def test_upload_without_files_is_422(admin):
    client, csrf = admin
    r = client.post("/api/batches", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422 and "files" in r.json()["error"]


def test_zip_with_traversal_names_stays_inside_the_batch(app, admin):
    client, csrf = admin
    seed = SEEDS[0].read_bytes()
    data = zip_bytes({"../../evil.txt": seed, "/abs/also.txt": seed, "ok/报告.txt": seed})
    r = client.post("/api/batches", files=[("files", ("pack.zip", data, "application/zip"))],
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 201, r.text
    folder = app.state.xxgk.settings.batches / r.json()["id"] / "in"
    stored = sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file())
    assert stored == ["pack/abs/also.txt", "pack/evil.txt", "pack/ok/报告.txt"]
    assert not (app.state.xxgk.settings.data / "evil.txt").exists()
    wait_batch(client, r.json()["id"])


def test_zip_bomb_member_is_refused(admin):
    client, csrf = admin
    data = zip_bytes({"bomb.txt": b"0" * 150_000})       # ~1000:1 deflate ratio
    r = client.post("/api/batches", files=[("files", ("bomb.zip", data, "application/zip"))],
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 400
    assert "压缩比异常" in r.json()["error"]


def test_viewer_cannot_upload_or_decide(app, batch):
    client, csrf = _admin_client(app)
    add_user(client, csrf, "viewer1", "viewer-pass-1", "viewer")
    viewer = TestClient(app)
    vcsrf = login(viewer, "viewer1", "viewer-pass-1")
    r = viewer.post("/api/batches", files=seed_files(), headers={"X-CSRF-Token": vcsrf})
    assert r.status_code == 403 and "查看" in r.json()["error"]
    finding = next(f for rep in batch["reports"] for f in rep["findings"])
    r = viewer.post(f"/api/findings/{finding['id']}/decision", json={"status": "confirmed"},
                    headers={"X-CSRF-Token": vcsrf})
    assert r.status_code == 403
    assert viewer.get(f"/api/batches/{batch['id']}").status_code == 200     # may read


# -- decisions -----------------------------------------------------------------------------------

def test_decision_unknown_finding_is_404(admin):
    client, csrf = admin
    r = client.post("/api/findings/XXGK-nope/decision", json={"status": "confirmed"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 404 and "没有编号为 XXGK-nope 的问题" in r.json()["error"]


def test_decision_bad_status_and_missing_reason(admin, batch):
    client, csrf = admin
    finding = next(f for rep in batch["reports"] for f in rep["findings"])
    r = client.post(f"/api/findings/{finding['id']}/decision", json={"status": "maybe"}, headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422
    r = client.post(f"/api/findings/{finding['id']}/decision", json={"status": "dismissed"},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 422 and "必须写明理由" in r.json()["error"]


def test_decision_without_csrf_is_refused(admin, batch):
    client, _ = admin
    finding = next(f for rep in batch["reports"] for f in rep["findings"])
    r = client.post(f"/api/findings/{finding['id']}/decision", json={"status": "confirmed"})
    assert r.status_code == 403


def test_dismiss_rescored_then_undo(admin, batch):
    client, csrf = admin
    report = max((r for r in batch["reports"] if r["findings"]),
                 key=lambda r: max(f["severity"] == "error" for f in r["findings"]))
    finding = next(f for f in report["findings"] if f["severity"] in ("error", "warning"))
    r = client.post(f"/api/findings/{finding['id']}/decision",
                    json={"status": "dismissed", "reason": "经核实为转换问题", "batch": batch["id"]},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    after = wait_batch(client, batch["id"])
    rescored = next(r for r in after["reports"] if r["id"] == report["id"])
    decided = next(f for f in rescored["findings"] if f["id"] == finding["id"])
    assert decided["decision"]["status"] == "dismissed"
    assert decided["decision"]["reason"] == "经核实为转换问题" and decided["decision"]["by"] == "admin"
    assert rescored["score"] > report["score"]
    r = client.delete(f"/api/findings/{finding['id']}/decision", params={"batch": batch["id"]},
                      headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    again = wait_batch(client, batch["id"])
    assert next(r for r in again["reports"] if r["id"] == report["id"])["score"] == report["score"]


# -- downloads -----------------------------------------------------------------------------------

def test_letter_docx_and_html_download(admin, batch):
    client, _ = admin
    rid = batch["reports"][0]["id"]
    r = client.get(f"/api/batches/{batch['id']}/letters/{rid}.docx")
    assert r.status_code == 200, r.text
    assert r.headers["content-type"].startswith("application/vnd.openxmlformats")
    assert zipfile.is_zipfile(__import__("io").BytesIO(r.content))
    r = client.get(f"/api/batches/{batch['id']}/letters/{rid}.html")
    assert r.status_code == 200 and "审核意见书" in r.text


def test_letter_of_unknown_report_or_format_is_404(admin, batch):
    client, _ = admin
    assert client.get(f"/api/batches/{batch['id']}/letters/ffffffffffffffff.docx").status_code == 404
    r = client.get(f"/api/batches/{batch['id']}/letters/{batch['reports'][0]['id']}.exe")
    assert r.status_code == 404 and "docx 和 html" in r.json()["error"]


def test_no_file_served_outside_the_batch(admin, batch):
    client, _ = admin
    for path in ("../../xxgk-audit.sqlite", "..%2F..%2Fxxgk-audit.sqlite", "/etc/passwd"):
        r = client.get(f"/batches/{batch['id']}/files/{path}")
        assert r.status_code == 404, path
    assert client.get(f"/batches/{batch['id']}/files/summary.xlsx").status_code == 200


def test_openapi_page_lists_the_endpoints(app):
    paths = TestClient(app).get("/api/openapi.json").json()["paths"]
    for p in ("/api/login", "/api/batches", "/api/batches/{batch_id}", "/api/findings/{finding_id}/decision",
              "/api/batches/{batch_id}/letters/{report_id}.{ext}"):
        assert p in paths


# -- the list of agencies ------------------------------------------------------------------------

def test_agency_list_import_page_and_missing_agencies(app, admin, batch):
    client, csrf = admin
    listing = "单位名称,类型\n金村镇人民政府,乡镇\n未报送测试局,部门\n".encode("utf-8-sig")
    r = client.post("/agencies", files={"file": ("名单.csv", listing, "text/csv")}, data={"csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303, r.text
    page = client.get("/agencies").text
    assert "当前名单（2 个单位）" in page and "未报送测试局" in page
    # the next audit of the batch uses the list: the agency with no report is listed as missing
    r = client.post(f"/api/findings/{_any_finding(batch)}/decision", json={"status": "confirmed", "batch": batch["id"]},
                    headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200
    wait_batch(client, batch["id"])
    assert "未报送测试局" in client.get(f"/batches/{batch['id']}").text


def test_agency_list_errors_are_chinese(admin):
    client, csrf = admin
    r = client.post("/agencies", files={"file": ("名单.txt", b"x", "text/plain")}, data={"csrf_token": csrf})
    assert r.status_code == 422 and "CSV 或 XLSX" in r.text
    r = client.post("/agencies", files={"file": ("名单.csv", "名称\n甲\n".encode(), "text/csv")},
                    data={"csrf_token": csrf})
    assert r.status_code == 422 and "单位名称" in r.text
    r = client.post("/agencies", files={"file": ("名单.csv", b"a", "text/csv")}, data={"csrf_token": "forged"})
    assert r.status_code == 403


def _any_finding(batch) -> str:
    return next(f["id"] for rep in batch["reports"] for f in rep["findings"])
