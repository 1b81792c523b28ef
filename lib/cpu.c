/*
 * libcva — run-time CPU-feature probing: which instruction sets the kernels
 * may use (see cpu_internal.h).
 * SPDX-License-Identifier: MIT
 */
#include "cpu_internal.h"

/* The same compiler conditions as the kernel variants of rfm_kernels.h. */
#if (defined(__GNUC__) || defined(__clang__)) && (defined(__x86_64__) || defined(__i386__))
#define CVA_CPU_PROBE_AVX2_ 1
#if defined(__x86_64__) && (defined(__clang__) || __GNUC__ >= 7)
#define CVA_CPU_PROBE_AVX512_ 1
#endif
#endif

int cva__cpu_avx2(void)
{
#ifdef CVA_CPU_PROBE_AVX2_
    return __builtin_cpu_supports("avx2") ? 1 : 0;
#else
    return 0;
#endif
}

int cva__cpu_avx512(void)
{
#ifdef CVA_CPU_PROBE_AVX512_
    return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
           __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
#else
    return 0;
#endif
}
