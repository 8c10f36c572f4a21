/* test_syntax.c - unit tests of the scanner, the parser and the arena. */
#include "lang_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rt.h"

/* ---- Scanner -------------------------------------------------------------------------- */

START_TEST(scan_numbers_and_units) {
    result r = parse("x { v = [1, -2, 0.5, 8e-5, 25 epochs, 10%, 6bits] }");
    ck_assert_int_eq(r.errors, 0);
    const ast_value *l = prop_value(r.ast, 0, 0);
    ck_assert_int_eq(l->kind, AV_LIST);
    ck_assert_int_eq(l->u.list.n, 7);
    ast_value **v = l->u.list.items;
    ck_assert_int_eq(v[0]->kind, AV_INT);
    ck_assert_int_eq(v[0]->u.num.i, 1);
    ck_assert_int_eq(v[1]->u.num.i, -2);
    ck_assert_int_eq(v[2]->kind, AV_REAL);
    ck_assert_double_eq(v[2]->u.num.r, 0.5);
    ck_assert_int_eq(v[3]->kind, AV_REAL);
    ck_assert_double_eq_tol(v[3]->u.num.r, 8e-5, 1e-12);
    ck_assert(v[4]->u.num.unit.present && v[4]->u.num.unit.word.kw == KW_EPOCHS);
    ck_assert(v[5]->u.num.unit.percent);
    ck_assert_double_eq_tol(sv_number(v[5]), 0.1, 1e-12);
    ck_assert(v[6]->u.num.unit.word.kw == KW_BITS);
    ck_assert(!v[0]->u.num.unit.present);
    result_free(&r);
}
END_TEST

START_TEST(scan_strings) {
    result r = parse("x { s = \"a\\\"b\\\\c\\nd\\te\" }");
    ck_assert_int_eq(r.errors, 0);
    ck_assert_str_eq(prop_value(r.ast, 0, 0)->u.str, "a\"b\\c\nd\te");
    result_free(&r);
}
END_TEST

START_TEST(scan_comments_kept) {
    const char *text = "// one\n/* two */ lut x { /* three\n */ fanin = 1 } // four";
    result r = parse(text);
    ck_assert_int_eq(r.errors, 0);
    ck_assert_int_eq(r.ast->n_comments, 4);
    src_range c = r.ast->comments[1];
    ck_assert_int_eq(c.begin, 7);
    ck_assert_int_eq(c.end, 16);
    ck_assert_int_eq(strncmp(text + r.ast->comments[2].begin, "/* three", 8), 0);
    ck_assert_int_eq(strncmp(text + r.ast->comments[3].begin, "// four", 7), 0);
    ck_assert_int_eq(r.ast->items[0]->u.block.n, 1);
    result_free(&r);
}
END_TEST

START_TEST(scan_line_ends) {
    /* line ends separate items, not inside [] or (), nor before '{' or '->' */
    result r =
        parse("b {\n a = 1\n c = [1,\n 2]\n d = f(x =\n 1)\n e = p\n -> q\n}\nlut z\n{\n}\n");
    ck_assert_msg(r.errors == 0, "%s", r.msgs);
    ck_assert_int_eq(r.ast->n, 2);
    const ast_item *b = r.ast->items[0];
    ck_assert_int_eq(b->u.block.n, 4);
    ck_assert_int_eq(b->u.block.items[1]->u.prop.value->u.list.n, 2);
    ck_assert_int_eq(b->u.block.items[3]->u.prop.value->kind, AV_CHAIN);
    ck_assert_str_eq(r.ast->items[1]->u.block.name.text, "z");
    result_free(&r);
    /* but two properties on one line need a ';' */
    r = parse("b { a = 1 c = 2 }");
    ck_assert_int_eq(r.errors, 1);
    result_free(&r);
}
END_TEST

START_TEST(scan_keywords) {
    ck_assert_int_eq(kw_lookup("fanin", 5), KW_FANIN);
    ck_assert_int_eq(kw_lookup("fanins", 6), KW_IDENT);
    ck_assert_int_eq(kw_lookup("import", 6), KW_IMPORT);
    ck_assert_str_eq(kw_text(KW_LUT_INPUTS), "lut_inputs");
    ck_assert(kw_roles(KW_IMPORT) & KWR_SYNTAX);
    ck_assert(kw_roles(KW_TRAIN) & KWR_BLOCK);
    ck_assert(kw_roles(KW_TRAIN) & KWR_PROP);
    ck_assert(kw_roles(KW_EPOCHS) & KWR_UNIT);
    ck_assert(!(kw_roles(KW_RELU) & KWR_PROP));
    for (int k = 0; k < KW_COUNT; k++)
        ck_assert_int_eq(kw_lookup(kw_text((kw_id)k), strlen(kw_text((kw_id)k))), k);
    /* words carry their keyword id; non-syntax keywords are usable as names */
    result r = parse("lut tree { skip = linear }");
    ck_assert_int_eq(r.errors, 0);
    const ast_item *b = r.ast->items[0];
    ck_assert_int_eq(b->u.block.kind.kw, KW_LUT);
    ck_assert_int_eq(b->u.block.name.kw, KW_TREE);
    ck_assert_int_eq(b->u.block.items[0]->u.prop.value->u.word.kw, KW_LINEAR);
    result_free(&r);
}
END_TEST

