"""Metrics files stay off the data disk (issue 13: a full data disk SIGBUSed web workers
through their memory-mapped metrics files)."""

from __future__ import annotations

from pathlib import Path

import pytest

from common.config import load_settings
from tsunagu.runtime import UnsafeRuntimeDir, metrics_dir, private_dir


def test_the_runtime_folder_is_never_the_data_folder_by_default(tmp_path: Path) -> None:
    data = tmp_path / "data"
    settings = load_settings({"TSUNAGU_DATA_DIR": str(data)})
    assert not settings.runtime_dir.is_relative_to(data)
    xdg = load_settings({"TSUNAGU_DATA_DIR": str(data), "XDG_RUNTIME_DIR": "/run/user/1000"})
    assert xdg.runtime_dir == Path("/run/user/1000/tsunagu")
    chosen = load_settings({"TSUNAGU_RUNTIME_DIR": str(tmp_path / "rt")})
    assert chosen.runtime_dir == tmp_path / "rt"


def test_serve_puts_the_metrics_files_in_a_private_runtime_folder(tmp_path: Path) -> None:
    settings = load_settings(
        {
            "TSUNAGU_DATA_DIR": str(tmp_path / "data"),
            "TSUNAGU_RUNTIME_DIR": str(tmp_path / "rt"),
            "TSUNAGU_PORT": "8100",
        }
    )
    folder = metrics_dir(settings, "gateway")
    assert folder == tmp_path / "rt" / "metrics-8100" / "gateway"
    assert not folder.is_relative_to(tmp_path / "data")
    assert (tmp_path / "rt").stat().st_mode & 0o777 == 0o700
    (folder / "counter_1.db").write_bytes(b"old")
    assert list(metrics_dir(settings, "gateway").iterdir()) == []  # fresh at each start


def test_a_runtime_folder_open_to_others_or_a_symlink_is_refused(tmp_path: Path) -> None:
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o750)  # readable by the group: not private
    with pytest.raises(UnsafeRuntimeDir):
        private_dir(shared)
    target = tmp_path / "elsewhere"
    target.mkdir(mode=0o700)
    link = tmp_path / "link"
    link.symlink_to(target)
    with pytest.raises(UnsafeRuntimeDir):
        private_dir(link)
