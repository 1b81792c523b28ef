"""Transaction summaries (``cva/txn.h``, lib/txn.c): summarize(), Summary, Workspace,
and the date helpers to_days()/from_days()."""

import collections
import ctypes
import math
import mmap
import warnings

from . import _convert as cv
from . import _errors
from . import _exec
from . import _lib
from . import _scratch

_REFUND = {"net": _lib.TXN_REFUND_NET, "as_row": _lib.TXN_REFUND_AS_ROW, "as-row": _lib.TXN_REFUND_AS_ROW,
           "exclude": _lib.TXN_REFUND_EXCLUDE}
_CONVENTION = {"continuous": _lib.TXN_TIME_CONTINUOUS, "period": _lib.TXN_TIME_PERIOD}
_UNITS = {"day": 1.0, "days": 1.0, "week": 7.0, "weeks": 7.0}


def _issue_warning(status, diag, what, stacklevel=3, extra_count=0, extra=None):
    name = _lib.status_name(status)
    msg = "%s: %s" % (what, _lib.strerror(status))
    detail = diag.detail_text if diag is not None else ""
    if detail and detail not in msg:
        msg += " (%s)" % detail
    count = (int(diag.count) if diag is not None else 0) + extra_count
    if status == _errors.W_EXCLUDED:
        msg += "; %d row(s) excluded" % count
    if extra:
        msg += " (%s)" % extra
    w = _errors.CvaWarning(msg, status=status, name=name, detail=detail or None, count=count)
    warnings.warn(w, stacklevel=stacklevel)
    return w


def _bad_arg(msg, status=_errors.E_BADARG, cls=_errors.BadArgumentError, option_name=None):
    return cls(msg, status=status, name=_lib.status_name(status), detail=msg,
               option_name=option_name)


def _enum(value, table, what):
    if isinstance(value, str):
        key = value.lower()
        if key not in table:
            raise _bad_arg("%s must be one of %s, got %r" % (what, ", ".join(sorted(table)), value),
                           _errors.E_OPTION, _errors.OptionError, what)
        return table[key]
    return int(value)


def _scalar_time(v, what):
    if v is None:
        return None
    try:
        return cv.date_to_days(v)
    except (TypeError, ValueError) as e:
        raise _bad_arg("%s: %s" % (what, e), _errors.E_OPTION, _errors.OptionError, what)


class Summary(cv.FieldMapping):
    """Per-customer summary returned by :func:`summarize`.

    A read-only mapping from field name to array (numpy arrays when numpy is
    importable, else ``array.array``; ``customer_id`` is an object array or a
    list when the ids were text). Fields are also attributes::

        res.frequency, res["recency"], list(res.keys())

    Extra attributes: ``n_customers``, ``status`` (0 or a positive warning
    status), ``status_name``, ``warning`` (the :class:`CvaWarning` or None),
    ``excluded`` (rows dropped by the window or the skip policy), ``text_ids``,
    ``skipped`` (rows dropped by ``skip_invalid``, per reason: ``missing_id``,
    ``blank_id``, ``bad_time``, ``bad_amount``, ``bad_cost``), ``time_unit``
    (``"day"`` or ``"week"``: the unit of ``recency``, ``T`` and
    ``duration_holdout`` when it is known, else None).

    The ends the library used, in the unit of ``time`` (days when the times
    were dates): ``obs_end`` (the ``end`` passed, else the latest time of a
    valid row in the window, refunds included, or the calibration end when
    that is later; NaN when there is no row and no ``end``) and
    ``calibration_end`` (the end ``T`` and ``days_since_last`` are measured
    to: the ``calibration_end`` passed, else ``obs_end``). ``days_since_last``
    is the RFM recency ``calibration_end - last_t``. When the times were
    dates, ``obs_end_date`` and ``calibration_end_date`` are the same ends as
    ``datetime.datetime`` (as :func:`from_days` gives; else None).
    """

    def __init__(self, fields, n_customers, status, excluded, warning, text_ids, options,
                 time_unit=None, skipped=None, obs_end=math.nan, calibration_end=math.nan,
                 dates=False):
        self._fields = fields
        self.n_customers = n_customers
        self.status = status
        self.status_name = _lib.status_name(status)
        self.excluded = excluded
        self.warning = warning
        self.text_ids = text_ids
        self.options = options
        self.time_unit = time_unit
        self.skipped = dict(skipped) if skipped else dict.fromkeys(_SKIP_REASONS, 0)
        self.obs_end = obs_end
        self.calibration_end = calibration_end
        self.obs_end_date = from_days(obs_end) if dates else None
        self.calibration_end_date = from_days(calibration_end) if dates else None

    def __dir__(self):
        return list(super().__dir__()) + list(self._fields)

    def __repr__(self):
        return "<cva.Summary: %d customers, status %s, fields %s>" % (
            self.n_customers, self.status_name, ", ".join(self._fields))

    def to_dict(self, lists=False):
        """A plain dict of the arrays (of Python lists when ``lists`` is true)."""
        if lists:
            return {k: cv.to_list(v) for k, v in self._fields.items()}
        return dict(self._fields)

    def to_pandas(self, index=True):
        """A ``pandas.DataFrame``, indexed by ``customer_id`` unless ``index`` is
        false (then it is the first column). Needs pandas.

        When the time unit is known, the last column is ``time_unit`` (``"day"``
        or ``"week"`` in every row), as in the output of ``cva summary``: the
        frame's ``to_csv()`` is then a file that ``cva fit --summary`` and
        ``cva predict --summary`` read in the right unit."""
        import pandas as pd
        cols = {k: (v if cv.have_numpy() else cv.to_list(v)) for k, v in self._fields.items()}
        if self.time_unit is not None:
            cols["time_unit"] = [self.time_unit] * self.n_customers
        df = pd.DataFrame(cols)
        if index:
            df = df.set_index("customer_id")
        return df


