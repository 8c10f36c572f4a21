/* test_data_errors.c - the bad-data errors of the dataset loaders (runtime/data): the
 * exact text and status of every message (rt_error, nothing printed), for CSV cells,
 * files, columns, the dataset description and IDX files, and random garbage that must
 * fail with one message, never crash. Fixtures: data_fx.c. */
#include "data_fx.h"

#include <fcntl.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* The basic CSV of test_data.c. */
static const char basic_csv[] = "a,b,label\n1,2,0\n3,4.5,1\n-1,1e2,0\n5,\"6\",1\n";

/* ---- CSV errors ---------------------------------------------------------------------------- */

START_TEST(csv_errors_cells) {
    ir_dataset ds = csv_ds(NULL, "label", -1, 2, 2);
    ds.train.path = fxs("e1.csv", "a,b,label\n1,2,0\n3,4\n");
    expect_err(&ds, "%s:3:3: ragged row: line 3 has 2 fields but line 1 (the header) has 3",
               ds.train.path);
    ds.train.path = fxs("e2.csv", "a,b,label\n1,2,0\n3,4,1,9\n");
    expect_err(&ds, "%s:3:4: ragged row: line 3 has 4 fields but line 1 (the header) has 3",
               ds.train.path);
    ds.train.path = fxs("e3.csv", "a,b,label\n1,2,0\r\n3,abc,1\n");
    expect_err(&ds, "%s:3:2: non-numeric cell 'abc' in column 'b'", ds.train.path);
    ds.train.path = fxs("e4.csv", "a,b,label\n1,,0\n");
    expect_err(&ds,
               "%s:2:2: missing value (an empty cell) in numeric column 'b' (fill such cells "
               "with 'missing = zero' or 'missing = mean' in the dataset)",
               ds.train.path);
    ds.train.path = fxs("e5.csv", "a,b,label\n1,nan,0\n");
    expect_err(&ds,
               "%s:2:2: missing value 'nan' in numeric column 'b' (fill such cells with "
               "'missing = zero' or 'missing = mean' in the dataset)",
               ds.train.path);
    ds.train.path = fxs("e6.csv", "a,b,label\n1e999,1,0\n");
    expect_err(&ds, "%s:2:1: number '1e999' is out of range in column 'a'", ds.train.path);
    ds.train.path = fxs("e7.csv", "a,b,label\n1,\"2,0\n3,4,1\n");
    expect_err(&ds, "%s:2:2: unterminated quoted field", ds.train.path);
    ds.train.path = fxs("e8.csv", "a,b,label\n1,\"2\"x,0\n");
    expect_err(&ds, "%s:2:2: unexpected 'x' after the closing quote of a field", ds.train.path);
    ds.train.path = fxs("e9.csv", "a,b,label\n1,2,0\n\n3,4,1\n");
    expect_err(&ds, "%s:3:1: blank line in the middle of the data", ds.train.path);
    ds.header = false;
    ds.label.name = NULL;
    ds.label.index = 2;
    ds.train.path = fxs("e10.csv", "1,2,0\n3,x\001y,1\n");
    expect_err(&ds, "%s:2:2: non-numeric cell 'x\\x01y' in column 2", ds.train.path);
    ds.train.path = fxs("e11.csv", "1,2,0\n3,4,1,5\n");
    expect_err(&ds,
               "%s: line 1 (the first row) has 3 fields but line 2 (the second row) has 4; if the "
               "file starts with lines that are neither header nor data, skip them with 'skip = "
               "N' in the dataset (skip = 1 skips line 1)",
               ds.train.path);
    ds.test.path = fxs("e12.csv", "1,2\n");
    ds.train.path = fxs("e12-train.csv", "1,2,0\n3,4,1\n");
    expect_err(&ds, "%s:1:3: ragged row: 2 fields, expected 3 as in the training file",
               ds.test.path);
}
END_TEST

