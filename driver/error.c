/* error.c - how nltc prints an error: plain, or located in the model file through the IR's
 * source locations when the error names a property (see driver.h). */
#include "driver.h"

void driver_fprint_error(FILE *f, const ir_program *ir, const rt_error *e) {
    if (!e->msg[0]) return;
    const ir_srcloc *loc = ir && e->prop[0] ? ir_locate(ir, e->prop) : NULL;
    if (e->status == RT_INTERRUPTED) /* not an error: the run can be resumed */
        fprintf(f, "nltc: %s\n", e->msg);
    else if (loc && loc->file)
        fprintf(f, "%s:%d:%d: error: %s\n", loc->file, loc->line, loc->col, e->msg);
    else
        fprintf(f, "nltc: error: %s\n", e->msg);
}

void driver_print_error(const ir_program *ir, const rt_error *e) {
    driver_fprint_error(stderr, ir, e);
}
