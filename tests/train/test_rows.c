/* test_rows.c - sums over rows in int64 fixed point (runtime/train/rows.c) and the
 * data-parallel training they make possible (train_opts.dp).
 *
 * The fixed-point sum of a set of terms does not depend on their order or on how they are
 * split into blocks; terms clamp and wrap deterministically. Data-parallel training is run
 * here without MPI: P "ranks" are P threads in this process, each calling train_run with
 * its rank and a reduction through shared memory (a barrier, then the sum in rank order).
 * The trained parameters, statistics and tables must be bit-identical for P = 1, 2 and 3,
 * on both sparse paths, with a dense stage and with a batch that is no multiple of the
 * 16-row block. The sub-network's weight-gradient pass gives its row-by-row definition's
 * bits, over all rows and per 16-row block in fixed point, and a deep sub-network's one-pass
 * backward those of its 16-row blocks.
 */
#include <check.h>
#include <math.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "helpers.h"

/* ---- Fixed-point sums ----------------------------------------------------------------- */

START_TEST(test_fix_order) {
    enum { N = 1000 };
    float x[N], y[N];
    rt_rng rng;
    rt_rng_seed(&rng, 7, 1, 2, 3);
    for (int i = 0; i < N; i++) /* magnitudes from 1e-9 to 20, both signs (the clamp: 64) */
        x[i] = (float)((rt_rng_below(&rng, 2) ? 1 : -1) * pow(10.0, rt_rng_below(&rng, 11) - 9.0) *
                       (1.0 + rt_rng_below(&rng, 1000) / 1000.0));
    uint64_t whole = tr_fix_sum(x, N, TR_FIX_G), rev = 0;
    for (int i = N - 1; i >= 0; i--)
        rev += tr_fix(x[i], TR_FIX_G);
    ck_assert(whole == rev);
    memcpy(y, x, sizeof x); /* a shuffled order */
    for (int i = N - 1; i > 0; i--) {
        int j = (int)rt_rng_below(&rng, (uint32_t)i + 1);
        float t = y[i];
        y[i] = y[j];
        y[j] = t;
    }
    ck_assert(tr_fix_sum(y, N, TR_FIX_G) == whole);
    /* any split into blocks, summed in any order of the blocks */
    int cuts[] = {0, 16, 17, 333, 512, 999, N};
    uint64_t parts = 0;
    for (int k = 6; k > 0; k--)
        parts += tr_fix_sum(x + cuts[k - 1], cuts[k] - cuts[k - 1], TR_FIX_G);
    ck_assert(parts == whole);
    /* tr_fix_add (vectorized) adds what tr_fix gives, element by element */
    uint64_t acc[N];
    for (int i = 0; i < N; i++)
        acc[i] = (uint64_t)i;
    tr_fix_add(acc, x, N, TR_FIX_G);
    for (int i = 0; i < N; i++)
        ck_assert(acc[i] == (uint64_t)i + tr_fix(x[i], TR_FIX_G));
    /* the value comes back within the resolution */
    ck_assert(tr_unfix(tr_fix(0.375f, TR_FIX_G), TR_FIX_G) == 0.375f);
    double exact = 0.0;
    for (int i = 0; i < N; i++)
        exact += x[i];
    ck_assert_double_eq_tol(tr_unfix(whole, TR_FIX_G), exact, 1e-3 * fabs(exact) + 1e-6);
    /* clamps: 2^46 units either way, NaN as +2^46; sums wrap modulo 2^64 */
    ck_assert(tr_fix(1e30f, TR_FIX_G) == (uint64_t)1 << 46);
    ck_assert((int64_t)tr_fix(-1e30f, TR_FIX_G) == -((int64_t)1 << 46));
    ck_assert(tr_fix(NAN, TR_FIX_G) == (uint64_t)1 << 46);
    ck_assert((int64_t)(tr_fix(-2.0f, TR_FIX_M) + tr_fix(1.5f, TR_FIX_M)) == -((int64_t)1 << 31));
}
END_TEST

/* tr_unfix forms the double of a sum from its halves: the same bits as the conversion of
 * the int64, at the ends of the range, around the halves' carries and at random. */
