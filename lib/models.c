/*
 * libcva — public entry points of the churn models (docs/methods/models.md#methods_models, docs/methods/conventions.md#methods_choice_fitting, docs/methods/conventions.md#methods_choice_mbgnbd, docs/methods/conventions.md#methods_choice_dert, docs/methods/conventions.md#methods_choice_discount):
 * option handling, input validation, row merging, time rescaling, the generic
 * maximum-likelihood driver (penalty, progress/cancel, standard errors from
 * the observed information) and dispatch to the per-model tables.
 *
 * Row merging: identical (x, t_x, T) rows are collapsed with a hash table in
 * O(n) (first-appearance order), then the distinct rows are sorted by
 * (x, T, t_x). The likelihood is therefore summed in an order that depends
 * only on the set of distinct rows, not on the order of the input, and the
 * per-x terms (log-gammas, digammas) are computed once per run of equal x.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>

#include "churn_internal.h"

/* Smallest cva_fit_opts accepted: the struct before the executor was appended. */
#define FIT_OPTS_MIN_SIZE offsetof(cva_fit_opts, executor)

static const cva_fit_opts fit_defaults = {
    .struct_size = sizeof(cva_fit_opts),
    .max_iter = 1000,
    .merge_rows = 1,
    .q_above_one = 0,
    .grad_tol = 1e-9,
    .f_tol = 1e-14,
    .penalty = 0.0,
    .start = NULL,
    .progress = NULL,
    .progress_user = NULL,
    .alloc = NULL,
    .executor = NULL,
};

cva_status cva_fit_opts_init_defaults(cva_fit_opts *opts, size_t struct_size)
{
    if (!opts)
        return CVA_E_NULLPTR;
    if (struct_size < FIT_OPTS_MIN_SIZE || struct_size > sizeof(cva_fit_opts))
        return CVA_E_ABI_MISMATCH;
    memcpy(opts, &fit_defaults, struct_size);
    opts->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

/* cva_clv_opts_init_defaults lives in clv.c (next to cva_clv). */

cva_status cva_model_fit_init(cva_model_fit *fit, size_t struct_size)
{
    if (!fit)
        return CVA_E_NULLPTR;
    if (struct_size != sizeof(cva_model_fit) && struct_size != CVA__MODEL_FIT_V1_SIZE &&
        struct_size != CVA__MODEL_FIT_V2_SIZE)
        return CVA_E_ABI_MISMATCH;
    memset(fit, 0, struct_size);
    fit->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

int cva__fit_size_ok(const cva_model_fit *fit)
{
    return fit->struct_size == sizeof(cva_model_fit) || fit->struct_size == CVA__MODEL_FIT_V1_SIZE ||
           fit->struct_size == CVA__MODEL_FIT_V2_SIZE;
}

void cva__fit_store(cva_model_fit *fit, const cva_model_fit *src)
{
    const uint32_t size = fit->struct_size;
    memcpy(fit, src, size);
    fit->struct_size = size;
}

static const cva__btyd_model *btyd_table(int32_t model)
{
    switch (model) {
    case CVA_MODEL_BGNBD:
        return &cva__model_bgnbd;
    case CVA_MODEL_MBGNBD:
        return &cva__model_mbgnbd;
    case CVA_MODEL_PNBD:
        return &cva__model_pnbd;
    case CVA_MODEL_BGBB:
        return &cva__model_bgbb;
    case CVA_MODEL_NBD:
        return &cva__model_nbd;
    case CVA_MODEL_GGOMNBD:
        return &cva__model_ggom;
    case CVA_MODEL_PNBDCOR:
        return &cva__model_pnbdcor;
    default:
        return NULL;
    }
}

int32_t cva_model_n_params(int32_t model)
{
    switch (model) {
    case CVA_MODEL_BGNBD:
    case CVA_MODEL_MBGNBD:
    case CVA_MODEL_PNBD:
    case CVA_MODEL_BGBB:
    case CVA_MODEL_BGCNBD:  /* r, alpha, a, b (k travels beside them; cnbd.c) */
    case CVA_MODEL_MBGCNBD:
        return 4;
    case CVA_MODEL_GGOMNBD:
    case CVA_MODEL_PNBDCOR:
        return 5;
    case CVA_MODEL_GG:
        return 3;
    case CVA_MODEL_SBG:
    case CVA_MODEL_NBD:
        return 2;
    default:
        return 0;
    }
}

const char *cva_model_param_name(int32_t model, int32_t i)
{
    static const char *const gg[3] = {"p", "q", "gamma"};
    static const char *const sbg[2] = {"alpha", "beta"};
    const cva__btyd_model *m = btyd_table(model);
    if (i < 0 || i >= cva_model_n_params(model))
        return "";
    if (m)
        return m->names[i];
    if (model == CVA_MODEL_BGCNBD || model == CVA_MODEL_MBGCNBD)
        return cva__model_bgnbd.names[i];
    if (model == CVA_MODEL_GG)
        return gg[i];
    return sbg[i];
}

/* ------------------------------------------------------------------ options */

cva_status cva__fit_opts_get(const cva_fit_opts *in, int n_params, cva_fit_opts *out, cva_diag *diag,
                             int32_t arg)
{
    int i;
    *out = fit_defaults;
    if (in) {
        cva_status st = cva__copy_sized(out, sizeof *out, in, FIT_OPTS_MIN_SIZE);
        if (st != CVA_OK)
            return cva__report(diag, st, arg, 0, -1, 0, "cva_fit_opts: unsupported struct_size");
    }
    if (out->max_iter < 1)
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_FIT_MAX_ITER, -1, 0, "max_iter must be >= 1");
    if (!(out->grad_tol >= 0.0) || !(out->f_tol >= 0.0) || !isfinite(out->grad_tol) || !isfinite(out->f_tol))
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_FIT_TOL, -1, 0,
                           "grad_tol and f_tol must be finite and >= 0");
    if (!(out->penalty >= 0.0) || !isfinite(out->penalty))
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_FIT_PENALTY, -1, 0, "penalty must be finite and >= 0");
    if (out->start)
        for (i = 0; i < n_params; i++)
            if (!(out->start[i] > 0.0) || !isfinite(out->start[i]))
                return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_FIT_START, i, 0,
                                   "start values must be finite and > 0");
    return CVA_OK;
}

/* ------------------------------------------------ parallel likelihood sums */

typedef struct llsum_arg {
    const cva__llsum *s;
    const double *p;
    int want_grad;
} llsum_arg;

static void llsum_task(void *varg, size_t k, unsigned worker)
{
    const llsum_arg *a = (const llsum_arg *)varg;
    double *r = a->s->res + k * (size_t)(1 + a->s->n_grad);
    (void)worker;
    r[0] = a->s->task(a->s->ctx, a->p, k, a->want_grad ? r + 1 : NULL);
}

double cva__llsum_run(const cva__llsum *s, const double *p, double *grad)
{
    const size_t stride = (size_t)(1 + s->n_grad);
    llsum_arg a;
    cva__ksum acc = {0.0, 0.0};
    size_t k;
    int j;
    if (s->n_tasks == 1) /* the one task's own value, bit for bit */
        return s->task(s->ctx, p, 0, grad);
    a.s = s;
    a.p = p;
    a.want_grad = grad != NULL;
    cva__parallel_for(s->ex, s->n_tasks, llsum_task, &a);
    for (k = 0; k < s->n_tasks; k++)
        cva__ksum_add(&acc, s->res[k * stride]);
    if (grad) /* plain sums in task order, as the models sum their rows */
        for (j = 0; j < s->n_grad; j++) {
            double g = 0.0;
            for (k = 0; k < s->n_tasks; k++)
                g += s->res[k * stride + 1 + (size_t)j];
            grad[j] = g;
        }
    return cva__ksum_value(&acc);
}

/* --------------------------------------------------------------- the driver */

typedef struct mle_ctx {
    const cva__mle_problem *pb;
    double penalty;
    double inv_w;
} mle_ctx;

static void phi_to_p(const cva__mle_problem *pb, const double *phi, double *p)
{
    int i;
    for (i = 0; i < pb->n_params; i++)
        p[i] = (pb->lower ? pb->lower[i] : 0.0) + exp(phi[i]);
}

/* the objective f = −LL/W + penalty Σ p² in φ; g NULL: the value alone (pb->value_only) */
static double mle_objective(void *vctx, const double *phi, double *g)
{
    const mle_ctx *c = (const mle_ctx *)vctx;
    const cva__mle_problem *pb = c->pb;
    double p[CVA__MAX_PARAMS], gp[CVA__MAX_PARAMS], ll, f;
    int i;
    for (i = 0; i < pb->n_params; i++)
        if (!(phi[i] < 700.0) || !(phi[i] > -700.0))
            return CVA_NAN;
    phi_to_p(pb, phi, p);
    ll = pb->ll(pb->data, p, g ? gp : NULL);
    if (!isfinite(ll))
        return CVA_NAN;
    f = -ll * c->inv_w;
    for (i = 0; i < pb->n_params; i++) {
        f += c->penalty * p[i] * p[i];
        if (g)
            g[i] = (-gp[i] * c->inv_w + 2.0 * c->penalty * p[i]) * exp(phi[i]); /* dp/dφ = e^φ */
    }
    return f;
}

/* mle_objective()'s value without its gradient (g is left alone): the boundary probes' objective
   when pb->value_only */
static double mle_value(void *vctx, const double *phi, double *g)
{
    (void)g;
    return mle_objective(vctx, phi, NULL);
}

/*
 * The objective's Hessian in φ at phi: cva__hessian()'s central differences, except that with
 * pb->hess_last the last column is the exact one (the others differenced as before, and
 * each pair of off-diagonal entries averaged as cva__hessian() does; by forward differences
 * when the last coordinate's own entry is below the probes' information threshold, see below).
 * *evals += the evaluations made.
 */
static int mle_hessian(mle_ctx *ctx, const double *phi, int np, double *H, uint64_t *evals)
{
    const cva__mle_problem *pb = ctx->pb;
    const int l = np - 1;
    double p[CVA__MAX_PARAMS], col[CVA__MAX_PARAMS + 1], ex[CVA__MAX_PARAMS], el;
    int i, j, k;
    phi_to_p(pb, phi, p);
    k = pb->hess_last && np > 1 ? pb->hess_last(pb->data, p, col) : 0;
    if (k <= 0) {
        *evals += 2u * (uint64_t)np;
        return cva__hessian(mle_objective, ctx, phi, np, H);
    }
    /* f = −LL/W + penalty Σ p², p = lower + e^φ: f_φjφl = −LL_jl e_j e_l / W (j ≠ l),
       f_φlφl = (−LL_ll/W + 2 penalty) e_l² + (−LL_l/W + 2 penalty p_l) e_l */
    el = exp(phi[l]);
    for (j = 0; j < l; j++)
        ex[j] = -col[j] * ctx->inv_w * exp(phi[j]) * el;
    ex[l] = (-col[l] * ctx->inv_w + 2.0 * ctx->penalty) * el * el + (-col[np] * ctx->inv_w + 2.0 * ctx->penalty * p[l]) * el;
    for (j = 0; j <= l; j++)
        if (!isfinite(ex[j]))
            return 0;
    if (ex[l] <= CVA__BND_INFO * ctx->inv_w) {
        /* the last coordinate carries less information than the boundary probes look for (the
           smallest eigenvalue is at most this entry: the probes will examine the fit; ln v flat,
           the correlation at its bound): the other columns by forward differences from the
           gradient here (btyd_fit_ll()'s memo, no evaluation), one evaluation a column instead of
           two, about 1e-5 relative in the standard errors */
        double g0[CVA__MAX_PARAMS];
        *evals += (uint64_t)(k - 1) + (uint64_t)l;
        if (!isfinite(mle_objective(ctx, phi, g0)) || !cva__hessian_cols_fwd(mle_objective, ctx, phi, g0, np, l, H))
            return 0;
    } else {
        *evals += (uint64_t)(k - 1) + 2u * (uint64_t)l;
        if (!cva__hessian_cols(mle_objective, ctx, phi, np, l, H))
            return 0;
    }
    for (i = 0; i < np; i++)
        H[i * np + l] = ex[i];
    cva__symmetrize(H, np);
    return 1;
}

