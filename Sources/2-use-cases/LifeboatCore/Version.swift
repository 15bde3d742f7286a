public enum LifeboatVersion {
    public static let current = "0.1.0"
}
