"""OUT/letters/<folder>/<agency>-<year>.html: one 审核意见书 per audited report, ready to send.

    letter_env() -> jinja2.Environment                  autoescape on: report text is always escaped
    assign_letter_names([(agency, year), ...]) -> [file name, ...]   safe and unique, in the given order
    assign_letter_paths([(agency, year), ...]) -> ["letters/<folder>/<name>.html", ...]   (AuditRecord.letter)
    letter_folders([agency, ...]) -> [folder, ...]       the sub-folder of each agency's letter
    render_letter(record, office, run_date, env) -> str    record: an AuditRecord
    HtmlLetters                                          the Output (engine/render/output.py) that writes them
"""
from __future__ import annotations

import datetime as dt
import os
import re
import unicodedata
from array import array
from pathlib import Path
from typing import Any, Iterable, Iterator, Sequence

import jinja2

from engine.dates import NO_YEAR
from engine.model import AuditRecord
from engine.render.labels import SEVERITY_LABELS, TABLE_LABELS, part_label
from engine.render.letter_content import build_letter, cn_date, format_number, run_basis, shared_letter
from engine.render.letter_content import shown_value as shown_value   # the dashboard's filter too
from engine.render.office import Office
from engine.render import posix_names
from engine.render.output import OutputContext, ReportOutput
from engine.render.template_cache import bytecode_cache
from engine.render.template_codegen import LetterCodeGenerator, escape_str
from engine.template import describe_address


# Characters Windows, macOS or Linux forbid in file names, plus controls and white space.
_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f\s#%&{}$!`\'=+@;^~\[\],]+')
_UNSAFE_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zs", "Zl", "Zp", "Mn", "Me"}
_MAX_STEM = 60
_MAX_STEM_BYTES = 120       # + "-年度不详-NNN.html" stays far below 255 bytes
_FOLDER_CHARS = 2           # letters/<first characters of the agency's name>/ (see letter_folders)
_FOLDER_MAX = 1000          # letters in one folder before it is split by one more character
_WINDOWS_DEVICES = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)),
                    *(f"LPT{i}" for i in range(1, 10))}


class LetterEnvironment(jinja2.Environment):
    """jinja2.Environment whose templates keep their globals in one dict each instead of a ChainMap
    over the environment's: every render makes a context from the template's globals (a letter
    makes two, its own and the style sheet's it includes), and Jinja copies a ChainMap key by key
    in Python (collections.ChainMap.__iter__ and __getitem__) — the letter's largest fixed cost
    after its text. The same names and values, a template's own overlaying the environment's; the
    letters' environment sets its globals once, before loading any template (as Jinja asks: "avoid
    modifying any globals after a template is loaded"), so nothing is lost by copying them.
    Its templates compile to template_codegen's code (the same page with less work per render)."""

    code_generator_class = LetterCodeGenerator
    escape_str = escape_str          # what that code escapes a str with (markupsafe's C escape)

    def make_globals(self, d: dict[str, Any] | None) -> dict[str, Any]:     # type: ignore[override]
        return {**self.globals, **d} if d else dict(self.globals)


def letter_env() -> jinja2.Environment:
    env = LetterEnvironment(
        loader=jinja2.PackageLoader("engine.render", "templates"),
        autoescape=True,                  # every template, whatever its extension
        undefined=jinja2.StrictUndefined,
        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True,
    )
    env.filters["cn_date"] = cn_date
    env.filters["cell"] = describe_address
    env.filters["part"] = part_label
    env.filters["table"] = lambda t: TABLE_LABELS.get(t, t or "")
    env.filters["severity"] = lambda s: SEVERITY_LABELS.get(s, s)
    env.filters["num"] = format_number
    env.filters["shown_value"] = shown_value
    env.bytecode_cache = bytecode_cache(env)     # compiled once, kept between runs (template_cache.py)
    return env


