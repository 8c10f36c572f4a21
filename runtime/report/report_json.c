/* report_json.c - OUT/report.json: the writer and the reader of rt_report.
 *
 * The keys are the contract of issues 3 and 4 (plus "best_epoch"); "not measured" (NaN
 * doubles, -1 counts) is written as null and read back as such. The reader is lenient about
 * absent keys (older or partial reports) and strict about types. One table of fields drives
 * both directions, so the writer and the reader cannot disagree on a key. */
#include "report.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* How a field is stored in rt_report. */
typedef enum rj_type {
    RJ_STR,       /* const char * */
    RJ_U64,       /* uint64_t, never null */
    RJ_INT,       /* int, -1 = null */
    RJ_LONG,      /* long, -1 = null */
    RJ_LLONG,     /* long long, -1 = null */
    RJ_DOUBLE,    /* double, NaN = null */
    RJ_STRLIST,   /* verify.pipelines_checked */
    RJ_INTLIST,   /* hardware.stage_lut_levels, null when n_stage_levels < 0 */
    RJ_ARTIFACTS, /* artifacts: an object of path -> SHA-256 hex, one member per line */
    RJ_NSLIST,    /* hardware.stage_ns, null unless timed */
    RJ_LUTLIST,   /* hardware.layer_luts, null when n_layer_luts < 0 */
    RJ_CNAMES,    /* classes.names: [n] strings, null when not measured */
    RJ_CONFUSION, /* classes.confusion: [n] rows of [n] counts, null when not measured */
    RJ_RECALL,    /* classes.recall/precision: [n] numbers, derived (the reader checks */
    RJ_PRECISION, /*   their type and takes the matrix's figures) */
    RJ_MEMBERS,   /* accuracy.members: [n] numbers, null when not measured */
} rj_type;

/* One report.json key: its dotted path and where its value lives in rt_report. */
typedef struct rj_field {
    const char *path; /* "accuracy.float"; the first component opens an object */
    rj_type type;     /* storage type */
    size_t offset;    /* offsetof(rt_report, ...) */
} rj_field;

#define RJ(path, type, member)                                                                     \
    { path, type, offsetof(rt_report, member) }
