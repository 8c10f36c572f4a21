/* names.c - the names generated code is made of: be_ident (a model name as the C and
 * Verilog identifier of the generated modules, functions and files), the words it must
 * avoid, and the checks of the names a model writes (be_check_names, at --check time).
 *
 * The rule (runtime/backend/README.md, "Names"): a model name longer than BE_NAME_MAX
 * characters is refused; otherwise its identifier is the name with every character that
 * is no letter, digit or '_' made '_', "m_" put before a leading digit or '_', and "_m"
 * appended while it is a reserved word: a keyword of Verilog-2005 (IEEE 1364-2005
 * Annex B), SystemVerilog (IEEE 1800-2017 Annex B) or C11, a name the generated RTL, test
 * bench or C simulator declares (ports, wires, registers, instances, functions,
 * variables), or a libc name the C simulator uses. A clock or reset port name is no
 * identifier that is renamed: one that is reserved is an error at its property. */
#include "backend.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

enum {
    BE_N_V2005 = 1, /* Verilog-2005 keyword */
    BE_N_SV = 2,    /* SystemVerilog-2017 keyword */
    BE_N_C11 = 4,   /* C11 keyword */
    BE_N_TOP = 8,   /* a data port of the generated top module */
    BE_N_RTL = 16,  /* declared by the generated RTL (table modules) or its test bench */
    BE_N_CSIM = 32  /* declared by the generated C simulator, or a libc name it uses */
};

