/* progress.h - training progress as the flow shows it (progress.c): the plain lines of
 * runtime/train when stderr is no terminal (unchanged, one per epoch), one updating status
 * line per stage on a terminal (bar, epoch, loss, validation accuracy, samples/s, ETA),
 * and the plain lines to a --log file in both cases. The library stays free of terminal
 * logic: it calls nltc_progress_epoch (train_opts.on_epoch) and writes its other lines to
 * nltc_progress_stream. */
#ifndef NLTC_PROGRESS_H
#define NLTC_PROGRESS_H

#include <stdbool.h>
#include <stdio.h>

#include "rt.h"
#include "train.h"

typedef struct nltc_progress {
    FILE *term;       /* stderr; NULL with -q (the log file alone) */
    FILE *log;        /* --log FILE, or NULL */
    FILE *stream;     /* the stream handed to training (its lines go above the status line) */
    bool live, color; /* a terminal: the status line; in colour */
    bool shown;       /* a status line is on the screen, without its newline */
    tr_progress last; /* the figures it shows */
} nltc_progress;

/* Sets p up (quiet: -q, nothing on stderr); RT_ERR_IO naming --log when the log file cannot be
 * created. Close it with nltc_progress_close either way. */
rt_status nltc_progress_open(nltc_progress *p, bool live, bool color, bool quiet,
                             const char *log_path, rt_error *e);
/* The stream for train_opts.progress. */
FILE *nltc_progress_stream(nltc_progress *p);
/* train_opts.on_epoch (ctx: the nltc_progress). */
void nltc_progress_epoch(void *ctx, const tr_progress *t, const char *line);
/* Training is over: the status line keeps its last state and ends with a newline. */
void nltc_progress_close(nltc_progress *p);

#endif /* NLTC_PROGRESS_H */
