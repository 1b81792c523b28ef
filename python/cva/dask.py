"""libcva on Dask: the single-process answers for transaction logs spread over a cluster.

``import cva.dask`` needs ``dask`` and ``distributed`` (or a dask scheduler of your
choice); the C library knows nothing of them. Every call takes a Dask DataFrame and
gives what the single-process call gives on the whole data (docs/scale-out.md):

- :func:`summarize`: transactions in any partitioning -> a Dask DataFrame indexed by
  customer id with the columns of :func:`cva.summarize` (``.to_pandas()`` of its
  result). The rows are shuffled by customer hash first unless ``partitioned=True``
  says that every customer's rows already sit in one partition. Exact: a partition
  holding all rows of its customers gives exactly their rows, and the end of
  observation is the global one.
- :func:`fit`: ``"bgnbd" | "mbgnbd" | "pnbd" | "nbd" | "bgbb" | "gg"`` on a summary,
  returning the single-process model object (:class:`cva.BetaGeo`, ...).
  ``method="merge"`` (default): every partition merges its identical rows into
  weights, the merges are added up across partitions and the client fits the
  distinct rows: the same rows, weights and order as the single-process fit, so the
  same bits (unweighted summaries). ``method="blocks"``: the optimiser runs on the
  client and every evaluation sums the partitions' ``cva_model_loglik_block``
  (nothing but parameters and 6 numbers per partition cross the network); equal to
  the optimiser's tolerance (1e-13 relative typically, 1e-7 when the fit stops on its
  f_tol rule).
- :func:`predict`: per-partition :func:`cva.predict` (exact: per-customer).
- :func:`clv`: per-partition :func:`cva.clv` with the fitted models' global parameters
  (exact per customer; the summary's partitions and order), :func:`clv_total` its
  count and sum added in partition order without gathering.
- :func:`rfm_from_summary` (per partition), :func:`rfm_cuts` and :func:`rfm_score`:
  exact for every method, without gathering the columns: the order statistics the
  cut sets need come from an exact search over the partitions' sorted keys
  (``_dask_select``: a few round trips of sampled keys and exact counts), then every
  partition is scored with ``cva_rfm_assign``.
- :func:`concentration` (Gini, top shares, Lorenz, whale figures) and
  :func:`tier_labels` (classes with the MGC step for a caller, model, share-of-wallet
  or peer-quantile potential, grades, pyramid): exact (figures within 1e-12 relative,
  labels equal) without gathering the values; a peer group's quantile from the same
  search confined to the group.
- :func:`tiers`: the whole :class:`cva.Tiers`, from the money columns gathered to the
  client (8 bytes per customer and column; see docs/scale-out.md for the limits); with
  ``gather=False`` its ``stats`` and lazy per-customer labels without gathering (every
  value kind, every potential source).
"""

import math
import warnings

from . import _errors, _lib
from . import _churn
from . import _txn
from . import _rfm
from . import _tiers
from . import _predict
from . import _convert as cv
from . import _dask_select

__all__ = ["summarize", "fit", "predict", "clv", "clv_total", "rfm_from_summary", "rfm_cuts", "rfm_score",
           "concentration", "tier_labels", "tiers", "DaskCuts", "DaskTiers", "SEARCH", "MODELS"]

MODELS = {"bgnbd": _churn.BetaGeo, "mbgnbd": _churn.ModifiedBetaGeo, "pnbd": _churn.ParetoNBD,
          "nbd": _churn.NBD, "bgbb": _churn.BetaGeoBetaBinom, "gg": _churn.GammaGamma}


#: The order-statistic search (docs/scale-out.md): keys sampled per partition and wanted
#: rank each round, and the width of a range fetched whole. Any values give the same
#: answers; they trade round trips against bytes per round.
SEARCH = {"samples": _dask_select.SAMPLES, "fetch": _dask_select.FETCH}


def _dd():
    try:
        import dask.dataframe as dd
    except ImportError as e:  # pragma: no cover - depends on the environment
        raise ImportError("cva.dask needs dask (apt-get install python3-dask python3-distributed, "
                          "or pip install 'dask[dataframe]' distributed): %s" % e) from None
    return dd


def _bad(msg):
    return _txn._bad_arg(msg)


# ---------------------------------------------------------------------------
# summaries

def _partition_latest(pdf, time, amount, cost, start):
    """Latest valid time of a partition (days when dates), or NaN."""
    import numpy as np
    if len(pdf) == 0:
        return np.nan
    t = cv.times_to_days(pdf[time].to_numpy() if pdf[time].dtype.kind == "M" else pdf[time].tolist(), "time")
    amt = cv.as_float64(pdf[amount].to_numpy() if amount is not None else np.zeros(len(pdf)), "amount")
    cst = cv.as_float64(pdf[cost].to_numpy(), "cost") if cost is not None else None
    s = _txn._scalar_time(start, "start")
    last = _txn._latest_time(t, amt, cst, s)
    return np.nan if last is None else last


def summarize(ddf, customer="customer_id", time="date", amount="amount", cost=None, referrer=None,
              end=None, calibration_end=None, time_unit=1, partitioned=False, **kw):
    """Per-customer summaries of a Dask DataFrame of transactions (one row per
    transaction), as :func:`cva.summarize` gives them for the whole frame.

    ``partitioned=True``: every customer's rows are in one partition already (e.g. the
    frame is indexed by customer with known divisions); otherwise the rows are shuffled
    by a hash of the customer id. ``end`` defaults to the latest valid time over all
    partitions (one pass). Other keywords (``start``, ``refund_policy``,
    ``period_length``, ``time_convention``, ``skip_invalid``, ...) go to
    :func:`cva.summarize`. ``referrer`` is refused: a referral credits another
    customer, whose row may live in another partition.

    Returns a lazy Dask DataFrame indexed by ``customer_id`` (ascending within each
    partition) with the columns of ``cva.summarize(...).to_pandas()``; customers without
    a purchase before ``calibration_end`` are kept with NaN statistics, as there.
    """
    dd = _dd()
    import pandas as pd
    if referrer is not None:
        raise _bad("cva.dask.summarize: referrer is not supported (a referral credits a customer "
                   "that may live in another partition); summarize referrals on one machine")
    if customer not in ddf.columns:
        raise _bad("cva.dask.summarize: no customer column %r" % customer)
    if end is None:
        parts = ddf.map_partitions(
            lambda p: pd.Series([_partition_latest(p, time, amount, cost, kw.get("start"))]),
            meta=(None, "f8"))
        m = parts.max().compute()
        if m == m:  # else: no valid row anywhere, leave it to the library
            end = float(m)
    if not partitioned:
        ddf = ddf.shuffle(on=customer)
    args = dict(customer=customer, time=time, amount=amount, cost=cost, end=end,
                calibration_end=calibration_end, time_unit=time_unit)
    args.update(kw)

    def one(pdf):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", _errors.CvaWarning)
            return _txn.summarize(pdf, **args).to_pandas()

    meta = one(ddf._meta_nonempty).iloc[:0]

    def part(pdf):
        if len(pdf) == 0:
            return meta.copy()
        out = one(pdf)
        return out[list(meta.columns)]

    return ddf.map_partitions(part, meta=meta, align_dataframes=False)


# ---------------------------------------------------------------------------
# fits

def _cols(model):
    return ("frequency", "monetary_value") if model == "gg" else ("frequency", "recency", "T")


def _merge_partition(pdf, cols):
    """Distinct rows of a partition with their counts; rows without a purchase are
    counted apart (one row with NaN keys and their count)."""
    import numpy as np
    import pandas as pd
    sub = pdf[list(cols)].astype("f8")
    nan = sub.isna().all(axis=1)
    g = sub[~nan].groupby(list(cols), sort=False).size().rename("w").reset_index()
    g["w"] = g["w"].astype("f8")
    if nan.any():
        row = {c: [np.nan] for c in cols}
        row["w"] = [float(nan.sum())]
        g = pd.concat([g, pd.DataFrame(row)], ignore_index=True)
    return g


def _resolve_model(model):
    if isinstance(model, str):
        key = model.lower().replace("/", "").replace("-", "")
        if key not in MODELS:
            raise _bad("cva.dask.fit: model must be one of %s" % ", ".join(MODELS))
        return key, MODELS[key]()
    for key, cls in MODELS.items():
        if type(model) is cls:
            return key, model
    raise _bad("cva.dask.fit: model must be a name (%s) or a model object" % ", ".join(MODELS))


def fit(model, summary, method="merge", **kw):
    """Fit ``model`` (``"bgnbd" | "mbgnbd" | "pnbd" | "nbd" | "bgbb" | "gg"``, or an
    unfitted model object) to a Dask summary (:func:`summarize`); returns the fitted
    single-process object (:class:`cva.BetaGeo`, ..., :class:`cva.GammaGamma`) with
    the status, warning and note of ``Model().fit_summary(whole_summary)``.

    ``method="merge"`` (exact): the partitions' distinct rows and counts are added up
    on the cluster and fitted on the client. ``method="blocks"``: the client's optimiser
    (``cva_model_fit_loglik``) sums the partitions' likelihood blocks at every
    evaluation (the summary is persisted on the workers for the fit). Keywords
    (``penalizer``, ``start``, ``max_iter``, ``grad_tol``, ``f_tol``, ``q_above_one``)
    go to the fit.
    """
    key, m = _resolve_model(model)
    cols = _cols(key)
    missing = [c for c in cols if c not in summary.columns]
    if missing:
        raise _bad("cva.dask.fit: the summary lacks column(s) %s" % ", ".join(missing))
    if method == "merge":
        return _fit_merge(key, m, summary, cols, kw)
    if method == "blocks":
        return _fit_blocks(key, m, summary, cols, kw)
    raise _bad("cva.dask.fit: method must be 'merge' or 'blocks'")


_NP_TEXT = b"rows without a purchase (NaN x, t_x and T) were skipped: their outputs are NaN (diag->count rows)"
_GG_NP_TEXT = b"rows without a purchase (NaN x) and rows with x < 1 or m_x <= 0 were ignored"
_GG_IGN_TEXT = b"rows with x < 1 or m_x <= 0 were ignored"


