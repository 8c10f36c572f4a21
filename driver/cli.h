/* cli.h - the one command-line parser of nltc and every subcommand, driven by a table.
 *
 * A command describes its options in a table of cli_opt and its positional arguments in
 * a cli_spec; cli_parse fills the destinations the table points at. Conventions, the same
 * for every command:
 *   --name VALUE and --name=VALUE    long options with a value
 *   -o DIR and -oDIR                 short options with a value
 *   --flag, -w                       flags (a value given to a flag is an error)
 *   repeatable options (CLI_LIST)    every occurrence is kept, in order
 *   numbers (CLI_NUMBER)             decimal, checked against [min, max]
 *   --                               ends the options: what follows is positional
 *   -h, --help                       prints the help generated from the table (exit 0)
 * Options and positional arguments may be mixed. A repeated single-valued option keeps
 * its last value. Every mistake is a usage error (RT_ERR_USAGE, exit code 2) whose
 * message names the option ("--threads expects a number from 0 to 1024, found 'x'").
 */
#ifndef NLTC_CLI_H
#define NLTC_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "rt.h"

/* What an option takes, and what its dest points at. */
typedef enum cli_kind {
    CLI_FLAG,   /* no value; dest: bool, set to true */
    CLI_STRING, /* one value; dest: const char *, pointing into argv */
    CLI_LIST,   /* one value per occurrence, repeatable; dest: cli_list */
    CLI_NUMBER, /* a decimal integer in [min, max]; dest: uint64_t */
    CLI_CHOICE, /* one of choices[]; dest: int, the index of the choice */
} cli_kind;

/* The values of a repeatable option, in the order given. Zero-initialize; cli_list_free. */
typedef struct cli_list {
    const char **items; /* [n] values (pointing into argv) */
    size_t n, cap;      /* used / allocated */
} cli_list;
void cli_list_free(cli_list *l);

/* One option. At least one of short_name and long_name is set. */
typedef struct cli_opt {
    char short_name;            /* 'o' for -o, or 0 */
    const char *long_name;      /* "threads" for --threads, or NULL */
    cli_kind kind;              /* what it takes */
    const char *meta;           /* the value's name in help ("DIR", "N"); NULL for flags */
    void *dest;                 /* where the value goes (see cli_kind) */
    const char *help;           /* one line for --help */
    uint64_t min, max;          /* CLI_NUMBER: the accepted range */
    const char *const *choices; /* CLI_CHOICE: NULL-terminated names */
    bool required;              /* the command needs it ("missing -o DIR") */
    bool *given;                /* if not NULL: set to true when the option appears */
} cli_opt;

/* One command: its name, its positional arguments and its options. */
typedef struct cli_spec {
    const char *prog;         /* "nltc" or "nltc runs": in usage lines and messages */
    const char *args;         /* positional arguments in the usage line: "RUN", "FILE..." */
    int min_args, max_args;   /* how many positional arguments; max_args < 0: no limit */
    const char *const *usage; /* NULL-terminated usage lines replacing the generated one */
    const char *about;        /* text after the usage line (lines end with \n), or NULL */
    const cli_opt *opts;      /* [n_opts] */
    int n_opts;               /* number of options */
    void (*epilog)(FILE *f);  /* prints more help after the options, or NULL */
} cli_spec;

/* What cli_parse leaves besides the option destinations. */
typedef struct cli_result {
    const char **args; /* [n_args] positional arguments, pointing into argv (malloc'd array) */
    int n_args;        /* number of positional arguments */
    bool help;         /* -h or --help was given: the help went to stdout, nothing else was
                          checked; the command should stop with RT_OK */
} cli_result;

/* Parses argv[1..argc) (argv[0] is the command's name) against s. Returns RT_OK, or
 * RT_ERR_USAGE with e naming the mistake and pointing at "PROG --help". Free r with
 * cli_result_free either way. */
rt_status cli_parse(const cli_spec *s, int argc, char **argv, cli_result *r, rt_error *e);
void cli_result_free(cli_result *r);

/* Prints the help of s: the usage line(s), the about text, every option with its help
 * line (and -h, --help), and the epilog. */
void cli_help(FILE *f, const cli_spec *s);

/* Prints printf(fmt, ...) to f and a newline, wrapped at spaces before column 100
 * (rt_write_wrapped); continuation lines are indented by indent spaces. For the summary
 * lines of the flow. */
void cli_printf_wrapped(FILE *f, int indent, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Fills e with a usage error of command s ("runs: MSG (see nltc runs --help)") and
 * returns RT_ERR_USAGE; for checks a command makes after cli_parse. */
rt_status cli_usage_error(const cli_spec *s, rt_error *e, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

#endif /* NLTC_CLI_H */
