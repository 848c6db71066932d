"""Review decisions: what a person said about a finding, and what that means for the next audit.

    confirmed  the finding stands; for an item 待人工核对 it becomes a finding of the letter
    dismissed  a false alarm or a waiver: kept in findings.json with the decision, not scored, not
               in the letter; with `until` it is a waiver that expires (the day after `until` the
               finding counts again, and says so)
An undo withdraws the latest decision on a finding; the one before it (if any) applies again.
"""
from __future__ import annotations

import datetime as dt
import getpass
import os
from dataclasses import dataclass
from typing import Any

STATUSES = ("confirmed", "dismissed")
STATUS_LABELS = {"confirmed": "已确认", "dismissed": "已排除", "expired": "豁免已过期", None: "待审核"}


def current_user() -> str:
    """Who decides when --by is not given: the OS user (as the audit trail's default)."""
    try:
        return getpass.getuser()
    except Exception:      # no passwd entry (containers): fall back to the environment
        return os.environ.get("USER") or os.environ.get("USERNAME") or "unknown"


def now_iso() -> str:
    return dt.datetime.now(dt.timezone.utc).replace(microsecond=0).isoformat()


@dataclass(frozen=True)
class Decision:
    finding_id: str
    status: str                     # confirmed | dismissed
    by: str
    at: str                         # ISO timestamp (UTC)
    reason: str | None = None
    note: str | None = None
    until: str | None = None        # ISO date: a dismissal that is a waiver ends after this day

    def expired(self, today: dt.date) -> bool:
        return self.status == "dismissed" and self.until is not None and dt.date.fromisoformat(self.until) < today

    def counts(self, today: dt.date) -> bool:
        """Whether the finding is scored and in the letter (for charge agency findings)."""
        return self.status != "dismissed" or self.expired(today)

    def to_json(self, today: dt.date) -> dict[str, Any]:
        data: dict[str, Any] = {"status": self.status, "reason": self.reason, "note": self.note,
                                "until": self.until, "by": self.by, "at": self.at}
        if self.status == "dismissed":
            expired = self.expired(today)
            data["expired"] = expired
            if expired:
                data["message"] = f"豁免已于 {self.until} 到期，本项重新计入"
        return data

    def label(self, today: dt.date) -> str:
        return STATUS_LABELS["expired" if self.expired(today) else self.status]
