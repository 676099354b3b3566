"""Every stack file with its tier, environment and target."""

from __future__ import annotations

from aiplat.render import Table
from aiplat.stackfiles import PROJECT_DIR, load, stack_names


def stacks_table() -> Table:
    rows = []
    for name in stack_names():
        stack = load(name)
        platform = stack.resolve()
        gpus = sum(p.gpus for p in platform.gpu_pools) * len(platform.regions)
        try:
            path = stack.path.relative_to(PROJECT_DIR)
        except ValueError:
            path = stack.path
        rows.append(
            [
                name,
                platform.tier.value,
                platform.environment.value,
                platform.target.value,
                list(platform.regions) if platform.target.value == "aws" else "-",
                platform.gpu_nodes,
                gpus,
                str(path),
            ]
        )
    columns = ["stack", "tier", "environment", "target", "regions", "GPU nodes", "GPUs", "file"]
    return Table("Stacks", columns, rows)
