/* verify.c - the back-end table, emission of every back end, bit-exact verification
 * (table lookup, the compiled C simulator and Verilator runs of the RTL against the
 * reference codes of the quantized model), the flow step the driver calls, and the
 * `nltc verify OUT` subcommand. */
#include "backend.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- The back ends ----------------------------------------------------------------- */

int be_emit_tables(const be_input *in, const char *dir, be_err *e) {
    return be_tables_write(in->tables, in->plan, dir, e);
}

int be_emit_vectors(const be_input *in, const char *dir, be_err *e) {
    if (!in->codes) return 0;
    if (be_codes_check(in->tables, in->codes, e) || be_mkdirs(dir, e)) return -1;
    char *path = rt_path_join(dir, "test.codes");
    int rc = be_codes_write(in->codes, path, e);
    free(path);
    return rc;
}

const be_backend be_backends[] = {
    {"tables", "tables", be_emit_tables},
    {"vectors", "vectors", be_emit_vectors},
    {"verilog", "rtl", be_emit_verilog},
    {"csim", "csim", be_emit_csim},
};
const int be_n_backends = (int)(sizeof be_backends / sizeof be_backends[0]);

int be_emit_all(const be_input *in, const char *out_dir, be_err *e) {
    for (int i = 0; i < be_n_backends; i++) {
        char *dir = rt_path_join(out_dir, be_backends[i].subdir);
        int rc = be_backends[i].emit(in, dir, e);
        free(dir);
        if (rc) return rc;
    }
    return 0;
}

/* ---- Reading tool output ------------------------------------------------------------ */

/* Parses a hex number (most significant digit first) into n codes of w bits, code i at
 * bits [i*w, (i+1)*w). Returns 0, or -1 on a bad digit or too many digits. */
static int hex_to_codes(const char *s, int n, int w, uint16_t *codes) {
    size_t len = strcspn(s, "\r\n");
    size_t nbits = (size_t)n * (size_t)w;
    uint8_t *bits = xcalloc(nbits / 8 + 2, 1);
    int rc = 0;
    for (size_t i = 0; i < len && rc == 0; i++) {
        char c = s[len - 1 - i];
        int v = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (v < 0) rc = -1;
        for (int d = 0; d < 4 && rc == 0; d++)
            if (v >> d & 1) {
                if (i * 4 + (size_t)d >= nbits)
                    rc = -1;
                else
                    bits[(i * 4 + (size_t)d) >> 3] |= (uint8_t)(1u << ((i * 4 + (size_t)d) & 7));
            }
    }
    for (int i = 0; i < n && rc == 0; i++)
        codes[i] = (uint16_t)be_bits_get(bits, (size_t)i * (size_t)w, w);
    free(bits);
    return rc;
}

/* Reads a file of one hex line per sample into out [n * width]; returns the lines read
 * (lines that are not hex, e.g. tool chatter, are skipped), -1 if unreadable. */
static int read_hex_lines(const char *path, int n, int width, int w, uint16_t *out) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t cap = 1 << 16;
    char *line = xmalloc(cap);
    int got = 0;
    while (got < n && fgets(line, (int)cap, f)) {
        size_t len = strlen(line);
        while (len == cap - 1 && line[len - 1] != '\n') {
            line = xrealloc(line, cap * 2);
            if (!fgets(line + len, (int)(cap * 2 - len), f)) break;
            cap *= 2;
            len = strlen(line);
        }
        if (line[0] == '\n' || hex_to_codes(line, width, w, out + (size_t)got * (size_t)width))
            continue;
        got++;
    }
    free(line);
    fclose(f);
    return got;
}

/* Locates the first layer whose codes (one hex line per layer in path) differ from the
 * reference codes of sample m->sample, and the first differing code there; m is left as it
 * is when the file is unreadable or agrees. */
static void locate_layer(const char *path, const rt_tables *t, const rt_codes *c, be_mismatch *m) {
    FILE *f = fopen(path, "r");
    if (!f) return;
    size_t cap = 1 << 20;
    char *line = xmalloc(cap);
    bool found = false;
    for (int l = 0; l < t->n_layers && !found; l++) {
        if (!fgets(line, (int)cap, f)) break;
        int w = t->layers[l].n_lut;
        const uint16_t *want = c->layer[l] + (size_t)m->sample * (size_t)w;
        uint16_t *codes = xmalloc(sizeof *codes * (size_t)w);
        if (hex_to_codes(line, w, t->layers[l].bits_out, codes) == 0)
            for (int i = 0; i < w && !found; i++)
                if (codes[i] != want[i]) {
                    m->layer = l, m->index = i, m->got = codes[i], m->want = want[i];
                    found = true;
                }
        free(codes);
    }
    free(line);
    fclose(f);
}

