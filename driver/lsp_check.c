/* lsp_check.c - the language server's diagnostics: what `nltc --check` reports, from the
 * same library code (nltc_compile_buffer on the editor's text, then be_check_model and the
 * memory check), published as textDocument/publishDiagnostics with byte-exact ranges.
 *
 * The front end hands its diagnostics over as data (diag_ctx's sink). One in an imported
 * file is shown on the import line of the open document that leads to it (the "imported
 * from here" note in this file), with its own file:line:col in the message; other notes
 * are appended to the message they belong to.
 */
#include <stdlib.h>
#include <string.h>

#include "backend.h"
#include "flow.h"
#include "lsp.h"

/* One diagnostic to publish. */
typedef struct lsp_diag {
    int severity;        /* 1 error, 2 warning (LSP's DiagnosticSeverity) */
    uint32_t begin, end; /* bytes of the document */
    rt_buf msg;          /* the message */
} lsp_diag;

/* What the sink collects over one check. */
typedef struct lsp_diags {
    const char *path; /* the document's path: ranges in other files are relocated */
    lsp_diag *v;      /* [n] */
    size_t n, cap;
    bool pending; /* the last one is in another file: the next note here places it */
} lsp_diags;

static lsp_diag *lsp_diag_add(lsp_diags *ds, int severity, uint32_t begin, uint32_t end) {
    rt_grow((void **)&ds->v, ds->n, &ds->cap, sizeof *ds->v);
    lsp_diag *g = &ds->v[ds->n++];
    *g = (lsp_diag){.severity = severity, .begin = begin, .end = end};
    ds->pending = false;
    return g;
}

/* Appends "FILE:LINE:COL: " for a range outside the document. */
static void lsp_put_where(rt_buf *b, src_range at) {
    int line, col;
    src_line_col(at.file, at.begin, &line, &col);
    rt_buf_printf(b, "%s:%d:%d: ", at.file->path, line, col);
}

/* diag_sink_fn: collects the front end's diagnostics. */
static void lsp_sink(void *ctx, diag_level lvl, src_range at, const char *msg) {
    lsp_diags *ds = ctx;
    bool here = at.file && strcmp(at.file->path, ds->path) == 0;
    if (lvl == DIAG_NOTE) {
        if (ds->n == 0) return;
        lsp_diag *g = &ds->v[ds->n - 1];
        if (here && ds->pending) {
            g->begin = at.begin, g->end = at.end;
            ds->pending = false;
        }
        rt_buf_puts(&g->msg, "\nnote: ");
        if (at.file && !here) lsp_put_where(&g->msg, at);
        rt_buf_puts(&g->msg, msg);
        return;
    }
    lsp_diag *g =
        lsp_diag_add(ds, lvl == DIAG_ERROR ? 1 : 2, here ? at.begin : 0, here ? at.end : 0);
    if (at.file && !here) {
        rt_buf_puts(&g->msg, "in an imported file: ");
        lsp_put_where(&g->msg, at);
        ds->pending = true;
    }
    rt_buf_puts(&g->msg, msg);
}

