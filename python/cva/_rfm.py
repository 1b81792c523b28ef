"""High-level RFM API (docs/methods/rfm.md#methods_rfm): raw metrics, quantile scores, composites,
segment maps, map checker, per-segment report, high-influence referrers."""

import array
import collections
import ctypes
import math

from . import _convert as cv
from . import _errors
from . import _exec
from . import _lib
from . import _scratch
from ._txn import _bad_arg, _issue_warning, _scalar_time

np = cv.np

_METHODS = {"rank-first": _lib.RFM_RANK_FIRST, "ntile": _lib.RFM_NTILE,
            "value-cuts": _lib.RFM_VALUE_CUTS, "r-rfm": _lib.RFM_R_RFM, "fixed": _lib.RFM_FIXED}
_METHOD_NAMES = {v: k for k, v in _METHODS.items()}
_FREQUENCY = {"txn": _lib.RFM_F_TXN, "occasions": _lib.RFM_F_OCC, "occ": _lib.RFM_F_OCC,
              "repeat": _lib.RFM_F_REPEAT}
_MONETARY = {"total": _lib.RFM_M_TOTAL, "mean": _lib.RFM_M_MEAN,
             "repeat-mean": _lib.RFM_M_REPEAT_MEAN}
_CLOSURE = {"right": _lib.RFM_CLOSE_RIGHT, "left": _lib.RFM_CLOSE_LEFT}
_KERNEL = {"auto": _lib.KERNEL_AUTO, "scalar": _lib.KERNEL_SCALAR}
_DIRECTION = {"ascending": _lib.RFM_ASCENDING, "recency": _lib.RFM_RECENCY}
_MAPS = {"rf10-grid": _lib.RFM_MAP_RF10_GRID, "rfm11-hebbali": _lib.RFM_MAP_RFM11_HEBBALI,
         "rfm11-specific-first": _lib.RFM_MAP_RFM11_SPECIFIC_FIRST}
_COLUMNS = ("recency", "frequency", "monetary")
_INT64_MAX = 2 ** 63 - 1


def _choice(value, table, what):
    """A keyword (case-insensitive, '_' == '-') or the C enum value."""
    if isinstance(value, str):
        key = value.lower().replace("_", "-")
        if key in table:
            return table[key]
    elif isinstance(value, int) and not isinstance(value, bool) and value in table.values():
        return value
    raise _bad_arg("%s must be one of %s, got %r" % (what, ", ".join(sorted(table)), value),
                   _errors.E_OPTION, _errors.OptionError, what)


def _check_bins(bins):
    if isinstance(bins, bool) or not isinstance(bins, int) and not hasattr(bins, "__index__"):
        raise _bad_arg("bins must be an integer, got %r" % (bins,), _errors.E_OPTION,
                       _errors.OptionError, "bins")
    return int(bins)


def _raise(st, diag, what, order=None):
    """raise_for_status, mapping element indices back through a permutation and
    naming the column for cva_rfm_score errors."""
    try:
        _lib.raise_for_status(st, diag, what)
    except _errors.Error as e:
        if order is not None and e.index is not None and 0 <= e.index < len(order):
            e.index = int(order[e.index])
        if what == "rfm_score" and e.arg in (1, 2, 3):
            e.column = _COLUMNS[e.arg - 1]
            if e.detail:
                e.detail = "%s: %s" % (e.column, e.detail)
        raise e from None


def _first_bad(values, pred):
    for i, v in enumerate(cv.to_list(values)):
        if pred(i, v):
            return i
    return None


def _nonfinite(what, index, detail):
    return _errors.NonFiniteError(
        "%s: %s" % (what, _lib.strerror(_errors.E_NONFINITE)), status=_errors.E_NONFINITE,
        name=_lib.status_name(_errors.E_NONFINITE), detail=detail, index=index)


def _same_length(arrays, what):
    n = None
    for name, a in arrays:
        if a is None:
            continue
        if n is None:
            n = a.n
        elif a.n != n:
            raise _bad_arg("%s: %s has %d elements, expected %d" % (what, name, a.n, n))
    return n or 0


# ---------------------------------------------------------------------------
# Row order (ids)

def _order_by_ids(ids, n):
    """Stable permutation sorting rows by ascending id (text ids by their text,
    as in summarize()); None when the rows are already in that order."""
    _codec, codes, _ = cv.encode_ids(ids)
    if codes.n != n:
        raise _bad_arg("ids has %d elements but the scores have %d" % (codes.n, n))
    c = codes.owner
    if np is not None:
        c = np.asarray(c)
        if n < 2 or bool(np.all(c[1:] >= c[:-1])):
            return None
        return np.argsort(c, kind="stable")
    if all(c[i] <= c[i + 1] for i in range(n - 1)):
        return None
    return sorted(range(n), key=c.__getitem__)


def _gather(carr, order):
    if np is not None:
        a = np.ascontiguousarray(np.asarray(carr.owner)[order])
        return cv.CArray(a, a.ctypes.data_as(ctypes.POINTER(ctypes.c_double)), a.size)
    return cv.as_float64(array.array("d", (carr.owner[i] for i in order)))


def _scatter(sorted_out, order):
    """out[order[i]] = sorted_out[i]."""
    if np is not None:
        out = np.empty_like(sorted_out)
        out[order] = sorted_out
        return out
    out = array.array(sorted_out.typecode, sorted_out)
    for i, o in enumerate(order):
        out[o] = sorted_out[i]
    return out


# ---------------------------------------------------------------------------
# Cut sets

