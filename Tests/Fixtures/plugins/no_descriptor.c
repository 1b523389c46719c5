/* no_descriptor.c: the entry function refuses to load and says why. */
#include "switchboard_plugin.h"

const sb_plugin_descriptor_t *switchboard_plugin_entry(uint16_t major, uint16_t minor, sb_error_t *err) {
    (void)major;
    (void)minor;
    sb_error_set(err, SB_ERR_UNSUPPORTED, "refusing to load: missing license");
    return NULL;
}
