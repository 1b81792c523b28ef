/*
 * cva ladder: loyalty-ladder rung per customer as of a date, a report of the
 * funnel, or the migration matrix between two dates (docs/methods/ladder.md#methods_ladder).
 *
 * Dates are calendar days: rows dated on the classification day count (the
 * summary and the referral window end just before the next midnight), and
 * tenure and recency are whole days between the purchase day and that day,
 * so "more than 270 days since the last purchase" reads in calendar days.
 * SPDX-License-Identifier: MIT
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "commands.h"
#include "csv.h"
#include "cva/cva.h"
#include "dates.h"
#include "executor.h"
#include "input.h"
#include "modelio.h"
#include "numbers.h"
#include "output.h"
#include "summary.h"

void cmd_ladder_help(void)
{
    fputs("Usage: cva ladder --input FILE [--at DATE] [options]\n"
          "       cva ladder --input FILE --from DATE --to DATE [--format json [--project K]]\n"
          "       cva ladder --input FILE [--at DATE] --report\n"
          "\n"
          "The loyalty ladder (Christopher, Payne & Ballantyne): every customer on one rung\n"
          "PROSPECT, CUSTOMER, CLIENT, SUPPORTER, ADVOCATE or PARTNER as of a date, by the\n"
          "first matching rule:\n"
          "  no purchase                                   PROSPECT   (decided_by no_purchase)\n"
          "  one purchase occasion                         CUSTOMER   (one_occasion)\n"
          "  bond 4 (structural) and tenure >= min tenure  PARTNER    (structural_bond)\n"
          "  referrals in the look-back window >= min      ADVOCATE   (referrals)\n"
          "  with --nps-promoter-is-advocate: nps >= 9     ADVOCATE   (nps_promoter)\n"
          "  sat >= --sat-threshold                        SUPPORTER  (satisfaction)\n"
          "  nps >= 7                                      SUPPORTER  (nps)\n"
          "  with --behavioural-proxy: >= 4 occasions, RFM F score >= 4 and active\n"
          "                                                SUPPORTER  (behavioural_proxy)\n"
          "  otherwise                                     CLIENT     (attitude_below, or\n"
          "                                                no_attitude when neither sat nor nps is known)\n"
          "An unknown attitude never meets a threshold: without --attitudes and referrals the\n"
          "highest rung is CLIENT. PARTNER needs a bond level stated in --attitudes.\n"
          "\n",
          stdout);
    fputs(          "Output (CSV, or JSON records with --format json), one row per customer (ids of\n"
          "the transactions, referrers included, ascending; then the --prospects ids without\n"
          "transactions, in file order):\n"
          "  customer_id,stage,decided_by,has_referred,active,n_occ,referrals\n"
          "  has_referred  1 if the customer referred anyone up to the date\n"
          "  active        activity by --active-rule (default hiatus: 0 if the last purchase is\n"
          "                more than --hiatus-days before the date; 0 for a customer without purchases)\n"
          "  n_occ         purchase occasions up to the date (--occasion periods)\n"
          "  referrals     referred purchases in the look-back window (DATE - L, DATE]\n"
          "Conventions: rows dated on DATE count; a customer whose first purchase is after\n"
          "DATE is a PROSPECT with n_occ 0; referrals come from the referrer column.\n"
          "\n"
          "Options:\n"
          "  --at DATE                  classification date (default: the latest date in the data)\n"
          "  --attitudes FILE           CSV with a header: customer_id and any of nps (0-10),\n"
          "                             sat (0-1), bond (0 none, 1 financial, 2 social,\n"
          "                             3 customisation, 4 structural); an empty field is unknown\n"
          "  --prospects FILE           known leads, one customer id per line (a first line\n"
          "                             'customer_id' is a header)\n"
          "  --lookback-days L          referral window in days (default 365)\n"
          "  --min-referrals N          referrals that make an ADVOCATE (default 1)\n"
          "  --partner-min-tenure-days D  tenure a PARTNER needs (default 365)\n"
          "  --sat-threshold S          satisfaction that makes a SUPPORTER (default 0.8)\n"
          "  --nps-promoter-is-advocate NPS 9-10 (promoter) also makes an ADVOCATE\n"
          "  --behavioural-proxy        SUPPORTER from behaviour when attitude is unknown: off by\n"
          "                             default, as frequent buying can be habit, not liking; the\n"
          "                             F score is the quintile (rank-first, ties by id) of the\n"
          "                             occasions among customers with a purchase up to the date\n"
          "  --active-rule hiatus|ipt|p-alive  activity rule (the churn flags of 'cva churn'):\n"
          "                             hiatus (default); ipt: inactive when the time since the\n"
          "                             last purchase exceeds --ipt-multiple x the customer's mean\n"
          "                             inter-purchase time (population median for one-time buyers,\n"
          "                             hiatus as the last fallback); p-alive: inactive when P(alive)\n"
          "                             < --threshold from a BG/NBD fit (in days) on the purchases up\n"
          "                             to the date\n"
          "  --hiatus-days H            inactive after more than H days without a purchase (default 270)\n"
          "  --ipt-multiple K           the ipt rule's multiple, > 0 (default 3)\n"
          "  --threshold P              the p-alive rule's threshold, 0-1 (default 0.5)\n"
          "  --report                   counts and shares per rung (stage), per deciding rule\n"
          "                             (decided_by), per bond level within each rung (bond), and\n"
          "                             the suggested bond of each rung (suggested_bond):\n"
          "                             columns what,stage,value,count,share\n"
          "  --from DATE --to DATE      migration between two dates (same rules, same attitudes):\n"
          "                             CSV count matrix, rows = from-state, columns = to-state,\n"
          "                             states PROSPECT ... PARTNER then LAPSED (an inactive\n"
          "                             customer with a purchase); with --format json an object\n"
          "                             {\"states\", \"counts\", \"transition\" (row shares), \"rates\"\n"
          "                             (up/stay/down/lapse per origin, reactivation, overall),\n"
          "                             \"net_movement\" (mean rung change of customers LAPSED at\n"
          "                             neither date)}\n"
          "  --project K                (JSON migration) adds \"projection\": the state counts after\n"
          "                             1..K more periods of the same length (Markov chain, the\n"
          "                             transition shares held fixed; a state nobody started from\n"
          "                             keeps its customers, with a warning)\n"
          "\n",
          stdout);
    cli_input_help_print(stdout, CLI_HELP_NO_TIME_UNIT | CLI_HELP_NO_CAL);
    fputs("\n--end and --calibration-end are not used: give --at, or --from and --to.\n"
          "\nExample:\n"
          "  cva ladder --input sales.csv --at 2011-12-09 --attitudes survey.csv\n"
          "  cva ladder --input sales.csv --from 2011-06-30 --to 2011-12-09 --format json --project 4\n",
          stdout);
}

/* ------------------------------------------------------------------ id keys */

/* Hash map from an id's key text (canonical decimal for numeric ids, the text
   for text ids) to a position in the customer list. */