def _fit_merge(key, m, summary, cols, kw):
    """The partitions' distinct rows, added up, fitted on the client: the rows, weights
    and order of the single-process fit's own merge (cva_model_fit_btyd merges identical
    rows into weights and sorts them), hence the same bits for unweighted summaries."""
    import ctypes
    import numpy as np
    import pandas as pd
    meta = pd.DataFrame({c: pd.Series([], dtype="f8") for c in list(cols) + ["w"]})
    merged = summary.map_partitions(_merge_partition, cols, meta=meta)
    rows = merged.groupby(list(cols), dropna=False).w.sum().compute().reset_index()
    nan = rows[list(cols)].isna().all(axis=1).to_numpy()
    n_np = int(rows.w[nan].sum())
    rows = rows[~nan]
    n_ign = 0
    if key == "gg":  # rows the model does not use: counted, not sent
        use = ((rows.frequency >= 1) & (rows.monetary_value > 0)).to_numpy()
        n_ign = int(rows.w[~use].sum())
        rows = rows[use]
    rows = rows.sort_values(list(cols), kind="mergesort")
    arrs = [np.ascontiguousarray(rows[c].to_numpy(dtype="f8")) for c in cols]
    w = np.ascontiguousarray(rows.w.to_numpy(dtype="f8"))
    P = ctypes.POINTER(ctypes.c_double)
    ptr = [a.ctypes.data_as(P) for a in arrs + [w]]
    fkw = dict(kw)
    opts, keep = _opts(m, fkw)
    fit_ = _lib.ModelFit()
    diag = _lib.Diag()
    lib = _lib.get()
    n = len(w)
    if key == "gg":
        st = lib.cva_gg_fit(ptr[0], ptr[1], ptr[2], n, ctypes.byref(opts), ctypes.byref(fit_), ctypes.byref(diag))
        ignored = n_ign + n_np
        if st >= 0:
            diag.count = ignored
            if st == _errors.OK and n_np:
                st, diag.detail = _errors.W_EXCLUDED, _GG_NP_TEXT
            elif st == _errors.OK and ignored:
                diag.detail = _GG_IGN_TEXT
        if st == _errors.W_EMPTY:
            diag.count = ignored
    else:
        st = lib.cva_model_fit_btyd(m._model_id, ptr[0], ptr[1], ptr[2], ptr[3], n, ctypes.byref(opts),
                                    ctypes.byref(fit_), ctypes.byref(diag))
        if n_np and st >= 0:
            if st == _errors.OK:
                st, diag.detail = _errors.W_EXCLUDED, _NP_TEXT
            elif st == _errors.W_EMPTY and n == 0:
                diag.detail = b"every row is without a purchase (NaN x, t_x and T)"
            diag.count = n_np
    return _finish(key, m, st, diag, fit_, keep, n_np, n_ign, summary)


def _opts(m, fkw):
    q1 = bool(fkw.pop("q_above_one", False))
    pen = fkw.pop("penalizer", None)
    if pen is None:
        pen = m.penalizer
    else:
        m.penalizer = float(pen)
    opts, keep = _churn._fit_opts(m, pen, fkw.pop("start", None), fkw.pop("max_iter", None),
                                  fkw.pop("progress", None), fkw.pop("grad_tol", None), fkw.pop("f_tol", None),
                                  True, q1)
    if fkw:
        raise TypeError("cva.dask.fit: unexpected keyword(s) %s" % ", ".join(sorted(fkw)))
    return opts, keep


def _finish(key, m, st, diag, fit_, keep, n_np, n_ign, summary):
    """The model object as Model().fit_summary(whole summary) leaves it: status,
    warnings, note, counts (and for Gamma-Gamma the x / m_x correlation)."""
    name = "%s.fit_summary" % type(m).__name__
    fname = "%s.fit" % type(m).__name__
    m.note = None
    _churn._finish_fit(m, st, diag, fit_, keep, fname)
    if key == "gg":
        m.no_purchase = n_np
        m.ignored = m.rows_not_used = n_ign
        m.correlation = _gg_correlation(summary)
        notes = []
        if n_np:
            notes.append("%d customer(s) without a purchase were left out" % n_np)
        if n_ign:
            notes.append("%d customer(s) without a repeat purchase (or with spend <= 0) were "
                         "ignored by the fit" % n_ign)
        m.note = "; ".join(notes) or None
    elif n_np:
        m.note = ("%d customer(s) without a purchase in the calibration period were "
                  "left out" % n_np)
        if m.status != _errors.W_EXCLUDED:
            warnings.warn(_errors.CvaWarning("%s: %s" % (name, m.note), count=n_np), stacklevel=3)
    return m


def _gg_correlation(summary):
    """Pearson correlation of x and m_x over the rows with x >= 1 and m_x > 0
    (cva.gg_correlation), from two passes of per-partition sums (means, then centred
    products); NaN when fewer than two rows or a constant column."""
    import numpy as np
    import pandas as pd

    def usable(p):
        x = p["frequency"].to_numpy(dtype="f8")
        v = p["monetary_value"].to_numpy(dtype="f8")
        ok = (x >= 1) & (v > 0)
        return x[ok], v[ok]

    def s1(p):
        x, v = usable(p)
        return pd.DataFrame({"n": [float(len(x))], "sx": [math.fsum(x)], "sv": [math.fsum(v)]})

    t = summary.map_partitions(s1, meta={"n": "f8", "sx": "f8", "sv": "f8"}).compute()
    n = t.n.sum()
    if n < 2:
        return math.nan
    mx, mv = math.fsum(t.sx) / n, math.fsum(t.sv) / n

    def s2(p):
        x, v = usable(p)
        dx, dv = x - mx, v - mv
        return pd.DataFrame({"xx": [math.fsum(dx * dx)], "vv": [math.fsum(dv * dv)], "xv": [math.fsum(dx * dv)]})

    u = summary.map_partitions(s2, meta={"xx": "f8", "vv": "f8", "xv": "f8"}).compute()
    xx, vv, xv = math.fsum(u.xx), math.fsum(u.vv), math.fsum(u.xv)
    if not (xx > 0 and vv > 0):
        return math.nan
    del np
    return max(-1.0, min(1.0, xv / math.sqrt(xx * vv)))


class _Blocks:
    """The objective of a blocks fit: the likelihood block of every partition. With a
    distributed client the partitions' columns stay on the workers as numpy arrays
    (futures) and every evaluation maps the C call over them; else dask.compute."""

    def __init__(self, key, summary, cols):
        self.model = _lib.MODEL_GG if key == "gg" else MODELS[key]._model_id
        self.error = None
        self.evaluations = 0
        parts = summary[list(cols)].to_delayed()
        try:
            from distributed import default_client
            self.client = default_client()
        except (ImportError, ValueError):
            self.client = None
        if self.client is not None:
            # one block per worker: its partitions' columns concatenated where they are
            c = self.client
            futs = c.map(_arrays, c.compute(parts), cols=cols)
            from distributed import wait
            wait(futs)
            where = c.who_has(futs)
            by_worker = {}
            for f in futs:
                w = (where.get(f.key) or ("",))[0]
                by_worker.setdefault(w, []).append(f)
            self.parts = [c.submit(_concat, fs, workers=[w] if w else None, allow_other_workers=True, pure=False)
                          for w, fs in sorted(by_worker.items())]
            wait(self.parts)
        else:
            import dask
            self.parts = dask.persist(*[dask.delayed(_arrays)(p, cols) for p in parts])

    def blocks(self, params, time_scale):
        if self.client is not None:
            futs = self.client.map(_block, self.parts, model=self.model, params=params, time_scale=time_scale,
                                   pure=False)
            return self.client.gather(futs)
        import dask
        return dask.compute(*[dask.delayed(_block)(p, self.model, params, time_scale) for p in self.parts])

    def release(self):
        if self.client is not None:
            self.client.cancel(self.parts)
        self.parts = None


def _concat(blocks):
    import numpy as np
    return [np.ascontiguousarray(np.concatenate([b[i] for b in blocks])) for i in range(len(blocks[0]))]


def _arrays(pdf, cols):
    import numpy as np
    return [np.ascontiguousarray(pdf[c].to_numpy(dtype="f8")) for c in cols]


def _block(arrs, model, params, time_scale):
    """cva_model_loglik_block on one partition: (status, ll_sum, grad, counts..., detail)."""
    import ctypes
    lib = _lib.get()
    P = ctypes.POINTER(ctypes.c_double)
    ptrs = [a.ctypes.data_as(P) for a in arrs]
    b = _lib.LoglikBlock()
    d = _lib.Diag()
    pp = (ctypes.c_double * 4)(*params) if params is not None else None
    st = lib.cva_model_loglik_block(model, pp, float(time_scale), ptrs[0], ptrs[1],
                                    ptrs[2] if len(ptrs) > 2 else None, None, len(arrs[0]), None,
                                    ctypes.byref(b), ctypes.byref(d))
    return (int(st), float(b.ll_sum), list(b.grad), float(b.weight_total), float(b.max_T), int(b.n_rows),
            int(b.n_distinct), int(b.n_no_purchase), int(b.n_ignored), d.detail_text)


def _fit_blocks(key, m, summary, cols, kw):
    import ctypes
    lib = _lib.get()
    ob = _Blocks(key, summary, cols)
    tot = _lib.LoglikBlock()
    tot.model = ob.model
    for r in ob.blocks(None, 1.0):
        if r[0] < 0:
            _lib.raise_for_status(r[0], None, "cva_model_loglik_block: %s" % r[9])
        tot.weight_total += r[3]
        tot.max_T = max(tot.max_T, r[4])
        tot.n_rows += r[5]
        tot.n_distinct += r[6]
        tot.n_no_purchase += r[7]
        tot.n_ignored += r[8]

    def objective(user, params, time_scale, ll_sum, grad):
        try:
            ob.evaluations += 1
            p = [params[i] for i in range(4)]
            s, g = 0.0, [0.0] * 4
            for r in ob.blocks(p, time_scale):
                if r[0] == _errors.E_DOMAIN:
                    ll_sum[0] = math.nan
                    return 0
                if r[0] < 0:
                    raise _errors.error_class(r[0])("cva_model_loglik_block: %s" % r[9])
                s += r[1]
                g = [a + b for a, b in zip(g, r[2])]
            ll_sum[0] = s
            for i in range(4):
                grad[i] = g[i]
            return 0
        except BaseException as e:  # noqa: B902 - re-raised after the C call
            ob.error = e
            return _errors.E_CANCELED

    cb = _lib.LoglikFunc(objective)
    opts, keep = _opts(m, dict(kw))
    fit_ = _lib.ModelFit()
    diag = _lib.Diag()
    st = lib.cva_model_fit_loglik(ob.model, cb, None, ctypes.byref(tot), ctypes.byref(opts),
                                  ctypes.byref(fit_), ctypes.byref(diag))
    ob.release()
    if ob.error is not None:
        raise ob.error
    n_np = int(tot.n_no_purchase)
    m = _finish(key, m, st, diag, fit_, keep, n_np, int(tot.n_ignored) - n_np if key == "gg" else 0, summary)
    m.evaluations_distributed = ob.evaluations
    return m


# ---------------------------------------------------------------------------
# per-customer results

