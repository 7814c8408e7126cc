"""The network diagram's promise, checked on its geometry for every pair of 30 departments with
long Japanese names: edges stay inside the circle, labels lie outside it (so no edge crosses a
label), and A→B never lies on B→A."""

from __future__ import annotations

import math
import re
from types import SimpleNamespace

from relq.relations.charts import LABEL_SIZE, label_box, network


def _points(d: str) -> list[tuple[float, float]]:
    numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]
    return list(zip(numbers[::2], numbers[1::2], strict=True))


def _nearest_distance_to_centre(box) -> float:
    x = min(max(0.0, box.x), box.x + box.width)
    y = min(max(0.0, box.y), box.y + box.height)
    return math.hypot(x, y)


def test_edges_stay_inside_the_circle_and_labels_outside():
    names = [(i, f"第{i}営業本部 東日本エリア統括部") for i in range(1, 31)]
    edges = [
        SimpleNamespace(requester_id=a, provider_id=b, handoffs=a + b, is_stall=False)
        for a, _ in names
        for b, _ in names
        if a != b
    ]
    picture = network(names, edges)
    radius = math.hypot(picture.nodes[0].x, picture.nodes[0].y)
    assert len(picture.edges) == 30 * 29
    paths = {}
    for edge in picture.edges:
        start, control, end = _points(edge.d)
        # A quadratic curve lies in the triangle of its three points: all inside the circle.
        for x, y in (start, control, end):
            assert math.hypot(x, y) < radius, (edge.requester_id, edge.provider_id)
        paths[(edge.requester_id, edge.provider_id)] = control
    for node in picture.nodes:
        box = label_box(node.label_x, node.label_y, node.name, LABEL_SIZE, node.anchor)
        assert _nearest_distance_to_centre(box) > radius, node.name
    for a, b in paths:
        assert math.dist(paths[(a, b)], paths[(b, a)]) > 5, (a, b)
