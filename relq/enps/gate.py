"""The anonymity gate: the only way anything computed from eNPS responses is shown.

Pages, charts, CSV, the API and the digest ask this module; nothing else counts responses.

What a group is. A `Group` is the responses of one round, optionally narrowed to one
department and/or one band (job level OR tenure). Its parent is the same filters minus the last
one narrowed: department+band -> department, company+band -> company, department -> company.

The rules (k = the round's min_group, never below 5; kc = its min_comments, never below 10):

1. Only a closed round is shown. An open round's scores would be live, and two looks at a live
   score before and after one colleague answers compute that colleague's answer by difference
   (a group of one). While a round is open only its number of answers is shown
   (`answers_so_far`). A closed round is read-only, so its numbers never move again.
2. The company: shown when it has >= k answers; when it is hidden, everything is.
3. Departments: a department is shown when it has >= k answers AND the answers of the
   departments hidden beside it add up to 0 or >= k; when they do not, the smallest shown
   departments are hidden as well until they do. So company minus the shown departments is
   never a group of 1..k-1.
4. A band cut (the level bands, or the tenure bands) of a shown department is shown whole or not
   at all: only when every band of that cut in that department, and the department's answers
   that gave no band, are 0 or >= k. A shown department minus its shown bands is then 0 or >= k.
5. The company's band cut only when every shown department's cut of that dimension is shown
   too, and the hidden departments together, band by band (and "no band"), are 0 or >= k: the
   company's cut then adds to the departments' cuts only the hidden departments' bands as one
   block, never one department's. (Beside a department whose cut is hidden, a company band
   minus that department's answers would be its small band for anyone who knows which bands
   the department has: a team of 主任 only, say.)
6. Both cuts (level and tenure) of one block (a shown department; the hidden departments
   together) only when every level x tenure cell of the block is 0 or >= k; otherwise its
   level cut is kept and its tenure cut hidden. A level band and a tenure band together are
   never a group: `Suppressed("combined")`.
   So every figure shown is a sum of "atoms" (a block's cells at the finest cut it shows), each
   0 or >= k answers, and any difference anyone can work out of them, even knowing which cells
   are empty, is a sum of atoms too: 0 or >= k.
7. Comments (the free-text reasons, random order, no dates) only for the company and for shown
   departments, never for a band: the company's when it has >= kc comments; a department's when
   it has >= kc comments and the hidden departments' comments add up to 0 or >= kc (smallest
   shown hidden first, as in 3), so no set difference of comment lists is a small group's.
8. Across rounds: every figure is one round's; a round's answers are never pooled with another
   round's, each round keeps its own thresholds, and a change between rounds is the difference of
   two shown scores. A suppressed group never says its true n, nor whether it or its
   complement was small.

Each call runs one GROUP BY over the round (department, level band, tenure band, score: counts
and comment counts); the rules above run on those few aggregate rows.
"""

from __future__ import annotations

import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cached_property

from sqlalchemy import case, func, literal, select

from relq.db import db
from relq.enps.models import (
    MIN_COMMENTS_FLOOR,
    MIN_GROUP_FLOOR,
    PASSIVE_FROM,
    PROMOTER_FROM,
    SurveyBand,
    SurveyResponse,
    SurveyRound,
)

# Rules as data: which round statuses' answers may be shown as scores (see rule 1).
SHOWN_STATUSES = ("closed",)
DIMENSIONS = ("level", "tenure")

# Suppressed.reason codes.
SMALL = "small"  # fewer than `threshold` answers here or in the rest of its parent
OPEN = "open"  # the round is not closed yet
COMBINED = "combined"  # level and tenure together, or comments of a band
NO_ROUND = "no_round"


@dataclass(frozen=True)
class Group:
    """Responses of one round, narrowed by optional filters."""

    round_id: int
    department_id: int | None = None
    level_band_id: int | None = None
    tenure_band_id: int | None = None

    @property
    def band(self) -> tuple[str, int] | None:
        if self.level_band_id is not None:
            return ("level", self.level_band_id)
        if self.tenure_band_id is not None:
            return ("tenure", self.tenure_band_id)
        return None