START_TEST(csv_errors_files) {
    ir_dataset ds = csv_ds(NULL, "label", -1, 2, 2);
    ds.train.path = fxs("empty.csv", "");
    expect_err(&ds, "%s: empty file", ds.train.path);
    ds.train.path = fx("empty.csv.gz", "", 0, 1);
    expect_err(&ds, "%s: empty file", ds.train.path);
    ds.train.path = fxs("bom-only.csv", "\xEF\xBB\xBF\n\n");
    expect_err(&ds, "%s: empty file", ds.train.path);
    ds.train.path = fxs("head-only.csv", "a,b,label\n");
    expect_err(&ds, "%s: no data rows after the header", ds.train.path);
    ds.train.path = tpath("does-not-exist.csv");
    expect_err(&ds, "%s: cannot open: No such file or directory", ds.train.path);
    ds.train.path = fx_dir;
    expect_err(&ds, "%s: cannot read: is a directory", ds.train.path);
    ds.train.path = fx("bin.csv", "a,b\0\1\2", 7, 0);
    expect_err(&ds, "%s: binary file: expected delimited text", ds.train.path);
    /* A gzip stream cut in half. */
    char big[8192] = "a,b,label\n";
    for (int i = 0; i < 600; i++)
        sprintf(big + strlen(big), "%d,%d,%d\n", i, i * 7 % 13, i % 2);
    const char *gz = fx("cut.csv.gz", big, strlen(big), 1);
    struct stat st;
    ck_assert_int_eq(stat(gz, &st), 0);
    ck_assert_int_eq(truncate(gz, st.st_size / 2), 0);
    ds.train.path = gz;
    expect_err(&ds, "%s: truncated gzip data (unexpected end of file)", gz);
}
END_TEST

START_TEST(csv_errors_columns) {
    ir_dataset ds = csv_ds(fxs("cols.csv", basic_csv), "lbl", -1, 2, 2);
    expect_err(&ds, "%s: label column 'lbl' is not in the header (columns: a, b, label)",
               ds.train.path);
    ds.label.name = NULL;
    ds.label.index = 3;
    expect_err(&ds,
               "%s: label column index 3 is out of range: the file has 3 columns "
               "(indexes 0..2)",
               ds.train.path);
    ds.label.index = 2;
    ir_colref drop = {"label", -1}, cat = {NULL, 0}, cat2[2] = {{"a", -1}, {NULL, 0}};
    ds.n_drop = 1;
    ds.drop = &drop;
    expect_err(&ds, "%s: column 'label' is both the label and dropped", ds.train.path);
    drop.name = "a";
    ds.n_categorical = 1;
    ds.categorical = &cat;
    expect_err(&ds, "%s: column 'a' is both dropped and categorical", ds.train.path);
    ds.n_drop = 0;
    ds.n_categorical = 2;
    ds.categorical = cat2;
    expect_err(&ds, "%s: column 'a' is listed twice as categorical", ds.train.path);
    ir_dataset nh = csv_ds(fxs("nh.csv", "1,2,0\n"), "label", -1, 2, 2);
    nh.header = false;
    expect_err(&nh,
               "%s: the label column is given by name ('label') but the dataset has no "
               "header",
               nh.train.path);
    ir_dataset dup = csv_ds(fxs("dup.csv", "a,a,label\n1,2,0\n"), "label", -1, 2, 2);
    ir_colref da = {"a", -1};
    dup.n_drop = 1;
    dup.drop = &da;
    expect_err(&dup, "%s: dropped column name 'a' is ambiguous: header columns 1 and 2",
               dup.train.path);
    ir_dataset vh = csv_ds(fxs("vh-train.csv", basic_csv), "label", -1, 2, 2);
    vh.valid.path = fxs("vh-valid.csv", "a,c,label\n1,2,0\n");
    expect_err(&vh, "%s:1:2: header column 2 is 'c' but the training file has 'b'", vh.valid.path);
    vh.valid.path = fxs("vh-valid2.csv", "a,b\n1,2\n");
    expect_err(&vh, "%s:1:1: header has 2 columns but the training file's header has 3",
               vh.valid.path);
}
END_TEST

