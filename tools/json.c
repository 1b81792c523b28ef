/*
 * cva command-line tool: parameter files (JSON written by `cva fit`).
 * SPDX-License-Identifier: MIT
 */
#define _POSIX_C_SOURCE 200809L
#include "json.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "numbers.h"
#include "modelio.h"

/* ------------------------------------------------------------------ parameter JSON */

typedef struct jp {
    const char *s, *e;
    const char *why;
} jp;

static void jws(jp *p)
{
    while (p->s < p->e && (*p->s == ' ' || *p->s == '\t' || *p->s == '\n' || *p->s == '\r'))
        p->s++;
}

static int jfail(jp *p, const char *why)
{
    if (!p->why)
        p->why = why;
    return -1;
}

/* a string into buf (truncated, escapes decoded; \u escapes become '?') */
static int jstring(jp *p, char *buf, size_t cap)
{
    size_t o = 0;
    if (p->s >= p->e || *p->s != '"')
        return jfail(p, "expected a string");
    p->s++;
    while (p->s < p->e && *p->s != '"') {
        char c = *p->s++;
        if ((unsigned char)c < 0x20)
            return jfail(p, "control character in a string");
        if (c == '\\') {
            if (p->s >= p->e)
                break;
            c = *p->s++;
            switch (c) {
            case 'n': c = '\n'; break;
            case 't': c = '\t'; break;
            case 'r': c = '\r'; break;
            case 'b': c = '\b'; break;
            case 'f': c = '\f'; break;
            case 'u':
                if (p->e - p->s < 4)
                    return jfail(p, "bad \\u escape");
                p->s += 4;
                c = '?';
                break;
            case '"': case '\\': case '/': break;
            default: return jfail(p, "bad escape in a string");
            }
        }
        if (o + 1 < cap)
            buf[o++] = c;
    }
    if (p->s >= p->e)
        return jfail(p, "unterminated string");
    p->s++;
    if (cap)
        buf[o] = '\0';
    return 0;
}

static int jnumber(jp *p, double *v)
{
    const char *b = p->s;
    while (p->s < p->e && (strchr("+-.eE", *p->s) || ((unsigned)(unsigned char)*p->s - '0') <= 9))
        p->s++;
    if (p->s == b || cli_parse_double(b, (size_t)(p->s - b), v) != CLI_NUM_OK) {
        p->s = b; /* the message points at the start of the number */
        return jfail(p, "expected a finite number");
    }
    return 0;
}

static int jlit(jp *p, const char *lit)
{
    size_t n = strlen(lit);
    if ((size_t)(p->e - p->s) < n || memcmp(p->s, lit, n) != 0)
        return jfail(p, "unexpected character");
    p->s += n;
    return 0;
}

static int jskip(jp *p, int depth)
{
    char tmp[8];
    double v;
    jws(p);
    if (depth > 64)
        return jfail(p, "nested too deeply");
    if (p->s >= p->e)
        return jfail(p, "unexpected end");
    switch (*p->s) {
    case '"':
        return jstring(p, tmp, sizeof tmp);
    case 't':
        return jlit(p, "true");
    case 'f':
        return jlit(p, "false");
    case 'n':
        return jlit(p, "null");
    case '{':
    case '[': {
        char close = *p->s == '{' ? '}' : ']';
        int obj = close == '}', first = 1;
        p->s++;
        for (;;) {
            jws(p);
            if (p->s < p->e && *p->s == close) {
                p->s++;
                return 0;
            }
            if (!first) {
                if (p->s >= p->e || *p->s != ',')
                    return jfail(p, "expected ',' or a closing bracket");
                p->s++;
                jws(p);
            }
            first = 0;
            if (obj) {
                if (jstring(p, tmp, sizeof tmp))
                    return -1;
                jws(p);
                if (p->s >= p->e || *p->s != ':')
                    return jfail(p, "expected ':'");
                p->s++;
            }
            if (jskip(p, depth + 1))
                return -1;
        }
    }
    default:
        return jnumber(p, &v);
    }
}

/* 1-based line and column (in bytes) of offset @p off of @p buf */
static void text_pos(const char *buf, size_t off, unsigned long *line, unsigned long *col)
{
    size_t k, start = 0;
    *line = 1;
    for (k = 0; k < off; k++)
        if (buf[k] == '\n') {
            (*line)++;
            start = k + 1;
        }
    *col = (unsigned long)(off - start) + 1;
}

