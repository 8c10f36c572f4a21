/* csim_slice.c - the bit-sliced evaluation path of the C-simulator back end (csim.c):
 * 64 samples per 64-bit word, one word per bit of every code ("bit plane"). Each output
 * bit of an L-LUT is a boolean function of its address bits; it is written out as
 * straight-line word operations from a reduced ordered decision diagram of the function
 * (Shannon expansion, identical and complementary sub-functions shared), so one L-LUT
 * costs a handful of word operations for 64 samples. */
#include "backend.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* ---- Decision diagrams of one L-LUT --------------------------------------------------
 * Values are truth tables over the A address bits (2^A bits, at most 4 words) with the C
 * expression that computes them for 64 samples. The first values are the constants and
 * the address-bit literals; every other one is a statement appended to body. */

enum { TT_WORDS = 4 }; /* 2^BE_SLICE_MAX_ADDR / 64 */

typedef struct dd {
    int a;                        /* address bits */
    int nw;                       /* words of a truth table */
    int n, cap;                   /* values */
    uint64_t *tt;                 /* [cap * TT_WORDS] truth tables */
    char (*name)[16];             /* [cap] C expression: "0", "M", "x3", "n7" */
    bool used[BE_SLICE_MAX_ADDR]; /* literals read by the body */
    int next;                     /* next temporary number */
    long ops;                     /* word operations emitted */
    rt_buf *body;                 /* statements, or NULL to count only */
} dd;

static void tt_mask_tail(const dd *d, uint64_t *t) {
    if (d->a < 6) t[0] &= ((uint64_t)1 << (1u << d->a)) - 1;
}

static int dd_add(dd *d, const uint64_t *t, const char *name) {
    if (d->n == d->cap) {
        d->cap = d->cap ? 2 * d->cap : 64;
        d->tt = xrealloc(d->tt, sizeof *d->tt * (size_t)d->cap * TT_WORDS);
        d->name = xrealloc(d->name, sizeof *d->name * (size_t)d->cap);
    }
    memcpy(d->tt + (size_t)d->n * TT_WORDS, t, sizeof *t * TT_WORDS);
    snprintf(d->name[d->n], sizeof d->name[d->n], "%s", name);
    return d->n++;
}

static void dd_init(dd *d, int a, rt_buf *body) {
    memset(d, 0, sizeof *d);
    d->a = a;
    d->nw = a <= 6 ? 1 : 1 << (a - 6);
    d->body = body;
    uint64_t t[TT_WORDS] = {0};
    dd_add(d, t, "0");
    for (int w = 0; w < d->nw; w++)
        t[w] = ~(uint64_t)0;
    tt_mask_tail(d, t);
    dd_add(d, t, "M");
    for (int v = 0; v < a; v++) {
        memset(t, 0, sizeof t);
        for (unsigned r = 0; r < 1u << a; r++)
            if (r >> v & 1u) t[r >> 6] |= (uint64_t)1 << (r & 63);
        char nm[16];
        snprintf(nm, sizeof nm, "x%d", v);
        dd_add(d, t, nm);
    }
}

static void dd_free(dd *d) {
    free(d->tt);
    free(d->name);
}

/* Value with truth table t (complement = true: with ~t), or -1. */
static int dd_find(const dd *d, const uint64_t *t, bool complement) {
    for (int i = 0; i < d->n; i++) {
        const uint64_t *u = d->tt + (size_t)i * TT_WORDS;
        int w = 0;
        for (; w < d->nw; w++) {
            uint64_t x = complement ? ~u[w] : u[w];
            if (d->a < 6) x &= ((uint64_t)1 << (1u << d->a)) - 1;
            if (x != t[w]) break;
        }
        if (w == d->nw) return i;
    }
    return -1;
}

static bool tt_bit(const uint64_t *t, unsigned r) {
    return t[r >> 6] >> (r & 63) & 1u;
}

static bool depends(const dd *d, const uint64_t *t, int v) {
    for (unsigned r = 0; r < 1u << d->a; r++)
        if (!(r >> v & 1u) && tt_bit(t, r) != tt_bit(t, r | 1u << v)) return true;
    return false;
}

/* Cofactor of t with variable v fixed to val, as a truth table over all A bits. */
static void cofactor(const dd *d, const uint64_t *t, int v, int val, uint64_t *out) {
    memset(out, 0, sizeof *out * TT_WORDS);
    for (unsigned r = 0; r < 1u << d->a; r++) {
        unsigned src = val ? r | 1u << v : r & ~(1u << v);
        if (tt_bit(t, src)) out[r >> 6] |= (uint64_t)1 << (r & 63);
    }
}

/* Marks the literal of a name as read. */
static void note_use(dd *d, const char *name) {
    const char *x = strchr(name, 'x');
    if (x) d->used[atoi(x + 1)] = true;
}