class Cuts:
    """A column's cut set (``cva_rfm_cuts``), from :func:`rfm_cuts` or
    ``rfm_score(...).cuts``.

    Element ``i`` (global index) with value ``v`` gets the ascending bin
    ``1 + #{j : v > values[j] or (v == values[j] and i > index[j])}``
    (``>=`` and no index term when ``closure == "left"``); ``negate`` means the
    kernel sees ``-v`` (NTILE recency), ``reverse`` that the score is
    ``k + 1 - bin`` (recency). ``index[j]`` is ``None`` for value-only cuts.
    ``counts[s-1]`` is the number of elements scored ``s`` by the assignments
    made with this object so far (:func:`rfm_assign` accumulates).
    """

    def __init__(self, struct, method=None, direction=None):
        self.struct = struct
        self.method = method
        self.direction = direction

    bins = property(lambda self: int(self.struct.bins))
    closure = property(lambda self: "left" if self.struct.closure == _lib.RFM_CLOSE_LEFT
                       else "right")
    negate = property(lambda self: bool(self.struct.negate))
    reverse = property(lambda self: bool(self.struct.reverse))
    ties_split = property(lambda self: bool(self.struct.ties_split))
    scored = property(lambda self: int(self.struct.scored))

    @property
    def values(self):
        """The k-1 boundary values (after negation for NTILE recency)."""
        return [float(self.struct.value[j]) for j in range(max(self.bins - 1, 0))]

    @property
    def index(self):
        """The k-1 boundary element indices (None for value-only cuts)."""
        out = []
        for j in range(max(self.bins - 1, 0)):
            i = int(self.struct.index[j])
            out.append(None if i == _INT64_MAX else i)
        return out

    @property
    def counts(self):
        """Elements per final score 1..k accumulated by the assignments."""
        return [int(self.struct.count[j]) for j in range(self.bins)]

    def reset_counts(self):
        """Zero :attr:`counts` and :attr:`ties_split` (before re-assigning)."""
        for j in range(_lib.RFM_MAX_BINS):
            self.struct.count[j] = 0
        return self

    def copy(self):
        c = _lib.RfmCuts()
        ctypes.memmove(ctypes.byref(c), ctypes.byref(self.struct), ctypes.sizeof(c))
        return Cuts(c, self.method, self.direction)

    def to_dict(self):
        return dict(bins=self.bins, method=self.method, direction=self.direction,
                    closure=self.closure, negate=self.negate, reverse=self.reverse,
                    ties_split=self.ties_split, scored=self.scored, values=self.values,
                    index=self.index, counts=self.counts)

    def __repr__(self):
        return ("<cva.Cuts k=%d method=%s closure=%s scored=%d values=%r%s>"
                % (self.bins, self.method, self.closure, self.scored, self.values,
                   " ties_split" if self.ties_split else ""))


def _fixed_arrays(fixed_cuts, k):
    """fixed_cuts -> (r, f, m) CArrays or None each."""
    if fixed_cuts is None:
        return (None, None, None)
    if isinstance(fixed_cuts, collections.abc.Mapping):
        alias = {"r": 0, "recency": 0, "f": 1, "frequency": 1, "m": 2, "monetary": 2}
        cols = [None, None, None]
        for key, val in fixed_cuts.items():
            if key not in alias:
                raise _bad_arg("fixed_cuts: unknown column %r (use r, f, m)" % (key,),
                               _errors.E_OPTION, _errors.OptionError, "fixed_cuts")
            cols[alias[key]] = val
    else:
        cols = list(fixed_cuts)
        if len(cols) != 3:
            raise _bad_arg("fixed_cuts must be a dict {'r':..., 'f':..., 'm':...} or three "
                           "sequences of thresholds", _errors.E_OPTION, _errors.OptionError,
                           "fixed_cuts")
    out = []
    for name, c in zip("rfm", cols):
        if c is None:
            out.append(None)
            continue
        a = cv.as_float64(c, "fixed_cuts[%s]" % name)
        if a.n != k - 1:
            raise _bad_arg("fixed_cuts[%r] needs bins - 1 = %d thresholds, got %d"
                           % (name, k - 1, a.n), _errors.E_OPTION, _errors.OptionError,
                           "fixed_cuts")
        out.append(a)
    return tuple(out)


def _make_opts(bins=5, method="rank-first", fixed=None, closure="right", kernel="auto"):
    opts = _lib.RfmOpts()
    opts.bins = _check_bins(bins)
    opts.method = _choice(method, _METHODS, "method")
    opts.fixed_closure = _choice(closure, _CLOSURE, "closure")
    opts.kernel = _choice(kernel, _KERNEL, "kernel")
    keep = []
    if fixed is not None:
        if opts.method != _lib.RFM_FIXED:
            raise _bad_arg("fixed_cuts needs method='fixed'", _errors.E_OPTION,
                           _errors.OptionError, "fixed_cuts")
        if not 1 <= opts.bins <= _lib.RFM_MAX_BINS:
            raise _bad_arg("bins must be 1..100", _errors.E_OPTION, _errors.OptionError, "bins")
        for field, a in zip(("r_cuts", "f_cuts", "m_cuts"), _fixed_arrays(fixed, opts.bins)):
            if a is not None:
                keep.append(a)
                setattr(opts, field, a.ptr)
    return opts, keep


def rfm_cuts(values, bins=5, method="rank-first", direction="ascending", fixed_cuts=None,
             closure="right"):
    """Cut set of one column (``cva_rfm_cuts_compute``): needs the whole column.

    ``values``: NaN = unscored (left out of the population). ``direction``:
    ``"ascending"`` (frequency, monetary) or ``"recency"`` (smaller is better).
    ``fixed_cuts``: the k-1 ascending thresholds for ``method="fixed"``.
    Returns a :class:`Cuts`; apply it with :func:`rfm_assign`, on the whole
    column or chunk by chunk (the chunks together give exactly the scores of
    one call, and of :func:`rfm_score` for the same column and method when no
    recency is NaN).
    """
    v = cv.as_float64(values, "values")
    d = _choice(direction, _DIRECTION, "direction")
    fixed = None
    if fixed_cuts is not None:
        fixed = {"r": fixed_cuts, "f": fixed_cuts, "m": fixed_cuts}
    opts, keep = _make_opts(bins, method, fixed, closure)
    cuts = _lib.RfmCuts()
    diag = _lib.Diag()
    st = _lib.get().cva_rfm_cuts_compute(v.ptr, v.n, d, ctypes.byref(opts), _lib.RFM_COL_RECENCY,
                                         ctypes.byref(cuts), None, 0, ctypes.byref(diag))
    _raise(st, diag, "rfm_cuts")
    del keep
    if st == _errors.W_EMPTY:
        _issue_warning(st, diag, "rfm_cuts")
    return Cuts(cuts, _METHOD_NAMES[opts.method], "recency" if d else "ascending")


