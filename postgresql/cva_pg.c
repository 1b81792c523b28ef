/*
 * libcva PostgreSQL extension: the C glue of the SQL functions and aggregates of
 * sql/cva--0.1.sql (issue 14). Depends only on the public headers include/cva/.
 * SPDX-License-Identifier: MIT
 *
 * Conventions of this file:
 * - every library call that may allocate gets an allocator over palloc: the fits,
 *   aggregates and cva_clv in a memory context of their own (a child of the caller's
 *   current context, deleted after the call), so an error thrown afterwards leaks
 *   nothing; the per-customer P(alive) and E[Y] in the caller's (per-tuple) context
 *   through cva_predict_opts (cva_gg_expected_spend allocates nothing);
 * - a fit's progress callback asks the library to stop when an interrupt is pending
 *   (cancel, termination); the glue then runs CHECK_FOR_INTERRUPTS() outside the
 *   library, so no longjmp crosses library frames;
 * - every library error becomes ereport(ERROR) with the library's message, every
 *   library warning a WARNING (and, for fits, the "status" member of the JSON).
 */
#include "postgres.h"

#include <math.h>
#include <string.h>

#include "catalog/pg_type.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/memutils.h"
#include "utils/numeric.h"

#include "cva/cva.h"

#define PGCVA_NAN ((double)NAN)

PG_MODULE_MAGIC;

/* ------------------------------------------------------------------ allocator, errors */

/* The library wants 16-byte alignment; palloc gives MAXALIGN (8): over-allocate and keep
   the raw pointer just below the aligned block. */
static void *pgcva_alloc(void *user, size_t size)
{
    char *raw;
    uintptr_t a;
    if (size > MaxAllocHugeSize - 32)
        return NULL;
    raw = (char *)MemoryContextAllocExtended((MemoryContext)user, size + 16, MCXT_ALLOC_HUGE | MCXT_ALLOC_NO_OOM);
    if (!raw)
        return NULL;
    a = ((uintptr_t)raw + 16) & ~(uintptr_t)15;
    ((char **)a)[-1] = raw;
    return (void *)a;
}

static void pgcva_free(void *user, void *ptr)
{
    (void)user;
    if (ptr)
        pfree(((char **)ptr)[-1]);
}

/* One library call's memory: a context of its own and the allocator over it. */
typedef struct pgcva_mem {
    MemoryContext cx;
    cva_allocator al;
} pgcva_mem;

static void pgcva_mem_begin(pgcva_mem *m)
{
    m->cx = AllocSetContextCreate(CurrentMemoryContext, "cva library call", ALLOCSET_DEFAULT_SIZES);
    m->al.alloc = pgcva_alloc;
    m->al.free = pgcva_free;
    m->al.user = m->cx;
}

static void pgcva_mem_end(pgcva_mem *m)
{
    MemoryContextDelete(m->cx);
}

/* The per-customer functions: the library frees what it takes, and the caller's
   (per-tuple) context is reset by the executor anyway, so no context of their own
   (its creation would cost more than the call). */
static void pgcva_alloc_current(cva_allocator *al)
{
    al->alloc = pgcva_alloc;
    al->free = pgcva_free;
    al->user = CurrentMemoryContext;
}

static int pgcva_progress(void *user, size_t iteration, double objective)
{
    (void)user;
    (void)iteration;
    (void)objective;
    return INTERRUPTS_PENDING_CONDITION() ? 1 : 0;
}

static int pgcva_errcode(cva_status st)
{
    switch (st) {
    case CVA_E_NOMEM:
        return ERRCODE_OUT_OF_MEMORY;
    case CVA_E_CANCELED:
        return ERRCODE_QUERY_CANCELED;
    case CVA_E_NONFINITE:
    case CVA_E_BADARG:
    case CVA_E_DOMAIN:
    case CVA_E_OPTION:
        return ERRCODE_INVALID_PARAMETER_VALUE;
    case CVA_E_OVERFLOW:
        return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
    case CVA_E_NOCONVERGE:
        return ERRCODE_DATA_EXCEPTION;
    default:
        return ERRCODE_INTERNAL_ERROR;
    }
}

/* A library error as an SQL error (never returns). @p rows: row numbers are 0-based in
   the input of the call; reported 1-based in the order the aggregate received them. */
static void pgcva_fail(const char *what, cva_status st, const cva_diag *dg) pg_attribute_noreturn();
static void pgcva_fail(const char *what, cva_status st, const cva_diag *dg)
{
    const char *detail = dg && dg->detail && *dg->detail ? dg->detail : cva_strerror(st);
    if (st == CVA_E_CANCELED)
        CHECK_FOR_INTERRUPTS();
    if (dg && dg->index >= 0)
        ereport(ERROR, (errcode(pgcva_errcode(st)), errmsg("%s: %s", what, detail),
                        errdetail("libcva status %s (%s), input row %lld", cva_status_name(st), cva_strerror(st),
                                  (long long)dg->index + 1)));
    ereport(ERROR, (errcode(pgcva_errcode(st)), errmsg("%s: %s", what, detail),
                    errdetail("libcva status %s (%s)", cva_status_name(st), cva_strerror(st))));
    pg_unreachable();
}

static void pgcva_warn(const char *what, cva_status st, const cva_diag *dg)
{
    const char *detail = dg && dg->detail && *dg->detail ? dg->detail : cva_strerror(st);
    ereport(WARNING, (errmsg("%s: %s", what, detail), errdetail("libcva status %s", cva_status_name(st))));
}

/* ------------------------------------------------------------------ models and params */

static const struct {
    const char *name;
    int32 id;
} pgcva_models[] = {
    {"bgnbd", CVA_MODEL_BGNBD}, {"mbgnbd", CVA_MODEL_MBGNBD}, {"pnbd", CVA_MODEL_PNBD},
    {"nbd", CVA_MODEL_NBD},     {"gg", CVA_MODEL_GG},
};
#define PGCVA_N_MODELS (sizeof pgcva_models / sizeof pgcva_models[0])

static const char *pgcva_model_name(int32 id)
{
    size_t k;
    for (k = 0; k < PGCVA_N_MODELS; k++)
        if (pgcva_models[k].id == id)
            return pgcva_models[k].name;
    return "?";
}

/* A purchase model name (bgnbd, mbgnbd, pnbd; nbd too for cva_fit). */
static int32 pgcva_purchase_model(const char *s, int allow_nbd)
{
    size_t k;
    for (k = 0; k < PGCVA_N_MODELS; k++)
        if (strcmp(pgcva_models[k].name, s) == 0 && pgcva_models[k].id != CVA_MODEL_GG &&
            (allow_nbd || pgcva_models[k].id != CVA_MODEL_NBD))
            return pgcva_models[k].id;
    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("cva: unknown model \"%s\"", s),
                    errhint("use bgnbd, mbgnbd or pnbd%s", allow_nbd ? " (or nbd)" : "")));
    return 0;
}

