"""What every request handler reaches through request.app.state.xxgk."""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from fastapi.templating import Jinja2Templates

from engine.web.db import WebDB
from engine.web.runner import BatchRunner
from engine.web.security import LoginLimiter
from engine.web.settings import WebSettings


@dataclass
class AppState:
    settings: WebSettings
    db: WebDB
    runner: BatchRunner
    limiter: LoginLimiter             # failed logins per user name
    address_limiter: LoginLimiter     # … and per client address (looser: an office shares one NAT address)
    templates: Jinja2Templates
    initial_password: str | None = None      # generated admin password, shown once by `serve`


def state_of(request: Request) -> AppState:
    return request.app.state.xxgk
