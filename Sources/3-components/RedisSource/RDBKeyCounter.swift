/// Counts the keys of an RDB stream as it passes, per database, and how
/// many of them carry an expiry: what the snapshot itself holds, not what
/// `INFO keyspace` said a moment before it was taken (a server being
/// written changes between the two).
///
/// It walks the RDB's records (rdb.h of Redis 7: opcodes, length
/// encodings, every value type up to the stream listpacks v3) and skips
/// each value's bytes without keeping them, so memory stays at one read
/// buffer whatever the snapshot's size. A record it does not know (a
/// module of the first, undocumented form, or a type newer than it) stops
/// the count: `result` is then nil with the reason, and callers say the
/// count could not be taken instead of guessing.
public struct RDBKeyCounter: Sendable {
    public struct Counts: Sendable, Equatable {
        /// Keys per database, `db0` …, as `INFO keyspace` names them.
        public var keysPerDatabase: [String: Int] = [:]
        /// Keys with an expiry time.
        public var expiringKeys = 0
        public var totalKeys: Int { keysPerDatabase.values.reduce(0, +) }
    }

    private enum Task: Sendable {
        /// The next top-level record: an opcode or a key's value type.
        case record
        case skip(Int64)
        /// A string: a length, an integer encoding or an LZF blob.
        case string
        case strings(Int64)
        /// A count (a length) followed by `perItem` strings for each item.
        case countedStrings(perItem: Int)
        /// A count of zset members, each a string and a score.
        case zsetMembers(binaryScore: Bool)
        case zsetMembersLeft(Int64, binaryScore: Bool)
        /// A score in the old text form: one byte of length (253–255 are special).
        case textDouble
        /// A count of quicklist-2 nodes, each a container kind and a string.
        case quicklist2Nodes
        case quicklist2Left(Int64)
        case lengths(Int)
        /// A stream after its listpacks (version 1, 2 or 3).
        case streamMetadata(version: Int)
        case streamGroups(version: Int)
        case streamGroupsLeft(Int64, version: Int)
        case streamPendingEntries
        case pendingEntriesLeft(Int64)
        case streamConsumers(version: Int)
        case streamConsumersLeft(Int64, version: Int)
        case streamConsumerPending
        /// A module value in the self-describing form: opcodes until EOF.
        case moduleOpcodes
        /// The module-aux record: module id, when-opcode, when, then opcodes.
        case moduleAux
        case done
    }

    /// A stack: the last task runs next (the header first).
    private var tasks: [Task] = [.record, .skip(9)]
    private var pending: [UInt8] = []
    private var offset = 0
    private var database = 0
    private var counts = Counts()
    private var nextKeyExpires = false
    private var failure: String?

    public init() {}

    /// The counts, or why they could not be taken.
    public var result: Result<Counts, CountFailure> {
        if let failure { return .failure(CountFailure(reason: failure)) }
        guard case .done? = tasks.last else { return .failure(CountFailure(reason: "the RDB ended before its EOF record")) }
        return .success(counts)
    }

    public struct CountFailure: Error, Sendable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public mutating func update(_ bytes: UnsafeRawBufferPointer) {
        guard failure == nil else { return }
        var input = bytes[...]
        while !input.isEmpty, failure == nil {
            // Large skips pass over the input without copying it.
            if pending.count == offset, case .skip(let n)? = tasks.last {
                let take = Int(min(n, Int64(input.count)))
                input = input.dropFirst(take)
                tasks.removeLast()
                if Int64(take) < n { tasks.append(.skip(n - Int64(take))) }
                continue
            }
            if case .done? = tasks.last { return }
            let room = 128 - (pending.count - offset)
            let take = min(max(room, 1), input.count)
            pending.append(contentsOf: input.prefix(take))
            input = input.dropFirst(take)
            run()
            if offset > 0 && offset == pending.count {
                pending.removeAll(keepingCapacity: true)
                offset = 0
            } else if offset > 4096 {
                pending.removeFirst(offset)
                offset = 0
            }
        }
    }

    // MARK: - Reading the buffered bytes

    private var available: Int { pending.count - offset }

    private mutating func byte() -> UInt8? {
        guard available >= 1 else { return nil }
        defer { offset += 1 }
        return pending[offset]
    }

    /// A length encoding: (value, isSpecialEncoding), or nil when more bytes are needed.
    private mutating func length() -> (UInt64, Bool)? {
        guard available >= 1 else { return nil }
        let first = pending[offset]
        switch first >> 6 {
        case 0:
            offset += 1
            return (UInt64(first & 0x3F), false)
        case 1:
            guard available >= 2 else { return nil }
            defer { offset += 2 }
            return (UInt64(first & 0x3F) << 8 | UInt64(pending[offset + 1]), false)
        case 3:
            offset += 1
            return (UInt64(first & 0x3F), true)
        default:
            let width = first == 0x80 ? 4 : first == 0x81 ? 8 : 0
            guard width > 0 else {
                failure = "an unknown length encoding 0x\(String(first, radix: 16))"
                return nil
            }
            guard available >= 1 + width else { return nil }
            var value: UInt64 = 0
            for i in 1...width { value = value << 8 | UInt64(pending[offset + i]) }
            offset += 1 + width
            return (value, false)
        }
    }

