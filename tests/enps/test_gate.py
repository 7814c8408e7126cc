"""The anonymity gate: the eNPS arithmetic, the thresholds, and (hypothesis) that no query or
difference of queries shows a group of 1..k-1 answers."""

from __future__ import annotations

import itertools
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete
from sqlalchemy.exc import IntegrityError

from relq.db import db
from relq.enps import gate, results
from relq.enps.gate import Group, Release, Score, Suppressed
from relq.enps.models import SurveyResponse, SurveyRound
from tests.enps.test_gate_helpers import add_answers, band, make_round

# ---- the arithmetic ------------------------------------------------------------------------


def test_worked_example_20_promoters_50_passives_30_detractors_is_minus_10():
    s = Score.of([0, 0, 0, 10, 0, 0, 20, 25, 25, 10, 10])
    assert (s.n, s.promoters, s.passives, s.detractors) == (100, 20, 50, 30)
    assert s.enps == -10
    assert (s.promoter_share, s.passive_share, s.detractor_share) == (20, 50, 30)


@pytest.mark.parametrize(
    "value, kind", [(6, "detractors"), (7, "passives"), (8, "passives"), (9, "promoters")]
)
def test_boundaries_6_7_8_9(value, kind):
    dist = [0] * 11
    dist[value] = 5
    s = Score.of(dist)
    assert getattr(s, kind) == 5
    assert s.enps == {"detractors": -100, "passives": 0, "promoters": 100}[kind]


def test_all_ten_and_all_zero_are_the_ends():
    assert Score.of([0] * 10 + [7]).enps == 100
    assert Score.of([7] + [0] * 10).enps == -100


# ---- thresholds on a real database ---------------------------------------------------------


def test_four_answers_hidden_five_shown(org):
    r = make_round(org.admin)
    add_answers(r, org.qa, [9, 9, 3, 7])
    hidden = gate.score(Group(r.id, org.qa.id))
    assert isinstance(hidden, Suppressed) and hidden.threshold == 5
    assert not hasattr(hidden, "n")
    add_answers(r, org.qa, [10])
    shown = gate.score(Group(r.id, org.qa.id))
    assert isinstance(shown, Score) and shown.n == 5 and shown.enps == 40


def test_comments_nine_hidden_ten_shown(org):
    r = make_round(org.admin)
    add_answers(r, org.qa, [8] * 9, reason=[f"理由{i}" for i in range(9)])
    add_answers(r, org.qa, [8] * 3)  # answers without a reason are not comments
    assert isinstance(gate.score(Group(r.id, org.qa.id)), Score)
    hidden = gate.comments(Group(r.id, org.qa.id))
    assert isinstance(hidden, Suppressed) and hidden.threshold == 10
    add_answers(r, org.qa, [8], reason="上司が話を聞いてくれる")
    shown = gate.comments(Group(r.id, org.qa.id))
    assert sorted(shown) == sorted([f"理由{i}" for i in range(9)] + ["上司が話を聞いてくれる"])


def test_comments_come_in_random_order(org):
    r = make_round(org.admin)
    reasons = [f"理由{i:02d}" for i in range(30)]
    add_answers(r, org.qa, [8] * 30, reason=reasons)
    orders = {tuple(gate.comments(Group(r.id, org.qa.id))) for _ in range(5)}
    assert len(orders) > 1


def test_raised_thresholds_are_respected(org):
    r = make_round(org.admin, min_group=8, min_comments=12)
    add_answers(r, org.qa, [9] * 7, reason="やりがいがある")
    add_answers(r, org.cs, [9] * 11, reason="仲間がいい")
    assert gate.score(Group(r.id, org.qa.id)) == Suppressed(gate.SMALL, 8)
    # cs alone would be shown, but company minus cs would then be qa's 7 < 8.
    assert isinstance(gate.score(Group(r.id, org.cs.id)), Suppressed)
    assert isinstance(gate.score(Group(r.id)), Score)
    assert isinstance(gate.comments(Group(r.id)), list)  # 18 comments >= 12
    assert isinstance(gate.comments(Group(r.id, org.cs.id)), Suppressed)
    add_answers(r, org.qa, [9])
    assert gate.score(Group(r.id, org.qa.id)).n == 8
    assert gate.score(Group(r.id, org.cs.id)).n == 11
    assert isinstance(gate.comments(Group(r.id, org.cs.id)), Suppressed)  # 11 < 12
    assert isinstance(gate.comments(Group(r.id, org.qa.id)), Suppressed)