def rfm_assign(values, cuts, offset=0, kernel="auto"):
    """Scores of a chunk with a cut set (``cva_rfm_assign``).

    ``values`` are the elements ``offset .. offset+len-1`` of the column the
    cut set was computed on (the offset matters for rank-first and NTILE,
    whose boundaries are (value, index) pairs). Returns an int32 array of
    scores 1..k (0 for NaN) and adds the chunk's counts to ``cuts.counts``.
    """
    if not isinstance(cuts, Cuts):
        raise TypeError("cuts must be a cva.Cuts (from rfm_cuts or rfm_score)")
    v = cv.as_float64(values, "values")
    if offset < 0:
        raise _bad_arg("offset must be >= 0")
    out = cv.empty_output("i", v.n)
    diag = _lib.Diag()
    st = _lib.get().cva_rfm_assign(v.ptr, int(offset), v.n, ctypes.byref(cuts.struct),
                                   _choice(kernel, _KERNEL, "kernel"), out.ptr, ctypes.byref(diag))
    _lib.raise_for_status(st, diag, "rfm_assign")
    return cv.trim(out.owner, v.n)


# ---------------------------------------------------------------------------
# Scores

class RfmScores(tuple):
    """``(r, f, m)`` int32 score arrays returned by :func:`rfm_score`.

    Unpacks as a 3-tuple; the arrays are also ``.r``, ``.f``, ``.m``.
    Extra attributes: ``status`` (0, ``W_TIES`` or ``W_EMPTY``),
    ``status_name``, ``ties_split`` (tied values were split across bins),
    ``scored`` (customers with a non-NaN recency), ``bins``, ``method``,
    ``cuts`` (three :class:`Cuts`: R, F, M; their element indices refer to
    the scoring order, i.e. ``order``), ``order`` (None, or the permutation
    that sorted the rows by ``ids``: scoring position -> caller row).
    """

    def __new__(cls, r, f, m, **attrs):
        self = super().__new__(cls, (r, f, m))
        self.__dict__.update(attrs)
        return self

    r = property(lambda self: self[0])
    f = property(lambda self: self[1])
    m = property(lambda self: self[2])

    def __repr__(self):
        return "<cva.RfmScores: %d customers (%d scored), k=%d, %s, status %s>" % (
            len(self[0]), self.scored, self.bins, self.method, self.status_name)

    def to_pandas(self, customer_id=None, raw=None, segments=None, index: bool = True) -> "pandas.DataFrame":
        """A ``pandas.DataFrame`` with the columns of ``cva rfm``.

        Parameters
        ----------
        customer_id : sequence, optional
            Index of the frame (default: ``raw.customer_id`` when ``raw`` came
            from :func:`rfm_from_summary`, else a range).
        raw : RfmRaw, optional
            Adds ``recency_days``, ``frequency``, ``monetary`` (the scored values).
        segments : RfmSegments, optional
            Adds ``segment`` (the label per customer).
        index : bool
            Index by ``customer_id`` (default) or keep it as the first column.

        Returns
        -------
        pandas.DataFrame
            ``[recency_days, frequency, monetary,] r, f, m, cell[, segment]``;
            ``cell`` is 100 r + 10 f + m for k <= 9, else (r (k+1) + f)(k+1) + m,
            0 for unscored customers, as in the CLI.
        """
        from . import _pandas
        if customer_id is None and raw is not None:
            customer_id = getattr(raw, "customer_id", None)
        cols = collections.OrderedDict()
        if raw is not None:
            cols["recency_days"] = raw.recency
            cols["frequency"] = raw.frequency
            cols["monetary"] = raw.monetary
        r, f, m = (cv.to_list(a) for a in self)
        k = self.bins
        cols["r"], cols["f"], cols["m"] = self[0], self[1], self[2]
        if k <= 9:
            cols["cell"] = [100 * a + 10 * b + c if a else 0 for a, b, c in zip(r, f, m)]
        else:
            cols["cell"] = [(a * (k + 1) + b) * (k + 1) + c if a else 0 for a, b, c in zip(r, f, m)]
        if segments is not None:
            cols["segment"] = list(segments.labels)
        return _pandas.frame(cols, customer_id, "RfmScores.to_pandas()", index)


