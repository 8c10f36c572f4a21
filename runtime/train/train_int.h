/* train_int.h - the internals of runtime/train: the kernels, the model's layout (parameters,
 * optimizer state and workspace, each with its own lifetime), the thread pool, the
 * optimizer and the files. Shared by the files of this folder, tests/train and bench/train;
 * the driver and the back ends see only train.h.
 *
 * Sections:
 *   3. Kernels (the layer math as plain *_forward / *_backward functions over flat float
 *      arrays; exposed for the gradient-check tests and the benchmarks).
 *   4. Model, pool, optimizer and file internals.
 *   5. Benchmark and test hooks (not used by train_run's production path).
 */
#ifndef NLTC_TRAIN_INT_H
#define NLTC_TRAIN_INT_H

#include "fix.h"
#include "train.h"

/* ==== 3. Kernels ================================================================== */

/* A uniform quantizer's shape (the scale is a parameter). */
typedef struct tr_qspec {
    int bits;       /* 1..8 */
    bool is_signed; /* signed (IR_Q_IDENTITY / IR_Q_HARDTANH) or unsigned (IR_Q_RELU) */
    bool binary;    /* signed 1 bit: values {-s, +s} */
    int qmin, qmax; /* integer range of q */
} tr_qspec;

tr_qspec tr_qspec_make(ir_quant_kind kind, int bits);

#define TR_BN_EPS      1e-5f /* batch-norm epsilon */
#define TR_BN_MOMENTUM 0.1f  /* running-statistics momentum (PyTorch's convention) */
#define TR_REFIT_ROWS  8192  /* training rows the evaluated model's batch norm is refitted on */
#define TR_AVG_EVERY   8     /* steps between updates of the parameter average (decay^8 each) */

/* The quantizer's element functions are inline: the per-L-LUT loops over a batch vectorize
 * through them. Every caller is compiled without FP contraction (see CMakeLists.txt), so each
 * copy computes the same bits. */

/* Effective scale from the raw parameter: max(|raw|, 1e-4). */
static inline float tr_q_scale(float raw) {
    float a = raw < 0.0f ? -raw : raw;
    return a > 1e-4f ? a : 1e-4f;
}

/* The integer level q of a pre-quantizer value z (round half to even; NaN -> qmin). */
static inline int tr_q_int(const tr_qspec *q, float z, float s) {
    float t = z / s;
    if (q->binary) return t >= 0.0f ? 1 : -1;
    float lo = (float)q->qmin, hi = (float)q->qmax;
    t = t >= lo ? t : lo;
    t = t <= hi ? t : hi;
    return (int)__builtin_rintf(t);
}

/* Dequantized value of level q: (float)q * s. */
static inline float tr_q_value(int q, float s) {
    return (float)q * s;
}

/* Hardware code of level q (offset binary when signed), and back. */
static inline uint16_t tr_q_code(const tr_qspec *q, int level) {
    return (uint16_t)(q->binary ? (level > 0) : level - q->qmin);
}

static inline int tr_q_level(const tr_qspec *q, uint16_t code) {
    return q->binary ? (code ? 1 : -1) : (int)code + q->qmin;
}

/* Whether the straight-through estimator passes the gradient at z (scale s): z/s within
 * the levels' range. */
static inline bool tr_q_inside(const tr_qspec *q, float z, float s) {
    float t = z / s;
    float lo = q->binary ? -1.0f : (float)q->qmin, hi = q->binary ? 1.0f : (float)q->qmax;
    return (t >= lo) & (t <= hi); /* & not &&: no branch */
}

/* Straight-through backward for one element: dv = dL/d(value); returns dL/dz and adds
 * dL/ds (the effective scale) to *ds: the level q minus z/s where the gradient passes. */
static inline float tr_q_backward(const tr_qspec *q, float z, float s, float dv, float *ds) {
    float t = z / s, lo = q->binary ? -1.0f : (float)q->qmin,
          hi = q->binary ? 1.0f : (float)q->qmax;
    bool inside = tr_q_inside(q, z, s);
    /* the level as a float: tr_q_int's without the int conversion (it differs only in the
     * sign of a zero level, which the difference below gives as +0 either way); no branch,
     * so loops over rows vectorize */
    float c = t >= lo ? t : lo;
    c = c <= hi ? c : hi;
    float lv = q->binary ? (t >= 0.0f ? 1.0f : -1.0f) : __builtin_rintf(c);
    *ds += dv * (lv - (inside ? t : 0.0f));
    return inside ? dv : 0.0f;
}

/* dL/d(raw scale) from dL/ds. */
static inline float tr_q_scale_grad(float raw, float ds) {
    if (raw <= 1e-4f && raw >= -1e-4f) return 0.0f;
    return raw > 0 ? ds : -ds;
}

/* The quantizer's straight-through estimator over R rows of a channel (batch-norm affine
 * gamma, beta; scale s): dz replaces dv (dv[r]: the gradient of the value of row r, xh[r]
 * its normalized pre-activation), and the fixed-point sums (TR_FIX_G) of dz, dz * xh and
 * the scale-gradient terms are added to st[0..2] (kernels.c; the per-address path runs the
 * estimator per address: tr_addr_backward). */
void tr_q_backward_rows(const tr_qspec *q, float gamma, float beta, float s, int R, float *dv,
                        const float *xh, uint64_t *st);

#define TR_ROW_BLOCK   16 /* rows per block: ranks own whole blocks */
#define TR_DENSE_CHUNK 8  /* dense weight gradients: outputs per block product */

/* Fully connected rows: y[r][n] = bias[n] + sum_k x[r][k]*w[k][n] (w is [K][N]; bias NULL:
 * zeros), then ReLU when relu. x has row stride ldx, y row stride ldy. */
void tr_fc_forward(const float *x, int ldx, int R, int K, const float *w, const float *bias, int N,
                   float *y, int ldy, bool relu);
/* Backward of the fc with dy (already masked by the ReLU): dw = x^T dy and db = sum_r dy
 * (both overwritten; skipped when dw is NULL), dx = dy w^T (overwritten; skipped when dx is
 * NULL; wt: scratch of N * K floats for it). */
void tr_fc_backward(const float *x, int ldx, int R, int K, const float *w, int N, const float *dy,
                    int ldy, float *dw, float *db, float *dx, int lddx, float *wt);