static int pgcva_jsonb_get(JsonbContainer *c, const char *key, JsonbValue *out)
{
    JsonbValue k, *v;
    k.type = jbvString;
    k.val.string.val = (char *)(uintptr_t)key;
    k.val.string.len = (int)strlen(key);
    v = findJsonbValueFromContainer(c, JB_FOBJECT, &k);
    if (!v)
        return 0;
    *out = *v;
    return 1;
}

static char *pgcva_jsonb_string(JsonbContainer *c, const char *key)
{
    JsonbValue v;
    if (!pgcva_jsonb_get(c, key, &v) || v.type != jbvString)
        return NULL;
    return pnstrdup(v.val.string.val, (Size)v.val.string.len);
}

typedef struct pgcva_params {
    int32 model;      /* from the JSON's "model" (0 when absent) */
    double p[4];
    int week;         /* the JSON's time_unit: 1 week (default), 0 day */
} pgcva_params;

/*
 * Parameters of @p model from @p jb: either the "params" object of `cva fit` or the
 * whole fit object (then its "model", when present, must name @p model; @p model 0:
 * take it from there, or infer it from the parameter names: s and beta Pareto/NBD,
 * else BG/NBD).
 */
static void pgcva_params_from_jsonb(Jsonb *jb, int32 model, const char *what, pgcva_params *out)
{
    JsonbContainer *c = &jb->root, *pc;
    JsonbValue v;
    char *mname, *unit;
    int32 i, np;
    if (!JB_ROOT_IS_OBJECT(jb))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: params must be a JSON object (the \"params\" of cva fit, or the whole fit)", what)));
    memset(out, 0, sizeof *out);
    out->week = 1;
    pc = c;
    if (pgcva_jsonb_get(c, "params", &v)) {
        if (v.type != jbvBinary || !JsonContainerIsObject(v.val.binary.data))
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("%s: \"params\" is not an object", what)));
        pc = v.val.binary.data;
        mname = pgcva_jsonb_string(c, "model");
        if (mname) {
            size_t k;
            for (k = 0; k < PGCVA_N_MODELS; k++)
                if (strcmp(pgcva_models[k].name, mname) == 0)
                    out->model = pgcva_models[k].id;
            if (!out->model)
                ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                                errmsg("%s: the fit's model \"%s\" is not supported here", what, mname)));
        }
        unit = pgcva_jsonb_string(c, "time_unit");
        if (unit && strcmp(unit, "day") == 0)
            out->week = 0;
    }
    if (model && out->model && out->model != model)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: the parameters are of model %s, not %s", what, pgcva_model_name(out->model),
                               pgcva_model_name(model))));
    if (!model)
        model = out->model ? out->model : (pgcva_jsonb_get(pc, "s", &v) ? CVA_MODEL_PNBD : CVA_MODEL_BGNBD);
    out->model = model;
    np = cva_model_n_params(model);
    for (i = 0; i < np; i++) {
        const char *name = cva_model_param_name(model, i);
        if (!pgcva_jsonb_get(pc, name, &v))
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("%s: parameter \"%s\" of %s is missing", what, name, pgcva_model_name(model))));
        if (v.type != jbvNumeric)
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("%s: parameter \"%s\" is not a number", what, name)));
        out->p[i] = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(v.val.numeric)));
    }
}

/* ------------------------------------------------------------------ per-customer functions */

typedef enum { PGCVA_P_ALIVE, PGCVA_EXPECTED } pgcva_eval_kind;

static Datum pgcva_eval(FunctionCallInfo fcinfo, pgcva_eval_kind kind, const char *what)
{
    char *mname = text_to_cstring(PG_GETARG_TEXT_PP(0));
    int32 model = pgcva_purchase_model(mname, 1);
    pgcva_params pp;
    double x = PG_GETARG_FLOAT8(2), tx = PG_GETARG_FLOAT8(3), T = PG_GETARG_FLOAT8(4), out = 0.0;
    double h = kind == PGCVA_EXPECTED ? PG_GETARG_FLOAT8(5) : 0.0;
    cva_diag dg;
    cva_status st;
    cva_allocator al;
    cva_predict_opts po;
    pgcva_params_from_jsonb(PG_GETARG_JSONB_P(1), model, what, &pp);
    cva_diag_init(&dg, sizeof dg);
    cva_predict_opts_init_defaults(&po, sizeof po);
    pgcva_alloc_current(&al);
    po.alloc = &al;
    if (kind == PGCVA_P_ALIVE)
        st = cva_model_p_alive(model, pp.p, 0.0, &x, &tx, &T, 1, &out, &po, &dg);
    else
        st = cva_model_expected(model, pp.p, h, &x, &tx, &T, 1, &out, &po, &dg);
    if (st < 0)
        pgcva_fail(what, st, &dg);
    if (st > 0 && st != CVA_W_EXCLUDED)
        pgcva_warn(what, st, &dg);
    PG_RETURN_FLOAT8(out);
}

PG_FUNCTION_INFO_V1(pg_cva_p_alive);
Datum pg_cva_p_alive(PG_FUNCTION_ARGS)
{
    return pgcva_eval(fcinfo, PGCVA_P_ALIVE, "cva_p_alive");
}

PG_FUNCTION_INFO_V1(pg_cva_expected_purchases);
Datum pg_cva_expected_purchases(PG_FUNCTION_ARGS)
{
    return pgcva_eval(fcinfo, PGCVA_EXPECTED, "cva_expected_purchases");
}

PG_FUNCTION_INFO_V1(pg_cva_gg_expected_spend);
Datum pg_cva_gg_expected_spend(PG_FUNCTION_ARGS)
{
    pgcva_params pp;
    double x = PG_GETARG_FLOAT8(1), m = PG_GETARG_FLOAT8(2), out = 0.0;
    cva_diag dg;
    cva_status st;
    pgcva_params_from_jsonb(PG_GETARG_JSONB_P(0), CVA_MODEL_GG, "cva_gg_expected_spend", &pp);
    cva_diag_init(&dg, sizeof dg);
    st = cva_gg_expected_spend(pp.p, &x, &m, 1, &out, NULL, &dg);
    if (st < 0)
        pgcva_fail("cva_gg_expected_spend", st, &dg);
    if (st > 0 && st != CVA_W_EXCLUDED)
        pgcva_warn("cva_gg_expected_spend", st, &dg);
    PG_RETURN_FLOAT8(out);
}