typedef struct keymap {
    char *pool;
    size_t pool_len, pool_cap;
    size_t *off;
    size_t *len;
    size_t n, cap_ent;
    size_t *slot; /* position + 1, 0 = empty */
    size_t cap;   /* power of two */
} keymap;

static uint64_t hash_bytes(const char *p, size_t n)
{
    uint64_t h = 1469598103934665603ull;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)p[i];
        h *= 1099511628211ull;
    }
    return h;
}

static size_t km_find_slot(const keymap *m, const char *p, size_t n)
{
    size_t mask = m->cap - 1, i = (size_t)hash_bytes(p, n) & mask;
    for (;;) {
        size_t s = m->slot[i];
        if (s == 0 || (m->len[s - 1] == n && memcmp(m->pool + m->off[s - 1], p, n) == 0))
            return i;
        i = (i + 1) & mask;
    }
}

static void km_grow(keymap *m)
{
    size_t k, newcap = m->cap ? m->cap * 2 : 1024;
    free(m->slot);
    m->cap = newcap;
    m->slot = (size_t *)calloc(newcap, sizeof *m->slot);
    if (!m->slot)
        cli_out_of_memory(newcap * sizeof *m->slot);
    for (k = 0; k < m->n; k++)
        m->slot[km_find_slot(m, m->pool + m->off[k], m->len[k])] = k + 1;
}

/* Position of the key, or (size_t)-1. */
static size_t km_get(const keymap *m, const char *p, size_t n)
{
    size_t s;
    if (m->cap == 0)
        return (size_t)-1;
    s = m->slot[km_find_slot(m, p, n)];
    return s ? s - 1 : (size_t)-1;
}

/* Add a key with the next position (m->n); returns that position. */
static size_t km_add(keymap *m, const char *p, size_t n)
{
    size_t pos = m->n;
    if ((m->n + 1) * 2 > m->cap)
        km_grow(m);
    if (m->n == m->cap_ent) {
        m->cap_ent = m->cap_ent ? m->cap_ent * 2 : 1024;
        m->off = (size_t *)cli_xrealloc(m->off, m->cap_ent * sizeof *m->off);
        m->len = (size_t *)cli_xrealloc(m->len, m->cap_ent * sizeof *m->len);
    }
    if (m->pool_len + n + 1 > m->pool_cap) {
        m->pool_cap = (m->pool_len + n + 1) * 2;
        m->pool = (char *)cli_xrealloc(m->pool, m->pool_cap);
    }
    memcpy(m->pool + m->pool_len, p, n);
    m->off[pos] = m->pool_len;
    m->len[pos] = n;
    m->pool_len += n;
    m->pool[m->pool_len++] = '\0';
    m->slot[km_find_slot(m, p, n)] = pos + 1;
    m->n++;
    return pos;
}

static void km_free(keymap *m)
{
    free(m->pool);
    free(m->off);
    free(m->len);
    free(m->slot);
    memset(m, 0, sizeof *m);
}

/* The key of an id read from a side file: canonical decimal when the ids are numeric. */
static const char *file_key(int text_ids, const char *p, size_t len, char *buf, size_t *klen)
{
    int64_t v;
    if (!text_ids && cli_parse_int64(p, len, &v, NULL) == CLI_NUM_OK) {
        *klen = cli_format_int64(v, buf);
        return buf;
    }
    *klen = len;
    return p;
}

/* ------------------------------------------------------------------ customers */

typedef struct universe {
    size_t K;          /* customers with transactions (or credited as referrers) */
    int64_t *id;       /* K ids, ascending */
    size_t N;          /* K + prospects without transactions */
    keymap keys;       /* key -> position 0..N-1 */
    double *nps, *sat; /* N each, NaN = unknown (NULL: no such column) */
    int32_t *bond;     /* N, -1 = unknown (NULL: no column) */
    uint64_t att_unknown_ids; /* attitude rows whose id is not a customer or prospect */
    uint64_t prospects_read;
    /* the activity rule: churn.rule is CVA_CHURN_RULE_HIATUS (the library's own rule), _IPT or
       _P_ALIVE, with --hiatus-days, --ipt-multiple and --threshold as `cva churn` reads them */
    cva_churn_flag_opts churn;
} universe;

static void universe_free(universe *u)
{
    free(u->id);
    free(u->nps);
    free(u->sat);
    free(u->bond);
    km_free(&u->keys);
}

static int open_csv(const char *path, const char *what, FILE **fp, csv_reader *r, cli_err *err)
{
    int code;
    *fp = fopen(path, "rb");
    if (!*fp) {
        code = errno == ENOENT ? CLI_EXIT_USAGE : CLI_EXIT_IO;
        code = cli_fail(err, code, "%s: cannot open the %s file: %s", path, what, strerror(errno));
        return code ? code : CLI_EXIT_IO; /* never 0 here: the callers fclose(*fp) after a 0 */
    }
    if (csv_init(r, csv_read_stdio, *fp, ',') != 0) {
        fclose(*fp);
        *fp = NULL;
        code = cli_fail(err, CLI_EXIT_FAIL, "csv reader");
        return code ? code : CLI_EXIT_FAIL;
    }
    return 0;
}

static int csv_error(const csv_reader *r, const char *path, cli_err *err)
{
    if (r->err_errno)
        return cli_fail(err, CLI_EXIT_IO, "%s: read error: %s", path, strerror(r->err_errno));
    return cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%lu: %s", path, (unsigned long long)r->err_line,
                    (unsigned long)r->err_col, r->err);
}

static int load_prospects(const char *path, const cli_txn *tx, universe *u, cli_err *err)
{
    FILE *fp;
    csv_reader r;
    int st, rc = 0, first = 1;
    if ((rc = open_csv(path, "prospects", &fp, &r, err)) != 0)
        return rc;
    while ((st = csv_next(&r)) == CSV_ROW) {
        const char *p, *k;
        size_t len, klen;
        char kb[24];
        if (first && (rc = cli_refuse_utf16(&r, path, err)) != 0)
            goto out;
        if (r.nf != 1) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: %lu fields: the prospects file has one customer id per line",
                          path, (unsigned long long)r.row_line, (unsigned long)r.nf);
            goto out;
        }
        csv_field_trim(&r.f[0], &p, &len);
        if (first && csv_ieq(p, len, "customer_id")) {
            first = 0;
            continue;
        }
        first = 0;
        if (len == 0)
            continue;
        u->prospects_read++;
        k = file_key(tx->ids.text, p, len, kb, &klen);
        if (km_get(&u->keys, k, klen) == (size_t)-1)
            km_add(&u->keys, k, klen);
    }
    if (st == CSV_ERR)
        rc = csv_error(&r, path, err);
out:
    csv_free(&r);
    fclose(fp);
    u->N = u->keys.n;
    return rc;
}

enum { ATT_ID = 0, ATT_NPS, ATT_SAT, ATT_BOND, ATT_N };
static const char *const att_names[ATT_N] = {"customer_id", "nps", "sat", "bond"};

