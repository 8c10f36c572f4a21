/* lower.h - what the lowering files share (internal to compiler/).
 *
 * The lowering of the main model to the IR is split by concern:
 *   lower.c         helpers, the model (fe_lower, fe_check_decls), source locations
 *   lower_data.c    the dataset
 *   lower_layers.c  L-LUT shapes and trees: widths, bits, quantizers, connectivity
 *   lower_plan.c    the training plan and the hardware plan (pipeline registers)
 * Every default comes from the schema (schema.def) through sv_*_or_default and
 * sv_default; every enum value from its word through the table of compiler/ir/enums.def. */
#ifndef NLTC_LOWER_H
#define NLTC_LOWER_H

#include "compiler.h"

/* Where to point at a block: its name, else its kind word. */
src_range lw_at(const eblock *b);
/* The value of property key of b (b may be NULL), or NULL. */
const ast_value *lw_value(const eblock *b, kw_id key);
/* The first nested block of kind k, or NULL. */
eblock *lw_sub(const eblock *b, kw_id k);
/* The n elements of the list or chain *vp, or *vp itself as a one-element list. */
const ast_value *const *lw_elems(const ast_value *const *vp, int *n);
/* The constructor word of a value written `word` or `word(args)`; KW_IDENT otherwise. */
kw_id lw_ctor(const ast_value *v);

/* The IR value of enum <sh> written as the checked word kw (enums.def holds the words);
 * *out is left as it is for a word of no value. */
#define LW_ENUM(sh, kw, out) ((void)ir_##sh##_from_word(kw_text(kw), (out)))

/* lower_data.c: the dataset block d into ds. */
void lw_dataset(fe_ctx *fe, const eblock *d, ir_dataset *ds);

/* lower_layers.c: the lowered shape of a `lut` declaration (checked once, cached); every
 * tree of model m into p->layers, p->n_layers, p->n_trees, p->input_bits, p->tree_skip,
 * the input encoder (p->encode, enc_*, in_width) and the output head (p->head, head_*). */
typedef struct lw_lut {
    bool ok;          /* the declaration is valid */
    const char *name; /* the lut's declared name */
    int fanin;        /* F */
    ir_lut_kind kind; /* what the L-LUT computes */
    int degree;       /* poly: D */
    int hidden;       /* N */
    int depth;        /* hidden layers */
    bool skip;        /* linear skip path */
} lw_lut;
const lw_lut *lw_lut_of(fe_ctx *fe, fe_decl *d);
void lw_trees(fe_ctx *fe, const eblock *m, ir_program *p);

/* lower_plan.c: the training plan (t may be NULL: all defaults), the hardware plan (h may
 * be NULL), and the pipeline registers of p's layers (reg_after, hw.stages). */
void lw_train(fe_ctx *fe, const eblock *t, src_range model_at, const ir_program *p, ir_train *tr);
void lw_hardware(fe_ctx *fe, const eblock *h, ir_hardware *hw);
void lw_pipeline(ir_program *p);

#endif /* NLTC_LOWER_H */