PG_FUNCTION_INFO_V1(pg_cva_clv);
Datum pg_cva_clv(PG_FUNCTION_ARGS)
{
    pgcva_params pp, gg;
    double x = PG_GETARG_FLOAT8(2), tx = PG_GETARG_FLOAT8(3), T = PG_GETARG_FLOAT8(4), m = PG_GETARG_FLOAT8(5);
    int32 months = PG_GETARG_INT32(6);
    double discount = PG_GETARG_FLOAT8(7), out = 0.0;
    cva_clv_opts co;
    cva_diag dg;
    cva_status st;
    pgcva_mem mem;
    pgcva_params_from_jsonb(PG_GETARG_JSONB_P(0), 0, "cva_clv", &pp);
    if (pp.model == CVA_MODEL_GG)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("cva_clv: the first argument is the purchase model's fit, the second the Gamma-Gamma fit")));
    pgcva_params_from_jsonb(PG_GETARG_JSONB_P(1), CVA_MODEL_GG, "cva_clv", &gg);
    if (months < 0 || months > 1200)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("cva_clv: months must be between 0 and 1200, got %d", months)));
    cva_clv_opts_init_defaults(&co, sizeof co);
    co.steps = months;
    co.step_length = pp.week ? 30.0 / 7.0 : 30.0;
    co.discount = discount;
    pgcva_mem_begin(&mem);
    co.alloc = &mem.al;
    cva_diag_init(&dg, sizeof dg);
    st = cva_clv(pp.model, pp.p, gg.p, &x, &tx, &T, &m, 1, &co, &out, &dg);
    pgcva_mem_end(&mem);
    if (st < 0)
        pgcva_fail("cva_clv", st, &dg);
    if (st > 0 && st != CVA_W_EXCLUDED)
        pgcva_warn("cva_clv", st, &dg);
    PG_RETURN_FLOAT8(out);
}

/* ------------------------------------------------------------------ column aggregates */

/*
 * One state type for every aggregate here: up to three float8 columns collected in the
 * aggregate's memory context, plus the per-group constants (an int, a double, a string
 * code) that must be equal on every row. Parallel aggregation concatenates states; every
 * library function behind a final function is independent of row order (fits merge and
 * sort identical rows, Gini and the shares sort the values, cut sets are order
 * statistics), except the ties of a summary's sums (below).
 */
#define PGCVA_MAXCOL 3
typedef struct pgcva_state {
    int32 ncol;
    int32 code;       /* model id, or bins */
    int32 unit;       /* cva_fit: 0 none given, 1 week, 2 day; rfm: method */
    int32 has_consts;
    double c[3];      /* per-group constants (summary: calibration end, end, time unit; top share: p) */
    int32 c_null[3];
    int64 left_out;   /* rows whose columns were all NULL */
    int64 n, cap;
    double *col[PGCVA_MAXCOL];
} pgcva_state;

static MemoryContext pgcva_aggcx(FunctionCallInfo fcinfo, const char *what)
{
    MemoryContext cx;
    if (!AggCheckCallContext(fcinfo, &cx))
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("%s called in non-aggregate context", what)));
    return cx;
}

static pgcva_state *pgcva_state_new(MemoryContext cx, int32 ncol)
{
    pgcva_state *s = (pgcva_state *)MemoryContextAllocZero(cx, sizeof *s);
    int32 k;
    s->ncol = ncol;
    s->cap = 64;
    for (k = 0; k < ncol; k++)
        s->col[k] = (double *)MemoryContextAlloc(cx, (Size)s->cap * sizeof(double));
    return s;
}

static void pgcva_state_reserve(pgcva_state *s, int64 more)
{
    int32 k;
    if (s->n + more <= s->cap)
        return;
    while (s->cap < s->n + more)
        s->cap *= 2;
    if ((uint64)s->cap > MaxAllocHugeSize / sizeof(double))
        ereport(ERROR, (errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED), errmsg("cva: too many rows in one group")));
    for (k = 0; k < s->ncol; k++)
        s->col[k] = (double *)repalloc_huge(s->col[k], (Size)s->cap * sizeof(double));
}

static void pgcva_state_push(pgcva_state *s, const double *v)
{
    int32 k;
    pgcva_state_reserve(s, 1);
    for (k = 0; k < s->ncol; k++)
        s->col[k][s->n] = v[k];
    s->n++;
}

/* A per-group constant: the first row's value, and every other row must agree. */
static void pgcva_state_const(pgcva_state *s, int32 i, int isnull, double v, const char *what, const char *name)
{
    if (!(s->has_consts >> i & 1)) {
        s->has_consts |= 1 << i;
        s->c_null[i] = isnull;
        s->c[i] = isnull ? 0.0 : v;
        return;
    }
    if (s->c_null[i] != isnull || (!isnull && memcmp(&s->c[i], &v, sizeof v) != 0))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: %s must be the same on every row of a group", what, name)));
}

static void pgcva_state_int(pgcva_state *s, int32 *field, int32 v, const char *what, const char *name)
{
    if (s->n == 0 && s->left_out == 0 && *field == 0) {
        *field = v;
        return;
    }
    if (*field != v)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: %s must be the same on every row of a group", what, name)));
}

/* serialisation: the struct's scalars, then the columns */
static bytea *pgcva_state_serialize(const pgcva_state *s)
{
    Size head = offsetof(pgcva_state, n) + 2 * sizeof(int64);
    Size body = (Size)s->n * (Size)s->ncol * sizeof(double);
    bytea *b = (bytea *)palloc_extended(VARHDRSZ + head + body, MCXT_ALLOC_HUGE);
    char *p = VARDATA(b);
    int32 k;
    SET_VARSIZE(b, VARHDRSZ + head + body);
    memcpy(p, s, head);
    p += head;
    for (k = 0; k < s->ncol; k++) {
        memcpy(p, s->col[k], (Size)s->n * sizeof(double));
        p += (Size)s->n * sizeof(double);
    }
    return b;
}

static pgcva_state *pgcva_state_deserialize(MemoryContext cx, bytea *b)
{
    Size head = offsetof(pgcva_state, n) + 2 * sizeof(int64);
    const char *p = VARDATA_ANY(b);
    pgcva_state h, *s;
    int32 k;
    if (VARSIZE_ANY_EXHDR(b) < head)
        ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED), errmsg("cva: bad serialised aggregate state")));
    memcpy(&h, p, head);
    if (h.ncol < 1 || h.ncol > PGCVA_MAXCOL || h.n < 0 ||
        VARSIZE_ANY_EXHDR(b) != head + (Size)h.n * (Size)h.ncol * sizeof(double))
        ereport(ERROR, (errcode(ERRCODE_DATA_CORRUPTED), errmsg("cva: bad serialised aggregate state")));
    s = pgcva_state_new(cx, h.ncol);
    memcpy(s, &h, head);
    s->n = 0;
    s->cap = 64;
    pgcva_state_reserve(s, h.n);
    p += head;
    for (k = 0; k < s->ncol; k++) {
        memcpy(s->col[k], p, (Size)h.n * sizeof(double));
        p += (Size)h.n * sizeof(double);
    }
    s->n = h.n;
    return s;
}

PG_FUNCTION_INFO_V1(pg_cva_state_serialize);
Datum pg_cva_state_serialize(PG_FUNCTION_ARGS)
{
    pgcva_state *s = (pgcva_state *)PG_GETARG_POINTER(0);
    (void)pgcva_aggcx(fcinfo, "cva_state_serialize");
    PG_RETURN_BYTEA_P(pgcva_state_serialize(s));
}

PG_FUNCTION_INFO_V1(pg_cva_state_deserialize);
Datum pg_cva_state_deserialize(PG_FUNCTION_ARGS)
{
    MemoryContext cx = pgcva_aggcx(fcinfo, "cva_state_deserialize");
    PG_RETURN_POINTER(pgcva_state_deserialize(cx, PG_GETARG_BYTEA_PP(0)));
}