def safe_stem(agency: str | None, year: int | None) -> str:
    """A letter's file name stem from a safe subset of the agency's name: no control, format (bidi
    overrides such as U+202E), private-use, unassigned or white-space characters, none of the
    characters reserved by file systems, URLs or shells (# % ? & … break the dashboard's links),
    at most _MAX_STEM_BYTES bytes of UTF-8 (file names are limited to 255 bytes), never a
    Windows device name. findings.json's `letters` table maps each letter file to its agency."""
    return _stem(_safe_name(agency), year)


def _safe_name(agency: str | None) -> str:
    text = _UNSAFE.sub("", unicodedata.normalize("NFC", agency or ""))
    name = "".join(c for c in text if unicodedata.category(c) not in _UNSAFE_CATEGORIES)
    name = _bytes_prefix(name[:_MAX_STEM], _MAX_STEM_BYTES).strip(".-_ ") or "未识别单位"
    return _not_a_device(name)


def _not_a_device(name: str) -> str:
    return f"_{name}" if name.split(".")[0].upper() in _WINDOWS_DEVICES else name


def _bytes_prefix(text: str, limit: int) -> str:
    """The longest prefix of `text` whose UTF-8 form has at most `limit` bytes (whole characters)."""
    return text.encode("utf-8")[:limit].decode("utf-8", "ignore")


def assign_letter_names(items: list[tuple[str | None, int | None]]) -> list[str]:
    """File names for the letters, in the order given (the batch passes source-path order): the
    first of a name keeps it, later ones get -2, -3 … (compared case-insensitively)."""
    names = _safe_names(agency for agency, _ in items)
    return _unique_names([_stem(name, year) for name, (_, year) in zip(names, items)])


def _stem(name: str, year: int | None) -> str:
    return f"{name}-{year if year is not None else '年度不详'}"


def _safe_names(agencies: Iterable[str | None]) -> list[str]:
    """_safe_name of each agency, each distinct name made safe once (a body's reports of several
    years, duplicates: at 160,000 letters this is the costly part of naming them)."""
    done: dict[str | None, str] = {}
    out = []
    for agency in agencies:
        name = done.get(agency)
        if name is None:
            name = done[agency] = _safe_name(agency)
        out.append(name)
    return out


def _unique_names(stems: Iterable[str]) -> list[str]:
    used: set[str] = set()
    last: dict[str, int] = {}          # stem (lower-cased) -> the last number given to it
    return [_unique_name(stem, used, last) for stem in stems]


def _unique_name(stem: str, used: set[str], last: dict[str, int]) -> str:
    """The file name of the letter whose stem is `stem`: the stem itself the first time, then
    with -2, -3 … (`used`: the names given so far, lower-cased; `last`: the last number of each
    stem numbered so far)."""
    key = stem.lower()
    candidate, n = stem, last.get(key, 1)
    if n > 1 or key in used:       # a later letter of a name: continue from its last number
        while True:
            n += 1
            candidate = f"{stem}-{n}"
            if candidate.lower() not in used:
                break
        last[key] = n
    used.add(candidate.lower())
    return f"{candidate}.html"


def letter_folders(agencies: list[str | None]) -> list[str]:
    """The sub-folder of letters/ each agency's letter goes to: the first _FOLDER_CHARS characters
    of its safe name, lower-cased; a folder that would hold more than _FOLDER_MAX letters is split
    by one more character, and so on (重庆 → 重庆市 → 重庆市渝, 重庆市江 …), until it is small enough or
    its letters share the whole name. Agency names begin with their place (北京市…, 重庆市…, 甲镇…),
    so this groups letters roughly by region with no table of regions, and no folder holds more than
    _FOLDER_MAX letters however the names are spread (one folder of 160,000 files is unusable in
    Explorer, a zip tool or a network share). Deterministic: a folder depends on the batch's set of
    names, never on their order. Lower-cased so that two folders never differ only in case (they
    would merge on Windows and macOS); without dots, dashes or spaces at the ends (a leading dot
    hides a folder, a leading dash reads as an option in a shell, Windows drops a trailing dot);
    never a Windows device name."""
    return _folders([name.lower() for name in _safe_names(agencies)])


