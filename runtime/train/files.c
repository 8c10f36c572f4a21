/* files.c - what training keeps on disk under OUT/train/: the checkpoint (resume), the
 * selected model (model.bin, read back by `nltc verify`), the masks (masks.txt) and the
 * training curve (curve.csv). Formats are described in train.h, section 2.
 *
 * Every file is built in memory and written atomically (rt_write_file: a temporary name, then
 * rename), so a crash
 * or a SIGINT never leaves a half-written file behind. Binary files end with an FNV-1a
 * checksum of everything before it; a damaged file is refused with its name.
 */
#include "train_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define CKPT_MAGIC  "NLTCCKP4"
#define MODEL_MAGIC "NLTCMDL2"

/* ---- Byte buffers --------------------------------------------------------------------- */

/* A growable output buffer. */
typedef struct obuf {
    unsigned char *p; /* bytes */
    size_t n, cap;    /* used, allocated */
} obuf;

static void put(obuf *b, const void *v, size_t n) {
    if (b->n + n > b->cap) {
        size_t c = b->cap ? b->cap : 4096;
        while (c < b->n + n)
            c *= 2;
        b->p = xrealloc(b->p, c);
        b->cap = c;
    }
    memcpy(b->p + b->n, v, n);
    b->n += n;
}

static void put_i32(obuf *b, int v) {
    int32_t x = v;
    put(b, &x, sizeof x);
}

static void put_i64(obuf *b, long long v) {
    int64_t x = v;
    put(b, &x, sizeof x);
}

static void put_u64(obuf *b, uint64_t v) {
    put(b, &v, sizeof v);
}

static void put_f64(obuf *b, double v) {
    put(b, &v, sizeof v);
}

static void put_floats(obuf *b, const float *v, size_t n) {
    put_u64(b, n);
    put(b, v, n * sizeof(float));
}

/* A bounds-checked input cursor. */
typedef struct ibuf {
    const unsigned char *p; /* bytes */
    size_t n, pos;          /* size, read position */
    bool bad;               /* a read ran past the end */
} ibuf;

static void get(ibuf *b, void *v, size_t n) {
    if (b->bad || n > b->n - b->pos) {
        b->bad = true;
        memset(v, 0, n);
        return;
    }
    memcpy(v, b->p + b->pos, n);
    b->pos += n;
}

static int get_i32(ibuf *b) {
    int32_t x;
    get(b, &x, sizeof x);
    return x;
}

static long long get_i64(ibuf *b) {
    int64_t x;
    get(b, &x, sizeof x);
    return x;
}

static uint64_t get_u64(ibuf *b) {
    uint64_t x;
    get(b, &x, sizeof x);
    return x;
}

static double get_f64(ibuf *b) {
    double x;
    get(b, &x, sizeof x);
    return x;
}

/* Reads exactly n floats into v (the stored count must be n). */
static void get_floats(ibuf *b, float *v, size_t n) {
    if (get_u64(b) != n) {
        b->bad = true;
        return;
    }
    get(b, v, n * sizeof(float));
}

/* ---- Files ---------------------------------------------------------------------------- */

/* rt_read_file; NULL on error (errno set, EIO for a read error). */
static unsigned char *read_all(const char *path, size_t *n) {
    bool opened;
    unsigned char *p = rt_read_file(path, n, &opened);
    if (!p && opened) errno = EIO;
    return p;
}

/* Checks the magic and the trailing checksum and sets the cursor over the body; on failure
 * fills e with why (RT_ERR_IO, "PATH: ..." naming what the file is, e.g. "checkpoint") and
 * returns false. The magic is 7 bytes of kind and one of format version, so a file of another
 * version of the format is told apart from a foreign or damaged one. */
static bool open_container(const unsigned char *p, size_t n, const char *magic, ibuf *b,
                           const char *path, const char *what, rt_error *e) {
    if (n < 16 || memcmp(p, magic, 7) != 0) {
        rt_fail(e, RT_ERR_IO, "%s: not an nltc %s", path, what);
        return false;
    }
    if (p[7] != (unsigned char)magic[7]) {
        rt_fail(e, RT_ERR_IO,
                "%s: an nltc %s of format version %c; this nltc reads version %c (start over "
                "without --resume, or use the nltc that wrote it)",
                path, what, p[7] >= 0x20 && p[7] < 0x7f ? p[7] : '?', magic[7]);
        return false;
    }
    uint64_t sum;
    memcpy(&sum, p + n - 8, 8);
    if (rt_fnv1a(RT_FNV_INIT, p, n - 8) != sum) {
        rt_fail(e, RT_ERR_IO, "%s: damaged nltc %s (checksum mismatch: truncated or altered)", path,
                what);
        return false;
    }
    b->p = p;
    b->n = n - 8;
    b->pos = 8;
    b->bad = false;
    return true;
}

