/* hwio_emit.c - the encoder and the group-sum head in the generated code: Verilog modules
 * <ident>_enc (one comparator per input code) and <ident>_head (a compressor tree
 * per class), their instances in the top module, and the C simulator's <ident>_encode and
 * <ident>_scores (the same comparisons and sums). README.md: "Encoder and head". */
#include "backend.h"

#include <stdlib.h>
#include <string.h>

/* ---- Verilog ------------------------------------------------------------------------- */

/* Whether some comparator reads raw feature f. */
static bool *features_read(const rt_tables *t) {
    bool *used = xcalloc((size_t)t->hwenc.n_features, sizeof *used);
    for (int i = 0; i < t->n_inputs; i++)
        if (be_encode_const(&t->hwenc, i) < 0) used[t->hwenc.feature[i]] = true;
    return used;
}

static void emit_encoder(FILE *f, const rt_tables *t, const be_plan *p) {
    const rt_hw_encoder *en = &t->hwenc;
    int W = en->raw_bits, nf = en->n_features;
    bool *used = features_read(t), all = true;
    for (int i = 0; i < nf; i++)
        all &= used[i];
    fprintf(f,
            "// The input encoder: raw feature f is the %d-bit %s integer x[f*%d +: %d] (the "
            "value x * 2^-%d);\n// input code i = (feature >= threshold) or (feature <= "
            "threshold): %d comparators of %d\n// thresholds, the codes the L-LUTs read (the "
            "others are constant).\n",
            W, en->raw_signed ? "two's-complement" : "unsigned", W, W, en->raw_frac,
            be_encoder_comparators(t), t->n_inputs);
    fprintf(f, "module %s_enc (\n", p->ident);
    if (!all) fputs("    // verilator lint_off UNUSED\n", f);
    fprintf(f, "    input  wire [%d:0] x,%s\n", nf * W - 1,
            all ? "" : " // some raw features are compared with nothing");
    if (!all) fputs("    // verilator lint_on UNUSED\n", f);
    fprintf(f, "    output wire [%d:0] c\n);\n", t->n_inputs - 1);
    int64_t off = en->raw_signed ? (int64_t)1 << (W - 1) : 0;
    for (int i = 0; i < t->n_inputs; i++) {
        int k = be_encode_const(en, i), fe = en->feature[i];
        if (k >= 0) {
            fprintf(f, "    assign c[%d] = 1'b%d;\n", i, k);
            continue;
        }
        /* signed: the sign bit flipped makes the order unsigned (offset binary) */
        if (en->raw_signed)
            fprintf(f, "    assign c[%d] = {~x[%d], x[%d:%d]} %s %d'd%lld;\n", i, fe * W + W - 1,
                    fe * W + W - 2, fe * W, en->descending[i] ? "<=" : ">=", W,
                    (long long)(en->thr[i] + off));
        else
            fprintf(f, "    assign c[%d] = x[%d:%d] %s %d'd%lld;\n", i, fe * W + W - 1, fe * W,
                    en->descending[i] ? "<=" : ">=", W, (long long)en->thr[i]);
    }
    fputs("endmodule\n\n", f);
    free(used);
}

static void emit_head(FILE *f, const rt_tables *t, const be_plan *p) {
    int G = t->head_group, C = be_classes(t), S = be_score_bits(t);
    fprintf(f,
            "// The group-sum head: class c's score s[c*%d +: %d] is the number of 1s among "
            "b[c*%d +: %d],\n// a tree of LUT-sized compressors (h<c>_<k>: up to K bits of "
            "one weight counted) and one adder per class.\n",
            S, S, G, G);
    fprintf(f, "module %s_head (\n    input  wire [%d:0] b,\n    output wire [%d:0] s\n);\n",
            p->ident, C * G - 1, C * S - 1);
    for (int c = 0; c < C; c++)
        be_head_tree(f, c, G, S, p->lut_inputs);
    fputs("endmodule\n\n", f);
}

void be_rtl_io_modules(FILE *f, const rt_tables *t, const be_plan *p) {
    if (t->hwenc.n_features > 0) emit_encoder(f, t, p);
    if (t->head_group > 0) emit_head(f, t, p);
}

void be_rtl_io_ports(FILE *f, const rt_tables *t) {
    const rt_hw_encoder *en = &t->hwenc;
    if (en->n_features > 0)
        fprintf(f,
                "// in_data: %d raw features x %d bits, feature f at [f*%d +: %d]: %s "
                "fixed point with %d fraction bits; the encoder makes %d 1-bit input codes.\n",
                en->n_features, en->raw_bits, en->raw_bits, en->raw_bits,
                en->raw_signed ? "two's-complement" : "unsigned", en->raw_frac, t->n_inputs);
    if (t->head_group > 0)
        fprintf(f,
                "// out_data: %d class scores x %d bits, score c at [c*%d +: %d] (the number "
                "of 1s in class c's group of %d outputs; the largest wins, ties to the lowest "
                "class).\n",
                be_classes(t), be_score_bits(t), be_score_bits(t), be_score_bits(t), t->head_group);
}