START_TEST(test_unfix_bits) {
    const int64_t edge[] = {0,
                            1,
                            -1,
                            INT64_MAX,
                            INT64_MIN,
                            (int64_t)1 << 53,
                            ((int64_t)1 << 53) + 1,
                            -((int64_t)1 << 53) - 3,
                            0xffffffff,
                            0x100000000,
                            -0x100000000,
                            -0x100000001};
    uint64_t u = 0x9e3779b97f4a7c15u;
    for (int i = 0; i < 100000; i++) {
        int64_t s;
        if (i < (int)(sizeof edge / sizeof edge[0]))
            s = edge[i];
        else { /* xorshift, shifted right by 0..63 bits: every magnitude */
            u ^= u << 13, u ^= u >> 7, u ^= u << 17;
            s = (int64_t)u >> (i % 64);
        }
        float want = (float)((double)s * (1.0 / (double)TR_FIX_G)),
              got = tr_unfix((uint64_t)s, TR_FIX_G);
        ck_assert_msg(memcmp(&want, &got, sizeof got) == 0, "s = %lld", (long long)s);
        ck_assert(tr_unfix((uint64_t)s, TR_FIX_V) == (float)((double)s * (1.0 / (double)TR_FIX_V)));
    }
}
END_TEST

/* The weight gradients of unit n of the one-hidden-layer sub-network over rows [r0, r1) as
 * simd.c's bwd_w defines them, one row after another (-std=c11: nothing is contracted). */
static void wgrad_ref(const tr_shape *sh, const tr_lut *p, const float *x, int ld, const float *dy,
                      int r0, int r1, int n, float *gw1, float *gb1, float *gw2) {
    int F = sh->F, N = sh->N;
    float gb = 0.0f, g2 = 0.0f, gk[16] = {0};
    for (int r = r0; r < r1; r++) {
        float a = p->b1[n];
        for (int k = 0; k < F; k++)
            a = fmaf(x[(size_t)k * ld + r], p->w1[(size_t)k * N + n], a);
        g2 = fmaf(a > 0.0f ? a : 0.0f, dy[r], g2);
        float dh = a > 0.0f ? p->w2[n] * dy[r] : 0.0f;
        gb = gb + dh;
        for (int k = 0; k < F; k++)
            gk[k] = fmaf(x[(size_t)k * ld + r], dh, gk[k]);
    }
    *gb1 = gb, *gw2 = g2;
    for (int k = 0; k < F; k++)
        gw1[k] = gk[k];
}

/* The weight-gradient pass (bwd_w; two-phase row chunks where registers are few) gives the
 * row-by-row definition's bits: over all rows (tr_sub1_backward) and per 16-row block in
 * fixed point (tr_sub1_backward_fix), for the paper's F 6, N 64 (the shape that spilled on
 * AVX2) and a shape with partial vectors, over full and partial row chunks. */
