/* dict.c - interning of label and categorical strings: each distinct text gets a dense
 * id in order of first appearance, with the place it first appeared (for errors). */
#include "data.h"

#include <stdlib.h>
#include <string.h>

/* FNV-1a, 32 bits. */
static uint32_t dict_hash(const char *s, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ (unsigned char)s[i]) * 16777619u;
    return h;
}

static void dict_grow(data_dict *d) {
    int nslot = d->nslot ? d->nslot * 2 : 64;
    int *slot = xcalloc((size_t)nslot, sizeof *slot);
    for (int id = 0; id < d->n; id++) {
        uint32_t h = dict_hash(d->e[id].s, d->e[id].len) & (uint32_t)(nslot - 1);
        while (slot[h])
            h = (h + 1) & (uint32_t)(nslot - 1);
        slot[h] = id + 1;
    }
    free(d->slot);
    d->slot = slot;
    d->nslot = nslot;
}

int data_dict_intern(data_dict *d, const char *s, size_t len, int src, long line, int col) {
    if (2 * (d->n + 1) >= d->nslot) dict_grow(d);
    uint32_t mask = (uint32_t)(d->nslot - 1), h = dict_hash(s, len) & mask;
    for (; d->slot[h]; h = (h + 1) & mask) {
        data_dict_entry *e = &d->e[d->slot[h] - 1];
        if (e->len == len && memcmp(e->s, s, len) == 0) return d->slot[h] - 1;
    }
    rt_grow((void **)&d->e, (size_t)d->n, &d->cap, sizeof *d->e);
    data_dict_entry *e = &d->e[d->n];
    e->s = xmalloc(len + 1);
    memcpy(e->s, s, len);
    e->s[len] = 0;
    e->len = len;
    e->src = src;
    e->line = line;
    e->col = col;
    e->code = -1;
    d->slot[h] = d->n + 1;
    return d->n++;
}

void data_dict_free(data_dict *d) {
    for (int i = 0; i < d->n; i++)
        free(d->e[i].s);
    free(d->e);
    free(d->slot);
    memset(d, 0, sizeof *d);
}