def test_thresholds_never_below_5_and_10(org):
    r = make_round(org.admin)
    db.session.commit()
    for column, value in (("min_group", 4), ("min_comments", 9)):
        with pytest.raises(IntegrityError):
            with db.session.begin_nested():
                db.session.get(SurveyRound, r.id).__setattr__(column, value)
                db.session.flush()
        db.session.rollback()
    # Even a row that got past the database is read with the floors.
    rel = Release(SimpleNamespace(id=1, status="closed", min_group=2, min_comments=3), {}, {})
    assert (rel.k, rel.kc) == (5, 10)


def test_an_open_round_shows_no_score_only_its_number_of_answers(org):
    r = make_round(org.admin, status="open")
    add_answers(r, org.qa, [9] * 20)
    assert gate.score(Group(r.id)) == Suppressed(gate.OPEN, 5)
    assert gate.department_scores(r.id) == {org.qa.id: Suppressed(gate.OPEN, 5)}
    assert isinstance(gate.comments(Group(r.id)), Suppressed)
    assert gate.answers_so_far(r.id) == 20
    r.status = "closed"
    db.session.flush()
    assert gate.score(Group(r.id)).n == 20


def test_department_hidden_with_its_small_neighbour(org):
    """Company 13 = qa 10 + logistics 3: showing qa would give logistics by difference."""
    r = make_round(org.admin)
    add_answers(r, org.qa, [9] * 10)
    add_answers(r, org.logistics, [0, 0, 0])
    scores = gate.department_scores(r.id)
    assert all(isinstance(s, Suppressed) for s in scores.values())
    assert gate.score(Group(r.id)).n == 13
    add_answers(r, org.cs, [7] * 6)  # now the hidden rest (3) joins... still < 5: cs is hidden
    scores = gate.department_scores(r.id)
    assert isinstance(scores[org.cs.id], Suppressed) and isinstance(scores[org.qa.id], Score)


def test_band_cut_is_shown_whole_or_not_at_all(org):
    r = make_round(org.admin)
    staff, senior = band(r, "level", 0), band(r, "level", 1)
    add_answers(r, org.qa, [9] * 6, level=staff)
    add_answers(r, org.qa, [5] * 4, level=senior)
    assert isinstance(gate.score(Group(r.id, org.qa.id)), Score)
    assert isinstance(gate.score(Group(r.id, org.qa.id, level_band_id=staff.id)), Suppressed)
    add_answers(r, org.qa, [5], level=senior)
    got = gate.score(Group(r.id, org.qa.id, level_band_id=staff.id))
    assert got.n == 6
    add_answers(r, org.qa, [8, 8])  # two who gave no level: dept minus bands would be 2
    assert isinstance(gate.score(Group(r.id, org.qa.id, level_band_id=staff.id)), Suppressed)


def test_company_band_cut_never_gives_a_hidden_departments_band(org):
    r = make_round(org.admin)
    staff, senior = band(r, "level", 0), band(r, "level", 1)
    add_answers(r, org.qa, [9] * 6, level=staff)
    add_answers(r, org.qa, [5] * 6, level=senior)
    add_answers(r, org.cs, [9] * 5, level=staff)
    add_answers(r, org.cs, [5] * 5, level=senior)
    add_answers(r, org.logistics, [0, 0, 1, 2, 3, 4], level=staff)
    add_answers(r, org.logistics, [0, 3], level=senior)  # logistics' senior band: 2
    rel = gate.release(r.id)
    assert rel.shown_departments == {org.qa.id, org.cs.id, org.logistics.id}
    assert rel.score(Group(r.id, org.qa.id, level_band_id=senior.id)).n == 6
    assert rel.score(Group(r.id, org.cs.id, level_band_id=senior.id)).n == 5
    assert isinstance(rel.score(Group(r.id, org.logistics.id, level_band_id=staff.id)), Suppressed)
    # The company's senior band (13) minus qa's and cs's would be logistics' 2: the company's
    # cut is hidden while a shown department's cut is.
    assert isinstance(rel.score(Group(r.id, level_band_id=senior.id)), Suppressed)
    assert isinstance(rel.score(Group(r.id, level_band_id=staff.id)), Suppressed)
    add_answers(r, org.logistics, [7, 7, 7], level=senior)
    rel = gate.release(r.id)
    assert rel.score(Group(r.id, level_band_id=senior.id)).n == 16
    assert rel.score(Group(r.id, org.logistics.id, level_band_id=senior.id)).n == 5


