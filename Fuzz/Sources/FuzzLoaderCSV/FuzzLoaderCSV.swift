import BankFiles
import CFuzzer
import FuzzSupport
import Hub

/// libFuzzer's entry point: reads the input as each kind of loader file (the checks a load
/// makes before it touches the database) and as a reference-data CSV table (schedule of rates,
/// repair orders). Refusals are expected; a crash, a hang or a sanitizer report is a bug.
/// Seeds: `Corpus/loader/`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    for kind in Loaders.kinds {
        _ = try? Loaders.check(kind: kind, bytes: bytes, file: "fuzz.csv", scheme: .standard)
    }
    _ = try? CSVTableFile(bytes: bytes, name: "fuzz.csv")
    return 0
}

/// The executable's entry point (SwiftPM calls it `FuzzLoaderCSV_main`): libFuzzer's driver.
@_cdecl("FuzzLoaderCSV_main")
public func main(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    var argc = argc
    var argv = argv
    return LLVMFuzzerRunDriver(&argc, &argv, fuzz)
}
