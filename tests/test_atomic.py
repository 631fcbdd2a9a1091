"""Every output goes through files.atomic: complete or not at all, with the umask's mode."""

import os

import pytest

from crmctl.files.atomic import replacing, write_atomically


def test_a_write_replaces_the_whole_file_and_leaves_no_temporary(tmp_path):
    target = tmp_path / "report.csv"
    target.write_text("old\n")
    write_atomically(target, "a,b\r\n1,2\r\n")
    assert target.read_bytes() == b"a,b\r\n1,2\r\n"  # newlines as given
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]
    assert target.stat().st_mode & 0o777 == 0o666 & ~_umask()


def test_a_failed_write_keeps_the_old_file_and_removes_its_temporary(tmp_path):
    target = tmp_path / "report.csv"
    target.write_text("old\n")
    with pytest.raises(RuntimeError):
        with replacing(target) as temporary:
            temporary.write_text("half")
            raise RuntimeError("killed mid-write")
    assert target.read_text() == "old\n"
    assert [p.name for p in tmp_path.iterdir()] == ["report.csv"]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
