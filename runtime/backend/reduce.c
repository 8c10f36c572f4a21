/* reduce.c - table reduction with don't-cares: address counts, support reduction of each
 * output bit under several strategies (the cheapest kept), and the LUT estimate that
 * counts constant bits, wires, identical functions and O5/O6 pairs (reduce.h).
 *
 * An output bit of an L-LUT with a address bits is a ternary table over 2^a addresses:
 * 0, 1 or don't-care (DC). Dropping address bit v is possible when no two specified
 * addresses that differ only in v disagree; the two halves then merge (a specified value
 * wins over DC) and the table halves. After the drops the remaining DCs take the majority
 * of the trained values they stand for (rd_fill), and the function is expanded back to
 * every address: specified addresses keep their value. With fill = abc, ABC fills the DCs
 * instead (reduce_abc.c) and this pass only counts. */
#include "reduce.h"

#include <stdlib.h>
#include <string.h>

#include "backend.h"

enum { DC = 2 };

const char *be_rd_method_name(be_rd_method m) {
    static const char *const names[] = {
#define BE_RD_NAME(id, name) name,
        BE_REDUCE_METHODS(BE_RD_NAME)
#undef BE_RD_NAME
    };
    return m >= 0 && m < BE_RD_N ? names[m] : "?";
}

/* ---- Counts ------------------------------------------------------------------------- */

void be_counts_init(be_counts *c, const rt_tables *t) {
    c->n_layers = t->n_layers;
    c->counts = xcalloc((size_t)t->n_layers, sizeof *c->counts);
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        c->counts[l] = xcalloc((size_t)L->n_lut << be_addr_bits(L), sizeof **c->counts);
    }
}

void be_counts_free(be_counts *c) {
    for (int l = 0; l < c->n_layers; l++)
        free(c->counts[l]);
    free(c->counts);
    c->counts = NULL;
    c->n_layers = 0;
}

void be_counts_add(be_counts *c, const rt_tables *t, const rt_codes *codes) {
    for (int l = 0; l < t->n_layers; l++)
        be_lookup_layer(&t->layers[l], codes->n_samples, l ? codes->layer[l - 1] : codes->input,
                        NULL, c->counts[l]);
}

/* The last layer's addresses of m samples whose last-layer inputs are src, L-LUT-major, into
 * s->addr at sample off. */
static void rd_last_addresses(be_samples *s, const rt_table_layer *last, int off, int m,
                              const uint16_t *src) {
    const unsigned mask = (1u << last->bits_in) - 1;
    for (int i = 0; i < m; i++) {
        const uint16_t *x = src + (size_t)i * (size_t)last->in_width;
        const int *wi = last->inputs;
        for (int j = 0; j < last->n_lut; j++, wi += last->fanin) {
            unsigned a = 0;
            for (int f = 0; f < last->fanin; f++)
                a |= (x[wi[f]] & mask) << (f * last->bits_in);
            s->addr[(size_t)j * (size_t)s->n + (size_t)(off + i)] = (uint8_t)a;
        }
    }
}

void be_reduce_lookup(const rt_tables *t, int off, int n, const uint16_t *in, be_counts *c,
                      be_samples *s) {
    enum { BLOCK = 256 }; /* samples whose codes are held at once */
    int w = 1;
    for (int l = 0; l < t->n_layers; l++)
        w = t->layers[l].n_lut > w ? t->layers[l].n_lut : w;
    uint16_t *buf[2] = {xmalloc(sizeof **buf * BLOCK * (size_t)w),
                        xmalloc(sizeof **buf * BLOCK * (size_t)w)};
    for (int s0 = 0; s0 < n; s0 += BLOCK) {
        int m = n - s0 < BLOCK ? n - s0 : BLOCK;
        const uint16_t *src = in + (size_t)s0 * (size_t)t->n_inputs;
        for (int l = 0; l < t->n_layers; l++) {
            bool last = l == t->n_layers - 1;
            if (last && s) rd_last_addresses(s, &t->layers[l], off + s0, m, src);
            if (last && !c) break;
            be_lookup_layer(&t->layers[l], m, src, last ? NULL : buf[l & 1],
                            c ? c->counts[l] : NULL);
            src = buf[l & 1];
        }
    }
    free(buf[0]);
    free(buf[1]);
}

