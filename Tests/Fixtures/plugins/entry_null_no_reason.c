/* entry_null_no_reason.c: the entry function returns NULL without writing a reason into err. */
#include "switchboard_plugin.h"

const sb_plugin_descriptor_t *switchboard_plugin_entry(uint16_t major, uint16_t minor, sb_error_t *err) {
    (void)major;
    (void)minor;
    (void)err;
    return NULL;
}
