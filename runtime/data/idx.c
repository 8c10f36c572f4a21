/* idx.c - the IDX loader (MNIST's format): an images file (items x d1 x d2 ...) and a
 * labels file (items), each possibly gzipped. Every element type of the format is read
 * (unsigned/signed byte, short, int, float, double; big-endian); labels must be integers.
 * The file must hold exactly the data its header declares: a short file is "truncated",
 * trailing bytes are an error too. */
#include "data.h"

#include <limits.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* One IDX file after its header was checked. */
typedef struct idx_file {
    data_buf buf;       /* whole file */
    int type;           /* element type code */
    int nd;             /* dimensions */
    uint32_t dims[256]; /* [nd] sizes */
    size_t off;         /* offset of the data (after the header) */
} idx_file;

static int idx_elem_size(int type) {
    switch (type) {
    case 0x08:
    case 0x09:
        return 1;
    case 0x0B:
        return 2;
    case 0x0C:
    case 0x0D:
        return 4;
    case 0x0E:
        return 8;
    default:
        return 0;
    }
}

static const char *idx_type_name(int type) {
    switch (type) {
    case 0x08:
        return "unsigned bytes";
    case 0x09:
        return "signed bytes";
    case 0x0B:
        return "shorts";
    case 0x0C:
        return "ints";
    case 0x0D:
        return "floats";
    default:
        return "doubles";
    }
}

/* "60000 x 28 x 28" */
static void idx_shape(const idx_file *f, int from, char *buf, size_t size) {
    size_t o = 0;
    buf[0] = 0;
    for (int i = from; i < f->nd && o + 16 < size; i++)
        o += (size_t)snprintf(buf + o, size - o, "%s%u", i > from ? " x " : "", f->dims[i]);
}

