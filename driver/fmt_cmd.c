/* fmt_cmd.c - `nltc fmt [--write | --check] FILE...`: the command line of the formatter
 * (compiler/fmt.c holds the formatter itself, fmt_source).
 *
 * FILE "-" is standard input, formatted to standard output (format-on-save in an editor).
 * Without an option prints the formatted FILE (one file) to stdout; --write (-w) rewrites
 * each changed FILE in place atomically; --check lists the files that are not formatted.
 * Statuses: RT_ERR_MODEL for syntax errors (diagnostics printed) or, with --check,
 * unformatted files; RT_ERR_IO for files that cannot be read or written and for a failed
 * self-check of the formatter; RT_ERR_USAGE for the command line. Every file is tried; the
 * worst status wins. */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "compiler.h"
#include "driver.h"
#include "fmt.h"

/* Replaces path with text atomically: temporary file beside it, same mode, rename. A
 * symbolic link is followed, so the file it names is replaced, not the link. */
static rt_status fmt_write(const char *link, const char *text, size_t len, rt_error *e) {
    char *real = realpath(link, NULL);
    const char *path = real ? real : link;
    rt_afile a;
    rt_status st = RT_OK;
    if (rt_afile_open(&a, path) != 0) {
        st = rt_fail(e, RT_ERR_IO, "cannot create a temporary file beside %s: %s", path,
                     strerror(a.err));
    } else {
        struct stat sb;
        if (stat(path, &sb) == 0) fchmod(fileno(a.f), sb.st_mode & 07777);
        fwrite(text, 1, len, a.f);
        if (rt_afile_commit(&a) != 0)
            st = rt_fail(e, RT_ERR_IO, "cannot write %s: %s", path, strerror(a.err));
    }
    rt_afile_free(&a);
    free(real);
    return st;
}

/* Reads standard input whole into the arena, as the source "<stdin>"; NULL with errno set
 * when it cannot be read. */
static src_file *fmt_read_stdin(nltc_arena *a) {
    rt_buf b = {0};
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof chunk, stdin)) > 0)
        rt_buf_put(&b, chunk, n);
    int err = ferror(stdin);
    src_file *s = NULL;
    if (!err) {
        char *text = nltc_arena_alloc(a, b.len + 1);
        if (b.len) memcpy(text, b.data, b.len);
        text[b.len] = '\0';
        s = nltc_arena_alloc(a, sizeof *s);
        s->path = "<stdin>";
        s->text = text;
        s->len = b.len;
    }
    rt_buf_free(&b);
    if (err) errno = EIO;
    return s;
}

/* How bad a status is, for keeping the worst one over several files. */
static int fmt_rank(rt_status st) {
    return st == RT_OK ? 0 : st == RT_ERR_MODEL ? 1 : 2;
}

/* Formats one file as the mode asks; *unformatted counts --check's findings. Problems
 * other than syntax errors (printed by the front end) are printed here at once, so that
 * every file is reported. */
static rt_status fmt_one(const char *file, bool write, bool check, int *unformatted) {
    nltc_arena *a = nltc_arena_new();
    bool in = strcmp(file, "-") == 0;
    src_file *src = in ? fmt_read_stdin(a) : nltc_read_source(a, file);
    rt_error e = {0};
    rt_status st = RT_OK;
    if (!src) {
        st = rt_fail(&e, RT_ERR_IO, "cannot read '%s': %s", in ? "<stdin>" : file, strerror(errno));
        driver_print_error(NULL, &e);
        nltc_arena_free(a);
        return st;
    }
    diag_ctx d = {.out = stderr};
    char *text;
    size_t len;
    fmt_status s = fmt_source(a, src, &d, &text, &len);
    bool same = s == FMT_OK && len == src->len && memcmp(text, src->text, len) == 0;
    if (s != FMT_OK) {
        st = s == FMT_INTERNAL ? RT_ERR_IO : RT_ERR_MODEL; /* both already reported */
    } else if (check) {
        if (!same) {
            printf("%s\n", src->path);
            ++*unformatted;
        }
    } else if (write) {
        if (!same && (st = fmt_write(src->path, text, len, &e)) != RT_OK)
            driver_print_error(NULL, &e);
    } else {
        fwrite(text, 1, len, stdout);
        if (fflush(stdout) != 0) {
            st = rt_fail(&e, RT_ERR_IO, "cannot write the formatted text: %s", strerror(errno));
            driver_print_error(NULL, &e);
        }
    }
    nltc_arena_free(a);
    return st;
}

rt_status driver_cmd_fmt(int argc, char **argv, rt_error *e) {
    bool write = false, check = false;
    const cli_opt opts[] = {
        {'w', "write", CLI_FLAG, NULL, &write, "rewrite each FILE in place (only when it changes)",
         0, 0, NULL, false, NULL},
        {0, "check", CLI_FLAG, NULL, &check, "list the FILEs that are not formatted; exit 1 if any",
         0, 0, NULL, false, NULL},
    };
    static const char *const usage[] = {"nltc fmt [--write | --check] FILE...",
                                        "nltc fmt -    (standard input to standard output)", NULL};
    const cli_spec spec = {"nltc fmt",
                           "FILE...",
                           1,
                           -1,
                           usage,
                           "Prints FILE in the canonical layout (one FILE), or with --write\n"
                           "or --check handles every FILE. Comments are kept; the result is\n"
                           "checked to parse to the same model.\n",
                           opts,
                           (int)(sizeof opts / sizeof opts[0]),
                           NULL};
    cli_result r;
    rt_status st = cli_parse(&spec, argc, argv, &r, e);
    for (int i = 0; st == RT_OK && !r.help && i < r.n_args; i++)
        if (strcmp(r.args[i], "-") == 0 && (write || r.n_args > 1))
            st = cli_usage_error(&spec, e, "'-' (standard input) is formatted alone, to stdout%s",
                                 write ? " (not with --write)" : "");
    if (st == RT_OK && !r.help && write && check)
        st = cli_usage_error(&spec, e, "--write and --check cannot be combined");
    if (st == RT_OK && !r.help && !write && !check && r.n_args > 1)
        st = cli_usage_error(&spec, e, "%d files given: use --write or --check for more than one",
                             r.n_args);
    if (st != RT_OK || r.help) {
        cli_result_free(&r);
        return st;
    }
    int unformatted = 0;
    for (int i = 0; i < r.n_args; i++) {
        rt_status one = fmt_one(r.args[i], write, check, &unformatted);
        if (fmt_rank(one) > fmt_rank(st)) st = one;
    }
    cli_result_free(&r);
    if (st == RT_OK && unformatted)
        return rt_fail(e, RT_ERR_MODEL, "fmt: %d file%s not formatted (nltc fmt --write formats)",
                       unformatted, unformatted == 1 ? " is" : "s are");
    if (st != RT_OK) { /* every problem is printed already */
        e->status = st;
        e->prop[0] = e->msg[0] = '\0';
    }
    return st;
}
