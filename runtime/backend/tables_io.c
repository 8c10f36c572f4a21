/* tables_io.c - the table files (OUT/tables/manifest.txt + layerN.bin) and the reference
 * codes file (OUT/vectors/test.codes): writers, checking readers and consistency checks.
 * The formats are documented in README.md of this folder. */
#include "backend.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define TAB_MAGIC  "NLTCLUT1"
#define COD_MAGIC  "NLTCCOD1"
#define COD_MAGIC2 "NLTCCOD2" /* with raw features and class scores */
#define TAB_HEADER 32         /* magic + 6 x u32 */

/* ---- Little-endian byte buffers --------------------------------------------------- */

static void put_u32(uint8_t *p, uint32_t v) {
    p[0] = (uint8_t)v, p[1] = (uint8_t)(v >> 8), p[2] = (uint8_t)(v >> 16),
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t get_u32(const uint8_t *p) {
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static size_t packed_bytes(size_t count, int bits) {
    return (count * (size_t)bits + 7) / 8;
}

/* Writes a whole buffer atomically. */
static rt_status write_atomic(const char *path, const void *data, size_t n, rt_error *e) {
    rt_afile a;
    BE_TRY(be_afile_open(&a, path, e));
    fwrite(data, 1, n, a.f);
    return be_afile_close(&a, e);
}

/* ---- Consistency ------------------------------------------------------------------ */

rt_status be_tables_check(const rt_tables *t, rt_error *e) {
    if (t->n_inputs < 1 || t->input_bits < 1 || t->input_bits > 16)
        return rt_fail(e, RT_ERR_IO, "tables: bad input shape (%d codes of %d bits)", t->n_inputs,
                       t->input_bits);
    if (t->n_layers < 1) return rt_fail(e, RT_ERR_IO, "tables: no layers");
    int width = t->n_inputs, bits = t->input_bits;
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        if (L->in_width != width)
            return rt_fail(e, RT_ERR_IO,
                           "tables: layer %d reads %d codes but the previous layer has %d", l,
                           L->in_width, width);
        if (L->bits_in != bits)
            return rt_fail(e, RT_ERR_IO,
                           "tables: layer %d reads %d-bit codes but gets %d-bit codes", l,
                           L->bits_in, bits);
        if (L->n_lut < 1 || L->fanin < 1 || L->bits_out < 1 || L->bits_out > 16)
            return rt_fail(e, RT_ERR_IO,
                           "tables: layer %d has a bad shape (%d L-LUTs, fan-in %d, %d "
                           "output bits)",
                           l, L->n_lut, L->fanin, L->bits_out);
        int a = be_addr_bits(L);
        if (a > 20)
            return rt_fail(e, RT_ERR_IO, "tables: layer %d has a %d-bit address (at most 20)", l,
                           a);
        for (long i = 0; i < (long)L->n_lut * L->fanin; i++)
            if (L->inputs[i] < 0 || L->inputs[i] >= width)
                return rt_fail(e, RT_ERR_IO,
                               "tables: layer %d L-LUT %ld slot %ld reads code %d of %d", l,
                               i / L->fanin, i % L->fanin, L->inputs[i], width);
        size_t rows = (size_t)L->n_lut << a;
        for (size_t r = 0; r < rows; r++)
            if (L->codes[r] >> L->bits_out)
                return rt_fail(e, RT_ERR_IO,
                               "tables: layer %d L-LUT %zu row %zu holds %u, above %d bits", l,
                               r >> a, r & (((size_t)1 << a) - 1), L->codes[r], L->bits_out);
        width = L->n_lut;
        bits = L->bits_out;
    }
    return be_hwio_check(t, e);
}

rt_status be_codes_check(const rt_tables *t, const rt_codes *c, rt_error *e) {
    if (c->n_inputs != t->n_inputs)
        return rt_fail(e, RT_ERR_IO, "codes: %d input codes per sample, the tables read %d",
                       c->n_inputs, t->n_inputs);
    if (c->n_layers != t->n_layers)
        return rt_fail(e, RT_ERR_IO, "codes: %d layers, the tables have %d", c->n_layers,
                       t->n_layers);
    for (long i = 0; i < (long)c->n_samples * c->n_inputs; i++)
        if (c->input[i] >> t->input_bits)
            return rt_fail(e, RT_ERR_IO, "codes: sample %ld input %ld is %u, above %d bits",
                           i / c->n_inputs, i % c->n_inputs, c->input[i], t->input_bits);
    for (int l = 0; l < c->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        if (c->widths[l] != L->n_lut)
            return rt_fail(e, RT_ERR_IO, "codes: layer %d has %d codes per sample, the tables %d",
                           l, c->widths[l], L->n_lut);
        for (long i = 0; i < (long)c->n_samples * c->widths[l]; i++)
            if (c->layer[l][i] >> L->bits_out)
                return rt_fail(e, RT_ERR_IO,
                               "codes: sample %ld layer %d code %ld is %u, above %d bits",
                               i / c->widths[l], l, i % c->widths[l], c->layer[l][i], L->bits_out);
    }
    return be_hwio_codes_check(t, c, e);
}

/* ---- Tables: writer --------------------------------------------------------------- */

/* Names go into a whitespace-separated manifest. */
static rt_status check_word(const char *what, const char *s, rt_error *e) {
    if (!*s) return rt_fail(e, RT_ERR_MODEL, "tables: empty %s name", what);
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p <= ' ' || *p == '#')
            return rt_fail(e, RT_ERR_MODEL, "tables: %s name \"%s\" contains a space or '#'", what,
                           s);
    return RT_OK;
}