START_TEST(config_errors) {
    ir_dataset ds = csv_ds(fxs("cfg.csv", basic_csv), "label", -1, 2, 2);
    ds.scale = 0;
    expect_model_err(&ds, "dataset 't': scale must be a finite non-zero number, not 0");
    ds.scale = 1;
    ds.delimiter = 0;
    expect_model_err(&ds, "dataset 't': bad delimiter (character code 0)");
    ds.delimiter = ',';
    ds.binarize_bits = 17;
    expect_model_err(&ds, "dataset 't': binarize bits must be 0 (off) to 16, not 17");
    ds.binarize_bits = 0;
    ds.valid.path = ds.train.path;
    ds.valid_fraction = 0.1;
    expect_model_err(&ds, "dataset 't': the validation split is both a file and a fraction "
                          "(0.1)");
    ds.valid.path = NULL;
    ds.valid_fraction = 0;
    const char *names[2] = {"a", "a"};
    ds.n_class_names = 2;
    ds.class_names = names;
    expect_model_err(&ds, "dataset 't': class name 'a' is given twice");
    ds.n_class_names = 0;
    ds.format = IR_DATA_IDX;
    expect_model_err(&ds, "dataset 't': the IDX train images %s have no labels file",
                     ds.train.path);
}
END_TEST

/* ---- IDX ------------------------------------------------------------------------------ */
START_TEST(idx_errors) {
    ir_dataset ds = idx_ds(0);
    const char *img = ds.train.path, *lab = ds.train.labels_path;
    unsigned char data[18] = {0};
    const int d3[3] = {3, 2, 3}, d1[1] = {3}, d2[1] = {2};
    ds.train.path = idx_fx("magic.idx", 0x07, 3, d3, data, 18, 0);
    expect_err(&ds,
               "%s: bad IDX magic 0x00000703: expected 0x0000TTDD with TT the element "
               "type (08, 09, 0b, 0c, 0d or 0e) and DD the number of dimensions",
               ds.train.path);
    ds.train.path = fx("magic2.idx", "P5\n2", 4, 0);
    expect_err(&ds,
               "%s: bad IDX magic 0x50350a32: expected 0x0000TTDD with TT the element "
               "type (08, 09, 0b, 0c, 0d or 0e) and DD the number of dimensions",
               ds.train.path);
    ds.train.path = idx_fx("trunc.idx", 0x08, 3, d3, data, 10, 0);
    expect_err(&ds,
               "%s: truncated IDX file: the header declares 3 x 2 x 3 unsigned bytes "
               "(34 bytes) but the file has 26 bytes (1 of 3 items complete)",
               ds.train.path);
    ds.train.path = idx_fx("trunc.idx.gz", 0x08, 3, d3, data, 10, 1);
    expect_err(&ds,
               "%s: truncated IDX file: the header declares 3 x 2 x 3 unsigned bytes "
               "(34 bytes) but the file has 26 bytes (1 of 3 items complete)",
               ds.train.path);
    ds.train.path = idx_fx("hdr.idx", 0x08, 3, d3, data, 0, 0);
    ck_assert_int_eq(truncate(ds.train.path, 9), 0);
    expect_err(&ds,
               "%s: truncated IDX file: the header declares 3 dimensions but the file "
               "has only 9 bytes",
               ds.train.path);
    ds.train.path = fx("short.idx", "\0\0", 2, 0);
    expect_err(&ds, "%s: truncated IDX file: 2 bytes, shorter than the magic number",
               ds.train.path);
    ds.train.path = idx_fx("extra.idx", 0x08, 3, d3, data, 18, 0);
    FILE *f = fopen(ds.train.path, "ab");
    fputs("xy", f);
    fclose(f);
    expect_err(&ds,
               "%s: IDX file has 2 bytes after the data its header declares "
               "(3 x 2 x 3 unsigned bytes)",
               ds.train.path);
    ds.train.path = fx("empty.idx", "", 0, 0);
    expect_err(&ds, "%s: empty file", ds.train.path);
    ds.train.path = img;
    ds.train.labels_path = idx_fx("lab2.idx", 0x08, 1, d2, "\0\1", 2, 0);
    expect_err(&ds, "%s: IDX label count 2 does not match the 3 images in %s", ds.train.labels_path,
               img);
    ds.train.labels_path = idx_fx("lab12.idx", 0x08, 1, d1, "\0\x0c\1", 3, 0);
    expect_err(&ds, "%s: unknown label 12 at index 1: expected 0..2 (classes = 3)",
               ds.train.labels_path);
    ds.train.labels_path = img; /* the images file given as labels */
    expect_err(&ds, "%s: IDX labels file must have 1 dimension (items), this one has 3", img);
    ds.train.path = lab; /* the labels file given as images */
    ds.train.labels_path = lab;
    expect_err(&ds,
               "%s: IDX images file must have 2 to 9 dimensions (items x values ...), "
               "this one has 1",
               lab);
    ds.train.path = img;
    ds.train.labels_path = lab;
    const int t3[3] = {1, 3, 2};
    ds.test.path = idx_fx("t32.idx", 0x08, 3, t3, data, 6, 0);
    ds.test.labels_path = idx_fx("t32-lab.idx", 0x08, 1, (const int[]){1}, "\0", 1, 0);
    expect_err(&ds, "%s: IDX images are 3 x 2 but the training images are 2 x 3", ds.test.path);
    ds.test.path = NULL;
    ds.classes = 4;
    expect_err(&ds, "%s: the labels are 0..2 (3 classes) but the model declares classes = 4", lab);
    ds.classes = 3;
    ds.inputs = 7;
    expect_err(&ds,
               "%s: the data gives 6 inputs but the model declares inputs = 7 (6 numeric "
               "(2 x 3 IDX values, scale 0.5, no normalization) = 6 inputs)",
               img);
}
END_TEST

