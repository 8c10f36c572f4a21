/* hwio.c - the two ends of the generated design beside the tables: the input encoder in
 * hardware (raw fixed-point features -> 1-bit input codes by one integer comparison each)
 * and the group-sum head (class score = popcount of the class's group of 1-bit outputs).
 * One integer arithmetic for both, used by the table lookup, the reference codes' checks,
 * the vector files, and mirrored literally by the RTL (comparators, adder trees) and the C
 * simulator (the same comparisons, the same sums). README.md: "Encoder and head". */
#include "backend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* ---- Shapes -------------------------------------------------------------------------- */

int64_t be_raw_min(const rt_hw_encoder *en) {
    return en->raw_signed ? -((int64_t)1 << (en->raw_bits - 1)) : 0;
}

int64_t be_raw_max(const rt_hw_encoder *en) {
    return en->raw_signed ? ((int64_t)1 << (en->raw_bits - 1)) - 1
                          : ((int64_t)1 << en->raw_bits) - 1;
}

int be_classes(const rt_tables *t) {
    int n = t->layers[t->n_layers - 1].n_lut;
    return t->head_group > 0 ? n / t->head_group : n;
}

int be_score_bits(const rt_tables *t) {
    return be_bits_for((unsigned)t->head_group);
}

int be_out_bits(const rt_tables *t) {
    return t->head_group > 0 ? be_score_bits(t) : t->layers[t->n_layers - 1].bits_out;
}

int be_in_fields(const rt_tables *t) {
    return t->hwenc.n_features > 0 ? t->hwenc.n_features : t->n_inputs;
}

int be_in_field_bits(const rt_tables *t) {
    return t->hwenc.n_features > 0 ? t->hwenc.raw_bits : t->input_bits;
}

const uint16_t *be_codes_out(const rt_codes *c) {
    return c->scores ? c->scores : c->layer[c->n_layers - 1];
}

int be_codes_out_width(const rt_codes *c) {
    return c->scores ? c->n_scores : c->widths[c->n_layers - 1];
}

/* ---- The integer arithmetic ------------------------------------------------------------ */

int be_encode_bit(const rt_hw_encoder *en, int i, int64_t raw) {
    return en->descending[i] ? raw <= en->thr[i] : raw >= en->thr[i];
}

int be_encode_const(const rt_hw_encoder *en, int i) {
    int64_t lo = be_raw_min(en), hi = be_raw_max(en), t = en->thr[i];
    if (en->descending[i]) return t >= hi ? 1 : t < lo ? 0 : -1;
    return t <= lo ? 1 : t > hi ? 0 : -1;
}

int be_encoder_comparators(const rt_tables *t) {
    int n = 0;
    for (int i = 0; i < t->n_inputs && t->hwenc.n_features > 0; i++)
        n += be_encode_const(&t->hwenc, i) < 0;
    return n;
}

bool *be_layer_reads(const rt_tables *t, int l) {
    const rt_table_layer *L = &t->layers[l];
    bool *used = xcalloc((size_t)L->in_width, sizeof *used);
    for (long i = 0; i < (long)L->n_lut * L->fanin; i++)
        if (L->inputs[i] >= 0 && L->inputs[i] < L->in_width) used[L->inputs[i]] = true;
    return used;
}

void be_encoder_keep(rt_hw_encoder *en, int n_inputs, const bool *keep) {
    for (int i = 0; i < n_inputs; i++)
        if (!keep[i]) { /* R >= max + 1 never holds */
            en->descending[i] = false;
            en->thr[i] = be_raw_max(en) + 1;
        }
}

void be_encode(const rt_tables *t, int n, const int32_t *raw, uint16_t *codes) {
    const rt_hw_encoder *en = &t->hwenc;
    for (int s = 0; s < n; s++)
        for (int i = 0; i < t->n_inputs; i++)
            codes[(size_t)s * (size_t)t->n_inputs + (size_t)i] = (uint16_t)be_encode_bit(
                en, i, raw[(size_t)s * (size_t)en->n_features + (size_t)en->feature[i]]);
}