/* One layer file in memory; returns its bytes. */
static uint8_t *layer_image(const rt_table_layer *L, size_t *len) {
    int a = be_addr_bits(L);
    size_t nw = (size_t)L->n_lut * (size_t)L->fanin;
    size_t rows = (size_t)L->n_lut << a;
    size_t n = TAB_HEADER + 4 * nw + packed_bytes(rows, L->bits_out);
    uint8_t *b = xcalloc(n, 1);
    memcpy(b, TAB_MAGIC, 8);
    put_u32(b + 8, (uint32_t)L->n_lut);
    put_u32(b + 12, (uint32_t)L->in_width);
    put_u32(b + 16, (uint32_t)L->fanin);
    put_u32(b + 20, (uint32_t)L->bits_in);
    put_u32(b + 24, (uint32_t)L->bits_out);
    put_u32(b + 28, L->out_signed ? 1u : 0u);
    for (size_t i = 0; i < nw; i++)
        put_u32(b + TAB_HEADER + 4 * i, (uint32_t)L->inputs[i]);
    uint8_t *codes = b + TAB_HEADER + 4 * nw;
    for (size_t r = 0; r < rows; r++)
        be_bits_put(codes, r * (size_t)L->bits_out, L->codes[r], L->bits_out);
    *len = n;
    return b;
}

/* The manifest's head and encoder records (README.md "Table files"). */
static void write_hwio(FILE *f, const rt_tables *t) {
    if (t->head_group > 0) fprintf(f, "head group_sum %d\n", t->head_group);
    const rt_hw_encoder *en = &t->hwenc;
    if (en->n_features <= 0) return;
    fprintf(f, "encoder %d %d %d %d\n", en->n_features, en->raw_bits, en->raw_frac, en->raw_signed);
    fprintf(f, "# threshold code feature ge|le raw_threshold\n");
    for (int i = 0; i < t->n_inputs; i++)
        fprintf(f, "threshold %d %d %s %" PRId64 "\n", i, en->feature[i],
                en->descending[i] ? "le" : "ge", en->thr[i]);
}

