"""Finding, loading and checking libcva; ctypes mirrors of the public structs.

Discovery order (first hit wins):

1. the environment variable ``CVA_LIBRARY`` (path to ``libcva.so``); if it is
   set and cannot be loaded, that is an error (no silent fallback);
2. the build tree: ``../build*/lib/libcva.so`` relative to this package,
   newest first (sanitizer builds, which link ``libasan``, are skipped:
   they cannot be loaded into an uninstrumented python);
3. the system: ``ctypes.util.find_library('cva')``, then ``libcva.so.0``.

On load the binding checks that ``cva_version_number()`` has the major/minor
version of :mod:`cva._version` and that every mirrored ``ctypes.Structure``
has the size reported by ``cva_sizeof()``; otherwise it refuses the library
with :class:`cva.VersionMismatchError`.
"""

import ctypes
import ctypes.util
import glob
import os
import threading

from . import _errors
from ._version import EXPECTED_MAJOR, EXPECTED_MINOR

c_int = ctypes.c_int
c_int32 = ctypes.c_int32
c_uint32 = ctypes.c_uint32
c_int64 = ctypes.c_int64
c_uint64 = ctypes.c_uint64
c_size_t = ctypes.c_size_t
c_double = ctypes.c_double
c_char_p = ctypes.c_char_p
c_void_p = ctypes.c_void_p
P = ctypes.POINTER

# ---------------------------------------------------------------------------
# Struct ids (enum cva_struct_id in common.h)
STRUCT_DIAG = 1
STRUCT_ALLOCATOR = 2
STRUCT_TXN_INPUT = 3
STRUCT_TXN_OPTS = 4
STRUCT_TXN_SUMMARY = 5
STRUCT_SIM_OPTS = 6
STRUCT_RFM_OPTS = 7
STRUCT_RFM_CUTS = 8
STRUCT_RFM_RULE = 9
STRUCT_RFM_SEGMENT_STAT = 10
STRUCT_FIT_OPTS = 11
STRUCT_MODEL_FIT = 12
STRUCT_CLV_OPTS = 13
STRUCT_COHORT_TABLE = 14
STRUCT_CLV_TERMS = 20
STRUCT_WHATIF_INPUTS = 21
STRUCT_WHATIF_RESULT = 22
STRUCT_CHURN_FLAG_OPTS = 23
STRUCT_WHATIF_MODEL_OPTS = 24
STRUCT_WHATIF_MODEL_RESULT = 25

# Retention economics (retention.h)
TIMING_END = 0
TIMING_START = 1
DELTA_ABS = 0
DELTA_REL = 1
WHATIF_SHIFT_EXACT = 0
WHATIF_SHIFT_CAPPED = 1
WHATIF_SHIFT_UNDEFINED = 2
CHURN_RULE_ALL = 0
CHURN_RULE_HIATUS = 1
CHURN_RULE_IPT = 2
CHURN_RULE_IPT_MEDIAN = 3
CHURN_RULE_P_ALIVE = 4
STRUCT_LADDER_OPTS = 30
STRUCT_LADDER_INPUT = 31
STRUCT_LADDER_MIGRATION_INPUT = 32
STRUCT_LADDER_MIGRATION = 33
STRUCT_COV_OPTS = 40
STRUCT_COV_FIT = 41
COV_MAX = 10
COV_P_ALIVE = 1
COV_EXPECTED = 2
COV_DERT = 3
STRUCT_LOGLIK_BLOCK = 50
STRUCT_PREDICT_OPTS = 56
STRUCT_EXECUTOR = 55

# Loyalty ladder (ladder.h): rung/state codes, rule codes, flags
LADDER_PROSPECT = 200
LADDER_CUSTOMER = 201
LADDER_CLIENT = 202
LADDER_SUPPORTER = 203
LADDER_ADVOCATE = 204
LADDER_PARTNER = 205
LADDER_LAPSED = 206
LADDER_N_RULES = 10
LADDER_F_BEHAVIOURAL_PROXY = 1
LADDER_F_NPS_PROMOTER_IS_ADVOCATE = 2

# Churn and spend models (churn.h, enum cva_model)
MODEL_BGNBD = 1
MODEL_MBGNBD = 2
MODEL_PNBD = 3
MODEL_BGBB = 4
MODEL_GG = 5
MODEL_SBG = 6
MODEL_NBD = 7
MODEL_GGOMNBD = 8
MODEL_BGCNBD = 9
MODEL_MBGCNBD = 10
MODEL_PNBDCOR = 11

# RFM (rfm.h)
RFM_RANK_FIRST = 0
RFM_NTILE = 1
RFM_VALUE_CUTS = 2
RFM_R_RFM = 3
RFM_FIXED = 4
RFM_ASCENDING = 0
RFM_RECENCY = 1
RFM_F_TXN = 0
RFM_F_OCC = 1
RFM_F_REPEAT = 2
RFM_M_TOTAL = 0
RFM_M_MEAN = 1
RFM_M_REPEAT_MEAN = 2
RFM_CLOSE_RIGHT = 0
RFM_CLOSE_LEFT = 1
RFM_COL_RECENCY = 0      # enum cva_rfm_column: the `which` of cva_rfm_cuts_compute
RFM_COL_FREQUENCY = 1
RFM_COL_MONETARY = 2
# enum cva_kernel (common.h): experimental in C (CVA_EXPERIMENTAL_API); 0 is the stable value
KERNEL_AUTO = 0
KERNEL_SCALAR = 1
RFM_MAX_BINS = 100
RFM_MAP_RF10_GRID = 0
RFM_MAP_RFM11_HEBBALI = 1
RFM_MAP_RFM11_SPECIFIC_FIRST = 2

# Label registry (common.h, group "labels"): code ranges, then the codes of each module.
LABEL_NONE = 0
LABEL_RFM_FIRST = 1
LABEL_RFM_LAST = 99
LABEL_TIER_FIRST = 100
LABEL_TIER_LAST = 199
LABEL_LADDER_FIRST = 200
LABEL_LADDER_LAST = 299
LABEL_RESERVED_FIRST = 300
LABEL_RESERVED_LAST = 999
LABEL_CUSTOM_FIRST = 1000
RFM_SEG_NONE = 0
RFM_SEG_OTHERS = 1
RFM_SEG_CHAMPIONS = 2
RFM_SEG_LOYAL = 3
RFM_SEG_POTENTIAL_LOYALIST = 4
RFM_SEG_NEW = 5
RFM_SEG_PROMISING = 6
RFM_SEG_NEED_ATTENTION = 7
RFM_SEG_ABOUT_TO_SLEEP = 8
RFM_SEG_AT_RISK = 9
RFM_SEG_CANT_LOSE = 10
RFM_SEG_HIBERNATING = 11
RFM_SEG_LOST = 12
TIER_BZ = 100
TIER_MVC = 101
TIER_MGC = 102
TIER_OTHER = 103
TIER_KEY = 110
TIER_ORDINARY = 111
TIER_SMALL = 112
TIER_PLATINUM = 120
TIER_GOLD = 121
TIER_IRON = 122
TIER_LEAD = 123
LADDER_PROSPECT = 200
LADDER_CUSTOMER = 201
LADDER_CLIENT = 202
LADDER_SUPPORTER = 203
LADDER_ADVOCATE = 204
LADDER_PARTNER = 205
LADDER_LAPSED = 206

# Refund policies, flags, time conventions (txn.h)
TXN_REFUND_NET = 0
TXN_REFUND_AS_ROW = 1
TXN_REFUND_EXCLUDE = 2
TXN_F_ZERO_NOT_PURCHASE = 1
TXN_F_SKIP_INVALID = 2
TXN_TIME_CONTINUOUS = 0
TXN_TIME_PERIOD = 1
TXN_NO_REFERRER = -(2 ** 63)

