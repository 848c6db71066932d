"""Lazy package exports (PEP 562): a package names what it exports and from which submodule, and
the submodule is imported on first use — so `xxgk-audit parse` does not load the run or the ledger."""
from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_exports(package: str, exports: dict[str, str], namespace: dict[str, Any]) -> Callable[[str], Any]:
    """The module-level __getattr__ of `package`: loads exports[name] once, then caches it in the
    package's namespace so later lookups never come back here."""
    def __getattr__(name: str) -> Any:
        module = exports.get(name)
        if module is None:           # a submodule not yet imported, or a wrong name
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(importlib.import_module(module), name)     # the lazy load itself
        namespace[name] = value
        return value
    return __getattr__
