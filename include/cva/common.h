/*
 * libcva — customer-value analytics in C99.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_COMMON_H
#define CVA_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "cva/cva_version.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup common Common conventions
 * @brief Status codes, diagnostics, allocators, version and size queries.
 *
 * Every fallible function returns a ::cva_status:
 * - `CVA_OK` (0): success;
 * - a positive value: success with a warning, all outputs valid;
 * - a negative value: failure, every output left untouched (one documented
 *   exception: cva_ladder_classify() sets every element of its outputs to 0 on a
 *   bad row, as it checks and classifies in one pass).
 *
 * Functions take an optional caller-owned ::cva_diag as their last argument
 * that says which argument, element or option was at fault. The library has
 * no global or thread-local state; every function is reentrant.
 *
 * Signature rules (checked by the `abi-conventions` test):
 * - every function that can fail with a message takes `cva_diag *diag` as its
 *   LAST parameter (NULL allowed). Exempt: the initialisers (`*_init`,
 *   `*_init_defaults`, which only fill the struct they are given) and the pure
 *   queries: the `*_workspace_size` functions (e.g. cva_txn_workspace_size())
 *   and cva_rfm_map_get(), whose only failures (a NULL out pointer, an unknown
 *   id, a size overflow) the status names completely;
 * - every function returning ::cva_status that computes outputs is declared
 *   `CVA_NODISCARD` (a warning when a caller drops the status); the
 *   initialisers are not, since with a valid pointer and `sizeof` they cannot
 *   fail in a way the caller has to handle.
 *
 * From examples/diag.c, which the test suite builds and runs:
 * @snippet diag.c diag
 * @{
 */

/** @cond INTERNAL */
#if defined(_WIN32) && !defined(CVA_STATIC)
#  if defined(CVA_BUILDING)
#    define CVA_API __declspec(dllexport)
#  else
#    define CVA_API __declspec(dllimport)
#  endif
#elif defined(__GNUC__) && __GNUC__ >= 4
#  define CVA_API __attribute__((visibility("default")))
#else
#  define CVA_API
#endif

#if defined(__cplusplus)
#  define CVA_RESTRICT
#else
#  define CVA_RESTRICT restrict
#endif

/*
 * CVA_NODISCARD: on every public function returning cva_status that computes
 * outputs (every fit, evaluation, summary, score, simulation and size query);
 * NOT on the *_init / *_init_defaults initialisers. A caller that drops such a
 * status gets a warning: check it (`if (st < 0) ...`); never cast the call to
 * void to silence a real check. Enforced by tests/abi/abi_check.py conventions.
 */
#if defined(__GNUC__) && !defined(CVA_BUILDING)
#  define CVA_NODISCARD __attribute__((warn_unused_result))
#else
#  define CVA_NODISCARD
#endif
/** @endcond */

/**
 * @brief The status table: name, value, message.
 *
 * Values are pinned forever once released; new codes are only appended.
 *
 * The three warnings of a fit (::cva_model_fit::converged is 0 with each):
 * - `CVA_W_MAXITER`: the iteration limit (cva_fit_opts::max_iter) was reached;
 * - `CVA_W_BOUNDARY`: the likelihood keeps increasing towards the edge of the
 *   parameter space (a parameter running off to 0 or infinity, e.g. q of
 *   Gamma-Gamma when spend has no heterogeneity); the fit stops early and the
 *   last iterate, finite, is returned with the parameters concerned flagged in
 *   cva_model_fit::boundary (criterion: docs/models.md, "Fits at a boundary");
 * - `CVA_W_NOT_CONVERGED`: the fit stopped for another reason without passing
 *   its convergence test (the line search could make no progress while the
 *   gradient was still large); the best point found is returned.
 * When several apply, BOUNDARY takes precedence over MAXITER over NOT_CONVERGED.
 */
