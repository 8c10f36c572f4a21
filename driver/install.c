/* install.c - where nltc finds its own files: the standard library beside an installed
 * binary (PREFIX/bin/nltc -> PREFIX/share/nltc/stdlib), else the source folder it was
 * built from (a build tree). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "driver.h"

#ifndef NLTC_REL_STDLIB
#define NLTC_REL_STDLIB "../share/nltc/stdlib"
#endif

const char *driver_stdlib_dir(void) {
    static char dir[PATH_MAX];
    const char *env = getenv("NLTC_STDLIB");
    if (env && env[0]) return NULL; /* the compiler reads it */
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (n <= 0) return NULL;
    exe[n] = '\0';
    char *slash = strrchr(exe, '/');
    if (!slash) return NULL;
    slash[1] = '\0';
    char rel[PATH_MAX + sizeof NLTC_REL_STDLIB];
    snprintf(rel, sizeof rel, "%s%s", exe, NLTC_REL_STDLIB);
    struct stat sb; /* PREFIX/share/nltc/stdlib, without the bin/.. */
    return stat(rel, &sb) == 0 && S_ISDIR(sb.st_mode) && realpath(rel, dir) ? dir : NULL;
}
