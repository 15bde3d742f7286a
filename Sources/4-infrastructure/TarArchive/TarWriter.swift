import ByteStreams
internal import CArchive

/// Writes a pax tar stream into a `ByteSink`.
///
/// We push headers and data; libarchive formats them and hands the tar
/// bytes back through `tarWriterCallback`. Compression is the next stage's
/// business (StreamCompression), so every artifact kind shares it.
public final class TarWriter {
    private let archive: OpaquePointer
    private let entry: OpaquePointer
    private let output: SinkBox
    private var closed = false

    public init(sink: any ByteSink) throws {
        _ = UTF8Locale.ensured
        guard let archive = archive_write_new() else { throw ArchiveError(operation: "archive_write_new", message: "out of memory", errno: 0) }
        guard let entry = archive_entry_new() else {
            archive_write_free(archive)
            throw ArchiveError(operation: "archive_entry_new", message: "out of memory", errno: 0)
        }
        self.archive = archive
        self.entry = entry
        self.output = SinkBox(sink)

        try checkArchive(archive_write_set_format_pax_restricted(archive), archive, "set tar format")
        try checkArchive(archive_write_add_filter_none(archive), archive, "no filter")
        // The stream is compressed next: no padding to a full 10 KiB record.
        try checkArchive(archive_write_set_bytes_in_last_block(archive, 1), archive, "bytes in last block")
        // Unblocked: every byte reaches the sink when its call returns, so
        // the bytes counted after `finishEntry` are exactly where the next
        // header begins (the files index records it; same tar bytes).
        try checkArchive(archive_write_set_bytes_per_block(archive, 0), archive, "bytes per block")
        let box = Unmanaged.passUnretained(output).toOpaque()
        try checkArchive(archive_write_open2(archive, box, nil, tarWriterCallback, nil, nil), archive, "open tar writer", callbackError: output.error)
    }

    deinit {
        // A writer dropped without close() was abandoned (an error upstream):
        // free without flushing, so no half-written trailer reaches the sink.
        if !closed { archive_write_fail(archive) }
        archive_write_free(archive)
        archive_entry_free(entry)
    }

    public func writeHeader(_ header: TarEntryHeader) throws {
        header.apply(to: entry)
        try checkArchive(archive_write_header(archive, entry), archive, "write header of \(header.path)", callbackError: output.error)
    }

    public func writeData(_ bytes: UnsafeRawBufferPointer) throws {
        var offset = 0
        while offset < bytes.count {
            let n = archive_write_data(archive, bytes.baseAddress! + offset, bytes.count - offset)
            if n < 0 {
                try checkArchive(Int32(n), archive, "write data", callbackError: output.error)
            }
            if n == 0 { break }
            offset += n
        }
    }

    public func finishEntry() throws {
        try checkArchive(archive_write_finish_entry(archive), archive, "finish entry", callbackError: output.error)
    }

    /// Writes the end-of-archive marker and flushes the compressor.
    public func close() throws {
        closed = true
        try checkArchive(archive_write_close(archive), archive, "close tar", callbackError: output.error)
    }
}

/// Holds the sink and the first error it threw, for the C callback.
final class SinkBox {
    let sink: any ByteSink
    var error: (any Error)?
    init(_ sink: any ByteSink) { self.sink = sink }
}

private func tarWriterCallback(_ archive: OpaquePointer?, _ clientData: UnsafeMutableRawPointer?, _ buffer: UnsafeRawPointer?, _ length: Int) -> Int {
    let box = Unmanaged<SinkBox>.fromOpaque(clientData!).takeUnretainedValue()
    if box.error != nil { return -1 }
    do {
        try box.sink.write(UnsafeRawBufferPointer(start: buffer, count: length))
        return length
    } catch {
        box.error = error
        return -1
    }
}
