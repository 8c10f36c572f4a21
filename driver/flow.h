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
#include "rt.h"

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

/* Runs the flow: the back ends' checks, data, training, tables, emission, estimate,
 * verification, synthesis, report, record. Returns RT_OK, or the status of the step that
 * failed with e filled (e->prop set for a model a back end refuses; an empty e->msg when
 * that step printed its own message): RT_ERR_MODEL / RT_ERR_DATA, RT_ERR_IO / RT_ERR_TOOL,
 * RT_ERR_MISMATCH (after the report is written), RT_INTERRUPTED (SIGINT during training;
 * the checkpoint is saved). */
rt_status nltc_flow_run(const ir_program *ir, const nltc_flow_opts *o, rt_error *e);

#endif /* NLTC_FLOW_H */
