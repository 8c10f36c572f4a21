/* poly.c - the polynomial L-LUT (PolyLUT, `kind = poly(degree = D)`) and the linear one
 * (LogicNets, `kind = linear`: the degree-1 polynomial), forward and backward as vector
 * kernels with rows in the lanes.
 *
 * An L-LUT of this kind computes y = b + sum_m w[m] * x^a(m) over the monomials x^a of its F
 * inputs of degree 1..D (the constant's weight is the bias b): C(F+D, D) - 1 weights, in the
 * record's `ws` slice (so a linear L-LUT's weights are the skip weights of an MLP L-LUT
 * without hidden layer, one per input). Batch norm and the layer's quantizer follow, as for
 * every kind.
 *
 * The monomials' order: depth-first over nondecreasing index sequences k1 <= ... <= kd,
 * each sequence before its extensions (pre-order): for F = 2, D = 2: x0, x0x0, x0x1, x1,
 * x1x1. A monomial is its parent's value times one input (x^a(m) = x^a(parent) * x_k, one
 * rounded multiplication; degree-1 monomials are the inputs themselves), so the forward pass
 * keeps one value per degree and the backward pass runs reverse mode over the same tree.
 *
 * Arithmetic (runtime/train/README.md, "Reproducibility"): per row, every multiply-add is
 * one vfma; the forward sum runs over the monomials in order into two accumulators (even and
 * odd monomials), y = (E + O) + b; the input gradients sum over the monomials in reverse
 * order. Sums over rows (the weight and bias gradients) run in 16 logical lanes, row r in
 * lane r mod 16, then the lanes in order, whatever the vector width: the same bits for
 * every build. A row's result never depends on the rows around it (tables = model).
 */
#include "train_int.h"

#include <string.h>

#include "vfma.h"

#define INLINE static inline __attribute__((always_inline))
#define LG     (16 / VL) /* vectors per 16 logical lanes */

int tr_poly_terms(int F, int D) {
    long c = 1; /* C(F+D, D) by the product (F+1)/1 * (F+2)/2 * ..., exact at every step */
    for (int i = 1; i <= D; i++) {
        c = c * (F + i) / i;
        if (c > TR_POLY_MAX_TERMS) return TR_POLY_MAX_TERMS + 1;
    }
    return (int)c;
}

int tr_shape_degree(const tr_shape *sh) {
    return sh->degree > 0 ? sh->degree : (sh->N == 0 && sh->skip ? 1 : 0);
}

size_t tr_poly_scratch(const tr_shape *sh) {
    size_t T = (size_t)tr_poly_terms(sh->F, tr_shape_degree(sh)) - 1;
    return T * 32 + 64; /* node values of a row block, weight-gradient lanes */
}

/* The monomial tree in pre-order: each node's input, degree and parent (-1: the constant). */
typedef struct poly_tree {
    int T;                          /* nodes: the monomials but the constant */
    uint8_t var[TR_POLY_MAX_TERMS]; /* the input it multiplies its parent by */
    uint8_t dep[TR_POLY_MAX_TERMS]; /* its degree, 1..D */
    int16_t par[TR_POLY_MAX_TERMS]; /* its parent's node, -1 for degree 1 */
} poly_tree;

static void poly_tree_make(poly_tree *t, int F, int D) {
    int k[TR_POLY_MAX_DEGREE + 1], node[TR_POLY_MAX_DEGREE + 1], d = 1, n = 0;
    k[1] = 0;
    node[0] = -1;
    while (d >= 1) {
        t->var[n] = (uint8_t)k[d];
        t->dep[n] = (uint8_t)d;
        t->par[n] = (int16_t)node[d - 1];
        node[d] = n++;
        if (d < D) { /* first child: the same input again */
            k[d + 1] = k[d];
            d++;
            continue;
        }
        while (d >= 1 && ++k[d] == F) /* next sibling, or an ancestor's */
            d--;
    }
    t->T = n;
}

/* The rows [r0, r0+VL) of input k, lanes at or beyond R zero. */
INLINE vf load_x(const float *x, int ldx, int k, int r0, int R) {
    const float *p = x + (size_t)k * ldx + r0;
    if (r0 + VL <= R) return vld(p);
    vf v = {0};
    if (r0 < R) memcpy(&v, p, (size_t)(R - r0) * sizeof(float));
    return v;
}

/* The monomial values of one row block, node by node, into pv[n*VL ..] (NULL: not kept);
 * returns the forward sum (E + O) of the weights w. */
