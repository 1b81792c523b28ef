"""Value concentration and value tiers (docs/methods/tiers.md#methods_tiers, ``include/cva/tiers.h``).

Gini, top-p shares, the Lorenz and whale curves, the 20/30/50 grading, the
customer pyramid, the Peppers & Rogers classes MVC / MGC / BZ with their
potential sources, profit from exports, the profitability diagnostics
and :func:`tiers`, everything at once from a :func:`summarize` result (the
same figures as ``cva tiers``).

Every ranking is descending by value, ties to the lower index (customer) first.
Arrays are passed zero-copy when they are contiguous float64 numpy arrays.
A positive status (``W_NEGATIVE``, ``W_TIES``, ``W_EMPTY``) is issued as a
:class:`CvaWarning` and kept on the result objects.
"""

import ctypes
import math
import threading
import warnings

from . import _convert as cv
from . import _errors
from . import _lib
from ._txn import _bad_arg, _issue_warning

np = cv.np
P = ctypes.POINTER
c_int = ctypes.c_int
c_int32 = ctypes.c_int32
c_int64 = ctypes.c_int64
c_uint32 = ctypes.c_uint32
c_uint64 = ctypes.c_uint64
c_size_t = ctypes.c_size_t
c_double = ctypes.c_double

# struct ids (enum cva_struct_id)
STRUCT_TIERS_OPTS = 15
STRUCT_WHALE_STATS = 16
STRUCT_PROFIT_DIAG = 17
STRUCT_TIER_STAT = 18

# label codes (enum cva_tier_label)
TIER_BZ = 100
TIER_MVC = 101
TIER_MGC = 102
TIER_OTHER = 103
TIER_KEY = 110
TIER_ORDINARY = 111
TIER_SMALL = 112
TIER_PLATINUM = 120
TIER_GOLD = 121
TIER_IRON = 122
TIER_LEAD = 123

# names written by `cva tiers` and returned by tier_label()
TIER_NAMES = {
    TIER_BZ: "BZ", TIER_MVC: "MVC", TIER_MGC: "MGC", TIER_OTHER: "OTHER",
    TIER_KEY: "KEY", TIER_ORDINARY: "ORDINARY", TIER_SMALL: "SMALL",
    TIER_PLATINUM: "PLATINUM", TIER_GOLD: "GOLD", TIER_IRON: "IRON", TIER_LEAD: "LEAD",
}
CLASS_CODES = (TIER_MVC, TIER_MGC, TIER_BZ, TIER_OTHER)
GRADE_CODES = (TIER_KEY, TIER_ORDINARY, TIER_SMALL)
PYRAMID_CODES = (TIER_PLATINUM, TIER_GOLD, TIER_IRON, TIER_LEAD)

_VALUE_KINDS = {"revenue": 0, "profit": 1, "clv": 2}
_POTENTIAL = {"none": 0, "caller": 1, "wallet": 2, "share-of-wallet": 2, "peer": 3,
              "peer-quantile": 3, "model": 4}
_POSITIVE_PART = 1
_SMALL_SAMPLE = 2
# the fractions of the default concentration report (docs/methods/tiers.md#methods_lorenz)
TOP_SHARE_POINTS = (0.01, 0.05, 0.1, 0.2, 0.5)

_OPTION_NAMES = {
    501: "value_kind", 502: "potential", 503: "flags", 504: "mvc_share", 505: "mgc_share",
    506: "bz_threshold", 507: "grade_shares", 508: "pyramid_shares", 509: "peer_quantile",
    510: "diag_share", 511: "margin", 512: "cost_per_order", 513: "order",
}


