/*
 * libcva — Gamma/Gompertz/NBD (Bemmaor & Glady 2012; CLVTools' ggomnbd),
 * docs/methods/models.md#methods_ggom.
 *
 * Parameters p = (r, α, b, s, β): while alive a customer buys at Poisson rate
 * λ ~ Gamma(r, α); the lifetime τ is Gompertz, P(τ > t | η) = exp(−η (e^{bt} − 1)),
 * with η ~ Gamma(s, β), so that S(t) = (β / (β + e^{bt} − 1))^s.
 *
 * Likelihood of a row (x, t_x, T), λ integrated out in closed form:
 *   L = Γ(r+x)/Γ(r) α^r [ (α+T)^{−(r+x)} S(T) + b s β^s ∫_{t_x}^{T} g(u) du ],
 *   g(u) = e^{bu} (α+u)^{−(r+x)} (β + e^{bu} − 1)^{−(s+1)},
 * the integral over the death time in w = ln((α+u)/(α+t_x)) by adaptive Gauss–Kronrod (7/15 points): a
 * panel is accepted when |K15 − G7| on it is at most EPS_REL times the row's bracket
 * [...] (scaled by the panel's share of [t_x, T]), else it is halved, to at most
 * MAX_DEPTH halvings and MAX_PANELS panels per integral (a bound on the work of an
 * integrand whose rounding noise never meets the tolerance; either cap leaves the
 * result flagged, CVA_W_SERIES_LIMIT). |K15 − G7| bounds the error of the 7-point Gauss rule; the
 * 15-point Kronrod value used is far more accurate (tests/test_ggom.c checks the
 * log-likelihood, its gradient and the predictions against 28-digit mpmath values,
 * tests/data/ggom_ref.py). The gradient is analytic: the derivatives of ln g under
 * the integral, summed at the same nodes. In the likelihood, a run of rows with the same x
 * shares g: it is integrated once over the pieces between the rows' distinct ends and each
 * row takes a difference of tail sums (grp_eval(), which says why that keeps the accuracy).
 *
 * Predictions (alive at T: λ | data ~ Gamma(r+x, α+T), η | data ~ Gamma(s, β + e^{bT} − 1)):
 *   P(alive at T+t) = (α+T)^{−(r+x)} S(T+t) / [...],
 *   E[Y(t) | x, t_x, T] = P(alive at T) (r+x)/(α+T) ∫_0^t ((β + e^{bT} − 1)/(β + e^{b(T+v)} − 1))^s dv,
 * the last integral by the same quadrature.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>
#include <string.h>

#include "churn_internal.h"

#define EPS_REL 1e-11
#define MAX_DEPTH 24
#define MAX_PANELS 4096
#define NCOMP 6

/* Gauss–Kronrod 7/15 on [−1, 1]: Kronrod nodes (odd indices are the Gauss nodes) */
static const double xgk[8] = {0.991455371120812639206854697526329, 0.949107912342758524526189684047851,
                              0.864864423359769072789712788640926, 0.741531185599394439863864773280788,
                              0.586087235467691130294144845693013, 0.405845151377397166906606412076961,
                              0.207784955007898467600689403773245, 0.000000000000000000000000000000000};
static const double wgk[8] = {0.022935322010529224963732008058970, 0.063092092629978553290700663189204,
                              0.104790010322250183839876322541518, 0.140653259715525918745189590510238,
                              0.169004726639267902826583426598550, 0.190350578064785409913256402421014,
                              0.204432940075298892414161999234649, 0.209482141084727828012999174891714};
static const double wg[4] = {0.129484966168869693270611432679082, 0.279705391489276667901467771423780,
                             0.381830050505118944950369775488975, 0.417959183673469387755102040816327};

/* Gauss–Kronrod 3/7 (the groups' short pieces): Kronrod nodes (index 1 the Gauss node), weights */
static const double xk7[3] = {0.960491268708020283423507092629080, 0.774596669241483377035853079956480,
                              0.434243749346802558002071502844628};
static const double wk7[4] = {0.104656226026467265193823857192073, 0.268488089868333440728569280666710,
                              0.401397414775962222905051818618432, 0.450916538658474142345110087045571};
static const double wg3[2] = {0.555555555555555555555555555555556, 0.888888888888888888888888888888889};

typedef struct ggom_par {
    double r, al, b, s, be;
    double lbe; /* ln β */
} ggom_par;

