/* ir.h - the lowered model: the one contract between compiler/ and runtime/.
 *
 * The front end (lang/ + compiler/) turns a .nlt file into an ir_program; everything
 * downstream (data loading, training, tables, back ends, the experiment store) reads
 * only this. The IR is flat and explicit: every default is filled in, every width is
 * resolved, every path is resolved relative to the file that named it. Nothing here
 * points back into the AST.
 *
 * Memory: an ir_program and everything it points to live in one arena owned by the
 * compilation (see compiler/compiler.h); runtime code must not free IR pointers.
 *
 * Invariants (checked by ir_verify):
 *   - layers[0].in_width == in_width (the input encoder's width); layers[i].in_width ==
 *     layers[i-1].out_width; the last layer's out_width == dataset.classes (head codes) or
 *     classes * head_group (head group_sum).
 *   - layers[i].bits_in == bits_out of the layer (or input quantizer) feeding it.
 *   - a support layer has in_width == out_width * fanin and connect == IR_CONNECT_CONTIGUOUS.
 *   - 1 <= bits <= 8; fanin * bits_in <= 16 (table address width).
 *   - the last layer's quantizer is IR_Q_IDENTITY (signed output codes), or IR_Q_RELU with
 *     1 bit under a group-sum head.
 *   - input_bits == 1 for the thermometer and binarize encoders.
 *   - a layer of kind mlp has hidden > 0 or the skip path; the other kinds have hidden 0.
 */
#ifndef NLTC_IR_H
#define NLTC_IR_H

#include <stdbool.h>
#include <stdint.h>

/* ---- Enums (enums.def) ---------------------------------------------------------------
 * Every IR enum (ir_quant_kind, ir_data_format, ir_norm, ir_cat_encoding, ir_connect,
 * ir_lut_kind, ir_encode, ir_thresholds, ir_head, ir_stage_kind, ir_optimizer, ir_schedule,
 * ir_select, ir_pipeline, ir_reset, ir_target, ir_part, ir_interface) is defined by the table
 * in enums.def, with the meaning of each constant. For each enum, with <s> its short name
 * (quant, format, norm, encoding, connect, kind, encode, thresh, head, stage, optimizer,
 * schedule, select, pipeline, reset, target, part, interface), ir.c generates:
 *   const char *ir_<s>_name(v)   the printed name (IR dump, manifests, report.json); "?"
 *                                for a value out of range
 *   const char *ir_<s>_word(v)   the word of the .nlt language ("?" out of range)
 *   const char *ir_<s>_text(v)   the phrase of the human-readable report ("?" out of range)
 *   bool ir_<s>_parse(s, &v)     a printed name back to its value; false if none
 *   bool ir_<s>_from_word(w, &v) a language word to its value; false if none
 *   int ir_<s>_count(void)       the number of values
 *   ir_<s>_words[]               the language words in value order, NULL-terminated */

#include "enums.def"

#define IR_ENUM_CONSTANT_(constant, word, name, text) constant,
#define IR_ENUM_TYPEDEF_(type, sh, VALUES)                                                         \
    typedef enum ir_##type{VALUES(IR_ENUM_CONSTANT_)} ir_##type;
IR_ENUMS(IR_ENUM_TYPEDEF_)
#undef IR_ENUM_TYPEDEF_
#undef IR_ENUM_CONSTANT_

#define IR_ENUM_FUNCTIONS_(type, sh, VALUES)                                                       \
    const char *ir_##sh##_name(ir_##type v);                                                       \
    const char *ir_##sh##_word(ir_##type v);                                                       \
    const char *ir_##sh##_text(ir_##type v);                                                       \
    bool ir_##sh##_parse(const char *s, ir_##type *out);                                           \
    bool ir_##sh##_from_word(const char *w, ir_##type *out);                                       \
    int ir_##sh##_count(void);                                                                     \
    extern const char *const ir_##sh##_words[];
IR_ENUMS(IR_ENUM_FUNCTIONS_)
#undef IR_ENUM_FUNCTIONS_

/* ---- Datasets --------------------------------------------------------------------- */

/* How a column is chosen: by header name (name != NULL) or by 0-based index. */
typedef struct ir_colref {
    const char *name; /* header name, or NULL when index is used */
    int index;        /* 0-based column index; -1 when name is used */
} ir_colref;

/* One file (or IDX pair) that provides samples. */
typedef struct ir_source {
    const char *path;        /* CSV file or IDX images file; resolved, never NULL */
    const char *labels_path; /* IDX labels file; NULL for CSV */
} ir_source;

