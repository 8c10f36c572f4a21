/* backend.h - the back ends of nltc: table files, table-lookup inference, Verilog RTL,
 * a standalone C simulator, bit-exact verification and hardware cost.
 *
 * Everything here starts from the same input: the enumerated truth tables (rt_tables,
 * address convention in rt.h), the hardware plan (be_plan, taken from the IR's
 * ir_layer.reg_after and ir_hardware) and the reference codes of the test split
 * (rt_codes). No back end re-implements the model's arithmetic: they all index the tables.
 *
 * Sections: errors, hardware plan, table and code files, table lookup, representations
 * (the back-end table: check, emit, verify per representation), hardware cost,
 * verification, the flow steps, internal helpers shared by the files of this folder. The
 * file formats are documented in README.md beside this file.
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
 * The runtime's protocol (rt.h): functions that can fail return an rt_status and fill
 * the caller's rt_error with a message naming the file (and line, or byte offset) or, for
 * a model that no back end can take, the property (rt_fail_prop). Malformed or unreadable
 * files are RT_ERR_IO, an external tool that fails RT_ERR_TOOL, a model a back end
 * refuses RT_ERR_MODEL, representations that disagree RT_ERR_MISMATCH. Nothing here
 * prints an error. */

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
    ir_target target;      /* FPGA family: synthesis command, timing model, P&R */
    ir_part part;          /* iCE40 part (IR_PART_AUTO: by size) */
    ir_interface iface;    /* plain ports or the valid/ready stream wrapper */
    int n_layers;          /* == rt_tables.n_layers */
    be_layer_plan *layers; /* [n_layers] (owned) */
    char *prep;            /* tables/preprocess.txt's text (be_prep_format), or NULL (owned) */
    bool argmax;           /* the RTL's out_class port (hardware.argmax) */
    bool head;             /* a group-sum head follows the last layer (rt_tables.head_group) */
} be_plan;

/* Whether a register stage (rh, valid vh) follows the group-sum head: when the model
 * pipelines (any strategy but none), so the head's adder trees are a stage of their own. */
bool be_plan_head_reg(const be_plan *p);

/* Bits of the RTL's out_class port for a number of classes (at least 1). */
int be_class_bits(int classes);

/* ---- Preprocessing (prep.c) -----------------------------------------------------------
 * How a raw CSV row becomes the input codes, and the class names: the encoding fitted on
 * the training split (the kinds are runtime/data's data_in_kind), then each input's
 * quantizer as thresholds. The text form is OUT/tables/preprocess.txt (README.md). */
enum { BE_PREP_NUMERIC, BE_PREP_BINARIZED, BE_PREP_ONEHOT, BE_PREP_BINARY };

typedef struct be_prep_input {
    int kind;            /* BE_PREP_* */
    int col;             /* the raw column it reads */
    int index;           /* onehot: the value's code; binarized, binary: the bit */
    double shift, mul;   /* numeric: x = (f(raw) - shift) * mul */
    double lo, hi;       /* binarized: training range of f(raw) */
    int n_thr;           /* thresholds of the input quantizer */
    float thr[255];      /* ascending: code codes[k] for thr[k-1] <= x < thr[k] */
    uint16_t codes[256]; /* [n_thr + 1] */
    char *name;          /* "sbytes", "proto=tcp", ... (owned) */
} be_prep_input;

typedef struct be_prep {
    char delimiter;     /* CSV field delimiter */
    bool header;        /* the data has a header row */
    int n_cols;         /* raw columns (with the label's) */
    int label_col;      /* the label's column, -1 when none (IDX data) */
    double scale;       /* f(raw) = raw * scale, then sign*log1p when log1p */
    bool log1p;         /* */
    int binarize_bits;  /* bits of binarized inputs */
    char **col_names;   /* [n_cols] header names, or NULL */
    int *col_nvalues;   /* [n_cols] values of a categorical column, else 0 */
    char ***col_values; /* [n_cols][col_nvalues] the values in code order */
    int n_classes;      /* output codes, one per class */
    char **class_names; /* [n_classes] */
    int n_inputs;       /* input codes */
    be_prep_input *in;  /* [n_inputs] */
    size_t cap_in;      /* allocated entries of in */
} be_prep;

/* The text of tables/preprocess.txt (malloc'd). */
char *be_prep_format(const be_prep *p);
/* Reads it back; RT_ERR_DATA naming name:line. */
rt_status be_prep_parse(const char *text, const char *name, be_prep *p, rt_error *e);
void be_prep_free(be_prep *p);
/* The float feature of one input from its column's raw number (or, categorical, the
 * value's code, -1 when not seen in training), as the data loader computes it. */
float be_prep_feature(const be_prep *p, const be_prep_input *in, double raw, int cat);
/* The input code of a feature value. */
uint16_t be_prep_code(const be_prep_input *in, float x);
/* The C simulator's <id>_prep.h and <id>_prep.c (ID: id in capitals). */
void be_prep_emit_h(FILE *f, const be_prep *p, const char *id, const char *ID);
void be_prep_emit_c(FILE *f, const be_prep *p, const char *id, const char *ID);

/* Builds the plan from the IR (reg_after taken as lowered). */
void be_plan_from_ir(const ir_program *ir, be_plan *p);
/* A plan for tables without an IR (tests, benchmarks): every layer its own tree and a
 * root, K = 6, clock "clk", reset "rst" sync high, pipeline as given. */
void be_plan_default(const rt_tables *t, const char *model, ir_pipeline pipe, int k, be_plan *p);
/* Deep copy. */
void be_plan_copy(const be_plan *src, be_plan *dst);
/* Re-derives every reg_after for another strategy by the IR's rule (ir_reg_after). */
void be_plan_set_pipeline(be_plan *p, ir_pipeline pipe, int k);
/* Register stages = layers with reg_after, plus the head's = latency in clock cycles. */
int be_plan_stages(const be_plan *p);
void be_plan_free(be_plan *p);
/* Parses a strategy's name (ir_pipeline_parse: "none", "every_layer", "trees", "every_k"
 * with k left in *k), "every(K)" or "everyK". Returns 0 on success. Names are printed by
 * ir_pipeline_name (ir.h). */