static int par_init(ggom_par *q, const double *p)
{
    int i;
    for (i = 0; i < 5; i++)
        if (!(p[i] > 0.0) || !isfinite(p[i]))
            return 0;
    q->r = p[0];
    q->al = p[1];
    q->b = p[2];
    q->s = p[3];
    q->be = p[4];
    q->lbe = log(q->be);
    return 1;
}

/* D(u) = β + e^{bu} − 1: ln D, 1/D and e^{bu}/D without overflow */
static void dterms(const ggom_par *q, double u, double *lD, double *invD, double *qE)
{
    const double bu = q->b * u;
    if (bu < 600.0) {
        const double em = expm1(bu);
        const double D = q->be + em;
        *lD = log(D);
        *invD = 1.0 / D;
        *qE = (em + 1.0) / D;
    } else {
        const double z = (q->be - 1.0) * exp(-bu);
        *lD = bu + log1p(z);
        *invD = exp(-*lD);
        *qE = 1.0 / (1.0 + z);
    }
}

/* integrand context: which integral, and the row */
typedef struct ig_ctx {
    const ggom_par *q;
    double rx;   /* r + x */
    double tx, A0, L0; /* likelihood: the variable w = ln((α+u)/(α+t_x)), A0 = α + t_x, L0 = ln A0 */
    double ref;  /* log-scale reference subtracted before exp */
    double lDT;  /* ln D(T) (expected-value integral) */
    double T;
    int kind;    /* 0: likelihood (NCOMP comps when grad, else 1); 1: E[Y] integrand */
    int ncomp;
} ig_ctx;

/* The likelihood integral in w = ln((α+u)/(α+t_x)): u = t_x + (α+t_x)(e^w − 1), du = (α+u) dw,
   which turns the factor (α+u)^{−(r+x)} (a pole at u = −α, close to [t_x, T] when α is
   small) into the exponential e^{−(r+x−1)(L0+w)}: far fewer panels for the same accuracy. */

/* the log of the integrand in w (without the constant ln(b s β^s)) */
static double ell(const ig_ctx *c, double w)
{
    double lD, invD, qE;
    const double u = c->tx + c->A0 * expm1(w);
    dterms(c->q, u, &lD, &invD, &qE);
    return -(c->rx - 1.0) * (c->L0 + w) + c->q->b * u - (c->q->s + 1.0) * lD;
}

/* f(w) (likelihood) or f(u) (E[Y]) into v[0..ncomp-1] */
static void integrand(const ig_ctx *c, double w, double *v)
{
    const ggom_par *q = c->q;
    double lD, invD, qE;
    if (c->kind == 1) {
        dterms(q, w, &lD, &invD, &qE);
        v[0] = exp(q->s * (c->lDT - lD));
        return;
    }
    {
        const double em = expm1(w);
        const double u = c->tx + c->A0 * em, la = c->L0 + w;
        double e;
        dterms(q, u, &lD, &invD, &qE);
        e = exp(-(c->rx - 1.0) * la + q->b * u - (q->s + 1.0) * lD - c->ref);
        v[0] = e;
        if (c->ncomp > 1) {
            v[1] = e * la;                                 /* −∂/∂r */
            v[2] = e / (c->A0 * (1.0 + em));               /* −∂/∂α / (r+x) */
            v[3] = e * u * (1.0 - (q->s + 1.0) * qE);      /* ∂/∂b */
            v[4] = e * lD;                                 /* −∂/∂s */
            v[5] = e * invD;                               /* −∂/∂β / (s+1) */
        }
    }
}

/* one GK15 panel: Kronrod sums into k[], the Gauss-7 value of component 0 into *g7 */
static void gk15(const ig_ctx *c, double a, double b, double *k, double *g7)
{
    const double h = 0.5 * (b - a), m = 0.5 * (a + b);
    double v1[NCOMP], v2[NCOMP], g = 0.0;
    int j, i;
    integrand(c, m, v1);
    for (i = 0; i < c->ncomp; i++)
        k[i] = wgk[7] * v1[i];
    g = wg[3] * v1[0];
    for (j = 0; j < 7; j++) {
        const double d = h * xgk[j];
        integrand(c, m - d, v1);
        integrand(c, m + d, v2);
        for (i = 0; i < c->ncomp; i++)
            k[i] += wgk[j] * (v1[i] + v2[i]);
        if (j & 1)
            g += wg[j >> 1] * (v1[0] + v2[0]);
    }
    for (i = 0; i < c->ncomp; i++)
        k[i] *= h;
    *g7 = g * h;
}

