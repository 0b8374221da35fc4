import Foundation

/// Reads a database's write-ahead log (`-wal`) and its index (`-shm`) as files, before any
/// connection opens the database, and says whether committed transactions in it are lost.
///
/// SQLite's own recovery replays the log up to the first frame whose checksum fails and
/// silently drops every commit after it; a truncated or deleted log loses its tail the same
/// way. Two signs tell damage from a crash's unfinished (never acknowledged) transaction:
/// - a frame of the current log that fails its checksum while a later frame of the same
///   log still chains correctly from its predecessor's stored checksum: the log was
///   written past the bad frame, so the bad frame was once good;
/// - the index (`-shm`, left by the last process) names more committed frames of this log
///   than the file still holds valid. With `synchronous=FULL` the log is on disk before
///   the index counts a commit, so this holds after a power loss too.
/// Format: https://www.sqlite.org/fileformat2.html#walformat and sqlite's wal.c.
enum WriteAheadLogCheck {
    /// The damage found, worded for the log; nil when the log is intact or absent.
    static func damage(databasePath: String) -> String? {
        let walPath = databasePath + "-wal"
        let index = IndexHeader(shm: Self.prefix(of: databasePath + "-shm", count: 96))
        // Read a frame at a time: a log keeps its largest size (frames of older generations
        // behind the current one), and only the current generation is read.
        guard let wal = FileHandle(forReadingAtPath: walPath), let first = try? wal.read(upToCount: 32), !first.isEmpty
        else {
            if let index, index.committedFrames > 0 {
                return "its write-ahead log \(walPath) is missing or empty, but the log index says it held "
                    + "\(index.committedFrames) committed frames"
            }
            return nil
        }
        defer { try? wal.close() }
        guard let header = LogHeader(first) else {
            return "the header of its write-ahead log \(walPath) is damaged, so SQLite would ignore every transaction in it"
        }
        let scan = header.scanFrames { try? wal.read(upToCount: $0) }
        if let resumed = scan.validFrameAfterDamage {
            return "its write-ahead log \(walPath) is damaged at frame \(scan.validFrames + 1), yet frame \(resumed) "
                + "after it is intact: SQLite would silently drop every transaction from frame \(scan.validFrames + 1) on"
        }
        if let index, index.salts == header.salts, index.committedFrames > scan.committedFrames {
            return "its write-ahead log \(walPath) holds \(scan.committedFrames) valid committed frames, but the log "
                + "index says \(index.committedFrames) were committed: the log was truncated or damaged"
        }
        return nil
    }

