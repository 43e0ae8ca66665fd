"""Safe archive reading: no member escapes the extraction folder; archive bombs are stopped."""

import io
import stat
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from salbench.exceptions import DataError
from salbench.submissions.archives import (
    UnsafeArchiveError, archive_members, archive_stem, extract_archive, is_archive, maps_root,
)


def _npy_bytes(value=1.0, shape=(2, 3)) -> bytes:
    buffer = io.BytesIO()
    np.save(buffer, np.full(shape, value))
    return buffer.getvalue()


def _zip(path: Path, members: dict, *, links: dict = None) -> Path:
    with zipfile.ZipFile(path, "w") as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        for name, target in (links or {}).items():
            info = zipfile.ZipInfo(name)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, target)
    return path


def _tar_add(archive, name, *, data=None, kind=tarfile.REGTYPE, link=""):
    info = tarfile.TarInfo(name)
    info.type = kind
    info.linkname = link
    if data is not None:
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    else:
        archive.addfile(info)


def _nothing_written(folder: Path, target: Path):
    assert not target.exists()
    assert not [p for p in folder.iterdir() if p.name.startswith(f".{target.name}.")]


def test_names_and_stems():
    assert is_archive("a.zip") and is_archive("A.TGZ") and is_archive("x.tar.gz")
    assert not is_archive("maps") and not is_archive("maps.npz")
    assert archive_stem("dir/sub.tar.gz") == "sub" and archive_stem("s.zip") == "s"


@pytest.mark.parametrize("name", ["../evil.npy", "maps/../../evil.npy", "/etc/evil.npy",
                                  "C:/evil.npy", "..\\evil.npy", "maps\\..\\..\\evil.npy"])
def test_zip_members_that_escape_are_refused_by_name(tmp_path, name):
    archive = _zip(tmp_path / "bad.zip", {"1001.npy": _npy_bytes(), name: _npy_bytes()})
    target = tmp_path / "out"
    with pytest.raises(UnsafeArchiveError, match="nothing was extracted") as error:
        extract_archive(archive, target)
    assert name in str(error.value)
    _nothing_written(tmp_path, target)
    assert not (tmp_path.parent / "evil.npy").exists() and not (tmp_path / "evil.npy").exists()


def test_every_unsafe_member_is_listed_at_once(tmp_path):
    archive = tmp_path / "bad.tar"
    with tarfile.open(archive, "w") as tar:
        _tar_add(tar, "ok.npy", data=_npy_bytes())
        _tar_add(tar, "../up.npy", data=_npy_bytes())
        _tar_add(tar, "/abs.npy", data=_npy_bytes())
        _tar_add(tar, "out.npy", kind=tarfile.SYMTYPE, link="../../etc/passwd")
        _tar_add(tar, "abs-link.npy", kind=tarfile.SYMTYPE, link="/etc/passwd")
        _tar_add(tar, "hard.npy", kind=tarfile.LNKTYPE, link="../secret.npy")
        _tar_add(tar, "dev.npy", kind=tarfile.CHRTYPE)
        _tar_add(tar, "fifo.npy", kind=tarfile.FIFOTYPE)
        _tar_add(tar, "ok.npy", data=_npy_bytes())
    with pytest.raises(UnsafeArchiveError) as error:
        archive_members(archive)
    message = str(error.value)
    assert "8 unsafe member(s)" in message
    for name, reason in [("../up.npy", "escapes"), ("/abs.npy", "absolute"),
                         ("out.npy", "outside the archive"), ("abs-link.npy", "absolute path"),
                         ("hard.npy", "outside the archive"), ("dev.npy", "device file"),
                         ("fifo.npy", "FIFO"), ("ok.npy", "appears twice")]:
        assert any(line.strip().startswith(f"{name}:") and reason in line
                   for line in message.splitlines()), (name, message)


def test_zip_symlink_pointing_outside_is_refused(tmp_path):
    archive = _zip(tmp_path / "link.zip", {"1001.npy": _npy_bytes()},
                   links={"1002.npy": "../../home/secret"})
    with pytest.raises(UnsafeArchiveError, match=r"1002\.npy: is a link pointing outside"):
        extract_archive(archive, tmp_path / "out")
    _nothing_written(tmp_path, tmp_path / "out")