void be_counts_lookup(be_counts *c, const rt_tables *t, int n, const uint16_t *in) {
    be_reduce_lookup(t, 0, n, in, c, NULL);
}

/* ---- One output bit --------------------------------------------------------------- */

/* A ternary table over k variables (vars: their address bits), and per entry how many
 * of the don't-care addresses merged into it had 0 or 1 in the trained table. */
typedef struct rd_tab {
    int k;
    int vars[16];
    uint8_t *t;     /* [2^k] 0, 1 or DC */
    uint32_t *n[2]; /* [2^k] each: trained values of the don't-cares merged here */
} rd_tab;

/* Whether variable i of x can be dropped; *flip: the don't-care addresses that would take
 * the other value than the trained one; *dc: the DC entries the merged table keeps. */
static bool rd_droppable(const rd_tab *x, int i, long *flip, long *dc) {
    size_t n = (size_t)1 << x->k, bit = (size_t)1 << i;
    long d = 0, f = 0;
    for (size_t y = 0; y < n; y++) {
        if (y & bit) continue;
        uint8_t p = x->t[y], q = x->t[y | bit];
        if (p != DC && q != DC && p != q) return false;
        if (p == DC && q == DC)
            d++;
        else if (p == DC)
            f += x->n[!q][y];
        else if (q == DC)
            f += x->n[!p][y | bit];
    }
    *flip = f;
    *dc = d;
    return true;
}

/* Entry y of a table over k - 1 variables with variable i dropped: its entry with i = 0
 * in the table over k variables (the entry with i = 1 is that | 1 << i). */
static size_t rd_low(size_t y, int i) {
    size_t low = ((size_t)1 << i) - 1;
    return (y & low) | ((y & ~low) << 1);
}

/* Drops variable i from vars[0..k) and from the per-entry counts cnt[0..m) in place, each
 * entry the sum of the two it merges; k then counts one variable less. */
static void rd_fold(int *vars, int *k, uint32_t *const *cnt, int m, int i) {
    size_t half = (size_t)1 << (*k - 1), bit = (size_t)1 << i;
    for (size_t y = 0; y < half; y++) {
        size_t z = rd_low(y, i);
        for (int v = 0; v < m; v++)
            cnt[v][y] = cnt[v][z] + cnt[v][z | bit];
    }
    memmove(vars + i, vars + i + 1, sizeof *vars * (size_t)(*k - 1 - i));
    (*k)--;
}

/* Address y's entry in a table over the k address bits vars (bit i of the entry: bit
 * vars[i] of y). */
static size_t rd_project(size_t y, const int *vars, int k) {
    size_t z = 0;
    for (int i = 0; i < k; i++)
        z |= (y >> vars[i] & 1u) << i;
    return z;
}

/* Drops variable i of x in place (k -> k - 1 variables). */
static void rd_drop(rd_tab *x, int i) {
    size_t half = (size_t)1 << (x->k - 1), bit = (size_t)1 << i;
    for (size_t y = 0; y < half; y++) {
        size_t z = rd_low(y, i);
        uint8_t p = x->t[z], q = x->t[z | bit];
        x->t[y] = p != DC ? p : q;
    }
    rd_fold(x->vars, &x->k, x->n, 2, i);
}

/* Index of y's cell on the variables of mask (their bits of y, packed in order). */
static size_t rd_cell(size_t y, unsigned mask) {
    size_t c = 0;
    int j = 0;
    for (int i = 0; mask >> i; i++)
        if (mask >> i & 1u) c |= (y >> i & 1u) << j++;
    return c;
}

/* Whether x depends on the variables of mask alone (no two seen addresses agreeing there
 * take different values); *flip: the don't-care addresses whose trained value differs
 * from their cell's seen value. cell: 2^k bytes of scratch. */
static bool rd_consistent(const rd_tab *x, unsigned mask, uint8_t *cell, long *flip) {
    size_t n = (size_t)1 << x->k;
    memset(cell, DC, (size_t)1 << __builtin_popcount(mask));
    for (size_t y = 0; y < n; y++) {
        uint8_t v = x->t[y], *c = &cell[rd_cell(y, mask)];
        if (v == DC) continue;
        if (*c != DC && *c != v) return false;
        *c = v;
    }
    long f = 0;
    for (size_t y = 0; y < n; y++) {
        uint8_t c = cell[rd_cell(y, mask)];
        if (x->t[y] == DC && c != DC) f += x->n[!c][y];
    }
    *flip = f;
    return true;
}

