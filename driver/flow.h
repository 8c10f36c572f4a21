/* flow.h - the whole-model flow behind `nltc FILE -o DIR`.
 *
 * nltc_flow_run is the pass pipeline written out literally (flow.c): load data, train
 * (dense stage, masks, sparse stage), enumerate tables, emit tables/RTL/C simulator,
 * verify every representation against the quantized model, estimate hardware cost,
 * write the report, record the run in the experiment store. main.c parses the command
 * line into nltc_flow_opts and calls it after a successful compile. flow.c is compiled
 * into the nltc executable by compiler/CMakeLists.txt.
 */
#ifndef NLTC_FLOW_H
#define NLTC_FLOW_H

#include <stdbool.h>

#include "ir.h"

typedef struct nltc_flow_opts {
    const char *out_dir;   /* -o DIR: output folder, created if missing */
    bool resume;           /* --resume: continue a stopped training run in out_dir */
    int threads;           /* --threads N: worker threads (0 = default: 2) */
    bool record;           /* record the run in the experiment store (--no-record clears) */
    const char *store_dir; /* --store DIR (NULL: $NLTC_STORE, else .nltc/ beside the model) */
    bool rtl;              /* verify the RTL with Verilator when installed (--no-rtl clears) */
    bool synth;            /* synthesize with Yosys when installed (--no-synth clears) */
    bool quiet;            /* --quiet: no per-epoch progress */
    int argc;              /* the command line, recorded with the run */
    char **argv;
} nltc_flow_opts;

/* Runs the flow. Returns the process exit code: 0 ok, 1 model or data error, 2 I/O error,
 * 3 verification mismatch, 130 interrupted (SIGINT; the checkpoint is saved). */
int nltc_flow_run(const ir_program *ir, const nltc_flow_opts *o);

#endif /* NLTC_FLOW_H */