/* Lines of a log file that start with prefix; -1 if it cannot be read. */
static long count_lines(const char *path, const char *prefix) {
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    char line[4096];
    long n = 0;
    size_t len = strlen(prefix);
    while (fgets(line, sizeof line, f))
        n += strncmp(line, prefix, len) == 0;
    fclose(f);
    return n;
}

/* ---- Verification -------------------------------------------------------------------- */

void be_verify_opts_default(be_verify_opts *o) {
    memset(o, 0, sizeof *o);
    o->csim = true;
    o->rtl = true;
}

static void check_init(be_check *k) {
    memset(k, 0, sizeof *k);
    k->lint_warnings = -1;
    k->m.sample = k->m.layer = k->m.index = -1;
    k->accuracy = NAN;
    k->latency = -1;
    k->seconds = NAN;
}

static void progress(const be_verify_opts *o, const char *fmt, const char *arg) {
    if (!o->quiet) {
        fprintf(stderr, "nltc: verify: ");
        fprintf(stderr, fmt, arg);
        fputc('\n', stderr);
    }
}

/* Finds a tool by the environment variable var or its plain name. */
static char *find_tool(const char *var, const char *name) {
    const char *env = getenv(var);
    return be_which(env && *env ? env : name);
}

static void run_csim(const rt_tables *t, const be_plan *p, const rt_codes *c, const char *out_dir,
                     const char *work, const char *vectors, const be_verify_opts *o, be_check *k) {
    char *cc = find_tool("CC", "cc");
    if (!cc) {
        snprintf(k->note, sizeof k->note,
                 "no C compiler (cc or $CC) found: C simulator "
                 "step skipped");
        return;
    }
    double t0 = rt_now();
    char name[256];
    char *csim = rt_path_join(out_dir, "csim");
    snprintf(name, sizeof name, "%s.c", p->ident);
    char *src = rt_path_join(csim, name), *main_c = rt_path_join(csim, "main.c");
    char *exe = rt_path_join(work, "csim"), *log = rt_path_join(work, "cc.log");
    char *out = rt_path_join(work, "csim_out.hex"), *err = rt_path_join(work, "csim.log");
    char *layers = rt_path_join(work, "csim_layers.hex");
    progress(o, "compiling the C simulator (%s)", cc);
    char *cc_argv[] = {cc, "-std=c99", "-O2", "-o", exe, main_c, src, NULL};
    int st = be_spawn(cc_argv, NULL, log, log);
    if (st != 0) {
        snprintf(k->note, sizeof k->note, "%s failed (exit %d) on %s; see %s", cc, st, src, log);
        k->m.samples = c->n_samples; /* nothing matched: a failed build is a failure */
        k->ran = true;
        goto done;
    }
    progress(o, "running the C simulator on %s", vectors);
    char *run_argv[] = {exe, (char *)vectors, NULL};
    remove(out);
    st = be_spawn(run_argv, NULL, out, err);
    int last = t->n_layers - 1, w = t->layers[last].n_lut;
    uint16_t *got = xcalloc((size_t)c->n_samples * (size_t)w + 1, sizeof *got);
    int n = read_hex_lines(out, c->n_samples, w, t->layers[last].bits_out, got);
    k->ran = true;
    snprintf(k->note, sizeof k->note, "%s -std=c99 -O2; exit %d", cc, st);
    if (n < c->n_samples) {
        /* missing outputs fail like mismatches */
        be_compare_outputs(c, got, &k->m);
        if (k->m.sample < 0 || k->m.sample > n) k->m.sample = n, k->m.layer = last;
    } else
        be_compare_outputs(c, got, &k->m);
    k->accuracy = be_accuracy(got, n, w, c->labels);
    if (k->m.sample >= 0 && k->m.sample < n) {
        /* locate the layer: every layer's codes of the first failing sample */
        char idx[32];
        snprintf(idx, sizeof idx, "%d", k->m.sample);
        char *l_argv[] = {exe, "-l", idx, (char *)vectors, NULL};
        remove(layers);
        if (be_spawn(l_argv, NULL, layers, err) == 0) locate_layer(layers, t, c, &k->m);
    }
    free(got);
done:
    k->seconds = rt_now() - t0;
    free(cc), free(csim), free(src), free(main_c), free(exe), free(log), free(out), free(err);
    free(layers);
}