rt_status be_tables_write(const rt_tables *t, const be_plan *p, const char *dir, rt_error *e) {
    BE_TRY(be_tables_check(t, e));
    if (p->n_layers != t->n_layers)
        return rt_fail(e, RT_ERR_IO, "tables: the plan has %d layers, the tables %d", p->n_layers,
                       t->n_layers);
    BE_TRY(check_word("model", p->model, e));
    BE_TRY(check_word("clock", p->clock, e));
    BE_TRY(check_word("reset", p->reset, e));
    for (int l = 0; l < p->n_layers; l++)
        BE_TRY(check_word("layer", p->layers[l].name, e));
    BE_TRY(be_mkdirs(dir, e));
    uint64_t *sums = xmalloc(sizeof *sums * (size_t)t->n_layers);
    size_t *sizes = xmalloc(sizeof *sizes * (size_t)t->n_layers);
    rt_status rc = RT_OK;
    for (int l = 0; l < t->n_layers && rc == 0; l++) {
        size_t n;
        uint8_t *img = layer_image(&t->layers[l], &n);
        sums[l] = rt_fnv1a(RT_FNV_INIT, img, n);
        sizes[l] = n;
        char name[32];
        snprintf(name, sizeof name, "layer%d.bin", l);
        char *path = rt_path_join(dir, name);
        rc = write_atomic(path, img, n, e);
        free(path);
        free(img);
    }
    if (rc == 0 && p->prep) { /* the preprocessing, when the flow knows it */
        char *path = rt_path_join(dir, "preprocess.txt");
        rc = write_atomic(path, p->prep, strlen(p->prep), e);
        free(path);
    }
    if (rc == 0) {
        /* The manifest goes last: a reader never sees it before its layer files. */
        char *path = rt_path_join(dir, "manifest.txt");
        rt_afile a;
        rc = be_afile_open(&a, path, e);
        if (rc == 0) {
            FILE *f = a.f;
            fprintf(f, "# nltc truth tables (format: runtime/backend/README.md)\n");
            fprintf(f, "nltc-tables 1\n");
            fprintf(f, "model %s\n", p->model);
            fprintf(f, "inputs %d %d %d\n", t->n_inputs, t->input_bits, t->input_signed);
            fprintf(f, "lut_inputs %d\n", p->lut_inputs);
            fprintf(f, "pipeline %s %d\n", ir_pipeline_name(p->pipeline), p->pipeline_k);
            fprintf(f, "clock %s\n", p->clock);
            fprintf(f, "reset %s %s\n", p->reset, ir_reset_name(p->reset_style));
            if (p->target != IR_TARGET_ULTRASCALE_PLUS || p->iface != IR_IFACE_PLAIN ||
                p->part != IR_PART_AUTO) /* absent: the defaults (older manifests too) */
                fprintf(f, "target %s %s %s\n", ir_target_name(p->target), ir_part_name(p->part),
                        ir_interface_name(p->iface));
            if (p->argmax) fprintf(f, "argmax 1\n"); /* only when on: older manifests stay */
            fprintf(f, "layers %d\n", t->n_layers);
            fprintf(f, "# layer index name tree level root n_lut in_width fanin bits_in "
                       "bits_out signed reg_after file bytes fnv1a64\n");
            for (int l = 0; l < t->n_layers; l++) {
                const rt_table_layer *L = &t->layers[l];
                const be_layer_plan *q = &p->layers[l];
                fprintf(
                    f, "layer %d %s %d %d %d %d %d %d %d %d %d %d layer%d.bin %zu %016" PRIx64 "\n",
                    l, q->name, q->tree, q->level, q->tree_root, L->n_lut, L->in_width, L->fanin,
                    L->bits_in, L->bits_out, L->out_signed, q->reg_after, l, sizes[l], sums[l]);
            }
            write_hwio(f, t);
            fprintf(f, "end\n");
            rc = be_afile_close(&a, e);
        }
        free(path);
    }
    free(sums);
    free(sizes);
    return rc;
}

/* ---- Tables: reader --------------------------------------------------------------- */

/* The manifest being parsed: file name and line for messages. */
typedef struct manifest {
    const char *path; /* manifest file */
    int line;         /* current line (1-based) */
    FILE *f;          /* open file */
    char buf[1024];   /* current line's text */
    bool held;        /* buf holds a line not consumed yet */
} manifest;

/* Next line that is not blank or a comment; 0 at end of file. */
static int next_line(manifest *m) {
    while (fgets(m->buf, sizeof m->buf, m->f)) {
        m->line++;
        m->buf[strcspn(m->buf, "\r\n")] = '\0';
        const char *s = m->buf;
        while (*s == ' ' || *s == '\t')
            s++;
        if (*s && *s != '#') return 1;
    }
    return 0;
}

/* Expects a line "key ..." and returns the text after the key. */
static const char *expect_key(manifest *m, const char *key, rt_error *e) {
    if (!m->held && !next_line(m)) {
        rt_fail(e, RT_ERR_IO, "%s:%d: unexpected end of file, expected '%s'", m->path, m->line + 1,
                key);
        return NULL;
    }
    m->held = false;
    size_t k = strlen(key);
    if (strncmp(m->buf, key, k) != 0 || (m->buf[k] != ' ' && m->buf[k] != '\0')) {
        rt_fail(e, RT_ERR_IO, "%s:%d: expected '%s', found \"%.60s\"", m->path, m->line, key,
                m->buf);
        return NULL;
    }
    return m->buf + k;
}

