/* addr.c - the sparse stage's per-address path (issue 15): an L-LUT reads F codes of
 * bits_in bits, so over a batch of R rows it sees at most min(R, 2^A) distinct addresses
 * (A = F * bits_in). This path runs the L-LUT's sub-network once per distinct address the
 * batch uses and gathers each row's result from it.
 *
 * Addresses: the code of input f sits at bits f*bits_in of the address; the previous layer's
 * forward writes the codes beside the values (training and evaluation). The used addresses
 * are numbered in ascending order; a used address's input values are its codes' levels
 * times the previous quantizer's scale, (float)q * s, the very floats the rows hold.
 *
 * Forward (tr_addr_forward, training and evaluation): the sub-network per used address,
 * each row's output gathered: bit-identical to the per-sample outputs, since the kernels
 * compute a row independently of the rows around it; batch norm and quantizer then run per
 * row as on the per-sample path (model.c). Training keeps the rows' addresses
 * (tr_layer_buf.inv) for the backward.
 *
 * Backward: the quantizer's straight-through estimator and the batch-norm sums run per row
 * (model.c); tr_addr_sums adds, per address, the rows' dz and xhat in fixed point and
 * counts the rows, so the sums per address do not depend on how the rows are split over
 * ranks, and the ranks add their tables (train_dp). From the tables over all rows,
 * tr_addr_backward numbers the addresses any row used, forms each one's summed output
 * gradient sum_r dy[r] = k (n DZ - cnt sd - XH sdx) (the batch-norm backward summed over
 * its rows), runs the sub-network's backward once over them (the same on every rank: the
 * parameter gradients are complete, not partial), and gives row r the input gradient
 * J_u * dy[r], J_u = d(subnet)/d(input values) at its address (tr_sub1_backward_jac, or
 * for deep sub-networks a second backward with unit weights), written per row and slot
 * like the per-sample path's, so the previous layer's values, and through its
 * straight-through estimator its scale, still get their gradient row by row.
 *
 * Bits: training gives other bits than the per-sample path (the sub-network's gradients
 * summed per address), never other bits for another thread or rank count.
 */
#include "train_int.h"

#include <string.h>

bool tr_addr_use(const tr_work *w, const tr_layer *L, int R) {
    int A = L->sh.F * L->bits_in;
    if (L->wire == TR_WIRE_DENSE || L->sh.table || A > TR_ADDR_MAX_BITS) return false;
    if (w->addr_mode == TR_ADDR_SAMPLE) return false;
    if (w->addr_mode == TR_ADDR_ADDRESS) return true;
    return 2 * ((long)1 << A) <= (long)R; /* auto: the table is at most half the batch */
}

/* Rows of the per-address buffers: the most distinct addresses, padded to the vector block. */
static int addr_rows(const tr_layer *L, int ld) {
    long a = (long)1 << (L->sh.F * L->bits_in);
    return tr_pad_rows(a < ld ? (int)a : ld);
}

/* One L-LUT's per-address scratch, carved from a thread's scratch. */
typedef struct addr_buf {
    int U, Up;     /* used addresses, padded to the vector block */
    float *xu;     /* [F][Up] input values per used address */
    float *yu;     /* [Up] sub-network outputs (forward), gradients per address (backward) */
    float *one;    /* [Up] unit weights (backward) */
    float *jac;    /* [F][Up] d(subnet)/d(input) per used address (backward) */
    uint16_t *inv; /* [ld] each row's address (training: tr_layer_buf.inv's row) */
    int *iv;       /* [ld] each row's address number */
    int *map;      /* [2^A] used marks, then address -> number */
    int *rep;      /* [Up] the address of each number */
    float *sub;    /* the sub-network's own scratch */
} addr_buf;

size_t tr_addr_scratch(const tr_layer *L, int ld) {
    if (L->wire == TR_WIRE_DENSE || L->sh.F * L->bits_in > TR_ADDR_MAX_BITS) return 0;
    size_t F = (size_t)L->sh.F, U = (size_t)addr_rows(L, ld), A = (size_t)1 << (F * L->bits_in);
    return (2 * F + 2) * U + 2 * (size_t)ld + A + U + tr_subnet_scratch(&L->sh, (int)U) + 64;
}