#define CVA_STATUS_MAP(X)                                                        \
    X(CVA_OK, 0, "success")                                                      \
    X(CVA_W_EMPTY, 1, "empty input: nothing to compute")                         \
    X(CVA_W_TIES, 2, "tied values were split across bins")                       \
    X(CVA_W_NEGATIVE, 3, "negative values in a share or concentration measure")  \
    X(CVA_W_EXCLUDED, 4, "some rows or states were left out (window, skip policy, or no observations)") \
    X(CVA_W_SERIES_LIMIT, 5, "a special-function series hit its term cap")       \
    X(CVA_W_MAXITER, 6, "iteration limit reached before convergence")            \
    X(CVA_W_MAP, 7, "segment map has uncovered cells, shadowed rules or unreachable labels") \
    X(CVA_W_BOUNDARY, 8, "the estimate lies on the boundary of the parameter space")  \
    X(CVA_W_NOT_CONVERGED, 9, "the fit stopped without passing its convergence test") \
    X(CVA_E_NULLPTR, -1, "a required pointer argument is NULL")                  \
    X(CVA_E_BADARG, -2, "invalid argument")                                      \
    X(CVA_E_NONFINITE, -3, "NaN or infinite value in input")                     \
    X(CVA_E_DOMAIN, -4, "model parameter outside its domain")                    \
    X(CVA_E_NOMEM, -5, "out of memory")                                          \
    X(CVA_E_NOCONVERGE, -6, "the fit did not converge")                          \
    X(CVA_E_OPTION, -7, "invalid option value")                                  \
    X(CVA_E_ABI_MISMATCH, -8, "struct size not supported by this library")      \
    X(CVA_E_WORKSPACE_TOO_SMALL, -9, "workspace too small")                      \
    X(CVA_E_BUFFER_TOO_SMALL, -10, "output capacity too small")                  \
    X(CVA_E_CANCELED, -11, "canceled by the progress callback")                  \
    X(CVA_E_OVERFLOW, -12, "a count or size exceeds its type")                   \
    X(CVA_E_INTERNAL, -13, "internal error (please report)")

/** @brief Status values (see #CVA_STATUS_MAP for the messages). */
enum cva_status_code {
/** @cond INTERNAL */
#define CVA_STATUS_ENUM_(name, value, msg) name = value,
    CVA_STATUS_MAP(CVA_STATUS_ENUM_)
#undef CVA_STATUS_ENUM_
/** @endcond */
    CVA_STATUS_LAST_ = 0x7fffffff /**< Not a status; keeps the enum `int`-sized. */
};

/** @brief Return type of every fallible function: one of ::cva_status_code. */
typedef int cva_status;

/**
 * @brief Static English message for a status; never NULL.
 * @param status any integer; unknown values give "unknown status".
 * @return a static, NUL-terminated string (never freed, never NULL).
 */
CVA_API const char *cva_strerror(int status);

/**
 * @brief Symbolic name of a status, e.g. `"CVA_E_NOMEM"`; never NULL.
 * @param status any integer; unknown values give "CVA_UNKNOWN".
 * @return a static, NUL-terminated string (never freed, never NULL).
 */
CVA_API const char *cva_status_name(int status);

/**
 * @brief Run-time version of the loaded library; compare with #CVA_VERSION_NUMBER.
 * @return `major*10000 + minor*100 + patch`.
 */
CVA_API uint32_t cva_version_number(void);

/**
 * @brief Run-time version string of the loaded library.
 * @return e.g. `"0.1.0"`; static storage, never NULL.
 */
CVA_API const char *cva_version_string(void);

/**
 * @brief Caller-owned diagnostics, filled by a function that fails or warns.
 *
 * Initialise with cva_diag_init(). On return the library writes every field;
 * `status` equals the returned status.
 */
typedef struct cva_diag {
    uint32_t struct_size; /**< sizeof(cva_diag), set by cva_diag_init(). */
    int32_t status;       /**< Status of the call that filled it. */
    int32_t arg;          /**< 1-based position of the offending argument, 0 if none. */
    int32_t option;       /**< Offending option field (a `CVA_OPT_*` id), 0 if none. */
    int64_t index;        /**< Offending element index, -1 if none. */
    uint64_t count;       /**< Call-specific count: rows excluded, capacity needed, iterations. */
    const char *detail;   /**< Static English detail (never freed), never NULL after a call. */
} cva_diag;

