"""Acquisition cohorts from transactions: ``cva_txn_cohorts`` (lib/cohort.c)."""

import ctypes
import datetime as _dt
import math

from . import _convert as cv
from . import _errors
from . import _lib
from ._txn import _REFUND, _bad_arg, _enum, _issue_warning, _scalar_time

_EPOCH = _dt.date(1970, 1, 1)


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


# ---------------------------------------------------------------------------
# Calendar cohort tables (the columns of `cva retention`)

_CALENDAR = ("day", "week", "month", "quarter")
COHORT_TABLE_COLUMNS = ("cohort", "period", "customers", "active", "retained", "active_rate", "retention",
                        "survival")


def _period_of_day(z, cohort):
    """Calendar period of day number z (days since 1970-01-01): days, ISO weeks (Monday
    1970-01-05 starts week 0), months y*12 + m - 1, quarters y*4 + (m - 1)//3."""
    if cohort == "day":
        return z
    if cohort == "week":
        return (z - 4) // 7
    d = _EPOCH + _dt.timedelta(days=z)
    if cohort == "month":
        return d.year * 12 + d.month - 1
    return d.year * 4 + (d.month - 1) // 3


def _period_start(p, cohort):
    """First day of calendar period p as YYYY-MM-DD."""
    if cohort == "day":
        return (_EPOCH + _dt.timedelta(days=p)).isoformat()
    if cohort == "week":
        return (_EPOCH + _dt.timedelta(days=7 * p + 4)).isoformat()
    if cohort == "month":
        return _dt.date(p // 12, p % 12 + 1, 1).isoformat()
    return _dt.date(p // 4, 3 * (p % 4) + 1, 1).isoformat()


def _periods(days, cohort):
    """Calendar periods of a list/array of days (NaN rows get period 0: the library refuses
    or skips their time anyway)."""
    if cv.have_numpy():
        np = cv.np
        d = np.asarray(days, dtype=np.float64)
        z = np.floor(np.where(np.isfinite(d), d, 0.0)).astype(np.int64)
        if cohort == "day":
            return z
        if cohort == "week":
            return (z - 4) // 7
        m = z.astype("datetime64[D]").astype("datetime64[M]").astype(np.int64) + 1970 * 12
        return m if cohort == "month" else m // 3
    return [_period_of_day(int(math.floor(x)) if math.isfinite(x) else 0, cohort) for x in days]


def _column(data, names, what):
    for nm in names:
        try:
            return data[nm]
        except (KeyError, IndexError, TypeError, ValueError):
            continue
    raise _bad_arg("cohort_table: the transactions have no %s column (tried %s)" % (what, ", ".join(names)))


def cohort_table(summary_or_transactions, cohort="month", end=None, customer_col="customer_id",
                 time_col=None, amount_col="amount"):
    """Acquisition-cohort retention table by calendar period, the table of ``cva retention``.

    ``summary_or_transactions`` is either transactions — a pandas DataFrame or a mapping
    with the columns ``customer_col``, ``time_col`` (default: ``date``, else ``time``) and
    ``amount_col``, or a tuple ``(customer_id, time, amount)`` — or a :class:`Summary` of
    :func:`summarize` (times as dates or days since 1970-01-01). ``cohort`` is ``"day"``,
    ``"week"`` (ISO, Monday start), ``"month"`` or ``"quarter"``; ``end`` cuts the data
    (transactions only; a summary keeps its own end).

    One row per observed cell (cohort c, period j since acquisition, up to the period that
    holds the data end; cohorts without a customer have no rows), with the columns
    ``cohort`` (first day of the acquisition period, ``YYYY-MM-DD``), ``period`` (j),
    ``customers`` (cohort size), ``active`` (customers of the cohort with a purchase in
    period j), ``retained`` (with a purchase in period j or later: the survivor count),
    ``active_rate`` (active / customers), ``retention`` (the pooled retention of docs/methods/models.md#methods_sbg:
    Σ retained(c, j) / Σ retained(c, j−1) over the cohorts that reach j; NaN for j = 0) and
    ``survival`` (the product of retention over 1..j; 1 for j = 0). From a summary,
    ``active`` and ``active_rate`` are known only for j = 0 (NaN after): a summary keeps
    each customer's first and last purchase, not the periods in between.

    Returns a pandas DataFrame when pandas is importable, else a dict of column lists.
    A purchase is what :func:`summarize` calls one (default: amount >= 0)."""
    if cohort not in _CALENDAR:
        raise _bad_arg("cohort_table: cohort must be one of %s, got %r" % (", ".join(_CALENDAR), cohort))
    data = summary_or_transactions
    from_summary = hasattr(data, "first_t") and hasattr(data, "last_t") and hasattr(data, "obs_end")
    if from_summary:
        if end is not None:
            raise _bad_arg("cohort_table: end is not used with a summary (summarize with end=...)")
        ids, first, last = cv.to_list(data.customer_id), cv.to_list(data.first_t), cv.to_list(data.last_t)
        keep = [k for k in range(len(ids)) if math.isfinite(first[k]) and math.isfinite(last[k])]
        cid = [ids[k] for k in keep for _ in (0, 1)]
        t = [x for k in keep for x in (first[k], last[k])]
        amt = [0.0] * len(t)
        obs_end = data.obs_end
        if not math.isfinite(obs_end):
            raise _bad_arg("cohort_table: the summary has no observation end")
        end = obs_end
    else:
        if isinstance(data, tuple) and len(data) == 3:
            cid, t, amt = data
        else:
            cid = _column(data, (customer_col,), "customer id")
            t = _column(data, (time_col,) if time_col else ("date", "time"), "time")
            amt = _column(data, (amount_col,), "amount")
    days = cv.times_to_days(t, "time")
    day_vals = cv.to_list(days.owner) if not cv.have_numpy() else days.owner
    per = _periods(day_vals, cohort)
    e = _scalar_time(end, "end") if end is not None else None
    ct = cohorts(cid, days.owner, amt, period=per, end=e)
    nc = ct.n_cohorts
    ret_m = [list(map(float, row)) for row in ct.retained] if nc else []
    act_m = [list(map(float, row)) for row in ct.active] if nc else []
    if nc >= 2:
        from ._churn import cohort_curves  # noqa: PLC0415  (_churn is imported after this module)
        cc = cohort_curves(ret_m)
        r_pool = [math.nan] + [float(x) for x in cv.to_list(cc.retention)]
        s_pool = [1.0] + [float(x) for x in cv.to_list(cc.survival)]
    else:
        r_pool, s_pool = [math.nan], [1.0]
    cols = {name: [] for name in COHORT_TABLE_COLUMNS}
    sizes = cv.to_list(ct.size)
    periods = cv.to_list(ct.period)
    for c in range(nc):
        size = float(sizes[c])
        if not size > 0:
            continue
        label = _period_start(int(periods[c]), cohort)
        for j in range(nc - c):
            act = act_m[c][j] if not (from_summary and j > 0) else math.nan
            cols["cohort"].append(label)
            cols["period"].append(j)
            cols["customers"].append(int(size))
            cols["active"].append(act)
            cols["retained"].append(ret_m[c][j])
            cols["active_rate"].append(act / size)
            cols["retention"].append(r_pool[j])
            cols["survival"].append(s_pool[j])
    try:
        import pandas as pd
    except ImportError:
        return cols
    return pd.DataFrame(cols, columns=list(COHORT_TABLE_COLUMNS))
