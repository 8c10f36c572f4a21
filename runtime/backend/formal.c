/* formal.c - the formal equivalence check of the RTL against the tables, for every input:
 * a checker module written from the tables alone (one constant truth table per output
 * bit of every L-LUT, wired by the table wiring) is proven with Yosys' SAT solver to
 * agree with the emitted top module, layer by layer, with the RTL's own layer vectors as
 * cut points (README.md, "Formal equivalence"). */
#include "backend.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* The vector layer l reads in the RTL: in_data (enc with an encoder), or l<k> / r<k> of
 * the layer before. */
static void src_name(const rt_tables *t, const be_plan *p, int l, char *buf, size_t n) {
    if (l == 0)
        snprintf(buf, n, "%s", t->hwenc.n_features > 0 ? "enc" : "in_data");
    else
        snprintf(buf, n, "%c%d", p->layers[l - 1].reg_after ? 'r' : 'l', l - 1);
}

/* Obligations, one bit of bad each: [0, n_layers) layer l's codes equal its tables applied
 * to the vector it reads; then one per register stage (r<k> holds l<k> of the cycle
 * before; the head's rh its score last); then out_data equals the last layer's vector (the
 * head's score or rh); then, with an encoder, enc equals the thresholds applied to in_data;
 * then, with a head, score equals the popcounts of the last layer's groups. */
static int n_obligations(const rt_tables *t, const be_plan *p) {
    return p->n_layers + be_plan_stages(p) + 1 + (t->hwenc.n_features > 0) + (t->head_group > 0);
}

/* The encoder's and head's obligations and wires of the checker, written from the
 * thresholds and the group size alone; *out receives what out_data must equal. */
static void write_checker_io(FILE *f, const rt_tables *t, const be_plan *p, int ob, char *out,
                             size_t nout) {
    const rt_hw_encoder *en = &t->hwenc;
    if (en->n_features > 0) {
        int W = en->raw_bits;
        for (int i = 0; i < t->n_inputs; i++) {
            int lo = en->feature[i] * W, hi = lo + W - 1;
            long long thr = (long long)en->thr[i];
            fprintf(f, "    assign fenc[%d] = %sin_data[%d:%d]%s %s %s35'sd%lld;\n", i,
                    en->raw_signed ? "$signed(" : "$signed({1'b0, ", hi, lo,
                    en->raw_signed ? ")" : "})",
                    en->descending[i] ? "<=" : ">=", thr < 0 ? "-" : "", thr < 0 ? -thr : thr);
        }
        fprintf(f, "    assign bad[%d] = fenc != enc;\n", ob++);
    }
    if (t->head_group <= 0) return;
    int G = t->head_group, S = be_score_bits(t);
    char src[32];
    src_name(t, p, t->n_layers, src, sizeof src);
    for (int c = 0; c < be_classes(t); c++) {
        fprintf(f, "    assign fscore[%d:%d] = %s[%d]", c * S + S - 1, c * S, src, c * G);
        for (int g = 1; g < G; g++)
            fprintf(f, " + %s[%d]", src, c * G + g);
        fputs(";\n", f);
    }
    fprintf(f, "    assign bad[%d] = fscore != score;\n", ob);
    snprintf(out, nout, "%s", be_plan_head_reg(p) ? "rh" : "score");
}

