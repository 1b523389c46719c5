/*
 * echo.c: the Switchboard example channel plugin, in plain C99.
 *
 * Routes (mounted under /webhook/echo/{instance}):
 *   GET  /health     200 {"status":"ok","plugin":"echo"}
 *   POST /echo       200 with the request body and its content-type
 *   GET  /stream     200 text/event-stream: "data: 1", "data: 2", "data: 3", then closes
 *   POST /kv/{key}   stores the body under {key} in the host's key-value store, 204
 *   GET  /kv/{key}   200 with the stored value, or 404
 * on_send answers {"external_id":"echo-<n>","status":"sent"} with a per-instance counter.
 *
 * Threads: hooks of one instance may run concurrently. The only mutable
 * state is the send counter, updated with __atomic builtins.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "switchboard_plugin.h"

/* A static sb_bytes_t from a string literal. */
#define BYTES(s) { (const uint8_t *)(s), sizeof(s) - 1 }

/* The plugin's state: the host table it received in on_init. */
typedef struct echo_plugin {
    const sb_host_api_t *host;
} echo_plugin_t;

/* One instance: its host handle and its send counter. */
typedef struct echo_instance {
    const sb_host_api_t *host;
    sb_instance_t handle;
    uint64_t sent; /* only touched with __atomic builtins */
} echo_instance_t;

/* Route indexes: the order of `routes` below. */
enum { ROUTE_HEALTH, ROUTE_ECHO, ROUTE_STREAM, ROUTE_KV_PUT, ROUTE_KV_GET };

static const sb_route_t routes[] = {
    {sizeof(sb_route_t), SB_MOUNT_INSTANCE, BYTES("GET"), BYTES("/health")},
    {sizeof(sb_route_t), SB_MOUNT_INSTANCE, BYTES("POST"), BYTES("/echo")},
    {sizeof(sb_route_t), SB_MOUNT_INSTANCE, BYTES("GET"), BYTES("/stream")},
    {sizeof(sb_route_t), SB_MOUNT_INSTANCE, BYTES("POST"), BYTES("/kv/{key}")},
    {sizeof(sb_route_t), SB_MOUNT_INSTANCE, BYTES("GET"), BYTES("/kv/{key}")},
};

/* ------------------------------------------------------------------ */
/* Lifecycle                                                           */
/* ------------------------------------------------------------------ */

static sb_status_t echo_init(const sb_host_api_t *host, void **out_plugin, sb_error_t *err) {
    /* Every slot this plugin uses exists in ABI 1.0; refuse smaller tables. */
    if (host->abi_major != SB_ABI_MAJOR ||
        host->struct_size < offsetof(sb_host_api_t, output_write) + sizeof(host->output_write)) {
        return sb_error_set(err, SB_ERR_VERSION, "echo needs a Switchboard ABI 1.x host");
    }
    echo_plugin_t *plugin = calloc(1, sizeof *plugin);
    if (plugin == NULL) {
        return sb_error_set(err, SB_ERR_INTERNAL, "out of memory");
    }
    plugin->host = host;
    *out_plugin = plugin;
    host->log(SB_NO_INSTANCE, SB_LOG_INFO, sb_str("echo plugin initialised"));
    return SB_OK;
}

static void echo_shutdown(void *plugin) {
    free(plugin);
}

static sb_status_t echo_instance_start(void *plugin, sb_instance_t instance, sb_bytes_t config_json,
                                       void **out_instance, sb_error_t *err) {
    (void)config_json; /* echo has no settings */
    echo_instance_t *inst = calloc(1, sizeof *inst);
    if (inst == NULL) {
        return sb_error_set(err, SB_ERR_INTERNAL, "out of memory");
    }
    inst->host = ((echo_plugin_t *)plugin)->host;
    inst->handle = instance;
    *out_instance = inst;
    return SB_OK;
}

static void echo_instance_stop(void *instance) {
    free(instance);
}

static sb_status_t echo_config_changed(void *instance, sb_bytes_t config_json, sb_error_t *err) {
    (void)instance;
    (void)config_json;
    (void)err;
    return SB_OK; /* nothing is cached from the configuration: apply in place */
}

/* ------------------------------------------------------------------ */
/* HTTP                                                                */
/* ------------------------------------------------------------------ */

/* ASCII case-insensitive comparison of a header name with a lowercase literal. */
static int name_is(sb_bytes_t name, const char *lower) {
    size_t i;
    for (i = 0; i < name.len; i++) {
        uint8_t c = name.ptr[i];
        if (c >= 'A' && c <= 'Z') {
            c = (uint8_t)(c - 'A' + 'a');
        }
        if (lower[i] == '\0' || c != (uint8_t)lower[i]) {
            return 0;
        }
    }
    return lower[i] == '\0';
}

static sb_status_t send_text(const sb_host_api_t *host, sb_response_t response, uint32_t status,
                             const char *content_type, sb_bytes_t body) {
    sb_header_t header = {BYTES("content-type"), sb_str(content_type)};
    return host->response_send(response, status, &header, 1, body);
}

static sb_status_t handle_echo(const sb_host_api_t *host, const sb_http_request_t *request,
                               sb_response_t response) {
    sb_header_t header = {BYTES("content-type"), BYTES("application/octet-stream")};
    size_t i;
    for (i = 0; i < request->header_count; i++) {
        if (name_is(request->headers[i].name, "content-type")) {
            header.value = request->headers[i].value;
            break;
        }
    }
    return host->response_send(response, 200, &header, 1, request->body);
}