class TiersOpts(ctypes.Structure):
    """``cva_tiers_opts``; ``TiersOpts()`` holds the library defaults."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("value_kind", c_int32),
        ("potential", c_int32),
        ("flags", c_int32),
        ("mvc_share", c_double),
        ("mgc_share", c_double),
        ("bz_threshold", c_double),
        ("grade_shares", c_double * 3),
        ("pyramid_shares", c_double * 2),
        ("peer_quantile", c_double),
        ("diag_share", c_double),
        ("margin", c_double),
        ("cost_per_order", c_double),
        ("cost_per_customer", c_double),
        ("order", P(c_uint64)),
        ("alloc", P(_lib.Allocator)),
        ("work", ctypes.c_void_p),
        ("work_size", c_size_t),
        ("executor", ctypes.c_void_p),  # const cva_executor *
    ]
    _struct_id = STRUCT_TIERS_OPTS

    def __init__(self, **kw):
        super().__init__()
        tiers_opts_init_defaults(self)
        for k, v in kw.items():
            setattr(self, k, v)


class WhaleStats(ctypes.Structure):
    """``cva_whale_stats``."""
    _fields_ = [
        ("peak_index", c_int64),
        ("total", c_double),
        ("peak_profit", c_double),
        ("peak_height", c_double),
        ("unprofitable_share", c_double),
        ("profit_destroyed", c_double),
    ]
    _struct_id = STRUCT_WHALE_STATS


class ProfitDiag(ctypes.Structure):
    """``cva_profit_diag``."""
    _fields_ = [
        ("top_profit_to_cost", c_double),
        ("bottom_cost_to_revenue", c_double),
        ("top_revenue_share", c_double),
        ("top_profit_share", c_double),
        ("unprofitable_share", c_double),
        ("top_count", c_int64),
    ]
    _struct_id = STRUCT_PROFIT_DIAG


class TierStat(ctypes.Structure):
    """``cva_tier_stat``."""
    _fields_ = [
        ("label", c_int32),
        ("reserved", c_int32),
        ("count", c_uint64),
        ("value", c_double),
        ("value_share", c_double),
        ("mean", c_double),
    ]
    _struct_id = STRUCT_TIER_STAT


_D = P(c_double)
_OPTS = P(TiersOpts)
_DIAG = P(_lib.Diag)
_PROTOTYPES = {
    "cva_tiers_opts_init_defaults": (c_int, [_OPTS, c_size_t]),
    "cva_tiers_workspace_size": (c_int, [c_size_t, c_int32, P(c_size_t)]),
    "cva_value_order": (c_int, [_D, c_size_t, _OPTS, P(c_uint64), _D, _DIAG]),
    "cva_gini": (c_int, [_D, c_size_t, _OPTS, _D, _DIAG]),
    "cva_lorenz": (c_int, [_D, c_size_t, _OPTS, c_size_t, _D, _D, _DIAG]),
    "cva_top_share": (c_int, [_D, c_size_t, _D, c_size_t, _OPTS, _D, _DIAG]),
    "cva_whale_curve": (c_int, [_D, c_size_t, _OPTS, _D, _D, P(WhaleStats), _DIAG]),
    "cva_grade": (c_int, [_D, c_size_t, _OPTS, P(c_int32), _DIAG]),
    "cva_pyramid": (c_int, [_D, c_size_t, _OPTS, P(c_int32), _DIAG]),
    "cva_value_classes": (c_int, [_D, _D, _D, P(c_int64), c_size_t, _OPTS, P(c_int32), _D, _DIAG]),
    "cva_customer_profit": (c_int, [_D, _D, P(c_uint32), c_size_t, _OPTS, _D, _D, _DIAG]),
    "cva_profit_diagnostics": (c_int, [_D, _D, c_size_t, _OPTS, P(ProfitDiag), _DIAG]),
    "cva_tier_stats": (c_int, [P(c_int32), _D, c_size_t, P(c_int32), c_size_t, P(TierStat), _DIAG]),
}

# Register with the loader: the prototypes are declared and the struct sizes
# checked against cva_sizeof() when the library is loaded.
_lib.PROTOTYPES.update(_PROTOTYPES)
_lib.STRUCTURES = tuple(_lib.STRUCTURES) + (TiersOpts, WhaleStats, ProfitDiag, TierStat)
_lib.STRUCT_NAMES.update({"tiers_opts": STRUCT_TIERS_OPTS, "whale_stats": STRUCT_WHALE_STATS,
                          "profit_diag": STRUCT_PROFIT_DIAG, "tier_stat": STRUCT_TIER_STAT})
_lib.OPTION_NAMES.update(_OPTION_NAMES)
if _lib._lib is not None:  # loaded before this module: declare now
    _lib._declare(_lib._lib)


def tiers_opts_init_defaults(opts):
    """``cva_tiers_opts_init_defaults``: fill a :class:`TiersOpts` with the defaults."""
    _lib.raise_for_status(_lib.get().cva_tiers_opts_init_defaults(ctypes.byref(opts), ctypes.sizeof(opts)))
    return opts


_WS_KINDS = {"values": 0, "all": 1}


def tiers_workspace_size(n, kind="values"):
    """``cva_tiers_workspace_size``: bytes of a caller workspace (``TiersOpts.work``) for
    ``n`` values; ``kind`` ``"values"`` (Gini, Lorenz, shares, whale curve) or ``"all"``
    (every tier function)."""
    k = _choice(kind, _WS_KINDS, "kind")
    size = c_size_t(0)
    _lib.raise_for_status(_lib.get().cva_tiers_workspace_size(int(n), k, ctypes.byref(size)),
                          None, "tiers_workspace_size")
    return size.value


# One scratch buffer per thread for the value-only functions (gini, top_share,
# lorenz, whale_curve): kept across calls, so a call on 10^7 values does not
# fault in 160 MB of fresh pages each time (the main cost at that size). It
# grows to the largest column seen on the thread; _drop_scratch() releases it.
_SCRATCH = threading.local()


def _scratch(o, n):
    """Point the options at this thread's scratch, grown to n values if needed."""
    if np is None or n == 0:
        return
    need = tiers_workspace_size(n, "values")
    buf = getattr(_SCRATCH, "buf", None)
    if buf is None or buf.nbytes < need:
        _SCRATCH.buf = buf = None  # release the old one first
        _SCRATCH.buf = buf = np.empty(need, dtype=np.uint8)
    o.work = buf.ctypes.data
    o.work_size = buf.nbytes