def _frame_columns(df, customer, time, amount, cost, referrer_id, period):
    """The arrays of a DataFrame call of :func:`summarize` (column names -> values)."""
    def col(name, what, required=True):
        if name is None:
            if required:
                raise _bad_arg("summarize(DataFrame): name the %s column (%s=...)" % (what, what))
            return None
        if not isinstance(name, str):  # already values
            return name
        if name not in df.columns:
            raise _bad_arg("summarize(DataFrame): no %s column %r (columns: %s)"
                           % (what, name, ", ".join(map(str, df.columns))))
        s = df[name]
        kind = getattr(s.dtype, "kind", "O")
        if kind in "iufb":
            return s.to_numpy() if cv.have_numpy() else s.tolist()
        if kind == "M":  # datetime64 (tz-naive): the binding converts datetime64 arrays
            return s.to_numpy()
        return s.tolist()
    cid = col(customer if customer is not None else "customer_id", "customer")
    t = col(time, "time")
    amt = col(amount, "amount", required=False)
    if amt is None:  # no money column: every row is a purchase of 0
        amt = [0.0] * len(df)
    return (cid, t, amt, col(cost, "cost", False), col(referrer_id, "referrer_id", False),
            col(period, "period", False))


def summarize(customer_id, time=None, amount=None, cost=None, referrer_id=None, end=None,
              calibration_end=None, start=None, refund_policy="net", zero_is_purchase=True,
              skip_invalid=False, time_unit=1.0, period_length=1.0, period_origin=0.0,
              period=None, time_convention="continuous", fields=None, workspace=None,
              customer=None, threads=None):
    """One row per customer from transactions (``cva_txn_summarize``).

    Two forms: arrays, ``summarize(customer_id, time, amount, ...)``, or a
    pandas DataFrame and its column names,
    ``summarize(df, customer="cust", time="date", amount="sales", ...)``
    (``cost``, ``referrer_id`` and ``period`` may then name columns too; without
    ``amount`` every row is a purchase of 0). ``.to_pandas()`` of the result is
    the table of ``cva summary``, indexed by customer id.

    Parameters
    ----------
    customer_id : sequence of int or of text, or pandas.DataFrame
        See the two forms above.
    customer : str, optional
        DataFrame form: the customer id column (default ``"customer_id"``).
    customer_id : sequence of int or of text
        Integer ids are passed through. Otherwise (e.g. ``'C-00123'``) ids are
        encoded through a dictionary whose codes follow the *sorted* order of
        the text (``str(id)``), so rows come out sorted by the text id; the
        result's ``customer_id`` holds the original values.
    time : sequence
        Numbers in the caller's unit, or calendar dates (``datetime.date``,
        ``datetime.datetime``, numpy ``datetime64``, strings ``YYYY-MM-DD``,
        ``YYYYMMDD`` or ISO date-time) converted to days since 1970-01-01.
    amount, cost : sequences of float
        Signed money per row (refunds < 0); optional cost per row.
    referrer_id : sequence, optional
        Customer credited with referring the row; ``None``/NaN/"" = none.
        Shares the text dictionary with ``customer_id``.
    end, start, calibration_end : number or date, optional
        Observation window (default: the latest time, unbounded start) and the
        calibration/holdout split. Same accepted forms as ``time``. A
        ``calibration_end`` after the end is an :class:`OptionError`, also
        when the end is left to default (after the latest transaction).
    refund_policy : "net" | "as_row" | "exclude"
    zero_is_purchase : bool
        False sets ``CVA_TXN_F_ZERO_NOT_PURCHASE``.
    skip_invalid : bool
        Drop invalid rows instead of raising: a missing customer id (None,
        NaN, NaT: the pandas case of a column with gaps), a blank text id
        (empty or spaces), a time that is NaN/infinite or not a date, an
        amount or cost that is NaN/infinite or not a number. The counts per
        reason are in ``.skipped`` and in the :class:`CvaWarning`; the result
        status is then ``CVA_W_EXCLUDED`` (as for the library's own skip flag).
    time_unit : float or "day"/"week"
        Time units per model unit (the C ``time_scale``): 7 turns days into
        weeks for recency and T. The result's ``time_unit`` names the unit
        when it is known: ``"day"``/``"week"`` when the times are dates (or
        a name is given here), None for plain numbers with a numeric scale.
    period_length, period_origin :
        Occasion periods ``floor((t - origin)/length)``; origin may be a date.
    period : sequence of int, optional
        Caller-computed period index per row (e.g. calendar months).
    time_convention : "continuous" | "period"
    fields : iterable of str, optional
        Compute only these fields (``customer_id`` is always included).
    workspace : Workspace, None or False
        Scratch memory kept between calls. Default None: the calling
        thread's cached workspace (kept by the binding, grown on demand, freed
        by :func:`release_workspace`). ``False``: none, the library allocates
        (and frees) its scratch memory on every call; on large inputs the
        first touch of that memory costs about a third of the call (0.9 s of
        2.4 s for 5e7 rows on the benchmark machine, bench/RESULTS.md), which
        a reused workspace pays once. Works with ``threads``: its size then
        includes scratch memory for every thread.
    threads : int, optional
        Threads for the library's parallel steps (the partitioned path used
        without ``referrer_id``): ``threads - 1`` threads of a
        ``concurrent.futures`` pool plus the calling thread, the GIL released
        while the C tasks run. The result is the same, bit for bit, for every
        value. Default None: one thread, so that a call never takes cores the
        application did not give it (it may run its own pools); pass
        ``os.cpu_count()`` to use every core.

    Returns
    -------
    Summary
        Arrays trimmed to ``n_customers``. Positive statuses are in
        ``.status`` and issued as :class:`CvaWarning`.
    """
    from . import _pandas
    if threads is not None and (isinstance(threads, bool) or not isinstance(threads, int) or threads < 1):
        raise _bad_arg("threads must be a positive integer or None (one thread)")
    if _pandas.is_frame(customer_id):
        customer_id, time, amount, cost, referrer_id, period = _frame_columns(
            customer_id, customer, time, amount, cost, referrer_id, period)
    elif customer is not None:
        raise _bad_arg("summarize: customer= names a column of a DataFrame; with arrays pass "
                       "customer_id as the first argument")
    elif time is None or amount is None:
        raise _bad_arg("summarize: time and amount are required (or pass a DataFrame and column names)")
    lib = _lib.get()
    time_kinds = set()
    skipped = dict.fromkeys(_SKIP_REASONS, 0)
    if skip_invalid:
        customer_id, referrer_id, t, amt, cst, period = _drop_invalid(
            customer_id, referrer_id, time, amount, cost, period, skipped, time_kinds)
    else:
        t = cv.times_to_days(time, "time", kinds=time_kinds)
        amt = cv.as_float64(amount, "amount")
        cst = cv.as_float64(cost, "cost") if cost is not None else None
    codec, ids, refs = cv.encode_ids(customer_id, referrer_id)
    n = ids.n
    arrays = {"time": t, "amount": amt}
    if cst is not None:
        arrays["cost"] = cst
    if refs is not None:
        arrays["referrer_id"] = refs
    per = None
    if period is not None:
        per = arrays["period"] = cv.as_int64(period, "period")
    for name, a in arrays.items():
        if a.n != n:
            raise _bad_arg("%s has %d elements but customer_id has %d" % (name, a.n, n))

    unit_name = None
    if isinstance(time_unit, str):
        unit_name = {"day": "day", "days": "day", "week": "week", "weeks": "week"}.get(time_unit.lower())
    if isinstance(time_unit, str):
        if unit_name is None:
            raise _bad_arg("time_unit must be a number or one of %s" % ", ".join(_UNITS),
                           _errors.E_OPTION, _errors.OptionError, "time_unit")
        time_unit = _UNITS[time_unit.lower()]

    opts = _lib.TxnOpts()
    opts.refund_policy = _enum(refund_policy, _REFUND, "refund_policy")
    opts.time_convention = _enum(time_convention, _CONVENTION, "time_convention")
    opts.flags = ((0 if zero_is_purchase else _lib.TXN_F_ZERO_NOT_PURCHASE)
                  | (_lib.TXN_F_SKIP_INVALID if skip_invalid else 0))
    e = _scalar_time(end, "end")
    if e is not None:
        opts.obs_end = e
    s = _scalar_time(start, "start")
    if s is not None:
        opts.obs_start = s
    ce = _scalar_time(calibration_end, "calibration_end")
    if ce is not None:
        opts.calibration_end = ce
    opts.period_length = float(period_length)
    opts.period_origin = _scalar_time(period_origin, "period_origin")
    opts.time_scale = float(time_unit)
    if unit_name is None and "date" in time_kinds:
        # dates are converted to days; the scale names the unit when it is 1 or 7
        unit_name = {1.0: "day", 7.0: "week"}.get(opts.time_scale)

    ex = _exec.executor(threads)  # kept alive until the call returns
    opts.executor = _exec.opts_pointer(ex)

    inp = _lib.TxnInput(n=n, customer_id=ids.ptr, t=t.ptr, amount=amt.ptr)
    if cst is not None:
        inp.cost = cst.ptr
    if refs is not None:
        inp.referrer_id = refs.ptr
    if per is not None:
        inp.period = per.ptr

    names = [name for name, _ in _lib.SUMMARY_ARRAYS
             if ce is not None or name not in _lib.HOLDOUT_ARRAYS]
    if fields is not None:
        wanted = set(fields)
        unknown = wanted.difference(name for name, _ in _lib.SUMMARY_ARRAYS)
        if unknown:
            raise _bad_arg("unknown field(s): %s" % ", ".join(sorted(unknown)))
        names = [nm for nm in names if nm == "customer_id" or nm in wanted]

    capacity = max(2 * n if refs is not None else n, 1)
    out = _lib.TxnSummary()
    out.capacity = capacity
    kinds = {ctypes.c_double: "d", ctypes.c_int64: "q", ctypes.c_uint32: "I"}
    bufs = {}
    # columns that are 0 in every row (no referrer array: the referral counts and
    # amounts; no cost array: total_cost) are not asked of the library but made
    # zero-filled by the kernel (_scratch.zero_arrays: a fresh mapping whose pages
    # are supplied zeroed when first touched), so no memory is written for them
    zeros = set()
    if cv.np is not None:
        if refs is None:
            zeros.update(("ref_n_txn", "ref_n_cust", "ref_amount"))
        if cst is None:
            zeros.add("total_cost")
        zeros.intersection_update(names)
    asked = [(name, kinds[ct]) for name, ct in _lib.SUMMARY_ARRAYS if name in names and name not in zeros]
    pooled = cv.np is not None and workspace is not False
    if pooled:  # views of one block that is reused once the caller drops the result
        views = _scratch.output_arrays(cv.np, [_DTYPES[kind] for _, kind in asked], capacity)
        for (name, kind), arr in zip(asked, views):
            bufs[name] = cv.CArray(arr, cv._pointer(arr, kind, capacity), capacity)
    else:
        for name, kind in asked:
            bufs[name] = cv.uninit_output(kind, capacity)  # the library writes rows 0..k-1
    for name, _ in asked:
        setattr(out, name, bufs[name].ptr)

    diag = _lib.Diag()
    wptr, wsize = None, 0
    if workspace is not False:
        wptr, wsize = _scratch.pointer(workspace, _lib.txn_workspace_size(inp, opts), _bad_arg)
    default_end = None
    if ce is not None and e is None and n > 0:
        # the default end is the latest time of a valid row (not before start): a calibration
        # end after it is the library's error for an explicit end after it, not a silent T
        # running to the calibration end
        last = _latest_time(t, amt, cst, s)
        if last is not None and ce > last:
            default_end = last
            opts.obs_end = last
    st = lib.cva_txn_summarize(ctypes.byref(inp), ctypes.byref(opts), ctypes.byref(out),
                               wptr, wsize, ctypes.byref(diag))
    if st < 0:
        if default_end is not None:
            _raise_txn(st, diag, "end left to default: the latest time, %s; calibration_end %s is after it"
                       % (_fmt_time(default_end, time_kinds), _fmt_time(ce, time_kinds)))
        _raise_txn(st, diag)
    k = int(out.n_customers)
    result = {}
    zero_names = [name for name in names if name in zeros]
    zero_cols = dict(zip(zero_names, _scratch.zero_arrays(cv.np, [_ZERO_DTYPES[nm] for nm in zero_names], k)))
    for name in names:
        if name in zeros:
            result[name] = zero_cols[name]
        elif pooled and bufs[name].owner.base is not None:  # a view of a pooled block
            result[name] = bufs[name].owner[:k]
        else:
            result[name] = cv.trim(bufs[name].owner, k)
    if codec.is_text:
        result["customer_id"] = codec.decode(result["customer_id"])
    warning = None
    n_skip = sum(skipped.values())
    lib_excluded = int(diag.count) if st == _errors.W_EXCLUDED or st == _errors.W_EMPTY else 0
    if n_skip and st == _errors.OK:
        st = _errors.W_EXCLUDED
    if st > 0:
        warning = _issue_warning(st, diag, "summarize", extra_count=n_skip,
                                 extra=_skip_text(skipped) if n_skip else None)
    excluded = lib_excluded + n_skip
    options = dict(refund_policy=opts.refund_policy, flags=opts.flags,
                   time_convention=opts.time_convention, obs_end=opts.obs_end,
                   obs_start=opts.obs_start, period_length=opts.period_length,
                   period_origin=opts.period_origin, time_scale=opts.time_scale,
                   calibration_end=opts.calibration_end)
    return Summary(result, k, st, excluded, warning, codec.is_text, options, time_unit=unit_name,
                   skipped=skipped, obs_end=float(out.obs_end),
                   calibration_end=float(out.calibration_end), dates="date" in time_kinds)


