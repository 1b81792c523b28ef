/*
 * libcva — quasi-Newton minimisation for the model fits (docs/methods/conventions.md#methods_choices docs/methods/conventions.md#methods_choice_fitting).
 *
 * cva__bfgs: BFGS with the inverse-Hessian update (Nocedal & Wright 2006,
 * docs/methods/retention.md#methods_ret_conventions) and a strong-Wolfe line search (bracketing + zoom with safeguarded
 * cubic interpolation, N&W Algorithms 3.5/3.6). The objective works on
 * unconstrained (log) parameters; a non-finite objective at a trial point is
 * treated as "too far" and the step is shrunk. Everything is deterministic:
 * no randomness, fixed operation order.
 *
 * Stopping rules: max |g| <= grad_tol (converged); relative decrease of f
 * below f_tol over 3 consecutive iterations (converged); a predicted decrease
 * −g'Hg/2 below the rounding level of f (converged); a line search that
 * cannot decrease f any more (converged when max |g| <= 1e3·grad_tol, i.e.
 * we are at the optimum to working precision, otherwise not converged);
 * the iteration limit (CVA_W_MAXITER). A line search that fails with a large
 * gradient returns CVA_W_NOT_CONVERGED.
 *
 * Boundary (CVA_W_BOUNDARY). The maximum likelihood may lie at the edge of the
 * parameter space, i.e. at theta_i -> +-infinity in log-parameters (no
 * heterogeneity, no churn, ...). The optimiser keeps the last W_BND = 4
 * accepted iterates (theta, f, gradient) and, after every iteration, tests
 *   (1) drift: D = max_i |theta_i(k) − theta_i(k−4)| >= bnd_drift, and every
 *       coordinate with |Δtheta_i| >= D/4 ("drifting") moved the same way at
 *       each of the 4 steps;
 *   (2) vanishing gain: f(k−4) − f(k) <= 10 bnd_gain over the window;
 *   (3) remaining gain: with u the unit drift direction and g_a, g_b the slopes
 *       ∇f·u at both ends of the window, the model f(s) = f_inf + c e^(−κ s)
 *       along u (the limits of every model here are power laws in the
 *       parameters, i.e. exponential in log-parameters) gives
 *       κ = ln(g_a/g_b)/|Δtheta| and the gain left to the limit
 *       R = |g_b|/κ; require g_a < g_b < 0 and R <= bnd_gain. (In a quadratic
 *       basin the same formula overestimates the gain left, so (3) never
 *       stops a fit that still has more than bnd_gain to gain.) The other
 *       directions must have settled: with p = ∇f − (∇f·u)u and the current
 *       quasi-Newton inverse Hessian Hq, ½ p'Hq p <= bnd_gain.
 * All three: stop with the drifting coordinates flagged. (2) with D >= 1 also
 * bounds the curvature along u: an interior maximum that passed it would have
 * a standard error of several units in log space, i.e. be unidentified.
 * At a convergence exit (gradient, f_tol, line search) and at the iteration
 * limit, (1) and (2) alone flag the fit (the slope has vanished there).
 * Finally a coordinate with |theta_i| > theta_max is flagged and held there
 * (its gradient is taken as 0 and the quasi-Newton matrix restarted without
 * it) while the others go on: its limit is reached to working precision, and
 * a likelihood that grows without bound towards an edge stops there.
 *
 * cva__hessian: central differences of the analytic gradient, symmetrised.
 * cva__spd_inverse: Cholesky factorisation and inversion.
 * SPDX-License-Identifier: MIT
 */
#include <float.h>
#include <math.h>

#include "churn_internal.h"

#define OPT_NMAX 24 /* 4 model parameters + 2 × CVA_COV_MAX covariate coefficients */
#define LS_MAX_EVAL 40
#define WOLFE_C1 1e-4
#define WOLFE_C2 0.9
#define MAX_STEP 10.0 /* largest change of one log-parameter in one iteration */

typedef struct ls_ctx {
    cva__objective_fn f;
    void *ctx;
    int n;
    const double *x0;
    const double *d;
    double *x;    /* trial point */
    double *g;    /* gradient at the trial point */
    uint64_t *evals;
    unsigned frozen; /* coordinates held at the boundary (gradient taken as 0) */
} ls_ctx;

