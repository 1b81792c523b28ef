/*
 * Every public function called from several threads at once on shared
 * read-only inputs (docs/reliability.md, "Threads"). Each job calls one or
 * a few functions into its own outputs and folds status and output bytes
 * into a 64-bit FNV-1a hash; the main thread runs every job once first (the
 * single-threaded reference), then NTHREADS threads run all jobs ROUNDS
 * times, each thread in its own rotated order, and every hash must equal the
 * reference: identical bits, not just close values.
 *
 * Built twice: `threads` (plain, suite unit) and, where the compiler has
 * ThreadSanitizer and the build has no other sanitizer, `threads-tsan`: this
 * file compiled together with the library sources under -fsanitize=thread
 * (tests/meson.build), where a data race in lib/ is a TSan report and
 * TSAN_OPTIONS=halt_on_error=1:exitcode=66 turns it into a failure.
 *
 * The `threads-cover` test checks that this file names every symbol of
 * lib/cva.sym (a function added to the library must be added here).
 *
 * pthreads are test-only: the library itself has no threads and no state.
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L /* pthread_barrier_t */
#define CVA_EXPERIMENTAL_API
#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cva/cva.h"

#define NTHREADS 4
#define ROUNDS 2
#define NCUST 150

/* ---- shared read-only inputs, built once by setup() before any thread ---- */
typedef struct shared_in {
    size_t n_rows, n; /* transaction rows, customers */
    int64_t *row_id, *ref_id;
    double *row_t, *row_amount, *row_cost;
    cva_txn_input txn;
    cva_txn_opts txn_opts;
    int64_t id[2 * NCUST + 8];
    uint32_t n_txn[2 * NCUST + 8], n_occ[2 * NCUST + 8], ref_n_txn[2 * NCUST + 8];
    double x[2 * NCUST + 8], t_x[2 * NCUST + 8], T[2 * NCUST + 8], m_x[2 * NCUST + 8];
    double first_t[2 * NCUST + 8], last_t[2 * NCUST + 8], total[2 * NCUST + 8], cost[2 * NCUST + 8];
    double c_rec[2 * NCUST + 8], c_first[2 * NCUST + 8], c_last[2 * NCUST + 8]; /* NaN-free for churn */
    double p_alive[2 * NCUST + 8], dsl[2 * NCUST + 8], ref_amount[2 * NCUST + 8], profit[2 * NCUST + 8];
    double obs_end;
    int32_t r[2 * NCUST + 8], f[2 * NCUST + 8], m[2 * NCUST + 8];
    /* BG/BB data: 6 opportunities */
    double bx[NCUST], btx[NCUST], bn[NCUST];
} shared_in;

static shared_in S;
static const double BGNBD[4] = {0.243, 4.414, 0.793, 2.426};
static const double PNBD[4] = {0.55, 10.58, 0.61, 11.67};
static const double BGBB[4] = {1.20, 0.75, 0.66, 2.78};
static const double GG[3] = {6.25, 3.74, 15.44};
static const double SBG[2] = {0.668, 3.806};
static const double SURV[8] = {1000, 631, 468, 382, 326, 289, 262, 241};

/* ---- hashing ---- */
static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
    const unsigned char *c = (const unsigned char *)p;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= c[i];
        h *= 1099511628211ULL;
    }
    return h;
}
#define H0 14695981039346656037ULL
#define HV(h, v) ((h) = fnv((h), &(v), sizeof(v)))
#define HA(h, a, n) ((h) = fnv((h), (a), (n) * sizeof *(a)))
static uint64_t hstr(uint64_t h, const char *s) { return fnv(h, s ? s : "(null)", strlen(s ? s : "(null)")); }

/* A job returns its hash; *ok is cleared when a call that must succeed did not
   (only checked in the single-threaded reference run). */
typedef uint64_t (*job_fn)(int *ok);
#define NEED(st) do { if ((st) < 0) { *ok = 0; fprintf(stderr, "%s:%d: %s\n", __FILE__, __LINE__, cva_status_name(st)); } } while (0)

/* ---------------------------- common.h ----------------------------------- */
static uint64_t job_common(int *ok)
{
    uint64_t h = H0;
    int s;
    uint32_t v = cva_version_number();
    cva_diag d;
    int32_t id;
    for (s = -14; s <= 10; s++) {
        h = hstr(h, cva_strerror(s));
        h = hstr(h, cva_status_name(s));
    }
    HV(h, v);
    h = hstr(h, cva_version_string());
    s = cva_diag_init(&d, sizeof d);
    NEED(s);
    HV(h, s);
    HA(h, (const unsigned char *)&d, offsetof(cva_diag, detail));
    for (id = 0; id < 40; id++) {
        size_t z = cva_sizeof(id);
        HV(h, z);
    }
    for (id = 0; id < 330; id++)
        h = hstr(h, cva_label(id));
    return h;
}

/* ------------------------------- txn.h ------------------------------------ */
static uint64_t job_txn(int *ok)
{
    uint64_t h = H0;
    cva_txn_opts o;
    cva_txn_summary s;
    cva_diag d;
    size_t ws = 0, cap = 2 * S.n_rows;
    int64_t *id = (int64_t *)calloc(cap, sizeof *id);
    uint32_t *nt = (uint32_t *)calloc(cap, sizeof *nt), *rn = (uint32_t *)calloc(cap, sizeof *rn);
    double *fr = (double *)calloc(cap, sizeof *fr), *rc = (double *)calloc(cap, sizeof *rc),
           *tt = (double *)calloc(cap, sizeof *tt), *mv = (double *)calloc(cap, sizeof *mv),
           *ho = (double *)calloc(cap, sizeof *ho);
    void *work;
    cva_status st;
    st = cva_txn_opts_init_defaults(&o, sizeof o);
    NEED(st);
    o.calibration_end = 300;
    st = cva_txn_summary_init(&s, sizeof s);
    NEED(st);
    st = cva_txn_workspace_size(&S.txn, &o, &ws);
    NEED(st);
    HV(h, ws);
    work = malloc(ws);
    s.capacity = cap;
    s.customer_id = id;
    s.n_txn = nt;
    s.ref_n_txn = rn;
    s.frequency = fr;
    s.recency = rc;
    s.T = tt;
    s.monetary_value = mv;
    s.frequency_holdout = ho;
    cva_diag_init(&d, sizeof d);
    st = cva_txn_summarize(&S.txn, &o, &s, work, ws, &d);
    NEED(st);
    HV(h, st);
    HV(h, s.n_customers);
    HA(h, id, s.n_customers);
    HA(h, nt, s.n_customers);
    HA(h, rn, s.n_customers);
    HA(h, fr, s.n_customers);
    HA(h, rc, s.n_customers);
    HA(h, tt, s.n_customers);
    HA(h, mv, s.n_customers);
    HA(h, ho, s.n_customers);
    HV(h, s.obs_end);
    free(work);
    free(id); free(nt); free(rn); free(fr); free(rc); free(tt); free(mv); free(ho);
    return h;
}