/* The exact strategy: the smallest set of address bits x can depend on (every subset, by
 * size), the fewest changed trained values among those, then the lowest bit set; the other
 * bits dropped. Tables of more than RD_EXACT_BITS address bits are left as they are. */
enum { RD_EXACT_BITS = 8 };
static void rd_exact(rd_tab *x) {
    if (x->k > RD_EXACT_BITS) return;
    uint8_t cell[1 << RD_EXACT_BITS];
    unsigned full = (1u << x->k) - 1, best = full;
    for (int size = 0; size < x->k && best == full; size++) {
        long best_f = 0;
        for (unsigned mask = 0; mask < full; mask++) {
            long f;
            if (__builtin_popcount(mask) != size || !rd_consistent(x, mask, cell, &f)) continue;
            if (best == full || f < best_f) best = mask, best_f = f;
        }
    }
    for (int i = x->k - 1; i >= 0; i--)
        if (!(best >> i & 1u)) rd_drop(x, i);
}

/* Drops variables of x by strategy m. */
static void rd_support(rd_tab *x, be_rd_method m) {
    if (m == BE_RD_EXACT) {
        rd_exact(x);
        return;
    }
    if (m == BE_RD_HIGH_FIRST) {
        for (int i = x->k - 1; i >= 0; i--) {
            long f, dc;
            if (rd_droppable(x, i, &f, &dc)) rd_drop(x, i);
        }
        return;
    }
    if (m != BE_RD_BEST_FIRST) return;
    for (;;) { /* the drop that changes the fewest trained values first, then most freedom */
        int best = -1;
        long best_f = 0, best_dc = 0;
        for (int i = 0; i < x->k; i++) {
            long f, dc;
            if (rd_droppable(x, i, &f, &dc) &&
                (best < 0 || f < best_f || (f == best_f && dc > best_dc)))
                best = i, best_f = f, best_dc = dc;
        }
        if (best < 0) return;
        rd_drop(x, best);
    }
}

/* Fills the DCs of x: each takes the majority of the trained values it stands for (the
 * LUT does not care, the accuracy does). */
static void rd_fill(rd_tab *x) {
    for (size_t y = 0; y < (size_t)1 << x->k; y++)
        if (x->t[y] == DC) x->t[y] = x->n[1][y] > x->n[0][y];
}

/* Drops the variables a filled (binary) table does not depend on. */
static void rd_prune(rd_tab *x) {
    for (int i = x->k - 1; i >= 0; i--) {
        size_t n = (size_t)1 << x->k, bit = (size_t)1 << i;
        bool dep = false;
        for (size_t y = 0; y < n && !dep; y++)
            dep = !(y & bit) && x->t[y] != x->t[y | bit];
        if (!dep) rd_drop(x, i);
    }
}

/* Cost of a filled function. */
static long rd_cost(const rd_tab *x, int K) {
    if (x->k == 0 || (x->k == 1 && x->t[0] == 0 && x->t[1] == 1)) return 0; /* const, wire */
    return rt_lut_cost(x->k, K);
}

/* Scratch of one layer's reduction: the bit as counted, a candidate, the best so far. */
typedef struct rd_work {
    rd_tab tern, cand, best;
    void *mem;
} rd_work;

static void rd_work_init(rd_work *w, int a) {
    size_t n = (size_t)1 << a;
    char *m = w->mem = xmalloc(3 * n * (1 + 2 * sizeof(uint32_t)));
    rd_tab *tabs[3] = {&w->tern, &w->cand, &w->best};
    for (int i = 0; i < 3; i++) {
        tabs[i]->t = (uint8_t *)m, m += n;
        tabs[i]->n[0] = (uint32_t *)(void *)m, m += n * sizeof(uint32_t);
        tabs[i]->n[1] = (uint32_t *)(void *)m, m += n * sizeof(uint32_t);
    }
}

