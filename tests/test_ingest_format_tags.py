"""format_of finds an HTML file's tags in its first 2 KB in any case, as the head lowered and
searched would (the rule it replaced, kept here as the reference)."""
from __future__ import annotations

import random

from engine.ingest import format_of


def _by_lowered_head(head: bytes) -> bool:
    low = head[:2048].lower()
    return b"<html" in low or b"<!doctype html" in low or (b"<table" in low and b"<td" in low)


def test_html_tags_found_as_in_the_lowered_head():
    rng = random.Random(3)
    pieces = [b"<html", b"<HTML", b"<!DOCTYPE html", b"<!doctype HTML", b"<Table", b"<TD", b"<td", b"<http://x>",
              b"abc", "报告".encode(), b"<", b"<ta", b"ble", b"\n"]
    for _ in range(3000):
        parts = [rng.choice(pieces) for _ in range(rng.randint(0, 8))]
        pad = b"x" * rng.choice([0, 10, 2030, 2040, 2045, 3000])
        for head in (b"".join(parts), pad + b"".join(parts), b"".join(parts[:2]) + pad + b"".join(parts[2:])):
            assert (format_of(".txt", head) == "html") is _by_lowered_head(head), head


def test_a_markdown_link_is_no_tag():
    head = "# 报告\n见 <http://www.example.gov.cn/>\n| 表 | 1 |\n".encode()
    assert format_of(".md", head) == "md"
    assert format_of(".md", head + b"<TABLE><Td>") == "html"
