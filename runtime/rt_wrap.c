/* rt_wrap.c - output lines that stay under a width (rt.h: rt_write_wrapped): nltc's
 * summary, verification and hardware lines, and the help of its command lines. */
#include <stdio.h>
#include <string.h>

#include "rt.h"

void rt_write_wrapped(FILE *f, const char *text, int col, int indent, int width) {
    if (col + (int)strlen(text) < width) {
        fprintf(f, "%s\n", text);
        return;
    }
    size_t lead = strspn(text, " "); /* a leading indentation is kept */
    fwrite(text, 1, lead, f);
    text += lead;
    col += (int)lead;
    int start = col;
    while (*text) {
        size_t n = strcspn(text, " ");
        if (col > start && col + 1 + (int)n >= width) {
            fprintf(f, "\n%*s", indent, "");
            col = start = indent;
        } else if (col > start) {
            fputc(' ', f);
            col++;
        }
        fwrite(text, 1, n, f);
        col += (int)n;
        text += n;
        while (*text == ' ')
            text++;
    }
    fputc('\n', f);
}
