/*
 * libcva — local pseudo-random numbers (no global state).
 *
 * xoshiro256** (Blackman & Vigna 2018) seeded through splitmix64; gamma
 * variates by Marsaglia & Tsang (2000) with the U^(1/shape) boost for
 * shape < 1; normals by the Marsaglia polar method (both values of a pair
 * are not cached, so each call consumes its own draws and the stream has no
 * hidden state).
 * SPDX-License-Identifier: MIT
 */
#include <math.h>

#include "cva_internal.h"

uint64_t cva__splitmix64(uint64_t *state)
{
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

void cva__rng_seed(cva__rng *r, uint64_t seed)
{
    uint64_t st = seed;
    int i;
    for (i = 0; i < 4; i++)
        r->s[i] = cva__splitmix64(&st);
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

uint64_t cva__rng_next(cva__rng *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double cva__rng_uniform(cva__rng *r)
{
    /* 53 random bits, shifted by half an ulp so the result is in (0, 1). */
    return ((double)(cva__rng_next(r) >> 11) + 0.5) * 0x1.0p-53;
}

double cva__rng_exp(cva__rng *r)
{
    return -log(cva__rng_uniform(r));
}

double cva__rng_normal(cva__rng *r)
{
    for (;;) {
        double u = 2.0 * cva__rng_uniform(r) - 1.0;
        double v = 2.0 * cva__rng_uniform(r) - 1.0;
        double s = u * u + v * v;
        if (s < 1.0 && s > 0.0)
            return u * sqrt(-2.0 * log(s) / s);
    }
}

double cva__rng_gamma(cva__rng *r, double shape)
{
    double boost = 1.0, d, c;
    if (shape < 1.0) {
        /* Gamma(k) = Gamma(k + 1) * U^(1/k); done in logs to avoid underflow to 0. */
        double lb = log(cva__rng_uniform(r)) / shape;
        boost = exp(lb);
        shape += 1.0;
    }
    d = shape - 1.0 / 3.0;
    c = 1.0 / sqrt(9.0 * d);
    for (;;) {
        double x, v, u;
        do {
            x = cva__rng_normal(r);
            v = 1.0 + c * x;
        } while (v <= 0.0);
        v = v * v * v;
        u = cva__rng_uniform(r);
        if (u < 1.0 - 0.0331 * (x * x) * (x * x))
            return d * v * boost;
        if (log(u) < 0.5 * x * x + d * (1.0 - v + log(v)))
            return d * v * boost;
    }
}

double cva__rng_beta(cva__rng *r, double a, double b)
{
    double x = cva__rng_gamma(r, a);
    double y = cva__rng_gamma(r, b);
    double s = x + y;
    if (!(s > 0.0))
        return 0.5; /* both underflowed: only for absurdly small a, b */
    return x / s;
}
