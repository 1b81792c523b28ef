/*
 * libcva — time-invariant covariates for Pareto/NBD and BG/NBD (CLVTools' static covariates).
 *
 * The customers are grouped by covariate pattern; a group shares one set of individual
 * parameters p_g, so its likelihood, gradient and predictions are those of the model
 * without covariates (the per-model tables of churn_internal.h) at p_g. In log-parameters
 * θ_k = ln p_k, p_g,k = exp(θ_k + sgn_k η_proc(k),g) with η_life,g = γ_life'z_g and
 * η_trans,g = γ_trans'z_g, hence
 *   ∂LL/∂θ_k = Σ_g G_g,k p_g,k,   ∂LL/∂γ_proc,j = Σ_g z_g,j Σ_{k in proc} sgn_k G_g,k p_g,k
 * with G_g the natural-parameter gradient of the group's Σ w LL.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "churn_internal.h"
#include "cva/covariates.h"

#define COV_NTH (4 + 2 * CVA_COV_MAX)

/* ------------------------------------------------------------ init */

cva_status cva_cov_opts_init_defaults(cva_cov_opts *opts, size_t struct_size)
{
    if (!opts)
        return CVA_E_NULLPTR;
    if (struct_size != sizeof(cva_cov_opts))
        return CVA_E_ABI_MISMATCH;
    memset(opts, 0, sizeof *opts);
    opts->struct_size = (uint32_t)sizeof *opts;
    return CVA_OK;
}

cva_status cva_cov_fit_init(cva_cov_fit *fit, size_t struct_size)
{
    if (!fit)
        return CVA_E_NULLPTR;
    if (struct_size != sizeof(cva_cov_fit))
        return CVA_E_ABI_MISMATCH;
    memset(fit, 0, sizeof *fit);
    fit->struct_size = (uint32_t)sizeof *fit;
    return CVA_OK;
}

/* ------------------------------------------------------ model forms */

/* which process scales natural parameter k (0 none, 1 life, 2 trans) and the sign */
typedef struct cov_form {
    int proc[4];
    double sgn[4];
} cov_form;

static int cov_form_of(int32_t model, cov_form *f)
{
    static const cov_form pnbd = {{0, 2, 0, 1}, {0.0, -1.0, 0.0, -1.0}};
    static const cov_form bgnbd = {{0, 2, 1, 1}, {0.0, -1.0, 1.0, 1.0}};
    if (model == CVA_MODEL_PNBD)
        *f = pnbd;
    else if (model == CVA_MODEL_BGNBD)
        *f = bgnbd;
    else
        return 0;
    return 1;
}

/* p_g from natural params p and η (eta[1] life, eta[2] trans; eta[0] = 0) */
static void group_params(const cov_form *f, const double *p, const double *eta, double *pg)
{
    int k;
    for (k = 0; k < 4; k++)
        pg[k] = f->proc[k] ? p[k] * exp(f->sgn[k] * eta[f->proc[k]]) : p[k];
}

static void etas(const double *zg, int n_cov, const double *gl, const double *gt, double *eta)
{
    int j;
    eta[0] = 0.0;
    eta[1] = 0.0;
    eta[2] = 0.0;
    for (j = 0; j < n_cov; j++) {
        eta[1] += gl[j] * zg[j];
        eta[2] += gt[j] * zg[j];
    }
}

/* ---------------------------------------------------------- grouping */

typedef struct cov_groups {
    size_t n_keep, n_skip, n_groups;
    size_t *order;  /* n_keep row indices, group by group, ascending within a group */
    size_t *gstart; /* n_groups + 1 offsets into order */
    double *zg;     /* n_groups × n_cov patterns */
    size_t *skip;   /* n_skip rows without a purchase */
} cov_groups;

static uint64_t hash_row(const double *z, int n_cov)
{
    uint64_t h = 0x9E3779B97F4A7C15u;
    int j;
    for (j = 0; j < n_cov; j++) {
        double v = z[j] + 0.0; /* −0 → +0 */
        uint64_t u;
        memcpy(&u, &v, 8);
        h ^= u * 0xC2B2AE3D27D4EB4Fu;
        h ^= h >> 31;
        h *= 0xFF51AFD7ED558CCDu;
    }
    h ^= h >> 33;
    return h;
}

static int same_row(const double *a, const double *b, int n_cov)
{
    int j;
    for (j = 0; j < n_cov; j++)
        if (!(a[j] >= b[j] && a[j] <= b[j]))
            return 0;
    return 1;
}

static int np_row(double x, double tx, double T)
{
    return isnan(x) && isnan(tx) && isnan(T);
}

/* *buf (elem bytes an entry, used entries filled) with room for need entries: when *cap is
   smaller, a new buffer of at least twice *cap (at most max >= need) and the used entries
   copied. 0 when out of memory (*buf then unchanged). The set-up's arrays grow with what
   they hold instead of being sized by n: less memory asked of the allocator. */
static int grow_buf(const cva_allocator *al, void **buf, size_t *cap, size_t used, size_t need, size_t elem,
                    size_t max)
{
    size_t nc = *cap ? *cap : 16;
    void *nb;
    if (need <= *cap)
        return 1;
    while (nc < need)
        nc = nc > max / 2 ? max : 2 * nc;
    if (nc < need)
        nc = need;
    nb = cva__alloc(al, nc * elem);
    if (!nb)
        return 0;
    if (used)
        memcpy(nb, *buf, used * elem);
    cva__free(al, *buf);
    *buf = nb;
    *cap = nc;
    return 1;
}

static void groups_free(const cva_allocator *al, cov_groups *g)
{
    cva__free(al, g->order);
    cva__free(al, g->gstart);
    cva__free(al, g->zg);
    cva__free(al, g->skip);
    memset(g, 0, sizeof *g);
}

/* Group the rows with a purchase by z pattern (z finite: checked by the caller). */
static cva_status groups_build(const cva_allocator *al, const double *x, const double *tx, const double *T,
                               const double *z, int n_cov, size_t n, cov_groups *g)
{
    size_t cap = 64, mask, i, ng = 0, *table = NULL, *gid = NULL, *cnt = NULL, *rep = NULL, rcap = 0, scap = 0;
    cva_status st = CVA_E_NOMEM;
    memset(g, 0, sizeof *g);
    /* the table grows with the patterns (a few, usually): fresh memory costs more than the
       hashing, and a table sized by n would be 2n entries touched; so do the patterns' first
       rows (rep) and the rows without a purchase (skip) */
    mask = cap - 1;
    table = (size_t *)cva__alloc(al, cap * sizeof *table);
    gid = (size_t *)cva__alloc(al, (n ? n : 1) * sizeof *gid);
    g->order = (size_t *)cva__alloc(al, (n ? n : 1) * sizeof *g->order);
    if (!table || !gid || !g->order || !grow_buf(al, (void **)&rep, &rcap, 0, 1, sizeof *rep, n ? n : 1) ||
        !grow_buf(al, (void **)&g->skip, &scap, 0, 1, sizeof *g->skip, n ? n : 1))
        goto done;
    for (i = 0; i < cap; i++)
        table[i] = (size_t)-1;
    for (i = 0; i < n; i++) {
        const double *zi = z + i * (size_t)n_cov;
        size_t h;
        if (np_row(x[i], tx[i], T[i])) {
            if (!grow_buf(al, (void **)&g->skip, &scap, g->n_skip, g->n_skip + 1, sizeof *g->skip, n))
                goto done;
            g->skip[g->n_skip++] = i;
            gid[i] = (size_t)-1;
            continue;
        }
        g->n_keep++;
        h = (size_t)hash_row(zi, n_cov) & mask;
        for (;;) {
            size_t k = table[h];
            if (k == (size_t)-1) {
                if (!grow_buf(al, (void **)&rep, &rcap, ng, ng + 1, sizeof *rep, n))
                    goto done;
                table[h] = ng;
                rep[ng] = i;
                gid[i] = ng++;
                break;
            }
            if (same_row(z + rep[k] * (size_t)n_cov, zi, n_cov)) {
                gid[i] = k;
                break;
            }
            h = (h + 1) & mask;
        }
        if (2 * ng > cap) { /* load 1/2: double and re-insert the patterns */
            size_t u;
            cva__free(al, table);
            cap *= 2;
            mask = cap - 1;
            table = (size_t *)cva__alloc(al, cap * sizeof *table);
            if (!table)
                goto done;
            for (u = 0; u < cap; u++)
                table[u] = (size_t)-1;
            for (u = 0; u < ng; u++) {
                size_t h2 = (size_t)hash_row(z + rep[u] * (size_t)n_cov, n_cov) & mask;
                while (table[h2] != (size_t)-1)
                    h2 = (h2 + 1) & mask;
                table[h2] = u;
            }
        }
    }
    g->n_groups = ng;
    g->gstart = (size_t *)cva__alloc(al, (ng + 1) * sizeof *g->gstart);
    g->zg = (double *)cva__alloc(al, (ng ? ng : 1) * (size_t)n_cov * sizeof *g->zg);
    cnt = (size_t *)cva__alloc(al, (ng + 1) * sizeof *cnt);
    if (!g->gstart || !g->zg || !cnt)
        goto done;
    memset(cnt, 0, (ng + 1) * sizeof *cnt);
    for (i = 0; i < n; i++)
        if (gid[i] != (size_t)-1)
            cnt[gid[i] + 1]++;
    for (i = 0; i < ng; i++)
        cnt[i + 1] += cnt[i];
    memcpy(g->gstart, cnt, (ng + 1) * sizeof *cnt);
    for (i = 0; i < n; i++)
        if (gid[i] != (size_t)-1)
            g->order[cnt[gid[i]]++] = i;
    for (i = 0; i < ng; i++) {
        int j;
        for (j = 0; j < n_cov; j++)
            g->zg[i * (size_t)n_cov + (size_t)j] = z[rep[i] * (size_t)n_cov + (size_t)j] + 0.0;
    }
    st = CVA_OK;
done:
    cva__free(al, table);
    cva__free(al, gid);
    cva__free(al, rep);
    cva__free(al, cnt);
    if (st != CVA_OK)
        groups_free(al, g);
    return st;
}

/* z finite in the rows with a purchase; returns CVA_OK or reports the first bad row */
static cva_status check_z(const double *x, const double *tx, const double *T, const double *z, int n_cov,
                          size_t n, cva_diag *diag, int32_t arg)
{
    size_t i;
    for (i = 0; i < n; i++) {
        int j;
        if (np_row(x[i], tx[i], T[i]))
            continue;
        for (j = 0; j < n_cov; j++)
            if (!isfinite(z[i * (size_t)n_cov + (size_t)j]))
                return cva__report(diag, CVA_E_NONFINITE, arg, 0, (int64_t)i, 0, "covariate is not finite");
    }
    return CVA_OK;
}

/* the model's row checks on the rows with a purchase (diag->index = caller's row) */
static cva_status check_rows(int32_t model, const double *p, const double *x, const double *tx, const double *T,
                             size_t n, size_t n_skip, cva_diag *diag, int32_t arg_x)
{
    size_t i;
    cva_status st;
    if (n_skip == 0)
        return cva__btyd_check(model, p, x, tx, T, n, diag, arg_x);
    for (i = 0; i < n; i++) {
        if (np_row(x[i], tx[i], T[i]))
            continue;
        st = cva__btyd_check(model, p, x + i, tx + i, T + i, 1, diag, arg_x);
        if (st != CVA_OK) {
            if (diag && diag->struct_size == sizeof(cva_diag) && diag->index >= 0)
                diag->index = (int64_t)i;
            return st;
        }
    }
    return CVA_OK;
}

/* ------------------------------------------------------- spec checks */

typedef struct cov_spec {
    int n_cov, n_free;
    int life[CVA_COV_MAX], trans[CVA_COV_MAX], con[CVA_COV_MAX];
    int il[CVA_COV_MAX], it[CVA_COV_MAX]; /* θ index of each coefficient, −1: absent */
    double lam_l, lam_t;
} cov_spec;

