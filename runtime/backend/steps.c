/* steps.c - the back end's steps of the flow, each one line of driver/flow.c: emit every
 * representation, estimate the hardware cost, verify, synthesize. */
#include "backend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void be_flow_init(be_flow *f, const ir_program *ir, const rt_tables *t, const rt_codes *c,
                  const char *out_dir, const be_flow_opts *o) {
    memset(f, 0, sizeof *f);
    f->tables = t;
    f->codes = c;
    f->out_dir = out_dir;
    f->o = *o;
    be_plan_from_ir(ir, &f->plan);
    f->plan.head = t->head_group > 0;
    be_hw_init(&f->hw);
}

void be_flow_free(be_flow *f) {
    be_hw_free(&f->hw);
    be_plan_free(&f->plan);
}

rt_status be_flow_emit(be_flow *f, rt_report *r, rt_error *e) {
    be_input in = {f->tables, &f->plan, f->codes};
    double t0 = rt_now();
    f->plan.head = f->tables->head_group > 0; /* the head is attached after tabulation */
    BE_TRY(be_emit_all(&in, f->out_dir, e));
    r->time_s.emit = rt_now() - t0;
    return RT_OK;
}

rt_status be_flow_estimate(be_flow *f, rt_report *r, rt_error *e) {
    (void)e; /* arithmetic on checked tables: cannot fail */
    be_hw_estimate(f->tables, &f->plan, &f->hw);
    r->hardware.luts_estimate = f->hw.luts_estimate;
    r->hardware.luts_support = f->hw.luts_support;
    r->hardware.lluts_dead = f->hw.luts_dead;
    r->hardware.target = ir_target_name(f->plan.target);
    r->hardware.estimate_note = f->hw.estimate_note[0] ? f->hw.estimate_note : NULL;
    r->hardware.pipeline_stages = f->hw.pipeline_stages;
    r->hardware.latency_cycles = f->hw.latency_cycles;
    r->hardware.luts_encoder_estimate = f->hw.luts_enc_estimate;
    r->hardware.encoder_comparators = f->hw.enc_comparators;
    r->hardware.encoder_thresholds = f->hw.enc_thresholds;
    r->hardware.luts_head_estimate = f->hw.luts_head_estimate;
    if (f->hw.n_layers <= RT_MAX_STAGE_LEVELS) {
        r->hardware.n_layer_luts = f->hw.n_layers;
        for (int l = 0; l < f->hw.n_layers; l++)
            r->hardware.layer_luts[l] = f->hw.layer_luts[l];
    }
    return RT_OK;
}

/* The synth_xilinx counts and the timing estimate into the report; its strings point
 * into f->hw, which outlives the report's writing. */
static void report_timing(const be_flow *f, rt_report *r) {
    const be_hw *h = &f->hw;
    r->hardware.luts_xilinx = h->luts_mapped;
    r->hardware.muxf = h->muxf7 >= 0 ? h->muxf7 + h->muxf8 : -1;
    r->hardware.timing_model = h->timing_note[0] ? h->timing_note : NULL;
    r->hardware.luts_mapped = h->luts_mapped;
    if (h->target != IR_TARGET_ULTRASCALE_PLUS) r->hardware.luts_xilinx = r->hardware.muxf = -1;
    if (h->pnr.ran) {
        r->hardware.pnr_part = h->pnr.part;
        r->hardware.pnr_fmax_mhz = h->pnr.fmax_mhz;
        r->hardware.pnr_cells = h->pnr.cells;
        r->hardware.pnr_cells_total = h->pnr.cells_total;
        r->hardware.bitstream = h->pnr.bitstream;
    }
    if (!h->timed) return;
    r->hardware.fmax_mhz = h->fmax_mhz;
    r->hardware.latency_ns = h->latency_ns;
    r->hardware.adp = h->adp;
    r->hardware.critical_path = h->critical;
    r->hardware.timed = h->n_stage_depth <= RT_MAX_STAGE_LEVELS;
    for (int s = 0; r->hardware.timed && s < h->n_stage_depth; s++)
        r->hardware.stage_ns[s] = h->stage_ns[s];
}

rt_status be_flow_verify(be_flow *f, rt_report *r, rt_error *e) {
    be_verify_opts vo;
    be_verify_opts_default(&vo);
    vo.rtl = f->o.rtl;
    /* The formal proof is `nltc verify`'s: on the default example it takes minutes (README.md,
     * "Formal equivalence"), past the flow's budget. */
    vo.formal = false;
    vo.quiet = f->o.quiet;
    be_verify_result vr;
    double t0 = rt_now();
    BE_TRY(be_verify(f->tables, &f->plan, f->codes, f->out_dir, &vo, &vr, e));
    r->time_s.verify = rt_now() - t0;
    if (!f->o.quiet) be_verify_print(stderr, &vr);
    for (int i = 0; i < RT_N_REPR; i++)
        r->accuracy.repr[i] = be_verify_accuracy(&vr, (rt_repr)i);
    r->verify.samples = vr.samples;
    r->verify.mismatches = vr.mismatches;
    r->verify.n_pipelines = 0;
    if (!isnan(r->accuracy.repr[RT_REPR_RTL])) /* the report keeps static names */
        r->verify.pipelines_checked[r->verify.n_pipelines++] = ir_pipeline_name(f->plan.pipeline);
    if (vr.mismatches) return be_verify_fail(&vr, e);
    return RT_OK;
}

rt_status be_flow_synth(be_flow *f, rt_report *r, rt_error *e) {
    rt_status st = RT_OK;
    if (f->o.synth) {
        char name[256];
        snprintf(name, sizeof name, "rtl/%s.v", f->plan.ident);
        char *rtl = rt_path_join(f->out_dir, name);
        char *work = rt_scratch_new("nltc-synth", e);
        if (!work) st = RT_ERR_IO;
        if (work && !f->o.quiet) fprintf(stderr, "nltc: synthesizing %s with Yosys\n", rtl);
        if (work) st = be_synth(rtl, &f->plan, work, &f->hw, e);
        if (work && !st && f->hw.synthesized && f->plan.target == IR_TARGET_ICE40) {
            if (!f->o.quiet) fprintf(stderr, "nltc: placing and routing on iCE40 with nextpnr\n");
            st = be_pnr(rtl, f->tables, &f->plan, work, f->out_dir, &f->hw, e);
        }
        rt_scratch_free(work, false);
        free(rtl);
    } else {
        snprintf(f->hw.synth_note, sizeof f->hw.synth_note, "skipped (--no-synth)");
    }
    if (!st && f->hw.synthesized) {
        r->time_s.synth = f->hw.synth_s;
        r->hardware.luts_yosys = f->hw.luts_yosys;
        r->hardware.ffs = f->hw.ffs;
        r->hardware.lut_levels = f->hw.lut_levels;
        r->hardware.luts_encoder_yosys = f->hw.luts_enc_yosys;
        r->hardware.luts_head_yosys = f->hw.luts_head_yosys;
        r->hardware.luts_core_yosys = f->hw.luts_core_yosys;
        if (f->hw.n_stage_depth <= RT_MAX_STAGE_LEVELS) {
            r->hardware.n_stage_levels = f->hw.n_stage_depth;
            for (int s = 0; s < f->hw.n_stage_depth; s++)
                r->hardware.stage_levels[s] = f->hw.stage_depth[s];
        }
        report_timing(f, r);
    }
    if (!st && !f->o.quiet) be_hw_print(stderr, &f->hw, f->o.verbose);
    return st;
}