/* Runs Verilator on the RTL of plan q (pipelining name pname); files in work. */
static void run_rtl(const rt_tables *t, const be_plan *q, bool own, const rt_codes *c,
                    const char *out_dir, const char *work, const char *vectors,
                    const be_verify_opts *o, be_check *k, be_err *e) {
    char *verilator = find_tool("NLTC_VERILATOR", "verilator");
    if (!verilator) {
        snprintf(k->note, sizeof k->note, "verilator not installed: RTL step skipped");
        return;
    }
    double t0 = rt_now();
    const char *pname = be_pipeline_name(q->pipeline);
    char sub[64], name[256];
    snprintf(sub, sizeof sub, "rtl_%s%d", pname, q->pipeline_k);
    char *dir = rt_path_join(work, sub);
    /* The model's own pipelining runs the RTL the flow shipped in OUT/rtl; any other is
     * emitted here. The test bench always comes fresh from the reference codes. */
    snprintf(name, sizeof name, "%s.v", q->ident);
    char *shipped = rt_path_join(out_dir, "rtl"), *rtl = rt_path_join(own ? shipped : dir, name);
    snprintf(name, sizeof name, "%s_tb.v", q->ident);
    char *tb = rt_path_join(dir, name);
    char *obj = rt_path_join(dir, "obj"), *log = rt_path_join(dir, "verilator.log");
    char *simlog = rt_path_join(dir, "sim.log"), *out = rt_path_join(dir, "rtl_out.hex");
    char *layers = rt_path_join(dir, "rtl_layers.hex"), *exe = rt_path_join(obj, "sim");
    char top[200];
    snprintf(top, sizeof top, "%s_tb", q->ident);
    uint16_t *got = NULL;
    be_err e2 = {{0}};
    if (be_mkdirs(dir, &e2) ||
        (own && access(rtl, R_OK) != 0 && be_errf(&e2, "%s: missing", rtl)) ||
        (!own && be_write_rtl(t, q, rtl, &e2)) || be_write_testbench(t, q, c->n_samples, tb, &e2)) {
        snprintf(k->note, sizeof k->note, "%.200s", e2.msg);
        k->ran = true;
        k->m.samples = c->n_samples;
        goto done;
    }
    progress(o, "building the RTL with Verilator (pipeline %s)", pname);
    /* -Wall without -Werror: the build lints the RTL too, and the warnings are counted. */
    char *v_argv[] = {verilator, "--binary",     "-Wall", "-Wno-fatal", "-j",
                      "2",       "--top-module", top,     "-Mdir",      obj,
                      "-o",      "sim",          rtl,     tb,           NULL};
    int st = be_spawn(v_argv, NULL, log, log);
    k->ran = true;
    k->lint_warnings = count_lines(log, "%Warning");
    if (st != 0) {
        snprintf(k->note, sizeof k->note, "verilator failed (exit %d); see %s", st, log);
        k->m.samples = c->n_samples;
        goto done;
    }
    progress(o, "simulating the RTL (pipeline %s)", pname);
    char a1[1100], a2[1100], a3[1100];
    snprintf(a1, sizeof a1, "+vectors=%s", vectors);
    snprintf(a2, sizeof a2, "+out=%s", out);
    snprintf(a3, sizeof a3, "+layers=%s", layers);
    char *s_argv[] = {exe, a1, a2, a3, NULL};
    remove(out);
    remove(layers);
    remove(simlog);
    st = be_spawn(s_argv, NULL, simlog, simlog);
    char line[512];
    long tb_mism = -1, lat_err = -1;
    int meas = -1, outputs = -1, first = -1;
    if (be_log_find(simlog, "NLTC-TB ", line, sizeof line) != 0 ||
        sscanf(line,
               "NLTC-TB samples=%*d outputs=%d mismatches=%ld latency_errors=%ld "
               "first=%d latency=%d",
               &outputs, &tb_mism, &lat_err, &first, &meas) != 5) {
        snprintf(k->note, sizeof k->note, "the simulation printed no result (exit %d); see %s", st,
                 simlog);
        k->m.samples = c->n_samples;
        goto done;
    }
    int last = t->n_layers - 1, w = t->layers[last].n_lut;
    got = xcalloc((size_t)c->n_samples * (size_t)w + 1, sizeof *got);
    int n = read_hex_lines(out, c->n_samples, w, t->layers[last].bits_out, got);
    be_compare_outputs(c, got, &k->m);
    if (n < c->n_samples && (k->m.sample < 0 || k->m.sample > n))
        k->m.sample = n, k->m.layer = last;
    k->accuracy = be_accuracy(got, n, w, c->labels);
    k->latency = meas;
    k->latency_errors = lat_err + (meas != be_plan_stages(q));
    if (k->m.sample >= 0 && first == k->m.sample) locate_layer(layers, t, c, &k->m);
    snprintf(k->note, sizeof k->note, "verilator --binary on %s; latency %d cycles", rtl, meas);
done:
    (void)e;
    k->seconds = rt_now() - t0;
    free(got);
    free(verilator), free(dir), free(shipped), free(rtl), free(tb), free(obj), free(log);
    free(simlog), free(out), free(layers), free(exe);
}