/* one GK7 panel: Kronrod sums into k[], the Gauss-3 value of component 0 into *g3 */
static void gk7(const ig_ctx *c, double a, double b, double *k, double *g3)
{
    const double h = 0.5 * (b - a), m = 0.5 * (a + b);
    double v1[NCOMP], v2[NCOMP];
    int j, i;
    integrand(c, m, v1);
    for (i = 0; i < c->ncomp; i++)
        k[i] = wk7[3] * v1[i];
    *g3 = wg3[1] * v1[0];
    for (j = 0; j < 3; j++) {
        const double d = h * xk7[j];
        integrand(c, m - d, v1);
        integrand(c, m + d, v2);
        for (i = 0; i < c->ncomp; i++)
            k[i] += wk7[j] * (v1[i] + v2[i]);
        if (j == 1)
            *g3 += wg3[0] * (v1[0] + v2[0]);
    }
    for (i = 0; i < c->ncomp; i++)
        k[i] *= h;
    *g3 *= h;
}

/* adaptive: accept a panel when |K − G| <= tol·(b − a)/len; sums into acc[]. *panels
   counts the panels of the integral: once MAX_PANELS are spent, every panel is accepted
   as it is (without the bound, an integrand whose rounding noise exceeds the tolerance
   everywhere is halved to MAX_DEPTH on every panel: 2^24 panels for one row). */
static void adapt(const ig_ctx *c, double a, double b, double tol_per_len, int depth, int *panels, double *acc,
                  int *capped)
{
    double k[NCOMP], g7;
    int i, last;
    gk15(c, a, b, k, &g7);
    last = depth >= MAX_DEPTH || ++*panels >= MAX_PANELS;
    if (fabs(k[0] - g7) <= tol_per_len * (b - a) || last || !isfinite(k[0])) {
        if (last && fabs(k[0] - g7) > tol_per_len * (b - a))
            *capped = 1;
        for (i = 0; i < c->ncomp; i++)
            acc[i] += k[i];
        return;
    }
    adapt(c, a, 0.5 * (a + b), tol_per_len, depth + 1, panels, acc, capped);
    adapt(c, 0.5 * (a + b), b, tol_per_len, depth + 1, panels, acc, capped);
}

/* adaptive integral on [a, b] of component 0 to the absolute tolerance EPS_REL·(extra + |K|),
   K the one-panel Kronrod value (the first panel is reused when it passes) */
static void integrate(const ig_ctx *c, double a, double b, double extra, double *acc, int *capped)
{
    double k[NCOMP], g7, tol;
    int i, panels = 1;
    for (i = 0; i < c->ncomp; i++)
        acc[i] = 0.0;
    gk15(c, a, b, k, &g7);
    tol = EPS_REL * (extra + fabs(k[0]));
    if (fabs(k[0] - g7) <= tol || !isfinite(k[0])) {
        for (i = 0; i < c->ncomp; i++)
            acc[i] = k[i];
        return;
    }
    adapt(c, a, 0.5 * (a + b), tol / (b - a), 1, &panels, acc, capped);
    adapt(c, 0.5 * (a + b), b, tol / (b - a), 1, &panels, acc, capped);
}

/* per-row results */
typedef struct ggom_row {
    double ll;     /* ln L */
    double pa;     /* P(alive at T) */
    double g[5];   /* ∂ ln L / ∂(r, α, b, s, β) when asked */
    int capped;
} ggom_row;

/* Per-x constants of a row: ln[Γ(r+x)/Γ(r) α^r] and, for the gradient, its derivative in r. */
typedef struct ggom_xc {
    double x, rx, lG, dG;
    double c0; /* ln(b s β^s) */
} ggom_xc;

static void xc_init(const ggom_par *q, double x, int want_grad, ggom_xc *k)
{
    k->x = x;
    k->rx = q->r + x;
    k->lG = cva__lgamma_diff(q->r, x) + q->r * log(q->al);
    k->dG = want_grad ? cva__digamma_diff(q->r, x) + log(q->al) : 0.0;
    k->c0 = log(q->b) + log(q->s) + q->s * q->lbe;
}

/* The end of a row: ln L, P(alive) and the gradient from the survival term's log A (with
   ln(α+T) = laT, α+T = aT and dterms(T)) and the integral ∫ g (and its derivative sums)
   = e^{ref} acc[] (has_int = 0: T = t_x, no integral). */
