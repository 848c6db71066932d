"""The HTML pages: 登录, 审核批次, a batch's dashboard, one page per agency, 单位名单, 规则, 账号.

Forms post with the session's CSRF token in a hidden field; decisions work without JavaScript.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import partial
from urllib.parse import urlencode

from fastapi import APIRouter, Form, Request, UploadFile
from fastapi.responses import FileResponse, RedirectResponse
from starlette.background import BackgroundTask

from engine.web import engine_api, security, service
from engine.web.auth import (Session, check_csrf, current_session, login, logout, require_admin, require_decider,
                             require_session)
from engine.web.errors import WebError
from engine.web.state import state_of
from engine.web.db import ROLES
from engine.web.results_index import Filters, Page, ResultsIndex
from engine.web.uploads import Upload

router = APIRouter(include_in_schema=False)
PAGE_ROWS = 100          # reports per page of a batch


def render(request: Request, template: str, session: Session | None, status_code: int = 200, **context):
    return state_of(request).templates.TemplateResponse(
        request, template, {"session": session, **context}, status_code=status_code)


def see_other(url: str) -> RedirectResponse:
    return RedirectResponse(url, status_code=303)


@router.get("/")
def home(request: Request):
    return see_other("/batches" if current_session(request) else "/login")


@router.get("/login")
def login_page(request: Request):
    return render(request, "login.html", None, error=None)


@router.post("/login")
def login_submit(request: Request, username: str = Form(""), password: str = Form("")):
    response = see_other("/batches")
    try:
        login(request, response, username.strip(), password)
    except WebError as exc:
        return render(request, "login.html", None, status_code=exc.status, error=exc.message, username=username)
    return response


@router.post("/logout")
def logout_submit(request: Request, csrf_token: str = Form("")):
    check_csrf(require_session(request), csrf_token)
    response = see_other("/login")
    logout(request, response)
    return response


@router.get("/batches")
def batches_page(request: Request):
    session = require_session(request)
    return render(request, "batches.html", session, batches=state_of(request).db.batches())


@router.post("/batches")
async def batches_upload(request: Request, files: list[UploadFile], title: str = Form(""),
                         csrf_token: str = Form("")):
    session = require_session(request)
    check_csrf(session, csrf_token)
    require_decider(session)
    batch = service.create_batch(state_of(request), session,
                                 [Upload(f.filename or "", f.file) for f in files], title)
    return see_other(f"/batches/{batch.id}")


@router.get("/batches/{batch_id}")
def batch_page(batch_id: str, request: Request, page: int = 1, grade: str = "", status: str = "", q: str = "",
               problem: str = ""):
    session = require_session(request)
    state = state_of(request)
    batch = service.batch_or_404(state, batch_id)
    filters = Filters(grade=grade.strip(), status=status.strip(), agency=q.strip()[:100], problem=problem.strip())
    listing = service.reading(state, batch_id, lambda index: BatchListing.of(index, filters, page))
    return render(request, "batch.html", session, batch=batch, listing=listing, filters=filters,
                  page_url=partial(_page_url, batch_id, filters))


@dataclass(frozen=True)
class BatchListing:
    """What the batch page shows of its results: one page of its reports, the filters' choices."""
    page: Page
    common: list[tuple[str, int]]
    statuses: dict[str, tuple[str, int]]
    grades: list[str]
    missing: list

    @classmethod
    def of(cls, index: ResultsIndex, filters: Filters, number: int) -> "BatchListing":
        return cls(index.page(filters, number, PAGE_ROWS), index.common(), index.counts_by_status(),
                   index.grades(), index.missing_agencies)


def _page_url(batch_id: str, filters: Filters, number: int) -> str:
    query = {"grade": filters.grade, "status": filters.status, "q": filters.agency, "problem": filters.problem,
             "page": number if number > 1 else ""}
    text = urlencode({k: v for k, v in query.items() if v})
    return f"/batches/{batch_id}" + (f"?{text}" if text else "")


@router.get("/batches/{batch_id}/reports/{report_id}")
def report_page(batch_id: str, report_id: str, request: Request):
    session = require_session(request)
    state = state_of(request)
    batch = service.batch_or_404(state, batch_id)
    view = service.report_or_404(state, batch_id, report_id)
    history = engine_api.agency_history(state.settings.ledger, view.agency)
    return render(request, "report.html", session, batch=batch, report=view, history=history)


