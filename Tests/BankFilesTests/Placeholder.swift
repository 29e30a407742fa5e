import Testing

@Test func bankfilesBuilds() {}
