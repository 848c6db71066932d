"""Shared helpers of the web app tests: an app on a temporary DATA folder, logins, batches."""
from __future__ import annotations

import io
import socket
import threading
import time
import zipfile
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from engine.web.app import create_app  # noqa: E402
from engine.web.settings import WebSettings  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "tests" / "fixtures" / "seeds").glob("*.txt"))
ADMIN_PASSWORD = "测试-admin-密码-1"


def make_app(data: Path, **settings: Any):
    import os
    os.environ["XXGK_ADMIN_PASSWORD"] = ADMIN_PASSWORD
    try:
        return create_app(WebSettings(data=data, **settings))
    finally:
        os.environ.pop("XXGK_ADMIN_PASSWORD", None)


def login(client: TestClient, username: str = "admin", password: str = ADMIN_PASSWORD) -> str:
    r = client.post("/api/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return r.json()["csrf_token"]


def add_user(client: TestClient, csrf: str, username: str, password: str, role: str) -> None:
    r = client.post("/users", data={"username": username, "password": password, "role": role, "csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303, r.text


def seed_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("files", (p.name, p.read_bytes(), "text/plain")) for p in SEEDS]


def wait_batch(client: TestClient, batch_id: str, timeout: float = 240.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        body = client.get(f"/api/batches/{batch_id}").json()
        if body["status"] not in ("queued", "running"):
            return body
        time.sleep(0.5)
    raise AssertionError(f"batch {batch_id} did not finish in {timeout} s")


def zip_bytes(members: dict[str, bytes], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buf.getvalue()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """uvicorn serving the app in a thread on a loopback port (for the browser tests)."""

    def __init__(self, app):
        import uvicorn
        self.port = free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "LiveServer":
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