/* Writes b's bytes to path atomically and frees them; what names the file's kind. */
static rt_status write_out(obuf *b, const char *path, const char *what, rt_error *e) {
    int rc = rt_write_file(path, b->p, b->n);
    int err = errno;
    free(b->p);
    if (rc != 0)
        return rt_fail(e, RT_ERR_IO, "%s: cannot write the %s: %s", path, what, strerror(err));
    return RT_OK;
}

static rt_status finish_container(obuf *b, const char *path, const char *what, rt_error *e) {
    put_u64(b, rt_fnv1a(RT_FNV_INIT, b->p, b->n));
    return write_out(b, path, what, e);
}

/* The input tables of every non-dense layer (the model is rebuilt from them). */
static void put_masks(obuf *b, const tr_params *p) {
    put_i32(b, p->n_layers);
    for (int l = 0; l < p->n_layers; l++) {
        const tr_layer *L = &p->layers[l];
        bool has = L->wire != TR_WIRE_DENSE && L->connect != IR_CONNECT_CONTIGUOUS;
        put_i32(b, has ? (int)L->connect + 1 : 0); /* 0: none, else how the mask was made */
        if (has) {
            put_i32(b, L->out * L->sh.F);
            put(b, L->idx, (size_t)L->out * L->sh.F * sizeof(int));
        }
    }
}

/* Reads masks stored by put_masks, checking their shapes and index ranges against ir;
 * how[l] receives how each mask was made (kept as the layer's connect). */
static int **get_masks(ibuf *b, const ir_program *ir, ir_connect *how) {
    if (get_i32(b) != ir->n_layers) {
        b->bad = true;
        return NULL;
    }
    int **masks = xcalloc((size_t)ir->n_layers, sizeof(int *));
    for (int l = 0; l < ir->n_layers && !b->bad; l++) {
        int kind = get_i32(b);
        how[l] = ir->layers[l].connect;
        if (kind == 0) continue;
        if (kind != IR_CONNECT_LEARNED + 1 && kind != IR_CONNECT_RANDOM + 1 &&
            kind != IR_CONNECT_MAPPING + 1) {
            b->bad = true;
            break;
        }
        how[l] = (ir_connect)(kind - 1);
        int cnt = get_i32(b);
        const ir_layer *il = &ir->layers[l];
        if (cnt != il->out_width * il->fanin) {
            b->bad = true;
            break;
        }
        masks[l] = xmalloc((size_t)cnt * sizeof(int));
        get(b, masks[l], (size_t)cnt * sizeof(int));
        for (int k = 0; k < cnt && !b->bad; k++)
            if (masks[l][k] < 0 || masks[l][k] >= il->in_width) b->bad = true;
    }
    return masks;
}

void tr_free_masks(int **masks, int n) {
    if (!masks) return;
    for (int l = 0; l < n; l++)
        free(masks[l]);
    free(masks);
}

/* ---- Checkpoint ----------------------------------------------------------------------- */

void tr_run_free(tr_run *r) {
    free(r->best_param);
    free(r->best_state);
    free(r->avg);
    free(r->curve);
    memset(r, 0, sizeof *r);
}

rt_status tr_ckpt_save(const char *path, const tr_run *r, const tr_model *m, uint64_t fp,
                       rt_error *e) {
    const tr_params *P = &m->p;
    obuf b = {0};
    put(&b, CKPT_MAGIC, 8);
    put_u64(&b, fp);
    put_i32(&b, P->dense);
    put_i32(&b, r->stage);
    put_i32(&b, r->epoch);
    put_i32(&b, r->batch);
    put_f64(&b, r->ep_loss);
    put_i64(&b, r->ep_correct);
    put_i64(&b, r->ep_seen);
    put_f64(&b, r->ep_train_s);
    put_f64(&b, r->elapsed);
    put_f64(&b, r->stage_s[0]);
    put_f64(&b, r->stage_s[1]);
    put_f64(&b, r->sparse_train_s);
    put_i64(&b, r->sparse_samples);
    put_i32(&b, r->sparse_epochs);
    put_f64(&b, r->best_valid);
    put_f64(&b, r->best_loss);
    put_i32(&b, r->best_epoch);
    put_i32(&b, r->n_curve);
    for (int i = 0; i < r->n_curve; i++) {
        const tr_curve_row *c = &r->curve[i];
        put_i32(&b, c->dense);
        put_i32(&b, c->epoch);
        put_f64(&b, c->loss);
        put_f64(&b, c->train_acc);
        put_f64(&b, c->valid_acc);
        put_f64(&b, c->lr);
        put_f64(&b, c->seconds);
        put_f64(&b, c->sps);
    }
    put_masks(&b, P);
    put_u64(&b, m->opt->adam_t);
    put_floats(&b, P->param, P->n_param);
    put_floats(&b, m->opt->adam_m, P->n_param);
    put_floats(&b, m->opt->adam_v, P->n_param);
    put_floats(&b, P->state, P->n_state);
    put_i32(&b, r->best_param != NULL);
    if (r->best_param) {
        put_floats(&b, r->best_param, P->n_param);
        put_floats(&b, r->best_state, P->n_state);
    }
    put_i32(&b, r->avg != NULL);
    if (r->avg) put_floats(&b, r->avg, P->n_param);
    return finish_container(&b, path, "checkpoint", e);
}