void be_head_scores(const rt_tables *t, int n, const uint16_t *last, uint16_t *scores) {
    int G = t->head_group, C = be_classes(t), w = t->layers[t->n_layers - 1].n_lut;
    for (int s = 0; s < n; s++)
        for (int c = 0; c < C; c++) {
            unsigned sum = 0;
            for (int g = 0; g < G; g++)
                sum += last[(size_t)s * (size_t)w + (size_t)(c * G + g)] & 1u;
            scores[(size_t)s * (size_t)C + (size_t)c] = (uint16_t)sum;
        }
}

/* ---- Consistency ----------------------------------------------------------------------- */

rt_status be_hwio_check(const rt_tables *t, rt_error *e) {
    const rt_hw_encoder *en = &t->hwenc;
    const rt_table_layer *last = &t->layers[t->n_layers - 1];
    if (t->head_group < 0 || t->head_group > BE_HEAD_MAX)
        return rt_fail(e, RT_ERR_IO, "tables: group-sum head of %d outputs per class (1..%d)",
                       t->head_group, BE_HEAD_MAX);
    if (t->head_group > 0 && (last->bits_out != 1 || last->n_lut % t->head_group != 0))
        return rt_fail(e, RT_ERR_IO,
                       "tables: a group-sum head of %d per class needs 1-bit outputs in whole "
                       "groups; the last layer has %d outputs of %d bits",
                       t->head_group, last->n_lut, last->bits_out);
    if (en->n_features == 0) return RT_OK;
    if (en->n_features < 0 || t->input_bits != 1 || t->input_signed || en->raw_bits < 1 ||
        en->raw_bits > 31 || en->raw_frac < 0 || en->raw_frac > 31)
        return rt_fail(e, RT_ERR_IO,
                       "tables: encoder of %d raw features of %d bits (%d fraction bits) into "
                       "%d-bit codes: the encoder needs 1..31-bit raw features and 1-bit codes",
                       en->n_features, en->raw_bits, en->raw_frac, t->input_bits);
    for (int i = 0; i < t->n_inputs; i++)
        if (en->feature[i] < 0 || en->feature[i] >= en->n_features)
            return rt_fail(e, RT_ERR_IO, "tables: encoder code %d reads raw feature %d of %d", i,
                           en->feature[i], en->n_features);
    return RT_OK;
}

rt_status be_hwio_codes_check(const rt_tables *t, const rt_codes *c, rt_error *e) {
    const rt_hw_encoder *en = &t->hwenc;
    if ((en->n_features > 0) != (c->raw != NULL) || (c->raw && c->n_raw != en->n_features))
        return rt_fail(e, RT_ERR_IO,
                       "codes: %d raw features per sample, the tables' encoder reads %d", c->n_raw,
                       en->n_features);
    if ((t->head_group > 0) != (c->scores != NULL) || (c->scores && c->n_scores != be_classes(t)))
        return rt_fail(e, RT_ERR_IO, "codes: %d class scores per sample, the tables' head gives %d",
                       c->scores ? c->n_scores : 0, t->head_group > 0 ? be_classes(t) : 0);
    if (c->raw) { /* one arithmetic: the input codes are the integer encoder's */
        uint16_t *codes = xmalloc(sizeof *codes * ((size_t)t->n_inputs + 1));
        rt_status st = RT_OK;
        for (int s = 0; s < c->n_samples && !st; s++) {
            be_encode(t, 1, c->raw + (size_t)s * (size_t)c->n_raw, codes);
            for (int i = 0; i < t->n_inputs && !st; i++)
                if (codes[i] != c->input[(size_t)s * (size_t)t->n_inputs + (size_t)i])
                    st = rt_fail(e, RT_ERR_IO,
                                 "codes: sample %d input code %d is %u, the encoder gives %u from "
                                 "raw feature %d = %d",
                                 s, i, c->input[(size_t)s * (size_t)t->n_inputs + (size_t)i],
                                 codes[i], en->feature[i],
                                 c->raw[(size_t)s * (size_t)c->n_raw + (size_t)en->feature[i]]);
        }
        free(codes);
        BE_TRY(st);
    }
    for (long i = 0; c->raw && i < (long)c->n_samples * c->n_raw; i++)
        if (c->raw[i] < be_raw_min(en) || c->raw[i] > be_raw_max(en))
            return rt_fail(e, RT_ERR_IO, "codes: sample %ld raw feature %ld is %d, outside %d bits",
                           i / c->n_raw, i % c->n_raw, c->raw[i], en->raw_bits);
    return RT_OK;
}