/* ------------------------------ cohort.h ---------------------------------- */
static uint64_t job_cohort(int *ok)
{
    uint64_t h = H0;
    cva_cohort_table t;
    cva_txn_opts o;
    size_t ws = 0;
    enum { CAP = 64 };
    static const size_t cap = CAP;
    double *act = (double *)calloc(CAP * CAP, sizeof(double)), *ret = (double *)calloc(CAP * CAP, sizeof(double));
    double size[CAP] = {0};
    void *work;
    cva_status st = cva_cohort_table_init(&t, sizeof t);
    NEED(st);
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.period_length = 30;
    st = cva_txn_cohorts_workspace_size(&S.txn, &ws);
    NEED(st);
    work = malloc(ws);
    t.capacity = cap;
    t.size = size;
    t.active = act;
    t.retained = ret;
    st = cva_txn_cohorts(&S.txn, &o, &t, work, ws, NULL);
    NEED(st);
    HV(h, st);
    HV(h, t.n_cohorts);
    HV(h, t.first_period);
    HV(h, t.n_customers);
    if (st >= 0) {
        HA(h, size, t.n_cohorts);
        HA(h, act, t.n_cohorts * t.n_cohorts);
        HA(h, ret, t.n_cohorts * t.n_cohorts);
    }
    free(work);
    free(act);
    free(ret);
    return h;
}

/* ------------------------------- rfm.h ------------------------------------ */
static uint64_t job_rfm(int *ok)
{
    uint64_t h = H0;
    size_t n = S.n, ws = 0, nr = 0, ns = 0;
    cva_rfm_opts o;
    cva_rfm_cuts cuts[3], c1;
    const cva_rfm_rule *rules = NULL;
    int32_t *r = (int32_t *)calloc(n, sizeof(int32_t)), *f = (int32_t *)calloc(n, sizeof(int32_t)),
            *m = (int32_t *)calloc(n, sizeof(int32_t)), *cell = (int32_t *)calloc(n, sizeof(int32_t)),
            *seg = (int32_t *)calloc(n, sizeof(int32_t)), *sc = (int32_t *)calloc(n, sizeof(int32_t)),
            *flag = (int32_t *)calloc(n, sizeof(int32_t)), *flag2 = (int32_t *)calloc(n, sizeof(int32_t));
    double *rec = (double *)calloc(n, sizeof(double)), *fq = (double *)calloc(n, sizeof(double)),
           *mo = (double *)calloc(n, sizeof(double)), *w = (double *)calloc(n, sizeof(double)),
           *fm = (double *)calloc(n, sizeof(double));
    uint32_t rule_cells[64] = {0}, unc = 0, shad = 0, unr = 0;
    cva_rfm_segment_stat stats[64];
    void *work;
    cva_status st = cva_rfm_opts_init_defaults(&o, sizeof o);
    NEED(st);
    memset(stats, 0, sizeof stats);
    st = cva_rfm_raw(S.obs_end, S.last_t, S.n_txn, S.n_occ, S.total, S.m_x, n, &o, rec, fq, mo, NULL);
    NEED(st);
    HV(h, st);
    HA(h, rec, n); HA(h, fq, n); HA(h, mo, n);
    st = cva_rfm_workspace_size(n, &ws);
    NEED(st);
    work = malloc(ws);
    memset(cuts, 0, sizeof cuts);
    cuts[0].struct_size = cuts[1].struct_size = cuts[2].struct_size = sizeof(cva_rfm_cuts);
    st = cva_rfm_score(rec, fq, mo, n, &o, r, f, m, cuts, work, ws, NULL);
    NEED(st);
    HV(h, st);
    HA(h, r, n); HA(h, f, n); HA(h, m, n);
    HA(h, (const unsigned char *)cuts, sizeof cuts);
    memset(&c1, 0, sizeof c1);
    c1.struct_size = sizeof c1;
    st = cva_rfm_cuts_compute(mo, n, CVA_RFM_ASCENDING, &o, CVA_RFM_COL_MONETARY, &c1, work, ws, NULL);
    NEED(st);
    st = cva_rfm_assign(mo, 0, n, &c1, 0, sc, NULL);
    NEED(st);
    HV(h, st);
    HA(h, sc, n);
    HA(h, c1.count, 5);
    st = cva_rfm_composite(r, f, m, n, &o, cell, w, fm, NULL);
    NEED(st);
    HA(h, cell, n); HA(h, w, n); HA(h, fm, n);
    st = cva_rfm_map_get(CVA_RFM_MAP_RFM11_HEBBALI, &rules, &nr);
    NEED(st);
    HV(h, nr);
    st = cva_rfm_segment(r, f, m, n, 5, rules, nr, seg, NULL);
    NEED(st);
    HV(h, st);
    HA(h, seg, n);
    st = cva_rfm_map_check(rules, nr, 5, rule_cells, &unc, &shad, &unr, NULL);
    NEED(st);
    HV(h, st);
    HA(h, rule_cells, nr); HV(h, unc); HV(h, shad); HV(h, unr);
    st = cva_rfm_report(seg, r, f, m, S.total, n, stats, 64, &ns, NULL);
    NEED(st);
    HV(h, ns);
    HA(h, (const unsigned char *)stats, ns * sizeof stats[0]);
    st = cva_rfm_high_influence(S.ref_n_txn, S.ref_amount, n, 0.2, flag, NULL);
    NEED(st);
    HV(h, st);
    HA(h, flag, n);
    st = cva_rfm_high_influence_advanced(S.ref_n_txn, S.ref_amount, n, 0.2, flag2, NULL, NULL);
    NEED(st);
    HA(h, flag2, n);
    free(work);
    free(r); free(f); free(m); free(cell); free(seg); free(sc); free(flag); free(flag2);
    free(rec); free(fq); free(mo); free(w); free(fm);
    return h;
}

