"""Finding the files a load names (folders walked, recursively, in order) and grouping them into units of
work: runs of small files parsed together by one worker, and each large file alone, to be streamed."""

from __future__ import annotations

import errno
import os
from collections.abc import Sequence
from pathlib import Path

from analytics.ingest import memory
from analytics.ingest.store import FileResult, resolved


def expand(paths: Sequence[str | Path], database: Path | None = None) -> tuple[list[Path], list[FileResult]]:
    """Files named, and files under folders named (recursively, sorted); unreadable paths as failures. The
    files of `database` (the one the load writes to, when it sits in a folder loaded) are left out: they are
    not input, and read as such they failed as binary or not X12."""
    files: list[Path] = []
    problems: list[FileResult] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            for root, dirs, names in os.walk(path):
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                files.extend(Path(root) / n for n in sorted(names) if not n.startswith("."))
        elif path.is_file():
            files.append(path)
        elif path.exists():
            problems.append(FileResult(path, "failed", "not a regular file or folder"))
        else:
            problems.append(FileResult(path, "failed", _missing(path)))
    if database is not None:
        home = database.resolve().parent
        files = [
            path
            for path, real in zip(files, resolved(files), strict=True)
            if not _belongs_to(real, home, database.name)
        ]
    return files, problems


def _belongs_to(real: Path, home: Path, name: str) -> bool:
    """Whether a file (its resolved path) is the database `name` in the folder `home`, or one it keeps beside
    it, all named after it: its log (.wal), the writer's lock (.lock) and the dashboard's copies (.dashboard/)."""
    try:
        first = real.relative_to(home).parts[0]
    except ValueError:
        return False
    return first == name or first.startswith(name + ".")


def _missing(path: Path) -> str:
    """Why a path that does not exist (to Path.exists) cannot be read."""
    try:
        os.stat(path)
    except OSError as e:
        if e.errno == errno.ELOOP:
            return "a symbolic link loop (the link leads back to itself)"
        if e.errno not in (errno.ENOENT, errno.ENOTDIR):
            return f"cannot be read ({e.strerror or e})"
    return "no such file or folder"


def size_of(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0  # reading it will say what is wrong


def streamed(path: Path) -> bool:
    """Whether the file is too large to parse whole (memory.STREAM_BYTES): it is read in pieces."""
    return size_of(path) > memory.STREAM_BYTES


def group(files: list[Path]) -> list[list[Path] | Path]:
    """Files in runs of about memory.CHUNK_BYTES, the unit of work of one parsing worker; a file larger
    than memory.STREAM_BYTES stands alone, as its path (it is streamed)."""
    groups: list[list[Path] | Path] = []
    current: list[Path] = []
    size = 0
    for path in files:
        length = size_of(path)
        if length > memory.STREAM_BYTES:
            if current:
                groups.append(current)
                current, size = [], 0
            groups.append(path)
            continue
        current.append(path)
        size += length
        if size >= memory.CHUNK_BYTES:
            groups.append(current)
            current, size = [], 0
    if current:
        groups.append(current)
    return groups
