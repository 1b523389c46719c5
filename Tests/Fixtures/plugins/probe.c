/*
 * probe: a test-only plugin that exposes the host's storage services over HTTP so the
 * isolation tests can drive KV and SQL from outside. Never ship anything like it.
 *
 *   PUT  /kv/{key}       store the body under key (key is the raw rest of the path)
 *   GET  /kv/{key}       the value, or 404
 *   GET  /list           kv_list JSON for prefix = query string
 *   POST /sql            sql_exec of the body; 200 {"changes":N} or 4xx {"status":S,"error":"..."}
 *   POST /query          sql_query of the body; 200 rows JSON or 4xx
 *   POST /inbound        inbound_deliver of the body; 200 with the host's answer or 4xx
 *   POST /fetch          http_fetch GET of the URL in the body; 200 {"status":N,"body_bytes":M}
 *   GET  /config         config_get
 *   POST /timer          a one-shot timer (delay = query in ms) that stores "fired" under key "timer"
 *   POST /count          counter_add("probe_hits", 1) and histogram_record("probe_size", body length)
 *   POST /status/{s}     message_status(body as external id, s, ""): 204, or 4xx with the status
 *   POST /channel-status instance_status_set(body): 204, or 4xx with the status (ABI 1.2)
 *   POST /history        conversation_history(body as the query): 200 with the host's JSON, or 4xx (1.3)
 *   POST /forget         contact_forget(body as the contact): 204, or 4xx (1.3)
 *
 * on_reply_event (1.3) appends each event to KV "events", one JSON object per line.
 *   GET  /whoami         the raw request as JSON: path, subpath and every header
 *
 * The same handler is also mounted as a tenant route (/v1/plugins/probe/{instance}/...) and as an
 * alias (/probe-alias/..., the same paths after the prefix).
 *
 * on_send records what it is given: KV "sent/<message_id>" = the message JSON and
 * "delivered/<message_id>" = how many times it was accepted; it answers
 * {"external_id": "ext-<message_id>", "status": "sent"}. Failures on demand: while KV
 * "fail_remaining" holds N > 0 it is decremented and the send fails with SB_ERR_IO (transient);
 * while "fail_permanent" exists the send fails with SB_ERR_INVALID_ARGUMENT (permanent).
 * While "send_delay_ms" holds N > 0, each send first sleeps N ms (a slow provider).
 */
#define _POSIX_C_SOURCE 200809L /* nanosleep under -std=c99 */
#include <switchboard_plugin.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include <time.h>

static const sb_host_api_t *host;

static int equals(sb_bytes_t b, const char *text) {
    size_t n = strlen(text);
    return b.len == n && memcmp(b.ptr, text, n) == 0;
}

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

static void reply(sb_response_t response, uint32_t status, const uint8_t *body, size_t len) {
    sb_header_t header = {sb_str("content-type"), sb_str("application/json")};
    sb_bytes_t bytes = {body, len};
    host->response_send(response, status, &header, 1, bytes);
}

static void reply_status(sb_response_t response, sb_status_t status, const sb_error_t *err) {
    char buffer[1400];
    int n = snprintf(buffer, sizeof buffer, "{\"status\":%d,\"error\":\"", (int)status);
    for (size_t i = 0; err != NULL && i < err->len && n < (int)sizeof buffer - 4; i++) {
        char c = (char)err->buf[i];
        buffer[n++] = (c == '"' || c == '\\' || (unsigned char)c < 32) ? '?' : c;
    }
    n += snprintf(buffer + n, sizeof buffer - (size_t)n, "\"}");
    uint32_t http = status == SB_ERR_NOT_FOUND ? 404 : status == SB_ERR_DENIED ? 403 : status == SB_ERR_INVALID_HANDLE ? 410 : 400;
    reply(response, http, (const uint8_t *)buffer, (size_t)n);
}

static int starts_with(sb_bytes_t b, const char *prefix) {
    size_t n = strlen(prefix);
    return b.len >= n && memcmp(b.ptr, prefix, n) == 0;
}

