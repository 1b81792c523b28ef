"""Retention economics (docs/methods/retention.md#methods_clv_closed, docs/methods/retention.md#methods_equity, docs/methods/retention.md#methods_retention_edge): closed-form CLV with constant
retention, elasticities, customer equity, the steady-state tenure-profit model and
the retention-profit what-if (``retention.h``).

Every function here is O(1) arithmetic in the library; numbers in, numbers out.
Timing is ``"end"`` (first margin one period from now, only if retained; default)
or ``"start"`` (a margin now and at the start of every retained period); a
``horizon`` of 0 is infinite, otherwise the number of margins collected.
"""

import collections
import ctypes
import math
import numbers

from . import _convert as cv
from . import _errors
from . import _lib
from ._churn import _check

_TIMINGS = {"end": _lib.TIMING_END, "start": _lib.TIMING_START}
_MODES = {"abs": _lib.DELTA_ABS, "rel": _lib.DELTA_REL}

CustomerEquity = collections.namedtuple("CustomerEquity", "current new total")
CustomerEquity.__doc__ = ("Customer equity (docs/methods/retention.md#methods_equity): ``current`` (the current base), ``new`` "
                          "(acquisition cohorts, net of acquisition cost), ``total``.")
Elasticities = collections.namedtuple("Elasticities", "retention margin acquisition_cost")
Elasticities.__doc__ = ("Elasticities of value (docs/methods/retention.md#methods_sensitivity): d ln CLV / d ln r (exact), the margin "
                        "elasticity of CLV (1) and the acquisition-cost elasticity of a prospect's "
                        "net value −c_acq/(CLV − c_acq); NaN where undefined.")
SteadyState = collections.namedtuple("SteadyState", "customers profit")
SteadyState.__doc__ = ("Steady state of the tenure-profit model (docs/methods/retention.md#methods_steady_state): customers A/(1−r) "
                       "and profit per period A·[m1/(1 − r(1+g)) − c_acq] (NaN when r(1+g) >= 1).")


def _num(v, name):
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        try:
            import numpy as _np  # noqa: F401
            if getattr(v, "ndim", None) == 0:
                return float(v)
        except ImportError:
            pass
        raise TypeError("%s must be a real number, not %s" % (name, type(v).__name__))
    return float(v)


def _int(v, name):
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        if isinstance(v, numbers.Real) and float(v).is_integer():
            v = int(v)
        else:
            raise TypeError("%s must be an integer, not %r" % (name, v))
    v = int(v)
    if not -2 ** 31 <= v < 2 ** 31:
        raise ValueError("%s out of range: %d" % (name, v))
    return v


def _enum(v, table, name):
    if isinstance(v, str):
        key = v.strip().lower()
        if key not in table:
            raise ValueError("%s must be one of %s, not %r" % (name, ", ".join(sorted(table)), v))
        return table[key]
    return _int(v, name)


def _terms(discount, timing, horizon, growth):
    return _lib.ClvTerms(discount=_num(discount, "discount"), timing=_enum(timing, _TIMINGS, "timing"),
                         horizon=_int(horizon, "horizon"), growth=_num(growth, "growth"))


def clv_constant(margin, retention, discount=0.10, timing="end", horizon=0, growth=0.0):
    """Closed-form CLV of one customer with constant retention (docs/methods/retention.md#methods_clv_closed,
    ``cva_clv_constant``): ``margin · MM(retention)``.

    ``clv_constant(1, 0.8)`` is the END margin multiple 2.667; with
    ``timing="start"`` 3.667. ``growth`` is the margin growth per period of tenure,
    ``horizon`` the number of margins (0: infinite). Raises
    :class:`cva.DomainError` outside the domain of docs/methods/retention.md#methods_retention_edge (e.g. retention >= 1
    with an infinite horizon)."""
    t = _terms(discount, timing, horizon, growth)
    clv = ctypes.c_double()
    diag = _lib.Diag()
    st = _lib.get().cva_clv_constant(_num(margin, "margin"), _num(retention, "retention"), ctypes.byref(t),
                                     ctypes.byref(clv), None, ctypes.byref(diag))
    _check(st, diag, "clv_constant")
    return clv.value


def margin_multiple(retention, discount=0.10, timing="end", horizon=0, growth=0.0):
    """The margin multiple MM = CLV/margin of :func:`clv_constant`."""
    return clv_constant(1.0, retention, discount, timing, horizon, growth)