static void row_finish(const ggom_par *q, const ggom_xc *k, double T, double A, double laT, double aT, double lDT,
                       double invDT, double qET, int has_int, double ref, const double *acc, int want_grad,
                       ggom_row *o)
{
    const double rx = k->rx;
    double M = A, P1, P2 = 0.0, Z, sc = 0.0, c0;
    if (has_int) {
        c0 = log(q->b) + log(q->s) + q->s * q->lbe; /* ln(b s β^s) */
        sc = c0 + ref;
        if (acc[0] > 0.0 && sc + log(acc[0]) > M)
            M = sc + log(acc[0]);
    }
    P1 = exp(A - M);
    if (has_int)
        P2 = exp(sc - M) * acc[0];
    Z = P1 + P2;
    o->ll = k->lG + M + log(Z);
    o->pa = P1 / Z;
    if (want_grad) {
        const double e = has_int ? exp(sc - M) / Z : 0.0, w1 = P1 / Z, w2 = P2 / Z;
        /* ∂lnG + (P1 ∂A + P2 ∂c0 + e^{sc−M} ∫ g ∂ln g)/Z */
        o->g[0] = k->dG - w1 * laT - e * acc[1];
        o->g[1] = q->r / q->al - w1 * rx / aT - e * rx * acc[2];
        o->g[2] = -w1 * q->s * T * qET + (has_int ? w2 / q->b : 0.0) + e * acc[3];
        o->g[3] = w1 * (q->lbe - lDT) + w2 * (1.0 / q->s + q->lbe) - e * acc[4];
        o->g[4] = w1 * (q->s / q->be - q->s * invDT) + w2 * (q->s / q->be) - e * (q->s + 1.0) * acc[5];
    }
}

/* One row on its own: the integral over [t_x, T] by integrate(), to EPS_REL of the bracket. */
static void row_eval(const ggom_par *q, const ggom_xc *k, double tx, double T, int want_grad, ggom_row *o)
{
    const double rx = k->rx;
    double lDT, invDT, qET, A, laT, acc[NCOMP], ref = 0.0;
    int i;
    ig_ctx c;
    dterms(q, T, &lDT, &invDT, &qET);
    laT = log(q->al + T);
    A = -rx * laT + q->s * (q->lbe - lDT); /* ln[(α+T)^{−(r+x)} S(T)] */
    o->capped = 0;
    for (i = 0; i < NCOMP; i++)
        acc[i] = 0.0;
    if (T > tx) {
        const double W = log1p((T - tx) / (q->al + tx));
        double c0;
        c.q = q;
        c.rx = rx;
        c.T = T;
        c.tx = tx;
        c.A0 = q->al + tx;
        c.L0 = log(c.A0);
        c.kind = 0;
        c.lDT = 0.0;
        c.ncomp = want_grad ? NCOMP : 1;
        /* reference: the larger log integrand at the two ends */
        c.ref = ell(&c, 0.0);
        {
            double e1 = ell(&c, W);
            if (e1 > c.ref)
                c.ref = e1;
        }
        c0 = log(q->b) + log(q->s) + q->s * q->lbe; /* ln(b s β^s) */
        /* tolerance relative to the bracket: the survival term in units of e^{c0+ref}
           plus the integral */
        {
            const double surv = exp(A - (c0 + c.ref));
            integrate(&c, 0.0, W, isfinite(surv) ? surv : DBL_MAX / 4, acc, &o->capped);
        }
        ref = c.ref;
    }
    row_finish(q, k, T, A, laT, q->al + T, lDT, invDT, qET, T > tx, ref, acc, want_grad, o);
}

/*
 * Rows that share x share the integrand g (only the limits t_x, T differ), so a run of
 * rows with the same x (the fit's merged rows come sorted by (x, T, t_x)) is a group: its
 * distinct ends u_0 < … < u_{m−1} cut [u_0, u_{m−1}] into pieces, each piece that lies in
 * some row's [t_x, T] is integrated once (integrate() on it, to EPS_REL of the piece
 * itself), and the tail sums S_k = Σ_{j>=k} piece_j give every row its integral as
 * S(t_x) − S(T). The difference loses nothing that matters: b s β^s ∫_T^∞ g = ∫_T^∞
 * (α+u)^{−(r+x)} f_τ(u) du <= (α+T)^{−(r+x)} S(T), the row's survival term, so the
 * rounding of the tail (a few ulps of S(t_x) <= the row's bracket) is a few ulps of the
 * bracket, and the pieces' quadrature errors (EPS_REL each, of pieces inside [t_x, T])
 * add up to at most EPS_REL of the bracket, as for a row on its own. A tail sum is kept
 * as e^{σ_k} S_k with σ_k the largest log-reference of the pieces in it (no overflow).
 * A group is used only when it has fewer pieces than rows with an integral; else (and
 * for every row of unsorted input with its neighbours' x all different) each row is
 * integrated on its own by row_eval(), as before. GRP_EMAX bounds the ends of a group
 * (its arrays live on the stack).
 */