# Names kept until 1.0 (the C headers keep the same ones as macros).
REFUND_NET = TXN_REFUND_NET
REFUND_AS_ROW = TXN_REFUND_AS_ROW
REFUND_EXCLUDE = TXN_REFUND_EXCLUDE
F_ZERO_NOT_PURCHASE = TXN_F_ZERO_NOT_PURCHASE
F_SKIP_INVALID = TXN_F_SKIP_INVALID
TIME_CONTINUOUS = TXN_TIME_CONTINUOUS
TIME_PERIOD = TXN_TIME_PERIOD
NO_REFERRER = TXN_NO_REFERRER
SEG_NONE = RFM_SEG_NONE
SEG_OTHERS = RFM_SEG_OTHERS
SEG_CHAMPIONS = RFM_SEG_CHAMPIONS
SEG_LOYAL = RFM_SEG_LOYAL
SEG_POTENTIAL_LOYALIST = RFM_SEG_POTENTIAL_LOYALIST
SEG_NEW = RFM_SEG_NEW
SEG_PROMISING = RFM_SEG_PROMISING
SEG_NEED_ATTENTION = RFM_SEG_NEED_ATTENTION
SEG_ABOUT_TO_SLEEP = RFM_SEG_ABOUT_TO_SLEEP
SEG_AT_RISK = RFM_SEG_AT_RISK
SEG_CANT_LOSE = RFM_SEG_CANT_LOSE
SEG_HIBERNATING = RFM_SEG_HIBERNATING
SEG_LOST = RFM_SEG_LOST
SEG_CUSTOM = LABEL_CUSTOM_FIRST

# Option ids reported in cva_diag.option, with the Python keyword they map to.
OPTION_NAMES = {
    101: "refund_policy",
    102: "flags",  # zero_is_purchase / skip_invalid
    103: "time_convention",
    104: "end",
    105: "start",
    106: "period_length",
    107: "period_origin",
    108: "time_unit",
    109: "calibration_end",
    201: "r",
    202: "alpha",
    203: "a",
    204: "b",
    205: "p",
    206: "q",
    207: "gamma",
    208: "time_scale",
    209: "acquisition_span",
    210: "end",
    211: "start",
    301: "bins",
    302: "method",
    303: "frequency",
    304: "monetary",
    305: "closure",
    306: "fixed_cuts",
    307: "kernel",
    308: "weights",
    401: "max_iter",
    402: "tol",
    403: "penalizer",
    404: "start",
    410: "steps",
    411: "step_length",
    412: "discount",
    413: "margin",
    601: "timing",
    602: "horizon",
    603: "discount",
    604: "growth",
    610: "customers",
    611: "margin",
    612: "retention",
    613: "discount",
    614: "timing",
    615: "horizon",
    616: "margin_growth",
    617: "delta_retention",
    618: "delta_mode",
    619: "retention_cost",
    620: "delta_retention_cost",
    621: "acquisition_cost",
    622: "acq_ret_ratio",
    623: "new_customers",
    624: "budget_share_target",
    640: "delta_retention",
    641: "delta_mode",
    642: "discount",
    643: "period",
    644: "margin",
    645: "n_renewals",
    646: "retention_cap",
    630: "rule",
    631: "hiatus",
    632: "ipt_multiple",
    633: "threshold",
    701: "flags",  # behavioural_proxy / nps_promoter_is_advocate
    702: "min_referrals",
    703: "proxy_min_occ",
    704: "proxy_min_f_score",
    705: "lapsed_state",
    706: "lookback",
    707: "partner_min_tenure",
    708: "sat_threshold",
    709: "nps_passive",
    710: "nps_promoter",
    711: "hiatus",
}


# ---------------------------------------------------------------------------
# Structures (field order and types exactly as in the headers)

AllocFunc = ctypes.CFUNCTYPE(c_void_p, c_void_p, c_size_t)
FreeFunc = ctypes.CFUNCTYPE(None, c_void_p, c_void_p)


class Diag(ctypes.Structure):
    """``cva_diag``: caller-owned diagnostics. ``Diag()`` is initialised with
    ``cva_diag_init`` (struct_size set, index -1)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("status", c_int32),
        ("arg", c_int32),
        ("option", c_int32),
        ("index", c_int64),
        ("count", c_uint64),
        ("detail", c_char_p),
    ]
    _struct_id = STRUCT_DIAG

    def __init__(self):
        super().__init__()
        diag_init(self)

    @property
    def detail_text(self):
        return self.detail.decode("utf-8", "replace") if self.detail else ""


class Allocator(ctypes.Structure):
    """``cva_allocator``: per-call allocator (alloc, free, user)."""
    _fields_ = [
        ("alloc", AllocFunc),
        ("free", FreeFunc),
        ("user", c_void_p),
    ]
    _struct_id = STRUCT_ALLOCATOR


# cva_task_fn and cva_executor::run (common.h). A TaskFn called from Python is a
# foreign call: ctypes releases the GIL while the library's task runs.
TaskFn = ctypes.CFUNCTYPE(None, c_void_p, c_size_t, ctypes.c_uint)
RunFn = ctypes.CFUNCTYPE(c_int, c_void_p, c_size_t, TaskFn, c_void_p)


class Executor(ctypes.Structure):
    """``cva_executor``: the caller's threads run the library's tasks (see
    :mod:`cva._exec` for the thread-pool executor behind ``threads=``)."""
    _fields_ = [
        ("run", RunFn),
        ("ctx", c_void_p),
        ("workers", ctypes.c_uint),
    ]
    _struct_id = STRUCT_EXECUTOR


class TxnInput(ctypes.Structure):
    """``cva_txn_input``: transaction arrays (struct of arrays)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("reserved", c_uint32),
        ("n", c_size_t),
        ("customer_id", P(c_int64)),
        ("t", P(c_double)),
        ("amount", P(c_double)),
        ("cost", P(c_double)),
        ("referrer_id", P(c_int64)),
        ("period", P(c_int64)),
    ]
    _struct_id = STRUCT_TXN_INPUT

    def __init__(self, **kw):
        super().__init__(struct_size=ctypes.sizeof(TxnInput), **kw)


class TxnOpts(ctypes.Structure):
    """``cva_txn_opts``; ``TxnOpts()`` holds the library defaults
    (``cva_txn_opts_init_defaults``)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("refund_policy", c_int32),
        ("flags", c_int32),
        ("time_convention", c_int32),
        ("obs_end", c_double),
        ("obs_start", c_double),
        ("period_length", c_double),
        ("period_origin", c_double),
        ("time_scale", c_double),
        ("calibration_end", c_double),
        ("alloc", P(Allocator)),
        ("executor", P(Executor)),
    ]
    _struct_id = STRUCT_TXN_OPTS

    def __init__(self, **kw):
        super().__init__()
        txn_opts_init_defaults(self)
        for k, v in kw.items():
            setattr(self, k, v)


# (field name, ctypes element type) of every per-customer output array
SUMMARY_ARRAYS = [
    ("customer_id", c_int64),
    ("n_txn", c_uint32),
    ("n_occ", c_uint32),
    ("n_refund", c_uint32),
    ("first_t", c_double),
    ("last_t", c_double),
    ("total_amount", c_double),
    ("total_cost", c_double),
    ("refund_amount", c_double),
    ("frequency", c_double),
    ("recency", c_double),
    ("T", c_double),
    ("monetary_value", c_double),
    ("days_since_last", c_double),
    ("ref_n_txn", c_uint32),
    ("ref_n_cust", c_uint32),
    ("ref_amount", c_double),
    ("ref_last_t", c_double),
    ("frequency_holdout", c_double),
    ("monetary_value_holdout", c_double),
    ("duration_holdout", c_double),
]
HOLDOUT_ARRAYS = ("frequency_holdout", "monetary_value_holdout", "duration_holdout")


class TxnSummary(ctypes.Structure):
    """``cva_txn_summary``: caller-owned output arrays. ``TxnSummary()`` is
    cleared with ``cva_txn_summary_init``."""
    _fields_ = ([
        ("struct_size", c_uint32),
        ("reserved", c_uint32),
        ("capacity", c_size_t),
        ("n_customers", c_size_t),
    ] + [(name, P(ct)) for name, ct in SUMMARY_ARRAYS] + [
        ("obs_end", c_double),           # out: the end of observation used
        ("calibration_end", c_double),   # out: the end the statistics are measured to
    ])
    _struct_id = STRUCT_TXN_SUMMARY

    def __init__(self):
        super().__init__()
        txn_summary_init(self)


class SimOpts(ctypes.Structure):
    """``cva_sim_opts``; ``SimOpts()`` holds the library defaults
    (``cva_sim_opts_init_defaults``)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("round_times", c_int32),
        ("seed", c_uint64),
        ("first_id", c_int64),
        ("r", c_double),
        ("alpha", c_double),
        ("a", c_double),
        ("b", c_double),
        ("p", c_double),
        ("q", c_double),
        ("gamma", c_double),
        ("time_scale", c_double),
        ("start", c_double),
        ("acquisition_span", c_double),
        ("end", c_double),
    ]
    _struct_id = STRUCT_SIM_OPTS

    def __init__(self, **kw):
        super().__init__()
        sim_opts_init_defaults(self)
        for k, v in kw.items():
            setattr(self, k, v)


