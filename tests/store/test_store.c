/* test_store.c - Check tests of runtime/store in one process: where the store lives,
 * recording (deterministic commit ids with a fixed time, the run's tree, refused
 * arguments), and resolving RUN names (short id, tag, MODEL, MODEL~N). The multi-process
 * behaviour (concurrency, SIGKILL, corrupt stores) is in store_test.sh. */
#include "store.h"

#include "fixture.h"
#include "report.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char *tmpdir(void) {
    const char *base = getenv("NLTC_TEST_TMP");
    char *t = malloc(4096);
    snprintf(t, 4096, "%s/store-XXXXXX", base && *base ? base : "/tmp");
    ck_assert_ptr_nonnull(mkdtemp(t));
    return t;
}

static void put(const char *dir, const char *name, const char *text) {
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_msg(f != NULL, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* A model folder (model + module) and an output folder with a report, under root. */
static void make_run(const char *root, const char *bits, double acc) {
    char p[4096];
    snprintf(p, sizeof p, "%s/m/lib", root);
    ck_assert_int_eq(fixture_mkdirs(p), 0);
    char model[256];
    snprintf(model, sizeof model, "import \"lib/b.nlt\"\nmodel tiny { bits = %s }\n", bits);
    snprintf(p, sizeof p, "%s/m", root);
    put(p, "tiny.nlt", model);
    put(p, "lib/b.nlt", "lut leaf { fanin = 2 }\n");
    snprintf(p, sizeof p, "%s/out/tables", root);
    ck_assert_int_eq(fixture_mkdirs(p), 0);
    snprintf(p, sizeof p, "%s/out", root);
    put(p, "tables/t0.tbl", bits);
    put(p, "model.ir", "ir\n");
    rt_report r;
    fixture_report(&r);
    r.accuracy.quantized = acc;
    snprintf(p, sizeof p, "%s/out/report.json", root);
    ck_assert_int_eq(report_json_write(&r, p, NULL), RT_OK);
}

/* Records root's run into store (sources read now, or the captured texts) with the report
 * of root/out (read back, as the flow holds it in memory); returns store_record's status. */
static rt_status record_captured(const char *root, const char *store_dir, const char *model,
                                 long long t, const store_sources *captured) {
    char src0[4096], src1[4096], out[4096], rpath[4200];
    snprintf(src0, sizeof src0, "%s/m/tiny.nlt", root);
    snprintf(src1, sizeof src1, "%s/m/lib/b.nlt", root);
    snprintf(out, sizeof out, "%s/out", root);
    snprintf(rpath, sizeof rpath, "%s/report.json", out);
    report_doc doc;
    ck_assert_int_eq(report_json_read(rpath, &doc, NULL), 0);
    const char *sources[] = {src0, src1};
    char *argv[] = {"nltc", "tiny.nlt", "-o", "out"};
    store_record_args a = {.store_dir = store_dir,
                           .model_name = model,
                           .model_path = src0,
                           .n_sources = 2,
                           .sources = sources,
                           .captured = captured,
                           .seed = 5,
                           .argc = 4,
                           .argv = argv,
                           .version = "0.1.0",
                           .out_dir = out,
                           .report = &doc.r,
                           .time = t};
    rt_error e = {0};
    rt_status st = store_record(&a, &e);
    report_doc_free(&doc);
    return st;
}

static rt_status record(const char *root, const char *store_dir, const char *model, long long t) {
    return record_captured(root, store_dir, model, t, NULL);
}

START_TEST(default_store_folder) {
    unsetenv("NLTC_STORE");
    char *d = store_default_dir(NULL, "models/x/net.nlt");
    ck_assert_str_eq(d, "models/x/.nltc");
    free(d);
    d = store_default_dir(NULL, "net.nlt");
    ck_assert_str_eq(d, ".nltc");
    free(d);
    setenv("NLTC_STORE", "/srv/runs", 1);
    d = store_default_dir(NULL, "models/net.nlt");
    ck_assert_str_eq(d, "/srv/runs");
    free(d);
    d = store_default_dir("mine", "models/net.nlt");
    ck_assert_str_eq(d, "mine");
    free(d);
    ck_assert_str_eq(store_cmd_dir(NULL), "/srv/runs");
    setenv("NLTC_STORE", "", 1);
    ck_assert_str_eq(store_cmd_dir(NULL), ".nltc");
    ck_assert_str_eq(store_cmd_dir("s"), "s");
    unsetenv("NLTC_STORE");
}
END_TEST

/* Same inputs and the same time give the same commit, in any store. */
START_TEST(record_is_deterministic) {
    char *root = tmpdir();
    rt_error e = {0};
    make_run(root, "1", 0.9);
    char s1[4200], s2[4200];
    snprintf(s1, sizeof s1, "%s/s1", root);
    snprintf(s2, sizeof s2, "%s/s2", root);
    ck_assert_int_eq(record(root, s1, "tiny", 1700000000), 0);
    ck_assert_int_eq(record(root, s2, "tiny", 1700000000), 0);
    git_libgit2_init();
    store a, b;
    ck_assert_int_eq(store_open(&a, s1, false, NULL, &e), 0);
    ck_assert_int_eq(store_open(&b, s2, false, NULL, &e), 0);
    git_commit *ca, *cb;
    ck_assert_int_eq(store_resolve(&a, "tiny", &ca, &e), 0);
    ck_assert_int_eq(store_resolve(&b, "tiny~0", &cb, &e), 0);
    ck_assert(git_oid_equal(git_commit_id(ca), git_commit_id(cb)));
    /* The run's tree: sources mapped under src/, run facts, artifacts. */
    size_t len;
    char *t = store_read_file(&a, ca, "src/lib/b.nlt", &len);
    ck_assert_str_eq(t, "lut leaf { fanin = 2 }\n");
    free(t);
    t = store_read_file(&a, ca, "src/tiny.nlt", &len);
    ck_assert_ptr_nonnull(strstr(t, "bits = 1"));
    free(t);
    t = store_read_file(&a, ca, "run.json", &len);
    ck_assert_ptr_nonnull(strstr(t, "\"command\": \"nltc tiny.nlt -o out\""));
    ck_assert_ptr_nonnull(strstr(t, "\"seed\": 5"));
    ck_assert_ptr_nonnull(strstr(t, "\"version\": \"0.1.0\""));
    free(t);
    t = store_read_file(&a, ca, "tables/t0.tbl", &len);
    ck_assert_str_eq(t, "1");
    free(t);
    ck_assert_ptr_null(store_read_file(&a, ca, "report.md", &len));
    const char *msg = git_commit_message(ca);
    ck_assert_ptr_nonnull(strstr(msg, "tiny: test 90.00% on digits, 3391 LUTs\n"));
    ck_assert_ptr_nonnull(strstr(msg, "seed:     5\n"));
    ck_assert_int_eq(git_commit_time(ca), 1700000000);
    ck_assert(!a.damaged);
    git_commit_free(ca);
    git_commit_free(cb);
    store_close(&a);
    store_close(&b);
    git_libgit2_shutdown();
    free(root);
}
END_TEST

START_TEST(run_names_resolve) {
    char *root = tmpdir();
    rt_error e = {0};
    char st[4200];
    snprintf(st, sizeof st, "%s/st", root);
    git_oid ids[3];
    git_libgit2_init();
    for (int i = 0; i < 3; i++) {
        char bits[4];
        snprintf(bits, sizeof bits, "%d", i + 1);
        make_run(root, bits, 0.5 + 0.1 * i);
        ck_assert_int_eq(record(root, st, "tiny", 1700000000 + 60 * i), 0);
        store s;
        git_commit *c;
        ck_assert_int_eq(store_open(&s, st, false, NULL, &e), 0);
        ck_assert_int_eq(store_resolve(&s, "tiny", &c, &e), 0);
        git_oid_cpy(&ids[i], git_commit_id(c));
        if (i > 0) /* a linear history: the previous run is the parent */
            ck_assert(git_oid_equal(git_commit_parent_id(c, 0), &ids[i - 1]));
        git_commit_free(c);
        store_close(&s);
    }
    store s;
    ck_assert_int_eq(store_open(&s, st, false, NULL, &e), 0);
    FILE *null = fopen("/dev/null", "w");
    store_io io = {st, null, null};
    ck_assert_int_eq(store_tag(&io, "tiny~1", "good", &e), RT_OK);
    ck_assert_int_eq(store_tag(&io, "tiny~0", "good", &e), RT_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(e.msg, "tag 'good' already exists"));
    char shortid[8];
    git_oid_tostr(shortid, sizeof shortid, &ids[0]);
    const char *specs[] = {"tiny~2", shortid, "good", "tiny~0"};
    const int want[] = {0, 0, 1, 2};
    for (int i = 0; i < 4; i++) {
        git_commit *c;
        ck_assert_int_eq(store_resolve(&s, specs[i], &c, &e), 0);
        ck_assert_msg(git_oid_equal(git_commit_id(c), &ids[want[i]]), "%s", specs[i]);
        char name[64], tags[64];
        store_run_name(&s, c, name, sizeof name);
        char expect[24];
        snprintf(expect, sizeof expect, "tiny~%d", 2 - want[i]);
        ck_assert_str_eq(name, expect);
        store_run_tags(&s, git_commit_id(c), tags, sizeof tags);
        ck_assert_str_eq(tags, want[i] == 1 ? "good" : "");
        git_commit_free(c);
    }
    git_commit *c = NULL;
    ck_assert_int_eq(store_resolve(&s, "tiny~3", &c, &e), RT_ERR_DATA);
    ck_assert_int_eq(store_resolve(&s, "nosuch", &c, &e), RT_ERR_DATA);
    ck_assert_ptr_nonnull(strstr(e.msg, "no run 'nosuch'"));
    ck_assert_int_eq(store_resolve(&s, "tiny^{tree}", &c, &e), RT_ERR_DATA);
    fclose(null);
    ck_assert_ptr_null(c);
    store_close(&s);
    git_libgit2_shutdown();
    free(root);
}
END_TEST

START_TEST(record_refuses_bad_arguments) {
    char *root = tmpdir();
    make_run(root, "1", 0.9);
    char st[4200], path[4200];
    snprintf(st, sizeof st, "%s/st", root);
    ck_assert_int_eq(record(root, st, "bad name", 1), RT_ERR_DATA);
    ck_assert_int_eq(record(root, st, "a~1", 1), RT_ERR_DATA);
    ck_assert_int_eq(access(st, F_OK), -1); /* nothing created for a refused run */
    store_record_args none;
    memset(&none, 0, sizeof none);
    rt_error e = {0};
    ck_assert_int_eq(store_record(&none, &e), RT_ERR_USAGE);
    ck_assert_str_eq(rt_status_name(e.status), rt_status_name(RT_ERR_USAGE));
    /* The report is handed over, never read from OUT; but OUT/report.json is recorded, so a
     * folder without it is refused (an I/O error naming the file) and no run lands. */
    rt_report r;
    fixture_report(&r);
    char src[4200], out[4200];
    snprintf(src, sizeof src, "%s/m/tiny.nlt", root);
    snprintf(out, sizeof out, "%s/out", root);
    snprintf(path, sizeof path, "%s/out/report.json", root);
    ck_assert_int_eq(remove(path), 0);
    store_record_args a = {.store_dir = st,
                           .model_name = "tiny",
                           .model_path = src,
                           .out_dir = out,
                           .report = &r,
                           .time = 1};
    ck_assert_int_eq(store_record(&a, &e), RT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(e.msg, "report.json"));
    a.report = NULL;
    ck_assert_int_eq(store_record(&a, &e), RT_ERR_USAGE);
    git_libgit2_init();
    store s;
    git_commit *c = NULL;
    ck_assert_int_eq(store_open(&s, st, false, NULL, &e), RT_OK);
    ck_assert_int_eq(store_resolve(&s, "tiny", &c, &e), RT_ERR_DATA);
    store_close(&s);
    git_libgit2_shutdown();
    free(root);
}
END_TEST

/* A model file edited during the run: the text that was compiled is recorded. */
START_TEST(record_captured_sources) {
    char *root = tmpdir();
    make_run(root, "1", 0.9);
    char st[4200], m[4200], src0[4200], src1[4200];
    snprintf(st, sizeof st, "%s/st", root);
    snprintf(m, sizeof m, "%s/m", root);
    snprintf(src0, sizeof src0, "%s/m/tiny.nlt", root);
    snprintf(src1, sizeof src1, "%s/m/lib/b.nlt", root);
    const char *paths[] = {src0, src1};
    rt_error e = {0};
    store_sources *cap = store_sources_capture(2, paths, &e);
    ck_assert_ptr_nonnull(cap);
    put(m, "tiny.nlt", "model tiny { bits = 8 } // edited while training\n");
    ck_assert_int_eq(record_captured(root, st, "tiny", 1700000000, cap), 0);
    store_sources_free(cap);
    git_libgit2_init();
    store s;
    git_commit *c;
    ck_assert_int_eq(store_open(&s, st, false, NULL, &e), 0);
    ck_assert_int_eq(store_resolve(&s, "tiny", &c, &e), 0);
    size_t len;
    char *t = store_read_file(&s, c, "src/tiny.nlt", &len);
    ck_assert_ptr_nonnull(strstr(t, "bits = 1 }"));
    ck_assert_ptr_null(strstr(t, "edited"));
    free(t);
    git_commit_free(c);
    store_close(&s);
    git_libgit2_shutdown();
    const char *missing[] = {"/nonexistent/x.nlt"};
    ck_assert_ptr_null(store_sources_capture(1, missing, &e));
    ck_assert_int_eq(e.status, RT_ERR_IO);
    ck_assert_ptr_nonnull(strstr(e.msg, "/nonexistent/x.nlt"));
    free(root);
}
END_TEST

static Suite *store_suite(void) {
    Suite *s = suite_create("store");
    TCase *t = tcase_create("store");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, default_store_folder);
    tcase_add_test(t, record_is_deterministic);
    tcase_add_test(t, run_names_resolve);
    tcase_add_test(t, record_refuses_bad_arguments);
    tcase_add_test(t, record_captured_sources);
    suite_add_tcase(s, t);
    return s;
}

int main(void) {
    SRunner *sr = srunner_create(store_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