/* Dot product in a fixed order (16 partial sums, then a fixed tree). */
float tr_dot(const float *a, const float *b, int n);

/* One L-LUT's sub-network parameters (pointers into a parameter or gradient block). */
typedef struct tr_lut {
    float *w1; /* [F][N] fc1 */
    float *b1; /* [N] */
    float *wh; /* [depth-1][N][N] deeper hidden layers */
    float *bh; /* [depth-1][N] */
    float *w2; /* [N] fc2 */
    float *ws; /* [F] linear skip */
    float *b;  /* [1] output bias */
} tr_lut;
/* The fixed-point sums of a record's parts (tr_lut_fixrec: tr_lut_rec's layout over the
 * gradient sums tr_optim.gfix), which tr_sub1_backward_fix adds to. */
typedef struct tr_lut_fix {
    uint64_t *w1, *b1, *w2, *ws, *b;
} tr_lut_fix;

/* Shape of the L-LUTs of one layer. */
typedef struct tr_shape {
    int F;      /* inputs */
    int N;      /* hidden width (0: no MLP) */
    int depth;  /* hidden layers (>= 1 when N > 0) */
    bool skip;  /* linear skip path */
    int degree; /* kind = poly(degree = D): D (N = 0); 0 otherwise (see tr_shape_degree) */
    bool table; /* kind = table: the 2^(F*b_in) entries are the parameters (ws) */
    /* kind = table: the codes it reads, b_in bits each (0 or 1: 1-bit, x > 0), from the
     * quantizer in_q of scale in_s feeding it (tr_table_refresh; multi-bit inputs only) */
    int b_in;
    tr_qspec in_q;
    float in_s;
} tr_shape;

/* The widest address of a trained table (tr_check_model): 2^A entries are parameters and
 * the EFD of a row costs A * 2^A. */
#define TR_TABLE_MAX_BITS 12

/* Address bits of a table L-LUT: F * b_in. */
static inline int tr_shape_addr_bits(const tr_shape *sh) {
    return sh->F * (sh->b_in > 1 ? sh->b_in : 1);
}

/* Linear and polynomial L-LUTs (poly.c): y = b + sum_m ws[m] * x^a(m) over the monomials of
 * degree 1..D of the F inputs in poly.c's order (depth first: for D = 1 the inputs x_0 ..
 * x_F-1), so a linear L-LUT (D = 1) is an MLP L-LUT without hidden layer, its skip weights
 * ws. */
/* The most monomials (the constant included) and the highest degree the kernels take: C(16+4,
 * 4) is the largest fan-in (F * bits_in <= 16) at the IR's largest degree, 4. */
#define TR_POLY_MAX_TERMS  4845
#define TR_POLY_MAX_DEGREE 8
/* The polynomial degree of an L-LUT shape: sh->degree, 1 for hidden = 0 with the skip path
 * (linear), 0 for an MLP. */
int tr_shape_degree(const tr_shape *sh);
/* C(F+D, D), the monomials of F inputs up to degree D with the constant; more than
 * TR_POLY_MAX_TERMS gives TR_POLY_MAX_TERMS + 1. */
int tr_poly_terms(int F, int D);
/* Scratch floats of tr_poly_backward (any row count). */
size_t tr_poly_scratch(const tr_shape *sh);
/* y[r] for R rows (x as tr_subnet_forward's). */
void tr_poly_forward(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R, float *y);
/* With g: the parameter gradients of sum_r dy[r]*y[r] (g->ws, g->b overwritten); with dx:
 * the input gradients of sum_r dyx[r]*y[r] (dyx = dy for the gradient, ones for the
 * per-address path's Jacobian), feature-major as tr_subnet_backward's. dy and dyx:
 * tr_pad_rows(R) values, zero beyond R. */
void tr_poly_backward(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                      const float *dy, const tr_lut *g, const float *dyx, float *dx, int lddx,
                      float *scratch);

/* Scratch floats tr_subnet_forward/backward need for R rows. */
size_t tr_subnet_scratch(const tr_shape *sh, int R);
/* R rounded up to the 16-row block: the rows a buffer holds for R rows (the kernels touch at
 * most these). */
int tr_pad_rows(int R);
/* y[r] = sub-network(row r) for R rows. x is feature-major: input f of row r is
 * x[f*ldx + r]; rows R .. tr_pad_rows(R)-1 must be readable (their results are ignored) and
 * y needs room for tr_pad_rows(R) values. */
void tr_subnet_forward(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                       float *y, float *scratch);
/* Gradients of sum_r dy[r]*y[r]: parameter gradients into g (overwritten), input gradients
 * feature-major into dx[f*lddx + r] (overwritten for r < R; up to tr_pad_rows(R) rows may be
 * written; NULL: skipped). dy: tr_pad_rows(R) values, zero beyond R. Recomputes the hidden
 * layer. g NULL (depth > 1 only): the input gradients alone, no
 * parameter gradients (the per-address path's Jacobian pass). */
void tr_subnet_backward(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                        const float *dy, const tr_lut *g, float *dx, int lddx, float *scratch);
/* A deep sub-network's (depth > 1) Jacobian d y[r] / d x[f][r] into jac[f*ldj + r] and, with
 * g, the parameter gradients of sum_r dy[r]*y[r], in one pass (the per-address path): each
 * hidden layer's gradients of row r are dy[r] times the Jacobian's (the backward is linear in
 * dy[r]), so the layers' gradients are found once. */
void tr_deep_backward_jac(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                          const float *dy, const tr_lut *g, float *jac, int ldj, float *scratch);
/* The same with the parameter gradients summed over blocks of TR_ROW_BLOCK rows from row 0
 * and each block's sums added to the fixed-point sums acc (TR_FIX_G, g's record layout); g
 * is the blocks' scratch (the per-sample path, model.c: the same sums for any split of the
 * rows over threads and ranks that keeps whole blocks). */
void tr_subnet_backward_fix(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                            const float *dy, const tr_lut *g, uint64_t *acc, float *dx, int lddx,
                            float *scratch);
/* The floats in one of the kernels' vectors (simd.c): 16 with AVX-512, 8 with AVX, 4. */
int tr_simd_floats(void);
/* The one-hidden-layer fast path (simd.c) behind them, for the shapes tr_sub1_fits. */
bool tr_sub1_fits(const tr_shape *sh);
void tr_sub1_forward(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R, float *y);
/* The same outputs and each row's Jacobian d y[r] / d x[f][r] into jac[f*ldj + r] (up to
 * tr_pad_rows(R) rows written): the bits tr_sub1_backward_jac gives. */
