/* lang_test.h - what the front end's unit tests share (tests/lang): compiling models from
 * memory with diagnostics captured, temporary directories, the small models most tests
 * use. NLTC_TEST_STDLIB (a compile definition) is the repository's stdlib/. */
#ifndef NLTC_LANG_TEST_H
#define NLTC_LANG_TEST_H

#include <check.h>
#include <stdio.h>

#include "compiler.h"

/* What one parse or compile produced. */
typedef struct result {
    nltc_arena *a;   /* owns everything below */
    ast_file *ast;   /* parse: the tree */
    ir_program *ir;  /* compile: the IR (NULL after errors) */
    int errors;      /* errors reported */
    int warnings;    /* warnings reported */
    char *msgs;      /* all diagnostics text (malloc'd) */
    size_t msgs_len; /* its length */
} result;

/* A dataset and two L-LUTs that most models below use. */
#define BASE                                                                                       \
    "dataset tiny { train = \"tiny.csv\"; label = 4; inputs = 4; classes = 2 }\n"                  \
    "lut leaf { fanin = 2; hidden = 8 }\n"                                                         \
    "lut pair { fanin = 2; hidden = 8 }\n"

/* A valid model: BASE plus a one-tree model with extra text inside it. */
#define MODEL(extra)                                                                               \
    BASE "model m {\n dataset = tiny\n tree t { levels = leaf -> pair; neurons = 2 }\n" extra      \
         "\n}\n"

void result_free(result *r);
/* Parses text as "t.nlt". */
result parse(const char *text);
/* Compiles text as file `name` with options o (stdlib: the repository's, no environment). */
result compile_opts(const char *name, const char *text, nltc_compile_opts o);
/* Compiles text as "m.nlt" with default options. */
result compile(const char *text);
/* Asserts that text fails to compile with exactly n errors, one mentioning needle. */
void expect_error(const char *text, int n, const char *needle);
/* Asserts that r compiled; returns its IR. */
ir_program *expect_ok(result *r);
/* The IR dump of p (ir_print), malloc'd. */
char *ir_text(const ir_program *p);
/* A fresh temporary directory (removed by the test with remove_dir). */
char *temp_dir(void);
void write_file(const char *dir, const char *name, const char *text);
void remove_dir(const char *dir);
/* The value of property i of top-level block b. */
const ast_value *prop_value(const ast_file *f, int b, int i);

/* The test cases of each file, added to the suite by test_lang.c. */
void add_syntax_tests(Suite *s);
void add_lower_tests(Suite *s);
void add_check_tests(Suite *s);
void add_diag_tests(Suite *s);
void add_hybrid_tests(Suite *s);

/* Adds tests to a new test case `name` of s (30 s timeout). */
void add_case(Suite *s, const char *name, const TTest *const *tests, int n);
#define ADD_CASE(s, name, ...)                                                                     \
    do {                                                                                           \
        const TTest *const t_[] = {__VA_ARGS__};                                                   \
        add_case(s, name, t_, (int)(sizeof t_ / sizeof *t_));                                      \
    } while (0)

#endif /* NLTC_LANG_TEST_H */