cva_status cva__fit_mle(const cva__mle_problem *pb, const cva_fit_opts *o, cva_model_fit *fit,
                        uint64_t *iterations)
{
    const int np = pb->n_params;
    double phi[CVA__MAX_PARAMS], p[CVA__MAX_PARAMS], g[CVA__MAX_PARAMS];
    double H[CVA__MAX_PARAMS * CVA__MAX_PARAMS], C[CVA__MAX_PARAMS * CVA__MAX_PARAMS], f0;
    cva__optim_opts oo;
    cva__optim_result res;
    mle_ctx ctx;
    cva_status st;
    int i, j, hess_ok, round;

    ctx.pb = pb;
    ctx.penalty = o->penalty;
    ctx.inv_w = 1.0 / pb->weight_total;
    for (i = 0; i < np; i++) {
        double lo = pb->lower ? pb->lower[i] : 0.0;
        double s = pb->start[i] - lo;
        if (!(s > 0.0))
            s = 1.0;
        phi[i] = log(s);
    }
    f0 = mle_objective(&ctx, phi, g);
    if (!isfinite(f0))
        return CVA_E_NOCONVERGE;
    memset(&oo, 0, sizeof oo);
    oo.n = np;
    oo.max_iter = o->max_iter;
    oo.grad_tol = o->grad_tol * (1.0 + fabs(f0));
    oo.f_tol = o->f_tol;
    oo.progress = o->progress;
    oo.progress_user = o->progress_user;
    /* boundary rules (optim.c): stop once less than CVA__BND_GAIN nats of
       log-likelihood are left to gain towards an edge, or beyond e^±30 */
    oo.bnd_gain = CVA__BND_GAIN * ctx.inv_w;
    oo.bnd_drift = 1.0;
    oo.theta_max = 30.0;
    oo.h0 = pb->h0;
    st = cva__bfgs(mle_objective, &ctx, phi, &oo, &res);
    oo.h0 = NULL; /* a later run starts where the first one stopped: the start's curvature is stale */
    if (iterations)
        *iterations = res.iterations;
    if (st < 0)
        return st;
    /* converged: is it a maximum, or a plateau that runs to the edge? And at the
       boundary: do other parameters run off too? (the limit check of optim.c
       along the directions with information below CVA__BND_INFO, i.e. standard
       errors above 10 in log-parameters). When a probe finds more than
       CVA__BND_GAIN to gain, the fit goes on from there (at most 3 times). */
    for (round = 0;; round++) {
        unsigned m2, u2;
        double best[CVA__MAX_PARAMS], f_best;
        cva__optim_result r2;
        cva_status st2;
        hess_ok = mle_hessian(&ctx, phi, np, H, &res.evaluations);
        if (!((st == CVA_OK && res.converged) || st == CVA_W_BOUNDARY) || !hess_ok)
            break;
        if (!cva__bnd_probe(pb->value_only ? mle_value : mle_objective, &ctx, phi, np, H, res.f, oo.bnd_gain,
                            CVA__BND_INFO * ctx.inv_w, oo.theta_max, &m2, &u2, &res.evaluations, best, &f_best))
            break;
        res.boundary_upper |= u2 & m2 & ~res.boundary; /* earlier flags keep their direction */
        res.boundary |= m2;
        st = CVA_W_BOUNDARY;
        res.converged = 0;
        if (!(f_best < res.f - oo.bnd_gain) || round >= 3 || res.iterations >= (uint64_t)o->max_iter)
            break;
        memcpy(phi, best, (size_t)np * sizeof best[0]);
        oo.max_iter = o->max_iter - (int)res.iterations;
        st2 = cva__bfgs(mle_objective, &ctx, phi, &oo, &r2);
        if (st2 < 0) {
            if (iterations)
                *iterations = res.iterations + r2.iterations;
            return st2;
        }
        res.iterations += r2.iterations;
        res.evaluations += r2.evaluations;
        res.f = r2.f;
        res.grad_norm = r2.grad_norm;
        res.boundary_upper |= r2.boundary_upper & ~res.boundary;
        res.boundary |= r2.boundary;
    }
    if (iterations)
        *iterations = res.iterations;

    phi_to_p(pb, phi, p);
    {
        /* the search's objective was finite here, but the log-likelihood without the gradient
           can still overflow at an extreme estimate (a fuzz find: β ≈ 8e305 after one iteration
           with T = DBL_MAX): no estimate to report rather than a NaN one; nothing is written */
        const double ll = pb->ll(pb->data, p, NULL);
        if (!isfinite(ll))
            return CVA_E_NOCONVERGE;
        fit->log_likelihood = ll;
    }
    fit->model = pb->model;
    fit->n_params = np;
    fit->converged = res.converged;
    fit->grad_norm = res.grad_norm;
    fit->iterations = res.iterations;
    fit->evaluations = res.evaluations + 1;
    fit->n_customers = pb->weight_total;
    fit->boundary = res.boundary;
    fit->boundary_upper = res.boundary_upper;
    for (i = 0; i < 4; i++) {
        fit->params[i] = 0.0;
        fit->std_err[i] = 0.0;
    }
    for (i = 0; i < 16; i++)
        fit->cov[i] = 0.0;
    for (i = 0; i < CVA__MAX_PARAMS; i++) {
        fit->params5[i] = 0.0;
        fit->std_err5[i] = 0.0;
    }
    for (i = 0; i < CVA__MAX_PARAMS * CVA__MAX_PARAMS; i++)
        fit->cov5[i] = 0.0;
    /* covariance of φ = (W·H)^−1; natural p_i = lower_i + s_i e^φ_i, so
       cov(p_i, p_j) = s_i s_j e^φ_i e^φ_j cov(φ_i, φ_j) */
    {
        int ok = hess_ok && cva__spd_inverse(H, np, C);
        double d[CVA__MAX_PARAMS];
        for (i = 0; i < np; i++) {
            const int kind = pb->scale_time ? pb->scale_time[i] : 0;
            double sc = kind > 0 ? pb->time_scale : (kind < 0 ? 1.0 / pb->time_scale : 1.0);
            fit->params5[i] = p[i] * sc;
            d[i] = exp(phi[i]) * sc;
        }
        for (i = 0; i < np; i++)
            for (j = i; j < np; j++) {
                double v = ok ? C[i * np + j] * ctx.inv_w * (d[i] * d[j]) : CVA_NAN;
                fit->cov5[i * np + j] = v;
                fit->cov5[j * np + i] = v;
            }
        for (i = 0; i < np; i++)
            fit->std_err5[i] = ok ? sqrt(fit->cov5[i * np + i]) : CVA_NAN;
        /* the first four (the 4 × 4 leading block of the covariance) in the original fields */
        for (i = 0; i < np && i < 4; i++) {
            const int n4 = np < 4 ? np : 4;
            fit->params[i] = fit->params5[i];
            fit->std_err[i] = fit->std_err5[i];
            for (j = 0; j < n4; j++)
                fit->cov[i * n4 + j] = fit->cov5[i * np + j];
        }
    }
    return st;
}

/* ------------------------------------------------ customers without a purchase */

/* a customer without a purchase: x, t_x and T all NaN (a NaN in only some of them is an error) */
static int np_row(double x, double tx, double T)
{
    return isnan(x) && isnan(tx) && isnan(T);
}

size_t cva__np_count(const double *x, const double *t_x, const double *T, size_t n)
{
    size_t i, k = 0;
    if (!x || !t_x || !T)
        return 0;
    for (i = 0; i < n; i++)
        k += (size_t)np_row(x[i], t_x[i], T[i]);
    return k;
}

cva_status cva__np_compact(const cva_allocator *al, const double *const *in, int n_in, int n_out, size_t n,
                           cva__np_split *sp)
{
    size_t i, k = 0, keep = 0, ncol = (size_t)n_in + (size_t)(n_out > 0 ? n_out : 0);
    unsigned char *blk;
    int c;
    memset(sp, 0, sizeof *sp);
    for (i = 0; i < n; i++)
        keep += (size_t)!np_row(in[0][i], in[1][i], in[2][i]);
    sp->n_keep = keep;
    sp->n_skip = n - keep;
    if (keep > (SIZE_MAX / sizeof(double) - 1) / (ncol + 1))
        return CVA_E_NOMEM;
    blk = (unsigned char *)cva__alloc(al, (keep ? keep : 1) * (ncol * sizeof(double) + sizeof(size_t)));
    if (!blk)
        return CVA_E_NOMEM;
    sp->block = blk;
    for (c = 0; c < n_in; c++)
        sp->col[c] = in[c] ? (double *)(void *)blk + (size_t)c * keep : NULL;
    sp->out = (double *)(void *)blk + (size_t)n_in * keep;
    sp->map = (size_t *)(void *)((double *)(void *)blk + ncol * keep);
    for (i = 0; i < n; i++) {
        if (np_row(in[0][i], in[1][i], in[2][i]))
            continue;
        for (c = 0; c < n_in; c++)
            if (in[c])
                sp->col[c][k] = in[c][i];
        sp->map[k++] = i;
    }
    return CVA_OK;
}

void cva__np_scatter(const cva__np_split *sp, const double *src, double *dst, size_t n)
{
    size_t i, k;
    for (i = 0; i < n; i++)
        dst[i] = CVA_NAN;
    for (k = 0; k < sp->n_keep; k++)
        dst[sp->map[k]] = src[k];
}

void cva__np_free(const cva_allocator *al, cva__np_split *sp)
{
    cva__free(al, sp->block);
    sp->block = NULL;
}

cva_status cva__np_relay(cva_diag *diag, const cva_diag *loc, cva_status st, const cva__np_split *sp,
                         int32_t arg_lo, int32_t arg_hi)
{
    int64_t idx = loc->index;
    if (st == CVA_OK || (st == CVA_W_EMPTY && sp->n_keep == 0))
        return cva__report(diag, st == CVA_OK ? CVA_W_EXCLUDED : st, 0, 0, -1, sp->n_skip,
                           st == CVA_OK ? "rows without a purchase (NaN x, t_x and T) were skipped: their outputs "
                                          "are NaN (diag->count rows)"
                                        : "every row is without a purchase (NaN x, t_x and T)");
    if (st < 0 && idx >= 0 && loc->arg >= arg_lo && loc->arg <= arg_hi && (uint64_t)idx < (uint64_t)sp->n_keep)
        idx = (int64_t)sp->map[idx];
    return cva__report(diag, st, loc->arg, loc->option, idx, loc->count, loc->detail);
}

/* --------------------------------------------------------------- validation */