static cva_status spec_from_opts(const cva_cov_opts *c, cov_spec *s, cva_diag *diag, int32_t arg)
{
    int j, k = 4;
    if (!c)
        return cva__report(diag, CVA_E_NULLPTR, arg, 0, -1, 0, "covariate options are NULL");
    if (c->struct_size != sizeof(cva_cov_opts))
        return cva__report(diag, CVA_E_ABI_MISMATCH, arg, 0, -1, 0, "cva_cov_opts: call cva_cov_opts_init_defaults");
    if (c->n_cov < 1 || c->n_cov > CVA_COV_MAX)
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_COV_N, -1, 0, "n_cov must be 1..CVA_COV_MAX");
    if (!(c->lambda_life >= 0.0) || !(c->lambda_trans >= 0.0) || !isfinite(c->lambda_life) ||
        !isfinite(c->lambda_trans))
        return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_COV_LAMBDA, -1, 0, "lambdas must be finite and >= 0");
    memset(s, 0, sizeof *s);
    s->n_cov = c->n_cov;
    s->lam_l = c->lambda_life;
    s->lam_t = c->lambda_trans;
    for (j = 0; j < c->n_cov; j++) {
        s->life[j] = c->life ? c->life[j] : 1;
        s->trans[j] = c->trans ? c->trans[j] : 1;
        s->con[j] = c->constrain ? c->constrain[j] : 0;
        if ((s->life[j] != 0 && s->life[j] != 1) || (s->trans[j] != 0 && s->trans[j] != 1))
            return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_COV_PROCESS, j, 0, "life/trans flags must be 0 or 1");
        if (!s->life[j] && !s->trans[j])
            return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_COV_PROCESS, j, 0,
                               "a covariate column enters neither process");
        if (s->con[j] != 0 && (s->con[j] != 1 || !s->life[j] || !s->trans[j]))
            return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_COV_CONSTRAIN, j, 0,
                               "a constrained covariate must enter both processes");
        if ((c->start_life && !isfinite(c->start_life[j])) || (c->start_trans && !isfinite(c->start_trans[j])))
            return cva__report(diag, CVA_E_OPTION, arg, CVA_OPT_COV_START, j, 0, "start is not finite");
    }
    for (j = 0; j < s->n_cov; j++)
        s->il[j] = s->life[j] ? k++ : -1;
    for (j = 0; j < s->n_cov; j++)
        s->it[j] = !s->trans[j] ? -1 : (s->con[j] ? s->il[j] : k++);
    s->n_free = k - 4;
    return CVA_OK;
}

static cva_status check_cfit(const cva_cov_fit *f, cov_form *form, cva_diag *diag, int32_t arg)
{
    int j;
    if (!f)
        return cva__report(diag, CVA_E_NULLPTR, arg, 0, -1, 0, "cfit is NULL");
    if (f->struct_size != sizeof(cva_cov_fit))
        return cva__report(diag, CVA_E_ABI_MISMATCH, arg, 0, -1, 0, "cva_cov_fit: call cva_cov_fit_init");
    if (!cov_form_of(f->model, form))
        return cva__report(diag, CVA_E_BADARG, arg, 0, -1, 0, "cfit->model must be Pareto/NBD or BG/NBD");
    if (f->n_cov < 1 || f->n_cov > CVA_COV_MAX)
        return cva__report(diag, CVA_E_BADARG, arg, 0, -1, 0, "cfit->n_cov must be 1..CVA_COV_MAX");
    for (j = 0; j < f->n_cov; j++)
        if (!isfinite(f->gamma_life[j]) || !isfinite(f->gamma_trans[j]))
            return cva__report(diag, CVA_E_BADARG, arg, 0, j, 0, "coefficient is not finite");
    return CVA_OK;
}

/* ---------------------------------------------------------------- fit */

#define COV_TASK CVA__LL_CHUNK /* merged rows per task */

typedef struct cov_fit_ctx {
    const cva__btyd_model *m;
    cov_form form;
    cov_spec spec;
    size_t n_groups;
    const size_t *rstart; /* n_groups + 1 offsets into the merged rows */
    const double *zg;
    const double *x, *txs, *Ts, *w;
    double inv_w;
    /* the sums in fixed tasks of COV_TASK merged rows (chosen from the input only), run on
       ex and combined in task order: the same bits for every executor (cov_tasks()) */
    const cva_executor *ex;
    size_t n_rows, n_tasks, stride;
    double *res; /* n_tasks × stride (1 + nth²) when n_tasks > 1 */
    /* The evaluation at the start, kept for the two that repeat it (the same bits, one pass
       each): the start's curvature (Pareto/NBD: forward differences, whose base point is the
       start: each group piece's gradient in u_g, gpiece) and cva__bfgs()'s first call
       (memo_th, memo_f, memo_g). A group piece: a group's rows within one task, numbered
       gi + task (increasing over the tasks' pieces, below n_groups + n_tasks). */
    double *gpiece;  /* (n_groups + n_tasks) × 4 when not NULL */
    int gpiece_put;  /* 1: obj_rows() stores the pieces' gradients; 2: hess_rows() takes them */
    int memo;        /* 1: memo_* hold the objective at memo_th */
    double memo_th[COV_NTH], memo_f, memo_g[COV_NTH];
    uint64_t memo_hits;
    /* psum, when not NULL: the start's evaluations (pool_start()), per group piece
       (n_groups + n_tasks pieces) and per evaluation e (0: the start, 1 + k: its forward step
       in u_k), Σ w LL then the four gradient sums in p, as m->ll() returns them */
    const double *psum;
} cov_fit_ctx;

#define COV_PS 25 /* psum values a piece: 5 evaluations × (LL, 4 gradient sums) */

/* A group piece's Σ w LL at evaluation e with its gradient in p into g: from psum when the
   start was evaluated on the pooled rows, else by m->ll() over the piece's rows */
static double piece_ll(const cov_fit_ctx *c, size_t piece, int e, const double *pg, const cva__btyd_rows *rows,
                       double *g)
{
    if (c->psum) {
        const double *v = c->psum + COV_PS * piece + 5 * e;
        g[0] = v[1];
        g[1] = v[2];
        g[2] = v[3];
        g[3] = v[4];
        return v[0];
    }
    return c->m->ll(pg, rows, g, NULL);
}

/* γ vectors from θ */
static void theta_gammas(const cov_spec *s, const double *th, double *gl, double *gt)
{
    int j;
    for (j = 0; j < s->n_cov; j++) {
        gl[j] = s->il[j] >= 0 ? th[s->il[j]] : 0.0;
        gt[j] = s->it[j] >= 0 ? th[s->it[j]] : 0.0;
    }
}

/* Covariate group gi: its linear predictors eta, its four parameters pg and its rows in the
   merged rows [lo, hi). */
static void group_setup(const cov_fit_ctx *c, size_t gi, const double *p, const double *gl, const double *gt,
                        size_t lo, size_t hi, double *eta, double *pg, cva__btyd_rows *rows)
{
    const cov_spec *s = &c->spec;
    const size_t a = c->rstart[gi] > lo ? c->rstart[gi] : lo, b = c->rstart[gi + 1] < hi ? c->rstart[gi + 1] : hi;
    etas(c->zg + gi * (size_t)s->n_cov, s->n_cov, gl, gt, eta);
    group_params(&c->form, p, eta, pg);
    rows->x = c->x + a;
    rows->t_x = c->txs + a;
    rows->T = c->Ts + a;
    rows->w = c->w + a;
    rows->n = b - a;
}

/* the group holding merged row lo (groups are not empty) */
static size_t group_of(const cov_fit_ctx *c, size_t lo)
{
    size_t a = 0, b = c->n_groups; /* rstart[a] <= lo < rstart[b] */
    while (b - a > 1) {
        const size_t m = a + (b - a) / 2;
        if (c->rstart[m] <= lo)
            a = m;
        else
            b = m;
    }
    return a;
}

/* Σ w LL over the merged rows [lo, hi) (NaN when a group's is not finite) and its gradient
   in θ added to gth */
static double obj_rows(const cov_fit_ctx *c, const double *p, const double *gl, const double *gt, size_t lo,
                       size_t hi, double *gth)
{
    const cov_spec *s = &c->spec;
    cva__ksum acc = {0.0, 0.0};
    const size_t task = lo / COV_TASK; /* 0 with one task (lo = 0) */
    size_t gi;
    int k, j;
    for (gi = group_of(c, lo); gi < c->n_groups && c->rstart[gi] < hi; gi++) {
        const double *zg = c->zg + gi * (size_t)s->n_cov;
        double eta[3], pg[4], gg[4], de[3] = {0.0, 0.0, 0.0}, ll;
        double *gp = c->gpiece_put == 1 ? c->gpiece + 4 * (gi + task) : NULL;
        cva__btyd_rows rows;
        group_setup(c, gi, p, gl, gt, lo, hi, eta, pg, &rows);
        ll = piece_ll(c, gi + task, 0, pg, &rows, gg);
        if (!isfinite(ll))
            return CVA_NAN;
        cva__ksum_add(&acc, ll);
        for (k = 0; k < 4; k++) {
            const double d = gg[k] * pg[k]; /* ∂LL_g/∂ ln p_g,k */
            gth[k] += d;
            de[c->form.proc[k]] += c->form.sgn[k] * d;
            if (gp)
                gp[k] = d;
        }
        for (j = 0; j < s->n_cov; j++) {
            if (s->il[j] >= 0)
                gth[s->il[j]] += de[1] * zg[j];
            if (s->it[j] >= 0)
                gth[s->it[j]] += de[2] * zg[j];
        }
    }
    return cva__ksum_value(&acc);
}

static double cov_tasks(const cov_fit_ctx *c, int what, int n_out, const double *p, const double *gl,
                        const double *gt, double *out);

static double cov_objective(void *vctx, const double *th, double *g)
{
    cov_fit_ctx *c = (cov_fit_ctx *)vctx;
    const cov_spec *s = &c->spec;
    const int nth = 4 + s->n_free;
    double p[4], gl[CVA_COV_MAX], gt[CVA_COV_MAX], gth[COV_NTH];
    int k, j;
    double f, ll;
    if (c->memo && !memcmp(th, c->memo_th, (size_t)nth * sizeof *th)) { /* the start again */
        c->memo = 0;
        c->memo_hits++;
        memcpy(g, c->memo_g, (size_t)nth * sizeof *g);
        return c->memo_f;
    }
    for (k = 0; k < nth; k++)
        if (!(th[k] < 700.0) || !(th[k] > -700.0))
            return CVA_NAN;
    for (k = 0; k < 4; k++)
        p[k] = exp(th[k]);
    theta_gammas(s, th, gl, gt);
    memset(gth, 0, sizeof gth);
    ll = cov_tasks(c, 0, nth, p, gl, gt, gth);
    if (!isfinite(ll))
        return CVA_NAN;
    f = -ll * c->inv_w;
    for (k = 0; k < nth; k++)
        g[k] = -gth[k] * c->inv_w;
    if (!isfinite(f))
        return CVA_NAN;
    for (j = 0; j < s->n_cov; j++) {
        if (s->con[j])
            continue; /* CLVTools regularises the free coefficients of each process only */
        if (s->il[j] >= 0) {
            f += s->lam_l * gl[j] * gl[j];
            g[s->il[j]] += 2.0 * s->lam_l * gl[j];
        }
        if (s->it[j] >= 0) {
            f += s->lam_t * gt[j] * gt[j];
            g[s->it[j]] += 2.0 * s->lam_t * gt[j];
        }
    }
    return f;
}

/*
 * Hessian of the objective from per-group 4 × 4 blocks. A group's log-likelihood depends on
 * (θ, γ) only through u_g = ln p_g, and u_g = A_g (θ, γ) is linear (u_g,k = θ_k + sgn_k η_g
 * with η_g = γ_proc(k)'z_g), so
 *   ∇²f = −(1/W) Σ_g A_g' H_g A_g + 2 diag(λ)
 * exactly, with H_g the Hessian of the group's Σ w LL in u. BG/NBD: H_g is analytic
 * (cva__bg_ll_hess(), one pass over the rows). Pareto/NBD: H_g comes from central differences
 * of the group's analytic gradient in each u_k (step 1e-5 (1 + |u_g,k|), as cva__hessian()),
 * its 8 points evaluated in one pass over the rows (cva__pnbd_ll_pts(), each point's sums the
 * bits of a pass of its own), instead of 2 (4 + coefficients) passes for differences in (θ, γ).
 * Returns 0 when an evaluation is not finite.
 */
