// SMS masking domain rules as plain types: numbers, routing, quarantine, audit, signatures.
// No I/O here: the plugin target does the HTTP and storage.