/* The next member key of an object inside "covariates", the value ready to read:
   1; 0 at the closing brace (consumed); -1 on an error (reported). */
static int jcov_member(jp *p, int *first, char *k, size_t k_size)
{
    jws(p);
    if (p->s < p->e && *p->s == '}') {
        p->s++;
        return 0;
    }
    if (!*first) {
        if (p->s >= p->e || *p->s != ',')
            return jfail(p, "expected ',' or '}' in \"covariates\"");
        p->s++;
        jws(p);
    }
    *first = 0;
    if (jstring(p, k, k_size))
        return -1;
    jws(p);
    if (p->s >= p->e || *p->s != ':')
        return jfail(p, "expected ':'");
    p->s++;
    jws(p);
    return 1;
}

/* {"name": number, ...} into the covariates of @p out (life: which = 0, trans: 1) */
static int jcov_obj(jp *p, cli_params *out, int which)
{
    int first = 1;
    if (p->s >= p->e || *p->s != '{')
        return jfail(p, "\"covariates\": \"life\" and \"trans\" must be objects");
    p->s++;
    for (;;) {
        char k[64];
        double v;
        int c;
        const int m = jcov_member(p, &first, k, sizeof k);
        if (m != 1)
            return m;
        if (jnumber(p, &v))
            return -1;
        for (c = 0; c < out->n_cov && strcmp(out->cov_names[c], k) != 0; c++)
            ;
        if (c == out->n_cov) {
            if (c == 10)
                return jfail(p, "more than 10 covariates");
            snprintf(out->cov_names[c], sizeof out->cov_names[c], "%s", k);
            out->n_cov++;
        }
        if (which == 0) {
            out->cov_life[c] = 1;
            out->gamma_life[c] = v;
        } else {
            out->cov_trans[c] = 1;
            out->gamma_trans[c] = v;
        }
    }
}

/* "covariates": {"life": {...}, "trans": {...}, other members skipped} */
static int jcov(jp *p, cli_params *out)
{
    int first = 1;
    if (p->s >= p->e || *p->s != '{')
        return jfail(p, "\"covariates\" must be an object");
    p->s++;
    for (;;) {
        char k[64];
        const int m = jcov_member(p, &first, k, sizeof k);
        if (m != 1)
            return m;
        if (strcmp(k, "life") == 0 || strcmp(k, "trans") == 0) {
            if (jcov_obj(p, out, k[0] == 't'))
                return -1;
        } else if (jskip(p, 0)) {
            return -1;
        }
    }
}

