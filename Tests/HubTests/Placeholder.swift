import Testing

@Test func hubBuilds() {}
