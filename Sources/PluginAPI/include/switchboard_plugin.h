/*
 * switchboard_plugin.h: the Switchboard plugin ABI, version 1.0.
 *
 * A channel plugin is a shared library that exports one function,
 * `switchboard_plugin_entry` (see sb_plugin_entry_fn). The host calls it once
 * after dlopen; it returns a descriptor naming the plugin, the ABI version it
 * was built against, the settings it accepts, the HTTP routes it serves, the
 * SQL migrations it needs and its hook table. The host then calls on_init
 * with the host-services table (sb_host_api_t) and starts one plugin instance
 * per (tenant, channel instance).
 *
 * Rules that hold everywhere in this header:
 *  - Pure C99; only <stdint.h>, <stddef.h> and <stdbool.h>.
 *  - Bytes travel as {ptr,len} (sb_bytes_t); text is UTF-8 and never relies on
 *    a NUL terminator. Structured data travels as documented JSON bytes.
 *  - OWNERSHIP is stated on every type and call. sb_bytes_t is always
 *    borrowed: valid only for the duration of the call that passes it.
 *    sb_owned_bytes_t is allocated by the host and released by the plugin
 *    with host->bytes_free. Whoever allocates frees.
 *  - Every extensible struct starts with `struct_size`, set by whoever fills
 *    the struct. The reader uses only fields that lie inside struct_size and
 *    treats the rest as zero. Arrays of extensible structs are walked with the
 *    first element's struct_size as stride. Types marked FROZEN never grow.
 *  - Handles the host gives the plugin (sb_instance_t, sb_response_t,
 *    sb_timer_t, sb_output_t) are opaque 64-bit values, never pointers. The
 *    host validates each one; an unknown or stale handle yields
 *    SB_ERR_INVALID_HANDLE, never a crash. 0 is never a valid handle.
 *  - Every call is plain data (handles, scalars, bytes) so that a future
 *    out-of-process mode can proxy each call unchanged.
 *
 * Versioning: the major must match exactly; a plugin built for minor N loads
 * in hosts of minor >= N. Tables and structs only ever grow at the end.
 */
#ifndef SWITCHBOARD_PLUGIN_H
#define SWITCHBOARD_PLUGIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------------ */
/* Versions and names                                                        */
/* ------------------------------------------------------------------------ */

#define SB_ABI_MAJOR 1
#define SB_ABI_MINOR 3

/** The one symbol a plugin exports. */
#define SB_PLUGIN_ENTRY_SYMBOL "switchboard_plugin_entry"

/** Plugin kinds. */
#define SB_KIND_CHANNEL 1

/* ------------------------------------------------------------------------ */
/* Status codes                                                              */
/* ------------------------------------------------------------------------ */

/** Every fallible call returns one of these. */
typedef int32_t sb_status_t;

#define SB_OK 0
/** on_http_request only: the plugin will answer later through the response handle. */
#define SB_PENDING 1
#define SB_ERR_INVALID_ARGUMENT 10 /* malformed input: bad UTF-8, bad JSON, bad SQL, NULL out-param */
#define SB_ERR_NOT_FOUND 11        /* no such key / row / route */
#define SB_ERR_INVALID_HANDLE 12   /* unknown, stale or foreign handle */
#define SB_ERR_CONFLICT 13         /* compare-and-swap mismatch, constraint violation */
#define SB_ERR_DENIED 14           /* refused by the host's isolation rules (ATTACH, foreign tables...) */
#define SB_ERR_TOO_LARGE 15        /* a size limit was exceeded */
#define SB_ERR_TIMEOUT 16          /* the operation did not finish in time */
#define SB_ERR_IO 17               /* network or disk failure */
#define SB_ERR_UNSUPPORTED 18      /* the host or plugin does not implement this */
#define SB_ERR_UNAVAILABLE 19      /* closed: stream ended, instance stopping, client gone */
#define SB_ERR_INTERNAL 20         /* a bug on the side that returns it */
#define SB_ERR_VERSION 21          /* ABI version not supported */

/** Log levels for sb_host_api_t.log. */
#define SB_LOG_TRACE 0
#define SB_LOG_DEBUG 1
#define SB_LOG_INFO 2
#define SB_LOG_WARNING 3
#define SB_LOG_ERROR 4

/* ------------------------------------------------------------------------ */
/* Bytes, errors, headers                                                    */
/* ------------------------------------------------------------------------ */

