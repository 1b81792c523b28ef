/*
 * libcva — internal interfaces shared by the churn-model sources. Not installed.
 *
 * special.c  special functions (log-gamma, digamma, 2F1 with transformations,
 *            the unit-A series, e^z E_s(z), log-space helpers)
 * optim.c    BFGS on log-parameters with a line search, numerical Hessian
 * models.c   public entry points: validation, row merging, time scaling,
 *            penalty, progress/cancel, dispatch to the per-model tables
 * bgnbd.c, pnbd.c, bgbb.c, gg.c, sbg.c, clv.c   the models
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CHURN_INTERNAL_H
#define CVA_CHURN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "cva/cva.h"
#include "cva_internal.h"

/* ---------------------------------------------------------------- special.c */

/* ln Γ(x) for x > 0, re-entrant (no signgam); NaN for x <= 0. */
double cva__lgamma(double x);
/* ψ(x) for x > 0. */
double cva__digamma(double x);
/* ln(1 + e^x) and ln(e^a + e^b), overflow-free. */
double cva__log1pexp(double x);
double cva__logaddexp(double a, double b);
/* ln(1 − e^x) for x < 0 (Mächler's rule). */
double cva__log1mexp(double x);
/* Logistic 1/(1 + e^−x) without overflow. */
double cva__expit(double x);

/*
 * Differences of large logarithms, each accurate to a few ulps relative to
 * the result (or absolutely near a zero of it) for any magnitudes of the
 * arguments, checked against 60-digit references in tests/test_special.c.
 * NaN outside the stated domain.
 */
/* ln(1 + x) − x for x > −1 (−x²/2 for small x, no cancellation). */
double cva__log1pmx(double x);
/* ω(x) = ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π], x > 0 (the Stirling remainder, ≈ 1/(12x)). */
double cva__lgamma_corr(double x);
/* ln Γ(x+h) − ln Γ(x) − h ln x for x > 0, h >= 0: the log of Γ(x+h)/(Γ(x) x^h), which stays
   small when x ≫ h (≈ h(h−1)/(2x)) where both log-gammas are huge. */
double cva__lgamma_delta(double x, double h);
/* ln Γ(x+h) − ln Γ(x) for x > 0, x + h > 0 (h may be negative). */
double cva__lgamma_diff(double x, double h);
/* ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a+b) for a, b > 0 of any magnitudes. */
double cva__lbeta(double a, double b);
/* ln B(a+x, b+y) − ln B(a, b) for a, b > 0, x, y >= 0 (stays accurate as a, b → ∞ with
   a/(a+b) fixed, where it tends to x ln(a/(a+b)) + y ln(b/(a+b))). */
double cva__lbeta_ratio(double a, double b, double x, double y);
/* ψ(x+h) − ψ(x) for x > 0, x + h > 0 (≈ h/x for x ≫ h). */
double cva__digamma_diff(double x, double h);
/* ψ(x) − ln x for x > 0 (≈ −1/(2x) for large x). */
double cva__digamma_mlog(double x);

/*
 * Gauss hypergeometric 2F1(a, b; c; z) for 0 <= z < 1 by the series with the
 * transformations of docs/methods/models.md#methods_numerics; returns the natural log of the value in *log_value
 * and its sign in *sign (the value may be negative for some parameters).
 * Returns CVA_OK, CVA_W_SERIES_LIMIT (partial sum used) or CVA_E_DOMAIN.
 */
cva_status cva__hyp2f1_log(double a, double b, double c, double z, double *log_value, int *sign);
/* The unit-A form 2F1(A, B; A+1; z), 0 <= z < 1, in log space (docs/methods/models.md#methods_numerics item 3). */
cva_status cva__hyp2f1_unit_a_log(double A, double B, double z, double *log_value);
/* e^z E_s(z) for z > 0, s > 0 (docs/methods/models.md#methods_numerics item 5). */
cva_status cva__expint_scaled(double s, double z, double *value);

/* BG/NBD DERT of checked rows with purchases (no NaN rows) when every customer's dropout
   probability p is replaced by cs·p from now on (0 < cs <= 1; cs = 1 is cva_model_dert()).
   Used by the model-based what-if (whatif_model.c). */
