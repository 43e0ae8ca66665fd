"""``salbench datasets import`` / :func:`import_dataset`: archives and folders as published,
verified where checksums are known, installed atomically where ``load`` finds them; and archive
datasets fetched from a local HTTP server, directly and through a local forwarding proxy."""

import dataclasses
import hashlib
import http.server
import socket
import threading
import urllib.parse
import zipfile

import pytest
from click.testing import CliRunner

from salbench.cli import main
from salbench.datasets import load, specs
from salbench.datasets.download import fetch, with_files
from salbench.datasets.importing import MARKER, import_dataset
from salbench.datasets.registry import register
from salbench.exceptions import DataError

from _datasets_support import SHARED_DATASETS, eye_trace, write_mit1003

IMAGES = {"i1": (300, 400), "i2": (400, 300)}  # saccades of MIT-like amplitude


def mit_files(folder):
    trials = {(stem, user): eye_trace([(w / 2, h / 2), (11.0, 21.0), (w - 5.0, h - 5.0)],
                                      [120, 120, 120])
              for stem, (h, w) in IMAGES.items() for user in ("CNG", "ajs")}
    return write_mit1003(folder, IMAGES, trials)


def zip_folder(source, archive, top):
    with zipfile.ZipFile(archive, "w") as zf:
        for path in sorted((source / top).rglob("*")):
            if path.is_file():
                zf.write(path, path.relative_to(source).as_posix())
        zf.writestr("__MACOSX/._junk", b"resource fork")
    return archive


@pytest.fixture
def archives(tmp_path):
    unpacked = mit_files(tmp_path / "publisher")
    return {"ALLSTIMULI.zip": zip_folder(unpacked, tmp_path / "ALLSTIMULI.zip", "ALLSTIMULI"),
            "DATA.zip": zip_folder(unpacked, tmp_path / "DATA.zip", "DATA")}


@pytest.fixture
def pinned_mit(monkeypatch, archives):
    """mit1003 with the fixture archives' MD5s pinned (the real ones are pysaliency's)."""
    monkeypatch.setattr(specs, "_SPECS", dict(specs._SPECS))
    s = specs.spec("mit1003")
    pinned = tuple(dataclasses.replace(a, md5=hashlib.md5(archives[a.filename].read_bytes()).hexdigest())
                   for a in s.archives)
    for name in ("mit1003", "mit1003_initial"):
        register(dataclasses.replace(specs.spec(name), archives=pinned), replace=True)
    return pinned


def test_archives_with_the_pinned_checksums_install_every_mit1003_variant(tmp_path, archives,
                                                                           pinned_mit):
    root = tmp_path / "data"
    folder = import_dataset("mit1003", list(archives.values()), root=root)
    assert folder == root / "mit1003"
    assert not (folder / "__MACOSX").exists() and (folder / MARKER).is_file()
    assert '"checksum verified"' in (folder / MARKER).read_text()
    ds = load("mit1003", root=root, cache=False)
    assert len(ds) == 2 and len(ds.fixations) == 2 * 2 * 2
    assert len(load("mit1003_initial", root=root, cache=False).fixations) == 12
    assert not list((root / ".partial").iterdir())  # nothing left behind


def test_archives_that_differ_from_the_pinned_ones_are_refused(tmp_path, archives):
    # the fixture zips are not the publisher's: their MD5 differs from the pinned one
    with pytest.raises(DataError, match=r"ALLSTIMULI.zip: MD5 .* expected 0d7df8b954ecba69b6796e77b9afe4b6"):
        import_dataset("mit1003", list(archives.values()), root=tmp_path / "data")
    assert not (tmp_path / "data" / "mit1003").exists()
    folder = import_dataset("mit1003", list(archives.values()), root=tmp_path / "data",
                            verify=False)
    assert "--no-verify" in (folder / MARKER).read_text()


