/*
 * The experimental gate, opened late (zstd's pattern): the headers are
 * included once without CVA_EXPERIMENTAL_API, then again with it, and the
 * gated declarations appear and work. Its twin test_gate_off.c keeps the gate
 * closed.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "cva/cva.h"

#if defined(CVA_COMMON_H_EXPERIMENTAL) || defined(CVA_RFM_H_EXPERIMENTAL)
#error "the experimental sections opened without CVA_EXPERIMENTAL_API"
#endif

#define CVA_EXPERIMENTAL_API
#include "cva/cva.h"

#if !defined(CVA_COMMON_H_EXPERIMENTAL) || !defined(CVA_RFM_H_EXPERIMENTAL)
#error "a second include with CVA_EXPERIMENTAL_API must open the experimental sections"
#endif

int main(void)
{
    static const uint32_t nt[5] = {1, 0, 2, 1, 3};
    static const double amt[5] = {10, 0, 30, 20, 30};
    static const double v[6] = {3, 1, 4, 1, 5, 9};
    int32_t f1[5], f2[5], s_auto[6], s_scalar[6];
    enum cva_kernel k = CVA_KERNEL_SCALAR;
    cva_rfm_cuts c1, c2;
    cva_diag d;
    int bad = 0, i;
    if (CVA_KERNEL_AUTO != 0 || k != 1) {
        fprintf(stderr, "kernel ids changed\n");
        bad = 1;
    }
    /* the experimental variant gives the stable function's flags (ties: array order) */
    cva_diag_init(&d, sizeof d);
    if (cva_rfm_high_influence(nt, amt, 5, 0.5, f1, NULL) != CVA_OK ||
        cva_rfm_high_influence_advanced(nt, amt, 5, 0.5, f2, NULL, &d) != CVA_OK ||
        memcmp(f1, f2, sizeof f1) != 0 || f2[0] != 0 || f2[1] != 0 || f2[2] != 1 || f2[3] != 0 || f2[4] != 1) {
        fprintf(stderr, "cva_rfm_high_influence_advanced differs from cva_rfm_high_influence\n");
        bad = 1;
    }
    /* both kernels give the same scores */
    memset(&c1, 0, sizeof c1);
    c1.struct_size = sizeof c1;
    if (cva_rfm_cuts_compute(v, 6, CVA_RFM_ASCENDING, NULL, CVA_RFM_COL_FREQUENCY, &c1, NULL, 0, NULL) < 0) {
        fprintf(stderr, "cva_rfm_cuts_compute failed\n");
        return 1;
    }
    c2 = c1;
    if (cva_rfm_assign(v, 0, 6, &c1, CVA_KERNEL_AUTO, s_auto, NULL) != CVA_OK ||
        cva_rfm_assign(v, 0, 6, &c2, CVA_KERNEL_SCALAR, s_scalar, NULL) != CVA_OK ||
        memcmp(s_auto, s_scalar, sizeof s_auto) != 0) {
        fprintf(stderr, "the kernels disagree\n");
        bad = 1;
    }
    for (i = 0; i < 6; i++)
        if (s_auto[i] < 1 || s_auto[i] > 5)
            bad = 1;
    if (!bad)
        printf("gate opened by a second include: the experimental declarations are visible and work\n");
    return bad;
}
