"""What one chart costs to draw with relq.charts: median ms per chart, SVG and PNG, uncached
(the cache is cleared before each render), and a cache hit.

    .venv/bin/python bench/charts_bench.py [--runs 30]

Charts: the deadline page's (8 weeks, stacked, a target line), the themes page's (10 themes,
3 periods, horizontal), a 52-week line of 3 series, and a small 8-bar single series.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from relq import charts  # noqa: E402
from relq.charts import render  # noqa: E402


def samples() -> dict[str, charts.Chart]:
    weeks = [f"W{w}\n11/{w - 24:02d}" for w in range(41, 49)]
    return {
        "deadlines (8 stacked bars)": charts.bar(
            weeks,
            {
                "目標以上": [95, None, 100, 92, None, None, 99, 100],
                "目標未満": [None, 50, None, None, 80, None, None, None],
            },
            stacked=True,
            value_format="{:.0f}%",
            value_range=(0, 105),
            reference=90,
            reference_label="目標",
            title="カスタマーサポート部: 週ごとの期限内達成率",
        ),
        "themes (10 x 3 horizontal)": charts.bar(
            [f"テーマ{i} 蓋が閉まらない" for i in range(10)],
            {
                "2期間前": list(range(10)),
                "前の期間": list(range(3, 13)),
                "この期間": list(range(5, 15)),
            },
            horizontal=True,
            unit="件",
            title="テーマごとの件数",
        ),
        "line (52 weeks x 3)": charts.line(
            [f"2026-W{w:02d}" for w in range(1, 53)],
            {
                name: [(w * k) % 17 for w in range(52)]
                for k, name in enumerate(("苦情", "要望", "称賛"), 1)
            },
            unit="件",
        ),
        "small (8 bars)": charts.bar(
            [f"W{w}" for w in range(41, 49)], {"件数": [3, 5, 2, 8, 4, 6, 7, 1]}
        ),
    }


def median_ms(fn, runs: int) -> tuple[float, float]:
    """Median wall-clock and CPU milliseconds (CPU: this process's own time, which a busy
    shared machine inflates much less than the wall clock)."""
    wall, cpu = [], []
    for _ in range(runs):
        render.svg.cache_clear()
        render.png.cache_clear()
        start, start_cpu = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - start) * 1000)
        cpu.append((time.process_time() - start_cpu) * 1000)
    return statistics.median(wall), statistics.median(cpu)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=30)
    runs = parser.parse_args().runs
    sample_charts = samples()
    next(iter(sample_charts.values())).png()  # load fonts once, as a running app has
    print(f"load average before: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    print(
        f"{'chart':28} {'svg wall':>8} {'svg cpu':>8} {'png wall':>8} {'png cpu':>8}"
        f" {'svg kB':>7} {'png kB':>7}"
    )
    for name, chart in sample_charts.items():
        svg_wall, svg_cpu = median_ms(chart.svg, runs)
        png_wall, png_cpu = median_ms(chart.png, runs)
        sizes = len(str(chart.svg())) / 1000, len(chart.png()) / 1000
        print(
            f"{name:28} {svg_wall:8.1f} {svg_cpu:8.1f} {png_wall:8.1f} {png_cpu:8.1f}"
            f" {sizes[0]:7.1f} {sizes[1]:7.1f}"
        )
    chart = next(iter(sample_charts.values()))
    chart.svg()
    start = time.perf_counter()
    for _ in range(1000):
        chart.svg()
    print(f"cache hit: {(time.perf_counter() - start) * 1000:.3f} µs per svg() (of 1000)")


if __name__ == "__main__":
    main()