@router.post("/batches/{batch_id}/findings/{finding_id}/decision")
def decision_submit(batch_id: str, finding_id: str, request: Request, status: str = Form(...),
                    reason: str = Form(""), note: str = Form(""), until: str = Form(""),
                    report: str = Form(""), csrf_token: str = Form("")):
    session = require_session(request)
    check_csrf(session, csrf_token)
    require_decider(session)
    state = state_of(request)
    if status == "undo":
        service.undo(state, session, finding_id, batch_id)
    else:
        service.decide(state, session, finding_id, status, reason, note, _date_or_none(until), batch_id)
    target = f"/batches/{batch_id}/reports/{report}" if report else f"/batches/{batch_id}"
    return see_other(target + "?rescoring=1")


def _date_or_none(text: str) -> dt.date | None:
    if not text.strip():
        return None
    try:
        return dt.date.fromisoformat(text.strip())
    except ValueError:
        raise WebError(422, f"豁免截止日期“{text}”不是有效日期（应为 YYYY-MM-DD）。") from None


@router.get("/batches/{batch_id}/files/{relative:path}")
def batch_file(batch_id: str, relative: str, request: Request):
    require_session(request)
    state = state_of(request)
    service.batch_or_404(state, batch_id)
    path = service.output_file(state, batch_id, relative)
    response = FileResponse(path, filename=path.name if path.suffix != ".html" else None)
    if path.suffix == ".html":
        # The tool's own outputs (letters, index.html) carry their small inline scripts and styles;
        # every text in them is escaped by the renderer.
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
            "script-src 'self' 'unsafe-inline'; frame-ancestors 'self'; base-uri 'none'")
    return response


@router.get("/batches/{batch_id}/letters.zip")
def letters_zip(batch_id: str, request: Request):
    require_session(request)
    state = state_of(request)
    service.batch_or_404(state, batch_id)
    path = service.letters_zip(state, batch_id)
    # sent from disk and removed once sent (or the client went away)
    return FileResponse(path, media_type="application/zip", filename=f"letters-{batch_id}.zip",
                        background=BackgroundTask(path.unlink, missing_ok=True))


@router.get("/agencies")
def agencies_page(request: Request):
    session = require_session(request)
    state = state_of(request)
    latest = next((b for b in state.db.batches() if b.status == "done"), None)
    index = service.results(state, latest.id) if latest else None
    return render(request, "agencies.html", session, agencies=engine_api.agencies(state.settings.ledger),
                  latest=latest, missing=index.missing_agencies if index else [], error=None)


@router.post("/agencies")
async def agencies_upload(request: Request, file: UploadFile, csrf_token: str = Form("")):
    session = require_session(request)
    check_csrf(session, csrf_token)
    require_decider(session)
    state = state_of(request)
    try:
        engine_api.import_agencies(state.settings, file.filename or "", await file.read())
    except WebError as exc:
        return render(request, "agencies.html", session, status_code=exc.status,
                      agencies=engine_api.agencies(state.settings.ledger), latest=None, missing=[], error=exc.message)
    return see_other("/agencies")


@router.get("/rules")
def rules_page(request: Request):
    session = require_session(request)
    return render(request, "rules.html", session, rules=engine_api.rule_catalog())


@router.get("/users")
def users_page(request: Request):
    session = require_session(request)
    require_admin(session)
    return render(request, "users.html", session, users=state_of(request).db.users(), roles=ROLES, error=None)


@router.post("/users")
def users_add(request: Request, username: str = Form(""), password: str = Form(""), role: str = Form(""),
              csrf_token: str = Form("")):
    session = require_session(request)
    check_csrf(session, csrf_token)
    require_admin(session)
    state = state_of(request)
    error = _user_error(state, username.strip(), password, role)
    if error:
        return render(request, "users.html", session, status_code=422, users=state.db.users(), roles=ROLES,
                      error=error)
    state.db.add_user(username.strip(), role, security.hash_password(password), session.user.username)
    return see_other("/users")


def _user_error(state, username: str, password: str, role: str) -> str | None:
    if not username or len(username) > 50 or any(c.isspace() for c in username):
        return "用户名不能为空、不能含空格，最长 50 个字符。"
    if role not in ROLES or role == "admin":
        return "角色只能是“审核员”或“查看”。"
    if len(password) < 8:
        return "密码至少 8 个字符。"
    if state.db.user_password(username) is not None:
        return f"用户名“{username}”已存在。"
    return None
