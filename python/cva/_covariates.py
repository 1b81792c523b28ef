"""Time-invariant covariates for Pareto/NBD and BG/NBD (``cva/covariates.h``), as CLVTools
fits them: ``cva.ParetoNBD(covariates=Z).fit(frequency, recency, T)``.

Each customer's row z_i of the covariate table enters the lifetime and/or the purchase
process: Pareto/NBD α_i = α·exp(−γ_trans·z_i), β_i = β·exp(−γ_life·z_i); BG/NBD
α_i = α·exp(−γ_trans·z_i), a_i = a·exp(γ_life·z_i), b_i = b·exp(γ_life·z_i). Predictions use
each customer's own parameters.
"""

import collections
import ctypes
import math

from . import _convert as cv
from . import _errors
from . import _exec
from . import _lib

np = cv.np


def _bad_arg(msg):
    return _errors.BadArgumentError(msg, status=_errors.E_BADARG, name="CVA_E_BADARG", detail=msg)


def covariate_table(covariates):
    """``(names, columns)`` of a covariate table: a pandas DataFrame (a ``customer_id``
    column, if any, is left out), a mapping name -> column, or a 2-D array / list of rows
    (names ``z0``, ``z1``, ...)."""
    if covariates is None:
        raise _bad_arg("no covariates")
    if hasattr(covariates, "columns") and hasattr(covariates, "__getitem__"):  # DataFrame
        names = [str(c) for c in covariates.columns if str(c) not in ("customer_id", "id")]
        cols = [cv.to_list(covariates[c]) if np is None else np.asarray(covariates[c], dtype=np.float64)
                for c in covariates.columns if str(c) not in ("customer_id", "id")]
    elif isinstance(covariates, collections.abc.Mapping):
        names = [str(k) for k in covariates]
        cols = [covariates[k] for k in covariates]
    else:
        rows = covariates.tolist() if hasattr(covariates, "tolist") else [list(r) for r in covariates]
        if rows and not isinstance(rows[0], (list, tuple)):
            rows = [[v] for v in rows]
        k = len(rows[0]) if rows else 0
        names = ["z%d" % j for j in range(k)]
        cols = [[r[j] for r in rows] for j in range(k)]
    if not names:
        raise _bad_arg("the covariate table has no column")
    if len(names) > _lib.COV_MAX:
        raise _bad_arg("at most %d covariates, got %d" % (_lib.COV_MAX, len(names)))
    return names, cols


def _matrix(cols, n, what):
    """Row-major n × k float64 buffer of the columns (each of length n)."""
    k = len(cols)
    flat = []
    lists = [cv.floats_list(list(c), what) for c in cols]
    for j, c in enumerate(lists):
        if len(c) != n:
            raise _bad_arg("%s: covariate column %d has %d rows, the data %d" % (what, j, len(c), n))
    for i in range(n):
        for j in range(k):
            flat.append(lists[j][i])
    return cv.as_float64(flat, what)


def _flags(names, chosen, what):
    if chosen is None:
        return [1] * len(names)
    chosen = [chosen] if isinstance(chosen, str) else list(chosen)
    unknown = [c for c in chosen if c not in names]
    if unknown:
        raise _bad_arg("%s: no covariate column %s (have %s)" % (what, ", ".join(map(repr, unknown)),
                                                                   ", ".join(names)))
    return [1 if nm in chosen else 0 for nm in names]


