"""Agency normalisation and grouping by body and year (engine/parse/agency.py)."""
from engine.parse.agency import extends, group_reports, normalize_agency


def test_normalize_spellings_meet():
    assert normalize_agency("泽州县金村镇人民政府") == "泽州县金村镇政府"
    assert normalize_agency(" 金村镇 人民政府\u3000") == "金村镇政府"
    assert normalize_agency("ＸＸ县教育局（２）") == "XX县教育局(2)"
    assert normalize_agency("平潭综合实验区管理委员会") == "平潭综合实验区"
    assert normalize_agency("“平潭综合实验区”") == "平潭综合实验区"
    assert normalize_agency("泽州县南街街道办事处") == normalize_agency("泽州县南街街道")
    assert normalize_agency("") is None and normalize_agency(None) is None


def test_prefix_extension_needs_divisions_and_a_named_body():
    assert extends("泽州县金村镇政府", "金村镇政府")
    assert extends("晋城市泽州县金村镇政府", "泽州县金村镇政府")
    assert not extends("大金村镇政府", "金村镇政府")        # 大 is not a division
    assert not extends("泽州县政府", "县政府")              # 县政府 is not a named body
    assert not extends("泽州县政府", "政府")
    assert not extends("金村镇政府", "金村镇政府")


def test_short_and_prefixed_names_are_one_body():
    g = group_reports([("a", "泽州县金村镇人民政府", 2022), ("b", "金村镇人民政府", 2023),
                       ("c", "晋城市泽州县金村镇政府", 2024)])
    assert g.body["a"] == g.body["b"] == g.body["c"] == "晋城市泽州县金村镇政府"
    assert g.previous == {"b": "a", "c": "b"}
    assert g.same_year == {} and g.notes == []


def test_ambiguous_short_name_is_reported_not_merged():
    g = group_reports([("z", "泽州县教育局", 2022), ("l", "陵川县教育局", 2022), ("s", "教育局", 2023)])
    assert g.body["s"] == "教育局"
    assert g.body["z"] == "泽州县教育局" and g.body["l"] == "陵川县教育局"
    assert "s" not in g.previous
    [note] = g.notes
    assert note.code == "AGENCY_AMBIGUOUS"
    assert set(note.keys) == {"s", "z", "l"}
    assert "泽州县教育局" in note.message and "陵川县教育局" in note.message


def test_two_different_reports_same_body_and_year_name_each_other():
    g = group_reports([("x", "金村镇人民政府", 2023, "sha1"), ("y", "泽州县金村镇政府", 2023, "sha2"),
                       ("p", "金村镇政府", 2022, "sha0")])
    assert g.same_year == {"x": ["y"], "y": ["x"]}
    assert g.previous == {"x": "p", "y": "p"}


def test_two_copies_of_one_file_are_not_two_reports():
    g = group_reports([("x", "金村镇政府", 2023, "same"), ("y", "金村镇政府", 2023, "same")])
    assert g.same_year == {}
    assert [n.code for n in g.notes] == ["DUPLICATE_FILE"]


def test_two_candidates_for_last_year_give_no_previous_and_a_note():
    g = group_reports([("a", "金村镇政府", 2022, "1"), ("b", "金村镇政府", 2022, "2"), ("c", "金村镇政府", 2023, "3")])
    assert "c" not in g.previous
    assert "PREVIOUS_AMBIGUOUS" in [n.code for n in g.notes]


def test_gap_year_is_not_previous_and_unknowns_are_noted():
    g = group_reports([("a", "金村镇政府", 2020), ("b", "金村镇政府", 2022), ("c", None, 2022),
                       ("d", "金村镇政府", None)])
    assert g.previous == {}
    codes = sorted(n.code for n in g.notes)
    assert codes == ["AGENCY_UNKNOWN", "YEAR_UNKNOWN"]
    assert "c" not in g.body


