"""The one error type of the web app: a Chinese message and an HTTP status."""
from __future__ import annotations


class WebError(Exception):
    """Pages show it on an error page (401: back to the login page), the API returns {"error": message}."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message
