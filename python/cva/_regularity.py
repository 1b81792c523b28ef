"""Regularity models (``cva/regularity.h``): BG/CNBD-k and MBG/CNBD-k (Erlang-k
inter-purchase times; Reutterer, Platzer & Schroeder 2020, BTYDplus ``bgcnbd.*`` /
``mbgcnbd.*``) and Wheat & Morrison's regularity estimate.

The models carry the usual ``r, alpha, a, b`` in :attr:`params` and the integer ``k``
beside them (:attr:`k`). Choosing ``k`` by likelihood needs ``litt``, each customer's sum of
log inter-purchase times in the calibration period (:func:`log_itt_sum`).
"""

import collections
import ctypes
import math

from . import _convert as cv
from . import _errors
from . import _lib
from ._churn import _WithDert, _Model, _bad_arg, _check, _columns, _result, _fit_opts, _finish_fit, _seed, _CODES

np = cv.np

K_MAX = 12



def _k_value(k, what, allow_auto=False):
    if k is None and allow_auto:
        return 0
    if isinstance(k, bool) or k is None or int(k) != k:
        raise _bad_arg("%s: k must be an integer in 1..%d%s, got %r"
                       % (what, K_MAX, " or None (choose)" if allow_auto else "", k))
    k = int(k)
    if not 1 <= k <= K_MAX:
        raise _bad_arg("%s: k must be in 1..%d, got %d" % (what, K_MAX, k))
    return k


