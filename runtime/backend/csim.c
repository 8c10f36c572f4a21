/* csim.c - the C-simulator back end: writes a standalone C99 pair <ident>.h/<ident>.c
 * (libc only) and a main.c that runs a vector file.
 *
 * Two evaluation paths are generated from the same tables:
 *   - plain: per sample, per L-LUT, one table read at the concatenated input codes;
 *   - bit-sliced (when every table has at most BE_SLICE_MAX_ADDR address bits): 64
 *     samples per 64-bit word, one word per bit of every code ("bit plane"). Each output
 *     bit of an L-LUT is a boolean function of its address bits; it is written out as
 *     straight-line word operations from a reduced ordered decision diagram of the
 *     function (Shannon expansion, identical and complementary sub-functions shared), so
 *     one L-LUT costs a handful of word operations for 64 samples.
 * infer/infer_layers use the plain path; infer_batch the sliced one, 64 at a time. */
#include "backend.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define BE_SLICE_MAX_ADDR 8  /* sliced path only up to 256-row tables */
#define SLICE_CHUNK       64 /* L-LUTs per generated function (keeps cc fast) */

/* ---- Growable text ---------------------------------------------------------------- */

/* Text built in memory before it is known whether (and where) it is needed. */
typedef struct sbuf {
    char *s;    /* NUL-terminated text */
    size_t n;   /* length */
    size_t cap; /* allocated */
} sbuf;

#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static void
sb_printf(sbuf *b, const char *fmt, ...) {
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int k = vsnprintf(b->s ? b->s + b->n : NULL, b->s ? b->cap - b->n : 0, fmt, ap);
        va_end(ap);
        if (b->s && (size_t)k < b->cap - b->n) {
            b->n += (size_t)k;
            return;
        }
        b->cap = (b->cap + (size_t)k + 1) * 2;
        b->s = xrealloc(b->s, b->cap);
        if (b->n == 0) b->s[0] = '\0';
    }
}

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
    sbuf *body;                   /* statements, or NULL to count only */
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

