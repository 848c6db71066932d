"""Named text signals: "part 六 states the information-processing fee", "part 五 reviews last year's
problems" … declared in YAML (rules/signals.yaml) as phrase/pattern sets over parts.

    signal_set = load_signals()                      # rules/signals.yaml; SignalLoadError with file:line
    values = signal_set.evaluate(report)             # {signal id: SignalValue}

A signal is a list of groups (a simple signal has one implicit group); each group is a set of
literal `phrases` and Python-`re` `patterns`. A group is hit when one of them matches the narrative
of one of the signal's parts (book titles 《…》 masked, table rows skipped, see text_source.py).
`require: all` (the default) makes the signal present only when every group is hit; `require: any`
when at least one is. The signal's `missing` lists the groups without a hit (for the message).

Negation: every hit carries a polarity. It is "negative" when a negation cue (the file's
`negation` list: 未, 没有, 无…, 不存在, 0元 …) occurs in the clause of the match (between ，；。):
"未收取政府信息公开信息处理费", "本年度没有产生信息公开处理费", "无收取信息处理费情况". A signal's
`accept` says which polarities count: any (a statement that no fee was charged IS a fee statement),
affirmative, or negative (e.g. "states that no fee was charged"). A bare "无" never matches anything,
because every phrase or pattern needs its own keyword.

Placeholders {year}, {prev_year}, {next_year} in phrases and patterns are filled from the report's
reporting year. When the year is unknown such entries cannot be used: if nothing else matched, the
signal is unknown (present = None, reason says why) rather than absent — never a guess.

The regexes run in Python (never in durable-rules); the engine only sees the resulting booleans.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from engine.facts.literals import finditer_at, one_regex, required_literals, scan_starts
# the signal file's reading lives in signal_file.py; its names are this module's too
from engine.facts.signal_file import (_PLACEHOLDER, SignalDef, SignalLoadError, _fill,  # noqa: F401
                                      _Group, _line, _Matcher, compile_checked, load_yaml_document,
                                      parse_signal_file)
from engine.facts.text_source import TextView, views_by_part
from engine.model import Report
from engine.paths import SIGNALS_FILE
from engine.regex_cache import regex as cached_regex

DEFAULT_SIGNALS_FILE = SIGNALS_FILE

Polarity = Literal["affirmative", "negative"]
MAX_HITS = 20          # per signal
MAX_GROUP_HITS = 5     # per group: evidence quotes the first; more only costs time


@dataclass(frozen=True)
class SignalHit:
    signal: str
    group: str
    part: str
    phrase: str          # the matched text
    polarity: Polarity
    line: int | None
    where: str | None
    excerpt: str         # the sentence the match sits in

    def to_json(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass
class SignalValue:
    id: str
    present: bool | None                 # None: cannot be decided (part missing, year unknown)
    hits: list[SignalHit] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)     # groups without an accepted hit
    reason: str | None = None

    @property
    def first(self) -> SignalHit | None:
        return self.hits[0] if self.hits else None

    @property
    def negative_only(self) -> bool:
        """True when there are accepted hits and every one is a negative statement."""
        return bool(self.hits) and all(h.polarity == "negative" for h in self.hits)

    @property
    def n_hits(self) -> int:
        return len(self.hits)


@dataclass
class SignalBrief:
    """What a signal's fact tells of its evaluation (SignalSet.brief): a SignalValue's present,
    first hit, number of hits, negative_only, missing and reason, without describing the other
    hits (their lines, places and sentences: most of the cost, of no use to the fact)."""
    id: str
    present: bool | None
    first: SignalHit | None
    n_hits: int
    negative_only: bool
    missing: list[str] = field(default_factory=list)
    reason: str | None = None


# --------------------------------------------------------------------------------------------
# Evaluation
# --------------------------------------------------------------------------------------------

class SignalSet:
    def __init__(self, negation: list[re.Pattern], signals: list[SignalDef], source: str = ""):
        self.negation = negation
        self.signals = {s.id: s for s in signals}
        self.source = source
        self._cache: dict[tuple[str, int, int | None], tuple[re.Pattern | None, bool]] = {}
        # the negation cues as one search (a clause is negative iff some cue occurs in it)
        self._negation_rx = one_regex(negation)
        # group regex -> strings one of which each of its matches contains (a part lacking all of
        # them is not scanned: engine/facts/literals.py)
        self._literals: dict[re.Pattern, tuple[str, ...] | None] = {}
        # group regex -> the strings one of its matches begins with (its matches are looked for
        # only where they occur: engine/facts/literals.py), or None
        self._starts: dict[re.Pattern, tuple[str, ...] | None] = {}
        # signal id -> (its groups in the order decide_one reads them, the phrases of each group
        # made only of phrases without placeholders, else None): see decide_one
        self._plans: dict[str, tuple[tuple[int, ...], tuple[tuple[str, ...] | None, ...]]] = {}

    @property
    def ids(self) -> list[str]:
        return list(self.signals)

    def _group_regex(self, sig: SignalDef, index: int, year: int | None) -> tuple[re.Pattern | None, bool]:
        """One alternation of the group's phrases and patterns (one scan per part instead of one
        per phrase), and whether some entry had to be left out because the year is unknown."""
        group = sig.groups[index]
        key = (sig.id, index, year)
        if key not in self._cache:
            filled = [_fill(m.regex, year) for m in group.matchers]
            # a phrase (escaped text, no "|") goes in bare: an alternation whose branches all
            # open with a character gets re's first-character skip; a pattern stays in (?:…)
            usable = [f if m.phrase else f"(?:{f})" for m, f in zip(group.matchers, filled) if f is not None]
            regex = cached_regex("|".join(usable)) if usable else None
            self._cache[key] = (regex, len(usable) < len(filled))
            if regex is not None:
                literals = required_literals(regex)
                if literals is None and all(m.phrase and not m.needs_year for m in group.matchers):
                    # only phrases (re.escape(source)): every match is one of them, however many
                    literals = tuple(m.source for m in group.matchers)
                self._literals[regex] = literals
                self._starts[regex] = scan_starts(regex)
        return self._cache[key]

    def polarity(self, view: TextView, start: int, end: int) -> Polarity:
        """negative when a negation cue sits in the match's clause (between ，；。): "未收取…信息处理费",
        "收取信息处理费0元"."""
        bounds = (view.clause_start(start), view.clause_end(end))
        # several signals match in the same clause (信息处理费 …): judged once per view and clause
        key = (self, bounds)
        memo = view.memo
        found = memo.get(key)
        if found is None:
            clause = view.masked[bounds[0]:bounds[1]]
            if self._negation_rx is not None:
                negative = self._negation_rx.search(clause) is not None
            else:
                negative = any(cue.search(clause) for cue in self.negation)
            found = memo[key] = "negative" if negative else "affirmative"
        return found

    def evaluate(self, report: Report, ids: list[str] | None = None) -> dict[str, SignalValue]:
        year = report.metadata.year if report.metadata else None
        views = views_by_part(report)
        return {sid: self.evaluate_one(self.signals[sid], views, year)
                for sid in (ids or self.signals)}

    def brief(self, report: Report, ids: list[str] | None = None) -> dict[str, SignalBrief]:
        """evaluate() told as SignalBrief: the same hits found, only the first described."""
        year = report.metadata.year if report.metadata else None
        views = views_by_part(report)
        return {sid: self.brief_one(self.signals[sid], views, year) for sid in (ids or self.signals)}

    def brief_one(self, sig: SignalDef, views: dict[str, TextView], year: int | None) -> SignalBrief:
        """evaluate_one's hits walked in the same order with the same limits, the first described."""
        scanned = [views[p] for p in sig.parts if p in views]
        if not scanned:
            return SignalBrief(sig.id, None, None, 0, False,
                               reason=f"报告缺少第{'、'.join(sig.parts)}部分，无法判断")
        first: SignalHit | None = None
        negative: list[bool] = []         # each hit's polarity is "negative", in evaluate's order
        missing: list[str] = []
        unusable = False
        for index, group in enumerate(sig.groups):
            rx, left_out = self._group_regex(sig, index, year)
            unusable = unusable or left_out
            found = 0
            if rx is not None and (self, sig.id, index, year) not in scanned[0].memo:
                for view in scanned:
                    for start, end, polarity in self._accepted(sig, rx, view):
                        if first is None:
                            first = self._hit(sig, group.name, view, start, end, polarity)
                        negative.append(polarity == "negative")
                        found += 1
                        if found >= MAX_GROUP_HITS:
                            break
                    if found >= MAX_GROUP_HITS:
                        break
            if not found:
                missing.append(group.name)
        present = not missing if sig.require == "all" else len(missing) < len(sig.groups)
        if not present and unusable:
            return SignalBrief(sig.id, None, first, len(negative), bool(negative) and all(negative),
                               missing, reason="报告年度未知，部分表述（如“上一年度”对应的年份）无法判断")
        kept = negative[:MAX_HITS]
        return SignalBrief(sig.id, present, first, len(kept), bool(kept) and all(kept), missing)

    def evaluate_one(self, sig: SignalDef, views: dict[str, TextView], year: int | None) -> SignalValue:
        scanned = [views[p] for p in sig.parts if p in views]
        if not scanned:
            return SignalValue(sig.id, None, reason=f"报告缺少第{'、'.join(sig.parts)}部分，无法判断")
        hits: list[SignalHit] = []
        missing: list[str] = []
        unusable = False
        for index, group in enumerate(sig.groups):
            rx, left_out = self._group_regex(sig, index, year)
            unusable = unusable or left_out
            group_hits: list[SignalHit] = []
            if rx is not None:
                for view in scanned:
                    group_hits.extend(self._hits(sig, group.name, rx, view,
                                                 MAX_GROUP_HITS - len(group_hits)))
                    if len(group_hits) >= MAX_GROUP_HITS:
                        break
            if group_hits:
                hits.extend(group_hits)
            else:
                missing.append(group.name)
        present = not missing if sig.require == "all" else len(missing) < len(sig.groups)
        if not present and unusable:
            return SignalValue(sig.id, None, hits, missing,
                               reason="报告年度未知，部分表述（如“上一年度”对应的年份）无法判断")
        return SignalValue(sig.id, present, hits[:MAX_HITS], missing)

    def decide(self, report: Report, ids: list[str]) -> dict[str, bool | None]:
        """{signal id: SignalValue.present} as evaluate() would give it, doing only what that
        needs: the first accepted match of each group, no hit built (the facts of a signal that
        is present are of no use to the engine, see text_signals)."""
        year = report.metadata.year if report.metadata else None
        views = views_by_part(report)
        return {sid: self.decide_one(self.signals[sid], views, year) for sid in ids}

    def decide_one(self, sig: SignalDef, views: dict[str, TextView], year: int | None) -> bool | None:
        """evaluate_one(...).present, reading no more than the answer needs: with `require: all`
        the first group without an accepted match decides (absent, or unknown when some group
        had to leave an entry out for want of the year: every group's regex is still asked for
        that), with `require: any` the first group with one; the groups made only of literal
        phrases are read first, each by substring tests (`in`) — what its alternation of escaped
        phrases would find, at a fraction of a regex scan — when any match counts (accept any,
        no exclusion)."""
        scanned = [views[p] for p in sig.parts if p in views]
        if not scanned:
            return None
        plan = self._plans.get(sig.id)
        if plan is None or len(plan[0]) != len(sig.groups):
            plan = self._plans[sig.id] = _decide_plan(sig)
        order, phrases = plan
        plain = sig.accept == "any" and not sig.exclude
        need_all = sig.require == "all"
        missing = 0
        unusable = False
        decided = None
        for index in order:
            rx, left_out = self._group_regex(sig, index, year)
            unusable = unusable or left_out
            if decided is not None:
                continue            # decided: only whether an entry was left out still matters
            literal = phrases[index]
            if rx is None:
                hit = False
            elif plain and literal is not None:
                hit = False
                for view in scanned:    # (map of the text's own `in`: no Python frame per phrase)
                    if any(map(view.masked.__contains__, literal)):
                        hit = True
                        break
            else:
                hit = self._any_accepted(sig, rx, scanned)
            if not hit:
                # no accepted match in these views: brief_one need not look for one again
                scanned[0].memo[(self, sig.id, index, year)] = None
                missing += 1
                if need_all:
                    decided = False
            elif not need_all:
                decided = True
        present = decided if decided is not None else (
            not missing if need_all else missing < len(sig.groups))
        if not present and unusable:
            return None
        return present

    def _any_accepted(self, sig: SignalDef, rx: re.Pattern, views: list[TextView]) -> bool:
        """Whether some view has a match of `rx` that counts for the signal (_accepted). When every
        non-empty match counts (no exclusion, any polarity), the view's first match decides."""
        plain = sig.accept == "any" and not sig.exclude
        for view in views:
            if plain and self._may_match(rx, view):
                starts = self._starts.get(rx)
                m = rx.search(view.masked) if starts is None else next(finditer_at(rx, starts, view.masked, view.places), None)
                if m is None:
                    continue
                if m.end() > m.start():
                    return True
            for _ in self._accepted(sig, rx, view):
                return True
        return False

    def _may_match(self, rx: re.Pattern, view: TextView) -> bool:
        """False when the view lacks every string a match of `rx` requires (asked once per view)."""
        literals = self._literals.get(rx)
        held = view.memo.get(literals) if literals is not None else True
        if held is None:
            held = view.memo[literals] = any(map(view.masked.__contains__, literals))
        return held

    def _accepted(self, sig: SignalDef, rx: re.Pattern, view: TextView):
        """(start, end, polarity) of each match of `rx` in the view that counts for the signal
        (not empty, not in an excluded sentence, of an accepted polarity), in order."""
        if not self._may_match(rx, view):
            return              # certainly no match in this part
        starts = self._starts.get(rx)
        for match in rx.finditer(view.masked) if starts is None else finditer_at(rx, starts, view.masked, view.places):
            start, end = match.span()
            if end == start:
                continue
            if sig.exclude:
                s, e = view.sentence_span(start, end)
                if any(x.search(view.text[s:e]) for x in sig.exclude):
                    continue
            polarity = self.polarity(view, start, end)
            if sig.accept != "any" and polarity != sig.accept:
                continue
            yield start, end, polarity

    def _hits(self, sig: SignalDef, group: str, rx: re.Pattern, view: TextView,
              limit: int = MAX_GROUP_HITS) -> list[SignalHit]:
        out: list[SignalHit] = []
        for start, end, polarity in self._accepted(sig, rx, view):
            out.append(self._hit(sig, group, view, start, end, polarity))
            if len(out) >= limit:
                break
        return out

    @staticmethod
    def _hit(sig: SignalDef, group: str, view: TextView, start: int, end: int, polarity: Polarity) -> SignalHit:
        return SignalHit(signal=sig.id, group=group, part=view.part, phrase=view.text[start:end],
                         polarity=polarity, line=view.line_at(start), where=view.where_at(start),
                         excerpt=view.sentence(start, end))


def _decide_plan(sig: SignalDef) -> tuple[tuple[int, ...], tuple[tuple[str, ...] | None, ...]]:
    """(the order decide_one reads the groups in: those made only of literal phrases first, then
    the others, each in file order; for each group, its phrases when it has only phrases and none
    with a placeholder, else None)."""
    phrases = tuple(tuple(m.source for m in g.matchers)
                    if g.matchers and all(m.phrase and not m.needs_year for m in g.matchers) else None
                    for g in sig.groups)
    order = tuple(sorted(range(len(sig.groups)), key=lambda i: phrases[i] is None))
    return order, phrases


def load_signals(path: str | Path | None = None) -> SignalSet:
    """The signal set of a file (default rules/signals.yaml). Raises SignalLoadError (file:line)."""
    p = Path(path) if path is not None else DEFAULT_SIGNALS_FILE
    negation, signals = parse_signal_file(p)
    return SignalSet(negation, signals, str(p))