/* ------------------------------ tiers.h ----------------------------------- */
static uint64_t job_tiers(int *ok)
{
    uint64_t h = H0;
    size_t n = S.n, ws = 0;
    cva_tiers_opts o;
    uint64_t *order = (uint64_t *)calloc(n, sizeof(uint64_t));
    double *sorted = (double *)calloc(n, sizeof(double)), *cum = (double *)calloc(n, sizeof(double)),
           *whale = (double *)calloc(n, sizeof(double)), *pot = (double *)calloc(n, sizeof(double)),
           *pot_out = (double *)calloc(n, sizeof(double)), *cout_ = (double *)calloc(n, sizeof(double)),
           *pout = (double *)calloc(n, sizeof(double));
    int32_t *grade = (int32_t *)calloc(n, sizeof(int32_t)), *tier = (int32_t *)calloc(n, sizeof(int32_t)),
            *cls = (int32_t *)calloc(n, sizeof(int32_t));
    double gini = 0, p[11] = {0}, lor[11] = {0}, share[3] = {0};
    static const double ps[3] = {0.01, 0.1, 0.2};
    static const int32_t codes[4] = {101, 102, 103, 104};
    cva_whale_stats wst;
    cva_profit_diag pd;
    cva_tier_stat ts[4];
    size_t i;
    cva_status st = cva_tiers_opts_init_defaults(&o, sizeof o);
    NEED(st);
    for (i = 0; i < n; i++)
        pot[i] = 1.5 * S.total[i] + 10.0;
    st = cva_tiers_workspace_size(n, CVA_TIERS_WS_ALL, &ws);
    NEED(st);
    HV(h, ws);
    st = cva_value_order(S.profit, n, &o, order, sorted, NULL);
    NEED(st); HV(h, st); HA(h, order, n); HA(h, sorted, n);
    st = cva_gini(S.profit, n, &o, &gini, NULL);
    NEED(st); HV(h, st); HV(h, gini);
    st = cva_lorenz(S.profit, n, &o, 11, p, lor, NULL);
    NEED(st); HV(h, st); HA(h, p, 11); HA(h, lor, 11);
    st = cva_top_share(S.profit, n, ps, 3, &o, share, NULL);
    NEED(st); HV(h, st); HA(h, share, 3);
    memset(&wst, 0, sizeof wst);
    st = cva_whale_curve(S.profit, n, &o, cum, whale, &wst, NULL);
    NEED(st); HV(h, st); HA(h, cum, n); HA(h, whale, n); HV(h, wst);
    st = cva_grade(S.profit, n, &o, grade, NULL);
    NEED(st); HV(h, st); HA(h, grade, n);
    st = cva_pyramid(S.profit, n, &o, tier, NULL);
    NEED(st); HV(h, st); HA(h, tier, n);
    st = cva_value_classes(S.total, pot, NULL, NULL, n, &o, cls, pot_out, NULL);
    NEED(st); HV(h, st); HA(h, cls, n); HA(h, pot_out, n);
    st = cva_customer_profit(S.total, S.cost, S.n_txn, n, &o, cout_, pout, NULL);
    NEED(st); HV(h, st); HA(h, cout_, n); HA(h, pout, n);
    memset(&pd, 0, sizeof pd);
    st = cva_profit_diagnostics(S.total, S.cost, n, &o, &pd, NULL);
    NEED(st); HV(h, st); HV(h, pd);
    memset(ts, 0, sizeof ts);
    st = cva_tier_stats(tier, S.profit, n, codes, 4, ts, NULL);
    NEED(st); HV(h, st); HA(h, (const unsigned char *)ts, sizeof ts);
    free(order); free(sorted); free(cum); free(whale); free(pot); free(pot_out); free(cout_); free(pout);
    free(grade); free(tier); free(cls);
    return h;
}

/* ------------------------------ churn.h ----------------------------------- */
static uint64_t job_fit(int *ok)
{
    uint64_t h = H0;
    cva_fit_opts o;
    cva_model_fit fit;
    double aic = 0, bic = 0, stat = 0, pv = 0;
    int32_t mdl, i;
    cva_status st = cva_fit_opts_init_defaults(&o, sizeof o);
    NEED(st);
    for (mdl = CVA_MODEL_BGNBD; mdl <= CVA_MODEL_NBD; mdl++) {
        int32_t k = cva_model_n_params(mdl);
        HV(h, k);
        for (i = 0; i < 4; i++)
            h = hstr(h, cva_model_param_name(mdl, i));
    }
    st = cva_model_fit_init(&fit, sizeof fit);
    NEED(st);
    st = cva_model_fit_btyd(CVA_MODEL_BGNBD, S.x, S.t_x, S.T, NULL, S.n, &o, &fit, NULL);
    NEED(st); HV(h, st); HV(h, fit);
    st = cva_model_ic(&fit, &aic, &bic, NULL);
    NEED(st); HV(h, aic); HV(h, bic);
    st = cva_lr_test(-9600.0, 2, -9580.0, 4, &stat, &pv, NULL);
    NEED(st); HV(h, stat); HV(h, pv);
    cva_model_fit_init(&fit, sizeof fit);
    st = cva_model_fit_btyd(CVA_MODEL_BGBB, S.bx, S.btx, S.bn, NULL, S.n < NCUST ? S.n : NCUST, &o, &fit, NULL);
    NEED(st); HV(h, st); HV(h, fit);
    cva_model_fit_init(&fit, sizeof fit);
    st = cva_gg_fit(S.x, S.m_x, NULL, S.n, &o, &fit, NULL);
    NEED(st); HV(h, st); HV(h, fit);
    cva_model_fit_init(&fit, sizeof fit);
    st = cva_sbg_fit(SURV, 1, 8, &o, &fit, NULL);
    NEED(st); HV(h, st); HV(h, fit);
    return h;
}

