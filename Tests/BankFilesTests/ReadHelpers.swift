import BankFiles
import Testing

/// Runs a reader, collecting what it hands out.
func readAll(_ read: ((Payment) throws -> Void) throws -> FileTotals) throws -> (totals: FileTotals, payments: [Payment]) {
    var payments: [Payment] = []
    let totals = try read { payments.append($0) }
    return (totals, payments)
}

/// Runs a reader that must refuse, and checks the error's code and that it names the file and
/// the line (in its fields and in the message people read).
@discardableResult
func expectRefusal(
    _ code: FileReadError.Code, file: String, line: Int?, containing words: String? = nil,
    sourceLocation: SourceLocation = #_sourceLocation,
    _ read: ((Payment) throws -> Void) throws -> FileTotals
) -> FileReadError? {
    do {
        _ = try read { _ in }
        Issue.record("expected a refusal (\(code)) but the file was read", sourceLocation: sourceLocation)
        return nil
    } catch let error as FileReadError {
        #expect(error.code == code, "\(error)", sourceLocation: sourceLocation)
        #expect(error.file == file, sourceLocation: sourceLocation)
        #expect(error.position.line == line, "\(error)", sourceLocation: sourceLocation)
        let place = line.map { "\(file): line \($0): " } ?? "\(file): start of file: "
        #expect(error.description.hasPrefix(place), "\(error)", sourceLocation: sourceLocation)
        if let words { #expect(error.message.contains(words), "\(error)", sourceLocation: sourceLocation) }
        return error
    } catch {
        Issue.record("expected a FileReadError, got \(error)", sourceLocation: sourceLocation)
        return nil
    }
}