void tr_sub1_forward_jac(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                         float *y, float *jac, int ldj);
void tr_sub1_backward(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                      const float *dy, const tr_lut *g, float *dx, int lddx);
/* tr_sub1_backward over blocks of TR_ROW_BLOCK rows from row 0, each block's parameter
 * gradients added to the fixed-point sums g (TR_FIX_G; the entries it adds to only): the
 * same sums as a tr_sub1_backward per block followed by tr_fix_add, in one pass. With jac,
 * dx holds tr_sub1_forward_jac's Jacobian on entry and becomes J * dy (the same input
 * gradient up to rounding, without a pass over the hidden layer). */
void tr_sub1_backward_fix(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                          const float *dy, const tr_lut_fix *g, float *dx, int lddx, bool jac);
/* The per-address path's backward (addr.c): parameter gradients of sum_r dy[r]*y[r] into g
 * and the input Jacobian d y[r] / d x[f][r] into jac[f*ldj + r] (one: R ones, then zeros
 * to the padded block; jac as dx above). */
void tr_sub1_backward_jac(const tr_shape *sh, const tr_lut *p, const float *xt, int ldx, int R,
                          const float *dy, const float *one, const tr_lut *g, float *jac, int ldj);

/* Batch norm over R values of one channel, training mode: xhat = (y-mean)*istd,
 * z = gamma*xhat + beta, with the biased variance var; returns mean, var and
 * istd = 1/sqrt(var+eps). */
void tr_bn_forward(const float *y, int R, float gamma, float beta, float *xhat, float *z,
                   float *mean, float *var, float *istd);
/* Backward of tr_bn_forward: dy from dz (both [R]); dgamma, dbeta overwritten. */
void tr_bn_backward(const float *xhat, const float *dz, int R, float gamma, float istd, float *dy,
                    float *dgamma, float *dbeta);
/* Evaluation mode, one value: gamma*((y-rmean)*(1/sqrt(rvar+eps))) + beta. */
static inline float tr_bn_eval(float y, float gamma, float beta, float rmean, float rvar) {
    float is = 1.0f / __builtin_sqrtf(rvar + TR_BN_EPS);
    return gamma * ((y - rmean) * is) + beta;
}

/* The hardware regulariser over `rows` rows of `cols` weights:
 * returns wd * sum_rows (2^(wd1*||row||_1) - 1); the backward adds its gradient to dw. */
double tr_reg_forward(const float *w, int rows, int cols, double wd, double wd1);
void tr_reg_backward(const float *w, int rows, int cols, double wd, double wd1, float *dw);
/* exp, log, cos and b^n from IEEE additions, multiplications and divisions only (mathfn.c):
 * the same bits on every machine, unlike libm's CPU-dependent variants. */
double tr_exp(double x);
/* y[i] = tr_exp((double)l[i] - mx) for i < n, the same bits, in vectors. */
void tr_exp_diff(const float *restrict l, double mx, double *restrict y, int n);
double tr_log(double x);
double tr_cos(double x);
double tr_powi(double b, uint64_t n);
/* The build facts of report.json's "build" (build.c): version, commit, compiler, the
 * instruction sets of the kernels, and the thread count given. */
void tr_build_facts(rt_report *rep, int threads);
/* C(a, n) = sum over k in order 0..K-1 of A[a*sa + k*sk] * B[k*ldb + n], for a < M, n < N,
 * one fused multiply-add per term from 0 (gemm.c): the same bits for any thread split of
 * the rows and any vector width. B's rows are read up to N rounded up to 16. */
void tr_gemm(int M, int N, int K, const float *A, size_t sa, size_t sk, const float *B, size_t ldb,
             float *C, size_t ldc);

/* Mean softmax cross-entropy of R rows of C logits against labels y, row r weighted by
 * w[y[r]] (w NULL: every row 1; the sum is still divided by R); dlogits (may be NULL)
 * receives d(mean loss)/d(logits). *correct (may be NULL) counts argmax == label. */
double tr_ce(const float *logits, const int *y, const float *w, int R, int C, float *dlogits,
             int *correct);
/* The same over R of a batch's n rows (a rank's share): dlogits of the mean over n rows;
 * returns the sum of the R rows' weighted losses as tr_fix at TR_FIX_M. */
uint64_t tr_ce_rows(const float *logits, const int *y, const float *w, int R, int n, int C,
                    float *dlogits, int *correct);

/* First index of the largest of n values. */
int tr_argmax_f(const float *v, int n);
int tr_argmax_u16(const uint16_t *v, int n);

/* DWN-style kernels (dwn.c; issue 16, arXiv 2410.11112).
 *
 * Trained table (lut { kind = table }): one real value per address, T[2^A], A = F * bits_in;
 * the address of a row is its input codes' bits, slot j in bits [j*bits_in, (j+1)*bits_in)
 * (the table address convention). Forward: z[r] = T[addr[r]], which the layer's quantizer
 * turns into the output code (1-bit relu: 1 when z > 0; multi-bit: the quantizer's level),
 * so the tabulated table is exactly the training forward. Backward: the table entry of
 * each row's address gets dz[r] (straight-through; rows ascending), and each address bit j
 * gets DWN's extended finite difference
 *     dz[r] * sum_k (-1)^(1-k_j) T[k] alpha beta^H(k, addr, not j)
 * (k over all 2^A addresses ascending, H the Hamming distance ignoring bit j, alpha = 0.5 *
 * 0.75^(A-1), beta = 1/3: DWN's weights, the near addresses weigh most) into
 * dbit[j*ldb + r]. A multi-bit input code c = sum_t 2^t bit_t (b bits) gets, by definition,
 * the gradient sum_t 2^t dbit_t / (2^b - 1) (tr_table_code_grad): the bit gradients
 * weighted by the bits' weight in the code, normalised to the code's range. */
void tr_table_forward(const float *T, const uint32_t *addr, int R, float *z);
/* dT += the straight-through gradient (dT is [2^A], accumulated); dbit (NULL: skipped):
 * [A][ldb] EFD gradients of the address bits, overwritten for r < R. */
