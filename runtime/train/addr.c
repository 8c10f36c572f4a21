/* addr.c - the sparse stage's per-address path (issue 15): an L-LUT reads F codes of
 * bits_in bits, so over a batch of R rows it sees at most min(R, 2^A) distinct addresses
 * (A = F * bits_in). This path runs the L-LUT's sub-network once per distinct address the
 * batch uses and works per address wherever every row of an address has the same value.
 *
 * Addresses: the code of input f sits at bits f*bits_in of the address; the previous layer's
 * forward writes the codes beside the values (training and evaluation). The used addresses
 * are numbered in ascending order; a used address's input values are its codes' levels
 * times the previous quantizer's scale, (float)q * s, the very floats the rows hold.
 *
 * Forward: the rows' addresses numbered with their row counts, the sub-network once per
 * used address. Evaluation gathers each row's output (bit-identical to the per-sample
 * outputs, since the kernels compute a row independently of the rows around it). Training
 * keeps the numbering in the L-LUT's record (tr_addr_rec: each row's number, each number's
 * address, row count and output) and sums per number: the batch norm's sums of the outputs
 * and of their squared deviations are count * term per number, the same integers as the
 * per-row sums (model.c); batch norm and quantizer run per number (xhat, value, code), the
 * record's outputs become their xhat, the codes are gathered per row, and the values only
 * where the loss or a next layer on the per-sample path reads them.
 *
 * Backward: every row of an address has the same xhat, so the quantizer's straight-through
 * estimator and the batch norm's backward are per address too; the only per-row quantity
 * is the value gradient dv. tr_addr_sums adds each row's dv in fixed point to its number;
 * a data-parallel run writes the sums and row counts into the L-LUT's table of 2 x 2^A
 * entries per address, which the ranks add (train_dp), so the sums per address do not
 * depend on how the rows are split; one process keeps them per number. From the sums over
 * all rows, tr_addr_backward takes every used address's xhat (the record's, or recomputed
 * for addresses only other ranks' rows used: a row's output does not depend on its
 * batch), runs the estimator and the batch-norm backward per address (the sums of dz, dz *
 * xhat and the scale terms; each row's dy = e_u dv + c_u and each address's summed dy),
 * runs the sub-network's backward once over the used addresses (the same on every rank:
 * the parameter gradients are complete, not partial), and gives row r the input gradient
 * J_u * dy[r], J_u = d(subnet)/d(input values) at its address (tr_sub1_backward_jac, or
 * for deep sub-networks a second backward with unit weights), per row and slot like the
 * per-sample path's (masked layers: as fixed-point terms, din.c), so the previous layer's
 * values, and through its estimator its scale, still get their gradient row by row. One
 * process runs Adam on the record straight from the float gradients (tr_adam_lut: the same
 * floats as their one-term sums).
 *
 * Bits: training gives other bits than the per-sample path (the sub-network's gradients
 * summed per address), never other bits for another thread or rank count.
 */
#include "train_int.h"

#include <string.h>

#include "vfma.h"

/* The fewest batch rows from which the automatic choice takes the per-address path: twice
 * the 2^A addresses, the addresses alone for a one-hidden-layer MLP of at least 384
 * multiply-adds per row (the paper's F = 6, N = 64 has 448) and for polynomials of degree 2
 * or more, a sixteenth of them for deeper MLPs (depth > 1: their per-sample path adds every
 * 16-row block's parameter gradients in fixed point, the per-address path once). Measured
 * on AVX2 and AVX-512 machines (bench/train/README.md, sessions 16, 17 and 20); the rule
 * reads the model alone, so a model and seed give the same bits on every machine. */
static long addr_min_rows(const tr_shape *sh, int A) {
    long a = (long)1 << A;
    if (sh->N > 0 && sh->depth > 1) return a >= 16 ? a / 16 : 1;
    long macs = sh->N > 0 ? (long)sh->N * (sh->F + 1) : 0;
    return a * (macs >= 384 || tr_shape_degree(sh) >= 2 ? 1 : 2);
}

