#if canImport(Glibc)
import Glibc
#endif

/// libarchive converts names between the archive's UTF-8 (pax) and the
/// process locale's charset. Under the plain "C" locale a container usually
/// runs with, Arabic or emoji names would become '?' or fail; a UTF-8 ctype
/// makes names pass through byte for byte.
enum UTF8Locale {
    /// Set once, before the first archive is opened (a `static let` runs its
    /// initializer exactly once, even with several threads racing to it).
    static let ensured: Bool = {
        if let codeset = nl_langinfo(nl_item(CODESET)), String(cString: codeset) == "UTF-8" { return true }
        return setlocale(LC_CTYPE, "C.UTF-8") != nil
    }()
}