/* Reads layer file l into L, checking it against the manifest's line. */
static rt_status read_layer(const char *dir, const char *file, size_t want_len, uint64_t want_sum,
                            rt_table_layer *L, rt_error *e) {
    char *path = rt_path_join(dir, file);
    size_t n;
    uint8_t *b = be_read_file(path, &n, e);
    rt_status rc = RT_OK;
    if (!b) {
        free(path);
        return RT_ERR_IO;
    }
    if (n != want_len)
        rc = rt_fail(e, RT_ERR_IO, "%s: %zu bytes, the manifest says %zu (truncated or replaced)",
                     path, n, want_len);
    else if (rt_fnv1a(RT_FNV_INIT, b, n) != want_sum)
        rc = rt_fail(e, RT_ERR_IO, "%s: checksum differs from the manifest (file corrupted)", path);
    else if (n < TAB_HEADER || memcmp(b, TAB_MAGIC, 8) != 0)
        rc = rt_fail(e, RT_ERR_IO, "%s: offset 0: not an nltc table file (magic %s expected)", path,
                     TAB_MAGIC);
    else {
        static const char *const field[] = {"n_lut",   "in_width", "fanin",
                                            "bits_in", "bits_out", "signed"};
        uint32_t want[6] = {(uint32_t)L->n_lut,   (uint32_t)L->in_width, (uint32_t)L->fanin,
                            (uint32_t)L->bits_in, (uint32_t)L->bits_out, L->out_signed ? 1u : 0u};
        for (int i = 0; i < 6 && rc == 0; i++)
            if (get_u32(b + 8 + 4 * i) != want[i])
                rc = rt_fail(e, RT_ERR_IO, "%s: offset %d: %s is %u, the manifest says %u", path,
                             8 + 4 * i, field[i], get_u32(b + 8 + 4 * i), want[i]);
    }
    if (rc == 0) {
        int a = be_addr_bits(L);
        size_t nw = (size_t)L->n_lut * (size_t)L->fanin;
        size_t rows = (size_t)L->n_lut << a;
        if (n != TAB_HEADER + 4 * nw + packed_bytes(rows, L->bits_out))
            rc = rt_fail(e, RT_ERR_IO, "%s: %zu bytes, the shape needs %zu", path, n,
                         TAB_HEADER + 4 * nw + packed_bytes(rows, L->bits_out));
        else {
            L->inputs = xmalloc(sizeof *L->inputs * nw);
            L->codes = xmalloc(sizeof *L->codes * rows);
            for (size_t i = 0; i < nw && rc == 0; i++) {
                uint32_t v = get_u32(b + TAB_HEADER + 4 * i);
                if (v >= (uint32_t)L->in_width)
                    rc = rt_fail(e, RT_ERR_IO,
                                 "%s: offset %zu: L-LUT %zu slot %zu reads code %u of %d", path,
                                 TAB_HEADER + 4 * i, i / (size_t)L->fanin, i % (size_t)L->fanin, v,
                                 L->in_width);
                L->inputs[i] = (int)v;
            }
            const uint8_t *codes = b + TAB_HEADER + 4 * nw;
            for (size_t r = 0; r < rows; r++)
                L->codes[r] = (uint16_t)be_bits_get(codes, r * (size_t)L->bits_out, L->bits_out);
        }
    }
    free(b);
    free(path);
    return rc;
}

/* The optional line "argmax 1": the RTL's out_class port (absent: no port). */
static rt_status read_argmax(manifest *m, be_plan *p, rt_error *e) {
    (void)e;
    if (!m->held && !next_line(m)) return RT_OK; /* expect_key reports the end of the file */
    m->held = strcmp(m->buf, "argmax 1") != 0;
    p->argmax = !m->held;
    return RT_OK;
}

/* The optional line "target FAMILY PART INTERFACE" (absent: the defaults). */
static rt_status read_target(manifest *m, be_plan *p, rt_error *e) {
    char w1[256], w2[256], w3[256];
    if (!next_line(m)) return RT_OK; /* expect_key reports the end of the file */
    m->held = strncmp(m->buf, "target ", 7) != 0;
    if (m->held) return RT_OK;
    if (sscanf(m->buf + 7, " %255s %255s %255s", w1, w2, w3) != 3 ||
        !ir_target_parse(w1, &p->target) || !ir_part_parse(w2, &p->part) ||
        !ir_interface_parse(w3, &p->iface))
        return rt_fail(e, RT_ERR_IO,
                       "%s:%d: 'target ultrascale_plus|ice40|ecp5|cyclone_v PART plain|stream' "
                       "expected",
                       m->path, m->line);
    return RT_OK;
}

