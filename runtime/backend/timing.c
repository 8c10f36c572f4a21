/* timing.c - a static timing estimate over the netlist Yosys mapped (read back by
 * hwcost.c): per-cell delays and a wire delay by fanout give the arrival time of every
 * net, the delay of every pipeline stage, the clock period (Fmax), the latency in ns and
 * the critical path. No vendor tool is involved: this is an estimate whose constants were
 * calibrated on published Vivado results (bench/hardware/README.md). */
#include "netlist.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* UltraScale+: cell delays in the range of the data sheet's switching characteristics; the
 * routed-net terms and a per-stage clock term (t_setup holds setup plus clock uncertainty
 * and skew: 0.05 + 0.165 ns) fitted on the paper configurations of NeuraLUT-Assemble (MNIST
 * 863 MHz / 2.1 ns, JSC 941 MHz / 2.1 ns, NID 1.4 ns; xcvu9p) rebuilt with random tables of
 * the same architecture. NID (3 levels, 1.4 ns) is slower than JSC (4 levels per stage,
 * 1.06 ns) in the papers, so no monotonic model fits both closely: the clock term balances
 * the two at about 25% (bench/hardware/README.md has the table). */
static const be_timing_model xilinx_usp = {
    .name = "xilinx_ultrascale_plus",
    .t_cko = 0.08,
    .t_setup = 0.215,
    .t_lut = 0.10,
    .t_muxf7 = 0.10,
    .t_muxf8 = 0.06,
    .t_inv = 0.10,
    .wire_base = 0.10,
    .wire_fanout = 0.010,
    .mux7 = "MUXF7",
    .mux8 = "MUXF8",
    .calibrated = "cell delays from UltraScale+ data-sheet ranges; wire and per-stage clock "
                  "terms fitted to Vivado results of NeuraLUT-Assemble MNIST, JSC, NID "
                  "(xcvu9p), within 25% on each: bench/hardware/README.md",
};

/* The other families: no vendor tool runs here, so these constants are estimates of the
 * order the vendors' data sheets give for the fastest common speed grade, not fitted to a
 * vendor timing report. iCE40's are checked against nextpnr-ice40's routed Fmax
 * (bench/hardware/README.md). */

/* iCE40 UltraPlus (UP5K, the part small models are placed on): nextpnr-ice40's delays of
 * the part, clock-to-out 1.4 ns, LUT4 1.3 ns, setup 0.1 ns, and routing that dominates,
 * about 3 ns a net (nextpnr's critical-path report of examples/digits_ice40.nlt). The HX8K
 * is faster: for it this model is pessimistic. */
static const be_timing_model ice40 = {
    .name = "lattice_ice40_up5k",
    .t_cko = 1.40,
    .t_setup = 0.10,
    .t_lut = 1.30,
    .t_muxf7 = 1.30,
    .t_muxf8 = 1.30,
    .t_inv = 1.30,
    .wire_base = 2.60,
    .wire_fanout = 0.15,
    .mux7 = "-",
    .mux8 = "-",
    .calibrated = "cell delays of nextpnr-ice40's UP5K timing data; the routed-net term fitted "
                  "to nextpnr-ice40's routed Fmax of examples/digits_ice40.nlt: "
                  "bench/hardware/README.md",
};

/* ECP5 (-8 speed grade, data sheet DS1044's order): LUT4 about 0.25 ns, PFUMX and L6MUX21
 * (the slice's LUT5/LUT6 multiplexers) about 0.15 ns, clock-to-out 0.3 ns, setup 0.1 ns,
 * a routed net about 0.5 ns. */
static const be_timing_model ecp5 = {
    .name = "lattice_ecp5",
    .t_cko = 0.30,
    .t_setup = 0.15,
    .t_lut = 0.25,
    .t_muxf7 = 0.15,
    .t_muxf8 = 0.15,
    .t_inv = 0.25,
    .wire_base = 0.50,
    .wire_fanout = 0.05,
    .mux7 = "PFUMX",
    .mux8 = "L6MUX21",
    .calibrated = "uncalibrated: data-sheet-order delays of ECP5 (LUT4, PFUMX, L6MUX21); no "
                  "vendor timing report to fit to",
};

