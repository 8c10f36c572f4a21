/* build.c - the facts of this training library's build that reproducing a run needs:
 * compiler, instruction sets, source commit (compiled with the kernels' own flags, so the
 * predefined macros say what the kernels were built for). */
#include "train_int.h"

#ifndef NLTC_COMMIT
#define NLTC_COMMIT "unknown"
#endif
#ifndef NLTC_TRAIN_VERSION
#define NLTC_TRAIN_VERSION "unknown"
#endif

#if defined(__clang__)
#define TR_COMPILER "clang " __clang_version__
#elif defined(__GNUC__)
#define TR_COMPILER "gcc " __VERSION__
#else
#define TR_COMPILER "unknown"
#endif

#if defined(__x86_64__)
#define TR_ARCH "x86-64"
#elif defined(__aarch64__)
#define TR_ARCH "aarch64"
#else
#define TR_ARCH "other"
#endif
#if defined(__SSE4_2__)
#define TR_SSE " sse4.2"
#elif defined(__SSE2__)
#define TR_SSE " sse2"
#else
#define TR_SSE ""
#endif
#if defined(__AVX2__)
#define TR_AVX " avx avx2"
#elif defined(__AVX__)
#define TR_AVX " avx"
#else
#define TR_AVX ""
#endif
#if defined(__FMA__)
#define TR_FMA " fma"
#else
#define TR_FMA " no-fma(software fmaf)"
#endif
#if defined(__AVX512F__)
#define TR_AVX512 " avx512f"
#define TR_VL     "16"
#elif defined(__AVX__)
#define TR_AVX512 ""
#define TR_VL     "8"
#else
#define TR_AVX512 ""
#define TR_VL     "4"
#endif

void tr_build_facts(rt_report *rep, int threads) {
    rep->build.nltc_version = NLTC_TRAIN_VERSION;
    rep->build.commit = NLTC_COMMIT;
    rep->build.compiler = TR_COMPILER;
    rep->build.cpu_features = TR_ARCH TR_SSE TR_AVX TR_FMA TR_AVX512 ", " TR_VL "-float vectors";
    rep->build.threads = threads;
}
