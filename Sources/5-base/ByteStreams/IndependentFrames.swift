/// A compressed stream written as independent frames (zstd frames, gzip
/// members): each one decompresses on its own, and the sequence is still
/// one standard stream that `zstd -d` and `gzip -d` read whole. A reader
/// that knows where a frame begins can start there.
public protocol IndependentFrames: AnyObject {
    /// Where the next byte written goes: the frame's number (from 0) and
    /// the offset in that frame's decompressed bytes.
    var position: (frame: Int64, offsetInFrame: Int64) { get }
    /// Compresses and writes what is still pending; returns each frame's
    /// compressed offset (before any encryption), by number.
    func finishFrames() throws -> [Int64]
}