rt_status be_check_hwio(const ir_program *ir, rt_error *e) {
    if (ir->head == IR_HEAD_GROUP_SUM && (ir->head_group < 1 || ir->head_group > BE_HEAD_MAX))
        return rt_fail_prop(e, RT_ERR_MODEL, "output.head",
                            "a group-sum head of %d outputs per class: the back ends take 1 to "
                            "%d (the scores' adder trees)",
                            ir->head_group, BE_HEAD_MAX);
    return RT_OK;
}

/* ---- Fitting the encoder from thresholds on the normalized feature -------------------- */

/* The normalized value the data loader makes of raw R: (g(R * 2^-F) - shift) * mul, g the
 * scale and sign*log1p, rounded to float as the loader stores it (runtime/data). */
static float norm_value(const be_raw_map *m, int f, int64_t r) {
    double v = ldexp((double)r, -m->frac) * m->scale;
    if (m->log1p) v = v < 0 ? -log1p(-v) : log1p(v);
    return (float)((v - m->shift[f]) * m->mul[f]);
}

rt_status be_encoder_fit(const be_raw_map *m, int n_inputs, const int *feature,
                         const float *thr_norm, rt_hw_encoder *en, rt_error *e) {
    memset(en, 0, sizeof *en);
    if (m->bits < 1 || m->bits > 31 || m->frac < 0 || m->frac > 31)
        return rt_fail_prop(e, RT_ERR_MODEL, "input.encode",
                            "the raw fixed-point format of %d bits with %d fraction bits is not "
                            "supported (1..31 bits)",
                            m->bits, m->frac);
    en->n_features = m->n_features;
    en->raw_bits = m->bits;
    en->raw_frac = m->frac;
    en->raw_signed = m->is_signed;
    en->feature = xmalloc(sizeof *en->feature * (size_t)n_inputs);
    en->thr = xmalloc(sizeof *en->thr * (size_t)n_inputs);
    en->descending = xmalloc(sizeof *en->descending * (size_t)n_inputs);
    int64_t lo = be_raw_min(en), hi = be_raw_max(en);
    for (int i = 0; i < n_inputs; i++) {
        int f = feature[i];
        en->feature[i] = f;
        /* the loader's map is monotone in R (IEEE rounding keeps order): rising when the
         * value at hi is not below the value at lo */
        bool down = norm_value(m, f, hi) < norm_value(m, f, lo);
        en->descending[i] = down;
        /* the first R (from the side where the code is 0) with value > thr: binary search */
        int64_t a = lo, b = hi + 1; /* rising: answer in [lo, hi+1] */
        if (down) a = lo - 1, b = hi;
        while (a < b) {
            int64_t mid = a + (b - a + (down ? 1 : 0)) / 2;
            bool on = norm_value(m, f, mid) > thr_norm[i];
            if (down) {
                if (on)
                    a = mid;
                else
                    b = mid - 1;
            } else if (on)
                b = mid;
            else
                a = mid + 1;
        }
        en->thr[i] = a;
    }
    return RT_OK;
}

int32_t be_raw_quantize(const be_raw_map *m, int f, float x) {
    double v = (double)x / m->mul[f] + m->shift[f];
    if (m->log1p) v = v < 0 ? -expm1(-v) : expm1(v);
    v /= m->scale;
    double r = nearbyint(ldexp(v, m->frac));
    rt_hw_encoder en = {.raw_bits = m->bits, .raw_signed = m->is_signed};
    double lo = (double)be_raw_min(&en), hi = (double)be_raw_max(&en);
    return (int32_t)(r < lo ? lo : r > hi ? hi : r);
}