    private mutating func plainLength() -> Int64? {
        let mark = offset
        guard let (value, special) = length() else { return nil }
        if special {
            failure = "an encoded value where a length belongs"
            offset = mark
            return nil
        }
        return Int64(clamping: value)
    }

    // MARK: - The walk

    private mutating func run() {
        while failure == nil, let task = tasks.popLast() {
            let mark = offset
            if !step(task) {
                // Not enough bytes yet: put the task back and wait for more.
                offset = mark
                tasks.append(task)
                return
            }
        }
    }

    /// Performs one task; false when it needs more bytes than are buffered.
    private mutating func step(_ task: Task) -> Bool {
        switch task {
        case .done:
            tasks.append(.done)
            return false
        case .skip(let n):
            if n == 0 { return true }
            let take = Int(min(n, Int64(available)))
            if take == 0 { return false }
            offset += take
            if Int64(take) < n { tasks.append(.skip(n - Int64(take))) }
            return true
        case .string:
            guard let (value, special) = length() else { return false }
            if !special {
                tasks.append(.skip(Int64(clamping: value)))
                return true
            }
            switch value {
            case 0: tasks.append(.skip(1))
            case 1: tasks.append(.skip(2))
            case 2: tasks.append(.skip(4))
            case 3:
                // LZF: compressed length, uncompressed length, the compressed bytes.
                guard let compressed = plainLength(), plainLength() != nil else { return false }
                tasks.append(.skip(compressed))
            default:
                failure = "an unknown string encoding \(value)"
            }
            return true
        case .strings(let n):
            if n == 0 { return true }
            tasks.append(.strings(n - 1))
            tasks.append(.string)
            return true
        case .countedStrings(let perItem):
            guard let n = plainLength() else { return false }
            let (total, overflow) = n.multipliedReportingOverflow(by: Int64(perItem))
            if overflow { failure = "an implausible element count"; return true }
            tasks.append(.strings(total))
            return true
        case .zsetMembers(let binary):
            guard let n = plainLength() else { return false }
            tasks.append(.zsetMembersLeft(n, binaryScore: binary))
            return true
        case .zsetMembersLeft(let n, let binary):
            if n == 0 { return true }
            tasks.append(.zsetMembersLeft(n - 1, binaryScore: binary))
            tasks.append(binary ? .skip(8) : .textDouble)
            tasks.append(.string)
            return true
        case .textDouble:
            guard let lengthByte = byte() else { return false }
            if lengthByte < 253 { tasks.append(.skip(Int64(lengthByte))) }
            return true
        case .quicklist2Nodes:
            guard let n = plainLength() else { return false }
            tasks.append(.quicklist2Left(n))
            return true
        case .quicklist2Left(let n):
            if n == 0 { return true }
            tasks.append(.quicklist2Left(n - 1))
            tasks.append(.string)
            tasks.append(.lengths(1))
            return true
        case .lengths(let n):
            for _ in 0..<n { guard plainLength() != nil else { return false } }
            return true
        case .streamMetadata(let version):
            // Items, last id (ms, seq); from v2 first id, max deleted id, entries added.
            guard plainLength() != nil, plainLength() != nil, plainLength() != nil else { return false }
            if version >= 2 {
                for _ in 0..<5 { guard plainLength() != nil else { return false } }
            }
            tasks.append(.streamGroups(version: version))
            return true
        case .streamGroups(let version):
            guard let n = plainLength() else { return false }
            tasks.append(.streamGroupsLeft(n, version: version))
            return true
        case .streamGroupsLeft(let n, let version):
            if n == 0 { return true }
            tasks.append(.streamGroupsLeft(n - 1, version: version))
            // Name, last id (ms, seq), entries read (v2+), the pending list, the consumers.
            tasks.append(.streamConsumers(version: version))
            tasks.append(.streamPendingEntries)
            tasks.append(.lengths(version >= 2 ? 3 : 2))
            tasks.append(.string)
            return true
        case .streamPendingEntries:
            // Each: a 16-byte id, an 8-byte delivery time, a delivery count.
            guard let n = plainLength() else { return false }
            tasks.append(.pendingEntriesLeft(n))
            return true
        case .streamConsumers(let version):
            guard let n = plainLength() else { return false }
            tasks.append(.streamConsumersLeft(n, version: version))
            return true
        case .streamConsumersLeft(let n, let version):
            if n == 0 { return true }
            tasks.append(.streamConsumersLeft(n - 1, version: version))
            // Name, seen time, active time (v3), pending ids (16 bytes each).
            tasks.append(.streamConsumerPending)
            tasks.append(.skip(version >= 3 ? 16 : 8))
            tasks.append(.string)
            return true
        case .streamConsumerPending:
            guard let n = plainLength() else { return false }
            let (bytes, overflow) = n.multipliedReportingOverflow(by: 16)
            if overflow { failure = "an implausible pending count"; return true }
            tasks.append(.skip(bytes))
            return true
        case .pendingEntriesLeft(let n):
            if n == 0 { return true }
            tasks.append(.pendingEntriesLeft(n - 1))
            tasks.append(.lengths(1))
            tasks.append(.skip(24))
            return true
        case .moduleOpcodes:
            guard let opcode = plainLength() else { return false }
            switch opcode {
            case 0: return true  // EOF
            case 1, 2: tasks.append(.moduleOpcodes); tasks.append(.lengths(1))
            case 3: tasks.append(.moduleOpcodes); tasks.append(.skip(4))
            case 4: tasks.append(.moduleOpcodes); tasks.append(.skip(8))
            case 5: tasks.append(.moduleOpcodes); tasks.append(.string)
            default: failure = "an unknown module opcode \(opcode)"
            }
            return true
        case .moduleAux:
            guard plainLength() != nil, plainLength() != nil, plainLength() != nil else { return false }
            tasks.append(.moduleOpcodes)
            return true
        case .record:
            return record()
        }
    }