class RfmOpts(ctypes.Structure):
    """``cva_rfm_opts``; ``RfmOpts()`` holds the library defaults
    (``cva_rfm_opts_init_defaults``: k = 5, rank-first, F_TXN, M_TOTAL)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("bins", c_int32),
        ("method", c_int32),
        ("frequency", c_int32),
        ("monetary", c_int32),
        ("fixed_closure", c_int32),
        ("kernel", c_int32),
        ("reserved", c_int32),
        ("r_cuts", P(c_double)),
        ("f_cuts", P(c_double)),
        ("m_cuts", P(c_double)),
        ("w_r", c_double),
        ("w_f", c_double),
        ("w_m", c_double),
        ("alloc", P(Allocator)),
        ("executor", c_void_p),  # const cva_executor *
    ]
    _struct_id = STRUCT_RFM_OPTS

    def __init__(self, **kw):
        super().__init__()
        rfm_opts_init_defaults(self)
        for k, v in kw.items():
            setattr(self, k, v)


class RfmCuts(ctypes.Structure):
    """``cva_rfm_cuts``: the cut set of one column (k-1 boundaries (value,
    index), closure, direction flags, per-score counts). ``RfmCuts()`` is
    zeroed with ``struct_size`` set."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("bins", c_int32),
        ("closure", c_int32),
        ("negate", c_int32),
        ("reverse", c_int32),
        ("ties_split", c_int32),
        ("scored", c_uint64),
        ("value", c_double * (RFM_MAX_BINS - 1)),
        ("index", c_int64 * (RFM_MAX_BINS - 1)),
        ("count", c_uint64 * RFM_MAX_BINS),
    ]
    _struct_id = STRUCT_RFM_CUTS

    def __init__(self, **kw):
        super().__init__(struct_size=ctypes.sizeof(RfmCuts), **kw)


class RfmRule(ctypes.Structure):
    """``cva_rfm_rule``: label code and inclusive R/F/M score ranges."""
    _fields_ = [
        ("label", c_int32),
        ("r_lo", c_int32),
        ("r_hi", c_int32),
        ("f_lo", c_int32),
        ("f_hi", c_int32),
        ("m_lo", c_int32),
        ("m_hi", c_int32),
    ]
    _struct_id = STRUCT_RFM_RULE

    def __repr__(self):
        return "RfmRule(label=%d, r=(%d, %d), f=(%d, %d), m=(%d, %d))" % (
            self.label, self.r_lo, self.r_hi, self.f_lo, self.f_hi, self.m_lo, self.m_hi)


class RfmSegmentStat(ctypes.Structure):
    """``cva_rfm_segment_stat``: one row of the per-segment report."""
    _fields_ = [
        ("label", c_int32),
        ("reserved", c_int32),
        ("count", c_uint64),
        ("share", c_double),
        ("mean_r", c_double),
        ("mean_f", c_double),
        ("mean_m", c_double),
        ("revenue", c_double),
        ("revenue_share", c_double),
    ]
    _struct_id = STRUCT_RFM_SEGMENT_STAT


# Progress callback of a fit: int (*)(void *user, size_t iteration, double objective)
ProgressFunc = ctypes.CFUNCTYPE(c_int, c_void_p, c_size_t, c_double)


class FitOpts(ctypes.Structure):
    """``cva_fit_opts``; ``FitOpts()`` holds the library defaults
    (``cva_fit_opts_init_defaults``: max_iter 1000, merge_rows 1, grad_tol 1e-9,
    f_tol 1e-14, penalty 0, no start, no progress callback)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("max_iter", c_int32),
        ("merge_rows", c_int32),
        ("q_above_one", c_int32),
        ("grad_tol", c_double),
        ("f_tol", c_double),
        ("penalty", c_double),
        ("start", P(c_double)),
        ("progress", ProgressFunc),
        ("progress_user", c_void_p),
        ("alloc", P(Allocator)),
        ("executor", c_void_p),  # const cva_executor * (the executor mirror lives with the executors)
    ]
    _struct_id = STRUCT_FIT_OPTS

    def __init__(self, **kw):
        super().__init__()
        fit_opts_init_defaults(self)
        for k, v in kw.items():
            setattr(self, k, v)


class ModelFit(ctypes.Structure):
    """``cva_model_fit``: parameters, standard errors, covariance and fit
    diagnostics. ``ModelFit()`` is zeroed by ``cva_model_fit_init``."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("model", c_int32),
        ("n_params", c_int32),
        ("converged", c_int32),
        ("params", c_double * 4),
        ("std_err", c_double * 4),
        ("cov", c_double * 16),
        ("log_likelihood", c_double),
        ("grad_norm", c_double),
        ("iterations", c_uint64),
        ("evaluations", c_uint64),
        ("n_rows", c_uint64),
        ("n_customers", c_double),
        ("boundary", c_uint32),
        ("boundary_upper", c_uint32),
        ("params5", c_double * 5),
        ("std_err5", c_double * 5),
        ("cov5", c_double * 25),
    ]
    _struct_id = STRUCT_MODEL_FIT

    def __init__(self):
        super().__init__()
        model_fit_init(self)


class ClvOpts(ctypes.Structure):
    """``cva_clv_opts``; ``ClvOpts()`` holds the defaults (12 steps of 30/7
    model units, discount 0.01 per step, margin 1)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("steps", c_int32),
        ("step_length", c_double),
        ("discount", c_double),
        ("margin", c_double),
        ("alloc", P(Allocator)),
        ("executor", c_void_p),  # const cva_executor *
    ]
    _struct_id = STRUCT_CLV_OPTS

    def __init__(self, **kw):
        super().__init__()
        clv_opts_init_defaults(self)
        for k, v in kw.items():
            setattr(self, k, v)


class PredictOpts(ctypes.Structure):
    """``cva_predict_opts``: allocator and executor of the per-customer predictions
    (``cva_model_p_alive``, ``cva_model_expected``, ``cva_model_dert``,
    ``cva_model_cond_prob_n``, ``cva_model_cond_variance``). ``PredictOpts()`` holds
    the defaults (neither)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("reserved", c_int32),
        ("alloc", P(Allocator)),
        ("executor", c_void_p),  # const cva_executor *
    ]
    _struct_id = STRUCT_PREDICT_OPTS

    def __init__(self, **kw):
        super().__init__()
        raise_for_status(get().cva_predict_opts_init_defaults(ctypes.byref(self), ctypes.sizeof(self)))
        for k, v in kw.items():
            setattr(self, k, v)


class CohortTable(ctypes.Structure):
    """``cva_cohort_table`` (cohort.h): outputs of ``cva_txn_cohorts``."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("reserved", c_uint32),
        ("capacity", c_size_t),
        ("n_cohorts", c_size_t),
        ("first_period", c_int64),
        ("end_period", c_int64),
        ("obs_end", c_double),
        ("n_customers", ctypes.c_uint64),
        ("period", P(c_int64)),
        ("size", P(c_double)),
        ("observed", P(c_int64)),
        ("active", P(c_double)),
        ("retained", P(c_double)),
    ]
    _struct_id = STRUCT_COHORT_TABLE

    def __init__(self):
        super().__init__()
        raise_for_status(get().cva_cohort_table_init(ctypes.byref(self), ctypes.sizeof(self)))


class ClvTerms(ctypes.Structure):
    """``cva_clv_terms`` (retention.h); ``ClvTerms()`` holds the defaults (END timing,
    infinite horizon, discount 0.10, growth 0)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("timing", c_int32),
        ("horizon", c_int32),
        ("discount", c_double),
        ("growth", c_double),
    ]
    _struct_id = STRUCT_CLV_TERMS

    def __init__(self, **kw):
        super().__init__()
        raise_for_status(get().cva_clv_terms_init_defaults(ctypes.byref(self), ctypes.sizeof(self)))
        for k, v in kw.items():
            setattr(self, k, v)