/* The run's counters and curve (what tr_ckpt_save wrote after the model kind). */
static void get_run(ibuf *b, tr_run *r, const ir_program *ir) {
    r->stage = get_i32(b);
    r->epoch = get_i32(b);
    r->batch = get_i32(b);
    r->ep_loss = get_f64(b);
    r->ep_correct = (long)get_i64(b);
    r->ep_seen = (long)get_i64(b);
    r->ep_train_s = get_f64(b);
    r->elapsed = get_f64(b);
    r->stage_s[0] = get_f64(b);
    r->stage_s[1] = get_f64(b);
    r->sparse_train_s = get_f64(b);
    r->sparse_samples = (long)get_i64(b);
    r->sparse_epochs = get_i32(b);
    r->best_valid = get_f64(b);
    r->best_loss = get_f64(b);
    r->best_epoch = get_i32(b);
    r->n_curve = get_i32(b);
    if (r->n_curve < 0 || (size_t)r->n_curve > b->n / 16 || r->stage < 0 ||
        r->stage >= ir->train.n_stages) {
        b->bad = true;
        return;
    }
    r->curve = xcalloc((size_t)r->n_curve + 1, sizeof(tr_curve_row));
    for (int i = 0; i < r->n_curve; i++) {
        tr_curve_row *c = &r->curve[i];
        c->dense = get_i32(b);
        c->epoch = get_i32(b);
        c->loss = get_f64(b);
        c->train_acc = get_f64(b);
        c->valid_acc = get_f64(b);
        c->lr = get_f64(b);
        c->seconds = get_f64(b);
        c->sps = get_f64(b);
    }
}

/* The training model and the run's saved blocks (after the curve); NULL when b goes bad. */
static tr_model *get_model(ibuf *b, const ir_program *ir, bool dense, int rows_max, int threads,
                           tr_run *r) {
    ir_connect *how = xcalloc((size_t)ir->n_layers, sizeof(ir_connect));
    int **masks = get_masks(b, ir, how);
    tr_model *m = NULL;
    if (!b->bad) {
        m = tr_model_new(ir, dense, masks, ir->train.seed, rows_max, threads, true);
        tr_params *P = &m->p;
        for (int l = 0; l < P->n_layers; l++)
            if (masks[l]) P->layers[l].connect = how[l];
        m->opt->adam_t = get_u64(b);
        get_floats(b, P->param, P->n_param);
        get_floats(b, m->opt->adam_m, P->n_param);
        get_floats(b, m->opt->adam_v, P->n_param);
        get_floats(b, P->state, P->n_state);
        if (get_i32(b)) {
            r->best_param = xmalloc(P->n_param * sizeof(float));
            r->best_state = xmalloc(P->n_state * sizeof(float));
            get_floats(b, r->best_param, P->n_param);
            get_floats(b, r->best_state, P->n_state);
        }
        if (get_i32(b)) {
            r->avg = xmalloc(P->n_param * sizeof(float));
            get_floats(b, r->avg, P->n_param);
        }
        if (b->pos != b->n) b->bad = true;
    }
    tr_free_masks(masks, ir->n_layers);
    free(how);
    return m;
}

