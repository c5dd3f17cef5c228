"""Errors a data engineer can act on: each names the file (or database) and the problem."""
from __future__ import annotations


class SourceFileError(Exception):
    """A file of a source's snapshot could not be read: the whole snapshot is refused."""

    def __init__(self, source: str, file: str, problem: str):
        self.source, self.file, self.problem = source, file, problem
        super().__init__(f"{source}: {file}: {problem}")


class ReferenceError_(Exception):
    """A reference table is missing or unreadable."""
