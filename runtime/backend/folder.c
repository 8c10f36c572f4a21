/* folder.c - re-verifying an output folder (`nltc verify OUT`; the driver parses the
 * command line and prints) and the hardware summary both the flow and it print. */
#include "backend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Writes b's line wrapped before column 100 (continuations indented by 4) and empties b. */
static void hw_line(FILE *f, rt_buf *b) {
    rt_write_wrapped(f, b->data ? b->data : "", 0, 4, RT_OUT_WIDTH);
    rt_buf_free(b);
}

void be_hw_print(FILE *f, const be_hw *h, bool verbose) {
    rt_buf b = {0};
    rt_buf_printf(&b, "hardware: analytic LUT estimate %ld (%ld over each bit's true support",
                  h->luts_estimate, h->luts_support);
    if (h->luts_dead > 0)
        rt_buf_printf(&b, ", without the %d L-LUTs whose outputs reach no output", h->luts_dead);
    rt_buf_printf(&b, "); %d pipeline stages, latency %d cycles", h->pipeline_stages,
                  h->latency_cycles);
    hw_line(f, &b);
    if (verbose) {
        rt_buf_printf(&b, "  estimate: %s", rt_lut_cost_formula());
        hw_line(f, &b);
    }
    if (h->estimate_note[0]) {
        rt_buf_printf(&b, "  note: %s", h->estimate_note);
        hw_line(f, &b);
    }
    if (h->luts_enc_estimate >= 0) {
        rt_buf_printf(&b,
                      "  input encoder (beside the core): %d comparators of %d thresholds (the "
                      "codes the L-LUTs read), %ld LUTs estimated",
                      h->enc_comparators, h->enc_thresholds, h->luts_enc_estimate);
        if (h->luts_enc_yosys >= 0) rt_buf_printf(&b, ", %ld by Yosys", h->luts_enc_yosys);
        hw_line(f, &b);
    }
    if (h->luts_head_estimate >= 0) {
        rt_buf_printf(&b, "  group-sum head (beside the core): %ld LUTs estimated",
                      h->luts_head_estimate);
        if (h->luts_head_yosys >= 0) rt_buf_printf(&b, ", %ld by Yosys", h->luts_head_yosys);
        hw_line(f, &b);
    }
    if (h->luts_core_yosys >= 0) {
        rt_buf_printf(&b, "  core alone (the encoder and head kept apart): %ld LUTs by Yosys",
                      h->luts_core_yosys);
        hw_line(f, &b);
    }
    if (!h->synthesized) {
        rt_buf_printf(&b, "  synthesis: %s", h->synth_note);
        hw_line(f, &b);
        return;
    }
    rt_buf_printf(&b,
                  "  synthesis (%s, %.1f s): %ld LUTs, %ld flip-flops, critical path %ld LUT "
                  "levels; per stage:",
                  h->synth_note, h->synth_s, h->luts_yosys, h->ffs, h->lut_levels);
    for (int s = 0; s < h->n_stage_depth; s++)
        rt_buf_printf(&b, " %d", h->stage_depth[s]);
    hw_line(f, &b);
    const be_timing_model *m = be_timing_of(h->target);
    if (h->luts_mapped >= 0) {
        rt_buf_printf(&b, "  %s mapping: %ld LUTs + %ld %s + %ld %s, %ld flip-flops, %d levels",
                      be_target_synth(h->target), h->luts_mapped, h->muxf7, m->mux7, h->muxf8,
                      m->mux8, h->ffs_mapped, h->mapped_levels);
        hw_line(f, &b);
    }
    if (h->timed) {
        rt_buf_printf(&b,
                      "  timing (estimate): Fmax %.0f MHz, latency %d cycles = %.2f ns, ADP %.3g "
                      "LUT*ns; per stage ns:",
                      h->fmax_mhz, h->latency_cycles, h->latency_ns, h->adp);
        for (int s = 0; s < h->n_stage_depth; s++)
            rt_buf_printf(&b, " %.2f", h->stage_ns[s]);
        hw_line(f, &b);
        rt_buf_printf(&b, "  critical path: %s", h->critical);
        hw_line(f, &b);
    }
    rt_buf_printf(&b, "  %s", h->timing_note);
    hw_line(f, &b);
    if (h->pnr.ran)
        rt_buf_printf(&b,
                      "  place and route (%.1f s): %s (%s): Fmax %.1f MHz (router), %ld of %ld "
                      "logic cells; bitstream %s",
                      h->pnr.seconds, h->pnr.part, h->pnr.why, h->pnr.fmax_mhz, h->pnr.cells,
                      h->pnr.cells_total, h->pnr.bitstream);
    else if (h->pnr.note[0])
        rt_buf_printf(&b, "  place and route: %s", h->pnr.note);
    if (b.data) hw_line(f, &b);
}

