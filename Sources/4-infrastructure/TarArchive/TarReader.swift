import ByteStreams
internal import CArchive

/// Reads a tar stream (plain, zstd or gzip, detected from the bytes) from a
/// `ByteSource`, one entry at a time.
public final class TarReader {
    let archive: OpaquePointer
    private let entry: UnsafeMutablePointer<OpaquePointer?>
    private let input: SourceBox

    public init(source: any ByteSource) throws {
        _ = UTF8Locale.ensured
        guard let archive = archive_read_new() else { throw ArchiveError(operation: "archive_read_new", message: "out of memory", errno: 0) }
        self.archive = archive
        self.entry = .allocate(capacity: 1)
        self.entry.initialize(to: nil)
        self.input = SourceBox(source)
        try checkArchive(archive_read_support_filter_zstd(archive), archive, "zstd support")
        try checkArchive(archive_read_support_filter_gzip(archive), archive, "gzip support")
        try checkArchive(archive_read_support_format_tar(archive), archive, "tar support")
        let box = Unmanaged.passUnretained(input).toOpaque()
        try checkArchive(archive_read_open(archive, box, nil, tarReaderCallback, nil), archive, "open tar stream", callbackError: input.error)
    }

    deinit {
        archive_read_free(archive)
        entry.deallocate()
    }

    /// The next entry's header, or nil at the end of the archive. A stream
    /// that ends without tar's end marker is an error, not a quiet end.
    public func nextHeader() throws -> TarEntryHeader? {
        let code = archive_read_next_header(archive, entry)
        if code == ARCHIVE_EOF { return nil }
        try checkArchive(code, archive, "read tar header", callbackError: input.error)
        return TarEntryHeader(entry.pointee!)
    }

    /// Reads the current entry's data, returning 0 at its end.
    public func readData(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        let n = archive_read_data(archive, buffer.baseAddress, buffer.count)
        if n < 0 { try checkArchive(Int32(n), archive, "read tar data", callbackError: input.error) }
        return n
    }

    /// Reads (and so decompresses and checks) the current entry's data,
    /// counting it, without keeping it.
    public func skimData() throws -> Int64 {
        var total: Int64 = 0
        var block: UnsafeRawPointer?
        var size = 0
        var offset: la_int64_t = 0
        while true {
            let code = archive_read_data_block(archive, &block, &size, &offset)
            if code == ARCHIVE_EOF { return total }
            try checkArchive(code, archive, "read tar data", callbackError: input.error)
            total += Int64(size)
        }
    }

    /// Compressed bytes consumed so far.
    public var storedBytesRead: Int64 { archive_filter_bytes(archive, -1) }
    /// Uncompressed tar bytes produced so far.
    public var rawBytesRead: Int64 { archive_filter_bytes(archive, 0) }

    func currentEntry() -> OpaquePointer? { entry.pointee }
    var callbackError: (any Error)? { input.error }
}

final class SourceBox {
    let source: any ByteSource
    let buffer: UnsafeMutableRawBufferPointer
    var error: (any Error)?

    init(_ source: any ByteSource) {
        self.source = source
        self.buffer = .allocate(byteCount: 1 << 20, alignment: 16)
    }

    deinit { buffer.deallocate() }
}

private func tarReaderCallback(_ archive: OpaquePointer?, _ clientData: UnsafeMutableRawPointer?, _ out: UnsafeMutablePointer<UnsafeRawPointer?>?) -> Int {
    let box = Unmanaged<SourceBox>.fromOpaque(clientData!).takeUnretainedValue()
    do {
        let n = try box.source.read(into: box.buffer)
        out!.pointee = UnsafeRawPointer(box.buffer.baseAddress)
        return n
    } catch {
        box.error = error
        return -1
    }
}