static uint64_t job_predict(int *ok)
{
    uint64_t h = H0;
    size_t n = S.n;
    double *ll = (double *)calloc(n, sizeof(double)), *out = (double *)calloc(n, sizeof(double)),
           *cp = (double *)calloc(4 * n, sizeof(double));
    double llsum = 0, grad[4] = {0}, tpop[3] = {10, 20, 39}, pop[3] = {0}, pn[5] = {0}, cum[5] = {0}, inc[5] = {0}, acc[8] = {0};
    static const double birth[3] = {0, 1, 2}, tt[5] = {5, 10, 20, 30, 39};
    int32_t *flag = (int32_t *)calloc(n, sizeof(int32_t));
    double corr = 0;
    const double *par[2] = {BGNBD, PNBD};
    int32_t mdl[2] = {CVA_MODEL_BGNBD, CVA_MODEL_PNBD};
    int j;
    cva_status st;
    for (j = 0; j < 2; j++) {
        st = cva_model_loglik(mdl[j], par[j], S.x, S.t_x, S.T, n, ll, &llsum, grad, NULL);
        NEED(st); HV(h, st); HA(h, ll, n); HV(h, llsum); HA(h, grad, 4);
        st = cva_model_p_alive(mdl[j], par[j], 0.0, S.x, S.t_x, S.T, n, out, NULL, NULL);
        NEED(st); HV(h, st); HA(h, out, n);
        st = cva_model_expected(mdl[j], par[j], 39.0, S.x, S.t_x, S.T, n, out, NULL, NULL);
        NEED(st); HV(h, st); HA(h, out, n);
        st = cva_model_predict(mdl[j], par[j], 5.0, 39.0, S.x, S.t_x, S.T, n, out, ll, NULL, NULL);
        NEED(st); HV(h, st); HA(h, out, n); HA(h, ll, n);
        st = cva_model_expected_pop(mdl[j], par[j], tpop, 3, pop, NULL);
        NEED(st); HV(h, st); HA(h, pop, 3);
        st = cva_model_prob_n(mdl[j], par[j], 39.0, 5, pn, NULL);
        NEED(st); HV(h, st); HA(h, pn, 5);
        st = cva_model_cond_prob_n(mdl[j], par[j], 39.0, S.x, S.t_x, S.T, n, 4, cp, NULL, NULL);
        NEED(st); HV(h, st); HA(h, cp, 4 * n);
        st = cva_model_cond_variance(mdl[j], par[j], 39.0, S.x, S.t_x, S.T, n, out, NULL, NULL);
        NEED(st); HV(h, st); HA(h, out, n);
        st = cva_model_dert(mdl[j], par[j], 0.0022, S.x, S.t_x, S.T, n, out, NULL, NULL);
        NEED(st); HV(h, st); HA(h, out, n);
        st = cva_model_tracking(mdl[j], par[j], birth, NULL, 3, tt, 5, cum, inc, NULL);
        NEED(st); HV(h, st); HA(h, cum, 5); HA(h, inc, 5);
    }
    st = cva_model_p_alive(CVA_MODEL_BGBB, BGBB, 0.0, S.bx, S.btx, S.bn, NCUST, out, NULL, NULL);
    NEED(st); HV(h, st); HA(h, out, NCUST);
    st = cva_forecast_accuracy(S.x, S.t_x, NULL, n, acc, NULL);
    NEED(st); HV(h, st); HA(h, acc, 8);
    st = cva_gg_expected_spend(GG, S.x, S.m_x, n, out, flag, NULL);
    NEED(st); HV(h, st); HA(h, out, n); HA(h, flag, n);
    st = cva_gg_correlation(S.x, S.m_x, NULL, n, &corr, NULL);
    NEED(st); HV(h, st); HV(h, corr);
    free(ll); free(out); free(cp); free(flag);
    return h;
}

static uint64_t job_sbg(int *ok)
{
    uint64_t h = H0;
    double ret[8] = {0}, sur[8] = {0}, ch[8] = {0}, s2[12] = {0}, r2[12] = {0}, c2[12] = {0}, del = 0, derl = 0;
    cva_status st = cva_cohort_curves(SURV, 1, 8, ret, sur, ch, NULL);
    NEED(st); HV(h, st); HA(h, ret, 8); HA(h, sur, 8); HA(h, ch, 8);
    st = cva_sbg_curves(SBG, 12, s2, r2, c2, NULL);
    NEED(st); HV(h, st); HA(h, s2, 12); HA(h, r2, 12); HA(h, c2, 12);
    st = cva_sbg_lifetime(SBG, 0.1, 3.0, &del, &derl, NULL);
    NEED(st); HV(h, st); HV(h, del); HV(h, derl);
    return h;
}

/* ---------------------------- retention.h --------------------------------- */
static uint64_t job_clv(int *ok)
{
    uint64_t h = H0;
    size_t n = S.n;
    double *out = (double *)calloc(n, sizeof(double)), *m_x = (double *)calloc(n, sizeof(double));
    cva_clv_opts o;
    cva_clv_terms t;
    double clv = 0, mult = 0, e1 = 0, e2 = 0, e3 = 0, ce1 = 0, ce2 = 0, nss = 0, pss = 0;
    static const double n_new[3] = {100, 120, 140};
    size_t i;
    cva_status st = cva_clv_opts_init_defaults(&o, sizeof o);
    NEED(st);
    for (i = 0; i < n; i++)
        m_x[i] = S.x[i] > 0 ? S.m_x[i] : 0.0;
    st = cva_clv(CVA_MODEL_BGNBD, BGNBD, GG, S.x, S.t_x, S.T, m_x, n, &o, out, NULL);
    NEED(st); HV(h, st); HA(h, out, n);
    st = cva_clv(CVA_MODEL_PNBD, PNBD, GG, S.x, S.t_x, S.T, m_x, n, &o, out, NULL);
    NEED(st); HV(h, st); HA(h, out, n);
    st = cva_clv_terms_init_defaults(&t, sizeof t);
    NEED(st);
    st = cva_clv_constant(100.0, 0.8, &t, &clv, &mult, NULL);
    NEED(st); HV(h, st); HV(h, clv); HV(h, mult);
    st = cva_retention_elasticities(100.0, 0.8, 50.0, &t, &e1, &e2, &e3, NULL);
    NEED(st); HV(h, st); HV(h, e1); HV(h, e2); HV(h, e3);
    st = cva_customer_equity(1000.0, 100.0, 0.8, 50.0, n_new, 3, 150.0, &t, &ce1, &ce2, NULL);
    NEED(st); HV(h, st); HV(h, ce1); HV(h, ce2);
    st = cva_steady_state_profit(100.0, 50.0, 0.8, 0.02, 40.0, &nss, &pss, NULL);
    NEED(st); HV(h, st); HV(h, nss); HV(h, pss);
    free(out);
    free(m_x);
    return h;
}

