/* train.h - training, truth-table enumeration and reference codes of NeuraLUT-Assemble models.
 *
 * The training runtime reads an ir_program (compiler/ir.h) and an rt_dataset (runtime/rt.h)
 * and produces a trained quantized model (tr_model). From it come the truth tables
 * (rt_tables) and the reference codes of a split (rt_codes), both through the one quantized
 * forward pass that training itself uses: no back end re-implements the arithmetic.
 *
 * Sections:
 *   1. Public API (what the driver and the back ends call).
 *   2. Files written under OUT/train/ (formats).
 * The kernels, the model's layout and the internals shared by the files of this folder (and
 * seen by tests/train and bench/train) are in train_int.h.
 *
 * The method, in brief (see shared/docs/METHOD.md):
 *   input:   batch norm (affine, per feature), then the IR_Q_HARDTANH signed quantizer.
 *   L-LUT:   y = fc2(relu(fc_depth(...relu(fc1(x))))) + skip.x + b, then batch norm (one
 *            channel per L-LUT), then the layer's quantizer (IR_Q_RELU unsigned or
 *            IR_Q_IDENTITY signed); the dequantized value s*q feeds the next layer.
 *   loss:    cross-entropy on the dequantized outputs of the last layer.
 *   stage 1: the "dense" stage. Every IR_CONNECT_LEARNED layer becomes a dense linear layer
 *            (the L-LUT's skip path over all inputs, one matrix product per layer; no hidden MLP),
 *            trained with CE + wd*sum_rows(2^(wd1*||row||_1) - 1) over its rows. The mask of
 *            each L-LUT is then its top-F inputs by |weight|. This is the "skip path alone"
 *            formulation of the learned grouping: the masks are read from the skip weights,
 *            as in the public code, at the cost of one product per layer instead of a dense
 *            fc1 over all inputs (108M weights per MNIST layer).
 *   stage 2: a fresh sparse model over the masks (the first sparse stage creates it; further
 *            sparse stages continue training it). The checkpoint with the best validation
 *            accuracy (ir_train.select) is kept; test accuracy is measured only at the end.
 *
 * Quantizer conventions (the peer's, after Brevitas/NeuraLUT): one learned scale per layer,
 * s = max(|raw|, 1e-4); unsigned q = rint(clamp(z/s, 0, 2^b-1)); signed b>=2
 * q = rint(clamp(z/s, -2^(b-1), 2^(b-1)-1)); signed 1 bit q = (z/s >= 0) ? +1 : -1. The value
 * is (float)q*s. The rounding is round-half-to-even. The straight-through estimator passes
 * the gradient where z/s lies inside the clamp range (|z/s| <= 1 for 1-bit signed); the scale
 * gets the LSQ-style gradient q - [inside]*z/s. Initial scales: max value / max(qmax, 1) with
 * max value 1.0 (input), 1.33 (last layer), 1.61 (other layers). Codes as the hardware sees
 * them: unsigned q; signed q + 2^(b-1) (offset binary); 1-bit signed (q+1)/2.
 *
 * Determinism: every random choice (initial weights, random masks, the shuffle of each
 * epoch) comes from a seeded splitmix64/xoshiro generator keyed by (seed, purpose, stage,
 * epoch), never rand(). The sparse stage splits L-LUTs over threads and reduces every
 * cross-L-LUT sum per L-LUT first and then in index order; the dense stage's products
 * (gemm.c) sum every element over k in order. Every multiply-add is one IEEE fma, the
 * vector width never changes a sum's order, and exp/log/cos/pow are the library's own
 * (mathfn.c): the same model file and seed give the same bits for any thread count, on
 * any x86-64 machine, from any build target (runtime/train/README.md, "Reproducibility").
 */
#ifndef NLTC_TRAIN_H
#define NLTC_TRAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "ir.h"
#include "rt.h"

/* ==== 1. Public API ============================================================== */

/* The figures of one epoch's progress line, for a caller that shows progress its own way
 * (a terminal's status line): train_opts.on_epoch. */