def predict(fitted, summary, t, spend_model=None, **kw):
    """Per-customer predictions (:func:`cva.predict`: P(alive), expected purchases in
    the next ``t`` units, with a Gamma-Gamma ``spend_model`` the expected spend and CLV)
    partition by partition: a lazy Dask DataFrame indexed by customer id."""
    import pandas as pd

    def one(pdf):
        if len(pdf) == 0:
            return None
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", _errors.CvaWarning)
            return _predict.predict(fitted, pdf, t, spend_model=spend_model, **kw).to_pandas()

    meta = one(summary._meta_nonempty.assign(frequency=1.0, recency=1.0, T=2.0, monetary_value=1.0))
    meta = meta.iloc[:0]

    def part(pdf):
        out = one(pdf)
        return meta.copy() if out is None else out[list(meta.columns)]

    del pd
    return summary.map_partitions(part, meta=meta)


def _clv_part(pdf, purchase_model, spend_model, kw, names=None):
    """cva.clv of one partition (its customers in its order); the warnings' status
    names appended to ``names``."""
    import numpy as np
    if len(pdf) == 0:
        return np.zeros(0)
    with warnings.catch_warnings(record=True) as rec:
        warnings.simplefilter("always")
        out = _churn.clv(purchase_model, spend_model, pdf["frequency"].to_numpy(dtype="f8"),
                         pdf["recency"].to_numpy(dtype="f8"), pdf["T"].to_numpy(dtype="f8"),
                         pdf["monetary_value"].to_numpy(dtype="f8"), **kw)
    if names is not None:
        for w in rec:
            nm = getattr(w.message, "name", None)
            if nm and nm not in names:
                names.append(nm)
    return np.asarray(out, dtype="f8")


def _clv_kw(kw):
    allowed = ("steps", "step_length", "discount", "margin")
    bad = sorted(k for k in kw if k not in allowed)
    if bad:
        raise TypeError("cva.dask.clv: unexpected keyword(s) %s" % ", ".join(bad))
    return dict(kw)


def clv(purchase_model, spend_model, summary, **kw):
    """CLV per customer (:func:`cva.clv`: ``steps``, ``step_length``, ``discount``,
    ``margin``) partition by partition with the fitted models' global parameters (e.g.
    from :func:`fit`): a lazy Dask Series ``clv`` indexed by customer id with the
    summary's partitions and their customers in their order, so that it can be given to
    :func:`tiers` (``clv=``) and :func:`tier_labels` (``potential=``). Exact: each
    customer's CLV is the single-process value to the bit. Totals: :func:`clv_total`."""
    import pandas as pd
    _clv_kw(kw)
    _churn.clv(purchase_model, spend_model, [1.0], [1.0], [2.0], [1.0], **kw)  # models and options checked here

    def part(pdf):
        return pd.Series(_clv_part(pdf, purchase_model, spend_model, kw), index=pdf.index, name="clv")
    meta = pd.Series([], dtype="f8", name="clv", index=summary._meta.index)
    return summary[["frequency", "recency", "T", "monetary_value"]].map_partitions(part, meta=meta)


def clv_total(purchase_model, spend_model, summary, **kw):
    """The totals of :func:`clv` without gathering it: per partition the count, the
    customers with a CLV (not NaN) and their exactly rounded sum (``math.fsum``), added
    on the client in partition order (a fixed order: the same figure for the same
    partitioning, within 1e-12 relative of ``math.fsum`` over the single-process
    column for any). Returns a dict ``n``, ``n_valid``, ``total``, ``mean`` (over the
    valid ones) and ``warnings`` (the status names :func:`cva.clv` warned with on any
    partition, also raised here as one :class:`cva.CvaWarning` each)."""
    import dask
    _clv_kw(kw)
    _churn.clv(purchase_model, spend_model, [1.0], [1.0], [2.0], [1.0], **kw)

    def part(pdf):
        import numpy as np
        names = []
        v = _clv_part(pdf, purchase_model, spend_model, kw, names)
        ok = v[~np.isnan(v)]
        return len(v), len(ok), math.fsum(ok), names
    sub = summary[["frequency", "recency", "T", "monetary_value"]]
    res = dask.compute(*[dask.delayed(part)(p) for p in sub.to_delayed()])
    names = []
    for r in res:
        for nm in r[3]:
            if nm not in names:
                names.append(nm)
    n, nv = sum(r[0] for r in res), sum(r[1] for r in res)
    total = math.fsum(r[2] for r in res)
    for nm in names:
        warnings.warn(_errors.CvaWarning("cva.dask.clv_total: cva.clv warned %s on some partition" % nm,
                                         name=nm), stacklevel=2)
    return {"n": n, "n_valid": nv, "total": total, "mean": total / nv if nv else math.nan, "warnings": names}


def rfm_from_summary(summary, end, frequency="txn", monetary="total"):
    """Raw R, F, M (:func:`cva.rfm_from_summary`) partition by partition: a Dask
    DataFrame with ``r, f, m`` indexed by customer id. ``end`` is the end the summary
    was measured to (the ``end``/``calibration_end`` given to :func:`summarize`)."""
    import pandas as pd

    def part(pdf):
        if len(pdf) == 0:
            return pd.DataFrame({"r": pd.Series([], dtype="f8"), "f": pd.Series([], dtype="f8"),
                                 "m": pd.Series([], dtype="f8")}, index=pdf.index)
        res = {c: pdf[c].to_numpy() for c in pdf.columns}
        raw = _rfm.rfm_from_summary(res, end=end, frequency=frequency, monetary=monetary)
        return pd.DataFrame({"r": raw.recency, "f": raw.frequency, "m": raw.monetary}, index=pdf.index)

    meta = pd.DataFrame({"r": pd.Series([], dtype="f8"), "f": pd.Series([], dtype="f8"),
                         "m": pd.Series([], dtype="f8")}, index=summary._meta.index)
    return summary.map_partitions(part, meta=meta)


def _gather(ddf, cols):
    """The columns of a Dask frame on the client, in ascending customer id order."""
    pdf = ddf[list(cols)].compute()
    return pdf.sort_index(kind="mergesort")


def _compute(stores):
    """compute(fn, args): fn(store_p, args_p) on every partition's persisted store."""
    import dask

    def run(fn, args):
        return list(dask.compute(*[dask.delayed(fn, pure=False)(s, a) for s, a in zip(stores, args)]))
    return run


def _sorted_part(pdf):
    """A partition in ascending customer-id order (stable), and whether it was already."""
    if pdf.index.is_monotonic_increasing:
        return pdf, True
    return pdf.sort_index(kind="mergesort"), False


def _rfm_check(pdf):
    """Per partition: the kept count (recency not NaN) and, per column, the smallest id
    of a kept customer whose value is not finite (None if none)."""
    import numpy as np
    pdf, _ = _sorted_part(pdf)
    r = pdf["r"].to_numpy(dtype="f8")
    keep = ~np.isnan(r)
    bad = []
    for c in ("r", "f", "m"):
        v = pdf[c].to_numpy(dtype="f8")[keep]
        nf = np.flatnonzero(~np.isfinite(v))
        bad.append(pdf.index[keep][nf[0]] if len(nf) else None)
    return int(keep.sum()), bad


def _rfm_store(pdf, col, sign):
    import numpy as np
    pdf, _ = _sorted_part(pdf)
    r = pdf["r"].to_numpy(dtype="f8")
    keep = ~np.isnan(r)
    v = pdf[col].to_numpy(dtype="f8")[keep]
    return _dask_select.sorted_keys(sign * v, pdf.index.to_numpy()[keep])