static int is_int(double v)
{
    /* every double beyond 2^53 in magnitude is an integer; below, the cast is exact */
    if (!(fabs(v) < 9007199254740992.0))
        return isfinite(v);
    return (double)(int64_t)v >= v && (double)(int64_t)v <= v;
}

/* Validate BTYD rows; arg_x is the argument position of x (t_x, T, weight follow). */
static cva_status validate_rows_slow(int32_t model, const double *x, const double *tx, const double *T,
                                const double *w, size_t n, cva_diag *diag, int32_t arg_x)
{
    size_t i;
    const int discrete = model == CVA_MODEL_BGBB;
    for (i = 0; i < n; i++) {
        const double xi = x[i], ti = tx[i], Ti = T[i];
        if (!isfinite(xi))
            return cva__report(diag, CVA_E_NONFINITE, arg_x, 0, (int64_t)i, 0, "x is not finite");
        if (!isfinite(ti))
            return cva__report(diag, CVA_E_NONFINITE, arg_x + 1, 0, (int64_t)i, 0, "t_x is not finite");
        if (!isfinite(Ti))
            return cva__report(diag, CVA_E_NONFINITE, arg_x + 2, 0, (int64_t)i, 0, "T is not finite");
        if (w && !isfinite(w[i]))
            return cva__report(diag, CVA_E_NONFINITE, arg_x + 3, 0, (int64_t)i, 0, "weight is not finite");
        if (!(xi >= 0.0) || !is_int(xi))
            return cva__report(diag, CVA_E_BADARG, arg_x, 0, (int64_t)i, 0, "x must be an integer >= 0");
        if (!(ti >= 0.0) || !(ti <= Ti))
            return cva__report(diag, CVA_E_BADARG, arg_x + 1, 0, (int64_t)i, 0, "need 0 <= t_x <= T");
        if (xi <= 0.0 && ti > 0.0)
            return cva__report(diag, CVA_E_BADARG, arg_x + 1, 0, (int64_t)i, 0, "x = 0 requires t_x = 0");
        if (!discrete && xi > 0.0 && !(ti > 0.0))
            return cva__report(diag, CVA_E_BADARG, arg_x + 1, 0, (int64_t)i, 0,
                               "x > 0 requires t_x > 0 (a repeat purchase cannot fall at the first one)");
        if (discrete && (!is_int(ti) || !is_int(Ti) || xi > ti))
            return cva__report(diag, CVA_E_BADARG, arg_x + 1, 0, (int64_t)i, 0,
                               "BG/BB needs integer t_x and n with x <= t_x <= n");
        if (discrete && cva__bgbb_row_too_long(ti, Ti))
            return cva__report(diag, CVA_E_BADARG, arg_x + 2, 0, (int64_t)i, 0,
                               "BG/BB: n above 1e9 or n - t_x above 1e6 opportunities");
        if (w && !(w[i] > 0.0))
            return cva__report(diag, CVA_E_BADARG, arg_x + 3, 0, (int64_t)i, 0, "weights must be > 0");
    }
    return CVA_OK;
}

/*
 * Fast pass: one branch-free validity flag per block of rows (NaN fails every
 * comparison); only a block that fails is rescanned by validate_rows_slow() to
 * find the first offending row and its status.
 */
/* 1 when rows i0..i1−1 pass every check of validate_rows_slow() for a model other than
   BG/BB (a row without a purchase, NaN, fails) */
static int rows_ok(const double *x, const double *tx, const double *T, const double *w, size_t i0, size_t i1)
{
    size_t i;
    int ok = 1;
    for (i = i0; i < i1; i++) {
        const double xi = x[i], ti = tx[i], Ti = T[i];
        const double xc = (xi >= 0.0 && xi < 9.0e15) ? xi : 0.5; /* 0.5 fails the integer test */
        ok &= (ti >= 0.0) & (ti <= Ti) & (Ti < HUGE_VAL) & ((double)(int64_t)xc >= xc) &
              ((xi > 0.0) | (ti <= 0.0)) & ((xi <= 0.0) | (ti > 0.0));
        if (w)
            ok &= (w[i] > 0.0) & (w[i] < HUGE_VAL);
    }
    return ok;
}

/* 1 when every row is valid for the model and has a purchase (then cva__np_count() is 0 and
   validate_rows() returns CVA_OK): one pass over the rows instead of those two */
static int rows_clean(int32_t model, const double *x, const double *tx, const double *T, size_t n)
{
    size_t i0;
    if (model == CVA_MODEL_BGBB || !x || !tx || !T)
        return 0;
    for (i0 = 0; i0 < n; i0 += 1024)
        if (!rows_ok(x, tx, T, NULL, i0, n - i0 < 1024 ? n : i0 + 1024))
            return 0;
    return 1;
}

static cva_status validate_rows(int32_t model, const double *x, const double *tx, const double *T,
                                const double *w, size_t n, cva_diag *diag, int32_t arg_x)
{
    size_t i0;
    if (model == CVA_MODEL_BGBB)
        return validate_rows_slow(model, x, tx, T, w, n, diag, arg_x);
    for (i0 = 0; i0 < n; i0 += 1024) {
        const size_t i1 = n - i0 < 1024 ? n : i0 + 1024;
        if (!rows_ok(x, tx, T, w, i0, i1)) {
            cva_status st = validate_rows_slow(model, x + i0, tx + i0, T + i0, w ? w + i0 : NULL, i1 - i0, diag,
                                               arg_x);
            if (st != CVA_OK) {
                if (diag && diag->struct_size == sizeof(cva_diag) && diag->index >= 0)
                    diag->index += (int64_t)i0;
                return st;
            }
        }
    }
    return CVA_OK;
}

/*
 * The fit's first look at its rows in tasks (from CVA__MERGE_PAR_MIN rows, not BG/BB):
 * per chunk of max(16384, n/64) rows the rows without a purchase counted, the fast
 * validity check of validate_rows() and the largest T (the first of equal ones, as
 * the serial loop keeps it). A chunk that fails the check sends the call to the
 * serial validate_rows(), which finds and reports the first bad row.
 */
#define PRESCAN_CHUNKS 64
typedef struct prescan_job {
    const double *x, *tx, *T, *w;
    size_t n, chunk;
    size_t np[PRESCAN_CHUNKS];
    int ok[PRESCAN_CHUNKS];
    double tmax[PRESCAN_CHUNKS];
} prescan_job;

static void prescan_task(void *arg, size_t c, unsigned wk)
{
    prescan_job *j = (prescan_job *)arg;
    const size_t i0 = c * j->chunk, i1 = j->n - i0 < j->chunk ? j->n : i0 + j->chunk;
    size_t i, np = 0;
    double t = j->T[i0];
    (void)wk;
    for (i = i0; i < i1; i++) {
        np += (size_t)np_row(j->x[i], j->tx[i], j->T[i]);
        if (j->T[i] > t)
            t = j->T[i];
    }
    j->np[c] = np;
    j->ok[c] = np == 0 && rows_ok(j->x, j->tx, j->T, j->w, i0, i1);
    j->tmax[c] = t;
}

/* 1: no row without a purchase, every chunk passed, *tmax the largest T; 0: take the
   serial checks (rows without a purchase, or a chunk failed) */
static int prescan(const cva_executor *ex, const double *x, const double *tx, const double *T, const double *w,
                   size_t n, double *tmax)
{
    prescan_job j;
    size_t c, nch;
    j.x = x;
    j.tx = tx;
    j.T = T;
    j.w = w;
    j.n = n;
    j.chunk = (n + PRESCAN_CHUNKS - 1) / PRESCAN_CHUNKS;
    if (j.chunk < 16384)
        j.chunk = 16384;
    nch = (n + j.chunk - 1) / j.chunk;
    cva__parallel_for(ex, nch, prescan_task, &j);
    for (c = 0; c < nch; c++) {
        if (!j.ok[c])
            return 0;
        if (c == 0 || j.tmax[c] > *tmax)
            *tmax = j.tmax[c];
    }
    return 1;
}

static cva_status check_params(int32_t model, const double *p, cva_diag *diag, int32_t arg)
{
    int i, np = cva_model_n_params(model);
    if (!p)
        return cva__report(diag, CVA_E_NULLPTR, arg, 0, -1, 0, "params is NULL");
    if (model == CVA_MODEL_PNBDCOR)
        np = 4; /* the correlation: below */
    for (i = 0; i < np; i++)
        if (!(p[i] > 0.0) || !isfinite(p[i]))
            return cva__report(diag, CVA_E_DOMAIN, arg, 0, i, 0, "parameters must be finite and > 0");
    if (model == CVA_MODEL_PNBDCOR) {
        double lo, hi, c;
        if (!isfinite(p[4]))
            return cva__report(diag, CVA_E_DOMAIN, arg, 0, 4, 0, "the correlation must be finite");
        if (!cva__pnbdcor_range(p, &lo, &hi))
            return cva__report(diag, CVA_E_DOMAIN, arg, 0, 4, 0,
                               "the correlation's range is not finite at these r, alpha, s, beta");
        c = cva__pnbdcor_c_of_rho(p);
        if (!(c >= lo && c <= hi))
            return cva__report(diag, CVA_E_DOMAIN, arg, 0, 4, 0,
                               "the correlation is outside the range where the Sarmanov density of the "
                               "purchase and dropout rates is not negative at these r, alpha, s, beta");
    }
    return CVA_OK;
}

/* ------------------------------------------------------------- row merging */

typedef struct btyd_work {
    double *x, *tx, *T, *w;  /* merged (or copied) rows, natural time */
    double *txs, *Ts;        /* rows in fitting time units */
    size_t n;
    void *block;
} btyd_work;

/* qsort has no context argument: sort an array of (key triple, index) records. */
typedef struct key_rec {
    double x, T, tx;
    size_t idx;
} key_rec;

static int key_cmp(const void *pa, const void *pb)
{
    const key_rec *a = (const key_rec *)pa, *b = (const key_rec *)pb;
    const int c = cva__btyd_key_cmp(a->x, a->T, a->tx, b->x, b->T, b->tx);
    if (c != 0)
        return c;
    return a->idx < b->idx ? -1 : (a->idx > b->idx ? 1 : 0);
}

static uint64_t mix3(double a, double b, double c)
{
    uint64_t ua, ub, uc, h;
    a += 0.0; /* −0 → +0 */
    b += 0.0;
    c += 0.0;
    memcpy(&ua, &a, 8);
    memcpy(&ub, &b, 8);
    memcpy(&uc, &c, 8);
    h = ua * 0x9E3779B97F4A7C15u;
    h ^= (h >> 32) ^ (ub * 0xC2B2AE3D27D4EB4Fu);
    h ^= (h >> 29) ^ (uc * 0x165667B19E3779F9u);
    h ^= h >> 33;
    h *= 0xFF51AFD7ED558CCDu;
    h ^= h >> 33;
    return h;
}

static int same3(double a1, double b1, double c1, double a2, double b2, double c2)
{
    return a1 >= a2 && a1 <= a2 && b1 >= b2 && b1 <= b2 && c1 >= c2 && c1 <= c2;
}