static int load_attitudes(const char *path, const cli_txn *tx, universe *u, cli_err *err)
{
    FILE *fp;
    csv_reader r;
    long idx[ATT_N];
    unsigned char *seen = NULL;
    size_t j, N = u->N;
    int st, c, rc;
    if ((rc = open_csv(path, "attitudes", &fp, &r, err)) != 0)
        return rc;
    st = csv_next(&r);
    if (st == CSV_EOF) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: empty attitudes file (expected a header customer_id,nps,sat,bond)",
                      path);
        goto out;
    }
    if (st == CSV_ERR) {
        rc = csv_error(&r, path, err);
        goto out;
    }
    if ((rc = cli_refuse_utf16(&r, path, err)) != 0)
        goto out;
    for (c = 0; c < ATT_N; c++)
        idx[c] = -1;
    for (j = 0; j < r.nf; j++) {
        const char *p;
        size_t len;
        char q[64];
        csv_field_trim(&r.f[j], &p, &len);
        for (c = 0; c < ATT_N; c++)
            if (csv_ieq(p, len, att_names[c]))
                break;
        cli_quote_field(q, sizeof q, p, len);
        if (c == ATT_N) {
            rc = cli_fail(err, CLI_EXIT_DATA,
                          "%s:%llu:%lu: unknown column %s in the attitudes file (expected customer_id and any of "
                          "nps, sat, bond)",
                          path, (unsigned long long)r.row_line, (unsigned long)j + 1, q);
            goto out;
        }
        if (idx[c] >= 0) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%lu: column %s appears twice", path,
                          (unsigned long long)r.row_line, (unsigned long)j + 1, q);
            goto out;
        }
        idx[c] = (long)j;
    }
    if (idx[ATT_ID] < 0) {
        rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: no column 'customer_id' in the attitudes file", path,
                      (unsigned long long)r.row_line);
        goto out;
    }
    if (idx[ATT_NPS] >= 0) {
        u->nps = (double *)cli_xmalloc((N ? N : 1) * sizeof *u->nps);
        for (j = 0; j < N; j++)
            u->nps[j] = (double)NAN;
    }
    if (idx[ATT_SAT] >= 0) {
        u->sat = (double *)cli_xmalloc((N ? N : 1) * sizeof *u->sat);
        for (j = 0; j < N; j++)
            u->sat[j] = (double)NAN;
    }
    if (idx[ATT_BOND] >= 0) {
        u->bond = (int32_t *)cli_xmalloc((N ? N : 1) * sizeof *u->bond);
        for (j = 0; j < N; j++)
            u->bond[j] = -1;
    }
    seen = (unsigned char *)calloc(N ? N : 1, 1);
    if (!seen) {
        rc = cli_fail(err, CLI_EXIT_FAIL, "out of memory");
        goto out;
    }
    while ((st = csv_next(&r)) == CSV_ROW) {
        const char *p, *k;
        size_t len, klen, pos;
        char kb[24], q[64];
        if (r.nf == 1 && r.f[0].len == 0)
            continue; /* blank line */
        for (c = 0; c < ATT_N; c++)
            if (idx[c] >= 0 && (size_t)idx[c] >= r.nf) {
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%lu: row has %lu fields, the header has more", path,
                              (unsigned long long)r.row_line, (unsigned long)r.nf + 1, (unsigned long)r.nf);
                goto out;
            }
        csv_field_trim(&r.f[idx[ATT_ID]], &p, &len);
        if (len == 0) {
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: blank customer_id", path, (unsigned long long)r.row_line,
                          idx[ATT_ID] + 1);
            goto out;
        }
        k = file_key(tx->ids.text, p, len, kb, &klen);
        pos = km_get(&u->keys, k, klen);
        if (pos == (size_t)-1) {
            u->att_unknown_ids++;
            continue;
        }
        if (seen[pos]) {
            cli_quote_field(q, sizeof q, p, len);
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu: customer_id %s appears twice", path,
                          (unsigned long long)r.row_line, q);
            goto out;
        }
        seen[pos] = 1;
        for (c = ATT_NPS; c < ATT_N; c++) {
            double v;
            int pst;
            if (idx[c] < 0)
                continue;
            csv_field_trim(&r.f[idx[c]], &p, &len);
            if (len == 0)
                continue; /* unknown */
            pst = cli_parse_double(p, len, &v);
            cli_quote_field(q, sizeof q, p, len);
            if (pst != CLI_NUM_OK) {
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: %s %s is not a number", path,
                              (unsigned long long)r.row_line, idx[c] + 1, att_names[c], q);
                goto out;
            }
            if (c == ATT_NPS && !(v >= 0.0 && v <= 10.0)) {
                rc = cli_fail(err, CLI_EXIT_DATA, "%s:%llu:%ld: nps %s is outside 0-10", path,
                              (unsigned long long)r.row_line, idx[c] + 1, q);
                goto out;
            }
            if (c == ATT_SAT && !(v >= 0.0 && v <= 1.0)) {
                rc = cli_fail(err, CLI_EXIT_DATA,
                              "%s:%llu:%ld: sat %s is outside 0-1 (normalise it, e.g. (score - 1)/4 on a 1-5 scale)",
                              path, (unsigned long long)r.row_line, idx[c] + 1, q);
                goto out;
            }
            if (c == ATT_BOND && !(v >= -1.0 && v <= 4.0 && !(floor(v) < v))) {
                rc = cli_fail(err, CLI_EXIT_DATA,
                              "%s:%llu:%ld: bond %s is not a level 0-4 (0 none, 1 financial, 2 social, "
                              "3 customisation, 4 structural; empty or -1 unknown)",
                              path, (unsigned long long)r.row_line, idx[c] + 1, q);
                goto out;
            }
            if (c == ATT_NPS)
                u->nps[pos] = v;
            else if (c == ATT_SAT)
                u->sat[pos] = v;
            else
                u->bond[pos] = (int32_t)v;
        }
    }
    if (st == CSV_ERR)
        rc = csv_error(&r, path, err);
out:
    free(seen);
    csv_free(&r);
    fclose(fp);
    return rc;
}

/* ------------------------------------------------------------------ classification */

typedef struct rungs {
    int32_t *stage, *rule, *has_ref, *active;
    uint32_t *n_occ, *referrals;
} rungs;

static void rungs_alloc(rungs *g, size_t n)
{
    size_t m = n ? n : 1;
    g->stage = (int32_t *)cli_xmalloc(m * sizeof(int32_t));
    g->rule = (int32_t *)cli_xmalloc(m * sizeof(int32_t));
    g->has_ref = (int32_t *)cli_xmalloc(m * sizeof(int32_t));
    g->active = (int32_t *)cli_xmalloc(m * sizeof(int32_t));
    g->n_occ = (uint32_t *)cli_xmalloc(m * sizeof(uint32_t));
    g->referrals = (uint32_t *)cli_xmalloc(m * sizeof(uint32_t));
}

static void rungs_free(rungs *g)
{
    free(g->stage);
    free(g->rule);
    free(g->has_ref);
    free(g->active);
    free(g->n_occ);
    free(g->referrals);
}

static int lib_error(const char *what, cva_status st, const cva_diag *d, cli_err *err)
{
    return cli_fail(err, st == CVA_E_NOMEM ? CLI_EXIT_FAIL : CLI_EXIT_LIB, "%s: %s: %s", what, cva_status_name(st), d->detail ? d->detail : "");
}