void tr_table_backward(const float *T, int A, const uint32_t *addr, int R, const float *dz,
                       float *dT, float *dbit, int ldb);
/* The gradient of row r's b-bit input code from its bits' gradients dbit[t*ldb + r]. */
float tr_table_code_grad(const float *dbit, int ldb, int r, int b);
/* Initial table: n values uniform in [-1, 1) from rng (DWN initialises uniformly). */
void tr_table_init(float *T, int n, rt_rng *rng);

/* Learned mapping (connect = mapping): S = out*F slots, each with weights W[s][0..I) over
 * the layer's I inputs (row stride ldw = tr_map_pad(I), padding zero). P = softmax(W/tau)
 * per slot and arg = its argmax (first of equal maxima). Training forward is hard: slot s
 * reads input arg[s] (so the argmax wiring that becomes rt_tables' inputs is what the
 * forward computed); backward is the soft choice's gradient: with
 * G[s][i] = sum_r dsel[r][s] X[r][i] (tr_gemm, fixed order), dW[s][i] += P[s][i] (G[s][i] -
 * sum_j P[s][j] G[s][j]) / tau and dX[r][i] = sum_s dsel[r][s] P[s][i]. X is row-major
 * [R][ldx], ldx = tr_map_pad(I); sel and dsel are [R][S]; G is [S][ldx] scratch. */
int tr_map_pad(int I);
int tr_map_argmax(const float *w, int I); /* tr_argmax_f, vectorized */
void tr_map_softmax(const float *W, int S, int I, int ldw, float tau, float *P, int *arg);
void tr_map_forward(const float *X, int R, int ldx, const int *arg, int S, float *sel);
void tr_map_backward(const float *X, int R, int ldx, const float *P, int S, int I, float tau,
                     const float *dsel, float *G, float *dW, float *dX);

/* Group-sum head: out is the last layer's values feature-major (output j of row r at
 * out[j*ldo + r], classes*G outputs in [0, 1]). With M members (M divides G) member k's
 * logit of class c is the sum of outputs c*G + k*G/M .. c*G + (k+1)*G/M - 1 divided by
 * tau (logits [R][classes] scratch); member k's loss is its mean softmax cross-entropy over
 * every row (Rm 0: shared batches) or over its own rows [k*Rm, (k+1)*Rm) only (Rm = R / M:
 * own batches, the others give its outputs no gradient). Returns the mean over members of
 * their losses, counts the rows whose whole group sums' argmax is right; with dout (then
 * dlogits [R][classes] scratch) the gradient of that loss w.r.t. every output,
 * feature-major like out. M = 1: DWN's group sum. */
double tr_group_sum_ce(const float *out, int R, int ldo, int classes, int G, int M, int Rm,
                       float tau, const int *y, float *logits, float *dlogits, float *dout,
                       int *correct);

/* Input encoders: the thresholds of ir's encoder (thermometer: enc_levels per feature,
 * uniform over the feature's training range min + (t+1)(max-min)/(T+1), or at the training
 * quantiles: the value of rank floor((t+1) n / (T+1)) of the sorted column; binarize: one
 * threshold 0) fitted on split s of `inputs` features into enc (thresholds malloc'd). */
void tr_encoder_fit(const ir_program *ir, const rt_split *s, int inputs, rt_encoder *enc);
/* One row's 1-bit codes: codes[f*levels + t] = x[f] > threshold. */
void tr_encode_row(const rt_encoder *enc, const float *x, uint16_t *codes);

/* ==== 4. Internals shared by the files of runtime/train ========================== */

/* A fixed pool of threads: tr_pool_run calls fn(ctx, tid, n) on every thread (the caller
 * is tid 0) and returns when all have finished. */
typedef struct tr_pool tr_pool;
typedef void (*tr_pool_fn)(void *ctx, int tid, int n);
tr_pool *tr_pool_new(int threads);
void tr_pool_free(tr_pool *p);
int tr_pool_threads(const tr_pool *p);
void tr_pool_run_at(tr_pool *p, tr_pool_fn fn, void *ctx, const char *site);
#define tr_pool_run(p, fn, ctx) tr_pool_run_at(p, fn, ctx, #fn)
/* The pool's jobs since it was made, by call site (the job's text at tr_pool_run): the wall
 * seconds from posting to the last thread's end, the seconds all threads spent in them, and
 * how many ran (benchmarks: where threads wait). A pointer to n entries, valid until the next
 * job; at most TR_POOL_STATS sites (the last entry also takes any more). */
#define TR_POOL_STATS 32
typedef struct tr_pool_stat {
    const char *site;
    double wall, busy;
    long runs;
} tr_pool_stat;
int tr_pool_stats(const tr_pool *p, const tr_pool_stat **st);
/* The next chunk [*lo, *hi) of n items for thread tid of the running job: with steal,
 * chunks of its own tr_share first, then of the shares others have not reached (a thread
 * held up by another process, or by dearer items, leaves them to the rest), only where an
 * item's results do not depend on the thread; without, its whole share once. False when
 * none is left. One set of counters per job: a job hands out one range this way. */
bool tr_pool_chunk(tr_pool *p, int n, int tid, bool steal, int *lo, int *hi);
/* The half-open share [*lo, *hi) of n items for thread tid of nt (fixed partition). */
void tr_share(int n, int tid, int nt, int *lo, int *hi);

/* How a layer's L-LUTs are wired to its inputs. */
typedef enum tr_wire {
    TR_WIRE_DENSE,  /* stage-1 dense linear layer: every L-LUT reads every input (no table) */
    TR_WIRE_DIRECT, /* contiguous with in == out*F: L-LUT o reads inputs o*F .. o*F+F-1, each
                     * input has one reader (tree levels; no index table is consulted) */
    TR_WIRE_MASKED  /* an index table idx and the readers of each input as CSR (learned,
                     * random, and contiguous layers whose inputs are read 0 or many times) */
} tr_wire;

/* One layer of the model: its shape, wiring and where its parameters lie in the parameter
 * and state blocks (part of tr_params; the batch buffers are in tr_work). */