static double maxabs(const double *v, int n)
{
    double m = 0.0;
    int i;
    for (i = 0; i < n; i++)
        if (fabs(v[i]) > m)
            m = fabs(v[i]);
    return m;
}

static double dot(const double *a, const double *b, int n)
{
    double s = 0.0;
    int i;
    for (i = 0; i < n; i++)
        s += a[i] * b[i];
    return s;
}

/* phi(alpha) = f(x0 + alpha d); writes the directional derivative. */
static double ls_eval(ls_ctx *c, double alpha, double *dphi)
{
    double fv;
    int i;
    for (i = 0; i < c->n; i++)
        c->x[i] = c->x0[i] + alpha * c->d[i];
    fv = c->f(c->ctx, c->x, c->g);
    (*c->evals)++;
    if (!isfinite(fv))
        return HUGE_VAL;
    for (i = 0; i < c->n; i++) {
        if (!isfinite(c->g[i]))
            return HUGE_VAL;
        if (c->frozen >> i & 1u)
            c->g[i] = 0.0;
    }
    *dphi = dot(c->g, c->d, c->n);
    return fv;
}

/* Minimiser of the cubic through (a, fa, da), (b, fb, db), safeguarded into
   the interval between a and b (falls back to bisection). */
static double cubic_step(double a, double fa, double da, double b, double fb, double db)
{
    double lo = a < b ? a : b, hi = a < b ? b : a;
    double d1 = da + db - 3.0 * (fa - fb) / (a - b);
    double disc = d1 * d1 - da * db;
    double t;
    if (isfinite(fb) && disc >= 0.0) {
        double d2 = (b > a ? 1.0 : -1.0) * sqrt(disc);
        double den = db - da + 2.0 * d2;
        if (fabs(den) > 0.0) {
            t = b - (b - a) * (db + d2 - d1) / den;
            if (isfinite(t)) {
                double margin = 0.1 * (hi - lo);
                if (t < lo + margin)
                    t = lo + margin;
                if (t > hi - margin)
                    t = hi - margin;
                return t;
            }
        }
    }
    if (!isfinite(fb)) /* infeasible end: move well away from it */
        return a + 0.2 * (b - a);
    return 0.5 * (a + b);
}

/*
 * Strong-Wolfe line search along d from x0 (f0, dphi0 < 0). On success the
 * accepted point is in c->x / c->g with value *fout and step *alpha_out;
 * returns 1. Returns 0 when no point with sufficient decrease was found
 * (c->x then holds garbage).
 */
static int line_search(ls_ctx *c, double f0, double dphi0, double alpha1, double *fout, double *alpha_out)
{
    double a_prev = 0.0, f_prev = f0, d_prev = dphi0;
    double a = alpha1;
    double lo, hi, flo, fhi, dlo, dhi;
    double best_a = 0.0, best_f = f0;
    int k, evals = 0;

    for (;;) {
        double dphi = 0.0;
        double fa = ls_eval(c, a, &dphi);
        evals++;
        if (fa < best_f && fa <= f0 + WOLFE_C1 * a * dphi0) {
            best_f = fa;
            best_a = a;
        }
        if (!(fa <= f0 + WOLFE_C1 * a * dphi0) || (evals > 1 && fa >= f_prev)) {
            lo = a_prev;
            flo = f_prev;
            dlo = d_prev;
            hi = a;
            fhi = fa;
            dhi = dphi;
            break;
        }
        if (fabs(dphi) <= -WOLFE_C2 * dphi0) {
            *fout = fa;
            *alpha_out = a;
            return 1;
        }
        if (dphi >= 0.0) {
            lo = a;
            flo = fa;
            dlo = dphi;
            hi = a_prev;
            fhi = f_prev;
            dhi = d_prev;
            break;
        }
        if (evals >= LS_MAX_EVAL / 2)
            goto fallback;
        a_prev = a;
        f_prev = fa;
        d_prev = dphi;
        a *= 2.5; /* expand */
    }

    /* zoom: lo satisfies sufficient decrease and has the lowest f so far */
    for (k = 0; evals < LS_MAX_EVAL; k++) {
        double dphi = 0.0, fa;
        a = cubic_step(lo, flo, dlo, hi, fhi, dhi);
        if (fabs(hi - lo) <= 1e-16 * fabs(lo) + 1e-300)
            break;
        fa = ls_eval(c, a, &dphi);
        evals++;
        if (fa < best_f && fa <= f0 + WOLFE_C1 * a * dphi0) {
            best_f = fa;
            best_a = a;
        }
        if (!(fa <= f0 + WOLFE_C1 * a * dphi0) || fa >= flo) {
            hi = a;
            fhi = fa;
            dhi = dphi;
        } else {
            if (fabs(dphi) <= -WOLFE_C2 * dphi0) {
                *fout = fa;
                *alpha_out = a;
                return 1;
            }
            if (dphi * (hi - lo) >= 0.0) {
                hi = lo;
                fhi = flo;
                dhi = dlo;
            }
            lo = a;
            flo = fa;
            dlo = dphi;
        }
    }

fallback:
    /* Wolfe not met within the budget: accept the best point with
       sufficient decrease, if any. */
    if (best_a > 0.0) {
        double dphi = 0.0;
        double fa = ls_eval(c, best_a, &dphi);
        if (fa < f0) {
            *fout = fa;
            *alpha_out = best_a;
            return 1;
        }
    }
    return 0;
}

