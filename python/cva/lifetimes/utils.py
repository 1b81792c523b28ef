"""``lifetimes.utils`` on libcva: summaries from transactions, the calibration /
holdout split and the discrete CLV (see :mod:`cva.lifetimes`)."""

import numpy as np

from .. import _txn
from .._pandas import require as _require_pandas
from .fitters import ConvergenceError

__all__ = ["calibration_and_holdout_data", "summary_data_from_transaction_data",
           "customer_lifetime_value", "expected_cumulative_transactions", "calculate_alive_path",
           "ConvergenceError"]

# months per CLV step in the unit of recency and T (lifetimes' table)
_FACTORS = {"W": 4.345, "M": 1.0, "D": 30, "H": 30 * 24}


def _freq_factor(freq):
    try:
        return _FACTORS[freq]
    except KeyError:
        raise ValueError("freq must be one of %s, got %r" % (", ".join(_FACTORS), freq)) from None


_NS = {"D": 86400 * 10 ** 9, "H": 3600 * 10 ** 9, "h": 3600 * 10 ** 9, "T": 60 * 10 ** 9,
       "min": 60 * 10 ** 9, "S": 10 ** 9, "s": 10 ** 9}


def _period_numbers(ts, freq):
    """The pandas period of each timestamp as an integer (numpy int64), computed
    with integer arithmetic for the fixed-length units and weeks, else by pandas."""
    pd = _require_pandas("cva.lifetimes.utils")
    v = ts.to_numpy(dtype="datetime64[ns]").astype(np.int64)
    if freq in _NS:
        return np.floor_divide(v, _NS[freq])
    if freq in ("W", "W-SUN"):  # weeks Monday..Sunday: day 0 (1970-01-01) is a Thursday
        return np.floor_divide(np.floor_divide(v, _NS["D"]) + 3, 7)
    return pd.PeriodIndex(ts, freq=freq).asi8


def _timestamps(values, datetime_format):
    pd = _require_pandas("cva.lifetimes.utils")
    return pd.Series(pd.to_datetime(values, format=datetime_format))


def _one_timestamp(value, datetime_format):
    pd = _require_pandas("cva.lifetimes.utils")
    return pd.to_datetime(value, format=datetime_format)


def summary_data_from_transaction_data(transactions, customer_id_col: str, datetime_col: str,
                                       monetary_value_col=None, datetime_format=None,
                                       observation_period_end=None, freq: str = "D",
                                       freq_multiplier: int = 1, include_first_transaction: bool = False):
    """Per customer ``frequency``, ``recency``, ``T`` [, ``monetary_value``] from
    transactions, as ``lifetimes.utils.summary_data_from_transaction_data``
    (computed by libcva's ``cva_txn_summarize`` on period numbers).

    Parameters
    ----------
    transactions : pandas.DataFrame
        One row per transaction.
    customer_id_col, datetime_col : str
        Column names.
    monetary_value_col : str, optional
        Column of the transaction value; adds ``monetary_value`` (mean of the
        per-period sums after the first period, 0 without repeat periods).
    datetime_format : str, optional
        ``pandas.to_datetime`` format.
    observation_period_end : date-like, optional
        Default: the latest transaction. Later transactions are left out.
    freq : str
        Period of the time unit (``"D"``, ``"W"``, ``"M"``, ``"H"``, ... pandas codes).
    freq_multiplier : int
        Divides recency and T (e.g. ``freq="H", freq_multiplier=24`` gives days).
    include_first_transaction : bool
        Count the first period in ``frequency`` and ``monetary_value``.

    Returns
    -------
    pandas.DataFrame
        Indexed by customer id (named ``customer_id_col``), float columns.
    """
    pd = _require_pandas("cva.lifetimes.utils.summary_data_from_transaction_data")
    ts = _timestamps(transactions[datetime_col], datetime_format)
    per = _period_numbers(ts, freq)
    if observation_period_end is None:
        end = int(per.max()) if per.size else 0
    else:
        end = int(_period_numbers(pd.Series([_one_timestamp(observation_period_end, datetime_format)]),
                                  freq)[0])
    ids = transactions[customer_id_col]
    amount = (transactions[monetary_value_col].to_numpy(dtype=float) if monetary_value_col
              else np.zeros(len(transactions)))
    keep = per <= end
    if not keep.all():
        ids, per, amount = ids[keep], per[keep], amount[keep]
    ids = ids.to_numpy() if ids.dtype.kind in "iu" else ids.tolist()
    fields = ["frequency", "recency", "T", "n_occ", "total_amount", "monetary_value"]
    s = _txn.summarize(ids, per.astype(np.float64), amount, end=float(end), time_unit=float(freq_multiplier),
                       time_convention="period", fields=fields)
    cols = {"frequency": np.asarray(s["frequency"], dtype=float), "recency": np.asarray(s["recency"], dtype=float),
            "T": np.asarray(s["T"], dtype=float)}
    if include_first_transaction:
        cols["frequency"] = np.asarray(s["n_occ"], dtype=float)
    if monetary_value_col:
        if include_first_transaction:
            cols["monetary_value"] = np.asarray(s["total_amount"], dtype=float) / np.asarray(s["n_occ"], dtype=float)
        else:
            cols["monetary_value"] = np.asarray(s["monetary_value"], dtype=float)
    index = pd.Index(list(s["customer_id"]) if s.text_ids else s["customer_id"], name=customer_id_col)
    return pd.DataFrame(cols, index=index).astype(float)