/* Cyclone V (-C6 speed grade, Intel's Cyclone V data sheet's order): an ALM's 6-input LUT
 * about 0.35 ns, clock-to-out 0.25 ns, setup 0.15 ns, a routed net about 0.45 ns. */
static const be_timing_model cyclone_v = {
    .name = "intel_cyclone_v",
    .t_cko = 0.25,
    .t_setup = 0.15,
    .t_lut = 0.35,
    .t_muxf7 = 0.35,
    .t_muxf8 = 0.35,
    .t_inv = 0.35,
    .wire_base = 0.45,
    .wire_fanout = 0.05,
    .mux7 = "-",
    .mux8 = "-",
    .calibrated = "uncalibrated: data-sheet-order delays of Cyclone V ALMs; no vendor timing "
                  "report to fit to",
};

const be_timing_model *be_timing_of(ir_target t) {
    switch (t) {
    case IR_TARGET_ICE40:
        return &ice40;
    case IR_TARGET_ECP5:
        return &ecp5;
    case IR_TARGET_CYCLONE_V:
        return &cyclone_v;
    default:
        return &xilinx_usp;
    }
}

/* The net a chain of buffers starts from. */
static int root_of(const netlist *nl, int i) {
    for (int guard = 0; guard < 64 && nl->nets[i].kind == DRV_BUF && nl->nets[i].n_in == 1; guard++)
        i = nl->nets[i].in[0];
    return i;
}

static double wire(const be_timing_model *m, const netlist *nl, int i) {
    int fo = nl->nets[root_of(nl, i)].fanout;
    return m->wire_base + m->wire_fanout * log2(fo > 1 ? fo : 1);
}

static double cell_delay(const be_timing_model *m, be_cell c) {
    switch (c) {
    case BE_CELL_LUT:
        return m->t_lut;
    case BE_CELL_MUXF7:
        return m->t_muxf7;
    case BE_CELL_MUXF8:
        return m->t_muxf8;
    case BE_CELL_INV:
        return m->t_inv;
    default:
        return 0;
    }
}

/* Arrival time of net i: launch at a register or input, cells and wires on the way. */
static double arrival(netlist *nl, const be_timing_model *m, int i) {
    net *x = &nl->nets[i];
    if (x->arr >= 0) return x->arr;
    if (x->arr == -1 || x->kind == DRV_NONE || x->kind == DRV_CONST) return x->arr = 0;
    if (x->kind == DRV_INPUT || x->kind == DRV_FF) return x->arr = m->t_cko;
    x->arr = -1;
    double best = 0;
    int from = -1;
    bool buf = x->kind == DRV_BUF && x->cell == BE_CELL_NONE;
    for (int k = 0; k < nl->nets[i].n_in; k++) {
        int s = nl->nets[i].in[k];
        int r = root_of(nl, s);
        if (nl->nets[r].kind == DRV_CONST ||
            (nl->nets[r].kind == DRV_NONE && nl->nets[r].name[0] == '$'))
            continue; /* a tied-off pin ($false, $true): no routed net */
        double t = arrival(nl, m, s);
        if (!buf && !(nl->nets[i].pin_local && nl->nets[i].pin_local[k])) t += wire(m, nl, s);
        if (from < 0 || t > best) best = t, from = s;
    }
    x = &nl->nets[i];
    x->from = from;
    return x->arr = best + (buf ? 0 : cell_delay(m, x->cell));
}

/* Walks the critical path back from endpoint net d (closing stage s) into h->critical:
 * the layers of the stage (from the plan), where the path starts and ends, its cells. */