def test_both_cuts_only_when_their_cells_are_big_enough(org):
    r = make_round(org.admin)
    staff, manager = band(r, "level", 0), band(r, "level", 2)
    young, senior = band(r, "tenure", 0), band(r, "tenure", 2)
    add_answers(r, org.qa, [9] * 5, level=staff, tenure=young)
    add_answers(r, org.qa, [5] * 3, level=staff, tenure=senior)
    add_answers(r, org.qa, [5] * 2, level=manager, tenure=young)
    add_answers(r, org.qa, [5] * 5, level=manager, tenure=senior)
    # Level: staff 8, manager 7; tenure: young 7, senior 8; but staff x senior is 3.
    rel = gate.release(r.id)
    assert rel.score(Group(r.id, org.qa.id, level_band_id=staff.id)).n == 8
    assert isinstance(rel.score(Group(r.id, org.qa.id, tenure_band_id=young.id)), Suppressed)
    add_answers(r, org.qa, [5] * 2, level=staff, tenure=senior)
    add_answers(r, org.qa, [5] * 3, level=manager, tenure=young)
    rel = gate.release(r.id)
    assert rel.score(Group(r.id, org.qa.id, tenure_band_id=young.id)).n == 10


def test_level_and_tenure_together_are_never_shown(org):
    r = make_round(org.admin)
    add_answers(r, org.qa, [9] * 30, level=band(r, "level", 0), tenure=band(r, "tenure", 0))
    group = Group(r.id, org.qa.id, band(r, "level", 0).id, band(r, "tenure", 0).id)
    assert gate.score(group) == Suppressed(gate.COMBINED, 5)
    assert isinstance(gate.comments(Group(r.id, org.qa.id, band(r, "level", 0).id)), Suppressed)


def test_a_band_of_another_round_is_an_empty_group(org):
    r1, r2 = make_round(org.admin), make_round(org.admin, name="下期")
    add_answers(r1, org.qa, [9] * 10, level=band(r1, "level", 0))
    assert isinstance(gate.score(Group(r2.id, level_band_id=band(r1, "level", 0).id)), Suppressed)
    assert isinstance(gate.score(Group(r1.id, level_band_id=band(r1, "tenure", 0).id)), Suppressed)


def test_latest_closed_round(org):
    from datetime import date

    assert gate.latest_closed_round() is None
    old = make_round(org.admin, period=(date(2025, 10, 1), date(2025, 10, 31)))
    make_round(org.admin, status="open", period=(date(2026, 10, 1), date(2026, 10, 31)))
    new = make_round(org.admin, period=(date(2026, 4, 1), date(2026, 4, 30)))
    assert gate.latest_closed_round() == new != old


# ---- what no query and no difference may show (hypothesis) -------------------------------

DEPTS = (1, 2, 3, 4)
LEVEL_IDS = (11, 12, 13)
TENURE_IDS = (21, 22)
BAND_DIMENSION = {**{b: "level" for b in LEVEL_IDS}, **{b: "tenure" for b in TENURE_IDS}}


def _cell_keys(dept_ids, level_ids, tenure_ids):
    return list(
        itertools.product(dept_ids, (None, *level_ids), (None, *tenure_ids)),
    )


@st.composite
def populations(draw, dept_ids=DEPTS, level_ids=LEVEL_IDS, tenure_ids=TENURE_IDS):
    """(dept, level, tenure) -> list of (score, has comment): most cells empty, sizes 0..12 so
    that many groups sit around the thresholds."""
    keys = _cell_keys(dept_ids, level_ids, tenure_ids)
    chosen = draw(st.lists(st.sampled_from(keys), min_size=1, max_size=10, unique=True))
    answer = st.tuples(st.integers(0, 10), st.booleans())
    return {key: draw(st.lists(answer, min_size=1, max_size=12)) for key in chosen}