def calibration_and_holdout_data(transactions, customer_id_col: str, datetime_col: str, calibration_period_end,
                                 observation_period_end=None, freq: str = "D", freq_multiplier: int = 1,
                                 datetime_format=None, monetary_value_col=None,
                                 include_first_transaction: bool = False):
    """Calibration statistics (``*_cal``) and holdout counts per customer, as
    ``lifetimes.utils.calibration_and_holdout_data`` (libcva summaries).

    Parameters
    ----------
    transactions : pandas.DataFrame
    customer_id_col, datetime_col : str
    calibration_period_end : date-like
        Last moment of the calibration period (inclusive).
    observation_period_end : date-like, optional
        End of the holdout period (default: the latest transaction).
    freq, freq_multiplier, datetime_format, monetary_value_col, include_first_transaction
        As :func:`summary_data_from_transaction_data`.

    Returns
    -------
    pandas.DataFrame
        ``frequency_cal``, ``recency_cal``, ``T_cal`` [, ``monetary_value_cal``],
        ``frequency_holdout`` [, ``monetary_value_holdout``] (mean value per
        holdout transaction), ``duration_holdout``; customers with a
        calibration purchase only.
    """
    pd = _require_pandas("cva.lifetimes.utils.calibration_and_holdout_data")
    ts = _timestamps(transactions[datetime_col], datetime_format)
    obs_end = ts.max() if observation_period_end is None else _one_timestamp(observation_period_end,
                                                                               datetime_format)
    cal_end = _one_timestamp(calibration_period_end, datetime_format)
    tsv = ts.to_numpy()
    cal_mask = tsv <= np.datetime64(cal_end)
    cal = transactions.loc[cal_mask]
    summary = summary_data_from_transaction_data(
        cal, customer_id_col, datetime_col, monetary_value_col=monetary_value_col,
        datetime_format=datetime_format, observation_period_end=cal_end, freq=freq,
        freq_multiplier=freq_multiplier, include_first_transaction=include_first_transaction)
    summary.columns = [c + "_cal" for c in summary.columns]
    hold_mask = (~cal_mask) & (tsv <= np.datetime64(obs_end))
    if not hold_mask.any():
        raise ValueError("There is no data available. Check the `observation_period_end` and  "
                         "`calibration_period_end` and confirm that values in `transactions` occur "
                         "prior to those dates.")
    hold = transactions.loc[hold_mask]
    hper = _period_numbers(ts[hold_mask], freq)
    hids = hold[customer_id_col]
    hids = hids.to_numpy() if hids.dtype.kind in "iu" else hids.tolist()
    hamt = hold[monetary_value_col].to_numpy(dtype=float) if monetary_value_col else np.zeros(len(hold))
    hs = _txn.summarize(hids, hper.astype(np.float64), hamt, fields=["n_occ", "n_txn", "total_amount"])
    hidx = pd.Index(list(hs["customer_id"]) if hs.text_ids else hs["customer_id"], name=customer_id_col)
    hcols = {"frequency_holdout": np.asarray(hs["n_occ"], dtype=float)}
    if monetary_value_col:
        hcols["monetary_value_holdout"] = (np.asarray(hs["total_amount"], dtype=float)
                                           / np.asarray(hs["n_txn"], dtype=float))
    hdf = pd.DataFrame(hcols, index=hidx)
    combined = summary.join(hdf, how="left")
    combined.fillna(0, inplace=True)
    ends = _period_numbers(pd.Series([obs_end, cal_end]), freq)
    combined["duration_holdout"] = float(ends[0] - ends[1]) / freq_multiplier
    return combined