typedef struct tr_layer {
    char name[64];      /* ir_layer.name */
    int in, out;        /* input width, L-LUT count */
    tr_shape sh;        /* L-LUT shape */
    tr_qspec q;         /* output quantizer */
    int bits_in;        /* bits of the codes it reads */
    ir_connect connect; /* how its inputs were chosen */
    tr_wire wire;       /* how they are read */
    int *idx;           /* [out*F] input index per slot (DIRECT and MASKED; NULL when DENSE) */
    int *rd_off;        /* [in+1] CSR: readers of each input (MASKED only) */
    int *rd_slot;       /* [out*F] reader slots o*F+f, grouped by input, ascending (MASKED) */
    /* parameter offsets into the model's blocks (floats). Sparse layers: one record of
     * `stride` floats per L-LUT from o_lut: w1 at 0, then wh, w2, ws (the n_dec weights
     * weight decay applies to), then b1, bh, b, gamma, beta (n_rec floats used). Dense
     * layers: arrays wd [out][in], b, gamma, beta. */
    size_t o_lut, stride, n_dec, n_rec; /* records: start, floats each, decayed, used */
    size_t r_wh, r_w2, r_ws, r_b1, r_bh, r_b, r_gamma, r_beta; /* offsets in a record */
    size_t o_wd, o_b, o_gamma, o_beta;                         /* dense layers: the arrays */
    size_t o_scale;                                            /* the layer's quantizer scale */
    size_t o_rmean, o_rvar;                                    /* offsets into the state block */
    /* connect = mapping: the selection weights [out*F][ldw] from o_map (ldw = tr_map_pad(in),
     * padding 0); each slot's wire idx is the argmax of its row (tr_map_refresh) */
    size_t o_map;
    int ldw;
} tr_layer;

/* What a saved model is: the layers' shapes, wiring and offsets, the parameter block and the
 * batch-norm running statistics. param, state and the wiring tables are slices of one
 * block. */
typedef struct tr_params {
    int n_layers;     /* layers */
    tr_layer *layers; /* [n_layers] */
    int inputs;       /* input width (codes into layer 0) */
    int classes;      /* classes */
    /* The input encoder (ir_program.encode; 0: hard tanh): features raw features per row,
     * levels thresholds each, kept in the state block at o_enc ([inputs] floats, fitted on
     * the training split by tr_model_fit_encoder); the codes are x_f > thr (tr_encode_row) */
    int encode, features, enc_levels, enc_thresh;
    size_t o_enc;
    int head_group;   /* group-sum head: G outputs per class (0: one code per class) */
    float head_tau;   /* its softmax temperature */
    int head_members; /* its members, each with its own loss (1: one) */
    bool head_own;    /* batches = own: each member trains on its own batch of the step */
    tr_qspec in_q;    /* input quantizer */
    bool dense;       /* a stage-1 model (dense learned layers) */
    size_t o_in_gamma, o_in_beta, o_in_scale; /* input parameters (offsets) */
    size_t o_in_rmean, o_in_rvar;             /* input running statistics (state offsets) */
    float *param;                             /* [n_param] all parameters */
    size_t n_param;                           /* parameter count */
    float *state;                             /* [n_state] batch-norm running statistics */
    size_t n_state;                           /* state count */
    uint64_t fingerprint;                     /* architecture fingerprint (files) */
    void *block;                              /* param, state, the wiring tables */
} tr_params;

/* The optimizer state, only while training: gradients, Adam moments (slices of one block)
 * and the step count. */
typedef struct tr_optim {
    float *grad;     /* [n_param] gradients of the parameters as floats (tr_model_backward) */
    uint64_t *gfix;  /* [n_param] their sums over rows in fixed point (TR_FIX_G): what the
                      * backward writes and Adam reads */
    float *adam_m;   /* [n_param] Adam first moments */
    float *adam_v;   /* [n_param] Adam second moments */
    size_t n_param;  /* parameter count */
    uint64_t adam_t; /* Adam steps taken */
    void *block;     /* grad, adam_m, adam_v */
} tr_optim;

/* One layer's batch buffers, [out][ld] unless noted. The training-only ones are NULL in an
 * evaluation workspace. */
typedef struct tr_layer_buf {
    float *val;      /* dequantized outputs */
    uint16_t *codes; /* output codes (evaluation) */
    float *zlast;    /* pre-quantizer values (evaluation; last layer only) */
    float *xhat;     /* normalized pre-activations (training) */
    float *ypre;     /* dense layers: pre-norm outputs, then their gradients (training) */
    float *xt;       /* [ld][tr_pad_rows(in)] dense layers: the inputs transposed (training) */
    float *dval;     /* gradient w.r.t. val (training) */
    float *dxg;      /* [out*F][ld] masked layers: input gradients per L-LUT slot (training) */
    bool dxg_used;   /* dxg may hold floats: zeroed before it holds fixed-point sums (model.c) */
    float *istd;     /* [out] batch-norm inverse std of the batch (training) */
    /* per-address path (training; tr_addr_rec, addr.c): [out][ld] each row's number among
     * the used addresses, [out][Ua] each number's address, row count and output (then
     * xhat), [out] the used addresses; Ua = tr_addr_rows */
    uint16_t *anum, *arep;
    uint32_t *acnt;
    float *ay;
    float *ajac; /* [out][F][Ua] the forward's Jacobian per number (one hidden layer) */
    int *aU;
    float *amu;     /* [out] the batch means (per-address path, training) */
    float *mp, *mg; /* [out*F][ldw] mapping layers: softmax(W / TR_MAP_TAU), its gradient */
} tr_layer_buf;

/* The workspace, sized by rows_max: batch buffers (feature-major: value j of row r is at
 * [j*ld + r], so an L-LUT's inputs and outputs over a batch are contiguous rows the vector
 * kernels read directly), per-thread scratch and the thread pool. Every buffer is a slice of
 * one block (64-byte aligned slices). */