/* ---- The findings of issue 20 ----------------------------------------------------------- */

/* n floats (type 0x0D) or doubles (0x0E) as big-endian bytes into out. */
static size_t be_floats(int type, const double *v, int n, unsigned char *out) {
    size_t o = 0;
    for (int i = 0; i < n; i++) {
        uint64_t u;
        int bytes = type == 0x0D ? 4 : 8;
        if (type == 0x0D) {
            float f = (float)v[i];
            uint32_t w;
            memcpy(&w, &f, 4);
            u = w;
        } else {
            memcpy(&u, &v[i], 8);
        }
        for (int b = bytes - 1; b >= 0; b--)
            out[o++] = (unsigned char)(u >> (8 * b));
    }
    return o;
}

START_TEST(data_findings) {
    /* a NaN in float IDX data is blamed on its own item, whatever the normalization */
    ir_dataset ds = idx_ds(0);
    const int d3[3] = {3, 2, 3};
    double v[18];
    unsigned char raw[18 * 8];
    for (int i = 0; i < 18; i++)
        v[i] = i;
    v[16] = NAN;
    ds.norm = IR_NORM_STANDARDIZE;
    ds.train.path = idx_fx("nan.idx", 0x0D, 3, d3, raw, be_floats(0x0D, v, 18, raw), 0);
    expect_err(&ds, "%s: value nan at index 2, element 4 is not a finite number", ds.train.path);
    v[16] = 16;
    v[7] = -INFINITY;
    ds.train.path = idx_fx("inf.idx", 0x0E, 3, d3, raw, be_floats(0x0E, v, 18, raw), 0);
    expect_err(&ds, "%s: value -inf at index 1, element 1 is not a finite number", ds.train.path);
    /* a value that overflows only after scaling: its own item too, not the first */
    v[7] = 1e300;
    ds.scale = 1e10;
    ds.train.path = idx_fx("big.idx", 0x0E, 3, d3, raw, be_floats(0x0E, v, 18, raw), 0);
    expect_err(&ds, "%s: value inf at index 1, element 1 is out of range after scaling",
               ds.train.path);
    /* one class: singular */
    ds = idx_ds(0);
    const int d1[1] = {3};
    ds.train.labels_path = idx_fx("lab0.idx", 0x08, 1, d1, "\0\0\0", 3, 0);
    ds.classes = 2;
    expect_err(&ds, "%s: the labels are 0..0 (1 class) but the model declares classes = 2",
               ds.train.labels_path);
    /* a label 2.5 is an error at its row */
    ds = csv_ds(NULL, "label", -1, 2, 2);
    ds.train.path = fxs("half.csv", "a,b,label\n1,2,0\n3,4,1\n5,6,2.5\n");
    expect_err(&ds,
               "%s:4:3: label '2.5' is not a class index: expected an integer 0..1 (classes = "
               "2; class names map other label values)",
               ds.train.path);
    /* a NUL byte inside a field, quoted or not, is refused where it stands (one in the
     * first 4 KB makes the whole file "binary", above) */
    char big[8192] = "a,b,label\n";
    for (int i = 0; i < 600; i++) /* lines 2..601 */
        sprintf(big + strlen(big), "%d,%d,%d\n", i, i * 7 % 13, i % 2);
    size_t n = strlen(big);
    ck_assert_uint_gt(n, 4096);
    memcpy(big + n, "3,\"x\0y\",1\n", 10);
    ds.train.path = fx("nul-q.csv", big, n + 10, 0);
    expect_err(&ds,
               "%s:602:2: NUL byte inside a field (a CSV file holds text; is this a binary "
               "file?)",
               ds.train.path);
    memcpy(big + n, "3,4,1\0\n", 7);
    ds.train.path = fx("nul-u.csv", big, n + 7, 1);
    expect_err(&ds,
               "%s:602:3: NUL byte inside a field (a CSV file holds text; is this a binary "
               "file?)",
               ds.train.path);
    /* one column: singular */
    ds.train.path = fxs("one-col.csv", "label\n0\n1\n");
    ds.label.name = NULL;
    ds.label.index = 3;
    expect_err(&ds,
               "%s: label column index 3 is out of range: the file has 1 column (indexes 0..0)",
               ds.train.path);
}
END_TEST

