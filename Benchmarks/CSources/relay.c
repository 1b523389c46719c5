/*
 * relay.c: the channel plugin of the conversation benchmark. POST /webhook/relay/{instance}/in
 * hands the body to inbound_deliver and answers 200; POST …/ping answers 200 at once (the
 * baseline: the same HTTP round trip through the host without the conversation core); on_send
 * accepts every message at once and
 * counts it. The benchmark reads the count through bench_relay_sent() (the same library,
 * reopened with RTLD_NOLOAD) to see when replies leave the host.
 */
#include <switchboard_plugin.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const sb_host_api_t *host;
static atomic_ullong sent;

__attribute__((visibility("default"))) unsigned long long bench_relay_sent(void) { return atomic_load(&sent); }

static sb_status_t on_init(const sb_host_api_t *h, void **out, sb_error_t *err) {
    (void)err;
    host = h;
    *out = NULL;
    return SB_OK;
}

static void on_shutdown(void *plugin) { (void)plugin; }

static sb_status_t on_instance_start(void *plugin, sb_instance_t instance, sb_bytes_t config, void **out, sb_error_t *err) {
    (void)plugin; (void)config; (void)err;
    sb_instance_t *self = malloc(sizeof *self);
    if (self == NULL) return SB_ERR_INTERNAL;
    *self = instance;
    *out = self;
    return SB_OK;
}

static void on_instance_stop(void *instance) { free(instance); }

static sb_status_t on_http_request(void *instance, const sb_http_request_t *req, sb_response_t response, sb_error_t *err) {
    (void)err;
    sb_instance_t self = *(sb_instance_t *)instance;
    sb_header_t header = {sb_str("content-type"), sb_str("application/json")};
    if (req->subpath.len == 5 && memcmp(req->subpath.ptr, "/ping", 5) == 0) {
        return host->response_send(response, 200, &header, 1, sb_str("{\"ok\":true}"));
    }
    uint8_t message[512];
    sb_error_t error = {sizeof(sb_error_t), 0, message, sizeof message, 0};
    sb_status_t status = host->inbound_deliver(self, req->body, NULL, &error);
    sb_bytes_t body = status == SB_OK ? sb_str("{\"ok\":true}") : sb_str("{\"ok\":false}");
    return host->response_send(response, status == SB_OK ? 200 : 500, &header, 1, body);
}

static sb_status_t on_send(void *instance, sb_bytes_t message, sb_output_t result, sb_error_t *err) {
    (void)instance; (void)message; (void)err;
    atomic_fetch_add(&sent, 1);
    return host->output_write(result, sb_str("{\"status\":\"sent\"}"));
}

static const sb_route_t routes[] = {
    {sizeof(sb_route_t), SB_MOUNT_INSTANCE, {(const uint8_t *)"POST", 4}, {(const uint8_t *)"/in", 3}},
    {sizeof(sb_route_t), SB_MOUNT_INSTANCE, {(const uint8_t *)"POST", 4}, {(const uint8_t *)"/ping", 5}},
};

static const sb_plugin_hooks_t hooks = {
    .struct_size = sizeof(sb_plugin_hooks_t),
    .on_init = on_init,
    .on_shutdown = on_shutdown,
    .on_instance_start = on_instance_start,
    .on_instance_stop = on_instance_stop,
    .on_http_request = on_http_request,
    .on_send = on_send,
};

static const sb_plugin_descriptor_t descriptor = {
    .struct_size = sizeof(sb_plugin_descriptor_t),
    .abi_major = SB_ABI_MAJOR,
    .abi_minor = SB_ABI_MINOR,
    .kind = SB_KIND_CHANNEL,
    .name = {(const uint8_t *)"relay", 5},
    .version = {(const uint8_t *)"1.0.0", 5},
    .settings_schema = {(const uint8_t *)"{\"type\":\"object\"}", 17},
    .routes = routes,
    .route_count = 2,
    .hooks = &hooks,
};

const sb_plugin_descriptor_t *switchboard_plugin_entry(uint16_t major, uint16_t minor, sb_error_t *err) {
    (void)major; (void)minor; (void)err;
    return &descriptor;
}
