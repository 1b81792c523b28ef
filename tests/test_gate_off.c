/*
 * The experimental gate, closed: without CVA_EXPERIMENTAL_API the headers
 * declare none of the gated names (this file reuses them for unrelated
 * things, which would not compile if they were declared) and all the stable
 * ones. Its twin test_gate_on.c opens the gate.
 * SPDX-License-Identifier: MIT
 */
#include <stdio.h>
#include <string.h>

#include "cva/cva.h"

#if defined(CVA_EXPERIMENTAL_API) || defined(CVA_COMMON_H_EXPERIMENTAL) || defined(CVA_RFM_H_EXPERIMENTAL)
#error "the experimental sections must stay closed without CVA_EXPERIMENTAL_API"
#endif

/* Each of these redeclares a gated name: an error if the header declared it. */
enum cva_kernel { GATE_OFF_TAG = 5 };
enum { CVA_KERNEL_AUTO = 40, CVA_KERNEL_SCALAR = 41 };
static int cva_rfm_high_influence_advanced(int x) { return x + 1; }

int main(void)
{
    static const uint32_t nt[4] = {1, 0, 2, 1};
    static const double amt[4] = {10, 0, 30, 20};
    int32_t flag[4];
    int bad = 0;
    enum cva_kernel k = GATE_OFF_TAG;
    cva_rfm_opts o;
    /* the stable surface is all there */
    if (cva_rfm_high_influence(nt, amt, 4, 0.3, flag, NULL) != CVA_OK || flag[0] != 0 || flag[1] != 0 ||
        flag[2] != 1 || flag[3] != 0) {
        fprintf(stderr, "cva_rfm_high_influence: unexpected flags\n");
        bad = 1;
    }
    if (strcmp(cva_label(CVA_TIER_GOLD), "GOLD") != 0 || strcmp(cva_label(CVA_RFM_SEG_LOST), "Lost") != 0) {
        fprintf(stderr, "cva_label: unexpected names\n");
        bad = 1;
    }
    /* the stable value of the kernel field is 0 (the automatic choice) */
    if (cva_rfm_opts_init_defaults(&o, sizeof o) != CVA_OK || o.kernel != 0) {
        fprintf(stderr, "cva_rfm_opts::kernel default is not 0\n");
        bad = 1;
    }
    if (cva_rfm_high_influence_advanced(CVA_KERNEL_AUTO) != 41 || CVA_KERNEL_SCALAR != 41 || (int)k != 5) {
        fprintf(stderr, "the gated names were not free for reuse\n");
        bad = 1;
    }
    if (!bad)
        printf("gate closed: no experimental declaration visible, the stable ones all are\n");
    return bad;
}