cva_status cva__bgnbd_dert_scaled(const double *p, double delta, double cs, const double *x, const double *t_x,
                                  const double *T, size_t n, double *out, const cva_allocator *alloc);

/* (M)BG/NBD E[Y(t) | alive at T] for p = (r, α, a, b), shift s (0 BG/NBD, 1 MBG/NBD); bgnbd.c. */
cva_status cva__bg_cond_factor(const double *p, double t, double x, double T, int s, double *out);

/* Regularised upper incomplete gamma Q(a, x), a > 0, x >= 0 (NaN outside). */
double cva__gamma_q(double a, double x);

/* ∫_0^1 f(p) dp by tanh-sinh quadrature (relative 1e-12 between levels); f gets p, ln p and
   ln(1−p) (accurate at both ends) and may be singular at 0 and 1. */
typedef double (*cva__unit_fn)(void *ctx, double p, double lp, double l1mp);
double cva__tanh_sinh_unit(cva__unit_fn f, void *ctx);

/* ------------------------------------------------------------------ optim.c */

/* Objective in unconstrained (log) parameters: returns f (to minimise) and writes
   the gradient; returns a non-finite value when the point is infeasible. */
typedef double (*cva__objective_fn)(void *ctx, const double *theta, double *grad);

typedef struct cva__optim_opts {
    int n;                  /* dimension, 1..24 (covariate fits: 4 + coefficients) */
    int max_iter;
    double grad_tol;        /* on max |grad| (already scaled by the caller) */
    double f_tol;           /* relative change of f */
    cva_progress_fn progress;
    void *progress_user;
    /* Boundary detection (0 disables each rule; see optim.c "Boundary"): */
    double bnd_gain;        /* remaining gain of f, toward the limit, below which a drift stops */
    double bnd_drift;       /* log-parameter drift over the window that counts as running off */
    double theta_max;       /* |theta_i| beyond which the fit stops at the boundary */
    const double *h0;       /* initial inverse Hessian (n × n, symmetric positive definite), used
                               as given (no first-step scaling); NULL: the identity */
    double *h_out;          /* NULL, or out: the last inverse-Hessian approximation (n × n) when
                               it holds curvature (left alone when it was just reset) */
} cva__optim_opts;

typedef struct cva__optim_result {
    double f;               /* objective at theta */
    double grad_norm;       /* max |grad| at theta */
    uint64_t iterations, evaluations;
    int converged;
    unsigned boundary;      /* bit i: theta_i runs off (CVA_W_BOUNDARY) */
    unsigned boundary_upper; /* bit i: ... towards +infinity */
} cva__optim_result;

/* Minimise f from theta (in/out). Returns CVA_OK, CVA_W_BOUNDARY, CVA_W_MAXITER,
   CVA_W_NOT_CONVERGED, CVA_E_CANCELED or CVA_E_NOCONVERGE (no finite objective
   found). Deterministic. */
cva_status cva__bfgs(cva__objective_fn f, void *ctx, double *theta, const cva__optim_opts *o,
                     cva__optim_result *res);

/*
 * Limit check at a converged point theta (objective f_star, Hessian hess of f):
 * along every eigenvector v of hess whose eigenvalue is <= info_min (a direction
 * the data barely identify), evaluate f at theta ± 2v and ± 4v; if on one side
 * both stay <= f_star + gain the likelihood is flat (within gain) to the edge:
 * the coordinates with |v_i| >= max|v|/4 are flagged in *mask (and *upper when
 * they grow that way; when both sides are flat, the side where f(±4v) is lower).
 * Returns 1 when something was flagged; counts evaluations. best_theta/best_f
 * (may be NULL) receive the lowest point probed (theta and f_star if none is lower).
 */
int cva__bnd_probe(cva__objective_fn f, void *ctx, const double *theta, int n, const double *hess, double f_star,
                   double gain, double info_min, double theta_max, unsigned *mask, unsigned *upper,
                   uint64_t *evals, double *best_theta, double *best_f);

/* Hessian of f at theta by central differences of the analytic gradient
   (symmetrised), row-major n × n. Returns 0 if an evaluation was not finite. */
