"""Acquisition cohorts from transactions: ``cva_txn_cohorts`` (lib/cohort.c)."""

import ctypes

from . import _convert as cv
from . import _errors
from . import _lib
from ._txn import _REFUND, _bad_arg, _enum, _issue_warning, _scalar_time


class Cohorts:
    """Result of :func:`cohorts`.

    ``period`` (int64, one per cohort: the period index of the acquisition),
    ``size`` (customers acquired), ``observed`` (periods observed since
    acquisition, ``n_cohorts - c``), ``active`` and ``retained``: n_cohorts x
    n_cohorts matrices (2-D numpy arrays, or lists of lists without numpy)
    with row c, column j = period since acquisition, NaN past the observation
    end. ``retained`` is the survivor matrix :meth:`ShiftedBetaGeo.fit` and
    :func:`cohort_curves` take. Also ``first_period``, ``end_period``,
    ``obs_end``, ``n_customers``, ``status``, ``excluded`` and ``warning``.
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    @property
    def n_cohorts(self):
        return len(self.period)

    def __repr__(self):
        return "Cohorts(n_cohorts=%d, first_period=%d, end_period=%d, n_customers=%d)" % (
            self.n_cohorts, self.first_period, self.end_period, self.n_customers)


def _matrix(buf, nc):
    arr = cv.trim(buf.owner, nc * nc)
    if cv.have_numpy() and hasattr(arr, "reshape"):
        return arr.reshape((nc, nc))
    flat = list(arr)
    return [flat[c * nc:(c + 1) * nc] for c in range(nc)]


def cohorts(customer_id, time, amount, cost=None, period_length=1.0, period_origin=0.0,
            period=None, end=None, start=None, refund_policy="net", zero_is_purchase=True,
            skip_invalid=False):
    """Acquisition-cohort table from transactions (``cva_txn_cohorts``).

    A customer's cohort is the period of its first purchase, with periods
    ``floor((t - period_origin) / period_length)`` or the caller's ``period``
    index per row (e.g. calendar months). ``refund_policy``,
    ``zero_is_purchase``, ``end``/``start`` (the window) and ``skip_invalid``
    (drop rows with a NaN/infinite time, amount or cost) mean what they mean
    for :func:`summarize`; times may be dates (days since 1970-01-01).
    Returns :class:`Cohorts`; a positive status is issued as
    :class:`CvaWarning` (``W_EXCLUDED``: rows outside the window or invalid
    rows were dropped; ``W_EMPTY``: no purchase).
    """
    t = cv.times_to_days(time, "time")
    amt = cv.as_float64(amount, "amount")
    cst = cv.as_float64(cost, "cost") if cost is not None else None
    codec, ids, _ = cv.encode_ids(customer_id, None)
    n = ids.n
    arrays = {"time": t, "amount": amt}
    if cst is not None:
        arrays["cost"] = cst
    per = None
    if period is not None:
        per = arrays["period"] = cv.as_int64(period, "period")
    for name, a in arrays.items():
        if a.n != n:
            raise _bad_arg("%s has %d elements but customer_id has %d" % (name, a.n, n))
    opts = _lib.TxnOpts()
    opts.refund_policy = _enum(refund_policy, _REFUND, "refund_policy")
    opts.flags = ((0 if zero_is_purchase else _lib.F_ZERO_NOT_PURCHASE)
                  | (_lib.F_SKIP_INVALID if skip_invalid else 0))
    e = _scalar_time(end, "end")
    if e is not None:
        opts.obs_end = e
    s = _scalar_time(start, "start")
    if s is not None:
        opts.obs_start = s
    opts.period_length = float(period_length)
    opts.period_origin = _scalar_time(period_origin, "period_origin")
    inp = _lib.TxnInput(n=n, customer_id=ids.ptr, t=t.ptr, amount=amt.ptr)
    if cst is not None:
        inp.cost = cst.ptr
    if per is not None:
        inp.period = per.ptr

    lib = _lib.get()
    diag = _lib.Diag()
    table = _lib.CohortTable()
    # first call: how many cohorts (the matrices are n_cohorts x n_cohorts)
    st = lib.cva_txn_cohorts(ctypes.byref(inp), ctypes.byref(opts), ctypes.byref(table), None, 0,
                             ctypes.byref(diag))
    if st == _errors.E_BUFFER_TOO_SMALL:
        nc = int(table.n_cohorts)
        cv.check_memory(2 * nc * nc * 8, "the cohort table (%d cohorts)" % nc)
        bufs = {"period": cv.empty_output("q", nc), "size": cv.empty_output("d", nc),
                "observed": cv.empty_output("q", nc), "active": cv.empty_output("d", nc * nc),
                "retained": cv.empty_output("d", nc * nc)}
        table.capacity = nc
        for name, b in bufs.items():
            setattr(table, name, ctypes.cast(b.ptr, type(getattr(table, name))))
        diag = _lib.Diag()
        st = lib.cva_txn_cohorts(ctypes.byref(inp), ctypes.byref(opts), ctypes.byref(table), None, 0,
                                 ctypes.byref(diag))
    else:
        nc = 0
        bufs = {name: cv.empty_output(k, 0) for name, k in
                (("period", "q"), ("size", "d"), ("observed", "q"), ("active", "d"), ("retained", "d"))}
    _lib.raise_for_status(st, diag, "cohorts")
    nc = int(table.n_cohorts)
    warning = _issue_warning(st, diag, "cohorts") if st > 0 else None
    excluded = int(diag.count) if st in (_errors.W_EXCLUDED, _errors.W_EMPTY) else 0
    return Cohorts(period=cv.trim(bufs["period"].owner, nc), size=cv.trim(bufs["size"].owner, nc),
                   observed=cv.trim(bufs["observed"].owner, nc), active=_matrix(bufs["active"], nc),
                   retained=_matrix(bufs["retained"], nc), first_period=int(table.first_period),
                   end_period=int(table.end_period), obs_end=float(table.obs_end),
                   n_customers=int(table.n_customers), status=st, excluded=excluded, warning=warning)