int be_pipeline_parse(const char *s, ir_pipeline *pipe, int *k);

/* ---- Table and code files ---------------------------------------------------------
 * OUT/tables/manifest.txt + OUT/tables/layerN.bin, and OUT/vectors/test.codes; formats
 * in README.md. Every file is written atomically (temporary file, then rename). */

/* Checks the internal consistency of tables (shapes, wiring in range, codes in range,
 * layer l reads layer l-1's width and bits). */
rt_status be_tables_check(const rt_tables *t, rt_error *e);
rt_status be_tables_write(const rt_tables *t, const be_plan *p, const char *dir, rt_error *e);
/* Reads and checks what be_tables_write wrote; on failure *t and *p are left empty. */
rt_status be_tables_read(const char *dir, rt_tables *t, be_plan *p, rt_error *e);
rt_status be_codes_write(const rt_codes *c, const char *path, rt_error *e);
rt_status be_codes_read(const char *path, rt_codes *c, rt_error *e);
/* Checks that codes fit tables: widths per layer and code ranges. */
rt_status be_codes_check(const rt_tables *t, const rt_codes *c, rt_error *e);

/* ---- Table lookup ----------------------------------------------------------------- */

/* Runs n samples through the tables: in is [n * n_inputs] input codes (taken modulo
 * 2^input_bits); layers[l] receives [n * n_lut(l)] output codes of layer l
 * (caller-allocated). Single-threaded. */
void be_lookup(const rt_tables *t, int n, const uint16_t *in, uint16_t **layers);
/* One layer of be_lookup over n samples: src [n * in_width] codes -> dst [n * n_lut]
 * (when dst is set); with counts ([n_lut << addr bits], reduce.h's be_counts), each
 * address read is also counted (saturating at UINT32_MAX). */
void be_lookup_layer(const rt_table_layer *L, int n, const uint16_t *src, uint16_t *dst,
                     uint32_t *counts);
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

/* be_mismatch.layer of a difference in the input codes an encoder made; n_layers is the
 * head's class scores. */
#define BE_LAYER_ENCODER (-2)
/* "the encoder", "layer 3", "the head" (n_layers) into buf. */
const char *be_layer_what(int layer, int n_layers, char *buf, size_t n);
/* Compares every layer of got with want (and the input codes an encoder made, and the
 * class scores, when want has them). Returns m->samples. */
long be_compare_codes(const rt_codes *want, const rt_codes *got, be_mismatch *m);
/* Compares the design's outputs got [n * width] with want's (be_codes_out: the scores
 * with a head, else the last layer); m->layer is the last layer (n_layers: the head) on a
 * mismatch. Returns m->samples. */
long be_compare_outputs(const rt_codes *want, const uint16_t *got, be_mismatch *m);

/* ---- Encoder and head (hwio.c) ------------------------------------------------------
 * The input encoder in hardware (rt_tables.hwenc: raw fixed-point features -> 1-bit input
 * codes, one integer comparison each) and the group-sum head (rt_tables.head_group: class
 * score = popcount of the class's group of 1-bit outputs; argmax ties to the lowest class).
 * The design's ports: in_data holds be_in_fields fields of be_in_field_bits bits (the raw
 * features with an encoder, else the input codes); out_data holds be_classes outputs of
 * be_out_bits bits (the scores with a group-sum head, else the last layer's codes). */

/* The range of a raw feature. */
int64_t be_raw_min(const rt_hw_encoder *en);
int64_t be_raw_max(const rt_hw_encoder *en);
int be_classes(const rt_tables *t);
/* Bits of a class score: enough for G. */
int be_score_bits(const rt_tables *t);
int be_out_bits(const rt_tables *t);
int be_in_fields(const rt_tables *t);
int be_in_field_bits(const rt_tables *t);
/* The reference outputs of the design: the scores with a head, else the last layer. */
const uint16_t *be_codes_out(const rt_codes *c);
int be_codes_out_width(const rt_codes *c);
/* Input code i of raw value raw: 1 when raw >= thr[i] (<= when descending). */
int be_encode_bit(const rt_hw_encoder *en, int i, int64_t raw);
/* What input code i is for every raw value of the format: 1 or 0 when its threshold lies
 * outside the range (a constant, no comparator), else -1 (a comparator). */
int be_encode_const(const rt_hw_encoder *en, int i);
/* The encoder's comparators: the input codes that are not constant (0 without encoder). */
int be_encoder_comparators(const rt_tables *t);
/* Which codes of layer l's source vector (the input codes for l = 0) some L-LUT of layer l
 * reads: [in_width], owned by the caller. */
bool *be_layer_reads(const rt_tables *t, int l);
/* Makes every input code i with keep[i] false the constant 0 (threshold max + 1, rising),
 * so the encoder holds no comparator for it. The flow keeps the codes layer 0 reads
 * (be_hwio_attach): an unread threshold is an input to nothing. */
void be_encoder_keep(rt_hw_encoder *en, int n_inputs, const bool *keep);
/* n samples of raw features [n * n_features] -> input codes [n * n_inputs]. */
void be_encode(const rt_tables *t, int n, const int32_t *raw, uint16_t *codes);
/* n samples of last-layer codes [n * n_lut] -> class scores [n * be_classes]. */
void be_head_scores(const rt_tables *t, int n, const uint16_t *last, uint16_t *scores);
/* The largest group of a group-sum head (13-bit scores). */
#define BE_HEAD_MAX 4096
/* What the back ends refuse of an encoder or head, before training (part of the tables
 * row's check): a group-sum head of more than BE_HEAD_MAX outputs per class, located at
 * output.head. A raw format past 31 bits is refused once the data is loaded
 * (be_raw_format, before training too). */
