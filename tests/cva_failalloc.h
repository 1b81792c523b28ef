/*
 * Shared allocation-failure helpers for the cmocka tests: an allocator hook
 * that counts calls and live blocks and fails the fail_at-th allocation, and a
 * walker that fails every allocation of one call in turn (issue [12]).
 * Include after cva_test.h.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_FAILALLOC_H
#define CVA_FAILALLOC_H

#include "cva_test.h"

/* Hook state: calls counts every alloc call, live the blocks not yet freed;
   the fail_at-th call (1-based) returns NULL, 0 fails none. */
typedef struct cva_fa_hook {
    long calls, fail_at, live;
} cva_fa_hook;

static inline void *cva_fa_alloc(void *user, size_t size)
{
    cva_fa_hook *h = (cva_fa_hook *)user;
    h->calls++;
    if (h->calls == h->fail_at)
        return NULL;
    h->live++;
    return malloc(size ? size : 1);
}

static inline void cva_fa_free(void *user, void *p)
{
    cva_fa_hook *h = (cva_fa_hook *)user;
    if (p)
        h->live--;
    free(p);
}

/* An allocator on hook h. */
static inline cva_allocator cva_fa_allocator(cva_fa_hook *h)
{
    cva_allocator a;
    a.alloc = cva_fa_alloc;
    a.free = cva_fa_free;
    a.user = h;
    return a;
}

/* One caller-owned output region checked by the walker. */
typedef struct cva_fa_region {
    void *p;
    size_t bytes;
} cva_fa_region;

/* The call under test: ctx holds its inputs, outputs and an allocator on the hook. */
typedef cva_status (*cva_fa_fn)(void *ctx);

#define CVA_FA_SENTINEL 0xA5
/* What a call may do when an allocation fails: only CVA_E_NOMEM, or (documented
   fallback to a path that needs less memory) the unfailed result. */
enum { CVA_FA_NOMEM = 0, CVA_FA_FALLBACK = 1 };

static inline void cva_fa_fill_(const cva_fa_region *out, size_t n_out)
{
    size_t j;
    for (j = 0; j < n_out; j++)
        if (out[j].p)
            memset(out[j].p, CVA_FA_SENTINEL, out[j].bytes);
}

/*
 * Run fn once with no failure (N allocations, status >= 0, no live block), then
 * for k = 1..N fail the k-th allocation: the status must be CVA_E_NOMEM with every
 * output region still the sentinel pattern, or (mode CVA_FA_FALLBACK) the unfailed
 * status and outputs; live blocks must be 0 after every call. Returns N and
 * records how many calls failed with CVA_E_NOMEM in *n_nomem (may be NULL).
 */
#define cva_fa_walk(name, fn, ctx, hook, out, n_out, mode, n_nomem) \
    cva_fa_walk_((name), (fn), (ctx), (hook), (out), (n_out), (mode), (n_nomem), __FILE__, __LINE__)

static inline long cva_fa_walk_(const char *name, cva_fa_fn fn, void *ctx, cva_fa_hook *h,
                                const cva_fa_region *out, size_t n_out, int mode, long *n_nomem,
                                const char *file, int line)
{
    unsigned char *ref[16];
    cva_status st_ref, st;
    long k, total, nomem = 0;
    size_t j, b;
    if (n_out > 16) {
        print_error("%s:%d: %s: too many regions\n", file, line, name);
        _fail(file, line);
    }
    cva_fa_fill_(out, n_out);
    h->calls = h->fail_at = h->live = 0;
    st_ref = fn(ctx);
    if (st_ref < 0 || h->live != 0) {
        print_error("%s:%d: %s: unfailed call returned %s, %ld live blocks\n", file, line, name,
                    cva_status_name(st_ref), h->live);
        _fail(file, line);
    }
    total = h->calls;
    for (j = 0; j < n_out; j++) {
        ref[j] = (unsigned char *)malloc(out[j].bytes ? out[j].bytes : 1);
        assert_non_null(ref[j]);
        if (out[j].p)
            memcpy(ref[j], out[j].p, out[j].bytes);
    }
    for (k = 1; k <= total; k++) {
        cva_fa_fill_(out, n_out);
        h->calls = h->live = 0;
        h->fail_at = k;
        st = fn(ctx);
        if (h->live != 0) {
            print_error("%s:%d: %s: allocation %ld/%ld failed: %ld blocks leaked (status %s)\n", file,
                        line, name, k, total, h->live, cva_status_name(st));
            _fail(file, line);
        }
        if (st == CVA_E_NOMEM) {
            nomem++;
            for (j = 0; j < n_out; j++) {
                const unsigned char *p = (const unsigned char *)out[j].p;
                for (b = 0; p && b < out[j].bytes; b++)
                    if (p[b] != CVA_FA_SENTINEL) {
                        print_error("%s:%d: %s: allocation %ld/%ld failed: CVA_E_NOMEM but output %zu "
                                    "written at byte %zu\n",
                                    file, line, name, k, total, j, b);
                        _fail(file, line);
                    }
            }
            continue;
        }
        if (mode != CVA_FA_FALLBACK || st != st_ref) {
            print_error("%s:%d: %s: allocation %ld/%ld failed: status %s, expected CVA_E_NOMEM%s\n", file,
                        line, name, k, total, cva_status_name(st),
                        mode == CVA_FA_FALLBACK ? " or the unfailed status" : "");
            _fail(file, line);
        }
        for (j = 0; j < n_out; j++)
            if (out[j].p && memcmp(out[j].p, ref[j], out[j].bytes) != 0) {
                print_error("%s:%d: %s: allocation %ld/%ld failed: fallback output %zu differs\n", file,
                            line, name, k, total, j);
                _fail(file, line);
            }
    }
    for (j = 0; j < n_out; j++)
        free(ref[j]);
    h->fail_at = 0;
    if (n_nomem)
        *n_nomem = nomem;
    return total;
}

#endif /* CVA_FAILALLOC_H */