    /// One top-level record: an opcode, or a key and its value.
    private mutating func record() -> Bool {
        guard let type = byte() else { return false }
        switch type {
        case 0xFF:  // EOF (the checksum after it is the validator's)
            tasks.append(.done)
            return true
        case 0xFE:  // SELECTDB
            guard let db = plainLength() else { return false }
            database = Int(clamping: db)
        case 0xFD:  // EXPIRETIME (seconds)
            guard available >= 4 else { return false }
            offset += 4
            nextKeyExpires = true
        case 0xFC:  // EXPIRETIME_MS
            guard available >= 8 else { return false }
            offset += 8
            nextKeyExpires = true
        case 0xFB:  // RESIZEDB: hash table sizes, not needed (the keys are counted)
            guard plainLength() != nil, plainLength() != nil else { return false }
        case 0xFA:  // AUX: two strings
            tasks.append(.record)
            tasks.append(.strings(2))
            return true
        case 0xF9:  // FREQ
            guard available >= 1 else { return false }
            offset += 1
        case 0xF8:  // IDLE
            guard plainLength() != nil else { return false }
        case 0xF7:  // MODULE_AUX
            tasks.append(.record)
            tasks.append(.moduleAux)
            return true
        case 0xF4:  // SLOT_INFO (Redis 8): slot, its size, its expires' size
            guard plainLength() != nil, plainLength() != nil, plainLength() != nil else { return false }
        case 0xF5:  // FUNCTION2: one string (the library's code)
            tasks.append(.record)
            tasks.append(.string)
            return true
        default:
            guard let value = valueTask(type) else {
                failure = "a record of type \(type) this Lifeboat does not know (a newer Redis, or a module of the first form)"
                return true
            }
            counts.keysPerDatabase["db\(database)", default: 0] += 1
            if nextKeyExpires { counts.expiringKeys += 1 }
            nextKeyExpires = false
            tasks.append(.record)
            tasks.append(contentsOf: value.reversed())
            tasks.append(.string)  // the key, read first
            return true
        }
        tasks.append(.record)
        return true
    }

    /// What follows a key of this value type, in reading order.
    private func valueTask(_ type: UInt8) -> [Task]? {
        switch type {
        case 0: return [.string]                                   // string
        case 1, 2: return [.countedStrings(perItem: 1)]            // list, set
        case 3: return [.zsetMembers(binaryScore: false)]          // zset (text scores)
        case 4: return [.countedStrings(perItem: 2)]               // hash
        case 5: return [.zsetMembers(binaryScore: true)]           // zset 2
        case 7: return [.lengths(1), .moduleOpcodes]               // module 2: id, then opcodes
        case 9, 10, 11, 12, 13, 16, 17, 20: return [.string]       // zipmap, ziplist, intset, listpack forms: one blob
        case 14: return [.countedStrings(perItem: 1)]              // quicklist: ziplists
        case 18: return [.quicklist2Nodes]                         // quicklist 2
        case 15: return [.countedStrings(perItem: 2), .streamMetadata(version: 1)]
        case 19: return [.countedStrings(perItem: 2), .streamMetadata(version: 2)]
        case 21: return [.countedStrings(perItem: 2), .streamMetadata(version: 3)]
        default: return nil
        }
    }
}