/**
 * @brief Initialise a ::cva_diag (all fields neutral).
 * @param diag        the struct to fill (may be NULL: no-op returning an error).
 * @param struct_size `sizeof(cva_diag)` as the caller sees it.
 * @retval CVA_OK
 * @retval CVA_E_NULLPTR       @p diag is NULL.
 * @retval CVA_E_ABI_MISMATCH  @p struct_size is not a size this library knows.
 */
CVA_API cva_status cva_diag_init(cva_diag *diag, size_t struct_size);

/**
 * @brief Per-call allocator (never global). NULL anywhere means malloc/free.
 */
typedef struct cva_allocator {
    /** Allocate @p size bytes aligned to at least 16; NULL on failure. */
    void *(*alloc)(void *user, size_t size);
    /** Free a block returned by @c alloc; must accept NULL. */
    void (*free)(void *user, void *ptr);
    /** Opaque pointer handed to both callbacks. */
    void *user;
} cva_allocator;

/**
 * @brief One task of a parallel section.
 *
 * @param arg    the library's argument for the section (opaque to the caller).
 * @param task   index of the task, in [0, n_tasks).
 * @param worker index of the worker running it, in [0, ::cva_executor::workers);
 *               two tasks running at the same time never share a worker index.
 */
typedef void (*cva_task_fn)(void *arg, size_t task, unsigned worker);

/**
 * @brief Caller-supplied executor: the caller's threads run the library's
 *        tasks (never global; the library never starts a thread).
 *
 * A call that accepts an executor (a field `executor` in its options) splits
 * its work into tasks and hands them to @c run. With no executor, or one with
 * @c workers below 2, every task runs on the calling thread, in order.
 *
 * How the work is split, and the order in which partial results (floating-point
 * sums among them) are combined, depend only on the input, never on
 * @c workers or on the schedule: results are bit-identical for every executor.
 *
 * Contract of @c run: call `fn(arg, i, w)` exactly once for every `i` in
 * `[0, n_tasks)`, in any order, on any threads, with a worker index `w` in
 * `[0, workers)` that no two concurrently running tasks share; return when all
 * have finished, 0 on success. A nonzero return means the executor could not run
 * them (it could not start a thread, say): the library then runs every task
 * again on the calling thread. Library tasks write only their own part of the
 * output and of the scratch memory of their worker, so a partial run followed by
 * the rerun gives the same result. @c run is called from the thread that called
 * the library and must not call back into the same library call. A task uses up
 * to about 100 KiB of its thread's stack: threads with a small default stack
 * (musl's 128 KiB) need 256 KiB or more (@ref threads_page).
 */
typedef struct cva_executor {
    /** Runs @p n_tasks tasks as described above; 0 on success. */
    int (*run)(void *ctx, size_t n_tasks, cva_task_fn fn, void *arg);
    /** Opaque pointer handed to @c run. */
    void *ctx;
    /** Number of workers (threads) @c run uses at most; 0 or 1: serial. */
    unsigned workers;
} cva_executor;

