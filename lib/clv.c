/*
 * libcva — discrete model-based CLV (docs/methods/retention.md#methods_clv_model, docs/methods/conventions.md#methods_choice_discount):
 *
 *   CLV_i = Σ_{k=1..K} margin · E[M_i] · (E[Y_i(k·L)] − E[Y_i((k−1)·L)]) / (1+d)^k
 *
 * with E[Y_i(t)] the purchase model's conditional expectation in (T, T+t]
 * (cva_model_expected) and E[M_i] the Gamma-Gamma conditional expected spend
 * (cva_gg_expected_spend) — the scheme of the common Python implementation.
 * K = 0 means "until the step term is at most 1e-12 of the customer's running
 * total, or K = 1200" (docs/methods/retention.md#methods_clv_model [D]); each customer stops on its own, so the
 * result does not depend on its neighbours; a customer still above the
 * tolerance at step 1200 makes the call return CVA_W_SERIES_LIMIT.
 *
 * Customers are processed in tasks of CLV_TASK_ROWS (on the caller's executor when
 * cva_clv_opts::executor is set), each in chunks of CHUNK (512) buffers. Nothing is written to @p out before every row has been checked
 * (a first pass runs the models' own validation on every chunk).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include <stdlib.h>

#include "churn_internal.h"

#define CHUNK 512
#define ADAPTIVE_MAX_STEPS 1200
#define ADAPTIVE_RTOL 1e-12

/* Smallest cva_clv_opts size ever released (0.1.0: up to margin; alloc came later). */
#define CLV_OPTS_MIN_SIZE offsetof(cva_clv_opts, alloc)

static const cva_clv_opts clv_defaults = {
    .struct_size = sizeof(cva_clv_opts),
    .steps = 12,
    .step_length = 30.0 / 7.0,
    .discount = 0.01,
    .margin = 1.0,
    .alloc = NULL,
    .executor = NULL,
};