static const rj_field rj_fields[] = {
    RJ("model", RJ_STR, model),
    RJ("dataset", RJ_STR, dataset),
    RJ("seed", RJ_U64, seed),
    RJ("splits.train", RJ_INT, n_train),
    RJ("splits.validation", RJ_INT, n_valid),
    RJ("splits.test", RJ_INT, n_test),
    RJ("accuracy.float", RJ_DOUBLE, accuracy.flt),
    RJ("accuracy.quantized", RJ_DOUBLE, accuracy.quantized),
    RJ("accuracy.table", RJ_DOUBLE, accuracy.repr[RT_REPR_TABLES]),
    RJ("accuracy.csim", RJ_DOUBLE, accuracy.repr[RT_REPR_CSIM]),
    RJ("accuracy.rtl", RJ_DOUBLE, accuracy.repr[RT_REPR_RTL]),
    RJ("accuracy.members", RJ_MEMBERS, members),
    RJ("validation_accuracy", RJ_DOUBLE, validation_accuracy),
    RJ("best_epoch", RJ_INT, best_epoch),
    RJ("llut_count", RJ_LONG, llut_count),
    RJ("table_bits", RJ_LLONG, table_bits),
    RJ("time_s.stage1", RJ_DOUBLE, time_s.stage1),
    RJ("time_s.stage2", RJ_DOUBLE, time_s.stage2),
    RJ("time_s.tabulate", RJ_DOUBLE, time_s.tabulate),
    RJ("time_s.emit", RJ_DOUBLE, time_s.emit),
    RJ("time_s.verify", RJ_DOUBLE, time_s.verify),
    RJ("time_s.synth", RJ_DOUBLE, time_s.synth),
    RJ("train_samples_per_s", RJ_DOUBLE, train_samples_per_s),
    RJ("verify.samples", RJ_INT, verify.samples),
    RJ("verify.mismatches", RJ_LONG, verify.mismatches),
    RJ("verify.pipelines_checked", RJ_STRLIST, verify),
    RJ("hardware.luts_estimate", RJ_LONG, hardware.luts_estimate),
    RJ("hardware.luts_yosys", RJ_LONG, hardware.luts_yosys),
    RJ("hardware.ffs", RJ_LONG, hardware.ffs),
    RJ("hardware.lut_levels", RJ_LONG, hardware.lut_levels),
    RJ("hardware.pipeline_stages", RJ_INT, hardware.pipeline_stages),
    RJ("hardware.latency_cycles", RJ_INT, hardware.latency_cycles),
    RJ("hardware.stage_lut_levels", RJ_INTLIST, hardware),
    RJ("hardware.layer_luts", RJ_LUTLIST, hardware),
    RJ("hardware.luts_xilinx", RJ_LONG, hardware.luts_xilinx),
    RJ("hardware.muxf", RJ_LONG, hardware.muxf),
    RJ("hardware.luts_encoder_estimate", RJ_LONG, hardware.luts_encoder_estimate),
    RJ("hardware.luts_encoder_yosys", RJ_LONG, hardware.luts_encoder_yosys),
    RJ("hardware.encoder_comparators", RJ_INT, hardware.encoder_comparators),
    RJ("hardware.encoder_thresholds", RJ_INT, hardware.encoder_thresholds),
    RJ("hardware.luts_head_estimate", RJ_LONG, hardware.luts_head_estimate),
    RJ("hardware.luts_head_yosys", RJ_LONG, hardware.luts_head_yosys),
    RJ("hardware.luts_core_yosys", RJ_LONG, hardware.luts_core_yosys),
    RJ("hardware.luts_support", RJ_LONG, hardware.luts_support),
    RJ("hardware.lluts_dead", RJ_INT, hardware.lluts_dead),
    RJ("hardware.fmax_mhz", RJ_DOUBLE, hardware.fmax_mhz),
    RJ("hardware.latency_ns", RJ_DOUBLE, hardware.latency_ns),
    RJ("hardware.adp", RJ_DOUBLE, hardware.adp),
    RJ("hardware.stage_ns", RJ_NSLIST, hardware),
    RJ("hardware.critical_path", RJ_STR, hardware.critical_path),
    RJ("hardware.timing_model", RJ_STR, hardware.timing_model),
    RJ("hardware.target", RJ_STR, hardware.target),
    RJ("hardware.luts_mapped", RJ_LONG, hardware.luts_mapped),
    RJ("hardware.estimate_note", RJ_STR, hardware.estimate_note),
    RJ("hardware.pnr_part", RJ_STR, hardware.pnr_part),
    RJ("hardware.pnr_fmax_mhz", RJ_DOUBLE, hardware.pnr_fmax_mhz),
    RJ("hardware.pnr_cells", RJ_LONG, hardware.pnr_cells),
    RJ("hardware.pnr_cells_total", RJ_LONG, hardware.pnr_cells_total),
    RJ("hardware.bitstream", RJ_STR, hardware.bitstream),
    RJ("build.nltc_version", RJ_STR, build.nltc_version),
    RJ("build.commit", RJ_STR, build.commit),
    RJ("build.threads", RJ_INT, build.threads),
    RJ("build.compiler", RJ_STR, build.compiler),
    RJ("build.cpu_features", RJ_STR, build.cpu_features),
    RJ("reduce.rarity", RJ_LONG, reduce.rarity),
    RJ("reduce.validation_before", RJ_DOUBLE, reduce.valid_before),
    RJ("reduce.validation_after", RJ_DOUBLE, reduce.valid_after),
    RJ("reduce.test_before", RJ_DOUBLE, reduce.test_before),
    RJ("reduce.test_after", RJ_DOUBLE, reduce.test_after),
    RJ("reduce.addresses", RJ_LLONG, reduce.addresses),
    RJ("reduce.seen", RJ_LLONG, reduce.seen),
    RJ("reduce.luts_before", RJ_LONG, reduce.luts_before),
    RJ("reduce.luts_after", RJ_LONG, reduce.luts_after),
    RJ("reduce.luts_before_pairs", RJ_LONG, reduce.luts_before_pairs),
    RJ("reduce.luts_after_pairs", RJ_LONG, reduce.luts_after_pairs),
    RJ("reduce.changed_test", RJ_LONG, reduce.changed_test),
    RJ("reduce.budget", RJ_LLONG, reduce.budget),
    RJ("reduce.changed_train", RJ_LLONG, reduce.changed_train),
    RJ("reduce.seconds", RJ_DOUBLE, reduce.seconds),
    RJ("classes.names", RJ_CNAMES, classes),
    RJ("classes.confusion", RJ_CONFUSION, classes),
    RJ("classes.recall", RJ_RECALL, classes),
    RJ("classes.precision", RJ_PRECISION, classes),
    RJ("artifacts", RJ_ARTIFACTS, artifacts),
};
#undef RJ
enum { RJ_N = sizeof rj_fields / sizeof rj_fields[0] };