/** @brief Identifiers of the public structs, for cva_sizeof(). */
enum cva_struct_id {
    CVA_STRUCT_DIAG = 1,      /**< ::cva_diag */
    CVA_STRUCT_ALLOCATOR = 2, /**< ::cva_allocator */
    CVA_STRUCT_TXN_INPUT = 3, /**< ::cva_txn_input */
    CVA_STRUCT_TXN_OPTS = 4,  /**< ::cva_txn_opts */
    CVA_STRUCT_TXN_SUMMARY = 5, /**< ::cva_txn_summary */
    CVA_STRUCT_SIM_OPTS = 6,  /**< ::cva_sim_opts */
    CVA_STRUCT_RFM_OPTS = 7,  /**< ::cva_rfm_opts */
    CVA_STRUCT_RFM_CUTS = 8,  /**< ::cva_rfm_cuts */
    CVA_STRUCT_RFM_RULE = 9,  /**< ::cva_rfm_rule */
    CVA_STRUCT_RFM_SEGMENT_STAT = 10, /**< ::cva_rfm_segment_stat */
    CVA_STRUCT_FIT_OPTS = 11, /**< ::cva_fit_opts */
    CVA_STRUCT_MODEL_FIT = 12, /**< ::cva_model_fit */
    CVA_STRUCT_CLV_OPTS = 13, /**< ::cva_clv_opts */
    CVA_STRUCT_COHORT_TABLE = 14, /**< ::cva_cohort_table */
    CVA_STRUCT_TIERS_OPTS = 15,   /**< ::cva_tiers_opts */
    CVA_STRUCT_WHALE_STATS = 16,  /**< ::cva_whale_stats */
    CVA_STRUCT_PROFIT_DIAG = 17,  /**< ::cva_profit_diag */
    CVA_STRUCT_TIER_STAT = 18,    /**< ::cva_tier_stat */
    /* retention economics (retention.h); numbered from 20 */
    CVA_STRUCT_CLV_TERMS = 20,     /**< ::cva_clv_terms */
    CVA_STRUCT_WHATIF_INPUTS = 21, /**< ::cva_whatif_inputs */
    CVA_STRUCT_WHATIF_RESULT = 22, /**< ::cva_whatif_result */
    CVA_STRUCT_CHURN_FLAG_OPTS = 23, /**< ::cva_churn_flag_opts */
    CVA_STRUCT_WHATIF_MODEL_OPTS = 24,   /**< ::cva_whatif_model_opts */
    CVA_STRUCT_WHATIF_MODEL_RESULT = 25, /**< ::cva_whatif_model_result */
    /* loyalty ladder (ladder.h); numbered from 30 */
    CVA_STRUCT_LADDER_OPTS = 30,            /**< ::cva_ladder_opts */
    CVA_STRUCT_LADDER_INPUT = 31,           /**< ::cva_ladder_input */
    CVA_STRUCT_LADDER_MIGRATION_INPUT = 32, /**< ::cva_ladder_migration_input */
    CVA_STRUCT_LADDER_MIGRATION = 33,       /**< ::cva_ladder_migration */
    /* time-invariant covariates (covariates.h); numbered from 40 */
    CVA_STRUCT_COV_OPTS = 40, /**< ::cva_cov_opts */
    CVA_STRUCT_COV_FIT = 41,  /**< ::cva_cov_fit */
    CVA_STRUCT_LOGLIK_BLOCK = 50,           /**< ::cva_loglik_block */
    /* executor (common.h); numbered from 55 */
    CVA_STRUCT_EXECUTOR = 55,               /**< ::cva_executor */
    CVA_STRUCT_PREDICT_OPTS = 56            /**< ::cva_predict_opts */
};

/**
 * @brief Size in bytes of a public struct as compiled into the library.
 *
 * Lets bindings (ctypes) check their mirrored layouts.
 * @param struct_id one of ::cva_struct_id.
 * @return the size, or 0 for an unknown id.
 */
CVA_API size_t cva_sizeof(int32_t struct_id);

/** @} */

/**
 * @defgroup labels Label registry
 * @brief The int32 label codes every module assigns to customers, by range,
 *        and cva_label(), the one lookup that names them.
 *
 * A label code says which group a customer falls into (an RFM segment, a
 * value tier, a loyalty-ladder rung). Codes from every module share one
 * `int32_t` space, allocated by range so that a code names its module and
 * two modules never hand out the same code:
 *
 * | Codes      | Owner                                   | Names |
 * |------------|-----------------------------------------|-------|
 * | 0          | none: unscored customer (#CVA_LABEL_NONE) | `"None"` |
 * | 1–99       | RFM segments (::cva_rfm_segment_label)  | `"Champions"`, ... |
 * | 100–199    | value tiers (::cva_tier_label)          | `"BZ"`, `"KEY"`, `"GOLD"`, ... |
 * | 200–299    | loyalty-ladder rungs (::cva_ladder_rung) | `"PROSPECT"`, ... |
 * | 300–999    | reserved for future library modules     | none yet |
 * | 1000 and up | the caller (#CVA_LABEL_CUSTOM_FIRST)   | the caller's own |
 *
 * Codes are pinned once released, like status values; a module adds codes
 * only inside its own range. Every code the library defines is declared in
 * this header and named by cva_label(); a module header documents which of
 * them its functions return.
 * @{
 */

