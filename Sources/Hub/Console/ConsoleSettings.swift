import Foundation

/// `Config/console.yaml`: the web console's sessions and sign-in. Every key is optional; without
/// the file the defaults hold.
public struct ConsoleSettings: Hashable, Sendable {
    public static let fileName = "console.yaml"

    /// Mark the session cookie Secure (set this when the console is behind TLS).
    public var secureCookie: Bool
    /// A session not used for this long ends; the person signs in again.
    public var idleMinutes: Int
    /// Failed sign-ins in a row after which a name is refused for `lockoutMinutes`.
    public var signInAttempts: Int
    public var lockoutMinutes: Int
    /// Database connections the console's pages use at most at once.
    public var connections: Int

    public init(secureCookie: Bool = false, idleMinutes: Int = 30, signInAttempts: Int = 5, lockoutMinutes: Int = 15, connections: Int = 4) {
        self.secureCookie = secureCookie
        self.idleMinutes = idleMinutes
        self.signInAttempts = signInAttempts
        self.lockoutMinutes = lockoutMinutes
        self.connections = connections
    }

    /// Reads `console.yaml` beside the hub's configuration; the defaults when there is none.
    /// - Throws: `ConfigError` naming the file and the key.
    public static func load(for config: HubConfig) throws -> ConsoleSettings {
        let file = config.directory.appendingPathComponent(fileName)
        guard FileManager.default.fileExists(atPath: file.path) else { return ConsoleSettings() }
        return try read(try ConfigReader.load(file, allowEmpty: true, unreadable: "cannot read the file (the web console's settings)"))
    }

    /// Reads console settings text.
    /// - Throws: `ConfigError` naming the file and the key.
    public static func parse(_ text: String, file: String) throws -> ConsoleSettings {
        try read(try ConfigReader(yaml: text, file: file, allowEmpty: true))
    }

    static func read(_ reader: ConfigReader) throws -> ConsoleSettings {
        let file = reader.file
        try reader.refuseUnknownKeys(
            reader.root, ["secure-cookie", "idle-minutes", "sign-in-attempts", "lockout-minutes", "connections"], prefix: nil)
        var settings = ConsoleSettings()
        if let secure = try reader.string("secure-cookie") {
            guard let value = Bool(secure) else { throw ConfigError(.invalidValue, file: file, key: "secure-cookie", message: "'\(secure)' is not true or false") }
            settings.secureCookie = value
        }
        func positive(_ key: String, _ value: inout Int) throws {
            guard let number = try reader.int(key) else { return }
            guard number > 0 else { throw ConfigError(.invalidValue, file: file, key: key, message: "must be 1 or more") }
            value = number
        }
        try positive("idle-minutes", &settings.idleMinutes)
        try positive("sign-in-attempts", &settings.signInAttempts)
        try positive("lockout-minutes", &settings.lockoutMinutes)
        try positive("connections", &settings.connections)
        return settings
    }
}
