/* run_suite.c - the common main body of the back-end Check tests. */
#include "fixture.h"

#include <check.h>

int fx_run_suite(Suite *s) {
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
