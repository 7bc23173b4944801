// MARK: - Buffered file output over write(2)
//
// One preallocated buffer, filled in place by the caller and handed to the kernel with write(2) when
// full or on flush(). No stdio, no per-write allocation. Used by LogWriter and LogExporter.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

// MARK: - System calls (the class's own close() and write(_:) shadow the C names)

@inline(__always)
private func systemClose(_ descriptor: Int32) -> Int32 {
    #if canImport(Glibc)
    Glibc.close(descriptor)
    #else
    Darwin.close(descriptor)
    #endif
}

@inline(__always)
private func systemWrite(_ descriptor: Int32, _ bytes: UnsafeRawPointer, _ count: Int) -> Int {
    #if canImport(Glibc)
    Glibc.write(descriptor, bytes, count)
    #else
    Darwin.write(descriptor, bytes, count)
    #endif
}

// MARK: - Sink

/// A write-only file with one preallocated buffer, flushed with write(2).
final class LogByteSink {
    /// The path used in error messages ("<stdout>" for standard output).
    let path: String
    /// The buffer size in bytes; `reserve` can hand out at most this many bytes at once.
    let capacity: Int

    private var descriptor: Int32
    private let ownsDescriptor: Bool
    private let buffer: UnsafeMutableRawPointer
    private var used = 0

    /// Whether `close()` has been called.
    var isClosed: Bool { descriptor < 0 }

    /// Creates (or truncates) the file at `path` with mode 0644 and a buffer of `capacity` bytes.
    init(path: String, capacity: Int) throws(LogError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .cannotOpen(path: path, reason: recordingErrnoText()) }
        self.path = path
        self.capacity = max(capacity, 64)
        self.descriptor = fd
        self.ownsDescriptor = true
        self.buffer = .allocate(byteCount: self.capacity, alignment: 16)
    }

    /// Writes to standard output (file descriptor 1), which `close()` flushes but leaves open.
    init(standardOutputWithCapacity capacity: Int) {
        // Text already printed through stdio must come out before our write(2)s: flush every stdio stream.
        fflush(nil)
        self.path = "<stdout>"
        self.capacity = max(capacity, 64)
        self.descriptor = 1
        self.ownsDescriptor = false
        self.buffer = .allocate(byteCount: self.capacity, alignment: 16)
    }

    deinit {
        if descriptor >= 0 {
            try? flush()
            if ownsDescriptor { _ = systemClose(descriptor) }
        }
        buffer.deallocate()
    }

    // MARK: - Filling the buffer in place

    /// Room for `byteCount` bytes (at most `capacity`) at the end of the buffer, flushing first if needed.
    @inline(__always)
    func reserve(_ byteCount: Int) throws(LogError) -> UnsafeMutableRawPointer {
        precondition(byteCount <= capacity, "LogByteSink.reserve beyond capacity")
        guard descriptor >= 0 else { throw .io(path: path, reason: "the log was used after close()") }
        if used + byteCount > capacity { try flush() }
        return buffer + used
    }

    /// Marks `byteCount` bytes written at the pointer from the last `reserve` as part of the output.
    @inline(__always)
    func commit(_ byteCount: Int) {
        used += byteCount
    }

    /// Appends `bytes`, flushing as needed; any length is accepted.
    func write(_ bytes: UnsafeRawBufferPointer) throws(LogError) {
        guard let source = bytes.baseAddress else { return }
        var done = 0
        while done < bytes.count {
            let chunk = min(bytes.count - done, capacity)
            let target = try reserve(chunk)
            target.copyMemory(from: source + done, byteCount: chunk)
            commit(chunk)
            done += chunk
        }
    }

    /// Appends `bytes`.
    func write(_ bytes: [UInt8]) throws(LogError) {
        // Array.withUnsafeBytes is `rethrows` (untyped), so carry the typed error out by hand.
        var failure: LogError?
        bytes.withUnsafeBytes { raw in
            do throws(LogError) { try write(raw) } catch { failure = error }
        }
        if let failure { throw failure }
    }

    // MARK: - Handing bytes to the kernel

    /// Writes every buffered byte with write(2), retrying on EINTR and partial writes.
    func flush() throws(LogError) {
        guard descriptor >= 0 else { throw .io(path: path, reason: "the log was used after close()") }
        var done = 0
        defer {
            // Keep whatever was not written at the front so a later flush can retry it.
            if done > 0 && done < used { buffer.copyMemory(from: buffer + done, byteCount: used - done) }
            used -= done
        }
        while done < used {
            let written = systemWrite(descriptor, buffer + done, used - done)
            if written < 0 {
                if errno == EINTR { continue }
                throw .io(path: path, reason: recordingErrnoText())
            }
            done += written
        }
    }

    /// Flushes, then closes the descriptor (standard output stays open); a second call does nothing.
    func close() throws(LogError) {
        guard descriptor >= 0 else { return }
        var failure: LogError?
        do throws(LogError) { try flush() } catch { failure = error }
        if ownsDescriptor && systemClose(descriptor) != 0 && failure == nil {
            failure = .io(path: path, reason: recordingErrnoText())
        }
        descriptor = -1
        if let failure { throw failure }
    }
}