START_TEST(test_weight_grad_bits) {
    const int shapes[][2] = {{6, 64}, {5, 13}, {8, 24}};
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        tr_shape sh = {.F = shapes[si][0], .N = shapes[si][1], .depth = 1, .skip = true};
        int F = sh.F, N = sh.N, R = 53, ld = tr_pad_rows(R);
        size_t n = (size_t)F * N + 3 * (size_t)N + (size_t)F + 1;
        float *param = malloc(sizeof(float) * n), *grad = calloc(n, sizeof(float));
        float *x = calloc((size_t)F * ld, sizeof(float)), *dy = calloc((size_t)ld, sizeof(float));
        float *dx = calloc((size_t)F * ld, sizeof(float));
        uint64_t *acc = calloc(n, sizeof(uint64_t));
        rt_rng rng;
        rt_rng_seed(&rng, 11, (uint64_t)si, 0, 0);
        for (size_t i = 0; i < n; i++) /* weights in [-0.3, 0.3), inputs +-0.7: sums round */
            param[i] = ((float)rt_rng_below(&rng, 1u << 20) - 524288.0f) * 0.6e-6f;
        for (int i = 0; i < F * ld; i++)
            x[i] = rt_rng_below(&rng, 2) ? 0.7f : -0.7f;
        for (int r = 0; r < R; r++)
            dy[r] = 0.125f * (float)(r % 9) - 0.5f;
        size_t o1 = (size_t)F * N, o2 = o1 + 2 * (size_t)N; /* w1, b1, w2, ws, b */
        tr_lut p = {param, param + o1, NULL, NULL, param + o1 + N, param + o2, param + o2 + F};
        tr_lut g = {grad, grad + o1, NULL, NULL, grad + o1 + N, grad + o2, grad + o2 + F};
        tr_sub1_backward(&sh, &p, x, ld, R, dy, &g, dx, ld);
        tr_lut_fix f = {acc, acc + (size_t)F * N, acc + (size_t)F * N + N,
                        acc + (size_t)F * N + 2 * (size_t)N,
                        acc + (size_t)F * N + 2 * (size_t)N + F};
        tr_sub1_backward_fix(&sh, &p, x, ld, R, dy, &f, NULL, ld, false);
        int nz = 0;
        for (int u = 0; u < N; u++) {
            float w1[16], b1, w2;
            wgrad_ref(&sh, &p, x, ld, dy, 0, R, u, w1, &b1, &w2);
            ck_assert_msg(!memcmp(&b1, &g.b1[u], sizeof b1) && !memcmp(&w2, &g.w2[u], sizeof w2),
                          "F %d N %d unit %d: b1/w2 differ", F, N, u);
            for (int k = 0; k < F; k++) {
                ck_assert_msg(!memcmp(&w1[k], &g.w1[(size_t)k * N + u], sizeof(float)),
                              "F %d N %d w1[%d][%d]: %.9g vs %.9g", F, N, k, u, (double)w1[k],
                              (double)g.w1[(size_t)k * N + u]);
                nz += w1[k] != 0.0f;
            }
            uint64_t s1[16] = {0}, sb = 0, s2 = 0;
            for (int r0 = 0; r0 < R; r0 += TR_ROW_BLOCK) {
                int r1 = R - r0 < TR_ROW_BLOCK ? R : r0 + TR_ROW_BLOCK;
                wgrad_ref(&sh, &p, x, ld, dy, r0, r1, u, w1, &b1, &w2);
                sb += tr_fix(b1, TR_FIX_G), s2 += tr_fix(w2, TR_FIX_G);
                for (int k = 0; k < F; k++)
                    s1[k] += tr_fix(w1[k], TR_FIX_G);
            }
            ck_assert(sb == f.b1[u] && s2 == f.w2[u]);
            for (int k = 0; k < F; k++)
                ck_assert(s1[k] == f.w1[(size_t)k * N + u]);
        }
        ck_assert_int_gt(nz, F * N / 2); /* the gradients are not trivially zero */
        free(param), free(grad), free(x), free(dy), free(dx), free(acc);
    }
}
END_TEST

/* A deep sub-network's per-sample backward in one pass over all rows gives the bits of its
 * definition: per 16-row block, the float backward of the block's rows, its parameter
 * gradients added in fixed point; the input gradients row by row. */