def retention_elasticities(margin, retention, acquisition_cost=0.0, discount=0.10, timing="end", horizon=0,
                           growth=0.0):
    """Elasticities of value (docs/methods/retention.md#methods_sensitivity, ``cva_retention_elasticities``): returns
    :class:`Elasticities` ``(retention, margin, acquisition_cost)``. For r = 0.8,
    d = 0.10, END the retention elasticity is 1.1/0.3 = 3.667."""
    t = _terms(discount, timing, horizon, growth)
    out = [ctypes.c_double() for _ in range(3)]
    diag = _lib.Diag()
    st = _lib.get().cva_retention_elasticities(_num(margin, "margin"), _num(retention, "retention"),
                                               _num(acquisition_cost, "acquisition_cost"), ctypes.byref(t),
                                               *[ctypes.byref(o) for o in out], ctypes.byref(diag))
    _check(st, diag, "retention_elasticities")
    return Elasticities(*(o.value for o in out))


def customer_equity(margin=None, retention=None, customers=0.0, new_customers=None, acquisition_cost=0.0,
                    discount=0.10, timing="end", horizon=0, growth=0.0, clv=None):
    """Customer equity (docs/methods/retention.md#methods_equity, ``cva_customer_equity``): returns
    :class:`CustomerEquity` ``(current, new, total)``.

    * ``current``: ``customers · CLV`` (constant retention, the given timing), or,
      with ``clv`` (a sequence of per-customer CLVs, e.g. from :func:`cva.clv`), their
      compensated sum.
    * ``new``: acquisition cohorts, each paying ``acquisition_cost`` and its first margin
      when acquired: ``new_customers`` a sequence n_0, n_1, ... (one cohort per period,
      the first now), or a number n for the same cohort every period forever
      (``n(1+d)/d · [m(1+d)/(1+d−r) − c_acq]``, needs discount > 0), or None (no cohorts).
    """
    if clv is not None:
        clv_vals = [float(v) for v in clv]
        if any(not math.isfinite(v) for v in clv_vals):
            raise _errors.NonFiniteError("customer_equity: a CLV is NaN or infinite",
                                         status=_errors.E_NONFINITE, name="CVA_E_NONFINITE")
        current = math.fsum(clv_vals)
        if margin is None and retention is None and new_customers is None:
            return CustomerEquity(current, 0.0, current)
    else:
        current = None
    if margin is None or retention is None:
        raise TypeError("customer_equity needs margin and retention (or only clv)")
    t = _terms(discount, timing, horizon, growth)
    cohorts, k, perpetual = None, 0, 0.0
    if new_customers is None:
        pass
    elif isinstance(new_customers, numbers.Real) and not isinstance(new_customers, bool):
        perpetual = float(new_customers)
    else:
        vals = [float(v) for v in new_customers]
        k = len(vals)
        cohorts = (ctypes.c_double * max(k, 1))(*vals)
    cur, new = ctypes.c_double(), ctypes.c_double()
    diag = _lib.Diag()
    n_cur = 0.0 if current is not None else _num(customers, "customers")
    st = _lib.get().cva_customer_equity(n_cur, _num(margin, "margin"), _num(retention, "retention"),
                                        _num(acquisition_cost, "acquisition_cost"), cohorts, k, perpetual,
                                        ctypes.byref(t), ctypes.byref(cur), ctypes.byref(new), ctypes.byref(diag))
    if not (st == _errors.W_EMPTY and current is not None and clv_vals):
        _check(st, diag, "customer_equity")  # (with clv the C call sees no current base)
    if current is None:
        current = cur.value
    return CustomerEquity(current, new.value, current + new.value)


def steady_state_profit(new_customers, margin, retention, growth=0.0, acquisition_cost=0.0):
    """Steady-state tenure-profit model (docs/methods/retention.md#methods_steady_state, ``cva_steady_state_profit``):
    ``new_customers`` (A) per period, first-period margin ``margin``, margin growth
    ``growth`` per period of tenure. Returns :class:`SteadyState`. Example: A = 100,
    margin 100, growth 0.05, acquisition cost 150: r = 0.80 gives 47 500, 0.85 gives
    78 023."""
    n, p = ctypes.c_double(), ctypes.c_double()
    diag = _lib.Diag()
    st = _lib.get().cva_steady_state_profit(_num(new_customers, "new_customers"), _num(margin, "margin"),
                                            _num(retention, "retention"), _num(growth, "growth"),
                                            _num(acquisition_cost, "acquisition_cost"), ctypes.byref(n),
                                            ctypes.byref(p), ctypes.byref(diag))
    _check(st, diag, "steady_state_profit")
    return SteadyState(n.value, p.value)


