/*
 * Allocation failure (issue [12]): every public function that takes a caller
 * allocator is run once counting its allocations (N), then once per k = 1..N with
 * the k-th allocation failing. Each run must return CVA_E_NOMEM with the outputs
 * still the sentinel pattern (or, where documented, fall back on a path that needs
 * less memory and return the unfailed result), and leave no block live (counted
 * in the hook, independent of ASan/LSan). See docs/reliability.md.
 * SPDX-License-Identifier: MIT
 */
#define CVA_EXPERIMENTAL_API /* cva_rfm_high_influence_advanced (cva/rfm.h) */
#include "cva_test.h"
#include "cva_failalloc.h"

#include <time.h>

#include "cva/churn.h"
#include "cva/cohort.h"
#include "cva/retention.h"
#include "cva/rfm.h"
#include "cva/tiers.h"
#include "cva/txn.h"

static const double BGNBD[4] = {0.243, 4.414, 0.793, 2.426};
static const double PNBD[4] = {0.55, 10.58, 0.61, 11.67};
static const double BGBB[4] = {1.20, 0.75, 0.66, 2.78};
static const double GG[3] = {6.25, 3.74, 15.44};

/* Cases walked over the whole run: (function, k) pairs and the calls counted. */
static long n_cases, n_calls;

static cva_fa_hook H;
static cva_allocator AL;

static void walk(const char *name, cva_fa_fn fn, void *ctx, const cva_fa_region *out, size_t n_out, int mode,
                 long min_allocs)
{
    clock_t c0 = clock();
    long total = cva_fa_walk(name, fn, ctx, &H, out, n_out, mode, NULL);
    if (getenv("NOMEM_TIMES"))
        print_message("%-50s N = %3ld  %.3f s\n", name, total, (double)(clock() - c0) / CLOCKS_PER_SEC);
    if (total < min_allocs) {
        print_error("%s: %ld allocations, expected at least %ld\n", name, total, min_allocs);
        fail();
    }
    n_cases += total;
    n_calls++;
}

/* ---- transactions: summaries (with and without a calibration split) and cohorts ---- */

enum { NR = 48, NC_MAX = 2 * NR, NCOH = 16 };
static int64_t R_ID[NR], R_REF[NR];
static double R_T[NR], R_AMT[NR], R_COST[NR];

static void make_rows(void)
{
    size_t i;
    for (i = 0; i < NR; i++) {
        R_ID[i] = (int64_t)(1000 + (i * 7) % 13);
        R_T[i] = (double)((i * 37) % 360);
        R_AMT[i] = i % 9 == 4 ? -5.0 : 10.0 + (double)(i % 5) * 3.5;
        R_COST[i] = 2.0 + (double)(i % 3);
        R_REF[i] = i % 4 == 0 ? (int64_t)(2000 + i % 3) : CVA_TXN_NO_REFERRER;
    }
}

typedef struct txn_ctx {
    cva_txn_input in;
    cva_txn_opts o;
    cva_txn_summary s;
    cva_cohort_table c;
    int64_t id[NC_MAX];
    uint32_t u[6][NC_MAX];
    double d[18][NC_MAX];
    int64_t period[NCOH], observed[NCOH];
    double size[NCOH], active[NCOH * NCOH], retained[NCOH * NCOH];
} txn_ctx;

static cva_status call_txn(void *c)
{
    txn_ctx *t = (txn_ctx *)c;
    return cva_txn_summarize(&t->in, &t->o, &t->s, NULL, 0, NULL);
}

static cva_status call_cohorts(void *c)
{
    txn_ctx *t = (txn_ctx *)c;
    return cva_txn_cohorts(&t->in, &t->o, &t->c, NULL, 0, NULL);
}