INLINE vf sweep(const poly_tree *t, const vf *xk, const float *w, float *pv) {
    vf val[TR_POLY_MAX_DEGREE + 1], e = {0}, o = {0};
    for (int n = 0; n < t->T; n++) {
        int d = t->dep[n];
        vf v = d == 1 ? xk[t->var[n]] : val[d - 1] * xk[t->var[n]];
        val[d] = v;
        if (pv) vst(pv + (size_t)n * VL, v);
        if (n & 1)
            o = vfma(v, vsplat(w[n]), o);
        else
            e = vfma(v, vsplat(w[n]), e);
    }
    return e + o;
}

void tr_poly_forward(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                     float *y) {
    int F = sh->F, Rp = tr_pad_rows(R);
    poly_tree t;
    poly_tree_make(&t, F, tr_shape_degree(sh));
    float b = p->b[0];
    for (int r0 = 0; r0 < Rp; r0 += VL) {
        vf xk[16];
        for (int k = 0; k < F; k++)
            xk[k] = vld(x + (size_t)k * ldx + r0);
        vst(y + r0, sweep(&t, xk, p->ws, NULL) + b);
    }
}

/* 16 logical lanes summed in order 0..15. */
INLINE float lanes16(const float *t) {
    float acc = 0.0f;
    for (int j = 0; j < 16; j++)
        acc += t[j];
    return acc;
}

/* Reverse mode over the tree of one row block: the input gradients gx[k] of
 * sum w[n] * dyx * pv[n]. acc[d] collects the gradient of the current node of degree d - 1
 * from its children, which pre-order puts right after it. */
INLINE void reverse(const poly_tree *t, const vf *xk, const float *w, const float *pv, vf dyx,
                    int F, vf *gx) {
    vf acc[TR_POLY_MAX_DEGREE + 2];
    memset(acc, 0, sizeof acc);
    for (int k = 0; k < F; k++)
        gx[k] = (vf){0};
    for (int n = t->T - 1; n >= 0; n--) {
        int d = t->dep[n], k = t->var[n];
        vf gm = vfma(vsplat(w[n]), dyx, acc[d + 1]);
        acc[d + 1] = (vf){0};
        if (d == 1) {
            gx[k] = gx[k] + gm;
        } else {
            gx[k] = vfma(gm, vld(pv + (size_t)t->par[n] * VL), gx[k]);
            acc[d] = vfma(gm, xk[k], acc[d]);
        }
    }
}

void tr_poly_backward(const tr_shape *sh, const tr_lut *p, const float *x, int ldx, int R,
                      const float *dy, const tr_lut *g, const float *dyx, float *dx, int lddx,
                      float *scratch) {
    int F = sh->F, Rp = tr_pad_rows(R);
    poly_tree t;
    poly_tree_make(&t, F, tr_shape_degree(sh));
    int T = t.T;
    /* node values [T][VL], weight-gradient lanes [T][16] (lane group lg at n*16 + lg*VL);
     * plain floats: the scratch need not be vector-aligned */
    float *pv = scratch, *gw = pv + (size_t)T * VL;
    if (g) memset(gw, 0, (size_t)T * 16 * sizeof(float));
    vf sb[LG];
    memset(sb, 0, sizeof sb);
    for (int r0 = 0; r0 < Rp; r0 += VL) {
        vf xk[16], gx[16];
        for (int k = 0; k < F; k++)
            xk[k] = load_x(x, ldx, k, r0, R);
        sweep(&t, xk, p->ws, pv);
        if (g) {
            vf dyv = vld(dy + r0);
            int lg = r0 / VL % LG;
            sb[lg] = sb[lg] + dyv;
            for (int n = 0; n < T; n++) {
                float *a = gw + (size_t)n * 16 + lg * VL;
                vst(a, vfma(dyv, vld(pv + (size_t)n * VL), vld(a)));
            }
        }
        if (!dx) continue;
        reverse(&t, xk, p->ws, pv, vld(dyx + r0), F, gx);
        for (int k = 0; k < F; k++)
            vst(dx + (size_t)k * lddx + r0, gx[k]);
    }
    if (!g) return;
    float sbl[16];
    for (int lg = 0; lg < LG; lg++)
        vst(sbl + lg * VL, sb[lg]);
    g->b[0] = lanes16(sbl);
    for (int n = 0; n < T; n++)
        g->ws[n] = lanes16(gw + (size_t)n * 16);
}
