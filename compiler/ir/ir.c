/* ir.c - the functions every reader of the IR shares (library nltc_ir): the front end
 * builds ir_program, the runtime reads it, and both may call these. */
#include "ir.h"

#include <string.h>

const ir_srcloc *ir_locate(const ir_program *p, const char *prop) {
    for (int i = 0; i < p->n_locs; i++)
        if (strcmp(p->locs[i].prop, prop) == 0) return &p->locs[i];
    return p->model_loc;
}
