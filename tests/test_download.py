"""Downloads against a real HTTP server on 127.0.0.1 serving ../shared/datasets/.

The server speaks HTTP/1.1 with keep-alive and Range requests, and can be told to corrupt a file
or to drop the connection part-way through one, so the checksum and resume paths run for real.
"""

import hashlib
import http.server
import os
import threading

import pytest

from salbench.datasets import load
from salbench.datasets import registry
from salbench.datasets.download import MARKER, PARTIAL, fetch, with_files
from salbench.datasets.manifest import build_manifest
from salbench.exceptions import DataError, InputError

from _datasets_support import SHARED_DATASETS


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # headers and body go out as separate writes

    def log_message(self, *args):  # keep test output clean
        pass

    def do_GET(self):
        server = self.server
        rel = self.path.lstrip("/")
        server.requests.append((rel, self.headers.get("Range")))
        path = (server.root / rel).resolve()
        if server.root not in path.parents or not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        if rel in server.corrupt:
            data = bytearray(data)
            data[len(data) // 2] ^= 0xFF
            data = bytes(data)
        start = 0
        rng = self.headers.get("Range")
        if rng and server.honour_range:
            start = int(rng.split("=")[1].split("-")[0])
            body = data[start:]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            body = data
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        cut = server.cut.get(rel)
        if cut is not None and cut[1] > 0:
            server.cut[rel] = (cut[0], cut[1] - 1)
            self.wfile.write(body[: cut[0]])
            self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)


@pytest.fixture
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.root = SHARED_DATASETS.resolve()
    httpd.requests = []
    httpd.corrupt = set()
    httpd.cut = {}  # path -> (bytes to send before dropping, how many times)
    httpd.honour_range = True
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    httpd.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.shutdown()
    httpd.server_close()


SMALL = ["LICENSE", "eye/fixations.mat", "stimuli/1001.jpg", "stimuli/1002.jpg"]


def small_osie():
    return with_files(registry.spec("osie"), SMALL)


def test_manifests_match_the_real_files():
    for name in ("osie", "nus_scene"):
        spec = registry.spec(name)
        actual = build_manifest(SHARED_DATASETS / name, [e.path for e in spec.files])
        assert actual == spec.files
        on_disk = {p.relative_to(SHARED_DATASETS / name).as_posix()
                   for p in (SHARED_DATASETS / name).rglob("*") if p.is_file()}
        assert on_disk == {e.path for e in spec.files}


def test_verify_reports_intact_and_damaged_folders(tmp_path):
    from salbench.datasets import verify

    assert verify("osie", root=SHARED_DATASETS) == []
    folder = tmp_path / "nus_scene"
    folder.mkdir()
    (folder / "LICENSE").write_bytes((SHARED_DATASETS / "nus_scene" / "LICENSE").read_bytes()[:-1] + b"!")
    problems = verify("nus_scene", root=tmp_path)
    assert any("LICENSE: SHA-256" in p for p in problems)
    assert any("tidy/fixations.mat: missing" in p for p in problems)


def test_osie_fixation_file_is_the_one_pysaliency_pins():
    # pysaliency's get_OSIE checks this MD5 for data/eye/fixations.mat: same file, same bytes.
    data = (SHARED_DATASETS / "osie" / "eye" / "fixations.mat").read_bytes()
    assert hashlib.md5(data).hexdigest() == "8efdf6fe66f38b6e70f854c7ff45aa70"


def test_github_urls_point_at_the_pinned_commit():
    spec = registry.spec("osie")
    assert spec.url("stimuli/1001.jpg") == (
        "https://raw.githubusercontent.com/NUS-VIP/predicting-human-gaze-beyond-pixels/"
        "4a467890fcb40a2fec04cdded552760942bac7a4/data/stimuli/1001.jpg")
    assert spec.url("LICENSE").endswith("/4a467890fcb40a2fec04cdded552760942bac7a4/LICENSE")
    nus = registry.spec("nus_scene")
    assert nus.url("tidy/fixations.mat").endswith("/2cf042b013181a6339378827d094aafa9322ba0d/data/tidy/fixations.mat")


def test_full_osie_download_then_load(server, tmp_path):
    dataset = load("osie", root=tmp_path, download=True, base_url=server.base_url, progress=False)
    assert len(dataset) == 700 and len(dataset.fixations) == 98321
    folder = tmp_path / "osie"
    assert (folder / MARKER).is_file()
    assert not (tmp_path / PARTIAL / "osie").exists()
    assert not list(folder.rglob("*.part"))
    assert len(server.requests) == len(registry.spec("osie").files)
    # a second load finds everything and downloads nothing
    before = len(server.requests)
    load("osie", root=tmp_path, download=True, base_url=server.base_url, progress=False)
    assert len(server.requests) == before