static void test_txn(void **state)
{
    static txn_ctx t;
    cva_fa_region out[3];
    int split;
    (void)state;
    make_rows();
    memset(&t, 0, sizeof t);
    t.in.struct_size = sizeof t.in;
    t.in.n = NR;
    t.in.customer_id = R_ID;
    t.in.t = R_T;
    t.in.amount = R_AMT;
    t.in.cost = R_COST;
    t.in.referrer_id = R_REF;
    for (split = 0; split < 2; split++) {
        cva_txn_summary *s = &t.s;
        assert_status(cva_txn_opts_init_defaults(&t.o, sizeof t.o), CVA_OK);
        t.o.alloc = &AL;
        t.o.time_scale = 7.0;
        if (split)
            t.o.calibration_end = 250.0;
        assert_status(cva_txn_summary_init(s, sizeof *s), CVA_OK);
        s->capacity = NC_MAX;
        s->customer_id = t.id;
        s->n_txn = t.u[0];
        s->n_occ = t.u[1];
        s->n_refund = t.u[2];
        s->ref_n_txn = t.u[3];
        s->ref_n_cust = t.u[4];
        s->first_t = t.d[0];
        s->last_t = t.d[1];
        s->total_amount = t.d[2];
        s->total_cost = t.d[3];
        s->refund_amount = t.d[4];
        s->frequency = t.d[5];
        s->recency = t.d[6];
        s->T = t.d[7];
        s->monetary_value = t.d[8];
        s->days_since_last = t.d[9];
        s->ref_amount = t.d[10];
        s->ref_last_t = t.d[11];
        if (split) {
            s->frequency_holdout = t.d[12];
            s->monetary_value_holdout = t.d[13];
            s->duration_holdout = t.d[14];
        }
        out[0].p = t.id;
        out[0].bytes = sizeof t.id;
        out[1].p = t.u;
        out[1].bytes = sizeof t.u;
        out[2].p = t.d;
        out[2].bytes = sizeof t.d;
        walk(split ? "cva_txn_summarize (split)" : "cva_txn_summarize", call_txn, &t, out, 3, CVA_FA_NOMEM, 1);
        assert_int_equal(t.s.n_customers, 16);
    }
    assert_status(cva_txn_opts_init_defaults(&t.o, sizeof t.o), CVA_OK);
    t.o.alloc = &AL;
    t.o.period_length = 30.0;
    assert_status(cva_cohort_table_init(&t.c, sizeof t.c), CVA_OK);
    t.c.capacity = NCOH;
    t.c.period = t.period;
    t.c.size = t.size;
    t.c.observed = t.observed;
    t.c.active = t.active;
    t.c.retained = t.retained;
    out[0].p = t.period;
    out[0].bytes = sizeof t.period + sizeof t.observed;
    out[1].p = t.size;
    out[1].bytes = sizeof t.size;
    out[2].p = t.active;
    out[2].bytes = sizeof t.active + sizeof t.retained;
    walk("cva_txn_cohorts", call_cohorts, &t, out, 3, CVA_FA_NOMEM, 1);
}

/* ---- RFM: scores (small and on the sampled selection path), cuts, high influence ---- */

enum { NS = 40, NL = 70000 };

typedef struct rfm_ctx {
    size_t n;
    const double *r, *f, *m;
    cva_rfm_opts o;
    int32_t *sr, *sf, *sm;
    cva_rfm_cuts cuts[3];
    const uint32_t *ref_n;
    const double *ref_amt;
    int32_t *flag;
} rfm_ctx;

static cva_status call_rfm_score(void *c)
{
    rfm_ctx *x = (rfm_ctx *)c;
    return cva_rfm_score(x->r, x->f, x->m, x->n, &x->o, x->sr, x->sf, x->sm, x->cuts, NULL, 0, NULL);
}

static cva_status call_rfm_cuts(void *c)
{
    rfm_ctx *x = (rfm_ctx *)c;
    return cva_rfm_cuts_compute(x->m, x->n, CVA_RFM_ASCENDING, &x->o, CVA_RFM_COL_MONETARY, &x->cuts[0], NULL, 0,
                                NULL);
}

static cva_status call_high_influence(void *c)
{
    rfm_ctx *x = (rfm_ctx *)c;
    return cva_rfm_high_influence_advanced(x->ref_n, x->ref_amt, x->n, 0.2, x->flag, &AL, NULL);
}

