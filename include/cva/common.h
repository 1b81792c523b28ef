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
 * - a negative value: failure, every output left untouched.
 *
 * Functions take an optional caller-owned ::cva_diag as their last argument
 * that says which argument, element or option was at fault. The library has
 * no global or thread-local state; every function is reentrant.
 *
 * @code
 * cva_diag d;
 * cva_diag_init(&d, sizeof d);
 * int st = cva_txn_summarize(&in, NULL, &out, NULL, 0, &d);
 * if (st < 0)
 *     fprintf(stderr, "%s: %s (argument %d, element %lld)\n",
 *             cva_status_name(st), d.detail, (int)d.arg, (long long)d.index);
 * @endcode
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
    X(CVA_W_EXCLUDED, 4, "some rows were excluded (window or skip policy)")      \
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
    CVA_STRUCT_TIERS_OPTS = 14, /**< ::cva_tiers_opts */
    CVA_STRUCT_WHALE_STATS = 15, /**< ::cva_whale_stats */
    CVA_STRUCT_PROFIT_DIAG = 16, /**< ::cva_profit_diag */
    CVA_STRUCT_TIER_STAT = 17   /**< ::cva_tier_stat */
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

#ifdef __cplusplus
}
#endif

#endif /* CVA_COMMON_H */