typedef struct tr_progress {
    bool dense;             /* the dense stage (else a sparse one) */
    int stage, n_stages;    /* 0-based stage index, stages of the plan */
    int epoch, epochs;      /* 1-based epoch of this stage, and its epoch count */
    double loss, train_acc; /* the epoch's mean loss and training accuracy (0..1) */
    double valid_acc;       /* validation accuracy (0..1), NAN when there is no split */
    double lr, samples_per_s;
    double eta_s;       /* the rest of the training at the pace so far (seconds) */
    double stage_eta_s; /* the rest of this stage */
} tr_progress;

/* Seconds as the progress lines write them: "12.0s", "3m05s", "1h02m" ("?" when unknown). */
void tr_format_seconds(char *buf, size_t n, double s);

/* Receives each epoch's figures and its plain progress line (ending with a newline). */
typedef void (*tr_progress_fn)(void *ctx, const tr_progress *p, const char *line);

/* Data-parallel training over ranks (processes, e.g. MPI ranks; the driver sets it up):
 * every rank runs train_run with the same model, data and seed, takes its whole 16-row
 * blocks of each batch, and every sum over rows goes through reduce: v[0..n) replaced on
 * every rank by the sum over the ranks, wrapping modulo 2^64 (int64 fixed point, so the
 * order of the additions cannot matter; MPI_Allreduce with MPI_UINT64_T and MPI_SUM).
 * Every rank must call train_run; rank 0 alone writes OUT/train. ranks <= 1 (the default,
 * zeroed): one process, reduce unused. The results do not depend on ranks. */
typedef struct train_dp {
    int rank, ranks;                                  /* this rank, how many */
    void (*reduce)(void *ctx, uint64_t *v, size_t n); /* in-place sum over the ranks */
    void *ctx;                                        /* its first argument */
} train_dp;

/* How train_run runs (the model and the data come from the IR and the dataset). */
typedef struct train_opts {
    const char *out_dir;     /* OUT: checkpoints, masks, curve go to OUT/train/; NULL: no files */
    bool resume;             /* continue from OUT/train/checkpoint.bin when it exists */
    int threads;             /* worker threads (0 = the default: tr_threads(0)) */
    FILE *progress;          /* per-epoch progress lines (NULL = stderr) */
    bool quiet;              /* no progress lines at all */
    tr_progress_fn on_epoch; /* if set (and not quiet): called at the end of every epoch
                                instead of writing its line to progress; the other
                                lines still go to progress */
    void *on_epoch_ctx;      /* its first argument */
    volatile sig_atomic_t *stop; /* NULL: train_run catches SIGINT itself while it runs;
                                  * else the caller's flag (set it from the caller's own
                                  * handler or thread), polled between batches, and no
                                  * handler is installed */
    int *const *masks;           /* fixed input masks per layer (e.g. from tr_read_masks): NULL, or
                                    [n_layers] with NULL entries for layers wired as the IR says;
                                    with masks the dense stage is skipped */
    train_dp dp;                 /* data-parallel ranks (zeroed: one process) */
} train_opts;

/* A trained quantized model (opaque outside this folder). */
typedef struct tr_model tr_model;

/* The worker threads a request means: n when n > 0, else the machine's online cores (at
 * least 1, at most 1024). Results do not depend on the count (the tables are the same for
 * any thread count), only the speed does. */
int tr_threads(int n);

/* Sets the defaults: no output folder, the machine's cores, progress to stderr, SIGINT
 * caught. */
void train_opts_init(train_opts *o);