rt_status be_check_hwio(const ir_program *ir, rt_error *e);
/* The encoder's and head's shapes in t (part of be_tables_check). */
rt_status be_hwio_check(const rt_tables *t, rt_error *e);
/* Codes that fit t's encoder and head: raw features and scores present as t needs them,
 * every input code the integer encoder's of the raw features, raw values in range. */
rt_status be_hwio_codes_check(const rt_tables *t, const rt_codes *c, rt_error *e);

/* How the data loader turns a raw value into the normalized feature x the float encoder
 * compares (runtime/data, data_info): x = (float)((g(R * 2^-frac) - shift) * mul), g =
 * multiplication by scale, then sign*log1p when log1p. Every input a numeric feature. */
typedef struct be_raw_map {
    int n_features;      /* raw features (== the dataset's inputs) */
    int bits, frac;      /* the raw fixed-point format: W bits, F fraction bits */
    bool is_signed;      /* two's complement */
    double scale;        /* dataset scale */
    bool log1p;          /* dataset log1p */
    const double *shift; /* [n_features] */
    const double *mul;   /* [n_features] */
} be_raw_map;
/* The integer encoder of thresholds on the normalized feature (input code i = x_f > thr,
 * f = feature[i]): per code the raw threshold where the loader's map crosses thr, found by
 * binary search over the raw range, so the integer comparison equals the float one at
 * every raw value. RT_ERR_MODEL (prop input.encode) for an unsupported format. */
rt_status be_encoder_fit(const be_raw_map *m, int n_inputs, const int *feature,
                         const float *thr_norm, rt_hw_encoder *en, rt_error *e);
/* The raw fixed-point value of normalized feature f = x (the map inverted, rounded to
 * nearest, saturated to the format). */
int32_t be_raw_quantize(const be_raw_map *m, int f, float x);
/* Makes reference codes c follow the integer encoder: raw = be_raw_quantize of the split's
 * normalized features x [n_samples * n_features], input codes = be_encode(raw), every
 * layer recomputed through the tables (be_lookup) and the scores added. */
void be_codes_follow_encoder(const rt_tables *t, const be_raw_map *m, const float *x, rt_codes *c);
/* The raw fixed-point format of a dataset's features (m's map filled, bits/frac/is_signed
 * set): the raw values every split's normalized features stand for (the map inverted);
 * frac 0 when each is an integer (within 1e-4 relative), else 8; the fewest bits that hold
 * every rounded value, two's complement when one is negative. RT_ERR_DATA (prop
 * input.encode) past 31 bits. */
rt_status be_raw_format(const rt_dataset *d, be_raw_map *m, rt_error *e);
/* What the flow knows of a trained model's encoder and head. */
typedef struct be_hwio_spec {
    int head_group;        /* group-sum head: G; 0 = one code per class */
    const float *thr;      /* [n_inputs] thresholds on the normalized feature (input code i =
                            * x_feature[i] > thr[i]); NULL: no encoder in hardware */
    const int *feature;    /* [n_inputs] the feature each input code reads */
    const be_raw_map *map; /* the loader's map and the raw format (be_raw_format) */
    const rt_split *test;  /* the test split the reference codes are of */
} be_hwio_spec;
/* Puts the encoder (be_encoder_fit, then be_encoder_keep of the codes layer 0 reads: the
 * others constant 0) and the head into t and makes the reference codes c follow them
 * (be_codes_follow_encoder, or only the scores): *changed = test samples whose read input
 * codes the integer encoder changed. */
rt_status be_hwio_attach(rt_tables *t, rt_codes *c, const be_hwio_spec *s, long *changed,
                         rt_error *e);
/* Sets c->scores from its last layer when t has a group-sum head (else none). */
void be_codes_add_scores(const rt_tables *t, rt_codes *c);

/* The encoder and head in generated code (hwio_emit.c): the modules <ident>_enc and
 * <ident>_head, the port comments, the instances in the top (the head's with its register
 * rh/vh when be_plan_head_reg; out/valid receive the names the outputs are then read
 * from), the valid bit's register, and the C simulator's macros, declarations and
 * definitions (<ident>_encode, <ident>_scores). */
void be_rtl_io_modules(FILE *f, const rt_tables *t, const be_plan *p);
void be_rtl_io_ports(FILE *f, const rt_tables *t);
void be_rtl_encoder_inst(FILE *f, const rt_tables *t, const be_plan *p);
void be_rtl_head_inst(FILE *f, const rt_tables *t, const be_plan *p, const char *src, char *out,
                      size_t nout, char *valid, size_t nvalid);
void be_rtl_valid_reg(FILE *f, const be_plan *p, const char *q, const char *d);
void be_csim_io_macros(FILE *f, const rt_tables *t, const char *ID);
void be_csim_io_decls(FILE *f, const rt_tables *t, const char *id, const char *ID);
void be_csim_io_defs(FILE *f, const rt_tables *t, const char *id, const char *ID);

/* ---- Representations ---------------------------------------------------------------
 * OUT/tables (table files), OUT/vectors (reference codes), OUT/rtl (Verilog top, test
 * bench, vector file), OUT/csim (C simulator pair + main). Every representation is one
 * row of be_reprs[] with the same interface: check (before training, on the IR), emit
 * (into its folder of OUT) and verify (against the reference codes). A new back end adds
 * a row here (and, when it is verified, its rt_repr in rt.h). */

/* What every back end reads. codes may be NULL for the RTL (no test bench vectors) and
 * for the C simulator. */
typedef struct be_input {
    const rt_tables *tables; /* the enumerated truth tables */
    const be_plan *plan;     /* names, pipelining, K */
    const rt_codes *codes;   /* reference codes of the test split (may be NULL) */
} be_input;

/* Outcome of the formal equivalence check of one RTL file against the tables (formal.c). */
typedef struct be_formal_result {
    bool ran;       /* Yosys ran the proof (false: skipped, see note) */
    bool proved;    /* equal to the tables for every input */
    char note[512]; /* why skipped, what was proven, or the counterexample */
    double seconds; /* wall time of Yosys */
} be_formal_result;

