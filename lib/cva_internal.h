/*
 * libcva — internal helpers shared by lib/ sources. Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_INTERNAL_H
#define CVA_INTERNAL_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <math.h>

/* The library is built with every experimental declaration visible. */
#ifndef CVA_EXPERIMENTAL_API
#define CVA_EXPERIMENTAL_API 1
#endif
#include "cva/cva.h"

/* NAN and INFINITY have type float; these are the double constants (keeps
   -Wdouble-promotion quiet on every compiler). */
#define CVA_NAN ((double)NAN)
#define CVA_INF ((double)INFINITY)

/* Report a status through the optional diag and return it. */
cva_status cva__report(cva_diag *diag, cva_status st, int32_t arg, int32_t option, int64_t index,
                       uint64_t count, const char *detail);

/*
 * Copy a caller's size-tagged struct into a full-size local copy that already
 * holds the defaults. Accepts an older (smaller) struct: the missing tail keeps
 * its defaults. Rejects a larger struct unless its unknown tail is all zero.
 * min_size is the smallest size ever released.
 */
cva_status cva__copy_sized(void *dst, size_t dst_size, const void *src, size_t min_size);

/* Allocation through an optional per-call allocator. */
void *cva__alloc(const cva_allocator *a, size_t size);

/* Row counts an allocating entry point accepts: its work arrays (at most
   CVA__MAX_ROW_BYTES bytes per row in any of them) can be sized in size_t.
   Checked before the inputs are read, so an impossible n is CVA_E_OVERFLOW,
   not a read past the caller's arrays or a CVA_E_NOMEM (docs/reliability.md,
   "Scale"). */
#define CVA__MAX_ROW_BYTES 64u
#define CVA__ROWS_FIT(n) ((size_t)(n) <= SIZE_MAX / CVA__MAX_ROW_BYTES)
void cva__free(const cva_allocator *a, void *p);

/*
 * Parallel sections (lib/exec.c). cva__parallel_for runs fn(arg, i, w) for
 * every i in [0, n_tasks): on the executor when it has two or more workers and
 * there are two or more tasks, otherwise (or when the executor's run fails) on
 * the calling thread in order with worker 0. cva__workers is the number of
 * per-worker scratch slots a section needs (1 without an executor). Split work
 * by the input only, never by the worker count, so results stay bit-identical.
 */
unsigned cva__workers(const cva_executor *ex);
void cva__parallel_for(const cva_executor *ex, size_t n_tasks, cva_task_fn fn, void *arg);
/* The same, except that when the executor's run fails it returns nonzero and runs
   nothing again: for a section whose tasks change their own input in place (a
   partial run cannot simply be repeated); its caller then remakes that input and
   reruns the tasks on the calling thread. 0: every task ran once. */
int cva__parallel_try(const cva_executor *ex, size_t n_tasks, cva_task_fn fn, void *arg);

/* Index of the lowest set bit of b (b != 0): the bitset walks of select.c and cohort.c. */
static inline size_t cva__ctz64(uint64_t b)
{
#if defined(__GNUC__) || defined(__clang__)
    return (size_t)__builtin_ctzll(b);
#else
    size_t c = 0;
    while (!(b & 1u)) {
        b >>= 1;
        c++;
    }
    return c;
#endif
}

/* Neumaier (compensated) summation, used for every money total. */
typedef struct cva__ksum {
    double s;
    double c;
} cva__ksum;

static inline void cva__ksum_add(cva__ksum *k, double v)
{
    double t = k->s + v;
    if (fabs(k->s) >= fabs(v))
        k->c += (k->s - t) + v;
    else
        k->c += (v - t) + k->s;
    k->s = t;
}

static inline double cva__ksum_value(const cva__ksum *k)
{
    return k->s + k->c;
}

/* Sorting (lib/sort.c). */
#include "sort_internal.h"

/* Local PRNG: xoshiro256** seeded with splitmix64. */
typedef struct cva__rng {
    uint64_t s[4];
} cva__rng;

uint64_t cva__splitmix64(uint64_t *state);
void cva__rng_seed(cva__rng *r, uint64_t seed);
uint64_t cva__rng_next(cva__rng *r);
/* Uniform in (0, 1): never 0, never 1. */
double cva__rng_uniform(cva__rng *r);
/* Exponential with rate 1. */
double cva__rng_exp(cva__rng *r);
/* Gamma(shape, scale 1), shape > 0 (Marsaglia-Tsang with the shape < 1 boost). */
double cva__rng_gamma(cva__rng *r, double shape);
/* Standard normal (polar method without caching, so the stream is stateless). */
double cva__rng_normal(cva__rng *r);
/* Beta(a, b) via two gammas. */
double cva__rng_beta(cva__rng *r, double a, double b);

#endif /* CVA_INTERNAL_H */