def rfm_score(recency, frequency, monetary, bins=5, method="rank-first", ids=None,
              fixed_cuts=None, closure="right", kernel="auto", warn_ties=False, threads=None,
              workspace=None):
    """Quantile scores S_R, S_F, S_M (``cva_rfm_score``, docs/methods/rfm.md#methods_rfm_bins).

    Parameters
    ----------
    recency, frequency, monetary : sequences of float
        Raw metrics (e.g. from :func:`rfm_from_summary`). NaN recency =
        unscored customer (scores 0, not in the population).
    bins : int, 1..100
    method : "rank-first" | "ntile" | "value-cuts" | "r-rfm" | "fixed"
    ids : sequence, optional
        Customer ids. Ties are broken by customer order, which docs/methods/rfm.md
        defines as ascending id: with ``ids`` the rows are scored in
        ascending-id order (text ids sorted by their text, like
        :func:`summarize`; equal ids keep their input order) and the scores
        come back in the caller's order. Without ``ids`` the array order is
        the customer order (right for arrays from :func:`summarize`).
    fixed_cuts : dict or 3 sequences, for method="fixed"
        ``{"r": [...], "f": [...], "m": [...]}`` with k-1 ascending
        thresholds each (raw units).
    closure : "right" (``v > c``, as value cuts) | "left" (``v >= c``, as R rfm)
        Closure of fixed thresholds.
    kernel : "auto" | "scalar"
        Counting kernel; both give identical scores.
    warn_ties : bool
        Also issue ``W_TIES`` as a :class:`CvaWarning` (it is always in
        ``.status``/``.ties_split``; splitting ties is what rank-first and
        NTILE are defined to do, so it is not warned by default).
    threads : int, optional
        Threads for the cut selection and the bin assignment (docs/threads.md;
        default one): the same scores and cuts, to the bit.
    workspace : Workspace, None or False
        Scratch memory of the selection: default None, the calling thread's
        cached :class:`Workspace` (see :func:`summarize`); ``False``: the
        library allocates and frees it on every call.

    Returns
    -------
    RfmScores
        ``r, f, m = cva.rfm_score(...)``; plus ``.status``, ``.ties_split``,
        ``.cuts``, ...
    """
    arrays = [cv.as_float64(recency, "recency"), cv.as_float64(frequency, "frequency"),
              cv.as_float64(monetary, "monetary")]
    n = _same_length(zip(_COLUMNS, arrays), "rfm_score")
    opts, keep = _make_opts(bins, method, fixed_cuts, closure, kernel)
    keep = (keep, _exec.check_threads(threads, "rfm_score"))  # the executor lives until the call returns
    opts.executor = _exec.void_pointer(keep[1])
    order = None
    if ids is not None:
        order = _order_by_ids(ids, n)
        if order is not None:
            arrays = [_gather(a, order) for a in arrays]
    if np is not None and workspace is not False:  # views of one reused block (cva._scratch)
        outs = [cv.CArray(a, cv._pointer(a, "i", n), n)
                for a in _scratch.output_arrays(np, ["int32"] * 3, n)]
    else:
        outs = [cv.uninit_output("i", n) for _ in range(3)]  # the library writes all n scores
    cuts = (_lib.RfmCuts * 3)()
    for c in cuts:
        c.struct_size = ctypes.sizeof(_lib.RfmCuts)
    diag = _lib.Diag()
    # the calling thread's cached scratch memory (bench/RESULTS.md, issue 20)
    wptr, wsize = _scratch.pointer(workspace, _lib.rfm_workspace_size(n), _bad_arg) if n else (None, 0)
    st = _lib.get().cva_rfm_score(arrays[0].ptr, arrays[1].ptr, arrays[2].ptr, n,
                                  ctypes.byref(opts), outs[0].ptr, outs[1].ptr, outs[2].ptr,
                                  cuts, wptr, wsize, ctypes.byref(diag))
    _raise(st, diag, "rfm_score", order)
    del keep
    res = [o.owner[:n] for o in outs]
    if order is not None:
        res = [_scatter(a, order) for a in res]
    warning = None
    if st == _errors.W_EMPTY or (st > 0 and warn_ties):
        warning = _issue_warning(st, diag, "rfm_score")
    mname = _METHOD_NAMES[opts.method]
    cut_objs = tuple(Cuts(cuts[i], mname, "recency" if i == 0 else "ascending")
                     for i in range(3))
    if n == 0:
        for c in cut_objs:  # the library leaves them untouched for n = 0
            c.struct.bins = opts.bins
    return RfmScores(res[0], res[1], res[2], status=st, status_name=_lib.status_name(st),
                     ties_split=any(c.ties_split for c in cut_objs) if n else False,
                     scored=cut_objs[0].scored if n else 0, bins=opts.bins, method=mname,
                     cuts=cut_objs, order=order, warning=warning)


# ---------------------------------------------------------------------------
# Raw metrics

class RfmRaw(tuple):
    """Raw ``(recency, frequency, monetary)`` float64 arrays from
    :func:`rfm_raw` / :func:`rfm_from_summary`; ``rfm_score(*raw)`` scores
    them. Also ``.recency``, ``.frequency``, ``.monetary`` and ``end`` (the
    analysis date used), ``customer_id`` (from a summary, else None),
    ``status``, ``frequency_def``, ``monetary_def``.
    """

    def __new__(cls, recency, frequency, monetary, **attrs):
        self = super().__new__(cls, (recency, frequency, monetary))
        self.__dict__.update(attrs)
        return self

    recency = property(lambda self: self[0])
    frequency = property(lambda self: self[1])
    monetary = property(lambda self: self[2])

    def __repr__(self):
        return "<cva.RfmRaw: %d customers, end %r, F=%s, M=%s>" % (
            len(self[0]), self.end, self.frequency_def, self.monetary_def)

    def to_pandas(self, index: bool = True) -> "pandas.DataFrame":
        """A ``pandas.DataFrame`` with the raw columns of ``cva rfm``:
        ``recency_days``, ``frequency``, ``monetary``, indexed by ``customer_id``
        when the values came from a summary (else a range index)."""
        from . import _pandas
        cols = collections.OrderedDict(recency_days=self[0], frequency=self[1], monetary=self[2])
        return _pandas.frame(cols, getattr(self, "customer_id", None), "RfmRaw.to_pandas()", index)