/* Outcome of one verification run of a representation over the test split. */
typedef struct be_check {
    bool ran;            /* the step ran (false: skipped, see note) */
    char label[40];      /* what ran: "table lookup", "C simulator", "RTL (every(2))" */
    char note[256];      /* why it was skipped, or what was run */
    be_mismatch m;       /* mismatches against the reference codes */
    double accuracy;     /* of its output codes against the labels, NAN if not run */
    int latency;         /* RTL: measured latency in cycles, -1 otherwise */
    long latency_errors; /* RTL: outputs seen at the wrong cycle or without a sample */
    long lint_warnings;  /* RTL: Verilator -Wall warnings while building, -1 if not built */
    double seconds;      /* wall time of the step */
    /* An exhaustive check of a representation's tables (every L-LUT, every address)
     * instead of the test split: entries compared (0: a test-split run). m.samples then
     * counts the differing entries, m.layer/m.index/addr/m.got/m.want locate the first. */
    long entries;
    long addr;               /* address of the first differing entry, -1 when none */
    char what[16];           /* what differed there: "table", "wiring", "sliced" */
    be_formal_result formal; /* RTL: the formal equivalence check of the same file */
} be_check;

#define BE_MAX_RUNS 4 /* runs of one representation (the RTL: one per pipelining) */

/* The runs of one representation: tables and C simulator one, the RTL one per pipelining
 * checked (none when the step was not asked for). */
typedef struct be_repr_checks {
    int n;                     /* entries of run */
    be_check run[BE_MAX_RUNS]; /* in the order they ran */
} be_repr_checks;

typedef struct be_verify_opts {
    bool csim;       /* compile and run the C simulator */
    bool rtl;        /* run Verilator on the RTL */
    bool formal;     /* with rtl: also prove the RTL equal to the tables (default off) */
    int n_pipelines; /* RTL pipelinings to check; 0 = the plan's own */
    ir_pipeline pipelines[BE_MAX_RUNS]; /* strategies to check */
    int pipeline_k[BE_MAX_RUNS];        /* their k */
    const char *work_dir;               /* scratch folder; NULL = a fresh rt_scratch_new one */
    const rt_artifacts *artifacts;      /* be_verify_folder: the digests report.json recorded
                                         * (checked first); NULL: none to check */
    const rt_tables *trained;           /* be_verify_folder: train/model.bin tabulated again,
                                         * compared with OUT/tables; NULL: not available */
    bool keep_work;                     /* keep the scratch folder */
    bool quiet;                         /* no progress lines on stderr */
} be_verify_opts;

/* What a representation's verify step reads: the model, the reference codes, OUT, and
 * the scratch folder of this verification with the test-bench vector file in it (both
 * NULL when no tool step was asked for). */
typedef struct be_verify_ctx {
    const rt_tables *tables;
    const be_plan *plan;
    const rt_codes *codes;
    const char *out_dir;
    const char *work;    /* scratch folder, or NULL */
    const char *vectors; /* work/vectors.hex, or NULL */
    const be_verify_opts *o;
} be_verify_ctx;

/* One representation. */
typedef struct be_repr {
    const char *name;   /* "tables", "vectors", "rtl", "csim" */
    const char *subdir; /* folder under OUT it writes */
    int repr;           /* the rt_repr whose accuracy it reports, -1 for none (vectors) */
    /* Refuses, before training, a model this back end cannot emit: RT_ERR_MODEL with the
     * property (NULL: it takes every model the front end accepts). */
    rt_status (*check)(const ir_program *ir, rt_error *e);
    /* Writes the representation into dir. */
    rt_status (*emit)(const be_input *in, const char *dir, rt_error *e);
    /* Runs the test split through it and compares with the reference codes; fills r (a
     * step that is not asked for or cannot run leaves a note). RT_OK when it could run,
     * mismatches included (they are in r). NULL: nothing to verify. */
    rt_status (*verify)(const be_verify_ctx *v, be_repr_checks *r, rt_error *e);
} be_repr;

extern const be_repr be_reprs[];
extern const int be_n_reprs;

/* The row that reports representation r (rt_repr), or NULL. */
const be_repr *be_repr_of(rt_repr r);

/* Runs every representation's check on the IR: what the back ends refuse is known
 * before training (`nltc --check` runs it too). RT_ERR_MODEL with e->prop set. */
rt_status be_check_model(const ir_program *ir, rt_error *e);
/* Runs every representation's emitter into out_dir/<subdir>. */
rt_status be_emit_all(const be_input *in, const char *out_dir, rt_error *e);

/* The rows' functions. */
rt_status be_check_tables(const ir_program *ir, rt_error *e);
rt_status be_emit_tables(const be_input *in, const char *dir, rt_error *e);
rt_status be_verify_tables(const be_verify_ctx *v, be_repr_checks *r, rt_error *e);
rt_status be_emit_vectors(const be_input *in, const char *dir, rt_error *e);
/* The Verilog port and module names: RT_ERR_MODEL for a clock or reset that is no
 * Verilog identifier, a keyword, a name the design uses, or both the same name. */
rt_status be_check_verilog(const ir_program *ir, rt_error *e);
rt_status be_verilog_check_plan(const be_plan *p, rt_error *e);
/* dir/<ident>.v (top + one case-ROM module per distinct table), and when codes are given
 * dir/<ident>_tb.v and dir/vectors.hex. */