def _drop_scratch():
    """Release this thread's scratch buffer (the next value-only call allocates again)."""
    _SCRATCH.buf = None


def tier_label(code):
    """Name of a value-tier label code (``"MVC"``, ``"KEY"``, ``"PLATINUM"``...); "" if unknown."""
    return TIER_NAMES.get(int(code), "")


# ---------------------------------------------------------------------------
# helpers

def _choice(value, table, what):
    if isinstance(value, str):
        key = value.lower().replace("_", "-")
        if key in table:
            return table[key]
    raise _bad_arg("%s must be one of %s, got %r" % (what, ", ".join(sorted(table)), value),
                   _errors.E_OPTION, _errors.OptionError, what)


def _shares(shares, k, what):
    try:
        vals = [float(s) for s in shares]
    except (TypeError, ValueError):
        raise _bad_arg("%s must be %d numbers, got %r" % (what, k, shares),
                       _errors.E_OPTION, _errors.OptionError, what) from None
    if len(vals) != k:
        raise _bad_arg("%s must be %d numbers, got %r" % (what, k, shares),
                       _errors.E_OPTION, _errors.OptionError, what)
    return vals


def _opts(value_kind="profit", positive_part=False, small_sample=False, **kw):
    o = TiersOpts()
    o.value_kind = _choice(value_kind, _VALUE_KINDS, "value_kind")
    o.flags = (_POSITIVE_PART if positive_part else 0) | (_SMALL_SAMPLE if small_sample else 0)
    for k, v in kw.items():
        if v is None:
            continue
        if k == "grade_shares":
            o.grade_shares[:] = _shares(v, 3, "shares")
        elif k == "pyramid_shares":
            o.pyramid_shares[:] = _shares(v, 2, "shares")
        else:
            try:
                setattr(o, k, float(v))
            except (TypeError, ValueError):
                raise _bad_arg("%s must be a number, got %r" % (k, v), _errors.E_OPTION,
                               _errors.OptionError, k) from None
    return o


def _check(st, diag, what, warn=True):
    """Raise for an error; issue a warning for a positive status. Returns the
    warning (or None)."""
    _lib.raise_for_status(st, diag, what)
    if st > 0 and warn:
        return _issue_warning(st, diag, what, stacklevel=4)
    return None


def _values(values, name="values"):
    return cv.as_float64(values, name)


def _out(kind, n):
    """An output buffer the C call fills completely: np.empty (no zero pass, no
    page faults before the call writes)."""
    if np is not None:
        dtype = {"d": np.float64, "q": np.int64, "I": np.uint32, "i": np.int32}[kind]
        arr = np.empty(max(n, 1), dtype=dtype)
        ctype = {"d": c_double, "q": c_int64, "I": c_uint32, "i": c_int32}[kind]
        return cv.CArray(arr, arr.ctypes.data_as(P(ctype)), n)
    return cv.empty_output(kind, n)


def _result(buf, n):
    return cv.trim(buf.owner, n)


# ---------------------------------------------------------------------------
# concentration

