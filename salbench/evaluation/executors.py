"""Running the engine's chunks on threads, a ``concurrent.futures`` executor or a dask cluster.

One interface for all three: :func:`run_chunks` submits ``function(*shared, chunk)`` for each chunk,
keeps a bounded number in flight (so finished results never pile up), and hands each result to a
callback in the calling thread as soon as it is ready. When a chunk fails, chunks not yet started
are cancelled, the ones already running are waited for (their results are still delivered, so a
resumed run does not redo them) and the first error is raised.
"""

from __future__ import annotations

import concurrent.futures as cf

from ..exceptions import InputError


def is_dask_client(executor) -> bool:
    """A dask ``distributed.Client`` (duck-typed: the module and ``scatter``/``submit``)."""
    return type(executor).__module__.split(".")[0] == "distributed" and hasattr(executor, "scatter")


def describe_executor(executor, n_threads: int) -> str:
    if executor is None:
        return f"threads ({n_threads})" if n_threads > 1 else "serial"
    if is_dask_client(executor):
        try:
            workers = len(executor.scheduler_info().get("workers", {}))
        except Exception:  # pragma: no cover - a client in a bad state
            workers = "?"
        return f"dask distributed ({workers} worker(s))"
    return type(executor).__name__


def check_executor(executor):
    if executor is None or isinstance(executor, cf.Executor) or is_dask_client(executor):
        return executor
    raise InputError("executor must be None, a concurrent.futures.Executor or a dask "
                     f"distributed.Client, got {type(executor).__name__}")


def run_chunks(function, shared, chunks, on_result, *, executor=None, n_threads=1, window=None):
    """Run ``function(*shared, chunk)`` for every chunk; call ``on_result(chunk, result)``."""
    chunks = list(chunks)
    if not chunks:
        return
    if executor is None and n_threads <= 1:
        for chunk in chunks:
            on_result(chunk, function(*shared, chunk))
        return
    if executor is None:
        with cf.ThreadPoolExecutor(max_workers=n_threads, thread_name_prefix="salbench") as pool:
            _drive(_Futures(pool), function, shared, chunks, on_result, window or 2 * n_threads)
        return
    if is_dask_client(executor):
        backend = _DaskFutures(executor)
        shared = backend.scatter(shared)
        try:
            n_workers = len(executor.scheduler_info().get("workers", {})) or 1
        except Exception:  # pragma: no cover
            n_workers = 1
        _drive(backend, function, shared, chunks, on_result, window or 2 * n_workers + 2)
        return
    workers = getattr(executor, "_max_workers", None) or n_threads
    _drive(_Futures(executor), function, shared, chunks, on_result, window or 2 * workers)


def _drive(backend, function, shared, chunks, on_result, window):
    queue = list(reversed(chunks))
    pending = {}
    error = None
    while queue or pending:
        while queue and len(pending) < window and error is None:
            chunk = queue.pop()
            pending[backend.submit(function, *shared, chunk)] = chunk
        if not pending:
            break
        done = backend.wait_first(list(pending))
        for future in done:
            chunk = pending.pop(future)
            try:
                result = future.result()
            except BaseException as exc:  # noqa: BLE001 - re-raised below
                if error is None:
                    error = exc
                    queue.clear()
                    for other in list(pending):
                        if backend.cancel(other):
                            pending.pop(other)
                continue
            on_result(chunk, result)
    if error is not None:
        raise error


class _Futures:
    """concurrent.futures backend."""

    def __init__(self, executor):
        self.executor = executor

    def submit(self, function, *args):
        return self.executor.submit(function, *args)

    @staticmethod
    def wait_first(futures):
        done, _ = cf.wait(futures, return_when=cf.FIRST_COMPLETED)
        return done

    @staticmethod
    def cancel(future) -> bool:
        return future.cancel()


class _DaskFutures:
    """dask distributed backend (``pure=False``: every chunk runs, none is deduplicated)."""

    def __init__(self, client):
        self.client = client

    def scatter(self, objects):
        # Large shared objects (the dataset's fixations, a fitted baseline) go to the workers once.
        return tuple(self.client.scatter(list(objects), broadcast=True, hash=False))

    def submit(self, function, *args):
        return self.client.submit(function, *args, pure=False)

    @staticmethod
    def wait_first(futures):
        from distributed import wait

        done, _ = wait(futures, return_when="FIRST_COMPLETED")
        return done

    def cancel(self, future) -> bool:
        if future.done():
            return False
        self.client.cancel([future])
        return True
