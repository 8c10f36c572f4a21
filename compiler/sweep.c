/* sweep.c - the `sweep` block: its axes expanded to a grid (or N draws from it), its where
 * clauses evaluated per configuration. Configurations are overrides (override.c); the
 * driver compiles each one, so every check of the model file applies to it, located at
 * the value in the sweep block. */
#include "compiler.h"
#include "rt.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum { SW_MAX_GRID = 1000000 };

/* The canonical text of a path: "seed", "train.lr", "lut leaf.fanin". */
static const char *sw_path_text(nltc_arena *a, const ast_path *p) {
    if (!p->block.text) return p->key.text;
    if (!p->name.text) return nltc_arena_printf(a, "%s.%s", p->block.text, p->key.text);
    return nltc_arena_printf(a, "%s %s.%s", p->block.text, p->name.text, p->key.text);
}

/* A generated number located at `at` (an integer when integral is set). */
static ast_value *sw_number(nltc_arena *a, double x, bool integral, src_range at) {
    ast_value *v = nltc_arena_alloc(a, sizeof *v);
    v->kind = integral ? AV_INT : AV_REAL;
    v->at = at;
    v->u.num.i = integral ? (int64_t)llround(x) : 0;
    v->u.num.r = integral ? (double)v->u.num.i : x;
    return v;
}

/* The numeric argument i of call c, or reports and returns false. */
static bool sw_arg(fe_ctx *fe, const ast_value *c, int i, double *out, bool *integral) {
    const ast_value *v = c->u.call.args[i].value;
    if ((v->kind != AV_INT && v->kind != AV_REAL) || v->u.num.unit.present ||
        c->u.call.args[i].name.text) {
        fe_error(fe, v->at, "'%s' takes three numbers: %s(FIRST, LAST, COUNT)", c->u.call.fn.text,
                 c->u.call.fn.text);
        return false;
    }
    *out = v->u.num.r;
    if (integral) *integral = v->kind == AV_INT;
    return true;
}

/* The values of one axis into out (ast_value*); false after an error. */
static bool sw_values(fe_ctx *fe, const ast_item *ax, ptr_vec *out) {
    const ast_value *v = ax->u.axis.value;
    if (ax->u.axis.range) {
        const ast_value *lo = v->u.list.items[0], *hi = v->u.list.items[1];
        if (lo->kind != AV_INT || hi->kind != AV_INT || lo->u.num.unit.present ||
            hi->u.num.unit.present) {
            fe_error(fe, v->at, "a range 'FIRST..LAST' takes two integers");
            return false;
        }
        if (hi->u.num.i < lo->u.num.i || hi->u.num.i - lo->u.num.i >= SW_MAX_GRID) {
            fe_error(fe, v->at, "empty grid: the range %lld..%lld holds no value",
                     (long long)lo->u.num.i, (long long)hi->u.num.i);
            return false;
        }
        for (int64_t i = lo->u.num.i; i <= hi->u.num.i; i++)
            ptr_vec_push(fe->a, out, sw_number(fe->a, (double)i, true, v->at));
        return true;
    }
    const char *fn = v->kind == AV_CALL ? v->u.call.fn.text : "";
    bool logs = strcmp(fn, "logspace") == 0, lins = strcmp(fn, "linspace") == 0;
    if (logs || lins) {
        double a, b, n;
        bool ia = false, ib = false, in = false;
        if (v->u.call.n != 3) {
            fe_error(fe, v->at, "'%s' takes three numbers: %s(FIRST, LAST, COUNT)", fn, fn);
            return false;
        }
        if (!sw_arg(fe, v, 0, &a, &ia) || !sw_arg(fe, v, 1, &b, &ib) || !sw_arg(fe, v, 2, &n, &in))
            return false;
        if (!in || n < 1 || n > SW_MAX_GRID) {
            fe_error(fe, v->u.call.args[2].value->at,
                     n < 1 && in ? "empty grid: %s(..., %g) gives no value"
                                 : "%s: COUNT must be a whole number in 1..1000000, found %g",
                     fn, n);
            return false;
        }
        if (logs && (a <= 0 || b <= 0)) {
            fe_error(fe, v->at, "logspace needs FIRST and LAST above 0");
            return false;
        }
        for (int i = 0; i < (int)n; i++) {
            double t = n > 1 ? (double)i / (n - 1) : 0;
            double x = logs ? exp(log(a) + t * (log(b) - log(a))) : a + t * (b - a);
            bool integral = lins && ia && ib && x == floor(x);
            ptr_vec_push(fe->a, out, sw_number(fe->a, x, integral, v->at));
        }
        return true;
    }
    if (v->kind == AV_LIST) {
        if (v->u.list.n == 0) {
            fe_error(fe, v->at, "empty grid: '%s in []' gives no value",
                     sw_path_text(fe->a, &ax->u.axis.path));
            return false;
        }
        for (int i = 0; i < v->u.list.n; i++)
            ptr_vec_push(fe->a, out, v->u.list.items[i]);
        return true;
    }
    ptr_vec_push(fe->a, out, (void *)v); /* one value */
    return true;
}

