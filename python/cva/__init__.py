"""libcva for Python: customer-value analytics through ctypes.

Pure Python, no third-party requirement; numpy arrays are passed zero-copy
when numpy is installed, and results are numpy arrays then (``array.array``
otherwise). The shared library is found through ``CVA_LIBRARY``, the build
tree or the system (see :func:`load`) and loaded on first use.

Main entry points: :func:`summarize` (arrays, or a pandas DataFrame and column
names), :func:`simulate`, :func:`version`; per-customer results have ``.to_pandas()``
with the CLI's columns. A drop-in for the ``lifetimes`` package: :mod:`cva.lifetimes`.
RFM (docs/methods/rfm.md#methods_rfm): :func:`rfm_from_summary`, :func:`rfm_raw`, :func:`rfm_score`,
:func:`rfm_cuts`/:func:`rfm_assign` (chunked scoring), :func:`rfm_composite`,
:func:`rfm_segment`, :func:`rfm_segment_labels`, :func:`rfm_map_check`,
:func:`rfm_report`, :func:`rfm_high_influence`, :func:`label`.
Churn and spend models (docs/methods/models.md#methods_models, docs/methods/retention.md#methods_clv_model): :class:`BetaGeo`, :class:`ModifiedBetaGeo`,
:class:`ParetoNBD`, :class:`GGompertzNBD`, :class:`BetaGeoBetaBinom`, :class:`GammaGamma`,
:class:`ShiftedBetaGeo`, :func:`clv`, :func:`predict` (the table of ``cva predict``),
:func:`cohort_curves`; cohort tables from
transactions: :func:`cohorts`; calendar cohort retention tables: :func:`cohort_table`.
Retention economics (docs/methods/retention.md#methods_retention): :func:`clv_constant`, :func:`margin_multiple`,
:func:`retention_elasticities`, :func:`customer_equity`, :func:`steady_state_profit`,
:func:`whatif` (the retention-profit what-if, :class:`WhatIf`); churn flags per customer
(docs/methods/models.md#methods_heuristics): :func:`churn_flags`.
Loyalty ladder (docs/methods/ladder.md#methods_ladder): :func:`ladder`, :func:`ladder_migration`,
:func:`ladder_project`, :func:`ladder_referrals`, :func:`ladder_bond_table`.
Value concentration and tiers (docs/methods/tiers.md#methods_tiers): :func:`gini`, :func:`top_share`, :func:`lorenz`,
:func:`whale_curve`, :func:`value_classes`, :func:`grade`, :func:`pyramid`, :func:`tiers`,
:func:`customer_profit`, :func:`profit_diagnostics`, :func:`tier_stats`, :func:`tier_label`.
Low level: the ctypes structures (:class:`Diag`, :class:`TxnInput`,
:class:`TxnOpts`, :class:`TxnSummary`, :class:`SimOpts`, :class:`Allocator`),
:func:`txn_summarize`, :func:`txn_workspace_size`, :func:`simulate_bgnbd_gg`
and the raw ``ctypes.CDLL`` from :func:`library` with every prototype declared.
"""

