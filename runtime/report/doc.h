/* doc.h - the document model of report.md and report.html, shared by the files that build
 * its sections (docs.c: the model, rendering and most sections; classes.c: the per-class
 * results). Internal to runtime/report. */
#ifndef NLTC_REPORT_DOC_H
#define NLTC_REPORT_DOC_H

#include "report.h"

/* ---- The document model --------------------------------------------------------------- */

typedef enum doc_kind {
    DOC_HEADING, /* a section heading */
    DOC_PARA,    /* a paragraph of plain text */
    DOC_TABLE,   /* a table, row 0 is the header */
    DOC_FIGURES, /* one or more plots side by side */
    DOC_CARDS,   /* key figures: label/value pairs */
} doc_kind;

/* One plot: its SVG markup and the file report.md links. */
typedef struct doc_figure {
    char *file; /* path relative to OUT, e.g. "plots/loss.svg" */
    char *alt;  /* alternative text */
    char *svg;  /* the <svg> element */
} doc_figure;

enum { DOC_MAX_COLS = 32, DOC_MAX_FIGS = 3 };

typedef struct doc_block {
    doc_kind kind;
    char *text;                    /* heading / paragraph text */
    int rows, cols;                /* table shape (cards: rows = pairs, cols = 2) */
    char **cells;                  /* [rows * cols] cell text */
    bool numeric[DOC_MAX_COLS];    /* right-aligned columns */
    bool md_only;                  /* only in report.md (the page shows it otherwise) */
    int n_figs;                    /* figures in this block */
    doc_figure figs[DOC_MAX_FIGS]; /* [n_figs] */
} doc_block;

typedef struct doc {
    char *title; /* page title */
    char *sub;   /* line under the title */
    int n;       /* blocks used */
    size_t cap;  /* blocks allocated */
    doc_block *b;
} doc;

doc_block *doc_add(doc *d, doc_kind kind);
void doc_heading(doc *d, const char *text);
void doc_para(doc *d, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Appends one row to a table or card block; the row is fmt's output split at tabs. */
void doc_row(doc_block *b, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 2, 3)))
#endif
    ;
/* Starts a table; header is tab-separated, a leading '>' marks a right-aligned column. */
doc_block *doc_table(doc *d, const char *header);
/* Adds a plot (svg is taken over) to a figures block. */
void add_figure(doc_block *b, const char *file, const char *alt, char *svg);

/* Number formatting: each returns a new string; "n/a" for values that were not measured. */
char *fmt_pct(double v);
char *fmt_count(long long v);

/* Formatted strings kept alive until the document is built, so that they can be passed
 * straight into doc_row. */
typedef struct fmt_pool {
    char **s; /* [n] strings handed out */
    int n;    /* used entries */
} fmt_pool;

const char *pool_keep(fmt_pool *p, char *s);

#define PCT(v) pool_keep(&pool, fmt_pct(v))
#define CNT(v) pool_keep(&pool, fmt_count(v))

/* The per-class section (classes.c): recall, precision and the confusion matrix of the
 * test split; nothing when r->classes.n is 0. */
void doc_classes(doc *d, const rt_report *r, fmt_pool *p);

#endif /* NLTC_REPORT_DOC_H */