def rfm_raw(end, last_t, n_txn, total_amount, n_occ=None, monetary_value=None,
            frequency="txn", monetary="total"):
    """Raw R, F, M from summary columns (``cva_rfm_raw``, docs/methods/rfm.md#methods_rfm_raw).

    ``end``: analysis date (number in the caller's unit, or a date).
    ``frequency``: "txn" (n_txn) | "occasions" (n_occ) | "repeat" (n_occ - 1);
    ``monetary``: "total" | "mean" (total / n_txn) | "repeat-mean"
    (``monetary_value``, the mean repeat-occasion spend). Customers with
    n_txn = 0 get NaN recency (unscored). Returns :class:`RfmRaw`.
    """
    e = _scalar_time(end, "end")
    lt = cv.as_float64(last_t, "last_t")
    nt = cv.as_uint32(n_txn, "n_txn")
    ta = cv.as_float64(total_amount, "total_amount")
    no = cv.as_uint32(n_occ, "n_occ") if n_occ is not None else None
    mv = cv.as_float64(monetary_value, "monetary_value") if monetary_value is not None else None
    n = _same_length([("last_t", lt), ("n_txn", nt), ("total_amount", ta), ("n_occ", no),
                      ("monetary_value", mv)], "rfm_raw")
    opts = _lib.RfmOpts()
    opts.frequency = _choice(frequency, _FREQUENCY, "frequency")
    opts.monetary = _choice(monetary, _MONETARY, "monetary")
    outs = [cv.empty_output("d", n) for _ in range(3)]
    diag = _lib.Diag()
    st = _lib.get().cva_rfm_raw(float(e), lt.ptr, nt.ptr, no.ptr if no else None, ta.ptr,
                                mv.ptr if mv else None, n, ctypes.byref(opts), outs[0].ptr,
                                outs[1].ptr, outs[2].ptr, ctypes.byref(diag))
    if st < 0 and diag.arg == 4 and no is None:
        raise _bad_arg("rfm_raw: frequency=%r needs n_occ" % (frequency,))
    if st < 0 and diag.arg == 6 and mv is None:
        raise _bad_arg("rfm_raw: monetary=%r needs monetary_value" % (monetary,))
    _raise(st, diag, "rfm_raw")
    if st > 0:
        _issue_warning(st, diag, "rfm_raw")
    r, f, m = (cv.trim(o.owner, n) for o in outs)
    return RfmRaw(r, f, m, end=e, customer_id=None, status=st,
                  frequency_def=[k for k, v in _FREQUENCY.items() if v == opts.frequency][0],
                  monetary_def=[k for k, v in _MONETARY.items() if v == opts.monetary][0])


def _effective_end(res):
    """The end a summary's statistics were measured to, as the library reported it
    (``Summary.calibration_end``: the calibration end, else the end of observation)."""
    e = getattr(res, "calibration_end", None)
    if not isinstance(e, float):
        raise _bad_arg("rfm_from_summary: pass end= (only a cva.summarize() result carries "
                       "the end it was measured to)")
    # NaN: no row and no end, so no customer either (any finite end scores nobody)
    return 0.0 if math.isnan(e) else e


def rfm_from_summary(res, end=None, frequency="txn", monetary="total"):
    """Raw R, F, M from a :func:`summarize` result (or any mapping with its
    fields ``last_t``, ``n_txn``, ``total_amount``, plus ``n_occ`` /
    ``monetary_value`` when the chosen definitions need them).

    ``end`` defaults to the end the summary was measured to, as the library
    reported it (``res.calibration_end``: the calibration end or ``end`` when
    one was given, else the latest valid time); then ``recency`` equals the
    summary's ``days_since_last``. A plain mapping needs ``end``. The result carries
    ``customer_id`` (rows in the summary's ascending-id order, which is the
    tie-break order rfm_score needs).
    """
    need = ["last_t", "n_txn", "total_amount"]
    f = _choice(frequency, _FREQUENCY, "frequency")
    mo = _choice(monetary, _MONETARY, "monetary")
    if f != _lib.RFM_F_TXN:
        need.append("n_occ")
    if mo == _lib.RFM_M_REPEAT_MEAN:
        need.append("monetary_value")
    missing = [k for k in need if k not in res]
    if missing:
        raise _bad_arg("rfm_from_summary: the summary lacks field(s) %s" % ", ".join(missing))
    e = _effective_end(res) if end is None else end
    raw = rfm_raw(e, res["last_t"], res["n_txn"], res["total_amount"],
                  n_occ=res["n_occ"] if "n_occ" in need else None,
                  monetary_value=res["monetary_value"] if "monetary_value" in need else None,
                  frequency=f, monetary=mo)
    raw.__dict__["customer_id"] = res["customer_id"] if "customer_id" in res else None
    return raw


# ---------------------------------------------------------------------------
# Composite scores

RfmComposite = collections.namedtuple("RfmComposite", ["cell", "weighted", "fm"])