@dataclass(frozen=True)
class Score:
    """What a group's score looks like when it may be shown."""

    n: int
    promoters: int
    passives: int
    detractors: int
    distribution: tuple[int, ...]  # 11 counts, scores 0..10

    @classmethod
    def of(cls, distribution: Iterable[int]) -> Score:
        dist = tuple(distribution)
        return cls(
            n=sum(dist),
            promoters=sum(dist[PROMOTER_FROM:]),
            passives=sum(dist[PASSIVE_FROM:PROMOTER_FROM]),
            detractors=sum(dist[:PASSIVE_FROM]),
            distribution=dist,
        )

    @property
    def enps(self) -> float:
        """% promoters - % detractors, -100..100."""
        return 100.0 * (self.promoters - self.detractors) / self.n

    @property
    def promoter_share(self) -> float:
        return 100.0 * self.promoters / self.n

    @property
    def passive_share(self) -> float:
        return 100.0 * self.passives / self.n

    @property
    def detractor_share(self) -> float:
        return 100.0 * self.detractors / self.n

    shown = True


@dataclass(frozen=True)
class Suppressed:
    """Shown instead of a score: "fewer than `threshold` answers" (never the true n)."""

    reason: str
    threshold: int

    shown = False


def _ok(n: int, k: int) -> bool:
    return n == 0 or n >= k


def _add(a: list[int], b: Iterable[int]) -> None:
    for i, v in enumerate(b):
        a[i] += v


