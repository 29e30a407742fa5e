import Foundation

/// Reads on a thread of its own and hands what it read over a piece at a time, so that the next
/// piece is read while the caller works on the last one. At most `capacity` pieces wait, so memory
/// holds a few pieces, never the whole input. The pieces arrive in the order read; a reader error
/// arrives after the pieces read before it, as the reader's own error.
///
/// Used by the payment import (a file's payments, a chunk at a time: XML parsing while the import
/// decides and writes the last chunk) and the rent debit (a chunk of accounts with their terms,
/// read on a second connection in the run's snapshot while the run posts the last chunk).
final class ReadAhead<Piece, End>: @unchecked Sendable {
    enum Item {
        case piece(Piece)
        case done(End)
        case failed(any Error)
    }

    private struct Stopped: Error {}

    private let condition = NSCondition()
    private var items: [Item] = []
    private var stopped = false
    private var finished = false
    private let capacity: Int

    /// Starts reading.
    /// - Parameters:
    ///   - capacity: pieces read ahead at most.
    ///   - read: the reader: calls its argument with each piece (which waits while `capacity`
    ///     pieces wait, and throws once the caller has stopped), returns what ends the input.
    init(capacity: Int = 2, read: @escaping (_ hand: (Piece) throws -> Void) throws -> End) {
        self.capacity = max(1, capacity)
        let box = ReaderBox(read: read)
        let thread = Thread { [self] in
            let item: Item
            do {
                item = .done(try box.read { try self.put(.piece($0)) })
            } catch {
                item = .failed(error)
            }
            condition.lock()
            items.append(item)
            finished = true
            condition.broadcast()
            condition.unlock()
        }
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func put(_ item: Item) throws {
        condition.lock()
        defer { condition.unlock() }
        while items.count >= capacity && !stopped { condition.wait() }
        if stopped { throw Stopped() }
        items.append(item)
        condition.broadcast()
    }

    /// The next piece, or what ends the input; throws the reader's error.
    func next() throws -> Item {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        if case .failed(let error) = item { throw error }
        return item
    }

    /// Stops the reader (when the caller has finished or failed) and waits for its thread to end,
    /// so that nothing is read after the run has ended.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private final class ReaderBox: @unchecked Sendable {
        let read: ((Piece) throws -> Void) throws -> End
        init(read: @escaping ((Piece) throws -> Void) throws -> End) { self.read = read }
    }
}
