/* verify_cmd.h - `nltc verify OUT`: the command line of be_verify_folder (runtime/backend). */
#ifndef NLTC_VERIFY_CMD_H
#define NLTC_VERIFY_CMD_H

/* `nltc verify OUT [--pipelines LIST] [--no-rtl] [--no-csim] [--synth] [--work DIR]
 * [--quiet]`: argv[0] is "verify". Returns the exit code: 0 all equal, 1 usage, 2 I/O or
 * tool error, 3 mismatch. */
int nltc_cmd_verify(int argc, char **argv);

#endif /* NLTC_VERIFY_CMD_H */