@dataclass
class Release:
    """What one round may show: computed once from one GROUP BY, then read by the functions
    below (a page that shows many groups asks `release(round_id)` once)."""

    round: SurveyRound
    # (department, level band, tenure band) -> 11 counts; and -> number of non-empty reasons.
    cells: dict[tuple[int, int | None, int | None], list[int]]
    comment_cells: dict[tuple[int, int | None, int | None], int]
    band_dimension: dict[int, str] = field(default_factory=dict)

    @property
    def k(self) -> int:
        return max(self.round.min_group or 0, MIN_GROUP_FLOOR)

    @property
    def kc(self) -> int:
        return max(self.round.min_comments or 0, MIN_COMMENTS_FLOOR)

    @property
    def is_shown_status(self) -> bool:
        return self.round.status in SHOWN_STATUSES

    @cached_property
    def answers(self) -> int:
        return sum(sum(v) for v in self.cells.values())

    # ---- distributions ----------------------------------------------------------------

    @cached_property
    def _company(self) -> list[int]:
        total = [0] * 11
        for dist in self.cells.values():
            _add(total, dist)
        return total

    @cached_property
    def _departments(self) -> dict[int, list[int]]:
        out: dict[int, list[int]] = defaultdict(lambda: [0] * 11)
        for (dept, _level, _tenure), dist in self.cells.items():
            _add(out[dept], dist)
        return dict(out)

    def _band_of(self, dimension: str, key: tuple[int, int | None, int | None]) -> int | None:
        band = key[1] if dimension == "level" else key[2]
        # A band id of the other dimension or of another round counts as "no band".
        return band if band is not None and self.band_dimension.get(band) == dimension else None

    @cached_property
    def _bands(self) -> dict[str, dict[tuple[int | None, int | None], list[int]]]:
        """dimension -> (department or None for the company, band or None) -> 11 counts."""
        out: dict[str, dict] = {}
        for dimension in DIMENSIONS:
            cut: dict = defaultdict(lambda: [0] * 11)
            for key, dist in self.cells.items():
                band = self._band_of(dimension, key)
                _add(cut[(key[0], band)], dist)
                _add(cut[(None, band)], dist)
            out[dimension] = dict(cut)
        return out

    # ---- what is shown ------------------------------------------------------------------

    @cached_property
    def company_shown(self) -> bool:
        return self.is_shown_status and self.answers >= self.k

    @staticmethod
    def _with_complement(sizes: dict[int, int], k: int) -> set[int]:
        """Rule 3: those >= k, less the smallest until the hidden rest is 0 or >= k."""
        shown = {key for key, n in sizes.items() if n >= k}
        rest = sum(n for key, n in sizes.items() if key not in shown)
        for key in sorted(shown, key=lambda key: (sizes[key], key)):
            if _ok(rest, k):
                break
            shown.discard(key)
            rest += sizes[key]
        return shown

    @cached_property
    def shown_departments(self) -> frozenset[int]:
        if not self.company_shown:
            return frozenset()
        sizes = {dept: sum(dist) for dept, dist in self._departments.items()}
        return frozenset(self._with_complement(sizes, self.k))

    @cached_property
    def _cuts(self) -> dict[str, tuple[bool, frozenset[int]]]:
        """dimension -> (is the company's cut shown, departments whose cut is shown).

        Blocks: each shown department, and the hidden departments together as one. A block's
        cut of one dimension is allowed when its bands (and "no band") are each 0 or >= k; its
        second dimension's cut only when every level x tenure cell of the block is 0 or >= k
        too (rule 6's cells, worked out from both cuts by anyone who knows which cells are
        empty). The company's cut needs every shown department's cut and the hidden block's."""
        k = self.k
        blocks: dict[object, dict[tuple, int]] = defaultdict(lambda: defaultdict(int))
        hidden = "hidden"
        for key, dist in self.cells.items():
            dept = key[0] if key[0] in self.shown_departments else hidden
            cell = (self._band_of("level", key), self._band_of("tenure", key))
            blocks[dept][cell] += sum(dist)
        has_bands = {
            dimension: any(b is not None for b in self.band_dimension_values(dimension))
            for dimension in DIMENSIONS
        }

        def allowed(block: dict[tuple, int]) -> dict[str, bool]:
            margins = {}
            for i, dimension in enumerate(DIMENSIONS):
                totals: dict = defaultdict(int)
                for cell, n in block.items():
                    totals[cell[i]] += n
                margins[dimension] = has_bands[dimension] and all(
                    _ok(n, k) for n in totals.values()
                )
            if all(margins.values()) and not all(_ok(n, k) for n in block.values()):
                margins["tenure"] = False  # rule 6: the level cut is kept, the tenure cut not
            return margins

        per_block = {dept: allowed(block) for dept, block in blocks.items()}
        out = {}
        for dimension in DIMENSIONS:
            departments = frozenset(
                d for d in self.shown_departments if per_block.get(d, {}).get(dimension)
            )
            company_cut = (
                self.company_shown
                and has_bands[dimension]
                and departments == self.shown_departments
                and (hidden not in per_block or per_block[hidden][dimension])
            )
            out[dimension] = (company_cut, departments)
        return out

    def band_dimension_values(self, dimension: str) -> list[int]:
        return [b for b, dim in self.band_dimension.items() if dim == dimension]

    @cached_property
    def _comment_departments(self) -> frozenset[int]:
        if not self.company_comments_shown:
            return frozenset()
        sizes: dict[int, int] = defaultdict(int)
        for (dept, _l, _t), n in self.comment_cells.items():
            sizes[dept] += n
        shown = self._with_complement(dict(sizes), self.kc)
        return frozenset(shown & self.shown_departments)

    @cached_property
    def company_comments_shown(self) -> bool:
        return self.company_shown and sum(self.comment_cells.values()) >= self.kc

    # ---- answers ------------------------------------------------------------------------

    def suppressed(self, reason: str = SMALL) -> Suppressed:
        if not self.is_shown_status:
            reason = OPEN
        return Suppressed(reason=reason, threshold=self.k)

    def score(self, group: Group) -> Score | Suppressed:
        if group.level_band_id is not None and group.tenure_band_id is not None:
            return self.suppressed(COMBINED)
        band = group.band
        if band is None:
            if group.department_id is None:
                shown, dist = self.company_shown, self._company
            else:
                shown = group.department_id in self.shown_departments
                dist = self._departments.get(group.department_id, [0] * 11)
        else:
            dimension, band_id = band
            if self.band_dimension.get(band_id) != dimension:
                return self.suppressed()
            company_cut, departments = self._cuts[dimension]
            if group.department_id is None:
                shown = company_cut
            else:
                shown = group.department_id in departments
            dist = self._bands[dimension].get((group.department_id, band_id), [0] * 11)
        if not shown or sum(dist) == 0:
            return self.suppressed()
        return Score.of(dist)

    def department_scores(self) -> dict[int, Score | Suppressed]:
        return {dept: self.score(Group(self.round.id, dept)) for dept in sorted(self._departments)}

    def band_scores(
        self, dimension: str, department_id: int | None = None
    ) -> dict[int, Score | Suppressed]:
        """Every band of one dimension of the round (in the round's order), for the company or
        one department."""
        if dimension not in DIMENSIONS:
            raise ValueError(dimension)
        out = {}
        for band_id, dim in self.band_dimension.items():
            if dim != dimension:
                continue
            kwargs = {"level_band_id" if dimension == "level" else "tenure_band_id": band_id}
            out[band_id] = self.score(Group(self.round.id, department_id, **kwargs))
        return out

    def comments_shown(self, group: Group) -> bool:
        if group.band is not None or not self.is_shown_status:
            return False
        if group.department_id is None:
            return self.company_comments_shown
        return group.department_id in self._comment_departments


def release(round_id: int, *, bands: bool = True, comments: bool = True) -> Release | None:
    """What a round may show (None: no such round). One GROUP BY over its responses."""
    return releases([round_id], bands=bands, comments=comments).get(round_id)