class DaskCuts:
    """The three cut sets of :func:`rfm_cuts`: ``structs`` (``cva_rfm_cuts``, R, F, M;
    ``index`` fields INT64_MAX: a boundary's position is its customer id, ``ids``),
    ``ids[q][j]`` the customer id of boundary j of column q (None for value-only cuts),
    ``values`` (per column, as ``cva.rfm_score(...).cuts[q].values``), ``scored``,
    ``ties_split``, ``status`` (0, ``W_TIES`` or ``W_EMPTY``), ``bins``, ``method``,
    ``rounds`` (round trips of the order-statistic search) and ``bytes`` (bytes the
    client received in them)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self):
        return "DaskCuts(method=%r, bins=%d, scored=%d, values=%r)" % (self.method, self.bins, self.scored,
                                                                      self.values)


def rfm_cuts(summary, bins=5, method="rank-first", fixed_cuts=None, closure="right"):
    """The R, F, M cut sets of a Dask DataFrame with ``r, f, m`` indexed by customer id
    (:func:`rfm_from_summary`), exactly those :func:`cva.rfm_score` builds on the whole
    frame in ascending id order, without gathering the columns: the order statistics
    each method needs (rank-first and NTILE: the last element of every bin but the last,
    with its customer id; value cuts and R rfm: the two order statistics of every type-7
    quantile) come from the exact search of docs/scale-out.md. Returns a
    :class:`DaskCuts`; :func:`rfm_score` applies it partition by partition."""
    import ctypes
    import dask
    for c in ("r", "f", "m"):
        if c not in summary.columns:
            raise _bad("cva.dask.rfm_cuts: no column %r (use cva.dask.rfm_from_summary)" % c)
    fixed = None
    if fixed_cuts is not None:
        fixed = fixed_cuts
    opts, keep = _rfm._make_opts(bins, method, fixed, closure)
    k, meth = int(opts.bins), int(opts.method)
    sub = summary[["r", "f", "m"]].persist()  # read four times below: computed once
    parts = sub.to_delayed()
    checks = dask.compute(*[dask.delayed(_rfm_check)(p) for p in parts])
    m = sum(c[0] for c in checks)
    lib = _lib.get()
    structs, ids, values = [], [], []
    ties = False
    rounds = nbytes = 0
    for q in range(3):
        # the checks in the library's order: per column (R, F, M) its values, then the
        # cut-set template of the method (bins, closure, flags, fixed thresholds, checked
        # by the library on no value)
        bad = [c[1][q] for c in checks if c[1][q] is not None]
        if bad:
            e = _rfm._nonfinite("rfm_score", None, "%s: value is NaN or infinite for a scored customer "
                                "(customer %r)" % (_rfm._COLUMNS[q], min(bad)))
            e.column = _rfm._COLUMNS[q]
            e.customer_id = min(bad)
            raise e
        direction = _lib.RFM_RECENCY if q == 0 else _lib.RFM_ASCENDING
        c = _lib.RfmCuts()
        d = _lib.Diag()
        st = lib.cva_rfm_cuts_compute(None, 0, direction, ctypes.byref(opts), q, ctypes.byref(c), None, 0,
                                      ctypes.byref(d))
        _rfm._raise(st, d, "rfm_score")
        c.scored = m
        cid = [None] * max(k - 1, 0)
        if meth != _lib.RFM_FIXED and k > 1 and m > 0:
            sign = -1.0 if (meth == _lib.RFM_NTILE and q == 0) else 1.0
            col = ("r", "f", "m")[q]
            stores = dask.persist(*[dask.delayed(_rfm_store)(p, col, sign) for p in parts])
            run = _compute(stores)
            if meth == _lib.RFM_RANK_FIRST:
                ranks = [((m - 1) * j) // k + 1 for j in range(1, k)]
            elif meth == _lib.RFM_NTILE:
                qq, rho = m // k, m % k
                ranks = [min(m, j * qq + min(j, rho)) for j in range(1, k)]
            else:
                ranks = []
                for j in range(1, k):
                    lo = ((m - 1) * j) // k
                    ranks += [lo + 1, min(lo + 2, m)]
            uniq = sorted(set(ranks))
            keys, nr, nb = _dask_select.select(stores, uniq, run, **SEARCH)
            rounds, nbytes = rounds + nr, nbytes + nb
            at = dict(zip(uniq, keys))
            if meth in (_lib.RFM_RANK_FIRST, _lib.RFM_NTILE):
                le = _dask_select.count_value_le(stores, [at[r][0] for r in ranks], run)
                rounds += 1
                if meth == _lib.RFM_NTILE and q == 0:
                    c.negate, c.reverse = 1, 0
                for j, r in enumerate(ranks):
                    c.value[j] = at[r][0]
                    cid[j] = at[r][1]
                    c.index[j] = 0  # a real boundary; its position is per partition
                    if r < m and le[j] > r:
                        c.ties_split = 1
            else:
                for j in range(1, k):
                    x1, x2 = at[ranks[2 * (j - 1)]][0], at[ranks[2 * (j - 1) + 1]][0]
                    fr = ((m - 1) * j) % k
                    f = float(fr) / float(k)
                    v = x1 if fr == 0 else x1 + f * (x2 - x1)
                    if meth == _lib.RFM_R_RFM:
                        v += 1.0
                    c.value[j - 1] = v
                c.closure = _lib.RFM_CLOSE_LEFT if meth == _lib.RFM_R_RFM else _lib.RFM_CLOSE_RIGHT
            del stores
        ties = ties or bool(c.ties_split)
        structs.append(c)
        ids.append(cid)
        values.append([float(c.value[j]) for j in range(max(k - 1, 0))])
    del keep, sub, parts
    st = _errors.W_EMPTY if m == 0 else _errors.W_TIES if ties else _errors.OK
    return DaskCuts(structs=structs, ids=ids, values=values, scored=m, ties_split=ties, status=st,
                    bins=k, method=_rfm._METHOD_NAMES[meth], rounds=rounds, bytes=nbytes,
                    kernel=int(opts.kernel))


def _rfm_assign_part(pdf, blobs, ids, kernel):
    """Scores of one partition: the cut sets with every (value, id) boundary's position
    translated to this partition (the number of its customers with id <= the boundary's,
    minus one), then cva_rfm_assign on each column with the recency mask."""
    import ctypes
    import numpy as np
    import pandas as pd
    n = len(pdf)
    out = {}
    if n:
        spdf, was_sorted = _sorted_part(pdf)
        local = spdf.index.to_numpy()
        r = np.ascontiguousarray(spdf["r"].to_numpy(dtype="f8"))
        lib = _lib.get()
        P = ctypes.POINTER(ctypes.c_double)
        for q, col in enumerate(("r", "f", "m")):
            v = r if q == 0 else np.ascontiguousarray(np.where(np.isnan(r), np.nan, spdf[col].to_numpy(dtype="f8")))
            c = _lib.RfmCuts.from_buffer_copy(blobs[q])
            for j, cid in enumerate(ids[q]):
                if cid is not None:
                    c.index[j] = int(np.searchsorted(local, cid, side="right")) - 1
            s = np.empty(n, dtype=np.int32)
            d = _lib.Diag()
            st = lib.cva_rfm_assign(v.ctypes.data_as(P), 0, n, ctypes.byref(c), kernel,
                                    s.ctypes.data_as(ctypes.POINTER(ctypes.c_int32)), ctypes.byref(d))
            _lib.raise_for_status(st, d, "rfm_assign")
            out["s_" + col] = s
        res = pd.DataFrame(out, index=spdf.index)
        return res if was_sorted else res.loc[pdf.index]
    return pd.DataFrame({k: pd.Series([], dtype="i4") for k in ("s_r", "s_f", "s_m")}, index=pdf.index)


def rfm_score(summary, bins=5, method="rank-first", fixed_cuts=None, closure="right", kernel="auto",
              warn_ties=False, cuts=None):
    """Scores ``s_r, s_f, s_m`` (int32) of a Dask DataFrame with ``r, f, m`` indexed by
    customer id (:func:`rfm_from_summary`), exactly as :func:`cva.rfm_score` on the whole
    frame in ascending id order (ties of the rank methods by customer id), for every
    method and any partitioning. The cut sets come from :func:`rfm_cuts` (or ``cuts``,
    its result) without gathering the columns; every partition is then scored with
    ``cva_rfm_assign``. Returns a lazy Dask DataFrame with the input's partitions and
    index. Warnings as :func:`cva.rfm_score` (``W_EMPTY``; ``W_TIES`` with
    ``warn_ties=True``)."""
    import pandas as pd
    kern = _rfm._choice(kernel, _rfm._KERNEL, "kernel")
    if cuts is None:
        cuts = rfm_cuts(summary, bins=bins, method=method, fixed_cuts=fixed_cuts, closure=closure)
    if cuts.status == _errors.W_EMPTY or (cuts.status > 0 and warn_ties):
        what = "nobody to score (every recency is NaN)" if cuts.status == _errors.W_EMPTY else \
            "tied values were split across bins"
        warnings.warn(_errors.CvaWarning("rfm_score: %s" % what, status=cuts.status,
                                         name=_lib.status_name(cuts.status)), stacklevel=2)
    blobs = [bytes(c) for c in cuts.structs]
    meta = pd.DataFrame({k: pd.Series([], dtype="i4") for k in ("s_r", "s_f", "s_m")},
                        index=summary._meta.index)
    return summary[["r", "f", "m"]].map_partitions(_rfm_assign_part, blobs, cuts.ids, kern, meta=meta)


# ---------------------------------------------------------------------------
# concentration and tier boundaries without gathering the values

def _value_store(pdf):
    """A partition's values as keys of the descending ranking: x = -v (a zero +0),
    ties by ascending id; (xs, ids) sorted, and whether a value is not finite."""
    import numpy as np
    pdf, _ = _sorted_part(pdf)
    v = pdf.iloc[:, 0].to_numpy(dtype="f8")
    bad = pdf.index[np.flatnonzero(~np.isfinite(v))[0]] if not np.all(np.isfinite(v)) else None
    x = -v + 0.0
    o = np.argsort(x, kind="stable")  # ids ascending already: the (x, id) order
    pay = tuple(np.ascontiguousarray(pdf.iloc[:, j].to_numpy(dtype="f8")[o]) for j in range(1, pdf.shape[1]))
    return (np.ascontiguousarray(x[o]), pdf.index.to_numpy()[o], bad) + pay


def _payload_sums(store, keys):
    """Per key K: for the value and every payload column, (fsum over the keys <= K,
    fsum over the keys > K)."""
    xs, ids = store[0], store[1]
    cols = [-xs] + list(store[3:])
    out = []
    for K in keys:
        c = 0 if K is None else _dask_select.count_le(xs, ids, K[0], K[1])
        out.append([(math.fsum(a[:c]), math.fsum(a[c:])) for a in cols])
    return out


def _value_totals(store, _a):
    """n, sum, sum of positives, number and sum of negatives, number > 0 (fsum)."""
    v = -store[0]
    pos, neg = v[v > 0], v[v < 0]
    return len(v), math.fsum(v), math.fsum(pos), len(neg), math.fsum(neg), len(pos), store[2]


def _value_sums(store, keys):
    """Per key K (or None: nothing): (fsum of v over the keys <= K, its positive part,
    fsum of v over the keys > K, its positive part)."""
    xs, ids = store[0], store[1]
    cnt = [0 if K is None else _dask_select.count_le(xs, ids, K[0], K[1]) for K in keys]
    edges = sorted(set(cnt) | {0, len(xs)})
    seg, segp = {}, {}  # fsum of -xs[e_i:e_{i+1}] (and of its positive part), one pass
    for a, b in zip(edges[:-1], edges[1:]):
        v = -xs[a:b]
        seg[a], segp[a] = math.fsum(v), math.fsum(v[v > 0])
    starts = edges[:-1]
    out = []
    for c in cnt:
        top = [seg[a] for a in starts if a < c]
        bot = [seg[a] for a in starts if a >= c]
        topp = [segp[a] for a in starts if a < c]
        botp = [segp[a] for a in starts if a >= c]
        out.append((math.fsum(top), math.fsum(topp), math.fsum(bot), math.fsum(botp)))
    return out


def _value_runs(store, bounds):
    """The partition's values of each bucket (t_{b-1}, t_b] of x = -v as runs
    (distinct x ascending, counts)."""
    import numpy as np
    xs = store[0]
    cut = [0] + [int(np.searchsorted(xs, t, side="right")) for t in bounds] + [len(xs)]
    out = []
    for b in range(len(cut) - 1):
        seg = xs[cut[b]:cut[b + 1]]
        if len(seg) == 0:
            out.append((np.zeros(0), np.zeros(0, dtype=np.int64)))
            continue
        start = np.flatnonzero(np.concatenate(([True], seg[1:] != seg[:-1])))
        cnt = np.diff(np.concatenate((start, [len(seg)])))
        out.append((seg[start], cnt))
    return out


def _bucket_gini(n, *pieces):
    """Gini sums of one bucket: T = sum over runs of c (2 below + c - n) v, v ascending,
    below counted inside the bucket (the client adds 2 L_b S_b), for all values and
    for the positive ones (the positive-part Gini: a clipped run of zeros adds 0)."""
    import numpy as np
    xs = np.concatenate([p[0] for p in pieces]) if pieces else np.zeros(0)
    cs = np.concatenate([p[1] for p in pieces]) if pieces else np.zeros(0, dtype=np.int64)
    if len(xs) == 0:
        return 0, 0.0, 0.0, 0.0, 0.0
    o = np.argsort(-xs, kind="stable")  # ascending v
    v, c = -xs[o] + 0.0, cs[o]
    start = np.flatnonzero(np.concatenate(([True], v[1:] != v[:-1])))
    cnt = np.add.reduceat(c, start).astype(np.float64)
    val = v[start]
    below = np.concatenate(([0.0], np.cumsum(cnt)[:-1]))
    coef = cnt * (2.0 * below + cnt - float(n))
    t = coef * val
    sv = cnt * val
    pos = val > 0
    return int(cnt.sum()), math.fsum(t), math.fsum(sv), math.fsum(t[pos]), math.fsum(sv[pos])


def _split_pn(p, n):
    """cva's split of p*n into a count and a fraction (within 1e-9 of an integer: it)."""
    t = p * float(n)
    f = math.floor(t)
    fr = t - f
    if fr > 1.0 - 1e-9:
        f, fr = f + 1.0, 0.0
    elif fr < 1e-9:
        fr = 0.0
    k = n if f >= float(n) else int(f)
    return k, (0.0 if k >= n else fr)