rt_status be_emit_verilog(const be_input *in, const char *dir, rt_error *e);
/* Verilator on the RTL, per pipelining asked for (OUT/rtl for the plan's own). */
rt_status be_verify_rtl(const be_verify_ctx *v, be_repr_checks *r, rt_error *e);
/* dir/<ident>.h, dir/<ident>.c, dir/main.c: standalone, libc only. */
rt_status be_emit_csim(const be_input *in, const char *dir, rt_error *e);
/* Compiles OUT/csim with $CC (else cc) and runs the test vectors through it. */
rt_status be_verify_csim(const be_verify_ctx *v, be_repr_checks *r, rt_error *e);
/* The Verilog file alone (top + table ROMs), and the test bench alone for n vectors. */
rt_status be_write_rtl(const rt_tables *t, const be_plan *p, const char *path, rt_error *e);
rt_status be_write_testbench(const rt_tables *t, const be_plan *p, int n, const char *path,
                             rt_error *e);
/* The test-bench vector file: one line per sample, the hex of {expected out_data,
 * in_data}; in_data = input code i at bits [i*b, (i+1)*b), out_data likewise. */
rt_status be_write_vectors(const rt_tables *t, const rt_codes *c, const char *path, rt_error *e);
/* ---- Names (names.c) ----------------------------------------------------------------
 * The rule that makes a model name the identifier of the generated code (be_ident) and the
 * checks of the names a model writes; see README.md, "Names". */

/* Longest model name and clock/reset port name, in characters: the identifier names files
 * (<ident>_tb.v, Verilator's V<ident>_tb__Syms.h, ...) that must fit NAME_MAX (255). */
#define BE_NAME_MAX 64
/* Whether s is a Verilog-2005 or SystemVerilog-2017 keyword. */
bool be_verilog_keyword(const char *s);
/* Why s cannot be an identifier of the generated code as it is ("is a Verilog keyword",
 * "is a SystemVerilog keyword", "is a C keyword", a name the generated RTL, test bench or
 * C simulator declares or uses), or NULL. */
const char *be_reserved_why(const char *s);
/* Refuses (RT_ERR_MODEL, prop "model") a model name longer than BE_NAME_MAX. */
rt_status be_check_model_name(const char *model, rt_error *e);
/* Refuses (prop "hardware.clock"/"hardware.reset") a clock or reset name that is no Verilog
 * identifier, longer than BE_NAME_MAX, a Verilog or SystemVerilog keyword, a name of the
 * generated top module (its data ports, l<k>, r<k>, v<k>, u<k>_<j>, its own name), or the
 * same for both. */
rt_status be_check_port_names(const be_plan *p, rt_error *e);

/* ---- Hardware cost ---------------------------------------------------------------- */

/* The analytic per-table LUT cost is rt_lut_cost (rt.h). */

/* The cells of a mapped netlist the timing model tells apart. */
typedef enum be_cell {
    BE_CELL_NONE,  /* no cell: an input, a constant, a buffer */
    BE_CELL_LUT,   /* a K-input LUT (generic .names, or LUT1..LUT6) */
    BE_CELL_MUXF7, /* Xilinx wide-function multiplexer of two LUT6 */
    BE_CELL_MUXF8, /* of two MUXF7 */
    BE_CELL_INV,   /* an inverter Yosys left outside a LUT */
    BE_CELL_FF,    /* a flip-flop */
    BE_N_CELLS
} be_cell;

/* A static timing model: delays in ns of each cell and of a wire by its fanout,
 * wire(fo) = wire_base + wire_fanout * log2(fo). Calibrated constants live in timing.c
 * (bench/hardware/README.md has the calibration table). */
typedef struct be_timing_model {
    const char *name;        /* "xilinx_ultrascale_plus" */
    double t_cko;            /* flip-flop clock to output */
    double t_setup;          /* flip-flop setup, plus clock uncertainty and skew */
    double t_lut;            /* LUT input to output */
    double t_muxf7;          /* MUXF7 input to output (inputs from the LUTs of its slice) */
    double t_muxf8;          /* MUXF8 likewise */
    double t_inv;            /* inverter (a LUT1 on Xilinx) */
    double wire_base;        /* routed net, fanout 1 */
    double wire_fanout;      /* added per doubling of the fanout */
    const char *mux7, *mux8; /* the family's names of the two multiplexer levels */
    const char *calibrated;  /* how the constants were chosen (for the report) */
} be_timing_model;

/* The model of a target family: AMD/Xilinx UltraScale+ (LUT6, MUXF7/F8, FDRE, calibrated),
 * Lattice iCE40 and ECP5, Intel Cyclone V (data-sheet-order estimates; timing.c). */
const be_timing_model *be_timing_of(ir_target t);
/* The Yosys synthesis command of a target family ("synth_ice40"). */
const char *be_target_synth(ir_target t);

