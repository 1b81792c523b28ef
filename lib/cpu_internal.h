/*
 * libcva — internal: run-time CPU-feature probing (lib/cpu.c), the one place
 * a module asks which instruction sets the machine has before choosing a
 * kernel. Not installed.
 * SPDX-License-Identifier: MIT
 */
#ifndef CVA_CPU_INTERNAL_H
#define CVA_CPU_INTERNAL_H

/*
 * Each returns 1 when the running CPU (and the compiler's probe) has the
 * feature, else 0; always 0 where the compiler cannot probe (non-x86, other
 * compilers). Nothing is cached (no global state): a probe reads the
 * compiler runtime's CPU model, so callers choose once per call, not per
 * block.
 *   cva__cpu_avx2()    AVX2
 *   cva__cpu_avx512()  AVX-512 F, BW, DQ and VL together (what the AVX-512
 *                      kernels of rfm_kernels.c use)
 */
int cva__cpu_avx2(void);
int cva__cpu_avx512(void);

#endif /* CVA_CPU_INTERNAL_H */