static uint64_t job_whatif(int *ok)
{
    uint64_t h = H0;
    size_t n = S.n, i;
    cva_whatif_inputs in;
    cva_whatif_result r;
    cva_whatif_model_opts mo;
    cva_whatif_model_result mr;
    double *m_x = (double *)calloc(n, sizeof(double));
    static const double counts[5] = {1000, 631, 468, 382, 326};
    cva_status st = cva_whatif_inputs_init_defaults(&in, sizeof in);
    NEED(st);
    in.customers = 1000;
    in.margin = 100;
    in.retention = 0.8;
    in.delta_retention = 0.05;
    st = cva_whatif_result_init(&r, sizeof r);
    NEED(st);
    st = cva_whatif(&in, &r, NULL);
    NEED(st); HV(h, st); HV(h, r);
    st = cva_whatif_model_opts_init_defaults(&mo, sizeof mo);
    NEED(st);
    st = cva_whatif_model_result_init(&mr, sizeof mr);
    NEED(st);
    st = cva_whatif_sbg(SBG, counts, 5, &mo, &mr, NULL);
    NEED(st); HV(h, st); HV(h, mr);
    for (i = 0; i < n; i++)
        m_x[i] = S.x[i] > 0 ? S.m_x[i] : 0.0;
    cva_whatif_model_result_init(&mr, sizeof mr);
    st = cva_whatif_btyd(CVA_MODEL_BGNBD, BGNBD, GG, S.x, S.t_x, S.T, m_x, n, &mo, &mr, NULL);
    NEED(st); HV(h, st); HV(h, mr);
    free(m_x);
    return h;
}

static uint64_t job_churn(int *ok)
{
    uint64_t h = H0;
    size_t n = S.n;
    int32_t r;
    cva_churn_flag_opts o;
    int32_t *act = (int32_t *)calloc(n, sizeof(int32_t)), *rule = (int32_t *)calloc(n, sizeof(int32_t));
    double *var = (double *)calloc(n, sizeof(double)), *med = (double *)calloc(n, sizeof(double));
    cva_status st;
    for (r = -1; r < 12; r++)
        h = hstr(h, cva_churn_rule_name(r));
    st = cva_churn_flag_opts_init_defaults(&o, sizeof o);
    NEED(st);
    st = cva_churn_flags(S.c_rec, S.n_occ, S.c_first, S.c_last, S.p_alive, S.total, n, &o, act, rule, var, med, NULL);
    NEED(st); HV(h, st); HA(h, act, n); HA(h, rule, n); HA(h, var, n); HA(h, med, n);
    free(act); free(rule); free(var); free(med);
    return h;
}

/* ------------------------------ ladder.h ---------------------------------- */
static uint64_t job_ladder(int *ok)
{
    uint64_t h = H0;
    size_t n = S.n, i;
    cva_ladder_opts o;
    cva_ladder_input in;
    cva_ladder_migration_input mi;
    cva_ladder_migration mig;
    uint32_t *refs = (uint32_t *)calloc(n, sizeof(uint32_t)), *reft = (uint32_t *)calloc(n, sizeof(uint32_t));
    int32_t *stage = (int32_t *)calloc(n, sizeof(int32_t)), *by = (int32_t *)calloc(n, sizeof(int32_t)),
            *hr = (int32_t *)calloc(n, sizeof(int32_t)), *act = (int32_t *)calloc(n, sizeof(int32_t)),
            *stage2 = (int32_t *)calloc(n, sizeof(int32_t));
    double *ten = (double *)calloc(n, sizeof(double)), *rec = (double *)calloc(n, sizeof(double));
    uint64_t rung[8] = {0}, rules[32] = {0}, bonds[8] = {0};
    static const double P[9] = {0.7, 0.2, 0.1, 0.1, 0.8, 0.1, 0.0, 0.1, 0.9}, pi0[3] = {1, 0, 0}, val[3] = {1, 5, 9};
    double traj[3 * 6] = {0}, tv = 0;
    int32_t k;
    cva_status st = cva_ladder_opts_init_defaults(&o, sizeof o);
    NEED(st);
    for (k = -1; k < 12; k++) {
        int32_t a = cva_ladder_rule_rung(k), b = cva_ladder_suggested_bond(k);
        h = hstr(h, cva_ladder_state_name(k));
        h = hstr(h, cva_ladder_rule_name(k));
        h = hstr(h, cva_ladder_bond_name(k));
        HV(h, a);
        HV(h, b);
    }
    st = cva_ladder_referrals(&S.txn, &S.txn_opts, S.obs_end, &o, S.id, n, refs, reft, NULL);
    NEED(st); HV(h, st); HA(h, refs, n); HA(h, reft, n);
    for (i = 0; i < n; i++) {
        ten[i] = isnan(S.first_t[i]) ? S.first_t[i] : S.obs_end - S.first_t[i];
        rec[i] = isnan(S.last_t[i]) ? S.last_t[i] : S.obs_end - S.last_t[i];
    }
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = n;
    in.n_occ = S.n_occ;
    in.tenure = ten;
    in.recency = rec;
    in.referrals = refs;
    in.referrals_total = reft;
    st = cva_ladder_classify(&in, &o, stage, by, hr, act, NULL);
    NEED(st); HV(h, st); HA(h, stage, n); HA(h, by, n); HA(h, hr, n); HA(h, act, n);
    st = cva_ladder_counts(stage, by, NULL, n, rung, rules, NULL, NULL);
    NEED(st); HV(h, st); HA(h, rung, 8); HA(h, rules, 32);
    (void)bonds;
    for (i = 0; i < n; i++)
        stage2[i] = stage[i] < CVA_LADDER_PARTNER && i % 3 == 0 ? stage[i] + 1 : stage[i];
    memset(&mi, 0, sizeof mi);
    mi.struct_size = sizeof mi;
    mi.n = n;
    mi.stage_from = stage;
    mi.stage_to = stage2;
    memset(&mig, 0, sizeof mig);
    mig.struct_size = sizeof mig;
    st = cva_ladder_migrate(&mi, &o, &mig, NULL);
    NEED(st); HV(h, st); HV(h, mig);
    st = cva_ladder_project(P, 3, pi0, 5, val, 0.1, traj, &tv, NULL);
    NEED(st); HV(h, st); HA(h, traj, 18); HV(h, tv);
    free(refs); free(reft); free(stage); free(by); free(hr); free(act); free(stage2); free(ten); free(rec);
    return h;
}