/* What hardware cost is known. -1 / NAN where not measured. */
typedef struct be_hw {
    long luts_estimate; /* sum over tables of bits_out * C(address bits) */
    long luts_support;  /* the same over each bit's true support (0: constant or a wire)
                         * of the L-LUTs that reach an output (not the luts_dead ones) */
    long *layer_luts;   /* [n_layers] luts_estimate per layer (owned) */
    int n_layers;       /* entries of layer_luts */
    /* Beside the core (the tables; -1: none in the design): the encoder (enc_comparators of
     * its enc_thresholds input codes are not constant: one comparator each, rt_lut_cost of
     * the raw bits; the codes no L-LUT reads are constant 0) and the group-sum
     * head (per class: ceil(G/K) popcounts of K bits, be_bits_for(K) LUTs each, joined by
     * ceil(G/K)-1 adders of score-bits LUTs), analytic and Yosys (the module alone); the
     * core alone by Yosys (both kept apart; -1: neither in the design, or not synthesized). */
    long luts_enc_estimate, luts_head_estimate;
    long luts_enc_yosys, luts_head_yosys, luts_core_yosys;
    int luts_dead; /* L-LUTs whose outputs reach no output (synthesis removes them) */
    int enc_comparators, enc_thresholds;
    char estimate_note[256]; /* a table address wider than K: the Shannon decomposition */
    int pipeline_stages;     /* register stages */
    int latency_cycles;      /* == pipeline_stages */
    ir_target target;        /* the family synthesized for */
    bool synthesized;        /* Yosys ran */
    char synth_note[256];    /* why synthesis was skipped, or the flow used */
    long luts_yosys;         /* LUT cells after mapping */
    long ffs;                /* flip-flops */
    long lut_levels;         /* critical path in LUT levels over all stages */
    int n_stage_depth;       /* entries of stage_depth */
    int *stage_depth;        /* [n] deepest path of each combinational stage (owned): stage s
                              * ends in register stage s+1, the last may end at the outputs */
    double synth_s;          /* wall time of synthesis */
    double synth_cpu_s;      /* CPU time of the Yosys process */
    /* Yosys synth_xilinx mapping (K = 6 only; -1 otherwise) */
    long luts_mapped;  /* LUT1..LUT6 cells */
    long muxf7, muxf8; /* wide-function multiplexers */
    long ffs_mapped;   /* FDRE */
    int mapped_levels; /* deepest path in cells (LUT and MUXF) over all stages */
    /* Static timing estimate over the mapped netlist (NAN when not timed) */
    bool timed;                  /* the timing pass ran */
    double period_ns;            /* slowest stage: the clock period */
    double fmax_mhz;             /* 1000 / period_ns */
    double latency_ns;           /* latency_cycles * period_ns, or the path delay when none */
    double adp;                  /* LUTs (mapped, else generic) x latency_ns */
    double *stage_ns;            /* [n_stage_depth] delay of each stage (owned) */
    char critical[512];          /* the critical path: stage, layers and cells */
    char timing_note[512];       /* the model and how it was calibrated */
    struct {                     /* place and route (iCE40 targets; pnr.c) */
        bool ran;                /* nextpnr placed and routed, the bitstream is in OUT */
        char part[32];           /* "iCE40 UP5K (SG48)" */
        char why[160];           /* why this part */
        double fmax_mhz;         /* the router's Fmax of the clock (NAN: none) */
        long cells, cells_total; /* logic cells used, of the part's */
        double seconds;          /* synth_ice40 + nextpnr + icepack */
        char bitstream[96];      /* "pnr/<ident>.bin", relative to OUT */
        char note[256];          /* the command, or why it was skipped */
    } pnr;
} be_hw;

void be_hw_init(be_hw *h);
void be_hw_free(be_hw *h);
/* The encoder's and head's analytic LUT-K counts into h (hwio.c). */
void be_hw_estimate_io(const rt_tables *t, int k, be_hw *h);
/* The group-sum head's sum for class c: G bits b[c*G +: G] to an S-bit score, by columns of
 * equal-weight bits reduced by LUT-sized compressors (up to min(K, 6) bits of a column into
 * ceil(log2(n+1)) bits of the next, one K-LUT per output bit) to two bits per column, then
 * an S-bit adder; bits of weight S or more (always 0: G < 2^S) dropped. Writes the Verilog
 * (wires h<c>_<k>, assign s[...]) to f unless NULL; returns the LUT estimate. */
long be_head_tree(FILE *f, int c, int G, int S, int k);
/* live[l][j] (allocated): L-LUT j of layer l reaches an output; returns the others' count. */
int be_live_luts(const rt_tables *t, bool **live);
/* Analytic part: luts_estimate/support/dead, layer_luts, stages, latency, encoder, head. */
void be_hw_estimate(const rt_tables *t, const be_plan *p, be_hw *h);
/* Synthesizes the Verilog file rtl (top module p->ident) with Yosys in work_dir using
 * `hierarchy; proc; flatten; memory_map; techmap; abc -fast -lut K; opt_clean` ($NLTC_YOSYS
 * or yosys), reads the mapped netlist (BLIF) back (LUTs, flip-flops, depth per stage), and
 * counts the encoder, head and core alone. Without Yosys: 0, h->synthesized false, and
 * synth_note says so. */
rt_status be_synth(const char *rtl, const be_plan *p, const char *work_dir, be_hw *h, rt_error *e);
/* The LUT-K count Yosys's generic flow (abc -fast -lut K) gives module of the Verilog file
 * rtl alone (in work), the modules apart (NULL-terminated) black boxes, not counted. */
rt_status be_synth_module_luts(const char *yosys, const char *rtl, const char *module,
                               const char *const *apart, int k, const char *work, long *luts,
                               rt_error *e);
/* Reads the mapped netlists back (BLIF as Yosys writes them): gen, the generic LUT-K one,
 * for luts_yosys, ffs, lut_levels, stage_depth; xil (NULL: none), the synth_xilinx one
 * (.gate LUTn/MUXF7/MUXF8/INV/FDRE), for luts_mapped, muxf7/8, ffs_mapped, mapped_levels
 * and the timing estimate (timed, period_ns, fmax_mhz, latency_ns, adp, stage_ns,
 * critical). Pipeline registers are recognised by their RTL names r<layer>, v<layer>. */
rt_status be_hw_read_mapped(const char *gen, const char *xil, const be_plan *p, be_hw *h,
                            rt_error *e);

/* Refuses at --check an iCE40 model whose registers alone (pipeline and I/O shell) exceed
 * the part it names, or the largest part (RT_ERR_MODEL, located at hardware.part/target). */
rt_status be_pnr_check(const ir_program *ir, rt_error *e);
/* Places and routes the RTL rtl for an iCE40 target (nothing for the others): the core in a
 * serial I/O shell, synth_ice40, nextpnr-ice40 on the model's part or the smallest that
 * fits (UP5K, HX8K), icepack; fills h->pnr and writes OUT/pnr/<ident>.bin, the shell and
 * nextpnr's log. Tools absent: RT_OK with h->pnr.note saying so. A design that fits no
 * part: RT_ERR_MODEL with its size and the part's, nothing written to OUT/pnr. */
rt_status be_pnr(const char *rtl, const rt_tables *t, const be_plan *p, const char *work,
                 const char *out_dir, be_hw *h, rt_error *e);

/* ---- Verification ----------------------------------------------------------------- */