/* Reads the manifest's lines before the layer lines into t and p, and the layer count. */
static rt_status read_manifest_head(manifest *m, rt_tables *t, be_plan *p, int *nl, rt_error *e) {
    const char *s;
    char w1[256], w2[256];
    int ver, k, sgn;
    if (!(s = expect_key(m, "nltc-tables", e))) return RT_ERR_IO;
    if (sscanf(s, "%d", &ver) != 1 || ver != 1) {
        return rt_fail(e, RT_ERR_IO, "%s:%d: format version 1 expected", m->path, m->line);
    }
    if (!(s = expect_key(m, "model", e))) return RT_ERR_IO;
    if (sscanf(s, " %255s", w1) != 1) {
        return rt_fail(e, RT_ERR_IO, "%s:%d: model name expected", m->path, m->line);
    }
    /* The plan is filled as the manifest is read; layers once their count is known. */
    p->model = xstrdup(w1);
    if (!(s = expect_key(m, "inputs", e))) return RT_ERR_IO;
    if (sscanf(s, "%d %d %d", &t->n_inputs, &t->input_bits, &sgn) != 3 || t->n_inputs < 1 ||
        t->input_bits < 1 || t->input_bits > 16 || (sgn != 0 && sgn != 1)) {
        return rt_fail(e, RT_ERR_IO,
                       "%s:%d: 'inputs COUNT BITS SIGNED' expected (bits 1..16, signed 0|1)",
                       m->path, m->line);
    }
    t->input_signed = sgn;
    if (!(s = expect_key(m, "lut_inputs", e))) return RT_ERR_IO;
    if (sscanf(s, "%d", &p->lut_inputs) != 1 || p->lut_inputs < 2 || p->lut_inputs > 12) {
        return rt_fail(e, RT_ERR_IO, "%s:%d: LUT size 2..12 expected", m->path, m->line);
    }
    if (!(s = expect_key(m, "pipeline", e))) return RT_ERR_IO;
    if (sscanf(s, " %255s %d", w1, &k) != 2 || be_pipeline_parse(w1, &p->pipeline, &k) || k < 0) {
        return rt_fail(e, RT_ERR_IO, "%s:%d: 'pipeline none|every_layer|trees|every_k K' expected",
                       m->path, m->line);
    }
    p->pipeline_k = k;
    if (!(s = expect_key(m, "clock", e))) return RT_ERR_IO;
    if (sscanf(s, " %255s", w1) != 1) {
        return rt_fail(e, RT_ERR_IO, "%s:%d: clock port name expected", m->path, m->line);
    }
    p->clock = xstrdup(w1);
    if (!(s = expect_key(m, "reset", e))) return RT_ERR_IO;
    if (sscanf(s, " %255s %255s", w1, w2) != 2 || !ir_reset_parse(w2, &p->reset_style)) {
        rt_fail(e, RT_ERR_IO,
                "%s:%d: 'reset NAME sync_high|sync_low|async_high|async_low' expected", m->path,
                m->line);
        return RT_ERR_IO;
    }
    p->reset = xstrdup(w1);
    BE_TRY(read_target(m, p, e));
    BE_TRY(read_argmax(m, p, e));
    if (!(s = expect_key(m, "layers", e))) return RT_ERR_IO;
    if (sscanf(s, "%d", nl) != 1 || *nl < 1 || *nl > 100000) {
        return rt_fail(e, RT_ERR_IO, "%s:%d: layer count expected", m->path, m->line);
    }
    return RT_OK;
}

/* Reads the nl layer lines and their layer files of folder dir into t and p. */
static rt_status read_manifest_layers(manifest *m, const char *dir, int nl, rt_tables *t,
                                      be_plan *p, rt_error *e) {
    const char *s;
    char w1[256], w2[256];
    t->n_layers = p->n_layers = nl;
    t->layers = xcalloc((size_t)nl, sizeof *t->layers);
    p->layers = xcalloc((size_t)nl, sizeof *p->layers);
    for (int l = 0; l < nl; l++) {
        if (!(s = expect_key(m, "layer", e))) return RT_ERR_IO;
        rt_table_layer *L = &t->layers[l];
        be_layer_plan *q = &p->layers[l];
        int idx, root, osg, reg, used = 0;
        size_t bytes;
        char sum[32];
        int got = sscanf(s, "%d %255s %d %d %d %d %d %d %d %d %d %d %255s %zu %31s%n", &idx, w1,
                         &q->tree, &q->level, &root, &L->n_lut, &L->in_width, &L->fanin,
                         &L->bits_in, &L->bits_out, &osg, &reg, w2, &bytes, sum, &used);
        if (got != 15 || s[used] != '\0') {
            rt_fail(e, RT_ERR_IO,
                    "%s:%d: layer line needs 15 fields (index name tree level root n_lut "
                    "in_width fanin bits_in bits_out signed reg_after file bytes fnv1a64)",
                    m->path, m->line);
            return RT_ERR_IO;
        }
        q->name = xstrdup(w1);
        if (idx != l) {
            return rt_fail(e, RT_ERR_IO, "%s:%d: layer %d expected, found %d", m->path, m->line, l,
                           idx);
        }
        if (L->n_lut < 1 || L->in_width < 1 || L->fanin < 1 || L->bits_in < 1 || L->bits_in > 16 ||
            L->bits_out < 1 || L->bits_out > 16 || L->fanin * L->bits_in > 20 ||
            (root | osg | reg) & ~1) {
            return rt_fail(e, RT_ERR_IO, "%s:%d: layer %d has a bad shape or flag", m->path,
                           m->line, l);
        }
        if (strchr(w2, '/') || strcmp(w2, "..") == 0) {
            return rt_fail(e, RT_ERR_IO, "%s:%d: layer file must be a plain name in the folder",
                           m->path, m->line);
        }
        char *end;
        uint64_t want_sum = strtoull(sum, &end, 16);
        if (*end || strlen(sum) != 16) {
            return rt_fail(e, RT_ERR_IO, "%s:%d: 16 hex digits of checksum expected", m->path,
                           m->line);
        }
        q->tree_root = root;
        q->reg_after = reg;
        L->out_signed = osg;
        if (read_layer(dir, w2, bytes, want_sum, L, e)) return RT_ERR_IO;
    }
    return RT_OK;
}