static void describe(const netlist *nl, const be_timing_model *m, const be_plan *p, int d, int s,
                     double t, be_hw *h) {
    long cells[BE_N_CELLS] = {0};
    int start = d;
    for (int i = d, guard = 0; i >= 0 && guard < 100000; i = nl->nets[i].from, guard++) {
        const net *x = &nl->nets[i];
        if (x->kind != DRV_BUF) cells[x->cell]++;
        start = i;
        if (x->kind == DRV_INPUT || x->kind == DRV_FF) break;
    }
    int lo = -1, hi = -1;
    for (int l = 0, stage = 0; l < p->n_layers; l++) {
        if (stage == s && lo < 0) lo = l;
        if (stage == s) hi = l;
        stage += p->layers[l].reg_after;
    }
    char layers[160] = "";
    if (lo >= 0)
        snprintf(layers, sizeof layers, " (layers %s..%s)", p->layers[lo].name, p->layers[hi].name);
    snprintf(h->critical, sizeof h->critical,
             "stage %d%s: from %s to %s through %ld LUT, %ld %s, %ld %s; %.3f ns", s + 1, layers,
             nl->nets[start].name, nl->nets[d].name, cells[BE_CELL_LUT], cells[BE_CELL_MUXF7],
             m->mux7, cells[BE_CELL_MUXF8], m->mux8, t);
}

void be_sta(netlist *nl, const be_timing_model *m, const be_plan *p, const int *stage_of_ff,
            int n_stages, bool tail, be_hw *h) {
    for (int i = 0; i < nl->n; i++) {
        nl->nets[i].fanout = 0;
        nl->nets[i].arr = NAN;
        nl->nets[i].from = -1;
    }
    for (int i = 0; i < nl->n; i++)
        if (nl->nets[i].kind != DRV_BUF || nl->nets[i].cell != BE_CELL_NONE)
            for (int k = 0; k < nl->nets[i].n_in; k++)
                nl->nets[root_of(nl, nl->nets[i].in[k])].fanout++;
    for (int i = 0; i < nl->n_ff; i++)
        nl->nets[root_of(nl, nl->ff_d[i])].fanout++;
    for (int i = 0; i < nl->n; i++)
        if (isnan(nl->nets[i].arr)) nl->nets[i].arr = -2;
    free(h->stage_ns);
    h->stage_ns = xcalloc((size_t)n_stages + 1, sizeof *h->stage_ns);
    double worst = -1;
    int wd = -1, ws = 0;
    for (int i = 0; i < nl->n_ff + (tail ? nl->n_out : 0); i++) {
        int d = i < nl->n_ff ? nl->ff_d[i] : nl->outs[i - nl->n_ff];
        int s = i < nl->n_ff ? stage_of_ff[i] : n_stages - 1;
        double t = arrival(nl, m, d) + wire(m, nl, d) + m->t_setup;
        if (s >= 0 && s < n_stages && t > h->stage_ns[s]) h->stage_ns[s] = t;
        if (s >= 0 && t > worst) worst = t, wd = d, ws = s;
    }
    h->timed = wd >= 0;
    if (!h->timed) return;
    int cycles = p ? be_plan_stages(p) : 0;
    double period = 0;
    for (int s = 0; s < n_stages; s++)
        if (h->stage_ns[s] > period) period = h->stage_ns[s];
    h->period_ns = period;
    h->fmax_mhz = 1000.0 / period;
    h->latency_ns = cycles * period + (tail && cycles > 0 ? h->stage_ns[n_stages - 1] : 0);
    if (cycles == 0) h->latency_ns = period;
    long luts = h->luts_mapped >= 0 ? h->luts_mapped : h->luts_yosys;
    h->adp = (double)luts * h->latency_ns;
    describe(nl, m, p, wd, ws, worst, h);
    snprintf(h->timing_note, sizeof h->timing_note,
             "estimate, not a vendor timing report: %s model (%s)", m->name, m->calibrated);
}
