/* be_tool.c - command-line helper of the back-end tests and benchmarks:
 *   be_tool model OUT SHAPE N PIPELINE [SEED]   write a random model's back ends into OUT
 *                                                (SHAPE: tiny | mnist | hand; PIPELINE:
 *                                                none | every_layer | trees | every(K))
 */
#include "fixture.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int cmd_model(int argc, char **argv) {
    if (argc < 6) {
        fprintf(stderr, "usage: be_tool model OUT SHAPE N PIPELINE [SEED]\n");
        return 1;
    }
    const char *out = argv[2], *shape = argv[3];
    int n = atoi(argv[4]);
    ir_pipeline pipe;
    int k = 2;
    if (be_pipeline_parse(argv[5], &pipe, &k)) {
        fprintf(stderr, "be_tool: bad pipeline '%s'\n", argv[5]);
        return 1;
    }
    uint64_t seed = argc > 6 ? strtoull(argv[6], NULL, 10) : 1;
    rt_tables t;
    rt_codes c;
    be_plan p;
    fx_shape s;
    if (strcmp(shape, "hand") == 0) {
        fx_hand_tables(&t);
        fx_hand_codes(&c);
        s = (fx_shape){.n_inputs = 4, .input_bits = 1, .n_layers = 2};
    } else {
        s = strcmp(shape, "mnist") == 0 ? fx_mnist() : fx_tiny();
        fx_random_tables(&s, seed, &t);
        fx_random_codes(&t, n, seed + 1, &c);
    }
    fx_plan(&s, &t, shape, pipe, k, &p);
    be_input in = {&t, &p, &c};
    rt_error e = {0};
    int rc = 0;
    if (be_emit_all(&in, out, &e)) {
        fprintf(stderr, "be_tool: %s\n", e.msg);
        rc = 2;
    }
    be_plan_free(&p);
    rt_tables_free(&t);
    rt_codes_free(&c);
    return rc;
}

int main(int argc, char **argv) {
    if (argc >= 2 && strcmp(argv[1], "model") == 0) return cmd_model(argc, argv);
    fprintf(stderr, "usage: be_tool model OUT SHAPE N PIPELINE [SEED]\n");
    return 1;
}