cva_status cva_clv_opts_init_defaults(cva_clv_opts *opts, size_t struct_size)
{
    if (!opts)
        return CVA_E_NULLPTR;
    if (struct_size < CLV_OPTS_MIN_SIZE || struct_size > sizeof(cva_clv_opts))
        return CVA_E_ABI_MISMATCH;
    memcpy(opts, &clv_defaults, struct_size);
    opts->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

static int is_btyd(int32_t model)
{
    return model == CVA_MODEL_BGNBD || model == CVA_MODEL_MBGNBD || model == CVA_MODEL_PNBD ||
           model == CVA_MODEL_BGBB;
}

/* Re-report a callee's diagnostics with cva_clv's argument numbers and row offset. */
static cva_status relay(cva_diag *diag, const cva_diag *loc, cva_status st, size_t offset, const int32_t *argmap,
                        int n_map)
{
    int32_t arg = (loc->arg >= 1 && loc->arg <= n_map) ? argmap[loc->arg - 1] : 0;
    int64_t idx = loc->index >= 0 ? loc->index + (int64_t)offset : -1;
    return cva__report(diag, st, arg, 0, idx, loc->count, loc->detail);
}

/* cva_gg_expected_spend: params, x, m_x → gg_params, x, m_x */
static const int32_t GG_ARGS[7] = {3, 4, 7, 0, 0, 0, 0};

/* Accumulator fed by the models' expected_multi(): one block of horizons
   (steps i0+1 .. i0+n_t) per call. With one block (steps <= CVA__EY_MAX_T, not
   adaptive) out[i] holds margin·E[M_i] on entry and the CLV on exit; otherwise the
   running state lives in acc/prev/done and out keeps margin·E[M_i]. */
typedef struct clv_acc {
    double *out;
    double *acc, *prev; /* NULL with one block */
    unsigned char *done;
    const double *disc; /* discount factor of each step of the block */
    size_t n_t, active;
    int adaptive;
} clv_acc;

static void clv_sink(void *user, size_t i, const double *ey)
{
    clv_acc *c = (clv_acc *)user;
    size_t k;
    if (!c->acc) {
        const double em = c->out[i];
        double acc = 0.0, prev = 0.0;
        for (k = 0; k < c->n_t; k++) {
            acc += em * (ey[k] - prev) * c->disc[k];
            prev = ey[k];
        }
        c->out[i] = acc;
        return;
    }
    if (c->done[i])
        return;
    {
        const double em = c->out[i];
        double acc = c->acc[i], prev = c->prev[i];
        for (k = 0; k < c->n_t; k++) {
            const double term = em * (ey[k] - prev) * c->disc[k];
            acc += term;
            prev = ey[k];
            if (c->adaptive && fabs(term) <= ADAPTIVE_RTOL * fabs(acc)) {
                c->done[i] = 1;
                c->active--;
                break;
            }
        }
        c->acc[i] = acc;
        c->prev[i] = prev;
    }
}

/* expected_multi() for a model without one: expected() per horizon on chunks. */
static cva_status multi_fallback(const cva__btyd_model *m, const double *p, const double *t, size_t n_t,
                                 const double *x, const double *t_x, const double *T, size_t n, clv_acc *c,
                                 double *buf, const cva_allocator *alloc)
{
    cva_status st = CVA_OK;
    size_t off, len, k, j;
    double ey[CVA__EY_MAX_T];
    for (off = 0; off < n; off += len) {
        len = n - off < CHUNK ? n - off : CHUNK;
        for (k = 0; k < n_t; k++) {
            cva_status s1 = m->expected(p, t[k], x + off, t_x + off, T + off, len, buf + k * CHUNK, alloc);
            if (s1 < 0)
                return s1;
            if (s1 > st)
                st = s1;
        }
        for (j = 0; j < len; j++) {
            for (k = 0; k < n_t; k++)
                ey[k] = buf[k * CHUNK + j];
            clv_sink(c, off + j, ey);
        }
    }
    return st;
}

/*
 * The customers as tasks: chunks of CLV_TASK_ROWS (more when n > CLV_TASK_ROWS ·
 * CLV_MAX_TASKS), each running every block of horizons over its own rows. Every
 * customer's CLV depends on its own row only (its own stop in the adaptive mode), so
 * the chunks give the values of one pass over all rows, bit for bit.
 */
#define CLV_TASK_ROWS ((size_t)1 << 17) /* large: expected_multi's cache starts empty in each */
#define CLV_MAX_TASKS 1024

typedef struct clv_job {
    const cva__btyd_model *m;
    const double *params, *x, *t_x, *T;
    size_t n, chunk, steps;
    double *out;
    double *state; /* acc (n), prev (n), done (n bytes); NULL with one block */
    double *buf;   /* CHUNK × CVA__EY_MAX_T per worker (models without expected_multi) */
    int adaptive;
    double step_length, discount;
    const cva_allocator *alloc;
    cva_status st[CLV_MAX_TASKS];
    size_t active[CLV_MAX_TASKS];
} clv_job;

static void clv_task(void *arg, size_t task, unsigned worker)
{
    clv_job *j = (clv_job *)arg;
    const size_t lo = task * j->chunk, len = j->n - lo < j->chunk ? j->n - lo : j->chunk;
    double t[CVA__EY_MAX_T], disc[CVA__EY_MAX_T];
    cva_status st = CVA_OK, warn = CVA_OK;
    clv_acc ca;
    size_t k, i0;
    memset(&ca, 0, sizeof ca);
    ca.out = j->out + lo;
    ca.adaptive = j->adaptive;
    ca.active = len;
    if (j->state) {
        ca.acc = j->state + lo;
        ca.prev = j->state + j->n + lo;
        ca.done = (unsigned char *)(j->state + 2 * j->n) + lo;
    }
    for (i0 = 0; i0 < j->steps && ca.active > 0; i0 += ca.n_t) {
        size_t nb = j->steps - i0 < CVA__EY_MAX_T ? j->steps - i0 : CVA__EY_MAX_T;
        for (k = 0; k < nb; k++) {
            const double step = (double)(i0 + k + 1);
            t[k] = step * j->step_length;
            disc[k] = pow(1.0 + j->discount, -step);
        }
        ca.disc = disc;
        ca.n_t = nb;
        st = j->m->expected_multi
                 ? j->m->expected_multi(j->params, t, nb, j->x + lo, j->t_x + lo, j->T + lo, len, clv_sink, &ca,
                                        j->alloc)
                 : multi_fallback(j->m, j->params, t, nb, j->x + lo, j->t_x + lo, j->T + lo, len, &ca,
                                  j->buf + (size_t)worker * CHUNK * CVA__EY_MAX_T, j->alloc);
        if (st < 0)
            break;
        if (st > 0)
            warn = st;
    }
    j->st[task] = st < 0 ? st : warn;
    j->active[task] = ca.active;
}

cva_status cva_clv(int32_t model, const double *params, const double *gg_params, const double *x,
                   const double *t_x, const double *T, const double *m_x, size_t n, const cva_clv_opts *opts,
                   double *out, cva_diag *diag)
{
    cva_clv_opts o = clv_defaults;
    cva_status st, warn = CVA_OK;
    cva_diag loc;
    const cva__btyd_model *m;
    double *state = NULL, *buf = NULL;
    clv_job job;
    size_t k, n_tasks, active = 0;
    int32_t steps;
    int adaptive;

    if (!is_btyd(model))
        return cva__report(diag, CVA_E_BADARG, 1, 0, -1, 0, "model must be a BTYD purchase model");
    if (!params)
        return cva__report(diag, CVA_E_NULLPTR, 2, 0, -1, 0, "params is NULL");
    if (!gg_params)
        return cva__report(diag, CVA_E_NULLPTR, 3, 0, -1, 0, "gg_params is NULL");
    if (!CVA__ROWS_FIT(n))
        return cva__report(diag, CVA_E_OVERFLOW, 8, 0, -1, 0, "n: the per-customer work arrays do not fit in size_t");
    if (opts) {
        st = cva__copy_sized(&o, sizeof o, opts, CLV_OPTS_MIN_SIZE);
        if (st < 0)
            return cva__report(diag, st, 9, 0, -1, 0, "opts->struct_size: use cva_clv_opts_init_defaults()");
    }
    if (o.steps < 0)
        return cva__report(diag, CVA_E_OPTION, 9, CVA_OPT_CLV_STEPS, -1, 0, "steps must be >= 0 (0: adaptive)");
    if (!isfinite(o.step_length) || !(o.step_length > 0.0))
        return cva__report(diag, CVA_E_OPTION, 9, CVA_OPT_CLV_STEP_LENGTH, -1, 0, "step_length must be > 0");
    if (!isfinite(o.discount) || !(o.discount > -1.0))
        return cva__report(diag, CVA_E_OPTION, 9, CVA_OPT_CLV_DISCOUNT, -1, 0, "discount must be > -1");
    if (!isfinite(o.margin))
        return cva__report(diag, CVA_E_OPTION, 9, CVA_OPT_CLV_MARGIN, -1, 0, "margin must be finite");
    if (n == 0)
        return cva__report(diag, CVA_W_EMPTY, 0, 0, -1, 0, NULL);
    if (!x || !t_x || !T || !m_x || !out)
        return cva__report(diag, CVA_E_NULLPTR, !x ? 4 : !t_x ? 5 : !T ? 6 : !m_x ? 7 : 10, 0, -1, 0,
                           "NULL data or output array");
    if (cva__np_count(x, t_x, T, n) > 0) {
        /* customers without a purchase: CLV NaN, the others as if they were alone */
        const double *in[4];
        cva__np_split sp;
        in[0] = x;
        in[1] = t_x;
        in[2] = T;
        in[3] = m_x;
        if (cva__np_compact(o.alloc, in, 4, 1, n, &sp) != CVA_OK)
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
        cva_diag_init(&loc, sizeof loc);
        st = cva_clv(model, params, gg_params, sp.col[0], sp.col[1], sp.col[2], sp.col[3], sp.n_keep, opts,
                     sp.out, &loc);
        if (st >= 0)
            cva__np_scatter(&sp, sp.out, out, n);
        st = cva__np_relay(diag, &loc, st, &sp, 4, 7);
        cva__np_free(o.alloc, &sp);
        return st;
    }
    steps = o.steps > 0 ? o.steps : ADAPTIVE_MAX_STEPS;
    m = cva__btyd_table(model);

    /* every row is checked before anything is written: the purchase model's rows and
       parameters (cva_clv's argument numbers: params 2, x 4, t_x 5, T 6), then the
       spend model, which checks all rows before it writes E[M] into out */
    st = cva__btyd_check(model, params, x, t_x, T, n, diag, 4);
    if (st != CVA_OK)
        return st;
    adaptive = o.steps == 0;
    if (steps > CVA__EY_MAX_T || adaptive) {
        state = (double *)cva__alloc(o.alloc, 2 * n * sizeof *state + n);
        if (!state)
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
        for (k = 0; k < 2 * n; k++)
            state[k] = 0.0;
        memset(state + 2 * n, 0, n);
    }
    if (!m->expected_multi) { /* one buffer per worker */
        buf = (double *)cva__alloc(o.alloc, cva__workers(o.executor) * CHUNK * CVA__EY_MAX_T * sizeof *buf);
        if (!buf) {
            cva__free(o.alloc, state);
            return cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, NULL);
        }
    }
    /* E[M] goes into out only once the blocks are held: a failed allocation
       leaves out untouched */
    cva_diag_init(&loc, sizeof loc);
    st = cva_gg_expected_spend(gg_params, x, m_x, n, out, NULL, &loc);
    if (st < 0) {
        cva__free(o.alloc, buf);
        cva__free(o.alloc, state);
        return relay(diag, &loc, st, 0, GG_ARGS, 7);
    }
    for (k = 0; k < n; k++)
        out[k] *= o.margin;
    job.m = m;
    job.params = params;
    job.x = x;
    job.t_x = t_x;
    job.T = T;
    job.n = n;
    job.out = out;
    job.state = state;
    job.buf = buf;
    job.steps = (size_t)steps;
    job.adaptive = adaptive;
    job.step_length = o.step_length;
    job.discount = o.discount;
    job.alloc = o.alloc;
    job.chunk = CLV_TASK_ROWS;
    if (n / CLV_MAX_TASKS >= CLV_TASK_ROWS)
        job.chunk = (n + CLV_MAX_TASKS - 1) / CLV_MAX_TASKS;
    if (cva__workers(o.executor) < 2)
        job.chunk = n; /* serial: one pass over every row, as without tasks */
    n_tasks = (n + job.chunk - 1) / job.chunk;
    cva__parallel_for(o.executor, n_tasks, clv_task, &job);
    for (k = 0; k < n_tasks; k++) {
        if (job.st[k] < 0) {
            cva__free(o.alloc, state);
            cva__free(o.alloc, buf);
            return cva__report(diag, job.st[k], 0, 0, -1, 0, NULL);
        }
        if (job.st[k] > 0)
            warn = job.st[k];
        active += job.active[k];
    }
    if (state)
        for (k = 0; k < n; k++)
            out[k] = state[k];
    cva__free(o.alloc, state);
    cva__free(o.alloc, buf);
    if (adaptive && active > 0 && warn == CVA_OK) /* some customer still had a relevant term at the cap */
        return cva__report(diag, CVA_W_SERIES_LIMIT, 9, CVA_OPT_CLV_STEPS, -1, (uint64_t)active,
                           "steps = 0: the terms had not vanished after 1200 steps (the step cap) for "
                           "diag->count customers; their CLV is the sum of the first 1200 steps");
    return cva__report(diag, warn, 0, 0, -1, 0, NULL);
}
