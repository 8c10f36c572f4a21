/* split.c - the deterministic PRNG and shuffle behind seeded splits. Both are fully
 * specified in data.h so a split can be reproduced outside nltc; rand() is never used. */
#include "data.h"

uint64_t data_splitmix64(uint64_t *state) {
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Uniform in 0 .. bound-1: draws below 2^64 mod bound are rejected. */
static uint64_t split_below(uint64_t *state, uint64_t bound) {
    uint64_t threshold = (0 - bound) % bound;
    for (;;) {
        uint64_t r = data_splitmix64(state);
        if (r >= threshold) return r % bound;
    }
}

void data_permute(int *perm, int n, uint64_t seed) {
    uint64_t state = seed;
    for (int i = 0; i < n; i++)
        perm[i] = i;
    for (int i = n - 1; i > 0; i--) {
        int j = (int)split_below(&state, (uint64_t)i + 1);
        int t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
}