bool tr_addr_use(const tr_work *w, const tr_layer *L, int R) {
    int A = L->sh.F * L->bits_in;
    if (L->wire == TR_WIRE_DENSE || L->sh.table || A > TR_ADDR_MAX_BITS) return false;
    if (w->addr_mode == TR_ADDR_SAMPLE) return false;
    if (w->addr_mode == TR_ADDR_ADDRESS) return true;
    return (long)R >= addr_min_rows(&L->sh, A);
}

int tr_addr_rows(const tr_layer *L, int ld) {
    long a = (long)1 << (L->sh.F * L->bits_in);
    return tr_pad_rows(a < ld ? (int)a : ld);
}

/* Count tables of the numbering: rows r mod 4 count into their own table in small address
 * spaces, so that rows of one address in a row do not wait for each other's increment. */
static int count_tables(int A) {
    return A <= 8 ? 4 : 1;
}

/* One L-LUT's per-address scratch, carved from a thread's scratch (vectors first). */
typedef struct addr_buf {
    int U, Up;     /* used addresses over all ranks (backward), padded to the vector block */
    float *xu;     /* [F][Up] input values per used address */
    float *yu;     /* [Up] sub-network outputs (evaluation), gradients per address (backward) */
    float *one;    /* [Up] unit weights (backward) */
    float *jac;    /* [F][Up] d(subnet)/d(input) per used address (backward) */
    float *jl;     /* [F][Ua] the Jacobian by this rank's numbers (backward, when they differ) */
    float *xh;     /* [Up] xhat per used address (backward) */
    float *e, *c;  /* [Ua] each row's dy = e * dv + c by its number (backward) */
    float *dy;     /* [ld] the rows' dy (backward) */
    uint64_t *S;   /* [Ua] the summed dv per used address (backward) */
    uint32_t *n;   /* [Ua] the rows per used address (backward) */
    float *sub;    /* the sub-network's own scratch */
    uint32_t *map; /* [K][2^A] row counts, then address -> number */
    uint32_t *cnt; /* [Ua] rows per number (evaluation) */
    uint16_t *inv; /* [ld] each row's address */
    uint16_t *num; /* [ld] each row's number (evaluation) */
    uint16_t *rep; /* [Ua] the address of each number */
} addr_buf;

size_t tr_addr_scratch(const tr_layer *L, int ld) {
    int A = L->sh.F * L->bits_in;
    if (L->wire == TR_WIRE_DENSE || A > TR_ADDR_MAX_BITS) return 0;
    size_t F = (size_t)L->sh.F, U = (size_t)tr_addr_rows(L, ld);
    size_t pass = (3 * F + 8) * U + 2 * (size_t)ld + tr_subnet_scratch(&L->sh, (int)U) +
                  ((size_t)count_tables(A) << A) + U + (size_t)ld + U;
    size_t sums = 8 * U; /* tr_addr_sums' tables */
    return (pass > sums ? pass : sums) + 64;
}

static addr_buf addr_carve(const tr_layer *L, int ld, float *sc) {
    addr_buf b;
    int A = L->sh.F * L->bits_in;
    size_t F = (size_t)L->sh.F, U = (size_t)tr_addr_rows(L, ld);
    b.U = b.Up = 0;
    b.xu = sc;
    b.yu = b.xu + F * U;
    b.one = b.yu + U;
    b.jac = b.one + U;
    b.jl = b.jac + F * U;
    b.xh = b.jl + F * U;
    b.e = b.xh + U;
    b.c = b.e + U;
    b.dy = b.c + U;
    b.S = (uint64_t *)(b.dy + tr_pad_rows(ld));
    b.n = (uint32_t *)(b.S + U);
    b.sub = (float *)(b.n + U);
    b.map = (uint32_t *)(b.sub + tr_subnet_scratch(&L->sh, (int)U));
    b.cnt = b.map + ((size_t)count_tables(A) << A);
    b.inv = (uint16_t *)(b.cnt + U);
    b.num = b.inv + ld;
    b.rep = b.num + ld;
    return b;
}

