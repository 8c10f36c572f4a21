/* ir.c - the functions every reader of the IR shares (library nltc_ir): the front end
 * builds ir_program, the runtime reads it, and both may call these. */
#include "ir.h"

#include <string.h>

/* ---- Enums: generated from enums.def ------------------------------------------------- */

#define IR_ENUM_ROW_(constant, word, name, text)  {word, name, text},
#define IR_ENUM_WORD_(constant, word, name, text) word,
#define IR_ENUM_DEFINE_(type, sh, VALUES)                                                          \
    static const struct {                                                                          \
        const char *word, *name, *text;                                                            \
    } ir_##sh##_rows[] = {VALUES(IR_ENUM_ROW_)};                                                   \
    enum { IR_N_##sh = (int)(sizeof ir_##sh##_rows / sizeof *ir_##sh##_rows) };                    \
    const char *const ir_##sh##_words[] = {VALUES(IR_ENUM_WORD_) NULL};                            \
    int ir_##sh##_count(void) {                                                                    \
        return IR_N_##sh;                                                                          \
    }                                                                                              \
    const char *ir_##sh##_name(ir_##type v) {                                                      \
        return (unsigned)v < IR_N_##sh ? ir_##sh##_rows[v].name : "?";                             \
    }                                                                                              \
    const char *ir_##sh##_word(ir_##type v) {                                                      \
        return (unsigned)v < IR_N_##sh ? ir_##sh##_rows[v].word : "?";                             \
    }                                                                                              \
    const char *ir_##sh##_text(ir_##type v) {                                                      \
        return (unsigned)v < IR_N_##sh ? ir_##sh##_rows[v].text : "?";                             \
    }                                                                                              \
    bool ir_##sh##_parse(const char *s, ir_##type *out) {                                          \
        for (int i = 0; s && i < IR_N_##sh; i++)                                                   \
            if (strcmp(s, ir_##sh##_rows[i].name) == 0) return *out = (ir_##type)i, true;          \
        return false;                                                                              \
    }                                                                                              \
    bool ir_##sh##_from_word(const char *w, ir_##type *out) {                                      \
        for (int i = 0; w && i < IR_N_##sh; i++)                                                   \
            if (strcmp(w, ir_##sh##_rows[i].word) == 0) return *out = (ir_##type)i, true;          \
        return false;                                                                              \
    }

IR_ENUMS(IR_ENUM_DEFINE_)

/* ---- The pipeline rule ---------------------------------------------------------------- */

bool ir_reg_after(ir_pipeline pipe, int k, int layer, int n_layers, bool tree_root) {
    bool last = layer == n_layers - 1;
    switch (pipe) {
    case IR_PIPE_NONE:
        return false;
    case IR_PIPE_EVERY_LAYER:
        return true;
    case IR_PIPE_TREES:
        return tree_root || last;
    case IR_PIPE_EVERY_K:
        return (k > 0 && (layer + 1) % k == 0) || last;
    }
    return false;
}

/* ---- Source locations ------------------------------------------------------------------ */

const ir_srcloc *ir_locate(const ir_program *p, const char *prop) {
    for (int i = 0; i < p->n_locs; i++)
        if (strcmp(p->locs[i].prop, prop) == 0) return &p->locs[i];
    return p->model_loc;
}
