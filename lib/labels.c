/*
 * libcva — the label registry: one name per label code of every module.
 * SPDX-License-Identifier: MIT
 *
 * The code ranges and every code are declared in cva/common.h (group
 * "labels"); this file only names them. A module that adds codes adds its
 * names to the table of its range here.
 */
#include "cva_internal.h"

/* RFM segments, codes 0..12 (index = code). */
static const char *const rfm_names[] = {
    "None", "Others", "Champions", "Loyal Customers", "Potential Loyalist", "New Customers",
    "Promising", "Need Attention", "About To Sleep", "At Risk", "Can't Lose Them", "Hibernating",
    "Lost",
};

/* Value tiers: classes 100..103, grades 110..112, pyramid 120..123. */
typedef struct label_name {
    int32_t code;
    const char *name;
} label_name;

static const label_name tier_names[] = {
    {CVA_TIER_BZ, "BZ"},
    {CVA_TIER_MVC, "MVC"},
    {CVA_TIER_MGC, "MGC"},
    {CVA_TIER_OTHER, "OTHER"},
    {CVA_TIER_KEY, "KEY"},
    {CVA_TIER_ORDINARY, "ORDINARY"},
    {CVA_TIER_SMALL, "SMALL"},
    {CVA_TIER_PLATINUM, "PLATINUM"},
    {CVA_TIER_GOLD, "GOLD"},
    {CVA_TIER_IRON, "IRON"},
    {CVA_TIER_LEAD, "LEAD"},
};

/* Loyalty-ladder rungs, codes 200..206 (index = code - 200). */
static const char *const ladder_names[] = {
    "PROSPECT", "CUSTOMER", "CLIENT", "SUPPORTER", "ADVOCATE", "PARTNER", "LAPSED",
};

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

const char *cva_label(int32_t code)
{
    size_t i;
    if (code >= CVA_LABEL_NONE && code <= CVA_RFM_SEG_LOST)
        return rfm_names[code];
    if (code >= CVA_LABEL_TIER_FIRST && code <= CVA_LABEL_TIER_LAST) {
        for (i = 0; i < N_OF(tier_names); i++)
            if (tier_names[i].code == code)
                return tier_names[i].name;
        return "";
    }
    if (code >= CVA_LADDER_PROSPECT && code <= CVA_LADDER_LAPSED)
        return ladder_names[code - CVA_LADDER_PROSPECT];
    return "";
}