static int cov_hessian(const cov_fit_ctx *c, const double *th, int central, double *H)
{
    const cov_spec *s = &c->spec;
    const int nth = 4 + s->n_free;
    double p[4], gl[CVA_COV_MAX], gt[CVA_COV_MAX];
    int k, j, i;
    for (k = 0; k < nth; k++)
        if (!(th[k] < 700.0) || !(th[k] > -700.0))
            return 0;
    for (k = 0; k < 4; k++)
        p[k] = exp(th[k]);
    theta_gammas(s, th, gl, gt);
    memset(H, 0, (size_t)(nth * nth) * sizeof *H);
    if (!(cov_tasks(c, 1 + central, nth * nth, p, gl, gt, H) > 0.0))
        return 0;
    for (j = 0; j < s->n_cov; j++) {
        if (s->con[j])
            continue;
        if (s->il[j] >= 0)
            H[s->il[j] * nth + s->il[j]] += 2.0 * s->lam_l;
        if (s->it[j] >= 0)
            H[s->it[j] * nth + s->it[j]] += 2.0 * s->lam_t;
    }
    for (i = 0; i < nth * nth; i++)
        if (!isfinite(H[i]))
            return 0;
    return 1;
}

/* The blocks' part −(1/W) Σ A_g' H_g A_g of the Hessian over the merged rows [lo, hi), added
   to H (nth × nth); 0 when an evaluation is not finite. */
static int hess_rows(const cov_fit_ctx *c, const double *p, const double *gl, const double *gt, int central,
                     size_t lo, size_t hi, double *H)
{
    const cov_spec *s = &c->spec;
    const int nth = 4 + s->n_free;
    size_t gi;
    int k, j, i, l;
    for (gi = group_of(c, lo); gi < c->n_groups && c->rstart[gi] < hi; gi++) {
        const double *zg = c->zg + gi * (size_t)s->n_cov;
        double eta[3], pg[4], u[4], hg[16], g0[4], hk[4], A[4 * COV_NTH], AtH[COV_NTH * 4];
        cva__btyd_rows rows;
        group_setup(c, gi, p, gl, gt, lo, hi, eta, pg, &rows);
        for (k = 0; k < 4; k++)
            u[k] = log(pg[k]);
        if (c->m->id == CVA_MODEL_BGNBD) {
            /* analytic: H_u = diag(p) H_p diag(p) + diag(p ∘ ∇_p), one pass over the rows */
            double hp[16], gp[4];
            if (!cva__bg_ll_hess(pg, &rows, 0, gp, hp))
                return 0;
            for (j = 0; j < 4; j++)
                for (k = 0; k < 4; k++)
                    hg[j * 4 + k] = pg[j] * pg[k] * hp[j * 4 + k] + (j == k ? pg[j] * gp[j] : 0.0);
        } else {
            if (!central && c->gpiece_put == 2) { /* kept from the objective at this point */
                for (j = 0; j < 4; j++)
                    g0[j] = c->gpiece[4 * (gi + lo / COV_TASK) + (size_t)j];
            } else if (!central) { /* the group's gradient in u at the point itself */
                if (!isfinite(c->m->ll(pg, &rows, g0, NULL)))
                    return 0;
                for (j = 0; j < 4; j++)
                    g0[j] *= pg[j];
            }
            if (central) {
                /* the eight points u ± h_k e_k in one pass over the rows (cva__pnbd_ll_pts():
                   each point's sums are the bits m->ll() gives there) */
                double P[8 * 4], l8[8], g8[8 * 4];
                for (k = 0; k < 4; k++) {
                    const double h = 1e-5 * (1.0 + fabs(u[k]));
                    volatile double uph = u[k] + h, umh = u[k] - h;
                    hk[k] = uph - umh; /* the step actually taken */
                    for (j = 0; j < 4; j++)
                        P[8 * k + j] = P[8 * k + 4 + j] = pg[j];
                    P[8 * k + k] = exp(uph);
                    P[8 * k + 4 + k] = exp(umh);
                }
                if (!cva__pnbd_ll_pts(P, 8, &rows, l8, g8))
                    return 0;
                for (k = 0; k < 8; k++)
                    if (!isfinite(l8[k]))
                        return 0;
                for (k = 0; k < 4; k++)
                    for (j = 0; j < 4; j++) /* ∂/∂u_j */
                        hg[j * 4 + k] = (g8[8 * k + j] * P[8 * k + j] - g8[8 * k + 4 + j] * P[8 * k + 4 + j]) / hk[k];
            }
            for (k = 0; k < 4 && !central; k++) { /* forward: u + h_k e_k against g0 */
                const double h = 1e-6 * (1.0 + fabs(u[k]));
                volatile double uph = u[k] + h, umh = u[k];
                const double h2 = uph - umh; /* the step actually taken */
                double pp[4], gp[4];
                for (j = 0; j < 4; j++)
                    pp[j] = pg[j];
                pp[k] = exp(uph);
                if (!isfinite(piece_ll(c, gi + lo / COV_TASK, 1 + k, pp, &rows, gp)))
                    return 0;
                for (j = 0; j < 4; j++)
                    gp[j] *= pp[j]; /* ∂/∂u_j */
                for (j = 0; j < 4; j++)
                    hg[j * 4 + k] = (gp[j] - g0[j]) / h2;
            }
            for (k = 0; k < 4; k++)
                for (j = k + 1; j < 4; j++)
                    hg[k * 4 + j] = hg[j * 4 + k] = 0.5 * (hg[k * 4 + j] + hg[j * 4 + k]);
        }
        /* A_g: ∂u_g,k/∂(θ, γ) */
        memset(A, 0, sizeof A);
        for (k = 0; k < 4; k++) {
            A[k * nth + k] = 1.0;
            for (j = 0; j < s->n_cov; j++) {
                if (c->form.proc[k] == 1 && s->il[j] >= 0)
                    A[k * nth + s->il[j]] += c->form.sgn[k] * zg[j];
                if (c->form.proc[k] == 2 && s->it[j] >= 0)
                    A[k * nth + s->it[j]] += c->form.sgn[k] * zg[j];
            }
        }
        for (i = 0; i < nth; i++)
            for (k = 0; k < 4; k++) {
                double v = 0.0;
                for (l = 0; l < 4; l++)
                    v += A[l * nth + i] * hg[l * 4 + k];
                AtH[i * 4 + k] = v;
            }
        for (i = 0; i < nth; i++)
            for (j = 0; j < nth; j++) {
                double v = 0.0;
                for (k = 0; k < 4; k++)
                    v += AtH[i * 4 + k] * A[k * nth + j];
                H[i * nth + j] -= v * c->inv_w;
            }
    }
    return 1;
}

/* ------------------------------------------------ the sums in tasks */

typedef struct cov_job {
    const cov_fit_ctx *c;
    const double *p, *gl, *gt;
    int what; /* 0 objective, 1 forward-difference blocks, 2 central */
    int n_out;
} cov_job;

static void cov_task(void *varg, size_t k, unsigned worker)
{
    const cov_job *j = (const cov_job *)varg;
    const cov_fit_ctx *c = j->c;
    double *r = c->res + k * c->stride; /* the task's value, then its sums */
    const size_t lo = k * COV_TASK, hi = c->n_rows - lo < COV_TASK ? c->n_rows : lo + COV_TASK;
    (void)worker;
    memset(r + 1, 0, (size_t)j->n_out * sizeof *r);
    if (j->what == 0)
        r[0] = obj_rows(c, j->p, j->gl, j->gt, lo, hi, r + 1);
    else
        r[0] = hess_rows(c, j->p, j->gl, j->gt, j->what - 1, lo, hi, r + 1) ? 1.0 : 0.0;
}

/* what 0: Σ w LL (NaN when not finite) with its gradient in θ added to out (nth values);
   1 / 2: the Hessian's block part (forward / central differences) added to out (nth²), 1.0
   when every evaluation was finite, else 0.0. One task: its rows' sums as they are; more:
   each task's from zero, combined in task order (values compensated, the sums plain). */
static double cov_tasks(const cov_fit_ctx *c, int what, int n_out, const double *p, const double *gl,
                        const double *gt, double *out)
{
    cov_job j;
    cva__ksum acc = {0.0, 0.0};
    size_t k;
    int i;
    if (c->n_tasks <= 1) {
        if (what == 0)
            return obj_rows(c, p, gl, gt, 0, c->n_rows, out);
        return hess_rows(c, p, gl, gt, what - 1, 0, c->n_rows, out) ? 1.0 : 0.0;
    }
    j.c = c;
    j.p = p;
    j.gl = gl;
    j.gt = gt;
    j.what = what;
    j.n_out = n_out;
    cva__parallel_for(c->ex, c->n_tasks, cov_task, &j);
    for (k = 0; k < c->n_tasks; k++) {
        const double v = c->res[k * c->stride];
        if (what == 0 ? !isfinite(v) : !(v > 0.0))
            return what == 0 ? CVA_NAN : 0.0;
        if (what == 0)
            cva__ksum_add(&acc, v);
    }
    for (i = 0; i < n_out; i++) {
        double v = out[i];
        for (k = 0; k < c->n_tasks; k++)
            v += c->res[k * c->stride + 1 + (size_t)i];
        out[i] = v;
    }
    return what == 0 ? cva__ksum_value(&acc) : 1.0;
}

/*
 * The covariance of the estimate in (θ, γ) into C: the inverse of the Hessian H (nth × nth);
 * when the fit stopped at an edge (edge: the coordinates that ran off), the inverse of H
 * restricted to the interior coordinates, with NaN in the rows and columns of those at the
 * edge. There the likelihood is flat or nearly (BG/NBD's a, b -> ∞ with a/(a+b) fixed, and
 * with them the lifetime coefficients, which then act through a + b only): the point where
 * the fit stopped is not an estimate with a standard error, H is singular or nearly so, and
 * the interior standard errors are conditional on the edge values. 0 when not positive
 * definite.
 */
static int se_inverse(const double *H, int nth, unsigned edge, double *C)
{
    double Hs[COV_NTH * COV_NTH], Cs[COV_NTH * COV_NTH];
    int idx[COV_NTH], m = 0, i, j;
    edge &= (1u << nth) - 1u; /* nth <= COV_NTH < 32 */
    if (!edge)
        return cva__spd_inverse(H, nth, C);
    for (i = 0; i < nth; i++)
        if (!((edge >> i) & 1u))
            idx[m++] = i;
    if (m == 0)
        return 0;
    for (i = 0; i < m; i++)
        for (j = 0; j < m; j++)
            Hs[i * m + j] = H[idx[i] * nth + idx[j]];
    if (!cva__spd_inverse(Hs, m, Cs))
        return 0;
    for (i = 0; i < nth * nth; i++)
        C[i] = CVA_NAN;
    for (i = 0; i < m; i++)
        for (j = 0; j < m; j++)
            C[idx[i] * nth + idx[j]] = Cs[i * m + j];
    return 1;
}

typedef struct fit_key {
    double x, tx, T, w;
} fit_key;

static int fit_key_cmp(const void *pa, const void *pb)
{
    const fit_key *a = (const fit_key *)pa, *b = (const fit_key *)pb;
    return cva__btyd_key_cmp(a->x, a->T, a->tx, b->x, b->T, b->tx);
}

/* a before b in (x, T, t_x) */
static int fit_key_less(const fit_key *a, const fit_key *b)
{
    return cva__btyd_key_cmp(a->x, a->T, a->tx, b->x, b->T, b->tx) < 0;
}

/* a[0..n) ascending by (x, T, t_x) (the keys are distinct: their sorted order is unique, as
   qsort() gives it), tmp: room for n keys. Runs of 16 by insertion, then merged bottom-up
   between a and tmp: the comparison inline, and no buffer of qsort()'s own (fresh memory per
   group) — a third of qsort()'s time on the fit's 2.6e5 distinct rows. */
static void fit_keys_sort(fit_key *a, size_t n, fit_key *tmp)
{
    fit_key *src = a, *dst = tmp, *t;
    size_t i, j, w;
    for (i = 0; i < n; i += 16) {
        const size_t e = n - i < 16 ? n : i + 16;
        for (j = i + 1; j < e; j++) {
            const fit_key v = a[j];
            size_t k = j;
            while (k > i && fit_key_less(&v, &a[k - 1])) {
                a[k] = a[k - 1];
                k--;
            }
            a[k] = v;
        }
    }
    for (w = 16; w < n; w *= 2) {
        for (i = 0; i < n; i += 2 * w) {
            const size_t m = n - i < w ? n : i + w, e = n - i < 2 * w ? n : i + 2 * w;
            size_t p = i, q = m, o = i;
            while (p < m && q < e)
                dst[o++] = fit_key_less(&src[q], &src[p]) ? src[q++] : src[p++];
            while (p < m)
                dst[o++] = src[p++];
            while (q < e)
                dst[o++] = src[q++];
        }
        t = src;
        src = dst;
        dst = t;
    }
    if (src != a)
        memcpy(a, src, n * sizeof *a);
}