rt_status tr_ckpt_load(const char *path, const ir_program *ir, uint64_t fp, int rows_max,
                       int threads, tr_run *r, tr_model **out, rt_error *e) {
    size_t n;
    unsigned char *p = read_all(path, &n);
    if (!p)
        return rt_fail(e, RT_ERR_IO, "%s: cannot read the checkpoint: %s", path, strerror(errno));
    ibuf b;
    if (!open_container(p, n, CKPT_MAGIC, &b, path, "checkpoint", e)) {
        free(p);
        return RT_ERR_IO;
    }
    if (get_u64(&b) != fp) {
        free(p);
        return rt_fail(e, RT_ERR_MODEL,
                       "%s: the checkpoint belongs to another model, seed, batch size or dataset; "
                       "run without --resume to start over",
                       path);
    }
    memset(r, 0, sizeof *r);
    bool dense = get_i32(&b);
    get_run(&b, r, ir);
    tr_model *m = b.bad ? NULL : get_model(&b, ir, dense, rows_max, threads, r);
    free(p);
    if (b.bad) {
        tr_model_free(m);
        tr_run_free(r);
        return rt_fail(e, RT_ERR_MODEL,
                       "%s: the checkpoint does not match the model (truncated or other shapes)",
                       path);
    }
    *out = m;
    return RT_OK;
}

/* ---- The selected model --------------------------------------------------------------- */

rt_status tr_model_save(const char *path, const tr_model *m, rt_error *e) {
    const tr_params *P = &m->p;
    obuf b = {0};
    put(&b, MODEL_MAGIC, 8);
    put_u64(&b, P->fingerprint);
    put_masks(&b, P);
    put_floats(&b, P->param, P->n_param);
    put_floats(&b, P->state, P->n_state);
    return finish_container(&b, path, "trained model", e);
}

/* The evaluation model held by a model.bin body (after the fingerprint); NULL when b goes
 * bad. */
static tr_model *get_eval_model(ibuf *b, const ir_program *ir, int threads) {
    ir_connect *how = xcalloc((size_t)ir->n_layers, sizeof(ir_connect));
    int **masks = get_masks(b, ir, how);
    tr_model *m = NULL;
    if (!b->bad) {
        m = tr_model_new(ir, false, masks, ir->train.seed, 256, threads, false);
        tr_params *P = &m->p;
        for (int l = 0; l < P->n_layers; l++)
            if (masks[l]) P->layers[l].connect = how[l];
        get_floats(b, P->param, P->n_param);
        get_floats(b, P->state, P->n_state);
        if (b->pos != b->n) b->bad = true;
    }
    tr_free_masks(masks, ir->n_layers);
    free(how);
    if (b->bad) {
        tr_model_free(m);
        m = NULL;
    }
    return m;
}

rt_status tr_model_load(const ir_program *ir, const char *out_dir, int threads, tr_model **out,
                        rt_error *e) {
    char *path = rt_strfmt("%s/train/model.bin", out_dir);
    size_t n;
    unsigned char *p = read_all(path, &n);
    rt_status st = RT_OK;
    ibuf b;
    *out = NULL;
    if (!p)
        st = rt_fail(e, RT_ERR_IO, "%s: cannot read the trained model: %s", path, strerror(errno));
    else if (!open_container(p, n, MODEL_MAGIC, &b, path, "model file", e))
        st = RT_ERR_IO;
    else if (get_u64(&b) != tr_ir_fingerprint(ir))
        st = rt_fail(e, RT_ERR_MODEL,
                     "%s: the trained model has another architecture than this model file", path);
    else if (!(*out = get_eval_model(&b, ir, threads)))
        st = rt_fail(e, RT_ERR_MODEL,
                     "%s: the trained model does not match the model file's shapes", path);
    free(p);
    free(path);
    return st;
}

/* ---- Text files ----------------------------------------------------------------------- */

