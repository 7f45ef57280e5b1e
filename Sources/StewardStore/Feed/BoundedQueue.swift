/// A first-in first-out queue of at most `capacity` elements that, when full, makes room by dropping its oldest
/// element: a feed subscriber that falls behind loses the oldest events, never memory without bound.
struct BoundedQueue<Element> {
    private var storage: [Element?]
    private var head = 0
    private(set) var count = 0

    init(capacity: Int) {
        precondition(capacity > 0, "A bounded queue needs room for at least one element")
        storage = []
        storage.reserveCapacity(min(capacity, 64))
        self.capacity = capacity
    }

    let capacity: Int

    var isEmpty: Bool { count == 0 }

    /// Appends `element`; returns true when the oldest element had to be dropped to make room.
    mutating func append(_ element: Element) -> Bool {
        guard count == storage.count else {
            // A free slot follows the last element.
            storage[(head + count) % storage.count] = element
            count += 1
            return false
        }
        guard storage.count == capacity else {
            // Grows as needed, so an idle subscriber costs little: straighten the ring, then append.
            if head != 0 {
                storage = Array(storage[head...] + storage[..<head])
                head = 0
            }
            storage.append(element)
            count += 1
            return false
        }
        storage[head] = element
        head = (head + 1) % storage.count
        return true
    }

    mutating func popFirst() -> Element? {
        guard count > 0 else { return nil }
        let element = storage[head]
        storage[head] = nil
        head = (head + 1) % storage.count
        count -= 1
        if count == 0 { head = 0 }
        return element
    }

    mutating func removeAll() {
        storage.removeAll()
        head = 0
        count = 0
    }
}