static uint64_t hash_key(const fit_key *k)
{
    const double v[3] = {k->x, k->tx, k->T};
    return hash_row(v, 3);
}

/* *tab with at least cap entries (a fresh block when it has fewer), the first cap set to
   "empty"; 0 when out of memory (*tab freed) */
static int table_grow(const cva_allocator *al, size_t **tab, size_t *have, size_t cap)
{
    size_t i;
    if (*have < cap) {
        cva__free(al, *tab);
        *tab = (size_t *)cva__alloc(al, cap * sizeof **tab);
        *have = *tab ? cap : 0;
        if (!*tab)
            return 0;
    }
    for (i = 0; i < cap; i++)
        (*tab)[i] = (size_t)-1;
    return 1;
}

/* ------------------------------------------ the start on the pooled rows */

/*
 * At the start of a fit from coefficients 0 every group has the same parameters (η_g = 0),
 * and a row's likelihood and gradient depend on its (x, t_x, T) and those parameters only: the
 * groups' sums need each distinct (x, t_x, T) once, however many patterns hold it (1e6
 * customers in 6 patterns: 106,279 pooled rows for 258,605 merged ones). pool_start()
 * evaluates the pooled rows at the start and at its four forward steps (Pareto/NBD: the first
 * objective and the start's curvature, 5 passes) and sums each group piece's rows in their
 * order, as m->ll() does: w·LL compensated, w·∂LL plain. Every per-row value has the bits
 * m->ll() gives that row (cva__pnbd_ll_rows(): the same row evaluation), so the sums are
 * those of the per-group passes. 0 (nothing kept) when the groups' parameters differ, or the
 * rows barely pool.
 */
typedef struct pool_job {
    const double *pe;
    const double *x, *txs, *Ts;
    size_t n;
    double *ll, *g;
} pool_job;

static void pool_task(void *varg, size_t k, unsigned worker)
{
    const pool_job *j = (const pool_job *)varg;
    const size_t lo = k * COV_TASK, hi = j->n - lo < COV_TASK ? j->n : lo + COV_TASK;
    cva__btyd_rows r;
    (void)worker;
    r.x = j->x + lo;
    r.t_x = j->txs + lo;
    r.T = j->Ts + lo;
    r.w = NULL;
    r.n = hi - lo;
    (void)cva__pnbd_ll_rows(j->pe, &r, j->ll + lo, j->g + 4 * lo);
}

/* heap of group indices by their next row's (x, T, t_x) */
static int pool_less(const double *x, const double *tx, const double *T, const size_t *pos, size_t a, size_t b)
{
    const size_t i = pos[a], k = pos[b];
    const int c = cva__btyd_key_cmp(x[i], T[i], tx[i], x[k], T[k], tx[k]);
    return c < 0 || (c == 0 && a < b);
}

static void pool_down(const double *x, const double *tx, const double *T, const size_t *pos, size_t *hp, size_t m,
                      size_t i)
{
    for (;;) {
        size_t l = 2 * i + 1, b = i, t;
        if (l < m && pool_less(x, tx, T, pos, hp[l], hp[b]))
            b = l;
        if (l + 1 < m && pool_less(x, tx, T, pos, hp[l + 1], hp[b]))
            b = l + 1;
        if (b == i)
            return;
        t = hp[i];
        hp[i] = hp[b];
        hp[b] = t;
        i = b;
    }
}

static cva_status pool_start(cov_fit_ctx *c, const cva_allocator *al, const double *th, const double *mtx,
                             const double *mT, double **psum_out)
{
    const cov_spec *s = &c->spec;
    const size_t nd = c->n_rows, ng = c->n_groups, nt = c->n_tasks > 1 ? c->n_tasks : 1;
    double p[4], gl[CVA_COV_MAX], gt[CVA_COV_MAX], pg0[4], pe[5][4], *blk = NULL, *psum = NULL;
    size_t *pmap = NULL, *pos = NULL, *hp = NULL, gi, i, q = 0, m = 0, t;
    int k, e;
    *psum_out = NULL;
    if (ng < 2 || ng > 65536 || nd < 2 * COV_TASK)
        return CVA_OK;
    for (k = 0; k < 4; k++)
        p[k] = exp(th[k]);
    theta_gammas(s, th, gl, gt);
    for (gi = 0; gi < ng; gi++) {
        double eta[3], pg[4];
        etas(c->zg + gi * (size_t)s->n_cov, s->n_cov, gl, gt, eta);
        group_params(&c->form, p, eta, pg);
        if (gi == 0)
            memcpy(pg0, pg, sizeof pg);
        else if (memcmp(pg0, pg, sizeof pg) != 0)
            return CVA_OK; /* coefficients not 0 at the start */
    }
    for (e = 0; e < 5; e++) { /* the evaluation points (hess_rows()'s forward steps in u_k) */
        memcpy(pe[e], pg0, sizeof pg0);
        if (e > 0) {
            const double u = log(pg0[e - 1]), h = 1e-6 * (1.0 + fabs(u));
            volatile double uph = u + h;
            pe[e][e - 1] = exp(uph);
        }
        /* where m->ll() would not evaluate (pnbd.c's parameter check): the per-group passes */
        if (!(pe[e][0] > 0.0 && pe[e][1] > 0.0 && pe[e][2] > 0.0 && pe[e][3] > 0.0) ||
            !isfinite(pe[e][0] + pe[e][1] + pe[e][2] + pe[e][3]))
            return CVA_OK;
    }
    pmap = (size_t *)cva__alloc(al, nd * sizeof *pmap);
    pos = (size_t *)cva__alloc(al, 2 * ng * sizeof *pos);
    if (!pmap || !pos) {
        cva__free(al, pmap);
        cva__free(al, pos);
        return CVA_E_NOMEM;
    }
    hp = pos + ng;
    /* the groups' sorted runs merged: pmap[i] = the pooled row of merged row i */
    for (gi = 0; gi < ng; gi++) {
        pos[gi] = c->rstart[gi];
        if (c->rstart[gi] < c->rstart[gi + 1])
            hp[m++] = gi;
    }
    for (i = m; i-- > 0;)
        pool_down(c->x, mtx, mT, pos, hp, m, i);
    {
        size_t last = (size_t)-1;
        while (m > 0) {
            const size_t g = hp[0], r = pos[g];
            if (last == (size_t)-1 || cva__btyd_key_cmp(c->x[r], mT[r], mtx[r], c->x[last], mT[last], mtx[last]) != 0)
                q++;
            pmap[r] = q - 1;
            last = r;
            if (++pos[g] == c->rstart[g + 1])
                hp[0] = hp[--m];
            pool_down(c->x, mtx, mT, pos, hp, m, 0);
        }
    }
    cva__free(al, pos);
    if (4 * q > 3 * nd) { /* barely pools: the per-group passes */
        cva__free(al, pmap);
        return CVA_OK;
    }
    blk = (double *)cva__alloc(al, 8 * q * sizeof *blk);
    psum = (double *)cva__alloc(al, COV_PS * (ng + nt) * sizeof *psum);
    if (!blk || !psum) {
        cva__free(al, pmap);
        cva__free(al, blk);
        cva__free(al, psum);
        return CVA_E_NOMEM;
    }
    {
        double *px = blk, *ptx = blk + q, *pT = blk + 2 * q, *pll = blk + 3 * q, *pgr = blk + 4 * q;
        pool_job j;
        for (i = 0; i < nd; i++) {
            px[pmap[i]] = c->x[i];
            ptx[pmap[i]] = c->txs[i];
            pT[pmap[i]] = c->Ts[i];
        }
        j.x = px;
        j.txs = ptx;
        j.Ts = pT;
        j.n = q;
        j.ll = pll;
        j.g = pgr;
        for (e = 0; e < 5; e++) {
            j.pe = pe[e];
            cva__parallel_for(c->ex, (q + COV_TASK - 1) / COV_TASK, pool_task, &j);
            /* per piece (group gi within task t: numbered gi + t), in its rows' order */
            for (t = 0; t < nt; t++) {
                const size_t lo = nt > 1 ? t * COV_TASK : 0, hi = nt > 1 && nd - lo > COV_TASK ? lo + COV_TASK : nd;
                for (gi = group_of(c, lo); gi < ng && c->rstart[gi] < hi; gi++) {
                    const size_t a = c->rstart[gi] > lo ? c->rstart[gi] : lo;
                    const size_t b = c->rstart[gi + 1] < hi ? c->rstart[gi + 1] : hi;
                    double *v = psum + COV_PS * (gi + t) + 5 * e, g0 = 0.0, g1 = 0.0, g2 = 0.0, g3 = 0.0;
                    cva__ksum acc = {0.0, 0.0};
                    for (i = a; i < b; i++) {
                        const size_t r = pmap[i];
                        const double w = c->w[i], *d = pgr + 4 * r;
                        g0 += w * d[0];
                        g1 += w * d[1];
                        g2 += w * d[2];
                        g3 += w * d[3];
                        cva__ksum_add(&acc, w * pll[r]);
                    }
                    v[0] = cva__ksum_value(&acc);
                    v[1] = g0;
                    v[2] = g1;
                    v[3] = g2;
                    v[4] = g3;
                }
            }
        }
    }
    cva__free(al, pmap);
    cva__free(al, blk);
    *psum_out = psum;
    return CVA_OK;
}

/* ------------------------------------- the fit's merge of the rows, in tasks */

/*
 * The rows with a purchase merged by (pattern, x, t_x, T) on the executor, with the bits of
 * the serial merge (groups numbered by first appearance, each group's distinct (x, t_x, T)
 * sorted by (x, T, t_x), weights summed in row order) for any executor and schedule:
 *  1. per row chunk (a split fixed by n): each row's pattern among the chunk's patterns (at
 *     most CM_LOCAL of them, else step 2 is done serially) and its partition (64, by the top
 *     bits of a hash of its pattern and (x, t_x, T)), counted per (chunk, partition);
 *  2. on the calling thread, the chunks' patterns numbered in chunk order: the groups, in
 *     order of first appearance;
 *  3. per row chunk, the rows copied to their partition with their group (stable);
 *  4. per partition, identical rows collapsed with a small hash table in input order (all the
 *     rows of a distinct key lie in one partition: its weight is the serial sum) and the
 *     distinct rows sorted by (group, x, T, t_x);
 *  5. the 64 sorted runs merged pairwise in 6 rounds, the merges of a round in tasks.
 * The distinct rows are distinct keys, so the sorted order is unique.
 */
#define CM_BITS 6u
#define CM_P ((size_t)1 << CM_BITS)
#define CM_CHUNK_MIN ((size_t)4096)
#define CM_CHUNKS_MAX ((size_t)64)
#define CM_LOCAL 64u /* patterns a chunk may have for step 1 (table of 2 CM_LOCAL slots) */

typedef struct cm_rec {
    double x, tx, T, w;
    size_t g; /* group */
} cm_rec;

typedef struct cm_run {
    const cm_rec *a;
    size_t n;
} cm_run;

typedef struct cm_job {
    const double *x, *tx, *T, *w, *z;
    int n_cov;
    size_t n, chunk, nch;
    size_t *cnt;         /* nch × CM_P: rows per (chunk, partition), then where they go */
    unsigned char *part; /* n: partition of each row, CM_P: no purchase */
    unsigned char *lid;  /* n: the row's pattern among its chunk's */
    size_t *lpat;        /* nch × CM_LOCAL: a chunk's patterns (first rows), then their groups */
    unsigned *nloc;      /* nch: patterns of the chunk, CM_LOCAL + 1: too many */
    const size_t *grow;  /* NULL, or each row's group (found serially) */
    double *tmax;        /* nch: largest T of a chunk's rows with a purchase */
    size_t *nskip;       /* nch: rows without a purchase */
    size_t pstart[CM_P + 1], nd[CM_P];
    size_t *tab, tcap;   /* per worker: tcap slots (local index + 1, 0: empty) */
    cm_rec *rows;        /* n_keep: the rows by partition */
    /* merge rounds */
    cm_run *src;
    cm_rec *dst;
    size_t *doff;
    size_t nsrc;
} cm_job;

