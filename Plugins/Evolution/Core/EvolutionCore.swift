// Evolution API domain rules as plain types: webhook payloads, addressing, send bodies.
// No I/O here: the plugin target does the HTTP and storage.