/* Build the fitting rows. Returns CVA_OK or CVA_E_NOMEM. */
static cva_status build_rows(const double *x, const double *tx, const double *T, const double *w, size_t n,
                             int merge, double s_T, const cva_allocator *al, const cva_executor *ex, btyd_work *wk)
{
    size_t i, nd = 0;
    memset(wk, 0, sizeof *wk);
    if (merge && n >= CVA__MERGE_PAR_MIN && n <= UINT32_MAX) {
        /* the same rows from tasks on the executor (btyd_merge.c) */
        double *blk;
        cva_status st = cva__btyd_merge_par(x, tx, T, w, n, s_T, al, ex, &blk, &nd);
        if (st != CVA_OK)
            return st;
        wk->block = blk;
        wk->x = blk;
        wk->tx = blk + nd;
        wk->T = blk + 2 * nd;
        wk->w = blk + 3 * nd;
        wk->txs = blk + 4 * nd;
        wk->Ts = blk + 5 * nd;
        wk->n = nd;
        return CVA_OK; /* txs and Ts too */
    } else if (merge) {
        /* open addressing with a table that grows with the distinct rows (starts small,
           so that it stays in cache when they are few: 1e6 customers give ~1e5) */
        size_t cap = 1024, mask;
        size_t *table;
        key_rec *keys;
        double *acc;
        unsigned char *blk;
        size_t bytes;
        while (cap < 2 * n && cap < 4096)
            cap <<= 1;
        mask = cap - 1;
        /* scratch: table (cap), keys (n), acc weight (n) */
        table = (size_t *)cva__alloc(al, cap * sizeof *table);
        keys = (key_rec *)cva__alloc(al, n * sizeof *keys);
        acc = (double *)cva__alloc(al, n * sizeof *acc);
        if (!table || !keys || !acc) {
            cva__free(al, table);
            cva__free(al, keys);
            cva__free(al, acc);
            return CVA_E_NOMEM;
        }
        for (i = 0; i < cap; i++)
            table[i] = (size_t)-1;
        for (i = 0; i < n; i++) {
            size_t h = (size_t)mix3(x[i], tx[i], T[i]) & mask;
            const double wi = w ? w[i] : 1.0;
            for (;;) {
                size_t k = table[h];
                if (k == (size_t)-1) {
                    table[h] = nd;
                    keys[nd].x = x[i] + 0.0;
                    keys[nd].T = T[i] + 0.0;
                    keys[nd].tx = tx[i] + 0.0;
                    keys[nd].idx = nd;
                    acc[nd] = wi;
                    nd++;
                    break;
                }
                if (same3(keys[k].x, keys[k].tx, keys[k].T, x[i], tx[i], T[i])) {
                    acc[k] += wi;
                    break;
                }
                h = (h + 1) & mask;
            }
            if (2 * nd > cap) { /* load 1/2: double the table and re-insert the distinct rows */
                size_t j, *t2 = (size_t *)cva__alloc(al, 2 * cap * sizeof *t2);
                if (!t2) {
                    cva__free(al, table);
                    cva__free(al, keys);
                    cva__free(al, acc);
                    return CVA_E_NOMEM;
                }
                cva__free(al, table);
                table = t2;
                cap *= 2;
                mask = cap - 1;
                for (j = 0; j < cap; j++)
                    table[j] = (size_t)-1;
                for (j = 0; j < nd; j++) {
                    size_t h2 = (size_t)mix3(keys[j].x, keys[j].tx, keys[j].T) & mask;
                    while (table[h2] != (size_t)-1)
                        h2 = (h2 + 1) & mask;
                    table[h2] = j;
                }
            }
        }
        cva__free(al, table);
        qsort(keys, nd, sizeof *keys, key_cmp);
        bytes = 6 * nd * sizeof(double);
        blk = (unsigned char *)cva__alloc(al, bytes);
        if (!blk) {
            cva__free(al, keys);
            cva__free(al, acc);
            return CVA_E_NOMEM;
        }
        wk->block = blk;
        wk->x = (double *)(void *)blk;
        wk->tx = wk->x + nd;
        wk->T = wk->tx + nd;
        wk->w = wk->T + nd;
        wk->txs = wk->w + nd;
        wk->Ts = wk->txs + nd;
        for (i = 0; i < nd; i++) {
            wk->x[i] = keys[i].x;
            wk->tx[i] = keys[i].tx;
            wk->T[i] = keys[i].T;
            wk->w[i] = acc[keys[i].idx];
        }
        cva__free(al, keys);
        cva__free(al, acc);
        wk->n = nd;
    } else {
        double *blk = (double *)cva__alloc(al, 2 * n * sizeof(double));
        if (!blk)
            return CVA_E_NOMEM;
        wk->block = blk;
        /* x, t_x, T, w alias the caller's arrays (read only) */
        memcpy(&wk->x, &x, sizeof x);
        memcpy(&wk->tx, &tx, sizeof tx);
        memcpy(&wk->T, &T, sizeof T);
        memcpy(&wk->w, &w, sizeof w);
        wk->txs = blk;
        wk->Ts = blk + n;
        wk->n = n;
    }
    for (i = 0; i < wk->n; i++) {
        wk->txs[i] = wk->tx[i] / s_T;
        wk->Ts[i] = wk->T[i] / s_T;
    }
    return CVA_OK;
}

cva_status cva__btyd_merge_rows(const double *x, const double *tx, const double *T, const double *w, size_t n,
                                int merge, double s_T, const cva_allocator *al, cva__merged_rows *out)
{
    btyd_work wk;
    cva_status st = build_rows(x, tx, T, w, n, merge, s_T, al, NULL, &wk);
    if (st != CVA_OK)
        return st;
    out->x = wk.x;
    out->tx = wk.tx;
    out->T = wk.T;
    out->w = wk.w;
    out->txs = wk.txs;
    out->Ts = wk.Ts;
    out->n = wk.n;
    out->block = wk.block;
    return CVA_OK;
}

typedef struct btyd_fit_data {
    const cva__btyd_model *m;
    cva__btyd_rows rows;
    cva__llsum sum;
    /* the last evaluation with a gradient (memo_n = 0: none): the optimiser asks for the
       same point more than once (the driver's start value, then the search's first
       evaluation; the correlated start's curvature at that point before both), and a
       repeat returns the stored values, the bits an evaluation would give */
    int memo_n;
    double memo_p[CVA__MAX_PARAMS], memo_ll, memo_g[CVA__MAX_PARAMS];
    /* hv: m is cva__model_pnbdcor_fithv, whose gradient argument takes 10 values (the
       gradient, then the Hessian's last column), the last kept in memo_hv */
    int hv;
    double memo_hv[CVA__MAX_PARAMS];
    /* pin_n = 5: the value at pin_p, the point of the driver's last Hessian (btyd_hess_last():
       the estimate), from the evaluation with the gradient there, kept past the Hessian's and
       the probes' evaluations for the driver's log-likelihood at the estimate */
    int pin_n;
    double pin_p[CVA__MAX_PARAMS], pin_ll;
} btyd_fit_data;

/* task k of a likelihood sum: rows [k·CVA__LL_CHUNK, (k+1)·CVA__LL_CHUNK) */
static double btyd_ll_task(const void *ctx, const double *p, size_t k, double *grad)
{
    const btyd_fit_data *d = (const btyd_fit_data *)ctx;
    const size_t lo = k * CVA__LL_CHUNK;
    const size_t len = d->rows.n - lo < CVA__LL_CHUNK ? d->rows.n - lo : CVA__LL_CHUNK;
    cva__btyd_rows r;
    r.x = d->rows.x + lo;
    r.t_x = d->rows.t_x + lo;
    r.T = d->rows.T + lo;
    r.w = d->rows.w ? d->rows.w + lo : NULL;
    r.n = len;
    return d->m->ll(p, &r, grad, NULL);
}

static double btyd_fit_ll(void *data, const double *p, double *grad)
{
    btyd_fit_data *d = (btyd_fit_data *)data;
    const int n = d->hv ? 5 : d->sum.n_grad;
    double ll;
    if (grad && d->memo_n == n && memcmp(d->memo_p, p, (size_t)n * sizeof *p) == 0) {
        memcpy(grad, d->memo_g, (size_t)n * sizeof *grad);
        return d->memo_ll;
    }
    if (!grad && d->pin_n == n && memcmp(d->pin_p, p, (size_t)n * sizeof *p) == 0)
        return d->pin_ll;
    if (grad && d->hv) { /* the gradient, then the Hessian's last column (kept) */
        double buf[10];
        ll = cva__llsum_run(&d->sum, p, buf);
        memcpy(grad, buf, 5 * sizeof *grad);
        memcpy(d->memo_hv, buf + 5, 5 * sizeof *grad);
    } else {
        ll = cva__llsum_run(&d->sum, p, grad);
    }
    if (grad && n <= CVA__MAX_PARAMS) {
        memcpy(d->memo_p, p, (size_t)n * sizeof *p);
        memcpy(d->memo_g, grad, (size_t)n * sizeof *grad);
        d->memo_ll = ll;
        d->memo_n = n;
    }
    return ll;
}

/* pb->hess_last of the correlated Pareto/NBD's fit (cva__mle_problem): from the memo when it
   holds p (the search's last point), else by one evaluation */
static int btyd_hess_last(void *data, const double *p, double *col)
{
    btyd_fit_data *d = (btyd_fit_data *)data;
    double g[CVA__MAX_PARAMS];
    int k = 1;
    if (!d->hv || d->memo_n != 5)
        return 0;
    if (memcmp(d->memo_p, p, 5 * sizeof *p) != 0) {
        if (!isfinite(btyd_fit_ll(d, p, g)))
            return 0;
        k = 2;
    }
    memcpy(col, d->memo_hv, 5 * sizeof *col);
    col[5] = d->memo_g[4];
    memcpy(d->pin_p, p, 5 * sizeof *p);
    d->pin_ll = d->memo_ll;
    d->pin_n = 5;
    return k;
}

/* the warm start's gradient tolerance, in units of the fit's (pnbdcor_warm_start()) */
#define CVA__PNBDCOR_WARM_TOL 1e3

/*
 * The correlated Pareto/NBD's default start (pnbdcor.c): at correlation 0 it is the plain
 * Pareto/NBD, so the plain model's maximum on the same rows (BFGS alone: no Hessian, no
 * boundary probes; an evaluation costs about a third of the correlated model's) is where its
 * search begins. start: the default start (r, α, s, β) in, the plain maximum out when that
 * converged inside the parameter space (1), else left alone (0); hp: out, the plain run's
 * inverse-Hessian approximation in ln p (hp[0] = 0: none). Counts go to *iters, *evals.
 */
