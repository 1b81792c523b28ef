/*
 * libcva — transaction summaries (docs/methods/summaries.md#methods_summaries, docs/methods/models.md#methods_btyd_stats): options, workspace size,
 * validation of the rows (the observation end, the partition counts) and the
 * dispatch to one of two paths:
 *   without a referrer array  the partitioned path, txn_part.c (workspace at
 *                             most twice the input);
 *   with a referrer array     the hash path, txn_ref.c;
 * both compute each customer's row with the per-customer statistics of
 * txn_stats.h. When values are so large that a sum may overflow, the summary
 * is computed on scratch outputs first (overflow_check).
 * Nothing is written to the caller's outputs before the last point at which
 * the call can fail (the capacity check).
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include "cva_internal.h"
#include "txn_internal.h"

/* Smallest cva_txn_opts size accepted: the struct before executor was appended. */
#define TXN_OPTS_MIN_SIZE CVA_TXN_OPTS_V1_SIZE
/* cva_txn_summary before obs_end and calibration_end were appended */
#define TXN_SUMMARY_V1_SIZE offsetof(cva_txn_summary, obs_end)

static const cva_txn_opts txn_defaults = {
    .struct_size = sizeof(cva_txn_opts),
    .refund_policy = CVA_TXN_REFUND_NET,
    .flags = 0,
    .time_convention = CVA_TXN_TIME_CONTINUOUS,
    .obs_end = CVA_NAN,
    .obs_start = -CVA_INF,
    .period_length = 1.0,
    .period_origin = 0.0,
    .time_scale = 1.0,
    .calibration_end = CVA_NAN,
    .alloc = NULL,
    .executor = NULL,
};