/* a hash of (x, t_x, T) on top of h */
static uint64_t mix_key(uint64_t h, double x, double tx, double T)
{
    const double v[3] = {x, tx, T};
    int j;
    for (j = 0; j < 3; j++) {
        uint64_t u;
        memcpy(&u, &v[j], 8);
        h ^= u * 0xC2B2AE3D27D4EB4Fu;
        h ^= h >> 31;
        h *= 0xFF51AFD7ED558CCDu;
    }
    h ^= h >> 33;
    return h;
}

static void cm_count_task(void *arg, size_t c, unsigned worker)
{
    cm_job *j = (cm_job *)arg;
    const int nc = j->n_cov;
    const size_t lo = c * j->chunk, hi = j->n - lo < j->chunk ? j->n : lo + j->chunk;
    size_t *cnt = j->cnt + c * CM_P, *lp = j->lpat + c * CM_LOCAL, i, ns = 0;
    unsigned char tab[2 * CM_LOCAL];
    unsigned nl = 0;
    double tm = -HUGE_VAL;
    (void)worker;
    memset(cnt, 0, CM_P * sizeof *cnt);
    memset(tab, 0, sizeof tab);
    for (i = lo; i < hi; i++) {
        const double *zi = j->z + i * (size_t)nc;
        uint64_t h;
        unsigned p;
        if (np_row(j->x[i], j->tx[i], j->T[i])) {
            j->part[i] = (unsigned char)CM_P;
            ns++;
            continue;
        }
        h = hash_row(zi, nc);
        if (nl <= CM_LOCAL) {
            unsigned t = (unsigned)h & (2 * CM_LOCAL - 1);
            for (;;) {
                const unsigned k = tab[t];
                if (k == 0) {
                    if (nl == CM_LOCAL) {
                        nl++; /* too many: the groups are found serially */
                        break;
                    }
                    lp[nl] = i;
                    tab[t] = (unsigned char)++nl;
                    j->lid[i] = (unsigned char)(nl - 1);
                    break;
                }
                if (same_row(j->z + lp[k - 1] * (size_t)nc, zi, nc)) {
                    j->lid[i] = (unsigned char)(k - 1);
                    break;
                }
                t = (t + 1) & (2 * CM_LOCAL - 1);
            }
        }
        p = (unsigned)(mix_key(h, j->x[i] + 0.0, j->tx[i] + 0.0, j->T[i] + 0.0) >> (64u - CM_BITS));
        j->part[i] = (unsigned char)p;
        cnt[p]++;
        if (j->T[i] > tm)
            tm = j->T[i];
    }
    j->nloc[c] = nl;
    j->tmax[c] = tm;
    j->nskip[c] = ns;
}

static void cm_scatter_task(void *arg, size_t c, unsigned worker)
{
    cm_job *j = (cm_job *)arg;
    const size_t lo = c * j->chunk, hi = j->n - lo < j->chunk ? j->n : lo + j->chunk;
    const size_t *gl = j->lpat + c * CM_LOCAL;
    size_t *pos = j->cnt + c * CM_P, i;
    (void)worker;
    for (i = lo; i < hi; i++) {
        const unsigned p = j->part[i];
        cm_rec *r;
        if (p == CM_P)
            continue;
        r = j->rows + pos[p]++;
        r->x = j->x[i] + 0.0;
        r->tx = j->tx[i] + 0.0;
        r->T = j->T[i] + 0.0;
        r->w = j->w ? j->w[i] : 1.0;
        r->g = j->grow ? j->grow[i] : gl[j->lid[i]];
    }
}

static int cm_cmp(const void *pa, const void *pb)
{
    const cm_rec *a = (const cm_rec *)pa, *b = (const cm_rec *)pb;
    if (a->g != b->g)
        return a->g < b->g ? -1 : 1;
    return cva__btyd_key_cmp(a->x, a->T, a->tx, b->x, b->T, b->tx);
}

static void cm_part_task(void *arg, size_t p, unsigned worker)
{
    cm_job *j = (cm_job *)arg;
    const size_t a = j->pstart[p], m = j->pstart[p + 1] - a;
    size_t *tab = j->tab + (size_t)worker * j->tcap, cap = 16, mask, q, e = 0;
    cm_rec *rw = j->rows + a;
    while (cap < 2 * m)
        cap <<= 1;
    mask = cap - 1;
    memset(tab, 0, cap * sizeof *tab);
    for (q = 0; q < m; q++) {
        const cm_rec r = rw[q];
        size_t h = (size_t)mix_key((uint64_t)r.g * 0x9E3779B97F4A7C15u, r.x, r.tx, r.T) & mask;
        for (;;) {
            const size_t k = tab[h];
            if (k == 0) {
                tab[h] = ++e;
                rw[e - 1] = r;
                break;
            }
            if (rw[k - 1].g == r.g && cva__btyd_key_cmp(rw[k - 1].x, rw[k - 1].T, rw[k - 1].tx, r.x, r.T, r.tx) == 0) {
                rw[k - 1].w += r.w;
                break;
            }
            h = (h + 1) & mask;
        }
    }
    j->nd[p] = e;
    qsort(rw, e, sizeof *rw, cm_cmp);
}

static void cm_merge_task(void *arg, size_t i, unsigned worker)
{
    cm_job *j = (cm_job *)arg;
    const cm_run *r = j->src + 2 * i;
    cm_rec *d = j->dst + j->doff[i];
    const cm_rec *a = r[0].a, *ae = a + r[0].n, *b, *be;
    (void)worker;
    if (2 * i + 1 >= j->nsrc) {
        memcpy(d, a, r[0].n * sizeof *d);
        return;
    }
    b = r[1].a;
    be = b + r[1].n;
    while (a < ae && b < be)
        *d++ = cm_cmp(b, a) < 0 ? *b++ : *a++;
    while (a < ae)
        *d++ = *a++;
    while (b < be)
        *d++ = *b++;
}

/* The merged rows of the fit: *recs (nd of them, sorted by group, then (x, T, t_x)), the
   groups' patterns in *zg (n_groups × n_cov), n_skip, the largest T, and a block of 6 nd
   doubles for the fit's columns. CVA_OK or CVA_E_NOMEM. *recs, *zg and *blk to be freed by
   the caller. */
static cva_status cm_merge(const cva_allocator *al, const cva_executor *ex, const double *x, const double *tx,
                           const double *T, const double *w, const double *z, int n_cov, size_t n, cm_rec **recs,
                           size_t *nd_out, double **zg_out, size_t *ng_out, size_t *nskip_out, double *tmax_out,
                           double **blk_out)
{
    const unsigned W = cva__workers(ex);
    cm_job j;
    cm_run runs[CM_P];
    size_t doff[CM_P / 2 + 1];
    size_t p, c, acc, mmax = 0, nkeep, ng = 0, gcap = 16, i, nd = 0, *gtab = NULL, *gfirst = NULL, *grow = NULL;
    cm_rec *tmp = NULL, *cur;
    double *zg = NULL, tm = -HUGE_VAL;
    cov_groups grp;
    int serial = 0;
    cva_status st = CVA_E_NOMEM;

    memset(&j, 0, sizeof j);
    memset(&grp, 0, sizeof grp);
    *recs = NULL;
    *zg_out = NULL;
    j.x = x;
    j.tx = tx;
    j.T = T;
    j.w = w;
    j.z = z;
    j.n_cov = n_cov;
    j.n = n;
    j.chunk = (n + CM_CHUNKS_MAX - 1) / CM_CHUNKS_MAX;
    if (j.chunk < CM_CHUNK_MIN)
        j.chunk = CM_CHUNK_MIN;
    j.nch = (n + j.chunk - 1) / j.chunk;
    j.cnt = (size_t *)cva__alloc(al, j.nch * CM_P * sizeof(size_t));
    j.part = (unsigned char *)cva__alloc(al, n);
    j.lid = (unsigned char *)cva__alloc(al, n);
    j.lpat = (size_t *)cva__alloc(al, j.nch * CM_LOCAL * sizeof(size_t));
    j.nloc = (unsigned *)cva__alloc(al, j.nch * sizeof(unsigned));
    j.tmax = (double *)cva__alloc(al, j.nch * sizeof(double));
    j.nskip = (size_t *)cva__alloc(al, j.nch * sizeof(size_t));
    if (!j.cnt || !j.part || !j.lid || !j.lpat || !j.nloc || !j.tmax || !j.nskip)
        goto out;
    cva__parallel_for(ex, j.nch, cm_count_task, &j);
    *nskip_out = 0;
    for (c = 0; c < j.nch; c++) {
        *nskip_out += j.nskip[c];
        tm = j.tmax[c] > tm ? j.tmax[c] : tm;
        serial |= j.nloc[c] > CM_LOCAL;
    }
    *tmax_out = tm;
    nkeep = n - *nskip_out;

    /* the groups: the chunks' patterns in chunk order (first appearance), or serially */
    if (serial) {
        st = groups_build(al, x, tx, T, z, n_cov, n, &grp);
        if (st != CVA_OK)
            goto out;
        st = CVA_E_NOMEM;
        ng = grp.n_groups;
        grow = (size_t *)cva__alloc(al, (n ? n : 1) * sizeof *grow);
        if (!grow)
            goto out;
        for (c = 0; c < ng; c++)
            for (i = grp.gstart[c]; i < grp.gstart[c + 1]; i++)
                grow[grp.order[i]] = c;
        j.grow = grow;
        zg = grp.zg;
        grp.zg = NULL;
    } else {
        size_t total = 0;
        for (c = 0; c < j.nch; c++)
            total += j.nloc[c];
        while (gcap < 2 * total)
            gcap <<= 1;
        gtab = (size_t *)cva__alloc(al, gcap * sizeof *gtab);
        gfirst = (size_t *)cva__alloc(al, (total ? total : 1) * sizeof *gfirst);
        if (!gtab || !gfirst)
            goto out;
        memset(gtab, 0, gcap * sizeof *gtab);
        for (c = 0; c < j.nch; c++) {
            size_t *lp = j.lpat + c * CM_LOCAL, u;
            for (u = 0; u < j.nloc[c]; u++) {
                const double *zr = z + lp[u] * (size_t)n_cov;
                size_t h = (size_t)hash_row(zr, n_cov) & (gcap - 1);
                for (;;) {
                    const size_t k = gtab[h];
                    if (k == 0) {
                        gfirst[ng] = lp[u];
                        gtab[h] = ++ng;
                        lp[u] = ng - 1;
                        break;
                    }
                    if (same_row(z + gfirst[k - 1] * (size_t)n_cov, zr, n_cov)) {
                        lp[u] = k - 1;
                        break;
                    }
                    h = (h + 1) & (gcap - 1);
                }
            }
        }
        zg = (double *)cva__alloc(al, (ng ? ng : 1) * (size_t)n_cov * sizeof *zg);
        if (!zg)
            goto out;
        for (i = 0; i < ng; i++) {
            int k;
            for (k = 0; k < n_cov; k++)
                zg[i * (size_t)n_cov + (size_t)k] = z[gfirst[i] * (size_t)n_cov + (size_t)k] + 0.0;
        }
    }

    for (acc = 0, p = 0; p < CM_P; p++) {
        j.pstart[p] = acc;
        for (c = 0; c < j.nch; c++) {
            const size_t v = j.cnt[c * CM_P + p];
            j.cnt[c * CM_P + p] = acc;
            acc += v;
        }
        if (acc - j.pstart[p] > mmax)
            mmax = acc - j.pstart[p];
    }
    j.pstart[CM_P] = acc;
    j.rows = (cm_rec *)cva__alloc(al, (nkeep ? nkeep : 1) * sizeof *j.rows);
    for (j.tcap = 16; j.tcap < 2 * mmax;)
        j.tcap <<= 1;
    j.tab = (size_t *)cva__alloc(al, (size_t)W * j.tcap * sizeof *j.tab);
    if (!j.rows || !j.tab)
        goto out;
    cva__parallel_for(ex, j.nch, cm_scatter_task, &j);
    cva__free(al, j.part);
    j.part = NULL;
    cva__free(al, j.lid);
    j.lid = NULL;
    cva__free(al, grow);
    grow = NULL;
    cva__parallel_for(ex, CM_P, cm_part_task, &j);
    cva__free(al, j.tab);
    j.tab = NULL;

    /* the sorted runs merged pairwise */
    for (p = 0; p < CM_P; p++) {
        runs[p].a = j.rows + j.pstart[p];
        runs[p].n = j.nd[p];
        nd += j.nd[p];
    }
    /* the fit's block of 6 nd doubles (>= nd records) as the rounds' second buffer */
    tmp = (cm_rec *)cva__alloc(al, 6 * (nd ? nd : 1) * sizeof(double));
    if (!tmp)
        goto out;
    j.src = runs;
    j.doff = doff;
    j.nsrc = CM_P;
    cur = j.rows;
    j.dst = tmp;
    while (j.nsrc > 1) {
        const size_t nm = (j.nsrc + 1) / 2;
        size_t off = 0, u;
        for (u = 0; u < nm; u++) {
            doff[u] = off;
            off += runs[2 * u].n + (2 * u + 1 < j.nsrc ? runs[2 * u + 1].n : 0);
        }
        cva__parallel_for(ex, nm, cm_merge_task, &j);
        for (u = 0; u < nm; u++) {
            runs[u].n = (u + 1 < nm ? doff[u + 1] : off) - doff[u];
            runs[u].a = j.dst + doff[u];
        }
        j.nsrc = nm;
        cur = j.dst;
        j.dst = cur == tmp ? j.rows : tmp;
    }
    if (cur != j.rows) /* the result in rows' room */
        memcpy(j.rows, cur, nd * sizeof *cur);
    *recs = j.rows;
    j.rows = NULL;
    *nd_out = nd;
    *zg_out = zg;
    zg = NULL;
    *ng_out = ng;
    *blk_out = (double *)(void *)tmp;
    tmp = NULL;
    st = CVA_OK;
out:
    cva__free(al, j.cnt);
    cva__free(al, j.part);
    cva__free(al, j.lid);
    cva__free(al, j.lpat);
    cva__free(al, j.nloc);
    cva__free(al, j.tmax);
    cva__free(al, j.nskip);
    cva__free(al, j.rows);
    cva__free(al, j.tab);
    cva__free(al, gtab);
    cva__free(al, gfirst);
    cva__free(al, grow);
    cva__free(al, tmp);
    cva__free(al, zg);
    groups_free(al, &grp);
    return st;
}

