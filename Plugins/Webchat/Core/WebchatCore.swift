// Web chat domain rules as plain types: sessions, origins, rate limits, the widget.
// No I/O here: the plugin target does the HTTP and storage.
