"""What the pages and the API both do: create a batch from uploads, read a batch's results,
record a review decision and re-score. Each function checks nothing about HTTP; the callers
have already checked the session, the role and the CSRF token.
"""
from __future__ import annotations

import datetime as dt
import os
import secrets
import shutil
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar

from engine.web import engine_api
from engine.web.auth import Session
from engine.web.errors import WebError
from engine.web.state import AppState
from engine.web.db import Batch
from engine.web.uploads import Upload, UploadError, store_uploads
from engine.web.settings import REFUSED
from engine.web.results_index import Filters, Page, ResultsIndex, StaleIndex, build_index, results_index
from engine.web.views import ReportView

T = TypeVar("T")
API_PER_PAGE = 100          # the API's reports per page by default …
API_MAX_PER_PAGE = 1000     # … and at most


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


def results(state: AppState, batch_id: str) -> ResultsIndex | None:
    """The batch's results index (built on first use after each run); None while it has no results."""
    return results_index(state.settings.batches / batch_id)


def reading(state: AppState, batch_id: str, read: Callable[[ResultsIndex], T]) -> T | None:
    """read(the batch's results index); once more on a fresh index when a re-run replaced the results
    between the index's check and the read (None while the batch has no results)."""
    for attempt in range(2):
        index = results(state, batch_id)
        if index is None:
            return None
        try:
            return read(index)
        except StaleIndex:
            build_index(state.settings.batches / batch_id)
    raise WebError(503, "本批次的审核结果正在更新，请稍后刷新页面。")


def report_or_404(state: AppState, batch_id: str, report_id: str) -> ReportView:
    view = reading(state, batch_id, lambda index: index.report(report_id))
    if view is None:
        raise WebError(404, f"本批次中没有编号为 {report_id} 的报告。")
    return view


def batch_json(state: AppState, batch: Batch, page: int = 1, per_page: int = API_PER_PAGE) -> dict[str, Any]:
    """The batch, its progress and one page of its reports (in the results' order) with their findings."""
    def listing(index: ResultsIndex) -> tuple[Page, list[ReportView]]:
        found = index.page(Filters(), page, per_page, order="pos")
        return found, index.reports(found.rows)

    found, reports = reading(state, batch.id, listing) or (None, [])
    return {
        "id": batch.id, "title": batch.title, "status": batch.status, "status_label": batch.status_label,
        "progress": {"phase": batch.phase, "done": batch.done, "total": batch.total},
        "message": batch.message, "created_by": batch.created_by, "created_at": batch.created_at,
        "reports": [r.to_api() for r in reports],
        "page": found.number if found else 1, "per_page": per_page, "pages": found.pages if found else 1,
        "total_reports": found.total if found else 0,
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
    """The given batch, or else the latest, whose results have the finding: one indexed look-up in
    each batch's results index, newest first (none of the results is read)."""
    candidates = [batch_or_404(state, batch_id)] if batch_id else state.db.batches()
    for batch in candidates:
        # the previous results stay in place while a re-audit runs: a second decision may come meanwhile
        if reading(state, batch.id, lambda index: index.has_finding(finding_id)):
            return batch
    return None


def letters_zip(state: AppState, batch_id: str) -> Path:
    """All the batch's letters in one zip, written to a temporary file in the batch's folder (the
    caller sends it and removes it): a province's letters are GBs, never held in memory."""
    out = out_dir(state, batch_id)
    _remove_stale_zips(out.parent)
    fd, name = tempfile.mkstemp(prefix=".letters-", suffix=".zip", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as fh, zipfile.ZipFile(fh, "w", zipfile.ZIP_DEFLATED) as archive:
            for path in sorted((out / "letters").rglob("*")):
                if path.is_file():
                    archive.write(path, path.relative_to(out).as_posix())
    except BaseException:
        os.unlink(name)
        raise
    return Path(name)


def _remove_stale_zips(folder: Path) -> None:
    """Archives left by a download the server could not finish removing (the client went away
    mid-transfer, the server stopped): an hour old is long past any download."""
    for path in folder.glob(".letters-*.zip"):
        try:
            if time.time() - path.stat().st_mtime > 3600:
                path.unlink()
        except FileNotFoundError:
            pass


def output_file(state: AppState, batch_id: str, relative: str) -> Path:
    """A file of the batch's results; never anything outside that folder."""
    out = out_dir(state, batch_id).resolve()
    path = (out / relative).resolve()
    if not path.is_relative_to(out) or not path.is_file():
        raise WebError(404, "文件不存在。")
    return path
