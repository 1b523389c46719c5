import Testing

@testable import SMSCore