/* Every reserved word, in strcmp order (binary search). */
static const struct {
    const char *word;
    int kind;
} reserved[] = {
    {"EOF", BE_N_CSIM},
    {"FILE", BE_N_CSIM},
    {"IW", BE_N_RTL | BE_N_CSIM},
    {"LANES", BE_N_CSIM},
    {"LAT", BE_N_RTL},
    {"M", BE_N_CSIM},
    {"N", BE_N_RTL},
    {"NULL", BE_N_CSIM},
    {"OW", BE_N_RTL | BE_N_CSIM},
    {"_Alignas", BE_N_C11},
    {"_Alignof", BE_N_C11},
    {"_Atomic", BE_N_C11},
    {"_Bool", BE_N_C11},
    {"_Complex", BE_N_C11},
    {"_Generic", BE_N_C11},
    {"_Imaginary", BE_N_C11},
    {"_Noreturn", BE_N_C11},
    {"_Static_assert", BE_N_C11},
    {"_Thread_local", BE_N_C11},
    {"a", BE_N_RTL},
    {"accept_on", BE_N_SV},
    {"alias", BE_N_SV},
    {"always", BE_N_V2005 | BE_N_SV},
    {"always_comb", BE_N_SV},
    {"always_ff", BE_N_SV},
    {"always_latch", BE_N_SV},
    {"and", BE_N_V2005 | BE_N_SV},
    {"assert", BE_N_SV},
    {"assign", BE_N_V2005 | BE_N_SV},
    {"assume", BE_N_SV},
    {"atol", BE_N_CSIM},
    {"auto", BE_N_C11},
    {"automatic", BE_N_V2005 | BE_N_SV},
    {"before", BE_N_SV},
    {"begin", BE_N_V2005 | BE_N_SV},
    {"bind", BE_N_SV},
    {"bins", BE_N_SV},
    {"binsof", BE_N_SV},
    {"bit", BE_N_SV},
    {"break", BE_N_SV | BE_N_C11},
    {"buf", BE_N_V2005 | BE_N_SV},
    {"bufif0", BE_N_V2005 | BE_N_SV},
    {"bufif1", BE_N_V2005 | BE_N_SV},
    {"byte", BE_N_SV},
    {"calloc", BE_N_CSIM},
    {"case", BE_N_V2005 | BE_N_SV | BE_N_C11},
    {"casex", BE_N_V2005 | BE_N_SV},
    {"casez", BE_N_V2005 | BE_N_SV},
    {"cell", BE_N_V2005 | BE_N_SV},
    {"chandle", BE_N_SV},
    {"char", BE_N_C11},
    {"checker", BE_N_SV},
    {"class", BE_N_SV},
    {"clk", BE_N_RTL},
    {"clocking", BE_N_SV},
    {"cmos", BE_N_V2005 | BE_N_SV},
    {"config", BE_N_V2005 | BE_N_SV},
    {"const", BE_N_SV | BE_N_C11},
    {"constraint", BE_N_SV},
    {"context", BE_N_SV},
    {"continue", BE_N_SV | BE_N_C11},
    {"cover", BE_N_SV},
    {"covergroup", BE_N_SV},
    {"coverpoint", BE_N_SV},
    {"cross", BE_N_SV},
    {"cycle", BE_N_RTL},
    {"deassign", BE_N_V2005 | BE_N_SV},
    {"default", BE_N_V2005 | BE_N_SV | BE_N_C11},
    {"defparam", BE_N_V2005 | BE_N_SV},
    {"design", BE_N_V2005 | BE_N_SV},
    {"disable", BE_N_V2005 | BE_N_SV},
    {"dist", BE_N_SV},
    {"do", BE_N_SV | BE_N_C11},
    {"double", BE_N_C11},
    {"dut", BE_N_RTL},
    {"edge", BE_N_V2005 | BE_N_SV},
    {"else", BE_N_V2005 | BE_N_SV | BE_N_C11},
    {"enc", BE_N_TOP},
    {"end", BE_N_V2005 | BE_N_SV},
    {"endcase", BE_N_V2005 | BE_N_SV},
    {"endchecker", BE_N_SV},
    {"endclass", BE_N_SV},
    {"endclocking", BE_N_SV},
    {"endconfig", BE_N_V2005 | BE_N_SV},
    {"endfunction", BE_N_V2005 | BE_N_SV},
    {"endgenerate", BE_N_V2005 | BE_N_SV},
    {"endgroup", BE_N_SV},
    {"endinterface", BE_N_SV},
    {"endmodule", BE_N_V2005 | BE_N_SV},
    {"endpackage", BE_N_SV},
    {"endprimitive", BE_N_V2005 | BE_N_SV},
    {"endprogram", BE_N_SV},
    {"endproperty", BE_N_SV},
    {"endsequence", BE_N_SV},
    {"endspecify", BE_N_V2005 | BE_N_SV},
    {"endtable", BE_N_V2005 | BE_N_SV},
    {"endtask", BE_N_V2005 | BE_N_SV},
    {"enum", BE_N_SV | BE_N_C11},
    {"event", BE_N_V2005 | BE_N_SV},
    {"eventually", BE_N_SV},
    {"exit", BE_N_CSIM},
    {"expect", BE_N_SV},
    {"export", BE_N_SV},
    {"extends", BE_N_SV},
    {"extern", BE_N_SV | BE_N_C11},
    {"fclose", BE_N_CSIM},
    {"final", BE_N_SV},
    {"first", BE_N_RTL},
    {"first_match", BE_N_SV},
    {"fl", BE_N_RTL},
    {"float", BE_N_C11},
    {"fo", BE_N_RTL},
    {"fopen", BE_N_CSIM},
    {"for", BE_N_V2005 | BE_N_SV | BE_N_C11},
    {"force", BE_N_V2005 | BE_N_SV},
    {"foreach", BE_N_SV},
    {"forever", BE_N_V2005 | BE_N_SV},
    {"fork", BE_N_V2005 | BE_N_SV},
    {"forkjoin", BE_N_SV},
    {"fprintf", BE_N_CSIM},
    {"fputs", BE_N_CSIM},
    {"free", BE_N_CSIM},
    {"function", BE_N_V2005 | BE_N_SV},
    {"generate", BE_N_V2005 | BE_N_SV},
    {"genvar", BE_N_V2005 | BE_N_SV},
    {"get_bits", BE_N_CSIM},
    {"getc", BE_N_CSIM},
    {"global", BE_N_SV},
    {"goto", BE_N_C11},
    {"highz0", BE_N_V2005 | BE_N_SV},
    {"highz1", BE_N_V2005 | BE_N_SV},
    {"if", BE_N_V2005 | BE_N_SV | BE_N_C11},
    {"iff", BE_N_SV},
    {"ifnone", BE_N_V2005 | BE_N_SV},
    {"ignore_bins", BE_N_SV},
    {"illegal_bins", BE_N_SV},
    {"implements", BE_N_SV},
    {"implies", BE_N_SV},
    {"import", BE_N_SV},
    {"in_cycle", BE_N_RTL},
    {"in_data", BE_N_TOP},
    {"in_valid", BE_N_TOP},
    {"incdir", BE_N_V2005 | BE_N_SV},
    {"include", BE_N_V2005 | BE_N_SV},
    {"initial", BE_N_V2005 | BE_N_SV},
    {"inline", BE_N_C11},
    {"inout", BE_N_V2005 | BE_N_SV},
    {"input", BE_N_V2005 | BE_N_SV},
    {"inside", BE_N_SV},
    {"instance", BE_N_V2005 | BE_N_SV},
    {"int", BE_N_SV | BE_N_C11},
    {"integer", BE_N_V2005 | BE_N_SV},
    {"interconnect", BE_N_SV},
    {"interface", BE_N_SV},
    {"intersect", BE_N_SV},
    {"join", BE_N_V2005 | BE_N_SV},
    {"join_any", BE_N_SV},
    {"join_none", BE_N_SV},
    {"large", BE_N_V2005 | BE_N_SV},
    {"lat_err", BE_N_RTL},
    {"layer", BE_N_CSIM},
    {"layer_bits", BE_N_CSIM},
    {"layers", BE_N_CSIM},
    {"let", BE_N_SV},
    {"lfile", BE_N_RTL},
    {"liblist", BE_N_V2005 | BE_N_SV},
    {"library", BE_N_V2005 | BE_N_SV},
    {"load4", BE_N_CSIM},
    {"local", BE_N_SV},
    {"localparam", BE_N_V2005 | BE_N_SV},
    {"logic", BE_N_SV},
    {"long", BE_N_C11},
    {"longint", BE_N_SV},
    {"macromodule", BE_N_V2005 | BE_N_SV},
    {"main", BE_N_CSIM},
    {"malloc", BE_N_CSIM},
    {"matches", BE_N_SV},
    {"meas", BE_N_RTL},
    {"medium", BE_N_V2005 | BE_N_SV},
    {"memcmp", BE_N_CSIM},
    {"memcpy", BE_N_CSIM},
    {"memset", BE_N_CSIM},
    {"mism", BE_N_RTL},
    {"modport", BE_N_SV},
    {"module", BE_N_V2005 | BE_N_SV},
    {"nand", BE_N_V2005 | BE_N_SV},
    {"negedge", BE_N_V2005 | BE_N_SV},
    {"nettype", BE_N_SV},
    {"new", BE_N_SV},
    {"nexttime", BE_N_SV},
    {"nin", BE_N_RTL},
    {"nmos", BE_N_V2005 | BE_N_SV},
    {"nor", BE_N_V2005 | BE_N_SV},
    {"noshowcancelled", BE_N_V2005 | BE_N_SV},
    {"not", BE_N_V2005 | BE_N_SV},
    {"notif0", BE_N_V2005 | BE_N_SV},
    {"notif1", BE_N_V2005 | BE_N_SV},
    {"nout", BE_N_RTL},
    {"null", BE_N_SV},
    {"o", BE_N_RTL},
    {"ofile", BE_N_RTL},
    {"or", BE_N_V2005 | BE_N_SV},
    {"out_data", BE_N_TOP},
    {"out_valid", BE_N_TOP},
    {"output", BE_N_V2005 | BE_N_SV},
    {"package", BE_N_SV},
    {"packed", BE_N_SV},
    {"parameter", BE_N_V2005 | BE_N_SV},
    {"perror", BE_N_CSIM},
    {"pmos", BE_N_V2005 | BE_N_SV},
    {"posedge", BE_N_V2005 | BE_N_SV},
    {"primitive", BE_N_V2005 | BE_N_SV},
    {"print_codes", BE_N_CSIM},
    {"priority", BE_N_SV},
    {"probe", BE_N_CSIM},
    {"program", BE_N_SV},
    {"property", BE_N_SV},
    {"protected", BE_N_SV},
    {"pull0", BE_N_V2005 | BE_N_SV},
    {"pull1", BE_N_V2005 | BE_N_SV},
    {"pulldown", BE_N_V2005 | BE_N_SV},
    {"pullup", BE_N_V2005 | BE_N_SV},
    {"pulsestyle_ondetect", BE_N_V2005 | BE_N_SV},
    {"pulsestyle_onevent", BE_N_V2005 | BE_N_SV},
    {"pure", BE_N_SV},
    {"put_bits", BE_N_CSIM},
    {"putchar", BE_N_CSIM},
    {"rand", BE_N_SV},
    {"randc", BE_N_SV},
    {"randcase", BE_N_SV},
    {"randsequence", BE_N_SV},
    {"rcmos", BE_N_V2005 | BE_N_SV},
    {"read_hex", BE_N_CSIM},
    {"real", BE_N_V2005 | BE_N_SV},
    {"realloc", BE_N_CSIM},
    {"realtime", BE_N_V2005 | BE_N_SV},
    {"ref", BE_N_SV},
    {"reg", BE_N_V2005 | BE_N_SV},
    {"register", BE_N_C11},
    {"reject_on", BE_N_SV},
    {"release", BE_N_V2005 | BE_N_SV},
    {"repeat", BE_N_V2005 | BE_N_SV},
    {"restrict", BE_N_SV | BE_N_C11},
    {"return", BE_N_SV | BE_N_C11},
    {"rh", BE_N_TOP},
    {"rnmos", BE_N_V2005 | BE_N_SV},
    {"rpmos", BE_N_V2005 | BE_N_SV},
    {"rst", BE_N_RTL},
    {"rtran", BE_N_V2005 | BE_N_SV},
    {"rtranif0", BE_N_V2005 | BE_N_SV},
    {"rtranif1", BE_N_V2005 | BE_N_SV},
    {"run_layer", BE_N_CSIM},
    {"run_sliced", BE_N_CSIM},
    {"s_always", BE_N_SV},
    {"s_eventually", BE_N_SV},
    {"s_nexttime", BE_N_SV},
    {"s_until", BE_N_SV},
    {"s_until_with", BE_N_SV},
    {"scalared", BE_N_V2005 | BE_N_SV},
    {"score", BE_N_TOP},
    {"sequence", BE_N_SV},
    {"short", BE_N_C11},
    {"shortint", BE_N_SV},
    {"shortreal", BE_N_SV},
    {"showcancelled", BE_N_V2005 | BE_N_SV},
    {"signed", BE_N_V2005 | BE_N_SV | BE_N_C11},
    {"size_t", BE_N_CSIM},
    {"sizeof", BE_N_C11},
    {"small", BE_N_V2005 | BE_N_SV},
    {"soft", BE_N_SV},
    {"solve", BE_N_SV},
    {"specify", BE_N_V2005 | BE_N_SV},
    {"specparam", BE_N_V2005 | BE_N_SV},
    {"static", BE_N_SV | BE_N_C11},
    {"stderr", BE_N_CSIM},
    {"stdin", BE_N_CSIM},
    {"stdout", BE_N_CSIM},
    {"strcmp", BE_N_CSIM},
    {"string", BE_N_SV},
    {"strong", BE_N_SV},
    {"strong0", BE_N_V2005 | BE_N_SV},
    {"strong1", BE_N_V2005 | BE_N_SV},
    {"struct", BE_N_SV | BE_N_C11},
    {"super", BE_N_SV},
    {"supply0", BE_N_V2005 | BE_N_SV},
    {"supply1", BE_N_V2005 | BE_N_SV},
    {"switch", BE_N_C11},
    {"sync_accept_on", BE_N_SV},
    {"sync_reject_on", BE_N_SV},
    {"table", BE_N_V2005 | BE_N_SV},
    {"tagged", BE_N_SV},
    {"task", BE_N_V2005 | BE_N_SV},
    {"this", BE_N_SV},
    {"throughout", BE_N_SV},
    {"time", BE_N_V2005 | BE_N_SV},
    {"timeprecision", BE_N_SV},
    {"timeunit", BE_N_SV},
    {"to_planes", BE_N_CSIM},
    {"tran", BE_N_V2005 | BE_N_SV},
    {"tranif0", BE_N_V2005 | BE_N_SV},
    {"tranif1", BE_N_V2005 | BE_N_SV},
    {"tri", BE_N_V2005 | BE_N_SV},
    {"tri0", BE_N_V2005 | BE_N_SV},
    {"tri1", BE_N_V2005 | BE_N_SV},
    {"triand", BE_N_V2005 | BE_N_SV},
    {"trior", BE_N_V2005 | BE_N_SV},
    {"trireg", BE_N_V2005 | BE_N_SV},
    {"type", BE_N_SV},
    {"typedef", BE_N_SV | BE_N_C11},
    {"u_enc", BE_N_TOP},
    {"u_head", BE_N_TOP},
    {"uint16_t", BE_N_CSIM},
    {"uint32_t", BE_N_CSIM},
    {"uint64_t", BE_N_CSIM},
    {"uint8_t", BE_N_CSIM},
    {"union", BE_N_SV | BE_N_C11},
    {"unique", BE_N_SV},
    {"unique0", BE_N_SV},
    {"unsigned", BE_N_V2005 | BE_N_SV | BE_N_C11},
    {"until", BE_N_SV},
    {"until_with", BE_N_SV},
    {"untyped", BE_N_SV},
    {"use", BE_N_V2005 | BE_N_SV},
    {"uwire", BE_N_V2005 | BE_N_SV},
    {"var", BE_N_SV},
    {"vec", BE_N_RTL},
    {"vectored", BE_N_V2005 | BE_N_SV},
    {"vfile", BE_N_RTL},
    {"vh", BE_N_TOP},
    {"virtual", BE_N_SV},
    {"void", BE_N_SV | BE_N_C11},
    {"volatile", BE_N_C11},
    {"w", BE_N_RTL},
    {"wait", BE_N_V2005 | BE_N_SV},
    {"wait_order", BE_N_SV},
    {"wand", BE_N_V2005 | BE_N_SV},
    {"weak", BE_N_SV},
    {"weak0", BE_N_V2005 | BE_N_SV},
    {"weak1", BE_N_V2005 | BE_N_SV},
    {"while", BE_N_V2005 | BE_N_SV | BE_N_C11},
    {"wildcard", BE_N_SV},
    {"wire", BE_N_V2005 | BE_N_SV},
    {"with", BE_N_SV},
    {"within", BE_N_SV},
    {"wor", BE_N_V2005 | BE_N_SV},
    {"xnor", BE_N_V2005 | BE_N_SV},
    {"xor", BE_N_V2005 | BE_N_SV},
};

