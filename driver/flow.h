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
#include <stdint.h>
#include <stdio.h>

#include "ir.h"
#include "rt.h"
#include "train.h"

typedef struct nltc_flow_opts {
    const char *out_dir;   /* -o DIR: output folder, created if missing */
    bool resume;           /* --resume: continue a stopped training run in out_dir */
    int threads;           /* --threads N: worker threads (0: the machine's cores) */
    bool record;           /* record the run in the experiment store (--no-record clears) */
    const char *store_dir; /* --store DIR (NULL: $NLTC_STORE, else .nltc/ beside the model) */
    bool rtl;              /* verify the RTL with Verilator when installed (--no-rtl clears) */
    bool synth;            /* synthesize with Yosys when installed (--no-synth clears) */
    bool quiet;            /* -q: no progress, only warnings, errors and the one-line result */
    bool verbose;          /* -v: more detail (the LUT cost formula) */
    const char *log_path;  /* --log FILE: the plain progress lines also go to FILE */
    bool live;             /* stderr is a terminal: one updating status line per stage */
    bool force;            /* --force: write into a non-empty folder that is no nltc output */
    uint64_t max_memory;   /* --max-memory: bytes the run may use (0: the physical memory) */
    const char *config;    /* a sweep configuration's key, recorded with the run (or NULL) */
    int argc;              /* the command line, recorded with the run */
    char **argv;
    train_dp dp;                    /* data-parallel training over MPI ranks (zeroed: one process):
                                     * every rank trains, rank 0 alone writes OUT and runs the rest */
    void (*dp_abort)(rt_status st); /* ends every rank when one fails while training */
} nltc_flow_opts;

/* Runs the flow: the back ends' checks, data, training, tables, emission, estimate,
 * verification, synthesis, report, record. Returns RT_OK, or the status of the step that
 * failed with e filled (e->prop set for a model a back end refuses; an empty e->msg when
 * that step printed its own message): RT_ERR_MODEL / RT_ERR_DATA, RT_ERR_IO / RT_ERR_TOOL,
 * RT_ERR_MISMATCH (after the report is written), RT_INTERRUPTED (SIGINT during training;
 * the checkpoint is saved). */
rt_status nltc_flow_run(const ir_program *ir, const nltc_flow_opts *o, rt_error *e);

/* Prints the one-screen summary of a lowered model: dataset shape, layers, L-LUTs, table
 * bits (the flow's first lines; nltc lsp's hover on the model). */
void nltc_flow_summary(FILE *f, const ir_program *ir);

/* The output folder's rules (outdir.c). nltc_outdir_check refuses, as a usage error naming
 * -o: a path that resolves to the filesystem root or the user's home folder; something
 * that is not a folder; a non-empty folder that is not an nltc output folder, unless
 * force. nltc_outdir_is_output says whether dir holds an earlier run (model.ir,
 * report.json, train/checkpoint.bin or train/model.bin). nltc_outdir_clear removes what
 * an earlier run left (report.json first, then model.ir, tables/, vectors/, rtl/, csim/,
 * plots/, report.md, report.html, and train/ unless resume); RT_ERR_IO naming what could
 * not be removed. */
rt_status nltc_outdir_check(const char *dir, bool force, rt_error *e);
bool nltc_outdir_is_output(const char *dir);
rt_status nltc_outdir_clear(const char *dir, bool resume, rt_error *e);

struct tr_mem_rows; /* train.h */

/* Memory (resources.c). nltc_memory_check estimates the run's peak (tr_memory_estimate;
 * rows NULL before the data is loaded), prints one line about it to out (if not NULL), and
 * refuses (RT_ERR_MODEL, e->prop the property that makes the model large) when it exceeds
 * max_memory bytes, or the physical memory when max_memory is 0. */
rt_status nltc_memory_check(const ir_program *ir, int threads, const struct tr_mem_rows *rows,
                            uint64_t max_memory, FILE *out, rt_error *e);
/* The physical memory in bytes (0 when unknown). */
uint64_t nltc_physical_memory(void);

#endif /* NLTC_FLOW_H */