/* Classify the universe as of the calendar day @p day. */
/* Activity by the churn flags (cva_churn_flags) for --active-rule ipt or p-alive, on the
   customers with a purchase up to the date (day-based like the hiatus rule: recency,
   first and last purchase day from tenure and recency); 0 for the others. p-alive fits
   BG/NBD (x = n_occ - 1, t_x = tenure - recency, T = tenure, in days) on the same customers. */
static int churn_activity(const universe *u, const rungs *g, const double *tenure, const double *recency,
                          int32_t **active_out, cli_err *err)
{
    size_t N = u->N, m = 0, i, k;
    size_t cap = N ? N : 1;
    double *rec = (double *)cli_xmalloc(cap * sizeof(double)), *first = (double *)cli_xmalloc(cap * sizeof(double));
    double *last = (double *)cli_xmalloc(cap * sizeof(double)), *pa = NULL;
    uint32_t *occ = (uint32_t *)cli_xmalloc(cap * sizeof(uint32_t));
    int32_t *act = (int32_t *)cli_xmalloc(cap * sizeof(int32_t)), *actv = (int32_t *)cli_xmalloc(cap * sizeof(int32_t));
    cva_churn_flag_opts co;
    cva_diag d;
    cva_status st;
    int rc = 0;

    cva_diag_init(&d, sizeof d);
    for (i = 0; i < N; i++) {
        actv[i] = 0;
        if (g->n_occ[i] == 0)
            continue;
        rec[m] = recency[i];
        occ[m] = g->n_occ[i];
        first[m] = -tenure[i]; /* days relative to the date */
        last[m] = -recency[i];
        m++;
    }
    if (m == 0)
        goto done;
    if (u->churn.rule == CVA_CHURN_RULE_P_ALIVE) {
        double *x = (double *)cli_xmalloc(m * sizeof(double)), *tx = (double *)cli_xmalloc(m * sizeof(double));
        double *T = (double *)cli_xmalloc(m * sizeof(double));
        cva_model_fit f;
        cva_fit_opts fo;
        pa = (double *)cli_xmalloc(m * sizeof(double));
        for (k = 0; k < m; k++) {
            x[k] = (double)occ[k] - 1.0;
            tx[k] = last[k] - first[k];
            T[k] = -first[k];
        }
        cva_model_fit_init(&f, sizeof f);
        st = cva_fit_opts_init_defaults(&fo, sizeof fo);
        fo.executor = cli_executor(); /* --threads */
        if (st >= 0)
            st = cva_model_fit_btyd(CVA_MODEL_BGNBD, x, tx, T, NULL, m, &fo, &f, &d);
        if (st >= 0)
            (void)cli_fit_warning(&f, st, 1); /* a fit that cannot be trusted says so on stderr */
        if (st >= 0)
            st = cva_model_p_alive(CVA_MODEL_BGNBD, f.params, 0.0, x, tx, T, m, pa, cli_predict_opts(), &d);
        free(x);
        free(tx);
        free(T);
        if (st < 0) {
            rc = lib_error("--active-rule p-alive: BG/NBD", st, &d, err);
            goto done;
        }
    }
    co = u->churn;
    st = cva_churn_flags(rec, occ, first, last, pa, NULL, m, &co, act, NULL, NULL, NULL, &d);
    if (st < 0) {
        rc = lib_error("--active-rule: churn flags", st, &d, err);
        goto done;
    }
    for (i = 0, k = 0; i < N; i++)
        if (g->n_occ[i] > 0)
            actv[i] = act[k++];
done:
    free(rec);
    free(first);
    free(last);
    free(pa);
    free(occ);
    free(act);
    if (rc)
        free(actv);
    else
        *active_out = actv;
    return rc;
}

static int classify_at(const cli_txn *tx, const cva_txn_input *in, const universe *u, double day,
                       const cva_ladder_opts *lo, rungs *g, uint64_t *excluded, cli_err *err)
{
    size_t N = u->N, K = u->K, i, j;
    double t_incl = nextafter(day + 1.0, -(double)INFINITY); /* the whole day counts */
    double *tenure = (double *)cli_xmalloc((N ? N : 1) * sizeof(double));
    double *recency = (double *)cli_xmalloc((N ? N : 1) * sizeof(double));
    uint32_t *total = (uint32_t *)cli_xmalloc((N ? N : 1) * sizeof(uint32_t));
    int32_t *fscore = NULL, *actv = NULL;
    cli_summary s;
    cva_ladder_input li;
    cva_diag d;
    cva_status st;
    int rc = 0;

    memset(&s, 0, sizeof s);
    cva_diag_init(&d, sizeof d);
    for (i = 0; i < N; i++) {
        g->n_occ[i] = 0;
        g->referrals[i] = 0;
        total[i] = 0;
        tenure[i] = recency[i] = (double)NAN;
    }
    if (tx->n > 0) {
        if ((rc = cli_summary_run_ids(in, t_incl, (double)NAN, 1.0, &tx->ids, &s, err)) != 0)
            goto out;
        *excluded = s.excluded;
        /* merge: every customer up to the day is in the universe (both ascending) */
        for (i = 0, j = 0; j < s.n; j++) {
            while (i < K && u->id[i] < s.id[j])
                i++;
            if (i == K || u->id[i] != s.id[j]) {
                rc = cli_fail(err, CLI_EXIT_FAIL, "internal: customer missing from the full summary");
                goto out;
            }
            g->n_occ[i] = s.n_occ[j];
            if (s.n_occ[j] > 0) {
                tenure[i] = day - floor(s.first_t[j]);
                recency[i] = day - floor(s.last_t[j]);
            }
        }
        if (in->referrer_id) {
            st = cva_ladder_referrals(in, NULL, t_incl, lo, u->id, K, g->referrals, total, &d);
            if (st < 0) {
                rc = lib_error("ladder referrals", st, &d, err);
                goto out;
            }
        }
    }
    memset(&li, 0, sizeof li);
    li.struct_size = sizeof li;
    li.n = N;
    li.n_occ = g->n_occ;
    li.tenure = tenure;
    li.recency = recency;
    li.referrals = g->referrals;
    li.referrals_total = total;
    li.nps = u->nps;
    li.sat = u->sat;
    li.bond = u->bond;
    if (lo->flags & CVA_LADDER_F_BEHAVIOURAL_PROXY) {
        /* RFM F score: quintile (rank-first, ties by id) of the occasions among customers with a purchase */
        size_t m = N ? N : 1;
        double *rec = (double *)cli_xmalloc(m * sizeof(double)), *fr = (double *)cli_xmalloc(m * sizeof(double));
        double *mo = (double *)cli_xmalloc(m * sizeof(double));
        int32_t *sr = (int32_t *)cli_xmalloc(m * sizeof(int32_t)), *sm = (int32_t *)cli_xmalloc(m * sizeof(int32_t));
        fscore = (int32_t *)cli_xmalloc(m * sizeof(int32_t));
        for (i = 0; i < N; i++) {
            rec[i] = g->n_occ[i] > 0 ? 0.0 : (double)NAN;
            fr[i] = (double)g->n_occ[i];
            mo[i] = 0.0;
        }
        st = cva_rfm_score(rec, fr, mo, N, NULL, sr, fscore, sm, NULL, NULL, 0, &d);
        free(rec);
        free(fr);
        free(mo);
        free(sr);
        free(sm);
        if (st < 0) {
            rc = lib_error("F scores", st, &d, err);
            goto out;
        }
        li.f_score = fscore;
    }
    if (u->churn.rule != CVA_CHURN_RULE_HIATUS) {
        if ((rc = churn_activity(u, g, tenure, recency, &actv, err)) != 0)
            goto out;
        li.active = actv;
    }
    st = cva_ladder_classify(&li, lo, g->stage, g->rule, g->has_ref, g->active, &d);
    if (st < 0)
        rc = lib_error("ladder", st, &d, err);
out:
    free(actv);
    free(fscore);
    cli_summary_free(&s);
    free(tenure);
    free(recency);
    free(total);
    return rc;
}

