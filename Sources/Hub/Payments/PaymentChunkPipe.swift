import BankFiles
import Foundation

/// Reads a payment file on a thread of its own, handing its payments over in chunks, so that the
/// next chunk is read (XML parsing: most of the hub's own work) while the import decides and
/// writes the last one and the database files it. At most `capacity` chunks wait, so memory holds
/// a few chunks, never the file. The payments arrive in file order; a reader error arrives after
/// the chunks read before it, as the reader's own error.
final class PaymentChunkPipe: @unchecked Sendable {
    enum Item {
        case chunk([Payment])
        case done(FileTotals)
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
    ///   - chunkSize: payments per chunk.
    ///   - capacity: chunks read ahead at most.
    ///   - read: the reader: calls its argument with each payment, returns the file's totals.
    init(chunkSize: Int, capacity: Int = 2, read: @escaping ((Payment) throws -> Void) throws -> FileTotals) {
        self.capacity = capacity
        let box = ReaderBox(read: read)
        let thread = Thread { [self] in
            var chunk: [Payment] = []
            chunk.reserveCapacity(chunkSize)
            let item: Item
            do {
                let totals = try box.read { payment in
                    chunk.append(payment)
                    if chunk.count >= chunkSize {
                        try self.put(.chunk(chunk))
                        chunk.removeAll(keepingCapacity: true)
                    }
                }
                if !chunk.isEmpty { try put(.chunk(chunk)) }
                item = .done(totals)
            } catch is Stopped {
                item = .failed(Stopped())
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

    /// The next chunk, or the file's totals at the end; throws the reader's error.
    func next() throws -> Item {
        condition.lock()
        defer { condition.unlock() }
        while items.isEmpty { condition.wait() }
        let item = items.removeFirst()
        condition.broadcast()
        if case .failed(let error) = item { throw error }
        return item
    }

    /// Stops the reader (when the import fails) and waits for its thread to finish, so that
    /// nothing reads the file after the run has ended.
    func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        while !finished { condition.wait() }
        condition.unlock()
    }

    private final class ReaderBox: @unchecked Sendable {
        let read: ((Payment) throws -> Void) throws -> FileTotals
        init(read: @escaping ((Payment) throws -> Void) throws -> FileTotals) { self.read = read }
    }
}