/* -------------------------------- sim.h ----------------------------------- */
static uint64_t job_sim(int *ok)
{
    uint64_t h = H0;
    cva_sim_opts o;
    size_t rows = 0, n = 40;
    int64_t *id;
    double *t, *a, x[40] = {0}, tx[40] = {0}, mx[40] = {0}, sv[10] = {0};
    cva_status st = cva_sim_opts_init_defaults(&o, sizeof o);
    NEED(st);
    o.seed = 7;
    st = cva_sim_transactions(&o, n, NULL, NULL, NULL, 0, &rows, NULL);
    NEED(st);
    HV(h, rows);
    id = (int64_t *)calloc(rows, sizeof *id);
    t = (double *)calloc(rows, sizeof *t);
    a = (double *)calloc(rows, sizeof *a);
    st = cva_sim_transactions(&o, n, id, t, a, rows, &rows, NULL);
    NEED(st); HV(h, st); HA(h, id, rows); HA(h, t, rows); HA(h, a, rows);
    st = cva_sim_btyd(CVA_MODEL_BGNBD, BGNBD, S.T, n, 11, x, tx, NULL);
    NEED(st); HV(h, st); HA(h, x, n); HA(h, tx, n);
    st = cva_sim_gg(GG, x, n, 12, mx, NULL);
    NEED(st); HV(h, st); HA(h, mx, n);
    st = cva_sim_sbg(SBG, 1000.0, 10, 13, sv, NULL);
    NEED(st); HV(h, st); HA(h, sv, 10);
    free(id); free(t); free(a);
    return h;
}

/* ---------------------------- regularity.h -------------------------------- */
static const double CNBD[4] = {0.85, 4.0, 1.2, 3.5}; /* r, alpha, a, b */

static uint64_t job_regularity(int *ok)
{
    uint64_t h = H0;
    size_t n = S.n, i, j, nt = 0, used = 0, off[41];
    enum { NC = 40 };
    double *ll = (double *)calloc(n, sizeof(double)), *out = (double *)calloc(n, sizeof(double)),
           *x = (double *)calloc(n, sizeof(double)), *tx = (double *)calloc(n, sizeof(double)),
           *lt = (double *)calloc(n, sizeof(double));
    double llsum = 0, grad[4] = {0}, pop[3] = {0}, t[NC * 5], litt[NC] = {0}, khat = 0;
    static const double tpop[3] = {10, 20, 39};
    cva_model_fit fit;
    int32_t k = 0;
    cva_status st;
    st = cva_cnbd_loglik(CVA_MODEL_BGCNBD, 2, CNBD, S.x, S.t_x, S.T, NULL, n, &llsum, grad, ll, NULL);
    NEED(st); HV(h, st); HV(h, llsum); HA(h, grad, 4); HA(h, ll, n);
    st = cva_cnbd_p_alive(CVA_MODEL_MBGCNBD, 2, CNBD, S.x, S.t_x, S.T, n, out, NULL);
    NEED(st); HV(h, st); HA(h, out, n);
    st = cva_cnbd_expected(CVA_MODEL_BGCNBD, 3, CNBD, 39.0, S.x, S.t_x, S.T, n, out, NULL);
    NEED(st); HV(h, st); HA(h, out, n);
    st = cva_cnbd_expected_pop(CVA_MODEL_MBGCNBD, 2, CNBD, tpop, 3, pop, NULL);
    NEED(st); HV(h, st); HA(h, pop, 3);
    st = cva_sim_cnbd(CVA_MODEL_MBGCNBD, 2, CNBD, S.T, n, 77, x, tx, lt, NULL);
    NEED(st); HV(h, st); HA(h, x, n); HA(h, tx, n); HA(h, lt, n);
    cva_model_fit_init(&fit, sizeof fit);
    st = cva_cnbd_fit(CVA_MODEL_MBGCNBD, 2, 0, x, tx, S.T, lt, NULL, n, NULL, &fit, &k, NULL);
    NEED(st); HV(h, st); HV(h, fit); HV(h, k);
    /* NC customers with 1..5 purchases at strictly increasing times */
    off[0] = 0;
    for (i = 0; i < NC; i++) {
        double ti = 0.1 * (double)i;
        for (j = 0; j <= i % 5; j++) {
            ti += 1.0 + (double)((i * 7 + j * 3) % 11) / 3.0;
            t[nt++] = ti;
        }
        off[i + 1] = nt;
    }
    st = cva_log_itt_sum(t, off, NC, litt, NULL);
    NEED(st); HV(h, st); HA(h, litt, NC);
    st = cva_regularity_wheat(t, off, NC, &khat, &used, NULL);
    NEED(st); HV(h, st); HV(h, khat); HV(h, used);
    free(ll); free(out); free(x); free(tx); free(lt);
    return h;
}