/* A value as text for names and keys: its source text, %.10g when generated. */
static const char *sw_value_text(nltc_arena *a, const ast_value *v, const src_range *axis_at) {
    bool generated = v->at.begin == axis_at->begin && v->at.end == axis_at->end;
    if (generated && (v->kind == AV_INT || v->kind == AV_REAL))
        return v->kind == AV_INT ? nltc_arena_printf(a, "%lld", (long long)v->u.num.i)
                                 : nltc_arena_printf(a, "%.10g", v->u.num.r);
    return nltc_arena_strndup(a, v->at.file->text + v->at.begin, v->at.end - v->at.begin);
}

/* The folder-name part of a value: letters, digits, '.', '-' and '+' kept, blanks and the
 * '>' of '->' dropped, others '_'. */
static void sw_name_part(rt_buf *b, const char *text) {
    for (const char *t = text; *t; t++) {
        char c = *t;
        if (c == ' ' || (c == '>' && t > text && t[-1] == '-')) continue; /* leaf-node */
        bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '-' || c == '+';
        if (keep || (b->len && b->data[b->len - 1] != '_')) rt_buf_printf(b, "%c", keep ? c : '_');
    }
}

/* Fills configuration c (grid index idx) from the axes' values. */
static void sw_config(fe_ctx *fe, nltc_sweep *s, ptr_vec *vals, const ast_item **axes, int idx,
                      nltc_sweep_config *c) {
    c->index = idx;
    c->ov = nltc_arena_alloc(fe->a, (size_t)s->n_axes * sizeof *c->ov);
    c->num = nltc_arena_alloc(fe->a, (size_t)s->n_axes * sizeof *c->num);
    rt_buf name = {0}, key = {0};
    rt_buf_printf(&name, "%03d", idx + 1);
    int rest = idx;
    for (int k = s->n_axes - 1; k >= 0; k--) { /* the last axis varies fastest */
        const ast_value *v = vals[k].v[rest % vals[k].n];
        rest /= vals[k].n;
        c->ov[k] = (nltc_override){s->paths[k], axes[k]->u.axis.path.at, v, NULL};
        c->num[k] = v->kind == AV_INT || v->kind == AV_REAL ? v->u.num.r : NAN;
    }
    for (int k = 0; k < s->n_axes; k++) {
        const ast_path *p = &axes[k]->u.axis.path;
        const char *text = sw_value_text(fe->a, c->ov[k].value, &s->axis_at[k]);
        rt_buf_printf(&key, "%s%s=%s", k ? "; " : "", s->paths[k], text);
        if (vals[k].n == 1) continue; /* the same in every configuration: not in the name */
        rt_buf_puts(&name, "_");
        if (p->name.text) rt_buf_printf(&name, "%s.", p->name.text);
        rt_buf_printf(&name, "%s-", p->key.text);
        sw_name_part(&name, text);
    }
    c->name = nltc_arena_strdup(fe->a, name.data ? name.data : "");
    c->key = nltc_arena_strdup(fe->a, key.data ? key.data : "");
    free(name.data);
    free(key.data);
}

