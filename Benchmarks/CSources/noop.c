/*
 * noop.c: the baseline of the hook round-trip benchmark.
 * Compiled at benchmark start with `cc -O2 -shared -fPIC` into its own .so and called through
 * a function pointer, like a plugin hook. Same signature as sb_plugin_hooks_t.on_timer.
 */
#include <stdint.h>

__attribute__((visibility("default"))) void bench_noop_timer(void *instance, uint64_t timer, uint64_t user_data) {
    (void)instance;
    (void)timer;
    (void)user_data;
}
