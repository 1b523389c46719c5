/* crashes.c: plugin "crashes" that aborts when started with an empty configuration.
 * Used to check that `switchboard plugins check` reports a crash instead of dying with it. */
#include "switchboard_plugin.h"
#include <stdlib.h>

#define BYTES(s) { (const uint8_t *)(s), sizeof(s) - 1 }

static sb_status_t on_init(const sb_host_api_t *host, void **out_plugin, sb_error_t *err) {
    (void)host; (void)err;
    *out_plugin = NULL;
    return SB_OK;
}

static void on_shutdown(void *plugin) { (void)plugin; }

static sb_status_t on_instance_start(void *plugin, sb_instance_t instance, sb_bytes_t config_json,
                                     void **out_instance, sb_error_t *err) {
    (void)plugin; (void)instance; (void)err;
    if (config_json.len == 0) abort();
    *out_instance = NULL;
    return SB_OK;
}

static void on_instance_stop(void *instance) { (void)instance; }

static sb_status_t on_send(void *instance, sb_bytes_t message_json, sb_output_t result, sb_error_t *err) {
    (void)instance; (void)message_json; (void)result;
    return sb_error_set(err, SB_ERR_UNSUPPORTED, "crashes does not send");
}

static const sb_plugin_hooks_t hooks = {
    sizeof(sb_plugin_hooks_t), 0, on_init, on_shutdown, on_instance_start, on_instance_stop, NULL, NULL, on_send, NULL, NULL /* on_timer, on_reply_event */,
};

static const sb_plugin_descriptor_t descriptor = {
    sizeof(sb_plugin_descriptor_t), SB_ABI_MAJOR, SB_ABI_MINOR, SB_KIND_CHANNEL, 0,
    BYTES("crashes"), BYTES("1.0.0"), BYTES("{}"), NULL, 0, NULL, 0, &hooks,
};

const sb_plugin_descriptor_t *switchboard_plugin_entry(uint16_t major, uint16_t minor, sb_error_t *err) {
    (void)major; (void)minor; (void)err;
    return &descriptor;
}