cva_status cva_txn_opts_init_defaults(cva_txn_opts *opts, size_t struct_size)
{
    if (!opts)
        return CVA_E_NULLPTR;
    if (struct_size < TXN_OPTS_MIN_SIZE || struct_size > sizeof(cva_txn_opts))
        return CVA_E_ABI_MISMATCH;
    memcpy(opts, &txn_defaults, struct_size);
    opts->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

cva_status cva_txn_summary_init(cva_txn_summary *summary, size_t struct_size)
{
    if (!summary)
        return CVA_E_NULLPTR;
    if (struct_size != sizeof(cva_txn_summary) && struct_size != TXN_SUMMARY_V1_SIZE)
        return CVA_E_ABI_MISMATCH;
    memset(summary, 0, struct_size);
    summary->struct_size = (uint32_t)struct_size;
    return CVA_OK;
}

/* Worst-case workspace: the same parts, in the same order, as cva_txn_summarize() takes. */
static int layout_bytes(const txn_layout *L, size_t *bytes)
{
    size_t total = 0;
    int ok = add_part(&total, L->n, sizeof(uint32_t));                 /* slot */
    if (L->has_ref)
        ok = ok && add_part(&total, L->n, sizeof(uint32_t));           /* ref_slot */
    ok = ok && add_part(&total, L->hash_cap, sizeof(hslot));           /* hash table */
    ok = ok && add_part(&total, L->max_keys, sizeof(int64_t));         /* keys */
    ok = ok && add_part(&total, L->max_keys, 16);                      /* pairs */
    ok = ok && add_part(&total, L->max_keys, 16);                      /* pair buffer */
    ok = ok && add_part(&total, L->max_keys, sizeof(uint32_t));        /* rank */
    ok = ok && add_part(&total, L->max_keys + 1, sizeof(size_t));      /* offsets */
    ok = ok && add_part(&total, L->n, sizeof(txn_rec));                /* records */
    ok = ok && add_part(&total, L->n, sizeof(txn_rec));                /* merge buffer */
    if (ok)
        *bytes = total;
    return ok;
}

/* ------------------------------------------------------------------------ */

static cva_status check_opts(const cva_txn_opts *o, const cva_txn_input *in, cva_diag *diag)
{
    if (o->refund_policy < CVA_TXN_REFUND_NET || o->refund_policy > CVA_TXN_REFUND_EXCLUDE)
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_REFUND_POLICY, -1, 0,
                           "refund_policy must be CVA_TXN_REFUND_NET, _AS_ROW or _EXCLUDE");
    if (o->flags & ~(CVA_TXN_F_ZERO_NOT_PURCHASE | CVA_TXN_F_SKIP_INVALID))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_FLAGS, -1, 0, "unknown flag bits");
    if (o->time_convention != CVA_TXN_TIME_CONTINUOUS && o->time_convention != CVA_TXN_TIME_PERIOD)
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_TIME_CONVENTION, -1, 0,
                           "time_convention must be CVA_TXN_TIME_CONTINUOUS or CVA_TXN_TIME_PERIOD");
    if (o->time_convention == CVA_TXN_TIME_PERIOD && in->period)
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_TIME_CONVENTION, -1, 0,
                           "CVA_TXN_TIME_PERIOD needs the period formula, not a caller period array");
    if (!(isfinite(o->period_length) && o->period_length > 0.0))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_PERIOD_LENGTH, -1, 0,
                           "period_length must be finite and > 0");
    if (!isfinite(o->period_origin))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_PERIOD_ORIGIN, -1, 0,
                           "period_origin must be finite");
    if (!(isfinite(o->time_scale) && o->time_scale > 0.0))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_TIME_SCALE, -1, 0,
                           "time_scale must be finite and > 0");
    if (isinf(o->obs_end))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_OBS_END, -1, 0,
                           "obs_end must be finite or NaN (latest time)");
    if (isnan(o->obs_start) || (isinf(o->obs_start) && o->obs_start > 0.0))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_OBS_START, -1, 0,
                           "obs_start must be finite or -CVA_INF");
    if (!isnan(o->obs_end) && o->obs_start > o->obs_end)
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_OBS_START, -1, 0,
                           "obs_start is after obs_end");
    if (isinf(o->calibration_end))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_CALIBRATION_END, -1, 0,
                           "calibration_end must be finite or NaN (no split)");
    if (!isnan(o->calibration_end) &&
        ((!isnan(o->obs_end) && o->calibration_end > o->obs_end) || o->calibration_end < o->obs_start))
        return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_CALIBRATION_END, -1, 0,
                           "calibration_end must lie within [obs_start, obs_end]");
    return CVA_OK;
}

/* Validate the input struct itself (not the rows). */
static cva_status check_input(const cva_txn_input *in, cva_diag *diag)
{
    if (!in)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in is NULL");
    if (in->struct_size != sizeof(cva_txn_input))
        return cva__report(diag, CVA_E_ABI_MISMATCH, 1, 0, -1, 0, "unknown cva_txn_input size");
    if (in->n > 0 && !in->customer_id)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in->customer_id is NULL");
    if (in->n > 0 && !in->t)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in->t is NULL");
    if (in->n > 0 && !in->amount)
        return cva__report(diag, CVA_E_NULLPTR, 1, 0, -1, 0, "in->amount is NULL");
    if (in->n >= (size_t)UINT32_MAX / 2)
        return cva__report(diag, CVA_E_OVERFLOW, 1, 0, -1, 0, "more than 2^31 rows per call");
    return CVA_OK;
}

static cva_status get_opts(const cva_txn_opts *opts, cva_txn_opts *o, cva_diag *diag)
{
    *o = txn_defaults;
    if (opts && cva__copy_sized(o, sizeof *o, opts, TXN_OPTS_MIN_SIZE) != CVA_OK)
        return cva__report(diag, CVA_E_ABI_MISMATCH, 2, 0, -1, 0, "unsupported cva_txn_opts size");
    return CVA_OK;
}

static void make_layout(const cva_txn_input *in, txn_layout *L)
{
    L->n = in->n;
    L->has_ref = in->referrer_id != NULL;
    L->max_keys = in->n * (L->has_ref ? 2u : 1u);
    L->hash_cap = next_pow2(2 * L->max_keys + 1);
}

