/* test_cli.c - Check tests of driver/cli.c, the one command-line parser: value forms
 * (--name V, --name=V, -o DIR, -oDIR), flags, repeatable options, numbers and their
 * ranges, choices, positional counts, `--`, required options, --help, and that every
 * mistake is a usage error naming the option; and how errors are printed (error.c). */
#include "cli.h"
#include "driver.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>

/* The options of one test command, reset for every parse. */
typedef struct opts {
    const char *out, *store;
    bool force, quiet, seed_given;
    uint64_t threads, seed;
    int emit;
    cli_list inc;
} opts;

static opts o;
static const char *const kinds[] = {"ir", "json", NULL};
static const cli_opt table[] = {
    {'o', NULL, CLI_STRING, "DIR", &o.out, "output folder", 0, 0, NULL, false, NULL},
    {0, "store", CLI_STRING, "DIR", &o.store, "store", 0, 0, NULL, false, NULL},
    {'f', "force", CLI_FLAG, NULL, &o.force, "force", 0, 0, NULL, false, NULL},
    {0, "quiet", CLI_FLAG, NULL, &o.quiet, "quiet", 0, 0, NULL, false, NULL},
    {0, "threads", CLI_NUMBER, "N", &o.threads, "threads", 0, 1024, NULL, false, NULL},
    {0, "seed", CLI_NUMBER, "N", &o.seed, "seed", 0, UINT64_MAX, NULL, false, &o.seed_given},
    {0, "emit", CLI_CHOICE, "KIND", &o.emit, "emit", 0, 0, kinds, false, NULL},
    {'I', NULL, CLI_LIST, "DIR", &o.inc, "include", 0, 0, NULL, false, NULL},
};
static const cli_spec spec = {"nltc demo", "A [B]",    1,     2,
                              NULL,        "About.\n", table, (int)(sizeof table / sizeof table[0]),
                              NULL};

/* Parses the NULL-terminated words (argv[0] is "demo"); returns the status, e and r filled. */
static rt_status parse(cli_result *r, rt_error *e, const char *const *words) {
    cli_list_free(&o.inc);
    memset(&o, 0, sizeof o);
    o.emit = -1;
    char *argv[32] = {"demo"};
    int argc = 1;
    for (; words[argc - 1]; argc++)
        argv[argc] = (char *)words[argc - 1];
    memset(e, 0, sizeof *e);
    return cli_parse(&spec, argc, argv, r, e);
}

#define PARSE(r, e, ...) parse(r, e, (const char *const[]){__VA_ARGS__, NULL})

START_TEST(value_forms) {
    cli_result r;
    rt_error e;
    ck_assert_int_eq(PARSE(&r, &e, "-o", "d1", "--store", "s1", "a", "--threads=7", "-I", "x",
                           "-Iy", "--emit=json", "b", "-f", "--seed", "18446744073709551615"),
                     RT_OK);
    ck_assert_str_eq(o.out, "d1");
    ck_assert_str_eq(o.store, "s1");
    ck_assert_int_eq(o.threads, 7);
    ck_assert(o.force && !o.quiet && o.seed_given);
    ck_assert(o.seed == UINT64_MAX);
    ck_assert_int_eq(o.emit, 1);
    ck_assert_int_eq(o.inc.n, 2);
    ck_assert_str_eq(o.inc.items[0], "x");
    ck_assert_str_eq(o.inc.items[1], "y");
    ck_assert_int_eq(r.n_args, 2);
    ck_assert_str_eq(r.args[0], "a");
    ck_assert_str_eq(r.args[1], "b");
    ck_assert(!r.help);
    cli_result_free(&r);
    /* -oDIR, --store=V, the last of a repeated option wins, "-" is an argument */
    ck_assert_int_eq(PARSE(&r, &e, "-od2", "--store=s2", "--store", "s3", "-"), RT_OK);
    ck_assert_str_eq(o.out, "d2");
    ck_assert_str_eq(o.store, "s3");
    ck_assert(!o.seed_given);
    ck_assert_int_eq(r.n_args, 1);
    ck_assert_str_eq(r.args[0], "-");
    cli_result_free(&r);
    /* -- ends the options */
    ck_assert_int_eq(PARSE(&r, &e, "--", "--quiet", "-o"), RT_OK);
    ck_assert(!o.quiet);
    ck_assert_ptr_null(o.out);
    ck_assert_int_eq(r.n_args, 2);
    ck_assert_str_eq(r.args[0], "--quiet");
    ck_assert_str_eq(r.args[1], "-o");
    cli_result_free(&r);
}
END_TEST