int cli_params_read(const char *path, int32_t want_model, cli_params *out, cli_err *err)
{
    FILE *fp = fopen(path, "rb");
    char *buf;
    size_t n = 0, cap = 4096;
    jp p;
    int first = 1, have_params = 0, i, np;
    int got[5] = {0, 0, 0, 0, 0};
    char names[5][32], bnames[5][32];
    size_t name_off[5], bname_off[5]; /* where each name starts, for messages */
    unsigned long ln, cn;
    int n_names = 0, n_bnames = 0;
    double vals[5]; /* up to five parameters (ggomnbd), or four and k of bgcnbd and mbgcnbd */

    memset(out, 0, sizeof *out);
    out->converged = -1;
    if (!fp)
        return cli_fail(err, CLI_EXIT_IO, "%s: cannot open: %s", path, strerror(errno));
    buf = (char *)cli_xmalloc(cap);
    for (;;) {
        size_t k = fread(buf + n, 1, cap - n, fp);
        n += k;
        if (n < cap)
            break;
        if (cap >= (size_t)1 << 24) {
            fclose(fp);
            free(buf);
            return cli_fail(err, CLI_EXIT_DATA, "%s: too large for a parameter file", path);
        }
        cap *= 2;
        buf = (char *)cli_xrealloc(buf, cap);
    }
    if (ferror(fp)) {
        int e = errno;
        fclose(fp);
        free(buf);
        return cli_fail(err, CLI_EXIT_IO, "%s: read error: %s", path, strerror(e));
    }
    fclose(fp);
    p.s = buf;
    p.e = buf + n;
    p.why = NULL;
    if (n >= 3 && memcmp(buf, "\xef\xbb\xbf", 3) == 0)
        p.s += 3;
    jws(&p);
    if (p.s >= p.e || *p.s != '{') {
        jfail(&p, "expected a JSON object");
        goto bad;
    }
    p.s++;
    for (;;) {
        char key[64];
        jws(&p);
        if (p.s < p.e && *p.s == '}') {
            p.s++;
            break;
        }
        if (!first) {
            if (p.s >= p.e || *p.s != ',') {
                jfail(&p, "expected ',' or '}'");
                goto bad;
            }
            p.s++;
            jws(&p);
        }
        first = 0;
        if (jstring(&p, key, sizeof key))
            goto bad;
        jws(&p);
        if (p.s >= p.e || *p.s != ':') {
            jfail(&p, "expected ':'");
            goto bad;
        }
        p.s++;
        jws(&p);
        if (strcmp(key, "model") == 0) {
            char mname[32];
            size_t at = (size_t)(p.s - buf);
            if (jstring(&p, mname, sizeof mname))
                goto bad;
            out->model = cli_model_from_name(mname);
            if (!out->model) {
                text_pos(buf, at, &ln, &cn);
                free(buf);
                return cli_fail(err, CLI_EXIT_DATA, "%s:%lu:%lu: unknown model \"%s\" (bgnbd, mbgnbd, pnbd, "
                                "ggomnbd, bgbb, gg, sbg)", path, ln, cn, mname);
            }
        } else if (strcmp(key, "time_unit") == 0) {
            if (p.s < p.e && *p.s == 'n') {
                if (jlit(&p, "null"))
                    goto bad;
            } else {
                if (jstring(&p, out->time_unit, sizeof out->time_unit))
                    goto bad;
                out->has_unit = 1;
            }
        } else if (strcmp(key, "converged") == 0) {
            if (p.s < p.e && *p.s == 't') {
                if (jlit(&p, "true"))
                    goto bad;
                out->converged = 1;
            } else {
                if (jlit(&p, "false"))
                    goto bad;
                out->converged = 0;
            }
        } else if (strcmp(key, "boundary") == 0) {
            int f2 = 1;
            if (p.s >= p.e || *p.s != '[') {
                jfail(&p, "\"boundary\" must be an array of parameter names");
                goto bad;
            }
            p.s++;
            for (;;) {
                char bk[32];
                jws(&p);
                if (p.s < p.e && *p.s == ']') {
                    p.s++;
                    break;
                }
                if (!f2) {
                    if (p.s >= p.e || *p.s != ',') {
                        jfail(&p, "expected ',' or ']' in \"boundary\"");
                        goto bad;
                    }
                    p.s++;
                    jws(&p);
                }
                f2 = 0;
                if (n_bnames < 5)
                    bname_off[n_bnames] = (size_t)(p.s - buf);
                if (jstring(&p, bk, sizeof bk))
                    goto bad;
                if (n_bnames < 5)
                    snprintf(bnames[n_bnames++], sizeof bnames[0], "%s", bk);
            }
        } else if (strcmp(key, "covariates") == 0) {
            if (jcov(&p, out))
                goto bad;
        } else if (strcmp(key, "params") == 0) {
            int f2 = 1;
            if (p.s >= p.e || *p.s != '{') {
                jfail(&p, "\"params\" must be an object");
                goto bad;
            }
            p.s++;
            have_params = 1;
            for (;;) {
                char pk[32];
                double v;
                jws(&p);
                if (p.s < p.e && *p.s == '}') {
                    p.s++;
                    break;
                }
                if (!f2) {
                    if (p.s >= p.e || *p.s != ',') {
                        jfail(&p, "expected ',' or '}' in \"params\"");
                        goto bad;
                    }
                    p.s++;
                    jws(&p);
                }
                f2 = 0;
                if (n_names < 5)
                    name_off[n_names] = (size_t)(p.s - buf);
                if (jstring(&p, pk, sizeof pk))
                    goto bad;
                jws(&p);
                if (p.s >= p.e || *p.s != ':') {
                    jfail(&p, "expected ':'");
                    goto bad;
                }
                p.s++;
                jws(&p);
                if (jnumber(&p, &v))
                    goto bad;
                if (n_names == 5) {
                    text_pos(buf, (size_t)(p.s - buf), &ln, &cn);
                    free(buf);
                    return cli_fail(err, CLI_EXIT_DATA, "%s:%lu:%lu: more than five values in \"params\"", path,
                                    ln, cn);
                }
                snprintf(names[n_names], sizeof names[n_names], "%s", pk);
                vals[n_names++] = v;
            }
        } else if (jskip(&p, 0)) {
            goto bad;
        }
    }
    jws(&p);
    if (p.s != p.e) {
        jfail(&p, "text after the JSON object");
        goto bad;
    }
    /* the checks below name the line and column of a parameter: buf is freed at the end */
    {
        int rc = 0;
    if (want_model && out->model && out->model != want_model)
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: parameters of model %s, but --model %s", path,
                      cli_model_name(out->model), cli_model_name(want_model));
    if (!rc && !out->model)
        out->model = want_model;
    if (!rc && !out->model)
        rc = cli_fail(err, CLI_EXIT_USAGE, "%s: no \"model\" in the file: give --model", path);
    if (!rc && !have_params)
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: no \"params\" object", path);
    np = rc ? 0 : cva_model_n_params(out->model);
    for (i = 0; !rc && i < n_names; i++) {
        int k, hit = -1;
        if (strcmp(names[i], "k") == 0 && (out->model == CVA_MODEL_BGCNBD || out->model == CVA_MODEL_MBGCNBD)) {
            if (out->k || !(vals[i] >= 1.0 && vals[i] <= (double)CVA_CNBD_K_MAX && floor(vals[i]) >= vals[i])) {
                rc = cli_fail(err, CLI_EXIT_DATA, "%s: %s \"k\" in \"params\" (an integer in 1..%d once)", path,
                              out->k ? "duplicate" : "bad", CVA_CNBD_K_MAX);
                break;
            }
            out->k = (int32_t)vals[i];
            continue;
        }
        for (k = 0; k < np; k++)
            if (strcmp(names[i], cva_model_param_name(out->model, k)) == 0)
                hit = k;
        if (hit < 0 || got[hit]) {
            text_pos(buf, name_off[i], &ln, &cn);
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%lu:%lu: %s parameter \"%s\" in \"params\"", path, ln, cn,
                          hit < 0 ? "unknown" : "duplicate", names[i]);
            break;
        }
        got[hit] = 1;
        out->p[hit] = vals[i];
        if (!(vals[i] > 0)) {
            text_pos(buf, name_off[i], &ln, &cn);
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%lu:%lu: parameter %s = %.17g must be > 0", path, ln, cn,
                          cva_model_param_name(out->model, hit), vals[i]);
        }
    }
    for (i = 0; !rc && i < n_bnames; i++) {
        int k, hit = -1;
        for (k = 0; k < np; k++)
            if (strcmp(bnames[i], cva_model_param_name(out->model, k)) == 0)
                hit = k;
        if (hit < 0) {
            text_pos(buf, bname_off[i], &ln, &cn);
            rc = cli_fail(err, CLI_EXIT_DATA, "%s:%lu:%lu: unknown parameter \"%s\" in \"boundary\"", path, ln,
                          cn, bnames[i]);
            break;
        }
        out->boundary |= 1u << hit;
    }
    if (!rc && (out->model == CVA_MODEL_BGCNBD || out->model == CVA_MODEL_MBGCNBD) && !out->k)
        rc = cli_fail(err, CLI_EXIT_DATA, "%s: \"params\" has no \"k\" (%s needs r, alpha, a, b and k)", path,
                      cli_model_name(out->model));
    for (i = 0; !rc && i < np; i++)
        if (!got[i])
            rc = cli_fail(err, CLI_EXIT_DATA, "%s: \"params\" has no \"%s\" (%s needs %d parameters)", path,
                          cva_model_param_name(out->model, i), cli_model_name(out->model), np);
    free(buf);
    return rc;
    }
bad:
    {
        size_t off = (size_t)(p.s - buf);
        text_pos(buf, off < n ? off : n, &ln, &cn);
        free(buf);
        return cli_fail(err, CLI_EXIT_DATA, "%s:%lu:%lu: not a parameter file: %s", path, ln, cn,
                        p.why ? p.why : "bad JSON");
    }
}
