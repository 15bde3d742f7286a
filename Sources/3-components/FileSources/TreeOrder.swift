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
