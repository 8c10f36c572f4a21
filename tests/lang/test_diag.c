/* test_diag.c - unit tests of the diagnostics (lang/diag.c): columns and carets counted in
 * characters after non-ASCII text, long lines shown around the error column only, a NUL
 * byte inside a string refused where it stands. */
#include "lang_test.h"

#include <stdlib.h>
#include <string.h>

#include "rt.h"

/* Parses len bytes of text (which may hold NULs) as "t.nlt". */
static result parse_bytes(const char *text, size_t len) {
    result r = {.a = nltc_arena_new()};
    FILE *out = open_memstream(&r.msgs, &r.msgs_len);
    diag_ctx d = {.out = out};
    src_file *src = nltc_arena_alloc(r.a, sizeof *src);
    char *copy = nltc_arena_alloc(r.a, len + 1);
    memcpy(copy, text, len);
    src->path = "t.nlt";
    src->text = copy;
    src->len = len;
    r.ast = lang_parse(r.a, src, &d);
    fclose(out);
    r.errors = d.errors;
    return r;
}

START_TEST(diag_caret_after_utf8) {
    /* "é" is two bytes, one character: '@' is the 11th character of the line */
    result r = parse("x { a = \"é\" @ }\n");
    ck_assert_int_eq(r.errors, 1);
    ck_assert_str_eq(r.msgs, "t.nlt:1:13: error: invalid character '@'\n"
                             "x { a = \"é\" @ }\n"
                             "            ^\n");
    result_free(&r);
    /* the underline of a non-ASCII range has one mark per character; tabs are kept */
    r = parse("lut\tgröß { }\n");
    ck_assert_str_eq(r.msgs, "t.nlt:1:7: error: non-ASCII text outside a string or comment\n"
                             "lut\tgröß { }\n"
                             "   \t  ^~\n");
    result_free(&r);
    /* a wide character takes two columns of the caret line, one in the column number */
    r = parse("x { a = \"日本\" @ }\n");
    ck_assert_str_eq(r.msgs, "t.nlt:1:14: error: invalid character '@'\n"
                             "x { a = \"日本\" @ }\n"
                             "               ^\n");
    result_free(&r);
    /* src_line_col counts characters too */
    src_file f = {.path = "t", .text = "a\nçé=1", .len = 8};
    int line, col;
    src_line_col(&f, 6, &line, &col);
    ck_assert_int_eq(line, 2);
    ck_assert_int_eq(col, 3);
}
END_TEST

/* A 10 MB line with two errors: each is shown as 100 characters around its column with
 * "..." where the line was cut, the caret under the error. (Its speed is measured by
 * bench/parse; here only the output is checked.) */
START_TEST(diag_long_line) {
    size_t k = 5000000, len = 0, at[2];
    char *text = xmalloc(2 * k + 64);
    len += (size_t)sprintf(text, "x { a = \"");
    for (int e = 0; e < 2; e++) {
        memset(text + len, e ? 'b' : 'a', k);
        len += k;
        at[e] = len + 1;
        len += (size_t)sprintf(text + len, e ? "\"@ }\n" : "\"@; b = \"");
    }
    ck_assert_uint_gt(len, 10000000);
    result r = parse_bytes(text, len);
    ck_assert_int_eq(r.errors, 2);
    rt_buf want = {0};
    for (int e = 0; e < 2; e++) {
        /* the first is cut on both sides; the second shows the last 100 characters */
        size_t from = e ? len - 1 - 100 : at[e] - 40;
        rt_buf_printf(&want, "t.nlt:1:%zu: error: invalid character '@'\n...%.100s%s\n", at[e] + 1,
                      text + from, e ? "" : "...");
        rt_buf_printf(&want, "   %*s^\n", (int)(at[e] - from), "");
    }
    ck_assert_str_eq(r.msgs, want.data);
    /* the string values are whole */
    ck_assert_uint_eq(strlen(prop_value(r.ast, 0, 0)->u.str), k);
    rt_buf_free(&want);
    result_free(&r);
    free(text);
}
END_TEST

/* The window near either end of a long line, and a short line shown whole. */
START_TEST(diag_window_edges) {
    rt_buf src = {0};
    rt_buf_puts(&src, "x { a = [1@,");
    for (int i = 0; i < 60; i++)
        rt_buf_puts(&src, " 2,");
    rt_buf_puts(&src, " 3] }\n");
    result r = parse_bytes(src.data, src.len);
    ck_assert_int_eq(r.errors, 1);
    /* the error is near the start: the line is cut on the right only */
    char want[512];
    snprintf(want, sizeof want, "t.nlt:1:11: error: invalid character '@'\n%.100s...\n%*s^\n",
             src.data, 10, "");
    ck_assert_str_eq(r.msgs, want);
    result_free(&r);
    rt_buf_free(&src);
}
END_TEST

START_TEST(diag_nul_in_string) {
    static const char text[] = "x { a = \"ab\0cd\"; b = \"\\\0\" }\n";
    result r = parse_bytes(text, sizeof text - 1);
    ck_assert_int_eq(r.errors, 2);
    ck_assert_str_eq(r.msgs, "t.nlt:1:12: error: NUL byte inside a string (a string holds text "
                             "only)\n"
                             "x { a = \"ab cd\"; b = \"\\ \" }\n"
                             "           ^\n"
                             "t.nlt:1:24: error: NUL byte inside a string (a string holds text "
                             "only)\n"
                             "x { a = \"ab cd\"; b = \"\\ \" }\n"
                             "                       ^\n");
    result_free(&r);
}
END_TEST

void add_diag_tests(Suite *s) {
    ADD_CASE(s, "diagnostics", diag_caret_after_utf8, diag_long_line, diag_window_edges,
             diag_nul_in_string);
}