class _CNBD(_Model):
    _param_names = ("r", "alpha", "a", "b")
    _data_names = ("frequency", "recency", "T")

    def __init__(self, params=None, k=None, penalizer=0.0):
        if isinstance(params, collections.abc.Mapping) and "k" in params:
            params = dict(params)
            pk = params.pop("k")
            if k is None:
                k = pk
        _Model.__init__(self, params=params, penalizer=penalizer)
        self.k = None if k is None else _k_value(k, type(self).__name__)
        if self.params is not None and self.k is None:
            raise _bad_arg("%s: params need k (e.g. k=2)" % type(self).__name__)

    def _ck(self):
        if self.k is None:
            raise _bad_arg("%s has no k: call fit() or pass k=" % type(self).__name__)
        return self.k

    def __repr__(self):
        s = _Model.__repr__(self)
        return s if self.k is None else s.replace(": ", ": k=%d, " % self.k, 1)

    def fit(self, frequency, recency, T, litt=None, k=None, k_max=None, weights=None, penalizer=None,
            start=None, max_iter=None, progress=None, grad_tol=None, f_tol=None):
        """Maximum-likelihood fit (``cva_cnbd_fit``); returns ``self``.

        ``k`` given (1..12) fits that k; ``k=None`` (default) chooses k by likelihood
        (k = 1..``k_max``, stopping once the log-likelihood fell twice, as BTYDplus does),
        which needs ``litt`` (per-customer sum of log inter-purchase times). With ``litt``
        the log-likelihood has BTYDplus' constant terms. Other arguments as
        :meth:`cva.BetaGeo.fit`."""
        what = "%s.fit" % type(self).__name__
        kk = _k_value(k, what, allow_auto=True)
        km = 0 if k_max is None else _k_value(k_max, what)
        if kk == 0 and litt is None:
            raise _bad_arg("%s: choosing k by likelihood needs litt (see cva.log_itt_sum), or pass k=" % what)
        cols = [frequency, recency, T]
        names = list(self._data_names)
        if litt is not None:
            cols.append(litt)
            names.append("litt")
        if weights is not None:
            cols.append(weights)
            names.append("weights")
        arrs, n, _ = _columns(names, cols)
        if penalizer is None:
            penalizer = self.penalizer
        else:
            self.penalizer = float(penalizer)
        opts, keep = _fit_opts(self, penalizer, start, max_iter, progress, grad_tol, f_tol, True)
        fit = _lib.ModelFit()
        diag = _lib.Diag()
        k_out = ctypes.c_int32(0)
        lt = arrs[3].ptr if litt is not None else None
        w = arrs[-1].ptr if weights is not None else None
        st = _lib.get().cva_cnbd_fit(self._model_id, kk, km, arrs[0].ptr, arrs[1].ptr, arrs[2].ptr, lt, w, n,
                                     ctypes.byref(opts), ctypes.byref(fit), ctypes.byref(k_out),
                                     ctypes.byref(diag))
        self.note = None
        if st >= 0 and st != _errors.W_EMPTY:
            self.k = int(k_out.value)
        return _finish_fit(self, st, diag, fit, keep, what)

    def _call(self, fn_name, frequency, recency, T, what, t=None):
        self._warn_if_flagged(what)
        arrs, n, scalar = _columns(self._data_names, (frequency, recency, T))
        out = cv.empty_output("d", n)
        diag = _lib.Diag()
        fn = getattr(_lib.get(), fn_name)
        if t is None:
            st = fn(self._model_id, self._ck(), self._cparams(), arrs[0].ptr, arrs[1].ptr, arrs[2].ptr, n,
                    out.ptr, ctypes.byref(diag))
        else:
            st = fn(self._model_id, self._ck(), self._cparams(), float(t), arrs[0].ptr, arrs[1].ptr,
                    arrs[2].ptr, n, out.ptr, ctypes.byref(diag))
        _check(st, diag, what)
        return _result(out, n, scalar)

    def _cond_cparams(self):
        # r, alpha, a, b from the (zero-padded) parameter array, then k
        return (ctypes.c_double * 5)(*(list(self._cparams())[:4] + [float(self._ck())]))

    # P(Y(t) = n | x, t_x, T), exact (cva_model_cond_prob_n with k in params[4]): the methods of
    # the other models
    conditional_probability_of_n_purchases = _WithDert.conditional_probability_of_n_purchases
    conditional_probability_of_n_purchases_up_to_time = _WithDert.conditional_probability_of_n_purchases_up_to_time

    def p_alive(self, frequency, recency, T):
        """P(alive) at the end of observation (``cva_cnbd_p_alive``)."""
        return self._call("cva_cnbd_p_alive", frequency, recency, T, "%s.p_alive" % type(self).__name__)

    def expected_purchases(self, t, frequency, recency, T):
        """E[Y(t) | frequency, recency, T] by BTYDplus' approximation (``cva_cnbd_expected``:
        exact P(alive) times the (M)BG/NBD expectation with alpha replaced by k*alpha; without
        BTYDplus' cohort-level bias correction).

        Warning: for k > 1 this is not the model's conditional expectation. On BTYDplus'
        grocery data (k = 2, 52 weeks) it is up to 26 % (BG/CNBD-k) and 39 % (MBG/CNBD-k)
        off for a customer and -3.1 % / -1.8 % on the cohort's sum. The exact value is the
        mean of ``conditional_probability_of_n_purchases_up_to_time`` (sum of n * P(n) over
        enough n)."""
        return self._call("cva_cnbd_expected", frequency, recency, T,
                          "%s.expected_purchases" % type(self).__name__, t=t)

    def expected_purchases_population(self, t):
        """E[X(t)] of a new customer in its first t time units, exact
        (``cva_cnbd_expected_pop``); ``t`` scalar or array."""
        what = "%s.expected_purchases_population" % type(self).__name__
        self._warn_if_flagged(what)
        arrs, n, scalar = _columns(("t",), (t,))
        out = cv.empty_output("d", n)
        diag = _lib.Diag()
        st = _lib.get().cva_cnbd_expected_pop(self._model_id, self._ck(), self._cparams(), arrs[0].ptr, n,
                                              out.ptr, ctypes.byref(diag))
        _check(st, diag, what)
        return _result(out, n, scalar)

    def log_likelihood_terms(self, frequency, recency, T, litt=None):
        """``(Σ LL_i, gradient dict, per-customer LL_i)`` at the current parameters
        (``cva_cnbd_loglik``, BTYDplus' constant terms; ``litt`` None counts as 0)."""
        what = "%s.log_likelihood_terms" % type(self).__name__
        cols = [frequency, recency, T] + ([litt] if litt is not None else [])
        names = list(self._data_names) + (["litt"] if litt is not None else [])
        arrs, n, scalar = _columns(names, cols)
        out = cv.empty_output("d", n)
        total = ctypes.c_double(0.0)
        grad = (ctypes.c_double * 4)()
        diag = _lib.Diag()
        st = _lib.get().cva_cnbd_loglik(self._model_id, self._ck(), self._cparams(), arrs[0].ptr, arrs[1].ptr,
                                        arrs[2].ptr, arrs[3].ptr if litt is not None else None, n,
                                        ctypes.byref(total), grad, out.ptr, ctypes.byref(diag))
        _check(st, diag, what)
        return (total.value, collections.OrderedDict((nm, grad[i]) for i, nm in enumerate(self._param_names)),
                _result(out, n, scalar))

    def individual_log_likelihood(self, frequency, recency, T, litt=None):
        """LL_i per customer (BTYDplus' constant terms)."""
        return self.log_likelihood_terms(frequency, recency, T, litt)[2]

    def simulate(self, T, seed=42):
        """Simulate customers from this model (``cva_sim_cnbd``); see :func:`simulate_cnbd`."""
        return simulate_cnbd(self, T, seed=seed)

    def to_dict(self):
        """As :meth:`cva.BetaGeo.to_dict`, with ``k`` in ``params`` (as ``cva fit`` writes it)."""
        d = _Model.to_dict(self)
        if d.get("params") is not None and self.k is not None:
            d["params"]["k"] = self.k
        return d

    @classmethod
    def from_dict(cls, d):
        """Build a model from :meth:`to_dict` output or ``cva fit``'s JSON (``params`` with
        ``k``; the fit diagnostics are restored when present)."""
        code = d.get("model")
        if code is not None and code != _CODES[cls._model_id]:
            raise _bad_arg("model %r is not a %s" % (code, cls.__name__))
        params = dict(d["params"])
        m = cls(params=params)
        se = d.get("standard_errors")
        if se is not None:
            m.standard_errors = collections.OrderedDict(
                (nm, math.nan if se.get(nm) is None else float(se[nm])) for nm in m._param_names)
        for key in ("log_likelihood", "iterations", "converged", "n_customers", "rows_not_used"):
            if key in d:
                setattr(m, key, d[key])
        if d.get("status"):
            m.status_name = d["status"]
        return m