static void rj_put_count(FILE *f, long long v) {
    if (v < 0)
        fputs("null", f);
    else
        fprintf(f, "%lld", v);
}

/* The per-class keys: an array of n values per class (a row of the matrix for confusion). */
static void rj_put_classes(FILE *f, const rt_report *r, rj_type t) {
    int n = r->classes.n;
    if (n < 1 || !r->classes.confusion) {
        fputs("null", f);
        return;
    }
    fputc('[', f);
    for (int k = 0; k < n; k++) {
        fputs(!k ? "" : t == RJ_CONFUSION ? "," : ", ", f);
        if (t == RJ_CNAMES) {
            char nb[32];
            snprintf(nb, sizeof nb, "%d", k);
            json_put_string(f, r->classes.names && r->classes.names[k] ? r->classes.names[k] : nb);
        } else if (t == RJ_CONFUSION) {
            fputs("\n    [", f);
            for (int j = 0; j < n; j++)
                fprintf(f, "%s%ld", j ? ", " : "", r->classes.confusion[(size_t)k * n + j]);
            fputc(']', f);
        } else {
            json_put_number(f, t == RJ_RECALL ? report_class_recall(r, k)
                                              : report_class_precision(r, k));
        }
    }
    fputs(t == RJ_CONFUSION ? "\n  ]" : "]", f);
}

static void rj_put_value(FILE *f, const rt_report *r, const rj_field *fd) {
    const char *base = (const char *)r + fd->offset;
    switch (fd->type) {
    case RJ_CNAMES:
    case RJ_CONFUSION:
    case RJ_RECALL:
    case RJ_PRECISION:
        rj_put_classes(f, r, fd->type);
        break;
    case RJ_STR:
        json_put_string(f, *(const char *const *)base);
        break;
    case RJ_U64:
        fprintf(f, "%llu", (unsigned long long)*(const uint64_t *)base);
        break;
    case RJ_INT:
        rj_put_count(f, *(const int *)base);
        break;
    case RJ_LONG:
        rj_put_count(f, *(const long *)base);
        break;
    case RJ_LLONG:
        rj_put_count(f, *(const long long *)base);
        break;
    case RJ_DOUBLE:
        json_put_number(f, *(const double *)base);
        break;
    case RJ_STRLIST:
        fputc('[', f);
        for (int i = 0; i < r->verify.n_pipelines && i < 8; i++) {
            fputs(i ? ", " : "", f);
            json_put_string(f, r->verify.pipelines_checked[i]);
        }
        fputc(']', f);
        break;
    case RJ_INTLIST:
        if (r->hardware.n_stage_levels < 0) {
            fputs("null", f);
            break;
        }
        fputc('[', f);
        for (int i = 0; i < r->hardware.n_stage_levels && i < RT_MAX_STAGE_LEVELS; i++)
            fprintf(f, "%s%d", i ? ", " : "", r->hardware.stage_levels[i]);
        fputc(']', f);
        break;
    case RJ_ARTIFACTS:
        fputc('{', f);
        for (int i = 0; i < r->artifacts.n; i++) {
            fputs(i ? ",\n    " : "\n    ", f);
            json_put_string(f, r->artifacts.a[i].path);
            fputs(": ", f);
            json_put_string(f, r->artifacts.a[i].sha256);
        }
        fputs(r->artifacts.n ? "\n  }" : "}", f);
        break;
    case RJ_NSLIST:
        if (!r->hardware.timed || r->hardware.n_stage_levels < 0) {
            fputs("null", f);
            break;
        }
        fputc('[', f);
        for (int i = 0; i < r->hardware.n_stage_levels && i < RT_MAX_STAGE_LEVELS; i++) {
            fputs(i ? ", " : "", f);
            json_put_number(f, r->hardware.stage_ns[i]);
        }
        fputc(']', f);
        break;
    case RJ_MEMBERS:
        if (r->members.n < 1) {
            fputs("null", f);
            break;
        }
        fputc('[', f);
        for (int i = 0; i < r->members.n; i++) {
            fputs(i ? ", " : "", f);
            json_put_number(f, r->members.test[i]);
        }
        fputc(']', f);
        break;
    case RJ_LUTLIST:
        if (r->hardware.n_layer_luts < 0) {
            fputs("null", f);
            break;
        }
        fputc('[', f);
        for (int i = 0; i < r->hardware.n_layer_luts && i < RT_MAX_STAGE_LEVELS; i++)
            fprintf(f, "%s%ld", i ? ", " : "", r->hardware.layer_luts[i]);
        fputc(']', f);
        break;
    }
}