PG_FUNCTION_INFO_V1(pg_cva_state_combine);
Datum pg_cva_state_combine(PG_FUNCTION_ARGS)
{
    MemoryContext cx = pgcva_aggcx(fcinfo, "cva_state_combine"), old;
    pgcva_state *a = PG_ARGISNULL(0) ? NULL : (pgcva_state *)PG_GETARG_POINTER(0);
    pgcva_state *b = PG_ARGISNULL(1) ? NULL : (pgcva_state *)PG_GETARG_POINTER(1);
    int32 i, k;
    if (!b)
        PG_RETURN_POINTER(a);
    old = MemoryContextSwitchTo(cx);
    if (!a) {
        a = pgcva_state_new(cx, b->ncol);
        memcpy(a, b, offsetof(pgcva_state, n));
        a->left_out = 0;
        a->n = 0;
    }
    if (a->ncol != b->ncol || a->code != b->code || a->unit != b->unit)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("cva: the per-group arguments (model, bins, method, unit) differ between rows")));
    for (i = 0; i < 3; i++)
        if (b->has_consts >> i & 1) {
            if (a->has_consts >> i & 1) {
                if (a->c_null[i] != b->c_null[i] || memcmp(&a->c[i], &b->c[i], sizeof(double)) != 0)
                    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                                    errmsg("cva: a per-group argument differs between rows")));
            } else {
                a->has_consts |= 1 << i;
                a->c[i] = b->c[i];
                a->c_null[i] = b->c_null[i];
            }
        }
    pgcva_state_reserve(a, b->n);
    for (k = 0; k < a->ncol; k++)
        memcpy(a->col[k] + a->n, b->col[k], (Size)b->n * sizeof(double));
    a->n += b->n;
    a->left_out += b->left_out;
    MemoryContextSwitchTo(old);
    PG_RETURN_POINTER(a);
}

/* ------------------------------------------------------------------ JSON of a fit */

/* Shortest text that reads back as the same double: fixed notation with at most six
   decimals when exact, else %.15g/%.16g/%.17g (the output of `cva fit`). */
static void pgcva_json_num(StringInfo b, double v)
{
    double a = fabs(v), p10 = 1.0;
    char buf[48];
    int d, k;
    if (!isfinite(v)) {
        appendStringInfoString(b, "null");
        return;
    }
    if (a < 1e15)
        for (d = 0; d <= 6; d++, p10 *= 10.0) {
            double r = floor(a * p10 + 0.5);
            double back = d ? r / p10 : r;
            if (r < 9007199254740992.0 && memcmp(&back, &a, sizeof a) == 0) {
                snprintf(buf, sizeof buf, "%s%.*f", signbit(v) ? "-" : "", d, back);
                appendStringInfoString(b, buf);
                return;
            }
        }
    for (k = 15; k <= 17; k++) {
        double back;
        snprintf(buf, sizeof buf, "%.*g", k, v);
        back = strtod(buf, NULL);
        if (k == 17 || memcmp(&back, &v, sizeof v) == 0)
            break;
    }
    appendStringInfoString(b, buf);
}

typedef struct pgcva_fit_extra {
    const char *time_unit;
    int64 left_out;
    int64 ignored;     /* gg: rows not used, -1 none */
    int has_corr;
    double corr;
    cva_status status;
} pgcva_fit_extra;

static Datum pgcva_fit_jsonb(const cva_model_fit *f, const pgcva_fit_extra *x)
{
    StringInfoData b;
    int i, j, np = f->n_params;
    initStringInfo(&b);
    appendStringInfo(&b, "{\"model\": \"%s\", \"params\": {", pgcva_model_name(f->model));
    for (i = 0; i < np; i++) {
        appendStringInfo(&b, "%s\"%s\": ", i ? ", " : "", cva_model_param_name(f->model, i));
        pgcva_json_num(&b, f->params[i]);
    }
    appendStringInfoString(&b, "}, \"standard_errors\": {");
    for (i = 0; i < np; i++) {
        appendStringInfo(&b, "%s\"%s\": ", i ? ", " : "", cva_model_param_name(f->model, i));
        pgcva_json_num(&b, f->std_err[i]);
    }
    appendStringInfoString(&b, "}, \"log_likelihood\": ");
    pgcva_json_num(&b, f->log_likelihood);
    appendStringInfo(&b, ", \"iterations\": " UINT64_FORMAT ", \"converged\": %s, \"n_customers\": ",
                     (uint64)f->iterations, f->converged ? "true" : "false");
    pgcva_json_num(&b, f->n_customers);
    appendStringInfo(&b, ", \"time_unit\": \"%s\", \"status\": \"%s\", \"boundary\": [", x->time_unit,
                     cva_status_name(x->status));
    for (i = 0, j = 0; i < np; i++)
        if (f->boundary >> i & 1u)
            appendStringInfo(&b, "%s\"%s\"", j++ ? ", " : "", cva_model_param_name(f->model, i));
    appendStringInfoString(&b, "], \"covariance\": [");
    for (i = 0; i < np; i++) {
        appendStringInfoString(&b, i ? ", [" : "[");
        for (j = 0; j < np; j++) {
            if (j)
                appendStringInfoString(&b, ", ");
            pgcva_json_num(&b, f->cov[i * np + j]);
        }
        appendStringInfoChar(&b, ']');
    }
    appendStringInfo(&b, "], \"n_rows\": " UINT64_FORMAT ", \"evaluations\": " UINT64_FORMAT ", \"gradient_norm\": ",
                     (uint64)f->n_rows, (uint64)f->evaluations);
    pgcva_json_num(&b, f->grad_norm);
    appendStringInfo(&b, ", \"penalizer\": 0, \"customers_left_out\": " INT64_FORMAT, x->left_out);
    if (x->ignored >= 0)
        appendStringInfo(&b, ", \"rows_not_used\": " INT64_FORMAT, x->ignored);
    if (x->has_corr) {
        appendStringInfoString(&b, ", \"correlation_frequency_monetary\": ");
        pgcva_json_num(&b, x->corr);
    }
    appendStringInfo(&b, ", \"input\": \"sql\", \"cva_version\": \"%s\"}", cva_version_string());
    return DirectFunctionCall1(jsonb_in, CStringGetDatum(b.data));
}