int cva__hessian(cva__objective_fn f, void *ctx, const double *theta, int n, double *hess);
/* cva__hessian()'s central differences for the columns j < ncols only (row-major n × n,
   not symmetrised; the other columns are left alone); 1 when all were finite */
int cva__hessian_cols(cva__objective_fn f, void *ctx, const double *theta, int n, int ncols, double *hess);
/* Average each pair of off-diagonal entries of the row-major n × n hess in place,
   0.5 (h_ij + h_ji) into both (cva__hessian()'s symmetrisation) */
void cva__symmetrize(double *hess, int n);
/* the same columns by forward differences of the gradient from g0, the gradient at theta: one
   evaluation a column (step CVA__FWD_STEP (1 + |theta_j|)), less accurate than the central
   differences (on a likelihood sum of 1e5 rows the standard errors agree with theirs to about
   1e-5 relatively) */
#ifndef CVA__FWD_STEP
#define CVA__FWD_STEP 1e-7
#endif
int cva__hessian_cols_fwd(cva__objective_fn f, void *ctx, const double *theta, const double *g0, int n, int ncols,
                          double *hess);

/* Invert a symmetric positive-definite n × n matrix (Cholesky); 0 if not SPD. */
int cva__spd_inverse(const double *a, int n, double *inv);

/* ------------------------------------------------------------------ models */

/* The most parameters of a model (Gamma/Gompertz/NBD: 5). */
#define CVA__MAX_PARAMS 5

/* Receiver of expected_multi(): ey[k] = E[Y_i(t_k)], k < n_t, for customer i. */
typedef void (*cva__ey_sink)(void *user, size_t i, const double *ey);

/* Merged BTYD rows (x, t_x, T, weight) after validation. */
typedef struct cva__btyd_rows {
    const double *x, *t_x, *T, *w; /* w may be NULL (all 1) */
    size_t n;
} cva__btyd_rows;

/* (M)BG/NBD: the gradient and the Hessian (row-major 4 × 4) of Σ w_i LL_i in (r, α, a, b) in
   one pass over the rows (shift s: 0 BG/NBD, 1 MBG/NBD); 0 when not finite. bgnbd.c. */
int cva__bg_ll_hess(const double *prm, const cva__btyd_rows *rows, int s, double *grad, double *hess);


/*
 * Per-model table. ll(): Σ w_i LL_i at natural params p, gradient w.r.t. the
 * natural params in grad (may be NULL); per-row LL into ll_i when non-NULL.
 * Returns a non-finite value when p is outside the domain.
 */
typedef struct cva__btyd_model {
    int32_t id;
    int n_params;
    const char *names[CVA__MAX_PARAMS];
    double start[CVA__MAX_PARAMS];   /* default start (natural scale) */
    int scale_time[CVA__MAX_PARAMS]; /* 1: parameter has units of time (alpha, beta);
                                        −1: units of 1/time (the Gompertz b) */
    double (*ll)(const double *p, const cva__btyd_rows *rows, double *grad, double *ll_i);
    /* p_alive(), expected(), dert() and expected_multi() may keep a per-call cache; they take
       it from alloc (NULL: malloc/free) and run without it when that fails. */
    cva_status (*p_alive)(const double *p, double t_future, const double *x, const double *t_x,
                          const double *T, size_t n, double *out, const cva_allocator *alloc);
    cva_status (*expected)(const double *p, double t, const double *x, const double *t_x, const double *T,
                           size_t n, double *out, const cva_allocator *alloc);
    cva_status (*expected_pop)(const double *p, const double *t, size_t n, double *out);
    cva_status (*prob_n)(const double *p, double t, size_t n_k, double *out); /* NULL if absent */
    cva_status (*dert)(const double *p, double delta, const double *x, const double *t_x, const double *T,
                       size_t n, double *out, const cva_allocator *alloc);     /* NULL if absent */
    /* Conditional E[Y(t_k)] at n_t horizons for every customer in one pass: the
       per-customer terms (P(alive), per-(x, T) factors) are shared by the horizons and
       each value is bit-identical to expected() at that horizon. The values of
       customer i go to sink(user, i, ey) in order i = 0..n−1. n_t <= CVA__EY_MAX_T.
       NULL if absent (callers then use expected() per horizon). */
    cva_status (*expected_multi)(const double *p, const double *t, size_t n_t, const double *x,
                                 const double *t_x, const double *T, size_t n, cva__ey_sink sink, void *user,
                                 const cva_allocator *alloc);
} cva__btyd_model;