static int pnbdcor_warm_start(btyd_fit_data *fd, const cva_fit_opts *o, double W, double *start, double *hp,
                              uint64_t *iters, uint64_t *evals)
{
    btyd_fit_data fp = *fd;
    cva__mle_problem pb;
    cva__optim_opts oo;
    cva__optim_result res;
    mle_ctx ctx;
    double phi[4], g[4], f0;
    cva_status st;
    int i;
    fp.m = &cva__model_pnbd;
    fp.memo_n = 0;
    fp.pin_n = 0;
    fp.hv = 0;
    fp.sum.n_grad = 4;
    fp.sum.ctx = &fp;
    memset(&pb, 0, sizeof pb);
    pb.n_params = 4;
    pb.model = CVA_MODEL_PNBD;
    pb.time_scale = 1.0;
    pb.weight_total = W;
    pb.ll = btyd_fit_ll;
    pb.data = &fp;
    ctx.pb = &pb;
    ctx.penalty = o->penalty;
    ctx.inv_w = 1.0 / W;
    for (i = 0; i < 4; i++)
        phi[i] = log(start[i]);
    f0 = mle_objective(&ctx, phi, g);
    if (!isfinite(f0))
        return 0;
    memset(&oo, 0, sizeof oo);
    oo.n = 4;
    oo.max_iter = o->max_iter;
    /* the correlated search moves on from here: a gradient 1e3 times the fit's tolerance is
       close enough, and spares the plain search's last iterations (their gains, thousandths of a
       nat or less, are far below what the correlated one makes in its first step) */
    oo.grad_tol = CVA__PNBDCOR_WARM_TOL * o->grad_tol * (1.0 + fabs(f0));
    oo.f_tol = o->f_tol;
    oo.progress = o->progress;
    oo.progress_user = o->progress_user;
    oo.bnd_gain = CVA__BND_GAIN * ctx.inv_w;
    oo.bnd_drift = 1.0;
    oo.theta_max = 30.0;
    hp[0] = 0.0;
    oo.h_out = hp;
    st = cva__bfgs(mle_objective, &ctx, phi, &oo, &res);
    *iters += res.iterations;
    *evals += res.evaluations + 1u;
    if (st != CVA_OK || !res.converged)
        return 0;
    for (i = 0; i < 4; i++)
        if (!(fabs(phi[i]) < 25.0)) /* near the edge: no help */
            return 0;
    for (i = 0; i < 4; i++)
        start[i] = exp(phi[i]);
    return 1;
}

/*
 * The correlated fit's start after the warm start (φ = ln of the fitting parameters, the
 * fifth ln v). At the plain maximum (c = 0) one pass without the gradient gives ∂LL/∂c and
 * ∂²LL/∂c² at fixed (r, α, s, β) (pnbdcor.c); their Newton step sets the start's
 * correlation when it stays within half of the way to either end of c's range (start[4] in:
 * v at c = 0; out: v there). One evaluation at that start gives the gradient (kept for the search's first
 * evaluation, the same bits) and, exactly, the fifth row and column of the Hessian; the first
 * four are the plain run's curvature (hp). 1 when h0 (5 × 5) could be formed positive
 * definite (start unchanged otherwise).
 */
static int pnbdcor_h0(btyd_fit_data *fd, const cva__mle_problem *pb, const cva_fit_opts *o, const double *hp,
                      double *start, double *h0, uint64_t *evals)
{
    btyd_fit_data fe = *fd;
    double ds[2], lo, hi, c1, v1, phi[5], p[5], out[10], B4[16], B[25], ll;
    const double iw = 1.0 / pb->weight_total;
    int i, j;
    if (!(hp[0] > 0.0) || !cva__spd_inverse(hp, 4, B4) || !cva__pnbdcor_range(start, &lo, &hi))
        return 0;
    fe.memo_n = 0;
    fe.pin_n = 0;
    fe.hv = 0;
    fe.m = &cva__model_pnbdcor_fitd;
    fe.sum.n_grad = 2;
    fe.sum.ctx = &fe;
    *evals += 2u;
    if (!isfinite(cva__llsum_run(&fe.sum, start, ds)) || !(ds[1] > 0.0) || !isfinite(ds[0] / ds[1]))
        return 0;
    /* the start's c: the Newton step from the plain maximum (c = 0 up to rounding there)
       when it stays within half of the way to the range's ends; else (the fit is likely to
       run to an end, where the search's first steps in ln v should be long) c = 0 */
    c1 = lo + (hi - lo) * (start[4] / (1.0 + start[4])) + ds[0] / ds[1];
    if (!(c1 <= 0.5 * hi && c1 >= 0.5 * lo))
        v1 = start[4];
    else if (!cva__pnbdcor_v_of_c(start, c1, &v1))
        return 0;
    /* the point as the driver forms it (phi_to_p of ln start) */
    for (i = 0; i < 5; i++) {
        phi[i] = log(i < 4 ? start[i] : v1);
        p[i] = exp(phi[i]);
    }
    fe.m = &cva__model_pnbdcor_fithv;
    fe.sum.n_grad = 10;
    ll = cva__llsum_run(&fe.sum, p, out);
    if (!isfinite(ll))
        return 0;
    for (i = 0; i < 10; i++)
        if (!isfinite(out[i]))
            return 0;
    /* its value and gradient: those of an evaluation of the fitting parametrisation */
    memcpy(fd->memo_p, p, sizeof p);
    memcpy(fd->memo_g, out, 5 * sizeof out[0]);
    memcpy(fd->memo_hv, out + 5, 5 * sizeof out[0]);
    fd->memo_ll = ll;
    fd->memo_n = 5;
    /* the objective f = −LL/W + penalty Σ p², in φ: f_φiφ5 = −LL_{p_i v} p_i v / W,
       f_φ5φ5 = −(LL_vv v² + LL_v v)/W + 4 penalty v² */
    for (i = 0; i < 4; i++) {
        for (j = 0; j < 4; j++)
            B[i * 5 + j] = B4[i * 4 + j];
        B[i * 5 + 4] = B[4 * 5 + i] = -out[5 + i] * p[i] * p[4] * iw;
    }
    B[24] = -(out[9] * p[4] * p[4] + out[4] * p[4]) * iw + 4.0 * o->penalty * p[4] * p[4];
    if (!(B[24] > 0.0))
        B[24] = fabs(B[24]);
    else if (cva__spd_inverse(B, 5, h0)) {
        start[4] = v1;
        return 1;
    }
    for (i = 0; i < 4; i++)
        B[i * 5 + 4] = B[4 * 5 + i] = 0.0;
    if (!cva__spd_inverse(B, 5, h0))
        return 0;
    start[4] = v1;
    return 1;
}

cva_status cva_model_fit_btyd(int32_t model, const double *x, const double *t_x, const double *T,
                              const double *weight, size_t n, const cva_fit_opts *opts, cva_model_fit *fit,
                              cva_diag *diag)
{
    /* the correlated Pareto/NBD fits in its own parametrisation (pnbdcor.c) */
    const cva__btyd_model *m = model == CVA_MODEL_PNBDCOR ? &cva__model_pnbdcor_fit : btyd_table(model);
    cva_fit_opts o;
    cva_model_fit out;
    btyd_work wk;
    btyd_fit_data fd;
    cva__mle_problem pb;
    double s_T = 1.0, W = 0.0, tmax_all = 0.0, start[CVA__MAX_PARAMS], h0[25];
    uint64_t iters = 0, warm_it = 0, warm_ev = 0;
    cva_status st;
    int i, any_time = 0, scanned = 0;
    size_t k;

    if (!fit)
        return cva__report(diag, CVA_E_NULLPTR, 8, 0, -1, 0, "fit is NULL");
    if (!cva__fit_size_ok(fit))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 8, 0, -1, 0, "fit: call cva_model_fit_init first");
    if (!m || !m->ll)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "model is not a BTYD model with a likelihood");
    if (m->n_params > 4 && fit->struct_size != sizeof(cva_model_fit))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 8, 0, -1, 0,
                           "fit: a five-parameter model needs the whole cva_model_fit (params5)");
    st = cva__fit_opts_get(opts, model == CVA_MODEL_PNBDCOR ? 4 : m->n_params, &o, diag, 7);
    if (st != CVA_OK)
        return st;
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 6, 0, -1, 0, NULL);
    if (!x || !t_x || !T)
        return cva__report(diag, CVA_E_NULLPTR, !x ? 2 : (!t_x ? 3 : 4), 0, -1, 0, "data array is NULL");
    if (!CVA__ROWS_FIT(n))
        return cva__report(diag, CVA_E_OVERFLOW, 6, 0, -1, 0, "n: the merged rows do not fit in size_t");
    if (n >= CVA__MERGE_PAR_MIN && model != CVA_MODEL_BGBB && cva__workers(o.executor) > 1 &&
        prescan(o.executor, x, t_x, T, weight, n, &tmax_all))
        scanned = 1; /* the checks below passed in tasks */
    else if (cva__np_count(x, t_x, T, n) > 0) {
        /* rows without a purchase: fit the others (exactly as if they were alone) */
        const double *in[4];
        cva__np_split sp;
        cva_diag loc;
        in[0] = x;
        in[1] = t_x;
        in[2] = T;
        in[3] = weight;
        if (cva__np_compact(o.alloc, in, 4, 0, n, &sp) != CVA_OK)
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
        cva_diag_init(&loc, sizeof loc);
        st = cva_model_fit_btyd(model, sp.col[0], sp.col[1], sp.col[2], sp.col[3], sp.n_keep, opts, fit, &loc);
        if (st < 0 || st == CVA_OK || st == CVA_W_EMPTY)
            st = cva__np_relay(diag, &loc, st, &sp, 2, 5);
        else /* the fit's own warning; diag->count still says how many rows were skipped */
            st = cva__report(diag, st, loc.arg, loc.option, loc.index, sp.n_skip, loc.detail);
        cva__np_free(o.alloc, &sp);
        return st;
    }
    st = scanned ? CVA_OK : validate_rows(model, x, t_x, T, weight, n, diag, 2);
    if (st != CVA_OK)
        return st;

    for (i = 0; i < m->n_params; i++)
        any_time |= m->scale_time[i] != 0;
    if (any_time) {
        if (scanned)
            s_T = tmax_all;
        else
            for (k = 0; k < n; k++)
                if (T[k] > s_T || k == 0)
                    s_T = T[k];
        if (!(s_T > 0.0))
            s_T = 1.0;
    }
    st = build_rows(x, t_x, T, weight, n, o.merge_rows != 0, s_T, o.alloc, o.executor, &wk);
    if (st != CVA_OK)
        return cva__report(diag, st, 0, 0, -1, 0, NULL);
    {
        cva__ksum ws = {0.0, 0.0};
        for (k = 0; k < wk.n; k++)
            cva__ksum_add(&ws, wk.w ? wk.w[k] : 1.0);
        W = cva__ksum_value(&ws);
    }
    for (i = 0; i < m->n_params; i++)
        start[i] = o.start ? (m->scale_time[i] < 0 ? o.start[i] * s_T : o.start[i] / (m->scale_time[i] ? s_T : 1.0))
                           : m->start[i];
    if (model == CVA_MODEL_PNBDCOR) {
        double tmax = scanned && tmax_all > 1.0 ? tmax_all : 1.0; /* the largest T, at least 1 */
        for (k = 0; !scanned && k < n; k++)
            if (T[k] > tmax)
                tmax = T[k];
        if (cva__pnbdcor_start(o.start, tmax, start) != CVA_OK) {
            cva__free(o.alloc, wk.block);
            return cva__report(diag, CVA_E_OPTION, 7, CVA_OPT_FIT_START, 4, 0,
                               "the start correlation must lie strictly inside its admissible range at the "
                               "start r, alpha, s, beta");
        }
    }

    fd.m = m;
    fd.rows.x = wk.x;
    fd.rows.t_x = wk.txs;
    fd.rows.T = wk.Ts;
    fd.rows.w = wk.w;
    fd.rows.n = wk.n;
    fd.sum.ex = o.executor;
    fd.sum.n_tasks = (wk.n + CVA__LL_CHUNK - 1) / CVA__LL_CHUNK;
    fd.sum.n_grad = m->n_params;
    fd.sum.task = btyd_ll_task;
    fd.sum.ctx = &fd;
    fd.sum.res = NULL;
    fd.memo_n = 0;
    fd.pin_n = 0;
    fd.hv = 0;
    if (model == CVA_MODEL_PNBDCOR) { /* the same values, with the Hessian's last column */
        fd.m = &cva__model_pnbdcor_fithv;
        fd.sum.n_grad = 10;
        fd.hv = 1;
    }
    if (fd.sum.n_tasks > 1) {
        /* (the correlated start's evaluation, pnbdcor_h0(), returns 10 values a task) */
        const size_t stride = (size_t)(1 + (model == CVA_MODEL_PNBDCOR ? 10 : m->n_params));
        fd.sum.res = (double *)cva__alloc(o.alloc, fd.sum.n_tasks * stride * sizeof(double));
        if (!fd.sum.res) {
            cva__free(o.alloc, wk.block);
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
        }
    }
    memset(&pb, 0, sizeof pb);
    pb.n_params = m->n_params;
    pb.model = model;
    pb.scale_time = m->scale_time;
    pb.time_scale = s_T;
    pb.weight_total = W;
    pb.start = start;
    pb.ll = btyd_fit_ll;
    pb.data = &fd;
    if (fd.hv) {
        pb.hess_last = btyd_hess_last;
        pb.value_only = 1;
    }

    if (model == CVA_MODEL_PNBDCOR && !o.start) {
        /* from the plain Pareto/NBD's maximum at correlation 0 (the default start otherwise) */
        double warm[5], s5[5], def[5], hp[16];
        for (i = 0; i < 5; i++)
            def[i] = start[i];
        for (i = 0; i < 4; i++)
            warm[i] = start[i];
        warm[4] = 0.0;
        if (pnbdcor_warm_start(&fd, &o, W, warm, hp, &warm_it, &warm_ev) &&
            cva__pnbdcor_start(warm, 1.0, s5) == CVA_OK) {
            for (i = 0; i < 5; i++)
                start[i] = s5[i];
            if (pnbdcor_h0(&fd, &pb, &o, hp, start, h0, &warm_ev))
                pb.h0 = h0;
            else /* no first inverse Hessian: the default start */
                for (i = 0; i < 5; i++)
                    start[i] = def[i];
        }
        memset(&out, 0, sizeof out);
        st = cva__fit_mle(&pb, &o, &out, &iters);
        if (pb.h0 && (st == CVA_W_NOT_CONVERGED || (st < 0 && st != CVA_E_CANCELED))) {
            /* the warm start's curvature led the search astray (it stopped without passing the
               convergence test or a boundary rule): the fit from the default start, as without
               the warm start */
            warm_it += iters;
            warm_ev += out.evaluations;
            for (i = 0; i < 5; i++)
                start[i] = def[i];
            pb.h0 = NULL;
        } else {
            goto fitted;
        }
    }
    memset(&out, 0, sizeof out);
    st = cva__fit_mle(&pb, &o, &out, &iters);