/* The warning of a fit that is not a clean maximum (as `cva fit` says on stderr). */
static void pgcva_fit_warning(const cva_model_fit *f, cva_status st)
{
    const char *m = pgcva_model_name(f->model);
    if (st == CVA_W_BOUNDARY) {
        StringInfoData b;
        int i, k = 0;
        initStringInfo(&b);
        for (i = 0; i < f->n_params; i++)
            if (f->boundary >> i & 1u)
                appendStringInfo(&b, "%s%s %s", k++ ? ", " : "", cva_model_param_name(f->model, i),
                                 f->boundary_upper >> i & 1u ? "to infinity" : "to 0");
        ereport(WARNING, (errmsg("cva_fit: %s fit: the estimate lies on the boundary of the parameter space (%s)", m,
                                 b.data),
                          errdetail("the likelihood keeps increasing that way; the last iterate is returned with "
                                    "\"status\": \"CVA_W_BOUNDARY\" and \"boundary\" naming the parameters")));
    } else if (st == CVA_W_MAXITER) {
        ereport(WARNING, (errmsg("cva_fit: %s fit stopped at the iteration limit (" UINT64_FORMAT ") before converging",
                                 m, (uint64)f->iterations),
                          errdetail("the best point is returned with \"converged\": false")));
    } else if (st == CVA_W_NOT_CONVERGED || !f->converged) {
        ereport(WARNING, (errmsg("cva_fit: %s fit did not pass the convergence test (gradient norm %.3g)", m,
                                 f->grad_norm),
                          errdetail("the best point is returned with \"converged\": false")));
    }
}

/* ------------------------------------------------------------------ cva_fit, cva_fit_gg */

/* The fit aggregates' row: the s->ncol (at most 3) arguments from argument
   `first` on. All NULL: a customer without a purchase, counted as left out;
   some NULL: the error `msg`; none: the row is added. */
static void pgcva_push_row(FunctionCallInfo fcinfo, pgcva_state *s, int first, const char *msg)
{
    double v[3];
    int32 k, nnull = 0;
    for (k = 0; k < s->ncol; k++)
        nnull += PG_ARGISNULL(first + k);
    if (nnull == s->ncol) {
        s->left_out++;
    } else if (nnull > 0) {
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("%s", msg)));
    } else {
        for (k = 0; k < s->ncol; k++)
            v[k] = PG_GETARG_FLOAT8(first + k);
        pgcva_state_push(s, v);
    }
}

/* cva_fit(model text, x, t_x, t [, time_unit text]) */
PG_FUNCTION_INFO_V1(pg_cva_fit_trans);
Datum pg_cva_fit_trans(PG_FUNCTION_ARGS)
{
    MemoryContext cx = pgcva_aggcx(fcinfo, "cva_fit");
    pgcva_state *s = PG_ARGISNULL(0) ? NULL : (pgcva_state *)PG_GETARG_POINTER(0);
    int32 model, unit = 0;
    if (PG_ARGISNULL(1))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("cva_fit: model is NULL")));
    model = pgcva_purchase_model(text_to_cstring(PG_GETARG_TEXT_PP(1)), 1);
    if (PG_NARGS() > 5 && !PG_ARGISNULL(5)) {
        char *u = text_to_cstring(PG_GETARG_TEXT_PP(5));
        if (strcmp(u, "week") == 0)
            unit = 1;
        else if (strcmp(u, "day") == 0)
            unit = 2;
        else
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("cva_fit: time_unit must be 'week' or 'day', got \"%s\"", u)));
    }
    if (!s)
        s = pgcva_state_new(cx, 3);
    pgcva_state_int(s, &s->code, model, "cva_fit", "model");
    pgcva_state_int(s, &s->unit, unit + 1, "cva_fit", "time_unit");
    pgcva_push_row(fcinfo, s, 2, "cva_fit: x, t_x and t are either all NULL (a customer without a purchase, left out) "
                                 "or none is");
    PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(pg_cva_fit_gg_trans);
Datum pg_cva_fit_gg_trans(PG_FUNCTION_ARGS)
{
    MemoryContext cx = pgcva_aggcx(fcinfo, "cva_fit_gg");
    pgcva_state *s = PG_ARGISNULL(0) ? NULL : (pgcva_state *)PG_GETARG_POINTER(0);
    if (!s) {
        s = pgcva_state_new(cx, 2);
        s->code = CVA_MODEL_GG;
    }
    pgcva_push_row(fcinfo, s, 1,
                   "cva_fit_gg: x and m_x are either both NULL (a customer without a purchase, left out) or none is");
    PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(pg_cva_fit_final);
Datum pg_cva_fit_final(PG_FUNCTION_ARGS)
{
    pgcva_state *s = PG_ARGISNULL(0) ? NULL : (pgcva_state *)PG_GETARG_POINTER(0);
    const char *what = s && s->code == CVA_MODEL_GG ? "cva_fit_gg" : "cva_fit";
    cva_fit_opts fo;
    cva_model_fit fit;
    cva_diag dg;
    cva_status st;
    pgcva_mem mem;
    pgcva_fit_extra ex;
    Datum out;
    if (!s)
        PG_RETURN_NULL();
    if (s->n == 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: no customers to fit%s", what, s->left_out ? " (none with a purchase)" : "")));
    cva_fit_opts_init_defaults(&fo, sizeof fo);
    cva_model_fit_init(&fit, sizeof fit);
    cva_diag_init(&dg, sizeof dg);
    memset(&ex, 0, sizeof ex);
    ex.left_out = s->left_out;
    ex.ignored = -1;
    ex.time_unit = s->unit == 3 ? "day" : "week";
    pgcva_mem_begin(&mem);
    fo.alloc = &mem.al;
    fo.progress = pgcva_progress;
    if (s->code == CVA_MODEL_GG) {
        st = cva_gg_fit(s->col[0], s->col[1], NULL, (size_t)s->n, &fo, &fit, &dg);
        if (st >= 0 && st != CVA_W_EMPTY) {
            ex.ignored = (int64)dg.count;
            ex.has_corr = cva_gg_correlation(s->col[0], s->col[1], NULL, (size_t)s->n, &ex.corr, NULL) >= 0;
        }
    } else {
        st = cva_model_fit_btyd(s->code, s->col[0], s->col[1], s->col[2], NULL, (size_t)s->n, &fo, &fit, &dg);
    }
    pgcva_mem_end(&mem);
    if (st == CVA_W_EMPTY)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("%s: nothing to fit (%s)", what,
                               s->code == CVA_MODEL_GG ? "no customer with x >= 1 and m_x > 0" : "no customers")));
    if (st < 0)
        pgcva_fail(what, st, &dg);
    if (st == CVA_W_EXCLUDED)
        st = CVA_OK; /* NaN rows passed as such: counted by the library, like rows without a purchase */
    ex.status = st;
    pgcva_fit_warning(&fit, st);
    out = pgcva_fit_jsonb(&fit, &ex);
    PG_RETURN_DATUM(out);
}

/* ------------------------------------------------------------------ cva_summary_agg */

/* cva_summary_agg(t, amount [, calibration_end, end, time_unit]): rows with a NULL t or
   amount are not transactions (ignored, as SQL aggregates ignore NULLs). */
