/*
 * versioned: a plugin built twice with different -DVERSION values to test reloads.
 * GET /version answers {"version":"<VERSION>"}; the answer tells which generation served.
 * It refuses any configuration that mentions "refuse" (to test refused configurations), and
 * with -DALIAS_PATH='"/x"' also declares that alias (to test alias conflicts), and with
 * -DMIGRATION_SQL='"…"' one migration of that SQL (to test the portable SQL check at load).
 */
#include <switchboard_plugin.h>

#ifndef VERSION
#define VERSION "1.0.0"
#endif

static const sb_host_api_t *host;

static sb_status_t on_init(const sb_host_api_t *h, void **out, sb_error_t *err) {
    (void)err;
    host = h;
    *out = NULL;
    return SB_OK;
}

static void on_shutdown(void *plugin) { (void)plugin; }

static int mentions_refuse(sb_bytes_t config) {
    for (size_t i = 0; i + 6 <= config.len; i++) {
        const uint8_t *p = config.ptr + i;
        if (p[0] == 'r' && p[1] == 'e' && p[2] == 'f' && p[3] == 'u' && p[4] == 's' && p[5] == 'e') return 1;
    }
    return 0;
}

static sb_status_t on_instance_start(void *plugin, sb_instance_t instance, sb_bytes_t config, void **out, sb_error_t *err) {
    (void)plugin; (void)instance;
    if (mentions_refuse(config)) return sb_error_set(err, SB_ERR_INVALID_ARGUMENT, "setting refuse is not allowed");
    *out = NULL;
    return SB_OK;
}

static void on_instance_stop(void *instance) { (void)instance; }

static sb_status_t on_http_request(void *instance, const sb_http_request_t *req, sb_response_t response, sb_error_t *err) {
    (void)instance; (void)req; (void)err;
    sb_header_t header = {sb_str("content-type"), sb_str("application/json")};
    return host->response_send(response, 200, &header, 1, sb_str("{\"version\":\"" VERSION "\"}"));
}

static sb_status_t on_send(void *instance, sb_bytes_t message, sb_output_t result, sb_error_t *err) {
    (void)instance; (void)message; (void)result;
    return sb_error_set(err, SB_ERR_UNSUPPORTED, "versioned does not send");
}

static const sb_route_t routes[] = {
    {sizeof(sb_route_t), SB_MOUNT_INSTANCE, {(const uint8_t *)"GET", 3}, {(const uint8_t *)"/version", 8}},
#ifdef ALIAS_PATH
    {sizeof(sb_route_t), SB_MOUNT_ALIAS, {(const uint8_t *)"POST", 4}, {(const uint8_t *)ALIAS_PATH, sizeof(ALIAS_PATH) - 1}},
#endif
};

#ifdef MIGRATION_SQL
static const sb_migration_t migrations[] = {
    {sizeof(sb_migration_t), 0, {(const uint8_t *)"001_init", 8}, {(const uint8_t *)MIGRATION_SQL, sizeof(MIGRATION_SQL) - 1}},
};
#endif

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
    .name = {(const uint8_t *)"versioned", 9},
    .version = {(const uint8_t *)VERSION, sizeof(VERSION) - 1},
    .settings_schema = {(const uint8_t *)"{}", 2},
    .routes = routes,
    .route_count = sizeof routes / sizeof routes[0],
#ifdef MIGRATION_SQL
    .migrations = migrations,
    .migration_count = 1,
#endif
    .hooks = &hooks,
};

const sb_plugin_descriptor_t *switchboard_plugin_entry(uint16_t major, uint16_t minor, sb_error_t *err) {
    (void)major; (void)minor; (void)err;
    return &descriptor;
}
