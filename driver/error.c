/* error.c - how nltc prints an error: plain, or located in the model file through the IR's
 * source locations when the error names a property (see driver.h); in colour on a
 * terminal (GCC's colours: the location bold, "error:" bold red). */
#include <stdlib.h>
#include <unistd.h>

#include "driver.h"

static bool g_color;

void driver_color_init(int when) {
    const char *no = getenv("NO_COLOR");
    g_color = when == 1 || (when == 0 && !(no && no[0]) && isatty(STDERR_FILENO));
}

bool driver_color(void) {
    return g_color;
}

void driver_fprint_error(FILE *f, const ir_program *ir, const rt_error *e) {
    if (!e->msg[0]) return;
    const ir_srcloc *loc = ir && e->prop[0] ? ir_locate(ir, e->prop) : NULL;
    bool c = g_color && f == stderr;
    const char *b = c ? "\033[1m" : "", *red = c ? "\033[1;31m" : "", *off = c ? "\033[0m" : "";
    if (e->status == RT_INTERRUPTED) /* not an error: the run can be resumed */
        fprintf(f, "nltc: %s\n", e->msg);
    else if (loc && loc->file && loc->line == 0) /* set from the command line (--set) */
        fprintf(f, "%snltc:%s %serror:%s %s: %s\n", b, off, red, off, loc->file, e->msg);
    else if (loc && loc->file)
        fprintf(f, "%s%s:%d:%d:%s %serror:%s %s\n", b, loc->file, loc->line, loc->col, off, red,
                off, e->msg);
    else
        fprintf(f, "%snltc:%s %serror:%s %s\n", b, off, red, off, e->msg);
}

void driver_print_error(const ir_program *ir, const rt_error *e) {
    driver_fprint_error(stderr, ir, e);
}