cva_status cva_txn_workspace_size(const cva_txn_input *in, const cva_txn_opts *opts, size_t *bytes)
{
    txn_layout L;
    cva_status st;
    cva_txn_opts o;
    if (!bytes)
        return CVA_E_NULLPTR;
    if ((st = check_input(in, NULL)) < 0)
        return st;
    if ((st = get_opts(opts, &o, NULL)) < 0)
        return st;
    make_layout(in, &L);
    if (!(L.has_ref ? layout_bytes(&L, bytes) : cva__txn_nonref_bound(in, cva__workers(o.executor), bytes)))
        return CVA_E_OVERFLOW;
    return CVA_OK;
}

static void arena_release(arena *a)
{
    int i;
    for (i = 0; i < a->n_parts; i++)
        cva__free(a->alloc, a->parts[i]);
    a->n_parts = 0;
}

/* Validation of the rows, a task per row chunk: the largest valid time at or
   after obs_start, the first row with a non-finite value (when not skipping
   them; the chunk stops there) or the number of them, whether a value is
   beyond the bound below which no sum overflows, and, without referrers, the
   rows in the window per partition (into this chunk's counts, or into cnt
   when there is one chunk). Each task writes only its own slots. */
typedef struct val_job {
    const cva_txn_input *in;
    const cva_txn_opts *o;
    double lim, lim_t;
    int hist, fast, end_given, skip_invalid;
    unsigned bits;
    size_t P, chunk;
    uint32_t *ccnt; /* row_chunks(n) x P, or NULL: cnt */
    size_t *cnt;
    double tmax[PART_CHUNKS_MAX];
    size_t n_invalid[PART_CHUNKS_MAX], first_bad[PART_CHUNKS_MAX];
    int huge[PART_CHUNKS_MAX];
    uint64_t kmin[PART_CHUNKS_MAX], kmax[PART_CHUNKS_MAX]; /* order keys of the rows counted */
} val_job;

static void validate_task(void *arg, size_t c, unsigned w)
{
    val_job *v = (val_job *)arg;
    const cva_txn_input *in = v->in;
    const cva_txn_opts *o = v->o;
    const size_t i0 = c * v->chunk, i1 = in->n - i0 < v->chunk ? in->n : i0 + v->chunk;
    const double lim = v->lim, lim_t = v->lim_t;
    const unsigned bits = v->bits;
    double tmax = -CVA_INF;
    size_t i, n_invalid = 0, bad = SIZE_MAX;
    int huge = 0;
    uint64_t kmin = UINT64_MAX, kmax = 0;
    (void)w;
    if (v->ccnt)
        memset(v->ccnt + c * v->P, 0, v->P * sizeof(uint32_t));
#define COUNT_(id)                                                        \
    do {                                                                  \
        const uint64_t key_ = id_order_key(id);                           \
        kmin = key_ < kmin ? key_ : kmin;                                 \
        kmax = key_ > kmax ? key_ : kmax;                                 \
        if (v->ccnt)                                                      \
            v->ccnt[c * v->P + PART_OF_((id), bits)]++;                   \
        else                                                              \
            v->cnt[PART_OF_((id), bits)]++;                               \
    } while (0)
    if (v->fast) {
        /* the default case: every finite row is in the window */
        const int64_t *id = in->customer_id;
        const double *tt = in->t, *aa = in->amount;
        for (i = i0; i < i1; i++) {
            double t = tt[i];
            if (!(fabs(t) <= lim_t) || !(fabs(aa[i]) <= lim)) {
                if (!isfinite(t) || !isfinite(aa[i])) {
                    if (!v->skip_invalid) {
                        bad = i;
                        break;
                    }
                    n_invalid++;
                    continue;
                }
                huge = 1;
            }
            if (t > tmax)
                tmax = t;
            COUNT_(id[i]);
        }
    } else {
        for (i = i0; i < i1; i++) {
            double t = in->t[i], a = in->amount[i];
            int isbad = !isfinite(t) || !isfinite(a) || (in->cost && !isfinite(in->cost[i]));
            if (!isbad && (!(fabs(t) <= lim_t) || !(fabs(a) <= lim) || (in->cost && !(fabs(in->cost[i]) <= lim))))
                huge = 1;
            if (isbad) {
                if (!v->skip_invalid) {
                    bad = i;
                    break;
                }
                n_invalid++;
                continue;
            }
            if (t >= o->obs_start) {
                if (t > tmax)
                    tmax = t;
                if (v->hist && (!v->end_given || t <= o->obs_end))
                    COUNT_(in->customer_id[i]);
            }
        }
    }
#undef COUNT_
    v->tmax[c] = tmax;
    v->n_invalid[c] = n_invalid;
    v->first_bad[c] = bad;
    v->huge[c] = huge;
    v->kmin[c] = kmin;
    v->kmax[c] = kmax;
}