class WhatifInputs(ctypes.Structure):
    """``cva_whatif_inputs`` (docs/methods/retention.md#methods_whatif); ``WhatifInputs()`` holds the defaults
    (customers, margin, retention NaN: required)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("timing", c_int32),
        ("horizon", c_int32),
        ("delta_mode", c_int32),
        ("customers", c_double),
        ("margin", c_double),
        ("retention", c_double),
        ("discount", c_double),
        ("margin_growth", c_double),
        ("delta_retention", c_double),
        ("retention_cost", c_double),
        ("delta_retention_cost", c_double),
        ("acquisition_cost", c_double),
        ("acq_ret_ratio", c_double),
        ("new_customers", c_double),
        ("budget_share_target", c_double),
    ]
    _struct_id = STRUCT_WHATIF_INPUTS

    def __init__(self, **kw):
        super().__init__()
        raise_for_status(get().cva_whatif_inputs_init_defaults(ctypes.byref(self), ctypes.sizeof(self)))
        for k, v in kw.items():
            setattr(self, k, v)


# the docs/methods/retention.md#methods_whatif outputs in the order of cva_whatif_result (after struct_size and the flag)
WHATIF_RESULT_FIELDS = (
    "retention_new", "acquisition_cost_used", "new_customers_used",
    "mm_base", "mm_new", "clv_base", "clv_new", "delta_clv", "delta_clv_pct",
    "ce_base", "ce_new", "delta_ce", "retention_elasticity", "churned_base", "churned_new",
    "acquisition_spend_base", "acquisition_spend_new", "acquisition_spend_avoided",
    "break_even_retention_spend", "programme_roi", "steady_state_profit_base",
    "steady_state_profit_new", "steady_state_profit_change_pct", "retention_budget_share",
    "acq_ret_ratio_used",
)


class WhatifResult(ctypes.Structure):
    """``cva_whatif_result`` (docs/methods/retention.md#methods_whatif): every output, NaN where undefined."""
    _fields_ = [("struct_size", c_uint32), ("budget_share_below_target", c_int32)] + [
        (name, c_double) for name in WHATIF_RESULT_FIELDS]
    _struct_id = STRUCT_WHATIF_RESULT

    def __init__(self):
        super().__init__()
        raise_for_status(get().cva_whatif_result_init(ctypes.byref(self), ctypes.sizeof(self)))


class WhatifModelOpts(ctypes.Structure):
    """``cva_whatif_model_opts`` (the model-based what-if); ``WhatifModelOpts()`` holds the
    defaults (ABS, delta 0, discount 0.10, period 52, margin 1, n_renewals 0, cap 0.999)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("delta_mode", c_int32),
        ("delta_retention", c_double),
        ("discount", c_double),
        ("period", c_double),
        ("margin", c_double),
        ("n_renewals", c_double),
        ("retention_cap", c_double),
        ("alloc", P(Allocator)),
    ]
    _struct_id = STRUCT_WHATIF_MODEL_OPTS

    def __init__(self, **kw):
        super().__init__()
        raise_for_status(get().cva_whatif_model_opts_init_defaults(ctypes.byref(self), ctypes.sizeof(self)))
        for k, v in kw.items():
            setattr(self, k, v)


# the outputs of cva_whatif_model_result after params_new, in order
WHATIF_MODEL_RESULT_FIELDS = (
    "del_base", "del_new", "del_change_pct", "derl_base", "derl_new", "derl_change_pct",
    "del_constant_base", "del_constant_new", "derl_constant_base", "derl_constant_new",
    "customers", "value_base", "value_new", "delta_value", "delta_value_pct",
    "value_constant_base", "value_constant_new",
)


class WhatifModelResult(ctypes.Structure):
    """``cva_whatif_model_result``: every output, NaN where undefined."""
    _fields_ = [("struct_size", c_uint32), ("model", c_int32), ("shift", c_int32), ("n_params", c_int32),
                ("retention_base", c_double), ("retention_target", c_double), ("retention_new", c_double),
                ("dropout_scale", c_double), ("params_new", c_double * 4)] + [
        (name, c_double) for name in WHATIF_MODEL_RESULT_FIELDS]
    _struct_id = STRUCT_WHATIF_MODEL_RESULT

    def __init__(self):
        super().__init__()
        raise_for_status(get().cva_whatif_model_result_init(ctypes.byref(self), ctypes.sizeof(self)))


class ChurnFlagOpts(ctypes.Structure):
    """``cva_churn_flag_opts`` (docs/methods/models.md#methods_heuristics); ``ChurnFlagOpts()`` holds the defaults
    (all rules, hiatus 270, ipt multiple 3, threshold 0.5)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("rule", c_int32),
        ("hiatus", c_double),
        ("ipt_multiple", c_double),
        ("threshold", c_double),
        ("alloc", P(Allocator)),
    ]
    _struct_id = STRUCT_CHURN_FLAG_OPTS

    def __init__(self, **kw):
        super().__init__()
        raise_for_status(get().cva_churn_flag_opts_init_defaults(ctypes.byref(self), ctypes.sizeof(self)))
        for k, v in kw.items():
            setattr(self, k, v)


class LadderOpts(ctypes.Structure):
    """``cva_ladder_opts``; ``LadderOpts()`` holds the defaults (min_referrals 1,
    lookback 365, partner_min_tenure 365, sat_threshold 0.8, nps_passive 7,
    nps_promoter 9, hiatus 270, lapsed_state 1, proxy 4 occasions / F score 4, off)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("flags", c_int32),
        ("min_referrals", c_uint32),
        ("proxy_min_occ", c_uint32),
        ("proxy_min_f_score", c_int32),
        ("lapsed_state", c_int32),
        ("lookback", c_double),
        ("partner_min_tenure", c_double),
        ("sat_threshold", c_double),
        ("nps_passive", c_double),
        ("nps_promoter", c_double),
        ("hiatus", c_double),
    ]
    _struct_id = STRUCT_LADDER_OPTS

    def __init__(self, **kw):
        super().__init__()
        raise_for_status(get().cva_ladder_opts_init_defaults(ctypes.byref(self), ctypes.sizeof(self)))
        for k, v in kw.items():
            setattr(self, k, v)


class LadderInput(ctypes.Structure):
    """``cva_ladder_input``: per-customer arrays as of t0 (NULL = not given)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("reserved", c_uint32),
        ("n", c_size_t),
        ("n_occ", P(c_uint32)),
        ("tenure", P(c_double)),
        ("recency", P(c_double)),
        ("referrals", P(c_uint32)),
        ("referrals_total", P(c_uint32)),
        ("nps", P(c_double)),
        ("sat", P(c_double)),
        ("bond", P(c_int32)),
        ("active", P(c_int32)),
        ("f_score", P(c_int32)),
    ]
    _struct_id = STRUCT_LADDER_INPUT

    def __init__(self, **kw):
        super().__init__(**kw)
        self.struct_size = ctypes.sizeof(self)


class LadderMigrationInput(ctypes.Structure):
    """``cva_ladder_migration_input``: the same customers at two dates."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("reserved", c_uint32),
        ("n", c_size_t),
        ("stage_from", P(c_int32)),
        ("stage_to", P(c_int32)),
        ("active_from", P(c_int32)),
        ("active_to", P(c_int32)),
        ("n_occ_from", P(c_uint32)),
        ("n_occ_to", P(c_uint32)),
    ]
    _struct_id = STRUCT_LADDER_MIGRATION_INPUT

    def __init__(self, **kw):
        super().__init__(**kw)
        self.struct_size = ctypes.sizeof(self)


class LadderMigration(ctypes.Structure):
    """``cva_ladder_migration``: count and transition matrices (7 x 7, index =
    code - 200, 6 = LAPSED), rates per origin and overall, net movement."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("n_states", c_uint32),
        ("n", c_uint64),
        ("n_net", c_uint64),
        ("counts", (c_uint64 * 7) * 7),
        ("transition", (c_double * 7) * 7),
        ("up_rate", c_double * 7),
        ("stay_rate", c_double * 7),
        ("down_rate", c_double * 7),
        ("lapse_rate", c_double * 7),
        ("reactivation_rate", c_double),
        ("overall_up", c_double),
        ("overall_stay", c_double),
        ("overall_down", c_double),
        ("overall_lapse", c_double),
        ("net_movement", c_double),
    ]
    _struct_id = STRUCT_LADDER_MIGRATION

    def __init__(self):
        super().__init__()
        self.struct_size = ctypes.sizeof(self)


