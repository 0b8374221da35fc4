import Foundation

/// A file that holds one small value a service is configured with (its key, the database
/// connection string): read whole, but never more than `limit` bytes, so that a wrong
/// path (a log, `/dev/zero`) is refused at once instead of filling the memory.
enum SmallFile {
    enum Failure: Error {
        /// The file cannot be opened or read.
        case unreadable
        /// The file holds more than the limit.
        case tooLarge(limit: Int)
    }

    static func read(_ path: String, limit: Int) throws(Failure) -> Data {
        guard let handle = FileHandle(forReadingAtPath: path) else { throw .unreadable }
        defer { try? handle.close() }
        let data: Data
        do {
            data = try handle.read(upToCount: limit + 1) ?? Data()
        } catch {
            throw .unreadable
        }
        guard data.count <= limit else { throw .tooLarge(limit: limit) }
        return data
    }
}
