"""Churn and spend models (docs/methods/models.md#methods_models, docs/methods/retention.md#methods_clv_model): BG/NBD, MBG/NBD, Pareto/NBD, BG/BB,
Gamma-Gamma and the shifted-beta-geometric model, with CLV helpers.

Every class wraps the C functions of ``cva/churn.h``. A model is either fitted
(``fit``/``fit_summary``) or built from known parameters
(``BetaGeo(params={...})``) so that a fit done elsewhere can be used. The
objects hold only plain Python values, so they pickle and copy freely.
"""

import collections
import ctypes
import math
import numbers
import warnings

from . import _convert as cv
from . import _errors
from . import _exec
from . import _lib
from ._covariates import CovariateMixin
from ._txn import _issue_warning

np = cv.np

_CODES = {
    _lib.MODEL_BGNBD: "bgnbd", _lib.MODEL_MBGNBD: "mbgnbd", _lib.MODEL_PNBD: "pnbd",
    _lib.MODEL_BGBB: "bgbb", _lib.MODEL_GG: "gg", _lib.MODEL_SBG: "sbg", _lib.MODEL_NBD: "nbd",
    _lib.MODEL_PNBDCOR: "pnbdcor", _lib.MODEL_GGOMNBD: "ggomnbd",
    _lib.MODEL_BGCNBD: "bgcnbd", _lib.MODEL_MBGCNBD: "mbgcnbd",
}


# ---------------------------------------------------------------------------
# helpers

def _domain_error(msg):
    return _errors.DomainError(msg, status=_errors.E_DOMAIN, name="CVA_E_DOMAIN", detail=msg)


def _bad_arg(msg):
    return _errors.BadArgumentError(msg, status=_errors.E_BADARG, name="CVA_E_BADARG", detail=msg)


def _check(st, diag, what):
    """Raise for a negative status, warn for a positive one; return the status."""
    if st < 0:
        _lib.raise_for_status(st, diag, what)
    if st > 0:
        _issue_warning(st, diag, what, stacklevel=4)
    return st


