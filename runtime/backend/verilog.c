/* verilog.c - the Verilog-2001 back end: one top module per model (clock, reset,
 * in_valid/in_data, out_valid/out_data), one case-ROM module per distinct truth table,
 * layers as plain wiring, pipeline registers after the layers the plan marks, a valid bit
 * that follows them; plus a self-checking test bench and its vector file.
 *
 * Style chosen for the tools (TOOLCHAIN.md): case statements (fast in Yosys, no constant
 * shifts or indexed constants), one file for the whole design, identical tables shared
 * as one module. */
#include "backend.h"

#include <stdlib.h>
#include <string.h>

/* ---- Distinct tables -------------------------------------------------------------- */

/* The set of distinct tables: table (layer, lut) -> module number. */
typedef struct tabset {
    int n;          /* distinct tables */
    int *rep_layer; /* [n] layer of the first L-LUT with this table */
    int *rep_lut;   /* [n] that L-LUT */
    int **module;   /* [n_layers][n_lut] module number of every L-LUT */
} tabset;

static const uint16_t *lut_rows(const rt_table_layer *L, int j) {
    return L->codes + ((size_t)j << be_addr_bits(L));
}

static bool same_table(const rt_tables *t, int la, int ja, int lb, int jb) {
    const rt_table_layer *A = &t->layers[la], *B = &t->layers[lb];
    if (be_addr_bits(A) != be_addr_bits(B) || A->bits_out != B->bits_out) return false;
    return memcmp(lut_rows(A, ja), lut_rows(B, jb), sizeof(uint16_t) << be_addr_bits(A)) == 0;
}

static void tabset_build(const rt_tables *t, tabset *ts) {
    long total = 0;
    for (int l = 0; l < t->n_layers; l++)
        total += t->layers[l].n_lut;
    size_t cap = 16;
    while (cap < (size_t)total * 2)
        cap *= 2;
    int *slot = xmalloc(sizeof *slot * cap);
    for (size_t i = 0; i < cap; i++)
        slot[i] = -1;
    ts->n = 0;
    ts->rep_layer = xmalloc(sizeof *ts->rep_layer * (size_t)total);
    ts->rep_lut = xmalloc(sizeof *ts->rep_lut * (size_t)total);
    ts->module = xmalloc(sizeof *ts->module * (size_t)t->n_layers);
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        ts->module[l] = xmalloc(sizeof **ts->module * (size_t)L->n_lut);
        int a = be_addr_bits(L);
        for (int j = 0; j < L->n_lut; j++) {
            uint64_t h = rt_fnv1a(RT_FNV_INIT, lut_rows(L, j), sizeof(uint16_t) << a);
            h = rt_fnv1a(h, &a, sizeof a);
            h = rt_fnv1a(h, &L->bits_out, sizeof L->bits_out);
            size_t i = (size_t)h & (cap - 1);
            while (slot[i] >= 0 &&
                   !same_table(t, ts->rep_layer[slot[i]], ts->rep_lut[slot[i]], l, j))
                i = (i + 1) & (cap - 1);
            if (slot[i] < 0) {
                slot[i] = ts->n;
                ts->rep_layer[ts->n] = l;
                ts->rep_lut[ts->n] = j;
                ts->n++;
            }
            ts->module[l][j] = slot[i];
        }
    }
    free(slot);
}

static void tabset_free(const rt_tables *t, tabset *ts) {
    for (int l = 0; l < t->n_layers; l++)
        free(ts->module[l]);
    free(ts->module);
    free(ts->rep_layer);
    free(ts->rep_lut);
}

/* ---- ROM modules ------------------------------------------------------------------ */

/* Emits the case-ROM module of one table: rows grouped by value, the most frequent value
 * as the default, so a sparse table is a short list. */
