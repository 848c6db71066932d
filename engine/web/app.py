"""The application object: create_app(settings) -> FastAPI.

Routes live in pages.py (HTML) and api.py (JSON); sessions and CSRF in auth.py; the engine is only
reached through engine_api.py.
"""
from __future__ import annotations

import os
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine import __version__
from engine.web import api, pages, security
from engine.web.auth import current_session
from engine.web.db import WebDB
from engine.web.errors import WebError
from engine.web.runner import BatchRunner
from engine.web.settings import WebSettings
from engine.web.state import AppState, state_of

HERE = Path(__file__).parent


def create_app(settings: WebSettings) -> FastAPI:
    settings.data.mkdir(parents=True, exist_ok=True)
    settings.batches.mkdir(parents=True, exist_ok=True)
    db = WebDB(settings.ledger)
    state = AppState(settings, db, BatchRunner(settings, db),
                     security.LoginLimiter(settings.login_window_seconds, settings.login_max_failures),
                     security.LoginLimiter(settings.login_window_seconds, settings.login_max_failures * 5),
                     Jinja2Templates(directory=str(HERE / "templates")))
    state.initial_password = ensure_admin(db)

    @asynccontextmanager
    async def lifespan(_app: FastAPI):
        yield
        state.runner.shutdown()

    app = FastAPI(title="xxgk-audit 政府信息公开年报审核", version=__version__, lifespan=lifespan,
                  docs_url="/api/docs", redoc_url=None, openapi_url="/api/openapi.json")
    app.state.xxgk = state
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    _install_error_handlers(app)
    _install_security_headers(app)

    app.include_router(api.router)
    app.include_router(pages.router)
    return app


def ensure_admin(db: WebDB) -> str | None:
    """On first start: an admin account from XXGK_ADMIN_PASSWORD, or with a generated password
    (returned, for `serve` to print once)."""
    if db.user_count():
        return None
    password = os.environ.get("XXGK_ADMIN_PASSWORD") or ""
    generated = None
    if not password:
        password = generated = security.generated_password()
    db.add_user("admin", "admin", security.hash_password(password), created_by=None)
    return generated


def wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(WebError)
    async def web_error(request: Request, exc: WebError):
        if wants_json(request):
            return JSONResponse({"error": exc.message}, status_code=exc.status)
        if exc.status == 401:
            return RedirectResponse("/login", status_code=303)
        return _error_page(request, exc.status, exc.message)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException):
        message = {404: "页面或资源不存在。", 405: "不支持该请求方法。"}.get(exc.status_code, "请求无法处理。")
        if wants_json(request):
            return JSONResponse({"error": message}, status_code=exc.status_code)
        return _error_page(request, exc.status_code, message)

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError):
        fields = "、".join(str(e.get("loc", ["?"])[-1]) for e in exc.errors())
        message = f"请求内容不完整或格式有误：{fields}。"
        if wants_json(request):
            return JSONResponse({"error": message}, status_code=422)
        return _error_page(request, 422, message)


def _error_page(request: Request, status: int, message: str):
    return state_of(request).templates.TemplateResponse(
        request, "error.html", {"session": current_session(request), "status": status, "message": message},
        status_code=status)


def _install_security_headers(app: FastAPI) -> None:
    @app.middleware("http")
    async def headers(request: Request, call_next):
        response = await call_next(request)
        # Everything is served from here (vendored JS/CSS); letters are shown in a same-origin frame.
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self'; frame-ancestors 'self'; form-action 'self'; base-uri 'none'")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response