/* ---------------------------- covariates.h -------------------------------- */
static uint64_t job_covariates(int *ok)
{
    uint64_t h = H0;
    size_t n = S.n, i;
    double *z = (double *)calloc(2 * n, sizeof(double)), *ip = (double *)calloc(4 * n, sizeof(double)),
           *ll = (double *)calloc(n, sizeof(double)), *out = (double *)calloc(n, sizeof(double));
    double llsum = 0, grad[4 + 2 * 2] = {0};
    cva_cov_opts co;
    cva_cov_fit cf;
    cva_model_fit fit;
    cva_status st;
    for (i = 0; i < n; i++) {
        z[2 * i] = (double)(i % 2);
        z[2 * i + 1] = -1.0 + 0.5 * (double)((i / 2) % 5);
    }
    st = cva_cov_opts_init_defaults(&co, sizeof co);
    NEED(st);
    co.n_cov = 2;
    st = cva_cov_fit_init(&cf, sizeof cf);
    NEED(st);
    cva_model_fit_init(&fit, sizeof fit);
    st = cva_cov_fit_btyd(CVA_MODEL_PNBD, S.x, S.t_x, S.T, z, NULL, n, &co, NULL, &fit, &cf, NULL);
    NEED(st); HV(h, st); HV(h, fit); HV(h, cf);
    st = cva_cov_individual_params(fit.params, &cf, z, n, ip, NULL);
    NEED(st); HV(h, st); HA(h, ip, 4 * n);
    st = cva_cov_loglik(fit.params, &cf, S.x, S.t_x, S.T, z, n, ll, &llsum, grad, NULL, NULL);
    NEED(st); HV(h, st); HA(h, ll, n); HV(h, llsum); HA(h, grad, 8);
    st = cva_cov_predict(fit.params, &cf, CVA_COV_P_ALIVE, 0.0, S.x, S.t_x, S.T, z, n, out, NULL, NULL);
    NEED(st); HV(h, st); HA(h, out, n);
    st = cva_cov_predict(fit.params, &cf, CVA_COV_EXPECTED, 39.0, S.x, S.t_x, S.T, z, n, out, NULL, NULL);
    NEED(st); HV(h, st); HA(h, out, n);
    st = cva_cov_predict(fit.params, &cf, CVA_COV_DERT, 0.0022, S.x, S.t_x, S.T, z, n, out, NULL, NULL);
    NEED(st); HV(h, st); HA(h, out, n);
    free(z); free(ip); free(ll); free(out);
    return h;
}

/* ------------------- churn.h: distributed fit, predict opts ---------------- */
typedef struct dist_ctx { int32_t model; size_t cut; } dist_ctx;

/* The objective of cva_model_fit_loglik(): S cut into two blocks [0, cut), [cut, n). */
static cva_status dist_sum(void *user, const double *params, double time_scale, double *ll_sum, double *grad)
{
    const dist_ctx *c = (const dist_ctx *)user;
    cva_loglik_block tot, b;
    size_t k, a[3];
    cva_status st = cva_loglik_block_init(&tot, sizeof tot);
    if (st < 0)
        return st;
    a[0] = 0;
    a[1] = c->cut;
    a[2] = S.n;
    for (k = 0; k < 2; k++) {
        st = cva_loglik_block_init(&b, sizeof b);
        if (st < 0)
            return st;
        st = cva_model_loglik_block(c->model, params, time_scale, S.x + a[k], S.t_x + a[k], S.T + a[k], NULL,
                                    a[k + 1] - a[k], NULL, &b, NULL);
        if (st == CVA_E_DOMAIN) { /* outside the domain: the optimiser steps back */
            *ll_sum = (double)NAN;
            return CVA_OK;
        }
        if (st < 0)
            return st;
        st = cva_loglik_block_add(&tot, &b, NULL);
        if (st < 0)
            return st;
    }
    *ll_sum = tot.ll_sum;
    for (k = 0; k < 4; k++)
        grad[k] = tot.grad[k];
    return CVA_OK;
}

static uint64_t job_dist(int *ok)
{
    uint64_t h = H0;
    size_t n = S.n, k;
    double *out = (double *)calloc(n, sizeof(double));
    dist_ctx c;
    cva_loglik_block tot, b;
    cva_model_fit fit;
    cva_predict_opts po;
    double ll = 0, grad[4] = {0};
    cva_status st;
    c.model = CVA_MODEL_BGNBD;
    c.cut = n / 2;
    st = cva_loglik_block_init(&tot, sizeof tot);
    NEED(st);
    for (k = 0; k < 2; k++) { /* the totals: blocks without parameters */
        size_t a = k ? c.cut : 0, m = k ? n - c.cut : c.cut;
        st = cva_loglik_block_init(&b, sizeof b);
        NEED(st);
        st = cva_model_loglik_block(c.model, NULL, 1.0, S.x + a, S.t_x + a, S.T + a, NULL, m, NULL, &b, NULL);
        NEED(st); HV(h, st); HV(h, b);
        st = cva_loglik_block_add(&tot, &b, NULL);
        NEED(st);
    }
    HV(h, tot);
    st = dist_sum(&c, BGNBD, 1.0, &ll, grad);
    NEED(st); HV(h, ll); HA(h, grad, 4);
    cva_model_fit_init(&fit, sizeof fit);
    st = cva_model_fit_loglik(c.model, dist_sum, &c, &tot, NULL, &fit, NULL);
    NEED(st); HV(h, st); HV(h, fit);
    st = cva_predict_opts_init_defaults(&po, sizeof po);
    NEED(st);
    st = cva_model_p_alive(CVA_MODEL_PNBD, PNBD, 0.0, S.x, S.t_x, S.T, n, out, &po, NULL);
    NEED(st); HV(h, st); HA(h, out, n);
    free(out);
    return h;
}

/* ------------------------------------------------------------------------- */
static const struct { const char *name; job_fn fn; } JOBS[] = {
    {"common", job_common}, {"txn", job_txn}, {"cohort", job_cohort}, {"rfm", job_rfm},
    {"tiers", job_tiers}, {"fit", job_fit}, {"predict", job_predict}, {"sbg", job_sbg},
    {"clv", job_clv}, {"whatif", job_whatif}, {"churn", job_churn}, {"ladder", job_ladder},
    {"sim", job_sim}, {"regularity", job_regularity}, {"covariates", job_covariates}, {"dist", job_dist},
};
#define NJOBS (sizeof JOBS / sizeof JOBS[0])

static uint64_t REF[NJOBS];

typedef struct worker { int id; size_t mismatches; pthread_barrier_t *go; } worker;

