"""``lifetimes.plotting`` on libcva: the plots people expect, through matplotlib
(imported on first use; an ImportError naming matplotlib when it is missing).

Every number drawn comes from the library through the fitters of
:mod:`cva.lifetimes`; each function returns the matplotlib ``Axes``."""

import numpy as np

from .._pandas import require as _require_pandas

__all__ = ["plot_period_transactions", "plot_calibration_purchases_vs_holdout_purchases",
           "plot_frequency_recency_matrix", "plot_probability_alive_matrix", "plot_expected_repeat_purchases",
           "plot_cumulative_transactions", "plot_incremental_transactions", "plot_history_alive"]


def _plt():
    try:
        import matplotlib.pyplot as plt
    except ImportError as e:
        raise ImportError("cva.lifetimes.plotting needs matplotlib (pip install matplotlib, or "
                          "apt-get install python3-matplotlib): %s" % e) from None
    return plt


def _axes(ax):
    return ax if ax is not None else _plt().gca()


def plot_period_transactions(model, max_frequency: int = 7, title: str = "Frequency of Repeat Transactions",
                             xlabel: str = "Number of Calibration Period Transactions",
                             ylabel: str = "Customers", ax=None, **kwargs):
    """Bars of the customers with 0..max_frequency-1 repeat transactions: actual
    (the fitted data) and model. The model bars are expected counts,
    Σ_i P(X(T_i) = k) (``cva_model_prob_n`` per distinct T), where lifetimes
    draws one simulated sample.

    Parameters
    ----------
    model : fitter
        A fitted BG/NBD, MBG/NBD or Pareto/NBD fitter.
    max_frequency : int
        Number of bars per series.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes
    """
    pd = _require_pandas("plot_period_transactions")
    data = model.data
    k = int(max_frequency)
    actual = [float(np.sum(data["weights"][data["frequency"] == j])) for j in range(k)]
    Ts, inv = np.unique(np.asarray(data["T"], dtype=float), return_inverse=True)
    w = np.bincount(inv, weights=np.asarray(data["weights"], dtype=float))
    m = model._cva()
    expected = np.zeros(k)
    for Tv, wv in zip(Ts, w):
        expected += wv * np.asarray(m.probability_of_n_purchases(float(Tv), k - 1), dtype=float)[:k]
    labels = list(kwargs.pop("label", ["Actual", "Model"]))
    df = pd.DataFrame({labels[0]: actual, labels[1]: expected}, index=range(k))
    ax = df.plot(kind="bar", ax=_axes(ax), **kwargs)
    ax.legend()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_calibration_purchases_vs_holdout_purchases(model, calibration_holdout_matrix,
                                                    kind: str = "frequency_cal", n: int = 7, ax=None, **kwargs):
    """Mean holdout purchases, actual and predicted (``model.predict`` over each
    customer's ``duration_holdout``), by ``kind`` (default ``frequency_cal``) for the
    first ``n`` groups. ``kind`` may also be ``"time_since_last_purchase"``
    (``T_cal - recency_cal``).

    Parameters
    ----------
    model : fitter
        Fitted on the calibration columns.
    calibration_holdout_matrix : pandas.DataFrame
        From :func:`cva.lifetimes.utils.calibration_and_holdout_data`.
    kind : str
        Column to group by.
    n : int
        Groups shown.

    Returns
    -------
    matplotlib Axes
    """
    s = calibration_holdout_matrix.copy()
    s["model_predictions"] = np.asarray(model.conditional_expected_number_of_purchases_up_to_time(
        s["duration_holdout"].values, s["frequency_cal"].values, s["recency_cal"].values, s["T_cal"].values))
    if kind == "time_since_last_purchase":
        s[kind] = s["T_cal"] - s["recency_cal"]
    g = s.groupby(kind)[["frequency_holdout", "model_predictions"]].mean().iloc[:n]
    ax = g.plot(ax=_axes(ax), **kwargs)
    ax.set_title("Actual Purchases in Holdout Period vs Predicted Purchases")
    ax.set_xlabel(_CAL_XLABELS.get(kind, kind))
    ax.set_ylabel("Average of Purchases in Holdout Period")
    ax.legend()
    return ax


_CAL_XLABELS = {"frequency_cal": "Purchases in calibration period",
                "recency_cal": "Age of customer at last purchase",
                "T_cal": "Age of customer at the end of calibration period",
                "time_since_last_purchase": "Time since user made last purchase"}


def _grid(model, max_frequency, max_recency):
    max_frequency = max_frequency or int(model.data["frequency"].max())
    max_recency = max_recency or int(model.data["T"].max())
    x, tx = np.meshgrid(np.arange(max_frequency + 1, dtype=float), np.arange(max_recency + 1, dtype=float))
    xs = x.reshape(-1)
    txs, Ts = model._p_alive_inputs(xs, tx.reshape(-1), np.full(xs.size, float(max_recency)), warn=False)
    return x.shape, xs, txs, Ts, max_frequency, max_recency


def _matrix_plot(Z, title, xlabel, ylabel, ax, kwargs):
    ax = _axes(ax)
    im = ax.imshow(Z, interpolation="none", aspect="auto", **kwargs)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.figure.colorbar(im, ax=ax)
    return ax