def test_unpacked_folders_a_folder_of_archives_and_a_missing_part(tmp_path, archives):
    unpacked = tmp_path / "publisher"
    root = tmp_path / "data"
    import_dataset("mit1003", [unpacked / "ALLSTIMULI", unpacked / "DATA"], root=root)
    assert len(load("mit1003", root=root, cache=False)) == 2
    with pytest.raises(DataError, match="already exists.*overwrite"):
        import_dataset("mit1003", [unpacked], root=root)
    import_dataset("mit1003", [unpacked], root=root, overwrite=True)  # the parent folder works too
    # a folder holding the archives themselves (renamed files are matched by checksum)
    other = tmp_path / "downloads"
    other.mkdir()
    for name, path in archives.items():
        (other / name).write_bytes(path.read_bytes())
    import_dataset("mit1003", [other], root=tmp_path / "d2", verify=False)
    with pytest.raises(DataError, match=r"needs DATA/ \(from DATA.zip\)"):
        import_dataset("mit1003", [unpacked / "ALLSTIMULI"], root=tmp_path / "d3")


def test_zip_members_outside_the_folder_are_refused(tmp_path):
    evil = tmp_path / "ALLSTIMULI.zip"
    with zipfile.ZipFile(evil, "w") as zf:
        zf.writestr("../../escaped.txt", b"x")
    with pytest.raises(DataError, match="outside the target folder"):
        import_dataset("mit1003", [evil], root=tmp_path / "data", verify=False)
    assert not (tmp_path / "escaped.txt").exists()


def test_file_by_file_dataset_imports_from_the_repository_layout_and_verifies(tmp_path,
                                                                              monkeypatch):
    # OSIE as a GitHub archive unpacks: <repo>-<commit>/data/stimuli/..., data/eye/..., LICENSE
    monkeypatch.setattr(specs, "_SPECS", dict(specs._SPECS))
    small = with_files(specs.spec("osie"), ["LICENSE", "eye/fixations.mat", "stimuli/1001.jpg"])
    register(small, replace=True)
    repo = tmp_path / "predicting-human-gaze-beyond-pixels-4a46789"
    for local in ("LICENSE", "eye/fixations.mat", "stimuli/1001.jpg"):
        target = repo / small.remote_path(local)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes((SHARED_DATASETS / "osie" / local).read_bytes())
    archive = tmp_path / "osie-github.zip"
    with zipfile.ZipFile(archive, "w") as zf:
        for path in repo.rglob("*"):
            if path.is_file():
                zf.write(path, path.relative_to(tmp_path).as_posix())
    folder = import_dataset("osie", [archive], root=tmp_path / "data")
    assert (folder / "eye" / "fixations.mat").read_bytes() == \
        (SHARED_DATASETS / "osie" / "eye" / "fixations.mat").read_bytes()
    assert "SHA-256 of every file" in (folder / MARKER).read_text()
    # a damaged file is refused and nothing is installed
    (repo / "data" / "stimuli" / "1001.jpg").write_bytes(b"damaged")
    with pytest.raises(DataError, match=r"differ from the pinned SHA-256.*stimuli/1001.jpg"):
        import_dataset("osie", [repo], root=tmp_path / "data2")
    assert not (tmp_path / "data2" / "osie").exists()


def test_cli_import_then_list(tmp_path, archives):
    runner = CliRunner()
    root = tmp_path / "data"
    refused = runner.invoke(main, ["datasets", "import", "mit1003", *map(str, archives.values()),
                                   "--data-root", str(root)])
    assert refused.exit_code == 1 and "MD5" in refused.stderr and "--no-verify" in refused.stderr
    done = runner.invoke(main, ["datasets", "import", "mit1003", *map(str, archives.values()),
                                "--data-root", str(root), "--no-verify"])
    assert done.exit_code == 0, done.output
    assert "Dataset('mit1003': 2 images, 8 fixations, 2 observers) installed in" in done.stdout
    listing = runner.invoke(main, ["datasets", "list", "--data-root", str(root)])
    rows = {line.split()[0]: line.split() for line in listing.stdout.splitlines()[1:-1]}
    assert rows["mit1003"][4] == rows["mit1003_onesize"][4] == "installed"
    assert rows["cat2000_train"][4] == "downloadable"


