/* arena.c - the per-compilation bump allocator and the pointer vector built on it.
 *
 * Chunks grow geometrically; one nltc_arena_free releases everything. Allocation
 * failures print "nltc: out of memory" and exit 2, so callers never check for NULL. */
#include "lang.h"
#include "rt.h"

#include <stdlib.h>
#include <string.h>

/* One block of arena memory. */
typedef struct arena_chunk {
    struct arena_chunk *next; /* previously filled chunk */
    size_t used;              /* bytes handed out from data */
    size_t cap;               /* bytes of data */
    max_align_t data[];       /* the memory, maximally aligned */
} arena_chunk;

struct nltc_arena {
    arena_chunk *head; /* the chunk being filled; older ones follow via next */
    size_t total;      /* bytes allocated in all chunks (sizes the next chunk) */
};

static void *arena_oom(void *p) {
    if (!p) rt_oom();
    return p;
}

nltc_arena *nltc_arena_new(void) {
    return arena_oom(calloc(1, sizeof(nltc_arena)));
}

void nltc_arena_free(nltc_arena *a) {
    if (!a) return;
    for (arena_chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

void *nltc_arena_alloc(nltc_arena *a, size_t n) {
    const size_t align = sizeof(max_align_t);
    n = (n + align - 1) / align * align;
    arena_chunk *c = a->head;
    if (!c || c->cap - c->used < n) {
        size_t cap = a->total < 4096 ? 4096 : a->total;
        if (cap < n) cap = n;
        c = arena_oom(malloc(sizeof(arena_chunk) + cap));
        c->next = a->head;
        c->used = 0;
        c->cap = cap;
        a->head = c;
        a->total += cap;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return memset(p, 0, n);
}

char *nltc_arena_strndup(nltc_arena *a, const char *s, size_t n) {
    char *p = nltc_arena_alloc(a, n + 1);
    memcpy(p, s, n);
    return p;
}

char *nltc_arena_strdup(nltc_arena *a, const char *s) {
    return nltc_arena_strndup(a, s, strlen(s));
}

char *nltc_arena_printf(nltc_arena *a, const char *fmt, ...) {
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *p = nltc_arena_alloc(a, (size_t)(n < 0 ? 0 : n) + 1);
    if (n > 0) vsnprintf(p, (size_t)n + 1, fmt, ap2);
    va_end(ap2);
    return p;
}

void ptr_vec_push(nltc_arena *a, ptr_vec *pv, void *p) {
    if (pv->n == pv->cap) {
        int cap = pv->cap ? pv->cap * 2 : 8;
        void **v = nltc_arena_alloc(a, (size_t)cap * sizeof *v);
        if (pv->n) memcpy(v, pv->v, (size_t)pv->n * sizeof *v);
        pv->v = v;
        pv->cap = cap;
    }
    pv->v[pv->n++] = p;
}
