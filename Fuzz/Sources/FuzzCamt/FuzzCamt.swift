import BankFiles
import CFuzzer
import FuzzSupport

/// libFuzzer's entry point: reads the input as a camt.053 or camt.054 file. Refusals (`FileReadError`) are
/// expected; a crash, a hang or a sanitizer report is a bug. Seeds: `Corpus/camt/`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = try? CamtReader(bytes: bytes, fileName: "statement.xml").read { _ in }
    return 0
}

/// The executable's entry point (SwiftPM calls it `FuzzCamt_main`): libFuzzer's driver.
@_cdecl("FuzzCamt_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