/* ---- Garbage never crashes ------------------------------------------------------------ */

/* Loads `ds` and requires either success or a data error: one line naming one of the
 * dataset's files. */
static void load_any(const ir_dataset *ds) {
    rt_error e;
    rt_dataset d;
    rt_status st = load_capture(ds, &d, NULL, &e);
    if (st == RT_OK) {
        ck_assert_str_eq(e.msg, "");
        rt_dataset_free(&d);
        return;
    }
    ck_assert_msg(st == RT_ERR_DATA, "status %s: %s", rt_status_name(st), e.msg);
    const char *path = strncmp(e.msg, ds->train.path, strlen(ds->train.path)) == 0
                           ? ds->train.path
                           : ds->train.labels_path;
    ck_assert_msg(path && strncmp(e.msg, path, strlen(path)) == 0 && e.msg[strlen(path)] == ':' &&
                      e.msg[strlen(path) + 1] && !strchr(e.msg, '\n'),
                  "not one line naming a data file: %s", e.msg);
}

/* Mutates buf[0..*len) with the PRNG: overwrite, insert or cut, with bytes CSV and IDX
 * readers care about. */
static void mutate(unsigned char *buf, size_t *len, size_t cap, uint64_t *st) {
    static const char alphabet[] = ",;\"\r\n\t 0123456789.eE+-abz\xEF\xBB\xBF\xff";
    int edits = 1 + (int)(rt_splitmix64(st) % 4);
    for (int e = 0; e<edits && * len> 0; e++) {
        size_t at = rt_splitmix64(st) % *len;
        unsigned char c = (unsigned char)alphabet[rt_splitmix64(st) % (sizeof alphabet - 1)];
        switch (rt_splitmix64(st) % 4) {
        case 0:
            buf[at] = c;
            break;
        case 1:
            if (*len < cap) {
                memmove(buf + at + 1, buf + at, *len - at);
                buf[at] = c;
                (*len)++;
            }
            break;
        case 2:
            *len = at;
            break;
        default:
            buf[at] = (unsigned char)rt_splitmix64(st);
            break;
        }
    }
}

START_TEST(garbage_never_crashes) {
    uint64_t st = 12345;
    ir_colref cat = {"c", -1};
    const char *csv = "c,v,w,label\na,1,2.5,0\nb,\"3\",4,1\n\"x,y\",5,6e1,0\na,7,8,1\n";
    unsigned char buf[512];
    for (int it = 0; it < 400; it++) {
        size_t len = strlen(csv);
        memcpy(buf, csv, len);
        mutate(buf, &len, sizeof buf, &st);
        ir_dataset ds = csv_ds(fx("g.csv", buf, len, it % 3 == 0), "label", -1, 4, 2);
        ds.n_categorical = 1;
        ds.categorical = &cat;
        ds.valid_fraction = 0.25;
        ds.norm = (ir_norm)(it % 3);
        ds.binarize_bits = it % 5 == 0 ? 2 : 0;
        ds.log1p = it % 2;
        load_any(&ds);
    }
    ir_dataset ds = idx_ds(0);
    unsigned char img[64], lab[64];
    FILE *f = fopen(ds.train.path, "rb");
    size_t ni = fread(img, 1, sizeof img, f);
    fclose(f);
    f = fopen(ds.train.labels_path, "rb");
    size_t nl = fread(lab, 1, sizeof lab, f);
    fclose(f);
    for (int it = 0; it < 400; it++) {
        unsigned char a[64], b[64];
        size_t la = ni, lb = nl;
        memcpy(a, img, ni);
        memcpy(b, lab, nl);
        mutate(it % 2 ? a : b, it % 2 ? &la : &lb, 64, &st);
        ds.train.path = fx("g-img.idx", a, la, it % 4 == 0);
        ds.train.labels_path = fx("g-lab.idx", b, lb, 0);
        load_any(&ds);
    }
}
END_TEST

