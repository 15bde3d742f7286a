import Foundation

/// How many gzip members a file holds, counted by Python's zlib (a stock
/// reader, not ours): a parallel gzip artifact is one member per frame.
public enum GzipMembers {
    public static func count(_ path: String) throws -> Int {
        let script = "import zlib,sys\nd=open(sys.argv[1],'rb').read();n=0\nwhile d:\n o=zlib.decompressobj(31);o.decompress(d);d=o.unused_data;n+=1\nprint(n)"
        let result = try ProcessRunner.run("/usr/bin/python3", ["-c", script, path])
        return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }
}