static int reserved_kind(const char *s) {
    size_t lo = 0, hi = sizeof reserved / sizeof reserved[0];
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(s, reserved[mid].word);
        if (c == 0) return reserved[mid].kind;
        if (c < 0)
            hi = mid;
        else
            lo = mid + 1;
    }
    return 0;
}

/* Whether s is prefix followed by one or more digits (and nothing else). */
static bool numbered(const char *s, const char *prefix) {
    size_t n = strlen(prefix);
    if (strncmp(s, prefix, n) != 0 || !s[n]) return false;
    for (s += n; *s; s++)
        if (!isdigit((unsigned char)*s)) return false;
    return true;
}

bool be_verilog_keyword(const char *s) {
    return (reserved_kind(s) & (BE_N_V2005 | BE_N_SV)) != 0;
}

/* Whether s is u<k>_<j>, l<k>, r<k> or v<k>: instances, layers, registers and valid bits
 * of the generated top module. */
static bool top_pattern(const char *s) {
    const char *u = s[0] == 'u' ? strchr(s, '_') : NULL;
    if (u && (size_t)(u - s) < 32) {
        char head[32];
        memcpy(head, s, (size_t)(u - s));
        head[u - s] = '\0';
        if (numbered(head, "u") && numbered(u, "_")) return true;
    }
    return numbered(s, "l") || numbered(s, "r") || numbered(s, "v");
}