/* Writes the checker module <ident>__fv. */
static void write_checker(FILE *f, const rt_tables *t, const be_plan *p) {
    int iw = be_in_fields(t) * be_in_field_bits(t), ow = be_classes(t) * be_out_bits(t);
    int nb = n_obligations(t, p), sw = be_classes(t) * be_score_bits(t);
    bool enc = t->hwenc.n_features > 0, head = t->head_group > 0, hreg = be_plan_head_reg(p);
    fprintf(f, "// nltc formal check of %s against its tables\n", p->ident);
    fprintf(f,
            "module %s__fv (input wire clk, input wire rst, input wire in_valid,\n"
            "    input wire [%d:0] in_data, output wire [%d:0] bad);\n",
            p->ident, iw - 1, nb - 1);
    fprintf(f, "    wire out_valid;\n    wire [%d:0] out_data;\n", ow - 1);
    if (enc) fprintf(f, "    wire [%d:0] enc, fenc;\n", t->n_inputs - 1);
    if (head) fprintf(f, "    wire [%d:0] score, fscore;\n", sw - 1);
    if (hreg) fprintf(f, "    wire [%d:0] rh;\n    reg [%d:0] ph;\n", sw - 1, sw - 1);
    for (int l = 0; l < t->n_layers; l++) {
        int w = t->layers[l].n_lut * t->layers[l].bits_out;
        fprintf(f, "    wire [%d:0] l%d, f%d;\n", w - 1, l, l);
        if (p->layers[l].reg_after)
            fprintf(f, "    wire [%d:0] r%d;\n    reg [%d:0] p%d;\n", w - 1, l, w - 1, l);
    }
    fprintf(f,
            "    %s dut (.%s(clk), .%s(rst), .in_valid(in_valid), .in_data(in_data),\n"
            "        .out_valid(out_valid), .out_data(out_data)",
            p->ident, p->clock, p->reset);
    for (int l = 0; l < t->n_layers; l++) {
        fprintf(f, ", .l%d(l%d)", l, l);
        if (p->layers[l].reg_after) fprintf(f, ", .r%d(r%d)", l, l);
    }
    fprintf(f, "%s%s%s);\n", enc ? ", .enc(enc)" : "", head ? ", .score(score)" : "",
            hreg ? ", .rh(rh)" : "");
    int ob = t->n_layers;
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        int a = be_addr_bits(L), bi = L->bits_in, bo = L->bits_out;
        size_t rows = (size_t)1 << a;
        char src[32];
        src_name(t, p, l, src, sizeof src);
        char *hex = xmalloc(rows / 4 + 2);
        for (int j = 0; j < L->n_lut; j++) {
            fprintf(f, "    wire [%d:0] a%d_%d = {", a - 1, l, j);
            for (int s = L->fanin - 1; s >= 0; s--) {
                int i = L->inputs[(size_t)j * (size_t)L->fanin + (size_t)s];
                fprintf(f, "%s[%d:%d]%s", src, i * bi + bi - 1, i * bi, s ? ", " : "};\n");
            }
            const uint16_t *row = L->codes + ((size_t)j << a);
            for (int b = 0; b < bo; b++) {
                /* the truth table of output bit b: bit r of the constant is row r's bit */
                size_t nd = rows < 4 ? 1 : rows / 4;
                for (size_t d = 0; d < nd; d++) {
                    unsigned v = 0;
                    for (size_t q = 0; q < 4 && d * 4 + q < rows; q++)
                        v |= (unsigned)(row[d * 4 + q] >> b & 1) << q;
                    hex[nd - 1 - d] = "0123456789abcdef"[v];
                }
                hex[nd] = '\0';
                /* a one-bit select of a constant vector: a 2^A:1 multiplexer */
                fprintf(f, "    wire [%zu:0] t%d_%d_%d = %zu'h%s;\n", rows - 1, l, j, b, rows, hex);
                fprintf(f, "    assign f%d[%d] = t%d_%d_%d[a%d_%d];\n", l, j * bo + b, l, j, b, l,
                        j);
            }
        }
        free(hex);
        fprintf(f, "    assign bad[%d] = f%d != l%d;\n", l, l, l);
        if (p->layers[l].reg_after) {
            fprintf(f, "    always @(posedge clk) p%d <= l%d;\n", l, l);
            fprintf(f, "    assign bad[%d] = r%d != p%d;\n", ob++, l, l);
        }
    }
    if (hreg) {
        fprintf(f, "    always @(posedge clk) ph <= score;\n");
        fprintf(f, "    assign bad[%d] = rh != ph;\n", ob++);
    }
    char src[32];
    src_name(t, p, t->n_layers, src, sizeof src);
    write_checker_io(f, t, p, ob + 1, src, sizeof src);
    fprintf(f, "    assign bad[%d] = out_data != %s;\nendmodule\n", ob, src);
}