/* ------------------------------------------------------------------ output */

static void put_id(cli_table *t, const cli_txn *tx, const universe *u, size_t i)
{
    if (i < u->K) {
        if (tx->ids.text) {
            char ib[24];
            size_t ilen;
            const char *id = cli_ids_text(&tx->ids, u->id[i], ib, &ilen);
            cli_table_text(t, id, ilen);
        } else {
            cli_table_int(t, u->id[i]);
        }
    } else {
        cli_table_text(t, u->keys.pool + u->keys.off[i], u->keys.len[i]);
    }
}

static void json_num(FILE *fp, double v)
{
    char b[40];
    if (isnan(v)) {
        fputs("null", fp);
        return;
    }
    b[cli_format_double(v, b)] = '\0';
    fputs(b, fp);
}

static void json_date(FILE *fp, double day)
{
    char b[24];
    b[cli_format_date(day, b)] = '\0';
    fprintf(fp, "\"%s\"", b);
}

static const char *const main_cols[] = {"customer_id", "stage", "decided_by", "has_referred", "active", "n_occ",
                                        "referrals"};
static const char *const report_cols[] = {"what", "stage", "value", "count", "share"};

static void meta_common(char *buf, size_t cap, const cli_input_opts *o, const cli_txn *tx, const char *kind,
                        const cva_ladder_opts *lo, const cva_churn_flag_opts *co)
{
    char name[600], rows_s[200], lb[40], pt[40], st[40], hd[40], ipt[40], thr[40];
    const char *input = strcmp(o->input, "-") == 0 ? "<stdin>" : o->input;
    cli_json_string(name, sizeof name, input, strlen(input));
    cli_txn_json_rows(tx, o, rows_s, sizeof rows_s);
    lb[cli_format_double(lo->lookback, lb)] = '\0';
    pt[cli_format_double(lo->partner_min_tenure, pt)] = '\0';
    st[cli_format_double(lo->sat_threshold, st)] = '\0';
    hd[cli_format_double(lo->hiatus, hd)] = '\0';
    ipt[cli_format_double(co->ipt_multiple, ipt)] = '\0';
    thr[cli_format_double(co->threshold, thr)] = '\0';
    snprintf(buf, cap,
             "\"command\": \"ladder\",\n  \"output\": \"%s\",\n  \"cva_version\": \"%s\",\n  \"input\": %s,\n"
             "  %s\"occasion\": \"%s\",\n  \"id_type\": \"%s\",\n  \"lookback_days\": %s,\n"
             "  \"min_referrals\": %u,\n  \"partner_min_tenure_days\": %s,\n  \"sat_threshold\": %s,\n"
             "  \"nps_promoter_is_advocate\": %s,\n  \"behavioural_proxy\": %s,\n  \"active_rule\": \"%s\",\n"
             "  \"hiatus_days\": %s,\n  \"ipt_multiple\": %s,\n  \"threshold\": %s,\n  ",
             kind, cva_version_string(), name, rows_s, cli_occasion_name(o->occasion),
             tx->ids.text ? "text" : "integer", lb, (unsigned)lo->min_referrals, pt, st,
             (lo->flags & CVA_LADDER_F_NPS_PROMOTER_IS_ADVOCATE) ? "true" : "false",
             (lo->flags & CVA_LADDER_F_BEHAVIOURAL_PROXY) ? "true" : "false", cva_churn_rule_name(co->rule), hd, ipt,
             thr);
}

static void write_rungs(cli_out *out, const cli_input_opts *o, const cli_txn *tx, const universe *u,
                        const rungs *g, double day, const cva_ladder_opts *lo)
{
    char meta[4096];
    cli_table t;
    size_t i;
    meta[0] = '\0';
    if (o->format == CLI_FMT_JSON) {
        char d[24];
        size_t off;
        meta_common(meta, sizeof meta, o, tx, "customers", lo, &u->churn);
        off = strlen(meta);
        d[cli_format_date(day, d)] = '\0';
        snprintf(meta + off, sizeof meta - off, "\"at\": \"%s\",\n  \"n_customers\": %lu,\n  ", d,
                 (unsigned long)u->N);
    }
    cli_table_begin(&t, out, o->format == CLI_FMT_JSON, main_cols, 7, meta, "customers");
    for (i = 0; i < u->N; i++) {
        const char *sn = cva_ladder_state_name(g->stage[i]), *rn = cva_ladder_rule_name(g->rule[i]);
        put_id(&t, tx, u, i);
        cli_table_text(&t, sn, strlen(sn));
        cli_table_text(&t, rn, strlen(rn));
        cli_table_int(&t, g->has_ref[i]);
        cli_table_int(&t, g->active[i]);
        cli_table_int(&t, (int64_t)g->n_occ[i]);
        cli_table_int(&t, (int64_t)g->referrals[i]);
        cli_table_end_row(&t);
    }
    cli_table_end(&t);
}