static void test_rfm(void **state)
{
    static double r[NL], f[NL], m[NL], amt[NL];
    static uint32_t refn[NL];
    static int32_t sc[3][NL];
    rfm_ctx x;
    cva_fa_region out[6];
    size_t i, si;
    static const size_t SIZES[] = {NS, NL};
    (void)state;
    for (i = 0; i < NL; i++) {
        r[i] = (double)((i * 7919) % 365);
        f[i] = (double)(1 + (i * 31) % 11);
        m[i] = 5.0 + (double)((i * 104729) % 1000) * 0.37;
        refn[i] = (uint32_t)(i % 3 == 0 ? (i * 13) % 7 : 0);
        amt[i] = refn[i] ? 20.0 * (double)refn[i] + (double)(i % 17) : 0.0;
    }
    for (si = 0; si < 2; si++) {
        memset(&x, 0, sizeof x);
        x.n = SIZES[si];
        x.r = r;
        x.f = f;
        x.m = m;
        x.sr = sc[0];
        x.sf = sc[1];
        x.sm = sc[2];
        x.ref_n = refn;
        x.ref_amt = amt;
        x.flag = sc[0];
        assert_status(cva_rfm_opts_init_defaults(&x.o, sizeof x.o), CVA_OK);
        x.o.alloc = &AL;
        for (i = 0; i < 3; i++) {
            out[i].p = sc[i];
            out[i].bytes = x.n * sizeof(int32_t);
        }
        /* cuts: the part after struct_size */
        for (i = 0; i < 3; i++) {
            x.cuts[i].struct_size = sizeof x.cuts[i];
            out[3 + i].p = &x.cuts[i].bins;
            out[3 + i].bytes = sizeof x.cuts[i] - offsetof(cva_rfm_cuts, bins);
        }
        walk(si ? "cva_rfm_score (n = 70000)" : "cva_rfm_score", call_rfm_score, &x, out, 6, CVA_FA_NOMEM, 1);
        out[0].p = &x.cuts[0].bins;
        out[0].bytes = sizeof x.cuts[0] - offsetof(cva_rfm_cuts, bins);
        walk(si ? "cva_rfm_cuts_compute (n = 70000)" : "cva_rfm_cuts_compute", call_rfm_cuts, &x, out, 1,
             CVA_FA_NOMEM, 1);
        out[0].p = sc[0];
        out[0].bytes = x.n * sizeof(int32_t);
        walk(si ? "cva_rfm_high_influence_advanced (n = 70000)" : "cva_rfm_high_influence_advanced",
             call_high_influence, &x, out, 1, CVA_FA_NOMEM, 1);
    }
}

/* ---- tiers without a workspace ---- */

typedef struct tiers_ctx {
    size_t n;
    const double *v, *cost, *pot;
    const int64_t *group;
    cva_tiers_opts o;
    uint64_t *order;
    double *d1, *d2;
    int32_t *lab;
    cva_whale_stats ws;
    cva_profit_diag pd;
    double pts[3];
} tiers_ctx;

static cva_status call_order(void *c)
{
    tiers_ctx *t = (tiers_ctx *)c;
    return cva_value_order(t->v, t->n, &t->o, t->order, t->d1, NULL);
}
static cva_status call_grade(void *c)
{
    tiers_ctx *t = (tiers_ctx *)c;
    return cva_grade(t->v, t->n, &t->o, t->lab, NULL);
}
static cva_status call_pyramid(void *c)
{
    tiers_ctx *t = (tiers_ctx *)c;
    return cva_pyramid(t->v, t->n, &t->o, t->lab, NULL);
}
static cva_status call_classes(void *c)
{
    tiers_ctx *t = (tiers_ctx *)c;
    return cva_value_classes(t->v, t->pot, NULL, NULL, t->n, &t->o, t->lab, t->d1, NULL);
}
static cva_status call_classes_peer(void *c)
{
    tiers_ctx *t = (tiers_ctx *)c;
    return cva_value_classes(t->v, NULL, NULL, t->group, t->n, &t->o, t->lab, t->d1, NULL);
}
static cva_status call_classes_nopot(void *c)
{
    tiers_ctx *t = (tiers_ctx *)c;
    return cva_value_classes(t->v, t->pot, NULL, NULL, t->n, &t->o, t->lab, NULL, NULL);
}
static cva_status call_whale(void *c)
{
    tiers_ctx *t = (tiers_ctx *)c;
    return cva_whale_curve(t->v, t->n, &t->o, t->d1, t->d2, &t->ws, NULL);
}
static cva_status call_lorenz(void *c)
{
    tiers_ctx *t = (tiers_ctx *)c;
    return cva_lorenz(t->v, t->n, &t->o, 11, t->d1, t->d2, NULL);
}
static cva_status call_gini(void *c)
{
    tiers_ctx *t = (tiers_ctx *)c;
    return cva_gini(t->v, t->n, &t->o, t->d1, NULL);
}
static cva_status call_top_share(void *c)
{
    tiers_ctx *t = (tiers_ctx *)c;
    return cva_top_share(t->v, t->n, t->pts, 3, &t->o, t->d1, NULL);
}
static cva_status call_profit_diag(void *c)
{
    tiers_ctx *t = (tiers_ctx *)c;
    return cva_profit_diagnostics(t->d2, t->cost, t->n, &t->o, &t->pd, NULL);
}

