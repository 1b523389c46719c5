/// A set of ids that keeps only the `capacity` most recently inserted: older ones drop out as
/// new ones arrive. Plain value; callers keep it behind their own lock.
struct RecentIDs {
    let capacity: Int
    private var members: Set<String> = []
    /// The members in the order they came, a ring of `capacity` entries.
    private var ring: [String] = []
    private var next = 0

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    func contains(_ id: String) -> Bool { members.contains(id) }

    /// Adds `id`, dropping the oldest member when full; false when it was there already.
    @discardableResult
    mutating func insert(_ id: String) -> Bool {
        guard members.insert(id).inserted else { return false }
        if ring.count < capacity {
            ring.append(id)
        } else {
            members.remove(ring[next])
            ring[next] = id
            next = (next + 1) % capacity
        }
        return true
    }
}
