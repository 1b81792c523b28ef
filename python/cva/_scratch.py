"""Scratch memory the binding keeps per thread (issue 20): the calls that take a
library workspace (:func:`cva.summarize`, :func:`cva.rfm_score`) use the calling
thread's cached :class:`cva.Workspace` when the caller passes none, so that a
repeated call does not map, first-touch and unmap fresh pages each time (on a
large input that is a third of the call or more, bench/RESULTS.md).

The cache grows to the largest size a call of the thread has asked for and keeps
its pages until :func:`release_workspace` is called or the thread ends. A call
with ``workspace=False`` opts out: the library then allocates and frees its
scratch memory itself, as a C caller passing no workspace gets."""

import ctypes
import mmap
import threading

_local = threading.local()

# Output blocks: the arrays a call returns are views of one block per call; when
# the caller has dropped every array of a block, the block (its pages mapped) goes
# back to this pool and the next call of about its size reuses it instead of
# faulting in fresh pages (the cost of a new output array on a VM is several times
# the cost of writing it, bench/RESULTS.md). At most _POOL_MAX free blocks are kept.
_pool_lock = threading.Lock()
_pool = []  # free blocks: [mmap], oldest first
_POOL_MAX = 2
_POOL_MIN_BYTES = 1 << 20  # smaller outputs: plain numpy.empty
_POOL_MAX_BYTES = 1 << 30  # larger: numpy.empty per array (no single mapping of
#                            the rows-sized capacity of every column at once)


def _give_back(mm):
    with _pool_lock:
        _pool.append(mm)
        while len(_pool) > _POOL_MAX:
            _pool.pop(0)  # unmapped when its last reference goes


def _block(size):
    """A mapping of at least size bytes from the pool (not more than twice
    size plus 1 MiB, so a small call does not pin a large block), or a new one."""
    with _pool_lock:
        best = None
        for i, mm in enumerate(_pool):
            if size <= len(mm) <= 2 * size + (1 << 20) and (best is None or len(mm) < len(_pool[best])):
                best = i
        if best is not None:
            return _pool.pop(best)
    mm = mmap.mmap(-1, size)
    advise_huge(mm, size)
    return mm


def advise_huge(mm, size):
    """Ask for huge pages on a mapping of 4 MiB or more (as numpy does for its
    large allocations; used for the output blocks and the workspaces): where the
    kernel offers them (transparent huge pages in "madvise" mode) a 2 MiB page is
    faulted in once instead of 512 pages of 4 KiB. Advice only: ignored where
    the system has no such call."""
    if size >= (4 << 20) and hasattr(mm, "madvise") and hasattr(mmap, "MADV_HUGEPAGE"):
        try:
            mm.madvise(mmap.MADV_HUGEPAGE)
        except OSError:
            pass


def output_arrays(np, specs, n):
    """Uninitialised numpy arrays of n elements, one per ``(dtype, ...)`` of specs,
    as views of one pooled block (or plain ``numpy.empty`` arrays when the block
    would be small). The block returns to the pool when the last view dies."""
    n = max(int(n), 1)
    sizes = [(np.dtype(dt).itemsize * n + 63) & ~63 for dt in specs]
    total = sum(sizes)
    if total < _POOL_MIN_BYTES or total > _POOL_MAX_BYTES:
        return [np.empty(n, dtype=dt) for dt in specs]
    mm = _block(total)

    class _Hold(ctypes.c_char * len(mm)):
        """The owner of the views: gives the mapping back when it dies."""
        def __del__(self, mm=mm, give_back=_give_back):
            try:
                give_back(mm)
            except Exception:  # interpreter shutdown: the mapping just goes
                pass

    hold = _Hold.from_buffer(mm)
    out, off = [], 0
    for dt, size in zip(specs, sizes):
        out.append(np.frombuffer(hold, dtype=dt, count=n, offset=off))
        off += size
    return out


def zero_arrays(np, specs, n):
    """Zero-filled numpy arrays of n elements, one per dtype of specs (writable).
    From 1 MiB on they are views of one fresh anonymous mapping: the kernel
    supplies its pages zero-filled when they are first touched, so nothing is
    written now. (``numpy.zeros`` would be calloc, and glibc's calloc serves a
    block of a few MiB from its heap once a freed mapping has raised its mmap
    threshold, so it clears it: 1-2 ms per column of 1e6 rows, measured.)"""
    n = max(int(n), 0)
    sizes = [(np.dtype(dt).itemsize * n + 63) & ~63 for dt in specs]
    total = sum(sizes)
    if total < _POOL_MIN_BYTES:
        return [np.zeros(n, dtype=dt) for dt in specs]
    mm = mmap.mmap(-1, total)
    advise_huge(mm, total)
    out, off = [], 0
    for dt, size in zip(specs, sizes):
        out.append(np.frombuffer(mm, dtype=dt, count=n, offset=off))
        off += size
    return out


def workspace():
    """The calling thread's cached :class:`cva.Workspace` (created on first use)."""
    ws = getattr(_local, "ws", None)
    if ws is None:
        from ._txn import Workspace
        ws = _local.ws = Workspace()
    return ws


def pointer(workspace_arg, size, bad_arg):
    """``(pointer, size)`` for a C call: the caller's Workspace, the thread's cached
    one (``workspace_arg`` None) or no workspace (``False``: ``(None, 0)``)."""
    from ._txn import Workspace
    if workspace_arg is False:
        return None, 0
    if workspace_arg is None:
        workspace_arg = workspace()
    elif not isinstance(workspace_arg, Workspace):
        raise bad_arg("workspace must be a cva.Workspace, None (the thread's cached one) or False (none)")
    size = max(int(size), 1)
    return workspace_arg._pointer(size), size


def release_workspace():
    """Free the scratch memory the binding keeps for the calling thread and the
    free output blocks it keeps for reuse (the next call that needs some maps it
    again). Returns the bytes released."""
    with _pool_lock:
        size = sum(len(mm) for mm in _pool)
        del _pool[:]
    ws = getattr(_local, "ws", None)
    if ws is None:
        return size
    size += ws.size
    ws.release()
    return size


def cached_size():
    """Bytes of scratch memory cached for the calling thread."""
    ws = getattr(_local, "ws", None)
    return 0 if ws is None else ws.size

