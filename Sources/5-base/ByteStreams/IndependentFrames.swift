/// A compressed stream that can be cut into independent frames (zstd
/// frames, gzip members): each one decompresses on its own, and the
/// sequence is still one standard stream that `zstd -d` and `gzip -d`
/// read whole. A reader that knows where a frame begins can start there.
public protocol IndependentFrames: AnyObject {
    /// Ends the current frame (everything written so far is flushed into
    /// it) and returns the stored offset at which the next frame begins:
    /// the compressed bytes written so far, before any encryption.
    func startNewFrame() throws -> Int64
}
