/* fmt_main.c - `nltc-fmt fmt ...`, the formatter alone (fmt_cmd without the driver), so
 * that the formatter tests do not depend on the rest of the compiler being linked. The
 * first argument is the subcommand name, as in `nltc fmt ...`. */
#include <stdio.h>
#include <string.h>

#include "fmt.h"

int main(int argc, char **argv) {
    if (argc < 2 || strcmp(argv[1], "fmt") != 0) {
        fputs("usage: nltc-fmt fmt [--write | --check] FILE...\n", stderr);
        return 2;
    }
    return fmt_cmd(argc - 1, argv + 1);
}