static void test_tiers(void **state)
{
    static double v[NL], cost[NL], pot[NL], d1[NL], d2[NL], rev[NL];
    static uint64_t order[NL];
    static int64_t group[NL];
    static int32_t lab[NL];
    static const size_t SIZES[] = {NS, NL};
    tiers_ctx t;
    cva_fa_region out[2];
    size_t i, si;
    (void)state;
    for (i = 0; i < NL; i++) {
        v[i] = (double)((i * 104729) % 5000) * 0.13 - 50.0;
        cost[i] = 1.0 + (double)(i % 23);
        pot[i] = v[i] * (1.0 + (double)(i % 5) * 0.25);
        rev[i] = 10.0 + (double)((i * 7919) % 3000) * 0.21;
        group[i] = (int64_t)(i % 7);
    }
    for (si = 0; si < 2; si++) {
        const char *sfx = si ? " (n = 70000)" : "";
        char name[96];
        memset(&t, 0, sizeof t);
        t.n = SIZES[si];
        t.v = v;
        t.cost = cost;
        t.pot = pot;
        t.group = group;
        t.order = order;
        t.d1 = d1;
        t.d2 = d2;
        t.lab = lab;
        t.pts[0] = 0.01;
        t.pts[1] = 0.2;
        t.pts[2] = 0.5;
        assert_status(cva_tiers_opts_init_defaults(&t.o, sizeof t.o), CVA_OK);
        t.o.alloc = &AL;
        out[0].p = order;
        out[0].bytes = t.n * sizeof(uint64_t);
        out[1].p = d1;
        out[1].bytes = t.n * sizeof(double);
        snprintf(name, sizeof name, "cva_value_order%s", sfx);
        walk(name, call_order, &t, out, 2, CVA_FA_NOMEM, 1);
        out[0].p = lab;
        out[0].bytes = t.n * sizeof(int32_t);
        snprintf(name, sizeof name, "cva_grade%s", sfx);
        walk(name, call_grade, &t, out, 1, CVA_FA_NOMEM, 1);
        snprintf(name, sizeof name, "cva_pyramid%s", sfx);
        walk(name, call_pyramid, &t, out, 1, CVA_FA_NOMEM, 1);
        t.o.potential = CVA_POT_CALLER;
        snprintf(name, sizeof name, "cva_value_classes%s", sfx);
        walk(name, call_classes, &t, out, 2, CVA_FA_NOMEM, 1);
        snprintf(name, sizeof name, "cva_value_classes (no potential_out)%s", sfx);
        walk(name, call_classes_nopot, &t, out, 1, CVA_FA_NOMEM, 1);
        t.o.potential = CVA_POT_PEER_QUANTILE;
        snprintf(name, sizeof name, "cva_value_classes (peer quantile)%s", sfx);
        walk(name, call_classes_peer, &t, out, 2, CVA_FA_NOMEM, 1);
        t.o.potential = CVA_POT_NONE;
        out[0].p = d1;
        out[0].bytes = t.n * sizeof(double);
        out[1].p = d2;
        out[1].bytes = t.n * sizeof(double);
        {
            cva_fa_region w[3];
            w[0] = out[0];
            w[1] = out[1];
            w[2].p = &t.ws;
            w[2].bytes = sizeof t.ws;
            snprintf(name, sizeof name, "cva_whale_curve%s", sfx);
            walk(name, call_whale, &t, w, 3, CVA_FA_NOMEM, 1);
        }
        out[0].bytes = 11 * sizeof(double);
        out[1].bytes = 11 * sizeof(double);
        snprintf(name, sizeof name, "cva_lorenz%s", sfx);
        walk(name, call_lorenz, &t, out, 2, CVA_FA_NOMEM, 1);
        out[0].bytes = sizeof(double);
        snprintf(name, sizeof name, "cva_gini%s", sfx);
        walk(name, call_gini, &t, out, 1, CVA_FA_NOMEM, 1);
        out[0].bytes = 3 * sizeof(double);
        snprintf(name, sizeof name, "cva_top_share%s", sfx);
        walk(name, call_top_share, &t, out, 1, CVA_FA_NOMEM, 1);
        memcpy(d2, rev, t.n * sizeof(double)); /* revenue: not an output here */
        out[0].p = &t.pd;
        out[0].bytes = sizeof t.pd;
        snprintf(name, sizeof name, "cva_profit_diagnostics%s", sfx);
        walk(name, call_profit_diag, &t, out, 1, CVA_FA_NOMEM, 1);
    }
}