/* Appends "nK = expr;" for truth table t and returns the new value. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
static int
dd_emit(dd *d, const uint64_t *t, int ops, const char *fmt, ...) {
    char expr[96], nm[16];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(expr, sizeof expr, fmt, ap);
    va_end(ap);
    snprintf(nm, sizeof nm, "n%d", d->next++);
    d->ops += ops;
    if (d->body) rt_buf_printf(d->body, "        const uint64_t %s = %s;\n", nm, expr);
    return dd_add(d, t, nm);
}

/* The value computing t, built by Shannon expansion on the variables in order. */
static int dd_build(dd *d, const uint64_t *t, const int *order) {
    int i = dd_find(d, t, false);
    if (i >= 0) return i;
    i = dd_find(d, t, true);
    if (i >= 0) {
        note_use(d, d->name[i]);
        return dd_emit(d, t, 1, "~%s", d->name[i]);
    }
    int v = -1;
    for (int k = 0; k < d->a && v < 0; k++)
        if (depends(d, t, order[k])) v = order[k];
    uint64_t f0[TT_WORDS], f1[TT_WORDS];
    cofactor(d, t, v, 0, f0);
    cofactor(d, t, v, 1, f1);
    /* f1 == ~f0: one XOR, and the complement never needs a statement of its own. */
    bool xor_pair = true;
    for (int w = 0; w < d->nw; w++) {
        uint64_t x = ~f0[w];
        if (d->a < 6) x &= ((uint64_t)1 << (1u << d->a)) - 1;
        xor_pair &= x == f1[w];
    }
    int lo = dd_build(d, f0, order);
    d->used[v] = true;
    note_use(d, d->name[lo]);
    if (xor_pair) return dd_emit(d, t, 1, "x%d ^ %s", v, d->name[lo]);
    int hi = dd_build(d, f1, order);
    const char *L = d->name[lo], *H = d->name[hi];
    note_use(d, H);
    /* lo == 0 && hi == 1 is the literal itself and was found above. */
    if (lo == 0) return dd_emit(d, t, 1, "x%d & %s", v, H);
    if (hi == 0) return dd_emit(d, t, 2, "%s & ~x%d", L, v);
    if (lo == 1) return dd_emit(d, t, 2, "%s | ~x%d", H, v);
    if (hi == 1) return dd_emit(d, t, 1, "x%d | %s", v, L);
    return dd_emit(d, t, 3, "%s ^ (x%d & (%s ^ %s))", L, v, L, H);
}

/* Truth table of output bit k of one L-LUT's rows. */
static void bit_table(const uint16_t *rows, int a, int k, uint64_t *t) {
    memset(t, 0, sizeof *t * TT_WORDS);
    for (unsigned r = 0; r < 1u << a; r++)
        if (rows[r] >> k & 1u) t[r >> 6] |= (uint64_t)1 << (r & 63);
}

/* Word operations for every output bit of one L-LUT under a variable order. */
static long lut_ops(const uint16_t *rows, int a, int bo, const int *order) {
    dd d;
    dd_init(&d, a, NULL);
    for (int k = 0; k < bo; k++) {
        uint64_t t[TT_WORDS];
        bit_table(rows, a, k, t);
        dd_build(&d, t, order);
    }
    long ops = d.ops;
    dd_free(&d);
    return ops;
}

/* A variable order for one L-LUT, by greedy sifting: from the natural order (highest
 * address bit on top), each position in turn takes the variable (of those below it)
 * that gives the fewest word operations. Against the natural order this saves 25% of the
 * operations on trained 1-bit, 6-input tables (digits) and 12% on random ones. */
static void choose_order(const uint16_t *rows, int a, int bo, int *order) {
    int best[BE_SLICE_MAX_ADDR], cand[BE_SLICE_MAX_ADDR], base[BE_SLICE_MAX_ADDR];
    for (int v = 0; v < a; v++)
        best[v] = a - 1 - v;
    long best_ops = lut_ops(rows, a, bo, best);
    for (int pos = 0; pos < a - 1; pos++) {
        memcpy(base, best, sizeof base);
        for (int k = pos + 1; k < a; k++) {
            /* base with its variable at k moved up to pos */
            memcpy(cand, base, sizeof cand);
            memmove(cand + pos + 1, cand + pos, sizeof *cand * (size_t)(k - pos));
            cand[pos] = base[k];
            long ops = lut_ops(rows, a, bo, cand);
            if (ops < best_ops) {
                best_ops = ops;
                memcpy(best, cand, sizeof cand);
            }
        }
    }
    memcpy(order, best, sizeof best);
}