/* Why a Verilog name s cannot be used, as a keyword or a name of the top module. */
static const char *verilog_why(const char *s, int k) {
    if (k & BE_N_V2005) return "is a Verilog keyword";
    if (k & BE_N_SV) return "is a SystemVerilog keyword";
    if (k & BE_N_TOP) return "is a data port of the generated design";
    if (top_pattern(s))
        return "is taken by the generated design (l<k>, r<k>, v<k> and u<k>_<j> name its "
               "layers, registers and table instances)";
    return NULL;
}

const char *be_reserved_why(const char *s) {
    int k = reserved_kind(s);
    const char *why = verilog_why(s, k);
    if (why) return why;
    if (k & BE_N_C11) return "is a C keyword";
    if (k & BE_N_RTL) return "is a name the generated RTL or its test bench declares";
    if ((k & BE_N_CSIM) || numbered(s, "wire") || numbered(s, "table") || numbered(s, "slice"))
        return "is a name the generated C simulator declares or uses";
    return NULL;
}

char *be_ident(const char *model) {
    size_t n = strlen(model);
    char *s = xmalloc(n + 3 + 2 * 8 + 1);
    size_t j = 0;
    if (n == 0 || isdigit((unsigned char)model[0]) || model[0] == '_') s[j++] = 'm', s[j++] = '_';
    for (size_t i = 0; i < n; i++)
        s[j++] = isalnum((unsigned char)model[i]) ? model[i] : '_';
    s[j] = '\0';
    /* "x_m" is reserved for no x; the loop only makes that certain */
    for (int k = 0; k < 8 && be_reserved_why(s); k++)
        strcat(s, "_m");
    return s;
}