#define CVA__EY_MAX_T 32

/* The BG/BB likelihood (and P(alive), its ratio) sums one term per opportunity
   after the last transaction: every BG/BB call refuses rows with n − t_x above
   this (an earlier version looped for ever at n = DBL_MAX, a fuzz find). */
#define CVA__BGBB_SPAN_MAX 1.0e6
#define CVA__BGBB_N_MAX 1.0e9 /* and n itself (x = t_x = n = DBL_MAX gave NaN) */

/* 1 when a BG/BB row (t_x, n) is beyond those limits. */
static inline int cva__bgbb_row_too_long(double tx, double n)
{
    return n - tx > CVA__BGBB_SPAN_MAX || n > CVA__BGBB_N_MAX;
}

/* The largest parameter the Pareto/NBD predictions take (CVA_E_DOMAIN beyond). */
#define CVA__PARAM_PRED_MAX 1.0e30

extern const cva__btyd_model cva__model_bgnbd;
extern const cva__btyd_model cva__model_mbgnbd;
extern const cva__btyd_model cva__model_pnbd;
extern const cva__btyd_model cva__model_bgbb;
extern const cva__btyd_model cva__model_nbd;
extern const cva__btyd_model cva__model_ggom;

/* pnbd.c: the Pareto/NBD log-likelihood of each row (ll_i, unweighted) and, when g_i is not
   NULL, its gradient w.r.t. (r, α, s, β) (4 values a row); returns Σ LL_i (NaN outside the domain). */
double cva__pnbd_ll_rows(const double *p, const cva__btyd_rows *rows, double *ll_i, double *g_i);
/* The four Pareto/NBDs at (r, α+a, s, β+b), ab = a + 2b, in one pass with shared work (pnbd.c):
   ll4[ab] (n values) and, g4 not NULL, g4[ab] (4 n) as cva__pnbd_ll_rows() gives them, bit for
   bit; finite exactly when its four sums are. */
double cva__pnbd_ll_rows4(const double *p, const cva__btyd_rows *rows, double *const *ll4, double *const *g4);
/* pnbd.c: the Pareto/NBD's Σ w LL (ll[e]) and its gradient sums (grad[4e..4e+3]) at m <=
   CVA__PNBD_PTS parameter sets P[4e..4e+3] in one pass over the rows, each bit for bit what
   the model's ll() gives at that set (work shared between sets with equal r, α, s or β);
   0 when a set is outside the domain. */
#define CVA__PNBD_PTS 8
int cva__pnbd_ll_pts(const double *P, int m, const cva__btyd_rows *rows, double *ll, double *grad);
/* pnbd.c: P(alive at T + t_future) into p_alive and E[Y(t)] into ey (t > 0) of every row in
   one pass (one cache look-up and one evaluation per distinct row), bit for bit what the
   model's p_alive() and expected() give, with their status. */
cva_status cva__pnbd_predict2(const double *p, double t_future, double t, const double *x, const double *t_x,
                              const double *T, size_t n, double *p_alive, double *ey,
                              const cva_allocator *alloc);
/* pnbd.c: P(X(t) = k) of the Pareto/NBD for k = k0 .. k0 + n_k − 1 into out[0 .. n_k − 1]. */
cva_status cva__pnbd_prob_n_from(const double *p, double t, size_t k0, size_t n_k, double *out);

/* pnbdcor.c: the correlated Pareto/NBD (r, α, s, β, ρ) and its fitting parametrisation
   (r, α, s, β, v); the admissible range [c_lo, c_hi] of c = ρ (1+α)(1+β)/√(rs) at p (0 when
   it is not finite); the fit's start in the fitting parametrisation from a user start
   (r, α, s, β, ρ) or NULL (the default, T_max the largest T): CVA_E_OPTION when ρ is not strictly
   inside its range; and the conversion of a finished fit from v to ρ (delta method). */