/* Emits the sliced statements of L-LUT j of layer l: reads planes s[], writes d[]. */
static void emit_sliced_lut(rt_buf *out, const rt_tables *t, int l, int j, long *total_ops) {
    const rt_table_layer *L = &t->layers[l];
    int a = be_addr_bits(L), bo = L->bits_out, bi = L->bits_in;
    const uint16_t *rows = L->codes + ((size_t)j << a);
    int order[BE_SLICE_MAX_ADDR];
    choose_order(rows, a, bo, order);
    rt_buf body = {0};
    dd d;
    dd_init(&d, a, &body);
    int outv[16];
    for (int k = 0; k < bo; k++) {
        uint64_t tt[TT_WORDS];
        bit_table(rows, a, k, tt);
        outv[k] = dd_build(&d, tt, order);
        note_use(&d, d.name[outv[k]]);
    }
    *total_ops += d.ops;
    rt_buf_printf(out, "    { /* L-LUT %d */\n", j);
    for (int v = 0; v < a; v++)
        if (d.used[v]) {
            /* address bit v = bit (v % bi) of the code in slot v / bi */
            int code = L->inputs[(size_t)j * (size_t)L->fanin + (size_t)(v / bi)];
            rt_buf_printf(out, "        const uint64_t x%d = s[%d];\n", v, code * bi + v % bi);
        }
    if (body.data) rt_buf_printf(out, "%s", body.data);
    for (int k = 0; k < bo; k++)
        rt_buf_printf(out, "        d[%d] = %s;\n", j * bo + k, d.name[outv[k]]);
    rt_buf_printf(out, "    }\n");
    free(body.data);
    dd_free(&d);
}

/* ---- The bit-sliced path ------------------------------------------------------------ */

bool be_csim_can_slice(const rt_tables *t) {
    for (int l = 0; l < t->n_layers; l++)
        if (be_addr_bits(&t->layers[l]) > BE_SLICE_MAX_ADDR) return false;
    return true;
}

/* Emits one function per BE_SLICE_CHUNK L-LUTs of a layer, and their calls into calls;
 * returns the word operations of the L-LUTs. */
static long emit_slice_functions(FILE *f, const rt_tables *t, rt_buf *calls) {
    long ops = 0;
    int nfun = 0;
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        for (int j0 = 0; j0 < L->n_lut; j0 += BE_SLICE_CHUNK) {
            int j1 = j0 + BE_SLICE_CHUNK < L->n_lut ? j0 + BE_SLICE_CHUNK : L->n_lut;
            fprintf(f,
                    "/* layer %d, L-LUTs %d..%d */\nstatic void slice%d(const uint64_t *s, "
                    "uint64_t *d) {\n",
                    l, j0, j1 - 1, nfun);
            rt_buf body = {0};
            for (int j = j0; j < j1; j++)
                emit_sliced_lut(&body, t, l, j, &ops);
            fputs(body.data, f);
            free(body.data);
            fprintf(f, "}\n\n");
            rt_buf_printf(calls, "    slice%d(%s, %s);\n", nfun, l % 2 ? "b" : "a",
                          l % 2 ? "a" : "b");
            nfun++;
        }
    }
    return ops;
}