/* H = I, with zero rows and columns for the frozen coordinates. */
static void reset_H(double *H, int n, unsigned frozen)
{
    int i;
    for (i = 0; i < n * n; i++)
        H[i] = 0.0;
    for (i = 0; i < n; i++)
        H[i * n + i] = (frozen >> i & 1u) ? 0.0 : 1.0;
}

/* ---------------------------------------------------------------- boundary */

#define W_BND 4

typedef struct bnd_hist {
    double th[W_BND + 1][OPT_NMAX], g[W_BND + 1][OPT_NMAX], f[W_BND + 1];
    int count; /* entries stored (the newest is at (count − 1) % (W_BND + 1)) */
} bnd_hist;

static void bnd_push(bnd_hist *h, int n, const double *th, double f, const double *g)
{
    const int k = h->count % (W_BND + 1);
    int i;
    for (i = 0; i < n; i++) {
        h->th[k][i] = th[i];
        h->g[k][i] = g[i];
    }
    h->f[k] = f;
    h->count++;
}

/*
 * The tests of the header comment. final = 1 at a convergence or iteration-limit
 * exit (the slope test (3) is skipped). Returns 1 and sets the masks when the
 * fit heads for the boundary.
 */
static int bnd_check(const bnd_hist *h, int n, const cva__optim_opts *o, int final, const double *Hq,
                     unsigned *mask, unsigned *upper)
{
    int i, j, a, b;
    double D = 0.0, dth[OPT_NMAX], norm2 = 0.0;
    unsigned m = 0, up = 0;
    *mask = *upper = 0;
    if (!(o->bnd_gain > 0.0) || !(o->bnd_drift > 0.0) || h->count < W_BND + 1)
        return 0;
    b = (h->count - 1) % (W_BND + 1);
    a = h->count % (W_BND + 1); /* the oldest of the window */
    for (i = 0; i < n; i++) {
        dth[i] = h->th[b][i] - h->th[a][i];
        norm2 += dth[i] * dth[i];
        if (fabs(dth[i]) > D)
            D = fabs(dth[i]);
    }
    if (!(D >= o->bnd_drift))
        return 0;
    for (i = 0; i < n; i++) {
        if (!(fabs(dth[i]) >= 0.25 * D))
            continue;
        for (j = 0; j < W_BND; j++) { /* monotone at every step */
            const int p0 = (a + j) % (W_BND + 1), p1 = (a + j + 1) % (W_BND + 1);
            if ((h->th[p1][i] - h->th[p0][i]) * (dth[i] > 0.0 ? 1.0 : -1.0) < 0.0)
                return 0;
        }
        m |= 1u << i;
        if (dth[i] > 0.0)
            up |= 1u << i;
    }
    if (!(h->f[a] - h->f[b] <= 10.0 * o->bnd_gain))
        return 0;
    if (!final) {
        double ga = 0.0, gb = 0.0, nrm = sqrt(norm2), kappa, R;
        for (i = 0; i < n; i++) {
            ga += h->g[a][i] * dth[i] / nrm;
            gb += h->g[b][i] * dth[i] / nrm;
        }
        if (!(ga < gb && gb < 0.0))
            return 0;
        kappa = log(ga / gb) / nrm;
        R = -gb / kappa;
        if (!(R <= o->bnd_gain))
            return 0;
        /* the other directions have settled: the quasi-Newton model (inverse
           Hessian Hq) predicts a gain ½ p'Hq p <= bnd_gain from the rest of the
           gradient, p = ∇f − (∇f·u)u */
        if (Hq) {
            double pp[OPT_NMAX], q = 0.0;
            for (i = 0; i < n; i++)
                pp[i] = h->g[b][i] - gb * dth[i] / nrm;
            for (i = 0; i < n; i++)
                for (j = 0; j < n; j++)
                    q += pp[i] * Hq[i * n + j] * pp[j];
            if (!(0.5 * q <= o->bnd_gain))
                return 0;
        }
    }
    *mask = m;
    *upper = up;
    return m != 0;
}

