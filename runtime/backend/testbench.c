/* testbench.c - the Verilog test bench of the RTL back end (its fixed text is
 * templates/testbench.v.in) and the vector file it streams. */
#include "backend.h"

#include <stdlib.h>
#include <string.h>

/* Hex of a bit vector (LSB-first bytes), most significant digit first. */
static void put_hex(FILE *f, const uint8_t *bits, int nbits) {
    static const char hex[] = "0123456789abcdef";
    for (int d = (nbits + 3) / 4 - 1; d >= 0; d--) {
        unsigned v = (bits[d / 2] >> ((d & 1) * 4)) & 15u;
        fputc(hex[v], f);
    }
    fputc('\n', f);
}

rt_status be_write_vectors(const rt_tables *t, const rt_codes *c, const char *path, rt_error *e) {
    int nin = be_in_fields(t), ib = be_in_field_bits(t), nout = be_classes(t), ob = be_out_bits(t);
    int iw = nin * ib, ow = nout * ob;
    bool raw = t->hwenc.n_features > 0;
    rt_afile a;
    BE_TRY(be_afile_open(&a, path, e));
    size_t nbytes = (size_t)(iw + ow + 7) / 8 + 1;
    uint8_t *buf = xmalloc(nbytes);
    const uint16_t *out = be_codes_out(c);
    unsigned mask = (unsigned)((1ull << ib) - 1); /* raw values: two's complement */
    for (int s = 0; s < c->n_samples; s++) {
        memset(buf, 0, nbytes);
        for (int i = 0; i < nin; i++) {
            size_t at = (size_t)s * (size_t)nin + (size_t)i;
            unsigned v = raw ? (unsigned)c->raw[at] & mask : c->input[at];
            be_bits_put(buf, (size_t)i * (size_t)ib, v, ib);
        }
        for (int j = 0; j < nout; j++)
            be_bits_put(buf, (size_t)iw + (size_t)j * (size_t)ob,
                        out[(size_t)s * (size_t)nout + (size_t)j], ob);
        put_hex(a.f, buf, iw + ow);
    }
    free(buf);
    return be_afile_close(&a, e);
}

rt_status be_write_testbench(const rt_tables *t, const be_plan *p, int n, const char *path,
                             rt_error *e) {
    bool low = p->reset_style == IR_RESET_SYNC_LOW || p->reset_style == IR_RESET_ASYNC_LOW;
    char sn[16], siw[16], sow[16], slat[16];
    snprintf(sn, sizeof sn, "%d", n);
    snprintf(siw, sizeof siw, "%d", be_in_fields(t) * be_in_field_bits(t));
    snprintf(sow, sizeof sow, "%d", be_classes(t) * be_out_bits(t));
    snprintf(slat, sizeof slat, "%d", be_plan_stages(p));
    /* On a mismatch the bench writes every layer's codes of the failing sample. */
    rt_buf writes = {0};
    if (t->hwenc.n_features > 0)
        rt_buf_printf(&writes, "            $fwrite(fl, \"%%h\\n\", dut.%senc);\n",
                      p->iface == IR_IFACE_STREAM ? "core." : "");
    for (int l = 0; l < t->n_layers; l++)
        rt_buf_printf(&writes, "            $fwrite(fl, \"%%h\\n\", dut.%sl%d);\n",
                      p->iface == IR_IFACE_STREAM ? "core." : "", l);
    char *layer_writes = rt_buf_take(&writes);
    /* hardware.argmax: out_class is checked against the expected codes' argmax */
    int nc = be_classes(t), cw = be_class_bits(nc), b = be_out_bits(t);
    char *decl = p->argmax
                     ? rt_strfmt("    wire [%d:0] out_class;\n"
                                 "    function [%d:0] tb_argmax(input [OW-1:0] o);\n"
                                 "        integer k;\n        begin\n"
                                 "            tb_argmax = {%d{1'b0}};\n"
                                 "            for (k = 1; k < %d; k = k + 1)\n"
                                 "                if (o[k*%d +: %d] > o[tb_argmax*%d +: %d])\n"
                                 "                    tb_argmax = k[%d:0];\n"
                                 "        end\n    endfunction\n",
                                 cw - 1, cw - 1, cw, nc, b, b, b, b, cw - 1)
                     : xstrdup("");
    const char *vars[] = {"ident",
                          p->ident,
                          "n",
                          sn,
                          "iw",
                          siw,
                          "ow",
                          sow,
                          "lat",
                          slat,
                          "clock",
                          p->clock,
                          "reset",
                          p->reset,
                          "reset_on",
                          low ? "0" : "1",
                          "reset_off",
                          low ? "1" : "0",
                          "layer_writes",
                          layer_writes,
                          "argmax_decl",
                          decl,
                          "argmax_conn",
                          p->argmax ? ", .out_class(out_class)" : "",
                          "argmax_cond",
                          p->argmax ? " || out_class !== tb_argmax(w[IW+OW-1:IW])" : "",
                          NULL};
    char *text = be_template_fill(
        p->iface == IR_IFACE_STREAM ? be_tpl_testbench_stream_v : be_tpl_testbench_v, vars);
    free(layer_writes);
    free(decl);
    rt_status st = be_write_text(path, text, e);
    free(text);
    return st;
}