fitted:
    iters += warm_it;
    out.iterations += warm_it;
    out.evaluations += warm_ev;
    if (st >= 0) {
        /* the log-likelihood in the caller's time unit (summed in the same chunks); with
           s_T = 1 the rows and parameters are those of the driver's value, which it is */
        if (!(s_T >= 1.0 && s_T <= 1.0)) {
            fd.rows.t_x = wk.tx;
            fd.rows.T = wk.T;
            fd.memo_n = 0;
            fd.pin_n = 0;
            out.log_likelihood = cva__llsum_run(&fd.sum, out.params5, NULL);
            if (!isfinite(out.log_likelihood))
                st = CVA_E_NOCONVERGE;
        }
    }
    if (st >= 0) {
        out.n_rows = wk.n;
        if (model == CVA_MODEL_PNBDCOR)
            cva__pnbdcor_finish(&out);
        cva__fit_store(fit, &out);
    }
    cva__free(o.alloc, fd.sum.res);
    cva__free(o.alloc, wk.block);
    if (st == CVA_E_NOCONVERGE)
        return cva__report(diag, st, 0, 0, -1, iters, "the objective is not finite at the start or at the estimate");
    if (st == CVA_E_CANCELED)
        return cva__report(diag, st, 0, 0, -1, iters, NULL);
    return cva__report(diag, st, 0, 0, -1, iters, NULL);
}

/* ------------------------------------------------------------ evaluation */

const cva__btyd_model *cva__btyd_table(int32_t model)
{
    return btyd_table(model);
}

cva_status cva__btyd_check(int32_t model, const double *params, const double *x, const double *t_x,
                           const double *T, size_t n, cva_diag *diag, int32_t arg_x)
{
    cva_status st = check_params(model, params, diag, 2);
    if (st != CVA_OK || n == 0)
        return st;
    return validate_rows(model, x, t_x, T, NULL, n, diag, arg_x);
}

static cva_status common_eval_checks(int32_t model, const cva__btyd_model **mp, const double *params,
                                     const double *x, const double *t_x, const double *T, size_t n,
                                     const void *out, int32_t arg_out, int32_t arg_x, int clean, cva_diag *diag)
{
    const cva__btyd_model *m = btyd_table(model);
    cva_status st;
    if (!m)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "unknown BTYD model");
    st = check_params(model, params, diag, 2);
    if (st != CVA_OK)
        return st;
    if (arg_out && (model == CVA_MODEL_PNBD || model == CVA_MODEL_PNBDCOR)) {
        /* Pareto/NBD predictions: beyond 1e30 a parameter is a degenerate limit of the
           model that its integrals no longer resolve (P(alive) at r = 1e50 came out 0.48
           instead of 0, at r = DBL_MAX NaN: a fuzz find); the other models compute
           their limits (tests/test_bgnbd.c, test_bgbb.c). Below DBL_MIN (subnormal)
           T/β overflows and the quadrature's range with it (P(alive) NaN at β =
           4.9e-324: a random-seed fuzz find) */
        int i, np = model == CVA_MODEL_PNBDCOR ? 4 : cva_model_n_params(model);
        for (i = 0; i < np; i++)
            if (!(params[i] <= CVA__PARAM_PRED_MAX && params[i] >= DBL_MIN))
                return cva__report(diag, CVA_E_DOMAIN, 2, 0, i, 0,
                                   "Pareto/NBD predictions need parameters between DBL_MIN (2.2e-308) and 1e30");
    }
    if (n > 0 && (!x || !t_x || !T))
        return cva__report(diag, CVA_E_NULLPTR, 0, 0, -1, 0, "data array is NULL");
    if (n > 0 && arg_out && !out)
        return cva__report(diag, CVA_E_NULLPTR, arg_out, 0, -1, 0, "output array is NULL");
    if (n > 0 && !clean) {
        st = validate_rows(model, x, t_x, T, NULL, n, diag, arg_x);
        if (st != CVA_OK)
            return st;
    }
    *mp = m;
    return CVA_OK;
}

/* ------------------------------------------------ prediction options, tasks */

static const cva_predict_opts predict_defaults = {
    .struct_size = sizeof(cva_predict_opts),
    .reserved = 0,
    .alloc = NULL,
    .executor = NULL,
};

cva_status cva_predict_opts_init_defaults(cva_predict_opts *opts, size_t struct_size)
{
    if (!opts)
        return CVA_E_NULLPTR;
    if (struct_size != sizeof(cva_predict_opts))
        return CVA_E_ABI_MISMATCH;
    *opts = predict_defaults;
    return CVA_OK;
}

static cva_status predict_opts_get(const cva_predict_opts *in, cva_predict_opts *out, cva_diag *diag,
                                   int32_t arg)
{
    *out = predict_defaults;
    if (in) {
        cva_status st = cva__copy_sized(out, sizeof *out, in, sizeof(cva_predict_opts));
        if (st != CVA_OK)
            return cva__report(diag, st, arg, 0, -1, 0,
                               "cva_predict_opts: use cva_predict_opts_init_defaults()");
    }
    return CVA_OK;
}

/*
 * The per-customer predictions as tasks: chunks of PRED_CHUNK customers (more when
 * n > PRED_CHUNK·PRED_MAX_TASKS), each evaluated by the model's own routine exactly as
 * the whole array would be (every value depends on its own row only), with the task
 * statuses combined in task order: the first error, else the largest warning. The
 * chunks are large because the models' per-call caches (P(alive) per (x, t_x, T), the
 * hypergeometric factors per (x, T)) start empty in each; without an executor of two
 * or more workers the call is one pass over all rows, as before, with the same values.
 */
#define PRED_CHUNK ((size_t)1 << 17)
#define PRED_MAX_TASKS 1024

enum { PRED_P_ALIVE, PRED_EXPECTED, PRED_DERT, PRED_COND_PROB, PRED_COND_VAR, PRED_PNBD_BOTH };

typedef struct pred_job {
    int kind;
    int32_t model;
    const cva__btyd_model *m;
    const double *p;
    double s;  /* t_future, t or delta */
    double s2; /* PRED_PNBD_BOTH: t */
    const double *x, *t_x, *T;
    size_t n, n_k, chunk;
    double *out;
    double *out2; /* PRED_PNBD_BOTH: E[Y(t)] */
    const cva_allocator *alloc;
    cva_status st[PRED_MAX_TASKS];
} pred_job;

static void pred_task(void *arg, size_t k, unsigned worker)
{
    pred_job *j = (pred_job *)arg;
    const size_t lo = k * j->chunk, len = j->n - lo < j->chunk ? j->n - lo : j->chunk;
    const double *x = j->x + lo, *tx = j->t_x + lo, *T = j->T + lo;
    double *out = j->out + lo * (j->kind == PRED_COND_PROB ? j->n_k : 1);
    cva_status st = CVA_E_INTERNAL;
    (void)worker;
    switch (j->kind) {
    case PRED_P_ALIVE:
        st = j->m->p_alive(j->p, j->s, x, tx, T, len, out, j->alloc);
        break;
    case PRED_EXPECTED:
        st = j->m->expected(j->p, j->s, x, tx, T, len, out, j->alloc);
        break;
    case PRED_DERT:
        st = j->m->dert(j->p, j->s, x, tx, T, len, out, j->alloc);
        break;
    case PRED_COND_PROB:
        st = cva__cond_prob_n(j->model, j->p, j->s, x, tx, T, len, j->n_k, out, j->alloc);
        break;
    case PRED_COND_VAR:
        st = cva__cond_variance(j->model, j->p, j->s, x, tx, T, len, out, j->alloc);
        break;
    case PRED_PNBD_BOTH:
        st = cva__pnbd_predict2(j->p, j->s, j->s2, x, tx, T, len, out, j->out2 + lo, j->alloc);
        break;
    default:
        break;
    }
    j->st[k] = st;
}

