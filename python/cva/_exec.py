"""Executors (``cva_executor``, ``cva/common.h``) over Python thread pools.

The library never starts a thread: a call that accepts an executor splits its
work into tasks (where they split depends only on the input, so the results
are the same bits for any number of threads) and hands them to the
executor's ``run`` callback. Here ``run`` is a ctypes callback that spreads
the tasks over a :class:`concurrent.futures.ThreadPoolExecutor`: ``threads - 1``
pool threads and the calling thread (worker 0) take tasks from a shared
counter. Each task is a foreign call through ctypes, which releases the GIL
while the C code runs, so the threads run in parallel.

``threads=`` of :func:`cva.summarize`, :func:`cva.rfm_score`, :func:`cva.clv`,
the model ``fit`` methods and the per-customer predictions uses :func:`executor`
below. The default there is one thread (no executor): the library does not take
cores a host application did not give it (a Python process often runs its own
pools); pass ``threads=os.cpu_count()`` to use every core.
"""

import ctypes
import itertools
import threading
from concurrent.futures import ThreadPoolExecutor

from . import _lib

_lock = threading.Lock()
_cache = {}


class ThreadPoolCvaExecutor:
    """A ``cva_executor`` of ``threads`` workers.

    ``pool`` (optional) is a ``ThreadPoolExecutor`` to borrow (it should have
    at least ``threads - 1`` threads, else the calling thread does the tasks
    the missing threads would have done); by default one of ``threads - 1``
    threads is made on first use and kept. ``.struct`` is the
    :class:`cva.Executor` ctypes structure to put in the options. Safe to use
    from several Python threads at once (each library call has its own
    counter and worker indices).
    """

    def __init__(self, threads, pool=None):
        threads = int(threads)
        if threads < 1:
            raise ValueError("threads must be >= 1")
        self.threads = threads
        self._pool = pool
        self._own_pool = pool is None
        self._pool_lock = threading.Lock()
        self._run_cb = _lib.RunFn(self._run)  # kept alive with this object
        self.struct = _lib.Executor(run=self._run_cb, ctx=None, workers=threads)

    def _get_pool(self):
        with self._pool_lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=max(self.threads - 1, 1),
                                                thread_name_prefix="cva-worker")
            return self._pool

    def _run(self, ctx, n_tasks, fn, arg):
        # cva_executor::run: every task once, worker indices unique among the
        # loops running at the same time (one loop per index); 0 on success.
        counter = itertools.count()  # next() is atomic under the GIL
        n = int(n_tasks)
        futures = []
        ok = True

        def loop(worker):
            for task in iter(lambda: next(counter), None):
                if task >= n:
                    return
                fn(arg, task, worker)  # foreign call: the GIL is released

        try:
            pool = self._get_pool()
            for w in range(1, self.threads):
                futures.append(pool.submit(loop, w))
            loop(0)  # the calling thread is worker 0
        except BaseException:
            ok = False
        # return only once no task runs any more (a loop not started yet is cancelled)
        for f in futures:
            if not f.cancel():
                try:
                    f.result()
                except BaseException:
                    ok = False
        return 0 if ok else 1  # 1: the library runs every task again itself

    def close(self):
        """Shut down the pool this executor made (a borrowed one is left alone)."""
        with self._pool_lock:
            if self._own_pool and self._pool is not None:
                self._pool.shutdown(wait=True)
                self._pool = None


def executor(threads):
    """The shared executor of ``threads`` workers (None for 1 or None: no executor)."""
    if threads is None:
        return None
    if isinstance(threads, bool) or not isinstance(threads, int) or threads < 1:
        raise ValueError("threads must be a positive integer or None")
    if threads == 1:
        return None
    with _lock:
        ex = _cache.get(threads)
        if ex is None:
            ex = _cache[threads] = ThreadPoolCvaExecutor(threads)
        return ex


def check_threads(threads, what):
    """``threads`` for a ``threads=`` argument: None or a positive int, else
    :class:`cva.BadArgumentError` naming ``what``."""
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        from . import _errors
        msg = "%s: threads must be a positive integer or None (one thread), got %r" % (what, threads)
        raise _errors.BadArgumentError(msg, status=_errors.E_BADARG, name="CVA_E_BADARG", detail=msg)
    return executor(threads)


def void_pointer(ex):
    """The address of ``ex``'s ``cva_executor`` for an options field declared
    ``c_void_p`` (None for no executor). Keep ``ex`` alive during the call."""
    if ex is None:
        return None
    return ctypes.addressof(ex.struct)


def opts_pointer(ex):
    """A ``POINTER(cva.Executor)`` for an options struct (NULL for None)."""
    if ex is None:
        return ctypes.POINTER(_lib.Executor)()
    return ctypes.pointer(ex.struct)