def _is_scalar(v):
    if isinstance(v, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(v, numbers.Real):
        return True
    return np is not None and isinstance(v, np.ndarray) and v.ndim == 0


def _columns(names, values):
    """Convert per-customer inputs to float64 C arrays of one length.

    Scalars broadcast to the length of the array inputs. Returns
    ``(arrays, n, all_scalar)``.
    """
    scalar = [_is_scalar(v) for v in values]
    conv = [None if s else cv.as_float64(v, nm) for v, s, nm in zip(values, scalar, names)]
    lengths = {c.n for c in conv if c is not None}
    if len(lengths) > 1:
        raise _bad_arg("%s must have the same length (got %s)" % (
            ", ".join(names), ", ".join("%s=%d" % (nm, c.n) for nm, c in zip(names, conv)
                                        if c is not None)))
    n = lengths.pop() if lengths else 1
    out = []
    for v, c, nm in zip(values, conv, names):
        out.append(c if c is not None else cv.as_float64([float(v)] * n, nm))
    return out, n, all(scalar)


def _result(buf, n, scalar):
    arr = cv.trim(buf.owner, n)
    if scalar:
        return float(arr[0])
    return arr


def _params_array(values):
    return (ctypes.c_double * 5)(*(list(values) + [0.0] * (5 - len(values))))


def _field(res, name):
    try:
        return res[name]
    except (KeyError, TypeError, IndexError):
        pass
    try:
        return getattr(res, name)
    except AttributeError:
        raise KeyError("the summary has no column %r" % name)


def _isnan_list(values):
    return [isinstance(v, float) and math.isnan(v) for v in values]


def _no_purchase_count(frequency):
    """Customers without a purchase (NaN frequency) in a summary column, for the notes:
    the library itself skips those rows (NaN outputs, ``CVA_W_EXCLUDED``)."""
    if np is not None and hasattr(frequency, "__array__"):
        return int(np.isnan(np.asarray(frequency, dtype=np.float64)).sum())
    return sum(_isnan_list(cv.to_list(frequency)))


class _Progress:
    """Wraps a Python ``progress(iteration, objective)`` callable as a
    ``cva_progress_fn``; a truthy return (or an exception) cancels the fit."""

    def __init__(self, fn):
        self.fn = fn
        self.error = None

        def cb(user, iteration, objective):
            try:
                return 1 if fn(int(iteration), float(objective)) else 0
            except BaseException as e:  # noqa: B902 - re-raised after the C call
                self.error = e
                return 1

        self.cfunc = _lib.ProgressFunc(cb)


def _fit_opts(model, penalizer, start, max_iter, progress, grad_tol, f_tol, merge_rows,
              q_above_one=False, threads=None, what="fit"):
    opts = _lib.FitOpts()
    keep = {}
    # threads: the likelihood sums over chunks of rows on a thread pool (the same bits)
    keep["executor"] = ex = _exec.check_threads(threads, what)
    opts.executor = _exec.void_pointer(ex)
    if max_iter is not None:
        opts.max_iter = int(max_iter)
    if penalizer is not None:
        opts.penalty = float(penalizer)
    if grad_tol is not None:
        opts.grad_tol = float(grad_tol)
    if f_tol is not None:
        opts.f_tol = float(f_tol)
    opts.merge_rows = 1 if merge_rows else 0
    opts.q_above_one = 1 if q_above_one else 0
    if start is not None:
        vals = model._param_values(start, "start")
        keep["start"] = buf = (ctypes.c_double * len(vals))(*vals)
        opts.start = ctypes.cast(buf, ctypes.POINTER(ctypes.c_double))
    if progress is not None:
        if not callable(progress):
            raise TypeError("progress must be callable(iteration, objective)")
        keep["progress"] = pr = _Progress(progress)
        opts.progress = pr.cfunc
    return opts, keep


_FIT_WARNINGS = (_errors.W_BOUNDARY, _errors.W_MAXITER, _errors.W_NOT_CONVERGED)


def _predict_opts(ex):
    """``cva_predict_opts`` with the executor ``ex`` (None: NULL, the defaults)."""
    if ex is None:
        return None
    opts = _lib.PredictOpts()
    opts.executor = _exec.void_pointer(ex)
    return ctypes.byref(opts)


def _count(v):
    """A weight total as an int when it is integral (always without weights)."""
    return int(v) if math.isfinite(v) and v == math.floor(v) and abs(v) < 2 ** 53 else float(v)


def _fit_warning_text(model):
    """Why a fit is not a clean interior maximum, or None."""
    if model.boundary:
        parts = []
        up = [nm for nm in model.boundary if model.boundary_direction.get(nm) == "upper"]
        down = [nm for nm in model.boundary if model.boundary_direction.get(nm) != "upper"]
        if up:
            parts.append("%s running off to infinity" % ", ".join(up))
        if down:
            parts.append("%s to 0" % ", ".join(down))
        return ("the estimate lies on the boundary of the parameter space (%s): the last "
                "iterate is kept" % "; ".join(parts))
    if model.status == _errors.W_MAXITER:
        return "the fit stopped at the iteration limit before converging"
    if model.converged is False:
        return "the fit did not pass its convergence test"
    return None


def _finish_fit(model, st, diag, fit, keep, what):
    pr = keep.get("progress")
    if st == _errors.E_CANCELED and pr is not None and pr.error is not None:
        raise pr.error
    if st < 0:
        _check(st, diag, what)
    model.status = st
    model.status_name = _lib.status_name(st)
    model.boundary = ()
    model.boundary_direction = {}
    if st == _errors.W_EMPTY:
        _check(st, diag, what)
        return model
    k = int(fit.n_params)
    names = model.param_names
    # a five-parameter model (GGompertzNBD) is complete only in params5 / std_err5 / cov5
    par, se, cv = (fit.params5, fit.std_err5, fit.cov5) if k > 4 else (fit.params, fit.std_err, fit.cov)
    model.params = collections.OrderedDict((names[i], float(par[i])) for i in range(k))
    model.standard_errors = collections.OrderedDict(
        (names[i], float(se[i])) for i in range(k))
    cov = [[float(cv[i * k + j]) for j in range(k)] for i in range(k)]
    model.covariance = np.array(cov) if np is not None else cov
    model.log_likelihood = float(fit.log_likelihood)
    model.iterations = int(fit.iterations)
    model.evaluations = int(fit.evaluations)
    model.converged = bool(fit.converged)
    model.grad_norm = float(fit.grad_norm)
    model.n_rows = int(fit.n_rows)
    model.n_customers = _count(float(fit.n_customers))
    model.ignored = int(diag.count) if model._model_id == _lib.MODEL_GG else 0
    model.rows_not_used = model.ignored
    model.boundary = tuple(names[i] for i in range(k) if fit.boundary >> i & 1)
    model.boundary_direction = {names[i]: ("upper" if fit.boundary_upper >> i & 1 else "lower")
                                for i in range(k) if fit.boundary >> i & 1}
    if st == _errors.W_EXCLUDED and model.converged:
        # rows without a purchase (NaN statistics), skipped by the library
        text = diag.detail_text or _lib.strerror(st)
        w = _errors.CvaWarning("%s: %s; %d row(s) left out" % (what, text, int(diag.count)), status=st,
                               name=model.status_name, detail=text, count=int(diag.count))
        warnings.warn(w, stacklevel=3)
    elif st > 0 or not model.converged:
        # CVA_W_BOUNDARY, CVA_W_MAXITER, CVA_W_NOT_CONVERGED: say which parameters
        text = _fit_warning_text(model) or _lib.strerror(st)
        w = _errors.CvaWarning("%s: %s (%s)" % (what, text, model.status_name), status=st,
                               name=model.status_name, detail=text, count=int(diag.count))
        warnings.warn(w, stacklevel=3)
    return model


# ---------------------------------------------------------------------------
# base class

class _Model:
    _model_id = None
    _param_names = ()
    _n_positive = None  # the leading parameters that must be > 0 (None: all)

    def __init__(self, params=None, penalizer=0.0):
        self.penalizer = float(penalizer)
        self.params = None
        self.standard_errors = None
        self.covariance = None
        self.log_likelihood = None
        self.iterations = None
        self.evaluations = None
        self.converged = None
        self.grad_norm = None
        self.n_rows = None
        self.n_customers = None
        self.ignored = 0
        self.rows_not_used = 0
        self.status = None
        self.status_name = None
        self.boundary = ()
        self.boundary_direction = {}
        self.note = None
        if params is not None:
            vals = self._param_values(params, "params")
            self.params = collections.OrderedDict(zip(self._param_names, vals))

    # -- parameters ---------------------------------------------------------
    @property
    def param_names(self):
        """Parameter names in the library's order, e.g. ``('r', 'alpha', 'a', 'b')``."""
        return self._param_names

    @property
    def model_code(self):
        """Short model name as used by the CLI JSON (``'bgnbd'``, ``'pnbd'``, ...)."""
        return _CODES[self._model_id]

    @property
    def params_(self):
        """Alias of :attr:`params` (the trailing underscore some users expect)."""
        return self.params

    def _param_values(self, params, what):
        names = self._param_names
        if isinstance(params, collections.abc.Mapping):
            unknown = set(params) - set(names)
            missing = [nm for nm in names if nm not in params]
            if unknown or missing:
                raise _bad_arg("%s of %s needs exactly %s (missing %s, unknown %s)" % (
                    what, type(self).__name__, ", ".join(names), ", ".join(missing) or "-",
                    ", ".join(sorted(unknown)) or "-"))
            vals = [float(params[nm]) for nm in names]
        else:
            vals = [float(v) for v in params]
            if len(vals) != len(names):
                raise _bad_arg("%s of %s needs %d values (%s), got %d" % (
                    what, type(self).__name__, len(names), ", ".join(names), len(vals)))
        for nm, v in zip(names[:self._n_positive], vals):
            if not (v > 0 and math.isfinite(v)):
                raise _domain_error("%s: %s = %r must be finite and > 0" % (what, nm, v))
        return vals

    def _cparams(self):
        if self.params is None:
            raise _bad_arg("%s has no parameters: call fit() or pass params=" % type(self).__name__)
        return _params_array([self.params[nm] for nm in self._param_names])

    def _cond_cparams(self):
        # the parameters cva_model_cond_prob_n() takes (the regularity models add k)
        return self._cparams()

    @property
    def is_fitted(self):
        """True once parameters are known (fitted or given)."""
        return self.params is not None

    def _warn_if_flagged(self, what):
        """Predictions from a fit on the boundary or not converged work, but say so."""
        text = _fit_warning_text(self) if self.log_likelihood is not None or self.boundary else None
        if text:
            warnings.warn(_errors.CvaWarning(
                "%s: predictions from a fit that is not a clean maximum: %s" % (what, text),
                status=self.status, name=self.status_name, detail=text), stacklevel=3)

    # -- presentation -------------------------------------------------------
    def __repr__(self):
        name = type(self).__name__
        if self.params is None:
            return "<cva.%s: not fitted>" % name
        ps = ", ".join("%s=%.4g" % kv for kv in self.params.items())
        if self.log_likelihood is None:
            return "<cva.%s: %s (given)>" % (name, ps)
        return "<cva.%s: %s (fitted on %.6g customers, LL %.2f%s)>" % (
            name, ps, self.n_customers, self.log_likelihood,
            "" if self.converged else ", NOT converged")

    def summary(self):
        """A plain-text table: estimate, standard error and a 95 % Wald interval
        per parameter, then the fit diagnostics."""
        if self.params is None:
            return "%s: not fitted" % type(self).__name__
        lines = ["%s (%s)" % (type(self).__name__, self.model_code),
                 "%-8s %14s %12s %14s %14s" % ("param", "estimate", "std.err", "lower 95%",
                                               "upper 95%")]
        for nm, v in self.params.items():
            se = self.standard_errors.get(nm) if self.standard_errors else None
            if se is None or math.isnan(se):
                lines.append("%-8s %14.6g %12s %14s %14s" % (nm, v, "-", "-", "-"))
            else:
                lines.append("%-8s %14.6g %12.4g %14.6g %14.6g"
                             % (nm, v, se, v - 1.959963984540054 * se,
                                v + 1.959963984540054 * se))
        if self.log_likelihood is not None:
            lines.append("log-likelihood %.4f, %d iterations (%d evaluations), %s"
                         % (self.log_likelihood, self.iterations, self.evaluations,
                            "converged" if self.converged else "NOT converged"))
            lines.append("customers %.10g (%d distinct rows)%s%s"
                         % (self.n_customers, self.n_rows,
                            ", penalizer %g" % self.penalizer if self.penalizer else "",
                            ", %d row(s) not used" % self.rows_not_used if self.rows_not_used else ""))
            text = _fit_warning_text(self)
            if text:
                lines.append("warning: %s (%s)" % (text, self.status_name))
        if self.note:
            lines.append("note: " + self.note)
        return "\n".join(lines)

    def to_dict(self):
        """The fit as a JSON-ready dict (same keys as ``cva fit``'s output)."""
        d = collections.OrderedDict(model=self.model_code,
                                    params=dict(self.params) if self.params else None)
        if self.standard_errors is not None:
            d["standard_errors"] = {k: (None if math.isnan(v) else v)
                                    for k, v in self.standard_errors.items()}
        for key in ("log_likelihood", "iterations", "converged", "n_customers"):
            if getattr(self, key) is not None:
                d[key] = getattr(self, key)
        if self.status_name is not None:
            d["status"] = self.status_name
        if self.log_likelihood is not None or self.boundary:
            d["boundary"] = list(self.boundary)
            d["rows_not_used"] = self.rows_not_used
        return d

    @classmethod
    def from_dict(cls, d):
        """Build a model from :meth:`to_dict` output or the CLI JSON (params only
        are needed; the fit diagnostics are restored when present)."""
        code = d.get("model")
        if code is not None and code != _CODES[cls._model_id]:
            raise _bad_arg("model %r is not a %s" % (code, cls.__name__))
        m = cls(params=d["params"])
        se = d.get("standard_errors")
        if se is not None:
            m.standard_errors = collections.OrderedDict(
                (k, math.nan if se.get(k) is None else float(se[k])) for k in m._param_names)
        for key in ("log_likelihood", "iterations", "converged", "n_customers", "rows_not_used"):
            if key in d:
                setattr(m, key, d[key])
        if d.get("status"):
            m.status_name = d["status"]
            m.status = {"CVA_W_BOUNDARY": _errors.W_BOUNDARY, "CVA_W_MAXITER": _errors.W_MAXITER,
                        "CVA_W_NOT_CONVERGED": _errors.W_NOT_CONVERGED}.get(d["status"], _errors.OK)
        bnd = d.get("boundary") or ()
        unknown = [nm for nm in bnd if nm not in m._param_names]
        if unknown:
            raise _bad_arg("boundary names unknown parameters: %s" % ", ".join(unknown))
        m.boundary = tuple(nm for nm in m._param_names if nm in bnd)
        return m


# ---------------------------------------------------------------------------
# BTYD models (BG/NBD, MBG/NBD, Pareto/NBD, BG/BB)

class _BTYD(_Model):
    _data_names = ("frequency", "recency", "T")

    def fit(self, frequency, recency, T, weights=None, penalizer=None, start=None, max_iter=None,
            progress=None, grad_tol=None, f_tol=None, merge_rows=True, threads=None):
        """Maximum-likelihood fit (``cva_model_fit_btyd``); returns ``self``.

        ``weights`` are optional row counts (e.g. of identical customers);
        ``penalizer`` is the L2 penalty λ Σ θ² (default: the constructor's);
        ``start`` initial parameters (dict or sequence); ``progress`` a callable
        ``progress(iteration, objective)`` called once per iteration — a truthy
        return cancels with :class:`cva.CanceledError`. ``threads`` (default
        one) computes the likelihood sums on that many threads (docs/threads.md):
        the same parameters, to the bit.
        """
        cols = [frequency, recency, T] + ([weights] if weights is not None else [])
        names = list(self._data_names) + (["weights"] if weights is not None else [])
        arrs, n, _ = _columns(names, cols)
        if all(_is_scalar(c) for c in cols):
            n = 1
        if penalizer is None:
            penalizer = self.penalizer
        else:
            self.penalizer = float(penalizer)
        opts, keep = _fit_opts(self, penalizer, start, max_iter, progress, grad_tol, f_tol,
                               merge_rows, threads=threads, what="%s.fit" % type(self).__name__)
        fit = _lib.ModelFit()
        diag = _lib.Diag()
        w = arrs[3].ptr if weights is not None else None
        st = _lib.get().cva_model_fit_btyd(self._model_id, arrs[0].ptr, arrs[1].ptr, arrs[2].ptr,
                                           w, n, ctypes.byref(opts), ctypes.byref(fit),
                                           ctypes.byref(diag))
        self.note = None
        return _finish_fit(self, st, diag, fit, keep, "%s.fit" % type(self).__name__)

    def fit_summary(self, summary, weights=None, **kw):
        """Fit on the result of :func:`cva.summarize` (or any mapping/DataFrame with
        ``frequency``, ``recency`` and ``T`` columns). Customers without a purchase
        in the calibration period (NaN frequency, recency and T) are left out by the
        library (status ``W_EXCLUDED``, a :class:`CvaWarning`); :attr:`note` says how
        many. Other keywords go to :meth:`fit`."""
        cols = [_field(summary, nm) for nm in ("frequency", "recency", "T")]
        dropped = _no_purchase_count(cols[0])
        self.fit(cols[0], cols[1], cols[2], weights=weights, **kw)
        if dropped:
            self.note = ("%d customer(s) without a purchase in the calibration period were "
                         "left out" % dropped)
            if self.status != _errors.W_EXCLUDED:  # the fit's own warning took the status
                warnings.warn(_errors.CvaWarning("%s.fit_summary: %s" % (type(self).__name__, self.note),
                                                 count=dropped), stacklevel=2)
        return self

    def _btyd_call(self, fn_name, scalar_arg, frequency, recency, T, what, threads=None):
        ex = _exec.check_threads(threads, what)  # kept alive until the call returns
        self._warn_if_flagged(what)
        arrs, n, scalar = _columns(self._data_names, (frequency, recency, T))
        out = cv.empty_output("d", n)
        diag = _lib.Diag()
        fn = getattr(_lib.get(), fn_name)
        st = fn(self._model_id, self._cparams(), float(scalar_arg), arrs[0].ptr, arrs[1].ptr,
                arrs[2].ptr, n, out.ptr, _predict_opts(ex), ctypes.byref(diag))
        _check(st, diag, what)
        return _result(out, n, scalar)

    def p_alive(self, frequency, recency, T, t_future=0.0, threads=None):
        """P(alive) at the end of observation, or ``t_future`` time units later
        (``cva_model_p_alive``). Scalars give a float, arrays an array.
        ``threads`` (default one): the customers in chunks on that many threads
        (docs/threads.md), the same values to the bit; the same for every
        per-customer prediction method."""
        return self._btyd_call("cva_model_p_alive", t_future, frequency, recency, T,
                               "%s.p_alive" % type(self).__name__, threads)

    def conditional_probability_alive(self, frequency, recency, T, threads=None):
        """Alias of :meth:`p_alive` (``t_future`` = 0)."""
        return self.p_alive(frequency, recency, T, threads=threads)

    def expected_purchases(self, t, frequency, recency, T, threads=None):
        """Conditional expected repeat purchases in (T, T+t] (``cva_model_expected``)."""
        return self._btyd_call("cva_model_expected", t, frequency, recency, T,
                               "%s.expected_purchases" % type(self).__name__, threads)

    def predict(self, t, frequency, recency, T, t_future=0.0, threads=None):
        """P(alive) (at ``t_future`` time units after the end of observation) and the
        conditional expected repeat purchases in (T, T+t] of every customer from one
        call (``cva_model_predict``): ``(p_alive, expected)``, bit for bit what
        :meth:`p_alive` and :meth:`expected_purchases` give; Pareto/NBD computes both
        in one pass (about half the time of the two). Scalars give two floats, arrays
        two arrays. ``threads`` as for :meth:`p_alive`."""
        what = "%s.predict" % type(self).__name__
        ex = _exec.check_threads(threads, what)  # kept alive until the call returns
        self._warn_if_flagged(what)
        arrs, n, scalar = _columns(self._data_names, (frequency, recency, T))
        pa = cv.empty_output("d", n)
        ey = cv.empty_output("d", n)
        diag = _lib.Diag()
        st = _lib.get().cva_model_predict(self._model_id, self._cparams(), float(t_future), float(t),
                                          arrs[0].ptr, arrs[1].ptr, arrs[2].ptr, n, pa.ptr, ey.ptr,
                                          _predict_opts(ex), ctypes.byref(diag))
        _check(st, diag, what)
        return _result(pa, n, scalar), _result(ey, n, scalar)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T, threads=None):
        """Alias of :meth:`expected_purchases`."""
        return self.expected_purchases(t, frequency, recency, T, threads=threads)

    def expected_purchases_population(self, t):
        """E[X(t)]: expected repeat purchases of a new customer in (0, t]; ``t``
        scalar or array (``cva_model_expected_pop``)."""
        self._warn_if_flagged("%s.expected_purchases_population" % type(self).__name__)
        arrs, n, scalar = _columns(("t",), (t,))
        out = cv.empty_output("d", n)
        diag = _lib.Diag()
        st = _lib.get().cva_model_expected_pop(self._model_id, self._cparams(), arrs[0].ptr, n,
                                               out.ptr, ctypes.byref(diag))
        _check(st, diag, "%s.expected_purchases_population" % type(self).__name__)
        return _result(out, n, scalar)

    def expected_number_of_purchases_up_to_time(self, t):
        """Alias of :meth:`expected_purchases_population`."""
        return self.expected_purchases_population(t)

    def probability_of_n_purchases(self, t, n_max):
        """[P(X(t) = k) for k = 0..n_max] for a new customer (``cva_model_prob_n``).

        ``n_max`` must fit in memory (8 bytes per value; refused at once with
        :class:`cva.NoMemoryError` otherwise). Pareto/NBD evaluates O(n_max²)
        hypergeometric terms, so its ``n_max`` is at most
        ``ParetoNBD.PROB_N_MAX`` (5000: about 10 s)."""
        whole = cv.whole_number(n_max)
        if whole is None:
            raise _bad_arg("n_max must be a whole number, got %r" % (n_max,))
        k = whole + 1
        if k < 1:
            raise _bad_arg("n_max must be >= 0")
        what = "%s.probability_of_n_purchases: n_max=%d" % (type(self).__name__, k - 1)
        cv.check_memory(8 * k, what)
        cap = getattr(self, "PROB_N_MAX", None)
        if cap is not None and k - 1 > cap:
            raise _bad_arg("%s: at most %d for %s (its work grows as n_max squared: %d take about 10 s, "
                           "10 times more about 15 minutes)" % (what, cap, type(self).__name__, cap))
        out = cv.empty_output("d", k)
        diag = _lib.Diag()
        st = _lib.get().cva_model_prob_n(self._model_id, self._cparams(), float(t), k, out.ptr,
                                         ctypes.byref(diag))
        _check(st, diag, "%s.probability_of_n_purchases" % type(self).__name__)
        self._warn_if_flagged("%s.probability_of_n_purchases" % type(self).__name__)
        return cv.trim(out.owner, k)

    def probability_of_n_purchases_up_to_time(self, t, n):
        """P(X(t) = n) for a new customer."""
        return float(self.probability_of_n_purchases(t, n)[int(n)])

    def individual_log_likelihood(self, frequency, recency, T):
        """LL_i per customer at the current parameters (``cva_model_loglik``)."""
        arrs, n, scalar = _columns(self._data_names, (frequency, recency, T))
        out = cv.empty_output("d", n)
        diag = _lib.Diag()
        st = _lib.get().cva_model_loglik(self._model_id, self._cparams(), arrs[0].ptr,
                                         arrs[1].ptr, arrs[2].ptr, n, out.ptr, None, None,
                                         ctypes.byref(diag))
        _check(st, diag, "%s.individual_log_likelihood" % type(self).__name__)
        return _result(out, n, scalar)

    def log_likelihood_gradient(self, frequency, recency, T):
        """``(Σ LL_i, gradient dict)`` at the current parameters (natural scale,
        unweighted)."""
        arrs, n, _ = _columns(self._data_names, (frequency, recency, T))
        total = ctypes.c_double(0.0)
        grad = (ctypes.c_double * 5)()
        diag = _lib.Diag()
        st = _lib.get().cva_model_loglik(self._model_id, self._cparams(), arrs[0].ptr,
                                         arrs[1].ptr, arrs[2].ptr, n, None, ctypes.byref(total),
                                         grad, ctypes.byref(diag))
        _check(st, diag, "%s.log_likelihood_gradient" % type(self).__name__)
        return total.value, collections.OrderedDict(
            (nm, grad[i]) for i, nm in enumerate(self._param_names))

    def customer_lifetime_value(self, spend_model, frequency, recency, T, monetary_value,
                                steps=12, step_length=30 / 7, discount=0.01, margin=1.0, threads=None):
        """Discrete CLV with a Gamma-Gamma spend model; see :func:`cva.clv`."""
        return clv(self, spend_model, frequency, recency, T, monetary_value, steps=steps,
                   step_length=step_length, discount=discount, margin=margin, threads=threads)