/* ---- The error protocol ------------------------------------------------------------------ */

START_TEST(error_statuses) {
    /* A file the model names that is missing, or a folder, is a data error (exit 1); one
     * that exists but cannot be read is an I/O error (exit 2). */
    ir_dataset ds = csv_ds(tpath("missing.csv"), "label", -1, 2, 2);
    expect_err(&ds, "%s: cannot open: No such file or directory", ds.train.path);
    ds.train.path = "/proc/self/mem"; /* opens, but reading offset 0 fails with EIO */
    expect_status(&ds, RT_ERR_IO, "/proc/self/mem: read failed: Input/output error");
    ir_dataset idx = idx_ds(0);
    idx.train.labels_path = "/proc/self/mem";
    expect_status(&idx, RT_ERR_IO, "/proc/self/mem: read failed: Input/output error");
    idx.train.labels_path = fx_dir;
    expect_err(&idx, "%s: cannot read: is a directory", fx_dir);
}
END_TEST

START_TEST(errors_are_not_printed) {
    /* Failing and succeeding loads write nothing to stdout or stderr. */
    char *out = strdup(tpath("printed.txt"));
    int fd = open(out, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    ck_assert_int_ge(fd, 0);
    fflush(stdout);
    fflush(stderr);
    int saved_out = dup(1), saved_err = dup(2);
    ck_assert(dup2(fd, 1) == 1 && dup2(fd, 2) == 2);
    ir_dataset bad = csv_ds(fxs("np.csv", "a,b,label\n1,x,0\n"), "label", -1, 2, 2);
    ir_dataset cfg = csv_ds(fxs("np2.csv", basic_csv), "label", -1, 2, 2);
    cfg.scale = 0;
    ir_dataset gone = csv_ds(tpath("np-missing.csv"), "label", -1, 2, 2);
    ir_dataset good = csv_ds(fxs("np3.csv", basic_csv), "label", -1, 2, 2);
    rt_dataset d;
    rt_error e;
    rt_status st[4] = {data_load(&bad, &d, &e), data_load(&cfg, &d, NULL), data_load(&gone, &d, &e),
                       data_load(&good, &d, &e)};
    fflush(stdout);
    fflush(stderr);
    dup2(saved_out, 1);
    dup2(saved_err, 2);
    close(saved_out);
    close(saved_err);
    close(fd);
    rt_dataset_free(&d);
    ck_assert(st[0] == RT_ERR_DATA && st[1] == RT_ERR_MODEL && st[2] == RT_ERR_DATA && !st[3]);
    struct stat sb;
    ck_assert_int_eq(stat(out, &sb), 0);
    ck_assert_int_eq(sb.st_size, 0);
    free(out);
}
END_TEST

TCase *data_errors_tcase(void) {
    TCase *t = tcase_create("errors");
    tcase_add_unchecked_fixture(t, fx_setup, fx_teardown);
    tcase_add_test(t, csv_errors_cells);
    tcase_add_test(t, csv_errors_files);
    tcase_add_test(t, csv_errors_columns);
    tcase_add_test(t, config_errors);
    tcase_add_test(t, idx_errors);
    tcase_add_test(t, data_findings);
    tcase_add_test(t, garbage_never_crashes);
    tcase_add_test(t, error_statuses);
    tcase_add_test(t, errors_are_not_printed);
    tcase_set_timeout(t, 30);
    return t;
}