cva_status cva_cov_fit_btyd(int32_t model, const double *x, const double *t_x, const double *T, const double *z,
                            const double *weight, size_t n, const cva_cov_opts *copts, const cva_fit_opts *opts,
                            cva_model_fit *fit, cva_cov_fit *cfit, cva_diag *diag)
{
    const cva__btyd_model *m = cva__btyd_table(model);
    cov_fit_ctx ctx;
    cov_groups grp;
    cva_fit_opts o;
    cva_model_fit out;
    cva_cov_fit cout;
    cva__optim_opts oo;
    cva__optim_result res;
    cm_rec *recs = NULL;
    fit_key *keys = NULL, *ktmp = NULL;
    size_t *rstart = NULL, *htab = NULL, hcap = 0, i, gi, nd = 0, kcap = 0, ktcap = 0;
    double *blk = NULL, *mx, *mtx, *mT, *mw, *mtxs, *mTs, *psum = NULL;
    double th[COV_NTH], g0[COV_NTH], H[COV_NTH * COV_NTH], C[COV_NTH * COV_NTH];
    double s_T = 1.0, W = 0.0, f0, tmax = 0.0;
    int k, j, nth, hess_ok = 0, par;
    uint64_t n_start_evals = 0;
    cva_status st;
    cva__ksum ws = {0.0, 0.0};
    if (!fit || !cfit)
        return cva__report(diag, CVA_E_NULLPTR, !fit ? 10 : 11, 0, -1, 0, "fit is NULL");
    if (!cva__fit_size_ok(fit))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 10, 0, -1, 0, "fit: call cva_model_fit_init first");
    if (cfit->struct_size != sizeof(cva_cov_fit))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 11, 0, -1, 0, "cfit: call cva_cov_fit_init first");
    memset(&ctx, 0, sizeof ctx);
    if (!m || !cov_form_of(model, &ctx.form))
        return cva__report(diag, CVA_E_BADARG, 1, CVA_OPT_COV_MODEL, -1, 0,
                           "covariates are available for Pareto/NBD and BG/NBD");
    ctx.m = m;
    st = spec_from_opts(copts, &ctx.spec, diag, 8);
    if (st != CVA_OK)
        return st;
    st = cva__fit_opts_get(opts, 4, &o, diag, 9);
    if (st != CVA_OK)
        return st;
    if (o.penalty > 0.0 || o.penalty < 0.0)
        return cva__report(diag, CVA_E_OPTION, 9, CVA_OPT_FIT_PENALTY, -1, 0,
                           "use cva_cov_opts::lambda_life / lambda_trans with covariates");
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 7, 0, -1, 0, NULL);
    if (!x || !t_x || !T || !z)
        return cva__report(diag, CVA_E_NULLPTR, !x ? 2 : (!t_x ? 3 : (!T ? 4 : 5)), 0, -1, 0,
                           "data array is NULL");
    st = check_z(x, t_x, T, z, ctx.spec.n_cov, n, diag, 5);
    if (st != CVA_OK)
        return st;
    for (i = 0; i < n; i++)
        if (weight && !np_row(x[i], t_x[i], T[i]) && !(weight[i] > 0.0 && weight[i] < HUGE_VAL))
            return cva__report(diag, isfinite(weight[i]) ? CVA_E_BADARG : CVA_E_NONFINITE, 6, 0, (int64_t)i, 0,
                               "weights must be finite and > 0");
    memset(&grp, 0, sizeof grp);
    par = o.merge_rows && cva__workers(o.executor) >= 2; /* merged in tasks on the executor */
    if (par) {
        st = cm_merge(o.alloc, o.executor, x, t_x, T, weight, z, ctx.spec.n_cov, n, &recs, &nd, &grp.zg,
                      &grp.n_groups, &grp.n_skip, &tmax, &blk);
        grp.n_keep = n - grp.n_skip;
    } else {
        st = groups_build(o.alloc, x, t_x, T, z, ctx.spec.n_cov, n, &grp);
    }
    if (st != CVA_OK)
        return cva__report(diag, st, 0, 0, -1, 0, NULL);
    st = check_rows(model, m->start, x, t_x, T, n, grp.n_skip, diag, 2);
    if (st != CVA_OK)
        goto done;
    if (grp.n_keep == 0) {
        st = cva__report(diag, CVA_W_EMPTY, 7, 0, -1, grp.n_skip, NULL);
        goto done;
    }
    if (par) {
        s_T = tmax > 0.0 ? tmax : 1.0; /* time scale as cva_model_fit_btyd(): the largest T */
        rstart = (size_t *)cva__alloc(o.alloc, (grp.n_groups + 1) * sizeof *rstart);
        if (!rstart) {
            st = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
            goto done;
        }
        for (gi = 0, i = 0; i < nd; i++)
            while (gi <= recs[i].g)
                rstart[gi++] = i;
        rstart[grp.n_groups] = nd;
    } else {
        /* time scale as cva_model_fit_btyd(): the largest T */
        for (i = 0; i < grp.n_keep; i++)
            if (T[grp.order[i]] > s_T || i == 0)
                s_T = T[grp.order[i]];
        if (!(s_T > 0.0))
            s_T = 1.0;
        /* one row per customer (merge_rows 0), group by group in row order, or per group its
           distinct rows */
        /* merged: the distinct rows, fewer than the rows (1e6 customers give ~2.6e5 of them
           in 6 patterns): room for an eighth of the rows first, grown as they come */
        kcap = o.merge_rows ? grp.n_keep / 8 + 1024 : grp.n_keep;
        kcap = kcap < grp.n_keep ? kcap : grp.n_keep;
        keys = (fit_key *)cva__alloc(o.alloc, kcap * sizeof *keys);
        rstart = (size_t *)cva__alloc(o.alloc, (grp.n_groups + 1) * sizeof *rstart);
        if (!keys || !rstart) {
            st = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
            goto done;
        }
        for (gi = 0; gi < grp.n_groups; gi++) {
            const size_t a = grp.gstart[gi], b = grp.gstart[gi + 1];
            size_t q, first = nd;
            rstart[gi] = first;
            if (!o.merge_rows) {
                for (q = a; q < b; q++) {
                    const size_t r = grp.order[q];
                    keys[nd].x = x[r] + 0.0;
                    keys[nd].tx = t_x[r] + 0.0;
                    keys[nd].T = T[r] + 0.0;
                    keys[nd++].w = weight ? weight[r] : 1.0;
                }
                continue;
            }
        /* identical (x, t_x, T) rows merged by hashing (weights summed in row order), then
           only the distinct rows sorted (1e6 customers give ~1e5 of them); the table grows
           with the distinct rows, so it stays small (fresh memory costs more than the work) */
        {
            size_t cap = 16, mask, e = first;
            while (cap < 2 * (b - a) && cap < 1024)
                cap <<= 1;
            if (!table_grow(o.alloc, &htab, &hcap, cap)) {
                st = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
                goto done;
            }
            mask = cap - 1;
            for (q = a; q < b; q++) {
                const size_t r = grp.order[q];
                fit_key kr;
                size_t h;
                kr.x = x[r] + 0.0;
                kr.tx = t_x[r] + 0.0;
                kr.T = T[r] + 0.0;
                kr.w = weight ? weight[r] : 1.0;
                h = (size_t)hash_key(&kr) & mask;
                for (;;) {
                    const size_t hk = htab[h];
                    if (hk == (size_t)-1) {
                        if (!grow_buf(o.alloc, (void **)&keys, &kcap, e, e + 1, sizeof *keys, grp.n_keep)) {
                            st = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
                            goto done;
                        }
                        htab[h] = e;
                        keys[e++] = kr;
                        break;
                    }
                    if (fit_key_cmp(&keys[hk], &kr) == 0) {
                        keys[hk].w += kr.w;
                        break;
                    }
                    h = (h + 1) & mask;
                }
                if (2 * (e - first) > cap) { /* load 1/2: double and re-insert */
                    size_t u;
                    cap *= 2;
                    if (!table_grow(o.alloc, &htab, &hcap, cap)) {
                        st = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
                        goto done;
                    }
                    mask = cap - 1;
                    for (u = first; u < e; u++) {
                        size_t h2 = (size_t)hash_key(&keys[u]) & mask;
                        while (htab[h2] != (size_t)-1)
                            h2 = (h2 + 1) & mask;
                        htab[h2] = u;
                    }
                }
            }
            if (!grow_buf(o.alloc, (void **)&ktmp, &ktcap, 0, e - first, sizeof *ktmp, grp.n_keep)) {
                st = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
                goto done;
            }
            fit_keys_sort(keys + first, e - first, ktmp);
            nd = e;
        }
    }
    }
    rstart[grp.n_groups] = nd;
    if (!blk)
        blk = (double *)cva__alloc(o.alloc, 6 * (nd ? nd : 1) * sizeof *blk);
    if (!blk) {
        st = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
        goto done;
    }
    mx = blk;
    mtx = mx + nd;
    mT = mtx + nd;
    mw = mT + nd;
    mtxs = mw + nd;
    mTs = mtxs + nd;
    for (i = 0; i < nd; i++) {
        const double kx = recs ? recs[i].x : keys[i].x, ktx = recs ? recs[i].tx : keys[i].tx,
                     kT = recs ? recs[i].T : keys[i].T, kw = recs ? recs[i].w : keys[i].w;
        mx[i] = kx;
        mtx[i] = ktx;
        mT[i] = kT;
        mw[i] = kw;
        mtxs[i] = ktx / s_T;
        mTs[i] = kT / s_T;
        cva__ksum_add(&ws, kw);
    }
    cva__free(o.alloc, recs);
    recs = NULL;
    cva__free(o.alloc, keys);
    keys = NULL;
    cva__free(o.alloc, ktmp);
    ktmp = NULL;
    W = cva__ksum_value(&ws);
    ctx.n_groups = grp.n_groups;
    ctx.rstart = rstart;
    ctx.zg = grp.zg;
    ctx.x = mx;
    ctx.txs = mtxs;
    ctx.Ts = mTs;
    ctx.w = mw;
    ctx.inv_w = 1.0 / W;
    nth = 4 + ctx.spec.n_free;
    ctx.ex = o.executor;
    ctx.n_rows = nd;
    ctx.n_tasks = (nd + COV_TASK - 1) / COV_TASK;
    ctx.stride = 1 + (size_t)(nth * nth);
    if (ctx.n_tasks > 1) {
        ctx.res = (double *)cva__alloc(o.alloc, ctx.n_tasks * ctx.stride * sizeof *ctx.res);
        if (!ctx.res) {
            st = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
            goto done;
        }
    }

    for (k = 0; k < 4; k++) {
        double sv = o.start ? o.start[k] / (m->scale_time[k] ? s_T : 1.0) : m->start[k];
        th[k] = log(sv > 0.0 ? sv : 1.0);
    }
    for (j = 0; j < ctx.spec.n_cov; j++) {
        if (ctx.spec.il[j] >= 0)
            th[ctx.spec.il[j]] = copts->start_life ? copts->start_life[j] : 0.0;
        if (ctx.spec.it[j] >= 0 && !ctx.spec.con[j])
            th[ctx.spec.it[j]] = copts->start_trans ? copts->start_trans[j] : 0.0;
    }
    if (m->id != CVA_MODEL_BGNBD) { /* the start's forward differences take their base from f0 */
        ctx.gpiece = (double *)cva__alloc(o.alloc, 4 * (ctx.n_groups + ctx.n_tasks) * sizeof *ctx.gpiece);
        if (!ctx.gpiece) {
            st = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
            goto done;
        }
        ctx.gpiece_put = 1;
    }
    if (m->id == CVA_MODEL_PNBD) { /* the start's 5 passes on the pooled rows when they pool */
        st = pool_start(&ctx, o.alloc, th, mtx, mT, &psum);
        if (st != CVA_OK) {
            st = cva__report(diag, st, 0, 0, -1, 0, NULL);
            goto done;
        }
        ctx.psum = psum;
    }
    f0 = cov_objective(&ctx, th, g0);
    ctx.gpiece_put = ctx.gpiece_put && isfinite(f0) ? 2 : 0;
    if (isfinite(f0)) { /* cva__bfgs() starts with the objective at th */
        memcpy(ctx.memo_th, th, (size_t)nth * sizeof *th);
        memcpy(ctx.memo_g, g0, (size_t)nth * sizeof *g0);
        ctx.memo_f = f0;
        ctx.memo = 1;
    }
    if (!isfinite(f0)) {
        st = cva__report(diag, CVA_E_NOCONVERGE, 0, 0, -1, 0, "the objective is not finite at the start");
        goto done;
    }
    memset(&oo, 0, sizeof oo);
    oo.n = nth;
    oo.max_iter = o.max_iter;
    oo.grad_tol = o.grad_tol * (1.0 + fabs(f0));
    oo.f_tol = o.f_tol;
    oo.progress = o.progress;
    oo.progress_user = o.progress_user;
    oo.bnd_gain = CVA__BND_GAIN * ctx.inv_w;
    oo.bnd_drift = 1.0;
    oo.theta_max = 30.0;
    /* the curvature at the start as the first inverse Hessian: without it BFGS in 4 +
       coefficients dimensions from the default start takes about twice the iterations of
       the fit without covariates (forward differences: accuracy does not matter here) */
    if (cov_hessian(&ctx, th, 0, H)) {
        /* not positive definite far from the estimate: shifted by μ I, μ from 1e-6 of the
           largest diagonal element up by 10 per try (Levenberg's safeguard); identity if
           that fails too */
        double dmax = 0.0, mu = 0.0;
        int tries;
        for (k = 0; k < nth; k++)
            dmax = fabs(H[k * nth + k]) > dmax ? fabs(H[k * nth + k]) : dmax;
        for (tries = 0; tries < 8 && dmax > 0.0; tries++) {
            if (cva__spd_inverse(H, nth, C)) {
                oo.h0 = C;
                break;
            }
            mu = tries ? 10.0 * mu : 1e-6 * dmax;
            for (k = 0; k < nth; k++)
                H[k * nth + k] += mu - (tries ? 0.1 * mu : 0.0);
        }
    }
    n_start_evals = m->id == CVA_MODEL_BGNBD ? 1u : (ctx.gpiece_put == 2 ? 4u : 5u); /* passes over the rows */
    ctx.gpiece_put = 0;
    ctx.psum = NULL;
    cva__free(o.alloc, psum);
    psum = NULL;
    st = cva__bfgs(cov_objective, &ctx, th, &oo, &res);
    if (st == CVA_W_BOUNDARY && oo.h0 && res.iterations < (uint64_t)o.max_iter) {
        /* running off towards an edge: the start's curvature says nothing there; go on from
           this point as without it (identity, scaled at the first step) */
        cva__optim_result r2;
        oo.h0 = NULL;
        oo.max_iter = o.max_iter - (int)res.iterations;
        st = cva__bfgs(cov_objective, &ctx, th, &oo, &r2);
        r2.iterations += res.iterations;
        r2.evaluations += res.evaluations;
        res = r2;
    }
    ctx.memo = 0;
    res.evaluations -= ctx.memo_hits; /* passes over the rows (the repeat of f0 was none) */
    if (st < 0) {
        st = cva__report(diag, st, 0, 0, -1, res.iterations, NULL);
        goto done;
    }
    {
        int have = cov_hessian(&ctx, th, 1, H);
        res.evaluations += (m->id == CVA_MODEL_BGNBD ? 1u : 8u) + n_start_evals;
        hess_ok = have && se_inverse(H, nth, res.boundary, C);
        if (!hess_ok) {
            /* the block form can lose a flat direction's curvature to cancellation between
               the blocks' entries: differences along (θ, γ) themselves */
            have = cva__hessian(cov_objective, &ctx, th, nth, H);
            res.evaluations += 2u * (uint64_t)nth;
            hess_ok = have && se_inverse(H, nth, res.boundary, C);
        }
    }

    memset(&out, 0, sizeof out);
    memset(&cout, 0, sizeof cout);
    out.struct_size = fit->struct_size;
    out.model = model;
    out.n_params = 4;
    out.converged = res.converged;
    out.grad_norm = res.grad_norm;
    out.iterations = res.iterations;
    out.evaluations = res.evaluations + 1;
    out.n_rows = nd;
    out.n_customers = W;
    out.boundary = res.boundary & 0xFu;
    out.boundary_upper = res.boundary_upper & 0xFu;
    {
        const int ok = hess_ok;
        double d[COV_NTH] = {0.0}, gl[CVA_COV_MAX], gt[CVA_COV_MAX];
        cva__ksum acc = {0.0, 0.0};
        for (k = 0; k < nth; k++)
            d[k] = k < 4 ? exp(th[k]) * (m->scale_time[k] ? s_T : 1.0) : 1.0;
        for (k = 0; k < 4; k++)
            out.params[k] = d[k];
        for (k = 0; k < 4; k++)
            for (j = 0; j < 4; j++)
                out.cov[k * 4 + j] = ok ? C[k * nth + j] * ctx.inv_w * d[k] * d[j] : CVA_NAN;
        for (k = 0; k < 4; k++)
            out.std_err[k] = ok ? sqrt(out.cov[k * 4 + k]) : CVA_NAN;
        for (k = 0; k < 4; k++) { /* and in the five-slot fields every fit fills */
            out.params5[k] = out.params[k];
            out.std_err5[k] = out.std_err[k];
            for (j = 0; j < 4; j++)
                out.cov5[k * 4 + j] = out.cov[k * 4 + j];
        }
        theta_gammas(&ctx.spec, th, gl, gt);
        cout.struct_size = (uint32_t)sizeof cout;
        cout.model = model;
        cout.n_cov = ctx.spec.n_cov;
        cout.n_free = ctx.spec.n_free;
        cout.lambda_life = ctx.spec.lam_l;
        cout.lambda_trans = ctx.spec.lam_t;
        cout.objective = res.f;
        for (j = 0; j < ctx.spec.n_cov; j++) {
            const int il = ctx.spec.il[j], it = ctx.spec.it[j];
            cout.life[j] = ctx.spec.life[j];
            cout.trans[j] = ctx.spec.trans[j];
            cout.constrain[j] = ctx.spec.con[j];
            cout.gamma_life[j] = gl[j];
            cout.gamma_trans[j] = gt[j];
            cout.se_life[j] = il < 0 ? 0.0 : (ok ? sqrt(C[il * nth + il] * ctx.inv_w) : CVA_NAN);
            cout.se_trans[j] = it < 0 ? 0.0 : (ok ? sqrt(C[it * nth + it] * ctx.inv_w) : CVA_NAN);
            if (il >= 0 && (res.boundary >> il) & 1u)
                cout.boundary_life |= 1u << j;
            if (it >= 0 && (res.boundary >> it) & 1u)
                cout.boundary_trans |= 1u << j;
        }
        /* log-likelihood in the caller's time unit */
        for (gi = 0; gi < grp.n_groups; gi++) {
            double eta[3], pg[4];
            cva__btyd_rows rows;
            etas(grp.zg + gi * (size_t)ctx.spec.n_cov, ctx.spec.n_cov, gl, gt, eta);
            group_params(&ctx.form, out.params, eta, pg);
            rows.x = mx + rstart[gi];
            rows.t_x = mtx + rstart[gi];
            rows.T = mT + rstart[gi];
            rows.w = mw + rstart[gi];
            rows.n = rstart[gi + 1] - rstart[gi];
            cva__ksum_add(&acc, m->ll(pg, &rows, NULL, NULL));
        }
        out.log_likelihood = cva__ksum_value(&acc);
    }
    cva__fit_store(fit, &out);
    *cfit = cout;
    if (res.boundary)
        st = CVA_W_BOUNDARY;
    if (st == CVA_OK && grp.n_skip > 0)
        st = CVA_W_EXCLUDED;
    st = cva__report(diag, st, 0, 0, -1, grp.n_skip > 0 ? grp.n_skip : res.iterations, NULL);
