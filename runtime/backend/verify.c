/* verify.c - bit-exact verification: every representation of be_reprs[] with a verify
 * step runs the test split and is compared with the reference codes of the quantized
 * model; the summary printer. */
#include "backend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

void be_verify_opts_default(be_verify_opts *o) {
    memset(o, 0, sizeof *o);
    o->csim = true;
    o->rtl = true;
    o->formal = false; /* opt-in: minutes on large models (README "Formal equivalence") */
}

void be_check_init(be_check *k, const char *label) {
    memset(k, 0, sizeof *k);
    snprintf(k->label, sizeof k->label, "%s", label);
    k->lint_warnings = -1;
    k->m.sample = k->m.layer = k->m.index = -1;
    k->accuracy = NAN;
    k->latency = -1;
    k->seconds = NAN;
    k->addr = -1;
}

void be_verify_progress(const be_verify_opts *o, const char *fmt, const char *arg) {
    if (!o->quiet) {
        fprintf(stderr, "nltc: verify: ");
        fprintf(stderr, fmt, arg);
        fputc('\n', stderr);
    }
}

char *be_find_tool(const char *var, const char *name) {
    const char *env = getenv(var);
    return be_which(env && *env ? env : name);
}

/* The label of a representation's runs in the summary. */
static const char *repr_label(rt_repr r) {
    switch (r) {
    case RT_REPR_TABLES:
        return "table lookup";
    case RT_REPR_CSIM:
        return "C simulator";
    default:
        return "RTL";
    }
}

/* The scratch folder of the tool steps (o->work_dir, else a fresh one) with the vector
 * file, written from the reference codes: never from a file that could be stale. */
static rt_status open_work(const rt_tables *t, const rt_codes *c, const be_verify_opts *o,
                           char **work, char **vectors, rt_error *e) {
    *work = *vectors = NULL;
    if (o->work_dir) {
        BE_TRY(be_mkdirs(o->work_dir, e));
        *work = xstrdup(o->work_dir);
    } else if (!(*work = rt_scratch_new("nltc-verify", e)))
        return RT_ERR_IO;
    *vectors = rt_path_join(*work, "vectors.hex");
    return be_write_vectors(t, c, *vectors, e);
}

/* Removes the scratch folder of open_work unless it is to be kept. */
static void close_work(const be_verify_opts *o, char *work, char *vectors) {
    free(vectors);
    if (o->work_dir)
        free(work);
    else if (work)
        rt_scratch_free(work, o->keep_work);
}

rt_status be_verify(const rt_tables *t, const be_plan *p, const rt_codes *c, const char *out_dir,
                    const be_verify_opts *o, be_verify_result *r, rt_error *e) {
    memset(r, 0, sizeof *r);
    for (int i = 0; i < RT_N_REPR; i++)
        for (int j = 0; j < BE_MAX_RUNS; j++)
            be_check_init(&r->repr[i].run[j], repr_label((rt_repr)i));
    r->accuracy_ref = NAN;
    BE_TRY(be_tables_check(t, e));
    BE_TRY(be_codes_check(t, c, e));
    r->samples = c->n_samples;
    r->n_layers = t->n_layers;
    r->accuracy_ref = be_accuracy(be_codes_out(c), c->n_samples, be_codes_out_width(c), c->labels);
    char *work = NULL, *vectors = NULL;
    rt_status st = RT_OK;
    if (o->csim || o->rtl) st = open_work(t, c, o, &work, &vectors, e);
    be_verify_ctx v = {t, p, c, out_dir, work, vectors, o};
    /* every representation runs even when a tool failed for one; the first failure is
     * returned */
    for (int i = 0; i < RT_N_REPR && (!st || st == RT_ERR_TOOL); i++) {
        const be_repr *row = be_repr_of((rt_repr)i);
        rt_error e2 = {0};
        rt_status s2 = row && row->verify ? row->verify(&v, &r->repr[i], &e2) : RT_OK;
        if (s2 && !st) {
            st = s2;
            if (e) *e = e2;
        }
    }
    close_work(o, work, vectors);
    for (int i = 0; i < RT_N_REPR; i++)
        for (int j = 0; j < r->repr[i].n; j++) {
            const be_check *k = &r->repr[i].run[j];
            r->mismatches +=
                k->m.samples + k->latency_errors + (k->formal.ran && !k->formal.proved);
        }
    return st;
}

rt_status be_verify_fail(const be_verify_result *r, rt_error *e) {
    for (int i = 0; i < RT_N_REPR; i++)
        for (int j = 0; j < r->repr[i].n; j++) {
            const be_formal_result *fr = &r->repr[i].run[j].formal;
            if (fr->ran && !fr->proved) return rt_fail(e, RT_ERR_MISMATCH, "%s", fr->note);
        }
    return rt_fail(e, RT_ERR_MISMATCH,
                   "verification found %ld mismatches (mismatching samples or timing errors)",
                   r->mismatches);
}

