/* lang_test.c - the helpers of the front end's unit tests (lang_test.h). */
#include "lang_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void result_free(result *r) {
    nltc_arena_free(r->a);
    free(r->msgs);
}

result parse(const char *text) {
    result r = {.a = nltc_arena_new()};
    FILE *out = open_memstream(&r.msgs, &r.msgs_len);
    diag_ctx d = {.out = out};
    src_file *src = nltc_arena_alloc(r.a, sizeof *src);
    src->path = "t.nlt";
    src->text = nltc_arena_strdup(r.a, text);
    src->len = strlen(text);
    r.ast = lang_parse(r.a, src, &d);
    fclose(out);
    r.errors = d.errors;
    return r;
}

result compile_opts(const char *name, const char *text, nltc_compile_opts o) {
    result r = {.a = nltc_arena_new()};
    FILE *out = open_memstream(&r.msgs, &r.msgs_len);
    o.diag = out;
    o.no_env = true;
    if (!o.stdlib_dir) o.stdlib_dir = NLTC_TEST_STDLIB;
    nltc_status st;
    r.ir = nltc_compile_buffer(name, text, strlen(text), &o, r.a, &st);
    fclose(out);
    r.errors = st.errors;
    r.warnings = st.warnings;
    return r;
}

result compile(const char *text) {
    return compile_opts("m.nlt", text, (nltc_compile_opts){0});
}

/* Asserts that text fails to compile with exactly n errors, one mentioning needle. */
void expect_error(const char *text, int n, const char *needle) {
    result r = compile(text);
    ck_assert_msg(r.ir == NULL, "compiled, expected an error: %s", needle);
    ck_assert_msg(r.errors == n, "%d errors, expected %d:\n%s", r.errors, n, r.msgs);
    ck_assert_msg(strstr(r.msgs, needle), "no '%s' in:\n%s", needle, r.msgs);
    result_free(&r);
}

ir_program *expect_ok(result *r) {
    ck_assert_msg(r->ir != NULL, "did not compile:\n%s", r->msgs);
    return r->ir;
}

char *ir_text(const ir_program *p) {
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    ir_print(f, p);
    fclose(f);
    return text;
}

/* A fresh temporary directory (removed by the test with rm -r). */
char *temp_dir(void) {
    static char dir[64];
    strcpy(dir, "/tmp/nltc-test-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    return dir;
}

void write_file(const char *dir, const char *name, const char *text) {
    char path[256];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
}

void remove_dir(const char *dir) {
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
}

/* The value of property i of top-level block b. */
const ast_value *prop_value(const ast_file *f, int b, int i) {
    return f->items[b]->u.block.items[i]->u.prop.value;
}

void add_case(Suite *s, const char *name, const TTest *const *tests, int n) {
    TCase *tc = tcase_create(name);
    tcase_set_timeout(tc, 30);
    for (int i = 0; i < n; i++)
        tcase_add_test(tc, tests[i]);
    suite_add_tcase(s, tc);
}