static void emit_rom(FILE *f, const char *name, const uint16_t *rows, int a, int bo) {
    size_t nrows = (size_t)1 << a;
    unsigned nval = 1u << bo;
    size_t *count = xcalloc(nval, sizeof *count);
    for (size_t r = 0; r < nrows; r++)
        count[rows[r]]++;
    unsigned dflt = 0;
    for (unsigned v = 1; v < nval; v++)
        if (count[v] > count[dflt]) dflt = v;
    fprintf(f, "module %s (\n", name);
    if (count[dflt] == nrows) {
        fprintf(f,
                "    // verilator lint_off UNUSED\n"
                "    input  wire [%d:0] a, // a constant table reads no input\n"
                "    // verilator lint_on UNUSED\n"
                "    output wire [%d:0] o\n);\n"
                "    assign o = %d'd%u;\nendmodule\n\n",
                a - 1, bo - 1, bo, dflt);
        free(count);
        return;
    }
    fprintf(f, "    input  wire [%d:0] a,\n    output reg  [%d:0] o\n);\n", a - 1, bo - 1);
    fprintf(f, "    always @(*) begin\n        case (a)\n");
    for (unsigned v = 0; v < nval; v++) {
        if (v == dflt || count[v] == 0) continue;
        int col = fprintf(f, "            ");
        bool first = true;
        for (size_t r = 0; r < nrows; r++) {
            if (rows[r] != v) continue;
            char item[32];
            int len = snprintf(item, sizeof item, "%s%d'd%zu", first ? "" : ", ", a, r);
            if (!first && col + len > 96) {
                fputs(",\n            ", f);
                col = 12;
                len = snprintf(item, sizeof item, "%d'd%zu", a, r);
            }
            fputs(item, f);
            col += len;
            first = false;
        }
        fprintf(f, ": o = %d'd%u;\n", bo, v);
    }
    fprintf(f, "            default: o = %d'd%u;\n        endcase\n    end\nendmodule\n\n", bo,
            dflt);
    free(count);
}

/* ---- Top module ------------------------------------------------------------------- */

/* Names of the vector layer l reads: in_data (enc with an encoder), or l<k> / r<k> of the
 * layer before. */
static void source_name(const rt_tables *t, const be_plan *p, int l, char *buf, size_t n) {
    if (l == 0)
        snprintf(buf, n, "%s", t->hwenc.n_features > 0 ? "enc" : "in_data");
    else
        snprintf(buf, n, "%c%d", p->layers[l - 1].reg_after ? 'r' : 'l', l - 1);
}

static bool all_read(const rt_tables *t, int l) {
    if (l >= t->n_layers) return true;
    bool *used = be_layer_reads(t, l), all = true;
    for (int i = 0; i < t->layers[l].in_width; i++)
        all &= used[i];
    free(used);
    return all;
}

static const char *lint_off = "    // verilator lint_off UNUSED\n";
static const char *lint_on = "    // verilator lint_on UNUSED\n";

/* Opens an always block with the plan's reset style: "always @(...) begin" and
 * "if (<reset active>) " at the given indent, for the caller to finish. */
static void reset_head(FILE *f, const be_plan *p, const char *indent) {
    const char *r = p->reset;
    bool low = p->reset_style == IR_RESET_SYNC_LOW || p->reset_style == IR_RESET_ASYNC_LOW;
    if (p->reset_style == IR_RESET_SYNC_HIGH || p->reset_style == IR_RESET_SYNC_LOW)
        fprintf(f, "    always @(posedge %s) begin\n", p->clock);
    else
        fprintf(f, "    always @(posedge %s or %s %s) begin\n", p->clock,
                low ? "negedge" : "posedge", r);
    fprintf(f, "%sif (%s%s) ", indent, low ? "!" : "", r);
}

/* The always block of a valid bit with the plan's reset style. */
void be_rtl_valid_reg(FILE *f, const be_plan *p, const char *q, const char *d) {
    reset_head(f, p, "        ");
    fprintf(f, "%s <= 1'b0;\n        else %s <= %s;\n    end\n", q, q, d);
}

int be_class_bits(int classes) {
    int b = 1;
    while ((1L << b) < classes)
        b++;
    return b;
}

/* out_class (hardware.argmax): the index of the largest class code, the first on ties (the
 * C simulator's argmax; offset-binary codes compare as unsigned). */
static void emit_argmax(FILE *f, const rt_tables *t) {
    int n = be_classes(t), cw = be_class_bits(n), b = be_out_bits(t);
    fprintf(f,
            "\n    // out_class: the index of the largest class code, the first on ties\n"
            "    reg [%d:0] best;\n    reg [%d:0] cls;\n    integer k;\n    always @* begin\n"
            "        best = out_data[%d:0];\n        cls = {%d{1'b0}};\n"
            "        for (k = 1; k < %d; k = k + 1)\n"
            "            if (out_data[k*%d +: %d] > best) begin\n"
            "                best = out_data[k*%d +: %d];\n                cls = k[%d:0];\n"
            "            end\n    end\n    assign out_class = cls;\n",
            b - 1, cw - 1, b - 1, cw, n, b, b, b, b, cw - 1);
}