#define GRP_EMAX 256
#define GRP_RMAX CVA__LL_CHUNK /* and its rows */

typedef struct ggom_grp {
    double u[GRP_EMAX], la[GRP_EMAX], lD[GRP_EMAX], invD[GRP_EMAX], qE[GRP_EMAX], el[GRP_EMAX], sig[GRP_EMAX];
    double S[GRP_EMAX * NCOMP];
    int cov[GRP_EMAX];
    unsigned char ia[GRP_RMAX], ib[GRP_RMAX]; /* a row's t_x and T in u[] */
    int m;
} ggom_grp;

/* index of the last u[i] <= v in the sorted u[0..m−1] (m >= 1; 0 when v < u[0]):
   without branches on the data */
static int grp_find(const ggom_grp *G, double v)
{
    const double *base = G->u;
    int len = G->m;
    while (len > 1) {
        const int half = len / 2;
        base = base[half] <= v ? base + half : base;
        len -= half;
    }
    return (int)(base - G->u);
}

/* add v to the sorted set (the caller makes sure there is room) */
static void grp_add(ggom_grp *G, double v)
{
    int i = 0;
    if (G->m > 0) {
        i = grp_find(G, v);
        if (!(G->u[i] < v) && !(G->u[i] > v))
            return;
        if (G->u[i] < v) /* else v < u[0] */
            i++;
    }
    memmove(G->u + i + 1, G->u + i, (size_t)(G->m - i) * sizeof G->u[0]);
    G->u[i] = v;
    G->m++;
}

/* the rows [i0, i1) of one x through the group's pieces; 0 when the group is not worth it
   (nothing written) */