typedef struct tr_work {
    bool train;           /* training buffers present */
    int rows_max;         /* most rows of one batch */
    int ld;               /* leading dimension of batch buffers: rows_max padded to 16 */
    float bn_momentum;    /* running-statistics momentum (training) */
    const float *class_w; /* [classes] loss weight of each class (train.class_weight; set by
                             the trainer, not owned), or NULL: every sample weighs 1 */
    tr_layer_buf *lb;     /* [n_layers] */
    float *x_in;          /* [inputs][ld] raw input batch */
    float *in_val;        /* [inputs][ld] input quantizer values */
    uint16_t *in_codes;   /* [inputs][ld] input codes (evaluation) */
    float *in_xhat;       /* [inputs][ld] input batch-norm xhat (training) */
    float *in_dval;       /* [inputs][ld] gradient w.r.t. in_val (training) */
    float *in_istd;       /* [inputs] (training) */
    uint64_t *st;         /* [3 * max(out, inputs)] per-channel fixed-point sums (training) */
    float *mu;            /* [max(out, inputs)] per-channel batch means (training) */
    uint64_t *lpart;      /* [threads][2] the loss's sums over each thread's rows (training) */
    float **gsc;          /* [threads] per-thread block gradients (training), gsc_n floats */
    size_t gsc_n;
    uint64_t *atab;   /* per-address path: [out][2^A][TR_ADDR_TAB] sums per address (grown) */
    size_t atab_n;    /* its capacity (entries) */
    train_dp dp;      /* the ranks (train_opts.dp); ranks <= 1: one process */
    int split_rows;   /* this batch's rows over all ranks while the rows are split
                       * (train.c), 0 otherwise: the rows are the whole batch */
    int rows_all;     /* the current batch's rows over all ranks (forward_train sets) */
    float *logits;    /* [rows_max][classes] the last layer's values, row-major (loss) */
    float *dlogits;   /* [rows_max][classes] their gradient (training) */
    int *y;           /* [rows_max] labels of the batch */
    int addr_mode;    /* sparse layers' path: TR_ADDR_AUTO, _SAMPLE or _ADDRESS (addr.c) */
    bool map_frozen;  /* the mapping layers' wires are fixed (tr_model_freeze_mapping) */
    int threads;      /* thread count */
    tr_pool *pool;    /* worker threads */
    float **scratch;  /* [threads] per-thread scratch */
    size_t scratch_n; /* floats per thread scratch */
    void *block;      /* everything above but the pool */
} tr_work;

/* A model: parameters (always), optimizer state (NULL unless training) and workspace. */
struct tr_model {
    tr_params p;   /* what is saved */
    tr_optim *opt; /* gradients and Adam state, or NULL */
    tr_work w;     /* batch buffers, scratch, pool */
};

/* The parameters of a model for ir: dense (stage 1: learned layers dense) or sparse
 * (masks[l] gives the input index table of each learned layer; NULL entries / a NULL array:
 * random masks seeded by seed). The values are zero until tr_model_init_params or a load. */
void tr_params_build(tr_params *p, const ir_program *ir, bool dense, int *const *masks,
                     uint64_t seed);
void tr_params_free(tr_params *p);
/* Optimizer state for n parameters, zeroed. */
tr_optim *tr_optim_new(size_t n);
void tr_optim_free(tr_optim *o);
/* A fresh optimizer (zero moments and step count). */
void tr_optim_reset(tr_optim *o);
/* The workspace of p for batches of up to rows_max rows; train: also the training
 * buffers. threads: 0 means tr_threads(0), the machine's cores. */
void tr_work_build(tr_work *w, const tr_params *p, int rows_max, int threads, bool train);
void tr_work_free(tr_work *w);

/* Builds a model: tr_params_build, then with train the optimizer state and a training
 * workspace, else an evaluation workspace and no optimizer state. */
tr_model *tr_model_new(const ir_program *ir, bool dense, int *const *masks, uint64_t seed,
                       int rows_max, int threads, bool train);
/* Drops the optimizer state and the training buffers (a trained model about to be
 * tabulated, evaluated or handed out). */
void tr_model_finish_training(tr_model *m);
/* Initial parameter values from the seeded generator (stage: 0 dense, 1 sparse). */
void tr_model_init_params(tr_model *m, uint64_t seed, int stage);
/* The parameter (or gradient, with base = grad) slices of L-LUT o of a sparse layer. */
tr_lut tr_layer_lut(const tr_layer *L, float *base, int o);
/* The slices of one L-LUT record at rec (a parameter or gradient record of layer L). */
tr_lut tr_lut_rec(const tr_layer *L, float *rec);
tr_lut_fix tr_lut_fixrec(const tr_layer *L, uint64_t *rec);
/* Offsets of the batch-norm gamma and beta of L-LUT o (any layer). */
size_t tr_gamma_off(const tr_layer *L, int o);
size_t tr_beta_off(const tr_layer *L, int o);
/* The passes below run on any model; those that train (forward_train, backward, step,
 * bn_refit) need a training model (tr_model_new with train). */
/* The readers of every input of a masked layer (rd_off, rd_slot) from its wires idx, as CSR
 * grouped by input, slots ascending. */
void tr_layer_readers(tr_layer *L);
/* A masked layer's input gradients (din.c): how the backward of layer l sums them (from
 * tr_din_begin, before the layer's backward, which zeroes the slices when they need it),
 * thread tid's slice of fixed-point sums, and the sums of inputs [lo, hi) into din. */
enum { TR_DIN_FLOAT, TR_DIN_FIXED, TR_DIN_SLICES };
int tr_din_begin(tr_model *m, int l, bool per_addr);
uint64_t *tr_din_slice(const tr_model *m, int l, int tid);
void tr_din_sum(const tr_model *m, int l, int mode, int R, float *din, int lo, int hi);
/* The learned mapping's softmax temperature (training's soft choice; the wire is hard). */
#define TR_MAP_TAU 1.0f
/* The wires of every mapping layer from its weights: idx = argmax per slot, and in training
 * (train) the softmax rows mp. */
void tr_map_refresh(tr_model *m, bool train);
/* The backward of mapping layer l over R rows (its slot rows' gradients dxg written): the
 * mapping weights' gradient sums, and the inputs' gradients into din unless NULL. */
void tr_map_layer_backward(tr_model *m, int l, int R, float *din);
/* Fixes (on) or frees the wires of the model's mapping layers (stage.freeze_mapping). Fixed,
 * a mapping layer trains as a layer with those wires (connect = random's path): no softmax,
 * no weight gradient, the inputs' gradients through the wires only, and Adam leaves its
 * weights as they are. */
void tr_model_freeze_mapping(tr_model *m, bool on);
/* The input quantizer and scale of every table layer (tr_shape.in_q, in_s) from the model's
 * parameters: run before each forward and tabulation, as tr_map_refresh. */
void tr_table_refresh(tr_model *m);
/* Fits the input encoder's thresholds on split s (tr_encoder_fit) into the state block;
 * nothing without an encoder. */