/* ---- model fits, CLV, what-if, churn flags ---- */

enum { NM = 300 };
static double X[NM], TX[NM], TT[NM], MX[NM], XD[NM], TXD[NM], TTD[NM];

static void make_customers(void)
{
    size_t i;
    for (i = 0; i < NM; i++) {
        TT[i] = 20.0 + (double)((i * 37) % 20);
        X[i] = (double)((i * 13) % 7);
        TX[i] = X[i] > 0 ? TT[i] * (0.2 + 0.1 * (double)(i % 7)) : 0.0;
        if (i % 3 == 0)
            TX[i] *= 1.0 - 0.001 * (double)(i % 11); /* distinct (x, t_x) */
        MX[i] = X[i] > 0 ? 20.0 + (double)(i % 17) * 2.5 : 0.0;
        TTD[i] = 6.0;
        XD[i] = (double)(i % 7 < 6 ? i % 7 : 2);
        TXD[i] = XD[i] > 0 ? (double)(XD[i] + (double)(i % 2) < 6 ? XD[i] + (double)(i % 2) : 6) : 0.0;
    }
}

typedef struct fit_ctx {
    int32_t model;
    size_t n;
    cva_fit_opts o;
    cva_model_fit fit;
    double surv[8];
} fit_ctx;

static cva_status call_fit(void *c)
{
    fit_ctx *f = (fit_ctx *)c;
    const int d = f->model == CVA_MODEL_BGBB;
    return cva_model_fit_btyd(f->model, d ? XD : X, d ? TXD : TX, d ? TTD : TT, NULL, f->n, &f->o, &f->fit, NULL);
}
static cva_status call_gg_fit(void *c)
{
    fit_ctx *f = (fit_ctx *)c;
    return cva_gg_fit(X, MX, NULL, f->n, &f->o, &f->fit, NULL);
}
static cva_status call_sbg_fit(void *c)
{
    fit_ctx *f = (fit_ctx *)c;
    return cva_sbg_fit(f->surv, 1, 8, &f->o, &f->fit, NULL);
}

static void test_fits(void **state)
{
    static fit_ctx f;
    static const int32_t MODELS[] = {CVA_MODEL_BGNBD, CVA_MODEL_MBGNBD, CVA_MODEL_PNBD, CVA_MODEL_BGBB,
                                     CVA_MODEL_NBD};
    static const double SURV[8] = {1000, 631, 468, 382, 326, 289, 262, 241};
    cva_fa_region out;
    size_t mi;
    (void)state;
    make_customers();
    memset(&f, 0, sizeof f);
    f.n = NM;
    memcpy(f.surv, SURV, sizeof SURV);
    assert_status(cva_fit_opts_init_defaults(&f.o, sizeof f.o), CVA_OK);
    f.o.alloc = &AL;
    assert_status(cva_model_fit_init(&f.fit, sizeof f.fit), CVA_OK);
    out.p = &f.fit.model;
    out.bytes = sizeof f.fit - offsetof(cva_model_fit, model);
    for (mi = 0; mi < sizeof MODELS / sizeof MODELS[0]; mi++) {
        char name[64];
        f.model = MODELS[mi];
        snprintf(name, sizeof name, "cva_model_fit_btyd (model %d)", (int)f.model);
        walk(name, call_fit, &f, &out, 1, CVA_FA_NOMEM, 1);
    }
    walk("cva_gg_fit", call_gg_fit, &f, &out, 1, CVA_FA_NOMEM, 1);
    walk("cva_sbg_fit", call_sbg_fit, &f, &out, 1, CVA_FA_NOMEM, 1);
}

typedef struct pred_ctx {
    int32_t model;
    const double *params;
    cva_clv_opts co;
    cva_whatif_model_opts wo;
    cva_whatif_model_result wr;
    cva_churn_flag_opts fo;
    double out[NM], out2[NM], out3[NM];
    int32_t act[NM], rule[NM];
    double recency[NM], first_t[NM], last_t[NM], p_alive[NM];
    uint32_t n_occ[NM];
} pred_ctx;

