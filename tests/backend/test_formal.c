/* test_formal.c - the Yosys proof that the RTL equals the tables for every input
 * (be_formal): the RTL as emitted is proven for every pipelining; an edit no test sample
 * needs to reach (out_data for one input, one table entry of one ROM) is found and named
 * with its file and address; a syntactically broken file is a tool failure with its log
 * kept, not a mismatch. Skipped (exit 77) when Yosys is not installed. */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int failures;

/* Replaces the first occurrence of from in the file at path by to. */
static void edit(const char *path, const char *from, const char *to) {
    size_t len;
    bool opened;
    char *s = rt_read_file(path, &len, &opened);
    char *at = s ? strstr(s, from) : NULL;
    EXPECT(at != NULL, "%s: no '%s' to edit", path, from);
    if (!at) {
        free(s);
        return;
    }
    FILE *f = fopen(path, "w");
    fwrite(s, 1, (size_t)(at - s), f);
    fputs(to, f);
    fputs(at + strlen(from), f);
    fclose(f);
    free(s);
}

static rt_status prove(const rt_tables *t, const be_plan *p, const char *rtl, const char *dir,
                       be_formal_result *fr, rt_error *e) {
    char *work = rt_path_join(dir, "work");
    rt_status st = be_formal(t, p, rtl, work, dir, fr, e);
    free(work);
    return st;
}

int main(void) {
    char *yosys = be_find_tool("NLTC_YOSYS", "yosys");
    if (!yosys) {
        puts("test_be_formal: yosys not installed: skipped");
        return FX_SKIP;
    }
    free(yosys);
    fx_shape s = fx_trees();
    rt_tables t;
    be_plan p;
    fx_random_tables(&s, 61, &t);
    char *dir = fx_tmpdir("formal");
    char *rtl = rt_path_join(dir, "trees.v");
    rt_error e = {0};
    be_formal_result fr;
    /* every pipelining, as emitted: proven */
    static const ir_pipeline pipes[4] = {IR_PIPE_NONE, IR_PIPE_EVERY_LAYER, IR_PIPE_TREES,
                                         IR_PIPE_EVERY_K};
    for (int i = 0; i < 4; i++) {
        fx_plan(&s, &t, "trees", pipes[i], 2, &p);
        EXPECT(be_write_rtl(&t, &p, rtl, &e) == RT_OK, "%s", e.msg);
        rt_status st = prove(&t, &p, rtl, dir, &fr, &e);
        EXPECT(st == RT_OK && fr.ran && fr.proved, "%s: not proven: %s %s",
               ir_pipeline_name(pipes[i]), fr.note, st ? e.msg : "");
        printf("test_be_formal: %s proven in %.1f s\n", ir_pipeline_name(pipes[i]), fr.seconds);
        if (i < 3) be_plan_free(&p);
    }
    /* (a) out_data changed for one input only */
    EXPECT(be_write_rtl(&t, &p, rtl, &e) == RT_OK, "%s", e.msg);
    const rt_table_layer *last = &t.layers[t.n_layers - 1];
    char from[64], to[160];
    snprintf(from, sizeof from, "assign out_data = r4;");
    snprintf(to, sizeof to, "assign out_data = (in_data == 0) ? ~r4 : r4;");
    edit(rtl, from, to);
    EXPECT(prove(&t, &p, rtl, dir, &fr, &e) == RT_OK, "%s", e.msg);
    EXPECT(fr.ran && !fr.proved, "the out_data edit was not found");
    EXPECT(strstr(fr.note, rtl) && strstr(fr.note, "out_data") && strstr(fr.note, "in_data = 'h0"),
           "message: %s", fr.note);
    (void)last;
    /* (b) one entry of one ROM: the RTL of tables with one row changed */
    rt_tables bad;
    fx_random_tables(&s, 61, &bad);
    const rt_table_layer *L = &bad.layers[2];
    unsigned addr = (1u << be_addr_bits(L)) - 2;
    bad.layers[2].codes[(1u << be_addr_bits(L)) + addr] ^= 1;
    EXPECT(be_write_rtl(&bad, &p, rtl, &e) == RT_OK, "%s", e.msg);
    EXPECT(prove(&t, &p, rtl, dir, &fr, &e) == RT_OK, "%s", e.msg);
    EXPECT(fr.ran && !fr.proved, "the ROM edit was not found");
    char want[160];
    snprintf(want, sizeof want, "layer 2 L-LUT 1 at address %u gives", addr);
    EXPECT(strstr(fr.note, rtl) && strstr(fr.note, want), "message: %s (expected '%s')", fr.note,
           want);
    rt_tables_free(&bad);
    /* a broken file: a tool failure, the log kept under OUT/verify */
    EXPECT(be_write_rtl(&t, &p, rtl, &e) == RT_OK, "%s", e.msg);
    edit(rtl, "endmodule", "endmodul");
    rt_status st = prove(&t, &p, rtl, dir, &fr, &e);
    EXPECT(st == RT_ERR_TOOL, "broken RTL: status %d, %s", st, fr.note);
    char *kept = rt_path_join(dir, "verify/formal_every_k2.log");
    EXPECT(st != RT_ERR_TOOL || strstr(e.msg, kept), "message: %s", e.msg);
    FILE *f = fopen(kept, "r");
    EXPECT(f != NULL, "%s not kept", kept);
    if (f) fclose(f);
    free(kept);
    free(rtl);
    fx_release(dir, &t, NULL, &p);
    printf("test_be_formal: %s\n", failures ? "FAILED" : "passed");
    return failures ? 1 : 0;
}