def releases(round_ids, *, bands: bool = True, comments: bool = True) -> dict[int, Release]:
    """What each of these rounds may show (rounds that do not exist are left out): one GROUP BY
    over all their responses, so a trend across twenty rounds is one query, not twenty.

    bands=False groups by department and score only (a few rows a round instead of one per
    department, band, band and score): company and department figures are the same, and every
    band group is Suppressed (it is not computed), for pages that show no cuts.
    comments=False leaves the reasons unread (no comments are shown from that release): with
    bands=False the count is then read from the index on (round, department, score) alone."""
    ids = sorted({int(i) for i in round_ids})
    if not ids:
        return {}
    found = {
        r.id: r for r in db.session.scalars(select(SurveyRound).where(SurveyRound.id.in_(ids)))
    }
    if not found:
        return {}
    has_reason = case((SurveyResponse.reason != "", 1), else_=0)
    keys = [SurveyResponse.round_id, SurveyResponse.department_id]
    if bands:
        keys += [SurveyResponse.level_band_id, SurveyResponse.tenure_band_id]
    counted = func.sum(has_reason) if comments else literal(0)
    rows = db.session.execute(
        select(*keys, SurveyResponse.score, func.count(), counted)
        .where(SurveyResponse.round_id.in_(list(found)))
        .group_by(*keys, SurveyResponse.score)
    ).all()
    cells: dict = {i: defaultdict(lambda: [0] * 11) for i in found}
    comment_cells: dict = {i: defaultdict(int) for i in found}
    for row in rows:
        round_id, key = row[0], (row[1], row[2], row[3]) if bands else (row[1], None, None)
        value, n, with_reason = row[-3:]
        cells[round_id][key][value] += n
        comment_cells[round_id][key] += int(with_reason or 0)
    dimensions: dict[int, dict[int, str]] = {i: {} for i in found}
    if bands:
        for round_id, band_id, dimension in db.session.execute(
            select(SurveyBand.round_id, SurveyBand.id, SurveyBand.dimension)
            .where(SurveyBand.round_id.in_(list(found)))
            .order_by(SurveyBand.round_id, SurveyBand.dimension, SurveyBand.position)
        ):
            dimensions[round_id][band_id] = dimension
    return {
        i: Release(
            round=found[i],
            cells=dict(cells[i]),
            comment_cells=dict(comment_cells[i]),
            band_dimension=dimensions[i],
        )
        for i in found
    }


def score(group: Group) -> Score | Suppressed:
    """The group's score, or Suppressed when the rules above hide it."""
    rel = release(group.round_id, bands=group.band is not None, comments=False)
    if rel is None:
        return Suppressed(reason=NO_ROUND, threshold=MIN_GROUP_FLOOR)
    return rel.score(group)


def comments(group: Group) -> list[str] | Suppressed:
    """The group's non-empty reasons in random order (no dates, no order of arrival), or
    Suppressed (threshold: the round's min_comments) when rule 7 hides them."""
    rel = release(group.round_id, bands=False)
    if rel is None:
        return Suppressed(reason=NO_ROUND, threshold=MIN_COMMENTS_FLOOR)
    if not rel.comments_shown(group):
        reason = OPEN if not rel.is_shown_status else COMBINED if group.band else SMALL
        return Suppressed(reason=reason, threshold=rel.kc)
    query = select(SurveyResponse.reason).where(
        SurveyResponse.round_id == group.round_id, SurveyResponse.reason != ""
    )
    if group.department_id is not None:
        query = query.where(SurveyResponse.department_id == group.department_id)
    texts = list(db.session.scalars(query))
    secrets.SystemRandom().shuffle(texts)
    return texts


def department_scores(round_id: int) -> dict[int, Score | Suppressed]:
    """Every department with answers in the round -> its score or Suppressed."""
    rel = release(round_id, bands=False, comments=False)
    return {} if rel is None else rel.department_scores()


def answers_so_far(round_id: int) -> int:
    """How many answers a round has (its participation, not a score: safe while open)."""
    return db.session.scalar(
        select(func.count()).select_from(SurveyResponse).where(SurveyResponse.round_id == round_id)
    )


def latest_closed_round() -> SurveyRound | None:
    return db.session.scalars(
        select(SurveyRound)
        .where(SurveyRound.status == "closed")
        .order_by(SurveyRound.period_end.desc(), SurveyRound.id.desc())
        .limit(1)
    ).first()
