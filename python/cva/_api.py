"""High-level API: summarize() and simulate()."""

import collections
import ctypes
import math
import mmap
import warnings

from . import _convert as cv
from . import _errors
from . import _lib

_REFUND = {"net": _lib.REFUND_NET, "as_row": _lib.REFUND_AS_ROW, "as-row": _lib.REFUND_AS_ROW,
           "exclude": _lib.REFUND_EXCLUDE}
_CONVENTION = {"continuous": _lib.TIME_CONTINUOUS, "period": _lib.TIME_PERIOD}
_UNITS = {"day": 1.0, "days": 1.0, "week": 7.0, "weeks": 7.0}


def _issue_warning(status, diag, what, stacklevel=3):
    name = _lib.status_name(status)
    msg = "%s: %s" % (what, _lib.strerror(status))
    detail = diag.detail_text if diag is not None else ""
    if detail and detail not in msg:
        msg += " (%s)" % detail
    count = int(diag.count) if diag is not None else 0
    if status == _errors.W_EXCLUDED:
        msg += "; %d row(s) excluded" % count
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


class Summary(collections.abc.Mapping):
    """Per-customer summary returned by :func:`summarize`.

    A read-only mapping from field name to array (numpy arrays when numpy is
    importable, else ``array.array``; ``customer_id`` is an object array or a
    list when the ids were text). Fields are also attributes::

        res.frequency, res["recency"], list(res.keys())

    Extra attributes: ``n_customers``, ``status`` (0 or a positive warning
    status), ``status_name``, ``warning`` (the :class:`CvaWarning` or None),
    ``excluded`` (rows dropped by the window or the skip policy), ``text_ids``.
    """

    def __init__(self, fields, n_customers, status, excluded, warning, text_ids, options):
        self._fields = fields
        self.n_customers = n_customers
        self.status = status
        self.status_name = _lib.status_name(status)
        self.excluded = excluded
        self.warning = warning
        self.text_ids = text_ids
        self.options = options

    def __getitem__(self, key):
        return self._fields[key]

    def __iter__(self):
        return iter(self._fields)

    def __len__(self):
        return len(self._fields)

    def __getattr__(self, name):
        fields = self.__dict__.get("_fields")
        if fields is not None and name in fields:
            return fields[name]
        raise AttributeError("%s has no field %r (fields: %s)"
                             % (type(self).__name__, name, ", ".join(fields or ())))

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
        false (then it is the first column). Needs pandas."""
        import pandas as pd
        df = pd.DataFrame({k: (v if cv.have_numpy() else cv.to_list(v))
                           for k, v in self._fields.items()})
        if index:
            df = df.set_index("customer_id")
        return df


def summarize(customer_id, time, amount, cost=None, referrer_id=None, end=None,
              calibration_end=None, start=None, refund_policy="net", zero_is_purchase=True,
              skip_invalid=False, time_unit=1.0, period_length=1.0, period_origin=0.0,
              period=None, time_convention="continuous", fields=None, workspace=None):
    """One row per customer from transaction arrays (``cva_txn_summarize``).

    Parameters
    ----------
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
        calibration/holdout split. Same accepted forms as ``time``.
    refund_policy : "net" | "as_row" | "exclude"
    zero_is_purchase : bool
        False sets ``CVA_F_ZERO_NOT_PURCHASE``.
    skip_invalid : bool
        Drop rows with NaN/Inf instead of raising :class:`NonFiniteError`.
    time_unit : float or "day"/"week"
        Time units per model unit (the C ``time_scale``): 7 turns days into
        weeks for recency and T.
    period_length, period_origin :
        Occasion periods ``floor((t - origin)/length)``; origin may be a date.
    period : sequence of int, optional
        Caller-computed period index per row (e.g. calendar months).
    time_convention : "continuous" | "period"
    fields : iterable of str, optional
        Compute only these fields (``customer_id`` is always included).
    workspace : Workspace, optional
        Scratch memory kept between calls. Without it the library allocates
        (and frees) its scratch memory on every call; on large inputs the
        first touch of that memory costs about a third of the call (0.9 s of
        2.4 s for 5e7 rows on the benchmark machine, bench/RESULTS.md), which
        a reused workspace pays once.

    Returns
    -------
    Summary
        Arrays trimmed to ``n_customers``. Positive statuses are in
        ``.status`` and issued as :class:`CvaWarning`.
    """
    lib = _lib.get()
    codec, ids, refs = cv.encode_ids(customer_id, referrer_id)
    t = cv.times_to_days(time, "time")
    amt = cv.as_float64(amount, "amount")
    n = ids.n
    arrays = {"time": t, "amount": amt}
    cst = None
    if cost is not None:
        cst = arrays["cost"] = cv.as_float64(cost, "cost")
    if refs is not None:
        arrays["referrer_id"] = refs
    per = None
    if period is not None:
        per = arrays["period"] = cv.as_int64(period, "period")
    for name, a in arrays.items():
        if a.n != n:
            raise _bad_arg("%s has %d elements but customer_id has %d" % (name, a.n, n))

    if isinstance(time_unit, str):
        if time_unit.lower() not in _UNITS:
            raise _bad_arg("time_unit must be a number or one of %s" % ", ".join(_UNITS),
                           _errors.E_OPTION, _errors.OptionError, "time_unit")
        time_unit = _UNITS[time_unit.lower()]

    opts = _lib.TxnOpts()
    opts.refund_policy = _enum(refund_policy, _REFUND, "refund_policy")
    opts.time_convention = _enum(time_convention, _CONVENTION, "time_convention")
    opts.flags = ((0 if zero_is_purchase else _lib.F_ZERO_NOT_PURCHASE)
                  | (_lib.F_SKIP_INVALID if skip_invalid else 0))
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
    for name, ct in _lib.SUMMARY_ARRAYS:
        if name in names:
            bufs[name] = cv.empty_output(kinds[ct], capacity)
            setattr(out, name, bufs[name].ptr)

    diag = _lib.Diag()
    wptr, wsize = None, 0
    if workspace is not None:
        if not isinstance(workspace, Workspace):
            raise _bad_arg("workspace must be a cva.Workspace")
        wsize = _lib.txn_workspace_size(inp, opts)
        wptr = workspace._pointer(wsize)
    st = lib.cva_txn_summarize(ctypes.byref(inp), ctypes.byref(opts), ctypes.byref(out),
                               wptr, wsize, ctypes.byref(diag))
    if st < 0:
        _raise_txn(st, diag)
    k = int(out.n_customers)
    result = {}
    for name in names:
        result[name] = cv.trim(bufs[name].owner, k)
    if codec.is_text:
        result["customer_id"] = codec.decode(result["customer_id"])
    warning = None
    if st > 0:
        warning = _issue_warning(st, diag, "summarize")
    excluded = int(diag.count) if st == _errors.W_EXCLUDED or st == _errors.W_EMPTY else 0
    options = dict(refund_policy=opts.refund_policy, flags=opts.flags,
                   time_convention=opts.time_convention, obs_end=opts.obs_end,
                   obs_start=opts.obs_start, period_length=opts.period_length,
                   period_origin=opts.period_origin, time_scale=opts.time_scale,
                   calibration_end=opts.calibration_end)
    return Summary(result, k, st, excluded, warning, codec.is_text, options)


class Workspace:
    """Scratch memory for :func:`summarize`, reused across calls.

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


