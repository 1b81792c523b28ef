"""Loyalty ladder (docs/methods/ladder.md#methods_ladder): rungs as of a date, the rule that decided each,
referrals in a look-back window, relationship bonds, migration between two
dates and its Markov projection (``ladder.h``)."""

import collections.abc
import ctypes
import math
import warnings

from . import _convert as cv
from . import _errors
from . import _lib
from ._txn import _bad_arg, _enum, _issue_warning, _scalar_time, _REFUND

STATES = ("PROSPECT", "CUSTOMER", "CLIENT", "SUPPORTER", "ADVOCATE", "PARTNER", "LAPSED")
RUNGS = STATES[:6]
BOND_NAMES = ("none", "financial", "social", "customisation", "structural")


def _check(st, diag, what):
    if st < 0:
        _lib.raise_for_status(st, diag, what)
    if st > 0:
        _issue_warning(st, diag, what, stacklevel=4)
    return st


def ladder_state_name(code):
    """Name of a rung/state code (200 PROSPECT ... 205 PARTNER, 206 LAPSED); '' if unknown."""
    return _lib.get().cva_ladder_state_name(int(code)).decode()


def ladder_rule_name(rule):
    """Name of a rule code (the ``decided_by`` output), e.g. ``'referrals'``; '' if unknown."""
    return _lib.get().cva_ladder_rule_name(int(rule)).decode()


def ladder_rule_names():
    """Rule code -> name for every rule the classification reports."""
    lib = _lib.get()
    return {r: lib.cva_ladder_rule_name(r).decode() for r in range(1, _lib.LADDER_N_RULES + 1)}


def ladder_bond_table():
    """The relationship-bond table as data: ``{rung name: (bond level, bond name)}``
    (``cva_ladder_suggested_bond``, ``cva_ladder_bond_name``)."""
    lib = _lib.get()
    out = {}
    for i, name in enumerate(RUNGS):
        level = int(lib.cva_ladder_suggested_bond(_lib.LADDER_PROSPECT + i))
        out[name] = (level, lib.cva_ladder_bond_name(level).decode())
    return out


def _opts(lookback=365.0, min_referrals=1, partner_min_tenure=365.0, sat_threshold=0.8, nps_passive=7.0,
          nps_promoter=9.0, nps_promoter_is_advocate=False, behavioural_proxy=False, proxy_min_occ=4,
          proxy_min_f_score=4, hiatus=270.0, lapsed_state=True):
    o = _lib.LadderOpts()
    o.flags = ((_lib.LADDER_F_BEHAVIOURAL_PROXY if behavioural_proxy else 0)
               | (_lib.LADDER_F_NPS_PROMOTER_IS_ADVOCATE if nps_promoter_is_advocate else 0))
    if int(min_referrals) < 0 or int(proxy_min_occ) < 0:
        raise _bad_arg("min_referrals and proxy_min_occ must be >= 0", _errors.E_OPTION, _errors.OptionError)
    o.min_referrals = int(min_referrals)
    o.proxy_min_occ = int(proxy_min_occ)
    o.proxy_min_f_score = int(proxy_min_f_score)
    o.lapsed_state = 1 if lapsed_state else 0
    o.lookback = float(lookback)
    o.partner_min_tenure = float(partner_min_tenure)
    o.sat_threshold = float(sat_threshold)
    o.nps_passive = float(nps_passive)
    o.nps_promoter = float(nps_promoter)
    o.hiatus = float(hiatus)
    return o


def _ids_list(ids):
    return cv.to_list(ids) if ids is not None else []