START_TEST(test_deep_blocks_bits) {
    const int shapes[][3] = {{6, 64, 3}, {5, 13, 2}};
    for (size_t si = 0; si < sizeof shapes / sizeof shapes[0]; si++) {
        int F = shapes[si][0], N = shapes[si][1], D = shapes[si][2], R = 53, ld = tr_pad_rows(R);
        tr_shape sh = {.F = F, .N = N, .depth = D, .skip = true};
        size_t nw = (size_t)F * N + (size_t)(D - 1) * N * N,
               n = nw + 2 * (size_t)N + (size_t)F + (size_t)(D - 1) * N + 1;
        float *param = malloc(sizeof(float) * n), *grad = malloc(sizeof(float) * n);
        float *x = calloc((size_t)F * ld, sizeof(float)), *dy = calloc((size_t)ld, sizeof(float));
        float *dx = calloc((size_t)F * ld, sizeof(float)),
              *dref = calloc((size_t)F * ld, sizeof(float));
        float *sub = malloc(sizeof(float) * tr_subnet_scratch(&sh, ld));
        uint64_t *acc = calloc(n, sizeof(uint64_t)), *aref = calloc(n, sizeof(uint64_t));
        rt_rng rng;
        rt_rng_seed(&rng, 12, (uint64_t)si, 0, 0);
        for (size_t i = 0; i < n; i++) /* weights in [-0.3, 0.3), inputs +-0.7 */
            param[i] = ((float)rt_rng_below(&rng, 1u << 20) - 524288.0f) * 0.6e-6f;
        for (int i = 0; i < F * ld; i++)
            x[i] = i % ld < R ? (rt_rng_below(&rng, 2) ? 0.7f : -0.7f) : 0.0f;
        for (int r = 0; r < R; r++)
            dy[r] = 0.125f * (float)(r % 9) - 0.5f;
        /* the record: w1, wh, w2, ws, b1, bh, b (layout.c's order, b last) */
        size_t o[6] = {(size_t)F * N, nw, nw + N, nw + N + F, nw + 2 * (size_t)N + F, n - 1};
        tr_lut p = {param,        param + o[3], param + o[0], param + o[4],
                    param + o[1], param + o[2], param + o[5]};
        tr_lut g = {grad,        grad + o[3], grad + o[0], grad + o[4],
                    grad + o[1], grad + o[2], grad + o[5]};
        tr_subnet_backward_fix(&sh, &p, x, ld, R, dy, &g, acc, dx, ld, sub);
        for (int r0 = 0; r0 < R; r0 += TR_ROW_BLOCK) {
            int nb = R - r0 < TR_ROW_BLOCK ? R - r0 : TR_ROW_BLOCK;
            memset(grad, 0, sizeof(float) * n);
            tr_subnet_backward(&sh, &p, x + r0, ld, nb, dy + r0, &g, dref + r0, ld, sub);
            tr_fix_add(aref, grad, n, TR_FIX_G);
        }
        int nz = 0;
        for (size_t i = 0; i < n; i++) {
            ck_assert_msg(acc[i] == aref[i], "F %d N %d depth %d: parameter %zu differs", F, N, D,
                          i);
            nz += acc[i] != 0;
        }
        ck_assert_int_gt(nz, (int)(n / 2)); /* the gradients are not trivially zero */
        for (int k = 0; k < F; k++)
            for (int r = 0; r < R; r++)
                ck_assert_msg(!memcmp(&dx[k * ld + r], &dref[k * ld + r], sizeof(float)),
                              "dx[%d][%d] differs", k, r);
        free(param), free(grad), free(x), free(dy), free(dx), free(dref), free(sub), free(acc);
        free(aref);
    }
}
END_TEST

/* ---- Data-parallel training, ranks as threads ---------------------------------------- */

enum { MAXR = 3 };

/* The shared-memory reduction of the simulated ranks. */
typedef struct ranks {
    int P;
    pthread_barrier_t bar;
    uint64_t *v[MAXR]; /* each rank's vector */
    uint64_t *sum;     /* the sum (grown by rank 0) */
    size_t cap;
} ranks;

typedef struct rank_arg {
    ranks *all;
    int rank;
} rank_arg;

static void shared_reduce(void *ctx, uint64_t *v, size_t n) {
    rank_arg *a = ctx;
    ranks *s = a->all;
    s->v[a->rank] = v;
    pthread_barrier_wait(&s->bar);
    if (a->rank == 0) {
        if (n > s->cap) {
            free(s->sum);
            s->sum = malloc(n * sizeof *s->sum);
            s->cap = n;
        }
        for (size_t i = 0; i < n; i++) {
            uint64_t t = 0;
            for (int k = 0; k < s->P; k++)
                t += s->v[k][i];
            s->sum[i] = t;
        }
    }
    pthread_barrier_wait(&s->bar);
    memcpy(v, s->sum, n * sizeof *v);
    pthread_barrier_wait(&s->bar);
}

/* One rank's training run. */
typedef struct job {
    rank_arg ra;
    const ir_program *ir;
    const rt_dataset *d;
    int addr_mode;
    tr_model *out;
    rt_status st;
    rt_report rep;
} job;