_DTYPES = {"d": "float64", "q": "int64", "I": "uint32"}
_ZERO_DTYPES = {"ref_n_txn": "uint32", "ref_n_cust": "uint32", "ref_amount": "float64", "total_cost": "float64"}

_SKIP_REASONS = ("missing_id", "blank_id", "bad_time", "bad_amount", "bad_cost")
_SKIP_LABELS = {"missing_id": "missing customer_id", "blank_id": "blank customer_id",
                "bad_time": "bad time", "bad_amount": "bad amount", "bad_cost": "bad cost"}


def _skip_text(skipped):
    return "skip_invalid: " + ", ".join("%d %s" % (c, _SKIP_LABELS[r]) for r, c in skipped.items() if c)


def _fmt_time(v, kinds):
    if "date" in kinds:
        d = cv.days_to_date(v)
        return d.date().isoformat() if d.time() == d.time().min else d.isoformat()
    return "%.17g" % v


def _latest_time(t, amt, cst, start):
    """Latest time of a row with finite time, amount and cost, not before start (None if none)."""
    np = cv.np
    if np is not None and isinstance(t.owner, np.ndarray):
        tv = np.asarray(t.owner)
        ok = np.isfinite(tv) & np.isfinite(np.asarray(amt.owner))
        if cst is not None:
            ok &= np.isfinite(np.asarray(cst.owner))
        if start is not None:
            ok &= tv >= start
        return float(tv[ok].max()) if ok.any() else None
    best = None
    cl = cst.owner if cst is not None else None
    for i, (ti, ai) in enumerate(zip(t.owner, amt.owner)):
        if not (math.isfinite(ti) and math.isfinite(ai)) or (cl is not None and not math.isfinite(cl[i])):
            continue
        if start is not None and ti < start:
            continue
        if best is None or ti > best:
            best = ti
    return best