def customer_lifetime_value(transaction_prediction_model, frequency, recency, T, monetary_value,
                            time: int = 12, discount_rate: float = 0.01, freq: str = "D"):
    """Discrete CLV with a given spend per transaction, as lifetimes'
    ``_customer_lifetime_value``: the sum over ``time`` months of
    ``monetary_value * (E[X(k)] - E[X(k-1)]) / (1 + discount_rate)^k``, the
    expectations from ``transaction_prediction_model.predict`` (libcva).

    Parameters
    ----------
    transaction_prediction_model : fitter
        With ``predict(t, frequency, recency, T)``.
    frequency, recency, T, monetary_value : array_like
    time : int
        Months.
    discount_rate : float
        Monthly discount rate.
    freq : {"D", "W", "M", "H"}
        Time unit of recency and T.

    Returns
    -------
    pandas.Series
        Named ``clv``, indexed 0..n-1.
    """
    pd = _require_pandas("cva.lifetimes.utils.customer_lifetime_value")
    factor = _freq_factor(freq)
    mv = np.asarray(monetary_value, dtype=float)
    clv = np.zeros(np.broadcast(np.asarray(frequency), mv).shape, dtype=float).reshape(-1)
    prev = 0.0  # E[X(0)] = 0
    for k in range(1, int(time) + 1):
        cur = np.asarray(transaction_prediction_model.predict(k * factor, frequency, recency, T), dtype=float)
        clv += (mv * (cur - prev)).reshape(-1) / (1 + discount_rate) ** k
        prev = cur
    return pd.Series(clv, index=range(clv.size), name="clv")


_customer_lifetime_value = customer_lifetime_value


def expected_cumulative_transactions(model, transactions, datetime_col: str, customer_id_col: str, t: int,
                                     datetime_format=None, freq: str = "D", freq_multiplier: int = 1,
                                     set_index_date: bool = False):
    """Actual and expected cumulative repeat transactions of the customer base,
    period by period from the first transaction (the tracking plot of Fader,
    Hardie & Lee 2005a), as lifetimes' ``expected_cumulative_transactions``.

    ``actual[j]``: repeat transactions (one per customer and period, the first
    period of each customer left out) in the first ``(j+1)·freq_multiplier``
    periods. ``predicted[j]``: Σ over the cohorts of first purchases before period
    ``i = (j+1)·freq_multiplier`` of ``size · E[X((i − cohort)/freq_multiplier)]``
    (``model.expected_number_of_purchases_up_to_time``, libcva).

    Parameters
    ----------
    model : fitter
        A fitted purchase model (time unit: ``freq`` periods / ``freq_multiplier``).
    transactions : pandas.DataFrame
    datetime_col, customer_id_col : str
    t : int
        Periods tracked.
    datetime_format : str, optional
    freq : str
        Period (pandas code).
    freq_multiplier : int
        Periods per model time unit.
    set_index_date : bool
        Index by period instead of 0..t/freq_multiplier-1.

    Returns
    -------
    pandas.DataFrame
        Columns ``actual`` and ``predicted``.
    """
    pd = _require_pandas("cva.lifetimes.utils.expected_cumulative_transactions")
    ts = _timestamps(transactions[datetime_col], datetime_format)
    per = _period_numbers(ts, freq)
    start = int(per.min())
    end = start + int(t)
    keep = per <= end
    ids = transactions[customer_id_col][keep]
    ids = ids.to_numpy() if ids.dtype.kind in "iu" else ids.tolist()
    # one summary call: first period and occasions per customer (occasions = distinct periods)
    s = _txn.summarize(ids, per[keep].astype(np.float64), np.zeros(int(np.count_nonzero(keep))),
                       end=float(end), fields=["first_t", "n_occ"])
    first = np.asarray(s["first_t"], dtype=np.int64) - start
    # distinct (customer, period) pairs per period, minus the first ones: repeat transactions
    codes = pd.factorize(pd.Series(ids))[0].astype(np.int64)
    rel = per[keep] - start
    pairs = np.unique(codes * (int(t) + 1) + rel)
    occ_per_period = np.bincount(pairs % (int(t) + 1), minlength=int(t) + 1)
    first_per_period = np.bincount(first, minlength=int(t) + 1)
    repeat_per_period = occ_per_period - first_per_period
    fm = int(freq_multiplier)
    cohorts = np.nonzero(first_per_period)[0]
    sizes = first_per_period[cohorts].astype(float)
    predicted, actual = [], []
    for i in range(fm, int(t) + 1, fm):
        before = cohorts < i
        times = (i - cohorts[before]).astype(float) / fm
        predicted.append(float(np.sum(np.asarray(model.expected_number_of_purchases_up_to_time(times))
                                      * sizes[before])))
        actual.append(int(np.sum(repeat_per_period[:i])))
    n = int(t) // fm
    if set_index_date:
        index = pd.PeriodIndex(pd.Period(ts.min(), freq=freq) + np.arange(fm - 1, int(t), fm), freq=freq)[:n]
    else:
        index = range(0, n)
    return pd.DataFrame({"actual": actual[:n], "predicted": predicted[:n]}, index=index)