/* Parses words expecting a usage error whose message holds want. */
static void refused(const char *want, const char *const *words) {
    cli_result r;
    rt_error e;
    ck_assert_int_eq(parse(&r, &e, words), RT_ERR_USAGE);
    ck_assert_int_eq(e.status, RT_ERR_USAGE);
    ck_assert_msg(strstr(e.msg, want) != NULL, "'%s' not in '%s'", want, e.msg);
    ck_assert_msg(strstr(e.msg, "demo: ") == e.msg, "no command prefix: %s", e.msg);
    ck_assert_msg(strstr(e.msg, "(see nltc demo --help)") != NULL, "no pointer: %s", e.msg);
    cli_result_free(&r);
}
#define REFUSED(want, ...) refused(want, (const char *const[]){__VA_ARGS__, NULL})

START_TEST(mistakes_are_usage_errors) {
    REFUSED("--threads expects a number from 0 to 1024, found 'x'", "a", "--threads", "x");
    REFUSED("--threads expects a number from 0 to 1024, found '1025'", "a", "--threads=1025");
    REFUSED("--threads expects a number from 0 to 1024, found '-1'", "a", "--threads=-1");
    REFUSED("--seed expects a non-negative integer, found '18446744073709551616'", "a", "--seed",
            "18446744073709551616");
    REFUSED("--emit expects one of ir, json, found 'c'", "a", "--emit=c");
    REFUSED("unknown option '--bogus'", "a", "--bogus");
    REFUSED("unknown option '--bogus'", "a", "--bogus=1");
    REFUSED("unknown option '-x'", "a", "-x");
    REFUSED("unknown option '-fq'", "a", "-fq");
    REFUSED("option '--quiet' takes no value", "a", "--quiet=yes");
    REFUSED("option '--store' needs a value", "a", "--store");
    REFUSED("option '--store' needs a value", "a", "--store=");
    REFUSED("option '-o' needs a value", "a", "-o");
    REFUSED("unexpected argument 'c'", "a", "b", "c");
    REFUSED("missing A [B]", "--quiet");
}
END_TEST

START_TEST(required_option_and_help) {
    const cli_opt req[] = {
        {'o', NULL, CLI_STRING, "DIR", &o.out, "output folder", 0, 0, NULL, true, NULL},
    };
    const cli_spec s = {"nltc need", "", 0, 0, NULL, NULL, req, 1, NULL};
    char *none[] = {"need"};
    cli_result r;
    rt_error e = {0};
    ck_assert_int_eq(cli_parse(&s, 1, none, &r, &e), RT_ERR_USAGE);
    ck_assert_str_eq(e.msg, "need: missing -o DIR (see nltc need --help)");
    cli_result_free(&r);
    char *given[] = {"need", "-o", "x"};
    ck_assert_int_eq(cli_parse(&s, 3, given, &r, &e), RT_OK);
    cli_result_free(&r);
    /* --help wins over every mistake and reports help */
    char *help[] = {"need", "--bogus", "--help"};
    ck_assert_int_eq(cli_parse(&s, 3, help, &r, &e), RT_OK);
    ck_assert(r.help);
    cli_result_free(&r);
    /* but not after -- */
    char *after[] = {"need", "-o", "x", "--", "-h"};
    ck_assert_int_eq(cli_parse(&s, 5, after, &r, &e), RT_ERR_USAGE);
    ck_assert_str_eq(e.msg, "need: unexpected argument '-h' (see nltc need --help)");
    cli_result_free(&r);
}
END_TEST

