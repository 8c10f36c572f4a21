/* driver.h - what the files of driver/ share: the subcommands of nltc and the one way
 * errors are printed.
 *
 * Every command returns an rt_status and fills the caller's rt_error; main.c alone prints
 * the error and maps the status to the process exit code (its table, see nltc --help).
 * Each subcommand parses its own command line with cli.h and answers --help.
 */
#ifndef NLTC_DRIVER_H
#define NLTC_DRIVER_H

#include <stdbool.h>
#include <stdio.h>

#include "ir.h"
#include "rt.h"

/* A subcommand: `nltc NAME args...` calls it with argv[0] == NAME. */
typedef rt_status (*driver_cmd_fn)(int argc, char **argv, rt_error *e);

/* The experiment store (commands.c). */
rt_status driver_cmd_runs(int argc, char **argv, rt_error *e);
rt_status driver_cmd_show(int argc, char **argv, rt_error *e);
rt_status driver_cmd_diff(int argc, char **argv, rt_error *e);
rt_status driver_cmd_checkout(int argc, char **argv, rt_error *e);
rt_status driver_cmd_tag(int argc, char **argv, rt_error *e);
/* `nltc verify OUT` (verify_cmd.c). */
rt_status driver_cmd_verify(int argc, char **argv, rt_error *e);
/* `nltc sweep` (sweep.c), `nltc pareto` (pareto.c). */
rt_status driver_cmd_sweep(int argc, char **argv, rt_error *e);
rt_status driver_cmd_pareto(int argc, char **argv, rt_error *e);
/* `nltc fmt` (fmt_cmd.c). */
rt_status driver_cmd_fmt(int argc, char **argv, rt_error *e);
/* `nltc lsp`, the language server (lsp.c). */
rt_status driver_cmd_lsp(int argc, char **argv, rt_error *e);
/* `nltc predict OUT FILE.csv` (predict.c). */
rt_status driver_cmd_predict(int argc, char **argv, rt_error *e);
/* The text of OUT/tables/preprocess.txt for a trained model and its data (predict.c):
 * the fitted encoding, each input's quantizer as thresholds, the class names. */
struct data_info;
struct tr_model;
char *nltc_prep_text(const ir_program *ir, const struct data_info *info, const struct tr_model *m);

/* The standard library of an installed nltc (install.c): PREFIX/share/nltc/stdlib when the
 * running binary is PREFIX/bin/nltc and that folder exists; NULL when $NLTC_STDLIB is set
 * (the compiler reads it) or there is none (the compiler's built-in path, the source
 * folder of a build tree, applies). For nltc_compile_opts.stdlib_dir. */
const char *driver_stdlib_dir(void);

/* Colour (error.c): driver_color_init(when) decides once, for stderr, from --color
 * (0 auto, 1 always, 2 never), $NO_COLOR (set and not empty: never, unless always) and
 * whether stderr is a terminal (auto); driver_color() says what it decided. */
void driver_color_init(int when);
bool driver_color(void);

/* Prints e to f (error.c): nothing when e->msg is empty (the problem was already reported,
 * as the front end's diagnostics are); "FILE:LINE:COL: error: MSG" when e->prop names a
 * property and ir (if not NULL) knows where it was written (ir_locate); else
 * "nltc: error: MSG". */
void driver_fprint_error(FILE *f, const ir_program *ir, const rt_error *e);
/* The same to stderr: how every nltc command reports its error. */
void driver_print_error(const ir_program *ir, const rt_error *e);

#endif /* NLTC_DRIVER_H */
