"""The ``lifetimes`` 0.11 fitters on libcva (see :mod:`cva.lifetimes`).

Every model computation (likelihood, fit, P(alive), expectations, P(X(t) = n),
Gamma-Gamma spend, CLV) is a call into the library through the ``cva``
binding; this module only translates names, argument conventions and return
types (pandas Series/DataFrame, numpy arrays) to those of ``lifetimes``."""

import math
import pickle
import warnings

import numpy as np

from .. import _churn
from .._errors import BadArgumentError
from .._errors import ConvergenceError as _CvaConvergenceError
from .._pandas import require as _require_pandas

__all__ = ["BaseFitter", "BetaGeoFitter", "ModifiedBetaGeoFitter", "ParetoNBDFitter",
           "BetaGeoBetaBinomFitter", "GammaGammaFitter", "ConvergenceError"]

_Z95 = 1.96  # lifetimes' confidence intervals use 1.96 (not 1.959964)


class ConvergenceError(ValueError):
    """The fit did not converge (``lifetimes.utils.ConvergenceError``)."""


def _pd():
    return _require_pandas("cva.lifetimes")


def _is_series(v):
    t = type(v)
    return t.__name__ == "Series" and t.__module__.split(".")[0] == "pandas"


def _shape_like(values, inputs):
    """lifetimes' return types: a Series (the index of the first Series input) when an
    input is a Series, a float when every input is a scalar, else an array."""
    for v in inputs:
        if _is_series(v) and np.ndim(values) == 1 and len(v) == len(values):
            return _pd().Series(values, index=v.index)
    if all(np.ndim(v) == 0 for v in inputs):
        return float(np.asarray(values).reshape(-1)[0])
    return values


def _arrays(*inputs):
    """Broadcast the inputs to one float64 shape (lifetimes' numpy semantics);
    inputs of the common shape are passed on without a copy."""
    arrs = [np.asarray(v, dtype=float) for v in inputs]
    shape = arrs[0].shape
    if any(a.shape != shape for a in arrs):
        arrs = np.broadcast_arrays(*arrs)
        shape = arrs[0].shape
        arrs = [np.ascontiguousarray(a) for a in arrs]
    return [a.reshape(-1) for a in arrs], shape


class _Generator(object):
    """``generate_new_data(size=1)`` of a fitted purchase model: customers simulated
    by libcva (``cva_sim_btyd``) at the fitted parameters with the fitted ages T
    (``size`` copies of them), seeded from numpy's global generator as lifetimes is."""

    def __init__(self, cva_class, params, T):
        self.cva_class, self.params, self.T = cva_class, dict(params), np.asarray(T, dtype=float)

    def __call__(self, size=1):
        T = np.tile(self.T, int(size))
        sim = _churn.simulate_btyd(self.cva_class(params=self.params), T=T,
                                   seed=int(np.random.randint(0, 2 ** 31 - 1)))
        return _pd().DataFrame({"frequency": np.asarray(sim.frequency, dtype=float),
                                "recency": np.asarray(sim.recency, dtype=float), "T": T})