def _id_problem(v):
    """None, "missing_id" (None, NaN, NaT, pandas NA) or "blank_id" (empty/space text)."""
    if v is None:
        return "missing_id"
    if isinstance(v, float):
        return "missing_id" if v != v else None
    if isinstance(v, str):
        return "blank_id" if not v.strip() else None
    if isinstance(v, bytes):
        return "blank_id" if not v.strip() else None
    if isinstance(v, (int, bool)):
        return None
    if type(v).__name__ in ("NAType", "NaTType"):
        return "missing_id"
    try:
        if v != v:  # numpy NaN scalars
            return "missing_id"
    except (TypeError, ValueError):
        pass
    return None


def _floats_skip(values, name, bad):
    """Float64 values with NaN where a value does not convert (its row appended to bad)."""
    try:
        return cv.as_float64(values, name)
    except (TypeError, ValueError):
        pass
    out = []
    for i, v in enumerate(cv._as_list(values)):
        try:
            out.append(float(v))
        except (TypeError, ValueError):
            bad.append(i)
            out.append(math.nan)
    return cv.as_float64(out, name)


def _drop_invalid(customer_id, referrer_id, time, amount, cost, period, skipped, kinds):
    """skip_invalid: drop the rows with a missing or blank id, a time that is not finite or
    not a date, or an amount/cost that is not a finite number; count them per reason
    (the first reason of a row). Returns the kept columns (ids and referrers as lists or
    arrays, time/amount/cost as CArrays, period as given or a list)."""
    np = cv.np
    t = cv.times_to_days(time, "time", bad=[], kinds=kinds)
    amt = _floats_skip(amount, "amount", [])
    cst = _floats_skip(cost, "cost", []) if cost is not None else None
    fast = cv._numeric_ids_fast(customer_id)
    ids = fast.reshape(-1) if fast is not None else cv._as_list(customer_id)
    n = len(ids)
    if referrer_id is not None and not hasattr(referrer_id, "__len__"):
        referrer_id = cv._as_list(referrer_id)
    if period is not None and not hasattr(period, "__len__"):
        period = cv._as_list(period)
    per_n = None if period is None else len(period)
    for name, m in (("time", t.n), ("amount", amt.n), ("cost", cst.n if cst is not None else n),
                    ("referrer_id", n if referrer_id is None else len(referrer_id)),
                    ("period", n if per_n is None else per_n)):
        if m != n:
            raise _bad_arg("%s has %d elements but customer_id has %d" % (name, m, n))
    if np is not None and fast is not None and isinstance(t.owner, np.ndarray):
        tv, av = np.asarray(t.owner), np.asarray(amt.owner)
        bad_id = np.isnan(ids) if ids.dtype.kind == "f" else np.zeros(n, dtype=bool)
        bad_t = ~bad_id & ~np.isfinite(tv)
        bad_a = ~bad_id & ~bad_t & ~np.isfinite(av)
        bad_c = np.zeros(n, dtype=bool)
        if cst is not None:
            bad_c = ~bad_id & ~bad_t & ~bad_a & ~np.isfinite(np.asarray(cst.owner))
        skipped["missing_id"] += int(bad_id.sum())
        skipped["bad_time"] += int(bad_t.sum())
        skipped["bad_amount"] += int(bad_a.sum())
        skipped["bad_cost"] += int(bad_c.sum())
        keep = ~(bad_id | bad_t | bad_a | bad_c)
        if keep.all():
            return customer_id, referrer_id, t, amt, cst, period
        idx = np.nonzero(keep)[0]
    else:
        tl, al = t.owner, amt.owner
        cl = cst.owner if cst is not None else None
        id_list = ids.tolist() if hasattr(ids, "tolist") else ids
        idx = []
        for i in range(n):
            why = _id_problem(id_list[i])
            if why is None:
                if not math.isfinite(tl[i]):
                    why = "bad_time"
                elif not math.isfinite(al[i]):
                    why = "bad_amount"
                elif cl is not None and not math.isfinite(cl[i]):
                    why = "bad_cost"
            if why is None:
                idx.append(i)
            else:
                skipped[why] += 1
        if len(idx) == n:
            return customer_id, referrer_id, t, amt, cst, period

    def take(values):
        if values is None:
            return None
        if np is not None and isinstance(values, np.ndarray):
            return values.reshape(-1)[np.asarray(idx, dtype=np.intp)]
        if np is not None and hasattr(values, "to_numpy"):
            return values.to_numpy().reshape(-1)[np.asarray(idx, dtype=np.intp)]
        lst = values if isinstance(values, list) else cv._as_list(values)
        return [lst[i] for i in idx]

    def take_c(a, name):
        return None if a is None else cv.as_float64(take(a.owner), name)
    ids_kept = take(ids)
    refs_kept = take(referrer_id)
    return (ids_kept, refs_kept, take_c(t, "time"), take_c(amt, "amount"), take_c(cst, "cost"),
            take(period))


