import Testing

@Test func postgresBuilds() {}
