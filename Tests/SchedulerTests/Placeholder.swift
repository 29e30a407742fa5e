import Testing

@Test func schedulerBuilds() {}