/**
 * A borrowed byte range. FROZEN.
 * OWNERSHIP: never freed by the receiver; valid only during the call that
 * passes it (or, in a descriptor, for as long as the library is loaded).
 * ptr may be NULL when len is 0.
 */
typedef struct sb_bytes {
    const uint8_t *ptr;
    size_t len;
} sb_bytes_t;

/**
 * Bytes the host allocated for the plugin. FROZEN.
 * OWNERSHIP: the plugin owns them once a call returns SB_OK and must release
 * them exactly once with host->bytes_free. {NULL,0} is a valid empty value
 * (freeing it is a no-op).
 */
typedef struct sb_owned_bytes {
    uint8_t *ptr;
    size_t len;
} sb_owned_bytes_t;

/**
 * An error message buffer.
 * OWNERSHIP: the caller owns `buf` (capacity `cap`); the callee writes at most
 * `cap` bytes of UTF-8 into it and sets `len`. The callee never frees it.
 * Write with sb_error_set. The pointer may be NULL: then no message is wanted.
 */
typedef struct sb_error {
    uint32_t struct_size;
    uint32_t reserved;
    uint8_t *buf;
    size_t cap;
    size_t len;
} sb_error_t;

/** Copy a NUL-terminated message into err (truncating) and return `status`. */
static inline sb_status_t sb_error_set(sb_error_t *err, sb_status_t status, const char *message) {
    if (err != NULL && err->buf != NULL && message != NULL) {
        size_t n = 0;
        while (message[n] != '\0' && n < err->cap) {
            err->buf[n] = (uint8_t)message[n];
            n++;
        }
        err->len = n;
    }
    return status;
}

/** Make an sb_bytes_t from a NUL-terminated string literal or buffer. */
static inline sb_bytes_t sb_str(const char *s) {
    sb_bytes_t b;
    size_t n = 0;
    if (s != NULL) {
        while (s[n] != '\0') {
            n++;
        }
    }
    b.ptr = (const uint8_t *)s;
    b.len = n;
    return b;
}

/**
 * One HTTP header. FROZEN.
 * OWNERSHIP: borrowed, like the sb_bytes_t it holds.
 */
typedef struct sb_header {
    sb_bytes_t name;
    sb_bytes_t value;
} sb_header_t;

/* ------------------------------------------------------------------------ */
/* Handles                                                                   */
/* ------------------------------------------------------------------------ */

/** The host's handle for one plugin instance. 0 means "no instance" (plugin-level logging only). */
typedef uint64_t sb_instance_t;
/** The host's handle for one pending HTTP response; valid until sent or the stream is closed. */
typedef uint64_t sb_response_t;
/** The host's handle for one timer; valid until cancelled, fired (one-shot) or the instance stops. */
typedef uint64_t sb_timer_t;
/** The host's handle for an output the plugin writes into during one hook call. */
typedef uint64_t sb_output_t;

#define SB_NO_INSTANCE ((sb_instance_t)0)

/* ------------------------------------------------------------------------ */
/* Data passed through host services                                         */
/* ------------------------------------------------------------------------ */

/** SQL value types for sb_sql_value_t.type. */
#define SB_SQL_NULL 0
#define SB_SQL_INTEGER 1
#define SB_SQL_REAL 2
#define SB_SQL_TEXT 3
#define SB_SQL_BLOB 4

/**
 * One bound SQL parameter. FROZEN.
 * OWNERSHIP: borrowed; `bytes` is read for TEXT (UTF-8) and BLOB only.
 */
typedef struct sb_sql_value {
    int32_t type;
    int32_t reserved;
    int64_t integer;
    double real;
    sb_bytes_t bytes;
} sb_sql_value_t;

/**
 * An outbound HTTP request (host->http_fetch).
 * OWNERSHIP: filled and owned by the plugin; the host copies what it needs.
 */
typedef struct sb_http_fetch_request {
    uint32_t struct_size;
    uint32_t timeout_ms; /* 0: the host's default (30 s) */
    sb_bytes_t method;   /* "GET", "POST", ... */
    sb_bytes_t url;      /* absolute http:// or https:// URL */
    const sb_header_t *headers;
    size_t header_count;
    sb_bytes_t body;
} sb_http_fetch_request_t;