static int grp_eval(const ggom_par *q, const ggom_xc *k, const cva__btyd_rows *rows, size_t i0, size_t i1,
                    int want_grad, ggom_grp *G, double *ll_i, cva__ksum *sum, double *g)
{
    const int nc = want_grad ? NCOMP : 1;
    const double rx = k->rx;
    int j, c, run = 0, n_pieces = 0;
    size_t i, n_int = 0;
    double acc[NCOMP];
    ig_ctx cx;
    /* coverage: +1 at t_x, −1 at T */
    for (j = 0; j < G->m; j++)
        G->cov[j] = 0;
    for (i = i0; i < i1; i++) {
        const int b = grp_find(G, rows->T[i]);
        G->ib[i - i0] = (unsigned char)b;
        if (rows->T[i] > rows->t_x[i]) {
            const int a = grp_find(G, rows->t_x[i]);
            G->ia[i - i0] = (unsigned char)a;
            G->cov[a]++;
            G->cov[b]--;
            n_int++;
        }
    }
    for (j = 0; j < G->m; j++) {
        run += G->cov[j];
        G->cov[j] = run > 0;
        n_pieces += G->cov[j];
    }
    if ((size_t)n_pieces >= n_int)
        return 0;
    for (j = 0; j < G->m; j++) {
        const double u = G->u[j];
        dterms(q, u, &G->lD[j], &G->invD[j], &G->qE[j]);
        G->la[j] = log(q->al + u);
        G->el[j] = -(rx - 1.0) * G->la[j] + q->b * u - (q->s + 1.0) * G->lD[j];
    }
    cx.q = q;
    cx.rx = rx;
    cx.kind = 0;
    cx.lDT = 0.0;
    cx.ncomp = nc;
    G->sig[G->m - 1] = -HUGE_VAL;
    for (c = 0; c < nc; c++)
        G->S[(G->m - 1) * NCOMP + c] = 0.0;
    for (j = G->m - 2; j >= 0; j--) {
        double *Sj = G->S + j * NCOMP;
        const double *Sn = Sj + NCOMP;
        if (!G->cov[j]) {
            G->sig[j] = G->sig[j + 1];
            for (c = 0; c < nc; c++)
                Sj[c] = Sn[c];
            continue;
        }
        {
            int capped = 0;
            double f0, f1;
            cx.tx = G->u[j];
            cx.T = G->u[j + 1];
            cx.A0 = q->al + G->u[j];
            cx.L0 = G->la[j];
            cx.ref = G->el[j] > G->el[j + 1] ? G->el[j] : G->el[j + 1];
            {
                /* a piece is short: the 7-point rule first (accepted when it agrees with
                   the 3-point Gauss rule to EPS_REL of itself), else integrate() */
                const double W = log1p((G->u[j + 1] - G->u[j]) / cx.A0);
                double g3;
                gk7(&cx, 0.0, W, acc, &g3);
                if (!(fabs(acc[0] - g3) <= EPS_REL * fabs(acc[0])) && isfinite(acc[0]))
                    integrate(&cx, 0.0, W, 0.0, acc, &capped);
            }
            G->sig[j] = cx.ref > G->sig[j + 1] ? cx.ref : G->sig[j + 1];
            f0 = exp(cx.ref - G->sig[j]);
            f1 = exp(G->sig[j + 1] - G->sig[j]);
            for (c = 0; c < nc; c++)
                Sj[c] = acc[c] * f0 + Sn[c] * f1;
        }
    }
    for (i = i0; i < i1; i++) {
        const double tx = rows->t_x[i], T = rows->T[i], w = rows->w ? rows->w[i] : 1.0;
        const int b = G->ib[i - i0];
        const double A = -rx * G->la[b] + q->s * (q->lbe - G->lD[b]); /* ln[(α+T)^{−(r+x)} S(T)] */
        double M = A, P1 = 1.0, P2 = 0.0, Z, e = 0.0, ll;
        if (T > tx) {
            const int a = G->ia[i - i0];
            const double f = exp(G->sig[b] - G->sig[a]);
            for (c = 0; c < nc; c++)
                acc[c] = G->S[a * NCOMP + c] - G->S[b * NCOMP + c] * f;
            if (acc[0] > 0.0) {
                /* the bracket e^A + e^{sc} acc0, sc = ln(b s β^s) + σ_a: on the scale e^{sc}
                   when A and sc are close (one exp and one log a row; the rounding of M = sc
                   stays that of A), else from its larger term */
                const double sc = k->c0 + G->sig[a], d = A - sc;
                if (d > -30.0 && d < 30.0) {
                    M = sc;
                    P1 = exp(d);
                    P2 = acc[0];
                } else {
                    const double L2 = sc + log(acc[0]), d2 = A - L2;
                    if (d2 < 0.0) {
                        M = L2;
                        P1 = exp(d2);
                        P2 = 1.0;
                    } else {
                        P2 = exp(-d2);
                    }
                }
            }
        }
        Z = P1 + P2;
        ll = k->lG + M + log(Z);
        if (!isfinite(ll))
            return -1;
        if (ll_i)
            ll_i[i] = ll;
        cva__ksum_add(sum, w * ll);
        if (want_grad) {
            /* as row_finish(), with e^{sc−M} = P2/acc0 */
            const double w1 = P1 / Z, w2 = P2 / Z;
            if (P2 > 0.0)
                e = w2 / acc[0];
            g[0] += w * (k->dG - w1 * G->la[b] - e * acc[1]);
            g[1] += w * (q->r / q->al - w1 * rx / (q->al + T) - e * rx * acc[2]);
            g[2] += w * (-w1 * q->s * T * G->qE[b] + w2 / q->b + e * acc[3]);
            g[3] += w * (w1 * (q->lbe - G->lD[b]) + w2 * (1.0 / q->s + q->lbe) - e * acc[4]);
            g[4] += w * (w1 * (q->s / q->be - q->s * G->invD[b]) + w2 * (q->s / q->be) - e * (q->s + 1.0) * acc[5]);
        }
    }
    return 1;
}

