"""``lifetimes.utils`` on libcva: summaries from transactions, the calibration /
holdout split and the discrete CLV (see :mod:`cva.lifetimes`)."""

import numpy as np

from .. import _txn
from .._pandas import require as _require_pandas
from .fitters import ConvergenceError

__all__ = ["calibration_and_holdout_data", "summary_data_from_transaction_data",
           "customer_lifetime_value", "ConvergenceError"]

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
    prev = np.asarray(transaction_prediction_model.predict(0.0, frequency, recency, T), dtype=float)
    for k in range(1, int(time) + 1):
        cur = np.asarray(transaction_prediction_model.predict(k * factor, frequency, recency, T), dtype=float)
        clv += (mv * (cur - prev)).reshape(-1) / (1 + discount_rate) ** k
        prev = cur
    return pd.Series(clv, index=range(clv.size), name="clv")


_customer_lifetime_value = customer_lifetime_value