/* Trains the model of `ir` on `d`: the dense stage (if the IR has one), the masks, the
 * sparse stage(s), selection on the validation split, then the test accuracy of the selected
 * model. Fills rep (seed, splits, accuracy.flt/quantized, validation_accuracy, best_epoch,
 * llut_count, table_bits, time_s.stage1/stage2, train_samples_per_s). On RT_OK and when out
 * is not NULL, *out receives the selected model, without optimizer state (free with
 * tr_model_free). Failures fill e: RT_ERR_MODEL (the IR and the data do not fit together,
 * a checkpoint of another model), RT_ERR_IO (a file under OUT/train could not be written
 * or read), RT_INTERRUPTED (SIGINT or *stop: the checkpoint was saved; run again with
 * resume). Progress lines go to the progress stream. */
rt_status train_run(const ir_program *ir, const rt_dataset *d, const train_opts *o, rt_report *rep,
                    tr_model **out, rt_error *e);

/* What this build's training refuses (RT_ERR_MODEL, located at the property): the L-LUT
 * kinds table and poly, connect = mapping, encoders other than hardtanh and the group-sum
 * head have their kernels (dwn.c) but no model pass yet. `nltc --check` and train_run call
 * it before anything else. */
rt_status tr_check_model(const ir_program *ir, rt_error *e);

/* What data-parallel training over ranks > 1 refuses (RT_ERR_USAGE, located at the
 * property where it has one): kind = table, connect = mapping and head = group_sum, whose
 * sums over rows are not in fixed point yet. train_run calls it; the driver before it
 * writes anything. */
rt_status tr_check_dp(const ir_program *ir, int ranks, rt_error *e);

/* Loads the selected model that train_run left in OUT/train/model.bin (for `nltc verify`):
 * parameters, statistics and masks, no optimizer state. The file must have been written for
 * the same model architecture. threads: as in train_opts. Errors name the file. */
rt_status tr_model_load(const ir_program *ir, const char *out_dir, int threads, tr_model **out,
                        rt_error *e);

void tr_model_free(tr_model *m);

/* Reads a masks.txt file (format in section 2) for the model ir: *out receives [n_layers]
 * index tables (malloc'd; NULL for layers the file does not name; free each, then the
 * array). Errors name path:line (RT_ERR_MODEL; RT_ERR_IO when unreadable). */
rt_status tr_read_masks(const char *path, const ir_program *ir, int ***out, rt_error *e);
/* Frees tr_read_masks' tables (n: the model's layers; NULL masks: nothing). */
void tr_free_masks(int **masks, int n);

/* Enumerates every L-LUT over all 2^(F*b_in) input codes through the quantized forward
 * pass (the same kernels training uses), multithreaded, into t (address convention of
 * rt.h; inputs filled from the masks / contiguous wiring). RT_ERR_MODEL for a stage-1 dense
 * model, which has no tables. */
rt_status tr_tabulate(const tr_model *m, rt_tables *t, rt_error *e);

/* Runs split s through the quantized model: the input codes and every layer's output codes
 * (and the labels) into c. RT_ERR_MODEL for a stage-1 dense model. */
rt_status tr_codes(const tr_model *m, const rt_split *s, rt_codes *c, rt_error *e);
/* The input codes of split s alone, exactly tr_codes' c->input (the evaluation pass's
 * input quantizer or encoder, the layers not run): [s->n * inputs] row-major into codes
 * (caller-allocated). With rt_tables, table lookup from them gives every layer's codes
 * (be_lookup). RT_ERR_MODEL for a stage-1 dense model. */
rt_status tr_input_codes(const tr_model *m, const rt_split *s, uint16_t *codes, rt_error *e);

/* Input code i's quantizer (batch norm and clip, as the evaluation pass computes it, or the
 * encoder's x > threshold) as
 * thresholds on the float feature x: code codes[0] below thr[0], codes[k] from thr[k-1]
 * up to thr[k], ...; returns the number of thresholds (thr [255], codes [256]). The
 * exported preprocessing (tables/preprocess.txt) reproduces the input codes with it. */
int tr_input_thresholds(const tr_model *m, int i, float *thr, uint16_t *codes);
/* The feature input code i reads (i itself, or with an input encoder i / levels); -1 when
 * the model has no input code i. */
int tr_input_feature(const tr_model *m, int i);