static sb_status_t on_http_request(void *instance, const sb_http_request_t *request, sb_response_t response, sb_error_t *err) {
    (void)err;
    sb_instance_t self = *(sb_instance_t *)instance;
    /* The alias route serves the same paths under /probe-alias. */
    sb_http_request_t aliased = *request;
    if (request->route_index == 2 && request->subpath.len >= 12) {
        aliased.subpath.ptr += 12;
        aliased.subpath.len -= 12;
    }
    const sb_http_request_t *req = &aliased;
    uint8_t message[1024];
    sb_error_t error = {sizeof(sb_error_t), 0, message, sizeof message, 0};
    sb_status_t status;
    if (starts_with(req->subpath, "/kv/")) {
        sb_bytes_t key = {req->subpath.ptr + 4, req->subpath.len - 4};
        if (starts_with(req->method, "PUT")) {
            status = host->kv_put(self, key, req->body, 0);
            if (status != SB_OK) { reply_status(response, status, NULL); return SB_OK; }
            reply(response, 204, NULL, 0);
            return SB_OK;
        }
        sb_owned_bytes_t value = {NULL, 0};
        status = host->kv_get(self, key, &value);
        if (status != SB_OK) { reply_status(response, status, NULL); return SB_OK; }
        reply(response, 200, value.ptr, value.len);
        host->bytes_free(value);
        return SB_OK;
    }
    if (starts_with(req->subpath, "/list")) {
        sb_owned_bytes_t out = {NULL, 0};
        sb_bytes_t none = {NULL, 0};
        status = host->kv_list(self, req->query, none, 0, &out);
        if (status != SB_OK) { reply_status(response, status, NULL); return SB_OK; }
        reply(response, 200, out.ptr, out.len);
        host->bytes_free(out);
        return SB_OK;
    }
    if (starts_with(req->subpath, "/sql")) {
        int64_t changes = 0;
        status = host->sql_exec(self, req->body, NULL, 0, &changes, &error);
        if (status != SB_OK) { reply_status(response, status, &error); return SB_OK; }
        char buffer[64];
        int n = snprintf(buffer, sizeof buffer, "{\"changes\":%lld}", (long long)changes);
        reply(response, 200, (const uint8_t *)buffer, (size_t)n);
        return SB_OK;
    }
    if (starts_with(req->subpath, "/query")) {
        sb_owned_bytes_t out = {NULL, 0};
        status = host->sql_query(self, req->body, NULL, 0, &out, &error);
        if (status != SB_OK) { reply_status(response, status, &error); return SB_OK; }
        reply(response, 200, out.ptr, out.len);
        host->bytes_free(out);
        return SB_OK;
    }
    if (equals(req->subpath, "/inbound")) {
        sb_owned_bytes_t out = {NULL, 0};
        status = host->inbound_deliver(self, req->body, &out, &error);
        if (status != SB_OK) { reply_status(response, status, &error); return SB_OK; }
        reply(response, 200, out.ptr, out.len);
        host->bytes_free(out);
        return SB_OK;
    }
    if (equals(req->subpath, "/fetch")) {
        sb_http_fetch_request_t fetch = {sizeof(sb_http_fetch_request_t), 5000, sb_str("GET"), req->body, NULL, 0, {NULL, 0}};
        sb_http_fetch_response_t answer;
        memset(&answer, 0, sizeof answer);
        answer.struct_size = sizeof answer;
        status = host->http_fetch(self, &fetch, &answer, &error);
        if (status != SB_OK) { reply_status(response, status, &error); return SB_OK; }
        char buffer[96];
        int n = snprintf(buffer, sizeof buffer, "{\"status\":%u,\"body_bytes\":%zu}", answer.status, answer.body.len);
        host->bytes_free(answer.body);
        host->bytes_free(answer.headers_json);
        reply(response, 200, (const uint8_t *)buffer, (size_t)n);
        return SB_OK;
    }
    if (equals(req->subpath, "/config")) {
        sb_owned_bytes_t out = {NULL, 0};
        status = host->config_get(self, &out);
        if (status != SB_OK) { reply_status(response, status, NULL); return SB_OK; }
        reply(response, 200, out.ptr, out.len);
        host->bytes_free(out);
        return SB_OK;
    }
    if (equals(req->subpath, "/timer")) {
        uint64_t delay = 0;
        for (size_t i = 0; i < req->query.len && req->query.ptr[i] >= '0' && req->query.ptr[i] <= '9'; i++)
            delay = delay * 10 + (uint64_t)(req->query.ptr[i] - '0');
        sb_timer_t timer = 0;
        status = host->timer_start(self, delay, 0, 42, &timer);
        if (status != SB_OK) { reply_status(response, status, NULL); return SB_OK; }
        reply(response, 202, (const uint8_t *)"{}", 2);
        return SB_OK;
    }
    if (starts_with(req->subpath, "/status/")) {
        sb_bytes_t name = {req->subpath.ptr + 8, req->subpath.len - 8};
        sb_bytes_t none = {NULL, 0};
        status = host->message_status(self, req->body, name, none);
        if (status != SB_OK) { reply_status(response, status, NULL); return SB_OK; }
        reply(response, 204, NULL, 0);
        return SB_OK;
    }
    if (equals(req->subpath, "/history")) {
        sb_owned_bytes_t out = {NULL, 0};
        status = host->conversation_history(self, req->body, &out, &error);
        if (status != SB_OK) { reply_status(response, status, &error); return SB_OK; }
        reply(response, 200, out.ptr, out.len);
        host->bytes_free(out);
        return SB_OK;
    }
    if (equals(req->subpath, "/forget")) {
        status = host->contact_forget(self, req->body);
        if (status != SB_OK) { reply_status(response, status, NULL); return SB_OK; }
        reply(response, 204, NULL, 0);
        return SB_OK;
    }
    if (equals(req->subpath, "/channel-status")) {
        status = host->instance_status_set(self, req->body);
        if (status != SB_OK) { reply_status(response, status, NULL); return SB_OK; }
        reply(response, 204, NULL, 0);
        return SB_OK;
    }
    if (equals(req->subpath, "/whoami")) {
        char buf[8192];
        size_t n = (size_t)snprintf(buf, sizeof buf, "{\"route_index\":%u,\"path\":\"%.*s\",\"subpath\":\"%.*s\",\"headers\":[",
                                    req->route_index, (int)req->path.len, (const char *)req->path.ptr,
                                    (int)req->subpath.len, (const char *)req->subpath.ptr);
        for (size_t i = 0; i < req->header_count && n < sizeof buf - 512; i++) {
            n += (size_t)snprintf(buf + n, sizeof buf - n, "%s\"%.*s: %.*s\"", i ? "," : "",
                                  (int)req->headers[i].name.len, (const char *)req->headers[i].name.ptr,
                                  (int)req->headers[i].value.len, (const char *)req->headers[i].value.ptr);
        }
        n += (size_t)snprintf(buf + n, sizeof buf - n, "]}");
        reply(response, 200, (const uint8_t *)buf, n);
        return SB_OK;
    }
    if (equals(req->subpath, "/count")) {
        status = host->counter_add(self, sb_str("probe_hits"), 1);
        if (status == SB_OK) status = host->histogram_record(self, sb_str("probe_size"), (double)req->body.len);
        if (status != SB_OK) { reply_status(response, status, NULL); return SB_OK; }
        reply(response, 204, NULL, 0);
        return SB_OK;
    }
    reply(response, 404, (const uint8_t *)"{}", 2);
    return SB_OK;
}

