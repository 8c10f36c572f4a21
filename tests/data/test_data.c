/* test_data.c - unit tests of the dataset loaders (runtime/data): every CSV and IDX
 * feature, the exact text of every bad-data error, split determinism, normalization
 * fitted on the training split only, encoding widths. Fixtures are written at run time
 * into a temporary folder (gzipped where a test says so); the JSC-layout fixture
 * (16 numeric columns + class g/q/w/z/t, synthetic values) is shipped in fixtures/. */
#include "data.h"

#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

/* ---- Fixture helpers ----------------------------------------------------------------- */

static char tmp_dir[1024];

static void tmp_setup(void) {
    const char *t = getenv("TMPDIR");
    snprintf(tmp_dir, sizeof tmp_dir, "%s/nltc-data-XXXXXX", t && *t ? t : "/tmp");
    if (!mkdtemp(tmp_dir)) abort();
}

static void tmp_teardown(void) {
    DIR *d = opendir(tmp_dir);
    struct dirent *e;
    char p[2048];
    while (d && (e = readdir(d))) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        snprintf(p, sizeof p, "%s/%s", tmp_dir, e->d_name);
        if (unlink(p) != 0) rmdir(p);
    }
    if (d) closedir(d);
    rmdir(tmp_dir);
}

/* Path of fixture `name` in the temporary folder (a ring of buffers: valid for a while). */
static const char *tpath(const char *name) {
    static char ring[16][2048];
    static int next;
    char *p = ring[next++ % 16];
    snprintf(p, 2048, "%s/%s", tmp_dir, name);
    return p;
}