def _release(population, k=5, kc=10, round_id=1):
    cells, comment_cells = {}, {}
    for key, answers in population.items():
        dist = [0] * 11
        for value, _ in answers:
            dist[value] += 1
        cells[key] = dist
        comment_cells[key] = sum(1 for _, has in answers if has)
    round_ = SimpleNamespace(id=round_id, status="closed", min_group=k, min_comments=kc)
    return Release(round_, cells, comment_cells, dict(BAND_DIMENSION))


def _members(group: Group, keys):
    """The cells (of the whole grid) a group covers."""
    return frozenset(
        key
        for key in keys
        if (group.department_id in (None, key[0]))
        and (group.level_band_id in (None, key[1]))
        and (group.tenure_band_id in (None, key[2]))
    )


def all_groups(round_id, dept_ids=DEPTS, level_ids=LEVEL_IDS, tenure_ids=TENURE_IDS):
    for dept in (None, *dept_ids):
        yield Group(round_id, dept)
        for b in level_ids:
            yield Group(round_id, dept, level_band_id=b)
        for b in tenure_ids:
            yield Group(round_id, dept, tenure_band_id=b)
        for lb, tb in itertools.product(level_ids, tenure_ids):
            yield Group(round_id, dept, lb, tb)


def check_no_small_group_or_difference(shown: dict, population, k, keys):
    """shown: Group -> Score (only the shown ones). Every shown group is its true self and has
    >= k answers; no shown group minus up to three disjoint shown groups inside it is a group
    of 1..k-1 answers. The attacker is granted more than the pages tell: which cells of the
    grid are empty (so groups that overlap only in empty cells count as disjoint)."""
    keys = [key for key in keys if population.get(key)]
    size = {key: len(population[key]) for key in keys}
    members = {g: _members(g, keys) for g in shown}
    for g, s in shown.items():
        truth = [0] * 11
        for key in members[g]:
            for value, _ in population.get(key, ()):
                truth[value] += 1
        assert s.distribution == tuple(truth), g
        assert s.n >= k, (g, s.n)
    for parent, cells in members.items():
        inside = [g for g in shown if g != parent and members[g] < cells]
        for r in (1, 2, 3):
            for combo in itertools.combinations(inside, r):
                sets = [members[g] for g in combo]
                if sum(len(s) for s in sets) != len(frozenset().union(*sets)):
                    continue  # overlapping: not a difference of disjoint parts
                rest = cells - frozenset().union(*sets)
                n = sum(size[key] for key in rest)
                assert n == 0 or n >= k, (parent, combo, n)


def check_comments(rel: Release, population, kc, dept_ids=DEPTS):
    counts = {d: 0 for d in dept_ids}
    for key, answers in population.items():
        counts[key[0]] += sum(1 for _, has in answers if has)
    company = sum(counts.values())
    shown = [d for d in dept_ids if rel.comments_shown(Group(rel.round.id, d))]
    for d in shown:
        assert counts[d] >= kc
    if rel.comments_shown(Group(rel.round.id)):
        assert company >= kc
        rest = company - sum(counts[d] for d in shown)
        assert rest == 0 or rest >= kc
    else:
        assert not shown


@settings(max_examples=300, deadline=None)
@given(population=populations(), k=st.sampled_from([5, 5, 6, 8]), kc=st.sampled_from([10, 12]))
def test_no_group_below_threshold_nor_by_difference(population, k, kc):
    rel = _release(population, k, kc)
    keys = _cell_keys(DEPTS, LEVEL_IDS, TENURE_IDS)
    shown = {g: s for g in all_groups(1) if isinstance(s := rel.score(g), Score)}
    check_no_small_group_or_difference(shown, population, k, keys)
    check_comments(rel, population, kc)


@settings(max_examples=300, deadline=None)
@given(population=populations(dept_ids=(1, 2), level_ids=(11, 12), tenure_ids=()))
def test_two_departments_two_levels_every_difference(population):
    """A small grid, where the tests above reach the corner cases most often."""
    rel = _release(population)
    keys = _cell_keys((1, 2), (11, 12), ())
    groups = all_groups(1, (1, 2), (11, 12), ())
    shown = {g: s for g in groups if isinstance(s := rel.score(g), Score)}
    check_no_small_group_or_difference(shown, population, 5, keys)