from ._version import __version__
from ._errors import (
    Error, LibraryError, VersionMismatchError, NullPointerError, BadArgumentError,
    NonFiniteError, DomainError, OptionError, NoMemoryError, ConvergenceError,
    AbiMismatchError, CapacityError, WorkspaceTooSmallError, BufferTooSmallError,
    CanceledError, CvaOverflowError, InternalError, CvaWarning, error_class,
)
from ._lib import (
    load, library_path, candidates as library_candidates,
    strerror, status_name, sizeof, version, version_number,
    diag_init, txn_opts_init_defaults, txn_summary_init, sim_opts_init_defaults,
    txn_workspace_size, txn_summarize, simulate_bgnbd_gg, raise_for_status,
    rfm_opts_init_defaults, rfm_workspace_size, rfm_map_get, label,
    Diag, Allocator, Executor, TxnInput, TxnOpts, TxnSummary, SimOpts,
    RfmOpts, RfmCuts, RfmRule, RfmSegmentStat,
    FitOpts, ModelFit, ClvOpts, ProgressFunc, fit_opts_init_defaults, model_fit_init,
    clv_opts_init_defaults, model_n_params, model_param_names,
    STRUCT_FIT_OPTS, STRUCT_MODEL_FIT, STRUCT_CLV_OPTS, STRUCT_COHORT_TABLE, CohortTable,
    MODEL_BGNBD, MODEL_MBGNBD, MODEL_PNBD, MODEL_BGBB, MODEL_GG, MODEL_SBG, MODEL_NBD,
    MODEL_GGOMNBD, MODEL_BGCNBD, MODEL_MBGCNBD, MODEL_PNBDCOR,
    REFUND_NET, REFUND_AS_ROW, REFUND_EXCLUDE, F_ZERO_NOT_PURCHASE, F_SKIP_INVALID,
    TIME_CONTINUOUS, TIME_PERIOD, NO_REFERRER,
    STRUCT_DIAG, STRUCT_ALLOCATOR, STRUCT_TXN_INPUT, STRUCT_TXN_OPTS, STRUCT_TXN_SUMMARY,
    STRUCT_SIM_OPTS, STRUCT_RFM_OPTS, STRUCT_RFM_CUTS, STRUCT_RFM_RULE, STRUCT_RFM_SEGMENT_STAT,
    SEG_NONE, SEG_OTHERS, SEG_CHAMPIONS, SEG_LOYAL, SEG_POTENTIAL_LOYALIST, SEG_NEW,
    SEG_PROMISING, SEG_NEED_ATTENTION, SEG_ABOUT_TO_SLEEP, SEG_AT_RISK, SEG_CANT_LOSE,
    SEG_HIBERNATING, SEG_LOST, SEG_CUSTOM,
    TXN_REFUND_NET, TXN_REFUND_AS_ROW, TXN_REFUND_EXCLUDE, TXN_F_ZERO_NOT_PURCHASE,
    TXN_F_SKIP_INVALID, TXN_TIME_CONTINUOUS, TXN_TIME_PERIOD, TXN_NO_REFERRER,
    RFM_SEG_NONE, RFM_SEG_OTHERS, RFM_SEG_CHAMPIONS, RFM_SEG_LOYAL, RFM_SEG_POTENTIAL_LOYALIST,
    RFM_SEG_NEW, RFM_SEG_PROMISING, RFM_SEG_NEED_ATTENTION, RFM_SEG_ABOUT_TO_SLEEP, RFM_SEG_AT_RISK,
    RFM_SEG_CANT_LOSE, RFM_SEG_HIBERNATING, RFM_SEG_LOST,
    LABEL_NONE, LABEL_RFM_FIRST, LABEL_RFM_LAST, LABEL_TIER_FIRST, LABEL_TIER_LAST,
    LABEL_LADDER_FIRST, LABEL_LADDER_LAST, LABEL_RESERVED_FIRST, LABEL_RESERVED_LAST,
    LABEL_CUSTOM_FIRST,
    TIER_BZ, TIER_MVC, TIER_MGC, TIER_OTHER, TIER_KEY, TIER_ORDINARY, TIER_SMALL,
    TIER_PLATINUM, TIER_GOLD, TIER_IRON, TIER_LEAD,
    LADDER_PROSPECT, LADDER_CUSTOMER, LADDER_CLIENT, LADDER_SUPPORTER, LADDER_ADVOCATE,
    LADDER_PARTNER, LADDER_LAPSED,
)
from ._lib import get as library
from ._txn import summarize, Summary, Workspace, to_days, from_days
from ._scratch import release_workspace
from ._exec import ThreadPoolCvaExecutor
from ._sim import simulate, Simulation
from ._cohort import cohorts, Cohorts, cohort_table
from ._rfm import (
    rfm_raw, rfm_from_summary, rfm_score, rfm_cuts, rfm_assign, rfm_composite, rfm_segment,
    rfm_segment_labels, rfm_map_check, rfm_report, rfm_high_influence, segment_map,
    RfmScores, RfmRaw, RfmComposite, RfmSegments, RfmReport, Cuts, SegmentMap, MapCheck,
)
from ._churn import (
    BetaGeo, ModifiedBetaGeo, ParetoNBD, ParetoNBDCorrelated, GGompertzNBD, NBD, BetaGeoBetaBinom, GammaGamma,
    ShiftedBetaGeo, clv, cohort_curves, CohortCurves, Lifetime, gg_correlation,
    information_criteria, lr_test, forecast_accuracy,
    simulate_btyd, simulate_gg_spend, simulate_sbg, BtydSimulation,
)
from ._regularity import (
    BetaGeoCNBD, ModifiedBetaGeoCNBD, log_itt_sum, regularity_wheat, simulate_cnbd, CnbdSimulation,
)
from ._retention import (
    clv_constant, margin_multiple, retention_elasticities, customer_equity, steady_state_profit,
    whatif, WhatIf, CustomerEquity, Elasticities, SteadyState, WHATIF_OUTPUTS,
    whatif_model, WhatIfModel, WHATIF_MODEL_OUTPUTS,
    churn_flags, churn_rule_name, ChurnFlags,
)
from ._lib import (
    ClvTerms, WhatifInputs, WhatifResult, TIMING_END, TIMING_START, DELTA_ABS, DELTA_REL,
    ChurnFlagOpts, CHURN_RULE_ALL, CHURN_RULE_HIATUS, CHURN_RULE_IPT, CHURN_RULE_IPT_MEDIAN,
    CHURN_RULE_P_ALIVE, STRUCT_CHURN_FLAG_OPTS,
    STRUCT_CLV_TERMS, STRUCT_WHATIF_INPUTS, STRUCT_WHATIF_RESULT,
    WhatifModelOpts, WhatifModelResult, STRUCT_WHATIF_MODEL_OPTS, STRUCT_WHATIF_MODEL_RESULT,
    WHATIF_SHIFT_EXACT, WHATIF_SHIFT_CAPPED, WHATIF_SHIFT_UNDEFINED,
)
from ._ladder import (
    ladder, ladder_migration, ladder_project, ladder_referrals, ladder_state_name, ladder_rule_name,
    ladder_rule_names, ladder_bond_table, Ladder, Migration,
)
from ._predict import predict, Predictions
from ._lib import LadderOpts, LadderInput, LadderMigrationInput, LadderMigration
from ._tiers import (
    gini, top_share, lorenz, whale_curve, value_classes, grade, pyramid, tiers, value_order,
    customer_profit, profit_diagnostics, tier_stats, tier_label, tiers_opts_init_defaults,
    tiers_workspace_size,
    Tiers, Labels, ValueClasses, WhaleCurve, TiersOpts, WhaleStats, ProfitDiag, TierStat,
    TIER_BZ, TIER_MVC, TIER_MGC, TIER_OTHER, TIER_KEY, TIER_ORDINARY, TIER_SMALL,
    TIER_PLATINUM, TIER_GOLD, TIER_IRON, TIER_LEAD,
)
from ._errors import (
    OK, W_EMPTY, W_TIES, W_NEGATIVE, W_EXCLUDED, W_SERIES_LIMIT, W_MAXITER, W_MAP, W_BOUNDARY,
    W_NOT_CONVERGED,
    E_NULLPTR, E_BADARG, E_NONFINITE, E_DOMAIN, E_NOMEM, E_NOCONVERGE, E_OPTION,
    E_ABI_MISMATCH, E_WORKSPACE_TOO_SMALL, E_BUFFER_TOO_SMALL, E_CANCELED, E_OVERFLOW,
    E_INTERNAL,
)