/**
 * The answer to an outbound HTTP request.
 * OWNERSHIP: the plugin provides the struct (setting struct_size); the host
 * fills it. On SB_OK the plugin owns headers_json and body and frees both
 * with host->bytes_free. headers_json is a JSON array of [name, value] pairs.
 */
typedef struct sb_http_fetch_response {
    uint32_t struct_size;
    uint32_t status;
    sb_owned_bytes_t headers_json;
    sb_owned_bytes_t body;
} sb_http_fetch_response_t;

/**
 * An inbound HTTP request on one of the plugin's routes (on_http_request).
 * OWNERSHIP: host-owned, valid only during the hook call; copy what you keep.
 */
typedef struct sb_http_request {
    uint32_t struct_size;
    uint32_t route_index;     /* index into the descriptor's routes */
    sb_bytes_t method;
    sb_bytes_t path;          /* the full request path, e.g. /webhook/echo/main/hello */
    sb_bytes_t subpath;       /* after the instance mount, e.g. /hello (starts with /); for alias routes, the whole path */
    sb_bytes_t query;         /* raw query string without '?', may be empty */
    sb_bytes_t remote_address;/* client IP address as text, may be empty */
    const sb_header_t *headers;
    size_t header_count;
    sb_bytes_t body;
} sb_http_request_t;

/* ------------------------------------------------------------------------ */
/* Host services                                                             */
/* ------------------------------------------------------------------------ */

/**
 * The services the host offers, handed to on_init.
 * OWNERSHIP: host-owned, constant, valid until after on_shutdown returns.
 * Append-only: check `struct_size` (or abi_minor) before using a slot added
 * after 1.0. Every slot of ABI 1.0 is non-NULL.
 *
 * THREADS: every service may be called from any thread, concurrently, and
 * may block the calling thread (storage, http_fetch). Never call a service
 * while holding a lock that a hook call needs.
 *
 * Instance context: every service except bytes_free and the response/output
 * calls takes the sb_instance_t the host gave on_instance_start. Storage is
 * scoped by the host to that instance's tenant and plugin.
 */