static addr_buf addr_carve(const tr_layer *L, int ld, float *sc) {
    addr_buf b;
    size_t F = (size_t)L->sh.F, U = (size_t)addr_rows(L, ld);
    b.U = b.Up = 0;
    b.xu = sc;
    b.yu = b.xu + F * U;
    b.one = b.yu + U;
    b.jac = b.one + U;
    b.inv = (uint16_t *)(b.jac + F * U);
    b.iv = (int *)(b.jac + F * U + ld);
    b.map = b.iv + ld;
    b.rep = b.map + ((size_t)1 << (F * L->bits_in));
    b.sub = (float *)(b.rep + U);
    return b;
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

/* The addresses of rows [0,R) of L-LUT o into b->inv (the code of input f at bits
 * f*bits_in). */
static void addr_compute(const tr_model *m, int l, int o, int R, addr_buf *b) {
    const tr_layer *L = &m->p.layers[l];
    const uint16_t *codes = codes_in(m, l);
    int F = L->sh.F, bits = L->bits_in, ld = m->w.ld;
    uint16_t *restrict inv = b->inv;
    for (int r = 0; r < R; r++)
        inv[r] = 0;
    for (int f = 0; f < F; f++) {
        const uint16_t *restrict c = codes + (size_t)slot_input(L, o, f) * ld;
        for (int r = 0; r < R; r++)
            inv[r] |= (uint16_t)(c[r] << (f * bits));
    }
}

/* y[r] = v[iv[r]] (times s[r] when s is not NULL) for r < R: a loop that vectorizes
 * (gathers). */
static void gather_rows(const float *restrict v, const int *restrict iv, int R,
                        const float *restrict s, float *restrict y) {
    if (s)
        for (int r = 0; r < R; r++)
            y[r] = v[iv[r]] * s[r];
    else
        for (int r = 0; r < R; r++)
            y[r] = v[iv[r]];
}

/* Numbers the used addresses of the rows' addresses b->inv in ascending order: U, Up, the
 * address of each (b->rep) and each row's number (b->iv). */
static void addr_number(const tr_layer *L, int R, addr_buf *b) {
    const uint16_t *restrict inv = b->inv;
    int *restrict map = b->map, *restrict iv = b->iv, A = 1 << (L->sh.F * L->bits_in);
    memset(map, 0, (size_t)A * sizeof(int));
    for (int r = 0; r < R; r++)
        map[inv[r]] = 1;
    int U = 0;
    for (int a = 0; a < A; a++)
        if (map[a]) {
            b->rep[U] = a;
            map[a] = U++;
        }
    for (int r = 0; r < R; r++)
        iv[r] = map[inv[r]];
    b->U = U;
    b->Up = tr_pad_rows(U);
}

/* Each used address's input values: the dequantized level of each of its codes, as the
 * previous quantizer computed them ((float)q * s: the same floats the rows hold). */
static void addr_values(const tr_model *m, int l, addr_buf *b) {
    const tr_layer *L = &m->p.layers[l];
    const tr_qspec *q = l == 0 ? &m->p.in_q : &m->p.layers[l - 1].q;
    size_t os = l == 0 ? m->p.o_in_scale : m->p.layers[l - 1].o_scale;
    float s = tr_q_scale(m->p.param[os]), lv[256];
    int bits = L->bits_in, mask = (1 << bits) - 1;
    for (int c = 0; c <= mask; c++)
        lv[c] = tr_q_value(tr_q_level(q, (uint16_t)c), s);
    for (int f = 0; f < L->sh.F; f++) {
        float *restrict xu = b->xu + (size_t)f * b->Up;
        for (int u = 0; u < b->U; u++)
            xu[u] = lv[(b->rep[u] >> (f * bits)) & mask];
        for (int u = b->U; u < b->Up; u++)
            xu[u] = 0.0f;
    }
}

void tr_addr_forward(const tr_model *m, int l, int o, int R, float *y, float *sc) {
    const tr_layer *L = &m->p.layers[l];
    addr_buf b = addr_carve(L, m->w.ld, sc);
    if (m->w.lb[l].inv) b.inv = m->w.lb[l].inv + (size_t)o * m->w.ld; /* for the backward */
    addr_compute(m, l, o, R, &b);
    addr_number(L, R, &b);
    addr_values(m, l, &b);
    tr_lut p = tr_layer_lut(L, m->p.param, o);
    tr_subnet_forward(&L->sh, &p, b.xu, b.Up, b.U, b.yu, b.sub);
    gather_rows(b.yu, b.iv, R, NULL, y);
}

void tr_addr_sums(const tr_model *m, int l, int o, int R, const float *dz, const float *xh,
                  uint64_t *t) {
    const tr_layer *L = &m->p.layers[l];
    const uint16_t *restrict inv = m->w.lb[l].inv + (size_t)o * m->w.ld;
    enum { CHUNK = 256 };
    uint64_t fz[CHUNK], fx[CHUNK];
    memset(t, 0, 3 * ((size_t)1 << (L->sh.F * L->bits_in)) * sizeof(uint64_t));
    for (int r0 = 0; r0 < R; r0 += CHUNK) { /* the terms first (vector conversions), then added */
        int n = R - r0 < CHUNK ? R - r0 : CHUNK;
        for (int r = 0; r < n; r++) {
            fz[r] = tr_fix(dz[r0 + r], TR_FIX_G);
            fx[r] = tr_fix(xh[r0 + r], TR_FIX_M);
        }
        for (int r = 0; r < n; r++) {
            uint64_t *ta = t + 3 * (size_t)inv[r0 + r];
            ta[0] += fz[r];
            ta[1] += fx[r];
            ta[2]++;
        }
    }
}

void tr_addr_backward(tr_model *m, int l, int o, int R, int n, const uint64_t *t, const float *dy,
                      float k, float sd, float sdx, const tr_lut *g, float *dx, int lddx,
                      float *sc) {
    const tr_layer *L = &m->p.layers[l];
    int F = L->sh.F, A = 1 << (F * L->bits_in);
    addr_buf b = addr_carve(L, m->w.ld, sc);
    /* the addresses any rank's rows used, ascending; the gradient summed over each one's rows */
    int U = 0;
    for (int a = 0; a < A; a++)
        if (t[3 * (size_t)a + 2]) {
            const uint64_t *ta = t + 3 * (size_t)a;
            float cnt = (float)ta[2], dz = tr_unfix(ta[0], TR_FIX_G), x = tr_unfix(ta[1], TR_FIX_M);
            b.rep[U] = a;
            b.map[a] = U;
            b.yu[U] = k * ((float)n * dz - cnt * sd - x * sdx);
            b.one[U++] = 1.0f;
        }
    b.U = U;
    b.Up = tr_pad_rows(U);
    for (int u = U; u < b.Up; u++)
        b.yu[u] = b.one[u] = 0.0f;
    const uint16_t *restrict inv = m->w.lb[l].inv + (size_t)o * m->w.ld;
    int *restrict iv = b.iv;
    const int *restrict map = b.map;
    for (int r = 0; r < R; r++)
        iv[r] = map[inv[r]];
    addr_values(m, l, &b);
    tr_lut p = tr_layer_lut(L, m->p.param, o);
    if (tr_shape_degree(&L->sh) > 0) {
        tr_poly_backward(&L->sh, &p, b.xu, b.Up, b.U, b.yu, g, b.one, b.jac, b.Up, b.sub);
    } else if (L->sh.depth == 1) {
        tr_sub1_backward_jac(&L->sh, &p, b.xu, b.Up, b.U, b.yu, b.one, g, b.jac, b.Up);
    } else {
        tr_subnet_backward(&L->sh, &p, b.xu, b.Up, b.U, b.yu, g, NULL, 0, b.sub);
        tr_subnet_backward(&L->sh, &p, b.xu, b.Up, b.U, b.one, NULL, b.jac, b.Up, b.sub);
    }
    for (int f = 0; f < F; f++) /* d[r] = J(address of r) * dy[r] */
        gather_rows(b.jac + (size_t)f * b.Up, b.iv, R, dy, dx + (size_t)f * lddx);
}
