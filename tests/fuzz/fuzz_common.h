/*
 * Shared helpers of the fuzz targets (tests/fuzz/fuzz_*.c): a reader that
 * decodes structured values from the fuzz bytes, invariant checks that abort
 * (so libFuzzer and the replay driver report them), and the poison fill used
 * to check that a failed call leaves its outputs untouched.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_FUZZ_COMMON_H
#define CVA_FUZZ_COMMON_H

#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/** Abort with a message when an invariant does not hold. */
#define FZ_CHECK(cond, ...)                                                                                  \
    do {                                                                                                     \
        if (!(cond)) {                                                                                       \
            fprintf(stderr, "fuzz invariant failed at %s:%d: %s: ", __FILE__, __LINE__, #cond);            \
            fprintf(stderr, __VA_ARGS__);                                                                    \
            fputc('\n', stderr);                                                                             \
            abort();                                                                                         \
        }                                                                                                    \
    } while (0)

/** The fuzz bytes as a stream; reads past the end give zeros. */
typedef struct fz {
    const uint8_t *p;
    size_t n, i;
} fz;

static inline void fz_init(fz *f, const uint8_t *data, size_t size)
{
    f->p = data;
    f->n = size;
    f->i = 0;
}

static inline unsigned fz_u8(fz *f)
{
    return f->i < f->n ? f->p[f->i++] : 0u;
}

static inline uint32_t fz_u32(fz *f)
{
    uint32_t v = 0;
    int k;
    for (k = 0; k < 4; k++)
        v = (v << 8) | (uint32_t)fz_u8(f);
    return v;
}

static inline uint64_t fz_u64(fz *f)
{
    return ((uint64_t)fz_u32(f) << 32) | fz_u32(f);
}

/** A size in [lo, hi]. */
static inline size_t fz_range(fz *f, size_t lo, size_t hi)
{
    uint32_t v = hi - lo > 255 ? fz_u32(f) : fz_u8(f);
    return lo + (size_t)v % (hi - lo + 1);
}

static inline size_t fz_left(const fz *f)
{
    return f->n - f->i;
}

/**
 * A double: mostly small "ordinary" values (integers and halves/hundredths, both
 * signs), sometimes a special: NaN, ±Inf, ±0, DBL_MAX, DBL_MIN, a subnormal,
 * ±1e300, 1e-300, or raw bits.
 */
static inline double fz_double(fz *f)
{
    unsigned sel = fz_u8(f);
    if (sel < 16) {
        switch (sel) {
        case 0: return (double)NAN;
        case 1: return (double)INFINITY;
        case 2: return -(double)INFINITY;
        case 3: return -0.0;
        case 4: return DBL_MAX;
        case 5: return -DBL_MAX;
        case 6: return DBL_MIN;
        case 7: return 4.9406564584124654e-324;
        case 8: return 1e300;
        case 9: return -1e300;
        case 10: return 1e-300;
        case 11: return 1e15 + 0.5;
        case 12: return 0.1;
        case 13: return 1.0 / 3.0;
        case 14: {
            uint64_t b = fz_u64(f);
            double d;
            memcpy(&d, &b, sizeof d);
            return d;
        }
        default: return 0.0;
        }
    }
    {
        int v = (int)fz_u8(f) - 64; /* -64..191 */
        unsigned frac = sel & 3;
        double d = (double)v;
        if (frac == 1)
            d += 0.5;
        else if (frac == 2)
            d += (double)(sel >> 2) / 100.0;
        return sel >= 240 ? -d : d;
    }
}

/** A double that is finite and >= 0 (for times, counts). Mostly small. */
static inline double fz_nonneg(fz *f)
{
    double d = fz_double(f);
    if (!isfinite(d))
        return 0.0;
    return fabs(d);
}

/** An int64 id: mostly from a small pool (duplicates), sometimes an extreme. */
static inline int64_t fz_id(fz *f)
{
    unsigned sel = fz_u8(f);
    if (sel < 8) {
        static const int64_t ext[] = {INT64_MIN, INT64_MAX, INT64_MIN + 1, INT64_MAX - 1, -1, 0, 1, (int64_t)1 << 40};
        return ext[sel];
    }
    if (sel < 12)
        return (int64_t)fz_u64(f);
    return (int64_t)(sel % 24) - 4;
}

/** Fill @p n bytes with the poison byte 0xA5. */
static inline void fz_poison(void *p, size_t n)
{
    if (p)
        memset(p, 0xA5, n);
}

/** 1 if all @p n bytes at @p p are the poison byte (or p is NULL). */
static inline int fz_poisoned(const void *p, size_t n)
{
    const unsigned char *c = (const unsigned char *)p;
    size_t i;
    if (!p)
        return 1;
    for (i = 0; i < n; i++)
        if (c[i] != 0xA5)
            return 0;
    return 1;
}

/** Relative closeness for sums computed in another order. */
static inline int fz_close(double a, double b, double scale)
{
    if (isnan(a) || isnan(b))
        return isnan(a) && isnan(b);
    if (isinf(a) || isinf(b))
        return !(a < b) && !(a > b); /* the same infinity */
    return fabs(a - b) <= 1e-9 * (scale + fabs(a) + fabs(b)) + 1e-300;
}

#endif /* CVA_FUZZ_COMMON_H */