/* The C simulator and Verilator steps, in a scratch folder. */
static int run_tools(const rt_tables *t, const be_plan *p, const rt_codes *c, const char *out_dir,
                     const be_verify_opts *o, be_verify_result *r, be_err *e) {
    char *work = o->work_dir ? xstrdup(o->work_dir) : NULL;
    if (!work) {
        const char *base = getenv("TMPDIR");
        char tmpl[512];
        snprintf(tmpl, sizeof tmpl, "%s/nltc-verify-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(tmpl))
            return be_errf(e, "%s: cannot create a scratch folder: %s", tmpl, strerror(errno));
        work = xstrdup(tmpl);
    } else if (be_mkdirs(work, e)) {
        free(work);
        return -1;
    }
    /* The vectors come from the reference codes, never from a file that could be stale. */
    char *vectors = rt_path_join(work, "vectors.hex");
    if (be_write_vectors(t, c, vectors, e)) {
        free(vectors);
        free(work);
        return -1;
    }
    if (o->csim)
        run_csim(t, p, c, out_dir, work, vectors, o, &r->csim);
    else
        snprintf(r->csim.note, sizeof r->csim.note, "C simulator step not requested");
    if (o->rtl) {
        int n = o->n_pipelines > 0 ? o->n_pipelines : 1;
        for (int i = 0; i < n && i < 4; i++) {
            be_plan q;
            be_plan_copy(p, &q);
            bool own = o->n_pipelines == 0 ||
                       (o->pipelines[i] == p->pipeline &&
                        (p->pipeline != IR_PIPE_EVERY_K || o->pipeline_k[i] == p->pipeline_k));
            if (!own) be_plan_set_pipeline(&q, o->pipelines[i], o->pipeline_k[i]);
            if (q.pipeline == IR_PIPE_EVERY_K)
                snprintf(r->rtl_pipeline[i], sizeof r->rtl_pipeline[i], "every(%d)", q.pipeline_k);
            else
                snprintf(r->rtl_pipeline[i], sizeof r->rtl_pipeline[i], "%s",
                         be_pipeline_name(q.pipeline));
            run_rtl(t, &q, own, c, out_dir, work, vectors, o, &r->rtl[i], e);
            be_plan_free(&q);
            r->n_rtl = i + 1;
        }
    }
    free(vectors);
    if (!o->keep_work && !o->work_dir) rt_rmtree(work);
    free(work);
    return 0;
}

int be_verify(const rt_tables *t, const be_plan *p, const rt_codes *c, const char *out_dir,
              const be_verify_opts *o, be_verify_result *r, be_err *e) {
    memset(r, 0, sizeof *r);
    check_init(&r->table);
    check_init(&r->csim);
    for (int i = 0; i < 4; i++)
        check_init(&r->rtl[i]);
    r->accuracy_ref = NAN;
    if (be_tables_check(t, e) || be_codes_check(t, c, e)) return -1;
    r->samples = c->n_samples;
    int last = t->n_layers - 1;
    r->accuracy_ref = be_accuracy(c->layer[last], c->n_samples, c->widths[last], c->labels);

    /* table lookup */
    double t0 = rt_now();
    rt_codes got;
    be_lookup_codes(t, c, &got);
    r->table.ran = true;
    be_compare_codes(c, &got, &r->table.m);
    r->table.accuracy = be_accuracy(got.layer[last], got.n_samples, got.widths[last], got.labels);
    rt_codes_free(&got);
    r->table.seconds = rt_now() - t0;
    snprintf(r->table.note, sizeof r->table.note, "every layer compared");

    if (o->csim || o->rtl) {
        if (run_tools(t, p, c, out_dir, o, r, e)) return -1;
    } else {
        snprintf(r->csim.note, sizeof r->csim.note, "C simulator step not requested");
        snprintf(r->rtl[0].note, sizeof r->rtl[0].note, "RTL step not requested");
    }
    r->mismatches = r->table.m.samples + r->csim.m.samples;
    for (int i = 0; i < r->n_rtl; i++)
        r->mismatches += r->rtl[i].m.samples + r->rtl[i].latency_errors;
    return 0;
}

static void print_check(FILE *f, const char *what, const be_check *k, int samples) {
    if (!k->ran) {
        fprintf(f, "  %-22s skipped: %s\n", what, k->note);
        return;
    }
    fprintf(f, "  %-22s %s: %ld of %d samples differ", what,
            k->m.samples == 0 && k->latency_errors == 0 ? "ok" : "MISMATCH", k->m.samples, samples);
    if (!isnan(k->accuracy)) fprintf(f, ", accuracy %.4f", k->accuracy);
    if (k->latency >= 0)
        fprintf(f, ", latency %d cycles (%ld timing errors)", k->latency, k->latency_errors);
    if (k->lint_warnings >= 0) fprintf(f, ", verilator -Wall: %ld warnings", k->lint_warnings);
    if (!isnan(k->seconds)) fprintf(f, ", %.1f s", k->seconds);
    fputc('\n', f);
    if (k->m.sample >= 0) {
        fprintf(f, "    first failing sample %d, layer %d", k->m.sample, k->m.layer);
        if (k->m.index >= 0)
            fprintf(f, ", code %d: got %u, expected %u", k->m.index, k->m.got, k->m.want);
        fputc('\n', f);
    }
    if (k->note[0] && k->ran && (k->m.samples || k->latency_errors))
        fprintf(f, "    %s\n", k->note);
}

void be_verify_print(FILE *f, const be_verify_result *r) {
    fprintf(f, "verify: %d test samples, reference accuracy %.4f\n", r->samples, r->accuracy_ref);
    print_check(f, "table lookup", &r->table, r->samples);
    print_check(f, "C simulator", &r->csim, r->samples);
    for (int i = 0; i < r->n_rtl; i++) {
        char what[64];
        snprintf(what, sizeof what, "RTL (%s)", r->rtl_pipeline[i]);
        print_check(f, what, &r->rtl[i], r->samples);
    }
    fprintf(f, "verify: %ld mismatches\n", r->mismatches);
}

/* ---- Hardware summary ---------------------------------------------------------------- */

void be_hw_print(FILE *f, const be_hw *h) {
    fprintf(f, "hardware: analytic LUT estimate %ld (%ld over each bit's true support); ",
            h->luts_estimate, h->luts_support);
    fprintf(f, "%d pipeline stages, latency %d cycles\n", h->pipeline_stages, h->latency_cycles);
    fprintf(f, "  estimate: %s\n", rt_lut_cost_formula());
    if (!h->synthesized) {
        fprintf(f, "  synthesis: %s\n", h->synth_note);
        return;
    }
    fprintf(f, "  synthesis (%s, %.1f s): %ld LUTs, %ld flip-flops, critical path %ld LUT levels",
            h->synth_note, h->synth_s, h->luts_yosys, h->ffs, h->lut_levels);
    fprintf(f, "; per stage:");
    for (int s = 0; s < h->n_stage_depth; s++)
        fprintf(f, " %d", h->stage_depth[s]);
    fprintf(f, "\n  no timing model: latency is given in cycles and depth in LUT levels, not "
               "in ns\n");
}

/* ---- The flow step ------------------------------------------------------------------- */

int be_flow(const ir_program *ir, const rt_tables *t, const rt_codes *c, const char *out_dir,
            const be_flow_opts *o, rt_report *r) {
    be_plan p;
    be_plan_from_ir(ir, &p);
    be_err e = {{0}};
    int rc = 0;
    be_input in = {t, &p, c};
    double t0 = rt_now();
    if (be_emit_all(&in, out_dir, &e)) {
        fprintf(stderr, "nltc: %s\n", e.msg);
        be_plan_free(&p);
        return 2;
    }
    r->time_s.emit = rt_now() - t0;

    be_hw hw;
    be_hw_init(&hw);
    be_hw_estimate(t, &p, &hw);
    r->hardware.luts_estimate = hw.luts_estimate;
    r->hardware.pipeline_stages = hw.pipeline_stages;
    r->hardware.latency_cycles = hw.latency_cycles;

    be_verify_opts vo;
    be_verify_opts_default(&vo);
    vo.rtl = o->rtl;
    vo.quiet = o->quiet;
    be_verify_result vr;
    t0 = rt_now();
    if (be_verify(t, &p, c, out_dir, &vo, &vr, &e)) {
        fprintf(stderr, "nltc: %s\n", e.msg);
        rc = 2;
        goto out;
    }
    r->time_s.verify = rt_now() - t0;
    if (!o->quiet) be_verify_print(stderr, &vr);
    r->accuracy.repr[RT_REPR_TABLES] = vr.table.accuracy;
    r->accuracy.repr[RT_REPR_CSIM] = vr.csim.ran ? vr.csim.accuracy : NAN;
    r->accuracy.repr[RT_REPR_RTL] = vr.n_rtl > 0 && vr.rtl[0].ran ? vr.rtl[0].accuracy : NAN;
    r->verify.samples = vr.samples;
    r->verify.mismatches = vr.mismatches;
    r->verify.n_pipelines = 0;
    if (vr.n_rtl > 0 && vr.rtl[0].ran) /* the report keeps static names */
        r->verify.pipelines_checked[r->verify.n_pipelines++] = be_pipeline_name(p.pipeline);
    if (vr.mismatches) rc = 3;

    if (o->synth) {
        char name[256];
        snprintf(name, sizeof name, "rtl/%s.v", p.ident);
        char *rtl = rt_path_join(out_dir, name);
        const char *base = getenv("TMPDIR");
        char work[512];
        snprintf(work, sizeof work, "%s/nltc-synth-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(work)) {
            fprintf(stderr, "nltc: %s: cannot create a scratch folder\n", work);
            free(rtl);
            rc = rc ? rc : 2;
            goto out;
        }
        if (!o->quiet) fprintf(stderr, "nltc: synthesizing %s with Yosys\n", rtl);
        if (be_synth(rtl, &p, work, &hw, &e)) {
            fprintf(stderr, "nltc: %s\n", e.msg);
            rc = rc ? rc : 2;
        } else if (hw.synthesized) {
            r->time_s.synth = hw.synth_s;
            r->hardware.luts_yosys = hw.luts_yosys;
            r->hardware.ffs = hw.ffs;
            r->hardware.lut_levels = hw.lut_levels;
            if (hw.n_stage_depth <= RT_MAX_STAGE_LEVELS) {
                r->hardware.n_stage_levels = hw.n_stage_depth;
                for (int s = 0; s < hw.n_stage_depth; s++)
                    r->hardware.stage_levels[s] = hw.stage_depth[s];
            }
        }
        rt_rmtree(work);
        free(rtl);
    }
    if (!o->quiet) be_hw_print(stderr, &hw);
out:
    be_hw_free(&hw);
    be_plan_free(&p);
    return rc;
}

/* ---- nltc verify OUT ----------------------------------------------------------------- */

static int usage(void) {
    fputs("usage: nltc verify OUT [--pipelines LIST] [--no-rtl] [--no-csim] [--synth]\n"
          "                       [--work DIR] [--quiet]\n"
          "  Runs the test split of OUT/vectors/test.codes through the tables of OUT/tables,\n"
          "  the C simulator of OUT/csim and Verilator on the RTL, and compares bit for bit.\n"
          "  --pipelines LIST  comma-separated: none, every_layer, trees, every(K), all\n"
          "                    (default: the model's own pipelining, OUT/rtl)\n"
          "  --synth           also synthesize OUT/rtl with Yosys and report LUTs and depth\n"
          "  --work DIR        keep the scratch files (builds, logs) in DIR\n"
          "exit: 0 all equal, 1 usage, 2 I/O error, 3 mismatch\n",
          stderr);
    return 1;
}

/* Parses a comma-separated pipeline list into o. */
static int parse_pipelines(const char *arg, be_verify_opts *o) {
    char *copy = xstrdup(arg), *save = NULL;
    o->n_pipelines = 0;
    int rc = 0;
    for (char *s = strtok_r(copy, ",", &save); s && rc == 0; s = strtok_r(NULL, ",", &save)) {
        if (strcmp(s, "all") == 0) {
            static const ir_pipeline all[4] = {IR_PIPE_NONE, IR_PIPE_EVERY_LAYER, IR_PIPE_TREES,
                                               IR_PIPE_EVERY_K};
            for (int i = 0; i < 4; i++) {
                o->pipelines[i] = all[i];
                o->pipeline_k[i] = 2;
            }
            o->n_pipelines = 4;
            continue;
        }
        int k = 2;
        if (o->n_pipelines == 4 || be_pipeline_parse(s, &o->pipelines[o->n_pipelines], &k)) {
            fprintf(stderr,
                    "nltc verify: --pipelines: '%s' is not none, every_layer, trees, "
                    "every(K) or all (at most 4)\n",
                    s);
            rc = -1;
            break;
        }
        o->pipeline_k[o->n_pipelines++] = k;
    }
    free(copy);
    return rc;
}

int be_cmd_verify(int argc, char **argv) {
    const char *out = NULL;
    bool synth = false;
    be_verify_opts o;
    be_verify_opts_default(&o);
    /* argv[0] is "verify" (or the program name): options follow */
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "--no-rtl") == 0)
            o.rtl = false;
        else if (strcmp(a, "--no-csim") == 0)
            o.csim = false;
        else if (strcmp(a, "--synth") == 0)
            synth = true;
        else if (strcmp(a, "--quiet") == 0)
            o.quiet = true;
        else if (strcmp(a, "--pipelines") == 0 && i + 1 < argc) {
            if (parse_pipelines(argv[++i], &o)) return 1;
        } else if (strcmp(a, "--work") == 0 && i + 1 < argc)
            o.work_dir = argv[++i];
        else if (strcmp(a, "--help") == 0 || strcmp(a, "-h") == 0)
            return usage(), 0;
        else if (a[0] == '-' || out) {
            fprintf(stderr, "nltc verify: unknown or repeated argument '%s'\n", a);
            return usage();
        } else
            out = a;
    }
    if (!out) return usage();
    be_err e = {{0}};
    rt_tables t;
    be_plan p;
    rt_codes c;
    char *tdir = rt_path_join(out, "tables"), *cpath = rt_path_join(out, "vectors/test.codes");
    int rc = 0;
    if (be_tables_read(tdir, &t, &p, &e)) {
        fprintf(stderr, "nltc verify: %s\n", e.msg);
        free(tdir), free(cpath);
        return 2;
    }
    if (be_codes_read(cpath, &c, &e) || be_codes_check(&t, &c, &e)) {
        fprintf(stderr, "nltc verify: %s%s%s\n", e.msg, strstr(e.msg, cpath) ? "" : " in ",
                strstr(e.msg, cpath) ? "" : cpath);
        rt_tables_free(&t);
        be_plan_free(&p);
        free(tdir), free(cpath);
        return 2;
    }
    be_verify_result r;
    if (be_verify(&t, &p, &c, out, &o, &r, &e)) {
        fprintf(stderr, "nltc verify: %s\n", e.msg);
        rc = 2;
    } else {
        be_verify_print(stdout, &r);
        rc = r.mismatches ? 3 : 0;
    }
    be_hw hw;
    be_hw_init(&hw);
    be_hw_estimate(&t, &p, &hw);
    if (synth && rc != 2) {
        char name[256];
        snprintf(name, sizeof name, "rtl/%s.v", p.ident);
        char *rtl = rt_path_join(out, name);
        char work[512];
        const char *base = getenv("TMPDIR");
        snprintf(work, sizeof work, "%s/nltc-synth-XXXXXX", base && *base ? base : "/tmp");
        if (!mkdtemp(work) || be_synth(rtl, &p, work, &hw, &e)) {
            fprintf(stderr, "nltc verify: %s\n", e.msg[0] ? e.msg : "cannot create a folder");
            rc = 2;
        }
        rt_rmtree(work);
        free(rtl);
    } else
        snprintf(hw.synth_note, sizeof hw.synth_note, "not requested (--synth)");
    be_hw_print(stdout, &hw);
    be_hw_free(&hw);
    rt_codes_free(&c);
    rt_tables_free(&t);
    be_plan_free(&p);
    free(tdir), free(cpath);
    return rc;
}