/* Accuracy of the model on split s (fractions 0..1): *quantized is the argmax of the output
 * codes (ties: lowest class index); *flt is the argmax of the last layer's values before its
 * output quantizer (the hidden layers stay quantized, as the model was trained). Either
 * pointer may be NULL. Selection during training uses the quantized validation accuracy,
 * ties broken by the lower cross-entropy of the quantized outputs. */
void tr_evaluate(const tr_model *m, const rt_split *s, double *flt, double *quantized);

/* Number of L-LUTs and the sum of their table sizes in bits (2^(F*b_in) * b_out each). */
long tr_llut_count(const ir_program *ir);
long long tr_table_bits(const ir_program *ir);

/* ---- Memory, known before training ----------------------------------------------------
 * tr_memory_estimate follows the allocations of a run (memory.c): the peak over the dense
 * stage, the sparse stage and what follows training (tables, reference codes, verification),
 * with the part sizes at that peak. rows: the sample counts of the splits, or NULL when the
 * data is not loaded yet (then the data and the reference codes count as 0). threads: as in
 * train_opts. prop names the model property that makes the largest part large ("lut
 * leaf.hidden", "lut leaf.fanin", "tree t1.neurons", "train.batch"), why says what that part
 * is. Returns m->total (bytes). */
typedef enum tr_mem_part {
    TR_MEM_BASE,   /* the program, its libraries, thread stacks */
    TR_MEM_PARAMS, /* the parameter block */
    TR_MEM_OPTIM,  /* gradients, Adam moments, checkpoint and average copies */
    TR_MEM_WORK,   /* the batch workspace */
    TR_MEM_DATA,   /* the loaded splits */
    TR_MEM_TABLES, /* the truth tables */
    TR_MEM_CODES,  /* the reference codes of the test split */
    TR_MEM_N
} tr_mem_part;
typedef struct tr_mem_rows {
    long train, valid, test; /* samples per split */
} tr_mem_rows;
typedef struct tr_memory {
    uint64_t total;          /* bytes at the peak */
    uint64_t part[TR_MEM_N]; /* the parts at the peak */
    const char *phase;       /* "the dense stage", "the sparse stage", "tables and verification" */
    bool data_counted;       /* rows were given */
    char prop[96];           /* the property that makes the largest part large */
    char why[256];           /* the largest part, in words */
} tr_memory;
uint64_t tr_memory_estimate(const ir_program *ir, int threads, const tr_mem_rows *rows,
                            tr_memory *m);
/* The name of a part ("truth tables"). */
const char *tr_mem_part_name(tr_mem_part p);
/* bytes as "12.3 MiB" (binary units) into buf. */
void tr_mem_format(uint64_t bytes, char *buf, size_t n);

/* ==== 2. Files under OUT/train/ ===================================================
 *
 * checkpoint.bin  the whole training state (written atomically after every epoch and on
 *                 SIGINT): stage, epoch, batch position, parameters, batch-norm running
 *                 statistics, Adam moments, the best model so far, the masks, the curve.
 *                 Binary, host byte order, closed by an FNV-1a checksum; it names the model
 *                 fingerprint so a resume with another model is refused.
 * model.bin       the selected sparse model (parameters, running statistics, masks), same
 *                 container, written at the end of training.
 * masks.txt       the input masks, text:
 *                     # nltc masks v1
 *                     layer <index> <name> in <in_width> out <out_width> fanin <F> <how>
 *                     <F input indices of L-LUT 0, ascending, space separated>
 *                     ... one line per L-LUT ...
 *                 for every layer that is not contiguous; <how> is learned or random.
 * curve.csv       stage,epoch,loss,train_acc,valid_acc,lr,seconds,samples_per_s
 *                 one row per epoch; seconds = wall time since the start of training
 *                 (including evaluation); accuracies are fractions; valid_acc is the
 *                 quantized model's validation accuracy (empty when there is no
 *                 validation split).
 */

#endif /* NLTC_TRAIN_H */
