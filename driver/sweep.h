/* sweep.h - what the files of `nltc sweep` share: the plan (every configuration compiled,
 * estimated and pruned before training), one configuration's run, and the record of
 * results. sweep.c: the command, the plan, local workers (-j); sweep_mpi.c: the same farm
 * over MPI ranks (built with NLTC_MPI). */
#ifndef NLTC_SWEEP_H
#define NLTC_SWEEP_H

#include <stdbool.h>
#include <stdint.h>

#include "compiler.h"
#include "rt.h"

/* What happened to a configuration. */
typedef enum sw_state {
    SW_TODO,   /* to be trained */
    SW_PRUNED, /* removed by a where clause or a budget before training */
    SW_STORED, /* already in the store: skipped (resume) */
    SW_DONE,   /* trained now */
    SW_FAILED, /* its run failed (the log says why) */
    SW_OTHER,  /* another shard's (--shard K/N) */
} sw_state;

/* One configuration of the plan. */
typedef struct sw_row {
    const nltc_sweep_config *c;
    sw_state state;
    const char *pruned_by; /* the clause or budget that pruned it (its text, pruned_len bytes) */
    int pruned_len;
    long luts;           /* analytic LUT estimate (before training) */
    int latency;         /* pipeline latency in cycles */
    double address_bits; /* the widest L-LUT's address bits */
    uint64_t memory;     /* tr_memory_estimate, bytes (data not counted) */
    double mmacs;        /* training work: million multiply-adds per sample, all epochs */
    double test, valid;  /* results (fractions; NAN when not known) */
    long luts_run;       /* the run's LUTs (Yosys, else the estimate); -1 when not known */
    int exit_code;       /* the worker's exit code (failed runs) */
    int attempts;        /* runs started for it (MPI retries) */
} sw_row;

/* The whole sweep. */
typedef struct sw_plan {
    const char *file;      /* the sweep file */
    const char *out_dir;   /* -o DIR */
    const char *store_dir; /* the store the runs are recorded in */
    const char *model;     /* the model's name (its store branch) */
    nltc_sweep *sweep;
    nltc_compile_opts co; /* for compiling a configuration (its overrides added) */
    int threads;          /* training threads per run */
    bool rtl, synth;      /* as `nltc FILE -o DIR` */
    int n;                /* rows */
    sw_row *rows;         /* [n] */
    int argc;             /* the sweep's command line, recorded with each run */
    char **argv;
} sw_plan;

/* Runs configuration i of p as `nltc FILE -o DIR/NAME` would (compiled with its overrides,
 * recorded in the store with its key), its output to DIR/NAME.log. Returns the process
 * exit code of that run (0 ok). Called in a child process. */
int sw_run_config(const sw_plan *p, int i);
/* Reads DIR/NAME/report.json of row i into its results (NAN/-1 when absent). */
void sw_read_result(const sw_plan *p, sw_row *r);
/* The progress line of a finished row: "[k/n] NAME: test 95.21% (valid 96.00%), 1234 LUTs". */
void sw_print_progress(const sw_plan *p, const sw_row *r, int k, int n);

#ifdef NLTC_MPI
/* The farm over MPI ranks (sweep_mpi.c): rank 0 hands out the rows in state SW_TODO and
 * gathers results; a configuration whose run failed or whose rank died is retried on
 * another rank (once). Every rank calls it; only rank 0's rows are filled. */
rt_status sw_mpi_farm(sw_plan *p, rt_error *e);
/* The number of ranks and this rank's (1 and 0 without mpirun). */
int sw_mpi_ranks(int *rank);
/* train_dp.reduce over MPI_COMM_WORLD: v[0..n) summed over the ranks in place
 * (MPI_Allreduce, MPI_UINT64_T, MPI_SUM: modulo 2^64). */
void sw_mpi_reduce(void *ctx, uint64_t *v, size_t n);
/* Ends every rank (MPI_Abort) with exit code code. */
void sw_mpi_abort(int code);
/* MPI_Init when launched by mpirun (or srun), else nothing; sw_mpi_end finalizes. */
void sw_mpi_start(int *argc, char ***argv);
void sw_mpi_end(void);
/* Whether every rank is ready (go on each): the farm starts only then. */
bool sw_mpi_go(bool go);
#endif

#endif /* NLTC_SWEEP_H */