START_TEST(scan_errors) {
    static const struct {
        const char *text, *msg;
    } cases[] = {
        {"x { a = 1 @ }", "invalid character '@'"},
        {"x { a = \"abc\n}", "unterminated string"},
        {"x { a = 1 } /* open", "unterminated comment"},
        {"x { a = \"a\\qb\" }", "unknown escape sequence '\\q'"},
        {"x { a = 123456789012345678901234 }", "integer '123456789012345678901234' is too large"},
        {"x { a = 1e999 }", "number '1e999' is too large"},
        {"x { a = \xc3\xa9 }", "non-ASCII text"},
        {"x { a = 1 }\n\xEF\xBB\xBF", "byte-order mark inside the file"},
        {"x { a = \x01 }", "invalid character (byte 0x01)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        result r = parse(cases[i].text);
        ck_assert_msg(r.errors >= 1, "no error for case %zu", i);
        ck_assert_msg(strstr(r.msgs, cases[i].msg), "case %zu: no '%s' in %s", i, cases[i].msg,
                      r.msgs);
        result_free(&r);
    }
    result r = parse("\xEF\xBB\xBFlut x { fanin = 1 }");
    ck_assert_int_eq(r.errors, 0);
    result_free(&r);
}
END_TEST

START_TEST(scan_locations) {
    const char *text = "lut a {\n  fanin = 12\n}";
    result r = parse(text);
    const ast_item *p = r.ast->items[0]->u.block.items[0];
    ck_assert_int_eq(p->u.prop.key.at.begin, 10);
    ck_assert_int_eq(p->u.prop.key.at.end, 15);
    ck_assert_int_eq(p->u.prop.value->at.begin, 18);
    ck_assert_int_eq(p->u.prop.value->at.end, 20);
    int line, col;
    src_line_col(p->u.prop.value->at.file, p->u.prop.value->at.begin, &line, &col);
    ck_assert_int_eq(line, 2);
    ck_assert_int_eq(col, 11);
    ck_assert_int_eq(r.ast->items[0]->u.block.close.begin, 21);
    result_free(&r);
}
END_TEST

/* ---- Parser ---------------------------------------------------------------------------- */

START_TEST(parse_blocks) {
    result r = parse("import \"std/x.nlt\"\nmodel b extends a {\n tree t { levels = x }\n "
                     "input { bits = 1 }\n}\n");
    ck_assert_int_eq(r.errors, 0);
    ck_assert_int_eq(r.ast->n, 2);
    ck_assert_int_eq(r.ast->items[0]->kind, AI_IMPORT);
    ck_assert_str_eq(r.ast->items[0]->u.import.path, "std/x.nlt");
    ck_assert_int_eq(r.ast->items[0]->u.import.path_at.begin, 7);
    const ast_item *m = r.ast->items[1];
    ck_assert_int_eq(m->kind, AI_BLOCK);
    ck_assert_str_eq(m->u.block.kind.text, "model");
    ck_assert_str_eq(m->u.block.name.text, "b");
    ck_assert_str_eq(m->u.block.base.text, "a");
    ck_assert_int_eq(m->u.block.n, 2);
    ck_assert_str_eq(m->u.block.items[0]->u.block.name.text, "t");
    ck_assert_ptr_null(m->u.block.items[1]->u.block.name.text);
    ck_assert_ptr_null(m->u.block.items[1]->u.block.base.text);
    result_free(&r);
}
END_TEST

START_TEST(parse_values) {
    result r =
        parse("x { a = f(p = 1, 2, q = g(3),); b = u -> v(w = 1) -> z; c = []; d = [\"s\",]; "
              "e = word }");
    ck_assert_msg(r.errors == 0, "%s", r.msgs);
    const ast_value *f = prop_value(r.ast, 0, 0);
    ck_assert_int_eq(f->kind, AV_CALL);
    ck_assert_int_eq(f->u.call.n, 3);
    ck_assert_str_eq(f->u.call.args[0].name.text, "p");
    ck_assert_ptr_null(f->u.call.args[1].name.text);
    ck_assert_int_eq(f->u.call.args[2].value->kind, AV_CALL);
    ck_assert_ptr_null(sv_arg(f, KW_WD));
    ck_assert_ptr_nonnull(sv_arg(f, KW_IDENT)); /* 'p' is no keyword */
    const ast_value *c = prop_value(r.ast, 0, 1);
    ck_assert_int_eq(c->kind, AV_CHAIN);
    ck_assert_int_eq(c->u.list.n, 3);
    ck_assert_int_eq(c->u.list.items[1]->kind, AV_CALL);
    ck_assert_int_eq(prop_value(r.ast, 0, 2)->u.list.n, 0);
    ck_assert_int_eq(prop_value(r.ast, 0, 3)->u.list.n, 1);
    ck_assert_int_eq(prop_value(r.ast, 0, 4)->kind, AV_WORD);
    result_free(&r);
}
END_TEST

START_TEST(parse_error_messages) {
    result r = parse("lut a {\n fanin = 1\n");
    ck_assert_int_eq(r.errors, 1);
    ck_assert_msg(strstr(r.msgs, "t.nlt:2:11: error: '}' expected (to close 'lut' at line 1), "
                                 "found end of file"),
                  "%s", r.msgs);
    result_free(&r);
    r = parse("lut a { fanin = }");
    ck_assert(strstr(r.msgs, "t.nlt:1:17: error: value expected, found '}'"));
    result_free(&r);
    r = parse("lut a { = 1 }");
    ck_assert(strstr(r.msgs, "property or block expected, found '='"));
    result_free(&r);
    r = parse("lut a extends {}");
    ck_assert(strstr(r.msgs, "word expected, found '{'"));
    result_free(&r);
    r = parse("x {\n a = [1 2]\n}");
    ck_assert(strstr(r.msgs, "word, ']', '%' or ',' expected, found '2'"));
    /* the caret line */
    ck_assert(strstr(r.msgs, "\n a = [1 2]\n        ^\n"));
    result_free(&r);
}
END_TEST

START_TEST(parse_recovery) {
    /* errors in three places are all reported, and the good blocks are kept */
    result r = parse("lut a { fanin = }\nlut b { fanin = 2 }\nlut c { x y }\nlut d { fanin = 3 "
                     "}\nmodel e { f = ( }\n");
    ck_assert_int_eq(r.errors, 3);
    int good = 0;
    for (int i = 0; i < r.ast->n; i++)
        good += r.ast->items[i]->kind == AI_BLOCK && r.ast->items[i]->u.block.name.text &&
                (strcmp(r.ast->items[i]->u.block.name.text, "b") == 0 ||
                 strcmp(r.ast->items[i]->u.block.name.text, "d") == 0);
    ck_assert_int_eq(good, 2);
    result_free(&r);
}
END_TEST

START_TEST(parse_empty) {
    result r = parse("");
    ck_assert_int_eq(r.errors, 0);
    ck_assert_int_eq(r.ast->n, 0);
    result_free(&r);
    r = parse("// only a comment\n\n;;\n");
    ck_assert_int_eq(r.errors, 0);
    ck_assert_int_eq(r.ast->n, 0);
    ck_assert_int_eq(r.ast->n_comments, 1);
    result_free(&r);
}
END_TEST

START_TEST(arena_and_vectors) {
    nltc_arena *a = nltc_arena_new();
    ptr_vec v = {0};
    for (int i = 0; i < 1000; i++)
        ptr_vec_push(a, &v, (void *)(intptr_t)i);
    ck_assert_int_eq(v.n, 1000);
    ck_assert_int_eq((int)(intptr_t)v.v[999], 999);
    char *big = nltc_arena_alloc(a, 1 << 20);
    ck_assert_int_eq(big[(1 << 20) - 1], 0);
    ck_assert_str_eq(nltc_arena_printf(a, "%s-%d", "x", 42), "x-42");
    ck_assert_str_eq(nltc_arena_strndup(a, "abcdef", 3), "abc");
    nltc_arena_free(a);
}
END_TEST

void add_syntax_tests(Suite *s) {
    ADD_CASE(s, "scanner", scan_numbers_and_units, scan_strings, scan_comments_kept, scan_line_ends,
             scan_keywords, scan_errors, scan_locations);
    ADD_CASE(s, "parser", parse_blocks, parse_values, parse_error_messages, parse_recovery,
             parse_empty, arena_and_vectors);
}