class Workspace:
    """Scratch memory for :func:`summarize` and :func:`rfm_score`, reused across calls.

    The binding keeps one per thread and uses it when a call is given none
    (:func:`release_workspace` frees it; ``workspace=False`` opts out); pass
    your own to keep a call's memory apart from that cache.

    The C library takes either a caller workspace (``cva_txn_workspace_size``
    bytes) or allocates per call. Pass one ``Workspace`` to repeated calls: it
    grows to the largest size asked for and keeps its memory (pages already
    mapped) until it is garbage-collected or :meth:`release` is called. The
    memory is an anonymous ``mmap``: pages are mapped on first touch, nothing
    is zero-filled up front. Not for concurrent calls from several threads.
    """

    def __init__(self):
        self._map = None
        self._view = None
        self.size = 0

    def _pointer(self, size):
        size = max(int(size), 1)
        if size > self.size:
            self.release()
            self._map = mmap.mmap(-1, size)
            _scratch.advise_huge(self._map, size)
            self._view = (ctypes.c_char * size).from_buffer(self._map)
            self.size = size
        # the address as a number: a ctypes.cast() would hold the view
        return ctypes.c_void_p(ctypes.addressof(self._view))

    def release(self):
        """Unmap the memory now (the next call maps it again)."""
        self._view = None  # the ctypes view must go before the map closes
        if self._map is not None:
            self._map.close()
        self._map = None
        self.size = 0

    def __repr__(self):
        return "cva.Workspace(size=%d)" % self.size


