/*
 * libcva — status table, version, diagnostics, struct sizes, allocation.
 * SPDX-License-Identifier: MIT
 */
#include <stdlib.h>

#include "cva_internal.h"

const char *cva_strerror(int status)
{
    switch (status) {
#define CVA_STATUS_MSG_(name, value, msg) \
    case value:                           \
        return msg;
        CVA_STATUS_MAP(CVA_STATUS_MSG_)
#undef CVA_STATUS_MSG_
    default:
        return "unknown status";
    }
}

const char *cva_status_name(int status)
{
    switch (status) {
#define CVA_STATUS_NAME_(name, value, msg) \
    case value:                            \
        return #name;
        CVA_STATUS_MAP(CVA_STATUS_NAME_)
#undef CVA_STATUS_NAME_
    default:
        return "CVA_UNKNOWN";
    }
}

uint32_t cva_version_number(void)
{
    return (uint32_t)CVA_VERSION_NUMBER;
}

const char *cva_version_string(void)
{
    return CVA_VERSION_STRING;
}

cva_status cva_diag_init(cva_diag *diag, size_t struct_size)
{
    if (!diag)
        return CVA_E_NULLPTR;
    if (struct_size != sizeof(cva_diag))
        return CVA_E_ABI_MISMATCH;
    memset(diag, 0, sizeof *diag);
    diag->struct_size = (uint32_t)sizeof *diag;
    diag->index = -1;
    diag->detail = "";
    return CVA_OK;
}

cva_status cva__report(cva_diag *diag, cva_status st, int32_t arg, int32_t option, int64_t index,
                       uint64_t count, const char *detail)
{
    if (diag && diag->struct_size == sizeof(cva_diag)) {
        diag->status = st;
        diag->arg = arg;
        diag->option = option;
        diag->index = index;
        diag->count = count;
        diag->detail = detail ? detail : cva_strerror(st);
    }
    return st;
}

size_t cva_sizeof(int32_t struct_id)
{
    switch (struct_id) {
    case CVA_STRUCT_DIAG:
        return sizeof(cva_diag);
    case CVA_STRUCT_ALLOCATOR:
        return sizeof(cva_allocator);
    case CVA_STRUCT_EXECUTOR:
        return sizeof(cva_executor);
    case CVA_STRUCT_TXN_INPUT:
        return sizeof(cva_txn_input);
    case CVA_STRUCT_TXN_OPTS:
        return sizeof(cva_txn_opts);
    case CVA_STRUCT_TXN_SUMMARY:
        return sizeof(cva_txn_summary);
    case CVA_STRUCT_SIM_OPTS:
        return sizeof(cva_sim_opts);
    case CVA_STRUCT_RFM_OPTS:
        return sizeof(cva_rfm_opts);
    case CVA_STRUCT_RFM_CUTS:
        return sizeof(cva_rfm_cuts);
    case CVA_STRUCT_RFM_RULE:
        return sizeof(cva_rfm_rule);
    case CVA_STRUCT_RFM_SEGMENT_STAT:
        return sizeof(cva_rfm_segment_stat);
    case CVA_STRUCT_FIT_OPTS:
        return sizeof(cva_fit_opts);
    case CVA_STRUCT_MODEL_FIT:
        return sizeof(cva_model_fit);
    case CVA_STRUCT_CLV_OPTS:
        return sizeof(cva_clv_opts);
    case CVA_STRUCT_PREDICT_OPTS:
        return sizeof(cva_predict_opts);
    case CVA_STRUCT_COHORT_TABLE:
        return sizeof(cva_cohort_table);
    case CVA_STRUCT_CLV_TERMS:
        return sizeof(cva_clv_terms);
    case CVA_STRUCT_WHATIF_INPUTS:
        return sizeof(cva_whatif_inputs);
    case CVA_STRUCT_WHATIF_RESULT:
        return sizeof(cva_whatif_result);
    case CVA_STRUCT_CHURN_FLAG_OPTS:
        return sizeof(cva_churn_flag_opts);
    case CVA_STRUCT_WHATIF_MODEL_OPTS:
        return sizeof(cva_whatif_model_opts);
    case CVA_STRUCT_WHATIF_MODEL_RESULT:
        return sizeof(cva_whatif_model_result);
    case CVA_STRUCT_LADDER_OPTS:
        return sizeof(cva_ladder_opts);
    case CVA_STRUCT_LADDER_INPUT:
        return sizeof(cva_ladder_input);
    case CVA_STRUCT_LADDER_MIGRATION_INPUT:
        return sizeof(cva_ladder_migration_input);
    case CVA_STRUCT_LADDER_MIGRATION:
        return sizeof(cva_ladder_migration);
    case CVA_STRUCT_COV_OPTS:
        return sizeof(cva_cov_opts);
    case CVA_STRUCT_COV_FIT:
        return sizeof(cva_cov_fit);
    case CVA_STRUCT_TIERS_OPTS:
        return sizeof(cva_tiers_opts);
    case CVA_STRUCT_WHALE_STATS:
        return sizeof(cva_whale_stats);
    case CVA_STRUCT_PROFIT_DIAG:
        return sizeof(cva_profit_diag);
    case CVA_STRUCT_TIER_STAT:
        return sizeof(cva_tier_stat);
    case CVA_STRUCT_LOGLIK_BLOCK:
        return sizeof(cva_loglik_block);
    default:
        return 0;
    }
}

cva_status cva__copy_sized(void *dst, size_t dst_size, const void *src, size_t min_size)
{
    uint32_t given;
    memcpy(&given, src, sizeof given);
    if (given < min_size)
        return CVA_E_ABI_MISMATCH;
    if (given > dst_size) {
        const unsigned char *tail = (const unsigned char *)src + dst_size;
        size_t i;
        for (i = 0; i < given - dst_size; i++)
            if (tail[i] != 0)
                return CVA_E_ABI_MISMATCH;
        given = (uint32_t)dst_size;
    }
    memcpy(dst, src, given);
    ((uint32_t *)dst)[0] = (uint32_t)dst_size;
    return CVA_OK;
}

void *cva__alloc(const cva_allocator *a, size_t size)
{
    if (size == 0)
        size = 1;
    if (a && a->alloc)
        return a->alloc(a->user, size);
    return malloc(size);
}

void cva__free(const cva_allocator *a, void *p)
{
    if (!p)
        return;
    if (a && a->free)
        a->free(a->user, p);
    else
        free(p);
}
