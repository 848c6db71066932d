"""Who is logged in, what they may do, and whether a state-changing request carries the session's
CSRF token. Sessions are server-side rows (only the SHA-256 of the cookie is stored); the cookie is
HttpOnly and SameSite=Strict; every form and every API write also needs the CSRF token.
"""
from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request, Response

from engine.web import security
from engine.web.db import User
from engine.web.errors import WebError
from engine.web.state import state_of

SESSION_COOKIE = "xxgk_session"


@dataclass
class Session:
    user: User
    csrf: str


def current_session(request: Request) -> Session | None:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return None
    found = state_of(request).db.session(security.token_digest(token))
    return Session(*found) if found else None


def require_session(request: Request) -> Session:
    session = current_session(request)
    if session is None:
        raise WebError(401, "请先登录。")
    return session


def check_csrf(session: Session, supplied: str | None) -> None:
    if not security.tokens_equal(session.csrf, supplied):
        raise WebError(403, "请求缺少有效的安全令牌（CSRF），已拒绝。请刷新页面后重试。")


def require_decider(session: Session) -> None:
    if not session.user.may_decide:
        raise WebError(403, "当前账号为“查看”角色，不能进行审核操作。")


def require_admin(session: Session) -> None:
    if not session.user.is_admin:
        raise WebError(403, "只有管理员可以管理账号。")


def login(request: Request, response: Response, username: str, password: str) -> Session:
    """Checks the password (rate-limited per user name and per address) and opens a session."""
    state = state_of(request)
    user_key, address = f"user:{username}", request.client.host if request.client else "-"
    wait = max(state.limiter.retry_after(user_key), state.address_limiter.retry_after(address))
    if wait:
        raise WebError(429, f"登录失败次数过多，请 {max(1, -(-wait // 60))} 分钟后再试。")
    found = state.db.user_password(username)
    if found is None or not security.verify_password(password, found[1]):
        state.limiter.failed(user_key)
        state.address_limiter.failed(address)
        raise WebError(401, "用户名或密码错误。")
    state.limiter.succeeded(user_key)
    token, csrf = security.new_token(), security.new_token()
    state.db.open_session(security.token_digest(token), found[0], csrf, state.settings.session_hours)
    response.set_cookie(SESSION_COOKIE, token, httponly=True, samesite="strict", path="/",
                        secure=state.settings.secure_cookies,
                        max_age=int(state.settings.session_hours * 3600))
    return Session(found[0], csrf)


def logout(request: Request, response: Response) -> None:
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        state_of(request).db.close_session(security.token_digest(token))
    response.delete_cookie(SESSION_COOKIE, path="/")