static void emit_top(FILE *f, const rt_tables *t, const be_plan *p, const tabset *ts) {
    const rt_table_layer *last = &t->layers[t->n_layers - 1];
    int iw = be_in_fields(t) * be_in_field_bits(t), ow = be_classes(t) * be_out_bits(t);
    int stages = be_plan_stages(p);
    be_rtl_io_ports(f, t);
    fprintf(f, "// Top module. in_data: %d codes x %d bits, code i at [i*%d +: %d]%s.\n",
            t->n_inputs, t->input_bits, t->input_bits, t->input_bits,
            t->input_signed ? " (offset binary)" : "");
    fprintf(f, "// out_data: %d class codes x %d bits, code i at [i*%d +: %d]%s.\n", last->n_lut,
            last->bits_out, last->bits_out, last->bits_out,
            last->out_signed ? " (offset binary: larger code = larger score)" : "");
    fprintf(f,
            "// Pipeline %s: %d register stage%s, latency %d cycle%s; out_valid follows "
            "in_valid.\n",
            ir_pipeline_name(p->pipeline), stages, stages == 1 ? "" : "s", stages,
            stages == 1 ? "" : "s");
    fprintf(f, "module %s (\n", p->ident);
    /* With no register stage the clock and reset are ports that nothing reads. */
    if (stages == 0) fputs(lint_off, f);
    fprintf(f, "    input  wire %s,\n    input  wire %s,\n", p->clock, p->reset);
    if (stages == 0) fputs(lint_on, f);
    fprintf(f, "    input  wire in_valid,\n");
    bool in_all = t->hwenc.n_features > 0 || all_read(t, 0); /* the encoder module's lint */
    if (!in_all) fputs(lint_off, f);
    fprintf(f, "    input  wire [%d:0] in_data,%s\n", iw - 1,
            in_all ? "" : " // some input codes are read by no L-LUT");
    if (!in_all) fputs(lint_on, f);
    fprintf(f, "    output wire out_valid,\n    output wire [%d:0] out_data", ow - 1);
    if (p->argmax)
        fprintf(f, ",\n    output wire [%d:0] out_class", be_class_bits(be_classes(t)) - 1);
    fputs("\n);\n", f);
    char valid[32] = "in_valid";
    if (t->hwenc.n_features > 0) be_rtl_encoder_inst(f, t, p);
    for (int l = 0; l < t->n_layers; l++) {
        const rt_table_layer *L = &t->layers[l];
        const be_layer_plan *q = &p->layers[l];
        int w = L->n_lut * L->bits_out, bi = L->bits_in, bo = L->bits_out;
        char src[32];
        source_name(t, p, l, src, sizeof src);
        fprintf(f, "\n    // layer %d (%s): %d L-LUTs, fan-in %d, %d -> %d bits\n", l, q->name,
                L->n_lut, L->fanin, bi, bo);
        bool next_all = all_read(t, l + 1);
        bool l_partial = !next_all && !q->reg_after;
        if (l_partial) fputs(lint_off, f);
        fprintf(f, "    wire [%d:0] l%d;%s\n", w - 1, l,
                l_partial ? " // some codes are read by no L-LUT of the next layer" : "");
        if (l_partial) fputs(lint_on, f);
        for (int j = 0; j < L->n_lut; j++) {
            fprintf(f, "    %s_t%d u%d_%d (.a({", p->ident, ts->module[l][j], l, j);
            for (int s = L->fanin - 1; s >= 0; s--) {
                int i = L->inputs[(size_t)j * (size_t)L->fanin + (size_t)s];
                if (bi == 1)
                    fprintf(f, "%s[%d]%s", src, i, s ? ", " : "");
                else
                    fprintf(f, "%s[%d:%d]%s", src, i * bi + bi - 1, i * bi, s ? ", " : "");
            }
            if (bo == 1)
                fprintf(f, "}), .o(l%d[%d]));\n", l, j);
            else
                fprintf(f, "}), .o(l%d[%d:%d]));\n", l, j * bo + bo - 1, j * bo);
        }
        if (q->reg_after) {
            fprintf(f, "\n    // register stage after layer %d\n", l);
            bool r_partial = !next_all;
            if (r_partial) fputs(lint_off, f);
            fprintf(f, "    reg  [%d:0] r%d;%s\n", w - 1, l,
                    r_partial ? " // some codes are read by no L-LUT of the next layer" : "");
            if (r_partial) fputs(lint_on, f);
            fprintf(f, "    reg         v%d;\n", l);
            fprintf(f, "    always @(posedge %s) r%d <= l%d;\n", p->clock, l, l);
            char qv[32];
            snprintf(qv, sizeof qv, "v%d", l);
            be_rtl_valid_reg(f, p, qv, valid);
            snprintf(valid, sizeof valid, "v%d", l);
        }
    }
    char src[32];
    source_name(t, p, t->n_layers, src, sizeof src);
    if (t->head_group > 0) {
        char last_src[32];
        snprintf(last_src, sizeof last_src, "%s", src);
        be_rtl_head_inst(f, t, p, last_src, src, sizeof src, valid, sizeof valid);
    }
    fprintf(f, "\n    assign out_valid = %s;\n    assign out_data = %s;\n", valid, src);
    if (p->argmax) emit_argmax(f, t);
    fputs("endmodule\n", f);
}