typedef struct sb_host_api {
    uint32_t struct_size;
    uint16_t abi_major;
    uint16_t abi_minor;

    /** Release bytes the host allocated. NULL ptr is a no-op. */
    void (*bytes_free)(sb_owned_bytes_t bytes);

    /**
     * Log a line with the instance's context (tenant, plugin, instance) attached.
     * Pass SB_NO_INSTANCE from on_init/on_shutdown. The host redacts phone
     * numbers and secrets unless the operator turned redaction off.
     */
    void (*log)(sb_instance_t instance, int32_t level, sb_bytes_t message);

    /**
     * The instance's current configuration (InstanceConfig) as a JSON object:
     * {"tenant": "...", "instance": "...", "plugin": "...", "is_default": bool,
     *  "settings": {...}, "secrets": {...}}.
     * OWNERSHIP: *out_json is owned by the plugin on SB_OK.
     */
    sb_status_t (*config_get)(sb_instance_t instance, sb_owned_bytes_t *out_json);

    /* Key-value storage, scoped to (tenant, plugin). Keys are 1..1024 bytes of UTF-8;
     * values at most 16 MiB. Expired entries read as absent. */

    /** Read a value. SB_ERR_NOT_FOUND when absent. OWNERSHIP: *out_value owned by the plugin on SB_OK. */
    sb_status_t (*kv_get)(sb_instance_t instance, sb_bytes_t key, sb_owned_bytes_t *out_value);
    /** Write a value. ttl_ms 0 keeps it until deleted. */
    sb_status_t (*kv_put)(sb_instance_t instance, sb_bytes_t key, sb_bytes_t value, uint64_t ttl_ms);
    /** Delete a key. SB_OK whether or not it existed. */
    sb_status_t (*kv_delete)(sb_instance_t instance, sb_bytes_t key);
    /**
     * List keys that start with `prefix`, in byte order, after `start_after`
     * (empty: from the start), at most `limit` (0: 1000; capped at 1000).
     * *out_json: {"keys": ["k1", ...], "next": "k-last" | null}; next is non-null when more remain.
     */
    sb_status_t (*kv_list)(sb_instance_t instance, sb_bytes_t prefix, sb_bytes_t start_after, uint32_t limit,
                           sb_owned_bytes_t *out_json);
    /**
     * Compare-and-swap. `expected` NULL: the key must be absent; otherwise its
     * current value must equal *expected. `desired` NULL: delete on success;
     * otherwise write *desired with ttl_ms. SB_ERR_CONFLICT when the comparison fails.
     */
    sb_status_t (*kv_cas)(sb_instance_t instance, sb_bytes_t key, const sb_bytes_t *expected,
                          const sb_bytes_t *desired, uint64_t ttl_ms);

    /* SQL storage: the plugin's own SQLite-dialect database for (tenant, plugin),
     * with the descriptor's migrations applied. ATTACH, DETACH, load_extension,
     * writable PRAGMAs and tables named _sb_* are refused with SB_ERR_DENIED.
     * One statement per call. */

    /** Run a statement; *out_changes (may be NULL) gets the number of rows changed. */
    sb_status_t (*sql_exec)(sb_instance_t instance, sb_bytes_t sql, const sb_sql_value_t *params,
                            size_t param_count, int64_t *out_changes, sb_error_t *err);
    /**
     * Run a query. *out_json: {"columns": ["a", ...], "rows": [[1, "x", null, 2.5, {"base64": "..."}], ...]}
     * (BLOB values as {"base64": ...}). OWNERSHIP: *out_json owned by the plugin on SB_OK.
     */
    sb_status_t (*sql_query)(sb_instance_t instance, sb_bytes_t sql, const sb_sql_value_t *params,
                             size_t param_count, sb_owned_bytes_t *out_json, sb_error_t *err);

    /**
     * Outbound HTTP. Blocks the calling thread until the answer, the timeout or
     * an error. A non-2xx status is still SB_OK: read out->status.
     */
    sb_status_t (*http_fetch)(sb_instance_t instance, const sb_http_fetch_request_t *request,
                              sb_http_fetch_response_t *out, sb_error_t *err);

    /**
     * Hand an inbound message to the conversation core. It is durably stored
     * before this returns SB_OK (answer the provider only then). message_json:
     * {"external_id": "...", "from": "...", "from_name": "...", "text": "...",
     *  "thread_key": "...", "timestamp": 1700000000, "metadata": {...},
     *  "attachments": [{...}], "from_human": false, "stream": false}
     * (external_id, from and text required; thread_key groups messages into one
     * conversation, default: one per sender; from_human true: a person on the
     * tenant's side wrote it on the channel itself, so the assistant pauses in
     * that conversation; stream true (ABI 1.3): the plugin wants the reply's text
     * as it is generated, through on_reply_event). *out_json (may be NULL):
     * {"message_id": "...", "conversation_id": "...", "duplicate": false,
     *  "reply_queued": true}.
     * A redelivered external_id is SB_OK with "duplicate": true and gets no
     * second reply. Blocks the calling thread until the write is committed.
     */
    sb_status_t (*inbound_deliver)(sb_instance_t instance, sb_bytes_t message_json, sb_owned_bytes_t *out_json,
                                   sb_error_t *err);

    /**
     * Start a timer that calls on_timer(instance, timer, user_data) after
     * delay_ms, then every interval_ms if interval_ms > 0. Timers end when the
     * instance stops.
     */
    sb_status_t (*timer_start)(sb_instance_t instance, uint64_t delay_ms, uint64_t interval_ms, uint64_t user_data,
                               sb_timer_t *out_timer);
    /** Cancel a timer. SB_ERR_INVALID_HANDLE when it is unknown or already finished. */
    sb_status_t (*timer_cancel)(sb_instance_t instance, sb_timer_t timer);

    /** Add to a counter; the host labels it with plugin, tenant and instance. Name: [a-z0-9_], 1..64 bytes. */
    sb_status_t (*counter_add)(sb_instance_t instance, sb_bytes_t name, uint64_t delta);
    /** Record a histogram observation (for example seconds), labelled like counters. */
    sb_status_t (*histogram_record)(sb_instance_t instance, sb_bytes_t name, double value);

    /* HTTP responses. A response handle is answered exactly once: either with
     * response_send, or with response_stream_open, any number of
     * response_stream_write, then response_stream_close. These calls may come
     * from any thread, during or after on_http_request (after only when it
     * returned SB_PENDING or opened a stream). */

    /** Send a complete response. Headers and body are copied. */
    sb_status_t (*response_send)(sb_response_t response, uint32_t status, const sb_header_t *headers,
                                 size_t header_count, sb_bytes_t body);
    /** Start a streamed response (for example text/event-stream). */
    sb_status_t (*response_stream_open)(sb_response_t response, uint32_t status, const sb_header_t *headers,
                                        size_t header_count);
    /** Send one chunk. SB_ERR_UNAVAILABLE once the client has gone; stop writing then. */
    sb_status_t (*response_stream_write)(sb_response_t response, sb_bytes_t chunk);
    /** End the stream and retire the handle. */
    sb_status_t (*response_stream_close)(sb_response_t response);

    /** Append bytes to an output (the result of on_send). */
    sb_status_t (*output_write)(sb_output_t output, sb_bytes_t bytes);

    /* ---- Added in ABI 1.1. A plugin built for 1.1 that may run on a 1.0 host checks
     * host->struct_size > offsetof(sb_host_api_t, message_status) (or host->abi_minor >= 1)
     * before calling it. ---- */

    /**
     * Report what the channel says became of an outbound message: external_id is the id the
     * plugin's on_send result gave it; status is "sent", "delivered", "read" or "failed"
     * (detail, may be empty: the provider's reason, kept on a failed message). Statuses only
     * move forward (sent -> delivered -> read; failed is final): a report that would move one
     * back is SB_OK and changes nothing. SB_ERR_NOT_FOUND when this instance sent no message
     * with that id; SB_ERR_INVALID_ARGUMENT for another status. Thread-safe; may block briefly
     * on storage.
     */
    sb_status_t (*message_status)(sb_instance_t instance, sb_bytes_t external_id, sb_bytes_t status,
                                  sb_bytes_t detail);

    /* ---- Added in ABI 1.2. Check host->struct_size > offsetof(sb_host_api_t, instance_status_set)
     * (or host->abi_minor >= 2) before calling it. ---- */

    /**
     * Publish the channel's own view of this instance: a JSON object of at most 256 KiB, e.g.
     * {"connection": "open", "reason": "...", "qrcode": {"base64": "...", "updated_at": "..."}}.
     * The host stores it (it survives restarts), replaces the previous one whole, and shows it
     * as `channel_status` (with `channel_status_updated_at`) when an operator reads the instance
     * through the admin API. Never put secrets in it. SB_ERR_INVALID_ARGUMENT when status_json
     * is not a JSON object, SB_ERR_TOO_LARGE over the limit. Thread-safe; blocks briefly on storage.
     */
    sb_status_t (*instance_status_set)(sb_instance_t instance, sb_bytes_t status_json);

    /* ---- Added in ABI 1.3. Check host->struct_size > offsetof(sb_host_api_t, contact_forget)
     * (or host->abi_minor >= 3) before calling them. ---- */

    /**
     * The messages of one contact on this instance, for a channel that shows history (a web
     * chat reopened after a reload). query_json: {"contact": "...", "thread_key": "...",
     * "limit": 50, "before": "<cursor>"} (contact required: the `from` its inbound messages
     * carried; thread_key optional; limit 1..200, default 50). *out_json:
     * {"items": [{"id", "direction": "inbound"|"outbound", "author": "contact"|"assistant"|
     *  "human"|"staff", "text", "status", "created_at": <ms>, "conversation_id"}],
     *  "next_cursor": "..." or null} -- the newest `limit` messages, oldest first; pass
     * next_cursor as "before" for the page before. An unknown contact has no messages (SB_OK,
     * empty items). SB_ERR_INVALID_ARGUMENT (with err naming the member) for a bad query.
     */
    sb_status_t (*conversation_history)(sb_instance_t instance, sb_bytes_t query_json, sb_owned_bytes_t *out_json,
                                        sb_error_t *err);
    /**
     * Erase a contact of this instance (a visitor deleting their chat): its conversations,
     * messages, pending replies and queued outbound messages. The next inbound from that
     * address starts afresh. SB_OK also when the contact is unknown.
     */
    sb_status_t (*contact_forget)(sb_instance_t instance, sb_bytes_t contact);
} sb_host_api_t;