cva_status cva__bfgs(cva__objective_fn f, void *ctx, double *theta, const cva__optim_opts *o,
                     cva__optim_result *res)
{
    bnd_hist hist;
    const int n = o->n;
    double H[OPT_NMAX * OPT_NMAX], g[OPT_NMAX], d[OPT_NMAX], xt[OPT_NMAX], gt[OPT_NMAX];
    double s[OPT_NMAX], y[OPT_NMAX], Hy[OPT_NMAX];
    double fx, gnorm;
    int small_steps = 0, fresh_H = 1, scaled = 0;
    uint64_t evals = 0, iter = 0;
    cva_status st = CVA_OK;
    int i, j;
    ls_ctx lc;

    memset(res, 0, sizeof *res);
    if (n < 1 || n > OPT_NMAX)
        return CVA_E_INTERNAL;

    fx = f(ctx, theta, g);
    evals++;
    if (!isfinite(fx) || !isfinite(maxabs(g, n))) {
        res->f = fx;
        res->grad_norm = HUGE_VAL;
        res->evaluations = evals;
        return CVA_E_NOCONVERGE;
    }
    reset_H(H, n, 0u);
    if (o->h0) { /* a caller's curvature estimate: taken as it is */
        for (i = 0; i < n * n; i++)
            H[i] = o->h0[i];
        scaled = 1;
    }

    lc.f = f;
    lc.ctx = ctx;
    lc.n = n;
    lc.x0 = theta;
    lc.d = d;
    lc.x = xt;
    lc.g = gt;
    lc.evals = &evals;
    lc.frozen = 0u;

    gnorm = maxabs(g, n);
    hist.count = 0;
    bnd_push(&hist, n, theta, fx, g);
    for (;;) {
        double dphi0, alpha1, fnew = 0.0, alpha = 0.0, dmax, sy;
        if (gnorm <= o->grad_tol) {
            res->converged = 1;
            break;
        }
        if (iter >= (uint64_t)o->max_iter) {
            st = CVA_W_MAXITER;
            break;
        }
        /* d = −H g */
        for (i = 0; i < n; i++) {
            double v = 0.0;
            for (j = 0; j < n; j++)
                v -= H[i * n + j] * g[j];
            d[i] = v;
        }
        dphi0 = dot(g, d, n);
        if (!(dphi0 < 0.0)) { /* not a descent direction: restart */
            reset_H(H, n, lc.frozen);
            for (i = 0; i < n; i++)
                d[i] = -g[i];
            fresh_H = 1;
            scaled = 0;
            dphi0 = dot(g, d, n);
        }
        /* The quasi-Newton model predicts a decrease of about −dphi0/2: when that
           is below the rounding level of f, no line search can resolve progress
           and the point is the optimum to working precision. */
        if (!fresh_H && -0.5 * dphi0 <= 4.0 * DBL_EPSILON * fabs(fx)) {
            res->converged = 1;
            break;
        }
        dmax = maxabs(d, n);
        alpha1 = 1.0;
        if (fresh_H && !scaled)
            alpha1 = 1.0 / (dmax > 1.0 ? dmax : 1.0); /* first step: at most 1 in log space */
        if (alpha1 * dmax > MAX_STEP)
            alpha1 = MAX_STEP / dmax;

        if (!line_search(&lc, fx, dphi0, alpha1, &fnew, &alpha)) {
            if (!fresh_H && -dphi0 > 1e3 * DBL_EPSILON * fabs(fx)) { /* retry along the steepest descent */
                reset_H(H, n, lc.frozen);
                fresh_H = 1;
                scaled = 0;
                continue;
            }
            res->converged = gnorm <= 1e3 * o->grad_tol;
            if (!res->converged)
                st = CVA_W_NOT_CONVERGED;
            break;
        }
        iter++;
        for (i = 0; i < n; i++) {
            s[i] = xt[i] - theta[i];
            y[i] = gt[i] - g[i];
            theta[i] = xt[i];
            g[i] = gt[i];
        }
        /* relative change of f */
        if (fabs(fx - fnew) <= o->f_tol * (fabs(fnew) + 1e-300))
            small_steps++;
        else
            small_steps = 0;
        fx = fnew;
        gnorm = maxabs(g, n);
        bnd_push(&hist, n, theta, fx, g);

        if (o->progress && o->progress(o->progress_user, (size_t)iter, fx) != 0) {
            st = CVA_E_CANCELED;
            break;
        }
        if (small_steps >= 3) {
            res->converged = 1;
            break;
        }
        /* heading for the boundary: stop early (see the header comment) */
        {
            unsigned far = 0, m2, u2;
            for (i = 0; i < n; i++)
                if (o->theta_max > 0.0 && fabs(theta[i]) > o->theta_max && !(lc.frozen >> i & 1u))
                    far |= 1u << i;
            if (far) { /* hold them there; the other coordinates go on */
                lc.frozen |= far;
                res->boundary |= far;
                for (i = 0; i < n; i++)
                    if (far >> i & 1u) {
                        g[i] = 0.0;
                        if (theta[i] > 0.0)
                            res->boundary_upper |= 1u << i;
                    }
                gnorm = maxabs(g, n);
                reset_H(H, n, lc.frozen);
                fresh_H = 1;
                scaled = 0;
                small_steps = 0;
                continue;
            }
            if (bnd_check(&hist, n, o, 0, H, &m2, &u2)) {
                res->boundary |= m2;
                res->boundary_upper |= u2;
                st = CVA_W_BOUNDARY;
                break;
            }
        }

        /* BFGS update of the inverse Hessian, skipped without curvature */
        sy = dot(s, y, n);
        if (sy > 1e-12 * sqrt(dot(s, s, n) * dot(y, y, n)) && sy > 0.0) {
            double rho = 1.0 / sy, yHy;
            if (fresh_H && !scaled) { /* N&W (6.20): scale H0 = (s'y / y'y) I */
                double sc = sy / dot(y, y, n);
                for (i = 0; i < n * n; i++)
                    H[i] *= sc;
                scaled = 1;
            }
            for (i = 0; i < n; i++) {
                double v = 0.0;
                for (j = 0; j < n; j++)
                    v += H[i * n + j] * y[j];
                Hy[i] = v;
            }
            yHy = dot(y, Hy, n);
            /* H+ = H − ρ(Hy s' + s y'H) + (ρ² y'Hy + ρ) s s' */
            for (i = 0; i < n; i++)
                for (j = 0; j < n; j++)
                    H[i * n + j] += -rho * (Hy[i] * s[j] + s[i] * Hy[j]) + (rho * rho * yHy + rho) * s[i] * s[j];
            fresh_H = 0;
        }
        (void)alpha;
    }
    /* a convergence or iteration-limit exit right after a drift with no gain */
    if (st >= 0 && st != CVA_W_BOUNDARY) {
        unsigned m2, u2;
        if (bnd_check(&hist, n, o, 1, NULL, &m2, &u2)) {
            res->boundary |= m2;
            res->boundary_upper |= u2;
        }
        if (res->boundary)
            st = CVA_W_BOUNDARY;
    }
    if (st == CVA_W_BOUNDARY)
        res->converged = 0;
    if (o->h_out && !fresh_H)
        memcpy(o->h_out, H, (size_t)(n * n) * sizeof H[0]);
    res->f = fx;
    res->grad_norm = gnorm;
    res->iterations = iter;
    res->evaluations = evals;
    return st;
}