/* The Yosys script: the RTL flattened, its layer vectors made ports, the checker, and the
 * SAT proof over two cycles from any state. */
static void write_script(FILE *f, const rt_tables *t, const be_plan *p, const char *rtl,
                         const char *checker) {
    fprintf(f, "read_verilog \"%s\"\nhierarchy -check -top %s\nproc\nflatten\n", rtl, p->ident);
    for (int l = 0; l < p->n_layers; l++) {
        fprintf(f, "select -assert-count 1 %s/w:l%d\n", p->ident, l);
        if (p->layers[l].reg_after) fprintf(f, "select -assert-count 1 %s/w:r%d\n", p->ident, l);
    }
    const char *io[3] = {t->hwenc.n_features > 0 ? "enc" : NULL, t->head_group > 0 ? "score" : NULL,
                         be_plan_head_reg(p) ? "rh" : NULL};
    for (int i = 0; i < 3; i++)
        if (io[i]) fprintf(f, "select -assert-count 1 %s/w:%s\n", p->ident, io[i]);
    fprintf(f, "expose");
    for (int l = 0; l < p->n_layers; l++) {
        fprintf(f, " %s/w:l%d", p->ident, l);
        if (p->layers[l].reg_after) fprintf(f, " %s/w:r%d", p->ident, l);
    }
    for (int i = 0; i < 3; i++)
        if (io[i]) fprintf(f, " %s/w:%s", p->ident, io[i]);
    fprintf(f,
            "\nread_verilog \"%s\"\nhierarchy -check -top %s__fv\nproc\nflatten\nmemory\n"
            "async2sync\nsetattr -unset init w:*\n",
            checker, p->ident);
    fprintf(f, "sat -seq 2 -prove-skip 1 -prove bad 0 -show bad -show in_data");
    for (int l = 0; l < p->n_layers; l++) {
        fprintf(f, " -show l%d -show f%d", l, l);
        if (p->layers[l].reg_after) fprintf(f, " -show r%d -show p%d", l, l);
    }
    fprintf(f, " -show out_data\n");
}

/* The binary value of signal name at time step 2 in the SAT log (most significant bit
 * first), malloc'd, or NULL. */
static char *sat_value(const char *log, const char *name) {
    FILE *f = fopen(log, "r");
    if (!f) return NULL;
    size_t cap = 0, nlen = strlen(name);
    char *line = NULL, *val = NULL;
    while (!val && getline(&line, &cap, f) >= 0) { /* lines of any length */
        char *s = line;
        while (*s == ' ')
            s++;
        if (strncmp(s, "2 \\", 3) != 0 || strncmp(s + 3, name, nlen) != 0 || s[3 + nlen] != ' ')
            continue;
        char *end = line + strcspn(line, "\r\n");
        char *b = end;
        while (b > line && (b[-1] == '0' || b[-1] == '1' || b[-1] == 'x'))
            b--;
        if (b < end) {
            val = xmalloc((size_t)(end - b) + 1);
            memcpy(val, b, (size_t)(end - b));
            val[end - b] = '\0';
        }
    }
    free(line);
    fclose(f);
    return val;
}

/* Bit i (LSB = 0) of a binary string, 0 when out of range. */
static unsigned bin_bit(const char *v, size_t i) {
    size_t n = v ? strlen(v) : 0;
    return i < n && v[n - 1 - i] == '1';
}

static unsigned bin_field(const char *v, size_t pos, int w) {
    unsigned x = 0;
    for (int k = 0; k < w; k++)
        x |= bin_bit(v, pos + (size_t)k) << k;
    return x;
}

