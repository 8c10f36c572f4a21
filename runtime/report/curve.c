/* curve.c - reads the training curve OUT/train/curve.csv that the training runtime writes,
 * one row per epoch and stage, for the report's loss and validation-accuracy plots. */
#include "report.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* The contract's columns, in the order of report_curve_row's fields. */
static const char *const curve_cols[] = {"stage",     "epoch", "loss",    "train_acc",
                                         "valid_acc", "lr",    "seconds", "samples_per_s"};
enum { CURVE_NCOLS = 8, CURVE_MAXCELLS = 64 };

/* Splits one line (no newline) at commas in place; returns the number of cells. */
static int curve_split(char *line, char **cells) {
    int n = 0;
    for (char *c = line;;) {
        if (n < CURVE_MAXCELLS) cells[n] = c;
        n++;
        char *comma = strchr(c, ',');
        if (!comma) break;
        *comma = '\0';
        c = comma + 1;
    }
    return n;
}

static char *curve_trim(char *s) {
    while (*s == ' ' || *s == '\t')
        s++;
    size_t n = strlen(s);
    while (n && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
        s[--n] = '\0';
    return s;
}

static bool curve_number(const char *cell, double *out) {
    if (!*cell || strcasecmp(cell, "nan") == 0 || strcasecmp(cell, "null") == 0) {
        *out = NAN;
        return true;
    }
    char *end;
    errno = 0;
    *out = strtod(cell, &end);
    return *end == '\0' && errno != ERANGE;
}

rt_status report_curve_parse(const char *text, size_t len, const char *name, report_curve *c,
                             rt_error *e) {
    memset(c, 0, sizeof *c);
    char *buf = memcpy(xmalloc(len + 1), text, len);
    buf[len] = '\0';
    int col_of[CURVE_NCOLS]; /* cell index of each contract column */
    char *cells[CURVE_MAXCELLS];
    size_t cap = 0;
    int lineno = 0, ncells = 0;
    rt_status rc = RT_OK;
    bool have_header = false;
    char *line = buf;
    while (line && rc == RT_OK) {
        char *nl = strchr(line, '\n');
        if (nl) *nl = '\0';
        char *next = nl ? nl + 1 : NULL;
        lineno++;
        if (!*curve_trim(line)) {
            line = next;
            continue;
        }
        int n = curve_split(line, cells);
        if (n > CURVE_MAXCELLS) {
            rc = rt_fail(e, RT_ERR_DATA, "%s:%d: more than %d columns", name, lineno,
                         CURVE_MAXCELLS);
            break;
        }
        if (!have_header) {
            have_header = true;
            ncells = n;
            for (int k = 0; k < CURVE_NCOLS && rc == 0; k++) {
                col_of[k] = -1;
                for (int j = 0; j < n; j++)
                    if (strcmp(curve_trim(cells[j]), curve_cols[k]) == 0) col_of[k] = j;
                if (col_of[k] < 0)
                    rc = rt_fail(e, RT_ERR_DATA, "%s:%d: header has no column \"%s\"", name, lineno,
                                 curve_cols[k]);
            }
            line = next;
            continue;
        }
        if (n != ncells) {
            rc = rt_fail(e, RT_ERR_DATA, "%s:%d: %d cells, the header has %d", name, lineno, n,
                         ncells);
            break;
        }
        rt_grow((void **)&c->rows, (size_t)c->n, &cap, sizeof *c->rows);
        report_curve_row *row = &c->rows[c->n];
        double *dst[CURVE_NCOLS] = {
            NULL,     NULL,          &row->loss,         &row->train_acc, &row->valid_acc,
            &row->lr, &row->seconds, &row->samples_per_s};
        snprintf(row->stage, sizeof row->stage, "%s", curve_trim(cells[col_of[0]]));
        double epoch;
        const char *ecell = curve_trim(cells[col_of[1]]);
        if (!curve_number(ecell, &epoch) || !(epoch >= 0 && epoch <= 1e9) ||
            epoch != floor(epoch)) {
            rc = rt_fail(e, RT_ERR_DATA,
                         "%s:%d:%d: epoch must be a non-negative integer, got \"%s\"", name, lineno,
                         col_of[1] + 1, ecell);
            break;
        }
        row->epoch = (int)epoch;
        for (int k = 2; k < CURVE_NCOLS; k++) {
            const char *cell = curve_trim(cells[col_of[k]]);
            if (!curve_number(cell, dst[k])) {
                rc = rt_fail(e, RT_ERR_DATA, "%s:%d:%d: %s must be a number, got \"%s\"", name,
                             lineno, col_of[k] + 1, curve_cols[k], cell);
                break;
            }
        }
        if (rc == 0) c->n++;
        line = next;
    }
    if (rc == 0 && !have_header)
        rc = rt_fail(e, RT_ERR_DATA, "%s: empty file, expected a header line", name);
    free(buf);
    if (rc) report_curve_free(c);
    return rc;
}

rt_status report_curve_read(const char *path, report_curve *c, bool *missing, rt_error *e) {
    size_t len = 0;
    char *text = rt_read_file(path, &len, NULL);
    if (missing) *missing = !text && errno == ENOENT;
    if (!text) {
        memset(c, 0, sizeof *c);
        if (errno == ENOENT) return RT_OK;
        return rt_fail(e, RT_ERR_IO, "%s: cannot read: %s", path, strerror(errno));
    }
    rt_status rc = report_curve_parse(text, len, path, c, e);
    free(text);
    return rc;
}

void report_curve_free(report_curve *c) {
    free(c->rows);
    memset(c, 0, sizeof *c);
}

void report_curve_epochs(const report_curve *c, double *x) {
    double offset = 0, last = 0;
    for (int i = 0; i < c->n; i++) {
        if (i > 0 && strcmp(c->rows[i].stage, c->rows[i - 1].stage) != 0) offset = last;
        x[i] = offset + c->rows[i].epoch;
        last = x[i];
    }
}