def value_order(values):
    """Descending order of ``values`` (ties: lower index first), as uint64 indices
    (``cva_value_order``; one stable radix sort)."""
    v = _values(values)
    n = v.n
    if np is not None:
        out = np.empty(max(n, 1), dtype=np.uint64)
        ptr = out.ctypes.data_as(P(c_uint64))
    else:
        import array
        out = array.array("Q", bytes(8 * max(n, 1)))
        ptr = ctypes.cast((c_uint64 * max(n, 1)).from_buffer(out), P(c_uint64))
    diag = _lib.Diag()
    st = _lib.get().cva_value_order(v.ptr, n, None, ptr, None, ctypes.byref(diag))
    _check(st, diag, "value_order", warn=n > 0)
    return out[:n] if n < len(out) else out


def gini(values, positive_part=False, small_sample=False):
    """Gini coefficient (docs/methods/tiers.md#methods_lorenz, ``cva_gini``): ``Σ_i (2i − n − 1)·x_(i) / (n·S)``.

    ``positive_part=True`` clips negative values to 0; otherwise negative values give a
    ``W_NEGATIVE`` :class:`CvaWarning` (G may exceed 1). ``small_sample=True`` multiplies
    by n/(n − 1). NaN when the values are empty or sum to 0.
    """
    v = _values(values)
    g = c_double(math.nan)
    o = _opts(positive_part=positive_part, small_sample=small_sample)
    _scratch(o, v.n)
    diag = _lib.Diag()
    st = _lib.get().cva_gini(v.ptr, v.n, ctypes.byref(o), ctypes.byref(g), ctypes.byref(diag))
    _check(st, diag, "gini")
    return g.value


def top_share(values, p, positive_part=False):
    """Share of the total held by the top fraction ``p`` of customers (docs/methods/tiers.md#methods_lorenz,
    ``cva_top_share``), with the fractional term of a partial customer. ``p`` may be
    a number (returns a float) or a sequence (returns a list)."""
    scalar = not hasattr(p, "__len__")
    ps = [float(p)] if scalar else [float(x) for x in p]
    v = _values(values)
    pa = (c_double * max(len(ps), 1))(*ps)
    out = (c_double * max(len(ps), 1))()
    o = _opts(positive_part=positive_part)
    _scratch(o, v.n)
    diag = _lib.Diag()
    st = _lib.get().cva_top_share(v.ptr, v.n, pa, len(ps), ctypes.byref(o), out, ctypes.byref(diag))
    if st == _errors.E_BADARG and diag.index >= 0:
        raise _bad_arg("top_share: p must be in [0, 1], got %r" % (ps[diag.index],))
    _check(st, diag, "top_share")
    res = [out[i] for i in range(len(ps))]
    return res[0] if scalar else res


def lorenz(values, points=None, positive_part=False):
    """Lorenz curve (docs/methods/tiers.md#methods_lorenz, ``cva_lorenz``): ``(p, L)`` arrays. ``points=None``
    gives the n + 1 points ``(i/n, L_i)``; else ``points`` equally spaced population
    shares on the piecewise-linear curve."""
    v = _values(values)
    n = v.n
    m = n + 1 if points is None else int(points)
    if m < 2:
        raise _bad_arg("lorenz: points must be at least 2, got %r" % (points,))
    ps, ls = _out("d", m), _out("d", m)
    o = _opts(positive_part=positive_part)
    _scratch(o, n)
    diag = _lib.Diag()
    st = _lib.get().cva_lorenz(v.ptr, n, ctypes.byref(o), m, ps.ptr, ls.ptr, ctypes.byref(diag))
    _check(st, diag, "lorenz")
    return _result(ps, m), _result(ls, m)


class WhaleCurve:
    """Result of :func:`whale_curve`: ``cum`` (C_k), ``whale`` (W_k = C_k/Π, NaN when
    Π ≤ 0), ``peak_index`` (1-based k*), ``peak_height`` (W_{k*}), ``peak_profit``,
    ``total`` (Π), ``unprofitable_share``, ``profit_destroyed``, ``status``."""

    def __init__(self, cum, whale, stats, status):
        self.cum = cum
        self.whale = whale
        self.peak_index = int(stats.peak_index)
        self.peak_height = stats.peak_height
        self.peak_profit = stats.peak_profit
        self.total = stats.total
        self.unprofitable_share = stats.unprofitable_share
        self.profit_destroyed = stats.profit_destroyed
        self.status = status

    def __repr__(self):
        return ("WhaleCurve(n=%d, peak_index=%d, peak_height=%r, unprofitable_share=%r, "
                "profit_destroyed=%r)" % (len(self.cum), self.peak_index, self.peak_height,
                                          self.unprofitable_share, self.profit_destroyed))


