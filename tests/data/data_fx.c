/* data_fx.c - the fixtures and assertions of data_fx.h. */
#include "data_fx.h"

#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

/* ---- Fixture files --------------------------------------------------------------------- */

char fx_dir[1024];

void fx_setup(void) {
    const char *t = getenv("TMPDIR");
    snprintf(fx_dir, sizeof fx_dir, "%s/nltc-data-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(fx_dir)) abort();
}

void fx_teardown(void) {
    DIR *d = opendir(fx_dir);
    struct dirent *e;
    char p[2048];
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(p, sizeof p, "%s/%s", fx_dir, e->d_name);
        if (unlink(p) != 0) rmdir(p);
    }
    if (d) closedir(d);
    rmdir(fx_dir);
}

const char *tpath(const char *name) {
    static char ring[16][2048];
    static int next;
    char *p = ring[next++ % 16];
    snprintf(p, 2048, "%s/%s", fx_dir, name);
    return p;
}

const char *fx(const char *name, const void *data, size_t len, int gz) {
    const char *p = tpath(name);
    if (gz) {
        gzFile g = gzopen(p, "wb");
        ck_assert_ptr_nonnull(g);
        ck_assert_int_eq(len ? gzwrite(g, data, (unsigned)len) : 0, (int)len);
        ck_assert_int_eq(gzclose(g), Z_OK);
    } else {
        FILE *f = fopen(p, "wb");
        ck_assert_ptr_nonnull(f);
        ck_assert_uint_eq(fwrite(data, 1, len, f), len);
        fclose(f);
    }
    return p;
}

const char *fxs(const char *name, const char *text) {
    return fx(name, text, strlen(text), 0);
}

const char *idx_fx(const char *name, int type, int nd, const int *dims, const void *data,
                   size_t len, int gz) {
    unsigned char buf[4096];
    size_t o = 0;
    buf[o++] = 0;
    buf[o++] = 0;
    buf[o++] = (unsigned char)type;
    buf[o++] = (unsigned char)nd;
    for (int i = 0; i < nd; i++) {
        buf[o++] = (unsigned char)(dims[i] >> 24);
        buf[o++] = (unsigned char)(dims[i] >> 16);
        buf[o++] = (unsigned char)(dims[i] >> 8);
        buf[o++] = (unsigned char)dims[i];
    }
    memcpy(buf + o, data, len);
    return fx(name, buf, o + len, gz);
}

/* ---- Dataset descriptions ------------------------------------------------------------ */

ir_dataset csv_ds(const char *path, const char *label, int label_index, int inputs, int classes) {
    ir_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.name = "t";
    ds.format = IR_DATA_CSV;
    ds.train.path = path;
    ds.split_seed = 1;
    ds.header = true;
    ds.delimiter = ',';
    ds.label.name = label;
    ds.label.index = label ? -1 : label_index;
    ds.cat_encoding = IR_CAT_ONEHOT;
    ds.scale = 1;
    ds.norm = IR_NORM_NONE;
    ds.inputs = inputs;
    ds.classes = classes;
    return ds;
}

ir_dataset idx_ds(int gz) {
    unsigned char img[18], lab[3] = {0, 1, 2};
    for (int i = 0; i < 18; i++)
        img[i] = (unsigned char)i;
    const int dims[3] = {3, 2, 3}, ldims[1] = {3};
    ir_dataset ds;
    memset(&ds, 0, sizeof ds);
    ds.name = "m";
    ds.format = IR_DATA_IDX;
    ds.train.path = idx_fx(gz ? "img.gz" : "img.idx", 0x08, 3, dims, img, 18, gz);
    ds.train.labels_path = idx_fx(gz ? "lab.gz" : "lab.idx", 0x08, 1, ldims, lab, 3, gz);
    ds.split_seed = 1;
    ds.scale = 0.5;
    ds.norm = IR_NORM_NONE;
    ds.inputs = 6;
    ds.classes = 3;
    return ds;
}

/* ---- Loads --------------------------------------------------------------------------- */

rt_status load_capture(const ir_dataset *ds, rt_dataset *d, data_info *info, rt_error *e) {
    memset(e, 0, sizeof *e);
    return data_load_info(ds, d, info, e);
}

void load_ok_info(const ir_dataset *ds, rt_dataset *d, data_info *info) {
    rt_error e;
    rt_status st = load_capture(ds, d, info, &e);
    ck_assert_msg(st == RT_OK, "load failed (%s): %s", rt_status_name(st), e.msg);
    ck_assert_int_eq(e.status, RT_OK); /* untouched on success */
    ck_assert_str_eq(e.msg, "");
    ck_assert_int_eq(d->inputs, ds->inputs);
    ck_assert_int_eq(d->classes, ds->classes);
}

void load_ok(const ir_dataset *ds, rt_dataset *d) {
    load_ok_info(ds, d, NULL);
}

static void vexpect(const ir_dataset *ds, rt_status st, const char *fmt, va_list ap) {
    char want[4096];
    vsnprintf(want, sizeof want, fmt, ap);
    rt_error e;
    rt_dataset d;
    data_info info;
    rt_status got = load_capture(ds, &d, &info, &e);
    ck_assert_msg(got == st, "status %s, expected %s (%s)", rt_status_name(got), rt_status_name(st),
                  e.msg);
    ck_assert_int_eq(e.status, st);
    /* an input count that differs is located at the model's `inputs` */
    ck_assert_str_eq(e.prop, strstr(want, "the model declares inputs") ? "dataset.inputs" : "");
    ck_assert_ptr_null(d.train.x);
    ck_assert_int_eq(d.train.n, 0);
    ck_assert_ptr_null(info.input_names);
    ck_assert_str_eq(e.msg, want);
    ck_assert_int_eq(data_load(ds, &d, NULL), st); /* no rt_error: the same failure */
    ck_assert_ptr_null(d.train.x);
}

void expect_status(const ir_dataset *ds, rt_status st, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vexpect(ds, st, fmt, ap);
    va_end(ap);
}

void expect_err(const ir_dataset *ds, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vexpect(ds, RT_ERR_DATA, fmt, ap);
    va_end(ap);
}

void expect_model_err(const ir_dataset *ds, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    vexpect(ds, RT_ERR_MODEL, fmt, ap);
    va_end(ap);
}

void expect_x(const rt_split *s, int width, const float *want, int n) {
    ck_assert_int_eq(s->n * width, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(fabsf(s->x[i] - want[i]) <= 1e-6f * (1 + fabsf(want[i])),
                      "x[%d] = %.9g, expected %.9g", i, (double)s->x[i], (double)want[i]);
}

void expect_y(const rt_split *s, const int *want, int n) {
    ck_assert_int_eq(s->n, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(s->y[i] == want[i], "y[%d] = %d, expected %d", i, s->y[i], want[i]);
}