def test_corrupted_file_is_rejected_and_nothing_is_installed(server, tmp_path):
    server.corrupt.add("osie/stimuli/1002.jpg")
    with pytest.raises(DataError, match=r"1002\.jpg.*corrupt.*SHA-256") as info:
        fetch(small_osie(), root=tmp_path, base_url=server.base_url, progress=False)
    assert registry.spec("osie").files[3].sha256 in str(info.value)  # expected hash is named
    assert not (tmp_path / "osie").exists()
    staging = tmp_path / PARTIAL / "osie"
    assert not (staging / "stimuli" / "1002.jpg").exists()
    assert not (staging / "stimuli" / "1002.jpg.part").exists()
    # the good files stay for the next attempt, which succeeds once the server is fixed
    server.corrupt.clear()
    server.requests.clear()
    folder = fetch(small_osie(), root=tmp_path, base_url=server.base_url, progress=False)
    assert [r[0] for r in server.requests] == ["osie/stimuli/1002.jpg"]
    assert (folder / "stimuli" / "1002.jpg").read_bytes() == \
        (SHARED_DATASETS / "osie" / "stimuli" / "1002.jpg").read_bytes()


def test_dropped_connection_is_resumed_with_a_range_request(server, tmp_path):
    size = (SHARED_DATASETS / "osie" / "eye" / "fixations.mat").stat().st_size
    server.cut["osie/eye/fixations.mat"] = (300_000, 1)  # first response stops after 300 kB
    folder = fetch(small_osie(), root=tmp_path, base_url=server.base_url, progress=False)
    ranges = [r for p, r in server.requests if p == "osie/eye/fixations.mat"]
    assert ranges == [None, "bytes=300000-"]
    assert (folder / "eye" / "fixations.mat").stat().st_size == size
    assert hashlib.sha256((folder / "eye" / "fixations.mat").read_bytes()).hexdigest() == \
        registry.spec("osie").files[1].sha256


def test_interrupted_fetch_resumes_on_the_next_call(server, tmp_path):
    server.cut["osie/eye/fixations.mat"] = (250_000, 100)  # keeps failing
    with pytest.raises(DataError, match=r"failed after 2 attempt.*resumes"):
        fetch(small_osie(), root=tmp_path, base_url=server.base_url, progress=False, retries=1)
    part = tmp_path / PARTIAL / "osie" / "eye" / "fixations.mat.part"
    assert part.stat().st_size == 500_000  # two partial transfers, appended
    assert not (tmp_path / "osie").exists()
    server.cut.clear()
    server.requests.clear()
    fetch(small_osie(), root=tmp_path, base_url=server.base_url, progress=False)
    # the other files arrived during the failed attempt (transfers run in parallel and one failure
    # does not stop the others): only the interrupted one is requested, from where it stopped
    assert server.requests == [("osie/eye/fixations.mat", "bytes=500000-")]
    assert not part.exists()


def test_server_that_ignores_range_restarts_cleanly(server, tmp_path):
    server.honour_range = False
    server.cut["osie/eye/fixations.mat"] = (100_000, 1)
    folder = fetch(small_osie(), root=tmp_path, base_url=server.base_url, progress=False)
    assert hashlib.sha256((folder / "eye" / "fixations.mat").read_bytes()).hexdigest() == \
        registry.spec("osie").files[1].sha256


def test_missing_file_on_server_is_a_clear_error(server, tmp_path):
    spec = registry.spec("osie")
    bogus = with_files(spec, SMALL)
    bogus = bogus.__class__(**{**bogus.__dict__, "name": "nonexistent"})
    with pytest.raises(DataError, match=r"HTTP 404"):
        fetch(bogus, root=tmp_path, base_url=server.base_url, progress=False)
    assert not (tmp_path / "nonexistent").exists()


def test_unwritable_cache_folder_is_a_clear_error(server, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("a file where the cache folder should be")
    with pytest.raises(DataError, match=r"not-a-folder.*root=.*SALBENCH_DATA"):
        fetch(small_osie(), root=blocker / "cache", base_url=server.base_url, progress=False)
    assert server.requests == []


def test_read_only_cache_folder_is_a_clear_error(tmp_path):
    from salbench.datasets.cache import ensure_writable

    folder = tmp_path / "ro"
    folder.mkdir()
    os.chmod(folder, 0o500)
    try:
        probe = folder / "probe"
        try:  # root ignores permissions; only then is this folder writable after all
            probe.write_text("x")
            writable = True
            probe.unlink()
        except PermissionError:
            writable = False
        if writable:
            assert ensure_writable(folder) == folder
        else:
            with pytest.raises(DataError, match="not writable"):
                ensure_writable(folder)
    finally:
        os.chmod(folder, 0o700)


def test_existing_incomplete_folder_is_not_touched(server, tmp_path):
    (tmp_path / "osie" / "stimuli").mkdir(parents=True)
    (tmp_path / "osie" / "LICENSE").write_text("mine")
    with pytest.raises(DataError, match="incomplete"):
        fetch(small_osie(), root=tmp_path, base_url=server.base_url, progress=False)
    assert (tmp_path / "osie" / "LICENSE").read_text() == "mine"


def test_unpinned_dataset_needs_verify_false(tmp_path):
    with pytest.raises(DataError, match="verify=False"):
        fetch("eyecrowd", root=tmp_path)
    with pytest.raises(InputError, match="always verified"):
        fetch("osie", root=tmp_path, verify=False)


def test_default_root_comes_from_the_environment(monkeypatch, tmp_path):
    from salbench.datasets.cache import data_root, platform_cache_dir

    monkeypatch.setenv("SALBENCH_DATA", str(tmp_path))
    assert data_root() == tmp_path
    monkeypatch.delenv("SALBENCH_DATA")
    assert data_root() == platform_cache_dir()
    assert "salbench" in str(platform_cache_dir())