extern const cva__btyd_model cva__model_pnbdcor;
extern const cva__btyd_model cva__model_pnbdcor_fit;
/* the fitting parametrisation whose ll writes 10 values to its gradient argument (the
   gradient, then ∂²LL/∂v∂(r, α, s, β, v)), and one whose ll writes 2 (∂LL/∂c and −∂²LL/∂c²
   at fixed r, α, s, β; no gradient) */
extern const cva__btyd_model cva__model_pnbdcor_fithv;
extern const cva__btyd_model cva__model_pnbdcor_fitd;
/* v (the fitting parameter) of the correlation term c at r, α, s, β = p[0..3]; 0 when c is
   not strictly inside its range */
int cva__pnbdcor_v_of_c(const double *p, double c, double *v);
int cva__pnbdcor_range(const double *p, double *c_lo, double *c_hi);
double cva__pnbdcor_c_of_rho(const double *p);
cva_status cva__pnbdcor_start(const double *user, double T_max, double *start);
void cva__pnbdcor_finish(cva_model_fit *fit);

/* conddist.c: P(Y(t) = k | x, t_x, T) for k < n_k (row-major n × n_k) and Var[Y(t) | x, t_x, T]
   for BG/NBD, MBG/NBD and Pareto/NBD on validated rows (CVA_E_BADARG for another model). */
cva_status cva__cond_prob_n(int32_t model, const double *p, double t, const double *x, const double *t_x,
                            const double *T, size_t n, size_t n_k, double *out, const cva_allocator *alloc);
cva_status cva__cond_variance(int32_t model, const double *p, double t, const double *x, const double *t_x,
                              const double *T, size_t n, double *out, const cva_allocator *alloc);

/* cnbd.c: the same distribution for BG/CNBD-k and MBG/CNBD-k, params = (r, α, a, b, k) with k
   an integer 1..CVA_CNBD_K_MAX in params[4]; cva__cnbd_cond_check() makes the checks of
   cva_model_cond_prob_n() (parameters argument 2, rows with x at argument 4). */
cva_status cva__cnbd_cond_check(int32_t model, const double *params, const double *x, const double *t_x,
                                const double *T, size_t n, const void *out, int32_t arg_out, cva_diag *diag);
cva_status cva__cnbd_cond_prob_n(int32_t model, const double *p, double t, const double *x, const double *t_x,
                                 const double *T, size_t n, size_t n_k, double *out, const cva_allocator *alloc);

/* models.c: the table of a BTYD model id (NULL if none), and the checks every
   evaluation entry point makes (parameters as argument 2, rows with x at argument
   arg_x, t_x and T after it), reported through diag. */
const cva__btyd_model *cva__btyd_table(int32_t model);
cva_status cva__btyd_check(int32_t model, const double *params, const double *x, const double *t_x,
                           const double *T, size_t n, cva_diag *diag, int32_t arg_x);

/*
 * Customers without a purchase (models.c). cva_txn_summarize() writes NaN
 * frequency, recency and T for them; every BTYD fit and evaluation skips a row
 * whose x, t_x and T are all NaN (a NaN in only one or two stays CVA_E_NONFINITE): it does not enter a likelihood, its outputs are NaN, and
 * the call reports CVA_W_EXCLUDED with diag->count = those rows (when nothing
 * else went wrong). The public entry points do this by compacting the other rows
 * (order kept), calling themselves on the compacted arrays and scattering back.
 */
#define CVA__NP_MAX_COLS 6
typedef struct cva__np_split {
    size_t n_keep, n_skip;
    size_t *map;                       /* kept row k is row map[k] of the caller */
    double *col[CVA__NP_MAX_COLS];     /* compacted inputs (NULL where the input is NULL) */
    double *out;                       /* n_keep output values (n_out columns, each n_keep long) */
    void *block;
} cva__np_split;

/* Rows with NaN x, t_x and T among n (arrays may be NULL: 0). */
size_t cva__np_count(const double *x, const double *t_x, const double *T, size_t n);
/* Compact the n_in columns in[] (in[0..2] = x, t_x, T decide which rows go) and
   reserve n_out output columns. CVA_E_NOMEM on failure (nothing to free). */
