/* backend.h - the back ends of nltc: table files, table-lookup inference, Verilog RTL,
 * a standalone C simulator, bit-exact verification and hardware cost.
 *
 * Everything here starts from the same input: the enumerated truth tables (rt_tables,
 * address convention in rt.h), the hardware plan (be_plan, taken from the IR's
 * ir_layer.reg_after and ir_hardware) and the reference codes of the test split
 * (rt_codes). No back end re-implements the model's arithmetic: they all index the tables.
 *
 * Sections: errors, hardware plan, table and code files, table lookup, emitters and the
 * back-end table, hardware cost, verification, the flow step, internal helpers shared by
 * the files of this folder. The file formats are documented in README.md beside this file.
 */
#ifndef NLTC_BACKEND_H
#define NLTC_BACKEND_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ir.h"
#include "rt.h"

/* ---- Errors ----------------------------------------------------------------------
 * Functions that can fail return 0 on success and a non-zero value on failure, with a
 * message naming the file (and line, or byte offset) in a be_err the caller supplies. */
typedef struct be_err {
    char msg[1024]; /* "file:line: what was expected", empty when no error */
} be_err;

/* ---- Hardware plan ---------------------------------------------------------------- */

/* What the back ends need to know of one layer beyond its tables. */
typedef struct be_layer_plan {
    char *name;     /* layer name from the IR, e.g. "t1.0" (owned) */
    int tree;       /* index of its tree */
    int level;      /* level within the tree, 0 = leaves */
    bool tree_root; /* last level of its tree */
    bool reg_after; /* a pipeline register stage follows this layer */
} be_layer_plan;

/* The hardware plan: names, pipelining and physical LUT size. */
typedef struct be_plan {
    char *model;           /* model name as written in the .nlt file (owned) */
    char *ident;           /* C and Verilog identifier derived from model (owned) */
    int lut_inputs;        /* physical LUT size K */
    ir_pipeline pipeline;  /* pipelining strategy reg_after was derived from */
    int pipeline_k;        /* k of IR_PIPE_EVERY_K (0 otherwise) */
    char *clock;           /* clock port name (owned) */
    char *reset;           /* reset port name (owned) */
    ir_reset reset_style;  /* reset kind and active level */
    int n_layers;          /* == rt_tables.n_layers */
    be_layer_plan *layers; /* [n_layers] (owned) */
} be_plan;

/* Builds the plan from the IR (reg_after taken as lowered). */
void be_plan_from_ir(const ir_program *ir, be_plan *p);
/* A plan for tables without an IR (tests, benchmarks): every layer its own tree and a
 * root, K = 6, clock "clk", reset "rst" sync high, pipeline as given. */
void be_plan_default(const rt_tables *t, const char *model, ir_pipeline pipe, int k, be_plan *p);
/* Deep copy. */
void be_plan_copy(const be_plan *src, be_plan *dst);
/* Re-derives every reg_after for another strategy: none; every layer; after every tree
 * root; after every k-th layer and the last. */
void be_plan_set_pipeline(be_plan *p, ir_pipeline pipe, int k);
/* Register stages = layers with reg_after = latency in clock cycles. */
int be_plan_stages(const be_plan *p);
void be_plan_free(be_plan *p);
/* "none", "every_layer", "trees", "every_k". */
const char *be_pipeline_name(ir_pipeline pipe);
/* Parses "none", "every_layer", "trees", "every_k" (k from *k), "every(K)" or
 * "everyK". Returns 0 on success. */
int be_pipeline_parse(const char *s, ir_pipeline *pipe, int *k);

/* ---- Table and code files ---------------------------------------------------------
 * OUT/tables/manifest.txt + OUT/tables/layerN.bin, and OUT/vectors/test.codes; formats
 * in README.md. Every file is written atomically (temporary file, then rename). */

/* Checks the internal consistency of tables (shapes, wiring in range, codes in range,
 * layer l reads layer l-1's width and bits). */