def _tiers_count(share, n):
    c = math.ceil(share * float(n) - 1e-9)
    if not c > 0.0:
        return 0
    return n if c >= float(n) else int(c)


class _ValueStores:
    """Persisted per-partition stores of a value column (the descending ranking)."""

    def __init__(self, values, what, payload=False):
        import dask
        if hasattr(values, "to_frame"):
            values = values.to_frame()
        if len(values.columns) != 1 and not payload:
            raise _bad("cva.dask.%s: values must be a Dask Series (or a one-column frame)" % what)
        self.stores = dask.persist(*[dask.delayed(_value_store)(p) for p in values.to_delayed()])
        self.run = _compute(self.stores)
        tot = self.run(_value_totals, [None] * len(self.stores))
        bad = [t[6] for t in tot if t[6] is not None]
        if bad:
            raise _rfm._nonfinite(what, None, "value is NaN or infinite (customer %r)" % min(bad))
        self.n = sum(t[0] for t in tot)
        self.total = math.fsum(t[1] for t in tot)
        self.pos_total = math.fsum(t[2] for t in tot)
        self.n_neg = sum(t[3] for t in tot)
        self.neg_total = math.fsum(t[4] for t in tot)
        self.n_pos = sum(t[5] for t in tot)
        self.rounds, self.bytes = 1, 56 * len(tot)

    def keys(self, ranks):
        """Keys at descending ranks (1-based); rank 0 -> None."""
        want = sorted(set(r for r in ranks if r > 0))
        if not want:
            return [None] * len(ranks)
        got, nr, nb = _dask_select.select(self.stores, want, self.run, **SEARCH)
        self.rounds += nr
        self.bytes += nb
        at = dict(zip(want, got))
        return [at[r] if r > 0 else None for r in ranks]

    def payload_sums(self, keys):
        res = self.run(_payload_sums, [list(keys)] * len(self.stores))
        self.rounds += 1
        self.bytes += 16 * len(keys) * len(res[0][0]) * len(self.stores) if res and res[0] else 0
        return [[tuple(math.fsum(r[i][j][q] for r in res) for q in range(2)) for j in range(len(res[0][i]))]
                for i in range(len(keys))]

    def sums(self, keys):
        res = self.run(_value_sums, [list(keys)] * len(self.stores))
        self.rounds += 1
        self.bytes += 32 * len(keys) * len(self.stores)
        return [tuple(math.fsum(r[i][q] for r in res) for q in range(4)) for i in range(len(keys))]


def concentration(values, points=None, shares=None):
    """Gini (and its positive-part variant), top-p shares, the whale-curve figures and,
    with ``points``, the Lorenz curve of a Dask Series of values indexed by customer id,
    as :func:`cva.gini`, :func:`cva.top_share`, :func:`cva.whale_curve` and
    :func:`cva.lorenz` give them on the whole column (within 1e-12 relative: the same
    sums in another order), without gathering the values: the order statistics at the
    wanted ranks come from the exact search (docs/scale-out.md), every partition then
    sums its values above and below them; the Gini's rank-weighted sum comes from value
    buckets whose runs (distinct value, count) meet on one worker each, never on the
    client. ``shares``: the top-p fractions (default ``cva.TOP_SHARE_POINTS``).

    Returns a dict: ``n``, ``total``, ``gini``, ``gini_positive_part``, ``top_share``
    ({p: share}), ``whale`` (``peak_index``, ``peak_profit``, ``peak_height``,
    ``unprofitable_share``, ``profit_destroyed``), ``lorenz`` (``(p, L)`` lists, with
    ``points``), ``negative`` (some value < 0: the single-process calls' W_NEGATIVE),
    ``rounds`` and ``bytes`` (round trips and bytes received by the client)."""
    return _concentration(_ValueStores(values, "concentration"), points, shares, True)


