/* bench_reduce.c - time of the don't-care table reduction (runtime/backend/reduce.c) on
 * random tables of the MNIST configuration's shape (784-2160-360-2160-360-60-10, F = 6):
 * counting N samples' addresses (random inputs through the tables, 4096 at a time), then
 * marking a fraction U of each L-LUT's addresses unseen and reducing.
 * usage: bench_reduce [N [U [SEED]]]    (defaults 60000 0.5 1)
 * Prints one line: the times, the seen fraction and the support estimate before/after. */
#include <stdio.h>
#include <stdlib.h>

#include "fixture.h"
#include "reduce.h"

int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 60000;
    double unseen = argc > 2 ? atof(argv[2]) : 0.5;
    uint64_t seed = argc > 3 ? strtoull(argv[3], NULL, 10) : 1;
    fx_shape s = fx_mnist();
    rt_tables t;
    fx_random_tables(&s, seed, &t);
    be_counts cnt;
    be_counts_init(&cnt, &t);
    double t0 = rt_now();
    for (int off = 0; off < n; off += 4096) {
        rt_codes c;
        fx_random_codes(&t, n - off < 4096 ? n - off : 4096, seed + 1 + (uint64_t)off, &c);
        be_counts_add(&cnt, &t, &c);
        rt_codes_free(&c);
    }
    double t_count = rt_now() - t0;
    uint64_t st = seed * 7919u + 17u;
    for (int l = 0; l < t.n_layers; l++) { /* random inputs see everything: hide a fraction */
        size_t m = (size_t)t.layers[l].n_lut << be_addr_bits(&t.layers[l]);
        for (size_t x = 0; x < m; x++)
            if ((double)(fx_rand(&st) >> 11) / 9007199254740992.0 < unseen) cnt.counts[l][x] = 0;
    }
    be_reduce_opts o = {.rarity = 1, .lut_inputs = 6};
    be_reduce_stats r;
    be_reduce(&t, &cnt, &o, &r, NULL); /* the support fill: no tool, no failure */
    printf("bench_reduce: mnist shape, %d samples counted in %.2f s (lookup included), %lld of "
           "%lld addresses seen, reduction %.3f s, support estimate %ld -> %ld LUT6 (support %ld "
           "-> %ld, constant %ld, wires %ld, shared %ld, O5/O6 pairs %ld)\n",
           n, t_count, r.seen, r.addresses, r.seconds, r.luts_before, r.luts_final,
           r.support_before, r.support_after, r.const_after, r.wire_after, r.dup_luts, r.pairs);
    be_counts_free(&cnt);
    rt_tables_free(&t);
    return 0;
}