int be_tables_check(const rt_tables *t, be_err *e);
int be_tables_write(const rt_tables *t, const be_plan *p, const char *dir, be_err *e);
/* Reads and checks what be_tables_write wrote; on failure *t and *p are left empty. */
int be_tables_read(const char *dir, rt_tables *t, be_plan *p, be_err *e);
int be_codes_write(const rt_codes *c, const char *path, be_err *e);
int be_codes_read(const char *path, rt_codes *c, be_err *e);
/* Checks that codes fit tables: widths per layer and code ranges. */
int be_codes_check(const rt_tables *t, const rt_codes *c, be_err *e);

/* ---- Table lookup ----------------------------------------------------------------- */

/* Runs n samples through the tables: in is [n * n_inputs] input codes (taken modulo
 * 2^input_bits); layers[l] receives [n * n_lut(l)] output codes of layer l
 * (caller-allocated). Single-threaded. */
void be_lookup(const rt_tables *t, int n, const uint16_t *in, uint16_t **layers);
/* Runs ref->input through the tables into a fresh rt_codes (labels copied). */
void be_lookup_codes(const rt_tables *t, const rt_codes *ref, rt_codes *out);
/* Index of the largest code (first on ties). Offset-binary order equals signed order. */
int be_argmax(const uint16_t *codes, int n);
/* Fraction of samples whose argmax over out[s*width ...] equals labels[s]. */
double be_accuracy(const uint16_t *out, int n, int width, const int *labels);

/* Where two code sets first differ. */
typedef struct be_mismatch {
    long samples;       /* samples with at least one differing code */
    int sample;         /* first failing sample, -1 when none */
    int layer;          /* first failing layer of that sample, -1 when none (or unknown) */
    int index;          /* first differing code within that layer */
    unsigned got, want; /* the codes there */
} be_mismatch;

/* Compares every layer of got with want. Returns m->samples. */
long be_compare_codes(const rt_codes *want, const rt_codes *got, be_mismatch *m);
/* Compares final-layer codes got [n * width] with want's last layer; m->layer is the
 * last layer on a mismatch. Returns m->samples. */
long be_compare_outputs(const rt_codes *want, const uint16_t *got, be_mismatch *m);

/* ---- Emitters and the back-end table ----------------------------------------------
 * OUT/tables (table files), OUT/vectors (reference codes), OUT/rtl (Verilog top, test
 * bench, vector file), OUT/csim (C simulator pair + main). */

/* What every back end reads. codes may be NULL for the RTL (no test bench vectors) and
 * for the C simulator. */
typedef struct be_input {
    const rt_tables *tables; /* the enumerated truth tables */
    const be_plan *plan;     /* names, pipelining, K */
    const rt_codes *codes;   /* reference codes of the test split (may be NULL) */
} be_input;

/* One back end: a name, its sub-folder of OUT, and its emitter. */
typedef struct be_backend {
    const char *name;   /* "tables", "vectors", "verilog", "csim" */
    const char *subdir; /* folder under OUT it writes */
    int (*emit)(const be_input *in, const char *dir, be_err *e); /* writes into dir */
} be_backend;

extern const be_backend be_backends[];
extern const int be_n_backends;

/* Runs every back end into out_dir/<subdir>. */
int be_emit_all(const be_input *in, const char *out_dir, be_err *e);

int be_emit_tables(const be_input *in, const char *dir, be_err *e);
int be_emit_vectors(const be_input *in, const char *dir, be_err *e);
/* dir/<ident>.v (top + one case-ROM module per distinct table), and when codes are given
 * dir/<ident>_tb.v and dir/vectors.hex. */
int be_emit_verilog(const be_input *in, const char *dir, be_err *e);
/* dir/<ident>.h, dir/<ident>.c, dir/main.c: standalone, libc only. */
int be_emit_csim(const be_input *in, const char *dir, be_err *e);
/* The Verilog file alone (top + table ROMs), and the test bench alone for n vectors. */
int be_write_rtl(const rt_tables *t, const be_plan *p, const char *path, be_err *e);
int be_write_testbench(const rt_tables *t, const be_plan *p, int n, const char *path, be_err *e);
/* The test-bench vector file: one line per sample, the hex of {expected out_data,
 * in_data}; in_data = input code i at bits [i*b, (i+1)*b), out_data likewise. */
