// The one way a pointer or closure crosses into concurrent workers: each worker touches a disjoint part of what it
// points at, which the compiler cannot see.

public struct UncheckedBox<T>: @unchecked Sendable {
    public let value: T
    public init(_ value: T) { self.value = value }
}