static cva_status call_clv(void *c)
{
    pred_ctx *p = (pred_ctx *)c;
    const int d = p->model == CVA_MODEL_BGBB;
    return cva_clv(p->model, p->params, GG, d ? XD : X, d ? TXD : TX, d ? TTD : TT, MX, NM, &p->co, p->out, NULL);
}
static cva_status call_whatif(void *c)
{
    pred_ctx *p = (pred_ctx *)c;
    const int d = p->model == CVA_MODEL_BGBB;
    return cva_whatif_btyd(p->model, p->params, GG, d ? XD : X, d ? TXD : TX, d ? TTD : TT, MX, NM, &p->wo, &p->wr,
                           NULL);
}
static cva_status call_churn(void *c)
{
    pred_ctx *p = (pred_ctx *)c;
    return cva_churn_flags(p->recency, p->n_occ, p->first_t, p->last_t, p->p_alive, MX, NM, &p->fo, p->act, p->rule,
                           p->out, p->out2, NULL);
}

static void test_predictions(void **state)
{
    static pred_ctx p;
    static const struct {
        int32_t model;
        const double *params;
    } M[] = {{CVA_MODEL_BGNBD, BGNBD}, {CVA_MODEL_MBGNBD, BGNBD}, {CVA_MODEL_PNBD, PNBD}, {CVA_MODEL_BGBB, BGBB}};
    static const int32_t STEPS[] = {12, 0};
    cva_fa_region out[4];
    size_t mi, si, i;
    char name[80];
    (void)state;
    make_customers();
    memset(&p, 0, sizeof p);
    out[0].p = p.out;
    out[0].bytes = sizeof p.out;
    for (mi = 0; mi < sizeof M / sizeof M[0]; mi++) {
        p.model = M[mi].model;
        p.params = M[mi].params;
        for (si = 0; si < 2; si++) {
            assert_status(cva_clv_opts_init_defaults(&p.co, sizeof p.co), CVA_OK);
            p.co.steps = STEPS[si];
            if (STEPS[si] == 0)
                p.co.discount = 0.3; /* fewer adaptive steps (each chunk takes the caches again) */
            p.co.alloc = &AL;
            snprintf(name, sizeof name, "cva_clv (model %d, steps %d)", (int)p.model, (int)STEPS[si]);
            /* the purchase models' caches are optional: a failed cache falls back */
            walk(name, call_clv, &p, out, 1, CVA_FA_FALLBACK, 1);
        }
        if (p.model != CVA_MODEL_BGNBD && p.model != CVA_MODEL_PNBD)
            continue; /* cva_whatif_btyd: BG/NBD and Pareto/NBD */
        assert_status(cva_whatif_model_opts_init_defaults(&p.wo, sizeof p.wo), CVA_OK);
        p.wo.alloc = &AL;
        p.wo.delta_retention = 0.05;
        assert_status(cva_whatif_model_result_init(&p.wr, sizeof p.wr), CVA_OK);
        {
            cva_fa_region w;
            w.p = &p.wr.model;
            w.bytes = sizeof p.wr - offsetof(cva_whatif_model_result, model);
            snprintf(name, sizeof name, "cva_whatif_btyd (model %d)", (int)p.model);
            walk(name, call_whatif, &p, &w, 1, CVA_FA_FALLBACK, 1); /* cva_clv inside: its caches fall back */
        }
    }
    for (i = 0; i < NM; i++) {
        p.n_occ[i] = (uint32_t)(X[i] + 1.0);
        p.first_t[i] = (double)(i % 50);
        p.last_t[i] = p.first_t[i] + TX[i] * 7.0;
        p.recency[i] = 400.0 - p.last_t[i];
        p.p_alive[i] = 0.1 + 0.8 * (double)(i % 10) / 10.0;
    }
    assert_status(cva_churn_flag_opts_init_defaults(&p.fo, sizeof p.fo), CVA_OK);
    p.fo.alloc = &AL;
    out[0].p = p.act;
    out[0].bytes = sizeof p.act;
    out[1].p = p.rule;
    out[1].bytes = sizeof p.rule;
    out[2].p = p.out;
    out[2].bytes = sizeof p.out;
    out[3].p = p.out2;
    out[3].bytes = sizeof p.out2;
    walk("cva_churn_flags", call_churn, &p, out, 4, CVA_FA_NOMEM, 1);
}

static int report(void **state)
{
    (void)state;
    print_message("allocation failure: %ld calls, %ld (function, k) cases walked\n", n_calls, n_cases);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_txn),
        cmocka_unit_test(test_rfm),
        cmocka_unit_test(test_tiers),
        cmocka_unit_test(test_fits),
        cmocka_unit_test(test_predictions),
    };
    AL = cva_fa_allocator(&H);
    return cmocka_run_group_tests_name("nomem", tests, NULL, report);
}