@settings(max_examples=200, deadline=None)
@given(population=populations())
def test_without_bands_the_company_and_departments_are_the_same(population):
    """releases(bands=False) groups by department only: the same figures, no band shown."""
    full = _release(population)
    coarse_population: dict = {}
    for (dept, _level, _tenure), answers in population.items():
        coarse_population.setdefault((dept, None, None), []).extend(answers)
    coarse = _release(coarse_population)
    coarse.band_dimension = {}
    assert coarse.department_scores() == full.department_scores()
    assert coarse.score(Group(1)) == full.score(Group(1))
    for dept in (None, *DEPTS):
        assert coarse.comments_shown(Group(1, dept)) == full.comments_shown(Group(1, dept))
        for b in LEVEL_IDS:
            assert isinstance(coarse.score(Group(1, dept, level_band_id=b)), Suppressed)


# Through the public functions on the database: 1-3 rounds, a random sequence of queries.

ROUND_SPEC = st.tuples(
    populations(dept_ids=(0, 1, 2), level_ids=(0, 1), tenure_ids=(0,)), st.sampled_from([5, 6])
)


@settings(
    max_examples=15,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rounds=st.lists(ROUND_SPEC, min_size=1, max_size=3), data=st.data())
def test_random_queries_through_the_public_functions(org, rounds, data):
    db.session.execute(delete(SurveyResponse))
    depts = (org.cs, org.qa, org.logistics)
    made = []
    for population, k in rounds:
        r = make_round(org.admin, min_group=k, levels=LEVELS2, tenures=TENURES1)
        levels = [band(r, "level", i).id for i in (0, 1)]
        tenures = [band(r, "tenure", 0).id]
        real = {}
        for (d, lv, tn), answers in population.items():
            key = (
                depts[d].id,
                None if lv is None else levels[lv],
                None if tn is None else tenures[tn],
            )
            real[key] = answers
            add_answers(
                r,
                key[0],
                [v for v, _ in answers],
                level=key[1],
                tenure=key[2],
                reason=["理由" if has else "" for _, has in answers],
            )
        made.append((r, real, k, levels, tenures))
    dept_ids = [d.id for d in depts]
    shown_by_round = {r.id: {} for r, *_ in made}
    queries = data.draw(
        st.lists(
            st.tuples(
                st.sampled_from(range(len(made))),
                st.sampled_from([None, *range(3)]),
                st.sampled_from([None, 0, 1]),
                st.sampled_from([None, 0]),
            ),
            min_size=5,
            max_size=40,
        )
    )
    for i, d, lv, tn in queries:
        r, real, k, levels, tenures = made[i]
        group = Group(
            r.id,
            None if d is None else dept_ids[d],
            None if lv is None else levels[lv],
            None if tn is None else tenures[tn],
        )
        got = gate.score(group)
        if isinstance(got, Score):
            shown_by_round[r.id][group] = got
        comments = gate.comments(group)
        if isinstance(comments, list):
            assert len(comments) >= 10
    for r, real, k, levels, tenures in made:
        keys = _cell_keys(dept_ids, levels, tenures)
        check_no_small_group_or_difference(shown_by_round[r.id], real, k, keys)
        # And the department table, as the pages show it.
        table = {
            Group(r.id, d): s
            for d, s in gate.department_scores(r.id).items()
            if isinstance(s, Score)
        }
        if isinstance(company := gate.score(Group(r.id)), Score):
            table[Group(r.id)] = company
        check_no_small_group_or_difference(table, real, k, keys)
        # And every number of the results pages (company scope and each department's).
        pages = {}
        for dept in (None, *dept_ids):
            found = results.round_results(r, None if dept is None else depts[dept_ids.index(dept)])
            rows = [*found.departments, *(row for cut in found.cuts.values() for row in cut)]
            pages.update({row.group: row.score for row in rows if isinstance(row.score, Score)})
            if isinstance(found.focus, Score):
                pages[Group(r.id, dept)] = found.focus
        check_no_small_group_or_difference(pages, real, k, keys)
    db.session.rollback()


LEVELS2 = (("一般", "Staff"), ("管理職", "Manager"))
TENURES1 = (("全員", "All"),)