def plot_frequency_recency_matrix(model, T: float = 1, max_frequency=None, max_recency=None, title=None,
                                  xlabel: str = "Customer's Historical Frequency",
                                  ylabel: str = "Customer's Recency", ax=None, **kwargs):
    """Heat map of the expected purchases in the next ``T`` time units for every
    (recency, frequency), the customer's age being the largest T of the data
    (lifetimes' layout: rows recency, columns frequency).

    Returns
    -------
    matplotlib Axes
        The image's array is the matrix ``Z[recency][frequency]``.
    """
    shape, xs, txs, Ts, _mf, _mr = _grid(model, max_frequency, max_recency)
    Z = np.asarray(model._cva().expected_purchases(float(T), xs, txs, Ts), dtype=float).reshape(shape)
    if title is None:
        title = "Expected Number of Future Purchases for {} Unit{} of Time,".format(T, "s"[T == 1:]) + \
            "\nby Frequency and Recency of a Customer"
    return _matrix_plot(Z, title, xlabel, ylabel, ax, kwargs)


def plot_probability_alive_matrix(model, max_frequency=None, max_recency=None,
                                  title: str = "Probability Customer is Alive,\nby Frequency and Recency of a Customer",
                                  xlabel: str = "Customer's Historical Frequency",
                                  ylabel: str = "Customer's Recency", ax=None, **kwargs):
    """Heat map of P(alive) for every (recency, frequency) at the largest age of
    the data (:meth:`conditional_probability_alive_matrix`).

    Returns
    -------
    matplotlib Axes
    """
    Z = model.conditional_probability_alive_matrix(max_frequency, max_recency)
    return _matrix_plot(Z, title, xlabel, ylabel, ax, kwargs)


def plot_expected_repeat_purchases(model, title: str = "Expected Number of Repeat Purchases per Customer",
                                   xlabel: str = "Time Since First Purchase", ax=None, label=None, **kwargs):
    """E[X(t)] of a new customer over [0, max T] (solid) and up to 1.5 max T (dashed).

    Returns
    -------
    matplotlib Axes
    """
    ax = _axes(ax)
    max_T = float(model.data["T"].max())
    t1 = np.linspace(0, max_T, 100)
    line, = ax.plot(t1, model.expected_number_of_purchases_up_to_time(t1), label=label, **kwargs)
    kwargs.pop("color", None)
    kwargs.pop("c", None)
    t2 = np.linspace(max_T, 1.5 * max_T, 100)
    ax.plot(t2, model.expected_number_of_purchases_up_to_time(t2), color=line.get_color(), ls="--", **kwargs)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    if label is not None:
        ax.legend(loc="lower right")
    return ax


def _tracking(model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq,
              set_index_date, title, xlabel, ylabel, ax, kwargs, incremental):
    from .utils import expected_cumulative_transactions
    df = expected_cumulative_transactions(model, transactions, datetime_col, customer_id_col, t,
                                          datetime_format=datetime_format, freq=freq,
                                          set_index_date=set_index_date)
    if incremental:
        df = df.apply(lambda x: x - x.shift(1))
    ax = df.plot(ax=_axes(ax), title=title, **kwargs)
    if set_index_date:
        x_vline = df.index[int(t_cal)]
        xlabel = "date"
    else:
        x_vline = t_cal
    ax.axvline(x=x_vline, color="r", linestyle="--")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return ax


def plot_cumulative_transactions(model, transactions, datetime_col: str, customer_id_col: str, t: int, t_cal: int,
                                 datetime_format=None, freq: str = "D", set_index_date: bool = False,
                                 title: str = "Tracking Cumulative Transactions", xlabel: str = "day",
                                 ylabel: str = "Cumulative Transactions", ax=None, **kwargs):
    """Actual vs expected cumulative repeat transactions
    (:func:`cva.lifetimes.utils.expected_cumulative_transactions`), with the end
    of calibration ``t_cal`` marked.

    Returns
    -------
    matplotlib Axes
    """
    return _tracking(model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq,
                     set_index_date, title, xlabel, ylabel, ax, kwargs, False)


def plot_incremental_transactions(model, transactions, datetime_col: str, customer_id_col: str, t: int,
                                  t_cal: int, datetime_format=None, freq: str = "D", set_index_date: bool = False,
                                  title: str = "Tracking Daily Transactions", xlabel: str = "day",
                                  ylabel: str = "Transactions", ax=None, **kwargs):
    """Actual vs expected repeat transactions per period (the differences of
    :func:`plot_cumulative_transactions`).

    Returns
    -------
    matplotlib Axes
    """
    return _tracking(model, transactions, datetime_col, customer_id_col, t, t_cal, datetime_format, freq,
                     set_index_date, title, xlabel, ylabel, ax, kwargs, True)


def plot_history_alive(model, t: int, transactions, datetime_col: str, freq: str = "D", start_date=None,
                       ax=None, **kwargs):
    """P(alive) of one customer over the ``t`` periods from the first purchase
    (:func:`cva.lifetimes.utils.calculate_alive_path`), with the purchases as
    dashed vertical lines.

    Returns
    -------
    matplotlib Axes
    """
    from .utils import calculate_alive_path, _timestamps
    pd = _require_pandas("plot_history_alive")
    ax = _axes(ax)
    ts = _timestamps(transactions[datetime_col], None)
    first = ts.min()
    if start_date is None:
        start_date = first
    path = calculate_alive_path(model, transactions, datetime_col, t, freq)
    dates = pd.date_range(start=first, periods=len(path), freq=freq)
    ax.plot(dates, path.values, "-", label="P_alive", **kwargs)
    days = pd.DatetimeIndex(ts).to_period(freq).unique().to_timestamp()
    ax.vlines(days.values, ymin=0, ymax=1, colors="r", linestyles="dashed", label="purchases")
    ax.set_ylim(0, 1.0)
    ax.set_yticks(np.arange(0, 1.1, 0.1))
    ax.set_xlim(pd.Timestamp(start_date), dates[-1])
    ax.legend(loc=3)
    ax.set_ylabel("P_alive")
    ax.set_title("History of P_alive")
    return ax