class BaseFitter(object):
    """Base class of the fitters: ``params_``, ``summary``, ``save_model``/``load_model``.

    ``params_`` is a pandas Series (settable by hand, in any order of the
    parameter names); the fitted quantities follow lifetimes: ``data``,
    ``variance_matrix_``, ``standard_errors_``, ``confidence_intervals_``,
    ``_negative_log_likelihood_``. ``variance_matrix_`` is the library's
    covariance (delta method ``cov(θ_i, θ_j) = θ_i θ_j cov(log θ_i, log θ_j)``);
    lifetimes 0.11 scales its off-diagonal entries by ``θ_j²`` instead, so only
    their diagonals (and the standard errors) agree."""

    _cva_class = None
    _names = ()          # lifetimes' parameter names, in lifetimes' order
    _cva_names = None    # the binding's names when they differ (Gamma-Gamma: v -> gamma)

    def __init__(self, penalizer_coef: float = 0.0):
        self.penalizer_coef = penalizer_coef

    # -- parameters -------------------------------------------------------
    # ``params_`` is a plain attribute (a pandas Series), absent before a fit,
    # as in lifetimes: tests and users set it by hand.

    def _unload_params(self, *args):
        if not hasattr(self, "params_"):
            raise ValueError("Model has not been fit yet. Please call the .fit method first.")
        return [self.params_[x] for x in args]

    def _cva(self):
        """The binding's model at the current ``params_`` (rebuilt when they change)."""
        p = self.__dict__.get("params_")
        if p is None:
            raise ValueError("Model has not been fit yet. Please call the .fit method first.")
        try:
            given = dict(zip(p.index, p.values.tolist()))  # no per-item Series indexing (slow in pandas)
        except AttributeError:  # a mapping set by hand
            given = dict(p)
        try:
            key = tuple(float(given[n]) for n in self._names)
        except KeyError as e:
            raise KeyError("params_ needs %s (missing %s)" % (", ".join(self._names), e)) from None
        m = self.__dict__.get("_model")
        if m is None or self.__dict__.get("_model_key") != key:
            names = self._cva_names or self._names
            m = self._cva_class(params=dict(zip(names, key)))
            self.__dict__["_model"] = m
            self.__dict__["_model_key"] = key
        return m

    def __getstate__(self):
        d = dict(self.__dict__)
        for k in ("_model", "_model_key", "predict"):
            d.pop(k, None)
        return d

    def __setstate__(self, d):
        self.__dict__.update(d)
        if "params_" in d and hasattr(self, "conditional_expected_number_of_purchases_up_to_time"):
            self.predict = self.conditional_expected_number_of_purchases_up_to_time

    def __repr__(self):
        classname = self.__class__.__name__
        try:
            subj_str = " fitted with {:d} subjects,".format(self.data.shape[0])
        except AttributeError:
            subj_str = ""
        try:
            param_str = ", ".join("{}: {:.2f}".format(par, val) for par, val in sorted(self.params_.items()))
            return "<lifetimes.{classname}:{subj_str} {param_str}>".format(
                classname=classname, subj_str=subj_str, param_str=param_str)
        except AttributeError:
            return "<lifetimes.{classname}>".format(classname=classname)

    # -- persistence ------------------------------------------------------
    def save_model(self, path: str, save_data: bool = True, save_generate_data_method: bool = True,
                   values_to_save=None) -> None:
        """Save the fitter to ``path`` (pickle; lifetimes uses dill, same arguments).

        Parameters
        ----------
        path : str
            File to write.
        save_data : bool
            Keep ``data`` (else it is saved as ``values_to_save[0]``, default None).
        save_generate_data_method : bool
            Kept for compatibility (the fitters have no stored lambdas to drop).
        values_to_save : list, optional
            Placeholders for the attributes left out, in the order ``data``,
            ``generate_new_data``.
        """
        attrs = ["data" * (not save_data), "generate_new_data" * (not save_generate_data_method)]
        if values_to_save is None:
            values_to_save = [None] * len(attrs)
        state = self.__getstate__()
        for attr, val in zip(attrs, values_to_save):
            if attr and attr in state:
                state[attr] = val
        with open(path, "wb") as f:
            pickle.dump((type(self), state), f)

    def load_model(self, path: str) -> None:
        """Load a fitter saved by :meth:`save_model` into this object."""
        with open(path, "rb") as f:
            _cls, state = pickle.load(f)
        self.__setstate__(state)
        self.__dict__.pop("_model", None)

    # -- fitted quantities ------------------------------------------------
    def _store_fit(self, model, data, scale):
        pd = _pd()
        names = self._cva_names or self._names
        self.params_ = pd.Series([model.params[n] for n in names], index=list(self._names))
        self.__dict__["_model"] = model
        self.__dict__["_model_key"] = tuple(float(model.params[n]) for n in names)
        self.data = data
        self._scale = scale
        cov = np.asarray(model.covariance, dtype=float)
        self.variance_matrix_ = pd.DataFrame(cov, columns=self.params_.index, index=self.params_.index)
        self.standard_errors_ = pd.Series(np.sqrt(np.diag(cov)), index=self.params_.index)
        self.confidence_intervals_ = pd.DataFrame(
            {"lower 95% bound": self.params_ - _Z95 * self.standard_errors_,
             "upper 95% bound": self.params_ + _Z95 * self.standard_errors_},
            index=self.params_.index)
        w = float(np.sum(data["weights"])) if "weights" in data else float(model.n_customers)
        pen = 0.0
        for n in names:
            v = model.params[n] * (scale if n in ("alpha", "beta") and self._scaled_time else 1.0)
            pen += v * v
        self._negative_log_likelihood_ = -model.log_likelihood / w + self.penalizer_coef * pen

    _scaled_time = True

    def _fit_cva(self, args, weights, initial_params, kwargs):
        model = self._cva_class(penalizer=self.penalizer_coef)
        start = None
        if initial_params is not None:
            start = [float(math.exp(v)) for v in initial_params]
        max_iter = kwargs.pop("maxiter", None)
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                model.fit(*args, weights=weights, start=start, max_iter=max_iter, **kwargs)
        except _CvaConvergenceError as e:
            raise ConvergenceError("The model did not converge (%s). Try adding a larger penalizer "
                                   "to see if that helps convergence." % e) from None
        return model

    @property
    def summary(self):
        """DataFrame of ``coef``, ``se(coef)``, ``lower 95% bound``, ``upper 95% bound``."""
        df = _pd().DataFrame(index=self.params_.index)
        df["coef"] = self.params_
        df["se(coef)"] = self.standard_errors_
        df["lower 95% bound"] = self.confidence_intervals_["lower 95% bound"]
        df["upper 95% bound"] = self.confidence_intervals_["upper 95% bound"]
        return df


