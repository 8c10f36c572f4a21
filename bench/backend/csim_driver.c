/* csim_driver.c - timing driver compiled together with a generated C simulator by
 * bench_csim (not part of the nltc build). Build with
 *   -DSIM_HEADER='"name.h"' -DSIM_PREFIX=name -DSIM_UPPER=NAME
 * Measures inferences/s of the batch (bit-sliced) path and of the single-sample (plain
 * table-read) path on random input codes and checks that both give the same outputs.
 * Prints: "batch R plain R" (inferences per second of process CPU time, so that other
 * load on a shared machine does not count). */
#define _POSIX_C_SOURCE 200809L
#include SIM_HEADER

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define CAT2(a, b) a##b
#define CAT(a, b)  CAT2(a, b)
#define FN(x)      CAT(SIM_PREFIX, x)
#define K(x)       CAT(SIM_UPPER, x)

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv) {
    size_t n = argc > 1 ? (size_t)atol(argv[1]) : 8192, i;
    double min_s = argc > 2 ? atof(argv[2]) : 1.0;
    uint16_t *in = malloc(sizeof *in * n * K(_INPUTS));
    uint16_t *a = malloc(sizeof *a * n * K(_OUTPUTS)), *b = malloc(sizeof *b * n * K(_OUTPUTS));
    uint64_t st = 12345;
    if (!in || !a || !b) return 2;
    for (i = 0; i < n * K(_INPUTS); i++) {
        st = st * 6364136223846793005ULL + 1442695040888963407ULL;
        in[i] = (uint16_t)((st >> 33) & ((1u << K(_INPUT_BITS)) - 1));
    }
    long reps = 0;
    double t0 = now(), t1;
    do {
        FN(_infer_batch)(n, in, a);
        reps++;
        t1 = now();
    } while (t1 - t0 < min_s);
    double batch = (double)n * (double)reps / (t1 - t0);
    reps = 0;
    t0 = now();
    do {
        for (i = 0; i < n; i++)
            FN(_infer)(in + i * K(_INPUTS), b + i * K(_OUTPUTS));
        reps++;
        t1 = now();
    } while (t1 - t0 < min_s);
    double plain = (double)n * (double)reps / (t1 - t0);
    if (memcmp(a, b, sizeof *a * n * K(_OUTPUTS)) != 0) {
        fprintf(stderr, "csim_driver: batch and single-sample outputs differ\n");
        return 3;
    }
    printf("batch %.0f plain %.0f\n", batch, plain);
    free(in);
    free(a);
    free(b);
    return 0;
}