def _concentration(vs, points, shares, want_gini):
    import dask
    n = vs.n
    shares = list(_tiers.TOP_SHARE_POINTS if shares is None else shares)
    nan = math.nan
    res = {"n": n, "total": vs.total if n else nan, "negative": vs.n_neg > 0}
    if n == 0:
        res.update(gini=nan, gini_positive_part=nan, top_share={p: nan for p in shares},
                   whale={"peak_index": 0, "peak_profit": nan, "peak_height": nan, "unprofitable_share": nan,
                          "profit_destroyed": nan}, rounds=vs.rounds, bytes=vs.bytes)
        if points is not None:
            res["lorenz"] = ([j / (points - 1) for j in range(points)], [nan] * points)
        return res
    # top shares: the top k (descending) plus frac times the (k+1)-th value
    splits = [_split_pn(p, n) for p in shares]
    lor = []
    if points is not None:
        if points < 2:
            raise _bad("cva.dask.concentration: points must be at least 2")
        m1 = points - 1
        for j in range(points):
            num = j * n
            lor.append((num // m1, num % m1))  # ascending position idx, fraction numerator
    ranks = []
    for k, fr in splits:
        ranks += [k, k + 1 if fr > 0 else 0]
    for idx, fr in lor:  # the idx smallest = below descending rank n - idx; x_(idx+1) asc = desc n - idx
        ranks += [n - idx, n - idx if (fr and idx < n) else 0]
    keys = vs.keys(ranks)
    sums = vs.sums(keys)
    res["top_share"] = {}
    for i, p in enumerate(shares):
        k, fr = splits[i]
        val = sums[2 * i][0]
        if fr > 0:
            val += fr * keys[2 * i + 1][0] * -1.0
        res["top_share"][p] = nan if vs.total == 0 else val / vs.total
    if points is not None:
        L = []
        base = 2 * len(shares)
        for j, (idx, fr) in enumerate(lor):
            val = sums[base + 2 * j][2]  # the values below descending rank n - idx: the idx smallest
            if fr and idx < n:
                val += (float(fr) / float(points - 1)) * -keys[base + 2 * j + 1][0]
            L.append(nan if vs.total == 0 else 1.0 if j == points - 1 else val / vs.total)
        res["lorenz"] = ([j / (points - 1) for j in range(points)], L)
    # whale curve: the running sum of the descending ranking peaks after the positive
    # values (the first maximum; the largest value when none is positive)
    peak = max(vs.n_pos, 1)
    best = vs.pos_total if vs.n_pos else -vs.keys([1])[0][0]
    tot = vs.total
    res["whale"] = {"peak_index": peak, "peak_profit": best, "peak_height": best / tot if tot > 0 else nan,
                    "unprofitable_share": vs.n_neg / n,
                    "profit_destroyed": (-vs.neg_total / tot + 0.0) if tot > 0 else nan}
    if not want_gini:
        res["rounds"], res["bytes"] = vs.rounds, vs.bytes
        return res
    # Gini: buckets of x = -v at about equal counts, their runs on one worker each
    B = max(1, min(64, len(vs.stores)))
    bkeys = vs.keys([(n * b) // B for b in range(1, B)])
    bounds = sorted(set(k[0] for k in bkeys if k is not None))
    pieces = [dask.delayed(_value_runs, nout=len(bounds) + 1)(s, bounds) for s in vs.stores]
    parts = [dask.delayed(_bucket_gini)(n, *[pc[b] for pc in pieces]) for b in range(len(bounds) + 1)]
    buckets = dask.compute(*parts)
    vs.rounds += 1
    vs.bytes += 40 * len(buckets)
    # buckets run over x ascending = v descending: L_b (values below bucket b) is the
    # count of the buckets after it
    T, S, Tp, Sp = [], [], [], []
    after = 0
    for nb, t, sv, tp, sp in reversed(buckets):
        T += [t, 2.0 * after * sv]
        S.append(sv)
        Tp += [tp, 2.0 * after * sp]
        Sp.append(sp)
        after += nb
    s_all, s_pos = math.fsum(S), math.fsum(Sp)
    res["gini"] = nan if s_all == 0 else math.fsum(T) / (float(n) * s_all)
    res["gini_positive_part"] = nan if s_pos == 0 else math.fsum(Tp) / (float(n) * s_pos)
    res["rounds"], res["bytes"] = vs.rounds, vs.bytes
    return res


def _above(v, ids, b):
    """A customer is above a bound (value t, id j) when v > t or (v == t and id <= j)."""
    import numpy as np
    if b is None:
        return np.zeros(len(v), dtype=bool)
    t, j = b
    return (v > t) | ((v == t) & (ids <= j))


def _class_parts(pdf, mvc_bound, cls_kind, bz_threshold):
    """Per customer of a partition: the class value, BZ, MVC and (with a ``pot``
    column) the gap potential - value of the customers still OTHER with a positive
    gap (NaN elsewhere): the MGC candidates of cva_value_classes."""
    import numpy as np
    v = pdf.iloc[:, 0].to_numpy(dtype="f8")
    vc = pdf["vcls"].to_numpy(dtype="f8") if "vcls" in pdf.columns else v
    ids = pdf.index.to_numpy()
    bz = (cls_kind != "revenue") & (vc < bz_threshold)
    mvc = _above(vc, ids, mvc_bound)
    gap = np.full(len(v), np.nan)
    if "pot" in pdf.columns:
        pot = pdf["pot"].to_numpy(dtype="f8")
        with np.errstate(invalid="ignore"):
            g = pot - vc
            cand = ~bz & ~mvc & ~np.isnan(pot) & (g > 0.0)
        gap[cand] = g[cand]
    return v, vc, ids, bz, mvc, gap


def _labels_part(pdf, bounds, value_kind, bz_threshold, cls_kind=None, mgc_bound=None):
    """Class, grade and pyramid codes of one partition from the global bounds
    (value t, id j): a customer is above a bound when v > t or (v == t and id <= j).
    The first column is the value of the grades and the pyramid; ``vcls`` (if there)
    the value of the classes, ``pot`` (if there) the potential: MGC are the candidates
    (:func:`_class_parts`) whose gap is above ``mgc_bound``."""
    import numpy as np
    import pandas as pd
    cls_kind = value_kind if cls_kind is None else cls_kind
    v, vc, ids, bz, mvc, gap = _class_parts(pdf, bounds[0], cls_kind, bz_threshold)
    lead = value_kind != "revenue"
    a = [None] + [_above(v, ids, b) for b in bounds[1:]]
    pos = v > 0.0
    cls = _tiers.TIER_OTHER - 2 * mvc.astype(np.int32) - 3 * bz.astype(np.int32)
    if mgc_bound is not None:
        with np.errstate(invalid="ignore"):
            mgc = ~np.isnan(gap) & _above(gap, ids, mgc_bound)
        cls = cls - mgc.astype(np.int32)
    grade = _tiers.TIER_SMALL - a[1].astype(np.int32) - a[2].astype(np.int32)
    pyr = (_tiers.TIER_IRON - (pos & a[3]).astype(np.int32) - (pos & a[4]).astype(np.int32)
           + (lead & (v < 0.0)).astype(np.int32))
    return pd.DataFrame({"class": cls.astype(np.int32), "grade": grade.astype(np.int32),
                         "pyramid": pyr.astype(np.int32)}, index=pdf.index)


def _gap_part(pdf, mvc_bound, cls_kind, bz_threshold):
    """The MGC candidates of a partition with their gap (a one-column frame by id)."""
    import numpy as np
    import pandas as pd
    if len(pdf) == 0:
        return pd.DataFrame({"gap": np.zeros(0)}, index=pdf.index)
    _v, _vc, _ids, _bz, _mvc, gap = _class_parts(pdf, mvc_bound, cls_kind, bz_threshold)
    keep = ~np.isnan(gap)
    return pd.DataFrame({"gap": gap[keep]}, index=pdf.index[keep])


def _mgc_bound(frame, mvc_bound, cls_kind, o, n):
    """The MGC boundary (gap, id) of cva_value_classes: among the candidates (not BZ,
    not MVC, potential not NaN, gap = potential - value > 0), the top
    min(ceil(mgc_share n - 1e-9), candidates) by gap, ties to the lower id; found by
    the exact search on the candidates' gaps. Returns (bound or None, tie, stores)."""
    import pandas as pd
    meta = pd.DataFrame({"gap": pd.Series([], dtype="f8")}, index=frame._meta.index)
    gaps = frame.map_partitions(_gap_part, mvc_bound, cls_kind, float(o.bz_threshold), meta=meta)
    gs = _ValueStores(gaps, "tiers")
    m = min(_tiers_count(float(o.mgc_share), n), gs.n)
    if m == 0:
        return None, False, gs
    k, nx = gs.keys([m, m + 1 if m < gs.n else 0])
    tie = nx is not None and nx[0] == k[0]
    return (-k[0] + 0.0, k[1]), tie, gs


def _potential_part(pdf, src, what):
    """The potential of a partition (a ``pot`` column next to the others) from the
    caller's / model's potential or the share of wallet, with the library's checks
    (an infinite potential or share of wallet is refused, NaN means none)."""
    import numpy as np
    v = pdf["vcls"].to_numpy(dtype="f8") if "vcls" in pdf.columns else pdf.iloc[:, 0].to_numpy(dtype="f8")
    a = pdf["_src"].to_numpy(dtype="f8")
    bad = np.flatnonzero(np.isinf(a))
    if len(bad):
        name = "share of wallet" if src == 2 else "potential"
        raise _rfm._nonfinite(what, None, "%s is infinite (customer %r)" % (name, pdf.index[bad[0]]))
    if src == 2:
        with np.errstate(divide="ignore", invalid="ignore"):
            pot = np.where((a > 0.0) & (a <= 1.0), v / a, np.nan)
    else:
        pot = a
    return pdf.drop(columns=["_src"]).assign(pot=pot)


def _with_column(frame, col, name, what, group=False):
    """``frame`` with the Dask Series (or one-column frame) ``col`` as column ``name``:
    the same partitions, each with the same customers in the same order (what
    :func:`clv` or a map_partitions of the summary gives); checked per partition.
    float64, or with ``group`` int64 as the library reads a group (floats integral)."""
    if hasattr(col, "to_frame"):
        col = col.to_frame()
    if col.npartitions != frame.npartitions:
        raise _bad("cva.dask.%s: %s has %d partitions, the values %d (give it the summary's partitions, "
                   "e.g. from cva.dask.clv or summary.map_partitions)" % (what, name, col.npartitions,
                                                                           frame.npartitions))

    def join(p, c):
        if len(p) != len(c) or not p.index.equals(c.index):
            raise _bad("cva.dask.%s: %s does not have the customers of the values' partition in their order"
                       % (what, name))
        a = c.iloc[:, 0]
        return p.assign(**{name: cv.as_int64(a.to_numpy(), "group").owner if group else a.to_numpy(dtype="f8")})
    meta = frame._meta.assign(**{name: frame._meta.iloc[:, 0].astype("i8" if group else "f8")})
    return frame.map_partitions(join, col, meta=meta, align_dataframes=False)


def _source(source, potential, sow, group, what):
    """The potential source code (0 none, 1 caller, 2 wallet, 3 peer, 4 model) and its
    Dask column (the group with the peer quantile)."""
    if source is None:
        source = "caller" if potential is not None else "wallet" if sow is not None else \
            "peer" if group is not None else "none"
    src = _tiers._choice(source, _tiers._POTENTIAL, "source")
    col = sow if src == 2 else group if src == 3 else potential if src in (1, 4) else None
    if src and col is None:
        raise _bad("cva.dask.%s: source %r needs %s" % (
            what, source, {2: "sow", 3: "group"}.get(src, "potential")))
    return src, col


# ---------------------------------------------------------------------------
# the peer-quantile potential without gathering

def _peer_store(pdf):
    """A partition's (value, group) pairs in (group, value, id) order: (xs, ids, groups,
    counts), xs the values as given (a -0 kept; it sorts as +0), groups ascending with
    their counts: every group's keys are one run of the store, in (x, id) order."""
    import numpy as np
    pdf, _ = _sorted_part(pdf)
    v = pdf["vcls"].to_numpy(dtype="f8") if "vcls" in pdf.columns else pdf.iloc[:, 0].to_numpy(dtype="f8")
    g = pdf["_grp"].to_numpy(dtype="i8")
    o = np.argsort(v + 0.0, kind="stable")  # ids ascending already: the (x, id) order
    o = o[np.argsort(g[o], kind="stable")]  # then by group, stable
    ug, cnt = np.unique(g, return_counts=True)
    return np.ascontiguousarray(v[o]), pdf.index.to_numpy()[o], ug, cnt


def _peer_groups(store, _a):
    return store[2], store[3]


def _q7_parts(m, q):
    """cva's type-7 quantile of m sorted values at q (docs/methods/tiers.md): h =
    (m - 1) q, the ranks (1-based) of x[floor h] and, unless floor h + 1 >= m, of
    x[floor h + 1], and the weight h - floor h."""
    h = float(m - 1) * q
    fl = float(math.floor(h))
    lo = int(fl)
    if lo + 1 >= m:
        return (m,), 0.0
    return (lo + 1, lo + 2), h - fl


def _peer_quantiles(frame, q):
    """Per peer group, the type-7 quantile q of its values exactly as cva_value_classes
    computes it (the same one or two order statistics, the same arithmetic), without
    gathering the values: per partition the group counts, then the exact search
    (``_dask_select``) with every wanted rank confined to its group's run in each
    partition. ``frame``: the values (first column, or ``vcls``) and ``_grp``. Returns
    (groups ascending, quantiles, rounds, bytes)."""
    import dask
    import numpy as np
    stores = dask.persist(*[dask.delayed(_peer_store)(p) for p in frame.to_delayed()])
    run = _compute(stores)
    parts = run(_peer_groups, [None] * len(stores))
    P = len(parts)
    groups = np.unique(np.concatenate([p[0] for p in parts])) if P else np.zeros(0, dtype=np.int64)
    G = len(groups)
    cnt = np.zeros((P, G), dtype=np.int64)
    for p, (ug, c) in enumerate(parts):
        cnt[p, np.searchsorted(groups, ug)] = c
    start = np.cumsum(cnt, axis=1) - cnt  # a group's run in each partition: [start, start + cnt)
    m = cnt.sum(axis=0)
    ranks, ranges, plan = [], [], []
    for j in range(G):
        rk, w = _q7_parts(int(m[j]), q)
        rng = (start[:, j].tolist(), (start[:, j] + cnt[:, j]).tolist())
        plan.append((len(ranks), len(rk), w))
        ranks += rk
        ranges += [rng] * len(rk)
    keys, rounds, nbytes = _dask_select.select(stores, ranks, run, ranges=ranges, **SEARCH) if ranks \
        else ([], 0, 0)
    qv = np.empty(G)
    for j, (i, k, w) in enumerate(plan):
        x0 = keys[i][0]
        qv[j] = x0 if k == 1 else x0 + w * (keys[i + 1][0] - x0)
    return groups, qv, rounds + 1, nbytes + 16 * int(sum(len(p[0]) for p in parts))


def _peer_part(pdf, groups, qv):
    """The peer potential of a partition, max(value, its group's quantile), as a ``pot``
    column in place of ``_grp``."""
    import numpy as np
    v = pdf["vcls"].to_numpy(dtype="f8") if "vcls" in pdf.columns else pdf.iloc[:, 0].to_numpy(dtype="f8")
    g = pdf["_grp"].to_numpy(dtype="i8")
    qg = qv[np.searchsorted(groups, g)] if len(g) else np.zeros(0)
    return pdf.drop(columns=["_grp"]).assign(pot=np.where(v > qg, v, qg))


def _with_peer(frame, q):
    """``frame`` (values and ``_grp``) with the peer potential ``pot`` in place of
    ``_grp``, persisted; and the search's rounds and bytes."""
    cols = [frame.columns[0]] + (["vcls"] if "vcls" in frame.columns else []) + ["_grp"]
    groups, qv, rounds, nbytes = _peer_quantiles(frame[cols], q)
    meta = frame._meta.drop(columns=["_grp"]).assign(pot=frame._meta.iloc[:, 0].astype("f8"))
    return frame.map_partitions(_peer_part, groups, qv, meta=meta).persist(), rounds, nbytes


def _tier_opts(kind, cls_kind, mvc_share, mgc_share, bz_threshold, grade_shares, pyramid_shares,
               peer_quantile=0.9):
    """The tiers' options, checked as the library checks them (the value classes on
    cls_kind), before any partition is touched."""
    o = _tiers._opts(kind, mvc_share=mvc_share, mgc_share=mgc_share, bz_threshold=bz_threshold,
                     grade_shares=grade_shares, pyramid_shares=pyramid_shares, peer_quantile=peer_quantile)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", _errors.CvaWarning)
        _tiers.value_classes([1.0], value_kind=cls_kind, mvc_share=mvc_share, mgc_share=mgc_share,
                             bz_threshold=bz_threshold, peer_quantile=peer_quantile)
    _tiers.grade([1.0], grade_shares)
    _tiers.pyramid([1.0], kind, pyramid_shares)
    return o


def tier_labels(values, value_kind="profit", mvc_share=0.2, bz_threshold=0.0, grade_shares=(0.2, 0.3, 0.5),
                pyramid_shares=(0.2, 0.3), potential=None, source=None, sow=None, mgc_share=0.3, group=None,
                peer_quantile=0.9):
    """Value classes (MVC, MGC, BZ, OTHER), grades and pyramid tiers of a Dask Series
    of values indexed by customer id, exactly as :func:`cva.value_classes`,
    :func:`cva.grade` and :func:`cva.pyramid` on the whole column (ties at a boundary
    to the lower customer id), without gathering the values: the five boundaries
    (value, customer id at a descending rank) come from the exact search, every
    partition labels its customers. The potential (MGC) as in
    :func:`cva.value_classes`: ``potential`` (``source="caller"`` or ``"model"``) or
    ``sow`` (``"wallet"``) or ``group`` (``"peer"``: integer peer groups; the potential
    is max(value, the type-7 quantile ``peer_quantile`` of the group's values), each
    group's quantile from the same search confined to the group, bit for bit the
    library's), Dask Series with the values' partitions and customers (e.g. :func:`clv`
    of the same summary); the MGC boundary (gap, id) comes from the same search over
    the partitions' candidates. Returns ``(labels, info)``: a lazy
    Dask DataFrame with int32 columns ``class``, ``grade``, ``pyramid`` (and the float
    ``potential`` with a source) and a dict ``bounds`` ({name: (value, id) or None},
    ``mgc``: (gap, id)), ``ties`` ({name: a tie at the boundary separates two labels:
    the single-process W_TIES}), ``rounds``, ``bytes``."""
    import pandas as pd
    kind = value_kind.lower() if isinstance(value_kind, str) else value_kind
    _tiers._choice(kind, _tiers._VALUE_KINDS, "value_kind")
    src, col = _source(source, potential, sow, group, "tier_labels")
    o = _tier_opts(kind, kind, mvc_share, mgc_share, bz_threshold, grade_shares, pyramid_shares, peer_quantile)
    vals = values.to_frame() if hasattr(values, "to_frame") else values
    if src == 3:
        vals = _with_column(vals, col, "_grp", "tier_labels", group=True).persist()
    elif src:
        vals = _with_column(vals, col, "_src", "tier_labels")
        vals = vals.map_partitions(_potential_part, src, "tier_labels",
                                   meta=vals._meta.drop(columns=["_src"]).assign(pot=vals._meta["_src"]))
        vals = vals.persist()
    vs = _ValueStores(vals.iloc[:, [0]], "tier_labels")
    bounds, info = _tier_bounds(vs, kind, o)
    mgc = None
    if src == 3:  # the values are checked (finite): the groups' quantiles
        vals, rounds, nbytes = _with_peer(vals, float(o.peer_quantile))
        info["rounds"] += rounds
        info["bytes"] += nbytes
    if src:
        mgc, tie, gs = _mgc_bound(vals, bounds[0], kind, o, vs.n)
        info["ties"]["class"] = info["ties"]["class"] or tie
        info["bounds"]["mgc"] = mgc
        info["rounds"] += gs.rounds
        info["bytes"] += gs.bytes
    cols = {c: pd.Series([], dtype="i4") for c in ("class", "grade", "pyramid")}
    meta = pd.DataFrame(cols, index=vals._meta.index)
    labels = vals.map_partitions(_labels_part, bounds, kind, float(o.bz_threshold), kind, mgc, meta=meta)
    if src:
        labels = labels.map_partitions(lambda lab, v: lab.assign(potential=v["pot"].to_numpy()), vals,
                                       meta=meta.assign(potential=pd.Series([], dtype="f8")),
                                       align_dataframes=False)
    return labels, info


def _tier_bounds(vs, kind, o):
    """The five label boundaries (value, id) of a value store, and the info dict."""
    n = vs.n
    bz = kind != "revenue"
    thr = float(o.bz_threshold)
    if bz and thr > 0.0:  # eligible for MVC: v >= threshold
        run = vs.run
        el = run(lambda s, t: int((-s[0] >= t).sum()), [thr] * len(vs.stores))
        n_elig = sum(el)
        vs.rounds += 1
    else:
        n_elig = vs.n_pos
    gs, ps = list(o.grade_shares), list(o.pyramid_shares)
    b = [min(_tiers_count(float(o.mvc_share), n), n_elig), _tiers_count(gs[0], n),
         _tiers_count(gs[0] + gs[1], n), _tiers_count(ps[0], n), _tiers_count(ps[0] + ps[1], n)]
    keys = vs.keys(b)
    nxt = vs.keys([r + 1 if 0 < r < n else 0 for r in b])  # the tie test: the next value
    bounds = [None if k is None else (-k[0] + 0.0, k[1]) for k in keys]
    tie = [k is not None and x is not None and x[0] == k[0] for k, x in zip(keys, nxt)]
    names = ("mvc", "key", "ordinary", "platinum", "gold")
    ties = {"class": bool(b[0] > 0 and b[0] == _tiers_count(float(o.mvc_share), n) and tie[0] and bounds[0][0] > 0),
            "grade": bool(tie[1] or tie[2]),
            "pyramid": bool((tie[3] and bounds[3][0] > 0) or (tie[4] and bounds[4][0] > 0))}
    return bounds, {"bounds": dict(zip(names, bounds)), "ties": ties, "rounds": vs.rounds, "bytes": vs.bytes,
                    "n": n}


def _money_part(pdf, kind, margin, cost_per_order, cost_per_customer, has_cost, cls_kind=None, src=0):
    """revenue, cost, profit, value and revenue - cost of one partition (cva.customer_profit);
    ``vcls`` (the classes' value) when it is not the value, ``pot`` (the potential) with a
    source."""
    import numpy as np
    import pandas as pd
    pdf, _ = _sorted_part(pdf)
    rev = pdf["total_amount"].to_numpy(dtype="f8")
    cst = pdf["total_cost"].to_numpy(dtype="f8") if has_cost else None
    nord = pdf["n_txn"].to_numpy() if "n_txn" in pdf.columns else None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", _errors.CvaWarning)
        cost, profit = _tiers.customer_profit(rev, cst, nord, margin, cost_per_order, cost_per_customer) \
            if len(rev) else (np.zeros(0), np.zeros(0))
    cost, profit = np.asarray(cost, dtype="f8"), np.asarray(profit, dtype="f8")
    clv = pdf["clv"].to_numpy(dtype="f8") if "clv" in pdf.columns else None
    val = rev if kind == "revenue" else profit if kind == "profit" else clv
    out = pd.DataFrame({"value": val, "revenue": rev, "cost": cost, "profit": profit, "pi": rev - cost},
                       index=pdf.index)
    cls_kind = kind if cls_kind is None else cls_kind
    if cls_kind != kind:
        out["vcls"] = profit
    if src == 3:  # the peer potential needs the groups' quantiles: _with_peer
        out["_grp"] = pdf["_grp"].to_numpy(dtype="i8")
    elif src:
        out["_src"] = clv if src == 4 else pdf["_src"].to_numpy(dtype="f8")
        out = _potential_part(out, src, "tiers")
    return out


def _tiers_part(pdf, bounds, kind, bz_threshold, cls_kind, mgc_bound):
    lab = _labels_part(pdf, bounds, kind, bz_threshold, cls_kind, mgc_bound)
    out = pdf.drop(columns=[c for c in ("pi", "vcls", "pot") if c in pdf.columns]).join(lab)
    if "pot" in pdf.columns:
        out["potential"] = pdf["pot"].to_numpy()
    return out


def _label_sums(pdf, _a):
    """Per label column and code: count and fsum of the value (the class value for the
    classes); and the fsums of all values and all class values."""
    v = pdf["value"].to_numpy()
    vc = pdf["vcls"].to_numpy() if "vcls" in pdf.columns else v
    out = {"all": math.fsum(v), "all_cls": math.fsum(vc)}
    for col in ("class", "grade", "pyramid"):
        lab = pdf[col].to_numpy()
        w = vc if col == "class" else v
        for code in set(int(c) for c in lab):
            sel = lab == code
            out[(col, code)] = (int(sel.sum()), math.fsum(w[sel]))
    return out


class DaskTiers:
    """Result of ``cva.dask.tiers(..., gather=False)``: ``stats`` (the dict of
    ``cva.tiers(...).stats``), ``frame`` (a lazy Dask DataFrame indexed by customer id
    with ``value, revenue, cost, profit`` and the int32 codes ``class, grade, pyramid``),
    ``bounds`` and ``ties`` of the labels, ``rounds`` and ``bytes`` (round trips and bytes
    the client received)."""

    def __init__(self, **kw):
        self.__dict__.update(kw)

    def __repr__(self):
        return "DaskTiers(n_customers=%d, value_kind=%r, gini=%r)" % (
            self.stats["n_customers"], self.stats["value_kind"], self.stats["gini"])


def tiers(summary, value=None, margin=None, cost_per_order=0.0, cost_per_customer=0.0, mvc_share=0.2,
          bz_threshold=0.0, grade_shares=(0.2, 0.3, 0.5), pyramid_shares=(0.2, 0.3), gather=True, clv=None,
          potential=None, potential_values=None, sow=None, mgc_share=0.3, group=None, peer_quantile=0.9, **kw):
    """Every value-tier figure (:func:`cva.tiers`) of a Dask summary, exactly as on the
    whole summary.

    ``clv`` (forward CLV per customer: ``value="clv"``, ``potential="model"``),
    ``potential_values`` (``potential="caller"``), ``sow`` (``potential="wallet"``) and
    ``group`` (integer peer groups, ``potential="peer"``: the type-7 quantile
    ``peer_quantile`` of the group's values) are Dask Series with the summary's
    partitions and customers (:func:`clv` of the summary, or a ``map_partitions`` of it).

    ``gather=True`` (default): the money columns (and those Series) are gathered to the
    client in ascending id order and :func:`cva.tiers` runs there; returns a
    :class:`cva.Tiers`.

    ``gather=False``: nothing per customer reaches the client. The Gini, top shares and
    whale figures come from :func:`concentration`, the labels from the boundaries of
    :func:`tier_labels` (with a potential source the MGC boundary too: the exact search
    on the candidates' gaps; with the peer quantile first every group's quantile from
    the search confined to the group), the profit diagnostics from the same search on
    revenue − cost (the value's own search when that is the value: profit without a
    margin, or revenue without any cost) with per-partition sums of cost and revenue
    above and below the top and bottom ``ceil(0.2 n)``, the class / grade / pyramid
    statistics from per-partition counts and sums. Returns a :class:`DaskTiers` whose
    ``stats`` equal ``cva.tiers(...).stats`` (figures within 1e-12 relative, counts and
    warnings equal). Every potential source."""
    if gather:
        kw.update(value=value, margin=margin, cost_per_order=cost_per_order, cost_per_customer=cost_per_customer,
                  mvc_share=mvc_share, mgc_share=mgc_share, bz_threshold=bz_threshold, grade_shares=grade_shares,
                  pyramid_shares=pyramid_shares, potential=potential, peer_quantile=peer_quantile)
        cols = [c for c in ("total_amount", "total_cost", "n_txn") if c in summary.columns]
        frame = summary[cols]
        extra = {}
        for name, col in (("clv", clv), ("potential_values", potential_values), ("sow", sow), ("group", group)):
            if col is not None and hasattr(col, "dask"):
                frame = _with_column(frame, col, "_" + name, "tiers", group=name == "group")
                extra[name] = "_" + name
            elif col is not None:
                kw[name] = col
        pdf = _gather(frame, list(frame.columns))
        res = {c: pdf[c].to_numpy() for c in cols}
        res["customer_id"] = pdf.index.to_numpy()
        for name, c in extra.items():
            kw[name] = pdf[c].to_numpy()
        return _tiers.tiers(res, **kw)
    if kw:
        raise _bad("cva.dask.tiers: %s need(s) gather=True" % ", ".join(sorted(kw)))
    return _tiers_scattered(summary, value, margin, cost_per_order, cost_per_customer, mvc_share, bz_threshold,
                            grade_shares, pyramid_shares, clv, potential, potential_values, sow, mgc_share, group,
                            peer_quantile)


def _tiers_scattered(summary, value, margin, cost_per_order, cost_per_customer, mvc_share, bz_threshold,
                     grade_shares, pyramid_shares, clv, potential, potential_values, sow, mgc_share, group,
                     peer_quantile):
    import dask
    import pandas as pd
    if "total_amount" not in summary.columns:
        raise _bad("cva.dask.tiers: the summary lacks total_amount")
    has_cost = False
    if "total_cost" in summary.columns:
        has_cost = bool(summary["total_cost"].map_partitions(lambda c: pd.Series([bool((c != 0).any())]),
                                                             meta=(None, "bool")).any().compute())
    if value is None:
        value = "profit" if (has_cost or margin is not None or cost_per_order or cost_per_customer) else "revenue"
    kind = value.lower() if isinstance(value, str) else value
    _tiers._choice(kind, _tiers._VALUE_KINDS, "value")
    src = 0
    if potential is not None:
        src = _tiers._choice(potential, _tiers._POTENTIAL, "potential")
    if (kind == "clv" or src == 4) and clv is None:
        raise _bad("tiers: value='clv' and potential='model' need clv (forward CLV per customer)")
    pot_col = potential_values if src == 1 else sow if src == 2 else group if src == 3 else clv if src == 4 else None
    if src and pot_col is None:
        raise _bad("cva.dask.tiers: potential=%r needs %s" % (
            potential, {2: "sow", 3: "group"}.get(src, "potential_values")))
    cls_kind = "profit" if src == 4 else kind
    o = _tier_opts(kind, cls_kind, mvc_share, mgc_share, bz_threshold, grade_shares, pyramid_shares, peer_quantile)
    cols = [c for c in ("total_amount", "total_cost", "n_txn") if c in summary.columns]
    base = summary[cols]
    if clv is not None and (kind == "clv" or src == 4):
        base = _with_column(base, clv, "clv", "tiers")
    if src == 3:
        base = _with_column(base, pot_col, "_grp", "tiers", group=True)
    elif src and src != 4:
        base = _with_column(base, pot_col, "_src", "tiers")
    meta = pd.DataFrame({c: pd.Series([], dtype="f8") for c in ("value", "revenue", "cost", "profit", "pi")},
                        index=summary._meta.index)
    if cls_kind != kind:
        meta["vcls"] = pd.Series([], dtype="f8")
    if src == 3:
        meta["_grp"] = pd.Series([], dtype="i8")
    elif src:
        meta["pot"] = pd.Series([], dtype="f8")
    money = base.map_partitions(_money_part, kind, margin, cost_per_order, cost_per_customer, has_cost,
                                cls_kind, src, meta=meta).persist()
    names = []
    # revenue - cost (the profit diagnostics' ranking) is the value itself for profit
    # without a margin (profit = revenue - cost, the same operation) and for revenue
    # without any cost: then one store ranks both, cost and revenue carried along
    same_pi = margin is None and (kind == "profit" or (kind == "revenue" and not has_cost and not cost_per_order
                                                       and not cost_per_customer))
    vs = _ValueStores(money[["value", "cost", "revenue"]] if same_pi else money[["value"]], "tiers",
                      payload=same_pi)
    conc = _concentration(vs, None, None, True)
    n = vs.n
    if conc["negative"]:
        names.append("CVA_W_NEGATIVE")
    bounds, info = _tier_bounds(vs, kind, o)
    extra_rounds = extra_bytes = 0
    if cls_kind != kind:  # the classes rank historical profit, the rest the CLV
        cvs = _ValueStores(money[["vcls"]], "tiers")
        cb, cinfo = _tier_bounds(cvs, cls_kind, o)
        bounds[0] = cb[0]
        info["ties"]["class"] = cinfo["ties"]["class"]
        info["bounds"]["mvc"] = cb[0]
        extra_rounds, extra_bytes = cvs.rounds, cvs.bytes
    if src == 3:  # the values are checked (finite): the groups' quantiles
        money, rounds, nbytes = _with_peer(money, float(o.peer_quantile))
        meta = money._meta
        extra_rounds, extra_bytes = extra_rounds + rounds, extra_bytes + nbytes
    mgc = None
    if src:
        mgc, tie, gs = _mgc_bound(money[["value"] + (["vcls"] if cls_kind != kind else []) + ["pot"]],
                                  bounds[0], cls_kind, o, n)
        info["ties"]["class"] = info["ties"]["class"] or tie
        info["bounds"]["mgc"] = mgc
        extra_rounds, extra_bytes = extra_rounds + gs.rounds, extra_bytes + gs.bytes
    # profit diagnostics: revenue - cost ranked, its cost and revenue carried along
    ps = vs if same_pi else _ValueStores(money[["pi", "cost", "revenue"]], "tiers", payload=True)
    t = _tiers_count(0.2, n)
    top_k, bot_k = ps.keys([t, n - t if n - t > 0 else 0])
    top, bot = ps.payload_sums([top_k, bot_k])
    tp, tc = top[0][0], top[1][0]
    bc, br = bot[1][1], bot[2][1]
    pshare = _concentration(ps, None, [0.2], False)["top_share"][0.2] if n else math.nan
    rstores = vs if kind == "revenue" else _ValueStores(money[["revenue"]], "tiers")
    rshare = _concentration(rstores, None, [0.2], False)["top_share"][0.2] if n else math.nan
    negative_diag = ps.n_neg > 0 or rstores.n_neg > 0
    if negative_diag and "CVA_W_NEGATIVE" not in names:
        names.append("CVA_W_NEGATIVE")
    diagnostics = {"top20_profit_to_cost": math.nan if tc == 0 or not n else tp / tc,
                   "bottom20_cost_to_revenue": math.nan if br == 0 or not n else bc / br,
                   "top20_revenue_share": rshare, "top20_profit_share": pshare}
    # the warnings of cva.tiers in its order: value_classes warns on ties and, for the
    # revenue kind, with its note "no BZ" (under the status it returns, CVA_OK without ties)
    label_names = []
    if info["ties"]["class"] or cls_kind == "revenue":
        label_names.append("CVA_W_TIES" if info["ties"]["class"] else "CVA_OK")
    if info["ties"]["grade"] or info["ties"]["pyramid"]:
        label_names.append("CVA_W_TIES")
    for nm in label_names:
        if nm not in names:
            names.append(nm)
    lmeta = meta.drop(columns=[c for c in ("pi", "vcls", "pot") if c in meta.columns]).assign(
        **{c: pd.Series([], dtype="i4") for c in ("class", "grade", "pyramid")})
    if src:
        lmeta["potential"] = pd.Series([], dtype="f8")
    frame = money.map_partitions(_tiers_part, bounds, kind, float(o.bz_threshold), cls_kind, mgc, meta=lmeta)
    smeta = meta.assign(**{c: pd.Series([], dtype="i4") for c in ("class", "grade", "pyramid")})
    sums = dask.compute(*[dask.delayed(_label_sums)(p, None)
                          for p in money.map_partitions(_sums_part, bounds, kind, float(o.bz_threshold), cls_kind,
                                                        mgc, meta=smeta).to_delayed()])
    total = math.fsum(x["all"] for x in sums)
    total_cls = math.fsum(x["all_cls"] for x in sums)

    def label_group(col, codes):
        tot = total_cls if col == "class" else total
        out = {}
        for code in codes:
            cnt = sum(x[(col, code)][0] for x in sums if (col, code) in x)
            val = math.fsum(x[(col, code)][1] for x in sums if (col, code) in x)
            out[_tiers.TIER_NAMES[code]] = {"count": cnt, "value_share": math.nan if tot == 0 else val / tot}
        return out
    w = conc["whale"]
    stats = {
        "n_customers": n,
        "value_kind": kind,
        "total": conc["total"],
        "gini": conc["gini"],
        "gini_positive_part": conc["gini_positive_part"],
        "top_share": {_tiers._pkey(p): conc["top_share"][p] for p in _tiers.TOP_SHARE_POINTS},
        "whale": {k: w[k] for k in ("peak_index", "peak_height", "unprofitable_share", "profit_destroyed")},
        "diagnostics": diagnostics,
        "classes": label_group("class", _tiers.CLASS_CODES),
        "grades": label_group("grade", _tiers.GRADE_CODES),
        "pyramid": label_group("pyramid", _tiers.PYRAMID_CODES),
        "warnings": names,
    }
    return DaskTiers(stats=stats, frame=frame, bounds=info["bounds"], ties=info["ties"],
                     rounds=vs.rounds + sum(z.rounds for z in (ps, rstores) if z is not vs) + extra_rounds,
                     bytes=vs.bytes + sum(z.bytes for z in (ps, rstores) if z is not vs) + extra_bytes)


def _sums_part(pdf, bounds, kind, bz_threshold, cls_kind, mgc_bound):
    """The money columns with the label codes (the class value kept) for _label_sums."""
    return pdf.join(_labels_part(pdf, bounds, kind, bz_threshold, cls_kind, mgc_bound))
