"""Work kept between runs, as Python keeps .pyc files: the parsed lessons and question banks, and
the text `show` printed, so a second run reads in milliseconds what the first one built.

Every entry is a pure function of files: the lessons and banks, llmtutor's own code, and the
libraries that draw or compute it. Its key is a fingerprint of those files' paths, sizes and
modification times (and, for `show`, of the terminal it draws for), so editing a lesson,
upgrading llmtutor, Rich or numpy, or another width gives a new key, and the next run
rebuilds. Nothing is ever looked up by a key that a change could leave stale.

Where: `$LLMTUTOR_CACHE`, else the platform's per-user cache folder
(`platformdirs.user_cache_path("llmtutor")`); `LLMTUTOR_CACHE=off` turns it off. The cache is
never the learner's data (that is `$LLMTUTOR_HOME`) and it is never an error: a missing,
damaged, unreadable or unwritable cache costs only the time to build the value again. It holds
pickles, so it trusts its folder as Python trusts its own __pycache__: it is the user's.
"""

from __future__ import annotations

import functools
import hashlib
import os
import pickle
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

#: The value of `$LLMTUTOR_CACHE` that turns the cache off.
OFF = "off"
_PACKAGE = Path(__file__).resolve().parent
#: Libraries whose upgrade can change what is cached (the numbers, how they are drawn).
_LIBRARIES = ("numpy", "rich", "typer", "textual")


def cache_root() -> Path | None:
    """The cache folder, or None when it is turned off (`$LLMTUTOR_CACHE` is read on every call)."""
    override = os.environ.get("LLMTUTOR_CACHE")
    if override is not None and override.strip().lower() == OFF:
        return None
    if override:
        return Path(override).expanduser()
    import platformdirs

    return platformdirs.user_cache_path("llmtutor")


@functools.cache
def code_fingerprint() -> str:
    """llmtutor's own files, the libraries' versions (as installed files) and Python's."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(sys.version.encode())
    _add_tree(digest, _PACKAGE)
    import importlib.util

    for name in _LIBRARIES:
        try:
            spec = importlib.util.find_spec(name)
            origin = spec.origin if spec is not None else None
            stat = os.stat(origin) if origin else None
        except (ImportError, ValueError, OSError):
            stat = None
        digest.update(f"{name}:{stat and (stat.st_size, stat.st_mtime_ns)};".encode())
    return digest.hexdigest()


def fingerprint(*parts: object, trees: Iterable[Path] = ()) -> str:
    """A key from llmtutor's code, the files under each of `trees` and any other `parts`."""
    digest = hashlib.blake2b(digest_size=16)
    digest.update(code_fingerprint().encode())
    for root in trees:
        _add_tree(digest, Path(root))
    digest.update(repr(parts).encode())
    return digest.hexdigest()


def _add_tree(digest: hashlib.blake2b, root: Path) -> None:
    """Every file under `root` (but __pycache__): its path, size and modification time."""
    digest.update(f"[{root}]".encode())
    for folder, dirs, files in os.walk(root):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__")
        for name in sorted(files):
            try:
                stat = os.stat(os.path.join(folder, name))
            except OSError:
                continue
            digest.update(f"{os.path.relpath(folder, root)}/{name}:{stat.st_size}:{stat.st_mtime_ns};".encode())


def read(kind: str, key: str) -> bytes | None:
    """The bytes stored under `kind`/`key`, or None (off, missing, unreadable)."""
    root = cache_root()
    if root is None:
        return None
    try:
        return (root / kind / key).read_bytes()
    except (OSError, ValueError):
        return None


def write(kind: str, key: str, data: bytes, *, keep: int = 1) -> None:
    """Store `data` under `kind`/`key` (atomically: a reader sees all of it or none), then keep
    only the `keep` newest entries of `kind`. Any failure is silent: it was only a cache."""
    root = cache_root()
    if root is None:
        return
    folder = root / kind
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder, prefix=".", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temp, folder / key)
        except BaseException:
            os.unlink(temp)
            raise
        _prune(folder, keep)
    except (OSError, ValueError):
        pass


def _prune(folder: Path, keep: int) -> None:
    """Remove all but the `keep` newest entries, and temporary files a killed run left (an hour old)."""
    entries, stale = [], []
    abandoned = time.time_ns() - 3600 * 10**9
    for entry in os.scandir(folder):
        try:
            modified = entry.stat().st_mtime_ns
        except OSError:
            continue
        if not entry.name.startswith("."):
            entries.append((modified, entry.path))
        elif entry.name.endswith(".tmp") and modified < abandoned:
            stale.append((modified, entry.path))
    for _, path in sorted(entries, reverse=True)[keep:] + stale:
        try:
            os.unlink(path)
        except OSError:
            pass


def pickled(kind: str, key: str, build: Callable[[], T], *, keep: int = 1) -> T:
    """`build()`, or what it returned for this key before (a damaged entry is rebuilt)."""
    data = read(kind, key)
    if data is not None:
        try:
            return pickle.loads(data)  # type: ignore[no-any-return]
        except Exception:  # noqa: BLE001 - a damaged or foreign entry is only a miss
            pass
    value = build()
    if cache_root() is not None:
        try:
            data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        except Exception:  # noqa: BLE001 - a value that cannot be pickled is simply not kept
            return value
        write(kind, key, data, keep=keep)
    return value