# what-if keyword -> struct field; the docs/methods/retention.md#methods_whatif short names are accepted too
_WHATIF_NAMES = {
    "customers": "customers", "N": "customers",
    "margin": "margin", "m": "margin",
    "retention": "retention", "r": "retention",
    "discount": "discount", "d": "discount",
    "timing": "timing",
    "horizon": "horizon", "H": "horizon",
    "margin_growth": "margin_growth", "g": "margin_growth",
    "delta_retention": "delta_retention", "delta_r": "delta_retention",
    "delta_mode": "delta_mode",
    "retention_cost": "retention_cost", "c_ret": "retention_cost",
    "delta_retention_cost": "delta_retention_cost", "delta_c_ret": "delta_retention_cost",
    "acquisition_cost": "acquisition_cost", "c_acq": "acquisition_cost",
    "acq_ret_ratio": "acq_ret_ratio",
    "new_customers": "new_customers", "A": "new_customers",
    "budget_share_target": "budget_share_target", "ret_budget_share_target": "budget_share_target",
}

#: output names of :func:`whatif` (the ``cva whatif`` JSON keys), in order
WHATIF_OUTPUTS = (
    "mm_base", "mm_new", "clv_base", "clv_new", "delta_clv", "delta_clv_pct", "ce_base", "ce_new",
    "delta_ce", "retention_elasticity", "churned_base", "churned_new", "acquisition_spend_base",
    "acquisition_spend_new", "acquisition_spend_avoided", "break_even_retention_spend", "programme_roi",
    "steady_state_profit_base", "steady_state_profit_new", "steady_state_profit_change_pct",
    "retention_budget_share", "acq_ret_ratio_used",
)


class WhatIf(object):
    """Result of :func:`whatif`: one attribute per docs/methods/retention.md#methods_whatif output (the names of
    :data:`WHATIF_OUTPUTS`, NaN where undefined, ``*_pct`` in percent), plus
    ``retention_new`` (r'), ``acquisition_cost_used``, ``new_customers_used``,
    ``budget_share_below_target`` (True/False, None when the share is undefined),
    ``inputs`` (the :class:`WhatifInputs` used) and ``status``."""

    def __init__(self, res, inputs, status):
        for name in _lib.WHATIF_RESULT_FIELDS:
            setattr(self, name, getattr(res, name))
        flag = res.budget_share_below_target
        self.budget_share_below_target = None if flag < 0 else bool(flag)
        self.inputs = inputs
        self.status = status

    def as_dict(self):
        """The docs/methods/retention.md#methods_whatif outputs as an ordered dict (NaN kept as float('nan'))."""
        return collections.OrderedDict((k, getattr(self, k)) for k in WHATIF_OUTPUTS)

    def __repr__(self):
        return "WhatIf(%s)" % ", ".join("%s=%.6g" % (k, v) for k, v in self.as_dict().items())


def whatif(**inputs):
    """The retention-profit what-if of docs/methods/retention.md#methods_whatif (``cva_whatif``).

    Keywords (the short names of docs/methods/retention.md in brackets also accepted): ``customers`` [N],
    ``margin`` [m], ``retention`` [r] (required); ``discount`` [d] = 0.10,
    ``timing`` = "end" ("start"), ``horizon`` [H] = 0 (infinite),
    ``margin_growth`` [g] = 0, ``delta_retention`` [delta_r] = 0 with ``delta_mode``
    = "abs" (r + Δ, 0.05 = five points) or "rel" (r·(1 + Δ/100), 5 = five percent),
    ``retention_cost`` [c_ret] = 0, ``delta_retention_cost`` [delta_c_ret] = 0,
    ``acquisition_cost`` [c_acq] = acq_ret_ratio·c_ret (0 without retention spend),
    ``acq_ret_ratio`` = 5, ``new_customers`` [A] = N(1−r),
    ``budget_share_target`` = 0.20. Returns :class:`WhatIf`; ``customers = 0`` gives
    zero totals and a :class:`cva.CvaWarning` (CVA_W_EMPTY)."""
    inp = _lib.WhatifInputs()
    seen = {}
    for key, value in inputs.items():
        field = _WHATIF_NAMES.get(key)
        if field is None:
            raise TypeError("whatif() got an unexpected keyword %r (known: %s)"
                            % (key, ", ".join(sorted(set(_WHATIF_NAMES.values())))))
        if field in seen:
            raise TypeError("whatif(): %r and %r name the same input" % (seen[field], key))
        seen[field] = key
        if value is None:
            continue  # keep the default
        if field == "timing":
            inp.timing = _enum(value, _TIMINGS, "timing")
        elif field == "delta_mode":
            inp.delta_mode = _enum(value, _MODES, "delta_mode")
        elif field == "horizon":
            inp.horizon = _int(value, "horizon")
        else:
            setattr(inp, field, _num(value, key))
    for req in ("customers", "margin", "retention"):
        if req not in seen or inputs[seen[req]] is None:
            raise TypeError("whatif() needs %s" % req)
    res = _lib.WhatifResult()
    diag = _lib.Diag()
    st = _lib.get().cva_whatif(ctypes.byref(inp), ctypes.byref(res), ctypes.byref(diag))
    _check(st, diag, "whatif")
    return WhatIf(res, inp, st)