class CovariateMixin:
    """Covariate support of :class:`cva.ParetoNBD` and :class:`cva.BetaGeo`.

    ``covariates``: the table of the customers (rows in the order of the data given to
    :meth:`fit`); ``life`` / ``trans``: the names of the columns entering the lifetime /
    purchase process (default: every column, both); ``constrain``: names with one
    coefficient for both processes; ``l2``: L2 penalty λ on the coefficients (CLVTools
    ``reg.lambdas``, both processes; a pair ``(life, trans)`` for two values).
    ``coefficients``: known ``{"life": {...}, "trans": {...}}`` (a fit done elsewhere).

    After a fit: :attr:`coefficients`, :attr:`coefficient_standard_errors` (same shape) and
    the population parameters (z = 0) in :attr:`params`.
    """

    def __init__(self, params=None, penalizer=0.0, covariates=None, life=None, trans=None, constrain=None,
                 l2=0.0, coefficients=None):
        super().__init__(params=params, penalizer=penalizer)
        self.covariates = covariates
        self.covariate_life = life
        self.covariate_trans = trans
        self.covariate_constrain = constrain
        self.l2 = l2
        self.coefficients = None
        self.coefficient_standard_errors = None
        self.covariate_names = None
        if coefficients is not None:
            life_c = dict(coefficients.get("life", {}))
            trans_c = dict(coefficients.get("trans", {}))
            names = list(life_c) + [k for k in trans_c if k not in life_c]
            self.covariate_names = names
            self.coefficients = {"life": life_c, "trans": trans_c}

    @property
    def has_covariates(self):
        """True when the model carries covariate coefficients (fitted or given)."""
        return self.coefficients is not None

    def _cfit(self):
        cf = _lib.CovFit()
        cf.model = self._model_id
        names = self.covariate_names
        cf.n_cov = len(names)
        for j, nm in enumerate(names):
            if nm in self.coefficients["life"]:
                cf.life[j] = 1
                cf.gamma_life[j] = float(self.coefficients["life"][nm])
            if nm in self.coefficients["trans"]:
                cf.trans[j] = 1
                cf.gamma_trans[j] = float(self.coefficients["trans"][nm])
        return cf

    def _z_for(self, covariates, n, what):
        if covariates is None:
            covariates = self.covariates
        if covariates is None:
            raise _bad_arg("%s: the model has covariates: pass covariates= (columns %s)"
                           % (what, ", ".join(self.covariate_names)))
        names, cols = covariate_table(covariates)
        missing = [nm for nm in self.covariate_names if nm not in names]
        if missing:
            raise _bad_arg("%s: the covariate table has no column %s" % (what, ", ".join(map(repr, missing))))
        cols = [cols[names.index(nm)] for nm in self.covariate_names]
        return _matrix(cols, n, what)

    def fit(self, frequency, recency, T, weights=None, covariates=None, life=None, trans=None, constrain=None,
            l2=None, **kw):
        """Fit; with covariates (here or in the constructor) ``cva_cov_fit_btyd``, else the
        model without covariates. Returns ``self``."""
        if covariates is None:
            covariates = self.covariates
        if covariates is None:
            return super().fit(frequency, recency, T, weights=weights, **kw)
        from . import _churn  # noqa: PLC0415 - _churn imports this module
        what = "%s.fit" % type(self).__name__
        life = self.covariate_life if life is None else life
        trans = self.covariate_trans if trans is None else trans
        constrain = self.covariate_constrain if constrain is None else constrain
        l2 = self.l2 if l2 is None else l2
        if kw.get("penalizer"):
            raise _bad_arg("%s: use l2= with covariates (penalizer applies to the model without them)" % what)
        kw.pop("penalizer", None)
        cols = [frequency, recency, T] + ([weights] if weights is not None else [])
        cnames = ["frequency", "recency", "T"] + (["weights"] if weights is not None else [])
        arrs, n, _ = _churn._columns(cnames, cols)
        names, zcols = covariate_table(covariates)
        z = _matrix(zcols, n, what)
        co = _lib.CovOpts()
        co.n_cov = len(names)
        lf = (ctypes.c_int32 * len(names))(*_flags(names, life, what + ": life"))
        tf = (ctypes.c_int32 * len(names))(*_flags(names, trans, what + ": trans"))
        cf_ = (ctypes.c_int32 * len(names))(*(_flags(names, constrain, what + ": constrain")
                                              if constrain else [0] * len(names)))
        co.life = ctypes.cast(lf, ctypes.POINTER(ctypes.c_int32))
        co.trans = ctypes.cast(tf, ctypes.POINTER(ctypes.c_int32))
        co.constrain = ctypes.cast(cf_, ctypes.POINTER(ctypes.c_int32))
        if isinstance(l2, (tuple, list)):
            co.lambda_life, co.lambda_trans = float(l2[0]), float(l2[1])
        else:
            co.lambda_life = co.lambda_trans = float(l2)
        opts, keep = _churn._fit_opts(self, None, kw.pop("start", None), kw.pop("max_iter", None),
                                      kw.pop("progress", None), kw.pop("grad_tol", None), kw.pop("f_tol", None),
                                      kw.pop("merge_rows", True), threads=kw.pop("threads", None), what=what)
        if kw:
            raise TypeError("%s: unexpected keyword(s) %s" % (what, ", ".join(sorted(kw))))
        fit = _lib.ModelFit()
        cfit = _lib.CovFit()
        diag = _lib.Diag()
        w = arrs[3].ptr if weights is not None else None
        st = _lib.get().cva_cov_fit_btyd(self._model_id, arrs[0].ptr, arrs[1].ptr, arrs[2].ptr, z.ptr, w, n,
                                         ctypes.byref(co), ctypes.byref(opts), ctypes.byref(fit),
                                         ctypes.byref(cfit), ctypes.byref(diag))
        self.note = None
        _churn._finish_fit(self, st, diag, fit, keep, what)
        if st == _errors.W_EMPTY:
            return self
        self.covariates = covariates
        self.covariate_names = [nm for j, nm in enumerate(names) if cfit.life[j] or cfit.trans[j]]
        self.coefficients = {
            "life": collections.OrderedDict((nm, float(cfit.gamma_life[j])) for j, nm in enumerate(names)
                                            if cfit.life[j]),
            "trans": collections.OrderedDict((nm, float(cfit.gamma_trans[j])) for j, nm in enumerate(names)
                                             if cfit.trans[j])}
        self.coefficient_standard_errors = {
            "life": collections.OrderedDict((nm, float(cfit.se_life[j])) for j, nm in enumerate(names)
                                            if cfit.life[j]),
            "trans": collections.OrderedDict((nm, float(cfit.se_trans[j])) for j, nm in enumerate(names)
                                             if cfit.trans[j])}
        self.constrained = tuple(nm for j, nm in enumerate(names) if cfit.constrain[j])
        return self

    def _cov_predict(self, quantity, h, frequency, recency, T, covariates, what, threads=None):
        from . import _churn  # noqa: PLC0415
        ex = _exec.check_threads(threads, what)  # kept alive until the call returns
        self._warn_if_flagged(what)
        arrs, n, scalar = _churn._columns(self._data_names, (frequency, recency, T))
        z = self._z_for(covariates, n, what)
        out = cv.empty_output("d", n)
        diag = _lib.Diag()
        cf = self._cfit()
        st = _lib.get().cva_cov_predict(self._cparams(), ctypes.byref(cf), quantity, float(h), arrs[0].ptr,
                                        arrs[1].ptr, arrs[2].ptr, z.ptr, n, out.ptr, _churn._predict_opts(ex),
                                        ctypes.byref(diag))
        _churn._check(st, diag, what)
        return _churn._result(out, n, scalar)

    def p_alive(self, frequency, recency, T, t_future=0.0, covariates=None, threads=None):
        """P(alive) (each customer at its own parameters when the model has covariates;
        ``threads``: the customers in tasks on that many threads, docs/threads.md)."""
        if not self.has_covariates:
            return super().p_alive(frequency, recency, T, t_future=t_future, threads=threads)
        return self._cov_predict(_lib.COV_P_ALIVE, t_future, frequency, recency, T, covariates,
                                 "%s.p_alive" % type(self).__name__, threads)

    def expected_purchases(self, t, frequency, recency, T, covariates=None, threads=None):
        """Conditional expected repeat purchases in (T, T+t] (own parameters with covariates)."""
        if not self.has_covariates:
            return super().expected_purchases(t, frequency, recency, T, threads=threads)
        return self._cov_predict(_lib.COV_EXPECTED, t, frequency, recency, T, covariates,
                                 "%s.expected_purchases" % type(self).__name__, threads)

    def dert(self, delta, frequency, recency, T, covariates=None, threads=None):
        """DERT at continuous rate ``delta`` (own parameters with covariates); a customer's CLV
        is DERT times its expected margin per transaction."""
        if not self.has_covariates:
            return super().dert(delta, frequency, recency, T, threads=threads)
        return self._cov_predict(_lib.COV_DERT, delta, frequency, recency, T, covariates,
                                 "%s.dert" % type(self).__name__, threads)

    def individual_params(self, covariates=None):
        """Each customer's own parameters (n × 4: rows in the order of ``param_names``)."""
        what = "%s.individual_params" % type(self).__name__
        if not self.has_covariates:
            raise _bad_arg("%s: the model has no covariates" % what)
        if covariates is None:
            covariates = self.covariates
        names, cols = covariate_table(covariates)
        n = len(cv.to_list(cols[0]))
        z = self._z_for(covariates, n, what)
        out = cv.empty_output("d", 4 * n)
        diag = _lib.Diag()
        cf = self._cfit()
        st = _lib.get().cva_cov_individual_params(self._cparams(), ctypes.byref(cf), z.ptr, n, out.ptr,
                                                  ctypes.byref(diag))
        if st < 0:
            _lib.raise_for_status(st, diag, what)
        flat = cv.trim(out.owner, 4 * n)
        if np is not None and isinstance(flat, np.ndarray):
            return flat.reshape(n, 4)
        return [list(flat[4 * i:4 * i + 4]) for i in range(n)]

    def covariate_log_likelihood(self, frequency, recency, T, covariates=None):
        """``(Σ LL_i, gradient)`` with covariates (``cva_cov_loglik``): the gradient holds the
        model parameters by name, then ``life.<name>`` and ``trans.<name>``."""
        from . import _churn  # noqa: PLC0415
        what = "%s.covariate_log_likelihood" % type(self).__name__
        arrs, n, _ = _churn._columns(self._data_names, (frequency, recency, T))
        z = self._z_for(covariates, n, what)
        k = len(self.covariate_names)
        total = ctypes.c_double(0.0)
        grad = (ctypes.c_double * (4 + 2 * k))()
        diag = _lib.Diag()
        cf = self._cfit()
        st = _lib.get().cva_cov_loglik(self._cparams(), ctypes.byref(cf), arrs[0].ptr, arrs[1].ptr, arrs[2].ptr,
                                       z.ptr, n, None, ctypes.byref(total), grad, None, ctypes.byref(diag))
        _churn._check(st, diag, what)
        g = collections.OrderedDict((nm, grad[i]) for i, nm in enumerate(self._param_names))
        for j, nm in enumerate(self.covariate_names):
            g["life." + nm] = grad[4 + j]
            g["trans." + nm] = grad[4 + k + j]
        return total.value, g

    def to_dict(self):
        d = super().to_dict()
        if self.has_covariates:
            c = {"life": dict(self.coefficients["life"]), "trans": dict(self.coefficients["trans"])}
            if self.coefficient_standard_errors is not None:
                c["standard_errors"] = {p: {k: (None if math.isnan(v) else v) for k, v in vals.items()}
                                        for p, vals in self.coefficient_standard_errors.items()}
            d["covariates"] = c
        return d

    @classmethod
    def from_dict(cls, d):
        m = super().from_dict(d)
        c = d.get("covariates")
        if c:
            life_c, trans_c = dict(c.get("life", {})), dict(c.get("trans", {}))
            m.covariate_names = list(life_c) + [k for k in trans_c if k not in life_c]
            m.coefficients = {"life": life_c, "trans": trans_c}
        return m