class CovOpts(ctypes.Structure):
    """``cva_cov_opts``: covariate specification (n_cov, process flags, constraints, L2)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("n_cov", c_int32),
        ("life", P(c_int32)),
        ("trans", P(c_int32)),
        ("constrain", P(c_int32)),
        ("lambda_life", c_double),
        ("lambda_trans", c_double),
        ("start_life", P(c_double)),
        ("start_trans", P(c_double)),
    ]
    _struct_id = STRUCT_COV_OPTS

    def __init__(self):
        super().__init__()
        raise_for_status(get().cva_cov_opts_init_defaults(ctypes.byref(self), ctypes.sizeof(self)))


class CovFit(ctypes.Structure):
    """``cva_cov_fit``: fitted covariate coefficients and their standard errors."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("model", c_int32),
        ("n_cov", c_int32),
        ("n_free", c_int32),
        ("life", c_int32 * COV_MAX),
        ("trans", c_int32 * COV_MAX),
        ("constrain", c_int32 * COV_MAX),
        ("gamma_life", c_double * COV_MAX),
        ("gamma_trans", c_double * COV_MAX),
        ("se_life", c_double * COV_MAX),
        ("se_trans", c_double * COV_MAX),
        ("lambda_life", c_double),
        ("lambda_trans", c_double),
        ("objective", c_double),
        ("boundary_life", c_uint32),
        ("boundary_trans", c_uint32),
    ]
    _struct_id = STRUCT_COV_FIT

    def __init__(self):
        super().__init__()
        raise_for_status(get().cva_cov_fit_init(ctypes.byref(self), ctypes.sizeof(self)))


# Objective of cva_model_fit_loglik: cva_status (*)(void *user, const double *params,
# double time_scale, double *ll_sum, double *grad)
LoglikFunc = ctypes.CFUNCTYPE(c_int, c_void_p, P(c_double), c_double, P(c_double), P(c_double))


class LoglikBlock(ctypes.Structure):
    """``cva_loglik_block``: log-likelihood sum, gradient and row counts of one block of
    rows (``cva_model_loglik_block``); ``LoglikBlock()`` is initialised (max_T = -inf)."""
    _fields_ = [
        ("struct_size", c_uint32),
        ("model", c_int32),
        ("ll_sum", c_double),
        ("grad", c_double * 4),
        ("weight_total", c_double),
        ("max_T", c_double),
        ("n_rows", c_uint64),
        ("n_distinct", c_uint64),
        ("n_no_purchase", c_uint64),
        ("n_ignored", c_uint64),
    ]
    _struct_id = STRUCT_LOGLIK_BLOCK

    def __init__(self):
        super().__init__()
        st = get().cva_loglik_block_init(ctypes.byref(self), ctypes.sizeof(self))
        raise_for_status(st, None, "cva_loglik_block_init")


STRUCTURES = (Diag, Allocator, Executor, TxnInput, TxnOpts, TxnSummary, SimOpts, RfmOpts, RfmCuts, RfmRule,
              RfmSegmentStat, FitOpts, ModelFit, ClvOpts, PredictOpts, CohortTable, ClvTerms, WhatifInputs,
              WhatifResult, WhatifModelOpts, WhatifModelResult, ChurnFlagOpts, LadderOpts, LadderInput,
              LadderMigrationInput,
              LadderMigration, CovOpts, CovFit, LoglikBlock)
STRUCT_NAMES = {
    "diag": STRUCT_DIAG, "allocator": STRUCT_ALLOCATOR, "txn_input": STRUCT_TXN_INPUT,
    "txn_opts": STRUCT_TXN_OPTS, "txn_summary": STRUCT_TXN_SUMMARY, "sim_opts": STRUCT_SIM_OPTS,
    "rfm_opts": STRUCT_RFM_OPTS, "rfm_cuts": STRUCT_RFM_CUTS, "rfm_rule": STRUCT_RFM_RULE,
    "rfm_segment_stat": STRUCT_RFM_SEGMENT_STAT, "fit_opts": STRUCT_FIT_OPTS,
    "model_fit": STRUCT_MODEL_FIT, "clv_opts": STRUCT_CLV_OPTS, "cohort_table": STRUCT_COHORT_TABLE,
    "model_fit": STRUCT_MODEL_FIT, "clv_opts": STRUCT_CLV_OPTS,
    "clv_terms": STRUCT_CLV_TERMS, "whatif_inputs": STRUCT_WHATIF_INPUTS,
    "whatif_result": STRUCT_WHATIF_RESULT, "churn_flag_opts": STRUCT_CHURN_FLAG_OPTS,
    "whatif_model_opts": STRUCT_WHATIF_MODEL_OPTS, "whatif_model_result": STRUCT_WHATIF_MODEL_RESULT,
    "ladder_opts": STRUCT_LADDER_OPTS, "ladder_input": STRUCT_LADDER_INPUT,
    "ladder_migration_input": STRUCT_LADDER_MIGRATION_INPUT,
    "ladder_migration": STRUCT_LADDER_MIGRATION,
    "cov_opts": STRUCT_COV_OPTS, "cov_fit": STRUCT_COV_FIT,
    "loglik_block": STRUCT_LOGLIK_BLOCK,
    "predict_opts": STRUCT_PREDICT_OPTS,
    "executor": STRUCT_EXECUTOR,
}