#define BE_MAX_FINDINGS 16 /* findings of be_verify_folder kept with their text */

/* What be_verify_folder found before running anything: artifacts whose digest differs
 * from report.json's, files missing or added, files that differ from the ones regenerated
 * from the tables. */
typedef struct be_findings {
    int n;                           /* findings, all of them counted */
    char text[BE_MAX_FINDINGS][320]; /* the first ones: "csim/x.c:12: ..." */
} be_findings;

typedef struct be_verify_result {
    int samples;                    /* test samples compared */
    int n_layers;                   /* layers of the tables (n_layers locates the head) */
    long mismatches;                /* over every run: mismatching samples + latency errors
                                     * (+ entries of the exhaustive checks + findings
                                     * + failed formal proofs) */
    be_findings findings;           /* be_verify_folder's artifact checks */
    be_repr_checks repr[RT_N_REPR]; /* per representation (rt_repr) */
    double accuracy_ref;            /* accuracy of the reference output codes */
} be_verify_result;

void be_verify_opts_default(be_verify_opts *o);
/* Runs the test split (c) through every representation's verify step (rt_repr order:
 * table lookup; the C simulator in out_dir/csim; Verilator on the RTL, out_dir/rtl for the
 * plan's own pipelining, a fresh emission in the scratch folder for others) and compares
 * each bit for bit with c. RT_OK when it could run, mismatches included (in r). */
rt_status be_verify(const rt_tables *t, const be_plan *p, const rt_codes *c, const char *out_dir,
                    const be_verify_opts *o, be_verify_result *r, rt_error *e);
/* Prints the summary of r (one line per run) to f. */
void be_verify_print(FILE *f, const be_verify_result *r);
/* The accuracy a representation reports: of its first run, NAN when it did not run. */
double be_verify_accuracy(const be_verify_result *r, rt_repr repr);

/* Re-verifies an output folder (`nltc verify OUT`) without running anything OUT holds:
 * checks every file of OUT against o->artifacts (when given: a digest that differs, a
 * file missing or not recorded is a finding), reads OUT/tables and OUT/vectors/test.codes,
 * regenerates the C simulator and the RTL from the tables into a scratch folder and
 * compares them byte for byte with OUT/csim and OUT/rtl (a finding names the file and its
 * first differing line, and for a table array the layer, L-LUT and address), then
 * verifies (r) the regenerated copies: the C simulator's tables exhaustively and the test
 * split through every representation. Estimates the hardware cost (h, initialized here)
 * and with synth synthesizes the regenerated RTL with Yosys. Prints nothing. RT_OK when
 * everything agrees, RT_ERR_MISMATCH (message: the first finding or the count) when
 * something differs, RT_ERR_IO for a missing or unreadable folder, RT_ERR_TOOL when Yosys
 * fails. r and h are filled as far as it got; free h with be_hw_free. */
rt_status be_verify_folder(const char *out_dir, const be_verify_opts *o, bool synth,
                           be_verify_result *r, be_hw *h, rt_error *e);
/* Proves with Yosys ($NLTC_YOSYS or yosys) that the Verilog file rtl (top module
 * p->ident, pipelined as p says) computes the tables t for every input: a checker written
 * from the tables alone computes each layer from the vector the RTL's layer reads (in_data,
 * l<k> or r<k>) and `sat -seq 2 -prove-skip 1` proves, from any state, that every layer
 * vector equals it, that every register r<k> holds l<k> of the cycle before and that
 * out_data is the last layer's vector (README.md). Files go to work. Skipped (fr->ran
 * false, a note) without Yosys; a failed proof is fr->proved false with the first failing
 * layer, L-LUT and address in fr->note; RT_ERR_TOOL when Yosys cannot run (log kept in
 * out_dir/verify/, named in e). */
rt_status be_formal(const rt_tables *t, const be_plan *p, const char *rtl, const char *work,
                    const char *out_dir, be_formal_result *fr, rt_error *e);
/* Copies a tool's log into out_dir/verify/name so that it outlives the scratch folder;
 * returns the path it is kept at (malloc'd; log itself when it cannot be copied). */
char *be_keep_log(const char *out_dir, const char *log, const char *name);
/* The message of a verification that found differences: the first failed proof (naming
 * the RTL file and the differing address), else the count. */
rt_status be_verify_fail(const be_verify_result *r, rt_error *e);

/* Prints the hardware summary of h (analytic estimate, synthesis) to f; verbose: also the
 * LUT cost formula of the estimate. */
void be_hw_print(FILE *f, const be_hw *h, bool verbose);

/* ---- The flow steps ------------------------------------------------------------------
 * What the driver's flow calls after enumeration, one step per line (driver/flow.c):
 * emit, estimate, verify, synthesize. Each fills its part of the report and returns an
 * rt_status; progress goes to stderr unless quiet. */

typedef struct be_flow_opts {
    bool rtl;     /* verify with Verilator (when installed) */
    bool synth;   /* synthesize with Yosys (when installed) */
    bool quiet;   /* no progress lines */
    bool verbose; /* more detail: the LUT cost formula */
} be_flow_opts;

/* The state the steps share: the plan and the results so far. */
typedef struct be_flow {
    const rt_tables *tables;
    const rt_codes *codes;
    const char *out_dir;
    be_flow_opts o;
    be_plan plan;
    be_hw hw;
} be_flow;

/* Takes the plan from the IR; tables, codes and out_dir must outlive f. */
void be_flow_init(be_flow *f, const ir_program *ir, const rt_tables *t, const rt_codes *c,
                  const char *out_dir, const be_flow_opts *o);
void be_flow_free(be_flow *f);
/* Every representation into OUT; r->time_s.emit. */
rt_status be_flow_emit(be_flow *f, rt_report *r, rt_error *e);
/* The analytic LUT estimate and the pipeline: r->hardware.luts_estimate, pipeline_stages,
 * latency_cycles. */