    private static func prefix(of path: String, count: Int) -> Data? {
        guard let file = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? file.close() }
        return try? file.read(upToCount: count)
    }

    /// The 32-byte log header.
    private struct LogHeader {
        let bigEndianChecksums: Bool
        let pageSize: Int
        let salts: Data
        let checksum: (UInt32, UInt32)

        init?(_ wal: Data) {
            guard wal.count >= 32 else { return nil }
            let magic = wal.bigEndianWord(at: 0)
            guard magic & 0xFFFF_FFFE == 0x377F_0682, wal.bigEndianWord(at: 4) == 3_007_000 else { return nil }
            bigEndianChecksums = magic & 1 == 1
            let size = Int(wal.bigEndianWord(at: 8))
            pageSize = size == 1 ? 65536 : size
            guard pageSize >= 512, pageSize <= 65536, pageSize & (pageSize - 1) == 0 else { return nil }
            salts = wal.subdata(in: wal.startIndex + 16..<wal.startIndex + 24)
            checksum = (wal.bigEndianWord(at: 24), wal.bigEndianWord(at: 28))
            let computed = WALChecksum.compute(wal, range: 0..<24, bigEndian: bigEndianChecksums, seed: (0, 0))
            guard computed == checksum else { return nil }
        }

        struct Scan {
            /// Frames that verify from the start, and the last commit among them.
            var validFrames = 0
            var committedFrames = 0
            /// A later frame of this log that chains correctly after a damaged one.
            var validFrameAfterDamage: Int?
        }

        /// Verifies frames in order, each read by `read(frameSize)`, until the end of the file
        /// or of the current log generation (a frame with other salts).
        func scanFrames(read: (Int) -> Data?) -> Scan {
            var scan = Scan()
            let frameSize = 24 + pageSize
            var running = checksum
            var damaged = false
            var frame = 0
            while let bytes = read(frameSize), bytes.count == frameSize {
                frame += 1
                let frameData = Data(bytes)
                let stored = (frameData.bigEndianWord(at: 16), frameData.bigEndianWord(at: 20))
                let sameLog = frameData.subdata(in: 8..<16) == salts
                var sum = WALChecksum.compute(frameData, range: 0..<8, bigEndian: bigEndianChecksums, seed: running)
                sum = WALChecksum.compute(frameData, range: 24..<frameSize, bigEndian: bigEndianChecksums, seed: sum)
                let intact = sameLog && frameData.bigEndianWord(at: 0) != 0 && sum == stored
                if !damaged {
                    guard intact else {
                        // The end of what this generation wrote, or damage: a later frame tells.
                        damaged = true
                        running = stored
                        continue
                    }
                    scan.validFrames = frame
                    if frameData.bigEndianWord(at: 4) != 0 { scan.committedFrames = frame }
                } else if intact {
                    // Written after the bad frame, so the bad frame was once good.
                    scan.validFrameAfterDamage = frame
                    return scan
                } else if !sameLog {
                    return scan
                }
                running = stored
            }
            return scan
        }
    }

    /// The wal-index header at the start of `-shm` (two copies, native byte order).
    private struct IndexHeader {
        let committedFrames: Int
        let salts: Data

        init?(shm: Data?) {
            guard let shm, shm.count >= 96 else { return nil }
            let first = shm.subdata(in: shm.startIndex..<shm.startIndex + 48)
            guard first == shm.subdata(in: shm.startIndex + 48..<shm.startIndex + 96) else { return nil }
            guard first.nativeWord(at: 0) == 3_007_000, first[first.startIndex + 12] == 1 else { return nil }
            let checksum = WALChecksum.compute(
                first, range: 0..<40, bigEndian: Self.nativeIsBigEndian, seed: (0, 0))
            guard checksum == (first.nativeWord(at: 40), first.nativeWord(at: 44)) else { return nil }
            committedFrames = Int(first.nativeWord(at: 16))
            salts = first.subdata(in: first.startIndex + 32..<first.startIndex + 40)
        }

        static let nativeIsBigEndian = 1.bigEndian == 1
    }
}

/// SQLite's log checksum: two running 32-bit sums over pairs of words.
private enum WALChecksum {
    static func compute(_ data: Data, range: Range<Int>, bigEndian: Bool, seed: (UInt32, UInt32)) -> (UInt32, UInt32) {
        var (s1, s2) = seed
        data.withUnsafeBytes { raw in
            var offset = range.lowerBound
            while offset + 8 <= range.upperBound {
                var a = raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
                var b = raw.loadUnaligned(fromByteOffset: offset + 4, as: UInt32.self)
                if bigEndian {
                    a = UInt32(bigEndian: a)
                    b = UInt32(bigEndian: b)
                } else {
                    a = UInt32(littleEndian: a)
                    b = UInt32(littleEndian: b)
                }
                s1 = s1 &+ a &+ s2
                s2 = s2 &+ b &+ s1
                offset += 8
            }
        }
        return (s1, s2)
    }
}

extension Data {
    fileprivate func bigEndianWord(at offset: Int) -> UInt32 {
        withUnsafeBytes { UInt32(bigEndian: $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self)) }
    }

    fileprivate func nativeWord(at offset: Int) -> UInt32 {
        withUnsafeBytes { $0.loadUnaligned(fromByteOffset: offset, as: UInt32.self) }
    }
}