tr_addr_rec tr_addr_rec_of(const tr_model *m, int l, int o) {
    const tr_layer_buf *B = &m->w.lb[l];
    size_t ua = (size_t)tr_addr_rows(&m->p.layers[l], m->w.ld) * (size_t)o;
    float *jac = B->ajac ? B->ajac + ua * (size_t)m->p.layers[l].sh.F : NULL;
    tr_addr_rec a = {
        B->aU + o, B->anum + (size_t)o * m->w.ld, B->arep + ua, B->acnt + ua, B->ay + ua, jac,
        B->amu + o};
    return a;
}

/* Asks the cache for n bytes at p, line by line. */
static void fetch(const void *p, size_t n) {
    for (size_t i = 0; i < n; i += 64)
        __builtin_prefetch((const char *)p + i);
}

void tr_lut_prefetch(const tr_model *m, int l, int o, bool per_addr) {
    const tr_layer *L = &m->p.layers[l];
    size_t rec = L->o_lut + (size_t)o * L->stride, n = L->n_rec * sizeof(float);
    fetch(m->p.param + rec, n);
    fetch(m->opt->adam_m + rec, n);
    fetch(m->opt->adam_v + rec, n);
    if (!per_addr) return;
    tr_addr_rec a = tr_addr_rec_of(m, l, o);
    size_t ua = (size_t)tr_addr_rows(L, m->w.ld), ld = (size_t)m->w.ld;
    fetch(a.y, ua * sizeof(float));
    fetch(a.rep, ua * sizeof(uint16_t));
    fetch(a.cnt, ua * sizeof(uint32_t));
    fetch(a.num, ld * sizeof(uint16_t));
    if (a.jac) fetch(a.jac, ua * (size_t)L->sh.F * sizeof(float));
    fetch(m->w.lb[l].dval + (size_t)o * ld, ld * sizeof(float));
}

/* The codes the layer reads: the input quantizer's (layer 0) or the previous layer's. */
static const uint16_t *codes_in(const tr_model *m, int l) {
    return l == 0 ? m->w.in_codes : m->w.lb[l - 1].codes;
}

/* Input j of slot f of L-LUT o. */
static int slot_input(const tr_layer *L, int o, int f) {
    int s = o * L->sh.F + f;
    return L->wire == TR_WIRE_DIRECT ? s : L->idx[s];
}

/* The addresses of rows [0,R) of L-LUT o into inv (the code of input f at bits
 * f*bits_in). */
static void addr_compute(const tr_model *m, int l, int o, int R, uint16_t *restrict inv) {
    const tr_layer *L = &m->p.layers[l];
    const uint16_t *codes = codes_in(m, l);
    int F = L->sh.F, bits = L->bits_in, ld = m->w.ld;
    const uint16_t *restrict c0 = codes + (size_t)slot_input(L, o, 0) * ld;
    for (int r = 0; r < R; r++)
        inv[r] = c0[r];
    for (int f = 1; f < F; f++) {
        const uint16_t *restrict c = codes + (size_t)slot_input(L, o, f) * ld;
        for (int r = 0; r < R; r++)
            inv[r] |= (uint16_t)(c[r] << (f * bits));
    }
}

/* ---- Lookups: row r's entry num[r] of a small table, by vector permutes ---------------
 * A table of at most 4 VL 32-bit entries is held in 4 vectors; a vector of rows' entries is
 * two two-vector permutes (__builtin_shuffle takes the index modulo 2 VL) and a select:
 * pure data movement, so the bits are the scalar loop's (larger tables take that loop). */
#define LUT_MAX (4 * VL)
typedef uint16_t vh __attribute__((vector_size(VL * 2)));

