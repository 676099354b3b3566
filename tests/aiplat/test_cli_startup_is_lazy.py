"""The CLI starts fast because it imports the heavy libraries only when a command needs them."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

HEAVY = ("pulumi", "pulumi_aws", "pandas", "pyiceberg")
ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_cli_does_not_import_pulumi_pandas_or_pyiceberg():
    # A fresh interpreter: this test process has long since imported all of them.
    probe = (
        "import json, sys\n"
        "import aiplat.cli.main\n"
        f"print(json.dumps(sorted(m for m in {HEAVY!r} if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert json.loads(done.stdout) == []