static double ggom_ll(const double *p, const cva__btyd_rows *rows, double *grad, double *ll_i)
{
    ggom_par q;
    ggom_grp G;
    ggom_xc k;
    cva__ksum sum = {0.0, 0.0};
    double g[5] = {0.0, 0.0, 0.0, 0.0, 0.0};
    size_t i, i1;
    int j, r;
    if (!par_init(&q, p))
        return CVA_NAN;
    for (i = 0; i < rows->n; i = i1) {
        const double x = rows->x[i];
        xc_init(&q, x, grad != NULL, &k);
        /* the group: the following rows with this x while their ends fit */
        G.m = 0;
        for (i1 = i; i1 < rows->n && !(rows->x[i1] < x) && !(rows->x[i1] > x) && G.m + 2 <= GRP_EMAX &&
                     i1 - i < GRP_RMAX;
             i1++) {
            grp_add(&G, rows->T[i1]);
            if (rows->T[i1] > rows->t_x[i1])
                grp_add(&G, rows->t_x[i1]);
        }
        r = i1 - i > 1 ? grp_eval(&q, &k, rows, i, i1, grad != NULL, &G, ll_i, &sum, g) : 0;
        if (r < 0)
            return CVA_NAN;
        if (r > 0)
            continue;
        for (; i < i1; i++) {
            const double w = rows->w ? rows->w[i] : 1.0;
            ggom_row o;
            row_eval(&q, &k, rows->t_x[i], rows->T[i], grad != NULL, &o);
            if (!isfinite(o.ll))
                return CVA_NAN;
            if (ll_i)
                ll_i[i] = o.ll;
            cva__ksum_add(&sum, w * o.ll);
            if (grad)
                for (j = 0; j < 5; j++)
                    g[j] += w * o.g[j];
        }
    }
    if (grad)
        for (j = 0; j < 5; j++)
            grad[j] = g[j];
    return cva__ksum_value(&sum);
}

static cva_status ggom_p_alive(const double *p, double t_future, const double *x, const double *t_x,
                               const double *T, size_t n, double *out, const cva_allocator *alloc)
{
    ggom_par q;
    size_t i;
    int capped = 0;
    (void)alloc;
    if (!par_init(&q, p))
        return CVA_E_DOMAIN;
    for (i = 0; i < n; i++) {
        ggom_row o;
        ggom_xc k;
        xc_init(&q, x[i], 0, &k);
        row_eval(&q, &k, t_x[i], T[i], 0, &o);
        capped |= o.capped;
        if (t_future > 0.0) {
            /* × S(T+t)/S(T) */
            double l0, l1, d0, d1, e0, e1;
            dterms(&q, T[i], &l0, &d0, &e0);
            dterms(&q, T[i] + t_future, &l1, &d1, &e1);
            o.pa *= exp(q.s * (l0 - l1));
        }
        if (!isfinite(o.pa))
            return CVA_E_DOMAIN;
        out[i] = o.pa;
    }
    return capped ? CVA_W_SERIES_LIMIT : CVA_OK;
}

static cva_status ggom_expected(const double *p, double t, const double *x, const double *t_x, const double *T,
                                size_t n, double *out, const cva_allocator *alloc)
{
    ggom_par q;
    size_t i;
    int capped = 0;
    (void)alloc;
    if (!par_init(&q, p))
        return CVA_E_DOMAIN;
    for (i = 0; i < n; i++) {
        ggom_row o;
        ggom_xc k;
        double J = 0.0;
        xc_init(&q, x[i], 0, &k);
        row_eval(&q, &k, t_x[i], T[i], 0, &o);
        capped |= o.capped;
        if (t > 0.0) {
            ig_ctx c;
            double d, e;
            c.q = &q;
            c.rx = 0.0;
            c.tx = 0.0;
            c.A0 = 0.0;
            c.L0 = 0.0;
            c.ref = 0.0;
            c.T = T[i];
            c.kind = 1;
            c.ncomp = 1;
            dterms(&q, T[i], &c.lDT, &d, &e);
            /* the integrand (in (0, 1], decreasing) takes the absolute time T + v */
            integrate(&c, T[i], T[i] + t, 0.0, &J, &capped);
        }
        out[i] = o.pa * (q.r + x[i]) / (q.al + T[i]) * J;
        if (!isfinite(out[i]))
            return CVA_E_DOMAIN;
    }
    return capped ? CVA_W_SERIES_LIMIT : CVA_OK;
}

const cva__btyd_model cva__model_ggom = {
    CVA_MODEL_GGOMNBD,
    5,
    {"r", "alpha", "b", "s", "beta"},
    {1.0, 1.0, 1.0, 1.0, 1.0},
    {0, 1, -1, 0, 0},
    ggom_ll,
    ggom_p_alive,
    ggom_expected,
    NULL,
    NULL,
    NULL,
    NULL,
};