rt_status be_check_port_names(const be_plan *p, rt_error *e) {
    static const char *const what[2] = {"clock", "reset"};
    static const char *const prop[2] = {"hardware.clock", "hardware.reset"};
    const char *name[2] = {p->clock, p->reset};
    for (int i = 0; i < 2; i++) {
        const char *s = name[i], *why = NULL;
        bool ident = isalpha((unsigned char)s[0]) || s[0] == '_';
        for (const char *c = s; *c && ident; c++)
            ident = isalnum((unsigned char)*c) || *c == '_';
        if (!ident)
            why = "is not a Verilog identifier (letters, digits and '_', not starting with a "
                  "digit)";
        else if (strlen(s) > BE_NAME_MAX)
            return rt_fail_prop(e, RT_ERR_MODEL, prop[i],
                                "%s port name \"%.20s...\" is %zu characters long: at most %d",
                                what[i], s, strlen(s), BE_NAME_MAX);
        else if (!(why = verilog_why(s, reserved_kind(s))) && strcmp(s, p->ident) == 0)
            why = "is the name of the generated top module (the model's name)";
        if (why)
            return rt_fail_prop(e, RT_ERR_MODEL, prop[i], "%s port name \"%s\" %s", what[i], s,
                                why);
    }
    if (strcmp(p->clock, p->reset) == 0)
        return rt_fail_prop(e, RT_ERR_MODEL, "hardware.reset",
                            "the clock and reset ports are both named \"%s\"", p->reset);
    return RT_OK;
}

rt_status be_check_model_name(const char *model, rt_error *e) {
    size_t n = strlen(model);
    if (n > BE_NAME_MAX)
        return rt_fail_prop(e, RT_ERR_MODEL, "model",
                            "model name \"%.20s...\" is %zu characters long: at most %d (it "
                            "names the generated modules, functions and files)",
                            model, n, BE_NAME_MAX);
    return RT_OK;
}
