/* rt.c - the memory helpers and the constructors/destructors of the shared runtime types
 * declared in rt.h. */
#include "rt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void *oom(void) {
    fputs("nltc: out of memory\n", stderr);
    exit(2);
}

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    return p ? p : oom();
}

void *xcalloc(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size ? size : 1);
    return p ? p : oom();
}

void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    return q ? q : oom();
}

char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

static void split_free(rt_split *s) {
    free(s->x);
    free(s->y);
    memset(s, 0, sizeof *s);
}

void rt_dataset_free(rt_dataset *d) {
    split_free(&d->train);
    split_free(&d->valid);
    split_free(&d->test);
}

void rt_tables_free(rt_tables *t) {
    for (int l = 0; l < t->n_layers; l++) {
        free(t->layers[l].inputs);
        free(t->layers[l].codes);
    }
    free(t->layers);
    memset(t, 0, sizeof *t);
}

void rt_codes_free(rt_codes *c) {
    for (int l = 0; l < c->n_layers; l++)
        free(c->layer[l]);
    free(c->layer);
    free(c->widths);
    free(c->input);
    free(c->labels);
    memset(c, 0, sizeof *c);
}

void rt_report_init(rt_report *r) {
    memset(r, 0, sizeof *r);
    r->n_train = r->n_valid = r->n_test = -1;
    r->accuracy.flt = r->accuracy.quantized = r->accuracy.table = NAN;
    r->accuracy.csim = r->accuracy.rtl = NAN;
    r->validation_accuracy = NAN;
    r->best_epoch = -1;
    r->llut_count = -1;
    r->table_bits = -1;
    r->time_s.stage1 = r->time_s.stage2 = r->time_s.tabulate = NAN;
    r->time_s.emit = r->time_s.verify = r->time_s.synth = NAN;
    r->train_samples_per_s = NAN;
    r->verify.samples = -1;
    r->verify.mismatches = -1;
    r->hardware.luts_estimate = r->hardware.luts_yosys = -1;
    r->hardware.ffs = r->hardware.lut_levels = -1;
    r->hardware.pipeline_stages = r->hardware.latency_cycles = -1;
}