/* Internal status of summarize(): values large enough that a sum may overflow
   were seen; nothing has been written. */
#define TXN_HUGE 1000

/*
 * The summary. Sums cannot overflow while every |amount| and |cost| is at most
 * DBL_MAX / (4 (n + 1)) and every |time| at most that times min(1, time_scale):
 * the validation pass tests exactly that bound in place of isfinite() (the same
 * one comparison per value). Beyond it, and unless @p checked, it returns
 * TXN_HUGE before anything is written, and cva_txn_summarize() checks the sums
 * on scratch outputs first.
 */
static cva_status summarize(const cva_txn_input *in, const cva_txn_opts *opts, cva_txn_summary *out,
                            void *work, size_t work_size, cva_diag *diag, int checked)
{
    cva_txn_opts o;
    cva_status st;
    txn_layout L;
    arena ar;
    size_t n, i, n_window = 0, n_invalid = 0, K = 0;
    double obs_end, ref_end, cal_end;
    int has_cal, skip_invalid, hist;
    unsigned bits;
    size_t P, budget, cnt[(size_t)1 << PART_MAX_BITS];
    uint64_t kmin = UINT64_MAX, kmax = 0; /* order keys of the rows in the window (no referrers) */
    cva_status result = CVA_OK;
    uint32_t *vcnt = NULL; /* the validation's counts per (row chunk, partition) */
    uint32_t *vscr = NULL; /* room for as many after them, or NULL */
    int vcnt_own = 0;

    memset(&ar, 0, sizeof ar);
    if ((st = check_input(in, diag)) < 0)
        return st;
    if (!out)
        return cva__report(diag, CVA_E_NULLPTR, 3, 0, -1, 0, "out is NULL");
    if (out->struct_size != sizeof(cva_txn_summary) && out->struct_size != TXN_SUMMARY_V1_SIZE)
        return cva__report(diag, CVA_E_ABI_MISMATCH, 3, 0, -1, 0, "unknown cva_txn_summary size");
    if ((st = get_opts(opts, &o, diag)) < 0)
        return st;
    if ((st = check_opts(&o, in, diag)) < 0)
        return st;
    if (out->capacity > 0 && !out->customer_id)
        return cva__report(diag, CVA_E_NULLPTR, 3, 0, -1, 0,
                           "out->customer_id is NULL (it is required to label the rows)");
    if (out->frequency_holdout || out->monetary_value_holdout || out->duration_holdout) {
        if (isnan(o.calibration_end))
            return cva__report(diag, CVA_E_OPTION, 2, CVA_OPT_TXN_CALIBRATION_END, -1, 0,
                               "holdout outputs requested without calibration_end");
    }

    n = in->n;
    skip_invalid = (o.flags & CVA_TXN_F_SKIP_INVALID) != 0;

    /* 1. validate rows, find the end of observation; without referrers also
          count the rows in the window per partition */
    hist = in->referrer_id == NULL;
    bits = part_bits(n);
    P = (size_t)1 << bits;
    memset(cnt, 0, P * sizeof cnt[0]);
    {
        double tmax = -CVA_INF;
        const int end_given = !isnan(o.obs_end);
        /* no sum can overflow below these bounds (see above); checked: no bound */
        const double lim = checked ? DBL_MAX : DBL_MAX / (4.0 * ((double)n + 1.0));
        const double lim_t = checked ? DBL_MAX : lim * (o.time_scale < 1.0 ? o.time_scale : 1.0);
        int huge = !checked && (fabs(o.obs_end) > lim_t || fabs(o.calibration_end) > lim_t);
        val_job vj;
        size_t j, bad = SIZE_MAX, nch = 1;
        void *scratch = NULL;
        memset(&vj, 0, sizeof vj);
        vj.in = in;
        vj.o = &o;
        vj.lim = lim;
        vj.lim_t = lim_t;
        vj.hist = hist;
        vj.fast = hist && !in->cost && !end_given && isinf(o.obs_start);
        vj.end_given = end_given;
        vj.skip_invalid = skip_invalid;
        vj.bits = bits;
        vj.P = P;
        vj.chunk = n ? n : 1;
        vj.cnt = cnt;
        if ((cva__workers(o.executor) > 1 || hist) && row_chunks(n) > 1) {
            /* row chunks on the executor, counts per (chunk, partition): in the
               caller's workspace (scratch until step 2) or allocated; without
               that memory, one chunk on the calling thread (the same results:
               counts, the first row that is not valid and the largest time
               taken in row order do not depend on the split). Without
               referrers the chunks run on the calling thread too when there
               is no executor: their counts (and the value partitions' counts
               per chunk after them) are the scatter's, which then needs no
               counting pass of its own */
            /* and as much again after them, when there is room, for the
               value partitions' counts (cva__txn_summarize_part) */
            size_t bytes = row_chunks(n) * P * sizeof(uint32_t);
            int room2 = 0;
            if (work && work_size >= bytes) {
                scratch = work;
                room2 = work_size / 2 >= bytes;
            } else if (!work) {
                scratch = cva__alloc(o.alloc, 2 * bytes);
                vcnt_own = room2 = scratch != NULL;
            }
            if (scratch) {
                nch = row_chunks(n);
                vj.chunk = row_chunk(n);
                vj.ccnt = (uint32_t *)scratch;
                if (room2)
                    vscr = vj.ccnt + nch * P;
            }
        }
        cva__parallel_for(nch > 1 ? o.executor : NULL, nch, validate_task, &vj);
        for (j = 0; j < nch; j++) {
            if (vj.first_bad[j] != SIZE_MAX && bad == SIZE_MAX)
                bad = vj.first_bad[j];
            n_invalid += vj.n_invalid[j];
            huge |= vj.huge[j];
            if (vj.tmax[j] > tmax) /* in row order: the first of equal maxima, as one pass */
                tmax = vj.tmax[j];
            kmin = vj.kmin[j] < kmin ? vj.kmin[j] : kmin;
            kmax = vj.kmax[j] > kmax ? vj.kmax[j] : kmax;
        }
        if (vj.ccnt) {
            size_t q;
            for (j = 0; j < nch; j++)
                for (q = 0; q < P; q++)
                    cnt[q] += vj.ccnt[j * P + q];
        }
        vcnt = vj.ccnt; /* kept for the scatter (freed at the end) */
        if (bad != SIZE_MAX) {
            const double t = in->t[bad], a = in->amount[bad];
            if (vcnt_own)
                cva__free(o.alloc, vcnt);
            return cva__report(diag, CVA_E_NONFINITE, 1, 0, (int64_t)bad, 0,
                               !isfinite(t)   ? "time is NaN or infinite"
                               : !isfinite(a) ? "amount is NaN or infinite"
                                              : "cost is NaN or infinite");
        }
        obs_end = isnan(o.obs_end) ? tmax : o.obs_end;
        if (huge) {
            if (vcnt_own)
                cva__free(o.alloc, vcnt);
            return TXN_HUGE; /* nothing written yet */
        }
    }
    has_cal = !isnan(o.calibration_end);
    cal_end = has_cal ? o.calibration_end : obs_end;
    if (has_cal && isnan(o.obs_end) && cal_end > obs_end)
        obs_end = cal_end; /* the data end before the calibration end: empty holdout */
    ref_end = cal_end;

    /* 2. workspace */
    make_layout(in, &L);
    {
        size_t need;
        /* the serial bound: a workspace below the one sized for the executor's
           workers (but not below this) makes the tasks run with fewer scratch
           copies, on the calling thread */
        if (!(L.has_ref ? layout_bytes(&L, &need) : cva__txn_nonref_bound(in, 1, &need))) {
            result = cva__report(diag, CVA_E_OVERFLOW, 4, 0, -1, 0, "workspace size overflows size_t");
            goto done;
        }
        if (work) {
            if (work_size < need)
                return cva__report(diag, CVA_E_WORKSPACE_TOO_SMALL, 5, 0, -1, need,
                                   "work_size is below cva_txn_workspace_size()");
            ar.base = (unsigned char *)work;
            ar.size = work_size;
            budget = work_size;
        } else {
            /* allocating: the fast path always (its groups bound what is touched) */
            ar.alloc = o.alloc;
            budget = SIZE_MAX;
        }
    }

#define NOMEM_()                                                                             \
    do {                                                                                     \
        result = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "workspace allocation failed"); \
        goto done;                                                                           \
    } while (0)

    if (!L.has_ref) {
        txn_ctx cx;
        part_in pi;
        memset(&cx, 0, sizeof cx);
        cx.o = &o;
        cx.has_cal = has_cal;
        cx.obs_end = obs_end;
        cx.cal_end = cal_end;
        cx.ref_end = ref_end;
        cx.unit_period = !(o.period_origin < 0.0 || o.period_origin > 0.0) &&
                         !(o.period_length < 1.0 || o.period_length > 1.0);
        cx.fast = o.refund_policy == CVA_TXN_REFUND_NET && !has_cal && !checked;
        cx.has_cost = in->cost != NULL;
        pi.cnt = cnt;
        pi.bits = bits;
        pi.P = P;
        for (n_window = 0, i = 0; i < P; i++)
            n_window += cnt[i];
        pi.nw = n_window;
        pi.all_in = n_window == n;
        pi.ccnt = vcnt;
        pi.vscratch = vscr;
        pi.kmin = kmin;
        pi.kmax = kmax;
        part_fn_hash(&pi);
        result = cva__txn_summarize_part(in, &cx, &pi, &ar, budget, out, diag, &K);
        if (result == CVA_E_NOMEM)
            NOMEM_();
        if (result < 0)
            goto done;
        goto status;
    }

    result = cva__txn_summarize_ref(in, &o, &L, &ar, obs_end, cal_end, ref_end, has_cal, out, diag, &n_window, &K);
    if (result < 0)
        goto done;