/* A digest as the writer writes it: 64 lower-case hex digits, or "" (not a regular file). */
static bool rj_is_digest(const char *s) {
    size_t n = strspn(s, "0123456789abcdef");
    return s[n] == '\0' && (n == 64 || n == 0);
}

void report_json_print(FILE *f, const rt_report *r) {
    char open[64] = ""; /* the object currently open, e.g. "accuracy" */
    fputs("{\n", f);
    for (int i = 0; i < RJ_N; i++) {
        const rj_field *fd = &rj_fields[i];
        const char *dot = strchr(fd->path, '.');
        size_t glen = dot ? (size_t)(dot - fd->path) : 0;
        bool same = dot && strlen(open) == glen && strncmp(open, fd->path, glen) == 0;
        if (open[0] && !same) {
            fputs("}", f);
            open[0] = '\0';
        }
        if (i) fputs(same ? ", " : ",\n", f);
        if (dot && !same) {
            memcpy(open, fd->path, glen);
            open[glen] = '\0';
            fprintf(f, "  \"%s\": {", open);
        } else if (!dot) {
            fputs("  ", f);
        }
        json_put_string(f, dot ? dot + 1 : fd->path);
        fputs(": ", f);
        rj_put_value(f, r, fd);
    }
    fputs(open[0] ? "}\n}\n" : "\n}\n", f);
}

static void rj_print(FILE *f, const void *r) {
    report_json_print(f, r);
}

rt_status report_json_write(const rt_report *r, const char *path, rt_error *e) {
    return report_file_write(path, rj_print, r, e);
}

/* Reads an integer field: null -> -1; otherwise an integral number within [0, max]. */
static bool rj_get_count(const json_value *v, long long max, long long *out) {
    if (v->kind == JSON_NULL) {
        *out = -1;
        return true;
    }
    if (v->kind != JSON_NUMBER || strpbrk(v->text, ".eE") || v->text[0] == '-') return false;
    errno = 0;
    long long x = strtoll(v->text, NULL, 10);
    if (errno || x > max) return false;
    *out = x;
    return true;
}

/* Reads classes.names (first: it sets n) or classes.confusion (n rows of n counts; n from
 * the matrix when there are no names); recall and precision are only checked. */