PG_FUNCTION_INFO_V1(pg_cva_summary_trans);
Datum pg_cva_summary_trans(PG_FUNCTION_ARGS)
{
    MemoryContext cx = pgcva_aggcx(fcinfo, "cva_summary_agg");
    pgcva_state *s = PG_ARGISNULL(0) ? NULL : (pgcva_state *)PG_GETARG_POINTER(0);
    static const char *const names[3] = {"calibration_end", "end", "time_unit"};
    int32 i;
    double v[2];
    if (!s)
        s = pgcva_state_new(cx, 2);
    for (i = 0; i < 3; i++) {
        int isnull = PG_NARGS() <= 3 + i || PG_ARGISNULL(3 + i);
        pgcva_state_const(s, i, isnull, isnull ? 0.0 : PG_GETARG_FLOAT8(3 + i), "cva_summary_agg", names[i]);
    }
    if (PG_ARGISNULL(1) || PG_ARGISNULL(2)) {
        s->left_out++;
        PG_RETURN_POINTER(s);
    }
    v[0] = PG_GETARG_FLOAT8(1);
    v[1] = PG_GETARG_FLOAT8(2);
    pgcva_state_push(s, v);
    PG_RETURN_POINTER(s);
}

#define PGCVA_SUM_COLS 17

PG_FUNCTION_INFO_V1(pg_cva_summary_final);
Datum pg_cva_summary_final(PG_FUNCTION_ARGS)
{
    pgcva_state *s = PG_ARGISNULL(0) ? NULL : (pgcva_state *)PG_GETARG_POINTER(0);
    TupleDesc td;
    Datum val[PGCVA_SUM_COLS];
    bool nul[PGCVA_SUM_COLS];
    cva_txn_input in;
    cva_txn_opts o;
    cva_txn_summary out;
    cva_diag dg;
    cva_status st;
    pgcva_mem mem;
    int64_t *ids, id1;
    uint32_t n_txn = 0, n_occ = 0, n_ref = 0;
    double first_t, last_t, total, refund, freq, rec, T, mon, dsl, fh = PGCVA_NAN, mh = PGCVA_NAN, dh = PGCVA_NAN;
    int64 i;
    int k;
    if (!s || s->n == 0)
        PG_RETURN_NULL();
    if (get_call_result_type(fcinfo, NULL, &td) != TYPEFUNC_COMPOSITE)
        ereport(ERROR, (errcode(ERRCODE_FEATURE_NOT_SUPPORTED), errmsg("cva_summary_agg: composite result expected")));
    td = BlessTupleDesc(td);
    pgcva_mem_begin(&mem);
    ids = (int64_t *)MemoryContextAllocExtended(mem.cx, (Size)s->n * sizeof(int64_t) + 1, MCXT_ALLOC_HUGE | MCXT_ALLOC_ZERO);
    cva_txn_opts_init_defaults(&o, sizeof o);
    o.alloc = &mem.al;
    if (!s->c_null[0])
        o.calibration_end = s->c[0];
    if (!s->c_null[1])
        o.obs_end = s->c[1];
    if (!s->c_null[2])
        o.time_scale = s->c[2];
    memset(&in, 0, sizeof in);
    in.struct_size = sizeof in;
    in.n = (size_t)s->n;
    in.customer_id = ids;
    in.t = s->col[0];
    in.amount = s->col[1];
    cva_txn_summary_init(&out, sizeof out);
    out.capacity = 1;
    out.customer_id = &id1;
    out.n_txn = &n_txn;
    out.n_occ = &n_occ;
    out.n_refund = &n_ref;
    out.first_t = &first_t;
    out.last_t = &last_t;
    out.total_amount = &total;
    out.refund_amount = &refund;
    out.frequency = &freq;
    out.recency = &rec;
    out.T = &T;
    out.monetary_value = &mon;
    out.days_since_last = &dsl;
    if (!s->c_null[0]) {
        out.frequency_holdout = &fh;
        out.monetary_value_holdout = &mh;
        out.duration_holdout = &dh;
    }
    cva_diag_init(&dg, sizeof dg);
    st = cva_txn_summarize(&in, &o, &out, NULL, 0, &dg);
    pgcva_mem_end(&mem);
    if (st < 0)
        pgcva_fail("cva_summary_agg", st, &dg);
    if (st == CVA_W_EMPTY || out.n_customers == 0)
        PG_RETURN_NULL(); /* every row after `end` or before the window */
    {
        double d[PGCVA_SUM_COLS];
        int isint[PGCVA_SUM_COLS];
        memset(isint, 0, sizeof isint);
        d[0] = freq;
        d[1] = rec;
        d[2] = T;
        d[3] = mon;
        d[4] = (double)n_txn;
        isint[4] = 1;
        d[5] = total;
        d[6] = (double)n_occ;
        isint[6] = 1;
        d[7] = (double)n_ref;
        isint[7] = 1;
        d[8] = refund;
        d[9] = first_t;
        d[10] = last_t;
        d[11] = dsl;
        d[12] = fh;
        d[13] = mh;
        d[14] = dh;
        d[15] = out.calibration_end;
        d[16] = (double)(st == CVA_W_EXCLUDED ? (int64)dg.count : 0) + (double)s->left_out;
        isint[16] = 1;
        for (k = 0; k < PGCVA_SUM_COLS; k++) {
            nul[k] = isnan(d[k]) ? true : false;
            if (isint[k])
                val[k] = k == 16 ? Int64GetDatum((int64)d[k]) : Int32GetDatum((int32)d[k]);
            else
                val[k] = Float8GetDatum(d[k]);
        }
    }
    (void)i;
    PG_RETURN_DATUM(HeapTupleGetDatum(heap_form_tuple(td, val, nul)));
}

/* ------------------------------------------------------------------ RFM cut sets */

/* cva_rfm_cuts(value, k, method): NULL values are unscored (left out). */
PG_FUNCTION_INFO_V1(pg_cva_rfm_cuts_trans);
Datum pg_cva_rfm_cuts_trans(PG_FUNCTION_ARGS)
{
    MemoryContext cx = pgcva_aggcx(fcinfo, "cva_rfm_cuts");
    pgcva_state *s = PG_ARGISNULL(0) ? NULL : (pgcva_state *)PG_GETARG_POINTER(0);
    int32 k, method;
    char *m;
    double v;
    if (PG_ARGISNULL(2) || PG_ARGISNULL(3))
        ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("cva_rfm_cuts: k and method must not be NULL")));
    k = PG_GETARG_INT32(2);
    if (k < 1 || k > CVA_RFM_MAX_BINS)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("cva_rfm_cuts: k must be between 1 and %d, got %d", CVA_RFM_MAX_BINS, k)));
    m = text_to_cstring(PG_GETARG_TEXT_PP(3));
    if (strcmp(m, "value-cuts") == 0)
        method = CVA_RFM_VALUE_CUTS;
    else if (strcmp(m, "r-rfm") == 0)
        method = CVA_RFM_R_RFM;
    else if (strcmp(m, "rank-first") == 0 || strcmp(m, "ntile") == 0)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("cva_rfm_cuts: method \"%s\" splits ties by customer order, which an aggregate does "
                               "not see",
                               m),
                        errhint("score rank-first with the window query of docs/postgresql.md (row_number() over "
                                "(order by value, customer)), ntile with ntile(k)")));
    else
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("cva_rfm_cuts: unknown method \"%s\" (value-cuts or r-rfm)", m)));
    if (!s)
        s = pgcva_state_new(cx, 1);
    pgcva_state_int(s, &s->code, k, "cva_rfm_cuts", "k");
    pgcva_state_int(s, &s->unit, method + 1, "cva_rfm_cuts", "method");
    if (PG_ARGISNULL(1)) {
        s->left_out++;
        PG_RETURN_POINTER(s);
    }
    v = PG_GETARG_FLOAT8(1);
    if (isnan(v))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("cva_rfm_cuts: value is NaN (use NULL for an unscored customer)")));
    pgcva_state_push(s, &v);
    PG_RETURN_POINTER(s);
}