def _folders(keys: Sequence[str]) -> list[str]:
    """letter_folders' folders of the lower-cased safe names `keys` (read by index, maybe more than
    once each)."""
    folders = [""] * len(keys)
    pending = [(range(len(keys)), _FOLDER_CHARS)]
    while pending:
        members, depth = pending.pop()
        groups: dict[str, array] = {}       # the positions of each prefix's names, 4 bytes each
        for i in members:
            group = groups.get(keys[i][:depth])
            if group is None:
                group = groups[keys[i][:depth]] = array("i")
            group.append(i)
        for prefix, group in groups.items():
            if len(group) > _FOLDER_MAX and any(len(keys[i]) > depth for i in group):
                pending.append((group, depth + 1))
            else:
                name = _not_a_device(prefix.strip(".- ") or "_")
                for i in group:
                    folders[i] = name
    return folders


def assign_letter_paths(items: Iterable[tuple[str | None, int | None]]) -> list[str]:
    """Each letter's path relative to OUT, "letters/<folder>/<name>.html", in the order given: what
    AuditRecord.letter holds and everything links through (the DOCX letter is the same path with
    .docx). Names are unique over the whole run, not only within their folder."""
    return list(letter_paths(items))


def letter_paths(items: Iterable[tuple[str | None, int | None]]) -> Iterator[str]:
    """assign_letter_paths, each path made as it is asked for: the batch's run names every audited
    report at once (engine/run/audit.py), so what is kept per report while naming is its safe name
    packed as UTF-8 (one a distinct agency), the year in an array, the folder (one string a folder)
    and the lower-cased names given so far — not a list of every name, stem, file name and path."""
    names = _PackedNames()
    years = array("q")
    done: dict[str | None, int] = {}       # as _safe_names: each distinct name made safe once
    for agency, year in items:
        at = done.get(agency)
        if at is None:
            at = done[agency] = names.add(_safe_name(agency))
        names.refer(at)
        years.append(NO_YEAR if year is None else year)
    del done
    folders = _folders(_LowerNames(names))
    used: set[str] = set()
    last: dict[str, int] = {}
    for i in range(len(years)):
        year = years[i]
        file = _unique_name(_stem(names[i], None if year == NO_YEAR else year), used, last)
        yield f"{HtmlLetters.folder}/{folders[i]}/{file}"


class _PackedNames:
    """letter_paths' safe names: each distinct one once as UTF-8 in a bytearray, and per report the
    number of its name (a str is ~50 bytes more than its text, and most names are distinct)."""

    def __init__(self) -> None:
        self._data = bytearray()
        self._ends = array("q")
        self._of = array("q")               # per report: the number of its name

    def add(self, name: str) -> int:
        self._data += name.encode("utf-8")
        self._ends.append(len(self._data))
        return len(self._ends) - 1

    def refer(self, at: int) -> None:
        self._of.append(at)

    def __len__(self) -> int:
        return len(self._of)

    def __getitem__(self, i: int) -> str:
        at = self._of[i]
        return self._data[self._ends[at - 1] if at else 0:self._ends[at]].decode("utf-8")


class _LowerNames:
    """The names lower-cased as _folders reads them, one at a time (no list of them all)."""

    def __init__(self, names: _PackedNames):
        self._names = names

    def __len__(self) -> int:
        return len(self._names)

    def __getitem__(self, i: int) -> str:
        return self._names[i].lower()


def render_letter(record: AuditRecord | dict[str, Any], office: Office, run_date: dt.date,
                  env: jinja2.Environment) -> str:
    """The HTML form of the letter; what it says comes from letter_content.build_letter (shared
    with the DOCX form)."""
    return env.get_template("letter.html.j2").render(L=build_letter(record, office, run_date))


class HtmlLetters(ReportOutput):
    """OUT/letters/<folder>/<name>.html for every audited report, at the record's `letter` path."""

    folder = "letters"

    def __init__(self, ctx: OutputContext):
        super().__init__(ctx)
        self.env = letter_env()
        # A run's letters all come from the templates as they were when it started: without
        # auto_reload, get_template (and the {% include %} of the style sheet in every letter)
        # does not stat the template file each time to see whether it changed.
        self.env.auto_reload = False
        self.template = self.env.get_template("letter.html.j2")
        self.basis = run_basis()          # likewise the format documents the letters cite

    def write(self, record: AuditRecord) -> None:
        html = self.template.render(L=shared_letter(record, self.ctx.office, self.ctx.run_date, "html", self.basis))
        write_letter(letter_target(self.ctx.out_dir, record.letter), html.encode("utf-8"))


