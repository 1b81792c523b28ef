"""Scratch memory the binding keeps per thread (issue 20): the calls that take a
library workspace (:func:`cva.summarize`, :func:`cva.rfm_score`) use the calling
thread's cached :class:`cva.Workspace` when the caller passes none, so that a
repeated call does not map, first-touch and unmap fresh pages each time (on a
large input that is a third of the call or more, bench/RESULTS.md).

The cache grows to the largest size a call of the thread has asked for and keeps
its pages until :func:`release_workspace` is called or the thread ends. A call
with ``workspace=False`` opts out: the library then allocates and frees its
scratch memory itself, as a C caller passing no workspace gets."""

import threading

_local = threading.local()


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
    """Free the scratch memory the binding keeps for the calling thread (the next
    call that needs some maps it again). Returns the bytes released."""
    ws = getattr(_local, "ws", None)
    if ws is None:
        return 0
    size = ws.size
    ws.release()
    return size


def cached_size():
    """Bytes of scratch memory cached for the calling thread."""
    ws = getattr(_local, "ws", None)
    return 0 if ws is None else ws.size

