/* Compile-time checks that the ABI header stays pure C99 and its frozen layouts do not drift. */
#include "switchboard_plugin.h"

#define SB_STATIC_ASSERT(cond, name) typedef char sb_static_assert_##name[(cond) ? 1 : -1]

SB_STATIC_ASSERT(sizeof(sb_bytes_t) == 2 * sizeof(void *), bytes_layout);
SB_STATIC_ASSERT(sizeof(sb_header_t) == 2 * sizeof(sb_bytes_t), header_layout);
SB_STATIC_ASSERT(offsetof(sb_plugin_descriptor_t, struct_size) == 0, descriptor_size_first);
SB_STATIC_ASSERT(offsetof(sb_host_api_t, struct_size) == 0, host_size_first);
SB_STATIC_ASSERT(offsetof(sb_plugin_hooks_t, struct_size) == 0, hooks_size_first);
/* Append-only: 1.0 ended with output_write; 1.1 appended message_status right after it. */
SB_STATIC_ASSERT(offsetof(sb_host_api_t, message_status) == offsetof(sb_host_api_t, output_write) + sizeof(void *),
                 host_1_1_appended);
/* 1.2 appended instance_status_set after message_status. */
SB_STATIC_ASSERT(offsetof(sb_host_api_t, instance_status_set) ==
                     offsetof(sb_host_api_t, message_status) + sizeof(void *),
                 host_1_2_appended);
/* 1.3 appended conversation_history and contact_forget to the host table, on_reply_event to the hooks. */
SB_STATIC_ASSERT(offsetof(sb_host_api_t, conversation_history) ==
                     offsetof(sb_host_api_t, instance_status_set) + sizeof(void *),
                 host_1_3_appended);
SB_STATIC_ASSERT(offsetof(sb_host_api_t, contact_forget) ==
                     offsetof(sb_host_api_t, conversation_history) + sizeof(void *),
                 host_1_3_appended_2);
SB_STATIC_ASSERT(offsetof(sb_plugin_hooks_t, on_reply_event) ==
                     offsetof(sb_plugin_hooks_t, on_timer) + sizeof(void *),
                 hooks_1_3_appended);

/* The library needs one symbol to be a valid object file. */
int sb_plugin_api_abi_major(void) { return SB_ABI_MAJOR; }