static cva_status pred_run2(int kind, int32_t model, const cva__btyd_model *m, const double *p, double s,
                            double s2, const double *x, const double *t_x, const double *T, size_t n, size_t n_k,
                            double *out, double *out2, const cva_predict_opts *o)
{
    pred_job j;
    cva_status st = CVA_OK;
    size_t k, n_tasks, n_out = n * (kind == PRED_COND_PROB ? n_k : 1);
    double *scratch = NULL;
    if (n == 0)
        return CVA_OK;
    /* Gamma/Gompertz/NBD's kernels can fail at a row (a numerical integral not finite)
       after the rows before it, or other chunks, were written, and so can Pareto/NBD's
       conditional distribution (an alive customer's posterior β + T beyond the domain at
       one (x, T), e.g. T = DBL_MAX): they write into a scratch copy that reaches out only
       on success (fuzz finds; the other kernels fail before writing, if at all) */
    if (model == CVA_MODEL_GGOMNBD || (kind == PRED_COND_PROB && model == CVA_MODEL_PNBD)) {
        scratch = (double *)cva__alloc(o->alloc, n_out * sizeof(double));
        if (!scratch)
            return CVA_E_NOMEM;
    }
    j.kind = kind;
    j.model = model;
    j.m = m;
    j.p = p;
    j.s = s;
    j.s2 = s2;
    j.out2 = out2;
    j.x = x;
    j.t_x = t_x;
    j.T = T;
    j.n = n;
    j.n_k = n_k;
    j.chunk = PRED_CHUNK;
    if (n / PRED_MAX_TASKS >= PRED_CHUNK)
        j.chunk = (n + PRED_MAX_TASKS - 1) / PRED_MAX_TASKS;
    if (cva__workers(o->executor) < 2)
        j.chunk = n; /* serial: one pass, the caches shared by every row */
    j.out = scratch ? scratch : out;
    j.alloc = o->alloc;
    n_tasks = (n + j.chunk - 1) / j.chunk;
    cva__parallel_for(o->executor, n_tasks, pred_task, &j);
    for (k = 0; k < n_tasks; k++) {
        if (j.st[k] < 0) {
            st = j.st[k];
            break;
        }
        if (j.st[k] > st)
            st = j.st[k];
    }
    if (scratch) {
        if (st >= 0)
            memcpy(out, scratch, n_out * sizeof(double));
        cva__free(o->alloc, scratch);
    }
    return st;
}

static cva_status pred_run(int kind, int32_t model, const cva__btyd_model *m, const double *p, double s,
                           const double *x, const double *t_x, const double *T, size_t n, size_t n_k, double *out,
                           const cva_predict_opts *o)
{
    return pred_run2(kind, model, m, p, s, 0.0, x, t_x, T, n, n_k, out, NULL, o);
}

typedef cva_status (*np_eval_fn)(int32_t model, const double *params, double s, const double *x,
                                 const double *t_x, const double *T, size_t n, double *out,
                                 const cva_predict_opts *opts, cva_diag *diag);

/* rows some of which are without a purchase: the others compacted into *sp with n_out
   outputs of sp->n_keep rows each, and *loc made ready for the call on them */
static cva_status np_begin(const cva_predict_opts *o, const double *x, const double *t_x, const double *T, size_t n,
                           int n_out, cva__np_split *sp, cva_diag *loc, cva_diag *diag)
{
    const double *in[3];
    in[0] = x;
    in[1] = t_x;
    in[2] = T;
    if (cva__np_compact(o->alloc, in, 3, n_out, n, sp) != CVA_OK)
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    cva_diag_init(loc, sizeof *loc);
    return CVA_OK;
}

/* ... and the end of that call (status st, diagnostic *loc): on success its outputs
   scattered to out (and out2, unless NULL), its diagnostic relayed with x, t_x and T at
   the arguments arg_x to arg_x + 2, the split freed */
static cva_status np_end(const cva_predict_opts *o, cva__np_split *sp, cva_status st, const cva_diag *loc,
                         double *out, double *out2, size_t n, int32_t arg_x, cva_diag *diag)
{
    if (st >= 0) {
        cva__np_scatter(sp, sp->out, out, n);
        if (out2)
            cva__np_scatter(sp, sp->out + sp->n_keep, out2, n);
    }
    st = cva__np_relay(diag, loc, st, sp, arg_x, arg_x + 2);
    cva__np_free(o->alloc, sp);
    return st;
}

/* p_alive / expected / dert on rows some of which are without a purchase */
static cva_status np_eval(np_eval_fn f, int32_t model, const double *params, double s, const double *x,
                          const double *t_x, const double *T, size_t n, double *out, const cva_predict_opts *o,
                          cva_diag *diag)
{
    cva__np_split sp;
    cva_diag loc;
    cva_status st = np_begin(o, x, t_x, T, n, 1, &sp, &loc, diag);
    if (st != CVA_OK)
        return st;
    st = f(model, params, s, sp.col[0], sp.col[1], sp.col[2], sp.n_keep, sp.out, o, &loc);
    return np_end(o, &sp, st, &loc, out, NULL, n, 4, diag);
}

/*
 * The start of cva_model_p_alive() (which = 0), cva_model_expected() (which = 1) and
 * predict_pnbd(): the options (argument opt_arg) into *o, the horizon s (argument 3,
 * t_future or t) finite and >= 0, *clean = rows_clean() (0 without out or rows), and *np
 * = 1 when some rows are without a purchase (np_begin()'s way) and not all valid.
 */
static cva_status predict_prelude(int32_t model, const cva_predict_opts *opts, int32_t opt_arg, double s, int which,
                                  const double *x, const double *t_x, const double *T, size_t n, const double *out,
                                  cva_predict_opts *o, int *clean, int *np, cva_diag *diag)
{
    cva_status st = predict_opts_get(opts, o, diag, opt_arg);
    if (st != CVA_OK)
        return st;
    if (isnan(s))
        return cva__report(diag, CVA_E_NONFINITE, 3, 0, -1, 0, which ? "t is NaN" : "t_future is NaN");
    if (!(s >= 0.0) || !isfinite(s))
        return cva__report(diag, CVA_E_BADARG, 3, 0, -1, 0,
                           which ? "t must be finite and >= 0" : "t_future must be finite and >= 0");
    *clean = out && n > 0 && rows_clean(model, x, t_x, T, n);
    *np = out && n > 0 && !*clean && cva__np_count(x, t_x, T, n) > 0;
    return CVA_OK;
}

static cva_status finish(cva_diag *diag, cva_status st, size_t n)
{
    if (st == CVA_OK && n == 0)
        st = CVA_W_EMPTY;
    return cva__report(diag, st, 0, 0, -1, 0, NULL);
}

cva_status cva_model_loglik(int32_t model, const double *params, const double *x, const double *t_x,
                            const double *T, size_t n, double *ll, double *ll_sum, double *grad, cva_diag *diag)
{
    const cva__btyd_model *m = NULL;
    cva__btyd_rows rows;
    double g[CVA__MAX_PARAMS], s;
    int i;
    cva_status st;
    if (n > 0 && cva__np_count(x, t_x, T, n) > 0) {
        const double *in[3];
        cva__np_split sp;
        cva_diag loc;
        in[0] = x;
        in[1] = t_x;
        in[2] = T;
        if (cva__np_compact(NULL, in, 3, 1, n, &sp) != CVA_OK)
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
        cva_diag_init(&loc, sizeof loc);
        st = cva_model_loglik(model, params, sp.col[0], sp.col[1], sp.col[2], sp.n_keep, ll ? sp.out : NULL,
                              ll_sum, grad, &loc);
        if (st >= 0 && ll)
            cva__np_scatter(&sp, sp.out, ll, n);
        st = cva__np_relay(diag, &loc, st, &sp, 3, 5);
        cva__np_free(NULL, &sp);
        return st;
    }
    st = common_eval_checks(model, &m, params, x, t_x, T, n, NULL, 0, 3, 0, diag);
    if (st != CVA_OK)
        return st;
    if (!m->ll)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "model has no likelihood");
    rows.x = x;
    rows.t_x = t_x;
    rows.T = T;
    rows.w = NULL;
    rows.n = n;
    /* the sum first, the rows only once it is known to be finite: on CVA_E_DOMAIN
       nothing is written (a fuzz find: the rows were written before the error).
       The function has no allocator for a scratch copy, so the rows are a second
       pass of the same evaluation */
    s = n ? m->ll(params, &rows, grad ? g : NULL, NULL) : 0.0;
    if (!isfinite(s))
        return cva__report(diag, CVA_E_DOMAIN, 2, 0, -1, 0, "likelihood not finite at these parameters");
    if (ll && n)
        (void)m->ll(params, &rows, NULL, ll);
    if (ll_sum)
        *ll_sum = n ? s : CVA_NAN;
    if (grad)
        for (i = 0; i < m->n_params; i++)
            grad[i] = n ? g[i] : CVA_NAN;
    return finish(diag, CVA_OK, n);
}

/* cva_model_p_alive() (kind PRED_P_ALIVE, s = t_future) and cva_model_expected()
   (PRED_EXPECTED, s = t) */
static cva_status predict_one(int kind, int32_t model, const double *params, double s, const double *x,
                              const double *t_x, const double *T, size_t n, double *out,
                              const cva_predict_opts *opts, cva_diag *diag)
{
    const int which = kind == PRED_EXPECTED;
    const cva__btyd_model *m = NULL;
    cva_predict_opts o;
    int clean, np;
    cva_status st = predict_prelude(model, opts, 9, s, which, x, t_x, T, n, out, &o, &clean, &np, diag);
    if (st != CVA_OK)
        return st;
    if (np)
        return np_eval(which ? cva_model_expected : cva_model_p_alive, model, params, s, x, t_x, T, n, out, &o,
                       diag);
    st = common_eval_checks(model, &m, params, x, t_x, T, n, out, 8, 4, clean, diag);
    if (st != CVA_OK)
        return st;
    if (!(which ? m->expected : m->p_alive))
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "not available for this model");
    st = pred_run(kind, model, m, params, s, x, t_x, T, n, 0, out, &o);
    return finish(diag, st, n);
}

cva_status cva_model_p_alive(int32_t model, const double *params, double t_future, const double *x,
                             const double *t_x, const double *T, size_t n, double *out,
                             const cva_predict_opts *opts, cva_diag *diag)
{
    return predict_one(PRED_P_ALIVE, model, params, t_future, x, t_x, T, n, out, opts, diag);
}

cva_status cva_model_expected(int32_t model, const double *params, double t, const double *x,
                              const double *t_x, const double *T, size_t n, double *out,
                              const cva_predict_opts *opts, cva_diag *diag)
{
    return predict_one(PRED_EXPECTED, model, params, t, x, t_x, T, n, out, opts, diag);
}

/* ------------------------------------------------ P(alive) and E[Y] in one call */

/* an argument of cva_model_p_alive() (which = 0) or cva_model_expected() (which = 1)
   in the numbering of cva_model_predict() */
static int32_t predict_arg(int32_t arg, int which)
{
    if (arg == 3)
        return which ? 4 : 3; /* t_future / t */
    if (arg >= 4 && arg <= 7)
        return arg + 1; /* x, t_x, T, n */
    if (arg == 8)
        return which ? 10 : 9; /* the output */
    if (arg == 9)
        return 11; /* opts */
    return arg;
}

static cva_status predict_relay(cva_diag *diag, cva_status st, const cva_diag *loc, int which)
{
    return cva__report(diag, st, predict_arg(loc->arg, which), loc->option, loc->index, loc->count, loc->detail);
}

/* Pareto/NBD, both outputs, t > 0 and finite: cva_model_p_alive()'s steps with one
   evaluation for both outputs (cva__pnbd_predict2) */
static cva_status predict_pnbd(int32_t model, const double *params, double t_future, double t, const double *x,
                               const double *t_x, const double *T, size_t n, double *p_alive, double *ey,
                               const cva_predict_opts *opts, cva_diag *diag)
{
    const cva__btyd_model *m = NULL;
    cva_predict_opts o;
    int clean, np;
    cva_status st = predict_prelude(model, opts, 11, t_future, 0, x, t_x, T, n, p_alive, &o, &clean, &np, diag);
    if (st != CVA_OK)
        return st;
    if (np) {
        /* rows without a purchase: the others compacted, evaluated, scattered (np_eval) */
        cva__np_split sp;
        cva_diag loc;
        st = np_begin(&o, x, t_x, T, n, 2, &sp, &loc, diag);
        if (st != CVA_OK)
            return st;
        st = predict_pnbd(model, params, t_future, t, sp.col[0], sp.col[1], sp.col[2], sp.n_keep, sp.out,
                          sp.out + sp.n_keep, &o, &loc);
        return np_end(&o, &sp, st, &loc, p_alive, ey, n, 5, diag);
    }
    st = common_eval_checks(model, &m, params, x, t_x, T, n, p_alive, 9, 5, clean, diag);
    if (st != CVA_OK)
        return st;
    st = pred_run2(PRED_PNBD_BOTH, model, m, params, t_future, t, x, t_x, T, n, 0, p_alive, ey, &o);
    return finish(diag, st, n);
}