def calculate_alive_path(model, transactions, datetime_col: str, t: int, freq: str = "D"):
    """P(alive) of one customer at each age 0..t periods since the first
    purchase, as lifetimes' ``calculate_alive_path``: at age T, frequency = the
    purchase periods up to T minus one, recency = the age of the last of them
    (``model.conditional_probability_alive``, libcva).

    Parameters
    ----------
    model : fitter
        A fitted BG/NBD, MBG/NBD or Pareto/NBD fitter, in ``freq`` units.
    transactions : pandas.DataFrame
        The customer's transactions.
    datetime_col : str
    t : int
        Last age (periods).
    freq : str
        Period (pandas code).

    Returns
    -------
    pandas.Series
        Indexed 0..max(t, span of the purchases).
    """
    pd = _require_pandas("cva.lifetimes.utils.calculate_alive_path")
    per = _period_numbers(_timestamps(transactions[datetime_col], None), freq)
    rel = np.unique(per - per.min())
    n = max(int(t) + 1, int(rel.max()) + 1)
    bought = np.zeros(n, dtype=bool)
    bought[rel] = True
    ages = np.arange(n, dtype=float)
    freq_path = np.cumsum(bought) - 1.0
    last = np.maximum.accumulate(np.where(bought, np.arange(n), 0)).astype(float)
    vals = np.asarray(model.conditional_probability_alive(freq_path, last, ages), dtype=float).reshape(-1)
    return pd.Series(vals)


def _scale_time(age):
    """lifetimes' time scale of the fit: 1 / max(age) (the library applies it itself)."""
    return 1.0 / np.asarray(age).max()


def _check_inputs(frequency, recency=None, T=None, monetary_value=None):
    """lifetimes' input checks (ValueError); the library checks the same again."""
    frequency = np.asarray(frequency)
    if recency is not None:
        recency = np.asarray(recency)
        if T is not None and np.any(recency > np.asarray(T)):
            raise ValueError("Some values in recency vector are larger than T vector.")
        if np.any(recency[frequency == 0] != 0):
            raise ValueError("There exist non-zero recency values when frequency is zero.")
        if np.any(recency < 0):
            raise ValueError("There exist negative recency (ex: last order set before first order)")
        if any(np.asarray(x).shape[0] == 0 for x in [recency, frequency, T]):
            raise ValueError("There exists a zero length vector in one of frequency, recency or T.")
    if np.sum((frequency - frequency.astype(int)) ** 2) != 0:
        raise ValueError("There exist non-integer values in the frequency vector.")
    if monetary_value is not None and np.any(np.asarray(monetary_value) <= 0):
        raise ValueError("There exist non-positive (<= 0) values in the monetary_value vector.")
