/*
 * Fuzz target: the loyalty-ladder projection (cva_ladder_project) and the
 * retention what-if (cva_whatif).
 * SPDX-License-Identifier: MIT
 *
 * The bytes decode to a transition matrix (1..10 states, or out of range;
 * rows normalised to be stochastic, or left as decoded: negative, NaN, not
 * summing to 1, all NaN), an initial distribution, steps, values and a
 * discount; and to what-if inputs (every field possibly NaN, Inf, negative or
 * out of range) with a possibly wrong struct size.
 * Invariants:
 *  - an error leaves the outputs untouched (poison-filled; the what-if result
 *    except its struct_size);
 *  - ladder: with stochastic rows every trajectory row keeps the initial mass
 *    (relative 1e-9) and stays >= 0; the total value is NaN exactly without values;
 *  - what-if: the result's identities hold (delta_clv = clv_new − clv_base,
 *    ce = N · clv, churned = N (1 − r), spend avoided = base − new) and the new
 *    retention is in [0, 1].
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cva/cva.h"
#include "fuzz_common.h"

#define MAXS 10
#define MAXSTEPS 12

static void ladder(fz *f)
{
    unsigned mode = fz_u8(f);
    size_t ns = fz_range(f, 0, MAXS + 1), i, j, k;
    uint32_t steps = (uint32_t)fz_range(f, 0, MAXSTEPS);
    double tr[(MAXS + 1) * (MAXS + 1)], pi0[MAXS + 1], val[(MAXSTEPS + 1) * (MAXS + 1)], disc, tot;
    double traj[(MAXSTEPS + 1) * (MAXS + 1) + 2], mass = 0;
    int stochastic = !(mode & 1);
    cva_status st;
    for (i = 0; i < ns; i++) {
        double s = 0;
        for (j = 0; j < ns; j++) {
            double v = stochastic ? (double)(fz_u8(f) % 8) : fz_double(f);
            tr[i * ns + j] = v;
            s += v;
        }
        if (stochastic) {
            if (s == 0) {
                tr[i * ns + i] = 1;
                s = 1;
            }
            for (j = 0; j < ns; j++)
                tr[i * ns + j] /= s;
        }
        pi0[i] = (mode & 2) ? fz_double(f) : (double)(fz_u8(f) % 50);
        mass += pi0[i];
    }
    for (i = 0; i < (size_t)(steps + 1) * ns; i++)
        val[i] = (mode & 4) ? fz_double(f) : (double)(int)(fz_u8(f) % 20) - 5.0;
    disc = (mode & 8) ? fz_double(f) : (double)(fz_u8(f) % 30) / 100.0;
    fz_poison(traj, sizeof traj);
    tot = 12345.0;
    st = cva_ladder_project(tr, ns, pi0, steps, (mode & 16) ? NULL : val, disc, traj, &tot, NULL);
    if (st < 0) {
        FZ_CHECK(fz_poisoned(traj, sizeof traj) && tot == 12345.0, "ladder outputs written on error %d", (int)st);
        return;
    }
    FZ_CHECK(fz_poisoned(traj + (size_t)(steps + 1) * ns, 2 * sizeof traj[0]), "trajectory written past its end");
    if (!(mode & 16) && isnan(tot)) {
        for (i = 0; i < ns; i++)
            fprintf(stderr, "pi0[%zu] = %.17g\n", i, pi0[i]);
        for (i = 0; i < (size_t)(steps + 1) * ns; i++)
            fprintf(stderr, "value[%zu] = %.17g\n", i, val[i]);
        fprintf(stderr, "discount %.17g, status %d\n", disc, (int)st);
    }
    FZ_CHECK((mode & 16) ? isnan(tot) : !isnan(tot), "total value %g (values given: %d)", tot, !(mode & 16));
    if (stochastic && st == CVA_OK && isfinite(mass) && mass < 1e250) {
        for (k = 0; k <= steps; k++) {
            double s = 0;
            for (i = 0; i < ns; i++) {
                FZ_CHECK(traj[k * ns + i] >= -1e-12 * (1 + mass), "negative mass %g", traj[k * ns + i]);
                s += traj[k * ns + i];
            }
            FZ_CHECK(fabs(s - mass) <= 1e-9 * (1 + fabs(mass)), "step %zu mass %.17g, initial %.17g", k, s, mass);
        }
    }
}

static void whatif(fz *f)
{
    struct {
        cva_whatif_inputs in;
        unsigned char newer[16];
    } big;
    cva_whatif_result r;
    cva_status st;
    unsigned mode = fz_u8(f);
    memset(&big, 0, sizeof big);
    cva_whatif_inputs_init_defaults(&big.in, sizeof big.in);
    big.in.customers = (mode & 1) ? fz_double(f) : (double)(fz_u8(f) * 10u);
    big.in.margin = fz_double(f);
    big.in.retention = (mode & 2) ? fz_double(f) : (double)(fz_u8(f) % 101) / 100.0;
    if (mode & 4)
        big.in.discount = fz_double(f);
    if (mode & 8)
        big.in.margin_growth = fz_double(f);
    big.in.delta_retention = (mode & 16) ? fz_double(f) : (double)((int)(fz_u8(f) % 21) - 10) / 100.0;
    if (mode & 32) {
        big.in.retention_cost = fz_double(f);
        big.in.delta_retention_cost = fz_double(f);
        big.in.acquisition_cost = fz_double(f);
        big.in.new_customers = fz_double(f);
        big.in.budget_share_target = fz_double(f);
    }
    big.in.timing = (int32_t)(fz_u8(f) % 4);
    big.in.horizon = (int32_t)(fz_u8(f) % 8) - 1;
    big.in.delta_mode = (int32_t)(fz_u8(f) % 3);
    if ((mode & 0xC0) == 0x40)
        big.in.struct_size = (uint32_t)(sizeof big.in + 8);
    cva_whatif_result_init(&r, sizeof r);
    fz_poison((char *)&r + sizeof r.struct_size, sizeof r - sizeof r.struct_size);
    st = cva_whatif(&big.in, &r, NULL);
    if (st < 0) {
        FZ_CHECK(fz_poisoned((char *)&r + sizeof r.struct_size, sizeof r - sizeof r.struct_size),
                 "what-if result written on error %d", (int)st);
        return;
    }
    FZ_CHECK(r.retention_new >= 0 && r.retention_new <= 1, "new retention %.17g", r.retention_new);
    if (isfinite(r.clv_new) && isfinite(r.clv_base) && fabs(r.clv_new) < 1e250 && fabs(r.clv_base) < 1e250)
        FZ_CHECK(fz_close(r.delta_clv, r.clv_new - r.clv_base, fabs(r.clv_new) + fabs(r.clv_base)),
                 "delta_clv %.17g vs %.17g", r.delta_clv, r.clv_new - r.clv_base);
    if (isfinite(r.ce_base) && fabs(big.in.customers * r.clv_base) < 1e250)
        FZ_CHECK(fz_close(r.ce_base, big.in.customers * r.clv_base, fabs(r.ce_base)), "ce_base %.17g", r.ce_base);
    if (isfinite(big.in.customers) && big.in.customers < 1e250)
        FZ_CHECK(fz_close(r.churned_base, big.in.customers * (1 - big.in.retention), big.in.customers), "churned_base %.17g",
                 r.churned_base);
    if (isfinite(r.acquisition_spend_base) && isfinite(r.acquisition_spend_new) &&
        fabs(r.acquisition_spend_base) < 1e250 && fabs(r.acquisition_spend_new) < 1e250)
        FZ_CHECK(fz_close(r.acquisition_spend_avoided, r.acquisition_spend_base - r.acquisition_spend_new,
                          fabs(r.acquisition_spend_base) + fabs(r.acquisition_spend_new)),
                 "spend avoided %.17g", r.acquisition_spend_avoided);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fz f;
    fz_init(&f, data, size);
    if (fz_u8(&f) & 1) {
        ladder(&f);
        whatif(&f);
    } else {
        whatif(&f);
        ladder(&f);
    }
    return 0;
}