PG_FUNCTION_INFO_V1(pg_cva_rfm_cuts_final);
Datum pg_cva_rfm_cuts_final(PG_FUNCTION_ARGS)
{
    pgcva_state *s = PG_ARGISNULL(0) ? NULL : (pgcva_state *)PG_GETARG_POINTER(0);
    cva_rfm_opts o;
    cva_rfm_cuts cuts;
    cva_diag dg;
    cva_status st;
    pgcva_mem mem;
    Datum *d;
    int32 j;
    if (!s || s->n == 0)
        PG_RETURN_NULL();
    cva_rfm_opts_init_defaults(&o, sizeof o);
    o.bins = s->code;
    o.method = s->unit - 1;
    memset(&cuts, 0, sizeof cuts);
    cuts.struct_size = sizeof cuts;
    pgcva_mem_begin(&mem);
    o.alloc = &mem.al;
    cva_diag_init(&dg, sizeof dg);
    st = cva_rfm_cuts_compute(s->col[0], (size_t)s->n, CVA_RFM_ASCENDING, &o, CVA_RFM_COL_FREQUENCY, &cuts, NULL, 0,
                              &dg);
    pgcva_mem_end(&mem);
    if (st < 0)
        pgcva_fail("cva_rfm_cuts", st, &dg);
    d = (Datum *)palloc(sizeof(Datum) * (Size)(s->code > 1 ? s->code - 1 : 1));
    for (j = 0; j < s->code - 1; j++) {
        double c = cuts.value[j];
        /* one closure in SQL, v > c: a left-closed cut (v >= c, R rfm) is the next double below */
        if (cuts.closure == CVA_RFM_CLOSE_LEFT)
            c = nextafter(c, -HUGE_VAL);
        d[j] = Float8GetDatum(c);
    }
    PG_RETURN_ARRAYTYPE_P(construct_array(d, s->code - 1, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
}

/* cva_rfm_score(value, cuts) = 1 + #{j : value > cuts[j]} */
PG_FUNCTION_INFO_V1(pg_cva_rfm_score);
Datum pg_cva_rfm_score(PG_FUNCTION_ARGS)
{
    double v = PG_GETARG_FLOAT8(0);
    ArrayType *a = PG_GETARG_ARRAYTYPE_P(1);
    Datum *el;
    bool *nulls;
    int n, j, bin = 1;
    if (ARR_NDIM(a) > 1 || ARR_ELEMTYPE(a) != FLOAT8OID)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("cva_rfm_score: cuts must be a float8[]")));
    if (isnan(v))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("cva_rfm_score: value is NaN (use NULL for an unscored customer)")));
    deconstruct_array(a, FLOAT8OID, sizeof(float8), FLOAT8PASSBYVAL, TYPALIGN_DOUBLE, &el, &nulls, &n);
    if (n + 1 > CVA_RFM_MAX_BINS)
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                        errmsg("cva_rfm_score: at most %d cuts", CVA_RFM_MAX_BINS - 1)));
    for (j = 0; j < n; j++) {
        double c;
        if (nulls[j])
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("cva_rfm_score: a cut is NULL")));
        c = DatumGetFloat8(el[j]);
        if (isnan(c) || (j > 0 && c < DatumGetFloat8(el[j - 1])))
            ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                            errmsg("cva_rfm_score: cuts must be ascending and not NaN")));
        bin += v > c;
    }
    PG_RETURN_INT32(bin);
}

/* ------------------------------------------------------------------ concentration */

/* cva_gini(value), cva_top_share(value, p): NULL values are left out. */
PG_FUNCTION_INFO_V1(pg_cva_values_trans);
Datum pg_cva_values_trans(PG_FUNCTION_ARGS)
{
    MemoryContext cx = pgcva_aggcx(fcinfo, "cva_gini");
    pgcva_state *s = PG_ARGISNULL(0) ? NULL : (pgcva_state *)PG_GETARG_POINTER(0);
    double v;
    if (!s)
        s = pgcva_state_new(cx, 1);
    if (PG_NARGS() > 2) {
        if (PG_ARGISNULL(2))
            ereport(ERROR, (errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED), errmsg("cva_top_share: p must not be NULL")));
        pgcva_state_const(s, 0, 0, PG_GETARG_FLOAT8(2), "cva_top_share", "p");
    }
    if (PG_ARGISNULL(1)) {
        s->left_out++;
        PG_RETURN_POINTER(s);
    }
    v = PG_GETARG_FLOAT8(1);
    pgcva_state_push(s, &v);
    PG_RETURN_POINTER(s);
}

static Datum pgcva_concentration(FunctionCallInfo fcinfo, int top)
{
    pgcva_state *s = PG_ARGISNULL(0) ? NULL : (pgcva_state *)PG_GETARG_POINTER(0);
    const char *what = top ? "cva_top_share" : "cva_gini";
    cva_tiers_opts o;
    cva_diag dg;
    cva_status st;
    pgcva_mem mem;
    double out = PGCVA_NAN;
    if (!s || s->n == 0)
        PG_RETURN_NULL();
    cva_tiers_opts_init_defaults(&o, sizeof o);
    pgcva_mem_begin(&mem);
    o.alloc = &mem.al;
    cva_diag_init(&dg, sizeof dg);
    if (top)
        st = cva_top_share(s->col[0], (size_t)s->n, &s->c[0], 1, &o, &out, &dg);
    else
        st = cva_gini(s->col[0], (size_t)s->n, &o, &out, &dg);
    pgcva_mem_end(&mem);
    if (st < 0)
        pgcva_fail(what, st, &dg);
    if (st == CVA_W_NEGATIVE)
        ereport(NOTICE, (errmsg("%s: negative values are kept (docs/methods/tiers.md#methods_lorenz)%s", what, top ? "" : "; G may exceed 1")));
    else if (st > 0 && st != CVA_W_EMPTY)
        pgcva_warn(what, st, &dg);
    if (isnan(out))
        PG_RETURN_NULL(); /* the total is 0 */
    PG_RETURN_FLOAT8(out);
}

PG_FUNCTION_INFO_V1(pg_cva_gini_final);
Datum pg_cva_gini_final(PG_FUNCTION_ARGS)
{
    return pgcva_concentration(fcinfo, 0);
}

PG_FUNCTION_INFO_V1(pg_cva_top_share_final);
Datum pg_cva_top_share_final(PG_FUNCTION_ARGS)
{
    return pgcva_concentration(fcinfo, 1);
}