cva_status cva__np_compact(const cva_allocator *al, const double *const *in, int n_in, int n_out, size_t n,
                           cva__np_split *sp);
/* dst[map[k]] = src[k], NaN at the skipped rows (dst has n rows). */
void cva__np_scatter(const cva__np_split *sp, const double *src, double *dst, size_t n);
void cva__np_free(const cva_allocator *al, cva__np_split *sp);
/* Relay the status of the call on the compacted rows: errors with diag->index mapped
   back to the caller's row when loc->arg is in [arg_lo, arg_hi]; CVA_OK becomes
   CVA_W_EXCLUDED with diag->count = skipped rows; other warnings pass unchanged. */
cva_status cva__np_relay(cva_diag *diag, const cva_diag *loc, cva_status st, const cva__np_split *sp,
                         int32_t arg_lo, int32_t arg_hi);

/* ------------------------------------------------- models.c: MLE driver */

/*
 * Generic weighted maximum-likelihood fit used by every model: BFGS on
 * φ_i = ln(p_i − lower_i), objective −Σ w LL / W + penalty·Σ p_i² (lifetimes'
 * penalizer parity), standard errors and covariance by the delta method from
 * the numerical Hessian of the objective in φ (observed information).
 * ll() returns Σ w_i LL_i at params p (fitting units) and its gradient w.r.t.
 * p in grad (may be NULL); non-finite outside the domain.
 * Fills fit (params scaled back: p_i·time_scale where scale_time[i] is 1, p_i/time_scale
 * where it is −1; params5/std_err5/cov5 too, n_params <= CVA__MAX_PARAMS),
 * log_likelihood (at the fitting-unit params), iterations, convergence, SEs.
 */
typedef struct cva__mle_problem {
    int n_params;
    int32_t model;
    const int *scale_time;   /* NULL: no time parameters; 1 time, −1 1/time */
    double time_scale;       /* s_T (1: none) */
    const double *lower;     /* NULL: all 0 (p_i > lower_i) */
    double weight_total;     /* W = Σ w_i > 0 */
    const double *start;     /* start in fitting units, > lower */
    double (*ll)(void *data, const double *p, double *grad);
    void *data;
    const double *h0;        /* NULL, or the first BFGS run's initial inverse Hessian in φ = ln(p − lower) */
    /* NULL, or the exact last column of the log-likelihood's Hessian at p: col[j] =
       ∂²LL/∂p_last∂p_j (j < n_params), col[n_params] = ∂LL/∂p_last; returns 0 when it could
       not (the driver then differences that column too), else 1 plus the evaluations it
       made (0 or 1) */
    int (*hess_last)(void *data, const double *p, double *col);
    /* 1: the driver asks ll(data, p, NULL) for the value alone where it needs no gradient (the
       boundary probes; the value may differ from ll(data, p, grad)'s in its last bits) */
    int value_only;
} cva__mle_problem;

cva_status cva__fit_mle(const cva__mle_problem *pb, const cva_fit_opts *opts, cva_model_fit *fit,
                        uint64_t *iterations);

/*
 * Parallel likelihood sums (models.c). A sum over rows is split into n_tasks fixed
 * pieces (chosen from the input only: CVA__LL_CHUNK rows per task for the BTYD models);
 * task k returns its Σ w LL and writes its gradient (n_grad values) when grad is not
 * NULL. cva__llsum_run() runs the tasks on ex (NULL: the calling thread) and combines
 * the task sums (compensated) and gradients (plain sums) in task order, so that the result does
 * not depend on the executor. With one task it is that task's value, bit for bit.
 * res: caller scratch of n_tasks × (1 + n_grad) doubles.
 */
#define CVA__LL_CHUNK 2048
typedef double (*cva__ll_task_fn)(const void *ctx, const double *p, size_t task, double *grad);
typedef struct cva__llsum {
    const cva_executor *ex;
    size_t n_tasks;
    int n_grad;
    double *res;
    cva__ll_task_fn task;
    const void *ctx;
} cva__llsum;
double cva__llsum_run(const cva__llsum *s, const double *p, double *grad);

/* Log-likelihood (nats, total over the weighted rows) left to gain towards an
   edge of the parameter space below which a fit stops with CVA_W_BOUNDARY. */
