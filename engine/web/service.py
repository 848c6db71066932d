"""What the pages and the API both do: create a batch from uploads, read a batch's results,
record a review decision and re-score. Each function checks nothing about HTTP; the callers
have already checked the session, the role and the CSRF token.
"""
from __future__ import annotations

import datetime as dt
import io
import secrets
import shutil
import zipfile
from pathlib import Path
from typing import Any, Iterable

from engine.web import engine_api
from engine.web.auth import Session
from engine.web.errors import WebError
from engine.web.state import AppState
from engine.web.db import Batch
from engine.web.uploads import Upload, UploadError, store_uploads
from engine.web.settings import REFUSED
from engine.web.views import ReportView, find_finding, find_report, report_views


def create_batch(state: AppState, session: Session, uploads: Iterable[Upload], title: str = "") -> Batch:
    batch_id = new_batch_id()
    folder = state.settings.batches / batch_id
    try:
        stored = store_uploads(uploads, folder / "in", state.settings)
    except UploadError as exc:
        shutil.rmtree(folder, ignore_errors=True)      # our own half-made folder, nothing of the user's
        raise WebError(exc.status, exc.message) from None
    title = title.strip()[:100] or f"{dt.date.today():%Y-%m-%d} 审核批次（{len(stored.files)} 个文件）"
    state.db.add_batch(batch_id, title, session.user.username, len(stored.files))
    if stored.refused:      # shown with the batch's result (the worker adds it to its summary)
        (folder / REFUSED).write_text("未接收：" + "；".join(f"{n}（{w}）" for n, w in stored.refused[:20]) + "。",
                                      encoding="utf-8")
    state.runner.submit(batch_id, session.user.username)
    return state.db.batch(batch_id)


def new_batch_id() -> str:
    # Sortable by time, unguessable enough not to be enumerated.
    return f"{dt.datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(3)}"


def batch_or_404(state: AppState, batch_id: str) -> Batch:
    batch = state.db.batch(batch_id) if _plain_id(batch_id) else None
    if batch is None:
        raise WebError(404, f"没有编号为 {batch_id} 的审核批次。")
    return batch


def _plain_id(value: str) -> bool:
    return bool(value) and len(value) <= 64 and all(c.isalnum() or c in "-_" for c in value)


def out_dir(state: AppState, batch_id: str) -> Path:
    return state.settings.batches / batch_id / "out"


def batch_document(state: AppState, batch_id: str) -> dict[str, Any] | None:
    return engine_api.read_results(out_dir(state, batch_id))


def batch_reports(state: AppState, batch_id: str) -> list[ReportView]:
    return report_views(batch_document(state, batch_id))


def report_or_404(state: AppState, batch_id: str, report_id: str) -> ReportView:
    view = find_report(batch_document(state, batch_id), report_id)
    if view is None:
        raise WebError(404, f"本批次中没有编号为 {report_id} 的报告。")
    return view


def batch_json(state: AppState, batch: Batch) -> dict[str, Any]:
    return {
        "id": batch.id, "title": batch.title, "status": batch.status, "status_label": batch.status_label,
        "progress": {"phase": batch.phase, "done": batch.done, "total": batch.total},
        "message": batch.message, "created_by": batch.created_by, "created_at": batch.created_at,
        "reports": [r.to_api() for r in batch_reports(state, batch.id)],
    }


def decide(state: AppState, session: Session, finding_id: str, status: str, reason: str, note: str,
           until: dt.date | None, batch_id: str | None) -> Batch | None:
    """Record the decision in the ledger and re-run the batch the finding was seen in, so its
    score and letter follow the decision (the same engine, the same ledger, as the command line)."""
    if status not in ("confirmed", "dismissed"):
        raise WebError(422, "决定只能是“确认”（confirmed）或“排除”（dismissed）。")
    if status == "dismissed" and not reason.strip():
        raise WebError(422, "排除一个问题必须写明理由。")
    batch = _batch_with_finding(state, finding_id, batch_id)
    if batch is None:
        raise WebError(404, f"没有编号为 {finding_id} 的问题。")
    engine_api.decide(state.settings.ledger, finding_id, status, session.user.username,
                      reason=reason.strip() or None, note=note.strip() or None, until=until)
    state.runner.submit(batch.id, session.user.username)
    return batch


def undo(state: AppState, session: Session, finding_id: str, batch_id: str | None) -> Batch:
    batch = _batch_with_finding(state, finding_id, batch_id)
    if batch is None:
        raise WebError(404, f"没有编号为 {finding_id} 的问题。")
    engine_api.undo(state.settings.ledger, finding_id, session.user.username)
    state.runner.submit(batch.id, session.user.username)
    return batch


def _batch_with_finding(state: AppState, finding_id: str, batch_id: str | None) -> Batch | None:
    candidates = [batch_or_404(state, batch_id)] if batch_id else state.db.batches()
    for batch in candidates:
        # the previous results stay in place while a re-audit runs: a second decision may come meanwhile
        if find_finding(batch_document(state, batch.id), finding_id):
            return batch
    return None


def letters_zip(state: AppState, batch_id: str) -> bytes:
    out = out_dir(state, batch_id)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        for path in sorted((out / "letters").rglob("*")):
            if path.is_file():
                archive.write(path, path.relative_to(out).as_posix())
    return buf.getvalue()


def output_file(state: AppState, batch_id: str, relative: str) -> Path:
    """A file of the batch's results; never anything outside that folder."""
    out = out_dir(state, batch_id).resolve()
    path = (out / relative).resolve()
    if not path.is_relative_to(out) or not path.is_file():
        raise WebError(404, "文件不存在。")
    return path
