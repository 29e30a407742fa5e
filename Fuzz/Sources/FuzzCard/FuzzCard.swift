import BankFiles
import CFuzzer
import FuzzSupport

/// libFuzzer's entry point: reads the input as a card payments export. Refusals (`FileReadError`) are
/// expected; a crash, a hang or a sanitizer report is a bug. Seeds: `Corpus/card/`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    _ = try? CardPaymentsReader(bytes: bytes, fileName: "card.csv", mapping: FuzzSupport.cardMapping).read { _ in }
    return 0
}

/// The executable's entry point (SwiftPM calls it `FuzzCard_main`): libFuzzer's driver.
@_cdecl("FuzzCard_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
