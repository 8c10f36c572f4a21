/* test_lang.c - Check unit tests of the front end: scanner, parser, each semantic check,
 * lowering defaults, the IR verifier and printer, the vocabulary tables.
 *
 * The tests live by area in test_syntax.c, test_lower.c, test_checks.c, test_diag.c and
 * test_hybrid.c; lang_test.h holds their helpers. Models are compiled from memory
 * (nltc_compile_buffer) with diagnostics captured in a memory stream; tests that need imports write
 * small files into a temporary directory. */
#include <stdlib.h>

#include "lang_test.h"

int main(void) {
    Suite *s = suite_create("lang");
    add_syntax_tests(s);
    add_lower_tests(s);
    add_check_tests(s);
    add_diag_tests(s);
    add_hybrid_tests(s);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