/* The valid/ready wrapper (hardware { interface = stream }): the core runs freely, an
 * input is taken only when the output FIFO (depth latency + 2) has room for everything in
 * flight, so no result is ever dropped; s_ready depends on registers only. */
static void emit_stream(FILE *f, const rt_tables *t, const be_plan *p) {
    int iw = be_in_fields(t) * be_in_field_bits(t), ow = be_classes(t) * be_out_bits(t);
    int depth = be_plan_stages(p) + 2, aw = be_bits_for((unsigned)depth - 1),
        cw = be_bits_for((unsigned)depth);
    fprintf(f,
            "// %s_stream: AXI-Stream style valid/ready ports around %s. s_data and m_data\n"
            "// have the bit layout of in_data and out_data; a transfer happens on a clock edge\n"
            "// where valid and ready are both high. Back-pressure: m_ready low holds m_valid and\n"
            "// m_data; results wait in a %d-entry FIFO and s_ready falls when it could fill.\n"
            "// Latency %d cycles from s_valid & s_ready to m_valid (the core's %d + the FIFO).\n",
            p->ident, p->ident, depth, be_plan_stages(p) + 1, be_plan_stages(p));
    fprintf(
        f,
        "module %s_stream (\n    input  wire %s,\n    input  wire %s,\n"
        "    input  wire s_valid,\n    output wire s_ready,\n    input  wire [%d:0] s_data,\n"
        "    output wire m_valid,\n    input  wire m_ready,\n    output wire [%d:0] m_data\n);\n",
        p->ident, p->clock, p->reset, iw - 1, ow - 1);
    fprintf(f,
            "    localparam [%d:0] DEPTH = %d'd%d;\n"
            "    wire take = s_valid && s_ready;\n    wire give = m_valid && m_ready;\n"
            "    wire c_valid;\n    wire [%d:0] c_data;\n"
            "    reg  [%d:0] fifo [0:%d];\n    reg  [%d:0] wr, rd;\n"
            "    reg  [%d:0] used; // taken, not yet given: in the core or the FIFO\n"
            "    reg  [%d:0] held; // in the FIFO\n",
            cw - 1, cw, depth, ow - 1, ow - 1, depth - 1, aw - 1, cw - 1, cw - 1);
    fprintf(f,
            "    %s core (.%s(%s), .%s(%s), .in_valid(take), .in_data(s_data),\n"
            "        .out_valid(c_valid), .out_data(c_data));\n",
            p->ident, p->clock, p->clock, p->reset, p->reset);
    fprintf(f,
            "    assign s_ready = used != DEPTH;\n    assign m_valid = held != %d'd0;\n"
            "    assign m_data = fifo[rd];\n"
            "    always @(posedge %s) if (c_valid) fifo[wr] <= c_data;\n",
            cw, p->clock);
    reset_head(f, p, "        ");
    fprintf(f,
            "begin\n            wr <= %d'd0;\n            rd <= %d'd0;\n"
            "            used <= %d'd0;\n            held <= %d'd0;\n        end else begin\n"
            "            if (c_valid) wr <= wr == %d'd%d ? %d'd0 : wr + %d'd1;\n"
            "            if (give) rd <= rd == %d'd%d ? %d'd0 : rd + %d'd1;\n"
            "            if (take && !give) used <= used + %d'd1;\n"
            "            else if (give && !take) used <= used - %d'd1;\n"
            "            if (c_valid && !give) held <= held + %d'd1;\n"
            "            else if (give && !c_valid) held <= held - %d'd1;\n"
            "        end\n    end\nendmodule\n\n",
            aw, aw, cw, cw, aw, depth - 1, aw, aw, aw, depth - 1, aw, aw, cw, cw, cw, cw);
}