status:
    if (out->struct_size >= sizeof(cva_txn_summary)) {
        /* the ends used (NaN when none is known: no end given and no valid row) */
        out->obs_end = isfinite(obs_end) ? obs_end : CVA_NAN;
        out->calibration_end = isfinite(cal_end) ? cal_end : CVA_NAN;
    }
    {
        uint64_t excluded = (uint64_t)(n - n_window);
        if (K == 0)
            result = cva__report(diag, CVA_W_EMPTY, 1, 0, -1, excluded, "no rows in the window");
        else if (excluded > 0)
            result = cva__report(diag, CVA_W_EXCLUDED, 1, 0, -1, excluded,
                                 n_invalid ? "invalid rows skipped and/or rows outside the window excluded"
                                           : "rows outside [obs_start, obs_end] excluded");
        else
            result = cva__report(diag, CVA_OK, 0, 0, -1, 0, NULL);
    }

done:
#undef NOMEM_
    if (vcnt_own)
        cva__free(o.alloc, vcnt);
    arena_release(&ar);
    return result;
}

/* Summarise into scratch outputs and look for a money or time statistic that
   overflowed. CVA_OK if none, CVA_E_OVERFLOW (diag->index: the customer's first
   row) if one did, or the error of the scratch call. */
static cva_status overflow_check(const cva_txn_input *in, const cva_txn_opts *opts, void *work, size_t work_size,
                                 cva_diag *diag)
{
    const cva_allocator *al = opts ? opts->alloc : NULL;
    size_t cap = in->referrer_id ? 2 * in->n : in->n, k, i;
    enum { NA = 10 };
    double *a[NA];
    int64_t *ids;
    cva_txn_summary s;
    cva_status st;
    int j, has_cal = opts && !isnan(opts->calibration_end);
    if (cap < in->n || cap > SIZE_MAX / sizeof(double))
        return cva__report(diag, CVA_E_OVERFLOW, 1, 0, -1, 0, "more rows than size_t can count");
    if (cap == 0)
        cap = 1;
    ids = (int64_t *)cva__alloc(al, cap * sizeof(int64_t));
    for (j = 0; j < NA; j++)
        a[j] = (double *)cva__alloc(al, cap * sizeof(double));
    st = CVA_OK;
    for (j = 0; j < NA; j++)
        if (!a[j])
            st = CVA_E_NOMEM;
    if (!ids || st == CVA_E_NOMEM) {
        st = cva__report(diag, CVA_E_NOMEM, 0, 0, -1, 0, "scratch outputs for the overflow check");
        goto out;
    }
    memset(&s, 0, sizeof s);
    s.struct_size = sizeof s;
    s.capacity = cap;
    s.customer_id = ids;
    s.frequency = a[0];
    s.total_amount = a[1];
    s.total_cost = a[2];
    s.refund_amount = a[3];
    s.monetary_value = a[4];
    s.recency = a[5];
    s.T = a[6];
    s.days_since_last = a[7];
    s.ref_amount = in->referrer_id ? a[8] : NULL;
    s.monetary_value_holdout = has_cal ? a[9] : NULL;
    st = summarize(in, opts, &s, work, work_size, diag, 1);
    if (st < 0)
        goto out;
    st = CVA_OK;
    for (k = 0; k < s.n_customers; k++) {
        /* always finite unless a sum overflowed; the others are NaN without a purchase */
        int bad = !isfinite(a[1][k]) || !isfinite(a[2][k]) || !isfinite(a[3][k]) ||
                  (s.ref_amount && !isfinite(a[8][k])) || (has_cal && !isfinite(a[9][k]));
        if (!isnan(a[0][k]))
            bad |= !isfinite(a[4][k]) || !isfinite(a[5][k]) || !isfinite(a[6][k]) || !isfinite(a[7][k]);
        if (bad) {
            int64_t row = -1;
            for (i = 0; i < in->n && row < 0; i++)
                if (in->customer_id[i] == ids[k] ||
                    (in->referrer_id && in->referrer_id[i] == ids[k]))
                    row = (int64_t)i;
            st = cva__report(diag, CVA_E_OVERFLOW, 1, 0, row, 0,
                             "a sum of this customer's amounts or costs, or a time difference, overflows "
                             "(beyond DBL_MAX)");
            break;
        }
    }
out:
    cva__free(al, ids);
    for (j = 0; j < NA; j++)
        cva__free(al, a[j]);
    return st;
}

cva_status cva_txn_summarize(const cva_txn_input *in, const cva_txn_opts *opts, cva_txn_summary *out,
                             void *work, size_t work_size, cva_diag *diag)
{
    cva_status st = summarize(in, opts, out, work, work_size, diag, 0);
    if (st != TXN_HUGE)
        return st;
    /* values so large that a sum may overflow (never with ordinary data): check on
       scratch outputs first, so that nothing is written when one does */
    st = overflow_check(in, opts, work, work_size, diag);
    if (st < 0)
        return st;
    return summarize(in, opts, out, work, work_size, diag, 1);
}