/** @brief Code ranges of the label registry (first and last code of each range). */
enum cva_label_range {
    CVA_LABEL_NONE = 0,               /**< No label: an unscored customer (every module). */
    CVA_LABEL_RFM_FIRST = 1,          /**< First RFM segment code. */
    CVA_LABEL_RFM_LAST = 99,          /**< Last RFM segment code. */
    CVA_LABEL_TIER_FIRST = 100,       /**< First value-tier code. */
    CVA_LABEL_TIER_LAST = 199,        /**< Last value-tier code. */
    CVA_LABEL_LADDER_FIRST = 200,     /**< First loyalty-ladder rung code. */
    CVA_LABEL_LADDER_LAST = 299,      /**< Last loyalty-ladder rung code. */
    CVA_LABEL_RESERVED_FIRST = 300,   /**< First code reserved for future library modules. */
    CVA_LABEL_RESERVED_LAST = 999,    /**< Last reserved code. */
    CVA_LABEL_CUSTOM_FIRST = 1000     /**< First code free for caller-defined labels. */
};

/** @brief RFM segment labels of the built-in maps (codes 1–99; cva_rfm_segment()). */
enum cva_rfm_segment_label {
    CVA_RFM_SEG_NONE = 0,               /**< "None": unscored customer (#CVA_LABEL_NONE). */
    CVA_RFM_SEG_OTHERS = 1,             /**< "Others": no rule matched. */
    CVA_RFM_SEG_CHAMPIONS = 2,          /**< "Champions". */
    CVA_RFM_SEG_LOYAL = 3,              /**< "Loyal Customers". */
    CVA_RFM_SEG_POTENTIAL_LOYALIST = 4, /**< "Potential Loyalist". */
    CVA_RFM_SEG_NEW = 5,                /**< "New Customers". */
    CVA_RFM_SEG_PROMISING = 6,          /**< "Promising". */
    CVA_RFM_SEG_NEED_ATTENTION = 7,     /**< "Need Attention". */
    CVA_RFM_SEG_ABOUT_TO_SLEEP = 8,     /**< "About To Sleep". */
    CVA_RFM_SEG_AT_RISK = 9,            /**< "At Risk". */
    CVA_RFM_SEG_CANT_LOSE = 10,         /**< "Can't Lose Them". */
    CVA_RFM_SEG_HIBERNATING = 11,       /**< "Hibernating". */
    CVA_RFM_SEG_LOST = 12               /**< "Lost". */
};

/**
 * @brief Value-tier labels (codes 100–199): customer classes, grades and the
 *        customer pyramid. cva_label() returns the name in quotes.
 */
enum cva_tier_label {
    CVA_TIER_BZ = 100,       /**< "BZ": below zero, profit does not cover the cost to serve (class, @ref methods_value_classes). */
    CVA_TIER_MVC = 101,      /**< "MVC": most valuable, highest actual value (class). */
    CVA_TIER_MGC = 102,      /**< "MGC": most growable, largest unrealised potential (class). */
    CVA_TIER_OTHER = 103,    /**< "OTHER": every other customer (class). */
    CVA_TIER_KEY = 110,      /**< "KEY": top grade (@ref methods_grading). */
    CVA_TIER_ORDINARY = 111, /**< "ORDINARY": middle grade. */
    CVA_TIER_SMALL = 112,    /**< "SMALL": bottom grade. */
    CVA_TIER_PLATINUM = 120, /**< "PLATINUM": top of the customer pyramid (@ref methods_pyramid). */
    CVA_TIER_GOLD = 121,     /**< "GOLD": second pyramid tier. */
    CVA_TIER_IRON = 122,     /**< "IRON": third pyramid tier (volume). */
    CVA_TIER_LEAD = 123      /**< "LEAD": bottom pyramid tier, negative value. */
};

