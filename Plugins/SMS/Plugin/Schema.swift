import SwitchboardSDK

/// The plugin's tables (portable SQL; times are Unix milliseconds). The database is per tenant.
enum Schema {
    static let migrations = [
        Migration(
            name: "001_masking",
            sql: """
                CREATE TABLE numbers (
                    id INTEGER PRIMARY KEY, e164 TEXT NOT NULL UNIQUE,
                    role TEXT NOT NULL CHECK (role IN ('front_desk', 'pool', 'sitter')),
                    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'quarantined', 'released')),
                    assigned_sitter_id INTEGER, quarantine_until INTEGER, quarantine_reason TEXT, hold_until INTEGER,
                    created_at INTEGER NOT NULL);
                CREATE INDEX numbers_by_role ON numbers (role, status);
                CREATE INDEX numbers_quarantine_due ON numbers (quarantine_until) WHERE status = 'quarantined';
                CREATE INDEX numbers_hold_due ON numbers (hold_until) WHERE hold_until IS NOT NULL;
                CREATE TABLE sitters (
                    id INTEGER PRIMARY KEY, name TEXT NOT NULL, personal_phone TEXT NOT NULL UNIQUE,
                    active INTEGER NOT NULL DEFAULT 0, number_id INTEGER, created_at INTEGER NOT NULL);
                CREATE TABLE clients (
                    id INTEGER PRIMARY KEY, name TEXT NOT NULL, phone TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);
                CREATE TABLE threads (
                    id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL REFERENCES clients(id),
                    pool_number_id INTEGER, created_at INTEGER NOT NULL, UNIQUE (client_id));
                CREATE TABLE bookings (
                    id INTEGER PRIMARY KEY, client_id INTEGER NOT NULL REFERENCES clients(id),
                    sitter_id INTEGER NOT NULL REFERENCES sitters(id), thread_id INTEGER,
                    starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,
                    status TEXT NOT NULL CHECK (status IN ('pending', 'confirmed', 'cancelled')),
                    created_at INTEGER NOT NULL);
                CREATE INDEX bookings_by_client ON bookings (client_id, status, ends_at);
                CREATE INDEX bookings_by_sitter ON bookings (sitter_id, status, ends_at);
                CREATE TABLE audit_log (
                    id INTEGER PRIMARY KEY, actor TEXT NOT NULL, action TEXT NOT NULL, subject TEXT NOT NULL,
                    before_json TEXT, after_json TEXT, reason TEXT, created_at INTEGER NOT NULL);
                CREATE INDEX audit_by_subject ON audit_log (subject, id);
                CREATE TABLE routing_traces (
                    id INTEGER PRIMARY KEY, thread_id INTEGER, direction TEXT NOT NULL, decision TEXT NOT NULL,
                    from_number TEXT, message_ref TEXT, trace TEXT NOT NULL, created_at INTEGER NOT NULL);
                CREATE INDEX traces_by_thread ON routing_traces (thread_id, id);
                CREATE TABLE sends (
                    message_id TEXT PRIMARY KEY, sid TEXT, from_number TEXT, progress TEXT, created_at INTEGER NOT NULL);
                CREATE INDEX sends_by_sid ON sends (sid);
                CREATE TABLE outbox (
                    id TEXT PRIMARY KEY, kind TEXT NOT NULL, to_phone TEXT NOT NULL, from_number TEXT,
                    thread_id INTEGER, body TEXT NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                    next_at INTEGER NOT NULL, lease_until INTEGER, sid TEXT, progress TEXT, last_error TEXT,
                    created_at INTEGER NOT NULL);
                CREATE INDEX outbox_due ON outbox (state, next_at);
                CREATE INDEX outbox_by_sid ON outbox (sid);
                CREATE TABLE front_desk_inbox (
                    id INTEGER PRIMARY KEY, message_sid TEXT NOT NULL UNIQUE, sitter_id INTEGER, body TEXT NOT NULL,
                    trace TEXT NOT NULL, created_at INTEGER NOT NULL);
                """)
    ]
}
