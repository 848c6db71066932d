"""The compiled rule catalog kept between runs, keyed on everything it is made from.

    cached_catalog(load_catalog, rules_dir) -> Catalog

Loading the rules (YAML, schema validation, compiling each rule's blocks) is a serial step of every
run before any input is read: ~0.1 s of CPU, a tenth of a 1,000-report run at 500 reports/s. The
catalog a successful load gives is stored as a pickle in the user's cache folder
($XDG_CACHE_HOME/xxgk-audit, else ~/.cache/xxgk-audit: per user, outside the OUT folder so that no
audit output changes) under a key that is a sha256 over
  - the rules folder's digest (engine.rules.catalog_digest: every YAML file under it, by name and
    bytes), the folder as given (the catalog names its files), the default signals file (the
    fallback of a rules folder without one);
  - every file of the engine package and of the JSON schemas (the compiler's code and the rule
    schema: path, size and modification time), the Python version and the YAML and jsonschema
    libraries' installed files (path, size, time).
Any change to any of them is another key: the stored catalog is never used for rules or code it
was not made from. Only a successful load is stored, so a broken rule always gets its full
RuleLoadError. A cache folder that cannot be read or written only means loading the rules afresh.
XXGK_AUDIT_NO_CACHE=1 turns it off.
"""
from __future__ import annotations

import hashlib
import importlib.util
import os
import pickle
import sys
from pathlib import Path
from typing import Any, Callable

from engine import SCHEMAS_DIR
from engine.paths import user_cache_folder

ENGINE_DIR = Path(__file__).resolve().parent.parent
# stored catalogs kept at most (the newest by use): one per rules folder and code version in use.
# ~70 KB each. Several checkouts of the engine run by one user (a team's worktrees, a release beside
# a development tree) each need their own: with 8, fifteen checkouts pushed each other's out and
# every run loaded its rules afresh (~0.1 s of CPU, the YAML parse, at the start of each run)
KEEP = 32
# bump when the stored form changes
FORMAT = b"catalog-cache 1"


_code_digest: bytes | None = None


def code_digest() -> bytes:
    """sha256 over the engine package's and the schemas' files (path, size and modification time in
    nanoseconds, as Python's own bytecode cache tells a changed source: reading every file's bytes
    was ~15 ms of each run's start), once per process."""
    global _code_digest
    if _code_digest is None:
        h = hashlib.sha256(FORMAT)
        h.update(f"{sys.version}\0".encode())
        # the libraries' package files, found without importing them (ruamel.yaml is imported only for
        # a rules file that is not plain YAML: engine/yamlfile.py); an upgrade rewrites them
        for name in ("ruamel.yaml", "jsonschema"):
            origin = _package_file(name)
            stat = os.stat(origin)
            h.update(f"{origin}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
        for root in (ENGINE_DIR, Path(SCHEMAS_DIR)):
            _tree_stamps(str(root), "", h)
        _code_digest = h.digest()
    return _code_digest


def _package_file(name: str) -> str:
    """The file of an installed package (its __init__.py: the module's __file__ once imported)."""
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise ImportError(name)
    return spec.origin


def _tree_stamps(folder: str, rel: str, h: Any) -> None:
    """Every file under `folder` (but __pycache__ and bytecode) into h: its path relative to the
    walk's root, size and modification time, in os.walk's order with sorted names (a file's
    stat from its directory entry: one system call a file, no path arithmetic)."""
    with os.scandir(folder) as it:
        entries = sorted(it, key=lambda e: e.name)
    subfolders = []
    for entry in entries:
        if entry.is_dir():
            if entry.name != "__pycache__":
                subfolders.append(entry)
            continue
        if entry.name.endswith((".pyc", ".pyo")):
            continue
        stat = entry.stat()
        h.update(f"{rel}{entry.name}\0{stat.st_size}\0{stat.st_mtime_ns}\0".encode())
    for entry in subfolders:
        _tree_stamps(entry.path, f"{rel}{entry.name}{os.sep}", h)


def catalog_key(rules_dir: Path) -> str:
    # lazy: the rules and facts packages are heavy, loaded only when a run loads its rules
    from engine.facts.signals import DEFAULT_SIGNALS_FILE
    from engine.rules import catalog_digest
    digest, files = catalog_digest(rules_dir)
    h = hashlib.sha256(code_digest())
    h.update(f"\0{rules_dir}\0{digest}\0{files}\0".encode())
    try:
        h.update(Path(DEFAULT_SIGNALS_FILE).read_bytes())
    except OSError:
        h.update(b"\0no default signals")
    return h.hexdigest()


def cached_catalog(load: Callable[[Path], Any], rules_dir: Path) -> Any:
    """`load(rules_dir)`'s catalog, from the cache when one made from the same rules and code is
    stored, else loaded (its errors raised as they are) and stored."""
    folder = user_cache_folder()
    if folder is None or not Path(rules_dir).is_dir():
        return load(rules_dir)
    try:
        key = catalog_key(Path(rules_dir))
    except OSError:
        return load(rules_dir)
    path = folder / f"catalog-{key}.pickle"
    try:
        with open(path, "rb") as f:
            catalog = pickle.load(f)
        os.utime(path)                       # recently used: kept by _prune
        return catalog
    except (OSError, EOFError, pickle.UnpicklingError, AttributeError, ImportError, TypeError, ValueError):
        pass
    catalog = load(rules_dir)
    _store(folder, path, catalog)
    return catalog


def _store(folder: Path, path: Path, catalog: Any) -> None:
    """Written whole (a temporary file renamed into place) or not at all."""
    try:
        data = pickle.dumps(catalog, protocol=pickle.HIGHEST_PROTOCOL)
    except (pickle.PicklingError, TypeError, AttributeError):
        return
    tmp = folder / f".{path.name}.{os.getpid()}.tmp"
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with open(tmp, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
        _prune(folder)
    except OSError:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            pass


def _prune(folder: Path) -> None:
    """Only the KEEP most recently used stored catalogs stay."""
    entries = []
    for p in folder.glob("catalog-*.pickle"):
        try:
            entries.append((p.stat().st_mtime_ns, p))
        except OSError:
            continue
    for _mtime, p in sorted(entries, reverse=True)[KEEP:]:
        try:
            p.unlink()
        except OSError:
            pass
