/// How a tier moves bytes: part sizes, parallelism, retries.
public struct S3Options: Sendable, Equatable {
    /// Objects up to this size go in one PUT; larger ones are multipart
    /// uploads of parts this size (S3's minimum is 5 MiB), doubling every
    /// 2,000 parts. Downloads read ranges of this size.
    public var partSize: Int = 6 << 20
    /// Parts in flight at once. Memory: (parallelParts + 1) × partSize.
    public var parallelParts: Int = 2
    /// Attempts per request before giving up (the first try included).
    public var maxAttempts: Int = 6
    /// Backoff: full jitter over base × 2^attempt, capped.
    public var baseDelay: Double = 0.25
    public var maxDelay: Double = 8
    /// `GLACIER`, `DEEP_ARCHIVE`…: the class artifacts are stored with
    /// (manifests and verification records always stay `STANDARD`).
    public var storageClass: String?
    /// A transfer moving nothing for this long is dropped and retried.
    public var stallSeconds = 30
    /// One request's whole budget, retries and backoff included: a server
    /// that accepts connections and then says nothing ends the operation
    /// in bounded time instead of holding the backup lock for many minutes.
    public var operationTimeoutSeconds = 300
    /// S3 Object Lock: every object written with this retention (the
    /// tier's own retention), so that the credentials that wrote a set
    /// cannot delete or overwrite it before then.
    public var objectLock: ObjectLock?

    public struct ObjectLock: Sendable, Equatable {
        /// `GOVERNANCE` or `COMPLIANCE`.
        public var mode: String
        public var days: Int
        public init(mode: String, days: Int) {
            self.mode = mode
            self.days = days
        }
    }

    public init() {}
}