/* Describes the first failed obligation of a counterexample in note. */
static void explain(const rt_tables *t, const be_plan *p, const char *log, const char *rtl,
                    char *note, size_t n) {
    char *bad = sat_value(log, "bad");
    int nb = n_obligations(t, p), ob = -1;
    for (int i = 0; i < nb && ob < 0; i++)
        if (bin_bit(bad, (size_t)i)) ob = i;
    free(bad);
    if (ob >= 0 && ob < t->n_layers) {
        const rt_table_layer *L = &t->layers[ob];
        char name[32], src[32];
        snprintf(name, sizeof name, "l%d", ob);
        char *got = sat_value(log, name);
        snprintf(name, sizeof name, "f%d", ob);
        char *want = sat_value(log, name);
        src_name(t, p, ob, src, sizeof src);
        char *in = sat_value(log, src);
        int j = -1;
        for (int k = 0; k < L->n_lut && j < 0; k++)
            if (bin_field(got, (size_t)k * (size_t)L->bits_out, L->bits_out) !=
                bin_field(want, (size_t)k * (size_t)L->bits_out, L->bits_out))
                j = k;
        if (j >= 0) {
            unsigned addr = 0;
            for (int s = 0; s < L->fanin; s++) {
                int i = L->inputs[(size_t)j * (size_t)L->fanin + (size_t)s];
                addr |= bin_field(in, (size_t)i * (size_t)L->bits_in, L->bits_in)
                        << (s * L->bits_in);
            }
            snprintf(note, n,
                     "%s is not equivalent to the tables: layer %d L-LUT %d at address %u gives "
                     "%u, the table %u",
                     rtl, ob, j, addr, bin_field(got, (size_t)j * (size_t)L->bits_out, L->bits_out),
                     bin_field(want, (size_t)j * (size_t)L->bits_out, L->bits_out));
        }
        free(got), free(want), free(in);
        if (j >= 0) return;
    }
    int out_ob = t->n_layers + be_plan_stages(p);
    if (ob > out_ob) {
        snprintf(note, n, "%s is not equivalent to the tables: the %s differs", rtl,
                 ob == out_ob + 1 && t->hwenc.n_features > 0
                     ? "input encoder (enc) from the thresholds applied to in_data"
                     : "group-sum head (score) from the popcounts of the last layer");
        return;
    } else if (ob >= t->n_layers && ob < out_ob) {
        int k = ob - t->n_layers, l = 0;
        for (int c = -1; l < t->n_layers; l++)
            if (p->layers[l].reg_after && ++c == k) break;
        if (l == t->n_layers) {
            snprintf(note, n,
                     "%s is not equivalent to the tables: register rh does not hold "
                     "the head's scores of the cycle before",
                     rtl);
            return;
        }
        snprintf(note, n,
                 "%s is not equivalent to the tables: register r%d does not hold layer %d's "
                 "codes of the cycle before",
                 rtl, l, l);
        return;
    } else if (ob == out_ob) {
        char *in = sat_value(log, "in_data");
        char src[32];
        src_name(t, p, t->n_layers, src, sizeof src);
        size_t len = in ? strlen(in) : 0;
        char hex[80] = "?";
        /* the input as hex, most significant digit first (long inputs shortened) */
        size_t nd = (len + 3) / 4, w = 0;
        for (size_t d = nd; d-- > 0 && w + 4 < sizeof hex;) {
            unsigned v = 0;
            for (int q = 0; q < 4; q++)
                v |= bin_bit(in, d * 4 + (size_t)q) << q;
            if (w == 0 && v == 0 && d > 0) continue;
            hex[w++] = "0123456789abcdef"[v];
        }
        if (w) hex[w] = '\0';
        snprintf(note, n,
                 "%s is not equivalent to the tables: out_data differs from the last layer's "
                 "codes (%s) for in_data = 'h%s%s",
                 rtl, src, hex, w + 4 >= sizeof hex ? "..." : "");
        free(in);
        return;
    }
    snprintf(note, n, "%s is not equivalent to the tables (Yosys found a counterexample)", rtl);
}