static void rd_copy(rd_tab *dst, const rd_tab *src) {
    size_t n = (size_t)1 << src->k;
    dst->k = src->k;
    memcpy(dst->vars, src->vars, sizeof dst->vars);
    memcpy(dst->t, src->t, n);
    for (int v = 0; v < 2; v++)
        memcpy(dst->n[v], src->n[v], n * sizeof(uint32_t));
}

/* Reduces bit b of the L-LUT whose codes and counts are given (a address bits); writes
 * the chosen function into codes. Returns the chosen method. */
static be_rd_method rd_bit(uint16_t *codes, const uint32_t *cnt, int a, int b,
                           const be_reduce_opts *o, rd_work *w) {
    size_t n = (size_t)1 << a;
    rd_tab *x = &w->tern;
    x->k = a;
    for (int i = 0; i < a; i++)
        x->vars[i] = i;
    for (size_t y = 0; y < n; y++) {
        unsigned v = codes[y] >> b & 1u;
        bool seen = (uint64_t)cnt[y] >= (uint64_t)o->rarity;
        x->t[y] = seen ? (uint8_t)v : DC;
        x->n[0][y] = !seen && !v;
        x->n[1][y] = !seen && v;
    }
    be_rd_method chosen = BE_RD_N;
    long best_cost = 0;
    for (int m = 0; m < BE_RD_N; m++) {
        if (o->methods && !(o->methods >> m & 1u)) continue;
        rd_copy(&w->cand, x);
        rd_support(&w->cand, (be_rd_method)m);
        rd_fill(&w->cand);
        rd_prune(&w->cand);
        long c = rd_cost(&w->cand, o->lut_inputs);
        if (chosen == BE_RD_N || c < best_cost || (c == best_cost && w->cand.k < w->best.k)) {
            chosen = (be_rd_method)m;
            best_cost = c;
            rd_copy(&w->best, &w->cand);
        }
    }
    const rd_tab *f = &w->best;
    for (size_t y = 0; y < n; y++) { /* expand: project each address on the support */
        size_t z = rd_project(y, f->vars, f->k);
        codes[y] = (uint16_t)((codes[y] & ~(1u << b)) | (unsigned)f->t[z] << b);
    }
    return chosen;
}

/* ---- Functions of a layer: constants, wires, identical functions, O5/O6 pairs ------ */

/* One output bit's function on the layer's input signals (signal = input index * bits_in
 * + bit). Only functions of <= 6 signals take part in sharing. */
typedef struct rd_fn {
    int s;       /* support size */
    int sig[6];  /* sorted signals (s <= 6) */
    uint64_t tt; /* truth table over sig (s <= 6) */
    long cost;   /* rt_lut_cost, 0 for a constant or wire */
} rd_fn;

/* The function of bit b of L-LUT j, on signals. */
static void rd_fn_of(const rt_table_layer *L, int j, int b, int K, rd_fn *f) {
    const int a = be_addr_bits(L);
    const uint16_t *c = L->codes + ((size_t)j << a);
    size_t n = (size_t)1 << a;
    int vars[16], s = 0;
    for (int i = 0; i < a; i++) {
        size_t bit = (size_t)1 << i;
        bool dep = false;
        for (size_t x = 0; x < n && !dep; x++)
            dep = !(x & bit) && ((c[x] ^ c[x | bit]) >> b & 1u);
        if (dep) vars[s++] = i;
    }
    memset(f, 0, sizeof *f);
    f->s = s;
    uint8_t t[2] = {(uint8_t)(c[0] >> b & 1u),
                    s == 1 ? (uint8_t)(c[(size_t)1 << vars[0]] >> b & 1u) : 0};
    f->cost = s == 0 || (s == 1 && t[0] == 0 && t[1] == 1) ? 0 : rt_lut_cost(s, K);
    if (s > 6) return;
    for (int i = 0; i < s; i++) { /* signals, insertion-sorted with their address bits */
        int v = vars[i],
            sig = L->inputs[j * L->fanin + v / L->bits_in] * L->bits_in + v % L->bits_in;
        int p = i;
        for (; p > 0 && f->sig[p - 1] > sig; p--) {
            f->sig[p] = f->sig[p - 1];
            vars[p] = vars[p - 1];
        }
        f->sig[p] = sig;
        vars[p] = v;
    }
    for (uint32_t y = 0; y < (1u << s); y++) {
        size_t x = 0;
        for (int i = 0; i < s; i++)
            x |= (size_t)(y >> i & 1u) << vars[i];
        f->tt |= (uint64_t)(c[x] >> b & 1u) << y;
    }
}