void be_codes_follow_encoder(const rt_tables *t, const be_raw_map *m, const float *x, rt_codes *c) {
    int nf = t->hwenc.n_features;
    free(c->raw);
    c->n_raw = nf;
    c->raw = xmalloc(sizeof *c->raw * ((size_t)c->n_samples * (size_t)nf + 1));
    for (long i = 0; i < (long)c->n_samples * nf; i++)
        c->raw[i] = be_raw_quantize(m, (int)(i % nf), x[i]);
    be_encode(t, c->n_samples, c->raw, c->input);
    be_lookup(t, c->n_samples, c->input, c->layer);
    be_codes_add_scores(t, c);
}

void be_codes_add_scores(const rt_tables *t, rt_codes *c) {
    free(c->scores);
    c->scores = NULL;
    c->n_scores = 0;
    if (t->head_group <= 0) return;
    c->n_scores = be_classes(t);
    c->scores = xmalloc(sizeof *c->scores * ((size_t)c->n_samples * (size_t)c->n_scores + 1));
    be_head_scores(t, c->n_samples, c->layer[c->n_layers - 1], c->scores);
}

/* ---- The group-sum head's compressor tree ---------------------------------------------- */

/* One bit of the head's compressor tree: b[bit] (comp < 0) or bit `bit` of compressor
 * wire h<class>_<comp>. */
typedef struct hbit {
    int comp, bit;
} hbit;

static void put_hbit(FILE *f, int c, hbit x) {
    if (x.comp < 0)
        fprintf(f, "b[%d]", x.bit);
    else
        fprintf(f, "h%d_%d[%d]", c, x.comp, x.bit);
}

static int count_bits(int n) {
    int w = 1;
    while ((1 << w) <= n)
        w++;
    return w;
}

long be_head_tree(FILE *f, int c, int G, int S, int k) {
    int kc = k < 6 ? (k < 3 ? 3 : k) : 6;
    long luts = S; /* the final adder: about one LUT per bit */
    hbit *col = xcalloc((size_t)S * (size_t)G, sizeof *col),
         *nxt = xcalloc((size_t)S * (size_t)G, sizeof *nxt);
    int *n = xcalloc((size_t)S, sizeof *n), *nn = xcalloc((size_t)S, sizeof *nn), id = 0;
    for (int i = 0; i < G; i++)
        col[i] = (hbit){-1, c * G + i};
    n[0] = G;
    for (bool more = G > 2; more;) {
        memset(nn, 0, (size_t)S * sizeof *nn);
        for (int w = 0; w < S; w++)
            for (int i = 0; i < n[w];) {
                int m = n[w] - i < kc ? n[w] - i : kc, ow = count_bits(m);
                if (m < 3) {
                    for (; i < n[w]; i++)
                        nxt[(size_t)w * G + nn[w]++] = col[(size_t)w * G + i];
                    break;
                }
                if (f) fprintf(f, "    wire [%d:0] h%d_%d = ", ow - 1, c, id);
                for (int j = 0; j < m; j++, i++) {
                    if (!f) continue;
                    fprintf(f, "%s{%d'd0, ", j ? " + " : "", ow - 1);
                    put_hbit(f, c, col[(size_t)w * G + i]);
                    fputc('}', f);
                }
                if (f) fputs(";\n", f);
                for (int j = 0; j < ow && w + j < S; j++) {
                    nxt[(size_t)(w + j) * G + nn[w + j]++] = (hbit){id, j};
                    luts += rt_lut_cost(m, k);
                }
                id++;
            }
        more = false;
        for (int w = 0; w < S; w++)
            more |= nn[w] > 2;
        hbit *t = col;
        col = nxt, nxt = t;
        int *tn = n;
        n = nn, nn = tn;
    }
    for (int r = 0; r < 2 && f; r++) {
        fprintf(f, "    wire [%d:0] h%d_r%d = {", S - 1, c, r);
        for (int w = S - 1; w >= 0; w--) {
            if (n[w] > r)
                put_hbit(f, c, col[(size_t)w * G + r]);
            else
                fputs("1'b0", f);
            fputs(w ? ", " : "};\n", f);
        }
    }
    if (f) fprintf(f, "    assign s[%d:%d] = h%d_r0 + h%d_r1;\n", c * S + S - 1, c * S, c, c);
    free(col), free(nxt), free(n), free(nn);
    return luts;
}

