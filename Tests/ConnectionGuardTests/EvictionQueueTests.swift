import ConnectionGuard
import Testing

@Suite struct EvictionQueueTests {
    @Test func oldestSkipsAndDropsIdsThatMovedOn() {
        var queue = EvictionQueue()
        for id in 1...4 as ClosedRange<UInt64> { queue.append(id) }
        var moved: Set<UInt64> = [1, 2]
        queue.left()
        queue.left()
        #expect(queue.oldest(where: { !moved.contains($0) }) == 3)
        #expect(queue.ids == [3, 4], "ids that moved on ahead of the oldest live one are dropped")
        moved.insert(3)
        queue.left()
        #expect(queue.oldest(where: { !moved.contains($0) }) == 4)
        #expect(queue.live == 1)
    }

    @Test func compactsOnlyOnceMovedOnIdsOutnumberLiveOnes() {
        var queue = EvictionQueue()
        for id in 1...100 as ClosedRange<UInt64> { queue.append(id) }
        // Every id but the first moves on: the queue keeps them until compaction.
        for _ in 2...100 { queue.left() }
        let isLive: (UInt64) -> Bool = { $0 == 1 }
        queue.compactIfSparse(where: isLive)
        #expect(queue.ids == [1])

        var small = EvictionQueue()
        for id in 1...10 as ClosedRange<UInt64> { small.append(id) }
        for _ in 2...10 { small.left() }
        small.compactIfSparse(where: isLive)
        #expect(small.ids.count == 10, "a short queue is left alone: skipping is cheap")
    }
}
