/* io.c - the small text and file helpers every loader uses: located error messages,
 * reading a (possibly gzipped) file whole, quoting cell text for messages, and an exact
 * decimal number parser. */
#include "data.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

rt_status data_error(rt_error *e, const char *path, long row, int col, const char *fmt, ...) {
    if (!e) return RT_ERR_DATA;
    char what[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (row > 0 && col > 0) return rt_fail(e, RT_ERR_DATA, "%s:%ld:%d: %s", path, row, col, what);
    return rt_fail(e, RT_ERR_DATA, "%s: %s", path, what);
}

/* Reads all of gz into b; on a zlib error fills e. */
static rt_status read_all(gzFile gz, const char *path, data_buf *b, rt_error *e) {
    size_t cap = 1 << 20, n = 0;
    unsigned char *p = xmalloc(cap + 1);
    for (;;) {
        if (cap - n < (1 << 16)) {
            cap *= 2;
            p = xrealloc(p, cap + 1);
        }
        size_t want = cap - n;
        if (want > (1u << 30)) want = 1u << 30;
        int got = gzread(gz, p + n, (unsigned)want);
        if (got <= 0) break;
        n += (size_t)got;
    }
    int errnum = Z_OK;
    const char *msg = gzerror(gz, &errnum);
    if (strncmp(msg, "<fd:", 4) == 0 && strstr(msg, ": "))
        msg = strstr(msg, ": ") + 2; /* zlib names a gzdopen'ed file "<fd:N>" */
    if (errnum != Z_OK && errnum != Z_STREAM_END) {
        rt_status st;
        if (errnum == Z_ERRNO)
            st = rt_fail(e, RT_ERR_IO, "%s: read failed: %s", path, strerror(errno));
        else if (errnum == Z_BUF_ERROR)
            st = data_error(e, path, 0, 0, "truncated gzip data (%s)", msg);
        else
            st = data_error(e, path, 0, 0, "corrupt gzip data (%s)", msg);
        free(p);
        return st;
    }
    p[n] = 0;
    b->p = p;
    b->n = n;
    return RT_OK;
}

rt_status data_read_file(const char *path, data_buf *b, rt_error *e) {
    memset(b, 0, sizeof *b);
    int fd = open(path, O_RDONLY);
    if (fd < 0) {
        /* A file the model names that is not there is a data error; one that is there but
         * cannot be opened is an I/O error. */
        int missing = errno == ENOENT || errno == ENOTDIR;
        return rt_fail(e, missing ? RT_ERR_DATA : RT_ERR_IO, "%s: cannot open: %s", path,
                       strerror(errno));
    }
    struct stat st;
    rt_status rc = RT_OK;
    if (fstat(fd, &st) != 0)
        rc = rt_fail(e, RT_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    else if (S_ISDIR(st.st_mode))
        rc = data_error(e, path, 0, 0, "cannot read: is a directory");
    if (rc) {
        close(fd);
        return rc;
    }
    gzFile gz = gzdopen(fd, "rb");
    if (!gz) {
        close(fd);
        return rt_fail(e, RT_ERR_IO, "%s: cannot read: out of memory in zlib", path);
    }
    gzbuffer(gz, 1 << 18);
    rc = read_all(gz, path, b, e);
    gzclose(gz);
    return rc;
}

/* Bytes of the printable character at s (ASCII or a well-formed UTF-8 sequence), else 0. */
static size_t quote_char_len(const unsigned char *s, size_t len) {
    if (s[0] >= 0x20 && s[0] < 0x7f) return s[0] == '\'' || s[0] == '\\' ? 0 : 1;
    size_t n = s[0] >= 0xc2 && s[0] <= 0xdf   ? 2
               : s[0] >= 0xe0 && s[0] <= 0xef ? 3
               : s[0] >= 0xf0 && s[0] <= 0xf4 ? 4
                                              : 0;
    if (n == 0 || n > len) return 0;
    for (size_t i = 1; i < n; i++)
        if ((s[i] & 0xc0) != 0x80) return 0;
    return n;
}

const char *data_plural(long n, const char *one, const char *many) {
    return n == 1 ? one : many;
}

const char *data_quote(const char *s, size_t len, char *buf) {
    static const char hex[] = "0123456789abcdef";
    const unsigned char *u = (const unsigned char *)s;
    size_t o = 0, i = 0;
    buf[o++] = '\'';
    while (i < len && o < 41) {
        size_t n = quote_char_len(u + i, len - i);
        if (n) {
            memcpy(buf + o, s + i, n);
            o += n;
            i += n;
        } else {
            buf[o++] = '\\';
            buf[o++] = 'x';
            buf[o++] = hex[u[i] >> 4];
            buf[o++] = hex[u[i] & 15];
            i++;
        }
    }
    buf[o++] = '\'';
    if (i < len) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = 0;
    return buf;
}

/* Exact powers of ten for the fast path: every 10^k, k <= 22, is a double exactly. */
static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

int data_parse_number(const char *s, size_t len, double *v) {
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    /* Shape check: digits [. digits] [e [sign] digits], at least one mantissa digit. */
    size_t mant = 0, frac = 0;
    uint64_t m = 0;
    int simple = 1; /* no exponent, <= 15 significant digits: m / 10^frac is exact */
    while (i < len && s[i] >= '0' && s[i] <= '9') {
        m = m * 10 + (uint64_t)(s[i++] - '0');
        if (++mant > 15) simple = 0;
    }
    if (i < len && s[i] == '.') {
        i++;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            m = m * 10 + (uint64_t)(s[i++] - '0');
            frac++;
            if (++mant > 15) simple = 0;
        }
    }
    if (mant == 0) return 1;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        simple = 0;
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-')) i++;
        size_t ed = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++, ed++;
        if (ed == 0) return 1;
    }
    if (i != len) return 1;
    if (simple) {
        /* Clinger's fast path: m < 10^15 < 2^53 and 10^frac exact, so one correctly
         * rounded division gives exactly what strtod gives. */
        double x = (double)m / pow10_exact[frac];
        *v = neg ? -x : x;
        return 0;
    }
    /* The cell is NUL-terminated at len by the CSV reader. */
    char *end = NULL;
    errno = 0;
    double x = strtod(s, &end);
    if (end != s + len) return 1;
    if (errno == ERANGE && (x == HUGE_VAL || x == -HUGE_VAL)) return 2;
    *v = x;
    return 0;
}