class _BTYDFitter(BaseFitter):
    """Shared code of the BG/NBD, MBG/NBD and Pareto/NBD fitters."""

    def fit(self, frequency, recency, T, weights=None, initial_params=None, verbose: bool = False,
            tol: float = 1e-7, index=None, **kwargs):
        """Fit the model (maximum likelihood in libcva).

        Parameters
        ----------
        frequency, recency, T : array_like
            Repeat purchases, time of the last one and age (``x``, ``t_x``, ``T``).
        weights : array_like, optional
            Number of customers with each (frequency, recency, T) row.
        initial_params : array_like, optional
            Starting point, as lifetimes: log parameters.
        verbose, tol : optional
            Accepted for compatibility; the library's optimiser has its own
            stopping rule (docs/methods/models.md#methods_fitting).
        index : array_like, optional
            Index of :attr:`data`.
        **kwargs
            ``maxiter`` caps the optimiser's iterations; other scipy options are ignored.

        Returns
        -------
        self
        """
        pd = _pd()
        kwargs = {"maxiter": kwargs["maxiter"]} if "maxiter" in kwargs else {}
        frequency = np.asarray(frequency).astype(int)
        recency = np.asarray(recency, dtype=float)
        T = np.asarray(T, dtype=float)
        weights = np.ones_like(recency, dtype=int) if weights is None else np.asarray(weights)
        model = self._fit_cva((frequency.astype(float), recency, T), weights.astype(float),
                              initial_params, kwargs)
        data = pd.DataFrame({"frequency": frequency, "recency": recency, "T": T, "weights": weights},
                            index=index)
        self._store_fit(model, data, 1.0 / T.max() if T.size else 1.0)
        self.predict = self.conditional_expected_number_of_purchases_up_to_time
        self.generate_new_data = _Generator(self._cva_class, model.params, T)
        return self

    def predict(self, t, frequency, recency, T):
        """Alias of :meth:`conditional_expected_number_of_purchases_up_to_time`
        (after a fit also an instance attribute, as in lifetimes)."""
        return self.conditional_expected_number_of_purchases_up_to_time(t, frequency, recency, T)

    @classmethod
    def _negative_log_likelihood(cls, log_params, freq, rec, T, weights, penalizer_coef):
        """lifetimes' objective, −Σ w LL_i / Σ w + penalizer Σ θ², at ``exp(log_params)``
        (the individual log-likelihoods from ``cva_model_loglik``)."""
        params = np.exp(np.asarray(log_params, dtype=float))
        (x, tx, TT, w), _shape = _arrays(freq, rec, T, weights)
        m = cls._cva_class(params=dict(zip(cls._cva_names or cls._names, params)))
        ll = np.asarray(m.individual_log_likelihood(x, tx, TT), dtype=float)
        return -float(np.sum(w * ll)) / float(np.sum(w)) + penalizer_coef * float(np.sum(params ** 2))

    def _p_alive_inputs(self, x, tx, TT, warn=True):
        """Histories the library refuses as impossible (x = 0 with t_x > 0; x > 0
        with t_x = 0), which lifetimes evaluates by its formula, are evaluated at
        the nearest possible history: t_x = 0, resp. t_x -> 0+ (and T -> 0+ when
        it is 0), with a warning. Returns ``(tx, TT)`` (copies when changed)."""
        bad0 = (x == 0) & (tx != 0)
        bad1 = (x > 0) & (tx == 0)
        k = int(np.count_nonzero(bad0) + np.count_nonzero(bad1))
        if k:
            tiny = np.nextafter(0.0, 1.0)
            tx = np.array(tx, dtype=float)
            tx[bad0] = 0.0
            tx[bad1] = tiny
            zero_T = bad1 & (TT == 0)
            if np.any(zero_T):
                TT = np.array(TT, dtype=float)
                TT[zero_T] = tiny
            if warn:
                from .._errors import CvaWarning
                warnings.warn(CvaWarning(
                    "%s.conditional_probability_alive: %d impossible histor%s (frequency 0 with recency > 0, "
                    "or frequency > 0 with recency 0) evaluated at recency 0, resp. recency -> 0+"
                    % (type(self).__name__, k, "y" if k == 1 else "ies"), count=k), stacklevel=4)
        return tx, TT

    def _p_alive(self, x, tx, TT):
        """P(alive) from the library; the impossible histories lifetimes accepts
        (see :meth:`_p_alive_inputs`) are mapped only when the library refuses them,
        so valid input costs nothing extra."""
        m = self._cva()
        try:
            return np.asarray(m.p_alive(x, tx, TT), dtype=float)
        except BadArgumentError:
            tx2, TT2 = self._p_alive_inputs(x, tx, TT)
            if tx2 is tx and TT2 is TT:
                raise
            return np.asarray(m.p_alive(x, tx2, TT2), dtype=float)

    def conditional_expected_number_of_purchases_up_to_time(self, t, frequency, recency, T):
        """Expected repeat purchases in (T, T + t] of a customer with history
        (frequency, recency, T) (``cva_model_expected``).

        Parameters
        ----------
        t, frequency, recency, T : array_like or float
            Broadcast together as numpy does.

        Returns
        -------
        float, numpy.ndarray or pandas.Series
            As lifetimes: a Series when an input is a Series.
        """
        m = self._cva()
        if np.ndim(t) == 0:  # one horizon: one library call
            (x, tx, TT), shape = _arrays(frequency, recency, T)
            out = np.asarray(m.expected_purchases(float(t), x, tx, TT), dtype=float)
            return _shape_like(out.reshape(shape), (t, frequency, recency, T))
        (tt, x, tx, TT), shape = _arrays(t, frequency, recency, T)
        out = np.empty(tt.size)
        for tv in np.unique(tt):  # one call per distinct horizon
            sel = tt == tv
            out[sel] = m.expected_purchases(float(tv), x[sel], tx[sel], TT[sel])
        return _shape_like(out.reshape(shape), (t, frequency, recency, T))

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive) of a customer with history (frequency, recency, T)
        (``cva_model_p_alive``).

        Returns
        -------
        numpy.ndarray or pandas.Series
            At least one-dimensional (as lifetimes' BG/NBD), a Series for Series input.
        """
        (x, tx, TT), shape = _arrays(frequency, recency, T)
        out = self._p_alive(x, tx, TT).reshape(shape)
        res = _shape_like(out, (frequency, recency, T))
        return np.atleast_1d(res) if not _is_series(res) else res

    def conditional_probability_alive_matrix(self, max_frequency=None, max_recency=None):
        """P(alive) for every (recency, frequency) with T = ``max_recency``:
        a matrix indexed ``[recency][frequency]`` (lifetimes' layout).

        Parameters
        ----------
        max_frequency, max_recency : int, optional
            Default: the largest frequency and T of :attr:`data`.
        """
        max_frequency = max_frequency or int(self.data["frequency"].max())
        max_recency = max_recency or int(self.data["T"].max())
        x, tx = np.meshgrid(np.arange(max_frequency + 1, dtype=float),
                            np.arange(max_recency + 1, dtype=float))
        xs = x.reshape(-1)
        txs, Ts = self._p_alive_inputs(xs, tx.reshape(-1), np.full(x.size, float(max_recency)), warn=False)
        p = self._cva().p_alive(xs, txs, Ts)
        return np.asarray(p, dtype=float).reshape(x.shape)

    def expected_number_of_purchases_up_to_time(self, t):
        """E[X(t)], the expected repeat purchases of a new customer in (0, t]
        (``cva_model_expected_pop``); ``t`` scalar or array."""
        tt = np.asarray(t, dtype=float)
        out = np.asarray(self._cva().expected_purchases_population(tt.reshape(-1)), dtype=float)
        return _shape_like(out.reshape(tt.shape), (t,))

    def probability_of_n_purchases_up_to_time(self, t, n):
        """P(X(t) = n) for a new customer (``cva_model_prob_n``).

        Parameters
        ----------
        t : float
        n : int

        Returns
        -------
        float
        """
        return float(self._cva().probability_of_n_purchases(float(t), int(n))[int(n)])


class BetaGeoFitter(_BTYDFitter):
    """BG/NBD (Fader, Hardie & Lee 2005a), ``lifetimes.BetaGeoFitter`` on libcva.

    Parameters
    ----------
    penalizer_coef : float
        L2 penalty on the parameters (time-scaled as lifetimes does).
    """
    _cva_class = _churn.BetaGeo
    _names = ("r", "alpha", "a", "b")


class ModifiedBetaGeoFitter(_BTYDFitter):
    """MBG/NBD (Batislam, Denizel & Filiztekin 2007), ``lifetimes.ModifiedBetaGeoFitter``
    on libcva. Parameters as :class:`BetaGeoFitter`."""
    _cva_class = _churn.ModifiedBetaGeo
    _names = ("r", "alpha", "a", "b")


class ParetoNBDFitter(_BTYDFitter):
    """Pareto/NBD (Schmittlein, Morrison & Colombo 1987), ``lifetimes.ParetoNBDFitter``
    on libcva. The library's likelihood stays finite at large frequency, where
    lifetimes 0.11 returns NaN."""
    _cva_class = _churn.ParetoNBD
    _names = ("r", "alpha", "s", "beta")

    def fit(self, frequency, recency, T, weights=None, iterative_fitting: int = 1, initial_params=None,
            verbose: bool = False, tol: float = 1e-4, index=None, fit_method: str = "Nelder-Mead",
            maxiter: int = 2000, **kwargs):
        """Fit the model; see :meth:`BetaGeoFitter.fit`. ``iterative_fitting``,
        ``fit_method`` and ``maxiter`` are accepted for compatibility (the library
        has one optimiser, docs/methods/models.md#methods_fitting)."""
        return _BTYDFitter.fit(self, frequency, recency, T, weights=weights, initial_params=initial_params,
                               verbose=verbose, tol=tol, index=index)

    def conditional_probability_alive(self, frequency, recency, T):
        """P(alive) (``cva_model_p_alive``); a float for scalar input, as lifetimes."""
        (x, tx, TT), shape = _arrays(frequency, recency, T)
        out = self._p_alive(x, tx, TT).reshape(shape)
        return _shape_like(out, (frequency, recency, T))

    def conditional_probability_of_n_purchases_up_to_time(self, n, t, frequency, recency, T):
        """P(X(T, T+t) = n | frequency, recency, T): the probability of exactly ``n``
        repeat purchases in the next ``t`` periods (``cva_model_cond_prob_n``; a
        customer who has left buys nothing, an alive one follows the new-customer
        distribution at the posterior parameters). A float for scalar input."""
        (x, tx, TT), shape = _arrays(frequency, recency, T)
        out = np.asarray(self._cva().conditional_probability_of_n_purchases_up_to_time(n, t, x, tx, TT),
                         dtype=float).reshape(shape)
        return _shape_like(out, (frequency, recency, T))


class BetaGeoBetaBinomFitter(BaseFitter):
    """BG/BB (Fader, Hardie & Shang 2010), ``lifetimes.BetaGeoBetaBinomFitter``
    on libcva: discrete opportunities, parameters ``alpha, beta, gamma, delta``."""
    _cva_class = _churn.BetaGeoBetaBinom
    _names = ("alpha", "beta", "gamma", "delta")
    _scaled_time = False

    def fit(self, frequency, recency, n_periods, weights=None, initial_params=None, verbose: bool = False,
            tol: float = 1e-7, index=None, **kwargs):
        """Fit the model (libcva maximum likelihood).

        Parameters
        ----------
        frequency : array_like
            Periods with a transaction (after the first).
        recency : array_like
            Period of the last transaction.
        n_periods : array_like
            Transaction opportunities.
        weights : array_like, optional
            Customers per (frequency, recency, n_periods) row.
        initial_params, verbose, tol, index, **kwargs
            As :meth:`BetaGeoFitter.fit`.

        Returns
        -------
        self
        """
        pd = _pd()
        frequency = np.asarray(frequency).astype(int)
        recency = np.asarray(recency).astype(int)
        n_periods = np.asarray(n_periods).astype(int)
        weights = np.ones_like(recency) if weights is None else np.asarray(weights)
        kw = {"maxiter": kwargs["maxiter"]} if "maxiter" in kwargs else {}
        model = self._fit_cva((frequency.astype(float), recency.astype(float), n_periods.astype(float)),
                              weights.astype(float), initial_params, kw)
        data = pd.DataFrame({"frequency": frequency, "recency": recency, "n_periods": n_periods,
                             "weights": weights}, index=index)
        self._store_fit(model, data, 1.0)
        return self

    def conditional_expected_number_of_purchases_up_to_time(self, m_periods_in_future, frequency, recency,
                                                            n_periods):
        """Expected transactions in the next ``m_periods_in_future`` opportunities
        (FHS 2010 eq. 13; ``cva_model_expected``)."""
        m = self._cva()
        (tt, x, tx, n), shape = _arrays(m_periods_in_future, frequency, recency, n_periods)
        out = np.empty(tt.size)
        for tv in np.unique(tt):
            sel = tt == tv
            out[sel] = m.expected_purchases(float(tv), x[sel], tx[sel], n[sel])
        return _shape_like(out.reshape(shape), (m_periods_in_future, frequency, recency, n_periods))

    def conditional_probability_alive(self, m_periods_in_future, frequency, recency, n_periods):
        """P(alive at opportunity n_periods + m_periods_in_future) (FHS 2010 A10;
        ``cva_model_p_alive``)."""
        m = self._cva()
        (tt, x, tx, n), shape = _arrays(m_periods_in_future, frequency, recency, n_periods)
        out = np.empty(tt.size)
        for tv in np.unique(tt):
            sel = tt == tv
            out[sel] = m.p_alive(x[sel], tx[sel], n[sel], float(tv))
        return _shape_like(out.reshape(shape), (m_periods_in_future, frequency, recency, n_periods))

    def expected_number_of_transactions_in_first_n_periods(self, n):
        """Expected customers with x = 0..n transactions in the first ``n``
        opportunities: P(X(n) = x) (``cva_model_prob_n``) times the customers of
        :attr:`data`, indexed by the frequencies observed (column ``model``)."""
        pd = _pd()
        x_counts = self.data.groupby("frequency")["weights"].sum()
        x = np.asarray(x_counts.index)
        probs = np.asarray(self._cva().probability_of_n_purchases(float(n), int(n)), dtype=float)
        vals = np.array([probs[int(k)] if 0 <= k <= n else 0.0 for k in x])
        return pd.DataFrame(vals * x_counts.sum(), index=pd.Index(x, name="frequency"), columns=["model"])


class GammaGammaFitter(BaseFitter):
    """Gamma-Gamma spend model (Fader, Hardie & Lee 2005b), ``lifetimes.GammaGammaFitter``
    on libcva; parameters ``p, q, v`` (the library calls v gamma)."""
    _cva_class = _churn.GammaGamma
    _names = ("p", "q", "v")
    _cva_names = ("p", "q", "gamma")
    _scaled_time = False

    def fit(self, frequency, monetary_value, weights=None, initial_params=None, verbose: bool = False,
            tol: float = 1e-7, index=None, q_constraint: bool = False, **kwargs):
        """Fit the spend model on customers with frequency > 0 (libcva ``cva_gg_fit``).

        Parameters
        ----------
        frequency, monetary_value : array_like
            Repeat purchases and mean repeat spend per customer.
        weights : array_like, optional
            Customers per row.
        q_constraint : bool
            Constrain q > 1 (so that E[M] exists).
        initial_params, verbose, tol, index, **kwargs
            As :meth:`BetaGeoFitter.fit`.

        Returns
        -------
        self
        """
        pd = _pd()
        frequency = np.asarray(frequency)
        monetary_value = np.asarray(monetary_value, dtype=float)
        weights = np.ones_like(frequency, dtype=np.int64) if weights is None else np.asarray(weights)
        kw = {"q_above_one": bool(q_constraint)}
        if "maxiter" in kwargs:
            kw["maxiter"] = kwargs["maxiter"]
        model = self._fit_cva((frequency.astype(float), monetary_value), weights.astype(float),
                              initial_params, kw)
        data = pd.DataFrame({"monetary_value": monetary_value, "frequency": frequency, "weights": weights},
                            index=index)
        self._store_fit(model, data, 1.0)
        return self

    def conditional_expected_average_profit(self, frequency=None, monetary_value=None):
        """E[M | x, m_x], the expected spend per transaction (``cva_gg_expected_spend``);
        default: the fitted data. Customers with x = 0 get the population mean."""
        if monetary_value is None:
            monetary_value = self.data["monetary_value"]
        if frequency is None:
            frequency = self.data["frequency"]
        (x, mv), shape = _arrays(frequency, monetary_value)
        out = np.asarray(self._cva().expected_spend(x, mv), dtype=float).reshape(shape)
        return _shape_like(out, (frequency, monetary_value))

    def customer_lifetime_value(self, transaction_prediction_model, frequency, recency, T, monetary_value,
                                time: int = 12, discount_rate: float = 0.01, freq: str = "D"):
        """CLV over ``time`` months, discounted monthly at ``discount_rate``
        (lifetimes' discrete scheme, docs/methods/retention.md#methods_clv_model): one call of the library's
        ``cva_clv`` (:func:`cva.clv`) for the purchase models of this package,
        else :func:`cva.lifetimes.utils.customer_lifetime_value` with the
        expected spend of this model. The two agree to rounding (about 1e-15
        relative), not bit for bit as lifetimes' own two paths do.

        Parameters
        ----------
        transaction_prediction_model : fitter
            A fitted BG/NBD, MBG/NBD or Pareto/NBD fitter (of this package).
        frequency, recency, T, monetary_value : array_like
        time : int
            Months.
        discount_rate : float
            Monthly discount rate.
        freq : {"D", "W", "M", "H"}
            Time unit of ``recency`` and ``T``.

        Returns
        -------
        pandas.Series
            Named ``clv``, indexed 0..n-1 (as lifetimes).
        """
        from .utils import _freq_factor, customer_lifetime_value
        factor = _freq_factor(freq)
        if isinstance(transaction_prediction_model, _BTYDFitter):
            # one call of the library's CLV (cva_clv) with this spend model
            (x, tx, TT, mv), _shape = _arrays(frequency, recency, T, monetary_value)
            vals = _churn.clv(transaction_prediction_model._cva(), self._cva(), x, tx, TT, mv,
                              steps=int(time), step_length=factor, discount=discount_rate)
            return _pd().Series(np.asarray(vals, dtype=float), index=range(x.size), name="clv")
        adjusted = self.conditional_expected_average_profit(frequency, monetary_value)
        return customer_lifetime_value(transaction_prediction_model, frequency, recency, T, adjusted,
                                       time, discount_rate, freq)
