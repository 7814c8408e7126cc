"""The geometry of the relationship map's pictures: plain numbers the templates draw as SVG.

The network diagram uses a fixed circular layout computed here rather than a graph library's
(networkx's spring layouts move with every change of data and bring nothing a circle of 8–30
departments needs): every department keeps its place from one period to the next, so a person
compares two maps by eye, and labels can be placed with a guarantee. Edges bend toward the
centre and stay inside the circle; labels sit outside it, so no edge crosses a label. Labels
are left-aligned on the circle's right half and right-aligned on its left half, so the two
halves never meet; within each half they are pushed apart to at least a line's height, so no
two labels overlap (tests/relations/test_pages.py and test_network_geometry.py measure them).

Colours are colour-blind safe: Okabe–Ito blue for ordinary edges and vermillion (and a dashed
line, so that colour is never the only sign) for stall points; the heat-map uses viridis.
"""

from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass

FONT_FAMILY = '"Hiragino Sans","Noto Sans JP","Yu Gothic",system-ui,sans-serif'  # relq.css
LABEL_SIZE = 13
CELL = 46
# How far an edge's curve bends toward the centre, as a share of its chord: the two directions
# of a pair bend by different depths (at most half the chord keeps the curve in the circle).
BEND_NEAR, BEND_FAR = 0.12, 0.3
VIRIDIS = (
    "#fde725",
    "#b5de2b",
    "#6ece58",
    "#35b779",
    "#1f9e89",
    "#26828e",
    "#31688e",
    "#3e4989",
    "#482878",
    "#440154",
)


def text_width(text: str, size: float) -> float:
    """A generous estimate of the width of `text` at `size` px: a full em for wide (CJK)
    characters, 0.62 em for others. Layout and tests measure with it."""
    return sum(
        size if unicodedata.east_asian_width(ch) in ("W", "F") else 0.62 * size for ch in text
    )


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    width: float
    height: float

    def overlaps(self, other: Box) -> bool:
        return not (
            self.x + self.width <= other.x
            or other.x + other.width <= self.x
            or self.y + self.height <= other.y
            or other.y + other.height <= self.y
        )


def label_box(x: float, y: float, text: str, size: float, anchor: str) -> Box:
    """The box of a horizontal label drawn at baseline (x, y) with `anchor`."""
    width = text_width(text, size)
    left = {"start": x, "middle": x - width / 2, "end": x - width}[anchor]
    return Box(left, y - 0.88 * size, width, 1.1 * size)


# ---- the network diagram ----------------------------------------------------------------------


@dataclass(frozen=True)
class Node:
    department_id: int
    name: str
    x: float
    y: float
    r: float
    label_x: float
    label_y: float
    anchor: str
    # A leader line from the node to its label when the label had to move away.
    leader: tuple[float, float, float, float] | None


@dataclass(frozen=True)
class EdgePath:
    requester_id: int
    provider_id: int
    d: str
    width: float
    is_stall: bool


@dataclass(frozen=True)
class Network:
    view_box: str
    width: float
    height: float
    nodes: tuple[Node, ...]
    edges: tuple[EdgePath, ...]


def network(names: list[tuple[int, str]], edges) -> Network:
    """Departments (id, name) on a circle, in the order given; `edges` are EdgeMetrics."""
    n = max(len(names), 1)
    radius = 110 + 9 * n
    node_r = 9
    gap = 8
    positions = {}
    placed: dict[str, list[list]] = {"start": [], "end": []}
    for i, (department_id, name) in enumerate(names):
        # Half a step off the vertical, so that no department sits exactly at the top.
        angle = -math.pi / 2 + 2 * math.pi * (i + 0.5) / n
        x, y = radius * math.cos(angle), radius * math.sin(angle)
        positions[department_id] = (x, y)
        anchor = "start" if x >= -1e-9 else "end"
        lx = x + (node_r + gap) * math.cos(angle) + (4 if anchor == "start" else -4)
        ly = y + (node_r + gap) * math.sin(angle) + LABEL_SIZE * 0.35
        placed[anchor].append([department_id, name, x, y, lx, ly])
    line = LABEL_SIZE * 1.25
    labels = {}
    for anchor, items in placed.items():
        items.sort(key=lambda item: item[5])
        for k in range(1, len(items)):
            items[k][5] = max(items[k][5], items[k - 1][5] + line)
        for department_id, _name, _x, _y, lx, ly in items:
            labels[department_id] = (lx, ly, anchor)
    nodes = []
    boxes = []
    for department_id, name in names:
        x, y = positions[department_id]
        lx, ly, anchor = labels[department_id]
        natural_y = y + (node_r + gap) * (y / radius) + LABEL_SIZE * 0.35
        leader = None
        if abs(ly - natural_y) > 2:
            end_x = lx - 2 if anchor == "start" else lx + 2
            leader = (
                x + node_r * (1 if anchor == "start" else -1),
                y,
                end_x,
                ly - LABEL_SIZE * 0.35,
            )
        nodes.append(Node(department_id, name, x, y, node_r, lx, ly, anchor, leader))
        boxes.append(label_box(lx, ly, name, LABEL_SIZE, anchor))
        boxes.append(Box(x - node_r, y - node_r, 2 * node_r, 2 * node_r))
    heaviest = max([e.handoffs for e in edges] or [1])
    paths = []
    for e in edges:
        if e.requester_id not in positions or e.provider_id not in positions:
            continue
        paths.append(
            EdgePath(
                e.requester_id,
                e.provider_id,
                _curve(positions[e.requester_id], positions[e.provider_id], node_r),
                round(1.2 + 5.8 * math.sqrt(e.handoffs / heaviest), 2),
                e.is_stall,
            )
        )
    margin = 12
    left = min([b.x for b in boxes] or [0]) - margin
    top = min([b.y for b in boxes] or [0]) - margin
    right = max([b.x + b.width for b in boxes] or [0]) + margin
    bottom = max([b.y + b.height for b in boxes] or [0]) + margin
    width, height = right - left, bottom - top
    return Network(
        view_box=f"{left:.1f} {top:.1f} {width:.1f} {height:.1f}",
        width=round(width, 1),
        height=round(height, 1),
        nodes=tuple(nodes),
        edges=tuple(paths),
    )