static bool rj_get_classes(rt_report *r, rj_type t, const json_value *v) {
    if (v->kind == JSON_NULL) return true;
    if (v->kind != JSON_ARRAY) return false;
    int n = v->n;
    if (t == RJ_CNAMES) {
        r->classes.names = xcalloc((size_t)(n ? n : 1), sizeof *r->classes.names);
        r->classes.n = n;
        for (int k = 0; k < n; k++) {
            if (v->items[k].kind != JSON_STRING) return false;
            r->classes.names[k] = v->items[k].text;
        }
        return true;
    }
    if (t != RJ_CONFUSION) {
        for (int k = 0; k < n; k++)
            if (v->items[k].kind != JSON_NUMBER && v->items[k].kind != JSON_NULL) return false;
        return true;
    }
    if ((r->classes.names && r->classes.n != n) || r->classes.confusion) return false;
    r->classes.n = n;
    r->classes.confusion = xcalloc((size_t)(n ? n : 1) * (size_t)(n ? n : 1), sizeof(long));
    for (int i = 0; i < n; i++) {
        const json_value *row = &v->items[i];
        if (row->kind != JSON_ARRAY || row->n != n) return false;
        for (int j = 0; j < n; j++) {
            long long c;
            if (!rj_get_count(&row->items[j], LONG_MAX, &c) || c < 0) return false;
            r->classes.confusion[(size_t)i * n + j] = (long)c;
        }
    }
    return true;
}

static bool rj_get_value(rt_report *r, const rj_field *fd, const json_value *v) {
    char *base = (char *)r + fd->offset;
    long long n = 0;
    switch (fd->type) {
    case RJ_CNAMES:
    case RJ_CONFUSION:
    case RJ_RECALL:
    case RJ_PRECISION:
        return rj_get_classes(r, fd->type, v);
    case RJ_STR:
        if (v->kind != JSON_STRING && v->kind != JSON_NULL) return false;
        *(const char **)base = v->kind == JSON_STRING ? v->text : NULL;
        return true;
    case RJ_U64: {
        if (v->kind != JSON_NUMBER || strpbrk(v->text, ".eE-")) return false;
        errno = 0;
        unsigned long long x = strtoull(v->text, NULL, 10);
        if (errno) return false;
        *(uint64_t *)base = x;
        return true;
    }
    case RJ_INT:
        if (!rj_get_count(v, INT32_MAX, &n)) return false;
        *(int *)base = (int)n;
        return true;
    case RJ_LONG:
        if (!rj_get_count(v, LONG_MAX, &n)) return false;
        *(long *)base = (long)n;
        return true;
    case RJ_LLONG:
        if (!rj_get_count(v, LLONG_MAX, &n)) return false;
        *(long long *)base = n;
        return true;
    case RJ_DOUBLE:
        if (v->kind != JSON_NUMBER && v->kind != JSON_NULL) return false;
        *(double *)base = v->kind == JSON_NUMBER ? v->number : NAN;
        return true;
    case RJ_STRLIST:
        if (v->kind != JSON_ARRAY || v->n > 8) return false;
        for (int i = 0; i < v->n; i++) {
            if (v->items[i].kind != JSON_STRING) return false;
            r->verify.pipelines_checked[i] = v->items[i].text;
        }
        r->verify.n_pipelines = v->n;
        return true;
    case RJ_INTLIST:
        if (v->kind == JSON_NULL) {
            r->hardware.n_stage_levels = -1;
            return true;
        }
        if (v->kind != JSON_ARRAY || v->n > RT_MAX_STAGE_LEVELS) return false;
        for (int i = 0; i < v->n; i++) {
            if (!rj_get_count(&v->items[i], INT32_MAX, &n) || n < 0) return false;
            r->hardware.stage_levels[i] = (int)n;
        }
        r->hardware.n_stage_levels = v->n;
        return true;
    case RJ_ARTIFACTS:
        if (v->kind != JSON_OBJECT) return false;
        for (int i = 0; i < v->n; i++)
            if (v->items[i].kind != JSON_STRING || !rj_is_digest(v->items[i].text)) return false;
        for (int i = 0; i < v->n; i++)
            rt_artifacts_add(&r->artifacts, v->keys[i], v->items[i].text);
        rt_artifacts_sort(&r->artifacts);
        return true;
    case RJ_NSLIST:
        if (v->kind == JSON_NULL) return true;
        if (v->kind != JSON_ARRAY || v->n > RT_MAX_STAGE_LEVELS) return false;
        for (int i = 0; i < v->n; i++) {
            if (v->items[i].kind != JSON_NUMBER) return false;
            r->hardware.stage_ns[i] = v->items[i].number;
        }
        r->hardware.timed = true;
        return true;
    case RJ_MEMBERS:
        if (v->kind == JSON_NULL) return true;
        if (v->kind != JSON_ARRAY || v->n < 1 || r->members.test) return false;
        for (int i = 0; i < v->n; i++)
            if (v->items[i].kind != JSON_NUMBER) return false;
        r->members.test = xmalloc((size_t)v->n * sizeof *r->members.test);
        r->members.n = v->n;
        for (int i = 0; i < v->n; i++)
            r->members.test[i] = v->items[i].number;
        return true;
    case RJ_LUTLIST:
        if (v->kind == JSON_NULL) {
            r->hardware.n_layer_luts = -1;
            return true;
        }
        if (v->kind != JSON_ARRAY || v->n > RT_MAX_STAGE_LEVELS) return false;
        for (int i = 0; i < v->n; i++) {
            if (!rj_get_count(&v->items[i], LONG_MAX, &n) || n < 0) return false;
            r->hardware.layer_luts[i] = (long)n;
        }
        r->hardware.n_layer_luts = v->n;
        return true;
    }
    return false;
}