def ladder_referrals(customer_id, time, amount, referrer_id, at, customers=None, lookback=365.0,
                     start=None, refund_policy="net", zero_is_purchase=True, skip_invalid=False):
    """Referred purchase rows per customer in (at − lookback, at] and up to ``at``
    (``cva_ladder_referrals``; the rows ``summarize`` counts as ``ref_n_txn``).

    ``customers`` (ids, text allowed) selects whom to count for, in that order;
    default: every id of the customer and referrer columns, ascending.
    Returns ``(customer_id, window, total)`` (lists of ids and uint32 arrays)."""
    lib = _lib.get()
    t = cv.times_to_days(time, "time")
    amt = cv.as_float64(amount, "amount")
    codec, ids, refs = cv.encode_ids(customer_id, referrer_id)
    if t.n != ids.n or amt.n != ids.n or refs.n != ids.n:
        raise _bad_arg("customer_id, time, amount and referrer_id must have the same length")
    t0 = _scalar_time(at, "at")
    topts = _lib.TxnOpts()
    topts.refund_policy = _enum(refund_policy, _REFUND, "refund_policy")
    topts.flags = ((0 if zero_is_purchase else _lib.F_ZERO_NOT_PURCHASE)
                   | (_lib.F_SKIP_INVALID if skip_invalid else 0))
    s = _scalar_time(start, "start")
    if s is not None:
        topts.obs_start = s
    # every code that occurs, ascending
    codes = sorted(set(cv.to_list(ids.owner)) | {r for r in cv.to_list(refs.owner) if r != cv.NO_REF})
    carr = cv.as_int64(codes, "customers")
    k = len(codes)
    win, tot = cv.empty_output("I", k), cv.empty_output("I", k)
    inp = _lib.TxnInput(n=ids.n, customer_id=ids.ptr, t=t.ptr, amount=amt.ptr, referrer_id=refs.ptr)
    o = _opts(lookback=lookback)
    diag = _lib.Diag()
    st = lib.cva_ladder_referrals(ctypes.byref(inp), ctypes.byref(topts), t0, ctypes.byref(o), carr.ptr, k,
                                  win.ptr, tot.ptr, ctypes.byref(diag))
    if st < 0:
        _lib.raise_for_status(st, diag, "ladder_referrals")
    if st == _errors.W_EXCLUDED:
        _issue_warning(st, diag, "ladder_referrals")
    w = cv.to_list(cv.trim(win.owner, k))
    tt = cv.to_list(cv.trim(tot.owner, k))
    decoded = cv.to_list(codec.decode(codes)) if codec.is_text else codes
    if customers is None:
        return decoded, cv.as_uint32(w, "window").owner, cv.as_uint32(tt, "total").owner
    pos = {v: i for i, v in enumerate(decoded)}
    want = _ids_list(customers)
    wl = [w[pos[c]] if c in pos else 0 for c in want]
    tl = [tt[pos[c]] if c in pos else 0 for c in want]
    return want, cv.as_uint32(wl, "window").owner, cv.as_uint32(tl, "total").owner


class Ladder(cv.FieldMapping):
    """Result of :func:`ladder`: a read-only mapping of per-customer arrays
    (``customer_id``, ``stage`` (codes 200–205), ``decided_by`` (rule codes),
    ``has_referred``, ``active``, ``n_occ``, ``referrals``), also attributes.

    Names: ``stage_names`` / ``decided_by_names`` (per customer), ``states``
    (the rung names in code order), ``rules`` (rule code -> name). Counts:
    ``counts`` (rung name -> customers), ``rule_counts`` (rule name -> customers),
    ``bond_counts`` (rung name -> {bond name or 'unknown': customers}).
    ``at`` is the classification date (caller's unit, days for dates)."""

    def __init__(self, fields, at, rules, counts, rule_counts, bond_counts, status):
        self._fields = fields
        self.at = at
        self.states = RUNGS
        self.rules = rules
        self.counts = counts
        self.rule_counts = rule_counts
        self.bond_counts = bond_counts
        self.status = status
        self.stage_names = [STATES[s - _lib.LADDER_PROSPECT] for s in cv.to_list(fields["stage"])]
        self.decided_by_names = [rules[r] for r in cv.to_list(fields["decided_by"])]

    def to_pandas(self, index: bool = True) -> "pandas.DataFrame":
        """A ``pandas.DataFrame`` with the columns of ``cva ladder``: ``stage`` and
        ``decided_by`` (names), ``has_referred``, ``active``, ``n_occ``,
        ``referrals``, indexed by ``customer_id`` unless ``index`` is false."""
        from . import _pandas
        cols = {"stage": list(self.stage_names), "decided_by": list(self.decided_by_names)}
        for key in ("has_referred", "active", "n_occ", "referrals"):
            if key in self._fields:
                cols[key] = self._fields[key]
        return _pandas.frame(cols, self._fields.get("customer_id"), "Ladder.to_pandas()", index)