/* The columns j < ncols of the Hessian by differences of the gradient: central (g0 NULL)
   or forward from g0, the gradient at theta. */
static int hess_cols(cva__objective_fn f, void *ctx, const double *theta, const double *g0, int n, int ncols,
                     double *hess)
{
    double xp[OPT_NMAX], gp[OPT_NMAX], gm[OPT_NMAX];
    const double *gb = g0 ? g0 : gm;
    int i, j;
    if (n < 1 || n > OPT_NMAX || ncols > n)
        return 0;
    for (i = 0; i < n; i++)
        xp[i] = theta[i];
    for (j = 0; j < ncols; j++) {
        /* central: step ~ eps^(1/3), the balance of truncation and rounding error;
           forward: step ~ eps^(1/2) (truncation error ~ h, rounding ~ eps/h) */
        double h = (g0 ? CVA__FWD_STEP : 1e-5) * (1.0 + fabs(theta[j]));
        volatile double xph = theta[j] + h, xmh = g0 ? theta[j] : theta[j] - h;
        double hs = xph - xmh; /* the step actually taken */
        xp[j] = xph;
        if (!isfinite(f(ctx, xp, gp)))
            return 0;
        if (!g0) {
            xp[j] = xmh;
            if (!isfinite(f(ctx, xp, gm)))
                return 0;
        }
        xp[j] = theta[j];
        for (i = 0; i < n; i++) {
            hess[i * n + j] = (gp[i] - gb[i]) / hs;
            if (!isfinite(hess[i * n + j]))
                return 0;
        }
    }
    return 1;
}