/* The encoder's threshold lines, one per input code. */
static rt_status read_thresholds(manifest *m, rt_tables *t, rt_error *e) {
    rt_hw_encoder *en = &t->hwenc;
    size_t n = (size_t)t->n_inputs;
    en->feature = xcalloc(n, sizeof *en->feature);
    en->thr = xcalloc(n, sizeof *en->thr);
    en->descending = xcalloc(n, sizeof *en->descending);
    for (int i = 0; i < t->n_inputs; i++) {
        const char *s = expect_key(m, "threshold", e);
        if (!s) return RT_ERR_IO;
        int idx, used = 0;
        char dir[8];
        long long thr;
        if (sscanf(s, "%d %d %7s %lld%n", &idx, &en->feature[i], dir, &thr, &used) != 4 ||
            s[used] != '\0' || idx != i || (strcmp(dir, "ge") && strcmp(dir, "le")) ||
            thr < -((long long)1 << 33) || thr > ((long long)1 << 33))
            return rt_fail(e, RT_ERR_IO,
                           "%s:%d: 'threshold %d FEATURE ge|le RAW' expected (raw within 2^33)",
                           m->path, m->line, i);
        en->descending[i] = dir[0] == 'l';
        en->thr[i] = thr;
    }
    return RT_OK;
}

/* The optional head and encoder records, then 'end'. */
static rt_status read_manifest_tail(manifest *m, rt_tables *t, rt_error *e) {
    for (;;) {
        if (!next_line(m))
            return rt_fail(e, RT_ERR_IO, "%s:%d: unexpected end of file, expected 'end'", m->path,
                           m->line + 1);
        const char *s = m->buf;
        int used = 0, sgn;
        rt_hw_encoder *en = &t->hwenc;
        if (strcmp(s, "end") == 0) return RT_OK;
        if (strncmp(s, "head ", 5) == 0 && t->head_group == 0) {
            if (sscanf(s + 5, " group_sum %d%n", &t->head_group, &used) != 1 || s[5 + used] ||
                t->head_group < 1)
                return rt_fail(e, RT_ERR_IO, "%s:%d: 'head group_sum G' expected (G >= 1)", m->path,
                               m->line);
        } else if (strncmp(s, "encoder ", 8) == 0 && en->n_features == 0) {
            if (sscanf(s + 8, "%d %d %d %d%n", &en->n_features, &en->raw_bits, &en->raw_frac, &sgn,
                       &used) != 4 ||
                s[8 + used] || en->n_features < 1 || en->n_features > (1 << 24) || (sgn & ~1)) {
                en->n_features = 0;
                return rt_fail(e, RT_ERR_IO,
                               "%s:%d: 'encoder FEATURES RAW_BITS RAW_FRAC SIGNED' expected",
                               m->path, m->line);
            }
            en->raw_signed = sgn;
            BE_TRY(read_thresholds(m, t, e));
        } else
            return rt_fail(e, RT_ERR_IO,
                           "%s:%d: expected 'head', 'encoder' or 'end', found \"%.60s\"", m->path,
                           m->line, s);
    }
}

rt_status be_tables_read(const char *dir, rt_tables *t, be_plan *p, rt_error *e) {
    memset(t, 0, sizeof *t);
    memset(p, 0, sizeof *p);
    manifest m = {.path = NULL, .line = 0};
    char *mpath = rt_path_join(dir, "manifest.txt");
    m.path = mpath;
    m.f = fopen(mpath, "r");
    if (!m.f) {
        rt_fail(e, RT_ERR_IO, "%s: cannot open: %s", mpath, strerror(errno));
        free(mpath);
        return RT_ERR_IO;
    }
    rt_status rc = RT_ERR_IO; /* every failure below is a malformed manifest or layer file */
    int nl;
    if (read_manifest_head(&m, t, p, &nl, e) || read_manifest_layers(&m, dir, nl, t, p, e))
        goto done;
    if (read_manifest_tail(&m, t, e)) goto done;
    if (next_line(&m)) {
        rt_fail(e, RT_ERR_IO, "%s:%d: text after 'end'", m.path, m.line);
        goto done;
    }
    if (be_tables_check(t, e)) goto done;
    p->ident = be_ident(p->model); /* derived, never stored: one rule for all */
    p->head = t->head_group > 0;
    char *ppath = rt_path_join(dir, "preprocess.txt");
    size_t plen;
    bool opened = false;
    p->prep = rt_read_file(ppath, &plen, &opened); /* NULL: tables without preprocessing */
    if (!p->prep && opened) rt_fail(e, RT_ERR_IO, "%s: cannot read: %s", ppath, strerror(errno));
    free(ppath);
    if (!p->prep && opened) goto done;
    rc = RT_OK;
done:
    fclose(m.f);
    free(mpath);
    if (rc) {
        rt_tables_free(t);
        be_plan_free(p);
    }
    return rc;
}