# Every exported function: name -> (restype, argtypes). Mirrors lib/cva.sym.
PROTOTYPES = {
    "cva_strerror": (c_char_p, [c_int]),
    "cva_status_name": (c_char_p, [c_int]),
    "cva_version_number": (c_uint32, []),
    "cva_version_string": (c_char_p, []),
    "cva_diag_init": (c_int, [P(Diag), c_size_t]),
    "cva_sizeof": (c_size_t, [c_int32]),
    "cva_txn_opts_init_defaults": (c_int, [P(TxnOpts), c_size_t]),
    "cva_txn_summary_init": (c_int, [P(TxnSummary), c_size_t]),
    "cva_txn_workspace_size": (c_int, [P(TxnInput), P(TxnOpts), P(c_size_t)]),
    "cva_txn_summarize": (c_int, [P(TxnInput), P(TxnOpts), P(TxnSummary),
                                  c_void_p, c_size_t, P(Diag)]),
    # cohort.h
    "cva_cohort_table_init": (c_int, [P(CohortTable), c_size_t]),
    "cva_txn_cohorts_workspace_size": (c_int, [P(TxnInput), P(c_size_t)]),
    "cva_txn_cohorts": (c_int, [P(TxnInput), P(TxnOpts), P(CohortTable), c_void_p, c_size_t, P(Diag)]),
    "cva_sim_opts_init_defaults": (c_int, [P(SimOpts), c_size_t]),
    "cva_sim_transactions": (c_int, [P(SimOpts), c_size_t, P(c_int64), P(c_double),
                                     P(c_double), c_size_t, P(c_size_t), P(Diag)]),
    # rfm.h
    "cva_label": (c_char_p, [c_int32]),
    "cva_rfm_opts_init_defaults": (c_int, [P(RfmOpts), c_size_t]),
    "cva_rfm_raw": (c_int, [c_double, P(c_double), P(c_uint32), P(c_uint32), P(c_double),
                            P(c_double), c_size_t, P(RfmOpts), P(c_double), P(c_double),
                            P(c_double), P(Diag)]),
    "cva_rfm_workspace_size": (c_int, [c_size_t, P(c_size_t)]),
    "cva_rfm_cuts_compute": (c_int, [P(c_double), c_size_t, c_int32, P(RfmOpts), c_int32,
                                     P(RfmCuts), c_void_p, c_size_t, P(Diag)]),
    "cva_rfm_assign": (c_int, [P(c_double), c_size_t, c_size_t, P(RfmCuts), c_int32,
                               P(c_int32), P(Diag)]),
    "cva_rfm_score": (c_int, [P(c_double), P(c_double), P(c_double), c_size_t, P(RfmOpts),
                              P(c_int32), P(c_int32), P(c_int32), P(RfmCuts), c_void_p, c_size_t,
                              P(Diag)]),
    "cva_rfm_composite": (c_int, [P(c_int32), P(c_int32), P(c_int32), c_size_t, P(RfmOpts),
                                  P(c_int32), P(c_double), P(c_double), P(Diag)]),
    "cva_rfm_map_get": (c_int, [c_int32, P(P(RfmRule)), P(c_size_t)]),
    "cva_rfm_segment": (c_int, [P(c_int32), P(c_int32), P(c_int32), c_size_t, c_int32,
                                P(RfmRule), c_size_t, P(c_int32), P(Diag)]),
    "cva_rfm_map_check": (c_int, [P(RfmRule), c_size_t, c_int32, P(c_uint32), P(c_uint32),
                                  P(c_uint32), P(c_uint32), P(Diag)]),
    "cva_rfm_report": (c_int, [P(c_int32), P(c_int32), P(c_int32), P(c_int32), P(c_double),
                               c_size_t, P(RfmSegmentStat), c_size_t, P(c_size_t), P(Diag)]),
    "cva_rfm_high_influence": (c_int, [P(c_uint32), P(c_double), c_size_t, c_double,
                                       P(c_int32), P(Diag)]),
    "cva_rfm_high_influence_advanced": (c_int, [P(c_uint32), P(c_double), c_size_t, c_double,
                                                P(c_int32), P(Allocator), P(Diag)]),
    # churn.h
    "cva_fit_opts_init_defaults": (c_int, [P(FitOpts), c_size_t]),
    "cva_model_fit_init": (c_int, [P(ModelFit), c_size_t]),
    "cva_model_n_params": (c_int32, [c_int32]),
    "cva_model_param_name": (c_char_p, [c_int32, c_int32]),
    # covariates.h
    "cva_cov_opts_init_defaults": (c_int, [P(CovOpts), c_size_t]),
    "cva_cov_fit_init": (c_int, [P(CovFit), c_size_t]),
    "cva_cov_fit_btyd": (c_int, [c_int32, P(c_double), P(c_double), P(c_double), P(c_double), P(c_double),
                                 c_size_t, P(CovOpts), P(FitOpts), P(ModelFit), P(CovFit), P(Diag)]),
    "cva_cov_individual_params": (c_int, [P(c_double), P(CovFit), P(c_double), c_size_t, P(c_double), P(Diag)]),
    "cva_cov_loglik": (c_int, [P(c_double), P(CovFit), P(c_double), P(c_double), P(c_double), P(c_double),
                               c_size_t, P(c_double), P(c_double), P(c_double), P(Allocator), P(Diag)]),
    "cva_cov_predict": (c_int, [P(c_double), P(CovFit), c_int32, c_double, P(c_double), P(c_double),
                                P(c_double), P(c_double), c_size_t, P(c_double), P(PredictOpts), P(Diag)]),
    "cva_model_fit_btyd": (c_int, [c_int32, P(c_double), P(c_double), P(c_double), P(c_double),
                                   c_size_t, P(FitOpts), P(ModelFit), P(Diag)]),
    "cva_gg_fit": (c_int, [P(c_double), P(c_double), P(c_double), c_size_t, P(FitOpts),
                           P(ModelFit), P(Diag)]),
    "cva_loglik_block_init": (c_int, [P(LoglikBlock), c_size_t]),
    "cva_model_loglik_block": (c_int, [c_int32, P(c_double), c_double, P(c_double), P(c_double),
                                       P(c_double), P(c_double), c_size_t, P(Allocator),
                                       P(LoglikBlock), P(Diag)]),
    "cva_loglik_block_add": (c_int, [P(LoglikBlock), P(LoglikBlock), P(Diag)]),
    "cva_model_fit_loglik": (c_int, [c_int32, LoglikFunc, c_void_p, P(LoglikBlock), P(FitOpts),
                                     P(ModelFit), P(Diag)]),
    "cva_sbg_fit": (c_int, [P(c_double), c_size_t, c_size_t, P(FitOpts), P(ModelFit), P(Diag)]),
    "cva_model_loglik": (c_int, [c_int32, P(c_double), P(c_double), P(c_double), P(c_double),
                                 c_size_t, P(c_double), P(c_double), P(c_double), P(Diag)]),
    "cva_model_p_alive": (c_int, [c_int32, P(c_double), c_double, P(c_double), P(c_double),
                                  P(c_double), c_size_t, P(c_double), P(PredictOpts), P(Diag)]),
    "cva_model_expected": (c_int, [c_int32, P(c_double), c_double, P(c_double), P(c_double),
                                   P(c_double), c_size_t, P(c_double), P(PredictOpts), P(Diag)]),
    "cva_model_predict": (c_int, [c_int32, P(c_double), c_double, c_double, P(c_double), P(c_double),
                                  P(c_double), c_size_t, P(c_double), P(c_double), P(PredictOpts),
                                  P(Diag)]),
    "cva_model_expected_pop": (c_int, [c_int32, P(c_double), P(c_double), c_size_t, P(c_double),
                                       P(Diag)]),
    "cva_model_prob_n": (c_int, [c_int32, P(c_double), c_double, c_size_t, P(c_double), P(Diag)]),
    "cva_model_dert": (c_int, [c_int32, P(c_double), c_double, P(c_double), P(c_double),
                               P(c_double), c_size_t, P(c_double), P(PredictOpts), P(Diag)]),
    "cva_model_tracking": (c_int, [c_int32, P(c_double), P(c_double), P(c_double), c_size_t, P(c_double),
                                   c_size_t, P(c_double), P(c_double), P(Diag)]),
    "cva_model_ic": (c_int, [P(ModelFit), P(c_double), P(c_double), P(Diag)]),
    "cva_lr_test": (c_int, [c_double, c_int32, c_double, c_int32, P(c_double), P(c_double), P(Diag)]),
    "cva_forecast_accuracy": (c_int, [P(c_double), P(c_double), P(c_double), c_size_t, P(c_double), P(Diag)]),
    "cva_model_cond_prob_n": (c_int, [c_int32, P(c_double), c_double, P(c_double), P(c_double),
                                      P(c_double), c_size_t, c_size_t, P(c_double), P(PredictOpts),
                                      P(Diag)]),
    "cva_model_cond_variance": (c_int, [c_int32, P(c_double), c_double, P(c_double), P(c_double),
                                        P(c_double), c_size_t, P(c_double), P(PredictOpts), P(Diag)]),
    "cva_predict_opts_init_defaults": (c_int, [P(PredictOpts), c_size_t]),
    "cva_gg_correlation": (c_int, [P(c_double), P(c_double), P(c_double), c_size_t, P(c_double), P(Diag)]),
    "cva_gg_expected_spend": (c_int, [P(c_double), P(c_double), P(c_double), c_size_t,
                                      P(c_double), P(c_int32), P(Diag)]),
    "cva_clv_opts_init_defaults": (c_int, [P(ClvOpts), c_size_t]),
    "cva_clv": (c_int, [c_int32, P(c_double), P(c_double), P(c_double), P(c_double), P(c_double),
                        P(c_double), c_size_t, P(ClvOpts), P(c_double), P(Diag)]),
    "cva_cohort_curves": (c_int, [P(c_double), c_size_t, c_size_t, P(c_double), P(c_double),
                                  P(c_double), P(Diag)]),
    "cva_sbg_curves": (c_int, [P(c_double), c_size_t, P(c_double), P(c_double), P(c_double),
                               P(Diag)]),
    "cva_sbg_lifetime": (c_int, [P(c_double), c_double, c_double, P(c_double), P(c_double),
                                 P(Diag)]),
    "cva_sim_btyd": (c_int, [c_int32, P(c_double), P(c_double), c_size_t, c_uint64,
                             P(c_double), P(c_double), P(Diag)]),
    # regularity.h
    "cva_cnbd_loglik": (c_int, [c_int32, c_int32, P(c_double), P(c_double), P(c_double), P(c_double),
                                P(c_double), c_size_t, P(c_double), P(c_double), P(c_double), P(Diag)]),
    "cva_cnbd_fit": (c_int, [c_int32, c_int32, c_int32, P(c_double), P(c_double), P(c_double), P(c_double),
                             P(c_double), c_size_t, P(FitOpts), P(ModelFit), P(c_int32), P(Diag)]),
    "cva_cnbd_p_alive": (c_int, [c_int32, c_int32, P(c_double), P(c_double), P(c_double), P(c_double),
                                 c_size_t, P(c_double), P(Diag)]),
    "cva_cnbd_expected": (c_int, [c_int32, c_int32, P(c_double), c_double, P(c_double), P(c_double),
                                  P(c_double), c_size_t, P(c_double), P(Diag)]),
    "cva_cnbd_expected_pop": (c_int, [c_int32, c_int32, P(c_double), P(c_double), c_size_t, P(c_double),
                                      P(Diag)]),
    "cva_log_itt_sum": (c_int, [P(c_double), P(c_size_t), c_size_t, P(c_double), P(Diag)]),
    "cva_regularity_wheat": (c_int, [P(c_double), P(c_size_t), c_size_t, P(c_double), P(c_size_t), P(Diag)]),
    "cva_sim_cnbd": (c_int, [c_int32, c_int32, P(c_double), P(c_double), c_size_t, c_uint64,
                             P(c_double), P(c_double), P(c_double), P(Diag)]),
    "cva_sim_gg": (c_int, [P(c_double), P(c_double), c_size_t, c_uint64, P(c_double),
                           P(Diag)]),
    "cva_sim_sbg": (c_int, [P(c_double), c_double, c_size_t, c_uint64, P(c_double),
                            P(Diag)]),
    # retention.h
    "cva_clv_terms_init_defaults": (c_int, [P(ClvTerms), c_size_t]),
    "cva_clv_constant": (c_int, [c_double, c_double, P(ClvTerms), P(c_double), P(c_double), P(Diag)]),
    "cva_retention_elasticities": (c_int, [c_double, c_double, c_double, P(ClvTerms), P(c_double),
                                           P(c_double), P(c_double), P(Diag)]),
    "cva_customer_equity": (c_int, [c_double, c_double, c_double, c_double, P(c_double), c_size_t,
                                    c_double, P(ClvTerms), P(c_double), P(c_double), P(Diag)]),
    "cva_steady_state_profit": (c_int, [c_double, c_double, c_double, c_double, c_double,
                                        P(c_double), P(c_double), P(Diag)]),
    "cva_whatif_inputs_init_defaults": (c_int, [P(WhatifInputs), c_size_t]),
    "cva_whatif_result_init": (c_int, [P(WhatifResult), c_size_t]),
    "cva_whatif": (c_int, [P(WhatifInputs), P(WhatifResult), P(Diag)]),
    "cva_whatif_model_opts_init_defaults": (c_int, [P(WhatifModelOpts), c_size_t]),
    "cva_whatif_model_result_init": (c_int, [P(WhatifModelResult), c_size_t]),
    "cva_whatif_sbg": (c_int, [P(c_double), P(c_double), c_size_t, P(WhatifModelOpts), P(WhatifModelResult),
                               P(Diag)]),
    "cva_whatif_btyd": (c_int, [c_int32, P(c_double), P(c_double), P(c_double), P(c_double), P(c_double),
                                P(c_double), c_size_t, P(WhatifModelOpts), P(WhatifModelResult), P(Diag)]),
    "cva_churn_flag_opts_init_defaults": (c_int, [P(ChurnFlagOpts), c_size_t]),
    "cva_churn_rule_name": (c_char_p, [c_int32]),
    "cva_churn_flags": (c_int, [P(c_double), P(c_uint32), P(c_double), P(c_double), P(c_double),
                                P(c_double), c_size_t, P(ChurnFlagOpts), P(c_int32), P(c_int32),
                                P(c_double), P(c_double), P(Diag)]),
    # ladder.h
    "cva_ladder_opts_init_defaults": (c_int, [P(LadderOpts), c_size_t]),
    "cva_ladder_referrals": (c_int, [P(TxnInput), P(TxnOpts), c_double, P(LadderOpts), P(c_int64),
                                     c_size_t, P(c_uint32), P(c_uint32), P(Diag)]),
    "cva_ladder_classify": (c_int, [P(LadderInput), P(LadderOpts), P(c_int32), P(c_int32),
                                    P(c_int32), P(c_int32), P(Diag)]),
    "cva_ladder_state_name": (c_char_p, [c_int32]),
    "cva_ladder_rule_name": (c_char_p, [c_int32]),
    "cva_ladder_rule_rung": (c_int32, [c_int32]),
    "cva_ladder_bond_name": (c_char_p, [c_int32]),
    "cva_ladder_suggested_bond": (c_int32, [c_int32]),
    "cva_ladder_counts": (c_int, [P(c_int32), P(c_int32), P(c_int32), c_size_t, P(c_uint64),
                                  P(c_uint64), P(c_uint64), P(Diag)]),
    "cva_ladder_migrate": (c_int, [P(LadderMigrationInput), P(LadderOpts), P(LadderMigration),
                                   P(Diag)]),
    "cva_ladder_project": (c_int, [P(c_double), c_size_t, P(c_double), c_uint32, P(c_double),
                                   c_double, P(c_double), P(c_double), P(Diag)]),
}


