/* rt.c - the small helpers every folder shares (memory, files and folders, clock, hashing,
 * LUT cost) and the constructors/destructors of the shared runtime types declared in rt.h. */
#include "rt.h"

#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- Status and errors ------------------------------------------------------------ */

static rt_status fail_v(rt_error *e, rt_status st, const char *prop, const char *fmt, va_list ap) {
    if (!e) return st;
    e->status = st;
    snprintf(e->prop, sizeof e->prop, "%s", prop ? prop : "");
    vsnprintf(e->msg, sizeof e->msg, fmt, ap);
    return st;
}

rt_status rt_fail(rt_error *e, rt_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fail_v(e, st, NULL, fmt, ap);
    va_end(ap);
    return st;
}

rt_status rt_fail_prop(rt_error *e, rt_status st, const char *prop, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    fail_v(e, st, prop, fmt, ap);
    va_end(ap);
    return st;
}

const char *rt_status_name(rt_status st) {
    static const char *const names[] = {"ok", "model", "data",     "usage",
                                        "io", "tool",  "mismatch", "interrupted"};
    return (unsigned)st < sizeof names / sizeof *names ? names[st] : "unknown";
}

/* ---- Memory ----------------------------------------------------------------------- */

_Noreturn void rt_oom(void) {
    fputs("nltc: out of memory\n", stderr);
    exit(2);
}

void *xmalloc(size_t n) {
    void *p = malloc(n ? n : 1);
    if (!p) rt_oom();
    return p;
}

void *xcalloc(size_t count, size_t size) {
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p) rt_oom();
    return p;
}

void *xrealloc(void *p, size_t n) {
    void *q = realloc(p, n ? n : 1);
    if (!q) rt_oom();
    return q;
}

char *xstrdup(const char *s) {
    size_t n = strlen(s) + 1;
    return memcpy(xmalloc(n), s, n);
}

char *rt_vstrfmt(const char *fmt, va_list ap) {
    va_list copy;
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    char *s = xmalloc((size_t)n + 1);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    return s;
}

char *rt_strfmt(const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    char *s = rt_vstrfmt(fmt, ap);
    va_end(ap);
    return s;
}

/* ---- Growable buffers ------------------------------------------------------------- */

void rt_grow(void **ptr, size_t count, size_t *cap, size_t elem) {
    if (count < *cap) return;
    size_t n = *cap ? *cap * 2 : 8;
    while (n <= count)
        n *= 2;
    if (n > SIZE_MAX / elem) rt_oom();
    *ptr = xrealloc(*ptr, n * elem);
    *cap = n;
}

static void buf_reserve(rt_buf *b, size_t n) {
    if (b->len + n + 1 <= b->cap) return;
    size_t cap = b->cap ? b->cap : 64;
    while (cap < b->len + n + 1)
        cap *= 2;
    b->data = xrealloc(b->data, cap);
    b->cap = cap;
}

void rt_buf_put(rt_buf *b, const void *data, size_t n) {
    buf_reserve(b, n);
    if (n) memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = 0;
}

void rt_buf_puts(rt_buf *b, const char *s) {
    rt_buf_put(b, s, strlen(s));
}

void rt_buf_printf(rt_buf *b, const char *fmt, ...) {
    va_list ap, copy;
    va_start(ap, fmt);
    va_copy(copy, ap);
    int n = vsnprintf(NULL, 0, fmt, copy);
    va_end(copy);
    if (n > 0) {
        buf_reserve(b, (size_t)n);
        vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
        b->len += (size_t)n;
    }
    va_end(ap);
}

char *rt_buf_take(rt_buf *b) {
    char *s = b->data ? b->data : xstrdup("");
    b->data = NULL;
    b->len = b->cap = 0;
    return s;
}

