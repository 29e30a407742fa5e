import CLibPQ
import Dispatch
import Foundation

/// Builds rows in PostgreSQL's binary COPY format. Values are written in column order; each row
/// starts with `beginRow(columns:)`.
public struct CopyRowWriter {
    var buffer: [UInt8] = []
    let flushThreshold: Int
    let send: ([UInt8]) throws -> Void
    /// Rows written so far.
    public private(set) var rows = 0

    init(flushThreshold: Int, send: @escaping ([UInt8]) throws -> Void) {
        self.flushThreshold = flushThreshold
        self.send = send
        buffer.reserveCapacity(flushThreshold + 4096)
        // Signature, flags, header extension length.
        buffer.append(contentsOf: [0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00])
        appendInt32(0)
        appendInt32(0)
    }

    /// Starts a row of `columns` values. Sends the rows built so far when the buffer is full.
    public mutating func beginRow(columns: Int) throws {
        if buffer.count >= flushThreshold {
            try send(buffer)
            buffer.removeAll(keepingCapacity: true)
        }
        rows += 1
        appendInt16(Int16(columns))
    }

    /// A NULL.
    public mutating func writeNull() { appendInt32(-1) }

    /// A `bigint`.
    public mutating func write(_ value: Int64) {
        appendInt32(8)
        appendInt64(value)
    }

    /// An `integer`.
    public mutating func write(_ value: Int32) {
        appendInt32(4)
        appendInt32(value)
    }

    /// A `boolean`.
    public mutating func write(_ value: Bool) {
        appendInt32(1)
        buffer.append(value ? 1 : 0)
    }

    /// A `text` or `varchar`.
    public mutating func write(_ value: String) {
        var value = value
        value.withUTF8 { utf8 in
            appendInt32(Int32(utf8.count))
            buffer.append(contentsOf: utf8)
        }
    }

    /// A `text` or NULL.
    public mutating func write(_ value: String?) {
        if let value { write(value) } else { writeNull() }
    }

    /// A `bigint` or NULL.
    public mutating func write(_ value: Int64?) {
        if let value { write(value) } else { writeNull() }
    }

    /// A `date`, given as days since 1970-01-01.
    public mutating func writeDate(daysSince1970: Int) {
        appendInt32(4)
        appendInt32(Int32(daysSince1970 - 10957))
    }

    /// A `timestamptz`.
    public mutating func write(_ value: Date) {
        appendInt32(8)
        appendInt64(Int64(((value.timeIntervalSince1970 - 946_684_800) * 1_000_000).rounded()))
    }

    /// A `bytea`.
    public mutating func write(bytes: [UInt8]) {
        appendInt32(Int32(bytes.count))
        buffer.append(contentsOf: bytes)
    }

    mutating func finish() throws {
        appendInt16(-1)
        try send(buffer)
        buffer.removeAll()
    }

    private mutating func appendInt16(_ value: Int16) {
        let v = UInt16(bitPattern: value)
        buffer.append(UInt8(v >> 8)); buffer.append(UInt8(v & 0xFF))
    }

    private mutating func appendInt32(_ value: Int32) {
        let v = UInt32(bitPattern: value)
        buffer.append(UInt8(v >> 24)); buffer.append(UInt8((v >> 16) & 0xFF))
        buffer.append(UInt8((v >> 8) & 0xFF)); buffer.append(UInt8(v & 0xFF))
    }

    private mutating func appendInt64(_ value: Int64) {
        appendInt32(Int32(truncatingIfNeeded: value >> 32))
        appendInt32(Int32(truncatingIfNeeded: value))
    }
}

/// The state shared by the producer and the sender of one COPY: confined to `lock`.
private final class CopySender: @unchecked Sendable {
    let handle: OpaquePointer
    let queue = DispatchQueue(label: "postgres.copy.sender")
    let slots: DispatchSemaphore
    let lock = NSLock()
    var failure: String?

    init(handle: OpaquePointer, inFlight: Int) {
        self.handle = handle
        self.slots = DispatchSemaphore(value: inFlight)
    }