class BetaGeoCNBD(_CNBD):
    """BG/CNBD-k: BG/NBD with Erlang-k inter-purchase times (drop-out only after repeat
    purchases). Parameters ``r, alpha, a, b`` and the integer :attr:`k`; k = 1 is BG/NBD."""
    _model_id = _lib.MODEL_BGCNBD


class ModifiedBetaGeoCNBD(_CNBD):
    """MBG/CNBD-k: MBG/NBD with Erlang-k inter-purchase times (drop-out also possible at the
    first purchase). Parameters ``r, alpha, a, b`` and :attr:`k`; k = 1 is MBG/NBD."""
    _model_id = _lib.MODEL_MBGCNBD


def _groups(times, customer):
    """Customer-grouped (times, offsets) C arrays from parallel sequences."""
    t = cv.to_list(times) if not (np is not None and hasattr(times, "__array__")) else list(
        np.asarray(times, dtype=np.float64))
    c = cv.to_list(customer) if not (np is not None and hasattr(customer, "__array__")) else list(
        np.asarray(customer))
    if len(t) != len(c):
        raise _bad_arg("times and customer must have the same length (%d, %d)" % (len(t), len(c)))
    order = sorted(range(len(t)), key=lambda i: (c[i], t[i]))
    ts, offs, ids = [], [0], []
    for i in order:
        if ids and c[i] == ids[-1]:
            if t[i] == ts[-1]:
                continue  # same time: one event
        else:
            if ids:
                offs.append(len(ts))
            ids.append(c[i])
        ts.append(float(t[i]))
    offs.append(len(ts))
    if not ids:
        offs = [0]
    tb = (ctypes.c_double * max(1, len(ts)))(*ts)
    ob = (ctypes.c_size_t * len(offs))(*offs)
    return tb, ob, ids


def log_itt_sum(times, customer):
    """Per-customer sum of log inter-purchase times (BTYDplus' ``litt``;
    ``cva_log_itt_sum``). ``times`` in model time units (e.g. weeks since any origin) of
    the calibration period, ``customer`` the customer of each; equal times of a customer
    count once. Returns ``(customer_ids, litt)`` in sorted customer order."""
    tb, ob, ids = _groups(times, customer)
    n = len(ids)
    out = cv.empty_output("d", max(n, 1))
    diag = _lib.Diag()
    st = _lib.get().cva_log_itt_sum(tb, ob, n, out.ptr, ctypes.byref(diag))
    if n == 0:
        return ids, cv.trim(out.owner, 0)
    _check(st, diag, "log_itt_sum")
    return ids, cv.trim(out.owner, n)


def regularity_wheat(times, customer):
    """Wheat & Morrison's regularity estimate k (``cva_regularity_wheat``): about 1 for
    exponential inter-purchase times, clearly above 1 for regular buyers. Deterministic
    (both orders of the last two inter-purchase times per customer; BTYDplus draws one at
    random). Returns ``(k, n_used)``; k is NaN (with a warning) when no customer has three
    purchases."""
    tb, ob, ids = _groups(times, customer)
    k = ctypes.c_double(math.nan)
    used = ctypes.c_size_t(0)
    diag = _lib.Diag()
    st = _lib.get().cva_regularity_wheat(tb, ob, len(ids), ctypes.byref(k), ctypes.byref(used),
                                         ctypes.byref(diag))
    _check(st, diag, "regularity_wheat")
    return k.value, int(used.value)


CnbdSimulation = collections.namedtuple("CnbdSimulation", "frequency recency T litt")


def simulate_cnbd(model, T, seed=42):
    """Simulate (frequency, recency, litt) of customers of a fitted or given
    :class:`BetaGeoCNBD` / :class:`ModifiedBetaGeoCNBD` (``cva_sim_cnbd``); ``T`` the
    observation length per customer after its first purchase (a scalar: one customer)."""
    if not isinstance(model, _CNBD):
        raise TypeError("simulate_cnbd: model must be a BetaGeoCNBD or ModifiedBetaGeoCNBD")
    (arr_T,), n, scalar = _columns(("T",), (T,))
    x = cv.empty_output("d", n)
    tx = cv.empty_output("d", n)
    lt = cv.empty_output("d", n)
    diag = _lib.Diag()
    st = _lib.get().cva_sim_cnbd(model._model_id, model._ck(), model._cparams(), arr_T.ptr, n, _seed(seed),
                                 x.ptr, tx.ptr, lt.ptr, ctypes.byref(diag))
    _check(st, diag, "simulate_cnbd")
    T_out = float(T) if scalar else cv.trim(arr_T.owner, n)
    return CnbdSimulation(_result(x, n, scalar), _result(tx, n, scalar), T_out, _result(lt, n, scalar))


__all__ = ["BetaGeoCNBD", "ModifiedBetaGeoCNBD", "log_itt_sum", "regularity_wheat", "simulate_cnbd",
           "CnbdSimulation"]