class _WithDert(_BTYD):
    def dert(self, delta, frequency, recency, T, threads=None):
        """Discounted expected residual transactions with continuous discounting
        at rate ``delta`` per time unit (``cva_model_dert``; e.g. 15 %/yr in weeks:
        ``math.log(1.15)/52``)."""
        return self._btyd_call("cva_model_dert", delta, frequency, recency, T,
                               "%s.dert" % type(self).__name__, threads)


    def purchases_variance(self, t, frequency, recency, T, threads=None):
        """Var[Y(t) | x, t_x, T]: variance of the repeat purchases in (T, T+t]
        (``cva_model_cond_variance``). Scalars give a float, arrays an array."""
        return self._btyd_call("cva_model_cond_variance", t, frequency, recency, T,
                               "%s.purchases_variance" % type(self).__name__, threads)

    def conditional_probability_of_n_purchases(self, t, n_max, frequency, recency, T, threads=None):
        """P(Y(t) = k | x, t_x, T) for k = 0..n_max: the distribution of the repeat
        purchases in (T, T+t] (``cva_model_cond_prob_n``). Scalar data give one row
        (an array of n_max+1 values); arrays give an n × (n_max+1) array (with numpy;
        otherwise a list of rows). 1 − the row sum is P(Y(t) > n_max)."""
        what = "%s.conditional_probability_of_n_purchases" % type(self).__name__
        whole = cv.whole_number(n_max)
        if whole is None or whole < 0:
            raise _bad_arg("%s: n_max must be a whole number >= 0, got %r" % (what, n_max))
        k = whole + 1
        ex = _exec.check_threads(threads, what)  # kept alive until the call returns
        self._warn_if_flagged(what)
        arrs, n, scalar = _columns(self._data_names, (frequency, recency, T))
        cv.check_memory(8 * n * k, what)
        out = cv.empty_output("d", n * k)
        diag = _lib.Diag()
        st = _lib.get().cva_model_cond_prob_n(self._model_id, self._cond_cparams(), float(t), arrs[0].ptr,
                                              arrs[1].ptr, arrs[2].ptr, n, k, out.ptr, _predict_opts(ex),
                                              ctypes.byref(diag))
        _check(st, diag, what)
        flat = cv.trim(out.owner, n * k)
        if scalar:
            return flat
        if np is not None and isinstance(flat, np.ndarray):
            return flat.reshape(n, k)
        return [flat[i * k:(i + 1) * k] for i in range(n)]

    def tracking(self, birth, t, weights=None):
        """Expected repeat purchases of a customer base by calendar time
        (``cva_model_tracking``): ``birth`` the first-purchase time of each customer and
        ``t`` the nondecreasing period ends, both in model time units from a common
        origin. Returns ``(cumulative, incremental)`` arrays of len(t)."""
        what = "%s.tracking" % type(self).__name__
        self._warn_if_flagged(what)
        cols = [birth] + ([weights] if weights is not None else [])
        names = ["birth"] + (["weights"] if weights is not None else [])
        arrs, n, _ = _columns(names, cols)
        tt, n_t, _ = _columns(("t",), (t,))
        cum = cv.empty_output("d", n_t)
        inc = cv.empty_output("d", n_t)
        diag = _lib.Diag()
        st = _lib.get().cva_model_tracking(self._model_id, self._cparams(), arrs[0].ptr,
                                           arrs[1].ptr if weights is not None else None, n, tt[0].ptr, n_t,
                                           cum.ptr, inc.ptr, ctypes.byref(diag))
        _check(st, diag, what)
        return cv.trim(cum.owner, n_t), cv.trim(inc.owner, n_t)

    def conditional_probability_of_n_purchases_up_to_time(self, n, t, frequency, recency, T, threads=None):
        """P(Y(t) = n | x, t_x, T) (the lifetimes name and argument order)."""
        whole = cv.whole_number(n)
        if whole is None or whole < 0:
            raise _bad_arg("n must be a whole number >= 0, got %r" % (n,))
        res = self.conditional_probability_of_n_purchases(t, whole, frequency, recency, T, threads=threads)
        if _is_scalar(frequency) and _is_scalar(recency) and _is_scalar(T):
            return float(res[whole])
        if np is not None and isinstance(res, np.ndarray):
            return res[:, whole].copy()
        return [row[whole] for row in res]