def whale_curve(profit):
    """Whale curve (docs/methods/tiers.md#methods_whale, ``cva_whale_curve``): cumulative profit from the most to
    the least profitable customer, with its peak. Returns a :class:`WhaleCurve`."""
    v = _values(profit, "profit")
    n = v.n
    cum, wh = _out("d", n), _out("d", n)
    stats = WhaleStats()
    o = _opts()
    _scratch(o, n)
    diag = _lib.Diag()
    st = _lib.get().cva_whale_curve(v.ptr, n, ctypes.byref(o), cum.ptr, wh.ptr, ctypes.byref(stats), ctypes.byref(diag))
    _check(st, diag, "whale_curve")
    return WhaleCurve(_result(cum, n), _result(wh, n), stats, st)


# ---------------------------------------------------------------------------
# tiers

class Labels:
    """Per-customer label codes with their names: ``codes`` (int32 array),
    ``labels`` (list of names, e.g. ``"KEY"``), ``counts`` (name → count),
    ``status``; :class:`ValueClasses` adds ``potential``."""

    def __init__(self, codes, names, status):
        self.codes = codes
        self.status = status
        self.labels = [TIER_NAMES.get(int(c), "") for c in cv.to_list(codes)]
        self.counts = {TIER_NAMES[c]: 0 for c in names}
        for lab in self.labels:
            self.counts[lab] = self.counts.get(lab, 0) + 1

    def __len__(self):
        return len(self.labels)

    def __repr__(self):
        return "%s(n=%d, counts=%r)" % (type(self).__name__, len(self.labels), self.counts)

    def to_pandas(self, customer_id=None, index: bool = True) -> "pandas.DataFrame":
        """A ``pandas.DataFrame`` with ``code`` and ``label`` per customer,
        indexed by ``customer_id`` when given."""
        from . import _pandas
        return _pandas.frame({"code": self.codes, "label": list(self.labels)}, customer_id,
                             "%s.to_pandas()" % type(self).__name__, index)


class ValueClasses(Labels):
    """Result of :func:`value_classes` (MVC / MGC / BZ / OTHER)."""

    def __init__(self, codes, potential, status, detail):
        super().__init__(codes, CLASS_CODES, status)
        self.potential = potential
        self.detail = detail


def grade(value, shares=(0.2, 0.3, 0.5)):
    """The key / ordinary / small (20/30/50) grading (docs/methods/tiers.md#methods_grading, ``cva_grade``): the top
    ⌈s_key·n − 1e-9⌉ are KEY, up to ⌈(s_key + s_ordinary)·n − 1e-9⌉ ORDINARY, the rest
    SMALL. Returns :class:`Labels`."""
    v = _values(value, "value")
    n = v.n
    o = _opts(grade_shares=shares)
    out = _out("i", n)
    diag = _lib.Diag()
    st = _lib.get().cva_grade(v.ptr, n, ctypes.byref(o), out.ptr, ctypes.byref(diag))
    _check(st, diag, "grade")
    return Labels(_result(out, n), GRADE_CODES, st)


def pyramid(value, value_kind="profit", shares=(0.2, 0.3)):
    """Customer pyramid (docs/methods/tiers.md#methods_pyramid, ``cva_pyramid``): LEAD for a negative value (profit
    or CLV kinds), else PLATINUM / GOLD by rank for positive values (shares: platinum,
    gold), IRON for the rest. Returns :class:`Labels`."""
    v = _values(value, "value")
    n = v.n
    o = _opts(value_kind=value_kind, pyramid_shares=shares)
    out = _out("i", n)
    diag = _lib.Diag()
    st = _lib.get().cva_pyramid(v.ptr, n, ctypes.byref(o), out.ptr, ctypes.byref(diag))
    _check(st, diag, "pyramid")
    return Labels(_result(out, n), PYRAMID_CODES, st)