/* VL row indices from num. */
static inline vi lut_index(const uint16_t *num) {
    vh h;
    memcpy(&h, num, sizeof h);
    return __builtin_convertvector(h, vi);
}

/* Lane j: entry idx[j] of the table t of n <= LUT_MAX entries. */
static inline vi lut_get(const vi t[4], int n, vi idx) {
    vi out = __builtin_shuffle(t[0], t[1], idx);
    if (n > 2 * VL) {
        vi hi = __builtin_shuffle(t[2], t[3], idx), sel = idx >= ((vi){0} + 2 * VL);
        out = (hi & sel) | (out & ~sel);
    }
    return out;
}

/* The table of n <= LUT_MAX 32-bit entries v, read in whole vectors (entries n ..
 * tr_pad_rows(n)-1 are read, never selected); vectors beyond them zero. */
static void lut_load(const void *v, int n, vi t[4]) {
    for (int k = 0; k < 4; k++)
        if (k * VL < n)
            memcpy(&t[k], (const char *)v + (size_t)k * VL * 4, sizeof(vi));
        else
            t[k] = (vi){0};
}

void tr_addr_gather(const float *restrict v, int n, const uint16_t *restrict num, int R,
                    const float *restrict s, float *restrict y) {
    int r = 0;
    if (n <= LUT_MAX) {
        vi t[4];
        lut_load(v, n, t);
        for (; r + VL <= R; r += VL) {
            vf g = (vf)lut_get(t, n, lut_index(num + r));
            vst(y + r, s ? g * vld(s + r) : g);
        }
    }
    if (s)
        for (; r < R; r++)
            y[r] = v[num[r]] * s[r];
    else
        for (; r < R; r++)
            y[r] = v[num[r]];
}

void tr_addr_gather16(const uint32_t *restrict v, int n, const uint16_t *restrict num, int R,
                      uint16_t *restrict y) {
    int r = 0;
    if (n <= LUT_MAX) {
        vi t[4];
        lut_load(v, n, t);
        for (; r + VL <= R; r += VL) {
            vh h = __builtin_convertvector(lut_get(t, n, lut_index(num + r)), vh);
            memcpy(y + r, &h, sizeof h);
        }
    }
    for (; r < R; r++)
        y[r] = (uint16_t)v[num[r]];
}

/* y[r] = e[num[r]] * x[r] + c[num[r]] for r < R (e, c: n entries, readable like
 * tr_addr_gather's). */
static void gather_affine(const float *restrict e, const float *restrict c, int n,
                          const uint16_t *restrict num, int R, const float *restrict x,
                          float *restrict y) {
    int r = 0;
    if (n <= LUT_MAX) {
        vi te[4], tc[4];
        lut_load(e, n, te);
        lut_load(c, n, tc);
        for (; r + VL <= R; r += VL) {
            vi idx = lut_index(num + r);
            vst(y + r, (vf)lut_get(te, n, idx) * vld(x + r) + (vf)lut_get(tc, n, idx));
        }
    }
    for (; r < R; r++)
        y[r] = e[num[r]] * x[r] + c[num[r]];
}

/* acc[r] += tr_fix(v[num[r]] * s[r], TR_FIX_G) for r < R (v: n entries, readable like
 * tr_addr_gather's): an input's gradient terms summed in fixed point, in any order. */
static void gather_fix_add(const float *restrict v, int n, const uint16_t *restrict num, int R,
                           const float *restrict s, uint64_t *restrict acc) {
    int r = 0;
    if (n <= LUT_MAX) {
        vi t[4];
        lut_load(v, n, t);
        for (; r + VL <= R; r += VL)
            vfix_add(acc + r, (vf)lut_get(t, n, lut_index(num + r)) * vld(s + r), VL);
    }
    for (; r < R; r++)
        acc[r] += tr_fix(v[num[r]] * s[r], TR_FIX_G);
}

