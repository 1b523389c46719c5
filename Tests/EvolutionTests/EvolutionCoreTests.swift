import Testing

@testable import EvolutionCore