void tr_model_fit_encoder(tr_model *m, const rt_split *s);
/* The model's input encoder as rt_encoder (thresholds malloc'd; encode 0: none). */
void tr_model_encoder(const tr_model *m, rt_encoder *enc);
/* Class scores of batch row r after a forward: the quantized codes (or, flt, the last
 * layer's pre-quantizer values zlast), summed over each class's group under a group-sum
 * head. score: [classes]. */
void tr_model_scores(const tr_model *m, int r, bool flt, float *score);
/* Table L-LUTs (kind = table): y[r] = T[address of row r] (x feature-major as
 * tr_subnet_forward's); input j's code fills address bits [j*b, (j+1)*b): with 1-bit inputs
 * the bit x[j][r] > 0, with b-bit inputs the code of the level rint(x / in_s) under in_q
 * (x is (float)level * in_s, so this is the code the layer below gave). The backward adds
 * dy to the entries (straight through) and gives each input dy times its code's gradient
 * from the EFD of its bits (tr_table_code_grad's definition; the EFD itself for 1 bit). */
void tr_tlut_forward(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R, float *y);
void tr_tlut_backward(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                      const float *dy, const tr_lut *g, float *dx, int lddx);
/* Copies rows [i0, i0+R) of split s (through perm when not NULL) into batch rows
 * [at, at+R), through the input encoder when the model has one. */
void tr_model_load_rows(tr_model *m, const rt_split *s, const int *perm, int i0, int R, int at);
/* The cross-entropy of the batch's R rows after a training forward (rows split over the
 * threads): the last layer's value gradients, sum[0] the loss's fixed-point sum (TR_FIX_M,
 * weighted, over rows_all), sum[1] the rows classified right (this rank's rows). */
void tr_model_ce(tr_model *m, int R, uint64_t sum[2]);
/* augment = shift: batch row at + r (split s's row perm[i0 + r], as tr_model_load_rows) is
 * its image moved by (dy, dx), each uniform in -P..P drawn from rng in row order (dy first),
 * pixels shifted in d->blank; with an input encoder the moved image is then encoded. */
void tr_model_shift_rows(tr_model *m, const rt_dataset *d, const rt_split *s, const int *perm,
                         int i0, int R, int at, int P, rt_rng *rng);
/* Training forward of rows [0,R) of m->w.x_in; returns the mean loss; counts correct. */
double tr_model_forward_train(tr_model *m, int R, int *correct);
/* Backward after tr_model_forward_train; wd/wd1 > 0 add the regulariser (dense layers):
 * the gradients' sums (gfix) and as floats (grad). */
void tr_model_backward(tr_model *m, int R, double wd, double wd1);
/* The evaluation-mode batch norm and quantizer of L-LUT o of layer l (exactly what the
 * evaluation pass applies) over sub-network outputs y[0..R): values and codes. */
void tr_lut_codes(tr_model *m, int l, int o, const float *y, int R, float *val, uint16_t *codes);
/* Regulariser value of the dense layers. */
double tr_model_reg(const tr_model *m, double wd, double wd1);
/* Evaluation forward of rows [0,R) of m->w.x_in (running statistics): fills values and, when
 * the code arrays are set, codes; the last layer's pre-quantizer values go to zlast. */
void tr_model_forward_eval(tr_model *m, int R);
/* The input stage of tr_model_forward_eval alone: the input codes (w.in_codes) of rows
 * [0,R) of m->w.x_in, the layers untouched. */
void tr_model_forward_inputs(tr_model *m, int R);
/* Refits the batch-norm running statistics to the current parameters: the mean of the
 * batch statistics of training-mode forwards over rows perm[0..n) of split s (n >= 1), in
 * blocks of min(rows, rows_max, n) rows (a last partial block is left out); the parameters
 * do not change. */
void tr_model_bn_refit(tr_model *m, const rt_split *s, const int *perm, int n, int rows);
/* The exponential moving average of the parameters: avg = decay*avg + (1-decay)*param. */
void tr_model_average(tr_model *m, float *avg, float decay);
/* Top-F inputs per L-LUT by |weight| of every dense layer: masks[l] (malloc'd, ascending
 * per L-LUT) for dense layers, NULL otherwise. */
int **tr_model_masks_from_dense(const tr_model *m);
/* Architecture fingerprint of an IR (FNV-1a over the shapes, bits and quantizers). */
uint64_t tr_ir_fingerprint(const ir_program *ir);

/* One Adam/AdamW step's constants. */
typedef struct tr_adam {
    float lr;       /* learning rate */
    float b1, b2;   /* betas */
    float c1, c2;   /* bias corrections 1-b1^t, 1-b2^t */
    float wd;       /* weight decay */
    bool decoupled; /* AdamW: decay the weight itself, not the gradient */
} tr_adam;
/* Counts the step (o->adam_t) and fills a. */
void tr_adam_begin(tr_adam *a, tr_optim *o, const ir_stage *st, double lr);
/* Updates parameters param[i0, i0+n) from their gradients' sums in o (gfix); decay:
 * weight decay applies. */
void tr_adam_apply(const tr_adam *a, float *param, tr_optim *o, size_t i0, size_t n, bool decay);
/* Whether the sums over rows are added over ranks (train_dp: ranks > 1, rows split). */
bool tr_dp_active(const tr_model *m);
/* Whether this rank adds the quantities every rank computes alike (computed from reduced
 * sums) to the gradient sums that are reduced once more: rank 0 only. */
bool tr_dp_own(const tr_model *m);
/* The step on L-LUT o's record of sparse layer L (weights with decay, the rest without).
 * The sub-network's parameters from their gradient record g when not NULL (one term per
 * sum: tr_fix(g[i])), else from their sums gs when not NULL (a thread's own record), else
 * from their sums in gfix; the batch-norm affine always from gfix. */
void tr_adam_lut(const tr_adam *a, tr_model *m, const tr_layer *L, int o, const float *g,
                 const uint64_t *gs);
/* Whether the backward runs the step on layer L's records as soon as each L-LUT's sums are
 * final (fused: one process, not a dense or mapping layer); the same bits either way. */
bool tr_adam_fused(const tr_model *m, const tr_layer *L);
/* The step a over every parameter, but for the records tr_adam_fused allows when fused
 * (the backward ran their step). */
