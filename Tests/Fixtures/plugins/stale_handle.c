/* stale_handle.c: a valid plugin "stale" that probes the host's handle validation.
 *
 * GET /probe calls host services with made-up and stale handles and answers 200 with the status
 * codes it got, e.g. {"kv_get_zero":12,...}. Every value should be 12 (SB_ERR_INVALID_HANDLE);
 * -1 means "not tried yet": the *_stopped_instance probes need an instance of this plugin to have
 * been stopped before (restart the instance, then probe), and response_send_previous needs one
 * earlier /probe (send probes one at a time).
 */
#include <stdio.h>
#include <stdlib.h>

#include "switchboard_plugin.h"

#define BYTES(s) { (const uint8_t *)(s), sizeof(s) - 1 }
#define MADE_UP 0xdeadbeefULL

typedef struct stale_plugin {
    const sb_host_api_t *host;
    uint64_t last_stopped_instance; /* __atomic; 0 = none yet */
    uint64_t last_response;         /* __atomic; 0 = none yet */
} stale_plugin_t;

typedef struct stale_instance {
    stale_plugin_t *plugin;
    sb_instance_t handle;
} stale_instance_t;

static sb_status_t on_init(const sb_host_api_t *host, void **out_plugin, sb_error_t *err) {
    stale_plugin_t *plugin = calloc(1, sizeof *plugin);
    if (plugin == NULL) {
        return sb_error_set(err, SB_ERR_INTERNAL, "out of memory");
    }
    plugin->host = host;
    *out_plugin = plugin;
    return SB_OK;
}

static void on_shutdown(void *plugin) { free(plugin); }

static sb_status_t on_instance_start(void *plugin, sb_instance_t instance, sb_bytes_t config_json,
                                     void **out_instance, sb_error_t *err) {
    stale_instance_t *inst = calloc(1, sizeof *inst);
    (void)config_json;
    if (inst == NULL) {
        return sb_error_set(err, SB_ERR_INTERNAL, "out of memory");
    }
    inst->plugin = plugin;
    inst->handle = instance;
    *out_instance = inst;
    return SB_OK;
}

/* Remember the handle of the instance that stops: it is stale from now on. */
static void on_instance_stop(void *instance) {
    stale_instance_t *inst = instance;
    __atomic_store_n(&inst->plugin->last_stopped_instance, inst->handle, __ATOMIC_SEQ_CST);
    free(inst);
}

/* kv_get with a handle; frees the value if the host (wrongly) returned one. */
static int kv_get_with(const sb_host_api_t *host, sb_instance_t handle) {
    sb_owned_bytes_t value = {NULL, 0};
    sb_status_t status = host->kv_get(handle, sb_str("probe"), &value);
    if (status == SB_OK) {
        host->bytes_free(value);
    }
    return status;
}

static sb_status_t on_http_request(void *instance, const sb_http_request_t *request, sb_response_t response,
                                   sb_error_t *err) {
    stale_instance_t *inst = instance;
    const sb_host_api_t *host = inst->plugin->host;
    sb_header_t header = {BYTES("content-type"), BYTES("application/json")};
    uint64_t stopped = __atomic_load_n(&inst->plugin->last_stopped_instance, __ATOMIC_SEQ_CST);
    uint64_t previous = __atomic_exchange_n(&inst->plugin->last_response, response, __ATOMIC_SEQ_CST);
    sb_timer_t timer = 0, unused = 0;
    int timer_twice = -1, timer_stopped = -1;
    char json[640];
    int n;
    (void)request;
    (void)err;

    /* A timer cancelled once is stale the second time. */
    if (host->timer_start(inst->handle, 600000, 0, 0, &timer) == SB_OK) {
        host->timer_cancel(inst->handle, timer);
        timer_twice = host->timer_cancel(inst->handle, timer);
    }
    if (stopped != 0) {
        timer_stopped = host->timer_start(stopped, 600000, 0, 0, &unused);
        if (timer_stopped == SB_OK) {
            host->timer_cancel(stopped, unused);
        }
    }
    n = snprintf(json, sizeof json,
                 "{\"kv_get_zero\":%d,\"kv_get_deadbeef\":%d,\"kv_get_stopped_instance\":%d,"
                 "\"timer_start_stopped_instance\":%d,"
                 "\"timer_cancel_zero\":%d,\"timer_cancel_deadbeef\":%d,\"timer_cancel_twice\":%d,"
                 "\"response_send_zero\":%d,\"response_send_deadbeef\":%d,\"response_send_previous\":%d}",
                 kv_get_with(host, 0), kv_get_with(host, MADE_UP),
                 stopped != 0 ? kv_get_with(host, stopped) : -1,
                 timer_stopped,
                 host->timer_cancel(inst->handle, 0), host->timer_cancel(inst->handle, MADE_UP), timer_twice,
                 host->response_send(0, 200, NULL, 0, sb_str("x")),
                 host->response_send(MADE_UP, 200, NULL, 0, sb_str("x")),
                 previous != 0 ? host->response_send(previous, 200, NULL, 0, sb_str("x")) : -1);
    {
        sb_bytes_t body = {(const uint8_t *)json, (size_t)n};
        return host->response_send(response, 200, &header, 1, body);
    }
}

static sb_status_t on_send(void *instance, sb_bytes_t message_json, sb_output_t result, sb_error_t *err) {
    (void)instance; (void)message_json; (void)result;
    return sb_error_set(err, SB_ERR_UNSUPPORTED, "stale does not send");
}

static const sb_route_t routes[] = {{sizeof(sb_route_t), SB_MOUNT_INSTANCE, BYTES("GET"), BYTES("/probe")}};

static const sb_plugin_hooks_t hooks = {
    sizeof(sb_plugin_hooks_t), 0, on_init, on_shutdown, on_instance_start, on_instance_stop,
    NULL, on_http_request, on_send, NULL, NULL /* on_timer, on_reply_event */,
};

static const sb_plugin_descriptor_t descriptor = {
    sizeof(sb_plugin_descriptor_t), SB_ABI_MAJOR, SB_ABI_MINOR, SB_KIND_CHANNEL, 0,
    BYTES("stale"), BYTES("1.0.0"), BYTES("{\"type\":\"object\"}"),
    routes, 1, NULL, 0, &hooks,
};

const sb_plugin_descriptor_t *switchboard_plugin_entry(uint16_t major, uint16_t minor, sb_error_t *err) {
    (void)major; (void)minor; (void)err;
    return &descriptor;
}
