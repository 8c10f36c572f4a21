/* canon.c - the canonical dataset configurations (see canon.h). */
#include "canon.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

const char *const canon_names[] = {"mnist", "unsw", "unsw-bin", "letter", "digits", NULL};

static const char *canon_path(canon_set *c, int i, const char *root, const char *rel) {
    snprintf(c->paths[i], sizeof c->paths[i], "%s/%s", root, rel);
    return c->paths[i];
}

/* Defaults shared by every configuration: CSV with a header, ',' delimiter, no
 * transformation, validation 10% and test 20% carved with seed 1. */
static void canon_defaults(canon_set *c, const char *name) {
    memset(c, 0, sizeof *c);
    ir_dataset *ds = &c->ds;
    ds->name = name;
    ds->format = IR_DATA_CSV;
    ds->valid_fraction = 0.1;
    ds->test_fraction = 0.2;
    ds->split_seed = 1;
    ds->header = true;
    ds->delimiter = ',';
    ds->label.index = -1;
    ds->cat_encoding = IR_CAT_ONEHOT;
    ds->scale = 1;
    ds->norm = IR_NORM_NONE;
}

static void canon_unsw(canon_set *c, const char *root) {
    ir_dataset *ds = &c->ds;
    ds->train.path = canon_path(c, 0, root, "unsw-nb15/UNSW_NB15_testing-set.csv.gz");
    ds->label.name = "label";
    c->drop[0] = (ir_colref){"id", -1};
    c->drop[1] = (ir_colref){"attack_cat", -1};
    ds->n_drop = 2;
    ds->drop = c->drop;
    c->cat[0] = (ir_colref){"proto", -1};
    c->cat[1] = (ir_colref){"service", -1};
    c->cat[2] = (ir_colref){"state", -1};
    ds->n_categorical = 3;
    ds->categorical = c->cat;
    ds->log1p = true;
    ds->classes = 2;
}

int canon_get(const char *name, const char *root, canon_set *c) {
    canon_defaults(c, name);
    ir_dataset *ds = &c->ds;
    if (strcmp(name, "mnist") == 0) {
        /* The standard 60k/10k files; validation = 10% of train; pixels scaled to 0..1. */
        ds->format = IR_DATA_IDX;
        ds->train.path = canon_path(c, 0, root, "mnist/train-images-idx3-ubyte.gz");
        ds->train.labels_path = canon_path(c, 1, root, "mnist/train-labels-idx1-ubyte.gz");
        ds->test.path = canon_path(c, 2, root, "mnist/t10k-images-idx3-ubyte.gz");
        ds->test.labels_path = canon_path(c, 3, root, "mnist/t10k-labels-idx1-ubyte.gz");
        ds->test_fraction = 0;
        ds->header = false;
        ds->scale = 1.0 / 255;
        ds->inputs = 784;
        ds->classes = 10;
    } else if (strcmp(name, "unsw") == 0) {
        /* 39 numeric (sign*log1p, standardized) + one-hot proto/service/state. */
        canon_unsw(c, root);
        ds->norm = IR_NORM_STANDARDIZE;
        ds->inputs = 190;
    } else if (strcmp(name, "unsw-bin") == 0) {
        /* LogicNets-style: 39 numeric x 4 bits (sign*log1p, min-max) + binary codes. */
        canon_unsw(c, root);
        ds->binarize_bits = 4;
        ds->cat_encoding = IR_CAT_BINARIZE;
        ds->inputs = 39 * 4 + 8 + 4 + 3;
    } else if (strcmp(name, "letter") == 0) {
        /* Class letters A..Z (sorted distinct strings), 16 standardized features. */
        ds->train.path = canon_path(c, 0, root, "letter/LetterRecognition.csv.gz");
        ds->label.name = "lettr";
        ds->norm = IR_NORM_STANDARDIZE;
        ds->inputs = 16;
        ds->classes = 26;
    } else if (strcmp(name, "digits") == 0) {
        /* No header: 64 pixels 0..16 then the digit; pixels scaled to 0..1. */
        ds->train.path = canon_path(c, 0, root, "digits/digits.csv.gz");
        ds->header = false;
        ds->label.index = 64;
        ds->scale = 1.0 / 16;
        ds->inputs = 64;
        ds->classes = 10;
    } else {
        return -1;
    }
    return 0;
}

int canon_present(const canon_set *c) {
    const ir_source *s[3] = {&c->ds.train, &c->ds.valid, &c->ds.test};
    for (int i = 0; i < 3; i++) {
        if (s[i]->path && access(s[i]->path, R_OK) != 0) return 0;
        if (s[i]->labels_path && access(s[i]->labels_path, R_OK) != 0) return 0;
    }
    return 1;
}

const char *canon_root(void) {
    const char *e = getenv("NLTC_DATA");
    return e && *e ? e : NLTC_DATA_DEFAULT;
}
