import BankFiles
import CFuzzer
import FuzzSupport

/// libFuzzer's entry point: reads the input as an MT940 file. Refusals (`FileReadError`) are
/// expected; a crash, a hang or a sanitizer report is a bug. Seeds: `Corpus/mt940/`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = try? MT940Reader(bytes: bytes, fileName: "statement.sta").read { _ in }
    return 0
}

/// The executable's entry point (SwiftPM calls it `FuzzMT940_main`): libFuzzer's driver.
@_cdecl("FuzzMT940_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