static int rd_fn_cmp(const void *pa, const void *pb) {
    const rd_fn *a = pa, *b = pb;
    if (a->s != b->s) return a->s < b->s ? -1 : 1;
    for (int i = 0; i < a->s; i++)
        if (a->sig[i] != b->sig[i]) return a->sig[i] < b->sig[i] ? -1 : 1;
    return a->tt < b->tt ? -1 : a->tt > b->tt;
}

/* Signals of the union of f and g, or 7 when more than 6. */
static int rd_union(const rd_fn *f, const rd_fn *g) {
    int n = f->s;
    for (int i = 0; i < g->s; i++) {
        bool in = false;
        for (int k = 0; k < f->s; k++)
            in |= f->sig[k] == g->sig[i];
        if (!in && ++n > 6) return 7;
    }
    return n;
}

/* LUT estimate of one layer: every bit's cost of the L-LUTs that reach an output (live);
 * *dup the cost of functions another bit already has; *pairs the O5/O6 pairs found (when
 * pairs). */
static long rd_layer(const rt_table_layer *L, const bool *live, int K, bool pairs, long *dup,
                     long *npairs, long *consts, long *wires, long *support) {
    long n = (long)L->n_lut * L->bits_out, total = 0, m = 0;
    rd_fn *fs = xmalloc(sizeof *fs * (size_t)(n + 1));
    for (int j = 0; j < L->n_lut; j++)
        for (int b = 0; b < L->bits_out && live[j]; b++) {
            rd_fn f;
            rd_fn_of(L, j, b, K, &f);
            total += f.cost;
            *support += f.s;
            *consts += f.s == 0;
            *wires += f.s == 1 && f.cost == 0;
            if (f.cost > 0 && f.s <= 6) fs[m++] = f;
        }
    qsort(fs, (size_t)m, sizeof *fs, rd_fn_cmp);
    long u = 0; /* distinct functions to the front */
    for (long i = 0; i < m; i++) {
        if (u > 0 && rd_fn_cmp(&fs[u - 1], &fs[i]) == 0) {
            *dup += fs[i].cost;
            continue;
        }
        fs[u++] = fs[i];
    }
    if (pairs && K == 6) { /* greedy: each <= 5-input function with a later one nearby */
        enum { WINDOW = 64 };
        bool *used = xcalloc((size_t)u + 1, sizeof *used);
        for (long i = 0; i < u; i++) {
            if (used[i] || fs[i].s > 5) continue;
            for (long k = i + 1; k < u && k <= i + WINDOW; k++)
                if (!used[k] && fs[k].s <= 5 && rd_union(&fs[i], &fs[k]) <= 5) {
                    used[i] = used[k] = true;
                    ++*npairs;
                    break;
                }
        }
        free(used);
    }
    free(fs);
    return total;
}

/* Sums rd_layer over t's layers, leaving out the L-LUTs that reach no output
 * (be_live_luts); returns the estimate before sharing. */
static long rd_tables(const rt_tables *t, int K, bool pairs, long *dup, long *npairs, long *consts,
                      long *wires, long *support) {
    long total = 0;
    *dup = *npairs = *consts = *wires = *support = 0;
    bool **live = xcalloc((size_t)t->n_layers, sizeof *live);
    be_live_luts(t, live);
    for (int l = 0; l < t->n_layers; l++) {
        total += rd_layer(&t->layers[l], live[l], K, pairs, dup, npairs, consts, wires, support);
        free(live[l]);
    }
    free(live);
    return total;
}

long be_reduce_estimate(const rt_tables *t, int lut_inputs, bool pairs) {
    long dup, np, c, w, s;
    long total = rd_tables(t, lut_inputs, pairs, &dup, &np, &c, &w, &s);
    return total - dup - np;
}

/* ---- A budget of changed training outputs (dont_care(changes = C)) ------------------- */

/* One output bit under the budget: per entry the training samples whose trained value
 * there is 0 or 1 (w; addresses seen fewer than rarity times weigh nothing), and the
 * trained values merged there (n, the fill of entries no sample weighs); the entry's
 * value is its samples' majority, so min(w0, w1) of them changed. best_v: the drop that
 * changes the fewest samples per LUT saved (-1: none left), at best_d changed samples. */