typedef struct ir_dataset {
    const char *name;      /* dataset declaration name, e.g. "mnist" */
    ir_data_format format; /* file format of every source */
    /* Sources. train is always present. valid/test are present (path != NULL) when
     * given as files; otherwise they are carved from train by the fractions below. */
    ir_source train, valid, test;
    double valid_fraction; /* fraction of train rows moved to validation (0 when a file) */
    double test_fraction;  /* fraction of train rows moved to test (0 when a file) */
    uint64_t split_seed;   /* seed of the deterministic shuffle used for carving splits */
    /* CSV layout */
    long skip;          /* lines skipped before the header or the data (skip = N) */
    ir_missing missing; /* what a missing numeric cell becomes (missing = ...) */
    bool header;        /* first row is a header */
    char delimiter;     /* ',' by default */
    ir_colref label;    /* label column */
    int n_drop;         /* columns ignored entirely */
    ir_colref *drop;    /* [n_drop] */
    int n_categorical;  /* categorical (string or integer code) columns */
    ir_colref *categorical;
    ir_cat_encoding cat_encoding;
    /* LogicNets-style numeric binarization: when binarize_bits > 0, every numeric
     * feature is min-max scaled over the training split and written as an unsigned
     * binarize_bits-bit integer, one input per bit (MSB first). 0 = off. */
    int binarize_bits;
    bool log1p;   /* apply sign(x)*log1p(|x|) to numeric features before normalization */
    double scale; /* multiply raw numeric features by this before everything (1 = off) */
    ir_norm norm; /* normalization of numeric features, fitted on the training split */
    /* Resolved shapes, declared in the model file and checked by the loader. */
    int inputs;               /* model input width after encoding */
    int classes;              /* number of classes */
    int n_class_names;        /* 0, or == classes: label values in class order */
    const char **class_names; /* label text for each class index (CSV string labels) */
} ir_dataset;

/* ---- Layers ----------------------------------------------------------------------- */

/* One layer: out_width identical-shape L-LUTs, each its own weights and table. */
typedef struct ir_layer {
    const char *name;    /* "<tree>.<level>", e.g. "t1.0" (leaf level) */
    int tree;            /* index of the tree this layer belongs to (0-based) */
    int level;           /* level within the tree, 0 = leaves */
    bool tree_root;      /* last level of its tree */
    bool support;        /* reads contiguous groups of the previous layer (level > 0) */
    int in_width;        /* code vector width of the previous layer (or the input) */
    int out_width;       /* number of L-LUTs in this layer */
    int fanin;           /* F: inputs per L-LUT */
    int hidden;          /* N: hidden width of the sub-network (0 = no hidden MLP) */
    int depth;           /* hidden layers in the sub-network (>= 1 when hidden > 0) */
    bool lut_skip;       /* the L-LUT's linear skip path x -> w.x */
    int bits_in;         /* bits per input code */
    int bits_out;        /* bits per output code */
    ir_quant_kind quant; /* output quantizer */
    ir_connect connect;  /* connectivity rule */
    bool reg_after;      /* hardware: a pipeline register stage follows this layer */
    const char *lut;     /* the lut declaration of its L-LUTs ("leaf"; NULL in tests) */
    ir_lut_kind kind;    /* what an L-LUT computes (lut { kind }); mlp: hidden, depth, skip */
    int degree;          /* IR_KIND_POLY: the largest monomial degree (1..4); 0 otherwise */
} ir_layer;

/* ---- Training --------------------------------------------------------------------- */

typedef struct ir_stage {
    ir_stage_kind kind;
    int epochs;
    int batch;
    double lr;
    ir_optimizer optimizer;
    double beta1, beta2; /* Adam betas */
    double weight_decay; /* decoupled for AdamW, L2 for Adam */
    ir_schedule schedule;
    int restart_epochs;  /* cosine: T0 in epochs (0 = the stage's epochs, no restart) */
    double restart_mult; /* cosine: T_mult (>= 1) */
    double lr_min;       /* cosine: floor of the learning rate */
    double wd, wd1;      /* hardware regulariser wd*sum(2^(wd1*||row||_1)-1); 0 = off */
    int freeze_mapping;  /* the last N epochs keep the learned mapping's wires fixed */
} ir_stage;

typedef struct ir_train {
    int n_stages;
    ir_stage *stages; /* in order; a dense stage, when present, comes first */
    uint64_t seed;
    ir_select select;
    ir_class_weight class_weight; /* weights of the classes in the training loss */
    double average; /* decay of the sparse stage's parameter average (EMA); 0 = none */
    int shift;      /* augment = shift(pixels = P): training images moved by up to P pixels
                       each way, per row and epoch; 0 = none */
} ir_train;

/* ---- Hardware --------------------------------------------------------------------- */

typedef struct ir_hardware {
    int lut_inputs; /* physical LUT size K (default 6) */
    ir_pipeline pipeline;
    int pipeline_k;    /* for IR_PIPE_EVERY_K */
    int stages;        /* resulting register stages = number of layers with reg_after */
    const char *clock; /* clock port name, default "clk" */
    const char *reset; /* reset port name, default "rst" */
    ir_reset reset_style;
    long reduce_rarity;         /* reduce = dont_care(rarity = R): R; 0 = no reduction */
    ir_reduce_fill reduce_fill; /* dont_care(fill = ...): who fills the don't-cares */
    double reduce_changes;      /* dont_care(changes = C): training-sample output bits the
                                   support reduction may change, a fraction of all */
    double reduce_errors;       /* dont_care(errors = E): net new training errors allowed by
                                   the group-sum head's reduction, a fraction of the samples */
    int reduce_margin;          /* dont_care(margin = M): the class margin training samples keep */
    ir_target target;           /* FPGA family (lut_inputs follows it unless written) */
    ir_part part;               /* iCE40 part to place and route on */
    ir_interface interface;     /* ports of the RTL: plain or a valid/ready stream */
    bool argmax;                /* the RTL has the out_class port (the predicted class index) */
} ir_hardware;

