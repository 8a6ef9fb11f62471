import NIOCore

/// Bounds what one connection may queue in user space before its writers wait: NIO's write-buffer
/// watermarks (16 KiB low, 32 KiB high instead of 32/64), set per connection when the HTTP pipeline is built.
///
/// With hundreds of concurrent downloads the bytes queued per connection add up: measured with 500
/// parallel 10 MiB downloads (scripts/bench/run --items concurrency), together with 32 KiB writes it lowered
/// the server's peak RSS by about 40 MiB at the same throughput (BENCHMARKS.md).
final class SendBufferLimit: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = NIOAny
    static let waterMark = ChannelOptions.Types.WriteBufferWaterMark(low: 16 * 1024, high: 32 * 1024)

    func handlerAdded(context: ChannelHandlerContext) {
        try? context.channel.syncOptions?.setOption(ChannelOptions.writeBufferWaterMark, value: Self.waterMark)
    }
}
