import Foundation
import HousingFinance
import Testing

@Suite struct SHA256Tests {
    /// FIPS 180-4 example vectors (NIST CSRC "SHA256.pdf" and "SHA2_Additional.pdf").
    @Test(arguments: [
        ("", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"),
        ("abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"),
        ("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"),
        ("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
         "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1"),
    ])
    func hashesTheNISTVectors(message: String, digest: String) {
        #expect(SHA256.hex(SHA256.hash(message.utf8)) == digest)
        var hash = SHA256()
        hash.update(message.utf8)
        #expect(hash.hex == digest)
    }

    @Test func hashesOneMillionAs() {
        var hash = SHA256()
        let thousand = [UInt8](repeating: UInt8(ascii: "a"), count: 1000)
        for _ in 0..<1000 { hash.update(thousand) }
        #expect(hash.hex == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Lengths around the padding boundaries; digests from coreutils `sha256sum`.
    @Test(arguments: [
        (55, "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318"),
        (56, "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a"),
        (63, "7d3e74a05d7db15bce4ad9ec0658ea98e3f06eeecf16b4c6fff2da457ddc2f34"),
        (64, "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"),
        (65, "635361c48bb9eab14198e76ea8ab7f1a41685d6ad62aa9146d301d4f17eb0ae0"),
        (119, "31eba51c313a5c08226adf18d4a359cfdfd8d2e816b13f4af952f7ea6584dcfb"),
        (128, "6836cf13bac400e9105071cd6af47084dfacad4e5e302c94bfed24e013afb73e"),
    ])
    func padsAtEveryBoundary(length: Int, digest: String) {
        #expect(SHA256.hex(SHA256.hash(repeatElement(UInt8(ascii: "a"), count: length))) == digest)
    }

    @Test func givesTheSameDigestHoweverTheBytesAreSplit() {
        let bytes = (0..<1000).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
        let whole = SHA256.hash(bytes)
        for chunk in [1, 3, 63, 64, 65, 127, 500] {
            var hash = SHA256()
            var start = 0
            while start < bytes.count {
                let end = min(start + chunk, bytes.count)
                bytes[start..<end].withUnsafeBytes { hash.update($0) }
                start = end
            }
            #expect(hash.finalize() == whole, "chunks of \(chunk)")
        }
        #expect(SHA256.hash(Data(bytes)) == whole)
        #expect(SHA256.hash(AnySequence(bytes)) == whole)
    }

    @Test func readingTheDigestLeavesTheHashOpen() {
        var hash = SHA256()
        hash.update("ab".utf8)
        let partial = hash.finalize()
        #expect(hash.finalize() == partial)
        hash.update("c".utf8)
        #expect(hash.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(partial.count == 32)
    }

    @Test func writesHexInLowerCase() {
        #expect(SHA256.hex([0x00, 0x0f, 0xa0, 0xff]) == "000fa0ff")
    }
}

/// The digest of a file of a few megabytes, fed in uneven pieces, agrees with coreutils `sha256sum`.
@Suite struct SHA256AgainstSha256sumTests {
    @Test func aBigFileHashedInPiecesMatchesSha256sum() throws {
        var generator = UInt64(0x9e37_79b9_7f4a_7c15)
        var bytes = [UInt8]()
        bytes.reserveCapacity(3_000_017)
        for _ in 0..<3_000_017 {
            generator = generator &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            bytes.append(UInt8(truncatingIfNeeded: generator >> 33))
        }
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("sha256-\(UUID().uuidString).bin")
        try Data(bytes).write(to: url)
        defer { try? FileManager.default.removeItem(at: url) }

        var hash = SHA256()
        var start = 0
        var piece = 1
        while start < bytes.count {
            let end = min(start + piece, bytes.count)
            bytes[start..<end].withUnsafeBytes { hash.update($0) }
            start = end
            piece = piece * 3 + 1
        }

        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["sha256sum", url.path]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let printed = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        #expect(hash.hex == String(printed.prefix(64)))
        #expect(SHA256.hex(SHA256.hash(bytes)) == hash.hex)
    }

    @Test func aCopyHashesOnIndependently() {
        var first = SHA256()
        first.update("ab".utf8)
        var second = first
        second.update("c".utf8)
        first.update("x".utf8)
        #expect(second.hex == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(first.hex == SHA256.hex(SHA256.hash("abx".utf8)))
    }
}