# ---------------------------------------------------------------------------
# Discovery and loading

_lock = threading.RLock()
_lib = None
_lib_path = None


def _is_sanitizer_build(path):
    """True if the ELF file links AddressSanitizer (cannot be dlopened here)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return False
    return b"libasan.so" in data or b"libtsan.so" in data


def _build_tree_candidates():
    here = os.path.dirname(os.path.abspath(__file__))
    root = os.path.dirname(os.path.dirname(here))  # <source root>/python/cva -> <source root>
    found = []
    for pattern in (os.path.join(root, "build*", "lib", "libcva.so"),
                    os.path.join(os.path.dirname(here), "build*", "lib", "libcva.so")):
        for p in glob.glob(pattern):
            if os.path.exists(p) and p not in found:
                found.append(p)
    found.sort(key=lambda p: os.path.getmtime(p), reverse=True)
    return found


def candidates():
    """The library paths the loader would try, in order (for diagnostics)."""
    env = os.environ.get("CVA_LIBRARY")
    if env:
        return [env]
    out = [p for p in _build_tree_candidates() if not _is_sanitizer_build(p)]
    sys_name = ctypes.util.find_library("cva")
    if sys_name:
        out.append(sys_name)
    out.append("libcva.so.0")
    return out


def _declare(lib):
    for name, (restype, argtypes) in PROTOTYPES.items():
        try:
            fn = getattr(lib, name)
        except AttributeError:
            raise _errors.VersionMismatchError(
                "libcva at %s does not export %s (too old for this binding?)"
                % (lib._name, name))
        fn.restype = restype
        fn.argtypes = argtypes


def _check(lib, path):
    num = lib.cva_version_number()
    major, minor = num // 10000, (num // 100) % 100
    if (major, minor) != (EXPECTED_MAJOR, EXPECTED_MINOR):
        raise _errors.VersionMismatchError(
            "libcva at %s is version %s (%d) but this binding needs %d.%d.x"
            % (path, lib.cva_version_string().decode(), num, EXPECTED_MAJOR, EXPECTED_MINOR))
    for cls in STRUCTURES:
        want = lib.cva_sizeof(cls._struct_id)
        have = ctypes.sizeof(cls)
        if want != have:
            raise _errors.VersionMismatchError(
                "libcva at %s: struct %s is %d bytes in the library but %d in the binding"
                % (path, cls.__name__, want, have))


def load(path=None):
    """Load (or re-load) libcva and return the ``ctypes.CDLL``.

    ``path`` overrides the discovery order. Raises :class:`cva.LibraryError`
    if nothing loads, :class:`cva.VersionMismatchError` if the library found
    does not match this binding.
    """
    global _lib, _lib_path
    with _lock:
        tried = []
        paths = [path] if path else candidates()
        explicit = bool(path) or bool(os.environ.get("CVA_LIBRARY"))
        mismatch = None
        for p in paths:
            try:
                lib = ctypes.CDLL(p)
            except OSError as e:
                tried.append("%s (%s)" % (p, e))
                continue
            try:
                _declare(lib)
                _check(lib, p)
            except _errors.VersionMismatchError as e:
                # an explicit choice is final; during discovery try the next one
                if explicit:
                    raise
                mismatch = mismatch or e
                tried.append("%s (%s)" % (p, e))
                continue
            _lib, _lib_path = lib, p
            return lib
        if mismatch is not None:
            raise _errors.VersionMismatchError(
                "no matching libcva found; tried: " + "; ".join(tried))
        how = ("CVA_LIBRARY=%s" % os.environ["CVA_LIBRARY"]) if os.environ.get("CVA_LIBRARY") else None
        msg = "cannot load libcva; tried: " + "; ".join(tried)
        if explicit and how and not path:
            msg += " (set by %s)" % how
        if not explicit:
            msg += (". Build it (meson setup build && ninja -C build) or set CVA_LIBRARY "
                    "to the path of libcva.so")
        raise _errors.LibraryError(msg)


def get():
    """The loaded library (loading it on first use)."""
    lib = _lib
    if lib is None:
        lib = load()
    return lib


def library_path():
    """Path of the loaded library (loads it if needed)."""
    get()
    return _lib_path


# ---------------------------------------------------------------------------
# Status helpers

def strerror(status):
    """Static English message for a status (``cva_strerror``)."""
    return get().cva_strerror(int(status)).decode()


def status_name(status):
    """Symbolic name of a status, e.g. ``'CVA_E_NOMEM'`` (``cva_status_name``)."""
    return get().cva_status_name(int(status)).decode()


def raise_for_status(status, diag=None, what=None):
    """Raise the :class:`cva.Error` subclass for a negative status.

    Returns the status unchanged when it is >= 0.
    """
    if status >= 0:
        return status
    cls = _errors.error_class(status)
    msg = strerror(status)
    kw = dict(status=status, name=status_name(status))
    if diag is not None and diag.status == status:
        kw.update(detail=diag.detail_text or None, arg=diag.arg, option=diag.option,
                  index=diag.index if diag.index >= 0 else None, count=diag.count,
                  option_name=OPTION_NAMES.get(diag.option))
    if what:
        msg = "%s: %s" % (what, msg)
    raise cls(msg, **kw)


# ---------------------------------------------------------------------------
# Thin wrappers of the init/size functions (used by the Structure constructors)

def diag_init(diag):
    """``cva_diag_init``: reset a :class:`Diag`."""
    raise_for_status(get().cva_diag_init(ctypes.byref(diag), ctypes.sizeof(diag)))
    return diag


def txn_opts_init_defaults(opts):
    """``cva_txn_opts_init_defaults``: fill a :class:`TxnOpts` with the defaults."""
    raise_for_status(get().cva_txn_opts_init_defaults(ctypes.byref(opts), ctypes.sizeof(opts)))
    return opts


def txn_summary_init(summary):
    """``cva_txn_summary_init``: clear a :class:`TxnSummary`."""
    raise_for_status(get().cva_txn_summary_init(ctypes.byref(summary), ctypes.sizeof(summary)))
    return summary


def sim_opts_init_defaults(opts):
    """``cva_sim_opts_init_defaults``: fill a :class:`SimOpts` with the defaults."""
    raise_for_status(get().cva_sim_opts_init_defaults(ctypes.byref(opts), ctypes.sizeof(opts)))
    return opts


def rfm_opts_init_defaults(opts):
    """``cva_rfm_opts_init_defaults``: fill a :class:`RfmOpts` with the defaults."""
    raise_for_status(get().cva_rfm_opts_init_defaults(ctypes.byref(opts), ctypes.sizeof(opts)))
    return opts


def fit_opts_init_defaults(opts):
    """``cva_fit_opts_init_defaults``: fill a :class:`FitOpts` with the defaults."""
    raise_for_status(get().cva_fit_opts_init_defaults(ctypes.byref(opts), ctypes.sizeof(opts)))
    return opts


def model_fit_init(fit):
    """``cva_model_fit_init``: zero a :class:`ModelFit` and set its size."""
    raise_for_status(get().cva_model_fit_init(ctypes.byref(fit), ctypes.sizeof(fit)))
    return fit


def clv_opts_init_defaults(opts):
    """``cva_clv_opts_init_defaults``: fill a :class:`ClvOpts` with the defaults."""
    raise_for_status(get().cva_clv_opts_init_defaults(ctypes.byref(opts), ctypes.sizeof(opts)))
    return opts


def model_n_params(model):
    """``cva_model_n_params``: 2, 3 or 4 (0 for an unknown model id)."""
    return int(get().cva_model_n_params(int(model)))


def model_param_names(model):
    """Parameter names of a model id in the library's order (``cva_model_param_name``)."""
    lib = get()
    return tuple(lib.cva_model_param_name(int(model), i).decode()
                 for i in range(lib.cva_model_n_params(int(model))))