def _raise_txn(st, diag):
    try:
        _lib.raise_for_status(st, diag, "summarize")
    except _errors.Error as e:
        # report the Python keyword for the option flags
        if e.option == 102:
            e.option_name = "zero_is_purchase/skip_invalid"
        raise e from None


Simulation = collections.namedtuple("Simulation", ["customer_id", "t", "amount"])


def simulate(n_customers, seed=42, r=None, alpha=None, a=None, b=None, p=None, q=None,
             gamma=None, time_scale=None, start=None, acquisition_span=None, end=None,
             round_times=True, first_id=1):
    """Simulate BG/NBD purchases with Gamma-Gamma spend (``cva_simulate_bgnbd_gg``).

    Parameters left as ``None`` keep the library defaults (CDNOW estimates,
    days, 12 weeks of acquisition, 78 weeks in total): r=0.243, alpha=4.414,
    a=0.793, b=2.426, p=6.25, q=3.74, gamma=15.44, time_scale=7, start=0,
    acquisition_span=84, end=546. ``start``/``end`` also accept dates
    (converted to days since 1970-01-01).

    Returns a ``Simulation(customer_id, t, amount)`` named tuple of arrays,
    rows customer by customer in time order.
    """
    if n_customers < 0:
        raise _bad_arg("n_customers must be >= 0")
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
    diag = _lib.Diag()
    n_rows = ctypes.c_size_t(0)
    st = lib.cva_simulate_bgnbd_gg(ctypes.byref(opts), int(n_customers), None, None, None, 0,
                                   ctypes.byref(n_rows), ctypes.byref(diag))
    _lib.raise_for_status(st, diag, "simulate")
    m = n_rows.value
    ids = cv.empty_output("q", m)
    t = cv.empty_output("d", m)
    amt = cv.empty_output("d", m)
    diag = _lib.Diag()
    st = lib.cva_simulate_bgnbd_gg(ctypes.byref(opts), int(n_customers), ids.ptr, t.ptr, amt.ptr,
                                   max(m, 1), ctypes.byref(n_rows), ctypes.byref(diag))
    _lib.raise_for_status(st, diag, "simulate")
    if st > 0:
        _issue_warning(st, diag, "simulate")
    k = n_rows.value
    return Simulation(cv.trim(ids.owner, k), cv.trim(t.owner, k), cv.trim(amt.owner, k))


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