static sb_status_t handle_stream(const sb_host_api_t *host, sb_response_t response) {
    static const char *const events[] = {"data: 1\n\n", "data: 2\n\n", "data: 3\n\n"};
    sb_header_t headers[] = {{BYTES("content-type"), BYTES("text/event-stream")},
                             {BYTES("cache-control"), BYTES("no-cache")}};
    size_t i;
    sb_status_t status = host->response_stream_open(response, 200, headers, 2);
    if (status != SB_OK) {
        return status;
    }
    for (i = 0; i < 3; i++) {
        if (host->response_stream_write(response, sb_str(events[i])) != SB_OK) {
            break; /* the client has gone: stop writing */
        }
    }
    host->response_stream_close(response);
    return SB_OK; /* the stream was opened: the request is answered */
}

/* The {key} of /kv/{key}: the subpath after "/kv/". */
static sb_bytes_t kv_key(const sb_http_request_t *request) {
    sb_bytes_t key = {NULL, 0};
    if (request->subpath.len > 4 && memcmp(request->subpath.ptr, "/kv/", 4) == 0) {
        key.ptr = request->subpath.ptr + 4;
        key.len = request->subpath.len - 4;
    }
    return key;
}

static sb_status_t handle_kv(echo_instance_t *inst, const sb_http_request_t *request, sb_response_t response,
                             int is_put) {
    const sb_host_api_t *host = inst->host;
    sb_bytes_t key = kv_key(request);
    sb_owned_bytes_t value = {NULL, 0};
    sb_status_t status;
    if (key.len == 0) {
        return send_text(host, response, 400, "text/plain", sb_str("missing key"));
    }
    if (is_put) {
        status = host->kv_put(inst->handle, key, request->body, 0);
        if (status != SB_OK) {
            return send_text(host, response, 500, "text/plain", sb_str("kv_put failed"));
        }
        return host->response_send(response, 204, NULL, 0, sb_str(""));
    }
    status = host->kv_get(inst->handle, key, &value);
    if (status == SB_ERR_NOT_FOUND) {
        return send_text(host, response, 404, "text/plain", sb_str("not found"));
    }
    if (status != SB_OK) {
        return send_text(host, response, 500, "text/plain", sb_str("kv_get failed"));
    }
    {
        sb_bytes_t body = {value.ptr, value.len};
        status = send_text(host, response, 200, "application/octet-stream", body);
    }
    host->bytes_free(value); /* we own value after SB_OK: release it exactly once */
    return status;
}

static sb_status_t echo_http_request(void *instance, const sb_http_request_t *request, sb_response_t response,
                                     sb_error_t *err) {
    echo_instance_t *inst = instance;
    const sb_host_api_t *host = inst->host;
    switch (request->route_index) {
    case ROUTE_HEALTH:
        return send_text(host, response, 200, "application/json", sb_str("{\"status\":\"ok\",\"plugin\":\"echo\"}"));
    case ROUTE_ECHO:
        return handle_echo(host, request, response);
    case ROUTE_STREAM:
        return handle_stream(host, response);
    case ROUTE_KV_PUT:
        return handle_kv(inst, request, response, 1);
    case ROUTE_KV_GET:
        return handle_kv(inst, request, response, 0);
    default:
        return sb_error_set(err, SB_ERR_NOT_FOUND, "unknown route");
    }
}

/* ------------------------------------------------------------------ */
/* Messages and timers                                                 */
/* ------------------------------------------------------------------ */

static sb_status_t echo_send(void *instance, sb_bytes_t message_json, sb_output_t result, sb_error_t *err) {
    echo_instance_t *inst = instance;
    char json[64];
    int n;
    (void)message_json; /* echo "delivers" every message */
    (void)err;
    n = snprintf(json, sizeof json, "{\"external_id\":\"echo-%llu\",\"status\":\"sent\"}",
                 (unsigned long long)__atomic_add_fetch(&inst->sent, 1, __ATOMIC_RELAXED));
    {
        sb_bytes_t bytes = {(const uint8_t *)json, (size_t)n};
        return inst->host->output_write(result, bytes);
    }
}

static void echo_timer(void *instance, sb_timer_t timer, uint64_t user_data) {
    (void)instance;
    (void)timer;
    (void)user_data;
}

/* ------------------------------------------------------------------ */
/* Descriptor and entry                                                */
/* ------------------------------------------------------------------ */

/* Designated initializers: later ABI minors append hooks (on_reply_event in 1.3), and this
 * form keeps compiling cleanly (-Wextra -Werror) against every newer header. */
static const sb_plugin_hooks_t hooks = {
    .struct_size = sizeof(sb_plugin_hooks_t),
    .on_init = echo_init,
    .on_shutdown = echo_shutdown,
    .on_instance_start = echo_instance_start,
    .on_instance_stop = echo_instance_stop,
    .on_config_changed = echo_config_changed,
    .on_http_request = echo_http_request,
    .on_send = echo_send,
    .on_timer = echo_timer,
};

static const sb_plugin_descriptor_t descriptor = {
    sizeof(sb_plugin_descriptor_t), SB_ABI_MAJOR, SB_ABI_MINOR, SB_KIND_CHANNEL, 0,
    BYTES("echo"), BYTES("1.0.0"),
    BYTES("{\"type\":\"object\",\"properties\":{},\"additionalProperties\":false}"),
    routes, sizeof routes / sizeof routes[0],
    NULL, 0,
    &hooks,
};

const sb_plugin_descriptor_t *switchboard_plugin_entry(uint16_t host_abi_major, uint16_t host_abi_minor,
                                                        sb_error_t *err) {
    (void)host_abi_minor; /* built for 1.0: loads in every 1.x host */
    if (host_abi_major != SB_ABI_MAJOR) {
        sb_error_set(err, SB_ERR_VERSION, "echo is built for Switchboard ABI 1.x");
        return NULL;
    }
    return &descriptor;
}
