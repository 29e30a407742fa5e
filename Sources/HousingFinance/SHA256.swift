// SHA-256 from OpenSSL's libcrypto (the EVP digest interface), a vetted implementation that
// libpq already links. It lives in the domain module because every other module needs it (file
// content hashes for duplicate detection, entry fingerprints, outbound file hashes) and Foundation
// on Linux has no hash functions; hashing bytes in memory is no I/O.
import CCrypto

/// A streaming SHA-256 hash: feed bytes with `update`, in as many pieces as you like, then read
/// the digest with `finalize()`.
///
/// ```swift
/// var hash = SHA256()
/// hash.update(chunk1)
/// hash.update(chunk2)
/// let hex = hash.hex
/// ```
///
/// A value: a copy hashes on independently of the original.
public struct SHA256: Sendable {
    private var context: Context

    /// Starts a hash of nothing.
    public init() {
        context = Context()
    }

    /// The digest of some bytes, in one go.
    public static func hash(_ bytes: some Sequence<UInt8>) -> [UInt8] {
        var hash = SHA256()
        hash.update(bytes)
        return hash.finalize()
    }

    /// Feeds bytes.
    public mutating func update(_ bytes: some Sequence<UInt8>) {
        let done: Void? = bytes.withContiguousStorageIfAvailable { buffer in
            update(UnsafeRawBufferPointer(buffer))
        }
        if done == nil {
            let array = Array(bytes)
            array.withUnsafeBytes { update($0) }
        }
    }

    /// Feeds bytes from memory.
    public mutating func update(_ buffer: UnsafeRawBufferPointer) {
        guard !buffer.isEmpty else { return }
        if !isKnownUniquelyReferenced(&context) { context = context.copy() }
        guard EVP_DigestUpdate(context.pointer, buffer.baseAddress, buffer.count) == 1 else {
            fatalError("OpenSSL EVP_DigestUpdate failed")
        }
    }

    /// The digest (32 bytes) of everything fed so far. Does not change the hash: more bytes
    /// may still be fed, and the digest read again.
    public func finalize() -> [UInt8] {
        let copy = context.copy()
        var digest = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        guard EVP_DigestFinal_ex(copy.pointer, &digest, &length) == 1, length == 32 else {
            fatalError("OpenSSL EVP_DigestFinal_ex failed")
        }
        return Array(digest.prefix(32))
    }

    /// The digest of everything fed so far, as 64 lower-case hex digits.
    public var hex: String { Self.hex(finalize()) }

    /// Bytes as lower-case hex digits, two per byte.
    public static func hex(_ bytes: some Sequence<UInt8>) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var text: [UInt8] = []
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// An OpenSSL digest context. `@unchecked Sendable`: it is changed only through a `SHA256`
    /// that holds the one reference to it (copy on write above), so no two threads touch it.
    private final class Context: @unchecked Sendable {
        let pointer: OpaquePointer

        init() {
            guard let pointer = EVP_MD_CTX_new() else { fatalError("OpenSSL EVP_MD_CTX_new failed: out of memory") }
            guard EVP_DigestInit_ex(pointer, EVP_sha256(), nil) == 1 else { fatalError("OpenSSL has no SHA-256") }
            self.pointer = pointer
        }

        private init(copying other: OpaquePointer) {
            guard let pointer = EVP_MD_CTX_new(), EVP_MD_CTX_copy_ex(pointer, other) == 1 else {
                fatalError("OpenSSL EVP_MD_CTX_copy_ex failed: out of memory")
            }
            self.pointer = pointer
        }

        func copy() -> Context { Context(copying: pointer) }

        deinit { EVP_MD_CTX_free(pointer) }
    }
}
