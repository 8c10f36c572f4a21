/* folder.c - re-verifying an output folder (`nltc verify OUT`; the driver parses the
 * command line and prints) and the hardware summary both the flow and it print. */
#include "backend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void be_hw_print(FILE *f, const be_hw *h) {
    fprintf(f, "hardware: analytic LUT estimate %ld (%ld over each bit's true support); ",
            h->luts_estimate, h->luts_support);
    fprintf(f, "%d pipeline stages, latency %d cycles\n", h->pipeline_stages, h->latency_cycles);
    fprintf(f, "  estimate: %s\n", rt_lut_cost_formula());
    if (!h->synthesized) {
        fprintf(f, "  synthesis: %s\n", h->synth_note);
        return;
    }
    fprintf(f, "  synthesis (%s, %.1f s): %ld LUTs, %ld flip-flops, critical path %ld LUT levels",
            h->synth_note, h->synth_s, h->luts_yosys, h->ffs, h->lut_levels);
    fprintf(f, "; per stage:");
    for (int s = 0; s < h->n_stage_depth; s++)
        fprintf(f, " %d", h->stage_depth[s]);
    fprintf(f, "\n  no timing model: latency is given in cycles and depth in LUT levels, not "
               "in ns\n");
}

/* Synthesizes out_dir/rtl/<ident>.v with Yosys in a scratch folder into h. */
static rt_status synth_folder(const char *out_dir, const be_plan *p, be_hw *h, rt_error *e) {
    char name[256];
    snprintf(name, sizeof name, "rtl/%s.v", p->ident);
    char *rtl = rt_path_join(out_dir, name);
    char *work = rt_scratch_new("nltc-synth", e);
    rt_status st = work ? be_synth(rtl, p, work, h, e) : RT_ERR_IO;
    if (work) rt_scratch_free(work, false);
    free(rtl);
    return st;
}

/* Reads OUT/tables and OUT/vectors/test.codes and checks that they fit together. */
static rt_status read_folder(const char *out_dir, rt_tables *t, be_plan *p, rt_codes *c,
                             rt_error *e) {
    char *tdir = rt_path_join(out_dir, "tables");
    rt_status st = be_tables_read(tdir, t, p, e);
    free(tdir);
    if (st) return st;
    char *cpath = rt_path_join(out_dir, "vectors/test.codes");
    st = be_codes_read(cpath, c, e);
    if (!st && (st = be_codes_check(t, c, e)) != RT_OK) rt_codes_free(c);
    if (st && e && !strstr(e->msg, cpath)) { /* say which file the codes came from */
        size_t n = strlen(e->msg);
        snprintf(e->msg + n, sizeof e->msg - n, " in %s", cpath);
    }
    if (st) {
        rt_tables_free(t);
        be_plan_free(p);
    }
    free(cpath);
    return st;
}

rt_status be_verify_folder(const char *out_dir, const be_verify_opts *o, bool synth,
                           be_verify_result *r, be_hw *h, rt_error *e) {
    memset(r, 0, sizeof *r);
    r->samples = -1; /* not verified */
    r->accuracy_ref = NAN;
    be_hw_init(h);
    rt_tables t;
    be_plan p;
    rt_codes c;
    BE_TRY(read_folder(out_dir, &t, &p, &c, e));
    rt_status st = be_verify(&t, &p, &c, out_dir, o, r, e);
    if (st && st != RT_ERR_TOOL) r->samples = -1; /* a tool failure still prints the runs */
    be_hw_estimate(&t, &p, h);
    if (synth && !st)
        st = synth_folder(out_dir, &p, h, e);
    else if (!synth)
        snprintf(h->synth_note, sizeof h->synth_note, "not requested (--synth)");
    if (!st && r->mismatches) st = be_verify_fail(r, e);
    rt_codes_free(&c);
    rt_tables_free(&t);
    be_plan_free(&p);
    return st;
}
