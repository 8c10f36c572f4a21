/* fmt.h - the .nlt formatter behind `nltc fmt`: prints a file in one canonical layout.
 *
 * Layout: 4-space indentation by block depth; `key = value`, `a, b` and `a -> b` with
 * single spaces; a block is written on one line (`lut leaf { fanin = 6; hidden = 64 }`)
 * when its source has `{` and `}` on one line and it fits in 100 columns,
 * else one item per line; properties that share a source line stay joined with "; "
 * while they fit; a list or chain too long for the line is wrapped; at most one blank
 * line is kept between items, none after `{` or before `}`. Comments are kept: own-line
 * comments before the item they precede, same-line comments after theirs; an item with
 * a comment inside its value is copied as written. Numbers and strings keep their
 * spelling.
 *
 * Every result is verified before it is returned: the output must parse to the same
 * syntax tree (hence the same IR) with the same comments, and formatting it again must
 * change nothing.
 */
#ifndef NLTC_FMT_H
#define NLTC_FMT_H

#include "lang.h"

/* Result of formatting one source. */
typedef enum fmt_status {
    FMT_OK,           /* *out holds the formatted text */
    FMT_SYNTAX_ERROR, /* the source does not parse; diagnostics went to d */
    FMT_INTERNAL,     /* verification failed (a formatter bug); message went to d->out */
} fmt_status;

/* Formats src (parsed with lang_parse). On FMT_OK *out is the text, *out_len bytes in
 * arena a plus a terminating NUL (a comment may hold NUL bytes of its own). */
fmt_status fmt_source(nltc_arena *a, const src_file *src, diag_ctx *d, char **out, size_t *out_len);

/* The command `nltc fmt` that calls it is in driver/fmt_cmd.c. */

#endif /* NLTC_FMT_H */