typedef struct bd_bit {
    int l, j, b, k, vars[16];
    uint32_t *w[2], *n[2];
    int best_v;
    long best_d;
    double best_cost; /* changed samples per LUT saved; -1 for a free drop */
} bd_bit;

static long bd_min(long a, long b) {
    return a < b ? a : b;
}

static void bd_eval(bd_bit *x, int K) {
    x->best_v = -1;
    if (x->k == 0) return;
    long gain = rt_lut_cost(x->k, K) - (x->k > 1 ? rt_lut_cost(x->k - 1, K) : 0);
    size_t n = (size_t)1 << x->k;
    const uint32_t *w0 = x->w[0], *w1 = x->w[1];
    for (int i = 0; i < x->k; i++) {
        size_t bit = (size_t)1 << i;
        long d = 0;
        for (size_t y = 0; y < n; y++) {
            if (y & bit) continue;
            size_t z = y | bit;
            d += bd_min((long)w0[y] + w0[z], (long)w1[y] + w1[z]) - bd_min(w0[y], w1[y]) -
                 bd_min(w0[z], w1[z]);
        }
        if (d > 0 && (gain <= 0 || x->k <= K)) continue; /* see rd_budget */
        double c = d == 0 ? -1.0 : (double)d / (double)gain;
        if (x->best_v < 0 || c < x->best_cost) x->best_v = i, x->best_cost = c, x->best_d = d;
    }
}

static void bd_drop(bd_bit *x, int i) {
    uint32_t *const cnt[4] = {x->w[0], x->w[1], x->n[0], x->n[1]};
    rd_fold(x->vars, &x->k, cnt, 4, i);
}

/* Bit b of L-LUT j of layer l from its trained codes and counts (rd_bit's ternary table
 * with weights), and its first candidate. */
static void bd_init(bd_bit *x, const rt_tables *t, const be_counts *c, int l, int j, int b,
                    const be_reduce_opts *o) {
    const rt_table_layer *L = &t->layers[l];
    int a = be_addr_bits(L);
    size_t n = (size_t)1 << a;
    *x = (bd_bit){.l = l, .j = j, .b = b, .k = a};
    for (int v = 0; v < a; v++)
        x->vars[v] = v;
    for (int v = 0; v < 2; v++) {
        x->w[v] = xcalloc(n, sizeof(uint32_t));
        x->n[v] = xcalloc(n, sizeof(uint32_t));
    }
    const uint16_t *codes = L->codes + ((size_t)j << a);
    const uint32_t *cnt = c->counts[l] + ((size_t)j << a);
    for (size_t y = 0; y < n; y++) {
        unsigned v = codes[y] >> b & 1u;
        x->w[v][y] = (uint64_t)cnt[y] >= (uint64_t)o->rarity ? cnt[y] : 0;
        x->n[v][y] = 1;
    }
    bd_eval(x, o->lut_inputs);
}

/* Writes x's function (each entry its samples' majority, else its trained values') into
 * its bit of the L-LUT's codes at every address, and frees x. */
static void bd_write(bd_bit *x, rt_tables *t) {
    rt_table_layer *L = &t->layers[x->l];
    int a = be_addr_bits(L);
    uint16_t *codes = L->codes + ((size_t)x->j << a);
    for (size_t y = 0; y < (size_t)1 << a; y++) {
        size_t z = rd_project(y, x->vars, x->k);
        uint32_t w0 = x->w[0][z], w1 = x->w[1][z];
        unsigned v = w0 != w1 ? w1 > w0 : x->n[1][z] > x->n[0][z];
        codes[y] = (uint16_t)((codes[y] & ~(1u << x->b)) | v << x->b);
    }
    for (int v = 0; v < 2; v++) {
        free(x->w[v]);
        free(x->n[v]);
    }
}

/* The budget pass over the layers [0, n_layers): free drops first (those rd_bit's
 * strategies make), then the cheapest per LUT saved over all bits, until the next would
 * pass the budget (that bit then keeps its support). Only functions wider than the LUT
 * spend the budget: there a drop halves the LUTs, while within one LUT it saves at most
 * that LUT (a constant) and the changed codes move the samples to addresses the next
 * layers never saw (measured on digits: 0.1% of the outputs so spent cost 10 points).
 * Ties: the first bit in layer, L-LUT and bit order (the pass is serial: the same for any
 * thread count). */
