"""CLI startup time: ``aiplat --help`` against a bare interpreter and against ``import pulumi``.

A benchmark, not a test: it prints medians and ratios and asserts nothing. Run it with
``make bench`` or ``.venv/bin/python benchmarks/cli_startup.py [runs]``.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
RUNS = 7

COMMANDS: dict[str, list[str]] = {
    "python -c pass": [sys.executable, "-c", "pass"],
    "python -c 'import pulumi'": [sys.executable, "-c", "import pulumi"],
    "aiplat --help": [sys.executable, "-m", "aiplat", "--help"],
}

PROBE = "import aiplat.cli.main, sys; print('pulumi' in sys.modules, 'pandas' in sys.modules)"


def wall_ms(argv: list[str]) -> float:
    start = time.perf_counter()
    subprocess.run(argv, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
    return (time.perf_counter() - start) * 1000


def median_ms(argv: list[str], runs: int) -> float:
    wall_ms(argv)  # warm the file-system cache and .pyc files; not counted
    return statistics.median(wall_ms(argv) for _ in range(runs))


def main(runs: int = RUNS) -> None:
    print(f"median wall time of {runs} runs each ({sys.executable})")
    medians = {label: median_ms(argv, runs) for label, argv in COMMANDS.items()}
    for label, ms in medians.items():
        print(f"  {label:<28} {ms:8.1f} ms")
    aiplat = medians["aiplat --help"]
    baseline = medians["python -c pass"]
    pulumi = medians["python -c 'import pulumi'"]
    print(f"  aiplat / baseline            {aiplat / baseline:8.2f} x")
    print(f"  aiplat / import pulumi       {aiplat / pulumi:8.2f} x")

    probe = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, check=True, capture_output=True, text=True
    )
    pulumi_loaded, pandas_loaded = probe.stdout.split()
    print("after `import aiplat.cli.main`:")
    print(f"  pulumi in sys.modules        {pulumi_loaded}")
    print(f"  pandas in sys.modules        {pandas_loaded}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else RUNS)