/* Synthesizes dir/rtl/<ident>.v with Yosys in a scratch folder into h. */
static rt_status synth_folder(const char *dir, const be_plan *p, be_hw *h, rt_error *e) {
    char name[256];
    snprintf(name, sizeof name, "rtl/%s.v", p->ident);
    char *rtl = rt_path_join(dir, name);
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

/* The C simulator and the RTL (with its test bench and vectors) emitted from the tables
 * into dir/csim and dir/rtl, as the flow emits them into OUT. */
static rt_status regenerate(const rt_tables *t, const be_plan *p, const rt_codes *c,
                            const char *dir, rt_error *e) {
    be_input in = {t, p, c};
    rt_status st = RT_OK;
    for (int i = 0; i < be_n_reprs && !st; i++) {
        if (strcmp(be_reprs[i].name, "csim") != 0 && strcmp(be_reprs[i].name, "rtl") != 0) continue;
        char *sub = rt_path_join(dir, be_reprs[i].subdir);
        st = be_reprs[i].emit(&in, sub, e);
        free(sub);
    }
    return st;
}

/* The folder the regenerated copies go to: o->work_dir/regen, else a scratch folder. */
static char *regen_open(const be_verify_opts *o, rt_error *e) {
    if (!o->work_dir) return rt_scratch_new("nltc-verify", e);
    char *dir = rt_path_join(o->work_dir, "regen");
    rt_rmtree(dir); /* nothing of an earlier --keep run is reused */
    if (be_mkdirs(dir, e)) {
        free(dir);
        return NULL;
    }
    return dir;
}

static void regen_close(const be_verify_opts *o, char *dir) {
    if (o->work_dir || !dir)
        free(dir);
    else
        rt_scratch_free(dir, o->keep_work);
}

/* The digests of every file of OUT against the recorded ones, into f. */
static rt_status check_digests(const char *out_dir, const be_verify_opts *o, be_findings *f,
                               rt_error *e) {
    if (!o->artifacts) return RT_OK;
    rt_artifacts have;
    BE_TRY(rt_artifacts_scan(out_dir, &have, e));
    be_check_artifacts(o->artifacts, &have, f);
    rt_artifacts_free(&have);
    return RT_OK;
}

/* The verdict: the first finding (and the first that locates a table entry, when that is
 * another), or the count of mismatches, as the message. */
static rt_status verdict(const be_verify_result *r, rt_error *e) {
    const be_findings *f = &r->findings;
    if (!f->n) return be_verify_fail(r, e); /* names a failed proof, if any */
    int located = -1;
    for (int i = 0; i < f->n && i < BE_MAX_FINDINGS && located < 0; i++)
        if (strstr(f->text[i], "L-LUT")) located = i;
    char more[64] = "";
    if (f->n > 1) snprintf(more, sizeof more, " (%d findings)", f->n);
    if (located > 0)
        return rt_fail(e, RT_ERR_MISMATCH, "%s; %s%s", f->text[0], f->text[located], more);
    return rt_fail(e, RT_ERR_MISMATCH, "%s%s", f->text[0], more);
}

rt_status be_verify_folder(const char *out_dir, const be_verify_opts *o, bool synth,
                           be_verify_result *r, be_hw *h, rt_error *e) {
    memset(r, 0, sizeof *r);
    r->samples = -1; /* not verified */
    r->accuracy_ref = NAN;
    be_hw_init(h);
    be_findings fd = {0};
    BE_TRY(check_digests(out_dir, o, &fd, e));
    rt_tables t;
    be_plan p;
    rt_codes c;
    rt_status st = read_folder(out_dir, &t, &p, &c, e);
    if (st) { /* tampered tables that cannot even be read: the digests said why */
        r->findings = fd;
        if (!fd.n) return st;
        be_finding(&r->findings, "%s", e->msg);
        r->mismatches = r->findings.n;
        return verdict(r, e);
    }
    if (o->trained) be_compare_trained(&t, o->trained, &fd);
    char *regen = regen_open(o, e);
    st = regen ? regenerate(&t, &p, &c, regen, e) : RT_ERR_IO;
    if (!st) {
        be_compare_regenerated(&t, out_dir, regen, "csim", &fd);
        be_compare_regenerated(&t, out_dir, regen, "rtl", &fd);
        /* only the regenerated copies are compiled and run */
        st = be_verify(&t, &p, &c, regen, o, r, e);
    }
    r->findings = fd;
    r->mismatches += fd.n;
    if (st && st != RT_ERR_TOOL) r->samples = -1; /* a tool failure still prints the runs */
    be_hw_estimate(&t, &p, h);
    if (synth && !st)
        st = synth_folder(regen, &p, h, e);
    else if (!synth)
        snprintf(h->synth_note, sizeof h->synth_note, "not requested (--synth)");
    if (!st && r->mismatches) st = verdict(r, e);
    regen_close(o, regen);
    rt_codes_free(&c);
    rt_tables_free(&t);
    be_plan_free(&p);
    return st;
}