static void dd_init(dd *d, int a, sbuf *body) {
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
    if (d->body) sb_printf(d->body, "        const uint64_t %s = %s;\n", nm, expr);
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
static void emit_sliced_lut(sbuf *out, const rt_tables *t, int l, int j, long *total_ops) {
    const rt_table_layer *L = &t->layers[l];
    int a = be_addr_bits(L), bo = L->bits_out, bi = L->bits_in;
    const uint16_t *rows = L->codes + ((size_t)j << a);
    int order[BE_SLICE_MAX_ADDR];
    choose_order(rows, a, bo, order);
    sbuf body = {0};
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
    sb_printf(out, "    { /* L-LUT %d */\n", j);
    for (int v = 0; v < a; v++)
        if (d.used[v]) {
            /* address bit v = bit (v % bi) of the code in slot v / bi */
            int code = L->inputs[(size_t)j * (size_t)L->fanin + (size_t)(v / bi)];
            sb_printf(out, "        const uint64_t x%d = s[%d];\n", v, code * bi + v % bi);
        }
    if (body.s) sb_printf(out, "%s", body.s);
    for (int k = 0; k < bo; k++)
        sb_printf(out, "        d[%d] = %s;\n", j * bo + k, d.name[outv[k]]);
    sb_printf(out, "    }\n");
    free(body.s);
    dd_free(&d);
}

/* ---- The generated files ----------------------------------------------------------- */

static bool can_slice(const rt_tables *t) {
    for (int l = 0; l < t->n_layers; l++)
        if (be_addr_bits(&t->layers[l]) > BE_SLICE_MAX_ADDR) return false;
    return true;
}

static void upper(char *dst, const char *src, size_t n) {
    size_t i = 0;
    for (; src[i] && i + 1 < n; i++)
        dst[i] = (char)(src[i] >= 'a' && src[i] <= 'z' ? src[i] - 32 : src[i]);
    dst[i] = '\0';
}

static long total_codes(const rt_tables *t) {
    long n = 0;
    for (int l = 0; l < t->n_layers; l++)
        n += t->layers[l].n_lut;
    return n;
}

static void emit_header(FILE *f, const rt_tables *t, const be_plan *p, bool sliced) {
    const char *id = p->ident;
    char ID[160];
    upper(ID, id, sizeof ID);
    const rt_table_layer *last = &t->layers[t->n_layers - 1];
    fprintf(f,
            "/* %s.h - C simulator of the LUT network \"%s\", generated by nltc.\n"
            " * Standalone C99, libc only. Codes are unsigned as the hardware sees them "
            "(signed codes\n"
            " * are offset binary: larger code = larger value). Thread-safe: no state. */\n",
            id, p->model);
    fprintf(f,
            "#ifndef %s_SIM_H\n#define %s_SIM_H\n\n#include <stddef.h>\n#include "
            "<stdint.h>\n\n",
            ID, ID);
    fprintf(f, "#define %s_INPUTS %d      /* input codes per sample */\n", ID, t->n_inputs);
    fprintf(f, "#define %s_INPUT_BITS %d  /* bits per input code */\n", ID, t->input_bits);
    fprintf(f, "#define %s_OUTPUTS %d     /* output codes (class scores) per sample */\n", ID,
            last->n_lut);
    fprintf(f, "#define %s_OUTPUT_BITS %d /* bits per output code */\n", ID, last->bits_out);
    fprintf(f, "#define %s_LAYERS %d      /* layers of L-LUTs */\n", ID, t->n_layers);
    fprintf(f, "#define %s_CODES %ld      /* codes of all layers per sample */\n", ID,
            total_codes(t));
    fprintf(f, "#define %s_SLICED %d      /* infer_batch bit-slices 64 samples per word */\n\n", ID,
            sliced);
    fprintf(f,
            "/* Codes per layer, in evaluation order. */\nextern const int "
            "%s_layer_width[%s_LAYERS];\n\n",
            id, ID);
    fprintf(f,
            "/* One sample: in[%s_INPUTS] -> out[%s_OUTPUTS]. One table read per L-LUT. "
            "Input codes are\n * taken modulo 2^INPUT_BITS in every function. */\n"
            "void %s_infer(const uint16_t *in, uint16_t *out);\n\n",
            ID, ID, id);
    fprintf(f,
            "/* One sample, every layer's codes one layer after the other: "
            "codes[%s_CODES]. */\n"
            "void %s_infer_layers(const uint16_t *in, uint16_t *codes);\n\n",
            ID, id);
    fprintf(f,
            "/* n samples, row-major: in[n * %s_INPUTS] -> out[n * %s_OUTPUTS]; 64 samples "
            "at a time\n * bit-sliced when %s_SLICED. */\n"
            "void %s_infer_batch(size_t n, const uint16_t *in, uint16_t *out);\n\n",
            ID, ID, ID, id);
    fprintf(f,
            "/* The predicted class: index of the largest output code, the first on ties. "
            "*/\n"
            "int %s_argmax(const uint16_t *out);\n\n#endif\n",
            id);
}

/* Comma-separated numbers, 24 per line. */
static void emit_numbers(FILE *f, const char *type, const char *name, size_t n,
                         unsigned (*get)(const void *, size_t), const void *src) {
    fprintf(f, "static const %s %s[%zu] = {", type, name, n);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "%s%u%s", i % 24 == 0 ? "\n    " : "", get(src, i), i + 1 < n ? "," : "");
    fprintf(f, "\n};\n");
}

static unsigned get_int(const void *p, size_t i) {
    return (unsigned)((const int *)p)[i];
}

static unsigned get_u16(const void *p, size_t i) {
    return ((const uint16_t *)p)[i];
}

