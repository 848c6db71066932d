"""Bounds on the YAML files the tool reads (rule files, scoring.yaml, office.yaml, deadlines.yaml).

A YAML file is configuration an office edits, but it may come from anywhere: billion-laughs aliases
(nine levels of ten aliases expand to 10^9 nodes), nesting thousands of levels deep (a recursive
composer's RecursionError) or a 50 MB file (gigabytes of nodes) must end in a clear Chinese error,
not minutes, gigabytes and a traceback. `read_yaml_text(path)` reads a file of at most
MAX_YAML_BYTES and checks it with `check_yaml_text` before any loader builds anything: one pass
over libyaml's parse events (no node is constructed, aliases are not expanded) counting the
nesting depth, the aliases and the number of nodes the document would have with every alias
expanded. Syntax errors are left to the loaders (their messages name the line).

YamlLimitError is a yaml.YAMLError whose `problem` is the Chinese reason and `problem_mark` the
line, so the loaders' existing `except yaml.YAMLError` turn it into their own configuration error.
"""
from __future__ import annotations

import os
import stat
from pathlib import Path
from typing import Any

import yaml

MAX_YAML_BYTES = 5 * 1024 * 1024     # the shipped rule files are ~20 KB
MAX_DEPTH = 64                       # the shipped files nest < 10 levels
MAX_ALIASES = 10_000
MAX_NODES = 1_000_000                # nodes of the document with every alias expanded


class _Mark:
    def __init__(self, line: int):
        self.line, self.column = line, 0


class YamlLimitError(yaml.YAMLError):
    def __init__(self, problem: str, line: int = 0):
        super().__init__(problem)
        self.problem = problem
        self.problem_mark = _Mark(line)      # 0-based, as yaml marks are
        self.line = line + 1                 # 1-based, for messages

    def __str__(self) -> str:
        return self.problem


def read_yaml_text(path: str | Path, check: bool = True) -> str:
    """The text of a YAML file, checked (YamlLimitError; `check=False`: only its size, for a caller
    that checks the text itself when it has not read it before). OSError and UnicodeDecodeError pass
    through for the callers' own messages."""
    path = Path(path)
    with open(path, "rb") as fh:
        st = os.fstat(fh.fileno())
        if not stat.S_ISREG(st.st_mode):
            raise YamlLimitError(f"{path} 不是普通文件")
        data = fh.read(MAX_YAML_BYTES + 1)
    if len(data) > MAX_YAML_BYTES:
        raise YamlLimitError(f"文件超过 {MAX_YAML_BYTES // 1048576} MB 上限，不是可读的配置文件")
    text = data.decode("utf-8")
    if check:
        check_yaml_text(text)
    return text


def safe_load(text: str, loader: type = yaml.SafeLoader, fast: type | None = None) -> Any:
    """yaml.load(text, Loader=loader) (yaml.safe_load by default), the document parsed by libyaml
    when it takes it (`fast`: `loader`'s constructor and resolver on libyaml's parser, CSafeLoader for
    SafeLoader; the same values, ~5× faster than the pure parser); a document libyaml refuses is
    parsed by the pure parser, so an error is the loader's own, with its message and line."""
    if fast is None and loader is yaml.SafeLoader:
        fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            return yaml.load(text, Loader=fast)
        except yaml.YAMLError:
            pass
    return yaml.load(text, Loader=loader)


def check_yaml_text(text: str) -> None:
    """Raise YamlLimitError if the document is too big, too deep, or expands too far."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise YamlLimitError(f"文件超过 {MAX_YAML_BYTES // 1048576} MB 上限，不是可读的配置文件")
    fast = getattr(yaml, "CSafeLoader", None)
    if fast is not None:
        try:
            _scan(fast(text))
            return
        except YamlLimitError:
            raise
        except yaml.YAMLError:
            pass        # libyaml refuses (e.g. flow nesting over 1000): look again with the pure parser
    try:
        _scan(yaml.SafeLoader(text))      # iterative: deep nesting is counted, not recursed into
    except YamlLimitError:
        raise
    except yaml.YAMLError:
        return                      # a syntax error: the loader reports it with its own message


def _scan(loader) -> None:
    stack: list[list] = []          # [expanded node count, anchor] of each open collection
    weights: dict[str, int] = {}    # anchor -> expanded node count of the anchored node
    total = 0
    aliases = 0

    def add(weight: int, line: int) -> None:
        nonlocal total
        if stack:
            stack[-1][0] += weight
            count = stack[-1][0]
        else:
            total += weight
            count = total
        if count > MAX_NODES:
            raise YamlLimitError(f"别名（*引用）展开后超过 {MAX_NODES} 个节点（疑似“十亿笑声”攻击），拒绝读取",
                                 line)

    try:
        while loader.check_event():
            ev = loader.get_event()
            line = ev.start_mark.line if ev.start_mark is not None else 0
            if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
                stack.append([1, ev.anchor])
                if len(stack) > MAX_DEPTH:
                    raise YamlLimitError(f"嵌套超过 {MAX_DEPTH} 层，拒绝读取", line)
            elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
                weight, anchor = stack.pop()
                if anchor:
                    weights[anchor] = weight
                add(weight, line)
            elif isinstance(ev, yaml.ScalarEvent):
                if ev.anchor:
                    weights[ev.anchor] = 1
                add(1, line)
            elif isinstance(ev, yaml.AliasEvent):
                aliases += 1
                if aliases > MAX_ALIASES:
                    raise YamlLimitError(f"别名（*引用）超过 {MAX_ALIASES} 个，拒绝读取", line)
                add(weights.get(ev.anchor, 1), line)
    finally:
        loader.dispose()