/* ---- Reference codes -------------------------------------------------------------- */

/* Bits needed to store every value of an array. */
static int max_bits(const uint16_t *v, size_t n) {
    unsigned m = 0;
    for (size_t i = 0; i < n; i++)
        m |= v[i];
    return be_bits_for(m);
}

rt_status be_codes_write(const rt_codes *c, const char *path, rt_error *e) {
    int nl = c->n_layers;
    size_t ns = (size_t)c->n_samples;
    bool v2 = c->raw || c->scores; /* format 1 when there is neither */
    size_t nraw = c->raw ? ns * (size_t)c->n_raw : 0,
           nsc = c->scores ? ns * (size_t)c->n_scores : 0;
    int sbits = c->scores ? max_bits(c->scores, nsc) : 0;
    int *bits = xmalloc(sizeof *bits * (size_t)(nl + 1));
    bits[0] = max_bits(c->input, ns * (size_t)c->n_inputs);
    size_t n = 8 + 16 + (v2 ? 12 : 0) + 8 * (size_t)nl +
               packed_bytes(ns * (size_t)c->n_inputs, bits[0]) + 4 * nraw +
               packed_bytes(nsc, sbits);
    for (int l = 0; l < nl; l++) {
        bits[l + 1] = max_bits(c->layer[l], ns * (size_t)c->widths[l]);
        n += packed_bytes(ns * (size_t)c->widths[l], bits[l + 1]);
    }
    n += 4 * ns + 8;
    uint8_t *b = xcalloc(n, 1), *p = b;
    memcpy(p, v2 ? COD_MAGIC2 : COD_MAGIC, 8);
    put_u32(p + 8, (uint32_t)c->n_samples);
    put_u32(p + 12, (uint32_t)c->n_inputs);
    put_u32(p + 16, (uint32_t)nl);
    put_u32(p + 20, (uint32_t)bits[0]);
    p += 24;
    if (v2) {
        put_u32(p, c->raw ? (uint32_t)c->n_raw : 0);
        put_u32(p + 4, c->scores ? (uint32_t)c->n_scores : 0);
        put_u32(p + 8, (uint32_t)sbits);
        p += 12;
    }
    for (int l = 0; l < nl; l++, p += 8) {
        put_u32(p, (uint32_t)c->widths[l]);
        put_u32(p + 4, (uint32_t)bits[l + 1]);
    }
    size_t cnt = ns * (size_t)c->n_inputs;
    for (size_t i = 0; i < cnt; i++)
        be_bits_put(p, i * (size_t)bits[0], c->input[i], bits[0]);
    p += packed_bytes(cnt, bits[0]);
    for (int l = 0; l < nl; l++) {
        cnt = ns * (size_t)c->widths[l];
        for (size_t i = 0; i < cnt; i++)
            be_bits_put(p, i * (size_t)bits[l + 1], c->layer[l][i], bits[l + 1]);
        p += packed_bytes(cnt, bits[l + 1]);
    }
    for (size_t i = 0; i < nraw; i++, p += 4)
        put_u32(p, (uint32_t)c->raw[i]);
    for (size_t i = 0; i < nsc; i++)
        be_bits_put(p, i * (size_t)sbits, c->scores[i], sbits);
    p += packed_bytes(nsc, sbits);
    for (size_t i = 0; i < ns; i++, p += 4)
        put_u32(p, (uint32_t)c->labels[i]);
    uint64_t h = rt_fnv1a(RT_FNV_INIT, b, (size_t)(p - b));
    put_u32(p, (uint32_t)h);
    put_u32(p + 4, (uint32_t)(h >> 32));
    rt_status rc = write_atomic(path, b, n, e);
    free(b);
    free(bits);
    return rc;
}