/* ---- Hardware cost ------------------------------------------------------------------- */

void be_hw_estimate_io(const rt_tables *t, int k, be_hw *h) {
    const rt_hw_encoder *en = &t->hwenc;
    h->luts_enc_estimate = h->luts_head_estimate = -1;
    h->enc_comparators = h->enc_thresholds = -1;
    if (en->n_features > 0) {
        h->enc_thresholds = t->n_inputs;
        h->enc_comparators = be_encoder_comparators(t);
        h->luts_enc_estimate = (long)h->enc_comparators * rt_lut_cost(en->raw_bits, k);
    }
    if (t->head_group > 0) {
        h->luts_head_estimate =
            (long)be_classes(t) * be_head_tree(NULL, 0, t->head_group, be_score_bits(t), k);
    }
}

/* ---- The encoder and head of a trained model ------------------------------------------- */

/* The raw value before the fixed-point rounding of normalized feature f = x. */
static double raw_value(const be_raw_map *m, int f, float x) {
    double v = (double)x / m->mul[f] + m->shift[f];
    if (m->log1p) v = v < 0 ? -expm1(-v) : expm1(v);
    return v / m->scale;
}

rt_status be_raw_format(const rt_dataset *d, be_raw_map *m, rt_error *e) {
    const rt_split *sp[3] = {&d->train, &d->valid, &d->test};
    bool integer = true;
    for (int k = 0; k < 3 && integer; k++)
        for (long i = 0; i < (long)sp[k]->n * d->inputs && integer; i++) {
            double v = raw_value(m, (int)(i % d->inputs), sp[k]->x[i]);
            integer = fabs(v - nearbyint(v)) <= 1e-4 * (fabs(v) > 1 ? fabs(v) : 1);
        }
    m->frac = integer ? 0 : 8;
    double lo = 0, hi = 0;
    for (int k = 0; k < 3; k++)
        for (long i = 0; i < (long)sp[k]->n * d->inputs; i++) {
            double r = nearbyint(ldexp(raw_value(m, (int)(i % d->inputs), sp[k]->x[i]), m->frac));
            lo = r < lo ? r : lo;
            hi = r > hi ? r : hi;
        }
    m->is_signed = lo < 0;
    int bits = 1;
    while (bits < 40 && (ldexp(1, bits) <= hi || (m->is_signed && ldexp(1, bits) < -lo)))
        bits++;
    m->bits = bits + m->is_signed;
    if (m->bits > 31)
        return rt_fail_prop(e, RT_ERR_DATA, "input.encode",
                            "the raw features range over [%g, %g] with %d fraction bits: more "
                            "than the 31 bits the encoder in hardware takes",
                            ldexp(lo, -m->frac), ldexp(hi, -m->frac), m->frac);
    return RT_OK;
}

rt_status be_hwio_attach(rt_tables *t, rt_codes *c, const be_hwio_spec *s, long *changed,
                         rt_error *e) {
    *changed = 0;
    t->head_group = s->head_group;
    if (s->thr) {
        BE_TRY(be_encoder_fit(s->map, t->n_inputs, s->feature, s->thr, &t->hwenc, e));
        /* only the codes some L-LUT reads get a comparator (the others: constant 0) */
        bool *read = be_layer_reads(t, 0);
        be_encoder_keep(&t->hwenc, t->n_inputs, read);
        size_t n = (size_t)c->n_samples * (size_t)c->n_inputs;
        uint16_t *before = xmalloc(sizeof *before * (n + 1));
        memcpy(before, c->input, sizeof *before * n);
        be_codes_follow_encoder(t, s->map, s->test->x, c);
        for (int q = 0; q < c->n_samples; q++) {
            size_t at = (size_t)q * (size_t)c->n_inputs;
            int i = 0;
            while (i < c->n_inputs &&
                   (!read[i] || before[at + (size_t)i] == c->input[at + (size_t)i]))
                i++;
            *changed += i < c->n_inputs;
        }
        free(before);
        free(read);
    } else
        be_codes_add_scores(t, c);
    return be_tables_check(t, e);
}