int cva__hessian_cols(cva__objective_fn f, void *ctx, const double *theta, int n, int ncols, double *hess)
{
    return hess_cols(f, ctx, theta, NULL, n, ncols, hess);
}

int cva__hessian_cols_fwd(cva__objective_fn f, void *ctx, const double *theta, const double *g0, int n, int ncols,
                          double *hess)
{
    return hess_cols(f, ctx, theta, g0, n, ncols, hess);
}

void cva__symmetrize(double *hess, int n)
{
    int i, j;
    for (i = 0; i < n; i++)
        for (j = i + 1; j < n; j++) {
            double v = 0.5 * (hess[i * n + j] + hess[j * n + i]);
            hess[i * n + j] = v;
            hess[j * n + i] = v;
        }
}

int cva__hessian(cva__objective_fn f, void *ctx, const double *theta, int n, double *hess)
{
    if (!cva__hessian_cols(f, ctx, theta, n, n, hess))
        return 0;
    cva__symmetrize(hess, n);
    return 1;
}

int cva__spd_inverse(const double *a, int n, double *inv)
{
    double L[OPT_NMAX * OPT_NMAX], Li[OPT_NMAX * OPT_NMAX];
    int i, j, k;
    if (n < 1 || n > OPT_NMAX)
        return 0;
    /* a = L L' */
    for (j = 0; j < n; j++) {
        double dsum = a[j * n + j];
        if (!isfinite(dsum))
            return 0;
        for (k = 0; k < j; k++)
            dsum -= L[j * n + k] * L[j * n + k];
        if (!(dsum > 0.0) || dsum <= 1e-14 * fabs(a[j * n + j]))
            return 0;
        L[j * n + j] = sqrt(dsum);
        for (i = j + 1; i < n; i++) {
            double v = a[i * n + j];
            for (k = 0; k < j; k++)
                v -= L[i * n + k] * L[j * n + k];
            L[i * n + j] = v / L[j * n + j];
        }
        for (i = 0; i < j; i++)
            L[i * n + j] = 0.0;
    }
    /* Li = L^-1 (lower triangular) */
    for (j = 0; j < n; j++) {
        for (i = 0; i < n; i++)
            Li[i * n + j] = 0.0;
        Li[j * n + j] = 1.0 / L[j * n + j];
        for (i = j + 1; i < n; i++) {
            double v = 0.0;
            for (k = j; k < i; k++)
                v -= L[i * n + k] * Li[k * n + j];
            Li[i * n + j] = v / L[i * n + i];
        }
    }
    /* inv = Li' Li */
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++) {
            double v = 0.0;
            int k0 = i > j ? i : j;
            for (k = k0; k < n; k++)
                v += Li[k * n + i] * Li[k * n + j];
            inv[i * n + j] = v;
        }
    return 1;
}

/* Eigen-decomposition of a symmetric n × n matrix by cyclic Jacobi rotations:
   eigenvalues in ev, eigenvectors in the columns of V (row-major). */
