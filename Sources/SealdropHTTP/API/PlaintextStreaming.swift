import Foundation
import Hummingbird
import NIOCore
import SealdropServices

extension PlaintextReader.Chunks {
    /// Streams the remaining plaintext to `writer` in 32 KiB writes; each decrypted segment holds one unit
    /// of `budget` from before it is read until its last byte was handed to the connection.
    ///
    /// With backpressure per connection, what one download holds is then one segment while it has a
    /// unit, and next to nothing while it waits: memory is bounded by the budget, not by the number of
    /// concurrent downloads. `onChunk` sees every chunk first (the ZIP writer's CRC).
    /// Bytes per write: with the connection's 32 KiB high watermark (`SendBufferLimit`) a connection queues
    /// at most about 48 KiB before its writer waits.
    static let slice = 32 * 1024

    ///
    /// Before each write it also waits until the connection has written all but `SendProgress.limit` of what
    /// this stream handed over (`progress`), so a connection's queue stays small even while the event loop lags.
    mutating func stream(to writer: inout any ResponseBodyWriter, budget: AsyncBudget, progress: SendProgress?,
                         onChunk: (UnsafeRawBufferPointer) -> Void = { _ in }) async throws {
        var pacer = SendProgress.Pacer(progress)
        while true {
            await budget.acquire()
            do {
                guard let chunk = try nextData() else {
                    budget.release()
                    return
                }
                chunk.withUnsafeBytes { onChunk($0) }
                var offset = 0
                while offset < chunk.count {
                    let end = min(chunk.count, offset + Self.slice)
                    await pacer.reserve(end - offset)
                    let buffer = chunk.withUnsafeBytes { ByteBuffer(bytes: UnsafeRawBufferPointer(rebasing: $0[offset..<end])) }
                    try await writer.write(buffer)
                    offset = end
                }
                budget.release()
            } catch {
                budget.release()
                throw error
            }
        }
    }
}
