"""Errors a data engineer can act on: each names the file (or database) and the problem."""

from __future__ import annotations


class SourceFileError(Exception):
    """A file of a source's snapshot could not be read: the whole snapshot is refused.

    `advice`, when given, is what to do about it; it is said after "The previous snapshot is
    kept." in the run's one paragraph."""

    # A message names a problem; it never carries a file's content (a 30 MB line read as a header).
    MAX_PROBLEM_CHARS = 600

    def __init__(self, source: str, file: str, problem: str, advice: str = ""):
        if len(problem) > self.MAX_PROBLEM_CHARS:
            problem = problem[: self.MAX_PROBLEM_CHARS - 40] + f" … ({len(problem):,} characters in all)"
        self.source, self.file, self.problem, self.advice = source, file, problem, advice
        super().__init__(f"{source}: {file}: {problem}")

    @property
    def paragraph(self) -> str:
        """What the run says: the file, the problem, that nothing was replaced, what to do."""
        text = f"{self.source}: {self.file}: {self.problem}. The previous snapshot is kept."
        return f"{text} {self.advice}" if self.advice else text


class SnapshotHeld(SourceFileError):
    """A snapshot with fewer rows than the previous one by more than the source's `max_shrink`
    (or none at all where there were some): held until a person accepts it (SOURCES.md)."""
