/* rt.h - data contracts shared by the runtime passes and the driver.
 *
 * The passes of the flow after the front end exchange these structures:
 *
 *   ir_program --rt_data_load--> rt_dataset --train--> trained model (runtime/train)
 *   trained model --enumerate--> rt_tables + rt_codes (reference codes of the test split)
 *   rt_tables --> table files | Verilog RTL | C simulator ; verify compares against rt_codes
 *   every pass fills its part of rt_report, written as OUT/report.json
 *
 * Sections: status and errors, memory helpers, growable buffers, files and folders,
 * scratch folders, clock and hashing, the seeded generator, LUT cost, datasets, tables,
 * reference codes, report.
 * Each runtime sub-folder has its own header for its functions; this file holds only the
 * types that cross sub-folder boundaries and the small helpers everybody needs.
 */
#ifndef NLTC_RT_H
#define NLTC_RT_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* ---- Status and errors -----------------------------------------------------------
 * The one error protocol of the runtime: a function that can fail returns an rt_status
 * and, when it is not RT_OK, has filled the caller's rt_error with one message. Library
 * code never prints errors and never exits (except xmalloc's out-of-memory exit); the
 * driver prints the message and chooses the process exit code from the status
 * (driver/main.c holds the one table of exit codes). */
typedef enum rt_status {
    RT_OK = 0,       /* done */
    RT_ERR_MODEL,    /* the model (IR) is wrong or does not fit what is asked of it */
    RT_ERR_DATA,     /* a data file is malformed or does not fit the model */
    RT_ERR_USAGE,    /* a command line is wrong */
    RT_ERR_IO,       /* a file or folder could not be read or written */
    RT_ERR_TOOL,     /* an external tool (cc, Verilator, Yosys) failed to run */
    RT_ERR_MISMATCH, /* verification found representations that disagree */
    RT_INTERRUPTED,  /* stopped by SIGINT; what was saved can be resumed */
} rt_status;

/* One error: its status, the model property it concerns (a schema path such as
 * "hardware.clock", empty when none; the driver turns it into file:line:col through the
 * IR's source locations), and the message ("file:line: what was expected", no trailing
 * newline, no "nltc: error:" prefix). */
typedef struct rt_error {
    rt_status status;
    char prop[96];
    char msg[1024];
} rt_error;

/* Fills e (if not NULL) from a printf format and returns st. */
rt_status rt_fail(rt_error *e, rt_status st, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
/* The same for the model property prop ("hardware.clock"). */
rt_status rt_fail_prop(rt_error *e, rt_status st, const char *prop, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;
/* A short name of a status ("model", "io", ...), for logs and tests. */
const char *rt_status_name(rt_status st);

/* ---- Memory --------------------------------------------------------------------- */

/* Allocation that never returns NULL: on failure prints "nltc: out of memory" and exits 2. */
void *xmalloc(size_t n);
void *xcalloc(size_t count, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* printf into a new string (malloc'd, never NULL, like xmalloc). */
char *rt_strfmt(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2)))
#endif
    ;
char *rt_vstrfmt(const char *fmt, va_list ap);
/* The out-of-memory exit behind xmalloc & co. (prints "nltc: out of memory", exits 2). */
_Noreturn void rt_oom(void);

/* ---- Growable buffers -------------------------------------------------------------
 * A byte buffer that is also a string builder: data is NUL-terminated after len bytes
 * whenever it is not NULL. Zero-initialize ({0}) to start; free with rt_buf_free. */
typedef struct rt_buf {
    char *data;
    size_t len, cap;
} rt_buf;
void rt_buf_put(rt_buf *b, const void *data, size_t n);
void rt_buf_puts(rt_buf *b, const char *s);
void rt_buf_printf(rt_buf *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Writes text and a newline to f as it is when it fits before column width (text starting
 * at column col), else wrapped at spaces, continuation lines indented by indent spaces (a
 * word longer than a line stays whole). Output lines of nltc stay under 100 columns with
 * RT_OUT_WIDTH (the driver's help text uses 90). */
enum { RT_OUT_WIDTH = 100 };
void rt_write_wrapped(FILE *f, const char *text, int col, int indent, int width);
/* Takes the string out of b (malloc'd, "" when empty) and leaves b empty. */
char *rt_buf_take(rt_buf *b);
void rt_buf_free(rt_buf *b);
/* Makes room for one more element in a growable array (*ptr, *count used, *cap held) of
 * elements of size elem: doubles cap as needed (at least 8). Use as
 *   rt_grow((void **)&v, n, &cap, sizeof *v); v[n++] = x; */
void rt_grow(void **ptr, size_t count, size_t *cap, size_t elem);

/* ---- Files and folders ----------------------------------------------------------
 * Every artifact is written atomically: to a temporary name beside it, then renamed. These
 * helpers print nothing; they return an errno value (or a step) and each caller words its
 * own message. */

/* A file being written atomically: "path.tmp.PID", renamed onto path by rt_afile_commit. */
typedef struct rt_afile {
    FILE *f;    /* the temporary file; NULL when it could not be created or once closed */
    char *path; /* final path (owned) */
    char *tmp;  /* temporary path (owned) */
    int err;    /* errno value of the failure rt_afile_open/commit reported */
} rt_afile;

/* What went wrong in rt_afile_open/rt_afile_commit (0 = nothing). */
enum { RT_AFILE_CREATE = 1, RT_AFILE_WRITE, RT_AFILE_RENAME };

/* Creates the temporary file of path. 0, or RT_AFILE_CREATE with a->err set. Whatever it
 * returns, call rt_afile_free once the caller's messages no longer need a->tmp/a->path. */
int rt_afile_open(rt_afile *a, const char *path);
/* Closes the temporary file and renames it onto the final path. 0, or RT_AFILE_WRITE (a
 * write or the close failed; for an earlier write error a->err is the errno it left, or
 * EIO) or RT_AFILE_RENAME, with a->err set and the temporary file removed. */
int rt_afile_commit(rt_afile *a);
/* Removes the temporary file if it is still open (an abandoned write) and frees the names. */
void rt_afile_free(rt_afile *a);
/* Writes n bytes to path atomically. Returns 0, or -1 with errno set. */
int rt_write_file(const char *path, const void *data, size_t n);
/* Reads a whole file into a malloc'd buffer with a NUL after the last byte (length in
 * *len). NULL with errno set when it cannot be read; *opened (if not NULL) then says
 * whether the file was opened and a read failed (errno EIO when the read left none). */
void *rt_read_file(const char *path, size_t *len, bool *opened);
/* dir + "/" + name, malloc'd. */
char *rt_path_join(const char *dir, const char *name);
/* mkdir -p: creates path and its missing parents. 0, or an errno value with *failed_len (if
 * not NULL) set to the length of the prefix of path that could not be created. */
int rt_mkdirs(const char *path, int *failed_len);
/* Removes a file or a folder tree (symbolic links are removed, not followed); quiet. */
void rt_rmtree(const char *path);

/* ---- Scratch folders --------------------------------------------------------------
 * A fresh private folder under $TMPDIR (else /tmp) named "<prefix>-XXXXXX" for tool runs
 * (compilers, Verilator, Yosys). Returns the malloc'd path, or NULL with e filled. Every
 * scratch folder still held is removed at exit (atexit); rt_scratch_free removes one
 * now. */
char *rt_scratch_new(const char *prefix, rt_error *e);
/* Removes the folder (unless keep) and frees path. */
void rt_scratch_free(char *path, bool keep);

/* ---- Clock and hashing ---------------------------------------------------------- */

/* Monotonic seconds (for durations only). */
double rt_now(void);
/* 64-bit FNV-1a over n bytes, continuing from h (start with RT_FNV_INIT). */
#define RT_FNV_INIT 0xcbf29ce484222325ULL
uint64_t rt_fnv1a(uint64_t h, const void *data, size_t n);
/* FNV-1a of one 64-bit value, continuing from h (fingerprints of shapes). */
uint64_t rt_fnv1a_u64(uint64_t h, uint64_t v);

/* SHA-256 (FIPS 180-4): the digests of the artifacts a run writes (report.json's
 * "artifacts"). FNV above fingerprints; it is no protection against a deliberate edit. */
typedef struct rt_sha256 {
    uint32_t h[8];     /* chaining state */
    uint8_t block[64]; /* the block being filled */
    size_t fill;       /* bytes in block */
    uint64_t bytes;    /* message length so far */
} rt_sha256;
void rt_sha256_init(rt_sha256 *s);
void rt_sha256_update(rt_sha256 *s, const void *data, size_t n);
/* The 32-byte digest; s must be initialized again before reuse. */
void rt_sha256_final(rt_sha256 *s, uint8_t digest[32]);
/* The digest of data[0..n) as 64 lower-case hex digits and a NUL. */
void rt_sha256_hex(const void *data, size_t n, char hex[65]);
/* The digest of a file's bytes as hex. 0, or -1 with errno set when it cannot be read. */
int rt_sha256_file(const char *path, char hex[65]);

/* ---- The seeded generator -----------------------------------------------------------
 * Every random choice of nltc comes from here, never rand(): splitmix64 (Steele et al.
 * 2014; advances *state by 0x9e3779b97f4a7c15) for seeded splits, and xoshiro256** seeded
 * through splitmix64 for training streams. Both are fully specified so runs reproduce. */
uint64_t rt_splitmix64(uint64_t *state);
/* perm = 0..n-1 shuffled by Fisher-Yates from the top (i = n-1 .. 1 swaps i with j uniform
 * in 0..i, drawn from rt_splitmix64 starting at state seed, rejecting draws below
 * 2^64 mod (i+1)). */
void rt_permute(int *perm, int n, uint64_t seed);

typedef struct rt_rng {
    uint64_t s[4]; /* xoshiro256** state */
} rt_rng;
/* Seeds from (seed, purpose, a, b): independent streams per use. */
void rt_rng_seed(rt_rng *r, uint64_t seed, uint64_t purpose, uint64_t a, uint64_t b);
uint64_t rt_rng_next(rt_rng *r);
/* Uniform in [0, n) (Lemire's multiply-shift with rejection). */
uint32_t rt_rng_below(rt_rng *r, uint32_t n);
/* Uniform float in [-1, 1) from 24 random bits. */
float rt_rng_sym(rt_rng *r);

/* ---- LUT cost ------------------------------------------------------------------- */

/* LUT-K count of one output bit of an A-address-bit table by Shannon decomposition:
 * 1 if A <= K, else min over m with m + 2^m <= K of 2^m * C(A-m) + 1 (expand m variables,
 * join the 2^m cofactors with one 2^m:1 mux LUT); for K < 3, 2*C(A-1) + 3. For K = 6 this is
 * (2^(A-4) - (-1)^A) / 3, the LogicNets formula. The front end's warning, the back end's
 * estimate and the report all use it. */
long rt_lut_cost(int addr_bits, int k);
/* The formula as one line of text, for reports. */
const char *rt_lut_cost_formula(void);

/* ---- Datasets ------------------------------------------------------------------- */

/* One split: n samples, row-major features after encoding and normalization. */
typedef struct rt_split {
    int n;    /* number of samples */
    float *x; /* [n * inputs] */
    int *y;   /* [n] class index 0 .. classes-1 */
} rt_split;

typedef struct rt_dataset {
    int inputs;  /* feature count after encoding (== ir_dataset.inputs) */
    int classes; /* == ir_dataset.classes */
    rt_split train, valid, test;
    /* Images with one input per pixel (IDX, 2-D samples, not binarized): the shape, row
     * major, and the encoded value of a black (raw 0) pixel at each input, for shifting
     * images (augment = shift). Otherwise img_h = img_w = 0 and blank = NULL. */
    int img_h, img_w;
    float *blank; /* [inputs] */
} rt_dataset;

void rt_dataset_free(rt_dataset *d);

/* ---- Truth tables --------------------------------------------------------------- */

/* One layer of enumerated L-LUTs.
 * Address convention: the address of an L-LUT is the concatenation of its input codes,
 * input slot j in bits [j*bits_in, (j+1)*bits_in): addr = sum_j code_j << (j*bits_in).
 * Codes are unsigned as the hardware sees them; signed values are offset binary
 * (code = q + 2^(bits-1)). */
typedef struct rt_table_layer {
    int n_lut;       /* number of L-LUTs (== ir_layer.out_width) */
    int in_width;    /* width of the code vector this layer reads */
    int fanin;       /* inputs per L-LUT */
    int bits_in;     /* bits per input code */
    int bits_out;    /* bits per output code */
    bool out_signed; /* output codes are offset binary */
    int *inputs;     /* [n_lut * fanin] index into the previous code vector, per slot */
    uint16_t *codes; /* [n_lut << (fanin*bits_in)] output code per L-LUT per address */
} rt_table_layer;

/* The input encoder of a model with `input { encode = thermometer(...) | binarize }`
 * (ir_program.encode), fitted on the training split by runtime/train: what turns one
 * sample's normalized features x[0 .. n_features) (the floats of rt_split.x, the domain
 * the trainer sees) into the n_inputs 1-bit input codes of the tables:
 *     code[f*levels + t] = x[f] > thresholds[f*levels + t]      (1 or 0)
 * with thresholds ascending per feature (binarize: levels = 1, every threshold 0). The
 * back ends take raw features instead: data_info (runtime/data/data.h) gives the
 * normalization x = (g(raw) - shift[f]) * mul[f], g = the dataset's `scale` then `log1p`
 * (both monotonic, mul > 0), so x > thr  <=>  g(raw) > thr / mul[f] + shift[f]; the back
 * end converts each threshold to its raw fixed-point format and must give the same bit as
 * this rule on every sample of the test split (rt_codes.input holds the encoded bits).
 * encode = 0 (IR_ENC_HARDTANH): no encoder here, levels 0, thresholds NULL. */
typedef struct rt_encoder {
    int encode;        /* the ir_encode value (IR_ENC_THERMOMETER, IR_ENC_BINARIZE) */
    int n_features;    /* dataset inputs */
    int levels;        /* thresholds per feature: T, 1 for binarize */
    float *thresholds; /* [n_features * levels] in the normalized domain */
} rt_encoder;

/* The input encoder in hardware: raw fixed-point features -> input codes of 1 bit
 * (thermometer, binarize). A raw feature is an integer R of raw_bits bits (two's complement
 * when raw_signed) standing for the value R * 2^-raw_frac. Input code i reads raw feature
 * feature[i] and is 1 when R >= thr[i] (descending[i] false) or R <= thr[i] (true); a
 * threshold outside the raw range makes the code constant. n_features = 0: no encoder in
 * hardware (the design reads the input codes). */
/* (runtime/backend hwio.c makes it from rt_encoder: README "Encoder and head".) */
typedef struct rt_hw_encoder {
    int n_features; /* raw features (0: none) */
    int raw_bits;   /* W: bits per raw feature, 1..31 */
    int raw_frac;   /* F: fraction bits of the fixed-point value */
    bool raw_signed;
    int *feature;     /* [n_inputs] raw feature of input code i */
    int64_t *thr;     /* [n_inputs] integer threshold in the raw domain */
    bool *descending; /* [n_inputs] the code is 1 at or below thr (the feature falls with R) */
} rt_hw_encoder;

typedef struct rt_tables {
    int n_inputs;      /* width of the input code vector */
    int input_bits;    /* bits per input code */
    bool input_signed; /* input codes are offset binary */
    int n_layers;
    rt_table_layer *layers; /* [n_layers] */
    rt_encoder enc;         /* the input encoder (encode 0: none, the codes are the input) */
    /* The output head: 0 for one code per class (the largest wins); G for a group sum: the
     * last layer has classes * G 1-bit codes and class c's score is the number of 1s among
     * codes [c*G, (c+1)*G); the highest score wins, ties to the lowest class. */
    int head_group;
    rt_hw_encoder hwenc; /* the input encoder in hardware (hwenc.n_features 0: none) */
} rt_tables;

void rt_tables_free(rt_tables *t);

/* ---- Reference codes --------------------------------------------------------------
 * What the quantized model (the training code's own forward pass) produces on the test
 * split, layer by layer. Every back end is verified against this. */
typedef struct rt_codes {
    int n_samples;
    int n_inputs; /* input code vector width */
    int n_layers;
    int *widths;      /* [n_layers] code vector width of each layer */
    uint16_t *input;  /* [n_samples * n_inputs] input codes */
    uint16_t **layer; /* [n_layers][n_samples * widths[l]] output codes */
    int *labels;      /* [n_samples] true class */
    /* With an encoder in hardware (rt_tables.hwenc): the raw fixed-point features of every
     * sample, [n_samples * n_raw]; input holds the integer encoder's codes of them. */
    int n_raw;
    int32_t *raw;
    /* With a group-sum head: the class scores, [n_samples * n_scores] (n_scores = classes). */
    int n_scores;
    uint16_t *scores;
} rt_codes;

void rt_codes_free(rt_codes *c);

/* ---- Representations ----------------------------------------------------------------
 * The representations of a trained model that verification compares with the reference
 * codes, in the order they are checked, with the key report.json uses for each. A new
 * representation (a back end with its own verification) adds its row here. */
#define RT_REPRS(X)                                                                                \
    X(RT_REPR_TABLES, "table")                                                                     \
    X(RT_REPR_CSIM, "csim")                                                                        \
    X(RT_REPR_RTL, "rtl")
typedef enum rt_repr {
#define RT_REPR_ENUM(id, key) id,
    RT_REPRS(RT_REPR_ENUM)
#undef RT_REPR_ENUM
        RT_N_REPR
} rt_repr;
/* The report.json key of a representation ("table", "csim", "rtl"). */
const char *rt_repr_name(rt_repr r);

/* ---- Report ------------------------------------------------------------------------
 * Everything OUT/report.json says. Doubles that were not measured are NAN and are
 * written as null; counts not known are -1. */
/* ---- Artifacts ---------------------------------------------------------------------
 * The files a run wrote, each with its SHA-256: report.json's "artifacts" (so also the
 * store's copy of it), which `nltc verify OUT` recomputes and compares. */
typedef struct rt_artifact {
    char *path;      /* relative to OUT, '/'-separated (owned) */
    char sha256[65]; /* lower-case hex; "" for an entry that is not a regular file */
} rt_artifact;
typedef struct rt_artifacts {
    int n;          /* entries, sorted by path (strcmp) */
    rt_artifact *a; /* [n] (owned) */
} rt_artifacts;
/* Every entry under dir, recursively, except dir/report.json: regular files with their
 * digest, anything else (symbolic links, devices) with sha256 "". RT_OK, or RT_ERR_IO
 * naming the file that cannot be read; *out is empty on failure. */
rt_status rt_artifacts_scan(const char *dir, rt_artifacts *out, rt_error *e);
/* Appends a copy of path with digest hex (may be ""). */
void rt_artifacts_add(rt_artifacts *as, const char *path, const char *hex);
/* The entry for path, or NULL (as sorted). */
const rt_artifact *rt_artifacts_find(const rt_artifacts *as, const char *path);
void rt_artifacts_sort(rt_artifacts *as);
void rt_artifacts_free(rt_artifacts *as);

#define RT_MAX_STAGE_LEVELS 64 /* stages whose depth a report lists (more: not listed) */
typedef struct rt_report {
    const char *model, *dataset;
    uint64_t seed;
    int n_train, n_valid, n_test;
    struct {
        double flt, quantized;  /* test split, fractions 0..1 */
        double repr[RT_N_REPR]; /* the same for each representation (rt_repr) */
    } accuracy;
    double validation_accuracy; /* of the selected checkpoint */
    int best_epoch;             /* selected epoch of the last stage (1-based) */
    long llut_count;
    long long table_bits; /* sum over L-LUTs of 2^(F*b_in) * b_out */
    struct {
        double stage1, stage2, tabulate, emit, verify, synth;
    } time_s;
    double train_samples_per_s; /* last stage, training only */
    struct {
        int samples;
        long mismatches;
        int n_pipelines;
        const char *pipelines_checked[8]; /* "none", "every_layer", "trees", "every_k" */
    } verify;
    struct {
        long luts_estimate, luts_yosys, ffs, lut_levels;
        int pipeline_stages, latency_cycles;
        int n_stage_levels;                    /* entries of stage_levels; -1: not measured */
        int stage_levels[RT_MAX_STAGE_LEVELS]; /* deepest LUT path of each pipeline stage */
        long luts_xilinx, muxf;                /* Yosys synth_xilinx: LUTs, MUXF7 + MUXF8 */
        /* beside the core: the input encoder and the group-sum head in hardware, analytic
         * and Yosys (each module alone); -1 when the design has none */
        long luts_encoder_estimate, luts_encoder_yosys, luts_head_estimate, luts_head_yosys;
        /* the core alone by Yosys (encoder and head kept apart); -1 when the design has
         * neither or was not synthesized */
        long luts_core_yosys;
        /* the analytic estimate over each output bit's true support, of the L-LUTs that
         * reach an output; lluts_dead: the L-LUTs that do not (removed by synthesis) */
        long luts_support;
        int lluts_dead;
        /* the encoder's comparators (the thresholds some L-LUT reads, not constant) of its
         * thresholds (one per input code); -1 when the design has no encoder */
        int encoder_comparators, encoder_thresholds;
        double fmax_mhz, latency_ns, adp;     /* timing estimate; adp = LUTs x latency ns */
        double stage_ns[RT_MAX_STAGE_LEVELS]; /* [n_stage_levels] delay of each stage, ns */
        bool timed;                           /* stage_ns holds the estimate */
        const char *critical_path;            /* stage, layers, cells of the slowest path */
        const char *timing_model;             /* "estimate ...: model, calibration" */
        int n_layer_luts;                     /* entries of layer_luts; -1: not known */
        long layer_luts[RT_MAX_STAGE_LEVELS]; /* analytic LUTs per layer */
        const char *target;                   /* FPGA family ("ice40"), NULL: not known */
        long luts_mapped;                     /* the family's own mapping (synth_ice40 ...) */
        const char *estimate_note;            /* Shannon decomposition note, or NULL */
        const char *pnr_part;                 /* placed and routed on, NULL: no P&R */
        double pnr_fmax_mhz;                  /* the router's Fmax */
        long pnr_cells, pnr_cells_total;      /* logic cells used, of the part's */
        const char *bitstream;                /* relative to OUT */
    } hardware;
    rt_artifacts artifacts; /* every file of OUT but report.json, with its SHA-256 (owned
                             * by whoever filled it: free with rt_artifacts_free) */
    struct { /* hardware { reduce = dont_care(rarity = R) }; rarity -1: no reduction */
        long rarity;
        double valid_before, valid_after;         /* validation accuracy, model vs reduced tables */
        double test_before, test_after;           /* test accuracy, likewise */
        long long addresses, seen;                /* table addresses, those seen >= R times */
        long luts_before, luts_after;             /* support-based LUT estimate, identical functions
                                                   * shared, no O5/O6 pairs (be_reduce_stats) */
        long luts_before_pairs, luts_after_pairs; /* the same with O5/O6 pairs (K = 6) */
        long changed_test;               /* test samples whose codes the reduction changed */
        long long budget, changed_train; /* dont_care(changes = C): training-sample output
                                          * bits it may change and changed (-1: no budget) */
        double seconds;                  /* counting, reduction and recomputation */
    } reduce;
    struct {   /* per class on the test split, from the verified codes (argmax, first on ties) */
        int n; /* classes; 0: not measured */
        const char **names; /* [n] class names */
        long *confusion;    /* [n * n] test samples of true class i predicted as j at i*n + j */
    } classes;              /* arrays owned by whoever filled them (report_classes_free) */
    struct {          /* a group-sum head of M > 1 members: each member's test accuracy alone (the
                       * popcount of its part of every class's group), from the verified codes */
        int n;        /* members; 0: not measured */
        double *test; /* [n] (owned like classes' arrays: report_classes_free) */
    } members;
    struct {                      /* what reproducing the run needs (NULL, -1: not known) */
        const char *nltc_version; /* nltc's version */
        const char *commit;       /* git describe --always --dirty of the source, or "unknown" */
        const char *compiler;     /* of the training library: id and version */
        const char *cpu_features; /* the instruction sets the training library was built for */
        int threads;              /* training's worker threads */
    } build;
} rt_report;

/* Sets every field to "not measured". */
void rt_report_init(rt_report *r);

#endif /* NLTC_RT_H */