int be_write_vectors(const rt_tables *t, const rt_codes *c, const char *path, be_err *e);

/* ---- Hardware cost ---------------------------------------------------------------- */

/* The analytic per-table LUT cost is rt_lut_cost (rt.h). */

/* What hardware cost is known. -1 / NAN where not measured. */
typedef struct be_hw {
    long luts_estimate;   /* sum over tables of bits_out * C(address bits) */
    long luts_support;    /* the same over each output bit's true support (0 when constant
                           * or a plain wire), a tighter analytic figure */
    long *layer_luts;     /* [n_layers] luts_estimate per layer (owned) */
    int n_layers;         /* entries of layer_luts */
    int pipeline_stages;  /* register stages */
    int latency_cycles;   /* == pipeline_stages */
    bool synthesized;     /* Yosys ran */
    char synth_note[256]; /* why synthesis was skipped, or the flow used */
    long luts_yosys;      /* LUT cells after mapping */
    long ffs;             /* flip-flops */
    long lut_levels;      /* critical path in LUT levels over all stages */
    int n_stage_depth;    /* entries of stage_depth */
    int *stage_depth;     /* [n] deepest path of each combinational stage (owned): stage s
                           * ends in register stage s+1, the last may end at the outputs */
    double synth_s;       /* wall time of synthesis */
    double synth_cpu_s;   /* CPU time of the Yosys process */
} be_hw;

void be_hw_init(be_hw *h);
void be_hw_free(be_hw *h);
/* Analytic part: fills luts_estimate, luts_support, layer_luts, stages, latency. */
void be_hw_estimate(const rt_tables *t, const be_plan *p, be_hw *h);
/* Synthesizes the Verilog file rtl (top module p->ident) with Yosys in work_dir using
 * `hierarchy; proc; flatten; memory_map; techmap; abc -fast -lut K; opt_clean` ($NLTC_YOSYS
 * or yosys) and reads the mapped netlist (BLIF) back to count LUTs and flip-flops and the
 * depth per stage. When Yosys is not installed, returns 0 with h->synthesized false and
 * synth_note saying so. */
int be_synth(const char *rtl, const be_plan *p, const char *work_dir, be_hw *h, be_err *e);
/* Prints the hardware summary of h (estimate, formula, synthesis) to f. */
void be_hw_print(FILE *f, const be_hw *h);

/* ---- Verification ----------------------------------------------------------------- */

/* Outcome of one representation's run over the test split. */
typedef struct be_check {
    bool ran;            /* the step ran (false: skipped, see note) */
    char note[256];      /* why it was skipped, or what was run */
    be_mismatch m;       /* mismatches against the reference codes */
    double accuracy;     /* of its output codes against the labels, NAN if not run */
    int latency;         /* RTL: measured latency in cycles, -1 otherwise */
    long latency_errors; /* RTL: outputs seen at the wrong cycle or without a sample */
    long lint_warnings;  /* RTL: Verilator -Wall warnings while building, -1 if not built */
    double seconds;      /* wall time of the step */
} be_check;

typedef struct be_verify_opts {
    bool csim;                /* compile and run the C simulator */
    bool rtl;                 /* run Verilator on the RTL */
    int n_pipelines;          /* RTL pipelinings to check; 0 = the plan's own */
    ir_pipeline pipelines[4]; /* strategies to check */
    int pipeline_k[4];        /* their k */
    const char *work_dir;     /* scratch folder; NULL = a fresh one under $TMPDIR or /tmp */
    bool keep_work;           /* keep the scratch folder */
    bool quiet;               /* no progress lines on stderr */
} be_verify_opts;