__all__ = [
    "__version__", "summarize", "simulate", "Summary", "Simulation", "Workspace", "to_days", "from_days",
    "release_workspace",
    "version", "version_number", "strerror", "status_name", "sizeof", "load", "library",
    "library_path", "library_candidates",
    "diag_init", "txn_opts_init_defaults", "txn_summary_init", "sim_opts_init_defaults",
    "txn_workspace_size", "txn_summarize", "simulate_bgnbd_gg", "raise_for_status",
    "Diag", "Allocator", "Executor", "ThreadPoolCvaExecutor", "TxnInput", "TxnOpts", "TxnSummary", "SimOpts",
    "rfm_raw", "rfm_from_summary", "rfm_score", "rfm_cuts", "rfm_assign", "rfm_composite",
    "rfm_segment", "rfm_segment_labels", "rfm_map_check", "rfm_report", "rfm_high_influence",
    "segment_map", "label", "rfm_opts_init_defaults", "rfm_workspace_size", "rfm_map_get",
    "RfmScores", "RfmRaw", "RfmComposite", "RfmSegments", "RfmReport", "Cuts", "SegmentMap",
    "MapCheck", "RfmOpts", "RfmCuts", "RfmRule", "RfmSegmentStat",
    "BetaGeo", "ModifiedBetaGeo", "ParetoNBD", "ParetoNBDCorrelated", "GGompertzNBD", "NBD", "BetaGeoBetaBinom", "GammaGamma",
    "ShiftedBetaGeo", "clv", "cohort_curves", "CohortCurves", "Lifetime", "gg_correlation",
    "information_criteria", "lr_test", "forecast_accuracy",
    "simulate_btyd", "simulate_gg_spend", "simulate_sbg", "BtydSimulation",
    "BetaGeoCNBD", "ModifiedBetaGeoCNBD", "log_itt_sum", "regularity_wheat", "simulate_cnbd",
    "CnbdSimulation",
    "cohorts", "Cohorts", "CohortTable", "cohort_table",
    "FitOpts", "ModelFit", "ClvOpts", "ProgressFunc", "fit_opts_init_defaults",
    "model_fit_init", "clv_opts_init_defaults", "model_n_params", "model_param_names",
    "ladder", "ladder_migration", "ladder_project", "ladder_referrals", "ladder_state_name",
    "ladder_rule_name", "ladder_rule_names", "ladder_bond_table", "Ladder", "Migration",
    "LadderOpts", "LadderInput", "LadderMigrationInput", "LadderMigration",
    "Error", "LibraryError", "VersionMismatchError", "NullPointerError", "BadArgumentError",
    "NonFiniteError", "DomainError", "OptionError", "NoMemoryError", "ConvergenceError",
    "AbiMismatchError", "CapacityError", "WorkspaceTooSmallError", "BufferTooSmallError",
    "CanceledError", "CvaOverflowError", "InternalError", "CvaWarning", "error_class",
    "clv_constant", "margin_multiple", "retention_elasticities", "customer_equity",
    "steady_state_profit", "whatif", "WhatIf", "CustomerEquity", "Elasticities", "SteadyState",
    "whatif_model", "WhatIfModel", "WHATIF_MODEL_OUTPUTS", "WhatifModelOpts", "WhatifModelResult",
    "WHATIF_SHIFT_EXACT", "WHATIF_SHIFT_CAPPED", "WHATIF_SHIFT_UNDEFINED",
    "STRUCT_WHATIF_MODEL_OPTS", "STRUCT_WHATIF_MODEL_RESULT",
    "ClvTerms", "WhatifInputs", "WhatifResult", "churn_flags", "churn_rule_name", "ChurnFlags",
    "ChurnFlagOpts",
    "gini", "top_share", "lorenz", "whale_curve", "value_classes", "grade", "pyramid", "tiers",
    "value_order", "customer_profit", "profit_diagnostics", "tier_stats", "tier_label",
    "tiers_opts_init_defaults", "tiers_workspace_size", "Tiers", "Labels", "ValueClasses",
    "WhaleCurve", "TiersOpts", "WhaleStats", "ProfitDiag", "TierStat", "predict", "Predictions",
]

# show the public classes as cva.X rather than cva._module.X
for _name in __all__:
    _obj = globals()[_name]
    if isinstance(_obj, type) or callable(_obj):
        try:
            _obj.__module__ = __name__
        except (AttributeError, TypeError):
            pass
del _name, _obj
