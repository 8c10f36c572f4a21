/* addr.c - the sparse stage's per-address path (issue 15): an L-LUT reads F codes of
 * bits_in bits, so over a batch of R rows it sees at most min(R, 2^A) distinct addresses
 * (A = F * bits_in). This path runs the L-LUT once per distinct address the batch uses and
 * gathers each row's result from it.
 *
 * Addresses: the code of input f sits at bits f*bits_in of the address; the previous layer's
 * forward writes the codes beside the values (training and evaluation). The used addresses
 * are numbered in ascending order; a used address's input values are its codes' levels
 * times the previous quantizer's scale, (float)q * s, the very floats the rows hold.
 *
 * Training forward: the sub-network per used address; batch norm with the batch statistics
 * over the rows (each address weighted by its row count, sums in address order); the
 * quantizer per address; each row's value and code gathered. The rows' addresses
 * (tr_layer_buf.inv) and the normalized value of each address (the first U entries of the
 * L-LUT's xhat row) are kept for the backward.
 *
 * Backward: the rows' upstream gradients summed per address (a segment sum in row order);
 * the quantizer's straight-through estimator and the batch-norm backward per address (their
 * sums over rows are sums over addresses); the sub-network's parameter gradients from one
 * backward over the used addresses with the summed gradients; the input gradient of row r
 * is J_u * dy[r], J_u = d(subnet)/d(input values) at its address (tr_sub1_backward_jac, or
 * for deep sub-networks a second backward with unit weights), written per row and slot
 * like the per-sample path's, so the previous layer's values, and through its
 * straight-through estimator its scale, still get their gradient row by row.
 *
 * Evaluation (tr_addr_forward): the sub-network per address, each row's output gathered:
 * bit-identical to the per-sample outputs, since the kernels compute a row independently of
 * the rows around it; batch norm and quantizer then run per row as before.
 *
 * Bits: training gives other bits than the per-sample path (sums in another order), never
 * other bits for another thread count: every quantity is per L-LUT, in a fixed order.
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
    int *cnt;      /* [Up] rows per used address (training) */
    float *vu;     /* [Up] values (forward), upstream gradient sums (backward) */
    int *qu;       /* [Up] codes (forward) */
    float *jac;    /* [max(F,4)][Up] d(subnet)/d(input) per used address; first the segment
                    * sum's partial sums (backward) */
    uint16_t *inv; /* [ld] each row's address (training: tr_layer_buf.inv's row) */
    int *iv;       /* [ld] each row's address number */
    float *dyr;    /* [ld] each row's sub-network output gradient (backward) */
    int *map;      /* [2^A] used marks, then address -> number */
    int *rep;      /* [Up] the address of each number */
    float *sub;    /* the sub-network's own scratch */
} addr_buf;

size_t tr_addr_scratch(const tr_layer *L, int ld) {
    if (L->wire == TR_WIRE_DENSE || L->sh.F * L->bits_in > TR_ADDR_MAX_BITS) return 0;
    size_t F = (size_t)L->sh.F, U = (size_t)addr_rows(L, ld), A = (size_t)1 << (F * L->bits_in);
    size_t J = F > 4 ? F : 4;
    return (F + J + 5) * U + 3 * (size_t)ld + A + U + tr_subnet_scratch(&L->sh, (int)U) + 64;
}