static void *rank_main(void *p) {
    job *j = p;
    static volatile sig_atomic_t never = 0;
    train_opts o = quiet_opts(1);
    o.stop = &never;
    o.dp = (train_dp){j->ra.rank, j->ra.all->P, shared_reduce, &j->ra};
    tr_bench_opts b = {0, false, j->addr_mode};
    rt_error e = {0};
    rt_report_init(&j->rep);
    j->st = tr_train_bench(j->ir, j->d, &o, &b, &j->rep, &j->out, &e);
    return NULL;
}

/* Trains ir over P simulated ranks; returns rank 0's model (the others must equal it). */
static tr_model *train_ranks(const ir_program *ir, const rt_dataset *d, int P, int addr_mode,
                             double *test_acc) {
    ranks s = {.P = P};
    pthread_barrier_init(&s.bar, NULL, (unsigned)P);
    job jobs[MAXR];
    pthread_t th[MAXR];
    for (int k = 0; k < P; k++) {
        jobs[k] = (job){{&s, k}, ir, d, addr_mode, NULL, RT_OK, {0}};
        pthread_create(&th[k], NULL, rank_main, &jobs[k]);
    }
    for (int k = 0; k < P; k++)
        pthread_join(th[k], NULL);
    for (int k = 0; k < P; k++) {
        ck_assert_int_eq(jobs[k].st, RT_OK);
        ck_assert(same_params(jobs[0].out, jobs[k].out));
        ck_assert(jobs[k].rep.accuracy.quantized == jobs[0].rep.accuracy.quantized);
    }
    for (int k = 1; k < P; k++)
        tr_model_free(jobs[k].out);
    *test_acc = jobs[0].rep.accuracy.quantized;
    pthread_barrier_destroy(&s.bar);
    free(s.sum);
    return jobs[0].out;
}

static void ranks_check(int dense_epochs, int batch, int addr_mode) {
    rt_dataset d;
    parity_data(&d, 12, 200, 11);
    ir_program *ir = small_program(2, dense_epochs, 3);
    for (int k = 0; k < ir->train.n_stages; k++)
        ir->train.stages[k].batch = batch;
    double acc1, acc;
    tr_model *one = train_ranks(ir, &d, 1, addr_mode, &acc1);
    rt_tables t1, tk;
    ck_assert_int_eq(tr_tabulate(one, &t1, &terr), RT_OK);
    for (int P = 2; P <= MAXR; P++) {
        tr_model *m = train_ranks(ir, &d, P, addr_mode, &acc);
        ck_assert(same_params(one, m));
        ck_assert(acc == acc1);
        ck_assert_int_eq(tr_tabulate(m, &tk, &terr), RT_OK);
        ck_assert(same_tables(&t1, &tk));
        rt_tables_free(&tk);
        tr_model_free(m);
    }
    rt_tables_free(&t1);
    tr_model_free(one);
    fx_program_free(ir);
    rt_dataset_free(&d);
}

/* The per-sample path, dense stage then sparse, batch 40 (2.5 blocks: ranks get 1 or 2). */
START_TEST(test_ranks_sample) {
    ranks_check(1, 40, TR_ADDR_SAMPLE);
}
END_TEST

/* The per-address path (the ranks add their tables per address), batch 64. */
START_TEST(test_ranks_address) {
    ranks_check(0, 64, TR_ADDR_ADDRESS);
}
END_TEST

/* More ranks than blocks: batch 24 (2 blocks) over 3 ranks leaves one rank without rows. */
START_TEST(test_ranks_idle) {
    ranks_check(0, 24, TR_ADDR_AUTO);
}
END_TEST

int main(void) {
    Suite *s = suite_create("rows");
    TCase *tc = tcase_create("rows");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_fix_order);
    tcase_add_test(tc, test_unfix_bits);
    tcase_add_test(tc, test_weight_grad_bits);
    tcase_add_test(tc, test_deep_blocks_bits);
    tcase_add_test(tc, test_ranks_sample);
    tcase_add_test(tc, test_ranks_address);
    tcase_add_test(tc, test_ranks_idle);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