def rfm_composite(r, f, m, bins=5, weights=(1.0, 1.0, 1.0)):
    """Cell code, weighted mean and FM score (``cva_rfm_composite``, docs/methods/rfm.md#methods_rfm_composite).

    cell = 100 S_R + 10 S_F + S_M for k <= 9, else (S_R (k+1) + S_F)(k+1) + S_M
    (0 when unscored); weighted = (w_R S_R + w_F S_F + w_M S_M)/(w_R+w_F+w_M)
    and fm = (S_F + S_M)/2 (NaN when unscored). Returns
    ``RfmComposite(cell, weighted, fm)``.
    """
    a = [cv.as_int32(x, nm) for x, nm in ((r, "r"), (f, "f"), (m, "m"))]
    n = _same_length(zip("rfm", a), "rfm_composite")
    opts = _lib.RfmOpts()
    opts.bins = _check_bins(bins)
    try:
        opts.w_r, opts.w_f, opts.w_m = (float(w) for w in weights)
    except (TypeError, ValueError):
        raise _bad_arg("weights must be three numbers", _errors.E_OPTION, _errors.OptionError,
                       "weights")
    cell = cv.empty_output("i", n)
    wt = cv.empty_output("d", n)
    fm = cv.empty_output("d", n)
    diag = _lib.Diag()
    st = _lib.get().cva_rfm_composite(a[0].ptr, a[1].ptr, a[2].ptr, n, ctypes.byref(opts),
                                      cell.ptr, wt.ptr, fm.ptr, ctypes.byref(diag))
    if st == _errors.E_OPTION:
        msg = ("bins must be 1..100" if not 1 <= opts.bins <= 100
               else "weights must be >= 0 with a positive finite sum")
        raise _bad_arg("rfm_composite: " + msg, _errors.E_OPTION, _errors.OptionError,
                       "bins" if "bins" in msg else "weights")
    if st == _errors.E_BADARG:
        i = _first_bad(range(n), lambda i, _: any(not 0 <= x.owner[i] <= opts.bins for x in a))
        raise _errors.BadArgumentError(
            "rfm_composite: %s" % _lib.strerror(st), status=st, name=_lib.status_name(st),
            detail="score outside 0..k", index=i)
    _lib.raise_for_status(st, diag, "rfm_composite")
    return RfmComposite(cv.trim(cell.owner, n), cv.trim(wt.owner, n), cv.trim(fm.owner, n))


# ---------------------------------------------------------------------------
# Segment maps

_BUILTIN_LABEL_CODES = None


def _builtin_codes():
    global _BUILTIN_LABEL_CODES
    if _BUILTIN_LABEL_CODES is None:
        _BUILTIN_LABEL_CODES = {_lib.label(c): c for c in range(_lib.RFM_SEG_OTHERS, _lib.RFM_SEG_LOST + 1)}
    return _BUILTIN_LABEL_CODES


def _range(v, k, what):
    if v is None:
        return 1, k
    if isinstance(v, int) and not isinstance(v, bool):
        return v, v
    try:
        lo, hi = v
        return int(lo), int(hi)
    except (TypeError, ValueError):
        raise _bad_arg("%s must be an int or a (lo, hi) pair, got %r" % (what, v))


class SegmentMap:
    """A resolved segment map: the rule array handed to C and the label table.

    ``rules`` — list of :class:`RfmRule`; ``table`` — dict code -> text of
    every label (``0: "None"``, ``1: "Others"`` first, then the rules' labels
    in table order); ``name`` — the built-in map name or None.
    """

    def __init__(self, name, ptr, n_rules, table, keep=None):
        self.name = name
        self.ptr = ptr
        self.n_rules = n_rules
        self.table = table
        self._keep = keep

    @property
    def rules(self):
        return [_lib.RfmRule.from_buffer_copy(self.ptr[i]) for i in range(self.n_rules)]

    def rule_labels(self):
        return [self.table.get(r.label, str(r.label)) for r in self.rules]

    def __repr__(self):
        return "<cva.SegmentMap %s: %d rules>" % (self.name or "custom", self.n_rules)


def _base_table():
    return {_lib.RFM_SEG_NONE: _lib.label(_lib.RFM_SEG_NONE),
            _lib.RFM_SEG_OTHERS: _lib.label(_lib.RFM_SEG_OTHERS)}


def segment_map(segments="rf10-grid", bins=5):
    """Resolve ``segments`` (a built-in map name, None = default, a
    :class:`SegmentMap`, or a list of rules) to a :class:`SegmentMap`.

    A rule is ``(label, r, f, m)`` or ``{"label": ..., "r": ..., "f": ...,
    "m": ...}`` or an :class:`RfmRule`; each range is an int or an inclusive
    ``(lo, hi)`` pair, a missing/None range means any score (1..bins).
    Text labels equal to a built-in label ("Champions", ...) get its code;
    other text labels get codes 1000, 1001, ... in order of first appearance;
    integer labels are used as they are.
    """
    if isinstance(segments, SegmentMap):
        return segments
    if segments is None:
        segments = "rf10-grid"
    if isinstance(segments, str):
        map_id = _choice(segments, _MAPS, "segments")
        ptr, n = _lib.rfm_map_get(map_id)
        table = _base_table()
        for i in range(n):
            table.setdefault(ptr[i].label, _lib.label(ptr[i].label))
        return SegmentMap([k for k, v in _MAPS.items() if v == map_id][0], ptr, n, table)
    builtin = _builtin_codes()
    table = _base_table()
    custom = {}
    rules = []
    for i, rule in enumerate(segments):
        if isinstance(rule, _lib.RfmRule):
            rules.append(_lib.RfmRule.from_buffer_copy(rule))
            table.setdefault(rule.label, _lib.label(rule.label) or str(rule.label))
            continue
        if isinstance(rule, collections.abc.Mapping):
            lab = rule.get("label")
            rr, ff, mm = rule.get("r"), rule.get("f"), rule.get("m")
        else:
            try:
                lab, rr, ff, mm = rule
            except (TypeError, ValueError):
                raise _bad_arg("segments[%d]: a rule is (label, r, f, m) or a dict, got %r"
                               % (i, rule))
        if isinstance(lab, str):
            if lab in builtin:
                code = builtin[lab]
            else:
                code = custom.setdefault(lab, _lib.LABEL_CUSTOM_FIRST + len(custom))
            text = lab
        elif isinstance(lab, int) and not isinstance(lab, bool):
            code, text = lab, _lib.label(lab) or str(lab)
        else:
            raise _bad_arg("segments[%d]: label must be text or an int code, got %r" % (i, lab))
        r = _range(rr, bins, "segments[%d].r" % i)
        f = _range(ff, bins, "segments[%d].f" % i)
        m = _range(mm, bins, "segments[%d].m" % i)
        rules.append(_lib.RfmRule(code, r[0], r[1], f[0], f[1], m[0], m[1]))
        table.setdefault(code, text)
    arr = (_lib.RfmRule * max(len(rules), 1))(*rules)
    return SegmentMap(None, ctypes.cast(arr, ctypes.POINTER(_lib.RfmRule)), len(rules), table,
                      keep=arr)