void lsp_word(const src_file *f, uint32_t off, uint32_t *b, uint32_t *e) {
    const char *t = f->text;
#define LSP_WORDC(c)                                                                               \
    (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z') || ((c) >= '0' && (c) <= '9') ||     \
     (c) == '_' || (c) == '.')
    if (off > f->len) off = (uint32_t)f->len;
    for (*b = off; *b > 0 && LSP_WORDC(t[*b - 1]); --*b)
        ;
    for (*e = off; *e < f->len && LSP_WORDC(t[*e]); ++*e)
        ;
#undef LSP_WORDC
}

/* The byte range of the word at 1-based line and character column (diag.c's columns:
 * code points) of f; the start of the text when the line is not there. */
static void lsp_locate(const src_file *f, int line, int col, uint32_t *b, uint32_t *e) {
    *b = *e = 0;
    if (line < 1 || (uint32_t)line > f->n_lines) return;
    uint32_t o = f->lines[line - 1];
    for (int c = 1; c < col && o < f->len && f->text[o] != '\n'; c++)
        for (o++; o < f->len && ((unsigned char)f->text[o] & 0xC0) == 0x80; o++)
            ;
    lsp_word(f, o, b, e);
    if (*e == *b && *e < f->len) ++*e;
}

/* A back end's or the memory check's refusal, located at the property it names when the
 * document wrote it (else at the model's name, else at the start). */
static void lsp_add_error(lsp_diags *ds, const lsp_doc *d, const ir_program *ir,
                          const rt_error *err) {
    const ir_srcloc *loc = err->prop[0] ? ir_locate(ir, err->prop) : NULL;
    if (loc && (!loc->file || strcmp(loc->file, d->path) != 0)) loc = ir->model_loc;
    uint32_t b = 0, e = 0;
    if (loc && loc->file && strcmp(loc->file, d->path) == 0)
        lsp_locate(d->src, loc->line, loc->col, &b, &e);
    rt_buf_puts(&lsp_diag_add(ds, 1, b, e)->msg, err->msg);
}

/* The physical LUT size K and the analytic estimate of LUT-K (be_hw_estimate's, from the
 * shapes alone: every output bit of a table costs C(address bits)). */
static long lsp_luts(const ir_program *ir, int *k) {
    *k = ir->hw.lut_inputs > 0 ? ir->hw.lut_inputs : 6;
    long luts = 0;
    for (int i = 0; i < ir->n_layers; i++) {
        const ir_layer *l = &ir->layers[i];
        luts += (long)l->out_width * l->bits_out * rt_lut_cost(l->fanin * l->bits_in, *k);
    }
    return luts;
}

/* report_string callback: the summary of the flow and the LUT estimate, in Markdown. */
static void lsp_put_summary(FILE *f, const void *ctx) {
    const ir_program *ir = ctx;
    int k;
    long luts = lsp_luts(ir, &k);
    fputs("```text\n", f);
    nltc_flow_summary(f, ir);
    fprintf(f, "```\nestimated LUTs: **%ld** LUT%d (%s)\n", luts, k, rt_lut_cost_formula());
}

/* The summary in one line (the code lens). */
static const char *lsp_lens(nltc_arena *a, const ir_program *ir) {
    long n = 0;
    long long bits = 0;
    for (int i = 0; i < ir->n_layers; i++) {
        const ir_layer *l = &ir->layers[i];
        n += l->out_width;
        bits += (long long)l->out_width * (1LL << (l->fanin * l->bits_in)) * l->bits_out;
    }
    int k;
    long luts = lsp_luts(ir, &k);
    return nltc_arena_printf(a, "%ld L-LUTs, %lld table bits, about %ld LUT%d", n, bits, luts, k);
}

/* Sends the diagnostics of d. */
static void lsp_publish(lsp_server *s, const lsp_doc *d, const lsp_diags *ds) {
    rt_buf b = {0};
    rt_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/publishDiagnostics\","
                    "\"params\":{\"uri\":");
    json_buf_string(&b, d->uri);
    rt_buf_puts(&b, ",\"diagnostics\":[");
    for (size_t i = 0; i < ds->n; i++) {
        const lsp_diag *g = &ds->v[i];
        rt_buf_puts(&b, i ? ",{\"range\":" : "{\"range\":");
        lsp_put_range(s, &b, d->src, g->begin, g->end);
        rt_buf_printf(&b, ",\"severity\":%d,\"source\":\"nltc\",\"message\":", g->severity);
        json_buf_string(&b, g->msg.data);
        rt_buf_puts(&b, "}");
    }
    rt_buf_puts(&b, "]}}");
    lsp_send(s, &b);
    rt_buf_free(&b);
}

void lsp_check(lsp_server *s, lsp_doc *d) {
    lsp_diags ds = {.path = d->path};
    nltc_compile_opts co = s->co;
    co.quiet = true;
    co.sink = lsp_sink;
    co.sink_ctx = &ds;
    nltc_status cs;
    ir_program *ir = nltc_compile_buffer(d->path, d->src->text, d->src->len, &co, d->a, &cs);
    rt_error err = {0};
    if (ir && (be_check_model(ir, &err) != RT_OK ||
               nltc_memory_check(ir, 0, NULL, 0, NULL, &err) != RT_OK))
        lsp_add_error(&ds, d, ir, &err);
    else if (!ir && ds.n == 0) /* only the IR verifier's findings, which come as text */
        rt_buf_puts(&lsp_diag_add(&ds, 1, 0, 0)->msg,
                    "the lowered model fails the IR verifier (nltc --check FILE prints why)");
    if (ir && !err.msg[0] && ir->model_loc && ir->model_loc->file &&
        strcmp(ir->model_loc->file, d->path) == 0) {
        char *md = report_string(lsp_put_summary, ir);
        d->summary = nltc_arena_strdup(d->a, md);
        d->lens = lsp_lens(d->a, ir);
        free(md);
        lsp_locate(d->src, ir->model_loc->line, ir->model_loc->col, &d->model_at, &d->model_end);
    }
    lsp_publish(s, d, &ds);
    for (size_t i = 0; i < ds.n; i++)
        rt_buf_free(&ds.v[i].msg);
    free(ds.v);
}

void lsp_publish_none(lsp_server *s, const char *uri) {
    rt_buf b = {0};
    rt_buf_puts(&b, "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/publishDiagnostics\","
                    "\"params\":{\"uri\":");
    json_buf_string(&b, uri);
    rt_buf_puts(&b, ",\"diagnostics\":[]}}");
    lsp_send(s, &b);
    rt_buf_free(&b);
}