static void emit_plain(FILE *f, const rt_tables *t, const be_plan *p) {
    const char *id = p->ident;
    char ID[160];
    upper(ID, id, sizeof ID);
    int max_bo = 1, max_w = 1;
    for (int l = 0; l < t->n_layers; l++) {
        if (t->layers[l].bits_out > max_bo) max_bo = t->layers[l].bits_out;
        if (t->layers[l].in_width > max_w) max_w = t->layers[l].in_width;
    }
    const char *tab_t = max_bo <= 8 ? "uint8_t" : "uint16_t";
    const char *wire_t = max_w <= 65536 ? "uint16_t" : "uint32_t";
    fprintf(f, "/* ---- Tables: row (L-LUT j, address a) at [j << addr_bits | a]; wiring: "
               "input code of\n * slot f of L-LUT j at [j * fanin + f]. ---- */\n\n");
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        char name[32];
        snprintf(name, sizeof name, "wire%d", l);
        emit_numbers(f, wire_t, name, (size_t)L->n_lut * (size_t)L->fanin, get_int, L->inputs);
        snprintf(name, sizeof name, "table%d", l);
        emit_numbers(f, tab_t, name, (size_t)L->n_lut << be_addr_bits(L), get_u16, L->codes);
    }
    fprintf(f,
            "\n/* One layer's shape and data. */\nstruct layer {\n"
            "    int n_lut;     /* L-LUTs */\n    int fanin;     /* inputs per L-LUT */\n"
            "    int bits_in;   /* bits per input code */\n"
            "    int addr_bits; /* fanin * bits_in */\n"
            "    const %s *wire; /* input code of every slot */\n"
            "    const %s *table; /* every row of every L-LUT */\n};\n\n",
            wire_t, tab_t);
    fprintf(f, "static const struct layer layers[%s_LAYERS] = {\n", ID);
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        fprintf(f, "    {%d, %d, %d, %d, wire%d, table%d},\n", L->n_lut, L->fanin, L->bits_in,
                be_addr_bits(L), l, l);
    }
    fprintf(f, "};\n\nconst int %s_layer_width[%s_LAYERS] = {", id, ID);
    for (int l = 0; l < t->n_layers; l++)
        fprintf(f, "%s%d", l ? ", " : "", t->layers[l].n_lut);
    fprintf(f, "};\n\n");
    fprintf(f,
            "/* The plain path: the address is the L-LUT's input codes concatenated. */\n"
            "static void run_layer(const struct layer *L, const uint16_t *src, uint16_t "
            "*dst) {\n"
            "    const %s *w = L->wire;\n"
            "    const %s *tab = L->table;\n"
            "    const unsigned mask = (1u << L->bits_in) - 1; /* input codes modulo 2^bits */\n"
            "    int j, k;\n"
            "    for (j = 0; j < L->n_lut; j++, w += L->fanin, tab += (size_t)1 << "
            "L->addr_bits) {\n"
            "        uint32_t a = 0;\n"
            "        for (k = 0; k < L->fanin; k++)\n"
            "            a |= (uint32_t)(src[w[k]] & mask) << (k * L->bits_in);\n"
            "        dst[j] = tab[a];\n"
            "    }\n}\n\n",
            wire_t, tab_t);
    fprintf(f,
            "void %s_infer_layers(const uint16_t *in, uint16_t *codes) {\n"
            "    const uint16_t *src = in;\n"
            "    int l;\n"
            "    for (l = 0; l < %s_LAYERS; l++) {\n"
            "        run_layer(&layers[l], src, codes);\n"
            "        src = codes;\n"
            "        codes += layers[l].n_lut;\n"
            "    }\n}\n\n",
            id, ID);
    fprintf(f,
            "void %s_infer(const uint16_t *in, uint16_t *out) {\n"
            "    uint16_t codes[%s_CODES];\n"
            "    %s_infer_layers(in, codes);\n"
            "    memcpy(out, codes + %s_CODES - %s_OUTPUTS, sizeof *out * %s_OUTPUTS);\n"
            "}\n\n",
            id, ID, id, ID, ID, ID);
    fprintf(f,
            "int %s_argmax(const uint16_t *out) {\n"
            "    int i, best = 0;\n"
            "    for (i = 1; i < %s_OUTPUTS; i++)\n"
            "        if (out[i] > out[best])\n"
            "            best = i;\n"
            "    return best;\n}\n\n",
            id, ID);
}