def rfm_segment_labels(segments="rf10-grid", bins=5):
    """Label table of a map: dict code -> text (``0: "None"``, ``1: "Others"``,
    then the rules' labels in table order)."""
    return dict(segment_map(segments, bins).table)


class RfmSegments:
    """Result of :func:`rfm_segment`.

    ``codes`` — int32 segment code per customer; ``labels`` — the text label
    per customer (numpy object array with numpy, else a list); ``table`` —
    dict code -> text; ``map`` — the :class:`SegmentMap`; ``status``.
    """

    def __init__(self, codes, smap, status):
        self.codes = codes
        self.map = smap
        self.table = smap.table
        self.status = status
        self._labels = None

    @property
    def labels(self):
        if self._labels is None:
            t = self.table
            vals = [t.get(c, str(c)) for c in cv.to_list(self.codes)]
            if np is not None:
                out = np.empty(len(vals), dtype=object)
                out[:] = vals
                vals = out
            self._labels = vals
        return self._labels

    def __len__(self):
        return len(self.codes)

    def __repr__(self):
        return "<cva.RfmSegments: %d customers, map %s>" % (len(self.codes),
                                                            self.map.name or "custom")

    def to_pandas(self, customer_id=None, index: bool = True) -> "pandas.DataFrame":
        """A ``pandas.DataFrame`` with ``code`` and ``segment`` (the label) per
        customer, indexed by ``customer_id`` when given."""
        from . import _pandas
        cols = collections.OrderedDict(code=self.codes, segment=list(self.labels))
        return _pandas.frame(cols, customer_id, "RfmSegments.to_pandas()", index)


def rfm_segment(r, f, m, segments="rf10-grid", bins=5):
    """Segment per customer (``cva_rfm_segment``): first matching rule wins,
    no match -> "Others" (1), unscored (a score 0) -> "None" (0).

    ``segments``: "rf10-grid" (default; complete map, docs/methods/conventions.md#methods_choice_segment_map),
    "rfm11-hebbali", "rfm11-specific-first" (parity maps, k = 5 only), or a
    list of rules (see :func:`segment_map`). Returns :class:`RfmSegments`.
    """
    bins = _check_bins(bins)
    smap = segment_map(segments, bins)
    a = [cv.as_int32(x, nm) for x, nm in ((r, "r"), (f, "f"), (m, "m"))]
    n = _same_length(zip("rfm", a), "rfm_segment")
    out = cv.empty_output("i", n)
    diag = _lib.Diag()
    st = _lib.get().cva_rfm_segment(a[0].ptr, a[1].ptr, a[2].ptr, n, bins, smap.ptr,
                                    smap.n_rules, out.ptr, ctypes.byref(diag))
    _raise(st, diag, "rfm_segment")
    return RfmSegments(cv.trim(out.owner, n), smap, st)


class MapCheck:
    """Result of :func:`rfm_map_check`.

    ``ok`` (complete map), ``status`` (0 or ``W_MAP``), ``uncovered`` (cells
    no rule matches), ``shadowed`` (rules with a non-empty box that win no
    cell), ``unreachable`` (number of distinct labels that win no cell),
    ``rule_cells`` (cells each rule wins), ``label_cells`` (dict label text ->
    cells, "Others" = uncovered), ``unreachable_labels`` and
    ``shadowed_rules`` (rule indices).
    """

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self):
        return ("<cva.MapCheck ok=%s uncovered=%d shadowed=%d unreachable=%d>"
                % (self.ok, self.uncovered, self.shadowed, self.unreachable))


def rfm_map_check(rules="rf10-grid", k=5):
    """Check a map over all k^3 cells (``cva_rfm_map_check``): unreachable
    labels, shadowed rules, uncovered cells. ``rules``: a map name or a rule
    list as in :func:`rfm_segment`. Returns :class:`MapCheck`."""
    k = _check_bins(k)
    smap = segment_map(rules, k)
    n = smap.n_rules
    cells = (ctypes.c_uint32 * max(n, 1))()
    unc, sh, unr = ctypes.c_uint32(), ctypes.c_uint32(), ctypes.c_uint32()
    diag = _lib.Diag()
    st = _lib.get().cva_rfm_map_check(smap.ptr if n else None, n, k, cells, ctypes.byref(unc),
                                      ctypes.byref(sh), ctypes.byref(unr), ctypes.byref(diag))
    if st == _errors.E_BADARG:
        msg = ("k must be 1..100" if not 1 <= k <= 100 else
               "at most 10000 rules" if n > 10000 else "a rule has lo > hi")
        raise _bad_arg("rfm_map_check: " + msg)
    _lib.raise_for_status(st, diag, "rfm_map_check")
    rules_l = smap.rules
    rule_cells = [int(cells[i]) for i in range(n)]
    label_cells = collections.OrderedDict()
    for rule, c in zip(rules_l, rule_cells):
        key = smap.table.get(rule.label, str(rule.label))
        label_cells[key] = label_cells.get(key, 0) + c
    if unc.value:
        key = smap.table[_lib.RFM_SEG_OTHERS]
        label_cells[key] = label_cells.get(key, 0) + unc.value
    codes_seen = []
    for rule in rules_l:
        if rule.label not in codes_seen:
            codes_seen.append(rule.label)
    unreachable_labels = [smap.table.get(c, str(c)) for c in codes_seen
                          if sum(rc for rl, rc in zip(rules_l, rule_cells) if rl.label == c) == 0]
    shadowed_rules = [i for i, (rl, c) in enumerate(zip(rules_l, rule_cells))
                      if c == 0 and rl.r_hi >= 1 and rl.r_lo <= k and rl.f_hi >= 1
                      and rl.f_lo <= k and rl.m_hi >= 1 and rl.m_lo <= k]
    return MapCheck(ok=st == 0, status=st, status_name=_lib.status_name(st),
                    uncovered=int(unc.value), shadowed=int(sh.value), unreachable=int(unr.value),
                    rule_cells=rule_cells, label_cells=dict(label_cells),
                    unreachable_labels=unreachable_labels, shadowed_rules=shadowed_rules,
                    rule_labels=smap.rule_labels(), k=k)