/* Numbers the addresses of rows [0,R) (inv) in ascending order into a: the count U, the
 * address (rep) and row count (cnt) of each number, each row's number (num). map:
 * count_tables(A) x 2^A entries of scratch; Ua: the entries of a's tables. */
static void addr_number(const tr_layer *L, int R, int Ua, const uint16_t *restrict inv,
                        uint32_t *restrict map, const tr_addr_rec *a) {
    int bits = L->sh.F * L->bits_in, A = 1 << bits, K = count_tables(bits), r = 0;
    memset(map, 0, ((size_t)K << bits) * sizeof(uint32_t));
    if (K == 4) {
        uint32_t *m1 = map + A, *m2 = m1 + A, *m3 = m2 + A;
        for (; r + 4 <= R; r += 4) {
            map[inv[r]]++;
            m1[inv[r + 1]]++;
            m2[inv[r + 2]]++;
            m3[inv[r + 3]]++;
        }
        for (int x = 0; x < A; x++)
            map[x] += m1[x] + m2[x] + m3[x];
    }
    for (; r < R; r++)
        map[inv[r]]++;
    int U = 0;
    if (A <= Ua) /* without a branch: entry U <= x is always inside a's tables */
        for (int x = 0; x < A; x++) {
            uint32_t n = map[x];
            a->rep[U] = (uint16_t)x;
            a->cnt[U] = n;
            map[x] = (uint32_t)U;
            U += n != 0;
        }
    else
        for (int x = 0; x < A; x++)
            if (map[x]) {
                a->rep[U] = (uint16_t)x;
                a->cnt[U] = map[x];
                map[x] = (uint32_t)U++;
            }
    tr_addr_gather16(map, A, inv, R, a->num);
    *a->U = U;
}

/* Each used address's input values (rep[0..U), zero to Up): the dequantized level of each
 * of its codes, as the previous quantizer computed them ((float)q * s: the same floats the
 * rows hold). */
static void addr_values(const tr_model *m, int l, const uint16_t *rep, int U, int Up, float *x) {
    const tr_layer *L = &m->p.layers[l];
    const tr_qspec *q = l == 0 ? &m->p.in_q : &m->p.layers[l - 1].q;
    size_t os = l == 0 ? m->p.o_in_scale : m->p.layers[l - 1].o_scale;
    float s = tr_q_scale(m->p.param[os]), lv[256];
    int bits = L->bits_in, mask = (1 << bits) - 1;
    for (int c = 0; c <= mask; c++)
        lv[c] = tr_q_value(tr_q_level(q, (uint16_t)c), s);
    vi t[4];
    if (mask < LUT_MAX) lut_load(lv, mask + 1, t);
    for (int f = 0; f < L->sh.F; f++) {
        float *restrict xu = x + (size_t)f * Up;
        int u = 0;
        if (mask < LUT_MAX) /* the levels by permutes (rep: readable to Up) */
            for (; u + VL <= U; u += VL)
                vst(xu + u, (vf)lut_get(t, mask + 1, (lut_index(rep + u) >> f * bits) & mask));
        for (; u < U; u++)
            xu[u] = lv[(rep[u] >> (f * bits)) & mask];
        for (u = U; u < Up; u++)
            xu[u] = 0.0f;
    }
}

/* Whether the training forward keeps each number's Jacobian for the backward (one
 * process: the backward's numbers are the forward's; one hidden layer). */
static bool jac_kept(const tr_model *m, const tr_addr_rec *a) {
    return a->jac && !tr_dp_active(m);
}

/* The rows' addresses numbered into a, and the sub-network once per used address into a->y. */
static void addr_eval(const tr_model *m, int l, int o, int R, const tr_addr_rec *a, addr_buf *b) {
    const tr_layer *L = &m->p.layers[l];
    addr_compute(m, l, o, R, b->inv);
    addr_number(L, R, tr_addr_rows(L, m->w.ld), b->inv, b->map, a);
    int U = *a->U, Up = tr_pad_rows(U);
    addr_values(m, l, a->rep, U, Up, b->xu);
    tr_lut p = tr_layer_lut(L, m->p.param, o);
    if (jac_kept(m, a)) /* the backward reads it */
        tr_sub1_forward_jac(&L->sh, &p, b->xu, Up, U, a->y, a->jac, tr_addr_rows(L, m->w.ld));
    else
        tr_subnet_forward(&L->sh, &p, b->xu, Up, U, a->y, b->sub);
}