static void *run_worker(void *arg)
{
    worker *w = (worker *)arg;
    size_t r, j;
    int ok = 1;
    pthread_barrier_wait(w->go);
    for (r = 0; r < ROUNDS; r++)
        for (j = 0; j < NJOBS; j++) {
            size_t k = (j + (size_t)w->id * 3 + r) % NJOBS;
            uint64_t got = JOBS[k].fn(&ok);
            if (got != REF[k]) {
                fprintf(stderr, "thread %d round %zu: job %s gave hash %016llx, single-threaded %016llx\n",
                        w->id, r, JOBS[k].name, (unsigned long long)got, (unsigned long long)REF[k]);
                w->mismatches++;
            }
        }
    return NULL;
}

static int setup(void)
{
    cva_sim_opts so;
    cva_txn_summary s;
    size_t i, rows = 0;
    void *work = NULL;
    cva_status st;
    if (cva_sim_opts_init_defaults(&so, sizeof so) != CVA_OK)
        return 0;
    so.seed = 2026;
    if (cva_sim_transactions(&so, NCUST, NULL, NULL, NULL, 0, &rows, NULL) < 0)
        return 0;
    S.n_rows = rows;
    S.row_id = (int64_t *)calloc(rows, sizeof(int64_t));
    S.ref_id = (int64_t *)calloc(rows, sizeof(int64_t));
    S.row_t = (double *)calloc(rows, sizeof(double));
    S.row_amount = (double *)calloc(rows, sizeof(double));
    S.row_cost = (double *)calloc(rows, sizeof(double));
    if (cva_sim_transactions(&so, NCUST, S.row_id, S.row_t, S.row_amount, rows, &rows, NULL) < 0)
        return 0;
    for (i = 0; i < rows; i++) {
        S.row_cost[i] = 0.4 * S.row_amount[i] + (double)(i % 7);
        /* every 9th row referred by a customer (some referrers without own rows) */
        S.ref_id[i] = i % 9 == 0 ? (int64_t)(1 + (i * 31) % (NCUST + 20)) : CVA_TXN_NO_REFERRER;
        if (S.ref_id[i] == S.row_id[i])
            S.ref_id[i] = CVA_TXN_NO_REFERRER;
    }
    S.txn.struct_size = sizeof S.txn;
    S.txn.n = rows;
    S.txn.customer_id = S.row_id;
    S.txn.t = S.row_t;
    S.txn.amount = S.row_amount;
    S.txn.cost = S.row_cost;
    S.txn.referrer_id = S.ref_id;
    cva_txn_opts_init_defaults(&S.txn_opts, sizeof S.txn_opts);
    S.txn_opts.time_scale = 7;
    cva_txn_summary_init(&s, sizeof s);
    s.capacity = 2 * NCUST + 8;
    s.customer_id = S.id;
    s.n_txn = S.n_txn;
    s.n_occ = S.n_occ;
    s.ref_n_txn = S.ref_n_txn;
    s.ref_amount = S.ref_amount;
    s.frequency = S.x;
    s.recency = S.t_x;
    s.T = S.T;
    s.monetary_value = S.m_x;
    s.first_t = S.first_t;
    s.last_t = S.last_t;
    s.total_amount = S.total;
    s.total_cost = S.cost;
    s.days_since_last = S.dsl;
    st = cva_txn_summarize(&S.txn, &S.txn_opts, &s, work, 0, NULL);
    if (st < 0) {
        fprintf(stderr, "setup: cva_txn_summarize: %s\n", cva_status_name(st));
        return 0;
    }
    S.n = s.n_customers;
    S.obs_end = s.obs_end;
    /* the models take customers with a purchase: give referrer-only rows x = 0, t_x = 0, T = 1 */
    for (i = 0; i < S.n; i++) {
        if (isnan(S.x[i])) {
            S.x[i] = 0;
            S.t_x[i] = 0;
            S.T[i] = 1;
            S.m_x[i] = 0;
        }
        S.profit[i] = S.total[i] - S.cost[i];
        S.c_rec[i] = isnan(S.dsl[i]) ? S.obs_end : S.dsl[i];
        S.c_first[i] = isnan(S.first_t[i]) ? 0.0 : S.first_t[i];
        S.c_last[i] = isnan(S.last_t[i]) ? 0.0 : S.last_t[i];
    }
    if (cva_model_p_alive(CVA_MODEL_BGNBD, BGNBD, 0.0, S.x, S.t_x, S.T, S.n, S.p_alive, NULL, NULL) < 0)
        return 0;
    for (i = 0; i < NCUST; i++) {
        S.bn[i] = 6;
        S.bx[i] = (double)(i % 7);
        S.btx[i] = S.bx[i] > 0 ? (double)(S.bx[i] + (double)(i % (7 - (size_t)S.bx[i]))) : 0;
        if (S.btx[i] > 6)
            S.btx[i] = 6;
    }
    return 1;
}

int main(void)
{
    pthread_t th[NTHREADS];
    worker w[NTHREADS];
    pthread_barrier_t go;
    size_t j, bad = 0;
    int i, ok = 1;
    if (!setup()) {
        fprintf(stderr, "setup failed\n");
        return 1;
    }
    for (j = 0; j < NJOBS; j++) {
        int jok = 1;
        REF[j] = JOBS[j].fn(&jok);
        if (!jok || JOBS[j].fn(&jok) != REF[j]) {
            fprintf(stderr, "job %s: a call failed or is not deterministic single-threaded\n", JOBS[j].name);
            ok = 0;
        }
    }
    if (!ok)
        return 1;
    pthread_barrier_init(&go, NULL, NTHREADS);
    for (i = 0; i < NTHREADS; i++) {
        w[i].id = i;
        w[i].mismatches = 0;
        w[i].go = &go;
        if (pthread_create(&th[i], NULL, run_worker, &w[i]) != 0) {
            fprintf(stderr, "pthread_create failed\n");
            return 1;
        }
    }
    for (i = 0; i < NTHREADS; i++) {
        pthread_join(th[i], NULL);
        bad += w[i].mismatches;
    }
    pthread_barrier_destroy(&go);
    free(S.row_id); free(S.ref_id); free(S.row_t); free(S.row_amount); free(S.row_cost);
    if (bad) {
        fprintf(stderr, "%zu job results differ from the single-threaded ones\n", bad);
        return 1;
    }
    printf("%d threads x %d rounds x %zu jobs (%zu customers, %zu rows): every result equals the "
           "single-threaded one\n", NTHREADS, ROUNDS, NJOBS, S.n, S.n_rows);
    return 0;
}