def value_classes(value, potential=None, value_kind="profit", source=None, sow=None, group=None,
                  mvc_share=0.2, mgc_share=0.3, bz_threshold=0.0, peer_quantile=0.9):
    """Peppers & Rogers classes (docs/methods/tiers.md#methods_value_classes, ``cva_value_classes``): BZ (value below
    ``bz_threshold``; profit and CLV kinds only), MVC (top ``mvc_share`` by value among
    positive values), MGC (top ``mgc_share`` by potential − value among the rest), OTHER.

    The potential: ``source="caller"`` (default when ``potential`` is given) or
    ``"model"`` (forward CLV against historical profit) read ``potential``;
    ``"wallet"`` computes value / ``sow``; ``"peer"`` the type-7 quantile
    ``peer_quantile`` of the values of the customer's ``group``. Without a source
    nobody is MGC. Returns :class:`ValueClasses`.
    """
    if source is None:
        source = "caller" if potential is not None else "wallet" if sow is not None else \
            "peer" if group is not None else "none"
    src = _choice(source, _POTENTIAL, "source")
    v = _values(value, "value")
    n = v.n
    pot = cv.as_float64(potential, "potential") if potential is not None else None
    sw = cv.as_float64(sow, "sow") if sow is not None else None
    gr = cv.as_int64(group, "group") if group is not None else None
    for name, a in (("potential", pot), ("sow", sw), ("group", gr)):
        if a is not None and a.n != n:
            raise _bad_arg("value_classes: %s has %d elements, value has %d" % (name, a.n, n))
    o = _opts(value_kind=value_kind, mvc_share=mvc_share, mgc_share=mgc_share,
              bz_threshold=bz_threshold, peer_quantile=peer_quantile)
    o.potential = src
    out = _out("i", n)
    po = _out("d", n)
    diag = _lib.Diag()
    st = _lib.get().cva_value_classes(v.ptr, pot.ptr if pot else None, sw.ptr if sw else None,
                                      gr.ptr if gr else None, n, ctypes.byref(o), out.ptr, po.ptr,
                                      ctypes.byref(diag))
    if st == _errors.E_NULLPTR:
        raise _bad_arg("value_classes: source %r needs %s" % (
            source, {1: "potential", 2: "sow", 3: "group", 4: "potential"}.get(src, "an array")))
    _check(st, diag, "value_classes")
    detail = diag.detail_text if st >= 0 and diag.detail_text != _lib.strerror(st) else None
    if detail:
        warnings.warn(_errors.CvaWarning("value_classes: " + detail, status=st, name=_lib.status_name(st),
                                         detail=detail), stacklevel=2)
    return ValueClasses(_result(out, n), _result(po, n), st, detail)


# ---------------------------------------------------------------------------
# profit, diagnostics, per-label statistics

def customer_profit(revenue, cost=None, n_orders=None, margin=None, cost_per_order=0.0,
                    cost_per_customer=0.0):
    """Cost and profit per customer (``cva_customer_profit``): cost = cost + cost-to-serve,
    profit = revenue − cost; with ``margin``: profit = margin·revenue − cost-to-serve.
    Cost-to-serve = cost_per_order·n_orders + cost_per_customer. Returns ``(cost, profit)``."""
    r = cv.as_float64(revenue, "revenue")
    n = r.n
    c = cv.as_float64(cost, "cost") if cost is not None else None
    k = cv.as_uint32(n_orders, "n_orders") if n_orders is not None else None
    for name, a in (("cost", c), ("n_orders", k)):
        if a is not None and a.n != n:
            raise _bad_arg("customer_profit: %s has %d elements, revenue has %d" % (name, a.n, n))
    o = _opts(margin=math.nan if margin is None else margin, cost_per_order=cost_per_order,
              cost_per_customer=cost_per_customer)
    co, pr = _out("d", n), _out("d", n)
    diag = _lib.Diag()
    st = _lib.get().cva_customer_profit(r.ptr, c.ptr if c else None, k.ptr if k else None, n,
                                        ctypes.byref(o), co.ptr, pr.ptr, ctypes.byref(diag))
    _check(st, diag, "customer_profit", warn=n > 0)
    return _result(co, n), _result(pr, n)