/* Writes a fixture, gzipped when gz; returns its path. */
static const char *fx(const char *name, const void *data, size_t len, int gz) {
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

static const char *fxs(const char *name, const char *text) {
    return fx(name, text, strlen(text), 0);
}

/* A CSV dataset with a header, ',' and no transformation; label by name or index. */
static ir_dataset csv_ds(const char *path, const char *label, int label_index, int inputs,
                         int classes) {
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

/* Loads with the error text captured into *msg (caller frees); returns data_load's code. */
static int load_capture(const ir_dataset *ds, rt_dataset *d, data_info *info, char **msg,
                        size_t *n) {
    FILE *f = open_memstream(msg, n);
    int rc = data_load_info(ds, d, info, f);
    fclose(f);
    return rc;
}

static void load_ok_info(const ir_dataset *ds, rt_dataset *d, data_info *info) {
    char *msg = NULL;
    size_t n = 0;
    int rc = load_capture(ds, d, info, &msg, &n);
    ck_assert_msg(rc == 0, "load failed: %s", msg);
    ck_assert_str_eq(msg, "");
    free(msg);
    ck_assert_int_eq(d->inputs, ds->inputs);
    ck_assert_int_eq(d->classes, ds->classes);
}

static void load_ok(const ir_dataset *ds, rt_dataset *d) {
    load_ok_info(ds, d, NULL);
}

/* Loads expecting failure; the error must be exactly the formatted text plus '\n'. */
static void expect_err(const ir_dataset *ds, const char *fmt, ...) {
    char want[4096];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, sizeof want - 1, fmt, ap);
    va_end(ap);
    strcat(want, "\n");
    char *msg = NULL;
    size_t n = 0;
    rt_dataset d;
    int rc = load_capture(ds, &d, NULL, &msg, &n);
    ck_assert_int_ne(rc, 0);
    ck_assert_ptr_null(d.train.x);
    ck_assert_int_eq(d.train.n, 0);
    ck_assert_str_eq(msg, want);
    free(msg);
}

static void expect_x(const rt_split *s, int width, const float *want, int n) {
    ck_assert_int_eq(s->n * width, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(fabsf(s->x[i] - want[i]) <= 1e-6f * (1 + fabsf(want[i])),
                      "x[%d] = %.9g, expected %.9g", i, (double)s->x[i], (double)want[i]);
}

static void expect_y(const rt_split *s, const int *want, int n) {
    ck_assert_int_eq(s->n, n);
    for (int i = 0; i < n; i++)
        ck_assert_msg(s->y[i] == want[i], "y[%d] = %d, expected %d", i, s->y[i], want[i]);
}

/* ---- CSV features -------------------------------------------------------------------- */

static const char basic_csv[] = "a,b,label\n1,2,0\n3,4.5,1\n-1,1e2,0\n5,\"6\",1\n";
static const float basic_x[] = {1, 2, 3, 4.5f, -1, 100, 5, 6};
static const int basic_y[] = {0, 1, 0, 1};

static void expect_basic(const ir_dataset *ds) {
    rt_dataset d;
    load_ok(ds, &d);
    expect_x(&d.train, 2, basic_x, 8);
    expect_y(&d.train, basic_y, 4);
    ck_assert_int_eq(d.valid.n, 0);
    ck_assert_int_eq(d.test.n, 0);
    rt_dataset_free(&d);
}

START_TEST(csv_basic) {
    ir_dataset ds = csv_ds(fxs("basic.csv", basic_csv), "label", -1, 2, 2);
    expect_basic(&ds);
    ds.label.name = NULL; /* the same column by index */
    ds.label.index = 2;
    expect_basic(&ds);
}
END_TEST

START_TEST(csv_variants) {
    ir_dataset ds = csv_ds(fx("basic.csv.gz", basic_csv, strlen(basic_csv), 1), "label", -1, 2, 2);
    expect_basic(&ds); /* gzip, detected from the magic bytes */
    ds.train.path = fx("gz-named-plain.gz", basic_csv, strlen(basic_csv), 0);
    expect_basic(&ds);
    ds.train.path = fxs("crlf.csv", "a,b,label\r\n1,2,0\r\n3,4.5,1\r\n-1,1e2,0\r\n5,6,1\r\n");
    expect_basic(&ds);
    ds.train.path = fxs("cr.csv", "a,b,label\r1,2,0\r3,4.5,1\r-1,1e2,0\r5,6,1\r");
    expect_basic(&ds);
    ds.train.path = fxs("bom.csv", "\xEF\xBB\xBF"
                                   "a,b,label\n1,2,0\n3,4.5,1\n-1,1e2,0\n5,6,1");
    expect_basic(&ds); /* BOM, no final newline */
    ds.train.path =
        fxs("blanks.csv", "a , b,label\n 1 ,2,0\n3,\t4.5 ,1\n-1,1e2,0\n5, \"6\" ,1\n\n \n");
    expect_basic(&ds); /* blanks around fields, trailing blank lines */
    ds.train.path = fxs("first.csv", "label,a,b\n0,1,2\n1,3,4.5\n0,-1,1e2\n1,+5,6.0\n");
    expect_basic(&ds);
    ir_dataset semi = ds;
    semi.delimiter = ';';
    semi.train.path = fxs("semi.csv", "a;b;label\n1;2;0\n3;4.5;1\n-1;1e2;0\n5;\"6\";1\n");
    expect_basic(&semi);
    semi.delimiter = '\t';
    semi.train.path = fxs("tab.csv", "a\tb\tlabel\n1\t2\t0\n3\t4.5\t1\n-1\t1e2\t0\n5\t6\t1\n");
    expect_basic(&semi);
    ir_dataset nohead =
        csv_ds(fxs("nohead.csv", "1,2,0\n3,4.5,1\n-1,1e2,0\n5,6,1\n"), NULL, 2, 2, 2);
    nohead.header = false;
    expect_basic(&nohead);
}
END_TEST

START_TEST(csv_numbers_exact) {
    /* The fast path and strtod must agree to the bit on what reaches float. */
    const char *cells[] = {"0.1",
                           "123456789012345",
                           "1234567890123456789",
                           "-0.000001",
                           "3.14159265358979",
                           "2.5e-3",
                           "1E5",
                           ".5",
                           "7."};
    for (size_t i = 0; i < sizeof cells / sizeof *cells; i++) {
        double v = 0;
        char buf[64];
        strcpy(buf, cells[i]);
        ck_assert_int_eq(data_parse_number(buf, strlen(buf), &v), 0);
        ck_assert_msg(v == strtod(cells[i], NULL), "%s parsed as %.17g", cells[i], v);
    }
    const char *bad[] = {"", "-", "1.2.3", "0x10", "inf", "nan", "1e", "1e+", "12a", "."};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        double v;
        ck_assert_int_eq(data_parse_number(bad[i], strlen(bad[i]), &v), 1);
    }
    double v;
    ck_assert_int_eq(data_parse_number("1e999", 5, &v), 2);
}
END_TEST

START_TEST(quote_for_messages) {
    char b[64];
    ck_assert_str_eq(data_quote("caf\xc3\xa9", 5, b), "'caf\xc3\xa9'"); /* UTF-8 kept */
    ck_assert_str_eq(data_quote("a\xff'\\", 4, b), "'a\\xff\\x27\\x5c'");
    const char *longs = "0123456789012345678901234567890123456789012345678901234567890";
    ck_assert_str_eq(data_quote(longs, strlen(longs), b),
                     "'0123456789012345678901234567890123456789'...");
}
END_TEST

START_TEST(csv_quoted_categorical) {
    const char *text = "c,v,label\n\"a,b\",1,0\n\"say \"\"hi\"\"\",2,1\n\"multi\nline\",3,0\n"
                       "plain,4,1\n";
    ir_colref cat = {"c", -1};
    ir_dataset ds = csv_ds(fxs("quoted.csv", text), "label", -1, 5, 2);
    ds.n_categorical = 1;
    ds.categorical = &cat;
    rt_dataset d;
    data_info info;
    load_ok_info(&ds, &d, &info);
    const float x[] = {1, 0, 0, 0, 1, 0, 0, 0, 1, 2, 0, 1, 0, 0, 3, 0, 0, 1, 0, 4};
    expect_x(&d.train, 5, x, 20);
    const char *names[] = {"c=a,b", "c=multi\nline", "c=plain", "c=say \"hi\"", "v"};
    for (int i = 0; i < 5; i++)
        ck_assert_str_eq(info.input_names[i], names[i]);
    ck_assert_str_eq(info.encoding, "1 numeric (no normalization) + c one-hot 4 = 5 inputs");
    rt_dataset_free(&d);
    data_info_free(&info);
    /* Line numbers after a quoted line break stay right. */
    char *bad = malloc(strlen(text) + 16);
    strcpy(bad, text);
    strcat(bad, "x,1\n");
    ds.train.path = fxs("quoted-bad.csv", bad);
    free(bad);
    expect_err(&ds, "%s:7:3: error: ragged row: 2 fields, expected 3 as in the header",
               ds.train.path);
}
END_TEST

START_TEST(csv_drop_columns) {
    ir_colref drop[2] = {{"id", -1}, {NULL, 3}};
    ir_dataset ds =
        csv_ds(fxs("drop.csv", "id,a,label,junk,b\n7,1,0,x,2\n8,3,1,y,4.5\n9,-1,0,z,100\n"
                               "10,5,1,w,6\n"),
               "label", -1, 2, 2);
    ds.n_drop = 2;
    ds.drop = drop;
    expect_basic(&ds);
}
END_TEST

/* Train: c in {b, a, c}, test has the unseen value z. */
static ir_dataset cat_ds(ir_colref *cat, int inputs, ir_cat_encoding enc) {
    ir_dataset ds = csv_ds(fxs("cat-train.csv", "c,n,label\nb,1,0\na,2,1\nc,3,0\nb,4,1\n"), "label",
                           -1, inputs, 2);
    ds.test.path = fxs("cat-test.csv", "c,n,label\nz,5,0\nc,6,1\n");
    ds.n_categorical = 1;
    ds.categorical = cat;
    ds.cat_encoding = enc;
    return ds;
}

START_TEST(categorical_onehot_unseen) {
    ir_colref cat = {"c", -1};
    ir_dataset ds = cat_ds(&cat, 4, IR_CAT_ONEHOT);
    rt_dataset d;
    load_ok(&ds, &d);
    const float tr[] = {0, 1, 0, 1, 1, 0, 0, 2, 0, 0, 1, 3, 0, 1, 0, 4};
    const float te[] = {0, 0, 0, 5, 0, 0, 1, 6}; /* z: unseen in training -> all zero */
    expect_x(&d.train, 4, tr, 16);
    expect_x(&d.test, 4, te, 8);
    rt_dataset_free(&d);
    ds.inputs = 5;
    expect_err(&ds,
               "%s: error: the data gives 4 inputs but the model declares inputs = 5 "
               "(1 numeric (no normalization) + c one-hot 3 = 4 inputs)",
               ds.train.path);
}
END_TEST

START_TEST(categorical_binarize) {
    ir_colref cat = {"c", -1};
    ir_dataset ds = cat_ds(&cat, 3, IR_CAT_BINARIZE);
    rt_dataset d;
    data_info info;
    load_ok_info(&ds, &d, &info);
    const float tr[] = {0, 1, 1, 0, 0, 2, 1, 0, 3, 0, 1, 4}; /* a=00 b=01 c=10 */
    const float te[] = {0, 0, 5, 1, 0, 6};                   /* unseen z -> 00 */
    expect_x(&d.train, 3, tr, 12);
    expect_x(&d.test, 3, te, 6);
    ck_assert_str_eq(info.input_names[0], "c.bit1");
    ck_assert_str_eq(info.input_names[1], "c.bit0");
    ck_assert_str_eq(info.encoding,
                     "1 numeric (no normalization) + c binary 2 (3 values) = 3 inputs");
    rt_dataset_free(&d);
    data_info_free(&info);
}
END_TEST

START_TEST(categorical_numeric_codes) {
    /* Integer codes sort numerically (2 < 9 < 10); one value binarizes to 0 inputs. */
    ir_colref cat[2] = {{"code", -1}, {"one", -1}};
    ir_dataset ds =
        csv_ds(fxs("codes.csv", "code,one,label\n10,k,0\n9,k,1\n2,k,0\n"), "label", -1, 4, 2);
    ds.n_categorical = 2;
    ds.categorical = cat;
    rt_dataset d;
    data_info info;
    load_ok_info(&ds, &d, &info);
    const char *names[] = {"code=2", "code=9", "code=10", "one=k"};
    for (int i = 0; i < 4; i++)
        ck_assert_str_eq(info.input_names[i], names[i]);
    data_info_free(&info);
    const float x1[] = {0, 0, 1, 1, 0, 1, 0, 1, 1, 0, 0, 1};
    expect_x(&d.train, 4, x1, 12);
    rt_dataset_free(&d);
    ds.cat_encoding = IR_CAT_BINARIZE;
    ds.inputs = 2; /* ceil(log2 3) + ceil(log2 1) = 2 + 0 */
    load_ok(&ds, &d);
    const float x2[] = {1, 0, 0, 1, 0, 0};
    expect_x(&d.train, 2, x2, 6);
    rt_dataset_free(&d);
}
END_TEST

START_TEST(numeric_binarize) {
    ir_dataset ds = csv_ds(fxs("bin-train.csv", "v,k,label\n0,5,0\n1,5,1\n2,5,0\n3,5,1\n"
                                                "4,5,0\n5,5,1\n6,5,0\n7,5,1\n"),
                           "label", -1, 6, 2);
    ds.test.path = fxs("bin-test.csv", "v,k,label\n100,9,0\n-5,5,1\n3.5,1,0\n");
    ds.binarize_bits = 3;
    rt_dataset d;
    data_info info;
    load_ok_info(&ds, &d, &info);
    for (int i = 0; i < 8; i++) /* min 0, max 7: code = v; constant k -> 000 */
        for (int b = 0; b < 3; b++) {
            ck_assert_float_eq(d.train.x[i * 6 + b], (float)((i >> (2 - b)) & 1));
            ck_assert_float_eq(d.train.x[i * 6 + 3 + b], 0);
        }
    const float te[] = {1, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0};
    expect_x(&d.test, 6, te, 18); /* clamped high, clamped low, 3.5 rounds to 4 */
    ck_assert_str_eq(info.input_names[0], "v.bit2");
    ck_assert_str_eq(info.input_names[5], "k.bit0");
    ck_assert_str_eq(info.encoding, "2 numeric x 3 bits (min-max binarized) = 6 inputs");
    rt_dataset_free(&d);
    data_info_free(&info);
}
END_TEST

START_TEST(numeric_log1p_scale) {
    ir_dataset ds =
        csv_ds(fxs("log.csv", "v,label\n-3,0\n0,1\n1.718281828459045,0\n"), "label", -1, 1, 2);
    ds.log1p = true;
    rt_dataset d;
    load_ok(&ds, &d);
    const float x[] = {(float)-log1p(3.0), 0, 1};
    expect_x(&d.train, 1, x, 3);
    rt_dataset_free(&d);
    ds.scale = 2; /* scale first, then sign*log1p */
    load_ok(&ds, &d);
    const float x2[] = {(float)-log1p(6.0), 0, (float)log1p(2 * 1.718281828459045)};
    expect_x(&d.train, 1, x2, 3);
    rt_dataset_free(&d);
    ds.log1p = false;
    load_ok(&ds, &d);
    const float x3[] = {-6, 0, (float)(2 * 1.718281828459045)};
    expect_x(&d.train, 1, x3, 3);
    rt_dataset_free(&d);
}
END_TEST

/* ---- Normalization -------------------------------------------------------------------- */

START_TEST(norm_fitted_on_train_file) {
    ir_dataset ds =
        csv_ds(fxs("n-train.csv", "x,k,label\n0,5,0\n2,5,1\n4,5,0\n"), "label", -1, 2, 2);
    ds.test.path = fxs("n-test.csv", "x,k,label\n10,7,1\n");
    ds.norm = IR_NORM_STANDARDIZE;
    rt_dataset d;
    data_info info;
    load_ok_info(&ds, &d, &info);
    double sd = sqrt(8.0 / 3);
    const float tr[] = {(float)(-2 / sd), 0, 0, 0, (float)(2 / sd), 0};
    const float te[] = {(float)(8 / sd), 2}; /* train mean/std; constant k: x - 5 */
    expect_x(&d.train, 2, tr, 6);
    expect_x(&d.test, 2, te, 2);
    ck_assert(fabs(info.shift[0] - 2) < 1e-12 && fabs(info.mul[0] - 1 / sd) < 1e-12);
    ck_assert(info.shift[1] == 5 && info.mul[1] == 1);
    rt_dataset_free(&d);
    data_info_free(&info);
    ds.norm = IR_NORM_MINMAX;
    load_ok(&ds, &d);
    const float tr2[] = {0, 0, 0.5f, 0, 1, 0};
    const float te2[] = {2.5f, 2};
    expect_x(&d.train, 2, tr2, 6);
    expect_x(&d.test, 2, te2, 2);
    rt_dataset_free(&d);
}
END_TEST

/* 20 rows: feature = row number, label = row % 2. */
static const char *rows20(void) {
    char text[512] = "id,label\n";
    for (int i = 0; i < 20; i++)
        sprintf(text + strlen(text), "%d,%d\n", i, i % 2);
    return fxs("rows20.csv", text);
}

START_TEST(norm_fitted_on_carved_train) {
    ir_dataset ds = csv_ds(rows20(), "label", -1, 1, 2);
    ds.valid_fraction = 0.25;
    ds.test_fraction = 0.25;
    ds.split_seed = 3;
    rt_dataset raw, d;
    load_ok(&ds, &raw);
    double mean = 0, ss = 0, all = 0;
    for (int i = 0; i < raw.train.n; i++)
        mean += raw.train.x[i] / raw.train.n;
    for (int i = 0; i < raw.train.n; i++)
        ss += (raw.train.x[i] - mean) * (raw.train.x[i] - mean);
    double sd = sqrt(ss / raw.train.n);
    for (int i = 0; i < 20; i++)
        all += i / 20.0;
    ck_assert(fabs(mean - all) > 1e-9); /* this split's train mean is not the overall mean */
    ds.norm = IR_NORM_STANDARDIZE;
    load_ok(&ds, &d);
    rt_split *rs[3] = {&raw.train, &raw.valid, &raw.test}, *ns[3] = {&d.train, &d.valid, &d.test};
    for (int s = 0; s < 3; s++)
        for (int i = 0; i < rs[s]->n; i++)
            ck_assert(fabs(ns[s]->x[i] - (rs[s]->x[i] - mean) / sd) < 1e-5);
    rt_dataset_free(&raw);
    rt_dataset_free(&d);
}
END_TEST

/* ---- Splits ---------------------------------------------------------------------------- */

START_TEST(split_prng_golden) {
    uint64_t s = 0;
    ck_assert_uint_eq(rt_splitmix64(&s), 0xe220a8397b1dcdafull);
    ck_assert_uint_eq(rt_splitmix64(&s), 0x6e789e6aa1b965f4ull);
    ck_assert_uint_eq(rt_splitmix64(&s), 0x06c45d188009454full);
    int p[10];
    const int want42[10] = {0, 9, 5, 8, 6, 4, 7, 2, 1, 3};
    const int want43[10] = {4, 2, 5, 6, 1, 3, 9, 8, 7, 0};
    rt_permute(p, 10, 42);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(p[i], want42[i]);
    rt_permute(p, 10, 43);
    for (int i = 0; i < 10; i++)
        ck_assert_int_eq(p[i], want43[i]);
}
END_TEST

/* Loads 100 rows (feature = row id) split 70/10/20 with the given seed. */
static void load_split100(uint64_t seed, rt_dataset *d) {
    char text[2048] = "id,label\n";
    for (int i = 0; i < 100; i++)
        sprintf(text + strlen(text), "%d,%d\n", i, i % 3);
    ir_dataset ds = csv_ds(fxs("rows100.csv", text), "label", -1, 1, 3);
    ds.valid_fraction = 0.1;
    ds.test_fraction = 0.2;
    ds.split_seed = seed;
    load_ok(&ds, d);
}

START_TEST(split_partition_and_determinism) {
    rt_dataset a, b, c;
    load_split100(7, &a);
    load_split100(7, &b);
    load_split100(8, &c);
    ck_assert_int_eq(a.train.n, 70);
    ck_assert_int_eq(a.valid.n, 10);
    ck_assert_int_eq(a.test.n, 20);
    int seen[100] = {0};
    rt_split *sa[3] = {&a.train, &a.valid, &a.test}, *sb[3] = {&b.train, &b.valid, &b.test};
    for (int s = 0; s < 3; s++) {
        for (int i = 0; i < sa[s]->n; i++) {
            int id = (int)sa[s]->x[i];
            seen[id]++;
            ck_assert_int_eq(sa[s]->y[i], id % 3);
            if (i) ck_assert(sa[s]->x[i] > sa[s]->x[i - 1]); /* file order kept */
        }
        ck_assert_int_eq(sb[s]->n, sa[s]->n);
        ck_assert(memcmp(sa[s]->x, sb[s]->x, (size_t)sa[s]->n * sizeof(float)) == 0);
    }
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(seen[i], 1);
    ck_assert_int_eq(c.test.n, 20);
    ck_assert(memcmp(a.test.x, c.test.x, 20 * sizeof(float)) != 0);
    /* The carved test rows are the first 20 of the seed's permutation. */
    int perm[100];
    rt_permute(perm, 100, 7);
    int test_rows[100] = {0};
    for (int i = 0; i < 20; i++)
        test_rows[perm[i]] = 1;
    for (int i = 0; i < 20; i++)
        ck_assert(test_rows[(int)a.test.x[i]]);
    rt_dataset_free(&a);
    rt_dataset_free(&b);
    rt_dataset_free(&c);
}
END_TEST

START_TEST(split_errors_and_describe) {
    ir_dataset ds = csv_ds(fxs("two.csv", "v,label\n1,0\n2,1\n"), "label", -1, 1, 2);
    ds.valid_fraction = 0.4;
    ds.test_fraction = 0.4;
    expect_err(&ds,
               "%s: error: the validation and test fractions (0.4, 0.4) leave no training rows "
               "of 2",
               ds.train.path);
    ds.test_fraction = 0.6;
    expect_err(&ds, "dataset 't': error: the validation and test fractions (0.4, 0.6) must each "
                    "be in [0, 1) and sum to less than 1");
    rt_dataset d;
    ir_dataset c100 = csv_ds(tpath("rows100.csv"), "label", -1, 1, 3);
    load_split100(1, &d);
    c100.valid_fraction = 0.1;
    c100.test_fraction = 0.2;
    char buf[1024], want[1024];
    data_describe(&c100, &d, buf, sizeof buf);
    snprintf(want, sizeof want,
             "train 70, validation 10, test 20 rows; validation (fraction 0.1) and test "
             "(fraction 0.2) carved from %s (100 rows) with seed 1",
             c100.train.path);
    ck_assert_str_eq(buf, want);
    c100.test.path = "t.csv";
    c100.test_fraction = 0;
    d.test.n = 5;
    d.train.n = 90;
    data_describe(&c100, &d, buf, sizeof buf);
    snprintf(want, sizeof want,
             "train 90, validation 10, test 5 rows; test from t.csv; validation (fraction 0.1) "
             "carved from %s (100 rows) with seed 1",
             c100.train.path);
    ck_assert_str_eq(buf, want);
    c100.valid_fraction = 0;
    c100.test.path = NULL;
    int need = data_describe(&c100, &d, buf, sizeof buf);
    snprintf(want, sizeof want,
             "train 90, validation 10, test 5 rows; all rows of %s are training rows",
             c100.train.path);
    ck_assert_str_eq(buf, want);
    char small[8];
    ck_assert_int_eq(data_describe(&c100, &d, small, sizeof small), need);
    ck_assert_str_eq(small, "train 9");
    rt_dataset_free(&d);
}
END_TEST

/* ---- Labels ------------------------------------------------------------------------------ */

static const char *jsc_names[5] = {"g", "q", "w", "z", "t"};

static ir_dataset jsc_ds(void) {
    ir_dataset ds = csv_ds(NLTC_DATA_FIXTURES "/jsc_tiny.csv", "class", -1, 16, 5);
    ds.n_class_names = 5;
    ds.class_names = jsc_names;
    ds.norm = IR_NORM_STANDARDIZE;
    return ds;
}

START_TEST(labels_jsc_layout) {
    ir_dataset ds = jsc_ds();
    rt_dataset d;
    data_info info;
    load_ok_info(&ds, &d, &info);
    ck_assert_int_eq(d.train.n, 40);
    int count[5] = {0};
    for (int i = 0; i < 40; i++)
        count[d.train.y[i]]++;
    for (int k = 0; k < 5; k++)
        ck_assert_int_eq(count[k], 8);
    ck_assert_int_eq(d.train.y[0], 0); /* g */
    ck_assert_int_eq(d.train.y[2], 2); /* w */
    ck_assert_int_eq(d.train.y[4], 4); /* t */
    ck_assert_str_eq(info.input_names[0], "zlogz");
    ck_assert_str_eq(info.input_names[15], "multiplicity");
    ck_assert_str_eq(info.class_names[2], "w");
    for (int k = 0; k < 16; k++) { /* standardized over the (whole) training split */
        double m = 0, v = 0;
        for (int i = 0; i < 40; i++)
            m += d.train.x[i * 16 + k] / 40.0;
        for (int i = 0; i < 40; i++)
            v += (d.train.x[i * 16 + k] - m) * (d.train.x[i * 16 + k] - m) / 40.0;
        ck_assert(fabs(m) < 1e-5 && fabs(v - 1) < 1e-4);
    }
    rt_dataset_free(&d);
    data_info_free(&info);
    /* Without class names: sorted distinct strings g, q, t, w, z. */
    ds.n_class_names = 0;
    ds.class_names = NULL;
    load_ok_info(&ds, &d, &info);
    ck_assert_int_eq(d.train.y[4], 2); /* t */
    ck_assert_int_eq(d.train.y[2], 3); /* w */
    ck_assert_str_eq(info.class_names[4], "z");
    rt_dataset_free(&d);
    data_info_free(&info);
    ds.classes = 4;
    expect_err(&ds,
               "%s: error: the label column has 5 distinct values (g, q, t, w, z) but the model "
               "declares classes = 4",
               ds.train.path);
}
END_TEST

START_TEST(labels_errors) {
    ir_dataset ds = jsc_ds();
    char text[16384];
    FILE *f = fopen(ds.train.path, "r");
    size_t n = fread(text, 1, sizeof text - 64, f);
    fclose(f);
    text[n] = 0;
    strcat(text, "0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,0,x\n");
    ds.train.path = fxs("jsc-bad.csv", text);
    expect_err(&ds, "%s:42:17: error: unknown label 'x': expected one of g, q, w, z, t",
               ds.train.path);
    ir_dataset num = csv_ds(fxs("lab.csv", "v,label\n1,0\n2,1\n3,5\n"), "label", -1, 1, 2);
    expect_err(&num,
               "%s:4:2: error: unknown label '5': expected a class index 0..1 (classes = 2; "
               "class names map other label values)",
               num.train.path);
    num.train.path = fxs("lab2.csv", "v,label\n1,0\n2,1\n");
    num.classes = 3;
    expect_err(&num,
               "%s: error: the labels are 0..1 (2 classes) but the model declares "
               "classes = 3",
               num.train.path);
    num.train.path = fxs("lab3.csv", "v,label\n1,0\n2,\n");
    expect_err(&num, "%s:3:2: error: empty label in column 'label'", num.train.path);
    /* Integer-valued decimals are class indexes too. */
    num.train.path = fxs("lab4.csv", "v,label\n1,0.0\n2,1\n3,2.0\n");
    rt_dataset d;
    load_ok(&num, &d);
    const int y[] = {0, 1, 2};
    expect_y(&d.train, y, 3);
    rt_dataset_free(&d);
}
END_TEST

/* ---- CSV errors ---------------------------------------------------------------------------- */

START_TEST(csv_errors_cells) {
    ir_dataset ds = csv_ds(NULL, "label", -1, 2, 2);
    ds.train.path = fxs("e1.csv", "a,b,label\n1,2,0\n3,4\n");
    expect_err(&ds, "%s:3:3: error: ragged row: 2 fields, expected 3 as in the header",
               ds.train.path);
    ds.train.path = fxs("e2.csv", "a,b,label\n1,2,0\n3,4,1,9\n");
    expect_err(&ds, "%s:3:4: error: ragged row: 4 fields, expected 3 as in the header",
               ds.train.path);
    ds.train.path = fxs("e3.csv", "a,b,label\n1,2,0\r\n3,abc,1\n");
    expect_err(&ds, "%s:3:2: error: non-numeric cell 'abc' in column 'b'", ds.train.path);
    ds.train.path = fxs("e4.csv", "a,b,label\n1,,0\n");
    expect_err(&ds, "%s:2:2: error: empty cell in numeric column 'b'", ds.train.path);
    ds.train.path = fxs("e5.csv", "a,b,label\n1,nan,0\n");
    expect_err(&ds, "%s:2:2: error: non-numeric cell 'nan' in column 'b'", ds.train.path);
    ds.train.path = fxs("e6.csv", "a,b,label\n1e999,1,0\n");
    expect_err(&ds, "%s:2:1: error: number '1e999' is out of range in column 'a'", ds.train.path);
    ds.train.path = fxs("e7.csv", "a,b,label\n1,\"2,0\n3,4,1\n");
    expect_err(&ds, "%s:2:2: error: unterminated quoted field", ds.train.path);
    ds.train.path = fxs("e8.csv", "a,b,label\n1,\"2\"x,0\n");
    expect_err(&ds, "%s:2:2: error: unexpected 'x' after the closing quote of a field",
               ds.train.path);
    ds.train.path = fxs("e9.csv", "a,b,label\n1,2,0\n\n3,4,1\n");
    expect_err(&ds, "%s:3:1: error: blank line in the middle of the data", ds.train.path);
    ds.header = false;
    ds.label.name = NULL;
    ds.label.index = 2;
    ds.train.path = fxs("e10.csv", "1,2,0\n3,x\001y,1\n");
    expect_err(&ds, "%s:2:2: error: non-numeric cell 'x\\x01y' in column 2", ds.train.path);
    ds.train.path = fxs("e11.csv", "1,2,0\n3,4,1,5\n");
    expect_err(&ds, "%s:2:4: error: ragged row: 4 fields, expected 3 as in the first row",
               ds.train.path);
    ds.test.path = fxs("e12.csv", "1,2\n");
    ds.train.path = fxs("e12-train.csv", "1,2,0\n3,4,1\n");
    expect_err(&ds, "%s:1:3: error: ragged row: 2 fields, expected 3 as in the training file",
               ds.test.path);
}
END_TEST

START_TEST(csv_errors_files) {
    ir_dataset ds = csv_ds(NULL, "label", -1, 2, 2);
    ds.train.path = fxs("empty.csv", "");
    expect_err(&ds, "%s: error: empty file", ds.train.path);
    ds.train.path = fx("empty.csv.gz", "", 0, 1);
    expect_err(&ds, "%s: error: empty file", ds.train.path);
    ds.train.path = fxs("bom-only.csv", "\xEF\xBB\xBF\n\n");
    expect_err(&ds, "%s: error: empty file", ds.train.path);
    ds.train.path = fxs("head-only.csv", "a,b,label\n");
    expect_err(&ds, "%s: error: no data rows after the header", ds.train.path);
    ds.train.path = tpath("does-not-exist.csv");
    expect_err(&ds, "%s: error: cannot open: No such file or directory", ds.train.path);
    ds.train.path = tmp_dir;
    expect_err(&ds, "%s: error: cannot read: is a directory", ds.train.path);
    ds.train.path = fx("bin.csv", "a,b\0\1\2", 7, 0);
    expect_err(&ds, "%s: error: binary file: expected delimited text", ds.train.path);
    /* A gzip stream cut in half. */
    char big[8192] = "a,b,label\n";
    for (int i = 0; i < 600; i++)
        sprintf(big + strlen(big), "%d,%d,%d\n", i, i * 7 % 13, i % 2);
    const char *gz = fx("cut.csv.gz", big, strlen(big), 1);
    struct stat st;
    ck_assert_int_eq(stat(gz, &st), 0);
    ck_assert_int_eq(truncate(gz, st.st_size / 2), 0);
    ds.train.path = gz;
    expect_err(&ds, "%s: error: truncated gzip data (unexpected end of file)", gz);
}
END_TEST

START_TEST(csv_errors_columns) {
    ir_dataset ds = csv_ds(fxs("cols.csv", basic_csv), "lbl", -1, 2, 2);
    expect_err(&ds, "%s: error: label column 'lbl' is not in the header (columns: a, b, label)",
               ds.train.path);
    ds.label.name = NULL;
    ds.label.index = 3;
    expect_err(&ds,
               "%s: error: label column index 3 is out of range: the file has 3 columns "
               "(indexes 0..2)",
               ds.train.path);
    ds.label.index = 2;
    ir_colref drop = {"label", -1}, cat = {NULL, 0}, cat2[2] = {{"a", -1}, {NULL, 0}};
    ds.n_drop = 1;
    ds.drop = &drop;
    expect_err(&ds, "%s: error: column 'label' is both the label and dropped", ds.train.path);
    drop.name = "a";
    ds.n_categorical = 1;
    ds.categorical = &cat;
    expect_err(&ds, "%s: error: column 'a' is both dropped and categorical", ds.train.path);
    ds.n_drop = 0;
    ds.n_categorical = 2;
    ds.categorical = cat2;
    expect_err(&ds, "%s: error: column 'a' is listed twice as categorical", ds.train.path);
    ir_dataset nh = csv_ds(fxs("nh.csv", "1,2,0\n"), "label", -1, 2, 2);
    nh.header = false;
    expect_err(&nh,
               "%s: error: the label column is given by name ('label') but the dataset has no "
               "header",
               nh.train.path);
    ir_dataset dup = csv_ds(fxs("dup.csv", "a,a,label\n1,2,0\n"), "label", -1, 2, 2);
    ir_colref da = {"a", -1};
    dup.n_drop = 1;
    dup.drop = &da;
    expect_err(&dup, "%s: error: dropped column name 'a' is ambiguous: header columns 1 and 2",
               dup.train.path);
    ir_dataset vh = csv_ds(fxs("vh-train.csv", basic_csv), "label", -1, 2, 2);
    vh.valid.path = fxs("vh-valid.csv", "a,c,label\n1,2,0\n");
    expect_err(&vh, "%s:1:2: error: header column 2 is 'c' but the training file has 'b'",
               vh.valid.path);
    vh.valid.path = fxs("vh-valid2.csv", "a,b\n1,2\n");
    expect_err(&vh, "%s:1:1: error: header has 2 columns but the training file's header has 3",
               vh.valid.path);
}
END_TEST

START_TEST(config_errors) {
    ir_dataset ds = csv_ds(fxs("cfg.csv", basic_csv), "label", -1, 2, 2);
    ds.scale = 0;
    expect_err(&ds, "dataset 't': error: scale must be a finite non-zero number, not 0");
    ds.scale = 1;
    ds.delimiter = 0;
    expect_err(&ds, "dataset 't': error: bad delimiter (character code 0)");
    ds.delimiter = ',';
    ds.binarize_bits = 17;
    expect_err(&ds, "dataset 't': error: binarize bits must be 0 (off) to 16, not 17");
    ds.binarize_bits = 0;
    ds.valid.path = ds.train.path;
    ds.valid_fraction = 0.1;
    expect_err(&ds, "dataset 't': error: the validation split is both a file and a fraction "
                    "(0.1)");
    ds.valid.path = NULL;
    ds.valid_fraction = 0;
    const char *names[2] = {"a", "a"};
    ds.n_class_names = 2;
    ds.class_names = names;
    expect_err(&ds, "dataset 't': error: class name 'a' is given twice");
    ds.n_class_names = 0;
    ds.format = IR_DATA_IDX;
    expect_err(&ds, "dataset 't': error: the IDX train images %s have no labels file",
               ds.train.path);
}
END_TEST

/* ---- IDX ------------------------------------------------------------------------------ */

/* Writes an IDX file: magic, dims, then the data as given (already big-endian). */
static const char *idx_fx(const char *name, int type, int nd, const int *dims, const void *data,
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

/* 3 images of 2 x 3 unsigned bytes (value = 6*item + pixel), labels 0, 1, 2. */
static ir_dataset idx_ds(int gz) {
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

START_TEST(idx_load) {
    for (int gz = 0; gz < 2; gz++) {
        ir_dataset ds = idx_ds(gz);
        rt_dataset d;
        data_info info;
        load_ok_info(&ds, &d, &info);
        ck_assert_int_eq(d.train.n, 3);
        for (int i = 0; i < 18; i++)
            ck_assert_float_eq(d.train.x[i], 0.5f * (float)i);
        const int y[] = {0, 1, 2};
        expect_y(&d.train, y, 3);
        ck_assert_str_eq(info.input_names[0], "pixel[0,0]");
        ck_assert_str_eq(info.input_names[5], "pixel[1,2]");
        ck_assert_str_eq(info.encoding,
                         "6 numeric (2 x 3 IDX values, scale 0.5, no normalization) = 6 inputs");
        ck_assert_int_eq(d.img_h, 2); /* one input per pixel: an image, black is 0 */
        ck_assert_int_eq(d.img_w, 3);
        for (int k = 0; k < 6; k++)
            ck_assert_float_eq(d.blank[k], 0.0f);
        rt_dataset_free(&d);
        data_info_free(&info);
    }
    { /* standardized: black is (0 - mean) / std of each pixel over the training split */
        ir_dataset st = idx_ds(0);
        st.norm = IR_NORM_STANDARDIZE;
        rt_dataset d;
        load_ok(&st, &d);
        for (int k = 0; k < 6; k++) { /* pixel k: 0.5 * (k, k + 6, k + 12) */
            double mean = 0.5 * (k + 6), sd = 0.5 * sqrt(24.0);
            ck_assert_float_eq_tol(d.blank[k], (float)(-mean / sd), 1e-6f);
        }
        rt_dataset_free(&d);
        st.binarize_bits = 2; /* several inputs per pixel: not an image */
        st.inputs = 12;
        load_ok(&st, &d);
        ck_assert_int_eq(d.img_w, 0);
        ck_assert_ptr_null(d.blank);
        rt_dataset_free(&d);
    }
    /* Signed shorts and floats, big-endian; a test file. */
    ir_dataset ds = idx_ds(0);
    const unsigned char s16[12] = {0xfe, 0xd4, 0, 0, 0x01, 0x2c, 0xff, 0xff, 0, 1, 0x80, 0};
    const int dims[3] = {1, 3, 2}, ldims[1] = {1};
    const unsigned char lab[1] = {2};
    ir_dataset sh = ds;
    sh.train.path = idx_fx("s16.idx", 0x0B, 3, dims, s16, 12, 0);
    sh.train.labels_path = idx_fx("s16-lab.idx", 0x08, 1, ldims, lab, 1, 0);
    sh.scale = 1;
    rt_dataset d;
    load_ok(&sh, &d);
    const float want[] = {-300, 0, 300, -1, 1, -32768};
    expect_x(&d.train, 6, want, 6);
    rt_dataset_free(&d);
    const unsigned char f32[8] = {0x3f, 0xc0, 0, 0, 0xc0, 0x20, 0, 0}; /* 1.5, -2.5 */
    const int fdims[3] = {1, 1, 2}, fl[1] = {1};
    const unsigned char flab[1] = {1};
    sh.train.path = idx_fx("f32.idx", 0x0D, 3, fdims, f32, 8, 0);
    sh.train.labels_path = idx_fx("f32-lab.idx", 0x08, 1, fl, flab, 1, 0);
    sh.inputs = 2;
    sh.classes = 2;
    load_ok(&sh, &d);
    const float fw[] = {1.5f, -2.5f};
    expect_x(&d.train, 2, fw, 2);
    rt_dataset_free(&d);
    /* A separate test file; validation carved from train. */
    ds.test.path = ds.train.path;
    ds.test.labels_path = ds.train.labels_path;
    ds.valid_fraction = 0.34;
    load_ok(&ds, &d);
    ck_assert_int_eq(d.train.n, 2);
    ck_assert_int_eq(d.valid.n, 1);
    ck_assert_int_eq(d.test.n, 3);
    rt_dataset_free(&d);
}
END_TEST

START_TEST(idx_errors) {
    ir_dataset ds = idx_ds(0);
    const char *img = ds.train.path, *lab = ds.train.labels_path;
    unsigned char data[18] = {0};
    const int d3[3] = {3, 2, 3}, d1[1] = {3}, d2[1] = {2};
    ds.train.path = idx_fx("magic.idx", 0x07, 3, d3, data, 18, 0);
    expect_err(&ds,
               "%s: error: bad IDX magic 0x00000703: expected 0x0000TTDD with TT the element "
               "type (08, 09, 0b, 0c, 0d or 0e) and DD the number of dimensions",
               ds.train.path);
    ds.train.path = fx("magic2.idx", "P5\n2", 4, 0);
    expect_err(&ds,
               "%s: error: bad IDX magic 0x50350a32: expected 0x0000TTDD with TT the element "
               "type (08, 09, 0b, 0c, 0d or 0e) and DD the number of dimensions",
               ds.train.path);
    ds.train.path = idx_fx("trunc.idx", 0x08, 3, d3, data, 10, 0);
    expect_err(&ds,
               "%s: error: truncated IDX file: the header declares 3 x 2 x 3 unsigned bytes "
               "(34 bytes) but the file has 26 bytes (1 of 3 items complete)",
               ds.train.path);
    ds.train.path = idx_fx("trunc.idx.gz", 0x08, 3, d3, data, 10, 1);
    expect_err(&ds,
               "%s: error: truncated IDX file: the header declares 3 x 2 x 3 unsigned bytes "
               "(34 bytes) but the file has 26 bytes (1 of 3 items complete)",
               ds.train.path);
    ds.train.path = idx_fx("hdr.idx", 0x08, 3, d3, data, 0, 0);
    ck_assert_int_eq(truncate(ds.train.path, 9), 0);
    expect_err(&ds,
               "%s: error: truncated IDX file: the header declares 3 dimensions but the file "
               "has only 9 bytes",
               ds.train.path);
    ds.train.path = fx("short.idx", "\0\0", 2, 0);
    expect_err(&ds, "%s: error: truncated IDX file: 2 bytes, shorter than the magic number",
               ds.train.path);
    ds.train.path = idx_fx("extra.idx", 0x08, 3, d3, data, 18, 0);
    FILE *f = fopen(ds.train.path, "ab");
    fputs("xy", f);
    fclose(f);
    expect_err(&ds,
               "%s: error: IDX file has 2 bytes after the data its header declares "
               "(3 x 2 x 3 unsigned bytes)",
               ds.train.path);
    ds.train.path = fx("empty.idx", "", 0, 0);
    expect_err(&ds, "%s: error: empty file", ds.train.path);
    ds.train.path = img;
    ds.train.labels_path = idx_fx("lab2.idx", 0x08, 1, d2, "\0\1", 2, 0);
    expect_err(&ds, "%s: error: IDX label count 2 does not match the 3 images in %s",
               ds.train.labels_path, img);
    ds.train.labels_path = idx_fx("lab12.idx", 0x08, 1, d1, "\0\x0c\1", 3, 0);
    expect_err(&ds, "%s: error: unknown label 12 at index 1: expected 0..2 (classes = 3)",
               ds.train.labels_path);
    ds.train.labels_path = img; /* the images file given as labels */
    expect_err(&ds, "%s: error: IDX labels file must have 1 dimension (items), this one has 3",
               img);
    ds.train.path = lab; /* the labels file given as images */
    ds.train.labels_path = lab;
    expect_err(&ds,
               "%s: error: IDX images file must have 2 to 9 dimensions (items x values ...), "
               "this one has 1",
               lab);
    ds.train.path = img;
    ds.train.labels_path = lab;
    const int t3[3] = {1, 3, 2};
    ds.test.path = idx_fx("t32.idx", 0x08, 3, t3, data, 6, 0);
    ds.test.labels_path = idx_fx("t32-lab.idx", 0x08, 1, (const int[]){1}, "\0", 1, 0);
    expect_err(&ds, "%s: error: IDX images are 3 x 2 but the training images are 2 x 3",
               ds.test.path);
    ds.test.path = NULL;
    ds.classes = 4;
    expect_err(&ds, "%s: error: the labels are 0..2 (3 classes) but the model declares classes = 4",
               lab);
    ds.classes = 3;
    ds.inputs = 7;
    expect_err(&ds,
               "%s: error: the data gives 6 inputs but the model declares inputs = 7 (6 numeric "
               "(2 x 3 IDX values, scale 0.5, no normalization) = 6 inputs)",
               img);
}
END_TEST

/* ---- Garbage never crashes ------------------------------------------------------------ */

/* Loads `ds` and requires either success or exactly one error line. */
static void load_any(const ir_dataset *ds) {
    char *msg = NULL;
    size_t n = 0;
    rt_dataset d;
    int rc = load_capture(ds, &d, NULL, &msg, &n);
    if (rc == 0) {
        ck_assert_str_eq(msg, "");
        rt_dataset_free(&d);
    } else {
        ck_assert_msg(n > 0 && msg[n - 1] == '\n' && strchr(msg, '\n') == msg + n - 1 &&
                          strstr(msg, ": error: "),
                      "not one error line: %s", msg);
    }
    free(msg);
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

static Suite *data_suite(void) {
    Suite *s = suite_create("data");
    TCase *csv = tcase_create("csv");
    tcase_add_unchecked_fixture(csv, tmp_setup, tmp_teardown);
    tcase_add_test(csv, csv_basic);
    tcase_add_test(csv, csv_variants);
    tcase_add_test(csv, csv_numbers_exact);
    tcase_add_test(csv, quote_for_messages);
    tcase_add_test(csv, csv_quoted_categorical);
    tcase_add_test(csv, csv_drop_columns);
    tcase_add_test(csv, categorical_onehot_unseen);
    tcase_add_test(csv, categorical_binarize);
    tcase_add_test(csv, categorical_numeric_codes);
    tcase_add_test(csv, numeric_binarize);
    tcase_add_test(csv, numeric_log1p_scale);
    tcase_add_test(csv, norm_fitted_on_train_file);
    tcase_add_test(csv, norm_fitted_on_carved_train);
    tcase_add_test(csv, split_prng_golden);
    tcase_add_test(csv, split_partition_and_determinism);
    tcase_add_test(csv, split_errors_and_describe);
    tcase_add_test(csv, labels_jsc_layout);
    tcase_add_test(csv, labels_errors);
    tcase_add_test(csv, csv_errors_cells);
    tcase_add_test(csv, csv_errors_files);
    tcase_add_test(csv, csv_errors_columns);
    tcase_add_test(csv, config_errors);
    suite_add_tcase(s, csv);
    TCase *idx = tcase_create("idx");
    tcase_add_unchecked_fixture(idx, tmp_setup, tmp_teardown);
    tcase_add_test(idx, idx_load);
    tcase_add_test(idx, idx_errors);
    tcase_add_test(idx, garbage_never_crashes);
    tcase_set_timeout(idx, 30);
    suite_add_tcase(s, idx);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(data_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
