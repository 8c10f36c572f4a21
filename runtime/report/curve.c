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

int report_curve_parse(const char *text, size_t len, const char *name, report_curve *c, FILE *err) {
    memset(c, 0, sizeof *c);
    char *buf = memcpy(xmalloc(len + 1), text, len);
    buf[len] = '\0';
    int col_of[CURVE_NCOLS]; /* cell index of each contract column */
    char *cells[CURVE_MAXCELLS];
    int cap = 0, lineno = 0, ncells = 0, rc = 0;
    bool have_header = false;
    char *line = buf;
    while (line && rc == 0) {
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
            fprintf(err, "%s:%d: error: more than %d columns\n", name, lineno, CURVE_MAXCELLS);
            rc = 1;
            break;
        }
        if (!have_header) {
            have_header = true;
            ncells = n;
            for (int k = 0; k < CURVE_NCOLS && rc == 0; k++) {
                col_of[k] = -1;
                for (int j = 0; j < n; j++)
                    if (strcmp(curve_trim(cells[j]), curve_cols[k]) == 0) col_of[k] = j;
                if (col_of[k] < 0) {
                    fprintf(err, "%s:%d: error: header has no column \"%s\"\n", name, lineno,
                            curve_cols[k]);
                    rc = 1;
                }
            }
            line = next;
            continue;
        }
        if (n != ncells) {
            fprintf(err, "%s:%d: error: %d cells, the header has %d\n", name, lineno, n, ncells);
            rc = 1;
            break;
        }
        if (c->n == cap) {
            cap = cap ? 2 * cap : 64;
            c->rows = xrealloc(c->rows, (size_t)cap * sizeof *c->rows);
        }
        report_curve_row *row = &c->rows[c->n];
        double *dst[CURVE_NCOLS] = {
            NULL,     NULL,          &row->loss,         &row->train_acc, &row->valid_acc,
            &row->lr, &row->seconds, &row->samples_per_s};
        snprintf(row->stage, sizeof row->stage, "%s", curve_trim(cells[col_of[0]]));
        double epoch;
        const char *ecell = curve_trim(cells[col_of[1]]);
        if (!curve_number(ecell, &epoch) || !(epoch >= 0 && epoch <= 1e9) ||
            epoch != floor(epoch)) {
            fprintf(err, "%s:%d:%d: error: epoch must be a non-negative integer, got \"%s\"\n",
                    name, lineno, col_of[1] + 1, ecell);
            rc = 1;
            break;
        }
        row->epoch = (int)epoch;
        for (int k = 2; k < CURVE_NCOLS; k++) {
            const char *cell = curve_trim(cells[col_of[k]]);
            if (!curve_number(cell, dst[k])) {
                fprintf(err, "%s:%d:%d: error: %s must be a number, got \"%s\"\n", name, lineno,
                        col_of[k] + 1, curve_cols[k], cell);
                rc = 1;
                break;
            }
        }
        if (rc == 0) c->n++;
        line = next;
    }
    if (rc == 0 && !have_header) {
        fprintf(err, "%s: error: empty file, expected a header line\n", name);
        rc = 1;
    }
    free(buf);
    if (rc) report_curve_free(c);
    return rc;
}

int report_curve_read(const char *path, report_curve *c, FILE *err) {
    size_t len = 0;
    char *text = rt_read_file(path, &len, NULL);
    if (!text) {
        memset(c, 0, sizeof *c);
        if (errno == ENOENT) return -1;
        fprintf(err, "%s: error: cannot read: %s\n", path, strerror(errno));
        return 1;
    }
    int rc = report_curve_parse(text, len, path, c, err);
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