#define CVA__BND_GAIN 1e-3
/* Observed information (total, in a log-parameter direction) below which a
   converged fit is probed for a plateau running to the edge: 0.01, i.e. a
   standard error of 10 in the log-parameter. */
#define CVA__BND_INFO 1e-2

/* The rows cva_model_fit_btyd() fits (for the other models' fits, cnbd.c): identical
   (x, t_x, T) merged into weights when merge is set (sorted), else the caller's arrays;
   txs, Ts = t_x/s_T, T/s_T. w may be NULL (no merge, no weights). Free block with
   cva__free(al, block). CVA_OK or CVA_E_NOMEM. */
/* The merge of identical rows in tasks on ex (btyd_merge.c): the same bits as
   build_rows()'s serial merge. *block: 6 nd doubles, x, t_x, T, w of the nd
   merged rows sorted by (x, T, t_x), then t_x / s_T and T / s_T. n at most
   UINT32_MAX. CVA_OK or CVA_E_NOMEM. */
cva_status cva__btyd_merge_par(const double *x, const double *tx, const double *T, const double *w, size_t n,
                               double s_T, const cva_allocator *al, const cva_executor *ex, double **block,
                               size_t *n_out);
/* Rows from which the fits merge on the executor (below: the serial merge). */
#define CVA__MERGE_PAR_MIN ((size_t)65536)

typedef struct cva__merged_rows {
    const double *x, *tx, *T, *w, *txs, *Ts;
    size_t n;
    void *block;
} cva__merged_rows;
cva_status cva__btyd_merge_rows(const double *x, const double *tx, const double *T, const double *w, size_t n,
                                int merge, double s_T, const cva_allocator *al, cva__merged_rows *out);

/* Size of cva_model_fit before the boundary fields were appended, and before params5. */
#define CVA__MODEL_FIT_V1_SIZE offsetof(cva_model_fit, boundary)
#define CVA__MODEL_FIT_V2_SIZE offsetof(cva_model_fit, params5)
/* 1 if fit->struct_size is one of the supported sizes. */
int cva__fit_size_ok(const cva_model_fit *fit);
/* Copy a complete fit into the caller's struct, only as far as its struct_size. */
void cva__fit_store(cva_model_fit *fit, const cva_model_fit *src);

/* Validated copy of a caller's cva_fit_opts (NULL: defaults). Returns CVA_OK,
   CVA_E_ABI_MISMATCH or CVA_E_OPTION (reported through diag). */
cva_status cva__fit_opts_get(const cva_fit_opts *in, int n_params, cva_fit_opts *out, cva_diag *diag,
                             int32_t arg);

/* ------------------------------------------------------------------ gg.c */

/* Gamma-Gamma Σ w_i LL_i (docs/methods/models.md#methods_gg) over rows with x >= 1, m_x > 0 (w may be NULL),
   gradient w.r.t. (p, q, γ) into grad (may be NULL), per-row LL_i into ll_i (may be NULL). */
double cva__gg_ll(const double *prm, const double *x, const double *m_x, const double *w, size_t n,
                  double *grad, double *ll_i);

/* ------------------------------------------------------------------ sbg.c */

/* sBG Σ_t D[t] ln P(T=t) + E[t] ln S(t) for t = 1..J (index t; D[0], E[0] unused), D[t] the
   customers lost at the end of period t, E[t] those still active after their last observed
   period t; gradient w.r.t. (α, β) into g (may be NULL). */
double cva__sbg_ll(const double *D, const double *E, size_t J, double a, double b, double *g);

/* Order of BTYD rows by (x, T, t_x), ascending: the one order in which identical rows
   are merged (models.c, covariates.c, fit_dist.c). -1, 0 or 1. */
static inline int cva__btyd_key_cmp(double ax, double aT, double atx, double bx, double bT, double btx)
{
    if (ax < bx)
        return -1;
    if (ax > bx)
        return 1;
    if (aT < bT)
        return -1;
    if (aT > bT)
        return 1;
    if (atx < btx)
        return -1;
    return atx > btx;
}

#endif /* CVA_CHURN_INTERNAL_H */
