import SMSCore

/// Query-string lookups.
enum FormURLEncodedQuery {
    static func value(_ query: String, _ name: String) -> String? {
        FormURLEncoded.parse(query).value(name)
    }
}