static void sym_eigen(const double *a, int n, double *ev, double *V)
{
    double A[OPT_NMAX * OPT_NMAX];
    int i, j, k, sweep;
    for (i = 0; i < n * n; i++)
        A[i] = a[i];
    for (i = 0; i < n; i++)
        for (j = 0; j < n; j++)
            V[i * n + j] = i == j ? 1.0 : 0.0;
    for (sweep = 0; sweep < 50; sweep++) {
        double off = 0.0;
        for (i = 0; i < n; i++)
            for (j = i + 1; j < n; j++)
                off += A[i * n + j] * A[i * n + j];
        if (!(off > 0.0))
            break;
        for (i = 0; i < n; i++)
            for (j = i + 1; j < n; j++) {
                double apq = A[i * n + j], theta, t, c, sn;
                if (fabs(apq) <= 0.0)
                    continue;
                theta = (A[j * n + j] - A[i * n + i]) / (2.0 * apq);
                t = (theta >= 0.0 ? 1.0 : -1.0) / (fabs(theta) + sqrt(theta * theta + 1.0));
                c = 1.0 / sqrt(t * t + 1.0);
                sn = t * c;
                for (k = 0; k < n; k++) { /* A ← A J (columns i, j) */
                    double aki = A[k * n + i], akj = A[k * n + j];
                    A[k * n + i] = c * aki - sn * akj;
                    A[k * n + j] = sn * aki + c * akj;
                }
                for (k = 0; k < n; k++) { /* A ← J' A (rows i, j) */
                    double aik = A[i * n + k], ajk = A[j * n + k];
                    A[i * n + k] = c * aik - sn * ajk;
                    A[j * n + k] = sn * aik + c * ajk;
                }
                for (k = 0; k < n; k++) {
                    double vki = V[k * n + i], vkj = V[k * n + j];
                    V[k * n + i] = c * vki - sn * vkj;
                    V[k * n + j] = sn * vki + c * vkj;
                }
            }
    }
    for (i = 0; i < n; i++)
        ev[i] = A[i * n + i];
}

int cva__bnd_probe(cva__objective_fn f, void *ctx, const double *theta, int n, const double *hess, double f_star,
                   double gain, double info_min, double theta_max, unsigned *mask, unsigned *upper,
                   uint64_t *evals, double *best_theta, double *best_f)
{
    static const double steps[2] = {2.0, 4.0};
    double ev[OPT_NMAX], V[OPT_NMAX * OPT_NMAX], xt[OPT_NMAX], gt[OPT_NMAX];
    int e, i, k, sign;
    *mask = *upper = 0;
    if (best_f)
        *best_f = f_star;
    if (best_theta)
        for (i = 0; i < n && i < OPT_NMAX; i++)
            best_theta[i] = theta[i];
    if (n < 1 || n > OPT_NMAX || !(gain > 0.0))
        return 0;
    sym_eigen(hess, n, ev, V);
    for (e = 0; e < n; e++) {
        double vmax = 0.0, f_best = HUGE_VAL;
        int best = 0;
        if (ev[e] > info_min) /* identified direction */
            continue;
        for (i = 0; i < n; i++)
            if (fabs(V[i * n + e]) > vmax)
                vmax = fabs(V[i * n + e]);
        for (sign = -1; sign <= 1; sign += 2) {
            int flat = 1;
            double ft = HUGE_VAL;
            for (k = 0; k < 2 && flat; k++) {
                for (i = 0; i < n; i++) {
                    xt[i] = theta[i] + sign * steps[k] * V[i * n + e];
                    if (fabs(xt[i]) > theta_max + steps[1])
                        flat = 0;
                }
                if (!flat)
                    break;
                ft = f(ctx, xt, gt);
                (*evals)++;
                if (!(ft <= f_star + gain)) /* rises (or not finite): bounded this way */
                    flat = 0;
                else if (best_f && ft < *best_f) { /* the lowest point seen */
                    *best_f = ft;
                    if (best_theta)
                        for (i = 0; i < n; i++)
                            best_theta[i] = xt[i];
                }
            }
            if (flat && ft < f_best) { /* flat this way; keep the side that goes lower */
                best = sign;
                f_best = ft;
            }
        }
        if (!best)
            continue;
        for (i = 0; i < n; i++)
            if (fabs(V[i * n + e]) >= 0.25 * vmax) {
                *mask |= 1u << i;
                if (best * V[i * n + e] > 0.0)
                    *upper |= 1u << i;
            }
    }
    return *mask != 0;
}