/* Copies the file at src to dst (best effort); 0 on success. */
static int copy_file(const char *src, const char *dst) {
    size_t len;
    bool opened;
    uint8_t *buf = rt_read_file(src, &len, &opened);
    if (!buf) return -1;
    FILE *f = fopen(dst, "wb");
    int rc = f && fwrite(buf, 1, len, f) == len ? 0 : -1;
    if (f && fclose(f)) rc = -1;
    free(buf);
    return rc;
}

char *be_keep_log(const char *out_dir, const char *log, const char *name) {
    char *dir = rt_path_join(out_dir, "verify");
    char *dst = rt_path_join(dir, name);
    rt_error e2 = {0};
    if (be_mkdirs(dir, &e2) || copy_file(log, dst)) {
        free(dst);
        dst = xstrdup(log);
    }
    free(dir);
    return dst;
}

rt_status be_formal(const rt_tables *t, const be_plan *p, const char *rtl, const char *work,
                    const char *out_dir, be_formal_result *fr, rt_error *e) {
    memset(fr, 0, sizeof *fr);
    char *yosys = be_find_tool("NLTC_YOSYS", "yosys");
    if (!yosys) {
        snprintf(fr->note, sizeof fr->note, "yosys not installed: formal equivalence skipped");
        return RT_OK;
    }
    BE_TRY(be_mkdirs(work, e));
    char name[300];
    const char *pn = ir_pipeline_name(p->pipeline);
    snprintf(name, sizeof name, "formal_%s%d.v", pn, p->pipeline_k);
    char *checker = rt_path_join(work, name);
    snprintf(name, sizeof name, "formal_%s%d.ys", pn, p->pipeline_k);
    char *script = rt_path_join(work, name);
    snprintf(name, sizeof name, "formal_%s%d.log", pn, p->pipeline_k);
    char *log = rt_path_join(work, name);
    rt_status st = RT_OK;
    FILE *f = fopen(checker, "w"), *g = fopen(script, "w");
    if (!f || !g) st = rt_fail(e, RT_ERR_IO, "%s: cannot create: %s", work, strerror(errno));
    if (f) write_checker(f, t, p), fclose(f);
    if (g) write_script(g, t, p, rtl, checker), fclose(g);
    if (!st) {
        double t0 = rt_now();
        remove(log);
        char *argv[] = {yosys, "-q", "-l", log, "-s", script, NULL};
        char *out = rt_path_join(work, "formal_stdout.log");
        int rc = be_spawn(argv, NULL, out, out);
        free(out);
        fr->seconds = rt_now() - t0;
        char line[512];
        if (rc == 0 &&
            be_log_find(log, "SAT proof finished - no model found", line, sizeof line) == 0) {
            fr->ran = fr->proved = true;
            snprintf(fr->note, sizeof fr->note, "yosys sat: every address of every L-LUT");
        } else if (rc == 0 &&
                   be_log_find(log, "SAT proof finished - model found", line, sizeof line) == 0) {
            fr->ran = true;
            explain(t, p, log, rtl, fr->note, sizeof fr->note);
        } else if (be_log_find(log, "ERROR: Assertion failed: selection", line, sizeof line) == 0) {
            fr->ran = true;
            snprintf(fr->note, sizeof fr->note,
                     "%s is not equivalent to the tables: it lacks a layer vector the tables "
                     "define (l<k>/r<k>)",
                     rtl);
        } else {
            char *kept = be_keep_log(out_dir, log, name);
            st = rt_fail(e, RT_ERR_TOOL, "yosys failed (exit %d) proving %s; log kept at %s", rc,
                         rtl, kept);
            free(kept);
        }
    }
    free(yosys), free(checker), free(script), free(log);
    return st;
}
