"""strip_spaces and mask_titles (engine/facts/text_source.py) are written with str operations for
speed; they must give exactly what their regex definitions give (_HSPACE runs decided from their
neighbours; _TITLE's substitution by spaces), on hand-picked cases and many random strings."""
import random

from engine.facts.text_source import _HSPACE, _TITLE, mask_titles, strip_spaces


def _strip_by_regex(text: str) -> str:
    def repl(m):
        s, e = m.start(), m.end()
        before = text[s - 1] if s > 0 else ""
        after = text[e] if e < len(text) else ""
        return " " if before.isdigit() and after.isdigit() else ""
    return _HSPACE.sub(repl, text)


def _mask_by_regex(text: str) -> str:
    return _TITLE.sub(lambda m: " " * len(m.group(0)), text)


def test_strip_spaces_cases():
    assert strip_spaces("2024 年 收到 3 050 件") == "2024年收到3 050件"
    assert strip_spaces("１\u3000２") == "１ ２"          # full-width digits are digits too
    assert strip_spaces(" \u00a0a\u200b b ") == "ab"
    assert strip_spaces("5\u2009\u3000 6\n 7") == "5 6\n7"
    assert strip_spaces("无空格") == "无空格"


def test_strip_spaces_equals_regex_on_random_text():
    rnd = random.Random(7)
    alphabet = list(" \u00a0\u3000\u2002\u2003\u2009\u200b\t\n\r\u2001" "12３²a中。")
    for _ in range(40000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 14)))
        assert strip_spaces(text) == _strip_by_regex(text), repr(text)


def test_mask_titles_cases():
    text = "根据《条例》和〈通知〉及<http://x.cn/>编制"
    assert mask_titles(text) == _mask_by_regex(text) == "根据" + " " * 4 + "和" + " " * 4 + "及" + " " * len("<http://x.cn/>") + "编制"
    assert mask_titles("《未闭合\n》") == "《未闭合\n》"          # no title across a line break
    assert mask_titles("《《内》》") == "《" + " " * 3 + "》"      # the innermost opening bracket
    assert mask_titles("《" + "长" * 121 + "》") == "《" + "长" * 121 + "》"   # longer than 120
    assert mask_titles("《" + "长" * 120 + "》") == " " * 122


def test_mask_titles_equals_regex_on_random_text():
    rnd = random.Random(11)
    alphabet = list("《》〈〉<>\na中 ")
    for _ in range(40000):
        text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 20)))
        assert mask_titles(text) == _mask_by_regex(text), repr(text)
    pieces = ["《", "》", "<", ">", "〈", "〉", "\n"]
    for _ in range(5000):      # spans around the 120-character limit
        text = "".join(rnd.choice(pieces + ["x" * rnd.randint(0, 130)]) for _ in range(rnd.randint(0, 18)))
        assert mask_titles(text) == _mask_by_regex(text), repr(text)


def test_mask_titles_of_one_bracket_kind_equals_regex():
    # (texts with brackets of one kind only take mask_titles' shorter path)
    rnd = random.Random(13)
    for opening, closing in (("《", "》"), ("〈", "〉"), ("<", ">")):
        alphabet = [opening, closing, "\n", "a", "中", " ", "》" if opening != "《" else "〉"]
        for _ in range(20000):
            text = "".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 20)))
            assert mask_titles(text) == _mask_by_regex(text), repr(text)
        for _ in range(3000):
            text = "".join(rnd.choice([opening, closing, "\n", "x" * rnd.randint(0, 130)])
                           for _ in range(rnd.randint(0, 14)))
            assert mask_titles(text) == _mask_by_regex(text), repr(text)
