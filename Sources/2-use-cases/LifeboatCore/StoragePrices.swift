/// What storage costs, per storage class: the defaults are approximate AWS
/// list prices (us-east-1, USD, as published in 2025: check your region and
/// provider); COST_PRICES overrides the per-GB-month figure of any class.
/// The local tier costs nothing here (its disk is paid for already).
public struct StoragePrices: Sendable {
    public struct ClassPrice: Sendable {
        /// USD per GB (10^9 bytes) per month.
        public var perGBMonth: Double
        /// USD per 1,000 PUT (and multipart part) requests.
        public var perThousandPuts: Double
        /// The shortest time an object is billed for, deleted or not.
        public var minimumDays: Int
        /// USD per GB to read it back, by retrieval tier (empty: read directly).
        public var retrievalPerGB: [String: Double]
    }

    public var classes: [String: ClassPrice]

    public static let defaults: [String: ClassPrice] = [
        "local": ClassPrice(perGBMonth: 0, perThousandPuts: 0, minimumDays: 0, retrievalPerGB: [:]),
        // An SFTP target is a server of one's own: its disk is paid for already (COST_PRICES=SFTP=… to count it).
        "SFTP": ClassPrice(perGBMonth: 0, perThousandPuts: 0, minimumDays: 0, retrievalPerGB: [:]),
        "STANDARD": ClassPrice(perGBMonth: 0.023, perThousandPuts: 0.005, minimumDays: 0, retrievalPerGB: [:]),
        "STANDARD_IA": ClassPrice(perGBMonth: 0.0125, perThousandPuts: 0.01, minimumDays: 30, retrievalPerGB: ["Standard": 0.01]),
        "GLACIER_IR": ClassPrice(perGBMonth: 0.004, perThousandPuts: 0.02, minimumDays: 90, retrievalPerGB: ["Standard": 0.03]),
        "GLACIER": ClassPrice(perGBMonth: 0.0036, perThousandPuts: 0.03, minimumDays: 90,
                              retrievalPerGB: ["Expedited": 0.03, "Standard": 0.01, "Bulk": 0.0]),
        "DEEP_ARCHIVE": ClassPrice(perGBMonth: 0.00099, perThousandPuts: 0.05, minimumDays: 180,
                                   retrievalPerGB: ["Standard": 0.02, "Bulk": 0.0025]),
    ]

    public init(overrides: [String: Double]) {
        var classes = Self.defaults
        for (name, price) in overrides {
            classes[name, default: ClassPrice(perGBMonth: price, perThousandPuts: 0.005, minimumDays: 0, retrievalPerGB: [:])].perGBMonth = price
        }
        self.classes = classes
    }

    /// What these bytes cost a month to keep at this price list entry.
    public func monthlyStorage(bytes: Int64, pricingClass: String) -> Double {
        Double(bytes) / 1_000_000_000 * price(pricingClass).perGBMonth
    }

    public func price(_ storageClass: String) -> ClassPrice {
        classes[storageClass] ?? classes["STANDARD"]!
    }
}