void tr_adam_run(tr_model *m, const tr_adam *a, bool fused);
/* A whole step over the parameter block (after tr_model_backward; a training model). */
void tr_adam_step(tr_model *m, const ir_stage *st, double lr);
/* The backward (gradient sums over all ranks) then the Adam step over every parameter:
 * the results equal tr_model_backward followed by tr_adam_step. */
void tr_model_step(tr_model *m, int R, const ir_stage *st, double lr, double wd, double wd1);
/* Learning rate of a stage at fractional epoch e (0-based) under its schedule. */
double tr_lr_at(const ir_stage *st, double e);

/* The IR and the data must fit together (check.c): RT_ERR_MODEL naming every problem, all
 * in one message. */
rt_status tr_check_run(const ir_program *ir, const rt_dataset *d, rt_error *e);

/* One row of curve.csv. */
typedef struct tr_curve_row {
    bool dense;       /* stage kind */
    int epoch;        /* 1-based within the stage */
    double loss;      /* mean training loss of the epoch */
    double train_acc; /* training accuracy (training-mode forward) */
    double valid_acc; /* validation accuracy of the quantized model (NAN: none) */
    double lr;        /* learning rate at the end of the epoch */
    double seconds;   /* wall seconds since the start of training */
    double sps;       /* training samples per second of the epoch */
} tr_curve_row;

/* The progress of a training run: everything a resume needs besides the model. */
typedef struct tr_run {
    int stage;             /* index of the current stage (the last one once finished) */
    int epoch;             /* epochs completed in that stage */
    int batch;             /* batches completed in the current epoch */
    double ep_loss;        /* current epoch: sum of loss * rows so far */
    long ep_correct;       /* current epoch: correct training predictions so far */
    long ep_seen;          /* current epoch: samples so far */
    double ep_train_s;     /* current epoch: training seconds so far */
    double elapsed;        /* wall seconds of training so far, over all sessions */
    double stage_s[2];     /* wall seconds in dense [0] and sparse [1] stages */
    double sparse_train_s; /* training-only seconds of sparse epochs */
    long sparse_samples;   /* samples trained in sparse epochs */
    int sparse_epochs;     /* sparse epochs completed (over all sparse stages) */
    double best_valid;     /* best validation accuracy so far (-1: none) */
    double best_loss;      /* validation loss of that epoch (ties are broken by it) */
    int best_epoch;        /* its sparse epoch (1-based, counted over sparse stages) */
    float *best_param;     /* [n_param] parameters of the best epoch, or NULL */
    float *best_state;     /* [n_state] running statistics of the best epoch, or NULL */
    float *avg;            /* [n_param] the parameter average (average = ema), or NULL */
    int n_curve;           /* rows of the curve */
    tr_curve_row *curve;   /* [n_curve] */
} tr_run;

void tr_run_free(tr_run *r);
/* Checkpoint of run + model (see section 2; m is a training model). fp: the run
 * fingerprint. Errors (RT_ERR_IO) name the file. */
rt_status tr_ckpt_save(const char *path, const tr_run *r, const tr_model *m, uint64_t fp,
                       rt_error *e);
/* Loads a checkpoint: rebuilds the training model it holds. Errors name the file: RT_ERR_IO
 * (unreadable, foreign, other format version, damaged), RT_ERR_MODEL (another model, or
 * shapes that do not match). */
rt_status tr_ckpt_load(const char *path, const ir_program *ir, uint64_t fp, int rows_max,
                       int threads, tr_run *r, tr_model **m, rt_error *e);
/* model.bin: masks, parameters and running statistics of m. */
rt_status tr_model_save(const char *path, const tr_model *m, rt_error *e);
/* curve.csv from the run's rows. */
rt_status tr_write_curve(const char *path, const tr_run *r, rt_error *e);
/* Writes masks.txt for the layers of m that are not contiguous. */
rt_status tr_write_masks(const tr_model *m, const char *path, rt_error *e);

/* Sizes of a model's parts, measured by the layout code without allocating them (the
 * memory estimate, memory.c): the parameter block (parameters, running statistics, wiring
 * tables), its float counts, and the workspace of rows_max rows for training and for
 * evaluation with threads threads (0: 2). dense: the stage-1 layout. */
typedef struct tr_layout_size {
    size_t params, n_param, n_state;
    size_t work_train, work_eval;
} tr_layout_size;
void tr_layout_measure(const ir_program *ir, bool dense, int rows_max, int threads,
                       tr_layout_size *out);
/* The workspace rows of a run of ir: the largest stage batch, at least 256. */
int tr_rows_max(const ir_program *ir);

/* ==== 5. Benchmark and test hooks ================================================= */

/* What benchmarks may ask of a training run besides train_opts. */
typedef struct tr_bench_opts {
    int max_batches;    /* cap on batches per epoch (0 = every batch) */
    bool compare_plain; /* with average = ema: also select the plain model of each sparse
                         * epoch (live parameters, running statistics) on validation and
                         * print its test accuracy at the end (this session's epochs only) */
    int addr_mode;      /* the training model's tr_work.addr_mode (TR_ADDR_AUTO: default) */
} tr_bench_opts;

/* train_run with benchmark options (b may be NULL: train_run itself). */
rt_status tr_train_bench(const ir_program *ir, const rt_dataset *d, const train_opts *o,
                         const tr_bench_opts *b, rt_report *rep, tr_model **out, rt_error *e);

/* tr_train_bench of a head of members that train as models of their own (batches =
 * separate; members.c): each member trained alone, then the model assembled from them. */
rt_status tr_train_members(const ir_program *ir, const rt_dataset *d, const train_opts *o,
                           const tr_bench_opts *b, rt_report *rep, tr_model **out, rt_error *e);

/* Layer l's sub-networks alone, without batch norm and quantizer (sparse layers of a
 * training model; for the gradient tests of the wiring): y[o*ld + r] from input values
 * in[i*ld + r]; the backward sets the layer's sub-network parameter gradients and
 * din[i*ld + r] from dy. */
void tr_layer_subnet_forward(tr_model *m, int l, const float *in, int R, float *y);
void tr_layer_subnet_backward(tr_model *m, int l, const float *in, int R, const float *dy,
                              float *din);

#include "addr.h" /* the per-address path (after the types it uses) */

#endif /* NLTC_TRAIN_INT_H */
