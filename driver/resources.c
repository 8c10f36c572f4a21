/* resources.c - the memory a run needs against what the machine has, before anything large
 * is allocated (see flow.h): `nltc --check` and the flow (before training, and again once
 * the data is loaded) refuse a model whose estimate (runtime/train's tr_memory_estimate)
 * exceeds --max-memory or the physical memory, located at the property that makes it large.
 */
#include <unistd.h>

#include "cli.h"
#include "flow.h"
#include "train.h"

uint64_t nltc_physical_memory(void) {
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGE_SIZE);
    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

rt_status nltc_memory_check(const ir_program *ir, int threads, const tr_mem_rows *rows,
                            uint64_t max_memory, FILE *out, rt_error *e) {
    tr_memory m;
    uint64_t need = tr_memory_estimate(ir, threads, rows, &m);
    uint64_t limit = max_memory ? max_memory : nltc_physical_memory();
    char nsz[32], lsz[32];
    tr_mem_format(need, nsz, sizeof nsz);
    tr_mem_format(limit, lsz, sizeof lsz);
    if (out && (limit == 0 || need <= limit)) {
        cli_printf_wrapped(out, 2, "memory: about %s at the peak (%s%s); largest part: %s", nsz,
                           m.phase, m.data_counted ? "" : ", data not counted", m.why);
        fflush(out);
    }
    if (limit == 0 || need <= limit) return RT_OK;
    return rt_fail_prop(e, RT_ERR_MODEL, m.prop,
                        "the model needs about %s of memory at the peak (%s), more than the %s "
                        "%s; largest part: %s",
                        nsz, m.phase, lsz,
                        max_memory ? "that --max-memory allows" : "this machine has", m.why);
}