def _curve(a: tuple[float, float], b: tuple[float, float], node_r: float) -> str:
    """A quadratic curve from a to b (both on the circle around the origin) bending toward the
    centre, so that every edge stays inside the circle and never crosses a label, which all
    sit outside it. A→B and B→A bend by different depths, so they never lie on each other."""
    (ax, ay), (bx, by) = a, b
    dx, dy = bx - ax, by - ay
    length = math.hypot(dx, dy) or 1
    nx, ny = -dy / length, dx / length  # the chord's right-hand side, from a to b
    mx, my = (ax + bx) / 2, (ay + by) / 2
    # The right-hand side faces the centre for one direction of a pair and away for the other.
    inward = nx * -mx + ny * -my >= 0
    depth = length * (BEND_NEAR if inward else -BEND_FAR)
    cx, cy = mx + nx * depth, my + ny * depth

    def toward(px: float, py: float, qx: float, qy: float, by_: float) -> tuple[float, float]:
        d = math.hypot(qx - px, qy - py) or 1
        return px + (qx - px) / d * by_, py + (qy - py) / d * by_

    sx, sy = toward(ax, ay, cx, cy, node_r + 1)
    ex, ey = toward(bx, by, cx, cy, node_r + 3)
    return f"M{sx:.1f},{sy:.1f} Q{cx:.1f},{cy:.1f} {ex:.1f},{ey:.1f}"


# ---- the department × department heat-map -----------------------------------------------------


@dataclass(frozen=True)
class Cell:
    requester_id: int
    provider_id: int
    x: float
    y: float
    fill: str
    text: str
    text_fill: str
    has_edge: bool
    is_stall: bool
    is_self: bool


@dataclass(frozen=True)
class Heading:
    department_id: int
    name: str
    x: float
    y: float


@dataclass(frozen=True)
class HeatMap:
    width: float
    height: float
    cell: int
    rows: tuple[Heading, ...]  # asking departments: labels right-aligned at x
    columns: tuple[Heading, ...]  # providing departments: vertical labels from (x, y) down
    cells: tuple[Cell, ...]
    legend: tuple[tuple[float, str], ...]  # (x, colour) steps of the scale
    legend_y: float
    legend_max_days: float
    grid_x: float
    grid_y: float


def heat_colour(value: float, top: float) -> tuple[str, str]:
    """Viridis from light (quick) to dark (slow), and a text colour that reads on it."""
    step = min(len(VIRIDIS) - 1, int(value / top * (len(VIRIDIS) - 1) + 0.5)) if top else 0
    return VIRIDIS[step], "#ffffff" if step >= 5 else "#111111"


def heat_map(names: list[tuple[int, str]], edges, *, days_minutes: int = 540) -> HeatMap:
    """Rows ask, columns provide; each cell the edge's median turnaround in business days."""
    margin = 8
    row_label_width = max([text_width(name, LABEL_SIZE) for _, name in names] or [0])
    column_label_height = row_label_width
    grid_x = margin + row_label_width + 8
    grid_y = margin + column_label_height + 8
    by_pair = {(e.requester_id, e.provider_id): e for e in edges}
    top = max(
        [e.median_turnaround_minutes for e in edges if e.median_turnaround_minutes is not None]
        or [0]
    )
    rows, columns, cells = [], [], []
    for i, (department_id, name) in enumerate(names):
        baseline = grid_y + i * CELL + CELL / 2 + LABEL_SIZE * 0.35
        rows.append(Heading(department_id, name, grid_x - 6, baseline))
        columns.append(Heading(department_id, name, grid_x + i * CELL + CELL / 2, margin))
    for i, (a, _name_a) in enumerate(names):
        for j, (b, _name_b) in enumerate(names):
            e = by_pair.get((a, b))
            x, y = grid_x + j * CELL, grid_y + i * CELL
            if a == b:
                cells.append(Cell(a, b, x, y, "#eeeeee", "", "#111111", False, False, True))
            elif e is None:
                cells.append(Cell(a, b, x, y, "#ffffff", "", "#111111", False, False, False))
            elif e.median_turnaround_minutes is None:
                cells.append(Cell(a, b, x, y, "#f2f2f2", "–", "#111111", True, e.is_stall, False))
            else:
                fill, ink = heat_colour(e.median_turnaround_minutes, top)
                text = f"{e.median_turnaround_minutes / days_minutes:.1f}"
                cells.append(Cell(a, b, x, y, fill, text, ink, True, e.is_stall, False))
    grid_w = CELL * len(names)
    legend_y = grid_y + grid_w + 18
    step = grid_w / len(VIRIDIS) if names else 0
    legend = tuple((grid_x + k * step, colour) for k, colour in enumerate(VIRIDIS))
    return HeatMap(
        width=round(grid_x + grid_w + margin, 1),
        height=round(legend_y + 40, 1),
        cell=CELL,
        rows=tuple(rows),
        columns=tuple(columns),
        cells=tuple(cells),
        legend=legend,
        legend_y=legend_y,
        legend_max_days=round(top / days_minutes, 1) if top else 0,
        grid_x=grid_x,
        grid_y=grid_y,
    )


# The scorecard's weekly bars are bar/line charts: relq.charts draws them (relations/views.py).