/* ------------------------------------------------------------------ cva_whatif */

/* cva_whatif(customers, margin, retention, delta_retention, options jsonb): the JSON of
   `cva whatif` (the numbers variant). Options: the other inputs of `cva whatif`, named as
   its options without the dashes (discount, timing, horizon, delta_mode, margin_growth,
   retention_cost, delta_retention_cost, acquisition_cost, acq_ret_ratio, new_customers,
   budget_share_target). */
PG_FUNCTION_INFO_V1(pg_cva_whatif);
Datum pg_cva_whatif(PG_FUNCTION_ARGS)
{
    static const char *const num_keys[] = {"discount",         "margin_growth", "retention_cost",
                                           "delta_retention_cost", "acquisition_cost", "acq_ret_ratio",
                                           "new_customers",    "budget_share_target"};
    Jsonb *opts = PG_GETARG_JSONB_P(4);
    cva_whatif_inputs in;
    cva_whatif_result r;
    cva_diag dg;
    cva_status st;
    StringInfoData b;
    double *num_dst[8];
    size_t k;
    cva_whatif_inputs_init_defaults(&in, sizeof in);
    cva_whatif_result_init(&r, sizeof r);
    in.customers = PG_GETARG_FLOAT8(0);
    in.margin = PG_GETARG_FLOAT8(1);
    in.retention = PG_GETARG_FLOAT8(2);
    in.delta_retention = PG_GETARG_FLOAT8(3);
    num_dst[0] = &in.discount;
    num_dst[1] = &in.margin_growth;
    num_dst[2] = &in.retention_cost;
    num_dst[3] = &in.delta_retention_cost;
    num_dst[4] = &in.acquisition_cost;
    num_dst[5] = &in.acq_ret_ratio;
    num_dst[6] = &in.new_customers;
    num_dst[7] = &in.budget_share_target;
    if (!JB_ROOT_IS_OBJECT(opts))
        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg("cva_whatif: options must be a JSON object")));
    {
        JsonbIterator *it = JsonbIteratorInit(&opts->root);
        JsonbValue key, val;
        JsonbIteratorToken tok;
        while ((tok = JsonbIteratorNext(&it, &key, true)) != WJB_DONE) {
            char *name;
            int done = 0;
            if (tok != WJB_KEY)
                continue;
            name = pnstrdup(key.val.string.val, (Size)key.val.string.len);
            tok = JsonbIteratorNext(&it, &val, true);
            for (k = 0; k < sizeof num_keys / sizeof num_keys[0] && !done; k++)
                if (strcmp(name, num_keys[k]) == 0) {
                    if (val.type != jbvNumeric)
                        ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                                        errmsg("cva_whatif: option \"%s\" is not a number", name)));
                    *num_dst[k] = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(val.val.numeric)));
                    done = 1;
                }
            if (done)
                continue;
            if (strcmp(name, "horizon") == 0 && val.type == jbvNumeric) {
                double h = DatumGetFloat8(DirectFunctionCall1(numeric_float8, NumericGetDatum(val.val.numeric)));
                if (!(h >= 0.0 && h <= 1e9) || floor(h) < h)
                    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                                    errmsg("cva_whatif: option \"horizon\" must be an integer >= 0")));
                in.horizon = (int32)h;
            } else if ((strcmp(name, "timing") == 0 || strcmp(name, "delta_mode") == 0) && val.type == jbvString) {
                char *v = pnstrdup(val.val.string.val, (Size)val.val.string.len);
                int timing = name[0] == 't';
                if (timing && strcmp(v, "end") == 0)
                    in.timing = CVA_CLV_TIMING_END;
                else if (timing && strcmp(v, "start") == 0)
                    in.timing = CVA_CLV_TIMING_START;
                else if (!timing && strcmp(v, "abs") == 0)
                    in.delta_mode = CVA_WHATIF_DELTA_ABS;
                else if (!timing && strcmp(v, "rel") == 0)
                    in.delta_mode = CVA_WHATIF_DELTA_REL;
                else
                    ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                                    errmsg("cva_whatif: option \"%s\" must be %s, got \"%s\"", name,
                                           timing ? "'end' or 'start'" : "'abs' or 'rel'", v)));
            } else {
                ereport(ERROR, (errcode(ERRCODE_INVALID_PARAMETER_VALUE),
                                errmsg("cva_whatif: unknown option \"%s\" or a value of the wrong type", name),
                                errhint("options: discount, timing, horizon, delta_mode, margin_growth, "
                                        "retention_cost, delta_retention_cost, acquisition_cost, acq_ret_ratio, "
                                        "new_customers, budget_share_target")));
            }
        }
    }
    cva_diag_init(&dg, sizeof dg);
    st = cva_whatif(&in, &r, &dg);
    if (st < 0)
        pgcva_fail("cva_whatif", st, &dg);
    if (st == CVA_W_EMPTY)
        ereport(WARNING, (errmsg("cva_whatif: customers is 0: customer equity, churn and acquisition totals are 0")));
    else if (st > 0)
        pgcva_warn("cva_whatif", st, &dg);
    if (r.budget_share_below_target == 1)
        ereport(NOTICE, (errmsg("cva_whatif: the retention budget share (%.3g) is below the target (%.3g)",
                                r.retention_budget_share, in.budget_share_target)));
    {
        const struct {
            const char *key;
            double v;
        } f[] = {{"mm_base", r.mm_base},
                 {"mm_new", r.mm_new},
                 {"clv_base", r.clv_base},
                 {"clv_new", r.clv_new},
                 {"delta_clv", r.delta_clv},
                 {"delta_clv_pct", r.delta_clv_pct},
                 {"ce_base", r.ce_base},
                 {"ce_new", r.ce_new},
                 {"delta_ce", r.delta_ce},
                 {"retention_elasticity", r.retention_elasticity},
                 {"churned_base", r.churned_base},
                 {"churned_new", r.churned_new},
                 {"acquisition_spend_base", r.acquisition_spend_base},
                 {"acquisition_spend_new", r.acquisition_spend_new},
                 {"acquisition_spend_avoided", r.acquisition_spend_avoided},
                 {"break_even_retention_spend", r.break_even_retention_spend},
                 {"programme_roi", r.programme_roi},
                 {"steady_state_profit_base", r.steady_state_profit_base},
                 {"steady_state_profit_new", r.steady_state_profit_new},
                 {"steady_state_profit_change_pct", r.steady_state_profit_change_pct},
                 {"retention_budget_share", r.retention_budget_share},
                 {"acq_ret_ratio_used", r.acq_ret_ratio_used}};
        initStringInfo(&b);
        appendStringInfoChar(&b, '{');
        for (k = 0; k < sizeof f / sizeof f[0]; k++) {
            appendStringInfo(&b, "%s\"%s\": ", k ? ", " : "", f[k].key);
            pgcva_json_num(&b, f[k].v);
        }
        appendStringInfoChar(&b, '}');
    }
    PG_RETURN_DATUM(DirectFunctionCall1(jsonb_in, CStringGetDatum(b.data)));
}