/* ------------------------------------------------------------------------ */
/* The plugin's side                                                         */
/* ------------------------------------------------------------------------ */

/** Route mounts for sb_route_t.mount. */
/** Served under /webhook/{plugin}/{instance}{path}; the instance is named in the URL. */
#define SB_MOUNT_INSTANCE 0
/** Served at the absolute {path}; answered by the plugin's default instance. */
#define SB_MOUNT_ALIAS 1
/**
 * Added in ABI 1.2. Served under /v1/plugins/{plugin}/{instance}{path}, the tenant API: the host
 * answers 401/403 itself unless the caller presents a tenant API key of the instance's tenant
 * (Authorization: Bearer sb_tenant_... or X-Switchboard-Key) or the admin token with
 * X-Switchboard-Tenant naming that tenant, and 404 for an instance of another tenant, all before
 * the body is read. Hosts before 1.2 refuse a descriptor that uses it.
 */
#define SB_MOUNT_TENANT 2

/**
 * One HTTP route. Paths are '/'-separated: literal segments, "{name}"
 * matching one segment, and a final "*" matching the rest.
 * OWNERSHIP: plugin-owned, static for the lifetime of the library.
 */
typedef struct sb_route {
    uint32_t struct_size;
    uint32_t mount;    /* SB_MOUNT_*: INSTANCE, ALIAS, TENANT (1.2) */
    sb_bytes_t method; /* "GET", "POST", ... or "*" */
    sb_bytes_t path;   /* e.g. "/health", "/{event}", "/files/" then a star segment; aliases: "/webhook/echo" */
} sb_route_t;