/* printf into a growable buffer */
static void putf(obuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void putf(obuf *b, const char *fmt, ...) {
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (k > 0) put(b, tmp, (size_t)k < sizeof tmp ? (size_t)k : sizeof tmp - 1);
}

rt_status tr_write_masks(const tr_model *m, const char *path, rt_error *e) {
    obuf b = {0};
    putf(&b, "# nltc masks v1\n");
    for (int l = 0; l < m->p.n_layers; l++) {
        const tr_layer *L = &m->p.layers[l];
        if (L->wire == TR_WIRE_DENSE || L->connect == IR_CONNECT_CONTIGUOUS) continue;
        putf(&b, "layer %d %s in %d out %d fanin %d %s\n", l, L->name, L->in, L->out, L->sh.F,
             L->connect == IR_CONNECT_LEARNED ? "learned" : "random");
        for (int o = 0; o < L->out; o++) {
            for (int f = 0; f < L->sh.F; f++)
                putf(&b, f ? " %d" : "%d", L->idx[(size_t)o * L->sh.F + f]);
            putf(&b, "\n");
        }
    }
    return write_out(&b, path, "masks", e);
}

rt_status tr_write_curve(const char *path, const tr_run *r, rt_error *e) {
    obuf b = {0};
    putf(&b, "stage,epoch,loss,train_acc,valid_acc,lr,seconds,samples_per_s\n");
    for (int i = 0; i < r->n_curve; i++) {
        const tr_curve_row *c = &r->curve[i];
        putf(&b, "%s,%d,%.6f,%.6f,", c->dense ? "dense" : "sparse", c->epoch, c->loss,
             c->train_acc);
        if (!isnan(c->valid_acc)) putf(&b, "%.6f", c->valid_acc);
        putf(&b, ",%.8g,%.3f,%.1f\n", c->lr, c->seconds, c->sps);
    }
    return write_out(&b, path, "training curve", e);
}

/* ---- Reading masks.txt ---------------------------------------------------------------- */

/* Next line of text [*pos, end) into a NUL-terminated copy in buf; false at the end. */
static bool next_line(const char *p, size_t n, size_t *pos, char *buf, size_t cap) {
    if (*pos >= n) return false;
    size_t k = 0;
    while (*pos < n && p[*pos] != '\n') {
        if (k + 1 < cap) buf[k++] = p[*pos];
        (*pos)++;
    }
    (*pos)++;
    buf[k] = 0;
    if (k > 0 && buf[k - 1] == '\r') buf[k - 1] = 0;
    return true;
}

rt_status tr_read_masks(const char *path, const ir_program *ir, int ***out, rt_error *e) {
    size_t n, pos = 0;
    unsigned char *p = read_all(path, &n);
    *out = NULL;
    if (!p) return rt_fail(e, RT_ERR_IO, "%s: cannot read the masks: %s", path, strerror(errno));
    int **masks = xcalloc((size_t)ir->n_layers, sizeof(int *));
    char line[8192], what[512];
    long ln = 0;
    rt_status rc = RT_OK;
#define FAIL(...)                                                                                  \
    do {                                                                                           \
        snprintf(what, sizeof what, __VA_ARGS__);                                                  \
        rc = rt_fail(e, RT_ERR_MODEL, "%s:%ld: %s", path, ln, what);                               \
        goto done;                                                                                 \
    } while (0)
    ln = 1;
    if (!next_line((const char *)p, n, &pos, line, sizeof line) ||
        strcmp(line, "# nltc masks v1") != 0)
        FAIL("expected the header '# nltc masks v1'");
    while (next_line((const char *)p, n, &pos, line, sizeof line)) {
        ln++;
        if (line[0] == '#' || line[0] == 0) continue;
        int l, in, outw, fanin, used = 0;
        char name[64], how[16];
        if (sscanf(line, "layer %d %63s in %d out %d fanin %d %15s%n", &l, name, &in, &outw, &fanin,
                   how, &used) != 6 ||
            line[used] != 0)
            FAIL("expected 'layer INDEX NAME in N out N fanin F learned|random'");
        if (l < 0 || l >= ir->n_layers)
            FAIL("layer %d: the model has layers 0..%d", l, ir->n_layers - 1);
        const ir_layer *L = &ir->layers[l];
        if (L->connect == IR_CONNECT_CONTIGUOUS)
            FAIL("layer %d (%s) is wired contiguously; it takes no mask", l, L->name);
        if (in != L->in_width || outw != L->out_width || fanin != L->fanin)
            FAIL("layer %d (%s) has in %d out %d fanin %d, the file says in %d out %d fanin %d", l,
                 L->name, L->in_width, L->out_width, L->fanin, in, outw, fanin);
        if (masks[l]) FAIL("layer %d appears twice", l);
        masks[l] = xmalloc((size_t)outw * fanin * sizeof(int));
        for (int o = 0; o < outw; o++) {
            ln++;
            if (!next_line((const char *)p, n, &pos, line, sizeof line))
                FAIL("the file ends inside layer %d (%d of %d L-LUTs)", l, o, outw);
            const char *c = line;
            for (int f = 0; f < fanin; f++) {
                char *end;
                long v = strtol(c, &end, 10);
                if (end == c) FAIL("L-LUT %d: expected %d input indices", o, fanin);
                if (v < 0 || v >= in) FAIL("L-LUT %d: input %ld outside 0..%d", o, v, in - 1);
                masks[l][o * fanin + f] = (int)v;
                c = end;
            }
            while (*c == ' ' || *c == '\t')
                c++;
            if (*c) FAIL("L-LUT %d: more than %d input indices", o, fanin);
        }
    }
#undef FAIL
done:
    free(p);
    if (rc != RT_OK) {
        tr_free_masks(masks, ir->n_layers);
        return rc;
    }
    *out = masks;
    return RT_OK;
}