def _column(src, key):
    if isinstance(src, collections.abc.Mapping):
        return src[key] if key in src else None
    return getattr(src, key, None)


def _per_customer(values, ids, name, missing):
    """Align an attitude: a mapping id -> value (absent ids: missing) or a sequence
    of one value per customer (summary rows, then the added prospects)."""
    if values is None:
        return None
    if isinstance(values, collections.abc.Mapping):
        return [values.get(c, missing) for c in ids]
    vals = cv.to_list(values) if not isinstance(values, list) else values
    if len(vals) != len(ids):
        raise _bad_arg("%s has %d values for %d customers (summary rows, then prospects without "
                       "purchases); pass a mapping id -> value to match by id" % (name, len(vals), len(ids)))
    return vals


def _nan_or(v):
    if v is None:
        return math.nan
    return float(v)


def ladder(summary_or_columns, at=None, nps=None, sat=None, bond=None, prospects=None, referrals=None,
           referrals_total=None, transactions=None, active=None, f_score=None, lookback=365.0,
           min_referrals=1, partner_min_tenure=365.0, sat_threshold=0.8, nps_passive=7.0, nps_promoter=9.0,
           nps_promoter_is_advocate=False, behavioural_proxy=False, proxy_min_occ=4, proxy_min_f_score=4,
           hiatus=270.0):
    """Classify every customer into a ladder rung as of ``at`` (docs/methods/ladder.md#methods_ladder_rules,
    ``cva_ladder_classify``).

    Parameters
    ----------
    summary_or_columns : Summary or mapping
        A :func:`summarize` result up to ``at`` (``end=at``), or columns
        ``customer_id``, ``n_occ``, ``first_t``, ``last_t`` (NaN without a
        purchase) and optionally ``ref_n_txn`` (referred rows up to ``at``).
    at : number or date, optional
        The date t0; default the summary's ``calibration_end`` (its end). A
        customer whose last purchase is after ``at`` is an error: summarize to ``at``.
    nps, sat, bond, active, f_score : mapping id -> value, or one value per customer
        NPS 0–10, satisfaction 0–1 (None/NaN = unknown), bond level 0–4 (None/−1 =
        unknown), activity 0/1 (default: the hiatus rule), RFM F score (the proxy).
        Sequences follow the summary rows, then the added prospects. ``active`` also
        takes the result of :func:`churn_flags` on the same summary (its ``active``
        array, or the :class:`ChurnFlags` itself): the ipt or P(alive) rule.
    prospects : ids, optional
        Known leads; those without a row in the summary are added as PROSPECTs.
    referrals, referrals_total : per customer, optional
        Referred purchase rows in (at − lookback, at] and up to ``at``.
    transactions : mapping, optional
        ``customer_id``, ``time``, ``amount``, ``referrer_id`` (and optionally
        ``refund_policy``, ``zero_is_purchase``): the referral counts are taken from
        them (:func:`ladder_referrals`) when ``referrals`` is not given.
    Thresholds : as in ``cva_ladder_opts`` (days for the durations).

    Returns
    -------
    Ladder
        Arrays plus names and counts. A summary with referrals but no window
        counts (neither ``referrals`` nor ``transactions``) warns: ADVOCATE by
        referrals cannot be assigned then.
    """
    lib = _lib.get()
    src = summary_or_columns
    ids = _ids_list(_column(src, "customer_id"))
    n_occ = _column(src, "n_occ")
    first_t = _column(src, "first_t")
    last_t = _column(src, "last_t")
    if n_occ is None or first_t is None or last_t is None:
        raise _bad_arg("summary_or_columns needs customer_id, n_occ, first_t and last_t")
    n_occ, first_t, last_t = cv.to_list(n_occ), cv.to_list(first_t), cv.to_list(last_t)
    if not (len(n_occ) == len(first_t) == len(last_t) == len(ids)):
        raise _bad_arg("customer_id, n_occ, first_t and last_t must have the same length")
    if at is None:
        at = getattr(src, "calibration_end", None)
        if at is None or (isinstance(at, float) and math.isnan(at)):
            raise _bad_arg("at is required with plain columns")
    t0 = _scalar_time(at, "at")
    n_sum = len(ids)
    for i in range(n_sum):
        if n_occ[i] > 0 and last_t[i] > t0:
            raise _bad_arg("customer %r has a purchase after at (last_t %r > %r): summarize with end=at"
                           % (ids[i], last_t[i], t0))
    seen = set(ids)
    extra = []
    for p in _ids_list(prospects):
        if p not in seen:
            seen.add(p)
            extra.append(p)
    all_ids = ids + extra
    n = len(all_ids)
    occ = [int(v) for v in n_occ] + [0] * len(extra)
    tenure = [t0 - float(f) if o > 0 else math.nan for o, f in zip(occ, first_t)] + [math.nan] * len(extra)
    recency = [t0 - float(x) if o > 0 else math.nan for o, x in zip(occ, last_t)] + [math.nan] * len(extra)

    status_extra = None
    ref_tot_col = _column(src, "ref_n_txn")
    if referrals is None and transactions is not None:
        tr = transactions
        _, w, tt = ladder_referrals(tr["customer_id"], tr["time"], tr["amount"], tr["referrer_id"], t0,
                                    customers=all_ids, lookback=lookback,
                                    refund_policy=tr.get("refund_policy", "net"),
                                    zero_is_purchase=tr.get("zero_is_purchase", True))
        referrals, referrals_total = cv.to_list(w), cv.to_list(tt)
    elif referrals is not None:
        referrals = _per_customer(referrals, all_ids, "referrals", 0)
        if referrals_total is not None:
            referrals_total = _per_customer(referrals_total, all_ids, "referrals_total", 0)
    if referrals_total is None and ref_tot_col is not None:
        referrals_total = [int(v) for v in cv.to_list(ref_tot_col)] + [0] * len(extra)
        if referrals is None and any(referrals_total):
            status_extra = ("the summary has referrals but no window counts were given (referrals= or "
                            "transactions=): no ADVOCATE by referrals")

    nps_l = _per_customer(nps, all_ids, "nps", None)
    sat_l = _per_customer(sat, all_ids, "sat", None)
    bond_l = _per_customer(bond, all_ids, "bond", None)
    if hasattr(active, "active") and hasattr(active, "rule_name"):  # a ChurnFlags result
        active = active.active
    act_l = _per_customer(active, all_ids, "active", None)
    f_l = _per_customer(f_score, all_ids, "f_score", 0)

    keep = []

    def arr(kind, vals, name):
        a = {"d": cv.as_float64, "I": cv.as_uint32, "i": cv.as_int32}[kind](vals, name)
        keep.append(a)
        return a.ptr

    inp = _lib.LadderInput(n=n)
    inp.n_occ = arr("I", occ, "n_occ")
    inp.tenure = arr("d", tenure, "tenure")
    inp.recency = arr("d", recency, "recency")
    if referrals is not None:
        inp.referrals = arr("I", [int(v) for v in referrals], "referrals")
    if referrals_total is not None:
        inp.referrals_total = arr("I", [int(v) for v in referrals_total], "referrals_total")
    if nps_l is not None:
        inp.nps = arr("d", [_nan_or(v) for v in nps_l], "nps")
    if sat_l is not None:
        inp.sat = arr("d", [_nan_or(v) for v in sat_l], "sat")
    bond_vals = None
    if bond_l is not None:
        bond_vals = [-1 if v is None or (isinstance(v, float) and math.isnan(v)) else int(v) for v in bond_l]
        inp.bond = arr("i", bond_vals, "bond")
    if act_l is not None:
        if any(v is None for v in act_l):
            raise _bad_arg("active: one 0/1 value per customer (a mapping must cover every customer)")
        inp.active = arr("i", [int(v) for v in act_l], "active")
    if f_l is not None:
        inp.f_score = arr("i", [int(v) for v in f_l], "f_score")
    o = _opts(lookback, min_referrals, partner_min_tenure, sat_threshold, nps_passive, nps_promoter,
              nps_promoter_is_advocate, behavioural_proxy, proxy_min_occ, proxy_min_f_score, hiatus)
    stage, rule, hr, act = (cv.empty_output("i", n) for _ in range(4))
    diag = _lib.Diag()
    st = lib.cva_ladder_classify(ctypes.byref(inp), ctypes.byref(o), stage.ptr, rule.ptr, hr.ptr, act.ptr,
                                 ctypes.byref(diag))
    _check(st, diag, "ladder")
    if status_extra:
        warnings.warn(_errors.CvaWarning("ladder: " + status_extra, detail=status_extra), stacklevel=2)
    fields = {
        "customer_id": all_ids,
        "stage": cv.trim(stage.owner, n),
        "decided_by": cv.trim(rule.owner, n),
        "has_referred": cv.trim(hr.owner, n),
        "active": cv.trim(act.owner, n),
        "n_occ": cv.as_uint32(occ, "n_occ").owner,
        "referrals": cv.as_uint32([int(v) for v in referrals] if referrals is not None else [0] * n,
                                  "referrals").owner,
    }
    rung_c = (ctypes.c_uint64 * 6)()
    rule_c = (ctypes.c_uint64 * (_lib.LADDER_N_RULES + 1))()
    bond_c = (ctypes.c_uint64 * 36)()
    bptr = cv.as_int32(bond_vals, "bond").ptr if bond_vals is not None else None
    st2 = lib.cva_ladder_counts(stage.ptr, rule.ptr, bptr, n, rung_c, rule_c, bond_c, None)
    if st2 < 0:
        _lib.raise_for_status(st2, None, "ladder counts")
    rules = ladder_rule_names()
    counts = {RUNGS[i]: int(rung_c[i]) for i in range(6)}
    rule_counts = {rules[r]: int(rule_c[r]) for r in range(1, _lib.LADDER_N_RULES + 1)}
    bnames = ("unknown",) + BOND_NAMES
    bond_counts = {RUNGS[i]: {bnames[b]: int(bond_c[i * 6 + b]) for b in range(6)} for i in range(6)}
    return Ladder(fields, t0, rules, counts, rule_counts, bond_counts, st)


