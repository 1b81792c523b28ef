"""Pieces shared by the Python benchmarks bench/python_defaults.py and
bench/duckdb_groupby.py (imported from the scripts' own folder, which Python puts
first on sys.path when a script is run, from any working directory)."""
import ctypes


def median(xs):
    xs = sorted(xs)
    k = len(xs)
    return xs[k // 2] if k % 2 else 0.5 * (xs[k // 2 - 1] + xs[k // 2])


def txn_c_inputs(ids, t, amount):
    """The inputs of a cva_txn_summarize call through ctypes on the numpy arrays (int64
    ids, float64 t and amount), default options: (lib, n, inp, opts, ws_size), ws_size
    the workspace size the call asks for. The cva binding must be importable."""
    from cva import _lib
    lib = _lib.get()
    n = len(ids)
    P = ctypes.POINTER
    inp = _lib.TxnInput(n=n, customer_id=ids.ctypes.data_as(P(ctypes.c_int64)),
                        t=t.ctypes.data_as(P(ctypes.c_double)), amount=amount.ctypes.data_as(P(ctypes.c_double)))
    opts = _lib.TxnOpts()
    ws_size = _lib.txn_workspace_size(inp, opts)
    return lib, n, inp, opts, ws_size