void tr_addr_forward(const tr_model *m, int l, int o, int R, float *y, float *sc) {
    addr_buf b = addr_carve(&m->p.layers[l], m->w.ld, sc);
    int U;
    tr_addr_rec a = {&U, b.num, b.rep, b.cnt, b.yu, NULL, NULL};
    addr_eval(m, l, o, R, &a, &b);
    tr_addr_gather(a.y, *a.U, a.num, R, NULL, y);
}

uint64_t tr_addr_forward_train(const tr_model *m, int l, int o, int R, float *sc) {
    addr_buf b = addr_carve(&m->p.layers[l], m->w.ld, sc);
    tr_addr_rec a = tr_addr_rec_of(m, l, o);
    addr_eval(m, l, o, R, &a, &b);
    return tr_fix_sum_cnt(a.y, a.cnt, *a.U, TR_FIX_M);
}

/* Whether the backward's tables are indexed by address (ranks add them) or, in one
 * process, by the forward's numbers (no table of 2^A entries to clear and scan). */
static bool tab_by_address(const tr_model *m) {
    return tr_dp_active(m);
}

void tr_addr_sums(const tr_model *m, int l, int o, int R, const float *dv, uint64_t *t,
                  uint64_t *sc) {
    const tr_layer *L = &m->p.layers[l];
    tr_addr_rec a = tr_addr_rec_of(m, l, o);
    int U = *a.U;
    const uint16_t *restrict num = a.num;
    uint64_t *s0 = sc, *s1 = s0 + U, *s2 = s1 + U, *s3 = s2 + U; /* rows r mod 4 */
    memset(sc, 0, 4 * (size_t)U * sizeof(uint64_t));
    enum { CHUNK = 256 };
    uint64_t fz[CHUNK];
    for (int r0 = 0; r0 < R; r0 += CHUNK) { /* the terms first (vector conversions), then added */
        int n = R - r0 < CHUNK ? R - r0 : CHUNK, r = 0;
        for (int i = 0; i < n; i++)
            fz[i] = tr_fix(dv[r0 + i], TR_FIX_G);
        const uint16_t *restrict nr = num + r0;
        for (; r + 4 <= n; r += 4) {
            s0[nr[r]] += fz[r];
            s1[nr[r + 1]] += fz[r + 1];
            s2[nr[r + 2]] += fz[r + 2];
            s3[nr[r + 3]] += fz[r + 3];
        }
        for (; r < n; r++)
            s0[nr[r]] += fz[r];
    }
    bool by_addr = tab_by_address(m);
    if (by_addr)
        memset(t, 0, TR_ADDR_TAB * ((size_t)1 << (L->sh.F * L->bits_in)) * sizeof(uint64_t));
    for (int u = 0; u < U; u++) {
        uint64_t *ta = t + TR_ADDR_TAB * (size_t)(by_addr ? a.rep[u] : u);
        ta[0] = s0[u] + s1[u] + s2[u] + s3[u];
        ta[1] = a.cnt[u];
    }
}

/* The addresses any rank's rows used, ascending, into b (rep, map, U, Up) with their sums
 * S and row counts n from the table t. */