/** @brief Loyalty-ladder rungs (codes 200–299). cva_label() returns the name in quotes. */
enum cva_ladder_rung {
    CVA_LADDER_PROSPECT = 200,  /**< "PROSPECT": no purchase yet (@ref methods_rungs). */
    CVA_LADDER_CUSTOMER = 201,  /**< "CUSTOMER": has bought once. */
    CVA_LADDER_CLIENT = 202,    /**< "CLIENT": buys repeatedly, neutral towards the firm. */
    CVA_LADDER_SUPPORTER = 203, /**< "SUPPORTER": likes the firm, supports it passively. */
    CVA_LADDER_ADVOCATE = 204,  /**< "ADVOCATE": actively recommends the firm. */
    CVA_LADDER_PARTNER = 205,   /**< "PARTNER": partner-like relationship, the top rung. */
    CVA_LADDER_LAPSED = 206     /**< "LAPSED": no longer active (the migration-analysis flag, @ref methods_ladder_rules). */
};

/**
 * @brief Name of a label code from any module: the one registry lookup.
 *
 * RFM segments give their English names ("Champions", "Can't Lose Them",
 * "None" for #CVA_LABEL_NONE), value tiers and ladder rungs their short
 * names ("BZ", "KEY", "GOLD", "PROSPECT", ...).
 * @param code a code of ::cva_label_range: ::cva_rfm_segment_label,
 *             ::cva_tier_label, ::cva_ladder_rung, or any other integer.
 * @return a static string (never freed, never NULL); `""` for a code the
 *         library does not define: an unallocated code inside a module's
 *         range, a reserved code (300–999), a caller-defined code (1000 and
 *         up) or a negative one.
 */
CVA_API const char *cva_label(int32_t code);

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CVA_COMMON_H */

/*
 * Experimental declarations (zstd's ZSTD_STATIC_LINKING_ONLY pattern): visible
 * only with CVA_EXPERIMENTAL_API defined before the include. This section sits
 * outside the include guard with a guard of its own, so a translation unit
 * that included the header without the macro can define it and include again.
 */
#if defined(CVA_EXPERIMENTAL_API) && !defined(CVA_COMMON_H_EXPERIMENTAL)
#define CVA_COMMON_H_EXPERIMENTAL

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @defgroup experimental Experimental declarations (CVA_EXPERIMENTAL_API)
 * @brief Declarations not yet meant to be stable; visible only when the
 *        program defines `CVA_EXPERIMENTAL_API` before including a libcva header.
 *
 * ```c
 * #define CVA_EXPERIMENTAL_API
 * #include <cva/cva.h>
 * ```
 *
 * The rule:
 * - **stable** is everything a header declares outside the gate: names,
 *   values, struct layouts and function signatures follow the ABI promise
 *   (symbols in the `CVA_0.1` node of `lib/cva.sym`, values pinned once
 *   released, structs grow at the end only) and the ABI tests check it;
 * - **gated** declarations may change or disappear in any release, patch
 *   releases included. Their functions are exported under the separate
 *   symbol version `CVA_EXPERIMENTAL` of `lib/cva.sym`, so a program that links
 *   one records it, and the ABI tests check that a gated declaration is never
 *   in a stable node and a stable one never in the experimental node.
 *
 * A surface is gated when the library still expects to change it: today the
 * kernel selection (::cva_kernel: which SIMD paths exist and can be forced
 * follows the CPU-feature probing, which is being moved into one place for
 * every module; results never depend on it, so only tests and benchmarks need
 * it) and cva_rfm_high_influence_advanced() (a stop-gap for the allocator and
 * diagnostics cva_rfm_high_influence() lacks). A `kernel` field or argument
 * of a stable function stays stable; its stable value is 0, the automatic
 * choice.
 * @{
 */

/**
 * @brief Kernel selection, cva_rfm_opts::kernel and the `kernel` argument of
 *        cva_rfm_assign() (shared by every module with vectorised kernels).
 *
 * Every kernel gives bit-identical results; the choice only changes speed.
 */
enum cva_kernel {
    CVA_KERNEL_AUTO = 0,  /**< Default: the widest kernel the CPU supports. The stable value. */
    CVA_KERNEL_SCALAR = 1 /**< Force the portable scalar reference path. */
};

/** @} */

#ifdef __cplusplus
}
#endif

#endif /* CVA_EXPERIMENTAL_API && !CVA_COMMON_H_EXPERIMENTAL */
