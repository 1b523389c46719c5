/* hello.c: a minimal valid plugin "hello"; GET /hello answers "hello from C". Used by the hot-add test.
 * It is built as a plugin of ABI 1.0 would be: abi_minor 0 and a hook table that ends at on_timer
 * (struct_size 72), so the test also shows that a current host loads 1.0 plugins unchanged. */
#include "switchboard_plugin.h"

#define BYTES(s) { (const uint8_t *)(s), sizeof(s) - 1 }

/* No state of its own: the plugin and every instance pointer are the host table itself. */
static sb_status_t on_init(const sb_host_api_t *host, void **out_plugin, sb_error_t *err) {
    (void)err;
    *out_plugin = (void *)host;
    return SB_OK;
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
    return host->response_send(response, 200, &header, 1, sb_str("hello from C"));
}

static sb_status_t on_send(void *instance, sb_bytes_t message_json, sb_output_t result, sb_error_t *err) {
    (void)instance; (void)message_json; (void)result;
    return sb_error_set(err, SB_ERR_UNSUPPORTED, "hello does not send");
}

static const sb_route_t routes[] = {{sizeof(sb_route_t), SB_MOUNT_INSTANCE, BYTES("GET"), BYTES("/hello")}};

#include <stddef.h>
static const sb_plugin_hooks_t hooks = {
    .struct_size = offsetof(sb_plugin_hooks_t, on_timer) + sizeof(void *),
    .on_init = on_init,
    .on_shutdown = on_shutdown,
    .on_instance_start = on_instance_start,
    .on_instance_stop = on_instance_stop,
    .on_http_request = on_http_request,
    .on_send = on_send,
};

static const sb_plugin_descriptor_t descriptor = {
    sizeof(sb_plugin_descriptor_t), SB_ABI_MAJOR, 0, SB_KIND_CHANNEL, 0,
    BYTES("hello"), BYTES("1.0.0"), BYTES("{\"type\":\"object\"}"),
    routes, 1, NULL, 0, &hooks,
};

const sb_plugin_descriptor_t *switchboard_plugin_entry(uint16_t major, uint16_t minor, sb_error_t *err) {
    (void)major; (void)minor; (void)err;
    return &descriptor;
}
