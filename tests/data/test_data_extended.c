/* test_data_extended.c - loads the real data sets (the data root: $NLTC_DATA, else
 * ../shared/data) with the canonical configurations of canon.c and checks their canonical
 * counts: rows, split sizes, class counts, encoded widths. Data sets that are absent are
 * skipped with a message; when none is present the program exits 77 (CTest: skipped). */
#include "canon.h"
#include "data.h"

#include <check.h>
#include <stdio.h>
#include <string.h>

/* Loads configuration `name` (it is present: main checked) and checks the split sizes. */
static void load_canon(const char *name, canon_set *c, rt_dataset *d, int train, int valid,
                       int test) {
    ck_assert_int_eq(canon_get(name, canon_root(), c), 0);
    rt_error e = {0};
    rt_status st = data_load(&c->ds, d, &e);
    ck_assert_msg(st == RT_OK, "%s: %s", rt_status_name(st), e.msg);
    ck_assert_int_eq(d->train.n, train);
    ck_assert_int_eq(d->valid.n, valid);
    ck_assert_int_eq(d->test.n, test);
}

/* Class counts over the given splits must equal want[0..classes). */
static void expect_counts(const rt_dataset *d, const rt_split *const *s, int ns, const int *want) {
    int count[64] = {0};
    for (int k = 0; k < ns; k++)
        for (int i = 0; i < s[k]->n; i++)
            count[s[k]->y[i]]++;
    for (int c = 0; c < d->classes; c++)
        ck_assert_msg(count[c] == want[c], "class %d: %d rows, expected %d", c, count[c], want[c]);
}

/* Every value lies in [lo, hi] (one assertion: Check marks every assertion it passes). */
static void expect_range(const rt_split *s, int width, float lo, float hi) {
    long bad = -1;
    for (long i = 0; i < (long)s->n * width && bad < 0; i++)
        if (!(s->x[i] >= lo && s->x[i] <= hi)) bad = i;
    ck_assert_msg(bad < 0, "x[%ld] = %g is outside [%g, %g]", bad, bad < 0 ? 0 : (double)s->x[bad],
                  (double)lo, (double)hi);
}

START_TEST(real_mnist) {
    canon_set c;
    rt_dataset d;
    load_canon("mnist", &c, &d, 54000, 6000, 10000);

    const int train[10] = {5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
    const int test[10] = {980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
    const rt_split *tv[2] = {&d.train, &d.valid}, *te[1] = {&d.test};
    expect_counts(&d, tv, 2, train);
    expect_counts(&d, te, 1, test);
    expect_range(&d.train, 784, 0, 1);
    ck_assert_float_eq(d.test.x[0], 0); /* the top-left corner is blank */
    ck_assert_float_eq(d.test.x[7 * 28 + 7], (float)(185 / 255.0)); /* first test image */
    rt_dataset_free(&d);
}
END_TEST

START_TEST(real_unsw) {
    canon_set c;
    rt_dataset d;
    load_canon("unsw", &c, &d, 57633, 8233, 16466);
    ck_assert_int_eq(d.inputs, 190);

    const int want[2] = {37000, 45332};
    const rt_split *all[3] = {&d.train, &d.valid, &d.test};
    expect_counts(&d, all, 3, want);
    rt_dataset_free(&d);
    load_canon("unsw-bin", &c, &d, 57633, 8233, 16466);
    ck_assert_int_eq(d.inputs, 171);
    expect_counts(&d, all, 3, want);
    for (int s = 0; s < 3; s++) {
        long binary = 0;
        for (long i = 0; i < (long)all[s]->n * d.inputs; i++)
            binary += all[s]->x[i] == 0 || all[s]->x[i] == 1;
        ck_assert_int_eq(binary, (long)all[s]->n * d.inputs);
    }
    rt_dataset_free(&d);
}
END_TEST

START_TEST(real_letter) {
    canon_set c;
    rt_dataset d;
    load_canon("letter", &c, &d, 14000, 2000, 4000);

    const int want[26] = {789, 766, 736, 805, 768, 775, 773, 734, 755, 747, 739, 761, 792,
                          783, 753, 803, 783, 758, 748, 796, 813, 764, 752, 787, 786, 734};
    const rt_split *all[3] = {&d.train, &d.valid, &d.test};
    expect_counts(&d, all, 3, want);
    rt_dataset_free(&d);
}
END_TEST

START_TEST(real_digits) {
    canon_set c;
    rt_dataset d;
    load_canon("digits", &c, &d, 1258, 180, 359); /* 1797 rows */
    const int want[10] = {178, 182, 177, 183, 181, 182, 181, 179, 174, 180};
    const rt_split *all[3] = {&d.train, &d.valid, &d.test};
    expect_counts(&d, all, 3, want);
    expect_range(&d.train, 64, 0, 1);
    rt_dataset_free(&d);
}
END_TEST

int main(void) {
    const struct {
        const char *name;  /* canonical configuration */
        const TTest *test; /* its test */
    } cases[] = {{"mnist", real_mnist},
                 {"unsw", real_unsw},
                 {"letter", real_letter},
                 {"digits", real_digits}};
    enum { N_CASES = sizeof cases / sizeof *cases };
    int present[N_CASES], n_present = 0;
    for (int i = 0; i < N_CASES; i++) {
        canon_set c;
        canon_get(cases[i].name, canon_root(), &c);
        present[i] = canon_present(&c);
        n_present += present[i];
        if (!present[i])
            printf("data.extended: skipping %s: %s not found\n", cases[i].name, c.ds.train.path);
    }
    if (!n_present) {
        printf("data.extended: skipped: no data set found under %s (set NLTC_DATA)\n",
               canon_root());
        return 77;
    }
    Suite *s = suite_create("data-extended");
    TCase *tc = tcase_create("real");
    tcase_set_timeout(tc, 120);
    for (int i = 0; i < N_CASES; i++)
        if (present[i]) tcase_add_test(tc, cases[i].test);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