static const char *rj_expected(rj_type t) {
    switch (t) {
    case RJ_STR:
        return "a string or null";
    case RJ_U64:
        return "a non-negative integer";
    case RJ_DOUBLE:
        return "a number or null";
    case RJ_STRLIST:
        return "an array of at most 8 strings";
    case RJ_INTLIST:
    case RJ_LUTLIST:
        return "null or an array of at most 64 non-negative integers";
    case RJ_ARTIFACTS:
        return "an object of SHA-256 digests (64 lower-case hex digits)";
    case RJ_NSLIST:
        return "null or an array of at most 64 numbers";
    case RJ_MEMBERS:
        return "null or an array of numbers, one per member";
    case RJ_CNAMES:
        return "null or an array of class names";
    case RJ_CONFUSION:
        return "null or a square array of arrays of counts, one row per class";
    case RJ_RECALL:
    case RJ_PRECISION:
        return "null or an array of numbers";
    default:
        return "a non-negative integer or null";
    }
}

rt_status report_json_parse(const char *text, size_t len, const char *name, report_doc *doc,
                            rt_error *e) {
    memset(doc, 0, sizeof *doc);
    rt_report_init(&doc->r);
    if (json_parse(text, len, name, &doc->root, e)) return RT_ERR_DATA;
    if (doc->root->kind != JSON_OBJECT) {
        report_doc_free(doc);
        return rt_fail(e, RT_ERR_DATA, "%s: report.json must hold a JSON object", name);
    }
    for (int i = 0; i < RJ_N; i++) {
        const json_value *v = json_path(doc->root, rj_fields[i].path);
        if (v && !rj_get_value(&doc->r, &rj_fields[i], v)) {
            report_doc_free(doc);
            return rt_fail(e, RT_ERR_DATA, "%s: key \"%s\": expected %s", name, rj_fields[i].path,
                           rj_expected(rj_fields[i].type));
        }
    }
    return RT_OK;
}

rt_status report_json_read(const char *path, report_doc *doc, rt_error *e) {
    size_t len = 0;
    char *text = rt_read_file(path, &len, NULL);
    if (!text) {
        memset(doc, 0, sizeof *doc);
        rt_report_init(&doc->r);
        return rt_fail(e, RT_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    }
    rt_status st = report_json_parse(text, len, path, doc, e);
    free(text);
    return st;
}

void report_doc_free(report_doc *doc) {
    rt_artifacts_free(&doc->r.artifacts);
    report_classes_free(&doc->r);
    json_free(doc->root);
    memset(doc, 0, sizeof *doc);
    rt_report_init(&doc->r);
}