def test_pingtan_spellings_group_over_seven_years():
    names = {2019: "平潭综合实验区", 2020: "平潭综合实验区管委会", 2021: "平潭综合实验区",
             2022: "平潭综合实验区管理委员会", 2023: "平潭综合实验区", 2024: "平潭综合实验区", 2025: "平潭综合实验区"}
    g = group_reports([(f"pingtan-{y}", n, y) for y, n in names.items()])
    assert set(g.body.values()) == {"平潭综合实验区"}
    assert g.previous == {f"pingtan-{y}": f"pingtan-{y - 1}" for y in range(2020, 2026)}


def test_reference_only_reports_are_previous_year_never_same_year_peers():
    g = group_reports([("in:2023", "金村镇政府", 2023), ("prev:2022", "金村镇人民政府", 2022),
                       ("prev:2023", "泽州县金村镇政府", 2023)],
                      reference_only={"prev:2022", "prev:2023"})
    assert g.previous == {"in:2023": "prev:2022"}
    assert g.same_year == {}


def test_an_audited_report_is_preferred_over_a_reference_copy_as_previous_year():
    g = group_reports([("in:2022", "金村镇政府", 2022), ("in:2023", "金村镇政府", 2023),
                       ("prev:2022", "金村镇政府", 2022)], reference_only={"prev:2022"})
    assert g.previous["in:2023"] == "in:2022"
    assert "PREVIOUS_AMBIGUOUS" not in [n.code for n in g.notes]


def _all_pairs_resolve(names: list[str]):
    """The definition of resolve_bodies, compared pair by pair (what the indexed version replaced)."""
    unique = sorted(set(names), key=lambda n: (-len(n), n))
    body: dict[str, str] = {}
    ambiguities = []
    for name in unique:
        longer = [n for n in unique if extends(n, name)]
        tops = sorted({body[n] for n in longer})
        body[name] = tops[0] if len(tops) == 1 else name
        if len(tops) > 1:
            ambiguities.append((name, tops))
    return body, ambiguities


def test_indexed_resolution_equals_the_all_pairs_definition():
    import random

    from engine.parse.agency import resolve_bodies
    rng = random.Random(20261206)
    prefixes = (["福建省", "山西省", "江苏省", ""], ["晋城市", "淮安市", "平潭", ""], ["泽州县", "陵川县", "洪泽区", ""])
    bodies = ["金村镇政府", "教育局", "南岭镇政府", "政府", "政府办公室", "卫生健康委员会", "财政局", "县政府", "区教育局"]
    for _ in range(300):
        names = [normalize_agency("".join(rng.choice(p) for p in prefixes) + rng.choice(bodies))
                 for _ in range(rng.randint(1, 40))]
        assert resolve_bodies(names) == _all_pairs_resolve(names), names


def test_ambiguity_note_lists_keys_in_input_order():
    g = group_reports([("z", "泽州县教育局", 2023), ("a", "教育局", 2023), ("m", "陵川县教育局", 2023)])
    note = next(n for n in g.notes if n.code == "AGENCY_AMBIGUOUS")
    assert note.keys == ["z", "a", "m"]