START_TEST(help_text) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cli_help(f, &spec);
    fclose(f);
    ck_assert_ptr_nonnull(strstr(buf, "usage: nltc demo A [B] [-o DIR] [--store DIR]"));
    ck_assert_ptr_nonnull(strstr(buf, "\nAbout.\n"));
    ck_assert_ptr_nonnull(strstr(buf, "\n  -f, --force  force\n"));
    ck_assert_ptr_nonnull(strstr(buf, "\n  --threads N  threads\n"));
    ck_assert_ptr_nonnull(strstr(buf, "\n  -h, --help   show this help\n"));
    for (char *line = buf; line && *line;) { /* wrapped before column 90 */
        char *nl = strchr(line, '\n');
        ck_assert_int_le(nl ? nl - line : (long)strlen(line), 90);
        line = nl ? nl + 1 : NULL;
    }
    free(buf);
}
END_TEST

/* Prints e through driver_fprint_error into a string (malloc'd). */
static char *printed(const ir_program *ir, const rt_error *e) {
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    driver_fprint_error(f, ir, e);
    fclose(f);
    return buf;
}

START_TEST(errors_are_located) {
    const ir_srcloc locs[] = {{"hardware.clock", "m.nlt", 12, 5}, {"train.lr", "lib.nlt", 3, 9}};
    const ir_srcloc model = {"", "m.nlt", 4, 1};
    ir_program ir = {.model_name = "m", .n_locs = 2, .locs = locs, .model_loc = &model};
    rt_error e = {0};
    rt_fail_prop(&e, RT_ERR_MODEL, "hardware.clock", "no clock named 'x'");
    char *t = printed(&ir, &e);
    ck_assert_str_eq(t, "m.nlt:12:5: error: no clock named 'x'\n");
    free(t);
    rt_fail_prop(&e, RT_ERR_MODEL, "train.lr", "too large");
    t = printed(&ir, &e);
    ck_assert_str_eq(t, "lib.nlt:3:9: error: too large\n");
    free(t);
    /* a property that was not written: the model's own location */
    rt_fail_prop(&e, RT_ERR_MODEL, "hardware.reset", "needs a reset");
    t = printed(&ir, &e);
    ck_assert_str_eq(t, "m.nlt:4:1: error: needs a reset\n");
    free(t);
    /* no IR at hand, or no property: the plain form */
    t = printed(NULL, &e);
    ck_assert_str_eq(t, "nltc: error: needs a reset\n");
    free(t);
    rt_fail(&e, RT_ERR_IO, "cannot read x");
    t = printed(&ir, &e);
    ck_assert_str_eq(t, "nltc: error: cannot read x\n");
    free(t);
    /* an IR without locations (tests build such) */
    ir_program bare = {.model_name = "b"};
    rt_fail_prop(&e, RT_ERR_MODEL, "hardware.clock", "bad");
    t = printed(&bare, &e);
    ck_assert_str_eq(t, "nltc: error: bad\n");
    free(t);
    /* an empty message: already reported, nothing printed */
    e.msg[0] = '\0';
    t = printed(&ir, &e);
    ck_assert_str_eq(t, "");
    free(t);
}
END_TEST

int main(void) {
    Suite *s = suite_create("driver cli");
    TCase *tc = tcase_create("cli");
    tcase_add_test(tc, value_forms);
    tcase_add_test(tc, mistakes_are_usage_errors);
    tcase_add_test(tc, required_option_and_help);
    tcase_add_test(tc, help_text);
    tcase_add_test(tc, errors_are_located);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    cli_list_free(&o.inc);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
