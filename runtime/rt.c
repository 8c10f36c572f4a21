/* rt.c - the small helpers every folder shares (memory, files and folders, clock, hashing,
 * LUT cost) and the constructors/destructors of the shared runtime types declared in rt.h. */
#include "rt.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
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

/* ---- Scratch folders ----------------------------------------------------------------
 * The folders held are kept in a static table of fixed slots, so that a signal handler can
 * read it without locks or allocation: a slot's path is written first and its owner (the
 * process id that created it) last; the handler and the atexit function only touch slots
 * whose owner is the current process (a forked child, which inherits the table, never
 * removes its parent's folders). On SIGINT, SIGTERM and SIGHUP the handler removes every
 * held folder with async-signal-safe calls only: open/openat, the getdents64 system call
 * (raw, no libc state; readdir may allocate), unlinkat, close, with one static entry
 * buffer per depth level; then it restores the default action and raises the signal again,
 * so the process ends as the signal says (exit status 128 + signal in a shell). A signal
 * that was ignored when the handler would be installed stays ignored. A caller that owns a
 * signal for a while (training's SIGINT handler saves a checkpoint) installs its own handler
 * and restores this one afterwards; its interrupted run then exits normally, and the atexit
 * function removes the folders. */
enum { SCRATCH_SLOTS = 32, SCRATCH_PATH = 4096, SCRATCH_DEPTH = 24 };
static struct {
    volatile sig_atomic_t owner; /* pid of the process holding it, 0: free */
    char path[SCRATCH_PATH];
} scratch_slot[SCRATCH_SLOTS];
static const int scratch_signals[] = {SIGINT, SIGTERM, SIGHUP};
static char scratch_dents[SCRATCH_DEPTH][2048]; /* getdents64 buffers, one per depth */

/* Removes everything inside the folder open as fd (depth: its level), async-signal-safe.
 * Entries are read in chunks and removed as they are read. */
static void scratch_empty(int fd, int depth) {
    if (depth >= SCRATCH_DEPTH) return;
    char *buf = scratch_dents[depth];
    long n;
    while ((n = syscall(SYS_getdents64, fd, buf, sizeof scratch_dents[depth])) > 0) {
        for (long at = 0; at < n;) {
            /* struct linux_dirent64: ino (8), off (8), reclen (2), type (1), name */
            unsigned short reclen;
            memcpy(&reclen, buf + at + 16, sizeof reclen);
            unsigned char type = (unsigned char)buf[at + 18];
            const char *name = buf + at + 19;
            at += reclen;
            if (name[0] == '.' && (name[1] == '\0' || (name[1] == '.' && name[2] == '\0')))
                continue;
            if (type != DT_DIR && unlinkat(fd, name, 0) == 0) continue;
            int sub = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (sub < 0) continue;
            scratch_empty(sub, depth + 1);
            close(sub);
            unlinkat(fd, name, AT_REMOVEDIR);
        }
    }
}