def test_links_inside_become_copies_never_links(tmp_path):
    archive = tmp_path / "links.tar.gz"
    with tarfile.open(archive, "w:gz") as tar:
        _tar_add(tar, "maps", kind=tarfile.DIRTYPE)
        _tar_add(tar, "maps/a.npy", data=_npy_bytes(3.0))
        _tar_add(tar, "maps/b.npy", kind=tarfile.SYMTYPE, link="a.npy")
        _tar_add(tar, "maps/c.npy", kind=tarfile.LNKTYPE, link="maps/a.npy")
    target, skipped = extract_archive(archive, tmp_path / "out")
    root = maps_root(target)
    assert root == target / "maps" and skipped == ()
    for name in ("a.npy", "b.npy", "c.npy"):
        path = root / name
        assert path.is_file() and not path.is_symlink()
        assert np.load(path)[0, 0] == 3.0
    assert (root / "c.npy").stat().st_ino != (root / "a.npy").stat().st_ino


def test_a_link_to_a_missing_member_is_refused(tmp_path):
    archive = tmp_path / "dangling.tar"
    with tarfile.open(archive, "w") as tar:
        _tar_add(tar, "b.npy", kind=tarfile.SYMTYPE, link="nowhere.npy")
    with pytest.raises(UnsafeArchiveError, match="b.npy: is a link to 'nowhere.npy', which is not"):
        archive_members(archive)


def test_only_maps_are_extracted(tmp_path):
    archive = _zip(tmp_path / "mixed.zip", {
        "preds/1001.npy": _npy_bytes(), "preds/README.txt": b"hello",
        "__MACOSX/preds/._1001.npy": b"junk", "preds/.hidden.npy": _npy_bytes(),
        "preds/manifest.json": b"{}"})
    target, skipped = extract_archive(archive, tmp_path / "out")
    files = sorted(p.relative_to(target).as_posix() for p in target.rglob("*") if p.is_file())
    assert files == ["preds/1001.npy"]
    assert set(skipped) == {"preds/README.txt", "__MACOSX/preds/._1001.npy", "preds/.hidden.npy",
                            "preds/manifest.json"}


def test_archive_bombs_are_stopped_by_the_bytes_actually_written(tmp_path):
    archive = tmp_path / "bomb.zip"
    with zipfile.ZipFile(archive, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("1001.npy", b"\0" * (8 << 20))  # 8 MB of zeros compress to ~8 kB
    assert archive.stat().st_size < 100_000
    with pytest.raises(UnsafeArchiveError, match=r"more than 1048576 bytes \(reached at member "
                                                  r"1001\.npy\)"):
        extract_archive(archive, tmp_path / "out", max_bytes=1 << 20)
    _nothing_written(tmp_path, tmp_path / "out")
    extract_archive(archive, tmp_path / "out", max_bytes=16 << 20)  # under the limit: fine


def test_too_many_members_are_refused_before_reading(tmp_path):
    archive = _zip(tmp_path / "many.zip", {f"{i}.npy": b"" for i in range(11)})
    with pytest.raises(UnsafeArchiveError, match="holds 11 members, more than the limit of 10"):
        extract_archive(archive, tmp_path / "out", max_members=10)


def test_unreadable_and_missing_archives(tmp_path):
    (tmp_path / "broken.zip").write_bytes(b"not a zip at all")
    with pytest.raises(DataError, match="broken.zip: not a readable archive"):
        archive_members(tmp_path / "broken.zip")
    with pytest.raises(DataError, match="gone.tgz: archive is missing"):
        archive_members(tmp_path / "gone.tgz")


def test_a_concurrent_extraction_of_the_same_archive_is_kept(tmp_path, monkeypatch):
    import salbench.submissions.archives as archives

    archive = _zip(tmp_path / "maps.zip", {"1001.npy": _npy_bytes(5.0)})
    target = tmp_path / "out"
    real_replace = archives.os.replace

    def other_process_first(source, destination):
        monkeypatch.setattr(archives.os, "replace", real_replace)
        extract_archive(archive, target)  # finishes first, as another run would
        return real_replace(source, destination)

    monkeypatch.setattr(archives.os, "replace", other_process_first)
    extract_archive(archive, target)
    assert np.load(target / "1001.npy")[0, 0] == 5.0
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".out.")] == []