/**
 * One forward-only SQL migration, applied once per (tenant, plugin) database
 * in declaration order, each in its own transaction, recorded by name.
 * OWNERSHIP: plugin-owned, static for the lifetime of the library.
 */
typedef struct sb_migration {
    uint32_t struct_size;
    uint32_t reserved;
    sb_bytes_t name;
    sb_bytes_t sql; /* one or more statements */
} sb_migration_t;

/**
 * The hooks the plugin implements. OWNERSHIP: plugin-owned, static.
 * Mandatory: on_init, on_shutdown, on_instance_start, on_instance_stop,
 * on_send, and on_http_request when the descriptor declares routes.
 * Optional hooks may be NULL.
 *
 * THREADS: on_init and on_shutdown run once, on a host worker thread, with no
 * other hook of this plugin running. Every other hook runs on the plugin's own
 * pool of host worker threads (never on the network event loop), possibly
 * concurrently for the same instance: the plugin makes its state thread-safe.
 * Hooks may block (a blocked hook stalls only this plugin's pool). No hook of
 * an instance runs after its on_instance_stop returns.
 */
typedef struct sb_plugin_hooks {
    uint32_t struct_size;
    uint32_t reserved;

    /**
     * Called once after loading. `host` stays valid until on_shutdown returns.
     * *out_plugin receives the plugin's state (may stay NULL).
     */
    sb_status_t (*on_init)(const sb_host_api_t *host, void **out_plugin, sb_error_t *err);
    /** Called once when the host retires this plugin; every instance is already stopped. */
    void (*on_shutdown)(void *plugin);

    /**
     * Start an instance for one (tenant, channel instance). `config_json` is
     * its InstanceConfig (see config_get). *out_instance receives the plugin's
     * instance pointer, passed back in every later hook of that instance.
     * Return an error with a reason to refuse the configuration.
     */
    sb_status_t (*on_instance_start)(void *plugin, sb_instance_t instance, sb_bytes_t config_json,
                                     void **out_instance, sb_error_t *err);
    /** Stop an instance: release what it holds. No hook of it runs afterwards. */
    void (*on_instance_stop)(void *instance);

    /**
     * The operator changed the instance's configuration. Return SB_OK to apply
     * it in place; any error (or a NULL hook) makes the host stop and start the
     * instance with the new configuration instead.
     */
    sb_status_t (*on_config_changed)(void *instance, sb_bytes_t config_json, sb_error_t *err);

    /**
     * An HTTP request on one of the plugin's routes. Answer through `response`
     * (see host->response_*). Return SB_OK once answered or a stream is open,
     * SB_PENDING to answer later, or an error. The host answers 502 with the
     * message when the hook fails or returns SB_OK without answering, and 504
     * when a SB_PENDING response does not come within its timeout (30 s by
     * default). When the instance stops, open streams are ended and pending
     * responses answered 502; their handles then yield SB_ERR_INVALID_HANDLE.
     */
    sb_status_t (*on_http_request)(void *instance, const sb_http_request_t *request, sb_response_t response,
                                   sb_error_t *err);

    /**
     * Send one outbound message on the channel. message_json:
     * {"to": "...", "to_name": "...", "text": "...", "message_id": "...",
     *  "conversation_id": "...", "thread_key": "...", "author": "assistant",
     *  "reply_to": "...", "attempt": 1, "attachments": [...], "metadata": {...}}.
     * The host retries until SB_OK (at least once delivery): use message_id to
     * make sends idempotent. On SB_OK the plugin may write a JSON result to
     * `result` with host->output_write: {"external_id": "...", "status": "sent"}.
     * Failures: SB_ERR_INVALID_ARGUMENT, SB_ERR_NOT_FOUND, SB_ERR_DENIED,
     * SB_ERR_TOO_LARGE and SB_ERR_UNSUPPORTED are permanent (the provider refused:
     * the message is marked failed with err's text); any other status is retried
     * with backoff.
     */
    sb_status_t (*on_send)(void *instance, sb_bytes_t message_json, sb_output_t result, sb_error_t *err);

    /** A timer started with host->timer_start fired. */
    void (*on_timer)(void *instance, sb_timer_t timer, uint64_t user_data);

    /* ---- Added in ABI 1.3 (optional, may be NULL; hosts before 1.3 never call it). ---- */

    /**
     * Progress of the reply to an inbound message delivered with "stream": true. event_json:
     * {"type": "delta", "reply_to": "<inbound message id>", "conversation_id": "...",
     *  "text": "<the next piece of the reply>", "index": 0}
     * in order (index counts from 0; the next delta of a reply is not sent before this call
     * returns), or {"type": "error", "reply_to", "conversation_id", "error": "...",
     * "retrying": true|false} when the agent failed (retrying: the host will try again and may
     * stream the reply anew from index 0). The finished reply still arrives through on_send
     * with "reply_to", the plugin's signal that the reply is complete. Runs on the plugin's
     * pool; keep it short.
     */
    void (*on_reply_event)(void *instance, sb_bytes_t event_json);
} sb_plugin_hooks_t;