/* Appends every reply event to KV "events", one JSON object per line. */
static void on_reply_event(void *instance, sb_bytes_t event) {
    sb_instance_t self = *(sb_instance_t *)instance;
    sb_owned_bytes_t old = {NULL, 0};
    sb_status_t status = host->kv_get(self, sb_str("events"), &old);
    size_t n = status == SB_OK ? old.len : 0;
    uint8_t *joined = malloc(n + event.len + 1);
    if (joined == NULL) return;
    if (n > 0) memcpy(joined, old.ptr, n);
    if (status == SB_OK) host->bytes_free(old);
    memcpy(joined + n, event.ptr, event.len);
    joined[n + event.len] = '\n';
    sb_bytes_t value = {joined, n + event.len + 1};
    host->kv_put(self, sb_str("events"), value, 0);
    free(joined);
}

static void on_timer(void *instance, sb_timer_t timer, uint64_t user_data) {
    (void)timer;
    if (user_data != 42) return;
    sb_instance_t self = *(sb_instance_t *)instance;
    host->kv_put(self, sb_str("timer"), sb_str("fired"), 0);
}

static long kv_number(sb_instance_t self, const char *key) {
    sb_owned_bytes_t value = {NULL, 0};
    if (host->kv_get(self, sb_str(key), &value) != SB_OK) return -1;
    long n = 0;
    for (size_t i = 0; i < value.len && value.ptr[i] >= '0' && value.ptr[i] <= '9'; i++) n = n * 10 + (value.ptr[i] - '0');
    host->bytes_free(value);
    return n;
}