# ---------------------------------------------------------------------------
# Report

_REPORT_KEYS = ("label", "segment", "count", "share", "mean_r", "mean_f", "mean_m", "revenue",
                "revenue_share")


class RfmReport(list):
    """Per-segment rows (dicts with keys ``label`` (code), ``segment`` (text),
    ``count``, ``share`` (of all customers, unscored included), ``mean_r``,
    ``mean_f``, ``mean_m``, ``revenue``, ``revenue_share`` (NaN when the total
    is 0)), sorted by segment code. ``to_pandas()`` gives a DataFrame."""

    status = 0

    def to_pandas(self):
        import pandas as pd
        return pd.DataFrame([[row[k] for k in _REPORT_KEYS] for row in self],
                            columns=list(_REPORT_KEYS))


def rfm_report(segments, r, f, m, revenue=None, labels=None):
    """Summarise customers per segment (``cva_rfm_report``).

    ``segments``: an :class:`RfmSegments` (its label table is used) or an
    array of codes (text from ``labels`` — a dict code -> text or a map name
    — else the built-in labels). ``revenue``: money per customer (e.g.
    ``total_amount``) or None. Returns :class:`RfmReport`.
    """
    table = _base_table()
    if isinstance(segments, RfmSegments):
        table = segments.table
        codes = segments.codes
    else:
        codes = segments
        if labels is not None:
            table = labels if isinstance(labels, collections.abc.Mapping) else \
                rfm_segment_labels(labels)
    s = cv.as_int32(codes, "segments")
    a = [cv.as_int32(x, nm) for x, nm in ((r, "r"), (f, "f"), (m, "m"))]
    rev = cv.as_float64(revenue, "revenue") if revenue is not None else None
    n = _same_length([("segments", s)] + list(zip("rfm", a)) + [("revenue", rev)], "rfm_report")
    lib = _lib.get()
    n_stats = ctypes.c_size_t(0)
    args = (s.ptr, a[0].ptr, a[1].ptr, a[2].ptr, rev.ptr if rev is not None else None, n)
    diag = _lib.Diag()
    st = lib.cva_rfm_report(*args, None, 0, ctypes.byref(n_stats), ctypes.byref(diag))
    if st == _errors.E_BUFFER_TOO_SMALL:
        cap = n_stats.value
        stats = (_lib.RfmSegmentStat * cap)()
        st = lib.cva_rfm_report(*args, stats, cap, ctypes.byref(n_stats), ctypes.byref(diag))
    else:
        stats = []
    if st == _errors.E_NONFINITE:
        i = _first_bad(rev.owner, lambda i, v: not math.isfinite(v))
        raise _nonfinite("rfm_report", i, "revenue is NaN or infinite")
    if st == _errors.E_BADARG:
        raise _bad_arg("rfm_report: more than 256 distinct segment codes")
    _lib.raise_for_status(st, diag, "rfm_report")
    out = RfmReport()
    out.status = st
    lab = _lib.label
    for i in range(n_stats.value if n else 0):
        x = stats[i]
        out.append(dict(label=int(x.label), segment=table.get(x.label) or lab(x.label) or
                        str(x.label), count=int(x.count), share=x.share, mean_r=x.mean_r,
                        mean_f=x.mean_f, mean_m=x.mean_m, revenue=x.revenue,
                        revenue_share=x.revenue_share))
    return out


# ---------------------------------------------------------------------------
# Referral

def rfm_high_influence(ref_n_txn, ref_amount=None, share=0.2):
    """High-influence referrers (``cva_rfm_high_influence_advanced``, docs/methods/rfm.md#methods_rfm_referral): flag 1
    for the top ceil(share*m - 1e-9) of the m customers with ref_n_txn >= 1 by
    referred money (ties by array order). ``ref_n_txn`` may also be a
    :func:`summarize` result (its ``ref_n_txn``/``ref_amount`` are used).
    Returns an int32 array of 0/1."""
    if ref_amount is None and isinstance(ref_n_txn, collections.abc.Mapping):
        ref_n_txn, ref_amount = ref_n_txn["ref_n_txn"], ref_n_txn["ref_amount"]
    if ref_amount is None:
        raise _bad_arg("rfm_high_influence needs ref_amount")
    nt = cv.as_uint32(ref_n_txn, "ref_n_txn")
    amt = cv.as_float64(ref_amount, "ref_amount")
    n = _same_length([("ref_n_txn", nt), ("ref_amount", amt)], "rfm_high_influence")
    out = cv.empty_output("i", n)
    diag = _lib.Diag()
    st = _lib.get().cva_rfm_high_influence_advanced(nt.ptr, amt.ptr, n, float(share), out.ptr,
                                                    None, ctypes.byref(diag))
    if st == _errors.E_OPTION:
        raise _bad_arg("rfm_high_influence: share must be in [0, 1], got %r" % (share,),
                       _errors.E_OPTION, _errors.OptionError, "share")
    if st == _errors.E_NONFINITE:
        raise _nonfinite("rfm_high_influence", diag.index, "ref_amount is NaN or infinite for a referrer")
    _lib.raise_for_status(st, diag, "rfm_high_influence")
    if st == _errors.W_EMPTY and n:
        _issue_warning(st, None, "rfm_high_influence")
    return cv.trim(out.owner, n)