class Migration:
    """Result of :func:`ladder_migration`: ``states`` (names, rungs then LAPSED
    when the LAPSED state is on), ``counts`` and ``transition`` (lists of rows;
    NaN rows for empty origins), ``rates`` (dict: per-origin ``up``, ``stay``,
    ``down``, ``lapse`` keyed by state name, ``reactivation``, ``overall_up`` …),
    ``net_movement``, ``n``, ``n_net``; :meth:`project`."""

    def __init__(self, m):
        k = int(m.n_states)
        self.states = STATES[:k]
        self.counts = [[int(m.counts[i][j]) for j in range(k)] for i in range(k)]
        self.transition = [[float(m.transition[i][j]) for j in range(k)] for i in range(k)]
        self.n = int(m.n)
        self.n_net = int(m.n_net)
        self.net_movement = float(m.net_movement)
        self.rates = {
            "up": {STATES[i]: float(m.up_rate[i]) for i in range(6)},
            "stay": {STATES[i]: float(m.stay_rate[i]) for i in range(k)},
            "down": {STATES[i]: float(m.down_rate[i]) for i in range(6)},
            "lapse": {STATES[i]: float(m.lapse_rate[i]) for i in range(6)},
            "reactivation": float(m.reactivation_rate),
            "overall_up": float(m.overall_up),
            "overall_stay": float(m.overall_stay),
            "overall_down": float(m.overall_down),
            "overall_lapse": float(m.overall_lapse),
        }

    def project(self, steps, pi0=None, value=None, discount=0.0):
        """π_k = π_0 P^k for k = 0..steps (:func:`ladder_project`); π_0 defaults to
        the customers per destination state of this migration (the column sums)."""
        if pi0 is None:
            k = len(self.states)
            pi0 = [sum(self.counts[i][j] for i in range(k)) for j in range(k)]
        return ladder_project(self.transition, pi0, steps, value, discount)