void rt_buf_free(rt_buf *b) {
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

/* ---- Files and folders -------------------------------------------------------------- */

int rt_afile_open(rt_afile *a, const char *path) {
    size_t n = strlen(path) + 32;
    a->path = xstrdup(path);
    a->tmp = xmalloc(n);
    snprintf(a->tmp, n, "%s.tmp.%ld", path, (long)getpid());
    a->f = fopen(a->tmp, "wb");
    a->err = a->f ? 0 : errno;
    return a->f ? 0 : RT_AFILE_CREATE;
}

int rt_afile_commit(rt_afile *a) {
    int step = 0;
    a->err = ferror(a->f) ? (errno ? errno : EIO) : 0; /* the failed write's errno */
    if (fclose(a->f) != 0 && !a->err) a->err = errno;
    a->f = NULL;
    if (a->err)
        step = RT_AFILE_WRITE;
    else if (rename(a->tmp, a->path) != 0) {
        a->err = errno;
        step = RT_AFILE_RENAME;
    }
    if (step) remove(a->tmp);
    return step;
}

void rt_afile_free(rt_afile *a) {
    if (a->f) {
        fclose(a->f);
        remove(a->tmp);
    }
    free(a->path);
    free(a->tmp);
    memset(a, 0, sizeof *a);
}

int rt_write_file(const char *path, const void *data, size_t n) {
    rt_afile a;
    int rc = rt_afile_open(&a, path);
    if (!rc) {
        if (n) fwrite(data, 1, n, a.f);
        rc = rt_afile_commit(&a);
    }
    int err = rc ? a.err : 0;
    rt_afile_free(&a);
    if (err) errno = err;
    return err ? -1 : 0;
}

void *rt_read_file(const char *path, size_t *len, bool *opened) {
    FILE *f = fopen(path, "rb");
    if (opened) *opened = f != NULL;
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = xmalloc(cap);
    for (;;) {
        if (cap - n < 2) buf = xrealloc(buf, cap *= 2);
        size_t got = fread(buf + n, 1, cap - n - 1, f);
        n += got;
        if (got == 0) break;
    }
    int bad = ferror(f), saved = errno;
    fclose(f);
    if (bad) {
        free(buf);
        errno = saved ? saved : EIO;
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

char *rt_path_join(const char *dir, const char *name) {
    size_t n = strlen(dir) + strlen(name) + 2;
    char *s = xmalloc(n);
    snprintf(s, n, "%s/%s", dir, name);
    return s;
}

int rt_mkdirs(const char *path, int *failed_len) {
    char *p = xstrdup(path);
    int err = 0;
    for (char *s = p + (p[0] != '\0');; s++) {
        char c = *s;
        if (c != '/' && c != '\0') continue;
        *s = '\0';
        if (mkdir(p, 0777) != 0 && errno != EEXIST) {
            err = errno;
            if (failed_len) *failed_len = (int)(s - p);
            break;
        }
        *s = c;
        if (!c) break;
    }
    free(p);
    return err;
}

void rt_rmtree(const char *path) {
    struct stat st;
    if (lstat(path, &st) != 0) return;
    if (S_ISDIR(st.st_mode)) {
        DIR *d = opendir(path);
        if (d) {
            struct dirent *de;
            while ((de = readdir(d)) != NULL) {
                if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
                char *sub = rt_path_join(path, de->d_name);
                rt_rmtree(sub);
                free(sub);
            }
            closedir(d);
        }
        rmdir(path);
    } else
        unlink(path);
}

/* ---- Scratch folders ---------------------------------------------------------------- */

/* The scratch folders still held, removed at exit. */
static char **scratch_held;
static size_t scratch_n, scratch_cap;

static void scratch_atexit(void) {
    for (size_t i = 0; i < scratch_n; i++)
        rt_rmtree(scratch_held[i]);
    scratch_n = 0;
}

char *rt_scratch_new(const char *prefix, rt_error *e) {
    const char *base = getenv("TMPDIR");
    char *path = rt_strfmt("%s/%s-XXXXXX", base && *base ? base : "/tmp", prefix);
    if (!mkdtemp(path)) {
        rt_fail(e, RT_ERR_IO, "cannot create a scratch folder %s: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    if (!scratch_cap) atexit(scratch_atexit);
    rt_grow((void **)&scratch_held, scratch_n, &scratch_cap, sizeof *scratch_held);
    scratch_held[scratch_n++] = path;
    return path;
}

void rt_scratch_free(char *path, bool keep) {
    if (!path) return;
    for (size_t i = 0; i < scratch_n; i++)
        if (scratch_held[i] == path) {
            scratch_held[i] = scratch_held[--scratch_n];
            break;
        }
    if (!keep) rt_rmtree(path);
    free(path);
}

/* ---- Clock and hashing --------------------------------------------------------------- */

double rt_now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

uint64_t rt_fnv1a(uint64_t h, const void *data, size_t n) {
    const uint8_t *p = data;
    for (size_t i = 0; i < n; i++) {
        h ^= p[i];
        h *= 0x100000001b3ULL;
    }
    return h;
}

uint64_t rt_fnv1a_u64(uint64_t h, uint64_t v) {
    return (h ^ v) * 0x100000001b3ULL;
}

/* ---- The seeded generator ---------------------------------------------------------- */

uint64_t rt_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* Uniform in 0 .. bound-1: draws below 2^64 mod bound are rejected. */
static uint64_t splitmix_below(uint64_t *state, uint64_t bound) {
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        uint64_t r = rt_splitmix64(state);
        if (r >= threshold) return r % bound;
    }
}

void rt_permute(int *perm, int n, uint64_t seed) {
    uint64_t state = seed;
    for (int i = 0; i < n; i++)
        perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)splitmix_below(&state, (uint64_t)i + 1);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}

void rt_rng_seed(rt_rng *r, uint64_t seed, uint64_t purpose, uint64_t a, uint64_t b) {
    uint64_t x = seed;
    x = rt_splitmix64(&x) ^ purpose;
    x = rt_splitmix64(&x) ^ a;
    x = rt_splitmix64(&x) ^ b;
    for (int i = 0; i < 4; i++)
        r->s[i] = rt_splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k) {
    return (x << k) | (x >> (64 - k));
}

uint64_t rt_rng_next(rt_rng *r) {
    uint64_t *s = r->s;
    uint64_t out = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return out;
}

uint32_t rt_rng_below(rt_rng *r, uint32_t n) {
    uint64_t m = (uint64_t)(uint32_t)(rt_rng_next(r) >> 32) * n;
    uint32_t lo = (uint32_t)m;
    if (lo < n) {
        uint32_t t = (uint32_t)(-n) % n;
        while (lo < t) {
            m = (uint64_t)(uint32_t)(rt_rng_next(r) >> 32) * n;
            lo = (uint32_t)m;
        }
    }
    return (uint32_t)(m >> 32);
}

float rt_rng_sym(rt_rng *r) {
    float u = (float)(rt_rng_next(r) >> 40) * (1.0f / 16777216.0f);
    return 2.0f * u - 1.0f;
}

/* ---- LUT cost ------------------------------------------------------------------------ */

long rt_lut_cost(int addr_bits, int k) {
    if (addr_bits <= k) return 1;
    long best = -1;
    for (int m = 1; m + (1 << m) <= k && m < addr_bits; m++) {
        long c = (1L << m) * rt_lut_cost(addr_bits - m, k) + 1;
        if (best < 0 || c < best) best = c;
    }
    if (best < 0) /* K < 3: a 2:1 mux itself takes three 2-input LUTs */
        best = 2 * rt_lut_cost(addr_bits - 1, k) + 3;
    return best;
}

const char *rt_lut_cost_formula(void) {
    return "per output bit of a table with A address bits: C(A) = 1 if A <= K, else the "
           "cheapest Shannon expansion on m variables, min over m + 2^m <= K of "
           "2^m * C(A-m) + 1 (the 2^m cofactors joined by one 2^m:1 mux LUT); for K = 6, "
           "C(A) = (2^(A-4) - (-1)^A) / 3 (LogicNets)";
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
    free(d->blank);
    d->blank = NULL;
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

const char *rt_repr_name(rt_repr r) {
#define RT_REPR_KEY(id, key) key,
    static const char *const keys[] = {RT_REPRS(RT_REPR_KEY)};
#undef RT_REPR_KEY
    return (unsigned)r < RT_N_REPR ? keys[r] : "unknown";
}

void rt_report_init(rt_report *r) {
    memset(r, 0, sizeof *r);
    r->n_train = r->n_valid = r->n_test = -1;
    r->accuracy.flt = r->accuracy.quantized = NAN;
    for (int i = 0; i < RT_N_REPR; i++)
        r->accuracy.repr[i] = NAN;
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
    r->hardware.n_stage_levels = -1;
    r->hardware.luts_xilinx = r->hardware.muxf = -1;
    r->hardware.fmax_mhz = r->hardware.latency_ns = r->hardware.adp = NAN;
    r->hardware.n_layer_luts = -1;
}