done:
    cva__free(o.alloc, recs);
    cva__free(o.alloc, keys);
    cva__free(o.alloc, ktmp);
    cva__free(o.alloc, htab);
    cva__free(o.alloc, rstart);
    cva__free(o.alloc, blk);
    cva__free(o.alloc, ctx.res);
    cva__free(o.alloc, ctx.gpiece);
    cva__free(o.alloc, psum);
    groups_free(o.alloc, &grp);
    return st;
}

/* ------------------------------------------------------- evaluation */

cva_status cva_cov_individual_params(const double *params, const cva_cov_fit *cfit, const double *z, size_t n,
                                     double *out, cva_diag *diag)
{
    cov_form form;
    cva_status st = check_cfit(cfit, &form, diag, 2);
    size_t i;
    int k;
    if (st != CVA_OK)
        return st;
    if (!params)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "params is NULL");
    for (k = 0; k < 4; k++)
        if (!(params[k] > 0.0) || !isfinite(params[k]))
            return cva__report(diag, CVA_E_BADARG, 1, 0, k, 0, "parameters must be finite and > 0");
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 4, 0, -1, 0, NULL);
    if (!z || !out)
        return cva__report(diag, CVA_E_NULLPTR, !z ? 3 : 5, 0, -1, 0, "array is NULL");
    for (i = 0; i < n; i++) {
        const double *zi = z + i * (size_t)cfit->n_cov;
        double eta[3];
        int j;
        for (j = 0; j < cfit->n_cov; j++)
            if (!isfinite(zi[j]))
                return cva__report(diag, CVA_E_NONFINITE, 3, 0, (int64_t)i, 0, "covariate is not finite");
        etas(zi, cfit->n_cov, cfit->gamma_life, cfit->gamma_trans, eta);
        group_params(&form, params, eta, out + 4 * i);
        for (k = 0; k < 4; k++)
            if (!(out[4 * i + (size_t)k] > 0.0) || !isfinite(out[4 * i + (size_t)k]))
                return cva__report(diag, CVA_E_NONFINITE, 3, 0, (int64_t)i, 0,
                                   "an individual parameter overflows or underflows");
    }
    return CVA_OK;
}

/* the customers of group gi gathered into xs, ts, Ts */
static size_t gather(const cov_groups *g, size_t gi, const double *x, const double *tx, const double *T,
                     double *xs, double *ts, double *Ts)
{
    size_t q, a = g->gstart[gi], b = g->gstart[gi + 1];
    for (q = a; q < b; q++) {
        xs[q - a] = x[g->order[q]];
        ts[q - a] = tx[g->order[q]];
        Ts[q - a] = T[g->order[q]];
    }
    return b - a;
}