static void tab_numbers(const tr_model *m, const tr_layer *L, const uint64_t *t,
                        const tr_addr_rec *a, addr_buf *b) {
    int A = 1 << (L->sh.F * L->bits_in), U = 0;
    uint64_t *restrict S = b->S;
    uint32_t *restrict n = b->n;
    if (!tab_by_address(m)) { /* one process: the forward's numbers */
        U = *a->U;
        memcpy(b->rep, a->rep, (size_t)U * sizeof(uint16_t));
        for (int u = 0; u < U; u++) {
            S[u] = t[TR_ADDR_TAB * (size_t)u];
            n[u] = (uint32_t)t[TR_ADDR_TAB * (size_t)u + 1];
        }
    } else {
        for (int x = 0; x < A; x++)
            if (t[TR_ADDR_TAB * (size_t)x + 1]) {
                b->rep[U] = (uint16_t)x;
                b->map[x] = (uint32_t)U;
                S[U] = t[TR_ADDR_TAB * (size_t)x];
                n[U++] = (uint32_t)t[TR_ADDR_TAB * (size_t)x + 1];
            }
    }
    b->U = U;
    b->Up = tr_pad_rows(U);
}

/* The quantizer's straight-through estimator per used address u < U from the summed value
 * gradients S: the sums of dz (exactly the rows' dz), dz * xhat and the scale terms added
 * to s0..s2, e[u] = 1 where the gradient passes (else 0), c[u] = the summed dv. Called
 * with q.binary a constant, so the loop has no branch and vectorizes. */
static inline __attribute__((always_inline)) void
ste_addr(const tr_qspec q, const tr_addr_bn *bn, int U, const uint64_t *restrict S,
         const float *restrict xh, float *restrict e, float *restrict c, uint64_t *s0, uint64_t *s1,
         uint64_t *s2) {
    float ga = bn->gamma, be = bn->beta, sc = bn->s;
    uint64_t a0 = 0, a1 = 0, a2 = 0;
    for (int u = 0; u < U; u++) {
        float z = ga * xh[u] + be, ds = 0.0f, D = tr_unfix(S[u], TR_FIX_G);
        bool in = tr_q_inside(&q, z, sc);
        float dz = tr_q_backward(&q, z, sc, D, &ds);
        a0 += in ? S[u] : 0;
        a1 += tr_fix(dz * xh[u], TR_FIX_G);
        a2 += tr_fix(ds, TR_FIX_G);
        e[u] = in ? 1.0f : 0.0f;
        c[u] = D;
    }
    *s0 += a0, *s1 += a1, *s2 += a2;
}

/* The batch norm and quantizer's backward per used address u < b->U (over all ranks: the
 * sums b->S and row counts b->n): xhat (the record's, or recomputed for addresses only other
 * ranks' rows used), the sums st of dz, dz * xhat and the scale terms, the factors of each
 * row's dy = e * dv + c, and the summed dy of each address into b->yu (zero to Up). */
static void bn_addr(const tr_model *m, int l, int o, const tr_addr_bn *bn, const tr_addr_rec *a,
                    addr_buf *b, uint64_t st[3]) {
    const tr_layer *L = &m->p.layers[l];
    int U = b->U;
    const uint64_t *restrict S = b->S;
    const uint32_t *restrict n = b->n;
    float *restrict xh = b->xh, *restrict e = b->e, *restrict c = b->c, *restrict yu = b->yu;
    if (*a->U == U) { /* the same addresses, numbered alike: the forward's xhat */
        memcpy(xh, a->y, (size_t)U * sizeof(float));
    } else { /* as the rank that used the address computed it (rows are independent) */
        tr_lut p = tr_layer_lut(L, m->p.param, o);
        tr_subnet_forward(&L->sh, &p, b->xu, b->Up, U, xh, b->sub);
        for (int u = 0; u < U; u++)
            xh[u] = (xh[u] - *a->mu) * bn->istd;
    }
    uint64_t s0 = 0, s1 = 0, s2 = 0;
    tr_qspec q = *bn->q;
    if (q.binary)
        ste_addr((tr_qspec){q.bits, q.is_signed, true, q.qmin, q.qmax}, bn, U, S, xh, e, c, &s0,
                 &s1, &s2);
    else
        ste_addr((tr_qspec){q.bits, q.is_signed, false, q.qmin, q.qmax}, bn, U, S, xh, e, c, &s0,
                 &s1, &s2);
    st[0] = s0, st[1] = s1, st[2] = s2;
    /* dxhat = gamma*dz; dy = istd/n * (n*dxhat - sum dxhat - xhat * sum(dxhat*xhat)) */
    float k = bn->gamma * bn->istd / (float)bn->n, sd = tr_unfix(s0, TR_FIX_G),
          sdx = tr_unfix(s1, TR_FIX_G), kn = k * (float)bn->n;
    for (int u = 0; u < U; u++) {
        float D = c[u], cu = -(k * (sd + xh[u] * sdx));
        e[u] *= kn;
        c[u] = cu;
        yu[u] = e[u] * D + (float)n[u] * cu;
    }
    for (int u = U; u < b->Up; u++)
        yu[u] = 0.0f;
}

