import BankFiles
import CFuzzer
import FuzzSupport

/// libFuzzer's entry point: reads the input as a cash file. Refusals (`FileReadError`) are
/// expected; a crash, a hang or a sanitizer report is a bug. Seeds: `Corpus/cash/`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = try? CashFileReader(bytes: bytes, fileName: "CashFile20250107").read { _ in }
    return 0
}

/// The executable's entry point (SwiftPM calls it `FuzzCash_main`): libFuzzer's driver.
@_cdecl("FuzzCash_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