void be_rtl_encoder_inst(FILE *f, const rt_tables *t, const be_plan *p) {
    fprintf(f, "\n    // the input encoder: raw features -> %d input codes\n", t->n_inputs);
    fprintf(f, "    wire [%d:0] enc;\n    %s_enc u_enc (.x(in_data), .c(enc));\n", t->n_inputs - 1,
            p->ident);
}

void be_rtl_head_inst(FILE *f, const rt_tables *t, const be_plan *p, const char *src, char *out,
                      size_t nout, char *valid, size_t nvalid) {
    int w = be_classes(t) * be_score_bits(t);
    fprintf(f, "\n    // the group-sum head: %d class scores\n", be_classes(t));
    fprintf(f, "    wire [%d:0] score;\n    %s_head u_head (.b(%s), .s(score));\n", w - 1, p->ident,
            src);
    snprintf(out, nout, "score");
    if (!be_plan_head_reg(p)) return;
    fprintf(f, "\n    // register stage after the head\n    reg  [%d:0] rh;\n    reg         vh;\n",
            w - 1);
    fprintf(f, "    always @(posedge %s) rh <= score;\n", p->clock);
    be_rtl_valid_reg(f, p, "vh", valid);
    snprintf(out, nout, "rh");
    snprintf(valid, nvalid, "vh");
}

/* ---- C ------------------------------------------------------------------------------- */

void be_csim_io_macros(FILE *f, const rt_tables *t, const char *ID) {
    const rt_hw_encoder *en = &t->hwenc;
    fprintf(f, "#define %s_ENCODER %d     /* the design reads raw features (%s_encode) */\n", ID,
            en->n_features > 0, ID);
    fprintf(f, "#define %s_RAW_FEATURES %d /* raw fixed-point features per sample */\n", ID,
            en->n_features);
    fprintf(f, "#define %s_RAW_BITS %d     /* bits per raw feature */\n", ID, en->raw_bits);
    fprintf(f, "#define %s_RAW_FRAC %d     /* fraction bits: value = raw * 2^-FRAC */\n", ID,
            en->raw_frac);
    fprintf(f, "#define %s_RAW_SIGNED %d   /* raw features are two's complement */\n", ID,
            en->raw_signed);
    fprintf(f, "#define %s_GROUP %d        /* group-sum head: outputs per class (0: none) */\n", ID,
            t->head_group);
    fprintf(f, "#define %s_CLASSES %d      /* class outputs of the design */\n", ID, be_classes(t));
    fprintf(f, "#define %s_CLASS_BITS %d   /* bits per class output (score or code) */\n\n", ID,
            be_out_bits(t));
}

void be_csim_io_decls(FILE *f, const rt_tables *t, const char *id, const char *ID) {
    if (t->hwenc.n_features > 0)
        fprintf(f,
                "/* The input encoder: raw[%s_RAW_FEATURES] fixed-point integers -> "
                "in[%s_INPUTS] codes. */\n"
                "void %s_encode(const int32_t *raw, uint16_t *in);\n\n",
                ID, ID, id);
    if (t->head_group > 0)
        fprintf(f,
                "/* The group-sum head: out[%s_OUTPUTS] -> scores[%s_CLASSES], class c's score "
                "the number of\n * 1s among out[c*%s_GROUP .. (c+1)*%s_GROUP). */\n"
                "void %s_scores(const uint16_t *out, uint16_t *scores);\n\n",
                ID, ID, ID, ID, id);
}

void be_csim_io_defs(FILE *f, const rt_tables *t, const char *id, const char *ID) {
    const rt_hw_encoder *en = &t->hwenc;
    if (en->n_features > 0) {
        fprintf(f,
                "/* The encoder: code i = raw[feature] >= threshold (or <=); %d comparators of "
                "%d thresholds,\n * the codes the L-LUTs read (the others are constant). */\n",
                be_encoder_comparators(t), t->n_inputs);
        fprintf(f, "void %s_encode(const int32_t *raw, uint16_t *in) {\n", id);
        for (int i = 0; i < t->n_inputs; i++) {
            int k = be_encode_const(en, i);
            if (k >= 0)
                fprintf(f, "    in[%d] = %d;\n", i, k);
            else
                fprintf(f, "    in[%d] = raw[%d] %s %lld;\n", i, en->feature[i],
                        en->descending[i] ? "<=" : ">=", (long long)en->thr[i]);
        }
        fprintf(f, "}\n\n");
    }
    if (t->head_group > 0)
        fprintf(f,
                "/* The group-sum head. */\n"
                "void %s_scores(const uint16_t *out, uint16_t *scores) {\n"
                "    int c, g;\n"
                "    for (c = 0; c < %s_CLASSES; c++) {\n"
                "        unsigned s = 0;\n"
                "        for (g = 0; g < %s_GROUP; g++)\n"
                "            s += out[c * %s_GROUP + g] & 1u;\n"
                "        scores[c] = (uint16_t)s;\n"
                "    }\n}\n\n",
                id, ID, ID, ID);
}
