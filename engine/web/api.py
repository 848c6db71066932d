"""The JSON API (documented at /api/docs). The pages' scripts use it too.

Every state-changing call needs the session cookie and the CSRF token in the X-CSRF-Token header
(the token is returned by /api/login and shown in each page's <meta name="csrf-token">).
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from engine.web import service
from engine.web.auth import check_csrf, login, logout, require_decider, require_session
from engine.web.errors import WebError
from engine.web.state import state_of
from engine.web.uploads import Upload

router = APIRouter(prefix="/api", tags=["api"])


class LoginBody(BaseModel):
    username: str = Field(min_length=1, max_length=100)
    password: str = Field(min_length=1, max_length=200)


class DecisionBody(BaseModel):
    status: Literal["confirmed", "dismissed"]
    reason: str = Field(default="", max_length=2000)
    note: str = Field(default="", max_length=2000)
    until: dt.date | None = None           # a dismissal that is a waiver ends after this day
    batch: str | None = None               # the batch to re-score (default: the latest that has it)


@router.post("/login", summary="登录，返回用户和 CSRF 令牌（会话写入 Cookie）")
def api_login(body: LoginBody, request: Request, response: Response):
    session = login(request, response, body.username.strip(), body.password)
    return {"username": session.user.username, "role": session.user.role, "csrf_token": session.csrf}


@router.post("/logout", summary="退出登录")
def api_logout(request: Request, response: Response, x_csrf_token: str | None = Header(default=None)):
    check_csrf(require_session(request), x_csrf_token)
    logout(request, response)
    return {"ok": True}


@router.post("/batches", status_code=201, summary="上传文件（可多个，可含 zip），新建审核批次")
async def api_create_batch(request: Request, files: list[UploadFile], title: str = "",
                           x_csrf_token: str | None = Header(default=None)):
    session = require_session(request)
    check_csrf(session, x_csrf_token)
    require_decider(session)
    uploads = [Upload(f.filename or "", f.file) for f in files]
    batch = service.create_batch(state_of(request), session, uploads, title)
    return {"id": batch.id, "status": batch.status}


@router.get("/batches", summary="审核批次列表")
def api_batches(request: Request):
    require_session(request)
    return {"batches": [{"id": b.id, "title": b.title, "status": b.status, "files": b.files,
                         "created_at": b.created_at, "created_by": b.created_by}
                        for b in state_of(request).db.batches()]}


class ProgressOut(BaseModel):
    phase: str = Field(description="当前阶段（中文）")
    done: int = Field(description="本阶段已完成的文件数")
    total: int = Field(description="本阶段的文件总数")


class FindingOut(BaseModel):
    id: str | None = Field(description="问题编号（稳定，用于确认/排除）")
    rule_id: str
    severity: str = Field(description="error、warning 或 info")
    message: str
    charge: str = Field(description="agency：单位的问题；manual：待人工核对")
    decision: dict[str, Any] | None = Field(description="审核决定（无则为 null）")


class ReportOut(BaseModel):
    id: str = Field(description="报告编号（本批次内稳定）")
    source: str
    status: str = Field(description="audited 为已审核，其余为未审核的原因")
    agency: str
    year: int | None
    score: int | float | None
    grade: str | None
    findings: list[FindingOut]


class BatchOut(BaseModel):
    id: str
    title: str
    status: str = Field(description="queued、running、done 或 failed")
    status_label: str
    progress: ProgressOut
    message: str
    created_by: str
    created_at: str
    reports: list[ReportOut] = Field(description="本页的报告（按审核结果中的顺序），每份带全部问题")
    page: int = Field(description="本页页码（从 1 开始；超出范围时为最后一页）")
    per_page: int = Field(description="每页报告数")
    pages: int = Field(description="总页数（至少 1）")
    total_reports: int = Field(description="本批次的报告总数（尚无结果时为 0）")


@router.get("/batches/{batch_id}", response_model=BatchOut,
            summary="批次状态、进度和一页报告的得分与问题（?page=、?per_page= 分页）")
def api_batch(batch_id: str, request: Request,
              page: int = Query(1, ge=1, description="页码，从 1 开始"),
              per_page: int = Query(service.API_PER_PAGE, ge=1, le=service.API_MAX_PER_PAGE,
                                    description=f"每页报告数（1 至 {service.API_MAX_PER_PAGE}）")):
    require_session(request)
    state = state_of(request)
    return service.batch_json(state, service.batch_or_404(state, batch_id), page, per_page)


@router.post("/findings/{finding_id}/decision", summary="确认或排除一个问题（排除须写理由）")
def api_decide(finding_id: str, body: DecisionBody, request: Request,
               x_csrf_token: str | None = Header(default=None)):
    session = require_session(request)
    check_csrf(session, x_csrf_token)
    require_decider(session)
    batch = service.decide(state_of(request), session, finding_id, body.status, body.reason, body.note,
                           body.until, body.batch)
    return {"finding": finding_id, "status": body.status, "batch": batch.id, "rescoring": True}


@router.delete("/findings/{finding_id}/decision", summary="撤销对一个问题的最近一次决定")
def api_undo(finding_id: str, request: Request, batch: str | None = None,
             x_csrf_token: str | None = Header(default=None)):
    session = require_session(request)
    check_csrf(session, x_csrf_token)
    require_decider(session)
    found = service.undo(state_of(request), session, finding_id, batch)
    return {"finding": finding_id, "batch": found.id, "rescoring": True}


@router.get("/batches/{batch_id}/letters/{report_id}.{ext}", summary="一份审核意见书（docx 或 html）")
def api_letter(batch_id: str, report_id: str, ext: str, request: Request):
    require_session(request)
    if ext not in ("docx", "html"):
        raise WebError(404, "意见书只有 docx 和 html 两种格式。")
    state = state_of(request)
    service.batch_or_404(state, batch_id)
    view = service.report_or_404(state, batch_id, report_id)
    relative = view.letter_docx if ext == "docx" else view.letter
    if not relative:
        raise WebError(404, "这份报告没有审核意见书（未审核）。")
    path = service.output_file(state, batch_id, relative)
    media = ("application/vnd.openxmlformats-officedocument.wordprocessingml.document" if ext == "docx"
             else "text/html; charset=utf-8")
    return FileResponse(path, media_type=media, filename=path.name)