def profit_diagnostics(revenue, cost, share=0.2):
    """The profitability diagnostics (docs/methods/tiers.md#methods_profit_diag, ``cva_profit_diagnostics``) as a
    dict: ``top20_profit_to_cost``, ``bottom20_cost_to_revenue``, ``top20_revenue_share``,
    ``top20_profit_share``, ``unprofitable_share`` (the names keep "20" for any share)."""
    r = cv.as_float64(revenue, "revenue")
    c = cv.as_float64(cost, "cost")
    if r.n != c.n:
        raise _bad_arg("profit_diagnostics: cost has %d elements, revenue has %d" % (c.n, r.n))
    o = _opts(diag_share=share)
    pd = ProfitDiag()
    diag = _lib.Diag()
    st = _lib.get().cva_profit_diagnostics(r.ptr, c.ptr, r.n, ctypes.byref(o), ctypes.byref(pd),
                                           ctypes.byref(diag))
    _check(st, diag, "profit_diagnostics")
    return {"top20_profit_to_cost": pd.top_profit_to_cost,
            "bottom20_cost_to_revenue": pd.bottom_cost_to_revenue,
            "top20_revenue_share": pd.top_revenue_share,
            "top20_profit_share": pd.top_profit_share,
            "unprofitable_share": pd.unprofitable_share}


def tier_stats(labels, value=None, codes=None):
    """Per label code: ``{name: {"count", "value", "value_share", "mean"}}``
    (``cva_tier_stats``). ``labels`` is an int32 code array or a :class:`Labels`;
    ``codes`` defaults to the codes of that kind of labels."""
    if isinstance(labels, Labels):
        if codes is None:
            codes = CLASS_CODES if isinstance(labels, ValueClasses) else \
                GRADE_CODES if TIER_KEY in cv.to_list(labels.codes) or "KEY" in labels.counts else PYRAMID_CODES
        labels = labels.codes
    lab = cv.as_int32(labels, "labels")
    n = lab.n
    v = cv.as_float64(value, "value") if value is not None else None
    if v is not None and v.n != n:
        raise _bad_arg("tier_stats: value has %d elements, labels has %d" % (v.n, n))
    if codes is None:
        codes = sorted(set(int(x) for x in cv.to_list(labels)))
    codes = [int(c) for c in codes]
    ca = (c_int32 * max(len(codes), 1))(*codes)
    out = (TierStat * max(len(codes), 1))()
    diag = _lib.Diag()
    st = _lib.get().cva_tier_stats(lab.ptr, v.ptr if v else None, n, ca, len(codes), out, ctypes.byref(diag))
    _check(st, diag, "tier_stats", warn=False)
    return {TIER_NAMES.get(codes[i], str(codes[i])): {
        "count": int(out[i].count), "value": out[i].value, "value_share": out[i].value_share,
        "mean": out[i].mean} for i in range(len(codes))}


# ---------------------------------------------------------------------------
# everything at once