/* Removes the folders this process holds, async-signal-safe (see above). */
static void scratch_remove_held(void) {
    pid_t self = getpid();
    for (int i = 0; i < SCRATCH_SLOTS; i++) {
        if (scratch_slot[i].owner != self) continue;
        for (int pass = 0; pass < 3; pass++) { /* a tool still writing may add files */
            int fd = open(scratch_slot[i].path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (fd < 0) break;
            scratch_empty(fd, 0);
            close(fd);
            if (rmdir(scratch_slot[i].path) == 0 || errno == ENOENT) break;
        }
        scratch_slot[i].owner = 0;
    }
}

static void scratch_on_signal(int sig) {
    int saved = errno;
    scratch_remove_held();
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    sigaction(sig, &dfl, NULL);
    errno = saved;
    raise(sig); /* delivered when the handler returns: the default action */
}

static void scratch_atexit(void) {
    pid_t self = getpid();
    for (int i = 0; i < SCRATCH_SLOTS; i++)
        if (scratch_slot[i].owner == self) {
            rt_rmtree(scratch_slot[i].path);
            scratch_slot[i].owner = 0;
        }
}

/* Once per process: the atexit function and the signal handlers. */
static void scratch_install(void) {
    static pid_t installed;
    if (installed) return;
    installed = getpid();
    atexit(scratch_atexit);
    for (size_t i = 0; i < sizeof scratch_signals / sizeof *scratch_signals; i++) {
        struct sigaction sa, old;
        if (sigaction(scratch_signals[i], NULL, &old) != 0 || old.sa_handler == SIG_IGN)
            continue; /* ignored (nohup, a background job): it stays ignored */
        if (old.sa_handler != SIG_DFL) continue; /* someone else's handler: theirs */
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = scratch_on_signal;
        sigfillset(&sa.sa_mask); /* no other of these signals while removing */
        sigaction(scratch_signals[i], &sa, NULL);
    }
}

char *rt_scratch_new(const char *prefix, rt_error *e) {
    const char *base = getenv("TMPDIR");
    char *path = rt_strfmt("%s/%s-XXXXXX", base && *base ? base : "/tmp", prefix);
    if (strlen(path) >= SCRATCH_PATH) {
        rt_fail(e, RT_ERR_IO, "cannot create a scratch folder %s: %s", path,
                strerror(ENAMETOOLONG));
        free(path);
        return NULL;
    }
    int slot = -1;
    for (int i = 0; i < SCRATCH_SLOTS && slot < 0; i++)
        if (!scratch_slot[i].owner) slot = i;
    if (slot < 0) {
        rt_fail(e, RT_ERR_IO, "cannot create a scratch folder: %d are held already", SCRATCH_SLOTS);
        free(path);
        return NULL;
    }
    if (!mkdtemp(path)) {
        rt_fail(e, RT_ERR_IO, "cannot create a scratch folder %s: %s", path, strerror(errno));
        free(path);
        return NULL;
    }
    scratch_install();
    memcpy(scratch_slot[slot].path, path, strlen(path) + 1);
    scratch_slot[slot].owner = getpid(); /* last: the handler sees a complete path */
    return path;
}

void rt_scratch_free(char *path, bool keep) {
    if (!path) return;
    pid_t self = getpid();
    for (int i = 0; i < SCRATCH_SLOTS; i++)
        if (scratch_slot[i].owner == self && strcmp(scratch_slot[i].path, path) == 0) {
            scratch_slot[i].owner = 0; /* first: the handler no longer sees it */
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

/* ---- SHA-256 (FIPS 180-4, section 6.2) ------------------------------------------------- */

static const uint32_t sha_k[64] = {
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2};

static uint32_t sha_rotr(uint32_t x, int n) {
    return x >> n | x << (32 - n);
}

/* One 64-byte block into the state. */
static void sha_block(uint32_t h[8], const uint8_t *p) {
    uint32_t w[64], v[8];
    for (int t = 0; t < 16; t++)
        w[t] = (uint32_t)p[4 * t] << 24 | (uint32_t)p[4 * t + 1] << 16 |
               (uint32_t)p[4 * t + 2] << 8 | p[4 * t + 3];
    for (int t = 16; t < 64; t++) {
        uint32_t s0 = sha_rotr(w[t - 15], 7) ^ sha_rotr(w[t - 15], 18) ^ w[t - 15] >> 3;
        uint32_t s1 = sha_rotr(w[t - 2], 17) ^ sha_rotr(w[t - 2], 19) ^ w[t - 2] >> 10;
        w[t] = w[t - 16] + s0 + w[t - 7] + s1;
    }
    memcpy(v, h, sizeof v);
    for (int t = 0; t < 64; t++) {
        uint32_t e = v[4], a = v[0];
        uint32_t t1 = v[7] + (sha_rotr(e, 6) ^ sha_rotr(e, 11) ^ sha_rotr(e, 25)) +
                      ((e & v[5]) ^ (~e & v[6])) + sha_k[t] + w[t];
        uint32_t t2 = (sha_rotr(a, 2) ^ sha_rotr(a, 13) ^ sha_rotr(a, 22)) +
                      ((a & v[1]) ^ (a & v[2]) ^ (v[1] & v[2]));
        memmove(v + 1, v, sizeof v[0] * 7);
        v[4] += t1;
        v[0] = t1 + t2;
    }
    for (int i = 0; i < 8; i++)
        h[i] += v[i];
}

void rt_sha256_init(rt_sha256 *s) {
    static const uint32_t h0[8] = {0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a,
                                   0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19};
    memcpy(s->h, h0, sizeof h0);
    s->fill = 0;
    s->bytes = 0;
}

void rt_sha256_update(rt_sha256 *s, const void *data, size_t n) {
    const uint8_t *p = data;
    s->bytes += n;
    while (n > 0) {
        if (s->fill == 0 && n >= 64) {
            sha_block(s->h, p);
            p += 64, n -= 64;
            continue;
        }
        size_t k = 64 - s->fill < n ? 64 - s->fill : n;
        memcpy(s->block + s->fill, p, k);
        s->fill += k, p += k, n -= k;
        if (s->fill == 64) {
            sha_block(s->h, s->block);
            s->fill = 0;
        }
    }
}

void rt_sha256_final(rt_sha256 *s, uint8_t digest[32]) {
    uint64_t bits = s->bytes * 8;
    static const uint8_t pad[64] = {0x80};
    size_t padlen = s->fill < 56 ? 56 - s->fill : 120 - s->fill;
    rt_sha256_update(s, pad, padlen);
    uint8_t len[8];
    for (int i = 0; i < 8; i++)
        len[i] = (uint8_t)(bits >> (56 - 8 * i));
    rt_sha256_update(s, len, 8);
    for (int i = 0; i < 32; i++)
        digest[i] = (uint8_t)(s->h[i / 4] >> (24 - 8 * (i % 4)));
}

static void sha_to_hex(const uint8_t d[32], char hex[65]) {
    for (int i = 0; i < 32; i++) {
        hex[2 * i] = "0123456789abcdef"[d[i] >> 4];
        hex[2 * i + 1] = "0123456789abcdef"[d[i] & 15];
    }
    hex[64] = '\0';
}

void rt_sha256_hex(const void *data, size_t n, char hex[65]) {
    rt_sha256 s;
    uint8_t d[32];
    rt_sha256_init(&s);
    rt_sha256_update(&s, data, n);
    rt_sha256_final(&s, d);
    sha_to_hex(d, hex);
}

int rt_sha256_file(const char *path, char hex[65]) {
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    rt_sha256 s;
    rt_sha256_init(&s);
    uint8_t buf[1 << 16], d[32];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0)
        rt_sha256_update(&s, buf, n);
    int bad = ferror(f);
    fclose(f);
    if (bad) {
        errno = EIO;
        return -1;
    }
    rt_sha256_final(&s, d);
    sha_to_hex(d, hex);
    return 0;
}

/* ---- Artifacts ---------------------------------------------------------------------- */

void rt_artifacts_add(rt_artifacts *as, const char *path, const char *hex) {
    as->a = xrealloc(as->a, sizeof *as->a * (size_t)(as->n + 1));
    as->a[as->n].path = xstrdup(path);
    snprintf(as->a[as->n].sha256, sizeof as->a[as->n].sha256, "%s", hex);
    as->n++;
}

static int artifact_cmp(const void *x, const void *y) {
    return strcmp(((const rt_artifact *)x)->path, ((const rt_artifact *)y)->path);
}

void rt_artifacts_sort(rt_artifacts *as) {
    if (as->n > 1) qsort(as->a, (size_t)as->n, sizeof *as->a, artifact_cmp);
}

const rt_artifact *rt_artifacts_find(const rt_artifacts *as, const char *path) {
    rt_artifact key = {.path = (char *)path};
    return as->n ? bsearch(&key, as->a, (size_t)as->n, sizeof *as->a, artifact_cmp) : NULL;
}

void rt_artifacts_free(rt_artifacts *as) {
    for (int i = 0; i < as->n; i++)
        free(as->a[i].path);
    free(as->a);
    as->a = NULL;
    as->n = 0;
}

/* Adds the entries of root/rel (rel "" for root itself). */
static rt_status artifacts_walk(const char *root, const char *rel, rt_artifacts *as, rt_error *e) {
    char *dir = *rel ? rt_path_join(root, rel) : xstrdup(root);
    DIR *d = opendir(dir);
    if (!d) {
        rt_status st = rt_fail(e, RT_ERR_IO, "cannot read %s: %s", dir, strerror(errno));
        free(dir);
        return st;
    }
    rt_status st = RT_OK;
    struct dirent *de;
    while (!st && (de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0) continue;
        if (!*rel && strcmp(de->d_name, "report.json") == 0) continue;
        char *sub = *rel ? rt_path_join(rel, de->d_name) : xstrdup(de->d_name);
        char *full = rt_path_join(root, sub);
        struct stat sb;
        char hex[65] = "";
        if (lstat(full, &sb) != 0)
            st = rt_fail(e, RT_ERR_IO, "cannot read %s: %s", full, strerror(errno));
        else if (S_ISDIR(sb.st_mode))
            st = artifacts_walk(root, sub, as, e);
        else if (S_ISREG(sb.st_mode) && rt_sha256_file(full, hex) != 0)
            st = rt_fail(e, RT_ERR_IO, "cannot read %s: %s", full, strerror(errno));
        else
            rt_artifacts_add(as, sub, hex);
        free(sub);
        free(full);
    }
    closedir(d);
    free(dir);
    return st;
}

rt_status rt_artifacts_scan(const char *dir, rt_artifacts *out, rt_error *e) {
    memset(out, 0, sizeof *out);
    rt_status st = artifacts_walk(dir, "", out, e);
    if (st) rt_artifacts_free(out);
    rt_artifacts_sort(out);
    return st;
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
    free(t->layers), free(t->enc.thresholds);
    free(t->hwenc.feature), free(t->hwenc.thr), free(t->hwenc.descending);
    memset(t, 0, sizeof *t);
}

void rt_codes_free(rt_codes *c) {
    for (int l = 0; l < c->n_layers; l++)
        free(c->layer[l]);
    free(c->layer), free(c->widths), free(c->input), free(c->labels);
    free(c->raw), free(c->scores);
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
    r->reduce.rarity = r->reduce.luts_before = r->reduce.luts_after = -1;
    r->reduce.luts_before_pairs = r->reduce.luts_after_pairs = -1;
    r->reduce.budget = r->reduce.changed_train = r->reduce.changed_test = -1;
    r->reduce.addresses = r->reduce.seen = -1;
    r->reduce.valid_before = r->reduce.valid_after = NAN;
    r->reduce.test_before = r->reduce.test_after = r->reduce.seconds = NAN;
    r->hardware.luts_xilinx = r->hardware.muxf = -1;
    r->hardware.luts_encoder_estimate = r->hardware.luts_encoder_yosys =
        r->hardware.luts_head_estimate = r->hardware.luts_head_yosys = r->hardware.luts_core_yosys =
            r->hardware.luts_support = -1;
    r->hardware.lluts_dead = r->hardware.encoder_comparators = r->hardware.encoder_thresholds = -1;
    r->hardware.fmax_mhz = r->hardware.latency_ns = r->hardware.adp = NAN;
    r->hardware.n_layer_luts = r->build.threads = -1;
    r->hardware.luts_mapped = r->hardware.pnr_cells = r->hardware.pnr_cells_total = -1;
    r->hardware.pnr_fmax_mhz = NAN;
}