# ---------------------------------------------------------------------------
# Model-based what-if (cva_whatif_sbg, cva_whatif_btyd)

_SHIFTS = {_lib.WHATIF_SHIFT_EXACT: "exact", _lib.WHATIF_SHIFT_CAPPED: "capped",
           _lib.WHATIF_SHIFT_UNDEFINED: "undefined"}
_MODEL_KEYS = {_lib.MODEL_SBG: "sbg", _lib.MODEL_BGNBD: "bgnbd", _lib.MODEL_PNBD: "pnbd"}

#: output names of :func:`whatif_model` (the keys of the ``"model"`` object of
#: ``cva whatif --model``), in order
WHATIF_MODEL_OUTPUTS = (
    "model", "shift", "retention_base", "retention_target", "retention_new", "dropout_scale",
    "params_new", "del_base", "del_new", "del_change_pct", "derl_base", "derl_new", "derl_change_pct",
    "del_constant_base", "del_constant_new", "derl_constant_base", "derl_constant_new", "customers",
    "value_base", "value_new", "delta_value", "delta_value_pct", "value_constant_base",
    "value_constant_new",
)


class WhatIfModel(object):
    """Result of :func:`whatif_model`: one attribute per name of
    :data:`WHATIF_MODEL_OUTPUTS` (NaN where undefined or not applicable, ``*_pct`` in
    percent): ``model`` ("sbg", "bgnbd", "pnbd"), ``shift`` ("exact", "capped",
    "undefined"), ``params_new`` (a tuple: sBG (alpha', beta'), Pareto/NBD
    (r, alpha, s, beta/c), BG/NBD the fitted parameters: c multiplies p), plus ``status``."""

    def __init__(self, res, status):
        self.model = _MODEL_KEYS.get(res.model, str(res.model))
        self.shift = _SHIFTS.get(res.shift, str(res.shift))
        for name in ("retention_base", "retention_target", "retention_new", "dropout_scale"):
            setattr(self, name, res.__getattribute__(name))
        self.params_new = tuple(res.params_new[i] for i in range(res.n_params))
        for name in _lib.WHATIF_MODEL_RESULT_FIELDS:
            setattr(self, name, getattr(res, name))
        self.status = status

    def as_dict(self):
        """The outputs as an ordered dict (NaN kept as float('nan'))."""
        return collections.OrderedDict((k, getattr(self, k)) for k in WHATIF_MODEL_OUTPUTS)

    def __repr__(self):
        return "WhatIfModel(%s)" % ", ".join(
            "%s=%s" % (k, ("%.6g" % v) if isinstance(v, float) else repr(v)) for k, v in self.as_dict().items())


