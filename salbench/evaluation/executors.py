"""Running the engine's chunks on threads, a ``concurrent.futures`` executor or a dask cluster.

One interface for all three: :func:`run_chunks` submits ``function(*shared, chunk)`` for each chunk,
keeps a bounded number in flight (so finished results never pile up), and hands each result to a
callback in the calling thread as soon as it is ready. When a chunk fails, chunks not yet started
are cancelled, the ones already running are waited for (their results are still delivered, so a
resumed run does not redo them) and the first error is raised.

On dask the shared arguments are scattered to every worker once, wrapped in a
:class:`~salbench.evaluation.dask_setup.LoadOnce` (unpickled once per worker process), and a
worker plugin sets the workers' allocator thresholds (see :mod:`salbench.evaluation.dask_setup`).
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
        from .dask_setup import LoadOnce, forget, register

        register(executor)  # the workers' allocator settings, once per worker (see dask_setup)
        backend = _DaskFutures(executor)
        once = LoadOnce(shared)
        scattered = backend.scatter([once])
        try:
            n_workers = len(executor.scheduler_info().get("workers", {})) or 1
        except Exception:  # pragma: no cover
            n_workers = 1
        try:
            _drive(backend, _call_shared, (function, *scattered), chunks, on_result,
                   window or 2 * n_workers + 2)
        finally:
            forget(executor, once.token)
        return
    workers = getattr(executor, "_max_workers", None) or n_threads
    _drive(_Futures(executor), function, shared, chunks, on_result, window or 2 * workers)


def _call_shared(function, shared, chunk):
    # on a dask worker: ``shared`` is the LoadOnce this process unpickled (once per process)
    return function(*shared.objects, chunk)


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
        # Large shared objects (the dataset's fixations, a fitted baseline) go to every worker
        # at the start, not with each chunk.
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


class DaskExecutor:
    """A dask ``distributed.Client`` for :func:`salbench.evaluate`, and what it started.

    Use as a context manager: on exit the client is closed, and a local cluster it started is
    shut down (a remote scheduler is left running). ``client`` is None when neither a scheduler
    nor a worker count was given (then the engine runs on threads).
    """

    def __init__(self, client=None, cluster=None):
        self.client = client
        self.cluster = cluster

    def __enter__(self):
        return self.client

    def __exit__(self, *exc):
        self.close()

    def close(self):
        if self.client is not None:
            self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self.client = self.cluster = None

    def describe(self) -> str:
        if self.client is None:
            return "threads"
        return describe_executor(self.client, 1)


def dask_executor(*, scheduler=None, dask_workers=None, threads_per_worker=1,
                  environment=None) -> DaskExecutor:
    """Connect to a dask scheduler, or start a local cluster of worker processes.

    Parameters
    ----------
    scheduler : str, optional
        Address of a running ``distributed`` scheduler (``tcp://host:8786``); its workers must
        see the dataset's image files and the model's files at the same paths as this process
        (the dataset's fixation table, the scoring plan and the model object are shipped to
        each worker once).
    dask_workers : int, optional
        Start a ``distributed.LocalCluster`` of this many worker *processes* (one thread each
        by default), on this machine. Exclusive with ``scheduler``.
    threads_per_worker : int, default=1
        Threads per local worker process.
    environment : dict, optional
        Environment variables for the local workers (e.g. ``NUMBA_CACHE_DIR``; by default they
        inherit this process's, so they share its on-disk kernel cache).

    Returns
    -------
    DaskExecutor
        A context manager whose ``client`` goes to ``salbench.evaluate(executor=...)``.

    Examples
    --------
    >>> from salbench.evaluation.executors import dask_executor
    >>> with dask_executor() as client:  # neither given: no cluster, evaluate uses threads
    ...     client is None
    True
    """
    from .._validation import positive_int

    if scheduler is not None and dask_workers is not None:
        raise InputError("give either a scheduler address or a number of dask workers, not both")
    if scheduler is None and dask_workers is None:
        return DaskExecutor()
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - depends on the environment
        raise InputError("running on dask needs the 'distributed' package: pip install "
                         "'salbench[dask]' (or dask distributed)") from None
    if scheduler is not None:
        if not isinstance(scheduler, str) or not scheduler.strip():
            raise InputError(f"scheduler must be an address such as tcp://host:8786, got "
                             f"{scheduler!r}")
        try:
            client = Client(scheduler, timeout="20s")
        except (OSError, TimeoutError) as error:
            raise InputError(f"cannot connect to the dask scheduler at {scheduler}: {error}") \
                from None
        return DaskExecutor(client)
    workers = positive_int(dask_workers, "dask_workers")
    threads = positive_int(threads_per_worker, "threads_per_worker")
    cluster = LocalCluster(n_workers=workers, threads_per_worker=threads, processes=True,
                           dashboard_address=None, env=dict(environment or {}))
    return DaskExecutor(Client(cluster), cluster)
