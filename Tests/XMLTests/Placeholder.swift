import Testing

@Test func xmlBuilds() {}
