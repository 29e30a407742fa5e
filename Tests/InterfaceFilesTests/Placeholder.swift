import Testing

@Test func interfacefilesBuilds() {}