static addr_buf addr_carve(const tr_layer *L, int ld, float *sc) {
    addr_buf b;
    size_t F = (size_t)L->sh.F, U = (size_t)addr_rows(L, ld);
    b.U = b.Up = 0;
    b.xu = sc;
    b.yu = b.xu + F * U;
    b.one = b.yu + U;
    b.cnt = (int *)(b.one + U);
    b.vu = (float *)(b.cnt + U);
    b.qu = (int *)(b.vu + U);
    b.jac = (float *)(b.qu + U);
    b.inv = (uint16_t *)(b.jac + (F > 4 ? F : 4) * U);
    b.iv = (int *)(b.jac + (F > 4 ? F : 4) * U + ld);
    b.dyr = (float *)(b.iv + ld);
    b.map = (int *)(b.dyr + ld);
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

/* Numbers the used addresses of the rows' addresses b->inv in ascending order: U, Up, the
 * address of each (b->rep), each row's number (b->iv) and, with counts, the rows per
 * address (b->cnt, zero-padded to Up). */
static void addr_number(const tr_layer *L, int R, bool counts, addr_buf *b) {
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
    if (!counts) return;
    /* four interleaved partial counts (no store-to-load chain), then added */
    int *restrict part = (int *)b->jac, Up = b->Up;
    memset(part, 0, 4 * (size_t)Up * sizeof(int));
    int r = 0;
    for (; r + 4 <= R; r += 4) {
        part[iv[r]]++;
        part[Up + iv[r + 1]]++;
        part[2 * Up + iv[r + 2]]++;
        part[3 * Up + iv[r + 3]]++;
    }
    for (; r < R; r++)
        part[iv[r]]++;
    for (int u = 0; u < Up; u++)
        b->cnt[u] = part[u] + part[Up + u] + part[2 * Up + u] + part[3 * Up + u];
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
    addr_compute(m, l, o, R, &b);
    addr_number(L, R, false, &b);
    addr_values(m, l, &b);
    tr_lut p = tr_layer_lut(L, m->p.param, o);
    tr_subnet_forward(&L->sh, &p, b.xu, b.Up, b.U, b.yu, b.sub);
    const int *restrict iv = b.iv;
    const float *restrict yu = b.yu;
    for (int r = 0; r < R; r++)
        y[r] = yu[iv[r]];
}

/* dyu[u] = the sum of dy[r] over the rows r of address u: four interleaved partial sums
 * (rows r = k mod 4 into part k, in row order; parts: 4*Up floats), then the parts in
 * order, ((p0 + p1) + p2) + p3. */
static void segment_sum(const int *restrict iv, const float *restrict dy, int R, int Up,
                        float *restrict part, float *restrict dyu) {
    memset(part, 0, 4 * (size_t)Up * sizeof(float));
    int r = 0;
    for (; r + 4 <= R; r += 4) {
        part[iv[r]] += dy[r];
        part[Up + iv[r + 1]] += dy[r + 1];
        part[2 * Up + iv[r + 2]] += dy[r + 2];
        part[3 * Up + iv[r + 3]] += dy[r + 3];
    }
    for (int k = 0; r < R; r++, k++)
        part[k * Up + iv[r]] += dy[r];
    for (int u = 0; u < Up; u++)
        dyu[u] = ((part[u] + part[Up + u]) + part[2 * Up + u]) + part[3 * Up + u];
}

/* d[r] = j[iv[r]] * dy[r]: a row's input gradient from its address's Jacobian. */
static void scatter(const int *restrict iv, const float *restrict j, const float *restrict dy,
                    int R, float *restrict d) {
    for (int r = 0; r < R; r++)
        d[r] = j[iv[r]] * dy[r];
}

void tr_addr_forward_train(tr_model *m, int l, int o, int R, float *sc) {
    const tr_layer *L = &m->p.layers[l];
    tr_layer_buf *B = &m->w.lb[l];
    const float *P = m->p.param;
    size_t row = (size_t)o * m->w.ld;
    addr_buf b = addr_carve(L, m->w.ld, sc);
    b.inv = B->inv + row; /* the addresses, kept for the backward */
    addr_compute(m, l, o, R, &b);
    addr_number(L, R, true, &b);
    addr_values(m, l, &b);
    tr_lut p = tr_layer_lut(L, m->p.param, o);
    tr_subnet_forward(&L->sh, &p, b.xu, b.Up, b.U, b.yu, b.sub);
    /* batch statistics over the rows: each address weighted by its rows, in address order */
    int U = b.U;
    float sum = 0.0f, v = 0.0f;
    for (int u = 0; u < U; u++)
        sum += (float)b.cnt[u] * b.yu[u];
    float mu = sum / (float)R;
    for (int u = 0; u < U; u++) {
        float d = b.yu[u] - mu;
        v += (float)b.cnt[u] * (d * d);
    }
    v /= (float)R;
    float is = 1.0f / __builtin_sqrtf(v + TR_BN_EPS), mo = m->w.bn_momentum;
    float *rmean = m->p.state + L->o_rmean + o, *rvar = m->p.state + L->o_rvar + o;
    *rmean = (1.0f - mo) * *rmean + mo * mu;
    float unb = R > 1 ? v * (float)R / (float)(R - 1) : v;
    *rvar = (1.0f - mo) * *rvar + mo * unb;
    B->istd[o] = is;
    /* normalized value (kept per address in the L-LUT's xhat row), quantizer */
    float gamma = P[tr_gamma_off(L, o)], beta = P[tr_beta_off(L, o)];
    float s = tr_q_scale(P[L->o_scale]), *xh = B->xhat + row;
    for (int u = 0; u < U; u++) {
        xh[u] = (b.yu[u] - mu) * is;
        int q = tr_q_int(&L->q, gamma * xh[u] + beta, s);
        b.vu[u] = tr_q_value(q, s);
        b.qu[u] = tr_q_code(&L->q, q);
    }
    float *restrict val = B->val + row;
    uint16_t *restrict codes = B->codes + row;
    const int *restrict iv = b.iv, *restrict qu = b.qu;
    const float *restrict vu = b.vu;
    for (int r = 0; r < R; r++)
        val[r] = vu[iv[r]];
    for (int r = 0; r < R; r++)
        codes[r] = (uint16_t)qu[iv[r]];
}

/* Quantizer and batch-norm backward per address: the gradients of the sub-network's
 * outputs per address (b->yu, zero-padded) and per row (b->dyr); sets gamma's and beta's
 * gradients and the L-LUT's scale-gradient share. */
static void addr_unfinish(tr_model *m, int l, int o, int R, addr_buf *b) {
    const tr_layer *L = &m->p.layers[l];
    tr_layer_buf *B = &m->w.lb[l];
    const float *P = m->p.param;
    size_t row = (size_t)o * m->w.ld;
    const float *dval = B->dval + row, *xh = B->xhat + row;
    float *dvu = b->vu, *g = m->opt->grad;
    segment_sum(b->iv, dval, R, b->Up, b->jac, dvu);
    float gamma = P[tr_gamma_off(L, o)], beta = P[tr_beta_off(L, o)];
    float s = tr_q_scale(P[L->o_scale]), ds = 0.0f, sd = 0.0f, sdx = 0.0f;
    float *restrict mul = b->jac, *restrict off = b->jac + b->Up; /* free after the sum */
    for (int u = 0; u < b->U; u++) {
        float z = gamma * xh[u] + beta, t = z / s;
        bool inside = L->q.binary ? (t >= -1.0f && t <= 1.0f)
                                  : (t >= (float)L->q.qmin && t <= (float)L->q.qmax);
        float dz = tr_q_backward(&L->q, z, s, dvu[u], &ds);
        mul[u] = inside ? 1.0f : 0.0f;
        dvu[u] = dz;
        sd += dz;
        sdx += dz * xh[u];
    }
    g[tr_gamma_off(L, o)] = sdx;
    g[tr_beta_off(L, o)] = sd;
    B->ds_part[o] = ds;
    /* dy = k * (R*dz - sum dz - xhat * sum(dz*xhat)), per row and summed per address */
    float k = gamma * B->istd[o] / (float)R, kR = k * (float)R;
    for (int u = 0; u < b->Up; u++) {
        bool used = u < b->U;
        off[u] = used ? k * (sd + xh[u] * sdx) : 0.0f;
        mul[u] = used ? kR * mul[u] : 0.0f;
        b->yu[u] = used ? kR * dvu[u] - (float)b->cnt[u] * off[u] : 0.0f;
    }
    const int *restrict iv = b->iv;
    float *restrict dyr = b->dyr;
    for (int r = 0; r < R; r++)
        dyr[r] = mul[iv[r]] * dval[r] - off[iv[r]];
}

void tr_addr_backward(tr_model *m, int l, int o, int R, float *dx, int lddx, float *sc) {
    const tr_layer *L = &m->p.layers[l];
    int F = L->sh.F;
    addr_buf b = addr_carve(L, m->w.ld, sc);
    b.inv = m->w.lb[l].inv + (size_t)o * m->w.ld; /* the forward's addresses */
    addr_number(L, R, true, &b);
    addr_unfinish(m, l, o, R, &b);
    addr_values(m, l, &b);
    for (int u = 0; u < b.Up; u++)
        b.one[u] = u < b.U ? 1.0f : 0.0f;
    tr_lut p = tr_layer_lut(L, m->p.param, o), g = tr_layer_lut(L, m->opt->grad, o);
    if (tr_shape_degree(&L->sh) > 0) {
        tr_poly_backward(&L->sh, &p, b.xu, b.Up, b.U, b.yu, &g, b.one, b.jac, b.Up, b.sub);
    } else if (L->sh.depth == 1) {
        tr_sub1_backward_jac(&L->sh, &p, b.xu, b.Up, b.U, b.yu, b.one, &g, b.jac, b.Up);
    } else {
        tr_subnet_backward(&L->sh, &p, b.xu, b.Up, b.U, b.yu, &g, NULL, 0, b.sub);
        tr_subnet_backward(&L->sh, &p, b.xu, b.Up, b.U, b.one, NULL, b.jac, b.Up, b.sub);
    }
    for (int f = 0; f < F; f++)
        scatter(b.iv, b.jac + (size_t)f * b.Up, b.dyr, R, dx + (size_t)f * lddx);
}