def whatif_model(model, frequency=None, recency=None, T=None, monetary_value=None, spend_model=None,
                 counts=None, delta_retention=0.0, delta_mode="abs", discount=0.10, period=52.0,
                 margin=1.0, n_renewals=0.0, retention_cap=0.999):
    """The what-if of :func:`whatif` asked of a fitted model (``cva_whatif_sbg``,
    ``cva_whatif_btyd``; exact definitions in ``retention.h``).

    ``model`` is a fitted :class:`ShiftedBetaGeo`, :class:`BetaGeo` or :class:`ParetoNBD`.
    The model's one-period retention r (sBG: beta/(alpha+beta); BTYD: the population
    survival over one period of ``period`` model time units) moves to r' = r +
    ``delta_retention`` ("abs") or r·(1 + delta_retention/100) ("rel"), capped at
    ``retention_cap``. What is shifted: sBG, the mean churn probability with alpha+beta
    fixed; Pareto/NBD, every dropout rate mu -> c·mu; BG/NBD, every dropout probability
    p -> c·p (c <= 1 only), from now on.

    sBG: ``counts[k]`` (optional) = active customers who have renewed k times; the value of
    the base is ``margin`` · Σ counts[k]·DERL(k). ``discount`` is per period, ``n_renewals``
    picks the reported DERL. BTYD: ``frequency``, ``recency``, ``T`` per customer (model time
    units), with ``spend_model`` (a fitted :class:`GammaGamma`) and ``monetary_value`` the
    value is ``margin`` · E[M] · DERT summed over the customers, else ``margin`` · DERT.
    Returns :class:`WhatIfModel`; a capped or undefined shift gives a
    :class:`cva.CvaWarning` (CVA_W_BOUNDARY)."""
    from ._churn import ShiftedBetaGeo, BetaGeo, ParetoNBD, GammaGamma, _columns
    opts = _lib.WhatifModelOpts()
    opts.delta_mode = _enum(delta_mode, _MODES, "delta_mode")
    opts.delta_retention = _num(delta_retention, "delta_retention")
    opts.discount = _num(discount, "discount")
    opts.period = _num(period, "period")
    opts.margin = _num(margin, "margin")
    opts.n_renewals = _num(n_renewals, "n_renewals")
    opts.retention_cap = _num(retention_cap, "retention_cap")
    res = _lib.WhatifModelResult()
    diag = _lib.Diag()
    if isinstance(model, ShiftedBetaGeo):
        model._warn_if_flagged("whatif_model")
        if counts is None:
            cnt, n = None, 0
        else:
            cnt = cv.as_float64(counts, "counts")
            n = cnt.n
        st = _lib.get().cva_whatif_sbg(model._cparams(), cnt.ptr if cnt is not None else None, n,
                                       ctypes.byref(opts), ctypes.byref(res), ctypes.byref(diag))
    elif isinstance(model, (BetaGeo, ParetoNBD)) and type(model).__name__ in ("BetaGeo", "ParetoNBD"):
        model._warn_if_flagged("whatif_model")
        if frequency is None or recency is None or T is None:
            raise TypeError("whatif_model() needs frequency, recency and T for %s" % type(model).__name__)
        gg = None
        if spend_model is not None:
            if not isinstance(spend_model, GammaGamma):
                raise TypeError("spend_model must be a GammaGamma")
            if monetary_value is None:
                raise TypeError("whatif_model() needs monetary_value with spend_model")
            spend_model._warn_if_flagged("whatif_model (spend model GammaGamma)")
            gg = spend_model._cparams()
            arrs, n, _ = _columns(("frequency", "recency", "T", "monetary_value"),
                                  (frequency, recency, T, monetary_value))
        else:
            arrs, n, _ = _columns(("frequency", "recency", "T"), (frequency, recency, T))
            arrs.append(None)
        st = _lib.get().cva_whatif_btyd(model._model_id, model._cparams(), gg, arrs[0].ptr, arrs[1].ptr,
                                        arrs[2].ptr, arrs[3].ptr if arrs[3] is not None else None, n,
                                        ctypes.byref(opts), ctypes.byref(res), ctypes.byref(diag))
    else:
        raise TypeError("model must be a fitted ShiftedBetaGeo, BetaGeo or ParetoNBD, not %s"
                        % type(model).__name__)
    _check(st, diag, "whatif_model")
    return WhatIfModel(res, st)


# ---------------------------------------------------------------------------
# Churn flags per customer (docs/methods/models.md#methods_heuristics)

_RULES = {"all": _lib.CHURN_RULE_ALL, "hiatus": _lib.CHURN_RULE_HIATUS, "ipt": _lib.CHURN_RULE_IPT,
          "p-alive": _lib.CHURN_RULE_P_ALIVE, "p_alive": _lib.CHURN_RULE_P_ALIVE}

