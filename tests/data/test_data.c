/* test_data.c - unit tests of the dataset loaders (runtime/data): every CSV and IDX
 * feature, split determinism, normalization fitted on the training split only, encoding
 * widths, class labels. The bad-data errors are in test_data_errors.c, the fixtures in
 * data_fx.c; the JSC-layout fixture (16 numeric columns + class g/q/w/z/t, synthetic
 * values) is shipped in fixtures/. */
#include "data_fx.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

TCase *data_errors_tcase(void); /* test_data_errors.c */

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
    expect_err(&ds, "%s:7:3: ragged row: line 7 has 2 fields but line 1 (the header) has 3",
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
               "%s: the data gives 4 inputs but the model declares inputs = 5 "
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
               "%s: the validation and test fractions (0.4, 0.4) leave no training rows "
               "of 2",
               ds.train.path);
    ds.test_fraction = 0.6;
    expect_model_err(&ds, "dataset 't': the validation and test fractions (0.4, 0.6) must each "
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
               "%s: the label column has 5 distinct values (g, q, t, w, z) but the model "
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
    expect_err(&ds, "%s:42:17: unknown label 'x': expected one of g, q, w, z, t", ds.train.path);
    ir_dataset num = csv_ds(fxs("lab.csv", "v,label\n1,0\n2,1\n3,5\n"), "label", -1, 1, 2);
    expect_err(&num,
               "%s:4:2: unknown label '5': expected a class index 0..1 (classes = 2; "
               "class names map other label values)",
               num.train.path);
    num.train.path = fxs("lab2.csv", "v,label\n1,0\n2,1\n");
    num.classes = 3;
    expect_err(&num,
               "%s: the labels are 0..1 (2 classes) but the model declares "
               "classes = 3",
               num.train.path);
    num.train.path = fxs("lab3.csv", "v,label\n1,0\n2,\n");
    expect_err(&num, "%s:3:2: empty label in column 'label'", num.train.path);
    /* Integer-valued decimals are class indexes too. */
    num.train.path = fxs("lab4.csv", "v,label\n1,0.0\n2,1\n3,2.0\n");
    rt_dataset d;
    load_ok(&num, &d);
    const int y[] = {0, 1, 2};
    expect_y(&d.train, y, 3);
    rt_dataset_free(&d);
}
END_TEST

/* ---- IDX ------------------------------------------------------------------------------ */

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

static Suite *data_suite(void) {
    Suite *s = suite_create("data");
    TCase *csv = tcase_create("csv");
    tcase_add_unchecked_fixture(csv, fx_setup, fx_teardown);
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
    tcase_add_test(csv, split_partition_and_determinism);
    tcase_add_test(csv, split_errors_and_describe);
    tcase_add_test(csv, labels_jsc_layout);
    tcase_add_test(csv, labels_errors);
    suite_add_tcase(s, csv);
    TCase *idx = tcase_create("idx");
    tcase_add_unchecked_fixture(idx, fx_setup, fx_teardown);
    tcase_add_test(idx, idx_load);
    suite_add_tcase(s, idx);
    suite_add_tcase(s, data_errors_tcase());
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(data_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