static void kv_put_number(sb_instance_t self, const char *key, long n) {
    char buffer[32];
    int len = snprintf(buffer, sizeof buffer, "%ld", n);
    sb_bytes_t value = {(const uint8_t *)buffer, (size_t)len};
    host->kv_put(self, sb_str(key), value, 0);
}

static sb_status_t on_send(void *instance, sb_bytes_t message, sb_output_t result, sb_error_t *err) {
    sb_instance_t self = *(sb_instance_t *)instance;
    long delay = kv_number(self, "send_delay_ms");
    if (delay > 0) {
        struct timespec pause = {delay / 1000, (delay % 1000) * 1000000L};
        nanosleep(&pause, NULL);
    }
    if (kv_number(self, "fail_permanent") >= 0) {
        return sb_error_set(err, SB_ERR_INVALID_ARGUMENT, "provider refused the message: 400 invalid number");
    }
    long remaining = kv_number(self, "fail_remaining");
    if (remaining > 0) {
        kv_put_number(self, "fail_remaining", remaining - 1);
        return sb_error_set(err, SB_ERR_IO, "provider unavailable: 503");
    }
    /* The message id: the string after "message_id":" (the host writes it without spaces). */
    const char *marker = "\"message_id\":\"";
    size_t mlen = strlen(marker);
    char id[128] = "unknown";
    for (size_t i = 0; i + mlen < message.len; i++) {
        if (memcmp(message.ptr + i, marker, mlen) == 0) {
            size_t j = 0;
            for (size_t k = i + mlen; k < message.len && message.ptr[k] != '"' && j < sizeof id - 1; k++) id[j++] = (char)message.ptr[k];
            id[j] = 0;
            break;
        }
    }
    char key[192];
    snprintf(key, sizeof key, "sent/%s", id);
    host->kv_put(self, sb_str(key), message, 0);
    snprintf(key, sizeof key, "delivered/%s", id);
    long delivered = kv_number(self, key);
    kv_put_number(self, key, delivered < 0 ? 1 : delivered + 1);
    char out[256];
    int n = snprintf(out, sizeof out, "{\"external_id\":\"ext-%s\",\"status\":\"sent\"}", id);
    sb_bytes_t bytes = {(const uint8_t *)out, (size_t)n};
    return host->output_write(result, bytes);
}

static const sb_route_t routes[] = {
    {sizeof(sb_route_t), SB_MOUNT_INSTANCE, {(const uint8_t *)"*", 1}, {(const uint8_t *)"/*", 2}},
    {sizeof(sb_route_t), SB_MOUNT_TENANT, {(const uint8_t *)"*", 1}, {(const uint8_t *)"/*", 2}},
    {sizeof(sb_route_t), SB_MOUNT_ALIAS, {(const uint8_t *)"*", 1}, {(const uint8_t *)"/probe-alias/*", 14}},
};

static const sb_migration_t migrations[] = {
    {sizeof(sb_migration_t), 0, {(const uint8_t *)"001_notes", 9},
     {(const uint8_t *)"CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT NOT NULL)", 63}},
};

static const sb_plugin_hooks_t hooks = {
    .struct_size = sizeof(sb_plugin_hooks_t),
    .on_init = on_init,
    .on_shutdown = on_shutdown,
    .on_instance_start = on_instance_start,
    .on_instance_stop = on_instance_stop,
    .on_http_request = on_http_request,
    .on_send = on_send,
    .on_timer = on_timer,
    .on_reply_event = on_reply_event,
};

static const sb_plugin_descriptor_t descriptor = {
    .struct_size = sizeof(sb_plugin_descriptor_t),
    .abi_major = SB_ABI_MAJOR,
    .abi_minor = SB_ABI_MINOR,
    .kind = SB_KIND_CHANNEL,
    .name = {(const uint8_t *)"probe", 5},
    .version = {(const uint8_t *)"1.0.0", 5},
    .settings_schema = {(const uint8_t *)"{\"type\":\"object\"}", 17},
    .routes = routes,
    .route_count = sizeof routes / sizeof routes[0],
    .migrations = migrations,
    .migration_count = 1,
    .hooks = &hooks,
};

const sb_plugin_descriptor_t *switchboard_plugin_entry(uint16_t major, uint16_t minor, sb_error_t *err) {
    (void)major; (void)minor; (void)err;
    return &descriptor;
}
