/* missing_entry.c: a shared library that exports no switchboard_plugin_entry symbol (only a misspelt one). */
#include "switchboard_plugin.h"

const sb_plugin_descriptor_t *switchboard_plugin_entrypoint(uint16_t major, uint16_t minor, sb_error_t *err) {
    (void)major;
    (void)minor;
    (void)err;
    return NULL;
}