def rfm_workspace_size(n):
    """``cva_rfm_workspace_size``: workspace bytes for scoring ``n`` values."""
    out = c_size_t(0)
    raise_for_status(get().cva_rfm_workspace_size(int(n), ctypes.byref(out)))
    return out.value


def rfm_map_get(map_id):
    """``cva_rfm_map_get``: ``(pointer, n_rules)`` of a built-in map (static
    storage in the library; pass the pointer itself to ``cva_rfm_segment`` so
    that the library recognises the built-in map and checks k = 5)."""
    rules = P(RfmRule)()
    n = c_size_t(0)
    raise_for_status(get().cva_rfm_map_get(int(map_id), ctypes.byref(rules), ctypes.byref(n)))
    return rules, n.value


def label(code):
    """``cva_label``: name of a label code of any module ('' if the library defines none).

    The one registry lookup (``cva/common.h``, group "labels"): RFM segments
    1-99 ("Champions", ...; 0 is "None"), value tiers 100-199 ("BZ", "KEY",
    "GOLD", ...), loyalty-ladder rungs 200-299 ("PROSPECT", ...); codes
    300-999 are reserved and 1000 and up are the caller's.
    """
    s = get().cva_label(int(code))
    return s.decode() if s else ""


def sizeof(struct):
    """``cva_sizeof``: size in bytes of a public struct as compiled into the
    library. ``struct`` is a struct id (int), a name such as ``'txn_opts'``,
    or one of the Structure classes. Returns 0 for an unknown id."""
    if isinstance(struct, type) and issubclass(struct, ctypes.Structure):
        sid = struct._struct_id
    elif isinstance(struct, str):
        key = struct.lower()
        if key.startswith("cva_"):
            key = key[4:]
        if key.startswith("struct_"):
            key = key[7:]
        if key not in STRUCT_NAMES:
            raise KeyError("unknown struct name %r (known: %s)" % (struct, ", ".join(STRUCT_NAMES)))
        sid = STRUCT_NAMES[key]
    else:
        sid = int(struct)
    return int(get().cva_sizeof(sid))


def version():
    """Run-time library version string, e.g. ``'0.1.0'`` (``cva_version_string``)."""
    return get().cva_version_string().decode()


def version_number():
    """Run-time library version as ``major*10000 + minor*100 + patch``."""
    return int(get().cva_version_number())


def txn_workspace_size(inp, opts=None):
    """``cva_txn_workspace_size``: bytes of workspace ``cva_txn_summarize`` needs."""
    out = c_size_t(0)
    raise_for_status(get().cva_txn_workspace_size(
        ctypes.byref(inp), ctypes.byref(opts) if opts is not None else None, ctypes.byref(out)))
    return out.value


def txn_summarize(inp, opts, out, work=None, diag=None):
    """Low-level ``cva_txn_summarize`` on ctypes structures.

    ``work`` may be a writable buffer (bytearray, ctypes array) of at least
    :func:`txn_workspace_size` bytes, or None. Raises on a negative status;
    returns the (non-negative) status.
    """
    if diag is None:
        diag = Diag()
    if work is not None:
        wbuf = (ctypes.c_char * len(memoryview(work).cast("B"))).from_buffer(work)
        wptr, wsize = ctypes.cast(wbuf, c_void_p), ctypes.sizeof(wbuf)
    else:
        wptr, wsize = None, 0
    st = get().cva_txn_summarize(ctypes.byref(inp), ctypes.byref(opts) if opts is not None else None,
                                 ctypes.byref(out), wptr, wsize, ctypes.byref(diag))
    return raise_for_status(st, diag, "cva_txn_summarize")


def simulate_bgnbd_gg(opts, n_customers, customer_id, t, amount, capacity, diag=None):
    """Low-level ``cva_sim_transactions``; pointers may be None (count query).
    Returns ``(status, n_rows)``."""
    if diag is None:
        diag = Diag()
    n_rows = c_size_t(0)
    st = get().cva_sim_transactions(ctypes.byref(opts) if opts is not None else None,
                                    n_customers, customer_id, t, amount, capacity,
                                    ctypes.byref(n_rows), ctypes.byref(diag))
    raise_for_status(st, diag, "cva_sim_transactions")
    return st, n_rows.value