def _reference_grouping(items, reference_only=frozenset()):
    """group_reports as it was before group_indexed (dicts and lists per report): the compact
    form must give the same pairs, peers, bodies and notes, in the same order."""
    from collections import defaultdict
    from engine.parse.agency import AgencyNote, Grouping, _unpack, resolve_bodies
    grouping = Grouping()
    rows = [_unpack(it) for it in items]
    normalised = {key: normalize_agency(agency) for key, agency, _, _ in rows}
    bodies, ambiguities = resolve_bodies([n for n in normalised.values() if n])
    for key, agency, year, _ in rows:
        if normalised[key] is None:
            grouping.notes.append(AgencyNote([key], "未能识别报告的发布机关，无法与其他年度或同年度报告对应", "AGENCY_UNKNOWN"))
            continue
        grouping.body[key] = bodies[normalised[key]]
        if year is None:
            grouping.notes.append(AgencyNote([key], f"未能识别{agency}报告的年度，无法进行跨年度比对", "YEAR_UNKNOWN"))
    position = {k: i for i, k in enumerate(normalised)}
    keys_by_body, keys_by_name = defaultdict(list), defaultdict(list)
    for k, n in normalised.items():
        if n:
            keys_by_body[bodies[n]].append(k)
            keys_by_name[n].append(k)
    for name, tops in ambiguities:
        wanted = set(keys_by_name[name]).union(*(keys_by_body[t] for t in tops))
        grouping.notes.append(AgencyNote(sorted(wanted, key=position.__getitem__),
                                         f"发布机关“{name}”可能是{'、'.join(f'“{t}”' for t in tops)}中的任一个，未予合并，请核实",
                                         "AGENCY_AMBIGUOUS"))
    by_body_year = defaultdict(list)
    sha_of = {key: sha for key, _, _, sha in rows}
    for key, _, year, _ in rows:
        if key in grouping.body and year is not None:
            by_body_year[(grouping.body[key], year)].append(key)
    for (body, year), keys in by_body_year.items():
        audited = [k for k in keys if k not in reference_only]
        by_sha = defaultdict(list)
        for k in audited:
            if sha_of[k] is not None:
                by_sha[sha_of[k]].append(k)
        for copies in by_sha.values():
            if len(copies) > 1:
                grouping.notes.append(AgencyNote(copies, f"“{body}”{year}年度报告的同一文件出现了{len(copies)}次", "DUPLICATE_FILE"))
        for k in audited:
            others = [o for o in audited if o != k and (sha_of[k] is None or sha_of[o] != sha_of[k])]
            if others:
                grouping.same_year[k] = others
        prev = by_body_year.get((body, year - 1), [])
        seen, prev_distinct = set(), []
        for k in [k for k in prev if k not in reference_only] or prev:
            if sha_of[k] is not None and sha_of[k] in seen:
                continue
            if sha_of[k] is not None:
                seen.add(sha_of[k])
            prev_distinct.append(k)
        for k in audited:
            if len(prev_distinct) == 1:
                grouping.previous[k] = prev_distinct[0]
        if len(prev_distinct) > 1 and audited:
            grouping.notes.append(AgencyNote([*audited, *prev_distinct],
                                             f"“{body}”{year - 1}年有{len(prev_distinct)}份不同的报告，无法确定与哪一份进行跨年度比对",
                                             "PREVIOUS_AMBIGUOUS"))
    return grouping


def test_compact_grouping_equals_the_dict_form_on_random_batches():
    import random
    names = ["金村镇政府", "泽州县金村镇政府", "晋城市泽州县金村镇政府", "金村镇人民政府", "教育局", "泽州县教育局",
             "陵川县教育局", "平潭综合实验区", "平潭综合实验区管委会", "县政府", "泽州县政府", None, "", "  ",
             "ＸＸ县教育局", "XX县教育局", "某市某区卫健委", "卫健委", "某区卫健委"]
    for seed in range(1500):
        rng = random.Random(seed)
        items, seen = [], set()
        for j in range(rng.randint(0, 14)):
            key = rng.choice(["in:", "prev:", "k"]) + str(rng.randint(0, 10**6) if rng.random() < .5 else j)
            if key in seen:
                continue
            seen.add(key)
            row = (key, rng.choice(names), rng.choice([2020, 2021, 2022, 2023, None, 2022, 2023]))
            items.append(row + (rng.choice(["a", "b", "c", None]),) if rng.random() < .7 else row)
        reference = {it[0] for it in items if rng.random() < .25}
        a, b = _reference_grouping(items, reference), group_reports(items, reference_only=reference)
        assert list(a.previous.items()) == list(b.previous.items()), seed
        assert list(a.same_year.items()) == list(b.same_year.items()), seed
        assert list(a.body.items()) == list(b.body.items()), seed
        assert [(n.keys, n.message, n.code) for n in a.notes] == [(n.keys, n.message, n.code) for n in b.notes], seed
