/* reduce_sweep.c - the table reduction of a trained run again, under several settings,
 * without training or the rest of the flow (bench/tables/README.md).
 *
 *   reduce_sweep MODEL.nlt OUT [--data-dir DIR] [--synth | --synth-core] SETTING...
 *   SETTING: none | R | R:abc | R:eE | R:chC | R:count, each optionally @K (LUT inputs;
 *   default the model's). R:eE: dont_care(rarity = R, errors = E); R:chC: dont_care(rarity =
 *   R, changes = C); R:count: with a group-sum head, the count-based pass alone on every
 *   layer (no be_reduce_head: what the pass did before it).
 *
 * OUT is a finished run of MODEL (its train/model.bin). For each setting the trained
 * tables are tabulated afresh and the flow's own reduction step (nltc_flow_reduce, compiled
 * in from driver/reduce_step.c) runs with rarity R and the fill (support or abc); its
 * summary lines are printed, then one line "sweep:" with the step's CPU seconds and, with
 * --synth, the Yosys LUT count of the RTL emitted from the (reduced) tables (the flow's
 * generic `abc -fast -lut K` synthesis of the whole design, be_synth_module_luts) and, with
 * an input encoder in hardware, of the design without it (the encoder module kept apart:
 * the core and the head), and of the core alone (encoder and head kept apart);
 * --synth-core: only the design without the encoder. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "backend.h"
#include "compiler.h"
#include "data.h"
#include "hwio_step.h"
#include "reduce_step.h"
#include "train.h"

/* Yosys LUTs of t's RTL under plan p: luts[0] the whole design, luts[1] without the input
 * encoder (core and head), luts[2] the core alone; -1 where not measured (only luts[1]
 * when core_head). */
static void sweep_synth(const rt_tables *t, const be_plan *p, bool core_head, long luts[3],
                        rt_error *e) {
    char *yosys = be_find_tool("NLTC_YOSYS", "yosys");
    char *work = rt_scratch_new("nltc-sweep", e);
    luts[0] = luts[1] = luts[2] = -1;
    be_input in = {.tables = t, .plan = p, .codes = NULL};
    if (yosys && work && be_emit_verilog(&in, work, e) == RT_OK) {
        char name[256], enc[300], head[300];
        snprintf(name, sizeof name, "%s.v", p->ident);
        char *rtl = rt_path_join(work, name);
        snprintf(enc, sizeof enc, "%s_enc", p->ident);
        snprintf(head, sizeof head, "%s_head", p->ident);
        bool has_enc = t->hwenc.n_features > 0;
        const char *k1[] = {enc, NULL}, *k2[] = {has_enc ? enc : head, has_enc ? head : NULL, NULL};
        const char *const *apart[3] = {NULL, k1, k2};
        bool want[3] = {!core_head, has_enc, t->head_group > 0 && !core_head};
        for (int i = 0; i < 3; i++)
            if (want[i] && be_synth_module_luts(yosys, rtl, p->ident, apart[i], p->lut_inputs, work,
                                                &luts[i], e) != RT_OK)
                luts[i] = -1;
        free(rtl);
    }
    if (work) rt_scratch_free(work, false);
    free(yosys);
}

/* One setting: "none", "R", "R:abc", each with an optional "@K". */
static rt_status sweep_one(ir_program *ir, const tr_model *m, const rt_dataset *d,
                           const be_raw_map *raw, const char *spec, int synth, rt_error *e) {
    int k0 = ir->hw.lut_inputs;
    const char *at = strchr(spec, '@');
    if (at) ir->hw.lut_inputs = atoi(at + 1);
    ir->hw.reduce_rarity = strncmp(spec, "none", 4) == 0 ? 0 : atol(spec);
    ir->hw.reduce_fill = strstr(spec, ":abc") ? IR_RFILL_ABC : IR_RFILL_SUPPORT;
    const char *er = strstr(spec, ":e");
    ir->hw.reduce_errors = er ? atof(er + 2) : strstr(spec, ":count") ? -1 : 0;
    const char *ch = strstr(spec, ":ch");
    ir->hw.reduce_changes = ch ? atof(ch + 3) : 0;
    const char *mr = strstr(spec, ":m");
    ir->hw.reduce_margin = mr ? atoi(mr + 2) : 2;
    rt_tables t;
    rt_codes c;
    rt_report r;
    rt_report_init(&r);
    rt_status st = tr_tabulate(m, &t, e);
    if (!st) st = tr_codes(m, &d->test, &c, e);
    if (st) return st;
    be_codes_add_scores(&t, &c); /* the group-sum head's scores, for "none" */
    printf("== %s (K = %d)\n", spec, ir->hw.lut_inputs);
    clock_t c0 = clock();
    double w0 = rt_now();
    st = nltc_flow_reduce(ir, m, d, &t, &c, &r, false, e);
    double cpu = (double)(clock() - c0) / CLOCKS_PER_SEC, wall = rt_now() - w0;
    if (!st) st = nltc_flow_hwio(ir, d, raw, &t, &c, true, e); /* the encoder and head */
    long luts[3] = {-1, -1, -1};
    if (!st && synth) {
        be_plan p;
        be_plan_from_ir(ir, &p);
        sweep_synth(&t, &p, synth == 2, luts, e);
        be_plan_free(&p);
    }
    if (!st)
        printf("sweep: %s K %d: reduce step %.2f s CPU (%.2f s wall); test %.2f%%; yosys LUTs "
               "%ld (without the encoder %ld, core alone %ld)\n",
               spec, ir->hw.lut_inputs, cpu, wall,
               100 * be_accuracy(be_codes_out(&c), c.n_samples, be_codes_out_width(&c), c.labels),
               luts[0], luts[1], luts[2]);
    fflush(stdout);
    rt_codes_free(&c);
    rt_tables_free(&t);
    ir->hw.lut_inputs = k0;
    return st;
}

int main(int argc, char **argv) {
    if (argc < 4) {
        fprintf(stderr, "usage: reduce_sweep MODEL.nlt OUT [--data-dir DIR] [--synth|--synth-core] "
                        "none|R|R:abc|R:eE|R:chC|R:count[@K]...\n");
        return 2;
    }
    const char *data_dir = NULL;
    int synth = 0;
    int first = 3;
    for (; first < argc && argv[first][0] == '-'; first++) {
        if (!strcmp(argv[first], "--synth"))
            synth = 1;
        else if (!strcmp(argv[first], "--synth-core"))
            synth = 2;
        else if (!strcmp(argv[first], "--data-dir") && first + 1 < argc)
            data_dir = argv[++first];
        else {
            fprintf(stderr, "reduce_sweep: unknown option '%s'\n", argv[first]);
            return 2;
        }
    }
    nltc_arena *arena = nltc_arena_new();
    nltc_compile_opts co = {.data_dir = data_dir};
    nltc_status cs;
    ir_program *ir = nltc_compile(argv[1], &co, arena, &cs);
    if (!ir) return 1;
    rt_error e = {0};
    rt_dataset d;
    data_info info;
    tr_model *m = NULL;
    rt_status st = data_load_info(&ir->dataset, &d, &info, &e);
    if (!st) st = tr_model_load(ir, argv[2], 2, &m, &e);
    be_raw_map raw;
    if (!st) st = nltc_hwio_format(ir, &d, &info, &raw, &e);
    for (int i = first; i < argc && !st; i++)
        st = sweep_one(ir, m, &d, &raw, argv[i], synth, &e);
    if (st) fprintf(stderr, "reduce_sweep: error: %s\n", e.msg);
    return st ? 1 : 0;
}
