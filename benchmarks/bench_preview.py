"""Time the offline preview of every stack: run the real program under mocks, then the
review on top (policy pack, pricing per component, diagram).

For each stack: resources, program time, review time, total, resources per second (best of
``RUNS``). Then a least-squares fit of total time against resource count (seconds per
resource, intercept, R^2) and the per-stack ratio time/resources, to show growth is linear.
Target: expert-prod under 3 s on a 2-core machine. Usage:
``.venv/bin/python benchmarks/bench_preview.py [runs]``.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from aiplat.diagram import build_diagram, to_mermaid, to_svg  # noqa: E402
from aiplat.harness import run_program  # noqa: E402
from aiplat.review import build_review  # noqa: E402
from aiplat.stackfiles import load, stack_names  # noqa: E402

TARGET_STACK, TARGET_SECONDS = "expert-prod", 3.0


def best_of(runs: int, stack: str) -> tuple[int, float, float]:
    stack_file = load(stack)
    best_program = best_review = float("inf")
    count = 0
    for _ in range(runs):
        start = time.perf_counter()
        capture = run_program(stack, stack_file.engine_values(), preview=True)
        middle = time.perf_counter()
        build_review(stack_file, capture)
        diagram = build_diagram(capture)
        to_mermaid(diagram), to_svg(diagram)
        end = time.perf_counter()
        best_program = min(best_program, middle - start)
        best_review = min(best_review, end - middle)
        count = len(capture.resources)
    return count, best_program, best_review


def linear_fit(xs: list[float], ys: list[float]) -> tuple[float, float, float]:
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    intercept = my - slope * mx
    ss_tot = sum((y - my) ** 2 for y in ys)
    ss_res = sum((y - (intercept + slope * x)) ** 2 for x, y in zip(xs, ys, strict=True))
    return slope, intercept, 1 - ss_res / ss_tot if ss_tot else 1.0


def main(runs: int = 3) -> int:
    print(
        f"{'stack':22} {'resources':>9} {'program s':>10} {'review s':>9} {'total s':>8} {'res/s':>8}"
    )
    best_of(1, "poc-local")  # warm-up: imports and the provider SDKs' first registrations
    rows = []
    for stack in stack_names():
        count, program, review = best_of(runs, stack)
        total = program + review
        rows.append((stack, count, total))
        print(
            f"{stack:22} {count:9d} {program:10.3f} {review:9.3f} {total:8.3f} {count / total:8.0f}"
        )
    slope, intercept, r2 = linear_fit([r[1] for r in rows], [r[2] for r in rows])
    print(
        f"\nlinear fit: time = {intercept * 1000:.1f} ms + {slope * 1000:.2f} ms x resources"
        f" (R^2 = {r2:.3f})"
    )
    print("ms per resource by stack: " + ", ".join(f"{s} {t / n * 1000:.1f}" for s, n, t in rows))
    (target,) = [r for r in rows if r[0] == TARGET_STACK]
    verdict = "OK" if target[2] < TARGET_SECONDS else "OVER TARGET"
    print(
        f"{TARGET_STACK}: {target[2]:.2f} s for {target[1]} resources (target < {TARGET_SECONDS} s): {verdict}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main(int(sys.argv[1]) if len(sys.argv) > 1 else 3))
