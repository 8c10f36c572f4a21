/* verify_tools.c - the verify steps of the C simulator and the RTL: build them with the
 * tools (cc, Verilator), run the test vectors through them and read their output back. */
#include "backend.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

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
    size_t cap = 0;
    char *line = NULL;
    int got = 0;
    while (got < n && getline(&line, &cap, f) >= 0) { /* lines of any length */
        if (line[0] == '\n' || hex_to_codes(line, width, w, out + (size_t)got * (size_t)width))
            continue;
        got++;
    }
    free(line);
    fclose(f);
    return got;
}

/* Locates the first layer whose codes (one hex line per layer in path, after a line of
 * the input codes when an encoder made them) differ from the reference codes of sample
 * m->sample, and the first differing code there; m is left as it is when the file is
 * unreadable or agrees (with a head: the head is at fault). */
static void locate_layer(const char *path, const rt_tables *t, const rt_codes *c, be_mismatch *m) {
    FILE *f = fopen(path, "r");
    if (!f) return;
    size_t cap = 1 << 20;
    char *line = xmalloc(cap);
    bool found = false;
    for (int l = t->hwenc.n_features > 0 ? -1 : 0; l < t->n_layers && !found; l++) {
        if (!fgets(line, (int)cap, f)) break;
        int w = l < 0 ? t->n_inputs : t->layers[l].n_lut;
        const uint16_t *want = (l < 0 ? c->input : c->layer[l]) + (size_t)m->sample * (size_t)w;
        uint16_t *codes = xmalloc(sizeof *codes * (size_t)w);
        if (hex_to_codes(line, w, l < 0 ? 1 : t->layers[l].bits_out, codes) == 0)
            for (int i = 0; i < w && !found; i++)
                if (codes[i] != want[i]) {
                    m->layer = l < 0 ? BE_LAYER_ENCODER : l, m->index = i, m->got = codes[i],
                    m->want = want[i];
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

/* ---- The C simulator and the RTL --------------------------------------------------- */

static rt_status run_csim(const rt_tables *t, const be_plan *p, const rt_codes *c,
                          const char *out_dir, const char *work, const char *vectors,
                          const be_verify_opts *o, be_check *k, rt_error *e) {
    char *cc = be_find_tool("CC", "cc");
    if (!cc) {
        snprintf(k->note, sizeof k->note,
                 "no C compiler (cc or $CC) found: C simulator "
                 "step skipped");
        return RT_OK;
    }
    rt_status rs = RT_OK;
    double t0 = rt_now();
    char name[256];
    char *csim = rt_path_join(out_dir, "csim");
    snprintf(name, sizeof name, "%s.c", p->ident);
    char *src = rt_path_join(csim, name), *main_c = rt_path_join(csim, "main.c");
    char *exe = rt_path_join(work, "csim"), *log = rt_path_join(work, "cc.log");
    char *out = rt_path_join(work, "csim_out.hex"), *err = rt_path_join(work, "csim.log");
    char *layers = rt_path_join(work, "csim_layers.hex");
    be_verify_progress(o, "compiling the C simulator (%s)", cc);
    char *cc_argv[] = {cc, "-std=c99", "-O2", "-o", exe, main_c, src, NULL};
    int st = be_spawn(cc_argv, NULL, log, log);
    if (st != 0) { /* a tool failure, not a mismatch: the log is kept in OUT/verify */
        char *kept = be_keep_log(out_dir, log, "cc.log");
        rs = rt_fail(e, RT_ERR_TOOL, "%s failed (exit %d) compiling %s; log kept at %s", cc, st,
                     src, kept);
        snprintf(k->note, sizeof k->note, "%.255s", e->msg);
        free(kept);
        goto done;
    }
    be_verify_progress(o, "running the C simulator on %s", vectors);
    char *run_argv[] = {exe, (char *)vectors, NULL};
    remove(out);
    st = be_spawn(run_argv, NULL, out, err);
    int last = t->head_group > 0 ? t->n_layers : t->n_layers - 1, w = be_classes(t);
    uint16_t *got = xcalloc((size_t)c->n_samples * (size_t)w + 1, sizeof *got);
    int n = read_hex_lines(out, c->n_samples, w, be_out_bits(t), got);
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
    return rs;
}

/* Runs Verilator on the RTL of plan q (pipelining name pname); files in work. */
static rt_status run_rtl(const rt_tables *t, const be_plan *q, bool own, const rt_codes *c,
                         const char *out_dir, const char *work, const char *vectors,
                         const be_verify_opts *o, be_check *k, rt_error *e) {
    rt_status rs = RT_OK;
    double t0 = rt_now();
    const char *pname = ir_pipeline_name(q->pipeline);
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
    char *verilator = NULL;
    rt_error e2 = {0}; /* a folder or file that cannot be made fails this run, not the rest */
    if (be_mkdirs(dir, &e2) ||
        (own && access(rtl, R_OK) != 0 && rt_fail(&e2, RT_ERR_IO, "%s: missing", rtl)) ||
        (!own && be_write_rtl(t, q, rtl, &e2)) || be_write_testbench(t, q, c->n_samples, tb, &e2)) {
        snprintf(k->note, sizeof k->note, "%.200s", e2.msg);
        k->ran = true;
        k->m.samples = c->n_samples;
        goto done;
    }
    /* The formal proof of the same file against the tables: every address, not only the
     * test samples. */
    if (o->formal) {
        be_verify_progress(o, "proving the RTL equal to the tables with Yosys (pipeline %s)",
                           pname);
        rs = be_formal(t, q, rtl, dir, out_dir, &k->formal, e);
    } else
        snprintf(k->formal.note, sizeof k->formal.note, "not requested");
    verilator = be_find_tool("NLTC_VERILATOR", "verilator");
    if (!verilator) {
        snprintf(k->note, sizeof k->note, "verilator not installed: RTL step skipped");
        goto done;
    }
    be_verify_progress(o, "building the RTL with Verilator (pipeline %s)", pname);
    /* -Wall without -Werror: the build lints the RTL too, and the warnings are counted. */
    char *v_argv[] = {verilator, "--binary",     "-Wall", "-Wno-fatal", "-j",
                      "2",       "--top-module", top,     "-Mdir",      obj,
                      "-o",      "sim",          rtl,     tb,           NULL};
    int st = be_spawn(v_argv, NULL, log, log);
    k->ran = true;
    k->lint_warnings = count_lines(log, "%Warning");
    if (st != 0) { /* a tool failure, not a mismatch: the log is kept in OUT/verify */
        snprintf(name, sizeof name, "verilator_%s%d.log", pname, q->pipeline_k);
        char *kept = be_keep_log(out_dir, log, name);
        rt_error e3 = {0};
        rt_fail(&e3, RT_ERR_TOOL, "verilator failed (exit %d) building %s; log kept at %s", st, rtl,
                kept);
        snprintf(k->note, sizeof k->note, "%.255s", e3.msg);
        k->ran = false; /* no result: the summary shows the failure, not "ok" */
        k->lint_warnings = -1;
        if (!rs) rs = RT_ERR_TOOL, *e = e3;
        free(kept);
        goto done;
    }
    be_verify_progress(o, "simulating the RTL (pipeline %s)", pname);
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
    int last = t->head_group > 0 ? t->n_layers : t->n_layers - 1, w = be_classes(t);
    got = xcalloc((size_t)c->n_samples * (size_t)w + 1, sizeof *got);
    int n = read_hex_lines(out, c->n_samples, w, be_out_bits(t), got);
    be_compare_outputs(c, got, &k->m);
    if (n < c->n_samples && (k->m.sample < 0 || k->m.sample > n))
        k->m.sample = n, k->m.layer = last;
    k->accuracy = be_accuracy(got, n, w, c->labels);
    k->latency = meas;
    /* the stream wrapper's output FIFO adds a register */
    int lat = be_plan_stages(q) + (q->iface == IR_IFACE_STREAM);
    k->latency_errors = lat_err + (meas != lat);
    if (k->m.sample >= 0 && first == k->m.sample) locate_layer(layers, t, c, &k->m);
    snprintf(k->note, sizeof k->note, "verilator --binary on %s%s; latency %d cycles", rtl,
             q->iface == IR_IFACE_STREAM ? " (stream wrapper, random stalls)" : "", meas);
done:
    k->seconds = rt_now() - t0;
    free(got);
    free(verilator), free(dir), free(shipped), free(rtl), free(tb), free(obj), free(log);
    free(simlog), free(out), free(layers), free(exe);
    return rs;
}

rt_status be_verify_csim(const be_verify_ctx *v, be_repr_checks *r, rt_error *e) {
    r->n = 2;
    be_check *ex = &r->run[1];
    snprintf(ex->label, sizeof ex->label, "C simulator tables");
    if (!v->o->csim || !v->work) {
        snprintf(r->run[0].note, sizeof r->run[0].note, "C simulator step not requested");
        snprintf(ex->note, sizeof ex->note, "C simulator step not requested");
        return RT_OK;
    }
    rt_status st = run_csim(v->tables, v->plan, v->codes, v->out_dir, v->work, v->vectors, v->o,
                            &r->run[0], e);
    if (st) return st; /* the C simulator could not be built or run: a tool failure */
    char *cc = be_find_tool("CC", "cc");
    if (!cc) {
        snprintf(ex->note, sizeof ex->note, "no C compiler (cc or $CC) found: check skipped");
        return RT_OK;
    }
    be_verify_progress(v->o, "checking the C simulator's tables at every address (%s)", cc);
    char *csim = rt_path_join(v->out_dir, "csim");
    be_csim_check_tables(v->tables, v->plan, csim, v->work, cc, ex);
    free(csim);
    free(cc);
    return RT_OK;
}

rt_status be_verify_rtl(const be_verify_ctx *v, be_repr_checks *r, rt_error *e) {
    const be_verify_opts *o = v->o;
    rt_status st = RT_OK;
    const be_plan *p = v->plan;
    r->n = 0;
    if (!o->rtl || !v->work) return RT_OK;
    int n = o->n_pipelines > 0 ? o->n_pipelines : 1;
    for (int i = 0; i < n && i < BE_MAX_RUNS; i++) {
        be_plan q;
        be_plan_copy(p, &q);
        bool own = o->n_pipelines == 0 ||
                   (o->pipelines[i] == p->pipeline &&
                    (p->pipeline != IR_PIPE_EVERY_K || o->pipeline_k[i] == p->pipeline_k));
        if (!own) be_plan_set_pipeline(&q, o->pipelines[i], o->pipeline_k[i]);
        be_check *k = &r->run[i];
        if (q.pipeline == IR_PIPE_EVERY_K)
            snprintf(k->label, sizeof k->label, "RTL (every(%d))", q.pipeline_k);
        else
            snprintf(k->label, sizeof k->label, "RTL (%s)", ir_pipeline_name(q.pipeline));
        rt_error e2 = {0};
        rt_status s2 =
            run_rtl(v->tables, &q, own, v->codes, v->out_dir, v->work, v->vectors, o, k, &e2);
        if (s2 && !st) st = s2, *e = e2;
        be_plan_free(&q);
        r->n = i + 1;
    }
    return st;
}