def _raise_txn(st, diag, extra=None):
    try:
        _lib.raise_for_status(st, diag, "summarize")
    except _errors.Error as e:
        # report the Python keyword for the option flags
        if e.option == 102:
            e.option_name = "zero_is_purchase/skip_invalid"
        if extra:
            e.detail = "%s (%s)" % (e.detail, extra) if e.detail else extra
        raise e from None


_EPOCH_UNITS = {None: 1.0, "D": 1.0, "d": 1.0, "days": 1.0, "h": 24.0, "m": 1440.0,
                "s": 86400.0, "ms": 86400e3, "us": 86400e6, "ns": 86400e9}


def to_days(values, unit=None):
    """Convert dates (see :func:`summarize`) to days since 1970-01-01.

    A scalar gives a float; a sequence gives a float64 array (numpy or
    ``array.array``). Numbers pass through unchanged unless ``unit`` says
    they are epoch times in another unit: ``"s"`` (epoch seconds), ``"ms"``,
    ``"us"``, ``"ns"``, ``"h"``, ``"m"`` (minutes)."""
    if unit not in _EPOCH_UNITS:
        raise ValueError("unit must be one of %s" % ", ".join(str(u) for u in _EPOCH_UNITS if u))
    div = _EPOCH_UNITS[unit]

    def scale_number(v):
        return v / div if div != 1.0 else v

    if isinstance(values, (str, bytes)) or not hasattr(values, "__iter__"):
        if isinstance(values, (int, float)) and not isinstance(values, bool):
            return scale_number(float(values))
        return cv.date_to_days(values)
    if div == 1.0:
        return cv.times_to_days(values).owner
    out = []
    for v in cv._as_list(values):
        if isinstance(v, (int, float)) and not isinstance(v, bool):
            out.append(scale_number(float(v)))
        else:
            out.append(cv.date_to_days(v))
    return cv.as_float64(out).owner


def from_days(days):
    """Days since 1970-01-01 -> naive UTC ``datetime.datetime`` (NaN -> None)."""
    if days is None or (isinstance(days, float) and math.isnan(days)):
        return None
    return cv.days_to_date(days)