static int write_report(cli_out *out, const cli_input_opts *o, const cli_txn *tx, const universe *u,
                        const rungs *g, double day, const cva_ladder_opts *lo, cli_err *err)
{
    uint64_t rc6[CVA_LADDER_N_RUNGS], rl[CVA_LADDER_N_RULES + 1], bc[CVA_LADDER_N_RUNGS * 6];
    char meta[4096];
    cli_table t;
    cva_diag d;
    cva_status st;
    double N = (double)u->N;
    int r, b;
    cva_diag_init(&d, sizeof d);
    st = cva_ladder_counts(g->stage, g->rule, u->bond, u->N, rc6, rl, bc, &d);
    if (st < 0)
        return lib_error("ladder counts", st, &d, err);
    meta[0] = '\0';
    if (o->format == CLI_FMT_JSON) {
        char ds[24];
        size_t off;
        meta_common(meta, sizeof meta, o, tx, "report", lo, &u->churn);
        off = strlen(meta);
        ds[cli_format_date(day, ds)] = '\0';
        snprintf(meta + off, sizeof meta - off, "\"at\": \"%s\",\n  \"n_customers\": %lu,\n  ", ds,
                 (unsigned long)u->N);
    }
    cli_table_begin(&t, out, o->format == CLI_FMT_JSON, report_cols, 5, meta, "rows");
    for (r = 0; r < CVA_LADDER_N_RUNGS; r++) {
        const char *sn = cva_ladder_state_name(CVA_LADDER_PROSPECT + r);
        cli_table_text(&t, "stage", 5);
        cli_table_text(&t, sn, strlen(sn));
        cli_table_null(&t);
        cli_table_int(&t, (int64_t)rc6[r]);
        cli_table_num(&t, u->N ? (double)rc6[r] / N : (double)NAN);
        cli_table_end_row(&t);
    }
    for (r = 1; r <= CVA_LADDER_N_RULES; r++) {
        const char *sn = cva_ladder_state_name(cva_ladder_rule_rung(r)), *rn = cva_ladder_rule_name(r);
        cli_table_text(&t, "decided_by", 10);
        cli_table_text(&t, sn, strlen(sn));
        cli_table_text(&t, rn, strlen(rn));
        cli_table_int(&t, (int64_t)rl[r]);
        cli_table_num(&t, u->N ? (double)rl[r] / N : (double)NAN);
        cli_table_end_row(&t);
    }
    for (r = 0; r < CVA_LADDER_N_RUNGS; r++) {
        const char *sn = cva_ladder_state_name(CVA_LADDER_PROSPECT + r);
        for (b = -1; b <= 4; b++) {
            const char *bn = cva_ladder_bond_name(b);
            uint64_t c = bc[r * 6 + (b + 1)];
            cli_table_text(&t, "bond", 4);
            cli_table_text(&t, sn, strlen(sn));
            cli_table_text(&t, bn, strlen(bn));
            cli_table_int(&t, (int64_t)c);
            cli_table_num(&t, rc6[r] ? (double)c / (double)rc6[r] : (double)NAN);
            cli_table_end_row(&t);
        }
    }
    for (r = 0; r < CVA_LADDER_N_RUNGS; r++) {
        const char *sn = cva_ladder_state_name(CVA_LADDER_PROSPECT + r);
        const char *bn = cva_ladder_bond_name(cva_ladder_suggested_bond(CVA_LADDER_PROSPECT + r));
        cli_table_text(&t, "suggested_bond", 14);
        cli_table_text(&t, sn, strlen(sn));
        cli_table_text(&t, bn, strlen(bn));
        cli_table_null(&t);
        cli_table_null(&t);
        cli_table_end_row(&t);
    }
    cli_table_end(&t);
    return 0;
}

static void json_rate_map(FILE *fp, const char *name, const double *v, size_t n)
{
    size_t i;
    fprintf(fp, "    \"%s\": {", name);
    for (i = 0; i < n; i++) {
        fprintf(fp, "%s\"%s\": ", i ? ", " : "", cva_ladder_state_name(CVA_LADDER_PROSPECT + (int32_t)i));
        json_num(fp, v[i]);
    }
    fputs("},\n", fp);
}

static int write_migration(cli_out *out, const cli_input_opts *o, const cli_txn *tx, const cva_ladder_migration *m,
                           double from, double to, uint32_t project, const cva_ladder_opts *lo, const cva_churn_flag_opts *co,
                           int *warned, cli_err *err)
{
    size_t S = m->n_states, i, j;
    if (o->format != CLI_FMT_JSON) {
        static const char *const names[8] = {"from", "PROSPECT", "CUSTOMER", "CLIENT", "SUPPORTER", "ADVOCATE",
                                             "PARTNER", "LAPSED"};
        cli_table t;
        cli_table_begin(&t, out, 0, names, 1 + S, NULL, NULL);
        for (i = 0; i < S; i++) {
            const char *sn = cva_ladder_state_name(CVA_LADDER_PROSPECT + (int32_t)i);
            cli_table_text(&t, sn, strlen(sn));
            for (j = 0; j < S; j++)
                cli_table_int(&t, (int64_t)m->counts[i][j]);
            cli_table_end_row(&t);
        }
        cli_table_end(&t);
        return 0;
    }
    {
        FILE *fp = out->fp;
        char meta[4096];
        meta_common(meta, sizeof meta, o, tx, "migration", lo, co);
        fputs("{\n  ", fp);
        fputs(meta, fp);
        fputs("\"from\": ", fp);
        json_date(fp, from);
        fputs(",\n  \"to\": ", fp);
        json_date(fp, to);
        fprintf(fp, ",\n  \"n_customers\": %llu,\n  \"states\": [", (unsigned long long)m->n);
        for (i = 0; i < S; i++)
            fprintf(fp, "%s\"%s\"", i ? ", " : "", cva_ladder_state_name(CVA_LADDER_PROSPECT + (int32_t)i));
        fputs("],\n  \"counts\": [", fp);
        for (i = 0; i < S; i++) {
            fputs(i ? ",\n             [" : "[", fp);
            for (j = 0; j < S; j++)
                fprintf(fp, "%s%llu", j ? ", " : "", (unsigned long long)m->counts[i][j]);
            fputs("]", fp);
        }
        fputs("],\n  \"transition\": [", fp);
        for (i = 0; i < S; i++) {
            fputs(i ? ",\n                 [" : "[", fp);
            for (j = 0; j < S; j++) {
                if (j)
                    fputs(", ", fp);
                json_num(fp, m->transition[i][j]);
            }
            fputs("]", fp);
        }
        fputs("],\n  \"rates\": {\n", fp);
        json_rate_map(fp, "up", m->up_rate, 6);
        json_rate_map(fp, "stay", m->stay_rate, S);
        json_rate_map(fp, "down", m->down_rate, 6);
        json_rate_map(fp, "lapse", m->lapse_rate, 6);
        fputs("    \"reactivation\": ", fp);
        json_num(fp, m->reactivation_rate);
        fputs(",\n    \"overall_up\": ", fp);
        json_num(fp, m->overall_up);
        fputs(",\n    \"overall_stay\": ", fp);
        json_num(fp, m->overall_stay);
        fputs(",\n    \"overall_down\": ", fp);
        json_num(fp, m->overall_down);
        fputs(",\n    \"overall_lapse\": ", fp);
        json_num(fp, m->overall_lapse);
        fputs("\n  },\n  \"net_movement\": ", fp);
        json_num(fp, m->net_movement);
        fprintf(fp, ",\n  \"n_net\": %llu", (unsigned long long)m->n_net);
        if (project > 0) {
            double P[49], pi0[7];
            double *traj = (double *)cli_xmalloc(((size_t)project + 1) * S * sizeof(double));
            cva_diag d;
            cva_status st;
            cva_diag_init(&d, sizeof d);
            for (i = 0; i < S; i++) {
                pi0[i] = 0.0;
                for (j = 0; j < S; j++)
                    P[i * S + j] = m->transition[i][j];
            }
            for (j = 0; j < S; j++)
                for (i = 0; i < S; i++)
                    pi0[j] += (double)m->counts[i][j];
            st = cva_ladder_project(P, S, pi0, project, NULL, 0.0, traj, NULL, &d);
            if (st < 0) {
                free(traj);
                return lib_error("ladder projection", st, &d, err);
            }
            fprintf(fp, ",\n  \"projection\": {\n    \"period_days\": ");
            json_num(fp, to - from);
            fprintf(fp, ",\n    \"steps\": %u,\n    \"counts\": [", (unsigned)project);
            for (i = 1; i <= project; i++) {
                fputs(i > 1 ? ",\n               [" : "[", fp);
                for (j = 0; j < S; j++) {
                    if (j)
                        fputs(", ", fp);
                    json_num(fp, traj[i * S + j]);
                }
                fputs("]", fp);
            }
            fputs("]", fp);
            if (st == CVA_W_EXCLUDED) {
                fprintf(fp, ",\n    \"warning\": \"CVA_W_EXCLUDED: %llu state(s) without observed transitions (no "
                            "customer started there) were reached and kept their customers (taken as absorbing)\"",
                        (unsigned long long)d.count);
                *warned = (int)d.count;
            }
            fputs("\n  }", fp);
            free(traj);
        }
        fputs("\n}\n", fp);
    }
    return 0;
}

