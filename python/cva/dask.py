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
- :func:`rfm_from_summary`, :func:`rfm_score`, :func:`tiers`: exact; the scores and
  tier figures need global order statistics, which these calls take from the
  columns gathered to the client (8 bytes per customer and column; see
  docs/scale-out.md for the limits).
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

__all__ = ["summarize", "fit", "predict", "rfm_from_summary", "rfm_score", "tiers", "MODELS"]

MODELS = {"bgnbd": _churn.BetaGeo, "mbgnbd": _churn.ModifiedBetaGeo, "pnbd": _churn.ParetoNBD,
          "nbd": _churn.NBD, "bgbb": _churn.BetaGeoBetaBinom, "gg": _churn.GammaGamma}


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


def rfm_score(summary, bins=5, method="rank-first", **kw):
    """Scores ``s_r, s_f, s_m`` of a Dask DataFrame with ``r, f, m`` indexed by customer id
    (:func:`rfm_from_summary`), exactly as :func:`cva.rfm_score` on the whole frame in
    ascending id order (ties of the rank methods by customer id). The three columns are
    gathered to the client for the order statistics; the result is a Dask DataFrame with
    the input's number of partitions."""
    dd = _dd()
    import pandas as pd
    pdf = _gather(summary, ("r", "f", "m"))
    sc = _rfm.rfm_score(pdf["r"].to_numpy(), pdf["f"].to_numpy(), pdf["m"].to_numpy(), bins=bins,
                        method=method, ids=list(pdf.index), **kw)
    out = pd.DataFrame({"s_r": sc.r, "s_f": sc.f, "s_m": sc.m}, index=pdf.index)
    return dd.from_pandas(out, npartitions=max(1, summary.npartitions), sort=True)


def tiers(summary, **kw):
    """Every value-tier figure (:func:`cva.tiers`) of a Dask summary, exactly as on the
    whole summary: the money columns are gathered to the client in ascending id order."""
    cols = [c for c in ("total_amount", "total_cost", "n_txn") if c in summary.columns]
    pdf = _gather(summary, cols)
    res = {c: pdf[c].to_numpy() for c in cols}
    res["customer_id"] = pdf.index.to_numpy()
    return _tiers.tiers(res, **kw)