/* ---- Source locations -------------------------------------------------------------
 * The front end records where each property of the model was written, keyed by its
 * schema path, so a check that runs after lowering (a back end's check at --check time)
 * can name file:line:col through ir_locate. The path is "<block>.<property>", the
 * property's name as written, after its block:
 *   - "<kind>" for the blocks a model has once: model, dataset, input, output, train,
 *     hardware ("hardware.clock", "dataset.label", "train.batch", "model.bits");
 *   - "<kind> <name>" for the blocks it may have several of: lut, tree, stage
 *     ("lut leaf.fanin", "tree t1.neurons", "stage dense.epochs").
 * Properties of the train block that set both stages' defaults are "train.<property>".
 * Every property of the effective model (inherited through extends and imports too) and
 * of every valid lut declaration is recorded, at the position of its value in the file
 * that wrote it; model_loc is the model declaration's name (prop "model"). */
typedef struct ir_srcloc {
    const char *prop; /* schema path */
    const char *file; /* the file the property was written in */
    int line, col;    /* 1-based; 0 when set from the command line (file: the flag) */
} ir_srcloc;

/* ---- The program ------------------------------------------------------------------ */

typedef struct ir_program {
    const char *model_name;  /* name of the model declaration */
    const char *source_path; /* the model file as given on the command line */
    int n_sources;           /* the model file and every imported module, resolved */
    const char **sources;    /* [n_sources] resolved paths, importing file first */
    ir_dataset dataset;
    int input_bits; /* bits per input code: the hard-tanh quantizer's bits; 1 for the
                       thermometer and binarize encoders */
    /* The input encoder (input { encode }): what turns a normalized feature vector of
     * dataset.inputs floats into the code vector of in_width codes read by layer 0.
     *   hardtanh     in_width = inputs, codes of input_bits bits (batch norm + hard tanh)
     *   thermometer  in_width = inputs * enc_levels; code [f*T + t] = x_f > threshold_f,t
     *                (thresholds fitted on the training split, enc_thresholds says how)
     *   binarize     in_width = inputs; code f = x_f > 0 */
    ir_encode encode;
    int enc_levels;               /* thermometer: T thresholds per feature; 0 otherwise */
    ir_thresholds enc_thresholds; /* thermometer: how they are fitted */
    int in_width;                 /* the code vector width into layer 0 */
    int n_layers;
    ir_layer *layers; /* [n_layers] in evaluation order */
    bool tree_skip;   /* tree-level skip: non-root levels use IR_Q_IDENTITY */
    /* The output head (output { head }). codes: the last layer's out_width == classes and
     * the largest signed code wins. group_sum: the last layer has classes * head_group
     * 1-bit outputs; class c's score is the number of 1s among outputs
     * [c*head_group, (c+1)*head_group) (ties: the lowest class); training uses
     * softmax(score / head_tau) cross-entropy, one per member: with head_members M the
     * outputs [c*G + k*G/M, c*G + (k+1)*G/M) of every class c form member k's scores. */
    ir_head head;
    double head_tau;  /* group_sum: the softmax temperature of training; 0 for codes */
    int head_group;   /* group_sum: G, outputs per class; 1 for codes */
    int head_members; /* group_sum: M, a divisor of G; 1 for codes */
    /* group_sum with M > 1: whether the members train on the same batches or each on its
     * own (own: a step loads M batches, member k's loss reads only batch k's rows) */
    ir_member_batches head_batches;
    int n_trees;
    ir_train train;
    ir_hardware hw;
    int n_locs;
    const ir_srcloc *locs;      /* [n_locs] where each property was written */
    const ir_srcloc *model_loc; /* the model declaration itself */
} ir_program;

/* ---- The pipeline rule ------------------------------------------------------------ */

/* Whether a pipeline register follows layer `layer` of n_layers under strategy pipe: never
 * (IR_PIPE_NONE); after every layer; after every tree root and the last layer (trees);
 * after every k-th layer and the last (every_k, k >= 1). The lowering (reg_after of the
 * IR) and the back ends (another strategy for the same tables) both place registers by it. */
bool ir_reg_after(ir_pipeline pipe, int k, int layer, int n_layers, bool tree_root);

/* The location of property prop (its schema path), or the model's own location when the
 * property was not written (its default applies); NULL only for an IR built without
 * locations (tests). Defined in compiler/ir/ir.c (library nltc_ir). */
const ir_srcloc *ir_locate(const ir_program *p, const char *prop);

#endif /* NLTC_IR_H */
