"""Transaction simulation (``cva/sim.h``, lib/sim.c): simulate()."""

import collections
import ctypes
import math
import warnings

from . import _convert as cv
from . import _errors
from . import _lib
from ._txn import _bad_arg, _issue_warning, _scalar_time


Simulation = collections.namedtuple("Simulation", ["customer_id", "t", "amount"])


def simulate(n_customers, seed=42, r=None, alpha=None, a=None, b=None, p=None, q=None,
             gamma=None, time_scale=None, start=None, acquisition_span=None, end=None,
             round_times=True, first_id=1):
    """Simulate BG/NBD purchases with Gamma-Gamma spend (``cva_sim_transactions``).

    Parameters left as ``None`` keep the library defaults (CDNOW estimates,
    days, 12 weeks of acquisition, 78 weeks in total): r=0.243, alpha=4.414,
    a=0.793, b=2.426, p=6.25, q=3.74, gamma=15.44, time_scale=7, start=0,
    acquisition_span=84, end=546. ``start``/``end`` also accept dates
    (converted to days since 1970-01-01).

    Returns a ``Simulation(customer_id, t, amount)`` named tuple of arrays,
    rows customer by customer in time order.
    """
    whole = cv.whole_number(n_customers)
    if whole is None:
        raise _bad_arg("n_customers must be a whole number, got %r" % (n_customers,))
    n_customers = whole
    if n_customers < 0:
        raise _bad_arg("n_customers must be >= 0")
    what = "simulate: n_customers=%d" % n_customers
    # every customer has at least one row of id, time and amount (24 bytes): refuse at once
    # what cannot fit, instead of simulating for hours before the allocation fails
    cv.check_memory(24 * n_customers, what, "needs at least")
    opts = _lib.SimOpts()
    opts.seed = int(seed) & 0xFFFFFFFFFFFFFFFF
    opts.first_id = int(first_id)
    opts.round_times = 1 if round_times else 0
    for name, val in (("r", r), ("alpha", alpha), ("a", a), ("b", b), ("p", p), ("q", q),
                      ("gamma", gamma), ("time_scale", time_scale),
                      ("acquisition_span", acquisition_span)):
        if val is not None:
            setattr(opts, name, float(val))
    for name, val in (("start", start), ("end", end)):
        if val is not None:
            setattr(opts, name, _scalar_time(val, name))
    lib = _lib.get()
    if n_customers > 0:
        cv.check_memory(24.0 * n_customers * _sim_rows_per_customer(opts), what, "needs about")
    diag = _lib.Diag()
    n_rows = ctypes.c_size_t(0)
    st = lib.cva_sim_transactions(ctypes.byref(opts), int(n_customers), None, None, None, 0,
                                  ctypes.byref(n_rows), ctypes.byref(diag))
    _lib.raise_for_status(st, diag, "simulate")
    m = n_rows.value
    cv.check_memory(24 * m, "%s (%d rows)" % (what, m))
    ids = cv.empty_output("q", m)
    t = cv.empty_output("d", m)
    amt = cv.empty_output("d", m)
    diag = _lib.Diag()
    st = lib.cva_sim_transactions(ctypes.byref(opts), int(n_customers), ids.ptr, t.ptr, amt.ptr,
                                  max(m, 1), ctypes.byref(n_rows), ctypes.byref(diag))
    _lib.raise_for_status(st, diag, "simulate")
    if st > 0:
        _issue_warning(st, diag, "simulate")
    k = n_rows.value
    return Simulation(cv.trim(ids.owner, k), cv.trim(t.owner, k), cv.trim(amt.owner, k))


def _sim_rows_per_customer(opts):
    """Expected rows per simulated customer: 1 + E[X(T)] under BG/NBD, T the time from a
    uniform acquisition to the end (midpoint rule over 64 points); 1 when not computable."""
    from ._churn import BetaGeo
    try:
        span = max(opts.acquisition_span, 0.0)
        ts = [(opts.end - (opts.start + span * (j + 0.5) / 64)) / opts.time_scale for j in range(64)]
        ts = [max(t, 0.0) for t in ts]
        m = BetaGeo(params=dict(r=opts.r, alpha=opts.alpha, a=opts.a, b=opts.b))
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ex = cv.to_list(m.expected_purchases_population(ts))
        rows = 1.0 + sum(ex) / len(ex)
        return rows if math.isfinite(rows) else 1.0
    except (_errors.Error, ValueError, TypeError, ArithmeticError):
        return 1.0