rt_status be_write_rtl(const rt_tables *t, const be_plan *p, const char *path, rt_error *e) {
    rt_afile a;
    BE_TRY(be_afile_open(&a, path, e));
    tabset ts;
    tabset_build(t, &ts);
    long total = 0;
    for (int l = 0; l < t->n_layers; l++)
        total += t->layers[l].n_lut;
    FILE *f = a.f;
    fprintf(f,
            "// %s.v - generated by nltc from model \"%s\": %ld L-LUTs in %d layers, %d "
            "distinct tables.\n",
            p->ident, p->model, total, t->n_layers, ts.n);
    fprintf(f, "// Verilog-2001. Each distinct truth table is one case-ROM module (address = "
               "the L-LUT's input\n// codes concatenated, slot 0 in the low bits); layers "
               "are plain wiring.\n");
    fprintf(f, "`timescale 1ns / 1ps\n\n");
    /* The top goes first: Verilator's DECLFILENAME wants the file named after it. */
    emit_top(f, t, p, &ts);
    fprintf(f, "\n// Truth tables: one case ROM per distinct table, all in this file on "
               "purpose (one file\n// keeps Verilator and Yosys fast), hence no "
               "file-name match.\n// verilator lint_off DECLFILENAME\n\n");
    be_rtl_io_modules(f, t, p);
    for (int m = 0; m < ts.n; m++) {
        const rt_table_layer *L = &t->layers[ts.rep_layer[m]];
        char name[160];
        snprintf(name, sizeof name, "%s_t%d", p->ident, m);
        emit_rom(f, name, lut_rows(L, ts.rep_lut[m]), be_addr_bits(L), L->bits_out);
    }
    if (p->iface == IR_IFACE_STREAM) emit_stream(f, t, p);
    tabset_free(t, &ts);
    return be_afile_close(&a, e);
}

rt_status be_verilog_check_plan(const be_plan *p, rt_error *e) {
    /* The module names <ident>, <ident>_t<m>, <ident>_tb need no check: be_ident renames
     * every reserved word (names.c). */
    return be_check_port_names(p, e);
}

rt_status be_check_verilog(const ir_program *ir, rt_error *e) {
    be_plan p;
    be_plan_from_ir(ir, &p);
    rt_status st = be_verilog_check_plan(&p, e);
    be_plan_free(&p);
    return st ? st : be_pnr_check(ir, e);
}

rt_status be_emit_verilog(const be_input *in, const char *dir, rt_error *e) {
    const rt_tables *t = in->tables;
    const be_plan *p = in->plan;
    BE_TRY(be_tables_check(t, e));
    BE_TRY(be_verilog_check_plan(p, e));
    if (p->n_layers != t->n_layers)
        return rt_fail(e, RT_ERR_MODEL, "verilog: the plan has %d layers, the tables %d",
                       p->n_layers, t->n_layers);
    BE_TRY(be_mkdirs(dir, e));
    char name[256];
    snprintf(name, sizeof name, "%s.v", p->ident);
    char *path = rt_path_join(dir, name);
    rt_status rc = be_write_rtl(t, p, path, e);
    free(path);
    if (rc || !in->codes || in->codes->n_samples == 0) return rc;
    snprintf(name, sizeof name, "%s_tb.v", p->ident);
    path = rt_path_join(dir, name);
    rc = be_write_testbench(t, p, in->codes->n_samples, path, e);
    free(path);
    if (rc) return rc;
    path = rt_path_join(dir, "vectors.hex");
    rc = be_write_vectors(t, in->codes, path, e);
    free(path);
    return rc;
}