class Tiers:
    """Result of :func:`tiers`. Per customer (summary order): ``customer_id``,
    ``revenue``, ``cost``, ``profit``, ``value``, ``classes``, ``grades``, ``pyramid``
    (:class:`Labels`), ``potential``. ``stats``: the dict ``cva tiers --stats`` writes
    (NaN where the CLI writes null). ``warnings``: status names issued."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self):
        return "Tiers(n_customers=%d, value_kind=%r, gini=%r)" % (
            self.stats["n_customers"], self.stats["value_kind"], self.stats["gini"])

    def to_pandas(self, index: bool = True) -> "pandas.DataFrame":
        """A ``pandas.DataFrame`` with the columns of ``cva tiers``: ``revenue``,
        ``cost``, ``profit``, ``value``, ``class``, ``grade``, ``pyramid`` (and
        ``potential`` when a potential source was given), indexed by
        ``customer_id`` unless ``index`` is false."""
        from . import _pandas
        cols = {"revenue": self.revenue, "cost": self.cost, "profit": self.profit,
                "value": self.value, "class": list(self.classes.labels),
                "grade": list(self.grades.labels), "pyramid": list(self.pyramid.labels)}
        if self.potential is not None and any(v == v for v in cv.to_list(self.potential)):
            cols["potential"] = self.potential
        return _pandas.frame(cols, self.customer_id, "Tiers.to_pandas()", index)


def _collect(fn, names, *a, **kw):
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        res = fn(*a, **kw)
    for w in rec:
        msg = w.message
        if isinstance(msg, _errors.CvaWarning) and msg.name and msg.name not in names:
            names.append(msg.name)
        warnings.warn(msg, stacklevel=3)
    return res


def _group_stats(lab, value, codes):
    st = tier_stats(lab.codes, value, codes)
    return {k: {"count": v["count"], "value_share": v["value_share"]} for k, v in st.items()}


def tiers(summary, value=None, margin=None, cost_per_order=0.0, cost_per_customer=0.0, clv=None,
          potential=None, potential_values=None, sow=None, group=None, mvc_share=0.2, mgc_share=0.3,
          bz_threshold=0.0, grade_shares=(0.2, 0.3, 0.5), pyramid_shares=(0.2, 0.3), peer_quantile=0.9):
    """Every value-tier figure from a :func:`summarize` result, as ``cva tiers``.

    revenue = ``total_amount``; cost = ``total_cost`` + cost-to-serve; profit = revenue −
    cost (with ``margin``: margin·revenue − cost-to-serve). ``value`` is ``"revenue"``,
    ``"profit"`` (default when the summary has a cost or ``margin`` is given) or ``"clv"``
    (needs ``clv``, the forward CLV per customer, e.g. from :func:`clv`).
    ``potential``: ``"caller"`` (``potential_values``), ``"wallet"`` (``sow``), ``"peer"``
    (``group``) or ``"model"`` (``clv`` against historical profit); default none.
    """
    rev = cv.as_float64(summary["total_amount"], "total_amount").owner
    cost_col = summary["total_cost"] if "total_cost" in summary else None
    has_cost = cost_col is not None and any(float(x) != 0.0 for x in cv.to_list(cost_col))
    n_orders = summary["n_txn"] if "n_txn" in summary else None
    if value is None:
        value = "profit" if (has_cost or margin is not None or cost_per_order or cost_per_customer) else "revenue"
    kind = value.lower() if isinstance(value, str) else value
    _choice(kind, _VALUE_KINDS, "value")
    names = []
    cost, profit = _collect(customer_profit, names, rev, cost_col, n_orders, margin, cost_per_order,
                            cost_per_customer)
    if kind == "clv" or potential == "model":
        if clv is None:
            raise _bad_arg("tiers: value='clv' and potential='model' need clv (forward CLV per customer)")
        clv = cv.as_float64(clv, "clv").owner
        if len(clv) != len(rev):
            raise _bad_arg("tiers: clv has %d elements, the summary %d customers" % (len(clv), len(rev)))
    val = rev if kind == "revenue" else profit if kind == "profit" else clv
    pot_kw = {}
    val_cls, cls_kind = val, kind
    if potential is not None:
        src = _choice(potential, _POTENTIAL, "potential")
        pot_kw = dict(source=potential, potential=potential_values if src == 1 else clv if src == 4 else None,
                      sow=sow, group=group)
        if src == 4:  # model-based: forward CLV against historical profit
            val_cls, cls_kind = profit, "profit"
    n = len(rev)
    gi = _collect(gini, names, val)
    gp = _collect(gini, [], val, positive_part=True)
    ts = _collect(top_share, names, val, list(TOP_SHARE_POINTS)) if n else [math.nan] * len(TOP_SHARE_POINTS)
    wc = _collect(whale_curve, names, val)
    dg = _collect(profit_diagnostics, names, rev, cost)
    cls = _collect(value_classes, names, val_cls, value_kind=cls_kind, mvc_share=mvc_share, mgc_share=mgc_share, bz_threshold=bz_threshold,
                   peer_quantile=peer_quantile, **pot_kw)
    gr = _collect(grade, names, val, grade_shares)
    py = _collect(pyramid, names, val, kind, pyramid_shares)
    stats = {
        "n_customers": n,
        "value_kind": kind,
        "total": wc.total,
        "gini": gi,
        "gini_positive_part": gp,
        "top_share": {_pkey(p): s for p, s in zip(TOP_SHARE_POINTS, ts)},
        "whale": {"peak_index": wc.peak_index, "peak_height": wc.peak_height,
                  "unprofitable_share": wc.unprofitable_share, "profit_destroyed": wc.profit_destroyed},
        "diagnostics": {k: dg[k] for k in ("top20_profit_to_cost", "bottom20_cost_to_revenue",
                                           "top20_revenue_share", "top20_profit_share")},
        "classes": _group_stats(cls, val_cls, CLASS_CODES),
        "grades": _group_stats(gr, val, GRADE_CODES),
        "pyramid": _group_stats(py, val, PYRAMID_CODES),
        "warnings": names,
    }
    return Tiers(customer_id=summary["customer_id"], revenue=rev, cost=cost, profit=profit, value=val,
                 classes=cls, grades=gr, pyramid=py, potential=cls.potential, stats=stats,
                 warnings=names, whale=wc)


def _pkey(p):
    """The JSON key of a fraction: "0.01", "0.05", "0.1", "0.2", "0.5"."""
    return repr(float(p))