/* Reads path and checks magic, header and size. */
static rt_status idx_open(const char *path, idx_file *f, rt_error *e) {
    memset(f, 0, sizeof *f);
    rt_status st = data_read_file(path, &f->buf, e);
    if (st) return st;
    const unsigned char *p = f->buf.p;
    size_t n = f->buf.n;
    if (n == 0) {
        data_error(e, path, 0, 0, "empty file");
        goto fail;
    }
    if (n < 4) {
        data_error(e, path, 0, 0, "truncated IDX file: %zu bytes, shorter than the magic number",
                   n);
        goto fail;
    }
    f->type = p[2];
    f->nd = p[3];
    if (p[0] != 0 || p[1] != 0 || idx_elem_size(f->type) == 0 || f->nd == 0) {
        data_error(e, path, 0, 0,
                   "bad IDX magic 0x%02x%02x%02x%02x: expected 0x0000TTDD with TT the element "
                   "type (08, 09, 0b, 0c, 0d or 0e) and DD the number of dimensions",
                   p[0], p[1], p[2], p[3]);
        goto fail;
    }
    f->off = 4 + 4 * (size_t)f->nd;
    if (n < f->off) {
        data_error(e, path, 0, 0,
                   "truncated IDX file: the header declares %d %s but the file has "
                   "only %zu bytes",
                   f->nd, data_plural(f->nd, "dimension", "dimensions"), n);
        goto fail;
    }
    uint64_t count = 1;
    int esize = idx_elem_size(f->type);
    for (int i = 0; i < f->nd; i++) {
        const unsigned char *q = p + 4 + 4 * i;
        f->dims[i] = (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
        count *= f->dims[i];
        if (count > ((uint64_t)1 << 46))
            count = (uint64_t)1 << 46; /* more than any file can hold: reported as truncated */
    }
    char shape[160];
    idx_shape(f, 0, shape, sizeof shape);
    if (f->dims[0] == 0) {
        data_error(e, path, 0, 0, "IDX file declares 0 items (%s)", shape);
        goto fail;
    }
    uint64_t want = f->off + count * (uint64_t)esize;
    if (n < want) {
        uint64_t item = count / f->dims[0] * (uint64_t)esize;
        data_error(e, path, 0, 0,
                   "truncated IDX file: the header declares %s %s (%llu bytes) but the file "
                   "has %zu bytes (%llu of %u items complete)",
                   shape, idx_type_name(f->type), (unsigned long long)want, n,
                   item ? (unsigned long long)((n - f->off) / item) : 0ULL, f->dims[0]);
        goto fail;
    }
    if (n > want) {
        data_error(e, path, 0, 0,
                   "IDX file has %llu bytes after the data its header declares (%s %s)",
                   (unsigned long long)(n - want), shape, idx_type_name(f->type));
        goto fail;
    }
    return RT_OK;
fail:
    free(f->buf.p);
    memset(&f->buf, 0, sizeof f->buf);
    return RT_ERR_DATA;
}

static uint32_t idx_be32(const unsigned char *q) {
    return (uint32_t)q[0] << 24 | (uint32_t)q[1] << 16 | (uint32_t)q[2] << 8 | q[3];
}

/* Element i of the data at p, as a double. */
static double idx_value(const unsigned char *p, int type, size_t i) {
    switch (type) {
    case 0x08:
        return p[i];
    case 0x09:
        return (signed char)p[i];
    case 0x0B: {
        const unsigned char *q = p + 2 * i;
        return (int16_t)(uint16_t)((unsigned)q[0] << 8 | q[1]);
    }
    case 0x0C:
        return (int32_t)idx_be32(p + 4 * i);
    case 0x0D: {
        uint32_t u = idx_be32(p + 4 * i);
        float x;
        memcpy(&x, &u, sizeof x);
        return x;
    }
    default: {
        uint64_t u = (uint64_t)idx_be32(p + 8 * i) << 32 | idx_be32(p + 8 * i + 4);
        double x;
        memcpy(&x, &u, sizeof x);
        return x;
    }
    }
}

void data_idx_row(const data_src *src, int n_num, int row, double *out) {
    size_t base = (size_t)row * (size_t)n_num;
    if (src->idx_type == 0x08) {
        const unsigned char *p = src->img + base;
        for (int k = 0; k < n_num; k++)
            out[k] = p[k];
        return;
    }
    for (int k = 0; k < n_num; k++)
        out[k] = idx_value(src->img, src->idx_type, base + (size_t)k);
}

/* Checks the images' shape: sets it in lay for the first source, else compares. */
static rt_status idx_check_shape(const idx_file *im, const char *path, int first, data_layout *lay,
                                 rt_error *e) {
    char shape[160];
    idx_shape(im, 1, shape, sizeof shape);
    if (im->nd < 2 || im->nd > 9)
        return data_error(e, path, 0, 0,
                          "IDX images file must have 2 to 9 dimensions (items x values ...), "
                          "this one has %d",
                          im->nd);
    uint64_t d = 1;
    for (int i = 1; i < im->nd; i++)
        d *= im->dims[i];
    if (d == 0 || d > INT_MAX / 16)
        return data_error(e, path, 0, 0, "IDX images of %s values are not supported", shape);
    if (first) {
        lay->n_num = (int)d;
        lay->idx_nd = im->nd - 1;
        for (int i = 1; i < im->nd; i++)
            lay->idx_dims[i - 1] = (int)im->dims[i];
        return RT_OK;
    }
    int same = lay->idx_nd == im->nd - 1;
    for (int i = 1; same && i < im->nd; i++)
        same = lay->idx_dims[i - 1] == (int)im->dims[i];
    if (!same) {
        char want[160];
        size_t o = 0;
        want[0] = 0;
        for (int i = 0; i < lay->idx_nd && o + 16 < sizeof want; i++)
            o += (size_t)snprintf(want + o, sizeof want - o, "%s%d", i ? " x " : "",
                                  lay->idx_dims[i]);
        return data_error(e, path, 0, 0, "IDX images are %s but the training images are %s", shape,
                          want);
    }
    return RT_OK;
}

rt_status data_idx_load(const ir_dataset *ds, const ir_source *s, int first, data_layout *lay,
                        data_src *src, rt_error *e) {
    memset(src, 0, sizeof *src);
    src->path = s->path;
    src->labels_path = s->labels_path;
    idx_file im, lb;
    rt_status rc = idx_open(s->path, &im, e);
    if (rc) return rc;
    if (!(rc = idx_check_shape(&im, s->path, first, lay, e))) rc = idx_open(s->labels_path, &lb, e);
    if (rc) {
        free(im.buf.p);
        return rc;
    }
    rc = RT_ERR_DATA;
    if (lb.nd != 1) {
        data_error(e, s->labels_path, 0, 0,
                   "IDX labels file must have 1 dimension (items), this one has %d", lb.nd);
        goto done;
    }
    if (lb.type == 0x0D || lb.type == 0x0E) {
        data_error(e, s->labels_path, 0, 0, "IDX labels must be integers, these are %s",
                   idx_type_name(lb.type));
        goto done;
    }
    if (lb.dims[0] != im.dims[0]) {
        data_error(e, s->labels_path, 0, 0, "IDX label count %u does not match the %u images in %s",
                   lb.dims[0], im.dims[0], s->path);
        goto done;
    }
    if (im.dims[0] > INT_MAX) {
        data_error(e, s->path, 0, 0, "IDX file has too many items (%u)", im.dims[0]);
        goto done;
    }
    src->n = (int)im.dims[0];
    src->label = xmalloc((size_t)src->n * sizeof *src->label);
    const unsigned char *lp = lb.buf.p + lb.off;
    for (int i = 0; i < src->n; i++) {
        double v = idx_value(lp, lb.type, (size_t)i);
        if (v < 0 || v >= ds->classes) {
            data_error(e, s->labels_path, 0, 0,
                       "unknown label %.0f at index %d: expected 0..%d (classes = %d)", v, i,
                       ds->classes - 1, ds->classes);
            free(src->label);
            src->label = NULL;
            goto done;
        }
        src->label[i] = (int)v;
    }
    if (im.type == 0x0D || im.type == 0x0E) { /* NaN and infinity are no data */
        size_t per = (size_t)lay->n_num, total = (size_t)src->n * per;
        for (size_t i = 0; i < total; i++) {
            double v = idx_value(im.buf.p + im.off, im.type, i);
            if (isfinite(v)) continue;
            data_error(e, s->path, 0, 0,
                       "value %s at index %zu, element %zu is not a finite number",
                       isnan(v) ? "nan"
                       : v > 0  ? "inf"
                                : "-inf",
                       i / per, i % per);
            free(src->label);
            src->label = NULL;
            goto done;
        }
    }
    src->buf = im.buf;
    src->img = im.buf.p + im.off;
    src->idx_type = im.type;
    im.buf.p = NULL;
    rc = RT_OK;
done:
    free(im.buf.p);
    free(lb.buf.p);
    return rc;
}
