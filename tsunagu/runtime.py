"""The runtime folder: per-boot scratch files kept off the data disk.

prometheus_client's multiprocess mode memory-maps one file per web worker and metric kind.
A write to a mapped page of a file that cannot grow (a full disk) is not an error the
program can catch: the kernel sends SIGBUS and the worker dies (issue 13). Those files
therefore live in ``TSUNAGU_RUNTIME_DIR`` — by default ``$XDG_RUNTIME_DIR/tsunagu`` (a
tmpfs on systemd hosts) or ``<tmp>/tsunagu-<uid>`` — never in the data folder.
"""

from __future__ import annotations

import os
import shutil
import stat
from pathlib import Path

from common.config import Settings


class UnsafeRuntimeDir(RuntimeError):
    """The runtime folder exists but is not this user's own private folder."""


def private_dir(path: Path) -> Path:
    """``path`` created 0700 if missing; refused if it is a symlink, another user's, or
    open to others (a shared /tmp invites a planted folder)."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    info = os.lstat(path)
    if stat.S_ISLNK(info.st_mode) or not stat.S_ISDIR(info.st_mode):
        raise UnsafeRuntimeDir(f"{path} is not a plain folder")
    if info.st_uid != os.getuid():
        raise UnsafeRuntimeDir(f"{path} belongs to another user")
    if info.st_mode & 0o077:
        raise UnsafeRuntimeDir(f"{path} is open to other users (chmod 700 it)")
    return path


def metrics_dir(settings: Settings, name: str) -> Path:
    """A fresh folder for web process ``name``'s metrics files. Keyed by the stack's port, so
    two stacks on one host (tests, a second checkout) never share or wipe each other's."""
    root = private_dir(settings.runtime_dir)
    folder = root / f"metrics-{settings.port}" / name
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(mode=0o700, parents=True)
    return folder