/* Expands the sweep block b into s; false after errors. */
static bool sw_expand(fe_ctx *fe, const ast_item *b, nltc_sweep *s) {
    const ast_item **axes = nltc_arena_alloc(fe->a, (size_t)(b->u.block.n + 1) * sizeof *axes);
    s->where = nltc_arena_alloc(fe->a, (size_t)(b->u.block.n + 1) * sizeof *s->where);
    for (int i = 0; i < b->u.block.n; i++) {
        const ast_item *it = b->u.block.items[i];
        if (it->kind == AI_AXIS) axes[s->n_axes++] = it;
        if (it->kind == AI_WHERE) s->where[s->n_where++] = it;
    }
    if (s->n_axes == 0) {
        fe_error(fe, s->at, "the sweep has no axis (write e.g. 'lut leaf.fanin in [3, 4, 6]')");
        return false;
    }
    s->paths = nltc_arena_alloc(fe->a, (size_t)s->n_axes * sizeof *s->paths);
    s->axis_at = nltc_arena_alloc(fe->a, (size_t)s->n_axes * sizeof *s->axis_at);
    ptr_vec *vals = nltc_arena_alloc(fe->a, (size_t)s->n_axes * sizeof *vals);
    double grid = 1;
    for (int k = 0; k < s->n_axes; k++) {
        s->paths[k] = sw_path_text(fe->a, &axes[k]->u.axis.path);
        s->axis_at[k] = axes[k]->u.axis.value->at;
        for (int j = 0; j < k; j++)
            if (strcmp(s->paths[j], s->paths[k]) == 0) {
                fe_error(fe, axes[k]->u.axis.path.at, "'%s' is swept twice", s->paths[k]);
                diag_note(&fe->d, axes[j]->u.axis.path.at, "first swept here");
            }
        if (!sw_values(fe, axes[k], &vals[k])) return false;
        grid *= vals[k].n;
    }
    if (fe->d.errors) return false;
    if (grid > SW_MAX_GRID) {
        fe_error(fe, s->at, "the grid holds %.0f configurations (at most %d)", grid, SW_MAX_GRID);
        return false;
    }
    s->n_grid = (int)grid;
    /* the block's properties (checked against the schema already) */
    const ast_item *draws = NULL, *seed = NULL, *luts = NULL, *lat = NULL;
    for (int i = 0; i < b->u.block.n; i++) {
        const ast_item *it = b->u.block.items[i];
        if (it->kind != AI_PROP) continue;
        kw_id k = it->u.prop.key.kw;
        if (k == KW_DRAWS) draws = it;
        if (k == KW_DRAW_SEED) seed = it;
        if (k == KW_MAX_LUTS) luts = it;
        if (k == KW_MAX_LATENCY) lat = it;
    }
    s->max_luts = luts ? (long)luts->u.prop.value->u.num.i : -1;
    s->max_latency = lat ? (long)lat->u.prop.value->u.num.i : -1;
    if (luts) s->max_luts_at = luts->at;
    if (lat) s->max_latency_at = lat->at;
    int n = draws ? (int)draws->u.prop.value->u.num.i : 0;
    if (draws && n == 0) {
        fe_error(fe, draws->u.prop.value->at, "empty grid: 'draws = 0' draws nothing");
        return false;
    }
    n = n > 0 && n < s->n_grid ? n : s->n_grid;
    int *pick = xmalloc((size_t)s->n_grid * sizeof *pick);
    if (n < s->n_grid) { /* n distinct draws, kept in grid order */
        rt_permute(pick, s->n_grid, seed ? (uint64_t)seed->u.prop.value->u.num.i : 1);
        int *mark = xcalloc((size_t)s->n_grid, sizeof *mark);
        for (int i = 0; i < n; i++)
            mark[pick[i]] = 1;
        for (int i = 0, j = 0; i < s->n_grid; i++)
            if (mark[i]) pick[j++] = i;
        free(mark);
    } else {
        for (int i = 0; i < n; i++)
            pick[i] = i;
    }
    s->n_configs = n;
    s->configs = nltc_arena_alloc(fe->a, (size_t)n * sizeof *s->configs);
    for (int i = 0; i < n; i++)
        sw_config(fe, s, vals, axes, pick[i], &s->configs[i]);
    free(pick);
    return true;
}

/* The start of the model file (for "no sweep block"). */
static src_range sw_file_start(fe_ctx *fe) {
    src_range r = {((fe_module *)fe->modules.v[0])->src, 0, 0};
    return r;
}