ChurnFlags = collections.namedtuple("ChurnFlags", "active rule rule_name value_at_risk median_ipt n_inactive")
ChurnFlags.__doc__ = (
    "Result of :func:`churn_flags`: ``active`` (1/0 per customer), ``rule`` (the deciding rule code, "
    "CHURN_RULE_*), ``rule_name`` (\"hiatus\", \"ipt\", \"ipt-median\", \"p-alive\"), ``value_at_risk`` "
    "(CLV × (1 − P(alive)), None without clv and p_alive), ``median_ipt`` (the substitute ipt, NaN if "
    "none or unused), ``n_inactive``.")


def churn_rule_name(code):
    """Name of a churn rule code (``cva_churn_rule_name``)."""
    return _lib.get().cva_churn_rule_name(int(code)).decode()


def churn_flags(recency=None, n_occ=None, first_t=None, last_t=None, p_alive=None, clv=None, summary=None,
                rule="all", hiatus=270.0, ipt_multiple=3.0, threshold=0.5):
    """Churn flags per customer (docs/methods/models.md#methods_heuristics, ``cva_churn_flags``).

    Rules: ``"hiatus"`` (inactive iff recency > ``hiatus``, default 270 days; Wübben &
    Wangenheim 2008), ``"ipt"`` (inactive iff recency > ``ipt_multiple`` × the customer's
    inter-purchase time (last_t − first_t)/(n_occ − 1), the population median for
    customers with fewer than two occasions, the hiatus rule when there is no median),
    ``"p-alive"`` (inactive iff ``p_alive`` < ``threshold``), or ``"all"`` (default: every
    rule whose inputs are given; inactive when any says so).

    Inputs are per-customer sequences; ``summary`` (from :func:`cva.summarize`) supplies
    ``recency`` (its ``days_since_last``), ``n_occ``, ``first_t`` and ``last_t``. With
    ``clv`` and ``p_alive`` the value at risk CLV × (1 − P(alive)) is returned too.
    Returns :class:`ChurnFlags`."""
    if summary is not None:
        if recency is None:
            recency = summary["days_since_last"]
        if n_occ is None:
            n_occ = summary["n_occ"]
        if first_t is None:
            first_t = summary["first_t"]
        if last_t is None:
            last_t = summary["last_t"]
    if recency is None:
        raise TypeError("churn_flags needs recency (or summary)")
    code = _RULES.get(rule) if isinstance(rule, str) else _int(rule, "rule")
    if code is None:
        raise ValueError("rule must be one of all, hiatus, ipt, p-alive, not %r" % (rule,))
    rec = cv.as_float64(recency, "recency")
    n = rec.n
    arrays = {}
    for name, vals in (("first_t", first_t), ("last_t", last_t), ("p_alive", p_alive), ("clv", clv)):
        arrays[name] = cv.as_float64(vals, name) if vals is not None else None
    occ = cv.as_uint32(n_occ, "n_occ") if n_occ is not None else None
    for name, a in list(arrays.items()) + [("n_occ", occ)]:
        if a is not None and a.n != n:
            raise _errors.BadArgumentError("churn_flags: %s has %d values, recency %d" % (name, a.n, n),
                                           status=_errors.E_BADARG, name="CVA_E_BADARG")
    opts = _lib.ChurnFlagOpts(rule=code, hiatus=_num(hiatus, "hiatus"),
                              ipt_multiple=_num(ipt_multiple, "ipt_multiple"),
                              threshold=_num(threshold, "threshold"))
    act, rul = cv.empty_output("i", n), cv.empty_output("i", n)
    want_var = arrays["clv"] is not None and arrays["p_alive"] is not None
    var = cv.empty_output("d", n) if want_var else None
    med = ctypes.c_double()
    diag = _lib.Diag()
    ptr = lambda a: a.ptr if a is not None else None  # noqa: E731
    st = _lib.get().cva_churn_flags(rec.ptr, ptr(occ), ptr(arrays["first_t"]), ptr(arrays["last_t"]),
                                    ptr(arrays["p_alive"]), ptr(arrays["clv"]), n, ctypes.byref(opts), act.ptr,
                                    rul.ptr, ptr(var), ctypes.byref(med), ctypes.byref(diag))
    _check(st, diag, "churn_flags")
    rules = cv.trim(rul.owner, n)
    names = [churn_rule_name(c) for c in cv.to_list(rules)]
    return ChurnFlags(cv.trim(act.owner, n), rules, names, cv.trim(var.owner, n) if want_var else None, med.value,
                      int(diag.count) if st == 0 else 0)
