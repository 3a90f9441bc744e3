/*===- bench/peak_flops.c - FP32 FMA peak of one core --------------*- C -*-===*
 *
 * Measures the single-precision peak of the core it runs on: 12 independent
 * chains of fused multiply-adds (enough to cover FMA latency x ports on
 * current x86 cores), on 256-bit vectors (AVX2 + FMA) or, when compiled with
 * -mavx512f, 512-bit vectors. Each chain is one vector register updated by
 * `acc = acc * m + a` (an FMA: 2 FLOPs per lane). Prints the best of
 * several runs in GFLOP/s, then the vector width, on one line:
 *   "peak_flops: 101.3 GFLOP/s (ymm FMA, 12 chains, best of 200 runs)".
 * bench/common.sh compiles and runs it (pinned like the benchmarks).
 *
 *===----------------------------------------------------------------------===*/
#define _POSIX_C_SOURCE 200809L
#include <immintrin.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#ifdef __AVX512F__
typedef __m512 vec;
#define LANES 16
#define NAME "zmm"
#define SET1 _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define ADD _mm512_add_ps
#define STORE _mm512_storeu_ps
#elif defined(__AVX2__) && defined(__FMA__)
typedef __m256 vec;
#define LANES 8
#define NAME "ymm"
#define SET1 _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define ADD _mm256_add_ps
#define STORE _mm256_storeu_ps
#else
#error "peak_flops needs AVX2 and FMA, or AVX-512F"
#endif

#define CHAINS 12

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Runs `iters` rounds of CHAINS independent FMAs; returns a checksum so that
 * the work is not removed. */
static float run(long iters, float seed) {
  vec m = SET1(0.999999f), a = SET1(1e-7f);
  vec c0 = SET1(seed), c1 = SET1(seed + 1), c2 = SET1(seed + 2),
      c3 = SET1(seed + 3), c4 = SET1(seed + 4), c5 = SET1(seed + 5),
      c6 = SET1(seed + 6), c7 = SET1(seed + 7), c8 = SET1(seed + 8),
      c9 = SET1(seed + 9), c10 = SET1(seed + 10), c11 = SET1(seed + 11);
  for (long i = 0; i < iters; ++i) {
    c0 = FMA(c0, m, a);
    c1 = FMA(c1, m, a);
    c2 = FMA(c2, m, a);
    c3 = FMA(c3, m, a);
    c4 = FMA(c4, m, a);
    c5 = FMA(c5, m, a);
    c6 = FMA(c6, m, a);
    c7 = FMA(c7, m, a);
    c8 = FMA(c8, m, a);
    c9 = FMA(c9, m, a);
    c10 = FMA(c10, m, a);
    c11 = FMA(c11, m, a);
    /* keeps the compiler from merging or reordering the chains */
    __asm__ volatile(""
                     : "+x"(c0), "+x"(c1), "+x"(c2), "+x"(c3), "+x"(c4),
                       "+x"(c5), "+x"(c6), "+x"(c7), "+x"(c8), "+x"(c9),
                       "+x"(c10), "+x"(c11));
  }
  vec s = ADD(ADD(ADD(c0, c1), ADD(c2, c3)), ADD(ADD(c4, c5), ADD(c6, c7)));
  s = ADD(s, ADD(ADD(c8, c9), ADD(c10, c11)));
  float out[LANES];
  STORE(out, s);
  return out[0];
}

int main(int argc, char **argv) {
  int runs = argc > 1 ? atoi(argv[1]) : 200;
  long iters = 200000; /* ~1 ms at 100 GFLOP/s (ymm): short runs, so
                          that the best of them misses preemption */
  double best = 0;
  float sink = 0;
  run(iters / 10, 1.0f); /* warm-up: clock ramp, page faults */
  for (int r = 0; r < runs; ++r) {
    double start = now();
    sink += run(iters, (float)r);
    double seconds = now() - start;
    double gflops = 2.0 * LANES * CHAINS * (double)iters / seconds / 1e9;
    if (gflops > best)
      best = gflops;
  }
  printf("peak_flops: %.1f GFLOP/s (%s FMA, %d chains, best of %d runs)%s\n",
         best, NAME, CHAINS, runs, sink == 12345.0f ? " " : "");
  return 0;
}
