/* bench_speed.c - training throughput of the sparse stage (stage 2) on the paper's MNIST
 * configuration (784-2160-360-2160-360-60-10, F=6, N=64, 1-bit hidden, 6-bit out), batch
 * 32, and the PyTorch reference (shared/peer/nla_ref.py) measured in the same run.
 *
 *   bench_speed [--batches N] [--threads N] [--no-peer]
 *
 * Data: the MNIST IDX files in shared/data/mnist when present, else random inputs of the
 * same shape (said so in the summary). The peer runs when /usr/bin/python3 has torch:
 *   nla_ref.py --dataset mnist --config mnist --skip-dense --epochs 1 --max-batches 100
 *              --eval-limit 100 --no-tables --threads 2
 * Summary: bench_speed: ... nltc X samples/s | PyTorch peer Y samples/s | ratio X/Y
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "data.h"
#include "fixture.h"
#include "bench_train.h"
#include "train_int.h"

#ifndef NLTC_SHARED_DIR
#define NLTC_SHARED_DIR "../shared"
#endif

/* Loads MNIST from shared/data (0) or makes random data of its shape (1). */
static int mnist_or_random(rt_dataset *d) {
    char img[512], lab[512], timg[512], tlab[512];
    snprintf(img, sizeof img, "%s/data/mnist/train-images-idx3-ubyte.gz", NLTC_SHARED_DIR);
    snprintf(lab, sizeof lab, "%s/data/mnist/train-labels-idx1-ubyte.gz", NLTC_SHARED_DIR);
    snprintf(timg, sizeof timg, "%s/data/mnist/t10k-images-idx3-ubyte.gz", NLTC_SHARED_DIR);
    snprintf(tlab, sizeof tlab, "%s/data/mnist/t10k-labels-idx1-ubyte.gz", NLTC_SHARED_DIR);
    if (access(img, R_OK) == 0) {
        ir_dataset ds;
        memset(&ds, 0, sizeof ds);
        ds.name = "mnist";
        ds.format = IR_DATA_IDX;
        ds.train.path = img;
        ds.train.labels_path = lab;
        ds.test.path = timg;
        ds.test.labels_path = tlab;
        ds.valid_fraction = 0.1;
        ds.scale = 1.0 / 255;
        ds.norm = IR_NORM_NONE;
        ds.inputs = 784;
        ds.classes = 10;
        ds.label.index = -1;
        rt_error err = {0};
        if (data_load(&ds, d, &err) == RT_OK) return 0;
        fprintf(stderr, "bench_speed: %s\n", err.msg);
    }
    memset(d, 0, sizeof *d);
    d->inputs = 784;
    d->classes = 10;
    fx_random_split(&d->train, 60000, 784, 10, 1);
    fx_random_split(&d->valid, 1000, 784, 10, 2);
    fx_random_split(&d->test, 1000, 784, 10, 3);
    return 1;
}

/* Runs the peer; returns its samples/s (0 when it cannot run). */
static double peer_samples_per_s(int batches) {
    if (access("/usr/bin/python3", X_OK) != 0 ||
        system("/usr/bin/python3 -c 'import torch' >/dev/null 2>&1") != 0)
        return 0;
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 %s/peer/nla_ref.py --dataset mnist --config mnist --skip-dense "
             "--epochs 1 --max-batches %d --eval-limit 100 --no-tables --threads 2 2>/dev/null",
             NLTC_SHARED_DIR, batches);
    FILE *p = popen(cmd, "r");
    if (!p) return 0;
    char line[8192];
    double sps = 0;
    while (fgets(line, sizeof line, p)) {
        const char *k = strstr(line, "\"samples_per_s\": ");
        if (strstr(line, "\"event\": \"epoch\"") && k)
            sps = atof(k + strlen("\"samples_per_s\": "));
    }
    pclose(p);
    return sps;
}

/* (wall s, own CPU s, busy CPU s of the whole host): how much of the machine this process
 * had while it ran (the cores are shared; timings are only as good as that). */
static void cpu_snapshot(double v[3]) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    v[0] = (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
    v[1] = (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
    v[2] = 0;
    FILE *f = fopen("/proc/stat", "r");
    unsigned long long x[8] = {0};
    if (f) {
        if (fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &x[0], &x[1], &x[2], &x[3],
                   &x[4], &x[5], &x[6], &x[7]) == 8)
            v[2] = (double)(x[0] + x[1] + x[2] + x[5] + x[6] + x[7]) / (double)sysconf(_SC_CLK_TCK);
        fclose(f);
    }
}

int main(int argc, char **argv) {
    int batches = 400, threads = 2;
    bool peer = true;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--batches") && i + 1 < argc)
            batches = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
            threads = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--no-peer"))
            peer = false;
        else {
            fprintf(stderr, "usage: bench_speed [--batches N] [--threads N] [--no-peer]\n");
            return 2;
        }
    }
    rt_dataset d;
    int random = mnist_or_random(&d);
    /* evaluation is not part of the measurement: keep the splits it reads small */
    if (d.valid.n > 500) d.valid.n = 500;
    if (d.test.n > 500) d.test.n = 500;
    fx_net n = fx_mnist();
    n.connect = IR_CONNECT_RANDOM;
    ir_stage st = fx_stage(IR_STAGE_SPARSE, 1, 32, 2e-3);
    st.optimizer = IR_OPT_ADAMW;
    st.beta1 = 0.5;
    ir_program *ir = fx_program(&n, &st, 1, 1);
    train_opts o;
    train_opts_init(&o);
    o.threads = threads;
    o.quiet = true;
    tr_bench_opts bo = {.max_batches = batches};
    rt_report rep;
    rt_report_init(&rep);
    double load0 = bt_loadavg(), c0[3], c1[3];
    cpu_snapshot(c0);
    rt_error e = {0};
    rt_status rc = tr_train_bench(ir, &d, &o, &bo, &rep, NULL, &e);
    cpu_snapshot(c1);
    if (rc != RT_OK) {
        fprintf(stderr, "bench_speed: error: %s\n", e.msg);
        return 1;
    }
    double wall = c1[0] - c0[0], own = (c1[1] - c0[1]) / wall;
    double others = ((c1[2] - c0[2]) - (c1[1] - c0[1])) / wall;
    double mine = rep.train_samples_per_s;
    double theirs = peer ? peer_samples_per_s(100) : 0;
    printf("bench_speed: MNIST paper config, stage 2, batch 32, %d threads, %s, %d batches: "
           "nltc %.0f samples/s",
           threads, random ? "RANDOM inputs (no MNIST files)" : "MNIST data", batches, mine);
    if (theirs > 0)
        printf(" | PyTorch peer %.0f samples/s (100 batches, 2 threads) | ratio %.1fx", theirs,
               mine / theirs);
    else
        printf(" | PyTorch peer not run%s", peer ? " (no /usr/bin/python3 with torch)" : "");
    printf(" | own CPU %.2f cores, other processes %.2f cores, load average %.2f -> %.2f\n", own,
           others < 0 ? 0 : others, load0, bt_loadavg());
    fx_program_free(ir);
    rt_dataset_free(&d);
    return 0;
}