nltc_sweep *nltc_sweep_load(const char *path, const nltc_compile_opts *o, nltc_arena *a,
                            nltc_status *st) {
    static const nltc_compile_opts defaults = {0};
    fe_ctx fe = {.a = a, .o = o ? o : &defaults};
    fe.d.out = fe.o->quiet ? NULL : fe.o->diag ? fe.o->diag : stderr;
    nltc_sweep *s = NULL;
    const ast_item *b = NULL;
    bool read = fe_load(&fe, path, NULL, 0);
    if (read && !fe.d.errors) fe_declare(&fe);
    if (read && !fe.d.errors) b = fe_sweep_block(&fe);
    for (int i = 0; read && !fe.d.errors && i < fe.modules.n; i++)
        sv_check_file(&fe, ((fe_module *)fe.modules.v[i])->ast);
    if (read && !fe.d.errors && !b)
        fe_error(&fe, sw_file_start(&fe),
                 "%s has no sweep block (write: sweep { lut leaf.fanin in [3, 4, 6] })", path);
    if (b && !fe.d.errors) {
        s = nltc_arena_alloc(a, sizeof *s);
        s->file = path;
        s->at = b->u.block.kind.at;
        if (!sw_expand(&fe, b, s)) s = NULL;
    }
    if (st) *st = (nltc_status){fe.d.errors, fe.d.warnings, !read};
    return s;
}

/* ---- where clauses -------------------------------------------------------------------- */

typedef struct sw_env {
    const nltc_sweep *s;
    const nltc_sweep_config *c;
    const nltc_sweep_var *vars;
    int n_vars;
    diag_ctx *d;
} sw_env;

/* The value of x; false after an error (reported). */
static bool sw_eval(sw_env *env, const ast_expr *x, double *out) {
    if (!x->op && x->num) {
        *out = x->num->u.num.r;
        return true;
    }
    if (!x->op) {
        char name[256];
        const ast_path *p = &x->path;
        if (!p->block.text)
            snprintf(name, sizeof name, "%s", p->key.text);
        else if (!p->name.text)
            snprintf(name, sizeof name, "%s.%s", p->block.text, p->key.text);
        else
            snprintf(name, sizeof name, "%s %s.%s", p->block.text, p->name.text, p->key.text);
        for (int k = 0; k < env->s->n_axes; k++)
            if (strcmp(env->s->paths[k], name) == 0) {
                *out = env->c->num[k];
                if (!isnan(*out)) return true;
                diag_error(env->d, x->at, "'%s' is not a number here, found %s", name,
                           ast_value_desc(env->c->ov[k].value));
                return false;
            }
        for (int k = 0; k < env->n_vars; k++)
            if (strcmp(env->vars[k].name, name) == 0) {
                *out = env->vars[k].value;
                return true;
            }
        rt_buf known = {0};
        for (int k = 0; k < env->n_vars; k++)
            rt_buf_printf(&known, "%s%s", k ? ", " : "", env->vars[k].name);
        for (int k = 0; k < env->s->n_axes; k++)
            rt_buf_printf(&known, ", '%s'", env->s->paths[k]);
        diag_error(env->d, x->at, "unknown quantity '%s' (a where clause knows %s)", name,
                   known.data ? known.data : "nothing");
        free(known.data);
        return false;
    }
    double l, r;
    if (!sw_eval(env, x->l, &l) || !sw_eval(env, x->r, &r)) return false;
    switch (x->op) {
    case '+':
        *out = l + r;
        return true;
    case '*':
        *out = l * r;
        return true;
    case '/':
        if (r == 0) {
            diag_error(env->d, x->at, "division by zero");
            return false;
        }
        *out = l / r;
        return true;
    case '<':
        *out = l < r;
        return true;
    case '>':
        *out = l > r;
        return true;
    case 'l':
        *out = l <= r;
        return true;
    case 'g':
        *out = l >= r;
        return true;
    case '=':
        *out = l == r;
        return true;
    default:
        *out = l != r;
        return true;
    }
}

int nltc_sweep_where(const nltc_sweep *s, const ast_item *w, const nltc_sweep_config *c,
                     const nltc_sweep_var *vars, int n_vars, diag_ctx *d) {
    sw_env env = {s, c, vars, n_vars, d};
    double v;
    if (!sw_eval(&env, w->u.where, &v)) return -1;
    return v != 0;
}