# ------------------------------------------------------------------ archives over HTTP, via a proxy
class _Files(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        name = self.path.rsplit("/", 1)[-1]
        data = self.server.files.get(name)
        if data is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class _Proxy(http.server.BaseHTTPRequestHandler):
    """A forwarding HTTP proxy: takes ``GET http://host:port/path`` and relays it."""

    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.server.requests.append(self.path)
        url = urllib.parse.urlsplit(self.path)
        with socket.create_connection((url.hostname, url.port), timeout=10) as upstream:
            upstream.sendall(f"GET {url.path} HTTP/1.0\r\nHost: {url.netloc}\r\n\r\n".encode())
            response = b""
            while chunk := upstream.recv(65536):
                response += chunk
        head, body = response.split(b"\r\n\r\n", 1)
        status = int(head.split(b" ", 2)[1])
        self.send_response(status)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


def _serve(handler, **attributes):
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    server.daemon_threads = True
    server.requests = []
    for key, value in attributes.items():
        setattr(server, key, value)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"


@pytest.fixture
def no_proxy_env(monkeypatch):
    for key in ("http_proxy", "https_proxy", "no_proxy", "all_proxy", "HTTP_PROXY", "HTTPS_PROXY",
                "NO_PROXY", "ALL_PROXY", "REQUEST_METHOD"):
        monkeypatch.delenv(key, raising=False)
    return monkeypatch


@pytest.mark.parametrize("via", ["direct", "proxy", "no_proxy"])
def test_archive_dataset_fetch_through_a_proxy(tmp_path, archives, pinned_mit, no_proxy_env, via):
    files, base = _serve(_Files, files={n: p.read_bytes() for n, p in archives.items()})
    proxy, proxy_url = _serve(_Proxy)
    try:
        if via != "direct":
            no_proxy_env.setenv("HTTP_PROXY", proxy_url)
        if via == "no_proxy":
            no_proxy_env.setenv("NO_PROXY", "127.0.0.1,localhost")
        folder = fetch("mit1003", root=tmp_path / "data", base_url=base, progress=False)
    finally:
        files.shutdown()
        proxy.shutdown()
    assert len(load("mit1003", root=tmp_path / "data", cache=False)) == 2
    assert sorted(p.rsplit("/", 1)[-1] for p in files.requests) == ["ALLSTIMULI.zip", "DATA.zip"]
    if via == "proxy":
        assert sorted(proxy.requests) == sorted(f"{base}/mit1003/{n}" for n in archives)
    else:
        assert proxy.requests == []
    assert not (tmp_path / "data" / ".partial" / "mit1003").exists() and folder.is_dir()


def test_unpinned_archive_needs_no_verify(tmp_path, monkeypatch, archives):
    monkeypatch.setattr(specs, "_SPECS", dict(specs._SPECS))
    s = specs.spec("mit1003")
    register(dataclasses.replace(s, archives=tuple(dataclasses.replace(a, md5=None)
                                                   for a in s.archives)), replace=True)
    with pytest.raises(DataError, match=r"no pinned checksums.*--no-verify"):
        fetch("mit1003", root=tmp_path, base_url="http://127.0.0.1:9", progress=False)


def test_import_only_and_dead_host_datasets_say_how_to_get_them(tmp_path, monkeypatch):
    monkeypatch.setattr(specs, "_SPECS", dict(specs._SPECS))
    register(dataclasses.replace(specs.spec("mit300"), source_status="dead-host"), replace=True)
    with pytest.raises(DataError, match=r"its host is gone.*datasets import mit300"):
        fetch("mit300", root=tmp_path)


def test_a_tar_archive_imports_too(tmp_path):
    import tarfile

    from _datasets_support import write_jpeg

    for k, rel in enumerate(["Action/1.jpg", "Art/1.jpg"]):
        write_jpeg(tmp_path / "src" / "testSet" / "Stimuli" / rel, 27, 48, seed=k)
    archive = tmp_path / "testSet.tar.gz"
    with tarfile.open(archive, "w:gz") as tf:
        tf.add(tmp_path / "src" / "testSet", arcname="testSet")
    with pytest.raises(DataError, match=r"testSet.tar.gz: not one of cat2000_test's archives"):
        import_dataset("cat2000_test", [archive], root=tmp_path / "data")
    import_dataset("cat2000_test", [archive], root=tmp_path / "data", verify=False)
    ds = load("cat2000_test", root=tmp_path / "data")
    assert ds.attributes["category"].tolist() == ["Action", "Art"]


def test_a_dead_host_says_how_to_import_instead(tmp_path, no_proxy_env):
    with pytest.raises(DataError, match=r"(?s)failed after 1 attempt.*nothing arrived.*"
                                        r"salbench datasets import mit1003 ALLSTIMULI.zip DATA.zip"):
        fetch("mit1003", root=tmp_path, base_url="http://127.0.0.1:9", retries=0, progress=False)
    assert not (tmp_path / "mit1003").exists()
