import Testing

@Test func housingfinanceBuilds() {}