rt_status be_flow_estimate(be_flow *f, rt_report *r, rt_error *e);
/* Verification: r->accuracy.repr[], r->verify, r->time_s.verify; prints the summary.
 * RT_ERR_MISMATCH (e: the count) when representations disagree: the report is still
 * complete, the caller writes it and then fails. */
rt_status be_flow_verify(be_flow *f, rt_report *r, rt_error *e);
/* Yosys synthesis (when asked for and installed) in a scratch folder:
 * r->hardware.luts_yosys, ffs, lut_levels, stage levels, r->time_s.synth; prints the
 * hardware summary. */
rt_status be_flow_synth(be_flow *f, rt_report *r, rt_error *e);

/* ---- Internal helpers shared by the files of this folder -------------------------- */

/* Returns the status of call from the enclosing function when it is not RT_OK. */
#define BE_TRY(call)                                                                               \
    do {                                                                                           \
        rt_status be_try_st_ = (call);                                                             \
        if (be_try_st_ != RT_OK) return be_try_st_;                                                \
    } while (0)
/* rt_afile_open/rt_afile_commit (rt.h) with the back end's messages in e; the file is
 * released either way. */
rt_status be_afile_open(rt_afile *a, const char *path, rt_error *e);
rt_status be_afile_close(rt_afile *a, rt_error *e);
/* rt_mkdirs with the back end's message in e. */
rt_status be_mkdirs(const char *path, rt_error *e);
/* Full path of an executable found on $PATH, malloc'd, or NULL. */
char *be_which(const char *name);
/* Runs argv (argv[0] searched on $PATH) in cwd (NULL = current) with stdout appended to
 * out and stderr to err (NULL = inherited; the same path = one file); returns the exit
 * status, or -1 if it could not start or was killed by a signal. */
int be_spawn(char *const argv[], const char *cwd, const char *out, const char *err);
/* CPU seconds (user + system) of every waited-for child process so far. */
double be_children_cpu(void);
/* rt_read_file with the back end's message in e on failure. */
uint8_t *be_read_file(const char *path, size_t *len, rt_error *e);
/* Bits an unsigned value needs (at least 1). */
int be_bits_for(unsigned v);
/* Writes/reads the LSB-first bit field of width w at bit position pos of buf. */
void be_bits_put(uint8_t *buf, size_t pos, unsigned v, int w);
unsigned be_bits_get(const uint8_t *buf, size_t pos, int w);
/* The C and Verilog identifier of a model name (malloc'd): non-identifier characters made
 * '_', "m_" before a leading digit or '_', "_m" appended to a reserved word
 * (be_reserved_why). */
char *be_ident(const char *model);
/* Address bits of layer l (fanin * bits_in). */
int be_addr_bits(const rt_table_layer *L);
/* Fills the ${name} placeholders of a template (the .in files of templates/, embedded at build
 * time) from vars, pairs of name and value ending with NULL; "${" without a known name stays as it
 * is. Returns the text (malloc'd). */
char *be_template_fill(const char *tpl, const char *const *vars);
/* The embedded templates: templates/csim_main.c.in, templates/testbench.v.in,
 * templates/testbench_stream.v.in. */
extern const char be_tpl_csim_main_c[];
extern const char be_tpl_testbench_v[];
extern const char be_tpl_testbench_stream_v[];
/* Writes text to path atomically. */
rt_status be_write_text(const char *path, const char *text, rt_error *e);
/* Upper-case copy of an identifier (C macro prefix), at most n bytes with the NUL. */
void be_upper(char *dst, const char *src, size_t n);
/* The bit-sliced path of the C simulator (csim_slice.c): whether every table is small
 * enough, and the sliced functions with <ident>_infer_batch; returns the word operations
 * per 64 samples. */
#define BE_SLICE_MAX_ADDR 8 /* sliced path only up to 256-row tables */
bool be_csim_can_slice(const rt_tables *t);
long be_csim_emit_sliced(FILE *f, const rt_tables *t, const be_plan *p);
/* Adds a finding (kept with its text while there is room; always counted). */
void be_finding(be_findings *f, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Findings for every path of want that have lacks or whose digest differs, and every
 * path of have that want lacks in a folder the run wrote (both sorted). */
void be_check_artifacts(const rt_artifacts *want, const rt_artifacts *have, be_findings *f);
/* Findings for every file of out_dir/sub missing from, added to or differing from
 * regen_dir/sub (the first differing line; in a C simulator table array the entry). */
void be_compare_regenerated(const rt_tables *t, const char *out_dir, const char *regen_dir,
                            const char *sub, be_findings *f);
/* Findings for every layer of t whose shape, wiring or rows differ from m (the trained
 * model tabulated again): the first differing L-LUT and address (or slot) of each. */
void be_compare_trained(const rt_tables *t, const rt_tables *m, be_findings *f);
/* L-LUTs per generated function of the sliced path. */
#define BE_SLICE_CHUNK 64
/* The exhaustive check of a C simulator in csim_dir (what be_emit_csim wrote for t, p):
 * compiles it with cc and a driver that dumps, for every L-LUT and every address, its
 * table entry, its wiring and (sliced path) the value its word operations compute, into
 * work, and compares each with t. Fills k (k->entries, first difference). */
void be_csim_check_tables(const rt_tables *t, const be_plan *p, const char *csim_dir,
                          const char *work, const char *cc, be_check *k);
/* Finds a tool by the environment variable var, else its plain name, on $PATH. */
char *be_find_tool(const char *var, const char *name);
/* Progress line "nltc: verify: ..." on stderr unless o->quiet. */
void be_verify_progress(const be_verify_opts *o, const char *fmt, const char *arg);
/* A be_check that has not run: accuracy and seconds NAN, no mismatch located. */
void be_check_init(be_check *k, const char *label);
/* Last line of a log file that starts with prefix, copied into buf; 0 if found. */
int be_log_find(const char *log, const char *prefix, char *buf, size_t n);

#endif /* NLTC_BACKEND_H */