/* common set-up of the evaluation entry points */
static cva_status eval_setup(const double *params, const cva_cov_fit *cfit, const double *x, const double *t_x,
                             const double *T, const double *z, size_t n, cov_form *form, cov_groups *g,
                             double **work, const cva_allocator *al, cva_diag *diag, int32_t arg_x, int32_t arg_z)
{
    cva_status st = check_cfit(cfit, form, diag, 2);
    int k;
    *work = NULL;
    memset(g, 0, sizeof *g);
    if (st != CVA_OK)
        return st;
    if (!params)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "params is NULL");
    for (k = 0; k < 4; k++)
        if (!(params[k] > 0.0) || !isfinite(params[k]))
            return cva__report(diag, CVA_E_BADARG, 1, 0, k, 0, "parameters must be finite and > 0");
    if (n == 0)
        return CVA_W_EMPTY;
    if (!x || !t_x || !T || !z)
        return cva__report(diag, CVA_E_NULLPTR, !x ? arg_x : (!t_x ? arg_x + 1 : (!T ? arg_x + 2 : arg_z)), 0, -1, 0,
                           "data array is NULL");
    st = check_z(x, t_x, T, z, cfit->n_cov, n, diag, arg_z);
    if (st != CVA_OK)
        return st;
    st = groups_build(al, x, t_x, T, z, cfit->n_cov, n, g);
    if (st != CVA_OK)
        return cva__report(diag, st, 0, 0, -1, 0, NULL);
    st = check_rows(cfit->model, params, x, t_x, T, n, g->n_skip, diag, arg_x);
    if (st != CVA_OK) {
        groups_free(al, g);
        return st;
    }
    *work = (double *)cva__alloc(al, 4 * (g->n_keep ? g->n_keep : 1) * sizeof **work);
    if (!*work) {
        groups_free(al, g);
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    }
    return CVA_OK;
}

cva_status cva_cov_loglik(const double *params, const cva_cov_fit *cfit, const double *x, const double *t_x,
                          const double *T, const double *z, size_t n, double *ll, double *ll_sum, double *grad,
                          const cva_allocator *alloc, cva_diag *diag)
{
    cov_form form;
    cov_groups g;
    double *work, *xs, *ts, *Ts, *lo;
    double gs[4 + 2 * CVA_COV_MAX];
    cva__ksum acc = {0.0, 0.0};
    size_t gi, q;
    int k, j, nc;
    cva_status st = eval_setup(params, cfit, x, t_x, T, z, n, &form, &g, &work, alloc, diag, 3, 6);
    if (st == CVA_W_EMPTY) {
        if (ll_sum)
            *ll_sum = CVA_NAN;
        return cva__report(diag, st, 7, 0, -1, 0, NULL);
    }
    if (st != CVA_OK)
        return st;
    nc = cfit->n_cov;
    memset(gs, 0, sizeof gs);
    xs = work;
    ts = xs + g.n_keep;
    Ts = ts + g.n_keep;
    lo = Ts + g.n_keep;
    for (gi = 0; gi < g.n_groups; gi++) {
        const double *zg = g.zg + gi * (size_t)nc;
        double eta[3], pg[4], gg[4], de[3] = {0.0, 0.0, 0.0}, s;
        cva__btyd_rows rows;
        const size_t a = g.gstart[gi];
        etas(zg, nc, cfit->gamma_life, cfit->gamma_trans, eta);
        group_params(&form, params, eta, pg);
        rows.n = gather(&g, gi, x, t_x, T, xs, ts, Ts);
        rows.x = xs;
        rows.t_x = ts;
        rows.T = Ts;
        rows.w = NULL;
        s = cva__btyd_table(cfit->model)->ll(pg, &rows, gg, lo + a);
        if (!isfinite(s)) {
            cva__free(alloc, work);
            groups_free(alloc, &g);
            return cva__report(diag, CVA_E_DOMAIN, 1, 0, (int64_t)g.order[a], 0,
                               "likelihood not finite at these parameters");
        }
        cva__ksum_add(&acc, s);
        for (k = 0; k < 4; k++) {
            const double d = gg[k] * pg[k];
            gs[k] += d / params[k];
            de[form.proc[k]] += form.sgn[k] * d;
        }
        for (j = 0; j < nc; j++) {
            gs[4 + j] += de[1] * zg[j];
            gs[4 + nc + j] += de[2] * zg[j];
        }
    }
    if (ll) {
        for (q = 0; q < g.n_skip; q++)
            ll[g.skip[q]] = CVA_NAN;
        for (q = 0; q < g.n_keep; q++)
            ll[g.order[q]] = lo[q];
    }
    if (ll_sum)
        *ll_sum = g.n_keep ? cva__ksum_value(&acc) : CVA_NAN;
    if (grad) {
        for (k = 0; k < 4 + 2 * nc; k++)
            grad[k] = g.n_keep ? gs[k] : CVA_NAN;
    }
    st = g.n_skip ? CVA_W_EXCLUDED : (g.n_keep ? CVA_OK : CVA_W_EMPTY);
    q = g.n_skip;
    cva__free(alloc, work);
    groups_free(alloc, &g);
    return cva__report(diag, st, 0, 0, -1, q, NULL);
}

/* ------------------------------------------------- predictions in tasks */

#define COV_PRED_TASK 16384 /* customers per prediction task */

typedef struct cov_pred_res {
    cva_status st;
    cva_diag loc;  /* of the first error */
    int64_t index; /* its caller's row, -1 if none */
    uint64_t n_series;
} cov_pred_res;

typedef struct cov_pred_job {
    const double *params, *x, *tx, *T;
    const cva_cov_fit *cfit;
    const cov_form *form;
    const cov_groups *g;
    const cva_predict_opts *mo; /* the models' options: the allocator, no executor */
    int32_t quantity;
    double h;
    double *xs, *ts, *Ts, *vo;
    cov_pred_res *res;
} cov_pred_job;

/* task k: the customers [k·COV_PRED_TASK, ...) in group order, each group's part in one call */
static void cov_pred_task(void *varg, size_t k, unsigned worker)
{
    const cov_pred_job *j = (const cov_pred_job *)varg;
    const cov_groups *g = j->g;
    cov_pred_res *r = j->res + k;
    const size_t lo = k * COV_PRED_TASK, hi = g->n_keep - lo < COV_PRED_TASK ? g->n_keep : lo + COV_PRED_TASK;
    size_t a = 0, b = g->n_groups, gi, q;
    (void)worker;
    r->st = CVA_OK;
    r->index = -1;
    r->n_series = 0;
    while (b - a > 1) { /* the group holding customer lo */
        const size_t m = a + (b - a) / 2;
        if (g->gstart[m] <= lo)
            a = m;
        else
            b = m;
    }
    for (q = lo; q < hi; q++) {
        j->xs[q] = j->x[g->order[q]];
        j->ts[q] = j->tx[g->order[q]];
        j->Ts[q] = j->T[g->order[q]];
    }
    for (gi = a; gi < g->n_groups && g->gstart[gi] < hi; gi++) {
        const size_t s0 = g->gstart[gi] > lo ? g->gstart[gi] : lo;
        const size_t ng = (g->gstart[gi + 1] < hi ? g->gstart[gi + 1] : hi) - s0;
        double eta[3], pg[4];
        cva_status st;
        const int32_t model = j->cfit->model;
        etas(g->zg + gi * (size_t)j->cfit->n_cov, j->cfit->n_cov, j->cfit->gamma_life, j->cfit->gamma_trans, eta);
        group_params(j->form, j->params, eta, pg);
        cva_diag_init(&r->loc, sizeof r->loc);
        if (j->quantity == CVA_COV_P_ALIVE)
            st = cva_model_p_alive(model, pg, j->h, j->xs + s0, j->ts + s0, j->Ts + s0, ng, j->vo + s0, j->mo, &r->loc);
        else if (j->quantity == CVA_COV_EXPECTED)
            st = cva_model_expected(model, pg, j->h, j->xs + s0, j->ts + s0, j->Ts + s0, ng, j->vo + s0, j->mo, &r->loc);
        else
            st = cva_model_dert(model, pg, j->h, j->xs + s0, j->ts + s0, j->Ts + s0, ng, j->vo + s0, j->mo, &r->loc);
        if (st < 0) {
            r->st = st;
            r->index = r->loc.index >= 0 && (size_t)r->loc.index < ng ? (int64_t)g->order[s0 + (size_t)r->loc.index] : -1;
            return;
        }
        if (st == CVA_W_SERIES_LIMIT) {
            r->st = st;
            r->n_series += r->loc.count;
        }
    }
}

cva_status cva_cov_predict(const double *params, const cva_cov_fit *cfit, int32_t quantity, double h,
                           const double *x, const double *t_x, const double *T, const double *z, size_t n,
                           double *out, const cva_predict_opts *opts, cva_diag *diag)
{
    cov_form form;
    cov_groups g;
    cva_predict_opts o, mo;
    cov_pred_job job;
    double *work;
    size_t q, k, n_tasks, n_series = 0;
    cva_status st, worst = CVA_OK;
    if (quantity < CVA_COV_P_ALIVE || quantity > CVA_COV_DERT)
        return cva__report(diag, CVA_E_BADARG, 3, 0, -1, 0, "unknown quantity");
    if (isnan(h))
        return cva__report(diag, CVA_E_NONFINITE, 4, 0, -1, 0, "horizon is NaN");
    (void)cva_predict_opts_init_defaults(&o, sizeof o);
    if (opts && cva__copy_sized(&o, sizeof o, opts, sizeof o) != CVA_OK)
        return cva__report(diag, CVA_E_ABI_MISMATCH, 11, 0, -1, 0,
                           "cva_predict_opts: use cva_predict_opts_init_defaults()");
    mo = o;
    mo.executor = NULL;
    st = eval_setup(params, cfit, x, t_x, T, z, n, &form, &g, &work, o.alloc, diag, 5, 8);
    if (st == CVA_W_EMPTY)
        return cva__report(diag, st, 9, 0, -1, 0, NULL);
    if (st != CVA_OK)
        return st;
    n_tasks = (g.n_keep + COV_PRED_TASK - 1) / COV_PRED_TASK;
    memset(&job, 0, sizeof job);
    job.res = (cov_pred_res *)cva__alloc(o.alloc, (n_tasks ? n_tasks : 1) * sizeof *job.res);
    if (!out || !job.res) {
        cva__free(o.alloc, work);
        groups_free(o.alloc, &g);
        if (!out)
            return cva__report(diag, CVA_E_NULLPTR, 10, 0, -1, 0, "out is NULL");
        return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
    }
    job.params = params;
    job.x = x;
    job.tx = t_x;
    job.T = T;
    job.cfit = cfit;
    job.form = &form;
    job.g = &g;
    job.mo = &mo;
    job.quantity = quantity;
    job.h = h;
    job.xs = work;
    job.ts = work + g.n_keep;
    job.Ts = job.ts + g.n_keep;
    job.vo = job.Ts + g.n_keep;
    cva__parallel_for(o.executor, n_tasks, cov_pred_task, &job);
    for (k = 0; k < n_tasks; k++) { /* the first error in the customers' group order, as serially */
        const cov_pred_res *r = job.res + k;
        if (r->st < 0) {
            const cov_pred_res e = *r;
            cva__free(o.alloc, job.res);
            cva__free(o.alloc, work);
            groups_free(o.alloc, &g);
            /* arg 2, params: the group's are derived from params */
            return cva__report(diag, e.st, e.loc.arg == 2 ? 1 : e.loc.arg, e.loc.option, e.index, e.loc.count,
                               e.loc.detail);
        }
        if (r->st == CVA_W_SERIES_LIMIT) {
            worst = CVA_W_SERIES_LIMIT;
            n_series += r->n_series;
        }
    }
    for (q = 0; q < g.n_skip; q++)
        out[g.skip[q]] = CVA_NAN;
    for (q = 0; q < g.n_keep; q++)
        out[g.order[q]] = job.vo[q];
    if (worst == CVA_OK && g.n_skip)
        worst = CVA_W_EXCLUDED;
    q = worst == CVA_W_SERIES_LIMIT ? n_series : g.n_skip;
    cva__free(o.alloc, job.res);
    cva__free(o.alloc, work);
    groups_free(o.alloc, &g);
    return cva__report(diag, worst, 0, 0, -1, q, NULL);
}