static long emit_sliced(FILE *f, const rt_tables *t, const be_plan *p) {
    const char *id = p->ident;
    char ID[160];
    upper(ID, id, sizeof ID);
    long ops = 0;
    long planes = (long)t->n_inputs * t->input_bits, max_planes = planes;
    for (int l = 0; l < t->n_layers; l++) {
        long n = (long)t->layers[l].n_lut * t->layers[l].bits_out;
        if (n > max_planes) max_planes = n;
    }
    fprintf(f, "/* ---- The bit-sliced path: bit s of plane (code i, bit k) is bit k of code i "
               "of sample s. ---- */\n\n#define M (~(uint64_t)0)\n\n");
    int nfun = 0;
    sbuf calls = {0};
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        for (int j0 = 0; j0 < L->n_lut; j0 += SLICE_CHUNK) {
            int j1 = j0 + SLICE_CHUNK < L->n_lut ? j0 + SLICE_CHUNK : L->n_lut;
            fprintf(f,
                    "/* layer %d, L-LUTs %d..%d */\nstatic void slice%d(const uint64_t *s, "
                    "uint64_t *d) {\n",
                    l, j0, j1 - 1, nfun);
            sbuf body = {0};
            for (int j = j0; j < j1; j++)
                emit_sliced_lut(&body, t, l, j, &ops);
            fputs(body.s, f);
            free(body.s);
            fprintf(f, "}\n\n");
            sb_printf(&calls, "    slice%d(%s, %s);\n", nfun, l % 2 ? "b" : "a", l % 2 ? "a" : "b");
            nfun++;
        }
    }
    const rt_table_layer *last = &t->layers[t->n_layers - 1];
    const char *result = t->n_layers % 2 ? "b" : "a";
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
    fprintf(f,
            "/* Up to 64 samples: in[m * INPUTS] -> out[m * OUTPUTS]. Planes ping-pong "
            "between a and b. */\n"
            "static void run_sliced(size_t m, const uint16_t *in, uint16_t *out) {\n"
            "    uint64_t a[%ld], b[%ld];\n"
            "    size_t s;\n"
            "    int i, k;\n"
            "    to_planes(m, in, a);\n%s",
            max_planes, max_planes, calls.s);
    fprintf(f,
            "    for (s = 0; s < m; s++)\n"
            "        for (i = 0; i < %s_OUTPUTS; i++) {\n"
            "            unsigned v = 0;\n"
            "            for (k = 0; k < %d; k++)\n"
            "                v |= (unsigned)(%s[i * %d + k] >> s & 1u) << k;\n"
            "            out[s * %s_OUTPUTS + i] = (uint16_t)v;\n"
            "        }\n}\n\n",
            ID, last->bits_out, result, last->bits_out, ID);
    free(calls.s);
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

static int write_c(const rt_tables *t, const be_plan *p, const char *path, be_err *e) {
    rt_afile a;
    if (be_afile_open(&a, path, e)) return -1;
    FILE *f = a.f;
    bool sliced = can_slice(t);
    fprintf(f,
            "/* %s.c - C simulator of the LUT network \"%s\", generated by nltc: %ld L-LUTs "
            "in %d layers.\n"
            " * Compile: cc -std=c99 -O2 -Wall -Wextra -c %s.c. API in %s.h. */\n"
            "#include \"%s.h\"\n\n#include <string.h>\n\n",
            p->ident, p->model, total_codes(t), t->n_layers, p->ident, p->ident, p->ident);
    emit_plain(f, t, p);
    if (sliced) {
        long ops = emit_sliced(f, t, p);
        fprintf(f, "\n/* bit-sliced: %ld word operations per 64 samples in the L-LUTs */\n", ops);
    } else
        fprintf(f,
                "/* Tables wider than %d address bits: the batch runs the plain path. */\n"
                "void %s_infer_batch(size_t n, const uint16_t *in, uint16_t *out) {\n"
                "    size_t s;\n"
                "    for (s = 0; s < n; s++)\n"
                "        %s_infer(in + s * %d, out + s * %d);\n}\n",
                BE_SLICE_MAX_ADDR, p->ident, p->ident, t->n_inputs,
                t->layers[t->n_layers - 1].n_lut);
    return be_afile_close(&a, e);
}