def letter_file(out_dir: str | Path, letter: str | None, suffix: str = ".html") -> Path:
    """Where the record's letter is written under OUT (`suffix` ".docx" for the Word form). The path
    comes from assign_letter_paths; a path that is not letters/<folder>/<name> (a record made by
    hand, a findings.json edited by someone) is refused rather than written elsewhere in OUT."""
    return Path(letter_target(out_dir, letter, suffix))


_NOT_A_NAME = ("", ".", "..")


def letter_target(out_dir: str | Path, letter: str | None, suffix: str = ".html") -> str:
    """letter_file as a string: for a path as assign_letter_paths writes it (three plain names
    joined by "/"), by string operations with pathlib's with_suffix rule; anything else goes
    through pathlib's parsing and the check below (pathlib parsed every letter's path twice)."""
    parts = letter.split("/") if isinstance(letter, str) else ()
    if len(parts) == 3 and parts[0] == HtmlLetters.folder and parts[1] not in _NOT_A_NAME \
            and parts[2] not in _NOT_A_NAME and os.sep == "/":
        base = os.fspath(out_dir)
        if base.__class__ is str:
            # os.path.join(base, *parts) for names that neither are empty nor begin with "/"
            sep = "/" if base and not base.endswith("/") else ""
            return f"{base}{sep}{parts[0]}/{parts[1]}/{posix_names.file_stem(parts[2])}{suffix}"
        return os.path.join(base, parts[0], parts[1], posix_names.file_stem(parts[2]) + suffix)
    return str(_checked_letter_file(out_dir, letter, suffix))


def _checked_letter_file(out_dir: str | Path, letter: str | None, suffix: str) -> Path:
    parts = Path(letter or "").parts
    if len(parts) != 3 or parts[0] != HtmlLetters.folder or any(p in _NOT_A_NAME for p in parts):
        raise ValueError(f"审核意见书路径不合规：{letter!r}（应为 letters/<子文件夹>/<文件名>.html）")
    return Path(out_dir, *parts).with_suffix(suffix)


_WRITE_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def write_letter(path: str, data: bytes | list[bytes]) -> None:
    """`data` to `path`, created or replaced as open(path, "wb") does (mode 0o666 less the umask),
    without the file object open() builds around the descriptor; the letter's folder is made when
    the first letter of it is written (not asked for every letter). `data`: the bytes, or a list of
    pieces written with one writev (a DOCX letter's ~50 KB never joined into one bytes object)."""
    try:
        fd = os.open(path, _WRITE_FLAGS, 0o666)
    except FileNotFoundError:
        try:
            os.mkdir(os.path.dirname(path))
        except FileExistsError:      # made meanwhile by the other worker
            pass
        fd = os.open(path, _WRITE_FLAGS, 0o666)
    try:
        if data.__class__ is list:
            data = _write_pieces(fd, data)
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)


def _write_pieces(fd: int, pieces: list[bytes]) -> bytes:
    """Writes `pieces` with one writev; returns what is left to write (nothing, but after a short
    write, or where there is no writev)."""
    if _WRITEV is None or len(pieces) > _IOV_MAX:
        return b"".join(pieces)
    done = _WRITEV(fd, pieces)
    return b"".join(pieces)[done:] if done < sum(map(len, pieces)) else b""


def _iov_max() -> int:
    """The most pieces one writev takes (1024 on Linux; POSIX allows no fewer than 16)."""
    try:
        value = os.sysconf("SC_IOV_MAX")
    except (AttributeError, ValueError, OSError):
        return 16
    return value if value >= 16 else 16


_WRITEV = getattr(os, "writev", None)
_IOV_MAX = _iov_max()