    func enqueue(_ chunk: [UInt8]) throws {
        if let failure = currentFailure() { throw PostgresError(.server, message: failure) }
        slots.wait()
        queue.async { [self] in
            defer { slots.signal() }
            if currentFailure() != nil { return }
            let status = chunk.withUnsafeBufferPointer { buffer in
                buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                    PQputCopyData(handle, $0, Int32(buffer.count))
                }
            }
            if status != 1 {
                lock.lock()
                failure = String(cString: PQerrorMessage(handle)).trimmingCharacters(in: .whitespacesAndNewlines)
                lock.unlock()
            }
        }
    }

    func drain() { queue.sync {} }

    func currentFailure() -> String? {
        lock.lock(); defer { lock.unlock() }
        return failure
    }
}

extension Connection {
    /// Bulk-loads rows with binary `COPY ... FROM STDIN`. The producer builds rows on the calling
    /// thread while a sender thread passes the finished chunks to the server, so building and
    /// sending overlap. All rows are in, or (if the producer throws or the server refuses a row)
    /// none.
    /// - Parameters:
    ///   - table: the table name, as SQL (quote it yourself if it needs quoting).
    ///   - columns: the columns the producer writes, in order.
    ///   - producer: writes the rows.
    /// - Returns: the number of rows copied.
    @discardableResult
    public func copyIn(
        table: String, columns: [String], producer: (inout CopyRowWriter) throws -> Void
    ) throws -> Int {
        let sql = "COPY \(table) (\(columns.joined(separator: ", "))) FROM STDIN (FORMAT binary)"
        let start = try check(PQexec(handle, sql), sql)
        _ = start
        let sender = CopySender(handle: handle, inFlight: 3)
        var writer = CopyRowWriter(flushThreshold: 1 << 18) { chunk in try sender.enqueue(chunk) }
        do {
            try producer(&writer)
            try writer.finish()
        } catch {
            sender.drain()
            PQputCopyEnd(handle, "the producer of the rows failed: \(error)")
            while let result = PQgetResult(handle) { PQclear(result) }
            throw error
        }
        sender.drain()
        if let failure = sender.currentFailure() {
            while let result = PQgetResult(handle) { PQclear(result) }
            throw PostgresError(.connection, message: "COPY failed while sending: \(failure)", statement: sql)
        }
        guard PQputCopyEnd(handle, nil) == 1 else { throw lastError(sql) }
        var firstError: PostgresError?
        var copied = 0
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) == PGRES_COMMAND_OK {
                copied = Int(String(cString: PQcmdTuples(result))) ?? writer.rows
                PQclear(result)
            } else {
                if firstError == nil { firstError = serverError(result, sql) }
                PQclear(result)
            }
        }
        if let firstError { throw firstError }
        return copied
    }

    /// Runs `COPY ... TO STDOUT` (text format) and calls `body` with each line's bytes, without
    /// the trailing newline: for reading many rows without holding them all.
    public func copyOut(_ query: SQLQuery, _ body: (UnsafeBufferPointer<UInt8>) throws -> Void) throws {
        precondition(query.binds.isEmpty, "COPY takes no parameters")
        let sql = query.sql
        _ = try check(PQexec(handle, sql), sql)
        var caught: (any Error)?
        while true {
            var pointer: UnsafeMutablePointer<CChar>?
            let length = PQgetCopyData(handle, &pointer, 0)
            if length == -1 { break }
            if length == -2 { throw lastError(sql) }
            if let pointer {
                defer { PQfreemem(pointer) }
                if caught == nil {
                    let count = Int(length) > 0 && pointer[Int(length) - 1] == 0x0A ? Int(length) - 1 : Int(length)
                    do {
                        try pointer.withMemoryRebound(to: UInt8.self, capacity: Int(length)) {
                            try body(UnsafeBufferPointer(start: $0, count: count))
                        }
                    } catch { caught = error }
                }
            }
        }
        var firstError: PostgresError?
        while let result = PQgetResult(handle) {
            if PQresultStatus(result) != PGRES_COMMAND_OK, firstError == nil { firstError = serverError(result, sql) }
            PQclear(result)
        }
        if let caught { throw caught }
        if let firstError { throw firstError }
    }
}
