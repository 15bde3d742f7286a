/// The order the archiver writes a tree's entries, and so the order of
/// every files index: a folder, then its children by name (String `<`,
/// as `contentsOfDirectory(...).sorted()`), each child's subtree before the
/// next child. Two indexes in this order can be walked side by side like
/// sorted lists, holding one entry of each, whatever their size.
public enum TreeOrder {
    /// -1 when `a` comes before `b`, 0 when they are the same path, 1 after.
    /// Compares name by name (so `a/x` comes before `a b`, though `/` sorts
    /// after a space), without allocating.
    public static func compare(_ a: String, _ b: String) -> Int {
        let fast: Int?? = a.utf8.withContiguousStorageIfAvailable { a in
            b.utf8.withContiguousStorageIfAvailable { b in asciiCompare(a, b) } ?? nil
        }
        if let fast, let answer = fast { return answer }
        return compareByName(a, b)
    }

    private static let slash = UInt8(ascii: "/")

    /// The answer from the bytes, when the names that differ are ASCII
    /// (where String `<` is byte order); nil otherwise. Paths are compared
    /// on every step of a side-by-side walk, so this is the common case
    /// made cheap: one pass over the common prefix, no String indexes.
    private static func asciiCompare(_ a: UnsafeBufferPointer<UInt8>, _ b: UnsafeBufferPointer<UInt8>) -> Int? {
        let shorter = min(a.count, b.count)
        var i = 0
        var nameStart = 0
        while i < shorter && a[i] == b[i] {
            if a[i] == slash { nameStart = i + 1 }
            i += 1
        }
        if i == a.count && i == b.count { return 0 }
        // The names that differ run from nameStart to the next "/" or the end.
        func asciiName(_ buffer: UnsafeBufferPointer<UInt8>) -> Bool {
            var j = nameStart
            while j < buffer.count && buffer[j] != slash {
                if buffer[j] >= 0x80 { return false }
                j += 1
            }
            return true
        }
        guard asciiName(a) && asciiName(b) else { return nil }
        let aEnds = i == a.count || a[i] == slash
        let bEnds = i == b.count || b[i] == slash
        if aEnds && bEnds {
            // Same name: the one that stops here is the folder, before what is in it.
            return i == a.count ? -1 : 1
        }
        if aEnds { return -1 }  // a's name is a prefix of b's
        if bEnds { return 1 }
        return a[i] < b[i] ? -1 : 1
    }

    /// The rule itself, on String names (any Unicode).
    static func compareByName(_ a: String, _ b: String) -> Int {
        var ai = a.startIndex, bi = b.startIndex
        while true {
            let ae = a[ai...].firstIndex(of: "/") ?? a.endIndex
            let be = b[bi...].firstIndex(of: "/") ?? b.endIndex
            let an = a[ai..<ae], bn = b[bi..<be]
            if an != bn { return an < bn ? -1 : 1 }
            let aLast = ae == a.endIndex, bLast = be == b.endIndex
            if aLast && bLast { return 0 }
            // A folder comes before what is in it.
            if aLast { return -1 }
            if bLast { return 1 }
            ai = a.index(after: ae)
            bi = b.index(after: be)
        }
    }
}
