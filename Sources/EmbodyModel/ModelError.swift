// MARK: - Errors in a model file
//
// Every problem the loaders find is reported as one ModelError that points at the file, line and
// column of the offending element and says, in words meant for people, what is wrong and where.

/// A fatal problem in a model file, located at the offending element.
public struct ModelError: Error, Equatable, Sendable, CustomStringConvertible {
    /// Where the offending element is (file, 1-based line and column; 0 when unknown).
    public var location: SourceLocation
    /// The element at fault, as people would name it, such as `joint 'elbow'` or `<inertia>`.
    public var element: String
    /// What is wrong, written for people; it always names `element`.
    public var message: String

    /// Creates an error; if `message` does not already name `element`, it is prefixed with it.
    public init(location: SourceLocation, element: String, message: String) {
        self.location = location
        self.element = element
        if element.isEmpty || message.contains(element) {
            self.message = message
        } else {
            self.message = "\(element): \(message)"
        }
    }

    /// The compiler-style line `file:line:column: error: message`.
    public var description: String { "\(location): error: \(message)" }
}