def ladder_migration(stage_from, stage_to, active_from=None, active_to=None, n_occ_from=None, n_occ_to=None,
                     lapsed_state=True):
    """Migration between two classifications of the same customers (docs/methods/ladder.md#methods_migration,
    ``cva_ladder_migrate``). Stages are codes 200–205 or names ``'PROSPECT'`` …;
    activities 0/1 (None: all active); occasion counts, when both are given, must
    not decrease. Returns :class:`Migration`."""
    def codes(v, name):
        out = []
        for x in cv.to_list(v):
            if isinstance(x, str):
                if x.upper() not in RUNGS:
                    raise _bad_arg("%s: unknown stage %r" % (name, x))
                out.append(_lib.LADDER_PROSPECT + RUNGS.index(x.upper()))
            else:
                out.append(int(x))
        return cv.as_int32(out, name)
    sf, sc = codes(stage_from, "stage_from"), codes(stage_to, "stage_to")
    if sf.n != sc.n:
        raise _bad_arg("stage_from and stage_to differ in length")
    keep = [sf, sc]
    inp = _lib.LadderMigrationInput(n=sf.n, stage_from=sf.ptr, stage_to=sc.ptr)
    for name, v, kind in (("active_from", active_from, "i"), ("active_to", active_to, "i"),
                          ("n_occ_from", n_occ_from, "I"), ("n_occ_to", n_occ_to, "I")):
        if v is not None:
            a = (cv.as_int32 if kind == "i" else cv.as_uint32)(v, name)
            if a.n != sf.n:
                raise _bad_arg("%s has %d values for %d customers" % (name, a.n, sf.n))
            keep.append(a)
            setattr(inp, name, a.ptr)
    o = _opts(lapsed_state=lapsed_state)
    m = _lib.LadderMigration()
    diag = _lib.Diag()
    st = _lib.get().cva_ladder_migrate(ctypes.byref(inp), ctypes.byref(o), ctypes.byref(m), ctypes.byref(diag))
    _check(st, diag, "ladder_migration")
    return Migration(m)


