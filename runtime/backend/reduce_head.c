/* reduce_head.c - the group-sum head's reduction (reduce.h): a last-layer output is free
 * at the addresses where no training sample's class changes with it, so those entries
 * become don't-cares and the output bit's support shrinks where the samples allow. */
#include "reduce.h"

#include <stdlib.h>
#include <string.h>

#include "backend.h"

bool be_reduce_head_applies(const rt_tables *t) {
    if (t->head_group <= 0 || t->n_layers < 1) return false;
    const rt_table_layer *L = &t->layers[t->n_layers - 1];
    return L->bits_out == 1 && be_addr_bits(L) <= 8;
}

void be_samples_init(be_samples *s, const rt_tables *t, int n, const int *labels) {
    const rt_table_layer *L = &t->layers[t->n_layers - 1];
    s->n = n;
    s->n_lut = L->n_lut;
    s->addr = xmalloc((size_t)n * (size_t)L->n_lut + 1);
    s->labels = labels;
}

void be_samples_free(be_samples *s) {
    free(s->addr);
    s->addr = NULL;
}

/* A sample's standing with class c's score moved by d: 0 misclassified, 1 classified with
 * a margin below M, 2 classified with a margin of at least M (the margin: its class's score
 * less the best other's; the largest score wins, ties to the lowest class, as the head
 * computes). M = 0: 0 or 2, the class alone. */
static int hd_level(const int16_t *sc, int C, int c, int d, int y, int M) {
    int vy = sc[y] + (y == c ? d : 0), margin = 1 << 20;
    for (int k = 0; k < C; k++) {
        int v = sc[k] + (k == c ? d : 0);
        if (k == y) continue;
        if (v > vy || (v == vy && k < y)) return 0;
        margin = vy - v < margin ? vy - v : margin;
    }
    return margin >= M ? 2 : 1;
}

/* One L-LUT's choice: per address what flipping its output costs (harm: training samples
 * whose standing falls; 0 below the rarity) and how many samples
 * it touches; the candidate of each kept-variable set (keep: a bit mask of address bits). */
typedef struct hd_lut {
    int a; /* address bits */
    const uint16_t *cur;
    long harm[256], cnt[256];
} hd_lut;

typedef struct hd_cand {
    int support;                 /* address bits the chosen function depends on */
    long harm, touched, flipped; /* net new training errors, samples, addresses changed */
    uint8_t f[256];              /* the function at every address */
} hd_cand;

/* The best function on the address bits keep: per cell (the addresses equal on keep) the
 * value with the least harm, then fewest samples changed, then fewest trained values. */
static void hd_candidate(const hd_lut *h, unsigned keep, hd_cand *o) {
    size_t n = (size_t)1 << h->a;
    long cost[256][2][3];
    memset(cost, 0, sizeof cost[0] * n);
    for (size_t x = 0; x < n; x++) {
        unsigned v = h->cur[x] & 1u;
        long *k = cost[x & keep][!v]; /* choosing !v flips x */
        k[0] += h->harm[x], k[1] += h->cnt[x], k[2]++;
    }
    o->harm = o->touched = o->flipped = 0;
    for (size_t x = 0; x < n; x++) {
        if ((x & keep) != x) continue;
        const long *c0 = cost[x][0], *c1 = cost[x][1];
        int v = c1[0] < c0[0] ||
                (c1[0] == c0[0] && (c1[1] < c0[1] || (c1[1] == c0[1] && c1[2] < c0[2])));
        o->harm += cost[x][v][0], o->touched += cost[x][v][1], o->flipped += cost[x][v][2];
        o->f[x] = (uint8_t)v;
    }
    for (size_t x = 0; x < n; x++)
        o->f[x] = o->f[x & keep];
    o->support = 0;
    for (int i = 0; i < h->a; i++) {
        size_t bit = (size_t)1 << i;
        bool dep = false;
        for (size_t x = 0; x < n && !dep; x++)
            dep = !(x & bit) && o->f[x] != o->f[x | bit];
        o->support += dep;
    }
}

/* Whether candidate p beats q: fewer inputs, then less harm, fewer samples, addresses. */
static bool hd_better(const hd_cand *p, const hd_cand *q) {
    if (p->support != q->support) return p->support < q->support;
    if (p->harm != q->harm) return p->harm < q->harm;
    if (p->touched != q->touched) return p->touched < q->touched;
    return p->flipped < q->flipped;
}

