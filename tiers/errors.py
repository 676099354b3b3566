"""The one error type bad input turns into: it names the field, the problem and the fix."""

from __future__ import annotations


class SpecError(ValueError):
    """Bad input, reported as one line: ``<field>: <problem>; fix: <fix>``."""

    def __init__(self, field: str, problem: str, fix: str) -> None:
        self.field = field
        self.problem = problem
        self.fix = fix
        super().__init__(f"{field}: {problem}; fix: {fix}")