class BetaGeo(CovariateMixin, _WithDert):
    """BG/NBD (Fader, Hardie & Lee 2005a): parameters ``r, alpha, a, b``.

    ``BetaGeo().fit(frequency, recency, T)`` or ``BetaGeo(params={...})``; with
    time-invariant covariates ``BetaGeo(covariates=table)`` (see :mod:`cva._covariates`).
    """
    _model_id = _lib.MODEL_BGNBD
    _param_names = ("r", "alpha", "a", "b")


class ModifiedBetaGeo(_WithDert):
    """MBG/NBD (Batislam et al. 2007): like BG/NBD but customers without a
    repeat purchase may also be inactive. Parameters ``r, alpha, a, b``."""
    _model_id = _lib.MODEL_MBGNBD
    _param_names = ("r", "alpha", "a", "b")


class ParetoNBD(CovariateMixin, _WithDert):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987): ``r, alpha, s, beta``; with
    time-invariant covariates ``ParetoNBD(covariates=table)`` (see :mod:`cva._covariates`).
    ``ParetoNBD(correlation=True)`` gives a :class:`ParetoNBDCorrelated` (CLVTools'
    ``pnbd(use.cor = TRUE)``)."""
    _model_id = _lib.MODEL_PNBD
    _param_names = ("r", "alpha", "s", "beta")
    #: largest ``n_max`` of :meth:`probability_of_n_purchases` (O(n_max²) 2F1 terms:
    #: 5000 takes about 10 s, 10000 about 40 s on the benchmark machine)
    PROB_N_MAX = 5000

    def __new__(cls, *args, correlation=False, **kw):
        if correlation:
            if cls is not ParetoNBD:
                raise _bad_arg("correlation=True is a ParetoNBD option")
            return ParetoNBDCorrelated(*args, **kw)
        return super().__new__(cls)

    def __init__(self, *args, correlation=False, **kw):
        super().__init__(*args, **kw)


class ParetoNBDCorrelated(_WithDert):
    """Pareto/NBD with correlated purchase and dropout rates (CLVTools' ``pnbd(use.cor =
    TRUE)``; also ``ParetoNBD(correlation=True)``): ``r, alpha, s, beta, correlation``.

    The rates (λ, μ) have Gamma(r, alpha) and Gamma(s, beta) marginals joined by a Sarmanov
    density; ``correlation`` is Corr(λ, μ), CLVTools' ``Cor(life,trans)``. Its admissible
    range depends on the other four parameters (a value outside raises
    :class:`cva.DomainError`), the model on the time unit (CLVTools fits in weeks). The
    likelihood and every prediction (P(alive), expected purchases, DERT, the unconditional
    expectation and distribution) are exact: four Pareto/NBD evaluations each
    (docs/methods/models.md). No covariates, conditional distribution or variance."""
    _model_id = _lib.MODEL_PNBDCOR
    _param_names = ("r", "alpha", "s", "beta", "correlation")
    _n_positive = 4  # the correlation has either sign
    PROB_N_MAX = 5000

    def _param_values(self, params, what):
        vals = super()._param_values(params, what)
        if not math.isfinite(vals[4]):
            raise _domain_error("%s: correlation = %r must be finite" % (what, vals[4]))
        return vals

    def __init__(self, params=None, penalizer=0.0):
        super().__init__(params=params, penalizer=penalizer)
        if params is not None:  # the correlation's range: the library's check (no rows)
            total, diag = ctypes.c_double(0.0), _lib.Diag()
            st = _lib.get().cva_model_loglik(self._model_id, self._cparams(), None, None, None, 0,
                                             None, ctypes.byref(total), None, ctypes.byref(diag))
            if st < 0:
                _check(st, diag, "ParetoNBDCorrelated")


class GGompertzNBD(_BTYD):
    """Gamma/Gompertz/NBD (Bemmaor & Glady 2012; CLVTools' ``ggomnbd``): purchase rates
    Gamma(``r``, ``alpha``), Gompertz lifetimes with shape ``b`` and scale Gamma(``s``,
    ``beta``). Fit, :meth:`p_alive` and :meth:`expected_purchases` (the death-time
    integrals by adaptive Gauss–Kronrod; no DERT, conditional distribution or variance)."""
    _model_id = _lib.MODEL_GGOMNBD
    _param_names = ("r", "alpha", "b", "s", "beta")


class NBD(_WithDert):
    """NBD (Ehrenberg 1959): Poisson purchases with Gamma(r, alpha) rates and no
    drop-out, the benchmark of the models above. Parameters ``r, alpha``; P(alive) is 1.
    Its log-likelihood has the constant terms of BTYDplus ``nbd.LL``."""
    _model_id = _lib.MODEL_NBD
    _param_names = ("r", "alpha")


class BetaGeoBetaBinom(_BTYD):
    """BG/BB (Fader, Hardie & Shang 2010), discrete opportunities:
    ``alpha, beta, gamma, delta``. Data: ``frequency`` (repeat transactions),
    ``recency`` (period of the last one), ``n_periods`` (opportunities)."""
    _model_id = _lib.MODEL_BGBB
    _param_names = ("alpha", "beta", "gamma", "delta")
    _data_names = ("frequency", "recency", "n_periods")

    def fit(self, frequency, recency, n_periods, weights=None, **kw):
        """Maximum-likelihood fit; see :meth:`BetaGeo.fit`. ``weights`` holds the
        number of customers with each (frequency, recency, n_periods) pattern."""
        return _BTYD.fit(self, frequency, recency, n_periods, weights=weights, **kw)

    def fit_summary(self, summary, weights=None, **kw):
        """Fit on a table with ``frequency``, ``recency`` and ``n_periods`` (or
        ``periods``, or ``T``) columns, plus ``weights`` when present."""
        for key in ("n_periods", "periods", "T"):
            try:
                _field(summary, key)
            except KeyError:
                continue
            break
        else:
            raise KeyError("the table needs a n_periods, periods or T column")
        cols = [_field(summary, nm) for nm in ("frequency", "recency", key)]
        dropped = _no_purchase_count(cols[0])
        if weights is None:
            try:
                weights = _field(summary, "weights")
            except KeyError:
                weights = None
        self.fit(cols[0], cols[1], cols[2], weights=weights, **kw)
        if dropped:
            self.note = "%d customer(s) without a purchase were left out" % dropped
        return self

    def p_alive(self, frequency, recency, n_periods, t_future=0.0, threads=None):
        """P(alive) after the last of ``n_periods`` opportunities, or ``t_future``
        opportunities later."""
        return _BTYD.p_alive(self, frequency, recency, n_periods, t_future, threads=threads)

    def expected_purchases(self, t, frequency, recency, n_periods, threads=None):
        """Expected transactions in the next ``t`` opportunities."""
        return _BTYD.expected_purchases(self, t, frequency, recency, n_periods, threads=threads)


# ---------------------------------------------------------------------------
# Gamma-Gamma

class GammaGamma(_Model):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005b): ``p, q, gamma``
    (``lifetimes`` calls gamma ``v``). Fitted on customers with frequency >= 1 and
    monetary_value > 0; other rows are ignored (counted in :attr:`ignored`)."""
    _model_id = _lib.MODEL_GG
    _param_names = ("p", "q", "gamma")

    def fit(self, frequency, monetary_value, weights=None, penalizer=None, start=None,
            max_iter=None, progress=None, grad_tol=None, f_tol=None, q_above_one=False,
            merge_rows=True, threads=None):
        """Maximum-likelihood fit (``cva_gg_fit``); returns ``self``.
        ``q_above_one`` constrains q > 1 so that E[M] exists; ``threads`` as in
        :meth:`BetaGeo.fit`."""
        cols = [frequency, monetary_value] + ([weights] if weights is not None else [])
        names = ["frequency", "monetary_value"] + (["weights"] if weights is not None else [])
        arrs, n, _ = _columns(names, cols)
        if penalizer is None:
            penalizer = self.penalizer
        else:
            self.penalizer = float(penalizer)
        opts, keep = _fit_opts(self, penalizer, start, max_iter, progress, grad_tol, f_tol,
                               merge_rows, q_above_one, threads=threads, what="GammaGamma.fit")
        fit = _lib.ModelFit()
        diag = _lib.Diag()
        w = arrs[2].ptr if weights is not None else None
        st = _lib.get().cva_gg_fit(arrs[0].ptr, arrs[1].ptr, w, n, ctypes.byref(opts),
                                   ctypes.byref(fit), ctypes.byref(diag))
        self.note = None
        _finish_fit(self, st, diag, fit, keep, "GammaGamma.fit")
        # rows without a purchase (NaN frequency and monetary_value) are counted apart
        self.no_purchase = _no_purchase_count(arrs[0].owner) if n > 0 else 0
        self.ignored = self.rows_not_used = self.ignored - self.no_purchase
        self.note = None
        if self.rows_not_used:
            self.note = ("%d row(s) with frequency 0 or monetary_value <= 0 not used in the fit"
                         % self.rows_not_used)
        # the independence check of docs/methods/models.md#methods_gg on the same rows
        self.correlation = gg_correlation(frequency, monetary_value, weights)
        return self

    def fit_summary(self, summary, weights=None, **kw):
        """Fit on the result of :func:`cva.summarize` (``frequency`` and
        ``monetary_value``); customers without a purchase are left out by the
        library, customers without a repeat purchase are ignored by the model."""
        cols = [_field(summary, nm) for nm in ("frequency", "monetary_value")]
        self.fit(cols[0], cols[1], weights=weights, **kw)
        dropped = self.no_purchase
        notes = []
        if dropped:
            notes.append("%d customer(s) without a purchase were left out" % dropped)
        if self.ignored:
            notes.append("%d customer(s) without a repeat purchase (or with spend <= 0) were "
                         "ignored by the fit" % self.ignored)
        self.note = "; ".join(notes) or None
        return self

    def expected_spend(self, frequency, monetary_value, return_flags=False):
        """E[M | x, m_x], the conditional expected spend per transaction
        (``cva_gg_expected_spend``). Customers with x = 0 or m_x <= 0 get the
        population mean E[M]; with ``return_flags`` the result is
        ``(values, flags)`` where flag 1 marks them."""
        self._warn_if_flagged("GammaGamma.expected_spend")
        arrs, n, scalar = _columns(("frequency", "monetary_value"), (frequency, monetary_value))
        out = cv.empty_output("d", n)
        flag = cv.empty_output("i", n)
        diag = _lib.Diag()
        st = _lib.get().cva_gg_expected_spend(self._cparams(), arrs[0].ptr, arrs[1].ptr, n,
                                              out.ptr, flag.ptr, ctypes.byref(diag))
        _check(st, diag, "GammaGamma.expected_spend")
        vals = _result(out, n, scalar)
        if not return_flags:
            return vals
        flags = cv.trim(flag.owner, n)
        return vals, (int(flags[0]) if scalar else flags)

    def conditional_expected_average_profit(self, frequency, monetary_value):
        """Alias of :meth:`expected_spend` (values only)."""
        return self.expected_spend(frequency, monetary_value)

    @property
    def population_mean_spend(self):
        """E[M] = p·gamma/(q−1) (raises DomainError when q <= 1)."""
        return self.expected_spend(0.0, 0.0)

    def customer_lifetime_value(self, purchase_model, frequency, recency, T, monetary_value,
                                steps=12, step_length=30 / 7, discount=0.01, margin=1.0):
        """Discrete CLV with ``purchase_model``; see :func:`cva.clv`."""
        return clv(purchase_model, self, frequency, recency, T, monetary_value, steps=steps,
                   step_length=step_length, discount=discount, margin=margin)


# ---------------------------------------------------------------------------
# model comparison

def _fit_struct(model, what):
    if not getattr(model, "is_fitted", False) or getattr(model, "log_likelihood", None) is None:
        raise _bad_arg("%s: the model has no fit (fit it first)" % what)
    f = _lib.ModelFit()
    f.model = model._model_id
    f.n_params = len(model.params)
    f.log_likelihood = float(model.log_likelihood)
    f.n_customers = float(model.n_customers)
    return f


def information_criteria(model):
    """``{"aic": .., "bic": ..}`` of a fitted model (``cva_model_ic``): AIC = 2k − 2 LL,
    BIC = k ln N − 2 LL with N its customers."""
    f = _fit_struct(model, "information_criteria")
    aic, bic = ctypes.c_double(), ctypes.c_double()
    diag = _lib.Diag()
    st = _lib.get().cva_model_ic(ctypes.byref(f), ctypes.byref(aic), ctypes.byref(bic), ctypes.byref(diag))
    _check(st, diag, "information_criteria")
    return {"aic": float(aic.value), "bic": float(bic.value)}


def lr_test(restricted, full):
    """Likelihood-ratio test of a fitted ``restricted`` model nested in the fitted ``full``
    one (``cva_lr_test``): ``(statistic, p_value)`` with a χ² p-value on the difference
    in parameters (conservative when the restriction is on the edge of the parameter
    space, e.g. NBD in Pareto/NBD). A :class:`CvaWarning` when the full model has the
    lower log-likelihood (statistic 0, p 1)."""
    fr, ff = _fit_struct(restricted, "lr_test"), _fit_struct(full, "lr_test")
    stat, p = ctypes.c_double(), ctypes.c_double()
    diag = _lib.Diag()
    st = _lib.get().cva_lr_test(fr.log_likelihood, fr.n_params, ff.log_likelihood, ff.n_params,
                                ctypes.byref(stat), ctypes.byref(p), ctypes.byref(diag))
    _check(st, diag, "lr_test")
    if st > 0:
        warnings.warn(_errors.CvaWarning("lr_test: %s" % (diag.detail_text or _lib.strerror(st)), status=st,
                                         name=_lib.status_name(st), detail=diag.detail_text),
                      stacklevel=2)
    return float(stat.value), float(p.value)


def forecast_accuracy(actual, predicted, weights=None):
    """``{"mae", "rmse", "msle", "bias"}`` of predicted against actual purchases per
    customer (``cva_forecast_accuracy``; bias = Σ predicted / Σ actual − 1)."""
    cols = [actual, predicted] + ([weights] if weights is not None else [])
    names = ["actual", "predicted"] + (["weights"] if weights is not None else [])
    arrs, n, _ = _columns(names, cols)
    out = (ctypes.c_double * 4)()
    diag = _lib.Diag()
    st = _lib.get().cva_forecast_accuracy(arrs[0].ptr, arrs[1].ptr, arrs[2].ptr if weights is not None else None,
                                          n, out, ctypes.byref(diag))
    _check(st, diag, "forecast_accuracy")
    return {"mae": out[0], "rmse": out[1], "msle": out[2], "bias": out[3]}


# CLV

def gg_correlation(frequency, monetary_value, weights=None):
    """Pearson correlation of frequency and monetary_value over the customers
    the Gamma-Gamma model uses (frequency >= 1, monetary_value > 0), the
    model's independence check (``cva_gg_correlation``). NaN when fewer than two
    such customers or a constant column. :meth:`GammaGamma.fit` stores it as
    ``.correlation``."""
    cols = [frequency, monetary_value] + ([weights] if weights is not None else [])
    names = ["frequency", "monetary_value"] + (["weights"] if weights is not None else [])
    arrs, n, _ = _columns(names, cols)
    out = ctypes.c_double(float("nan"))
    diag = _lib.Diag()
    st = _lib.get().cva_gg_correlation(arrs[0].ptr, arrs[1].ptr, arrs[2].ptr if weights is not None else None,
                                       n, ctypes.byref(out), ctypes.byref(diag))
    if st < 0:
        _check(st, diag, "gg_correlation")
    return float(out.value)


_OPT_CLV_STEPS = 410  # CVA_OPT_CLV_STEPS (include/cva/churn.h)


def clv(purchase_model, spend_model, frequency, recency, T, monetary_value, steps=12,
        step_length=30 / 7, discount=0.01, margin=1.0, threads=None):
    """Discrete CLV per customer (docs/methods/retention.md#methods_clv_model, ``cva_clv``)::

        CLV_i = Σ_{k=1..steps} margin · E[M_i] · (E[Y_i(k·L)] − E[Y_i((k−1)·L)]) / (1+discount)^k

    ``purchase_model`` is a fitted (or given) BTYD model, ``spend_model`` a
    :class:`GammaGamma`; ``step_length`` L is in the purchase model's time unit
    (default 30/7: a 30-day month when the model works in weeks). ``steps = 0``
    sums until the terms vanish, at most 1200 steps (the step cap: a
    :class:`CvaWarning` naming it when some customer's terms had not vanished
    by then). ``steps`` is a whole number from 0 to 2**31 - 1. ``threads``
    (default one): the customers in chunks on that many threads (docs/threads.md),
    the same values to the bit.
    """
    ex = _exec.check_threads(threads, "clv")  # kept alive until the call returns
    whole = cv.whole_number(steps)
    if whole is None:
        raise _errors.OptionError("clv: steps must be a whole number >= 0 (0: until the terms vanish, "
                                  "at most 1200 steps), got %r" % (steps,), status=_errors.E_OPTION,
                                  name="CVA_E_OPTION", option=_OPT_CLV_STEPS, option_name="steps")
    steps = whole
    if not 0 <= steps <= 2 ** 31 - 1:
        raise _errors.OptionError("clv: steps must be from 0 (until the terms vanish, at most 1200 steps) to "
                                  "2**31 - 1, got %d" % steps, status=_errors.E_OPTION, name="CVA_E_OPTION",
                                  option=_OPT_CLV_STEPS, option_name="steps")
    if not isinstance(purchase_model, _BTYD):
        raise TypeError("purchase_model must be a BetaGeo, ModifiedBetaGeo, ParetoNBD or "
                        "BetaGeoBetaBinom")
    if not isinstance(spend_model, GammaGamma):
        raise TypeError("spend_model must be a GammaGamma")
    purchase_model._warn_if_flagged("clv (purchase model %s)" % type(purchase_model).__name__)
    spend_model._warn_if_flagged("clv (spend model GammaGamma)")
    arrs, n, scalar = _columns(("frequency", "recency", "T", "monetary_value"),
                               (frequency, recency, T, monetary_value))
    opts = _lib.ClvOpts(steps=int(steps), step_length=float(step_length),
                        discount=float(discount), margin=float(margin))
    opts.executor = _exec.void_pointer(ex)
    out = cv.empty_output("d", n)
    diag = _lib.Diag()
    st = _lib.get().cva_clv(purchase_model._model_id, purchase_model._cparams(),
                            spend_model._cparams(), arrs[0].ptr, arrs[1].ptr, arrs[2].ptr,
                            arrs[3].ptr, n, ctypes.byref(opts), out.ptr, ctypes.byref(diag))
    if st == _errors.W_SERIES_LIMIT and diag.option == _OPT_CLV_STEPS:
        # the step cap of steps = 0, not a special-function series
        msg = ("clv: steps=0: the terms of %d customer(s) had not vanished after 1200 steps (the step cap); "
               "their CLV is the sum of the first 1200 steps" % diag.count)
        warnings.warn(_errors.CvaWarning(msg, status=st, name=_lib.status_name(st), detail=msg,
                                         count=int(diag.count)), stacklevel=2)
    else:
        _check(st, diag, "clv")
    return _result(out, n, scalar)


# ---------------------------------------------------------------------------
# Contractual: cohort curves and sBG

def _survivor_matrix(survivors):
    """(CArray flat row-major, n_cohorts, n_periods); ragged rows are padded with NaN;
    a flat sequence of numbers is one cohort."""
    if np is not None and isinstance(survivors, np.ndarray):
        arr = np.asarray(survivors, dtype=np.float64)
        if arr.ndim == 1:
            arr = arr.reshape(1, -1)
        if arr.ndim != 2:
            raise _bad_arg("survivors must be a 2-D matrix (cohorts x periods)")
        return cv.as_float64(np.ascontiguousarray(arr).reshape(-1), "survivors"), arr.shape[0], \
            arr.shape[1]
    if hasattr(survivors, "to_numpy"):
        return _survivor_matrix(survivors.to_numpy(dtype=float))
    rows = list(survivors)
    if rows and all(_is_scalar(v) for v in rows):
        rows = [rows]
    rows = [list(r) for r in rows]
    width = max((len(r) for r in rows), default=0)
    flat = []
    for r in rows:
        flat.extend(math.nan if v is None else float(v) for v in r)
        flat.extend([math.nan] * (width - len(r)))
    return cv.as_float64(flat, "survivors"), len(rows), width


CohortCurves = collections.namedtuple("CohortCurves", ["retention", "survival", "churn"])
CohortCurves.__doc__ = ("Empirical cohort curves; element j-1 holds period j "
                        "(j = 1..n_periods-1).")
Lifetime = collections.namedtuple("Lifetime", ["DEL", "DERL"])
Lifetime.__doc__ = "sBG discounted expected lifetime (new customer) and residual lifetime."


def cohort_curves(survivors):
    """Pooled empirical retention, survival and churn of a survivor matrix
    (docs/methods/models.md#methods_sbg, ``cva_cohort_curves``). ``survivors[c][j]`` = customers of cohort
    c still active j periods after acquisition (j = 0: cohort size); rows may be
    ragged or NaN-padded. Returns :class:`CohortCurves` of n_periods−1 values."""
    flat, nc, npd = _survivor_matrix(survivors)
    k = max(npd - 1, 0)
    ret, surv, churn = (cv.empty_output("d", k) for _ in range(3))
    diag = _lib.Diag()
    st = _lib.get().cva_cohort_curves(flat.ptr, nc, npd, ret.ptr, surv.ptr, churn.ptr,
                                      ctypes.byref(diag))
    _check(st, diag, "cohort_curves")
    return CohortCurves(cv.trim(ret.owner, k), cv.trim(surv.owner, k), cv.trim(churn.owner, k))


class ShiftedBetaGeo(_Model):
    """Shifted-beta-geometric contractual model (Fader & Hardie 2007):
    ``alpha, beta``. Fit on a survivor matrix (cohorts x periods)."""
    _model_id = _lib.MODEL_SBG
    _param_names = ("alpha", "beta")

    def fit(self, survivors, penalizer=None, start=None, max_iter=None, progress=None,
            grad_tol=None, f_tol=None):
        """Maximum-likelihood fit on ``survivors`` (list of lists, ragged allowed,
        or a 2-D array with NaN padding at the end of rows; a flat list is one
        cohort). Returns ``self``."""
        flat, nc, npd = _survivor_matrix(survivors)
        if penalizer is None:
            penalizer = self.penalizer
        else:
            self.penalizer = float(penalizer)
        opts, keep = _fit_opts(self, penalizer, start, max_iter, progress, grad_tol, f_tol, True)
        fit = _lib.ModelFit()
        diag = _lib.Diag()
        st = _lib.get().cva_sbg_fit(flat.ptr, nc, npd, ctypes.byref(opts), ctypes.byref(fit),
                                    ctypes.byref(diag))
        self.note = None
        return _finish_fit(self, st, diag, fit, keep, "ShiftedBetaGeo.fit")

    def _curves(self, n):
        self._warn_if_flagged("ShiftedBetaGeo")
        n = int(n)
        if n < 0:
            raise _bad_arg("n must be >= 0")
        bufs = [cv.empty_output("d", n) for _ in range(3)]
        diag = _lib.Diag()
        st = _lib.get().cva_sbg_curves(self._cparams(), n, bufs[0].ptr, bufs[1].ptr, bufs[2].ptr,
                                       ctypes.byref(diag))
        _check(st, diag, "ShiftedBetaGeo")
        return [cv.trim(b.owner, n) for b in bufs]

    def survival(self, n):
        """S(t) for t = 1..n."""
        return self._curves(n)[0]

    def retention(self, n):
        """Retention rates r_t = S(t)/S(t−1) for t = 1..n."""
        return self._curves(n)[1]

    def churn(self, n):
        """Churn probabilities P(T = t) for t = 1..n."""
        return self._curves(n)[2]

    def expected_survivors(self, cohort_size, n):
        """Expected survivors N0·S(t) for t = 1..n."""
        s = self.survival(n)
        return s * float(cohort_size) if np is not None else \
            type(s)("d", (float(cohort_size) * v for v in s))

    def lifetime_value(self, d, n_renewals=0):
        """``Lifetime(DEL, DERL)``: discounted expected lifetime of a new customer and
        discounted expected residual lifetime of one who has renewed ``n_renewals``
        times, at discount rate ``d`` per period (payments at the start of each
        period; multiply by the margin per period for money)."""
        self._warn_if_flagged("ShiftedBetaGeo.lifetime_value")
        del_ = ctypes.c_double()
        derl = ctypes.c_double()
        diag = _lib.Diag()
        st = _lib.get().cva_sbg_lifetime(self._cparams(), float(d), float(n_renewals),
                                         ctypes.byref(del_), ctypes.byref(derl), ctypes.byref(diag))
        _check(st, diag, "ShiftedBetaGeo.lifetime_value")
        return Lifetime(del_.value, derl.value)


# ---------------------------------------------------------------------------
# Simulation (cva_sim_btyd, cva_sim_gg, cva_sim_sbg)

BtydSimulation = collections.namedtuple("BtydSimulation", ["frequency", "recency", "T"])
BtydSimulation.__doc__ = ("Simulated BTYD statistics: repeat purchases, time (BG/BB: opportunity) "
                          "of the last one (0 if none) and the observation length.")

_BTYD_CLASSES = {"bgnbd": BetaGeo, "mbgnbd": ModifiedBetaGeo, "pnbd": ParetoNBD, "nbd": NBD,
                 "bgbb": BetaGeoBetaBinom}


def _seed(seed):
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
        raise TypeError("seed must be an integer")
    seed = int(seed)
    if not 0 <= seed < 2 ** 64:
        raise _bad_arg("seed must be in [0, 2**64)")
    return seed


def _model_instance(model, params, allowed, what):
    """A model object from a class, an instance or a short name, with params."""
    if isinstance(model, str):
        try:
            model = allowed[model.lower()]
        except KeyError:
            raise _bad_arg("%s: unknown model %r (expected %s)" % (
                what, model, ", ".join(sorted(allowed))))
    if isinstance(model, type):
        if not any(issubclass(model, c) for c in allowed.values()):
            raise TypeError("%s: unsupported model class %s" % (what, model.__name__))
        if params is None:
            raise _bad_arg("%s: params are required" % what)
        return model(params=params)
    if not any(isinstance(model, c) for c in allowed.values()):
        raise TypeError("%s: unsupported model %r" % (what, model))
    if params is not None:
        return type(model)(params=params)
    return model


def simulate_btyd(model, params=None, T=1.0, seed=42):
    """Simulate (frequency, recency) of customers of a purchase model
    (``cva_sim_btyd``).

    ``model`` is ``"bgnbd"``, ``"mbgnbd"``, ``"pnbd"``, ``"nbd"``, ``"bgbb"``, one of the
    classes :class:`BetaGeo`, :class:`ModifiedBetaGeo`, :class:`ParetoNBD`, :class:`NBD`,
    :class:`BetaGeoBetaBinom`, or a fitted instance (then ``params`` may be
    omitted). ``T`` is the observation length per customer in model time units
    after the first purchase (BG/BB: an integer number of opportunities); a
    scalar simulates one customer. Customer i's result depends only on
    ``seed`` and i. Returns :class:`BtydSimulation`.
    """
    m = _model_instance(model, params, _BTYD_CLASSES, "simulate_btyd")
    (arr_T,), n, scalar = _columns(("T",), (T,))
    x = cv.empty_output("d", n)
    tx = cv.empty_output("d", n)
    diag = _lib.Diag()
    st = _lib.get().cva_sim_btyd(m._model_id, m._cparams(), arr_T.ptr, n, _seed(seed),
                                 x.ptr, tx.ptr, ctypes.byref(diag))
    _check(st, diag, "simulate_btyd")
    T_out = float(T) if scalar else cv.trim(arr_T.owner, n)
    return BtydSimulation(_result(x, n, scalar), _result(tx, n, scalar), T_out)


def simulate_gg_spend(params, frequency, seed=42):
    """Simulate the mean transaction value of customers with ``frequency``
    transactions under Gamma-Gamma (``cva_sim_gg``): 0 where frequency is 0.
    ``params`` is ``{p, q, gamma}``, a sequence, or a :class:`GammaGamma`."""
    m = params if isinstance(params, GammaGamma) else GammaGamma(params=params)
    (arr_x,), n, scalar = _columns(("frequency",), (frequency,))
    out = cv.empty_output("d", n)
    diag = _lib.Diag()
    st = _lib.get().cva_sim_gg(m._cparams(), arr_x.ptr, n, _seed(seed), out.ptr,
                               ctypes.byref(diag))
    _check(st, diag, "simulate_gg_spend")
    return _result(out, n, scalar)


def simulate_sbg(params, cohort_size, n_periods, seed=42):
    """Simulate the survivor counts of one sBG cohort (``cva_sim_sbg``):
    ``n_periods`` values, the first being ``cohort_size``. ``params`` is
    ``{alpha, beta}``, a sequence, or a :class:`ShiftedBetaGeo`."""
    m = params if isinstance(params, ShiftedBetaGeo) else ShiftedBetaGeo(params=params)
    n_periods = int(n_periods)
    if n_periods < 0:
        raise _bad_arg("n_periods must be >= 0")
    out = cv.empty_output("d", n_periods)
    diag = _lib.Diag()
    st = _lib.get().cva_sim_sbg(m._cparams(), float(cohort_size), n_periods, _seed(seed),
                                out.ptr, ctypes.byref(diag))
    _check(st, diag, "simulate_sbg")
    return cv.trim(out.owner, n_periods)


def _btyd_simulate(self, T, seed=42):
    """Simulate customers from this model's parameters; see :func:`simulate_btyd`."""
    return simulate_btyd(self, None, T, seed=seed)


def _gg_simulate(self, frequency, seed=42):
    """Simulate mean spend from this model's parameters; see :func:`simulate_gg_spend`."""
    return simulate_gg_spend(self, frequency, seed=seed)


def _sbg_simulate(self, cohort_size, n_periods, seed=42):
    """Simulate one cohort's survivors; see :func:`simulate_sbg`."""
    return simulate_sbg(self, cohort_size, n_periods, seed=seed)


_BTYD.simulate = _btyd_simulate
GammaGamma.simulate = _gg_simulate
ShiftedBetaGeo.simulate = _sbg_simulate
