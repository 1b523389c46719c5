/* init_fails.c: a valid descriptor whose on_init fails with SB_ERR_INTERNAL "database unreachable". */
#include "switchboard_plugin.h"

#define BYTES(s) { (const uint8_t *)(s), sizeof(s) - 1 }

/* No state of its own: the plugin and every instance pointer are the host table itself. */
static sb_status_t on_init(const sb_host_api_t *host, void **out_plugin, sb_error_t *err) {
    (void)host;
    (void)out_plugin;
    return sb_error_set(err, SB_ERR_INTERNAL, "database unreachable");
}

static void on_shutdown(void *plugin) { (void)plugin; }

static sb_status_t on_instance_start(void *plugin, sb_instance_t instance, sb_bytes_t config_json,
                                     void **out_instance, sb_error_t *err) {
    (void)instance; (void)config_json; (void)err;
    *out_instance = plugin;
    return SB_OK;
}

static void on_instance_stop(void *instance) { (void)instance; }

static sb_status_t on_http_request(void *instance, const sb_http_request_t *request, sb_response_t response,
                                   sb_error_t *err) {
    const sb_host_api_t *host = instance;
    sb_header_t header = {BYTES("content-type"), BYTES("text/plain")};
    (void)request; (void)err;
    return host->response_send(response, 200, &header, 1, sb_str("unreachable"));
}

static sb_status_t on_send(void *instance, sb_bytes_t message_json, sb_output_t result, sb_error_t *err) {
    (void)instance; (void)message_json; (void)result;
    return sb_error_set(err, SB_ERR_UNSUPPORTED, "init-fails does not send");
}

static const sb_route_t routes[] = {{sizeof(sb_route_t), SB_MOUNT_INSTANCE, BYTES("GET"), BYTES("/hello")}};

static const sb_plugin_hooks_t hooks = {
    sizeof(sb_plugin_hooks_t), 0, on_init, on_shutdown, on_instance_start, on_instance_stop,
    NULL, on_http_request, on_send, NULL, NULL /* on_timer, on_reply_event */,
};

static const sb_plugin_descriptor_t descriptor = {
    sizeof(sb_plugin_descriptor_t), SB_ABI_MAJOR, SB_ABI_MINOR, SB_KIND_CHANNEL, 0,
    BYTES("init-fails"), BYTES("1.0.0"), BYTES("{\"type\":\"object\"}"),
    routes, 1, NULL, 0, &hooks,
};

const sb_plugin_descriptor_t *switchboard_plugin_entry(uint16_t major, uint16_t minor, sb_error_t *err) {
    (void)major; (void)minor; (void)err;
    return &descriptor;
}
