/* util.c - small helpers of the back ends: error text, atomic files, folders, running
 * external tools (cc, verilator, yosys), checksums and bit packing. */
#include "backend.h"

#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

rt_status be_afile_open(rt_afile *a, const char *path, rt_error *e) {
    if (rt_afile_open(a, path) == 0) return RT_OK;
    rt_status st = rt_fail(e, RT_ERR_IO, "%s: cannot create: %s", a->tmp, strerror(a->err));
    rt_afile_free(a);
    return st;
}

rt_status be_afile_close(rt_afile *a, rt_error *e) {
    int step = rt_afile_commit(a);
    rt_status rc = RT_OK;
    if (step == RT_AFILE_WRITE)
        rc = rt_fail(e, RT_ERR_IO, "%s: write failed: %s", a->tmp, strerror(a->err));
    else if (step == RT_AFILE_RENAME)
        rc =
            rt_fail(e, RT_ERR_IO, "%s: cannot rename to %s: %s", a->tmp, a->path, strerror(a->err));
    rt_afile_free(a);
    return rc;
}

rt_status be_mkdirs(const char *path, rt_error *e) {
    int at = 0, err = rt_mkdirs(path, &at);
    return err ? rt_fail(e, RT_ERR_IO, "%.*s: cannot create folder: %s", at, path, strerror(err))
               : RT_OK;
}

char *be_which(const char *name) {
    if (strchr(name, '/')) return access(name, X_OK) == 0 ? xstrdup(name) : NULL;
    const char *path = getenv("PATH");
    if (!path) path = "/usr/local/bin:/usr/bin:/bin";
    char *copy = xstrdup(path), *save = NULL;
    for (char *d = strtok_r(copy, ":", &save); d; d = strtok_r(NULL, ":", &save)) {
        char *full = rt_path_join(*d ? d : ".", name);
        if (access(full, X_OK) == 0) {
            free(copy);
            return full;
        }
        free(full);
    }
    free(copy);
    return NULL;
}

/* Opens path for appending onto fd; 0 on success. */
static int redirect(const char *path, int fd) {
    int f = open(path, O_WRONLY | O_CREAT | O_APPEND, 0666);
    if (f < 0) return -1;
    dup2(f, fd);
    close(f);
    return 0;
}

int be_spawn(char *const argv[], const char *cwd, const char *out, const char *err) {
    /* Fork + exec rather than posix_spawn: the child has to chdir. */
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        if (cwd && chdir(cwd) != 0) _exit(127);
        if (out && redirect(out, 1) != 0) _exit(127);
        if (err && out && strcmp(err, out) == 0)
            dup2(1, 2);
        else if (err && redirect(err, 2) != 0)
            _exit(127);
        int nul = open("/dev/null", O_RDONLY);
        if (nul >= 0) {
            dup2(nul, 0);
            close(nul);
        }
        execvp(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

double be_children_cpu(void) {
    struct rusage ru;
    if (getrusage(RUSAGE_CHILDREN, &ru) != 0) return 0;
    return (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
           1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

uint8_t *be_read_file(const char *path, size_t *len, rt_error *e) {
    bool opened;
    uint8_t *buf = rt_read_file(path, len, &opened);
    if (!buf && opened)
        rt_fail(e, RT_ERR_IO, "%s: read error", path);
    else if (!buf)
        rt_fail(e, RT_ERR_IO, "%s: cannot open: %s", path, strerror(errno));
    return buf;
}

int be_bits_for(unsigned v) {
    int b = 1;
    while (b < 32 && (v >> b) != 0)
        b++;
    return b;
}

void be_bits_put(uint8_t *buf, size_t pos, unsigned v, int w) {
    for (int i = 0; i < w; i++, pos++)
        if ((v >> i) & 1u) buf[pos >> 3] |= (uint8_t)(1u << (pos & 7));
}

unsigned be_bits_get(const uint8_t *buf, size_t pos, int w) {
    unsigned v = 0;
    for (int i = 0; i < w; i++, pos++)
        v |= (unsigned)((buf[pos >> 3] >> (pos & 7)) & 1u) << i;
    return v;
}

int be_addr_bits(const rt_table_layer *L) {
    return L->fanin * L->bits_in;
}

int be_log_find(const char *log, const char *prefix, char *buf, size_t n) {
    FILE *f = fopen(log, "r");
    if (!f) return -1;
    char line[4096];
    int found = -1;
    size_t plen = strlen(prefix);
    while (fgets(line, sizeof line, f)) {
        if (strncmp(line, prefix, plen) == 0) {
            line[strcspn(line, "\r\n")] = '\0';
            snprintf(buf, n, "%s", line);
            found = 0;
        }
    }
    fclose(f);
    return found;
}

char *be_template_fill(const char *tpl, const char *const *vars) {
    rt_buf b = {0};
    const char *s = tpl;
    for (const char *at; (at = strstr(s, "${")) != NULL;) {
        const char *end = strchr(at + 2, '}');
        const char *val = NULL;
        for (const char *const *v = vars; end && *v && !val; v += 2)
            if (strlen(v[0]) == (size_t)(end - at - 2) && strncmp(v[0], at + 2, end - at - 2) == 0)
                val = v[1];
        if (!val) { /* not a placeholder: kept as it is */
            rt_buf_put(&b, s, (size_t)(at + 2 - s));
            s = at + 2;
            continue;
        }
        rt_buf_put(&b, s, (size_t)(at - s));
        rt_buf_puts(&b, val);
        s = end + 1;
    }
    rt_buf_puts(&b, s);
    return rt_buf_take(&b);
}

rt_status be_write_text(const char *path, const char *text, rt_error *e) {
    rt_afile a;
    BE_TRY(be_afile_open(&a, path, e));
    fputs(text, a.f);
    return be_afile_close(&a, e);
}
