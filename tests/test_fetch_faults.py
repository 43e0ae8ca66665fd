"""Fault injection for `salbench datasets fetch` (issue 11 §6): the real command in subprocesses
against an HTTP server on 127.0.0.1 serving ../shared/datasets/, SIGKILLed during a transfer (the
server holds a file's body half-sent), after a file's bytes are all in but before they are
verified, after a verified file is in the staging folder, and after the marker is written but
before the folder is installed (SALBENCH_KILL_AT, salbench/_faults.py). Each run resumes what the
one before it left; the installed files must be byte-identical to the source and nothing
half-done may remain."""

from __future__ import annotations

import hashlib
import http.server
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from salbench.datasets import registry
from salbench.datasets.download import MARKER, PARTIAL

from _datasets_support import SHARED_DATASETS

ROOT = Path(__file__).resolve().parents[1]
BIG = "eye/fixations.mat"   # 1,077,850 bytes: more than one 1 MiB block, so part of it lands
HELD_AT = (1 << 20) + 4096  # the server sends this much of it, then holds the connection

pytestmark = [
    pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX"),
    pytest.mark.skipif(not (SHARED_DATASETS / "osie" / BIG).is_file(),
                       reason="../shared/datasets/osie is not on this machine"),
]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        server = self.server
        rel = self.path.lstrip("/")
        with server.lock:
            server.requests.append((rel, self.headers.get("Range")))
        path = (server.root / rel).resolve()
        if server.root not in path.parents or not path.is_file():
            self.send_error(404)
            return
        data = path.read_bytes()
        start = 0
        rng = self.headers.get("Range")
        if rng:
            start = int(rng.split("=")[1].split("-")[0])
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{len(data) - 1}/{len(data)}")
        else:
            self.send_response(200)
        body = data[start:]
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        hold = server.hold.get(rel)
        if hold is not None:
            self.wfile.write(body[:hold])
            self.wfile.flush()
            server.held.set()
            server.release.wait(60)
            self.close_connection = True
            return
        self.wfile.write(body)


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address):
        pass  # the client was SIGKILLed mid-response: a broken pipe is the point


@pytest.fixture
def server():
    httpd = _Server(("127.0.0.1", 0), _Handler)
    httpd.root = SHARED_DATASETS.resolve()
    httpd.requests, httpd.lock, httpd.hold = [], threading.Lock(), {}
    httpd.held, httpd.release = threading.Event(), threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05},
                              daemon=True)
    thread.start()
    httpd.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    yield httpd
    httpd.release.set()
    httpd.shutdown()
    httpd.server_close()


def _fetch(server, root, *, kill_at=None, wait=True):
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
    env.pop("SALBENCH_KILL_AT", None)
    env.pop("SALBENCH_DATA", None)
    if kill_at:
        env["SALBENCH_KILL_AT"] = kill_at
    command = [sys.executable, "-c", "from salbench.cli import main; main()", "datasets", "fetch",
               "osie", "--data-root", str(root), "--base-url", server.base_url, "--workers", "1"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True)
    if not wait:
        return process
    out, err = process.communicate(timeout=300)
    return process.returncode, out, err


def _requests(server, since: int):
    """``(path in the dataset, Range header)`` of the requests since the ``since``-th."""
    with server.lock:
        return [(rel.split("/", 1)[1], rng) for rel, rng in server.requests[since:]]


def _parts(root: Path):
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*.part"))


def test_fetch_sigkilled_at_every_point_resumes_to_byte_identical_files(server, tmp_path):
    spec = registry.spec("osie")
    files = {e.path: e for e in spec.files}
    staging = tmp_path / PARTIAL / spec.install_folder
    final = tmp_path / spec.install_folder

    # 1. during a transfer: the first 1 MiB block of the big file is on disk, the rest in flight
    server.hold[f"osie/{BIG}"] = HELD_AT
    process = _fetch(server, tmp_path, wait=False)
    try:
        deadline = time.monotonic() + 240
        while not server.held.wait(0.1):
            assert process.poll() is None, process.communicate()[1]
            assert time.monotonic() < deadline, "the fetch never reached the held file"
        part = staging / (BIG + ".part")
        deadline = time.monotonic() + 30
        while not (part.is_file() and part.stat().st_size >= 1 << 20):
            assert time.monotonic() < deadline, "the first block never reached the disk"
            time.sleep(0.02)
        process.send_signal(signal.SIGKILL)
        process.communicate(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    server.release.set()
    del server.hold[f"osie/{BIG}"]
    assert process.returncode == -signal.SIGKILL
    assert not final.exists()
    assert part.stat().st_size == 1 << 20

    # 2. after every byte of a file is in, before it is verified
    seen = len(server.requests)
    code, _, err = _fetch(server, tmp_path, kill_at="fetch-part:3")
    assert code == -signal.SIGKILL, err
    resumed = [r for r in _requests(server, seen) if r[0] == BIG]
    assert resumed == [(BIG, f"bytes={1 << 20}-")], resumed  # resumed where the kill left it
    complete_parts = [p for p in _parts(staging)
                      if (staging / p).stat().st_size == files[p[: -len(".part")]].size]
    assert len(complete_parts) == 1, _parts(staging)
    unverified = complete_parts[0][: -len(".part")]
    assert not (staging / unverified).exists() and not final.exists()

    # 3. after a verified file is renamed into the staging folder
    seen = len(server.requests)
    code, _, err = _fetch(server, tmp_path, kill_at="fetch-file:5")
    assert code == -signal.SIGKILL, err
    assert unverified not in [r[0] for r in _requests(server, seen)]  # verified, not fetched again
    assert (staging / unverified).is_file() and _parts(staging) == []
    in_staging = {p for p in files if (staging / p).is_file()}

    # 4. after the marker, before the folder is installed
    seen = len(server.requests)
    code, _, err = _fetch(server, tmp_path, kill_at="fetch-marker")
    assert code == -signal.SIGKILL, err
    fetched = [r[0] for r in _requests(server, seen)]
    assert sorted(fetched) == sorted(set(files) - in_staging)  # only what was still missing
    assert (staging / MARKER).is_file() and not final.exists()

    # 5. the last run installs without fetching anything
    seen = len(server.requests)
    code, out, err = _fetch(server, tmp_path)
    assert code == 0, err
    assert "osie" in out
    assert _requests(server, seen) == []
    for path in files:
        assert (final / path).read_bytes() == (SHARED_DATASETS / "osie" / path).read_bytes(), path
    assert not staging.exists() and _parts(tmp_path) == []
    assert not any(p.name.endswith(".tmp") for p in tmp_path.rglob("*"))
    marker = json.loads((final / MARKER).read_text())
    assert marker["files"] == {path: e.sha256 for path, e in files.items()}
    assert registry.verify("osie", root=tmp_path) == []
    assert hashlib.sha256((final / BIG).read_bytes()).hexdigest() == files[BIG].sha256