/* ------------------------------------------------------------------ main */

static int parse_day_opt(const char *opt, const char *text, const cli_input_opts *o, double *day, cli_err *err)
{
    double d;
    int st = cli_parse_date(text, strlen(text), &d, NULL);
    if (st != CLI_DATE_OK && o->date_format) {
        int st2 = cli_parse_date_fmt(o->date_format, text, strlen(text), &d, NULL, NULL);
        if (st2 == CLI_DATE_OK || st2 == CLI_DATE_RANGE)
            st = st2;
    }
    if (st != CLI_DATE_OK)
        return cli_fail(err, CLI_EXIT_USAGE, "option %s: %s date \"%s\" (expected YYYY-MM-DD or YYYYMMDD)", opt,
                        st == CLI_DATE_RANGE ? "impossible" : "bad", text);
    *day = floor(d);
    return 0;
}

int cmd_ladder(int argc, char **argv)
{
    cli_input_opts o;
    cli_err err;
    cli_out out;
    cli_txn tx;
    cli_summary all;
    universe u;
    rungs g1, g2;
    cva_txn_input in;
    cva_ladder_opts lo;
    cva_churn_flag_opts co;
    const char *at_s = NULL, *from_s = NULL, *to_s = NULL, *att_f = NULL, *pro_f = NULL, *rule_s = NULL;
    int32_t active_rule = CVA_CHURN_RULE_HIATUS;
    double at = (double)NAN, from = (double)NAN, to = (double)NAN, v;
    uint64_t project = 0, excluded = 0, n;
    int i, m, rc = 0, report = 0, have_project = 0, warned = 0, out_open = 0;
    const char *val;
    size_t k;

    memset(&err, 0, sizeof err);
    memset(&tx, 0, sizeof tx);
    memset(&all, 0, sizeof all);
    memset(&u, 0, sizeof u);
    memset(&g1, 0, sizeof g1);
    memset(&g2, 0, sizeof g2);
    cli_input_opts_init(&o);
    cva_ladder_opts_init_defaults(&lo, sizeof lo);
    if (cva_churn_flag_opts_init_defaults(&co, sizeof co) != CVA_OK) {
        cli_fail(&err, CLI_EXIT_LIB, "library ABI mismatch (cva_churn_flag_opts)");
        return cli_report(&err);
    }
    for (i = 1; i < argc; i++) {
        int r;
        if (cli_match_flag(argv, i, "--help") || cli_match_flag(argv, i, "-h")) {
            cmd_ladder_help();
            return 0;
        }
#define STROPT(name, var)                                           \
    if ((m = cli_match_opt(argc, argv, &i, name, &val, &err)) != 0) { \
        if (m < 0)                                                  \
            return cli_report(&err);                                \
        var = val;                                                  \
        continue;                                                   \
    }
        STROPT("--at", at_s)
        STROPT("--from", from_s)
        STROPT("--to", to_s)
        STROPT("--attitudes", att_f)
        STROPT("--prospects", pro_f)
        STROPT("--active-rule", rule_s)
#undef STROPT
#define NUMOPT(name, var, cond, what)                                                       \
    if ((m = cli_match_opt(argc, argv, &i, name, &val, &err)) != 0) {                       \
        if (m < 0 || cli_parse_double_opt(name, val, &v, &err))                             \
            return cli_report(&err);                                                        \
        if (!(cond)) {                                                                      \
            cli_fail(&err, CLI_EXIT_USAGE, "option %s: %s, got %s", name, what, val);       \
            return cli_report(&err);                                                        \
        }                                                                                   \
        var = v;                                                                            \
        continue;                                                                           \
    }
        NUMOPT("--lookback-days", lo.lookback, v > 0, "must be > 0")
        NUMOPT("--partner-min-tenure-days", lo.partner_min_tenure, v >= 0, "must be >= 0")
        NUMOPT("--sat-threshold", lo.sat_threshold, v >= 0 && v <= 1, "must be in 0-1")
#undef NUMOPT
        /* --hiatus-days, --ipt-multiple, --threshold: the parameters of the activity rule, as in cva churn */
        if ((m = cli_match_churn_flag_opt(argc, argv, &i, &co, &err)) != 0) {
            if (m < 0)
                return cli_report(&err);
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--min-referrals", &val, &err)) != 0) {
            if (m < 0 || cli_parse_size_opt("--min-referrals", val, &n, &err))
                return cli_report(&err);
            if (n < 1 || n > UINT32_MAX) {
                cli_fail(&err, CLI_EXIT_USAGE, "option --min-referrals: must be 1 or more, got %s", val);
                return cli_report(&err);
            }
            lo.min_referrals = (uint32_t)n;
            continue;
        }
        if ((m = cli_match_opt(argc, argv, &i, "--project", &val, &err)) != 0) {
            if (m < 0 || cli_parse_size_opt("--project", val, &project, &err))
                return cli_report(&err);
            if (project < 1 || project > 1000) {
                cli_fail(&err, CLI_EXIT_USAGE, "option --project: periods 1-1000, got %s", val);
                return cli_report(&err);
            }
            have_project = 1;
            continue;
        }
        if (cli_match_flag(argv, i, "--report")) {
            report = 1;
            continue;
        }
        if (cli_match_flag(argv, i, "--nps-promoter-is-advocate")) {
            lo.flags |= CVA_LADDER_F_NPS_PROMOTER_IS_ADVOCATE;
            continue;
        }
        if (cli_match_flag(argv, i, "--behavioural-proxy") || cli_match_flag(argv, i, "--behavioral-proxy")) {
            lo.flags |= CVA_LADDER_F_BEHAVIOURAL_PROXY;
            continue;
        }
        r = cli_input_opt(&o, argc, argv, &i, &err);
        if (r < 0)
            return cli_report(&err);
        if (r > 0)
            continue;
        if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_fail(&err, CLI_EXIT_USAGE, "ladder: unknown option '%s' (see 'cva help ladder')", argv[i]);
            return cli_report(&err);
        }
        if (o.input) {
            cli_fail(&err, CLI_EXIT_USAGE, "ladder: unexpected argument '%s' (input is already %s)", argv[i], o.input);
            return cli_report(&err);
        }
        o.input = argv[i];
    }
    if (rule_s) {
        if (strcmp(rule_s, "ipt") == 0)
            active_rule = CVA_CHURN_RULE_IPT;
        else if (strcmp(rule_s, "p-alive") == 0)
            active_rule = CVA_CHURN_RULE_P_ALIVE;
        else if (strcmp(rule_s, "hiatus") != 0) {
            cli_fail(&err, CLI_EXIT_USAGE, "option --active-rule: unknown rule '%s' (hiatus, ipt, p-alive)", rule_s);
            return cli_report(&err);
        }
    }
    co.rule = active_rule;
    if (cli_check_churn_flag_opts(&co, "ladder", &err))
        return cli_report(&err);
    lo.hiatus = co.hiatus;
    if (o.end || o.cal_end) {
        cli_fail(&err, CLI_EXIT_USAGE, "ladder: %s is not used here: give --at DATE, or --from and --to",
                 o.end ? "--end" : "--calibration-end");
        return cli_report(&err);
    }
    if (o.week_unit) {
        cli_fail(&err, CLI_EXIT_USAGE, "ladder: --time-unit does not apply (durations are in days)");
        return cli_report(&err);
    }
    if ((from_s != NULL) != (to_s != NULL)) {
        cli_fail(&err, CLI_EXIT_USAGE, "ladder: --from and --to go together");
        return cli_report(&err);
    }
    if (from_s && (at_s || report)) {
        cli_fail(&err, CLI_EXIT_USAGE, "ladder: %s cannot be combined with --from/--to", at_s ? "--at" : "--report");
        return cli_report(&err);
    }
    if (have_project && (!from_s || o.format != CLI_FMT_JSON)) {
        cli_fail(&err, CLI_EXIT_USAGE, "ladder: --project needs --from, --to and --format json");
        return cli_report(&err);
    }
    if (cli_input_check(&o, 1, &err))
        return cli_report(&err);
    if (at_s && parse_day_opt("--at", at_s, &o, &at, &err))
        return cli_report(&err);
    if (from_s && (parse_day_opt("--from", from_s, &o, &from, &err) || parse_day_opt("--to", to_s, &o, &to, &err)))
        return cli_report(&err);
    if (from_s && !(to > from)) {
        cli_fail(&err, CLI_EXIT_USAGE, "ladder: --to %s is not after --from %s", to_s, from_s);
        return cli_report(&err);
    }

    if (cli_out_open(&out, o.output, &err))
        return cli_report(&err);
    out_open = 1;
    if ((rc = cli_load(&o, &tx, &err)) != 0)
        goto fail;

    cli_txn_input(&tx, &in);

    /* every customer of the file (and every referrer), ascending */
    if (tx.n > 0 && (rc = cli_summary_txn(&tx, (double)NAN, (double)NAN, 1.0, &all, &err)) != 0)
        goto fail;
    u.K = all.n;
    u.id = (int64_t *)cli_xmalloc((u.K ? u.K : 1) * sizeof(int64_t));
    for (k = 0; k < u.K; k++) {
        char kb[24], ib[24];
        size_t klen;
        const char *key;
        u.id[k] = all.id[k];
        if (tx.ids.text)
            key = cli_ids_text(&tx.ids, all.id[k], ib, &klen);
        else
            klen = cli_format_int64(all.id[k], kb), key = kb;
        km_add(&u.keys, key, klen);
    }
    u.N = u.K;
    u.churn = co;
    if (isnan(at) && !from_s)
        at = tx.n > 0 ? floor(all.obs_end) : 0.0;
    cli_summary_free(&all);
    if (pro_f && (rc = load_prospects(pro_f, &tx, &u, &err)) != 0)
        goto fail;
    if (att_f && (rc = load_attitudes(att_f, &tx, &u, &err)) != 0)
        goto fail;

    rungs_alloc(&g1, u.N);
    if (!from_s) {
        if ((rc = classify_at(&tx, &in, &u, at, &lo, &g1, &excluded, &err)) != 0)
            goto fail;
        if (report)
            rc = write_report(&out, &o, &tx, &u, &g1, at, &lo, &err);
        else
            write_rungs(&out, &o, &tx, &u, &g1, at, &lo);
        if (rc)
            goto fail;
    } else {
        cva_ladder_migration_input mi;
        cva_ladder_migration mig;
        cva_diag d;
        cva_status st;
        uint64_t ex2 = 0;
        rungs_alloc(&g2, u.N);
        if ((rc = classify_at(&tx, &in, &u, from, &lo, &g1, &ex2, &err)) != 0 ||
            (rc = classify_at(&tx, &in, &u, to, &lo, &g2, &excluded, &err)) != 0)
            goto fail;
        memset(&mi, 0, sizeof mi);
        mi.struct_size = sizeof mi;
        mi.n = u.N;
        mi.stage_from = g1.stage;
        mi.stage_to = g2.stage;
        mi.active_from = g1.active;
        mi.active_to = g2.active;
        mi.n_occ_from = g1.n_occ;
        mi.n_occ_to = g2.n_occ;
        memset(&mig, 0, sizeof mig);
        mig.struct_size = sizeof mig;
        cva_diag_init(&d, sizeof d);
        st = cva_ladder_migrate(&mi, &lo, &mig, &d);
        if (st < 0) {
            rc = lib_error("ladder migration", st, &d, &err);
            goto fail;
        }
        if ((rc = write_migration(&out, &o, &tx, &mig, from, to, (uint32_t)project, &lo, &u.churn, &warned, &err)) != 0)
            goto fail;
    }
    if ((rc = cli_out_commit(&out, &err)) != 0) {
        out_open = 0;
        goto fail;
    }
    out_open = 0;
    {
        char d1[24];
        double last = from_s ? to : at;
        d1[cli_format_date(last, d1)] = '\0';
        if (excluded > 0)
            cli_note("%llu row%s after %s left out", (unsigned long long)excluded, excluded == 1 ? "" : "s", d1);
        if (u.att_unknown_ids > 0)
            cli_note("%llu row%s of %s name customers without transactions who are not in --prospects: ignored",
                     (unsigned long long)u.att_unknown_ids, u.att_unknown_ids == 1 ? "" : "s", att_f);
        if (!tx.ref && tx.n > 0)
            cli_note("no referrer column: nobody is an ADVOCATE by referrals");
        if (warned)
            cli_note("warning: the projection kept the customers of %d state%s nobody started from in place "
                     "(see \"warning\" in the output)",
                     warned, warned == 1 ? "" : "s");
    }
    rungs_free(&g1);
    rungs_free(&g2);
    universe_free(&u);
    cli_txn_free(&tx);
    return 0;

fail:
    if (out_open)
        cli_out_abort(&out);
    rungs_free(&g1);
    rungs_free(&g2);
    universe_free(&u);
    cli_summary_free(&all);
    cli_txn_free(&tx);
    return cli_report(&err);
}
