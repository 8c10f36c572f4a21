/* lookup.c - table-lookup inference (the address of an L-LUT is its concatenated input
 * codes, read directly), argmax and accuracy, and the comparison of code sets that names
 * the first failing sample and layer. */
#include "backend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void be_lookup_layer(const rt_table_layer *L, int n, const uint16_t *src, uint16_t *dst,
                     uint32_t *counts) {
    const int F = L->fanin, b = L->bits_in, a = be_addr_bits(L);
    const unsigned mask = (1u << b) - 1; /* out-of-range codes never index outside */
    for (int s = 0; s < n; s++) {
        const uint16_t *x = src + (size_t)s * (size_t)L->in_width;
        uint16_t *y = dst ? dst + (size_t)s * (size_t)L->n_lut : NULL;
        const int *w = L->inputs;
        for (int j = 0; j < L->n_lut; j++, w += F) {
            uint32_t addr = 0;
            for (int f = 0; f < F; f++)
                addr |= (uint32_t)(x[w[f]] & mask) << (f * b);
            size_t at = ((size_t)j << a) | addr;
            if (y) y[j] = L->codes[at];
            if (counts && counts[at] != UINT32_MAX) counts[at]++;
        }
    }
}

void be_lookup(const rt_tables *t, int n, const uint16_t *in, uint16_t **layers) {
    /* Blocks of samples keep the working set in cache for wide models. */
    enum { BLOCK = 256 };
    for (int s0 = 0; s0 < n; s0 += BLOCK) {
        int m = n - s0 < BLOCK ? n - s0 : BLOCK;
        const uint16_t *src = in + (size_t)s0 * (size_t)t->n_inputs;
        for (int l = 0; l < t->n_layers; l++) {
            uint16_t *dst = layers[l] + (size_t)s0 * (size_t)t->layers[l].n_lut;
            be_lookup_layer(&t->layers[l], m, src, dst, NULL);
            src = dst;
        }
    }
}

void be_lookup_codes(const rt_tables *t, const rt_codes *ref, rt_codes *out) {
    memset(out, 0, sizeof *out);
    size_t ns = (size_t)ref->n_samples;
    out->n_samples = ref->n_samples;
    out->n_inputs = t->n_inputs;
    out->n_layers = t->n_layers;
    out->widths = xmalloc(sizeof *out->widths * (size_t)t->n_layers);
    out->layer = xmalloc(sizeof *out->layer * (size_t)t->n_layers);
    for (int l = 0; l < t->n_layers; l++) {
        out->widths[l] = t->layers[l].n_lut;
        out->layer[l] = xmalloc(sizeof **out->layer * (ns * (size_t)out->widths[l] + 1));
    }
    size_t ni = ns * (size_t)t->n_inputs;
    out->input = xmalloc(sizeof *out->input * (ni + 1));
    if (t->hwenc.n_features > 0 && ref->raw) { /* the design's input: the raw features */
        size_t nr = ns * (size_t)ref->n_raw;
        out->n_raw = ref->n_raw;
        out->raw = xmalloc(sizeof *out->raw * (nr + 1));
        memcpy(out->raw, ref->raw, sizeof *out->raw * nr);
        be_encode(t, ref->n_samples, out->raw, out->input);
    } else
        memcpy(out->input, ref->input, sizeof *out->input * ni);
    out->labels = xmalloc(sizeof *out->labels * (ns + 1));
    memcpy(out->labels, ref->labels, sizeof *out->labels * ns);
    be_lookup(t, ref->n_samples, out->input, out->layer);
    be_codes_add_scores(t, out);
}

int be_argmax(const uint16_t *codes, int n) {
    int best = 0;
    for (int i = 1; i < n; i++)
        if (codes[i] > codes[best]) best = i;
    return best;
}

double be_accuracy(const uint16_t *out, int n, int width, const int *labels) {
    if (n <= 0) return NAN;
    long ok = 0;
    for (int s = 0; s < n; s++)
        ok += be_argmax(out + (size_t)s * (size_t)width, width) == labels[s];
    return (double)ok / n;
}

static void mismatch_init(be_mismatch *m) {
    memset(m, 0, sizeof *m);
    m->sample = m->layer = m->index = -1;
}

/* Codes array l of a code set: -1 the input codes, 0 .. n_layers-1 the layers, n_layers
 * the class scores (NULL when absent). */
static const uint16_t *code_array(const rt_codes *c, int l, int *w) {
    if (l < 0) return *w = c->n_inputs, c->input;
    if (l == c->n_layers) return *w = c->n_scores, c->scores;
    return *w = c->widths[l], c->layer[l];
}

const char *be_layer_what(int layer, int n_layers, char *buf, size_t n) {
    if (layer == BE_LAYER_ENCODER)
        snprintf(buf, n, "the encoder");
    else if (layer == n_layers)
        snprintf(buf, n, "the head");
    else
        snprintf(buf, n, "layer %d", layer);
    return buf;
}

long be_compare_codes(const rt_codes *want, const rt_codes *got, be_mismatch *m) {
    mismatch_init(m);
    int nl = want->n_layers < got->n_layers ? want->n_layers : got->n_layers;
    int ns = want->n_samples < got->n_samples ? want->n_samples : got->n_samples;
    /* the input codes when an encoder made them, every layer, the scores */
    int l0 = want->raw ? -1 : 0, l1 = want->scores ? nl + 1 : nl;
    for (int s = 0; s < ns; s++) {
        bool bad = false;
        for (int l = l0; l < l1 && !bad; l++) {
            int w, wg;
            const uint16_t *a = code_array(want, l, &w), *b = code_array(got, l, &wg);
            if (wg != w || !b) {
                bad = true;
                if (m->sample < 0) m->sample = s, m->layer = l, m->index = 0;
                break;
            }
            a += (size_t)s * (size_t)w;
            b += (size_t)s * (size_t)w;
            if (memcmp(a, b, sizeof *a * (size_t)w) == 0) continue;
            bad = true;
            if (m->sample < 0) {
                int i = 0;
                while (a[i] == b[i])
                    i++;
                m->sample = s, m->layer = l < 0 ? BE_LAYER_ENCODER : l, m->index = i, m->got = b[i],
                m->want = a[i];
            }
        }
        m->samples += bad;
    }
    /* Samples present in only one of the two count as failing. */
    int extra = abs(want->n_samples - got->n_samples);
    if (extra && m->sample < 0) m->sample = ns, m->layer = 0, m->index = 0;
    m->samples += extra;
    return m->samples;
}

long be_compare_outputs(const rt_codes *want, const uint16_t *got, be_mismatch *m) {
    mismatch_init(m);
    int last = want->scores ? want->n_layers : want->n_layers - 1, w = be_codes_out_width(want);
    for (int s = 0; s < want->n_samples; s++) {
        const uint16_t *a = be_codes_out(want) + (size_t)s * (size_t)w;
        const uint16_t *b = got + (size_t)s * (size_t)w;
        if (memcmp(a, b, sizeof *a * (size_t)w) == 0) continue;
        if (m->sample < 0) {
            int i = 0;
            while (a[i] == b[i])
                i++;
            m->sample = s, m->layer = last, m->index = i, m->got = b[i], m->want = a[i];
        }
        m->samples++;
    }
    return m->samples;
}