static int write_main(const rt_tables *t, const be_plan *p, const char *path, be_err *e) {
    const char *id = p->ident;
    char ID[160];
    upper(ID, id, sizeof ID);
    rt_afile a;
    if (be_afile_open(&a, path, e)) return -1;
    FILE *f = a.f;
    fprintf(f,
            "/* main.c - runs the C simulator of \"%s\" over a vector file, generated by "
            "nltc.\n"
            " * Vector file: one sample per line, the hex of {expected out_data, in_data} "
            "(the RTL\n"
            " * test bench's vectors.hex; the expected part may be absent): input code i at "
            "bits\n"
            " * [i*%s_INPUT_BITS, ...), output code i at bits [IW + i*%s_OUTPUT_BITS, ...).\n"
            " * Prints one hex line of out_data per sample, then a summary line on stderr:\n"
            " *   NLTC-CSIM samples=N mismatches=M first=F   (against the expected part)\n"
            " * Options: -1 use the single-sample path; -l INDEX print every layer's codes "
            "of sample\n"
            " * INDEX instead (one hex line per layer, code i of a layer at its bits i*b).\n"
            " * Build: cc -std=c99 -O2 -Wall -Wextra -o sim main.c %s.c */\n",
            p->model, ID, ID, id);
    fprintf(f,
            "#include \"%s.h\"\n\n#include <stdio.h>\n#include <stdlib.h>\n#include "
            "<string.h>\n\n",
            id);
    fprintf(f,
            "#define IW (%s_INPUTS * %s_INPUT_BITS)\n#define OW (%s_OUTPUTS * "
            "%s_OUTPUT_BITS)\n\n",
            ID, ID, ID, ID);
    fprintf(f, "/* Bits per code of each layer. */\nstatic const int layer_bits[%s_LAYERS] = {",
            ID);
    for (int l = 0; l < t->n_layers; l++)
        fprintf(f, "%s%d", l ? ", " : "", t->layers[l].bits_out);
    fprintf(f, "};\n\n");
    fputs("/* Bit field [pos, pos + w) of a little-endian bit array. */\n"
          "static unsigned get_bits(const unsigned char *b, long pos, int w) {\n"
          "    unsigned v = 0;\n"
          "    int i;\n"
          "    for (i = 0; i < w; i++, pos++)\n"
          "        v |= (unsigned)(b[pos >> 3] >> (pos & 7) & 1u) << i;\n"
          "    return v;\n}\n\n"
          "static void put_bits(unsigned char *b, long pos, unsigned v, int w) {\n"
          "    int i;\n"
          "    for (i = 0; i < w; i++, pos++)\n"
          "        if (v >> i & 1u)\n"
          "            b[pos >> 3] |= (unsigned char)(1u << (pos & 7));\n}\n\n"
          "/* Prints codes[n] of w bits each as one hex number, code 0 in the low bits. */\n"
          "static void print_codes(const uint16_t *codes, long n, int w) {\n"
          "    long nbits = n * w, d;\n"
          "    unsigned char *b = calloc((size_t)(nbits + 15) / 8, 1);\n"
          "    long i;\n"
          "    if (!b) {\n        fputs(\"sim: out of memory\\n\", stderr);\n        "
          "exit(2);\n    }\n"
          "    for (i = 0; i < n; i++)\n"
          "        put_bits(b, i * w, codes[i], w);\n"
          "    for (d = (nbits + 3) / 4 - 1; d >= 0; d--)\n"
          "        putchar(\"0123456789abcdef\"[b[d / 2] >> (d % 2 * 4) & 15]);\n"
          "    putchar('\\n');\n"
          "    free(b);\n}\n\n",
          f);
    fprintf(f,
            "/* Reads one line of hex digits into bits (little-endian); returns digit count, "
            "-1 at end. */\n"
            "static long read_hex(FILE *in, unsigned char *bits, long cap_bits, const char *file, "
            "long line) {\n"
            "    char *s = NULL;\n"
            "    size_t cap = 0, n = 0;\n"
            "    int c;\n"
            "    long d, i;\n"
            "    while ((c = getc(in)) != EOF && c != '\\n') {\n"
            "        if (c == '\\r' || c == '_')\n            continue;\n"
            "        if (n + 1 >= cap) {\n"
            "            cap = cap ? 2 * cap : 256;\n"
            "            s = realloc(s, cap);\n"
            "            if (!s) {\n                fputs(\"sim: out of memory\\n\", stderr);\n"
            "                exit(2);\n            }\n"
            "        }\n"
            "        s[n++] = (char)c;\n"
            "    }\n"
            "    if (c == EOF && n == 0) {\n        free(s);\n        return -1;\n    }\n"
            "    memset(bits, 0, (size_t)(cap_bits + 7) / 8);\n"
            "    for (i = 0; i < (long)n; i++) {\n"
            "        char ch = s[n - 1 - i];\n"
            "        int v = ch >= '0' && ch <= '9' ? ch - '0' : ch >= 'a' && ch <= 'f' ? ch - 'a' "
            "+ 10\n"
            "              : ch >= 'A' && ch <= 'F' ? ch - 'A' + 10 : -1;\n"
            "        if (v < 0) {\n"
            "            fprintf(stderr, \"%%s:%%ld:%%ld: hex digit expected\\n\", file, line, "
            "(long)(n - i));\n"
            "            exit(1);\n"
            "        }\n"
            "        for (d = 0; d < 4; d++)\n"
            "            if (v >> d & 1) {\n"
            "                if (i * 4 + d >= cap_bits) {\n"
            "                    fprintf(stderr, \"%%s:%%ld: more than %%ld bits\\n\", file, line, "
            "cap_bits);\n"
            "                    exit(1);\n"
            "                }\n"
            "                bits[(i * 4 + d) >> 3] |= (unsigned char)(1u << ((i * 4 + d) & 7));\n"
            "            }\n"
            "    }\n"
            "    free(s);\n"
            "    return (long)n;\n}\n\n");
    fprintf(f,
            "int main(int argc, char **argv) {\n"
            "    const char *file = NULL;\n"
            "    long want_layers = -1, n = 0, cap = 0, line = 0, i, s, mism = 0, first = -1;\n"
            "    int single = 0, has_expected = 1;\n"
            "    unsigned char bits[(IW + OW + 7) / 8 + 1];\n"
            "    uint16_t *in = NULL, *want = NULL, *out;\n"
            "    FILE *fp;\n"
            "    for (i = 1; i < argc; i++) {\n"
            "        if (strcmp(argv[i], \"-1\") == 0)\n"
            "            single = 1;\n"
            "        else if (strcmp(argv[i], \"-l\") == 0 && i + 1 < argc)\n"
            "            want_layers = atol(argv[++i]);\n"
            "        else if (argv[i][0] != '-' && !file)\n"
            "            file = argv[i];\n"
            "        else {\n"
            "            fprintf(stderr, \"usage: %%s [-1] [-l INDEX] VECTORS.hex\\n\", "
            "argv[0]);\n"
            "            return 1;\n"
            "        }\n"
            "    }\n"
            "    if (!file) {\n"
            "        fprintf(stderr, \"usage: %%s [-1] [-l INDEX] VECTORS.hex\\n\", argv[0]);\n"
            "        return 1;\n"
            "    }\n"
            "    fp = fopen(file, \"r\");\n"
            "    if (!fp) {\n"
            "        perror(file);\n"
            "        return 2;\n"
            "    }\n"
            "    for (;;) {\n"
            "        long digits = read_hex(fp, bits, IW + OW, file, ++line);\n"
            "        if (digits < 0)\n            break;\n"
            "        if (digits == 0)\n            continue;\n"
            "        if (digits * 4 < IW + OW)\n            has_expected = 0;\n"
            "        if (n == cap) {\n"
            "            cap = cap ? 2 * cap : 1024;\n"
            "            in = realloc(in, sizeof *in * (size_t)cap * %s_INPUTS);\n"
            "            want = realloc(want, sizeof *want * (size_t)cap * %s_OUTPUTS);\n"
            "            if (!in || !want) {\n"
            "                fputs(\"sim: out of memory\\n\", stderr);\n"
            "                return 2;\n"
            "            }\n"
            "        }\n"
            "        for (i = 0; i < %s_INPUTS; i++)\n"
            "            in[n * %s_INPUTS + i] = (uint16_t)get_bits(bits, i * %s_INPUT_BITS, "
            "%s_INPUT_BITS);\n"
            "        for (i = 0; i < %s_OUTPUTS; i++)\n"
            "            want[n * %s_OUTPUTS + i] =\n"
            "                (uint16_t)get_bits(bits, IW + i * %s_OUTPUT_BITS, "
            "%s_OUTPUT_BITS);\n"
            "        n++;\n"
            "    }\n"
            "    fclose(fp);\n",
            ID, ID, ID, ID, ID, ID, ID, ID, ID, ID);
    fprintf(f,
            "    if (want_layers >= 0) {\n"
            "        uint16_t *codes = malloc(sizeof *codes * %s_CODES);\n"
            "        const uint16_t *c = codes;\n"
            "        if (want_layers >= n || !codes) {\n"
            "            fprintf(stderr, \"%%s: no sample %%ld\\n\", file, want_layers);\n"
            "            return 1;\n"
            "        }\n"
            "        %s_infer_layers(in + want_layers * %s_INPUTS, codes);\n"
            "        for (i = 0; i < %s_LAYERS; i++) {\n"
            "            print_codes(c, %s_layer_width[i], layer_bits[i]);\n"
            "            c += %s_layer_width[i];\n"
            "        }\n"
            "        free(codes);\n"
            "        return 0;\n"
            "    }\n",
            ID, id, ID, ID, id, id);
    fprintf(f,
            "    out = malloc(sizeof *out * (size_t)(n ? n : 1) * %s_OUTPUTS);\n"
            "    if (!out) {\n        fputs(\"sim: out of memory\\n\", stderr);\n        return "
            "2;\n    }\n"
            "    if (single)\n"
            "        for (s = 0; s < n; s++)\n"
            "            %s_infer(in + s * %s_INPUTS, out + s * %s_OUTPUTS);\n"
            "    else\n"
            "        %s_infer_batch((size_t)n, in, out);\n"
            "    for (s = 0; s < n; s++) {\n"
            "        print_codes(out + s * %s_OUTPUTS, %s_OUTPUTS, %s_OUTPUT_BITS);\n"
            "        if (has_expected && memcmp(out + s * %s_OUTPUTS, want + s * %s_OUTPUTS,\n"
            "                                   sizeof *out * %s_OUTPUTS) != 0) {\n"
            "            mism++;\n"
            "            if (first < 0)\n"
            "                first = s;\n"
            "        }\n"
            "    }\n"
            "    if (has_expected)\n"
            "        fprintf(stderr, \"NLTC-CSIM samples=%%ld mismatches=%%ld first=%%ld\\n\", "
            "n, mism, first);\n"
            "    free(in);\n    free(want);\n    free(out);\n"
            "    return mism ? 3 : 0;\n}\n",
            ID, id, ID, ID, id, ID, ID, ID, ID, ID, ID);
    return be_afile_close(&a, e);
}

int be_emit_csim(const be_input *in, const char *dir, be_err *e) {
    const rt_tables *t = in->tables;
    const be_plan *p = in->plan;
    if (be_tables_check(t, e) || be_mkdirs(dir, e)) return -1;
    char name[256];
    snprintf(name, sizeof name, "%s.h", p->ident);
    char *path = rt_path_join(dir, name);
    rt_afile a;
    int rc = be_afile_open(&a, path, e);
    free(path);
    if (rc) return rc;
    emit_header(a.f, t, p, can_slice(t));
    if (be_afile_close(&a, e)) return -1;
    snprintf(name, sizeof name, "%s.c", p->ident);
    path = rt_path_join(dir, name);
    rc = write_c(t, p, path, e);
    free(path);
    if (rc) return rc;
    path = rt_path_join(dir, "main.c");
    rc = write_main(t, p, path, e);
    free(path);
    return rc;
}