cva_status cva_model_predict(int32_t model, const double *params, double t_future, double t, const double *x,
                             const double *t_x, const double *T, size_t n, double *p_alive, double *expected,
                             const cva_predict_opts *opts, cva_diag *diag)
{
    cva_diag d1, d2;
    cva_status s1, s2;
    cva_diag_init(&d1, sizeof d1);
    cva_diag_init(&d2, sizeof d2);
    if (!expected) /* P(alive) only (both NULL: its NULL output is the error) */
        return predict_relay(diag, cva_model_p_alive(model, params, t_future, x, t_x, T, n, p_alive, opts, &d1),
                             &d1, 0);
    if (!p_alive)
        return predict_relay(diag, cva_model_expected(model, params, t, x, t_x, T, n, expected, opts, &d2),
                             &d2, 1);
    /* Pareto/NBD gains from one pass (one cache look-up and evaluation per row); every
       error of the two calls but those of t is one cva_model_p_alive() reports first */
    if (model == CVA_MODEL_PNBD && t > 0.0 && isfinite(t))
        return predict_pnbd(model, params, t_future, t, x, t_x, T, n, p_alive, expected, opts, diag);
    /* the other models: the two calls (their per-row work shares little) */
    s1 = cva_model_p_alive(model, params, t_future, x, t_x, T, n, p_alive, opts, &d1);
    if (s1 < 0)
        return predict_relay(diag, s1, &d1, 0);
    s2 = cva_model_expected(model, params, t, x, t_x, T, n, expected, opts, &d2);
    if (s2 < 0 || s2 > s1)
        return predict_relay(diag, s2, &d2, 1);
    return predict_relay(diag, s1, &d1, 0);
}

cva_status cva_model_expected_pop(int32_t model, const double *params, const double *t, size_t n, double *out,
                                  cva_diag *diag)
{
    const cva__btyd_model *m = btyd_table(model);
    cva_status st;
    size_t i;
    if (!m)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "unknown BTYD model");
    st = check_params(model, params, diag, 2);
    if (st != CVA_OK)
        return st;
    if (n > 0 && (!t || !out))
        return cva__report(diag, CVA_E_NULLPTR, !t ? 3 : 5, 0, -1, 0, NULL);
    for (i = 0; i < n; i++) {
        if (isnan(t[i]))
            return cva__report(diag, CVA_E_NONFINITE, 3, 0, (int64_t)i, 0, "t is NaN");
        if (!(t[i] >= 0.0) || !isfinite(t[i]))
            return cva__report(diag, CVA_E_BADARG, 3, 0, (int64_t)i, 0, "t must be finite and >= 0");
        if (model == CVA_MODEL_BGBB && !is_int(t[i]))
            return cva__report(diag, CVA_E_BADARG, 3, 0, (int64_t)i, 0, "BG/BB: t must be an integer");
    }
    if (!m->expected_pop)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "not available for this model");
    st = n ? m->expected_pop(params, t, n, out) : CVA_OK;
    return finish(diag, st, n);
}

cva_status cva_model_prob_n(int32_t model, const double *params, double t, size_t n_k, double *out,
                            cva_diag *diag)
{
    const cva__btyd_model *m = btyd_table(model);
    cva_status st;
    if (!m)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "unknown BTYD model");
    st = check_params(model, params, diag, 2);
    if (st != CVA_OK)
        return st;
    if (isnan(t))
        return cva__report(diag, CVA_E_NONFINITE, 3, 0, -1, 0, "t is NaN");
    if (!(t > 0.0) || !isfinite(t) || (model == CVA_MODEL_BGBB && !is_int(t)))
        return cva__report(diag, CVA_E_BADARG, 3, 0, -1, 0, "t must be finite and > 0");
    if (n_k > 0 && !out)
        return cva__report(diag, CVA_E_NULLPTR, 5, 0, -1, 0, NULL);
    if (!m->prob_n)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "not available for this model");
    st = n_k ? m->prob_n(params, t, n_k, out) : CVA_OK;
    return finish(diag, st, n_k);
}

cva_status cva_model_dert(int32_t model, const double *params, double delta, const double *x, const double *t_x,
                          const double *T, size_t n, double *out, const cva_predict_opts *opts, cva_diag *diag)
{
    const cva__btyd_model *m = NULL;
    cva_predict_opts o;
    int clean;
    cva_status st = predict_opts_get(opts, &o, diag, 9);
    if (st != CVA_OK)
        return st;
    if (isnan(delta))
        return cva__report(diag, CVA_E_NONFINITE, 3, 0, -1, 0, "delta is NaN");
    if (!(delta > 0.0) || !isfinite(delta))
        return cva__report(diag, CVA_E_BADARG, 3, 0, -1, 0, "delta must be finite and > 0");
    clean = out && n > 0 && rows_clean(model, x, t_x, T, n);
    if (out && n > 0 && !clean && cva__np_count(x, t_x, T, n) > 0)
        return np_eval(cva_model_dert, model, params, delta, x, t_x, T, n, out, &o, diag);
    st = common_eval_checks(model, &m, params, x, t_x, T, n, out, 8, 4, clean, diag);
    if (st != CVA_OK)
        return st;
    if (!m->dert)
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "DERT is not available for this model");
    st = pred_run(PRED_DERT, model, m, params, delta, x, t_x, T, n, 0, out, &o);
    return finish(diag, st, n);
}

/* BG/NBD, MBG/NBD, Pareto/NBD only: the conditional distribution and variance */
static int has_cond(int32_t model)
{
    return model == CVA_MODEL_BGNBD || model == CVA_MODEL_MBGNBD || model == CVA_MODEL_PNBD ||
           model == CVA_MODEL_NBD;
}

/* BG/CNBD-k and MBG/CNBD-k: the conditional distribution (cnbd.c), k in params[4] */
static int is_cnbd(int32_t model)
{
    return model == CVA_MODEL_BGCNBD || model == CVA_MODEL_MBGCNBD;
}

static cva_status check_horizon(double t, cva_diag *diag)
{
    if (isnan(t))
        return cva__report(diag, CVA_E_NONFINITE, 3, 0, -1, 0, "t is NaN");
    if (!(t >= 0.0) || !isfinite(t))
        return cva__report(diag, CVA_E_BADARG, 3, 0, -1, 0, "t must be finite and >= 0");
    return CVA_OK;
}

cva_status cva_model_cond_prob_n(int32_t model, const double *params, double t, const double *x,
                                 const double *t_x, const double *T, size_t n, size_t n_k, double *out,
                                 const cva_predict_opts *opts, cva_diag *diag)
{
    const cva__btyd_model *m = NULL;
    cva_predict_opts o;
    cva_status st = predict_opts_get(opts, &o, diag, 10);
    if (st != CVA_OK)
        return st;
    st = check_horizon(t, diag);
    if (st != CVA_OK)
        return st;
    if (n > 0 && n_k > 0 && n > SIZE_MAX / sizeof(double) / n_k)
        return cva__report(diag, CVA_E_BADARG, 8, 0, -1, 0, "n × n_k output values overflow");
    if (out && n > 0 && n_k > 0 && cva__np_count(x, t_x, T, n) > 0) {
        const double *in[3];
        cva__np_split sp;
        cva_diag loc;
        double *buf;
        size_t k, j;
        in[0] = x;
        in[1] = t_x;
        in[2] = T;
        if (n_k > (size_t)INT32_MAX - 8)
            return cva__report(diag, CVA_E_BADARG, 8, 0, -1, 0, "n_k too large");
        /* the n_keep × n_k compacted outputs are the n_k output columns of the split */
        if (cva__np_compact(o.alloc, in, 3, (int)n_k, n, &sp) != CVA_OK)
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
        buf = sp.out;
        cva_diag_init(&loc, sizeof loc);
        st = cva_model_cond_prob_n(model, params, t, sp.col[0], sp.col[1], sp.col[2], sp.n_keep, n_k, buf, &o,
                                   &loc);
        if (st >= 0) {
            for (k = 0; k < n * n_k; k++)
                out[k] = CVA_NAN;
            for (k = 0; k < sp.n_keep; k++)
                for (j = 0; j < n_k; j++)
                    out[sp.map[k] * n_k + j] = buf[k * n_k + j];
        }
        st = cva__np_relay(diag, &loc, st, &sp, 4, 6);
        cva__np_free(o.alloc, &sp);
        return st;
    }
    if (is_cnbd(model))
        st = cva__cnbd_cond_check(model, params, x, t_x, T, n, n_k ? out : params, 9, diag);
    else
        st = common_eval_checks(model, &m, params, x, t_x, T, n, n_k ? out : params, 9, 4, 0, diag);
    if (st != CVA_OK)
        return st;
    if (!has_cond(model) && !is_cnbd(model))
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0,
                           "the conditional distribution is available for BG/NBD, MBG/NBD, Pareto/NBD, NBD, "
                           "BG/CNBD-k and MBG/CNBD-k");
    st = n_k ? pred_run(PRED_COND_PROB, model, m, params, t, x, t_x, T, n, n_k, out, &o) : CVA_OK;
    if (st == CVA_E_NOMEM)
        return cva__report(diag, st, 0, 0, -1, 0, NULL);
    if (st < 0)
        return cva__report(diag, st, 2, 0, -1, 0, "not computable at these parameters");
    return finish(diag, st, n);
}

cva_status cva_model_cond_variance(int32_t model, const double *params, double t, const double *x,
                                   const double *t_x, const double *T, size_t n, double *out,
                                   const cva_predict_opts *opts, cva_diag *diag)
{
    const cva__btyd_model *m = NULL;
    cva_predict_opts o;
    int clean;
    cva_status st = predict_opts_get(opts, &o, diag, 9);
    if (st != CVA_OK)
        return st;
    st = check_horizon(t, diag);
    if (st != CVA_OK)
        return st;
    clean = out && n > 0 && rows_clean(model, x, t_x, T, n);
    if (out && n > 0 && !clean && cva__np_count(x, t_x, T, n) > 0)
        return np_eval(cva_model_cond_variance, model, params, t, x, t_x, T, n, out, &o, diag);
    st = common_eval_checks(model, &m, params, x, t_x, T, n, out, 8, 4, clean, diag);
    if (st != CVA_OK)
        return st;
    if (!has_cond(model))
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0,
                           "the conditional variance is available for BG/NBD, MBG/NBD, Pareto/NBD and NBD");
    st = pred_run(PRED_COND_VAR, model, m, params, t, x, t_x, T, n, 0, out, &o);
    if (st == CVA_E_NOMEM)
        return cva__report(diag, st, 0, 0, -1, 0, NULL);
    if (st < 0)
        return cva__report(diag, st, 2, 0, -1, 0, "not computable at these parameters");
    return finish(diag, st, n);
}