static void rd_budget(rt_tables *t, const be_counts *c, int n_layers, const be_reduce_opts *o,
                      be_reduce_stats *s) {
    long nb = 0, i = 0;
    for (int l = 0; l < n_layers; l++)
        nb += (long)t->layers[l].n_lut * t->layers[l].bits_out;
    bd_bit *bits = xcalloc((size_t)nb + 1, sizeof *bits);
    for (int l = 0; l < n_layers; l++)
        for (int j = 0; j < t->layers[l].n_lut; j++)
            for (int b = 0; b < t->layers[l].bits_out; b++)
                bd_init(&bits[i++], t, c, l, j, b, o);
    long long samples = 0; /* the training samples: every one has an address at L-LUT 0 */
    for (size_t y = 0; y < (size_t)1 << be_addr_bits(&t->layers[0]); y++)
        samples += c->counts[0][y];
    s->budget = (long long)(o->changes * (double)samples * (double)nb);
    for (;;) {
        long q = -1;
        for (long r = 0; r < nb; r++)
            if (bits[r].best_v >= 0 && (q < 0 || bits[r].best_cost < bits[q].best_cost)) q = r;
        if (q < 0) break;
        bd_bit *x = &bits[q];
        if (s->changed + x->best_d > s->budget) {
            x->best_v = -1;
            continue;
        }
        s->changed += x->best_d;
        bd_drop(x, x->best_v);
        bd_eval(x, o->lut_inputs);
    }
    for (long r = 0; r < nb; r++)
        bd_write(&bits[r], t);
    free(bits);
}

/* ---- The pass ------------------------------------------------------------------------ */

void be_reduce_after(const rt_tables *t, int K, be_reduce_stats *s) {
    s->luts_after = rd_tables(t, K, true, &s->dup_luts, &s->pairs, &s->const_after, &s->wire_after,
                              &s->support_after);
    s->luts_final = s->luts_after - s->dup_luts - s->pairs;
}

rt_status be_reduce(rt_tables *t, const be_counts *c, const be_reduce_opts *o, be_reduce_stats *s,
                    rt_error *e) {
    double t0 = rt_now();
    memset(s, 0, sizeof *s);
    be_reduce_opts opt = *o;
    if (opt.rarity < 1) opt.rarity = 1;
    if (opt.lut_inputs < 2) opt.lut_inputs = 6;
    s->luts_before = rd_tables(t, opt.lut_inputs, true, &s->dup_before, &s->pairs_before,
                               &s->const_before, &s->wire_before, &s->support_before);
    if (opt.abc) { /* ABC's fill; the pass below then only counts (trained: no drops) */
        rt_status st = be_reduce_abc(t, c, opt.rarity, e);
        if (st) return st;
        opt.methods = 1u << BE_RD_TRAINED;
    }
    bool budget = opt.changes > 0 && !opt.abc;
    for (int l = 0; l < t->n_layers; l++) {
        rt_table_layer *L = &t->layers[l];
        const int a = be_addr_bits(L);
        size_t n = (size_t)1 << a;
        bool head = opt.head && l == t->n_layers - 1; /* be_reduce_head's layer: counted only */
        rd_work w;
        rd_work_init(&w, a);
        for (int j = 0; j < L->n_lut; j++) {
            const uint32_t *cnt = c->counts[l] + ((size_t)j << a);
            for (size_t x = 0; x < n; x++)
                s->seen += (uint64_t)cnt[x] >= (uint64_t)opt.rarity;
            s->addresses += (long long)n;
            for (int b = 0; b < L->bits_out && !head && !budget; b++)
                s->wins[rd_bit(L->codes + ((size_t)j << a), cnt, a, b, &opt, &w)]++;
            s->bits += L->bits_out;
        }
        free(w.mem);
    }
    if (budget) rd_budget(t, c, t->n_layers - opt.head, &opt, s);
    be_reduce_after(t, opt.lut_inputs, s);
    s->seconds = rt_now() - t0;
    return RT_OK;
}
