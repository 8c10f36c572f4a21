/* bench_data.c - load time of the canonical datasets (tests/data/canon.c): for each one
 * present under the data root, the best of N loads (wall clock), rows per split and the
 * encoding. Usage: bench_data [-n N] [name ...]   (default: all, N = 3). */
#include "canon.h"
#include "data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now_s(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int bench_one(const char *name, int reps) {
    canon_set c;
    if (canon_get(name, canon_root(), &c) != 0) {
        fprintf(stderr, "bench_data: unknown dataset '%s'\n", name);
        return 1;
    }
    if (!canon_present(&c)) {
        printf("%-9s skipped: %s not found\n", name, c.ds.train.path);
        return 0;
    }
    double best = 1e30;
    data_info info;
    rt_dataset d;
    for (int r = 0; r < reps; r++) {
        double t0 = now_s();
        rt_error err = {0};
        if (data_load_info(&c.ds, &d, &info, &err) != RT_OK) {
            fprintf(stderr, "bench_data: %s\n", err.msg);
            return 1;
        }
        double t = now_s() - t0;
        best = t < best ? t : best;
        if (r + 1 < reps) {
            rt_dataset_free(&d);
            data_info_free(&info);
        }
    }
    printf("%-9s %.3f s  %s\n          %s\n", name, best, info.split, info.encoding);
    rt_dataset_free(&d);
    data_info_free(&info);
    return 0;
}

int main(int argc, char **argv) {
    int reps = 3, i = 1, rc = 0;
    if (argc > 2 && strcmp(argv[1], "-n") == 0) {
        reps = atoi(argv[2]);
        reps = reps < 1 ? 1 : reps;
        i = 3;
    }
    if (i >= argc)
        for (int k = 0; canon_names[k]; k++)
            rc |= bench_one(canon_names[k], reps);
    for (; i < argc; i++)
        rc |= bench_one(argv[i], reps);
    return rc;
}