/**
 * What the entry function returns.
 * OWNERSHIP: plugin-owned, static for the lifetime of the library; the host
 * copies what it needs and never frees or writes it.
 */
typedef struct sb_plugin_descriptor {
    uint32_t struct_size;
    uint16_t abi_major; /* SB_ABI_MAJOR the plugin was built against */
    uint16_t abi_minor; /* SB_ABI_MINOR the plugin was built against */
    uint32_t kind;      /* SB_KIND_* */
    uint32_t reserved;
    sb_bytes_t name;    /* [a-z][a-z0-9_-]{0,31}: used in URLs and storage paths */
    sb_bytes_t version; /* the plugin's own version, e.g. "1.2.0" */
    sb_bytes_t settings_schema; /* JSON Schema (object) of the settings the plugin accepts */
    const sb_route_t *routes;
    size_t route_count;
    const sb_migration_t *migrations;
    size_t migration_count;
    const sb_plugin_hooks_t *hooks;
} sb_plugin_descriptor_t;

/**
 * The entry function, exported as SB_PLUGIN_ENTRY_SYMBOL. Called once per
 * load, before anything else, with the host's ABI version. Returns the
 * descriptor, or NULL with a reason written to `err`. Must not start threads
 * or touch the host: that is on_init's job.
 */
typedef const sb_plugin_descriptor_t *(*sb_plugin_entry_fn)(uint16_t host_abi_major, uint16_t host_abi_minor,
                                                            sb_error_t *err);

/** Marks the entry function exported even when a plugin builds with -fvisibility=hidden. */
#if defined(__GNUC__) || defined(__clang__)
#define SB_PLUGIN_EXPORT __attribute__((visibility("default")))
#else
#define SB_PLUGIN_EXPORT
#endif

#if !defined(__swift__) && !defined(SB_HOST_BUILD)
/** The entry a C plugin defines; declared here so its signature is checked at compile time. */
SB_PLUGIN_EXPORT const sb_plugin_descriptor_t *switchboard_plugin_entry(uint16_t host_abi_major, uint16_t host_abi_minor,
                                                                        sb_error_t *err);
#endif

#ifdef __cplusplus
}
#endif

#endif /* SWITCHBOARD_PLUGIN_H */
