"""Content fingerprints of files, arrays, code and commands (the hashing rule of the results).

The primitives the model adapters use to implement ``fingerprint()`` and the evaluation engine
uses to fingerprint its inputs (:mod:`salbench.evaluation.fingerprints` says what is recorded
and how changes are reported). Contents are hashed with SHA-256 (``sha256sum FILE`` gives the
same hex digest), at least once per run: inside :func:`hashing_run` a file is hashed the first
time it is asked for, and again only if its size, mtime, ctime or inode changed since.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import inspect
import os
import shlex
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

__all__ = ["array_hash", "code_fingerprint", "command_fingerprint", "file_entry",
           "files_fingerprint", "hashing_run", "model_fingerprint", "new_hash"]

_CHUNK = 1 << 20
_CACHE: contextvars.ContextVar = contextvars.ContextVar("salbench_hash_cache", default=None)


@contextlib.contextmanager
def hashing_run():
    """Scope of one run: within it a file whose stat is unchanged is not hashed twice."""
    token = _CACHE.set({})
    try:
        yield
    finally:
        _CACHE.reset(token)


def new_hash():
    # SHA-256 rather than BLAKE2b or MD5: with the CPU's SHA extensions (x86 SHA-NI, ARMv8)
    # OpenSSL's SHA-256 measured 757 MB/s against 305 MB/s (BLAKE2b) and 302 MB/s (MD5) on a
    # 50 MB buffer here, load average 12 on 2 CPUs (benchmarks/bench_evaluate.py compares them
    # on the OSIE maps).
    return hashlib.sha256()


def _hash_path(path: Path) -> str:
    digest = new_hash()
    with open(path, "rb") as handle:
        buffer = bytearray(_CHUNK)
        view = memoryview(buffer)
        while True:
            n = handle.readinto(buffer)
            if not n:
                break
            digest.update(view[:n])
    return digest.hexdigest()


def file_entry(path) -> dict:
    """``{"size", "mtime_ns", "sha256"}`` of a file, or ``{"missing": reason}``.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "map.npy"
    >>> _ = path.write_bytes(b"abc")
    >>> file_entry(path)["sha256"]
    'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    """
    return _entry(Path(path), _CACHE.get())


def _entry(path: Path, cache) -> dict:
    try:
        st = os.stat(path)
    except OSError as error:
        return {"missing": error.strerror or type(error).__name__}
    key = (str(path.resolve()), st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)
    digest = None if cache is None else cache.get(key)
    if digest is None:
        try:
            digest = _hash_path(path)
        except OSError as error:
            return {"missing": error.strerror or type(error).__name__}
        if cache is not None:
            cache[key] = digest
    return {"size": int(st.st_size), "mtime_ns": int(st.st_mtime_ns), "sha256": digest}


def files_fingerprint(paths, *, root=None, threads: int = 4) -> dict:
    """``{name: file_entry(path)}`` for ``paths`` (names relative to ``root`` when given).

    Files are hashed on up to ``threads`` threads (hashlib releases the GIL on large buffers).
    """
    paths = [Path(p) for p in paths]
    root = None if root is None else Path(root)

    def name(path):
        if root is not None:
            with contextlib.suppress(ValueError):
                return path.relative_to(root).as_posix()
        return str(path)

    cache = _CACHE.get()  # worker threads do not see this thread's context: pass it on
    if threads > 1 and len(paths) > 8:
        with ThreadPoolExecutor(min(threads, len(paths))) as pool:
            entries = list(pool.map(lambda p: _entry(p, cache), paths))
    else:
        entries = [_entry(p, cache) for p in paths]
    return {name(p): e for p, e in sorted(zip(paths, entries), key=lambda pe: name(pe[0]))}


def array_hash(*arrays) -> str:
    """Content hash of numeric arrays (dtype, shape and bytes of each), e.g. network weights."""
    digest = new_hash()
    for a in arrays:
        a = np.ascontiguousarray(a)
        digest.update(f"{a.dtype.str}{a.shape}".encode())
        digest.update(a.tobytes())
    return digest.hexdigest()


def _salbench_version() -> str:
    from . import __version__

    return __version__


def code_fingerprint(obj) -> dict:
    """Where ``obj`` (a function, class or instance) is defined, with that file's hash.

    salbench's own code is fingerprinted by salbench's version instead of its files.
    """
    target = obj if inspect.isfunction(obj) or inspect.ismethod(obj) or isinstance(obj, type) \
        else type(obj)
    module_name = getattr(target, "__module__", None) or "?"
    qualname = getattr(target, "__qualname__", type(target).__name__)
    if module_name.split(".")[0] == "salbench":
        return {"code": f"{module_name}.{qualname}", "salbench": _salbench_version()}
    source = None
    with contextlib.suppress(TypeError, OSError):
        source = inspect.getsourcefile(target) or inspect.getfile(target)
    if source is None:
        module = sys.modules.get(module_name)
        source = getattr(module, "__file__", None)
    info = {"code": f"{module_name}.{qualname}"}
    if source and Path(source).is_file():
        info["files"] = {str(Path(source).resolve()): file_entry(source)}
    return info


def command_fingerprint(args, *, cwd=None) -> dict:
    """A command line and a hash of every existing file among its words.

    Each argument is looked at whole, split like a shell would (so the script inside
    ``sh -c "python tool.py {image}"`` counts) and after a ``--flag=`` prefix; words with a
    placeholder (``{image}``...) are skipped, and so are bare program names found on ``PATH``.
    """
    base = Path(cwd) if cwd is not None else Path.cwd()
    words = []
    for arg in args:
        words.append(arg)
        with contextlib.suppress(ValueError):
            words.extend(shlex.split(arg))
    candidates = []
    for word in words:
        for piece in (word, word.partition("=")[2]):
            if piece and "{" not in piece and piece not in candidates:
                candidates.append(piece)
    files = {}
    for word in candidates:
        path = Path(word) if Path(word).is_absolute() else base / word
        try:
            if path.is_file():
                files[word] = file_entry(path)
        except OSError:  # a word too long to be a path
            continue
    return {"command": " ".join(shlex.quote(a) for a in args), "files": files}


def model_fingerprint(model, *, model_version=None) -> dict:
    """The model's own ``fingerprint()`` (or its code's), with the user's ``model_version``."""
    own = getattr(model, "fingerprint", None)
    info = {"class": type(model).__qualname__}
    info.update(dict(own()) if callable(own) else code_fingerprint(model))
    if model_version is not None:
        info["model_version"] = str(model_version)
    return info