/* Emits to_planes: the input codes of up to 64 samples to bit planes. */
static void emit_to_planes(FILE *f, const rt_tables *t, const char *ID) {
    /* Input codes to planes. For 1-bit codes on a little-endian machine: one 64-bit load
     * takes 4 inputs of a sample (one per 16-bit lane); 16 samples ORed at shifts 0..15
     * leave in lane k the 16 sample bits of input i+k. Otherwise bit by bit. */
    if (t->input_bits == 1)
        fprintf(f,
                "/* 4 one-bit input codes of sample s (16-bit lanes), moved to bit s of each "
                "lane. */\n"
                "static uint64_t load4(const uint16_t *p) {\n"
                "    uint64_t v;\n"
                "    memcpy(&v, p, sizeof v);\n"
                "    return v & 0x0001000100010001u;\n"
                "}\n"
                "#define LANES(p, s) (load4((p) + (s) * %s_INPUTS) << (s))\n\n",
                ID);
    fprintf(f,
            "/* Input codes of m <= 64 samples to planes a[code * bits + bit]. */\n"
            "static void to_planes(size_t m, const uint16_t *in, uint64_t *a) {\n"
            "    size_t s;\n"
            "    int i, k;\n"
            "    memset(a, 0, sizeof *a * %s_INPUTS * %s_INPUT_BITS);\n",
            ID, ID);
    if (t->input_bits == 1)
        fprintf(
            f,
            "    {\n"
            "        static const uint16_t probe[4] = {1, 0, 0, 0};\n"
            "        uint64_t v, w;\n"
            "        size_t s0;\n"
            "        memcpy(&v, probe, sizeof v);\n"
            "        if (v == 1) { /* little endian: 16 samples x 4 inputs per step */\n"
            "            for (s0 = 0; s0 + 16 <= m; s0 += 16) {\n"
            "                const uint16_t *x = in + s0 * %s_INPUTS;\n"
            "                for (i = 0; i + 4 <= %s_INPUTS; i += 4) {\n"
            "                    w = LANES(x + i, 0) | LANES(x + i, 1) | LANES(x + i, 2) |\n"
            "                        LANES(x + i, 3) | LANES(x + i, 4) | LANES(x + i, 5) |\n"
            "                        LANES(x + i, 6) | LANES(x + i, 7) | LANES(x + i, 8) |\n"
            "                        LANES(x + i, 9) | LANES(x + i, 10) | LANES(x + i, 11) |\n"
            "                        LANES(x + i, 12) | LANES(x + i, 13) | LANES(x + i, 14) |\n"
            "                        LANES(x + i, 15);\n"
            "                    for (k = 0; k < 4; k++)\n"
            "                        a[i + k] |= (w >> (16 * k) & 0xffffu) << s0;\n"
            "                }\n"
            "                for (; i < %s_INPUTS; i++)\n"
            "                    for (s = 0; s < 16; s++)\n"
            "                        a[i] |= (uint64_t)(x[s * %s_INPUTS + i] & 1u) << (s0 + s);\n"
            "            }\n"
            "            for (s = s0; s < m; s++)\n"
            "                for (i = 0; i < %s_INPUTS; i++)\n"
            "                    a[i] |= (uint64_t)(in[s * %s_INPUTS + i] & 1u) << s;\n"
            "            return;\n"
            "        }\n"
            "    }\n"
            "    for (s = 0; s < m; s++)\n"
            "        for (i = 0; i < %s_INPUTS; i++)\n"
            "            a[i] |= (uint64_t)(in[s * %s_INPUTS + i] & 1u) << s;\n"
            "    (void)k;\n}\n\n",
            ID, ID, ID, ID, ID, ID, ID, ID);
    else
        fprintf(f,
                "    for (s = 0; s < m; s++)\n"
                "        for (i = 0; i < %s_INPUTS; i++)\n"
                "            for (k = 0; k < %d; k++)\n"
                "                a[i * %d + k] |= (uint64_t)(in[s * %s_INPUTS + i] >> k & 1u) "
                "<< s;\n}\n\n",
                ID, t->input_bits, t->input_bits, ID);
}

long be_csim_emit_sliced(FILE *f, const rt_tables *t, const be_plan *p) {
    const char *id = p->ident;
    char ID[160];
    be_upper(ID, id, sizeof ID);
    long planes = (long)t->n_inputs * t->input_bits, max_planes = planes;
    for (int l = 0; l < t->n_layers; l++) {
        long n = (long)t->layers[l].n_lut * t->layers[l].bits_out;
        if (n > max_planes) max_planes = n;
    }
    fprintf(f, "/* ---- The bit-sliced path: bit s of plane (code i, bit k) is bit k of code i "
               "of sample s. ---- */\n\n#define M (~(uint64_t)0)\n\n");
    rt_buf calls = {0};
    long ops = emit_slice_functions(f, t, &calls);
    const rt_table_layer *last = &t->layers[t->n_layers - 1];
    const char *result = t->n_layers % 2 ? "b" : "a";
    emit_to_planes(f, t, ID);
    fprintf(f,
            "/* Up to 64 samples: in[m * INPUTS] -> out[m * OUTPUTS]. Planes ping-pong "
            "between a and b. */\n"
            "static void run_sliced(size_t m, const uint16_t *in, uint16_t *out) {\n"
            "    uint64_t a[%ld], b[%ld];\n"
            "    size_t s;\n"
            "    int i, k;\n"
            "    to_planes(m, in, a);\n%s",
            max_planes, max_planes, calls.data);
    fprintf(f,
            "    for (s = 0; s < m; s++)\n"
            "        for (i = 0; i < %s_OUTPUTS; i++) {\n"
            "            unsigned v = 0;\n"
            "            for (k = 0; k < %d; k++)\n"
            "                v |= (unsigned)(%s[i * %d + k] >> s & 1u) << k;\n"
            "            out[s * %s_OUTPUTS + i] = (uint16_t)v;\n"
            "        }\n}\n\n",
            ID, last->bits_out, result, last->bits_out, ID);
    free(calls.data);
    fprintf(f,
            "void %s_infer_batch(size_t n, const uint16_t *in, uint16_t *out) {\n"
            "    size_t s;\n"
            "    for (s = 0; s < n; s += 64)\n"
            "        run_sliced(n - s < 64 ? n - s : 64, in + s * %s_INPUTS, out + s * "
            "%s_OUTPUTS);\n"
            "}\n",
            id, ID, ID);
    return ops;
}
