import Testing

@testable import WebchatCore