typedef struct be_verify_result {
    int samples;              /* test samples compared */
    long mismatches;          /* sum over every check of mismatching samples + latency errors */
    be_check table;           /* table lookup vs reference */
    be_check csim;            /* compiled C simulator vs reference */
    int n_rtl;                /* entries of rtl */
    be_check rtl[4];          /* Verilator per pipelining */
    char rtl_pipeline[4][24]; /* their names: "none", "every_layer", "trees", "every(K)" */
    double accuracy_ref;      /* accuracy of the reference output codes */
} be_verify_result;

void be_verify_opts_default(be_verify_opts *o);
/* Runs the test split (c) through table lookup, the C simulator in out_dir/csim (compiled
 * with $CC or cc) and Verilator on the RTL (out_dir/rtl for the plan's own pipelining, a
 * fresh emission in the work folder for others), and compares each bit for bit with c.
 * Returns 0 when it could run (mismatches are in r), non-zero on an error. */
int be_verify(const rt_tables *t, const be_plan *p, const rt_codes *c, const char *out_dir,
              const be_verify_opts *o, be_verify_result *r, be_err *e);
/* Prints the summary of r (one line per check) to f. */
void be_verify_print(FILE *f, const be_verify_result *r);

/* `nltc verify OUT [--pipelines LIST] [--no-rtl] [--no-csim] [--synth] [--keep DIR]`:
 * reads OUT/tables and OUT/vectors, verifies, prints. Exit code 0 all equal, 1 usage,
 * 2 I/O error, 3 mismatch. */
int be_cmd_verify(int argc, char **argv);

/* ---- The flow step ---------------------------------------------------------------- */

typedef struct be_flow_opts {
    bool rtl;   /* verify with Verilator (when installed) */
    bool synth; /* synthesize with Yosys (when installed) */
    bool quiet; /* no progress lines */
} be_flow_opts;

/* What the driver calls after enumeration: emits every back end into out_dir, verifies,
 * estimates and synthesizes, and fills r->accuracy.table/csim/rtl, r->verify,
 * r->hardware and r->time_s.emit/verify/synth. Returns 0 ok, 2 I/O error, 3 mismatch. */
int be_flow(const ir_program *ir, const rt_tables *t, const rt_codes *c, const char *out_dir,
            const be_flow_opts *o, rt_report *r);

/* ---- Internal helpers shared by the files of this folder -------------------------- */

/* Sets e->msg from a printf format; returns -1. */
int be_errf(be_err *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* rt_afile_open/rt_afile_commit (rt.h) with the back end's messages in e; the file is
 * released either way. */
int be_afile_open(rt_afile *a, const char *path, be_err *e);
int be_afile_close(rt_afile *a, be_err *e);
/* rt_mkdirs with the back end's message in e. */
int be_mkdirs(const char *path, be_err *e);
/* Full path of an executable found on $PATH, malloc'd, or NULL. */
char *be_which(const char *name);
/* Runs argv (argv[0] searched on $PATH) in cwd (NULL = current) with stdout appended to
 * out and stderr to err (NULL = inherited; the same path = one file); returns the exit
 * status, or -1 if it could not start or was killed by a signal. */
int be_spawn(char *const argv[], const char *cwd, const char *out, const char *err);
/* CPU seconds (user + system) of every waited-for child process so far. */
double be_children_cpu(void);
/* rt_read_file with the back end's message in e on failure. */
uint8_t *be_read_file(const char *path, size_t *len, be_err *e);
/* Bits an unsigned value needs (at least 1). */
int be_bits_for(unsigned v);
/* Writes/reads the LSB-first bit field of width w at bit position pos of buf. */
void be_bits_put(uint8_t *buf, size_t pos, unsigned v, int w);
unsigned be_bits_get(const uint8_t *buf, size_t pos, int w);
/* The C and Verilog identifier of a model name (malloc'd). */
char *be_ident(const char *model);
/* Address bits of layer l (fanin * bits_in). */
int be_addr_bits(const rt_table_layer *L);
/* Last line of a log file that starts with prefix, copied into buf; 0 if found. */
int be_log_find(const char *log, const char *prefix, char *buf, size_t n);

#endif /* NLTC_BACKEND_H */