rt_status be_codes_read(const char *path, rt_codes *c, rt_error *e) {
    memset(c, 0, sizeof *c);
    size_t n;
    uint8_t *b = be_read_file(path, &n, e);
    if (!b) return RT_ERR_IO;
    rt_status rc = RT_ERR_IO; /* every failure below is a malformed file */
    bool v2 = n >= 44 && memcmp(b, COD_MAGIC2, 8) == 0;
    if (n < 32 || (!v2 && memcmp(b, COD_MAGIC, 8) != 0)) {
        rt_fail(e, RT_ERR_IO, "%s: offset 0: not an nltc codes file (magic %s expected)", path,
                COD_MAGIC);
        goto done;
    }
    size_t hdr = v2 ? 36 : 24; /* format 2: + n_raw, n_scores, score bits */
    uint32_t nraw = v2 ? get_u32(b + 24) : 0, nsc = v2 ? get_u32(b + 28) : 0;
    uint32_t sbits = v2 ? get_u32(b + 32) : 0;
    uint64_t h = (uint64_t)get_u32(b + n - 8) | (uint64_t)get_u32(b + n - 4) << 32;
    if (rt_fnv1a(RT_FNV_INIT, b, n - 8) != h) {
        rt_fail(e, RT_ERR_IO, "%s: checksum mismatch (file truncated or corrupted)", path);
        goto done;
    }
    uint32_t ns = get_u32(b + 8), ni = get_u32(b + 12), nl = get_u32(b + 16);
    uint32_t ib = get_u32(b + 20);
    if (ns > (1u << 26) || ni < 1 || ni > (1u << 24) || nl < 1 || nl > 100000 || ib < 1 ||
        ib > 16 || nraw > (1u << 24) || nsc > (1u << 24) || sbits > 16 ||
        (nsc > 0) != (sbits > 0)) {
        rt_fail(e, RT_ERR_IO,
                "%s: offset 8: bad header (samples %u, inputs %u, layers %u, bits %u)", path, ns,
                ni, nl, ib);
        goto done;
    }
    if (n < hdr + 8 * (size_t)nl + 8) {
        rt_fail(e, RT_ERR_IO, "%s: %zu bytes, too short for %u layers", path, n, nl);
        goto done;
    }
    c->n_samples = (int)ns;
    c->n_inputs = (int)ni;
    c->n_layers = (int)nl;
    c->widths = xcalloc(nl, sizeof *c->widths);
    c->layer = xcalloc(nl, sizeof *c->layer);
    int *bits = xmalloc(sizeof *bits * (nl + 1));
    bits[0] = (int)ib;
    size_t need = hdr + 8 * (size_t)nl + packed_bytes((size_t)ns * ni, (int)ib) +
                  4 * (size_t)ns * nraw + packed_bytes((size_t)ns * nsc, (int)sbits) +
                  4 * (size_t)ns + 8;
    for (uint32_t l = 0; l < nl; l++) {
        uint32_t w = get_u32(b + hdr + 8 * l), lb = get_u32(b + hdr + 4 + 8 * l);
        if (w < 1 || w > (1u << 24) || lb < 1 || lb > 16) {
            rt_fail(e, RT_ERR_IO, "%s: offset %zu: layer %u has width %u and %u bits", path,
                    hdr + 8 * l, l, w, lb);
            free(bits);
            goto done;
        }
        c->widths[l] = (int)w;
        bits[l + 1] = (int)lb;
        need += packed_bytes((size_t)ns * w, (int)lb);
    }
    if (n != need) {
        rt_fail(e, RT_ERR_IO, "%s: %zu bytes, the header needs %zu", path, n, need);
        free(bits);
        goto done;
    }
    const uint8_t *p = b + hdr + 8 * (size_t)nl;
    size_t cnt = (size_t)ns * ni;
    c->input = xmalloc(sizeof *c->input * (cnt ? cnt : 1));
    for (size_t i = 0; i < cnt; i++)
        c->input[i] = (uint16_t)be_bits_get(p, i * (size_t)ib, (int)ib);
    p += packed_bytes(cnt, (int)ib);
    for (uint32_t l = 0; l < nl; l++) {
        cnt = (size_t)ns * (size_t)c->widths[l];
        c->layer[l] = xmalloc(sizeof **c->layer * (cnt ? cnt : 1));
        for (size_t i = 0; i < cnt; i++)
            c->layer[l][i] = (uint16_t)be_bits_get(p, i * (size_t)bits[l + 1], bits[l + 1]);
        p += packed_bytes(cnt, bits[l + 1]);
    }
    free(bits);
    if (nraw) {
        c->n_raw = (int)nraw;
        cnt = (size_t)ns * nraw;
        c->raw = xmalloc(sizeof *c->raw * (cnt + 1));
        for (size_t i = 0; i < cnt; i++, p += 4)
            c->raw[i] = (int32_t)get_u32(p);
    }
    if (nsc) {
        c->n_scores = (int)nsc;
        cnt = (size_t)ns * nsc;
        c->scores = xmalloc(sizeof *c->scores * (cnt + 1));
        for (size_t i = 0; i < cnt; i++)
            c->scores[i] = (uint16_t)be_bits_get(p, i * (size_t)sbits, (int)sbits);
        p += packed_bytes(cnt, (int)sbits);
    }
    c->labels = xmalloc(sizeof *c->labels * (ns ? ns : 1));
    for (uint32_t i = 0; i < ns; i++, p += 4)
        c->labels[i] = (int)get_u32(p);
    rc = RT_OK;
done:
    free(b);
    if (rc) rt_codes_free(c);
    return rc;
}
