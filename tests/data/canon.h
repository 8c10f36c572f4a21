/* canon.h - the canonical dataset configurations nltc's stdlib modules describe
 * (stdlib/datasets/), built by hand as ir_dataset structs for the extended data
 * test and the data benchmark. The figures they give are in runtime/data/README.md. */
#ifndef NLTC_TESTS_DATA_CANON_H
#define NLTC_TESTS_DATA_CANON_H

#include "ir.h"

/* One configuration and the storage its pointers refer to. */
typedef struct canon_set {
    ir_dataset ds;        /* the dataset description */
    char paths[4][1024];  /* file paths under the data root */
    ir_colref drop[4];    /* dropped columns */
    ir_colref cat[4];     /* categorical columns */
    const char *names[8]; /* class names */
} canon_set;

/* Names of the configurations, NULL-terminated: mnist, unsw, unsw-bin, letter, digits. */
extern const char *const canon_names[];

/* Fills *out with configuration `name` reading from data root `root` (the folder that
 * holds mnist/, unsw-nb15/, ...). Returns 0, or -1 for an unknown name. */
int canon_get(const char *name, const char *root, canon_set *out);

/* 1 when every file the configuration reads exists. */
int canon_present(const canon_set *c);

/* The data root: $NLTC_DATA when set, else the build's default (../shared/data). */
const char *canon_root(void);

#endif /* NLTC_TESTS_DATA_CANON_H */