double be_verify_accuracy(const be_verify_result *r, rt_repr repr) {
    const be_repr_checks *k = &r->repr[repr];
    return k->n > 0 && k->run[0].ran ? k->run[0].accuracy : NAN;
}

/* An exhaustive check: entries compared, the first that differs. */
static void print_entries(FILE *f, const char *what, const be_check *k) {
    fprintf(f, "  %-22s %s: %ld of %ld entries differ", what, k->m.samples ? "MISMATCH" : "ok",
            k->m.samples, k->entries);
    if (!isnan(k->seconds)) fprintf(f, ", %.1f s", k->seconds);
    fputc('\n', f);
    if (k->addr >= 0)
        fprintf(f, "    first: layer %d, L-LUT %d, %s %ld: got %u, expected %u\n", k->m.layer,
                k->m.index, strcmp(k->what, "wiring") == 0 ? "slot" : "address", k->addr, k->m.got,
                k->m.want);
    fprintf(f, "    %s\n", k->note);
}

/* The formal proof's line of an RTL run, if it was asked for. */
static void print_formal(FILE *f, const be_formal_result *fr) {
    if (fr->ran)
        fprintf(f, "    formal: %s (%.1f s): %s\n", fr->proved ? "proven" : "NOT EQUIVALENT",
                fr->seconds, fr->note);
    else if (fr->note[0])
        fprintf(f, "    formal: skipped: %s\n", fr->note);
}

static void print_check(FILE *f, const char *what, const be_check *k, int samples, int r_layers) {
    if (!k->ran) {
        fprintf(f, "  %-22s skipped: %s\n", what, k->note);
        print_formal(f, &k->formal);
        return;
    }
    if (k->entries > 0 || k->addr >= 0) {
        print_entries(f, what, k);
        return;
    }
    rt_buf b = {0}; /* one line, wrapped before column 100 */
    rt_buf_printf(&b, "%s: %ld of %d samples differ",
                  k->m.samples == 0 && k->latency_errors == 0 ? "ok" : "MISMATCH", k->m.samples,
                  samples);
    if (!isnan(k->accuracy)) rt_buf_printf(&b, ", accuracy %.4f", k->accuracy);
    if (k->latency >= 0)
        rt_buf_printf(&b, ", latency %d cycles (%ld timing errors)", k->latency, k->latency_errors);
    if (k->lint_warnings >= 0)
        rt_buf_printf(&b, ", verilator -Wall: %ld warnings", k->lint_warnings);
    if (!isnan(k->seconds)) rt_buf_printf(&b, ", %.1f s", k->seconds);
    fprintf(f, "  %-22s ", what);
    rt_write_wrapped(f, b.data, 25 > 3 + (int)strlen(what) ? 25 : 3 + (int)strlen(what), 4,
                     RT_OUT_WIDTH);
    rt_buf_free(&b);
    if (k->m.sample >= 0) {
        char what[32];
        fprintf(f, "    first failing sample %d, %s", k->m.sample,
                be_layer_what(k->m.layer, r_layers, what, sizeof what));
        if (k->m.index >= 0)
            fprintf(f, ", code %d: got %u, expected %u", k->m.index, k->m.got, k->m.want);
        fputc('\n', f);
    }
    if (k->note[0] && k->ran && (k->m.samples || k->latency_errors))
        fprintf(f, "    %s\n", k->note);
    print_formal(f, &k->formal);
}

void be_verify_print(FILE *f, const be_verify_result *r) {
    const be_findings *fd = &r->findings;
    if (fd->n) fprintf(f, "verify: %d findings (files that differ from the run's):\n", fd->n);
    for (int i = 0; i < fd->n && i < BE_MAX_FINDINGS; i++)
        fprintf(f, "  %s\n", fd->text[i]);
    if (fd->n > BE_MAX_FINDINGS) fprintf(f, "  ... and %d more\n", fd->n - BE_MAX_FINDINGS);
    if (r->samples < 0) return;
    fprintf(f, "verify: %d test samples, reference accuracy %.4f\n", r->samples, r->accuracy_ref);
    for (int i = 0; i < RT_N_REPR; i++)
        for (int j = 0; j < r->repr[i].n; j++)
            print_check(f, r->repr[i].run[j].label, &r->repr[i].run[j], r->samples, r->n_layers);
    fprintf(f, "verify: %ld mismatches\n", r->mismatches);
}