void tr_addr_backward(tr_model *m, int l, int o, int R, const uint64_t *t, const tr_addr_bn *bn,
                      const float *dv, uint64_t st[3], const tr_lut *g, float *dx, int lddx,
                      uint64_t *slice, float *sc) {
    const tr_layer *L = &m->p.layers[l];
    int F = L->sh.F, Ua = tr_addr_rows(L, m->w.ld);
    addr_buf b = addr_carve(L, m->w.ld, sc);
    tr_addr_rec a = tr_addr_rec_of(m, l, o);
    tab_numbers(m, L, t, &a, &b);
    for (int u = 0; u < b.Up; u++)
        b.one[u] = u < b.U ? 1.0f : 0.0f;
    addr_values(m, l, b.rep, b.U, b.Up, b.xu);
    bn_addr(m, l, o, bn, &a, &b, st);
    tr_lut p = tr_layer_lut(L, m->p.param, o);
    const float *jac = b.jac, *e = b.e, *c = b.c;
    int ldj = b.Up;
    if (jac_kept(m, &a)) { /* the forward's Jacobian, by its numbers */
        tr_sub1_backward(&L->sh, &p, b.xu, b.Up, b.U, b.yu, g, NULL, 0);
        jac = a.jac;
        ldj = Ua;
    } else if (tr_shape_degree(&L->sh) > 0) {
        tr_poly_backward(&L->sh, &p, b.xu, b.Up, b.U, b.yu, g, b.one, b.jac, b.Up, b.sub);
    } else if (L->sh.depth == 1) {
        tr_sub1_backward_jac(&L->sh, &p, b.xu, b.Up, b.U, b.yu, b.one, g, b.jac, b.Up);
    } else {
        tr_deep_backward_jac(&L->sh, &p, b.xu, b.Up, b.U, b.yu, g, b.jac, b.Up, b.sub);
    }
    if (*a.U !=
        b.U) { /* other ranks' rows used more addresses: the tables by this rank's numbers */
        for (int u = 0; u < *a.U; u++) {
            int v = (int)b.map[a.rep[u]];
            for (int f = 0; f < F; f++)
                b.jl[(size_t)f * Ua + u] = b.jac[(size_t)f * b.Up + v];
            b.xh[u] = b.e[v]; /* e and c by this rank's numbers, in xh and yu (read) */
            b.yu[u] = b.c[v];
        }
        jac = b.jl;
        ldj = Ua;
        e = b.xh;
        c = b.yu;
    }
    gather_affine(e, c, *a.U, a.num, R, dv, b.dy);
    for (int f = 0; f < F; f++) /* dx[r] = J(address of r) * dy[r] */
        if (slice)
            gather_fix_add(jac + (size_t)f * ldj, *a.U, a.num, R, b.dy,
                           slice + (size_t)slot_input(L, o, f) * m->w.ld);
        else
            tr_addr_gather(jac + (size_t)f * ldj, *a.U, a.num, R, b.dy, dx + (size_t)f * lddx);
}
