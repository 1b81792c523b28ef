"""Per-customer predictions as ``cva predict`` writes them: :func:`predict`, :class:`Predictions`."""

import collections

from . import _convert as cv
from ._churn import _BTYD, GammaGamma, clv as _clv, _field
from ._txn import _bad_arg


class Predictions(cv.FieldMapping):
    """Result of :func:`predict`: a read-only mapping of per-customer arrays with
    the column names of ``cva predict`` (``customer_id``, ``frequency``,
    ``recency``, ``T``, ``p_alive``, ``expected_purchases``, and with a spend
    model ``expected_avg_spend`` and ``clv``); ``horizon`` is the ``t`` used."""

    def __init__(self, fields, horizon):
        self._fields = fields
        self.horizon = horizon

    def __repr__(self):
        return "<cva.Predictions: %d customers, horizon %g, fields %s>" % (
            len(self._fields["p_alive"]), self.horizon, ", ".join(self._fields))

    def to_pandas(self, index: bool = True) -> "pandas.DataFrame":
        """The table of ``cva predict`` as a ``pandas.DataFrame``, indexed by
        ``customer_id`` (when the input had ids) unless ``index`` is false."""
        from . import _pandas
        cols = collections.OrderedDict((k, v) for k, v in self._fields.items() if k != "customer_id")
        return _pandas.frame(cols, self._fields.get("customer_id"), "Predictions.to_pandas()", index)


def predict(model, summary, t: float, spend_model=None, steps: int = 12, step_length: float = 30 / 7,
            discount: float = 0.01, margin: float = 1.0) -> "Predictions":
    """P(alive), expected repeat purchases in the next ``t`` time units and, with
    a Gamma-Gamma ``spend_model``, the expected spend per purchase and the CLV
    per customer: the columns of ``cva predict``.

    Parameters
    ----------
    model : BetaGeo, ModifiedBetaGeo, ParetoNBD or BetaGeoBetaBinom
        A fitted (or given) purchase model.
    summary : Summary, pandas.DataFrame or mapping
        With ``frequency``, ``recency`` and ``T`` (``monetary_value`` with a
        spend model); ``customer_id`` (a column, or the DataFrame's index) is
        carried through.
    t : float
        Horizon in the model's time unit.
    spend_model : GammaGamma, optional
        Adds ``expected_avg_spend`` (:meth:`GammaGamma.expected_spend`) and
        ``clv`` (:func:`cva.clv` with ``steps``, ``step_length``, ``discount``,
        ``margin``).

    Returns
    -------
    Predictions
    """
    if not isinstance(model, _BTYD):
        raise TypeError("predict: model must be a BetaGeo, ModifiedBetaGeo, ParetoNBD or BetaGeoBetaBinom")
    if spend_model is not None and not isinstance(spend_model, GammaGamma):
        raise TypeError("predict: spend_model must be a GammaGamma")
    from . import _pandas
    ids = None
    if _pandas.is_frame(summary):
        ids = summary["customer_id"] if "customer_id" in summary.columns else summary.index
        ids = list(ids)
    else:
        try:
            ids = _field(summary, "customer_id")
        except KeyError:
            ids = None
    x, tx, T = (cv.as_float64(_field(summary, nm), nm).owner for nm in ("frequency", "recency", "T"))
    if len(x) == 0:
        raise _bad_arg("predict: the summary has no customer")
    fields = collections.OrderedDict()
    if ids is not None:
        fields["customer_id"] = ids
    fields["frequency"], fields["recency"], fields["T"] = x, tx, T
    fields["p_alive"] = model.p_alive(x, tx, T)
    fields["expected_purchases"] = model.expected_purchases(t, x, tx, T)
    if spend_model is not None:
        mv = cv.as_float64(_field(summary, "monetary_value"), "monetary_value").owner
        fields["expected_avg_spend"] = spend_model.expected_spend(x, mv)
        fields["clv"] = _clv(model, spend_model, x, tx, T, mv, steps=steps, step_length=step_length,
                             discount=discount, margin=margin)
    return Predictions(fields, float(t))