def ladder_project(transition, pi0, steps, value=None, discount=0.0):
    """Markov projection (``cva_ladder_project``): returns ``(trajectory, total)``,
    the list of π_k for k = 0..steps and Σ_k (1+discount)^−k π_k·value (NaN
    without ``value``). All-NaN rows are absorbing (with a :class:`CvaWarning`
    when mass reaches them)."""
    rows = [cv.to_list(r) for r in cv.to_list(transition)] if not hasattr(transition, "ndim") else \
        transition.tolist()
    k = len(rows)
    if any(len(r) != k for r in rows):
        raise _bad_arg("transition must be square")
    flat = cv.as_float64([float(x) for r in rows for x in r], "transition")
    p0 = cv.as_float64(pi0, "pi0")
    if p0.n != k:
        raise _bad_arg("pi0 has %d values for %d states" % (p0.n, k))
    v = cv.as_float64(value, "value") if value is not None else None
    if v is not None and v.n != k:
        raise _bad_arg("value has %d values for %d states" % (v.n, k))
    steps = int(steps)
    if steps < 0:
        raise _bad_arg("steps must be >= 0")
    traj = cv.empty_output("d", (steps + 1) * k)
    total = ctypes.c_double(math.nan)
    diag = _lib.Diag()
    st = _lib.get().cva_ladder_project(flat.ptr, k, p0.ptr, steps, v.ptr if v is not None else None,
                                       float(discount), traj.ptr, ctypes.byref(total), ctypes.byref(diag))
    _check(st, diag, "ladder_project")
    t = cv.to_list(cv.trim(traj.owner, (steps + 1) * k))
    return [t[i * k:(i + 1) * k] for i in range(steps + 1)], total.value