/* Reduces L-LUT j of the last layer against the scores sc [n * C] (updated): the function
 * with the fewest inputs among those whose harm is at most allow; adds its harm to *spent.
 * Returns the support of the function kept. */
static int hd_reduce_lut(rt_table_layer *L, int j, const be_samples *smp, int16_t *sc, int C, int G,
                         int M, long rarity, long allow, hd_cand *cand, long *spent) {
    hd_lut h = {.a = be_addr_bits(L)};
    size_t n = (size_t)1 << h.a;
    uint16_t *codes = L->codes + ((size_t)j << h.a);
    h.cur = codes;
    const uint8_t *ad = smp->addr + (size_t)j * (size_t)smp->n;
    const int c = j / G;
    memset(h.harm, 0, sizeof h.harm);
    memset(h.cnt, 0, sizeof h.cnt);
    for (int s = 0; s < smp->n; s++) {
        unsigned x = ad[s];
        int d = codes[x] & 1u ? -1 : 1, y = smp->labels[s];
        const int16_t *row = sc + (size_t)s * (size_t)C;
        h.harm[x] += hd_level(row, C, c, 0, y, M) > hd_level(row, C, c, d, y, M);
        h.cnt[x]++;
    }
    for (size_t x = 0; x < n; x++)
        if (h.cnt[x] < rarity) h.harm[x] = h.cnt[x] = 0; /* a don't-care */
    hd_cand *best = &cand[0], *cur = &cand[1];
    best->support = -1;
    for (unsigned keep = 0; keep < n; keep++) {
        hd_candidate(&h, keep, cur);
        if (cur->harm > allow || (best->support >= 0 && !hd_better(cur, best))) continue;
        hd_cand *t = best;
        best = cur, cur = t;
    }
    *spent += best->harm;
    for (int s = 0; s < smp->n; s++) { /* the scores through the new function */
        unsigned x = ad[s];
        sc[(size_t)s * (size_t)C + (size_t)c] += (int16_t)((int)best->f[x] - (int)(codes[x] & 1u));
    }
    for (size_t x = 0; x < n; x++)
        codes[x] = best->f[x];
    return best->support;
}

void be_reduce_head(rt_tables *t, const be_samples *smp, const be_reduce_opts *o,
                    be_reduce_stats *s) {
    double t0 = rt_now();
    rt_table_layer *L = &t->layers[t->n_layers - 1];
    const int G = t->head_group, C = L->n_lut / G;
    int16_t *sc = xcalloc((size_t)smp->n * (size_t)C + 1, sizeof *sc);
    for (int j = 0; j < L->n_lut; j++) { /* the trained scores */
        const uint16_t *codes = L->codes + ((size_t)j << be_addr_bits(L));
        const uint8_t *ad = smp->addr + (size_t)j * (size_t)smp->n;
        for (int s2 = 0; s2 < smp->n; s2++)
            sc[(size_t)s2 * (size_t)C + (size_t)(j / G)] += (int16_t)(codes[ad[s2]] & 1u);
    }
    /* Sweeps over the L-LUTs, each allowing an L-LUT more harm (0 first, then doubling up
     * to the budget), so that the cheapest savings anywhere come first. */
    long budget = (long)(o->errors * smp->n), spent = 0;
    hd_cand *cand = xmalloc(sizeof *cand * 2);
    for (long cap = 0;; cap = cap ? 2 * cap : (budget / 16 > 1 ? budget / 16 : 1)) {
        bool last = cap >= budget;
        memset(s->head_support, 0, sizeof s->head_support);
        for (int j = 0; j < L->n_lut; j++) {
            long allow = budget - spent < cap ? budget - spent : cap;
            s->head_support[hd_reduce_lut(L, j, smp, sc, C, G, o->margin,
                                          o->rarity < 1 ? 1 : o->rarity, allow, cand, &spent)]++;
        }
        if (last) break;
    }
    s->head_errors = spent;
    s->head_samples = smp->n;
    free(cand);
    free(sc);
    be_reduce_after(t, o->lut_inputs < 2 ? 6 : o->lut_inputs, s);
    s->seconds += rt_now() - t0;
}
