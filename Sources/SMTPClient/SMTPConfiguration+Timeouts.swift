extension SMTPConfiguration {
    /// Per-step time limits, defaulting to the minimums of RFC 5321 §4.5.3.2.
    ///
    /// Each limit applies to one wait for a reply (or, for ``dataBlock``, to one write of a chunk
    /// of the message), not to the whole session.
    public struct Timeouts: Sendable, Hashable {
        /// TCP connect. Default: 30 s (RFC 5321 sets none).
        public var connect: Duration
        /// TLS handshake, implicit or after STARTTLS. Default: 60 s (RFC 5321 sets none).
        public var tlsHandshake: Duration
        /// The initial 220 greeting. Default: 5 min.
        public var greeting: Duration
        /// EHLO, HELO, STARTTLS, AUTH, QUIT replies. Default: 5 min.
        public var command: Duration
        /// The reply to MAIL FROM. Default: 5 min.
        public var mail: Duration
        /// The reply to each RCPT TO. Default: 5 min.
        public var rcpt: Duration
        /// The 354 reply to DATA. Default: 2 min.
        public var dataInitiation: Duration
        /// Writing one block of message data. Default: 3 min.
        public var dataBlock: Duration
        /// The reply to the final `.`. Default: 10 min.
        public var dataTermination: Duration
        /// Waiting for the reply to QUIT, after the message was accepted (a silent server does not undo delivery).
        public var quit: Duration

        /// Creates timeouts; every parameter defaults to its RFC 5321 value.
        public init(
            connect: Duration = .seconds(30),
            tlsHandshake: Duration = .seconds(60),
            greeting: Duration = .seconds(5 * 60),
            command: Duration = .seconds(5 * 60),
            mail: Duration = .seconds(5 * 60),
            rcpt: Duration = .seconds(5 * 60),
            dataInitiation: Duration = .seconds(2 * 60),
            dataBlock: Duration = .seconds(3 * 60),
            dataTermination: Duration = .seconds(10 * 60),
            quit: Duration = .seconds(10)
        ) {
            self.connect = connect
            self.tlsHandshake = tlsHandshake
            self.greeting = greeting
            self.command = command
            self.mail = mail
            self.rcpt = rcpt
            self.dataInitiation = dataInitiation
            self.dataBlock = dataBlock
            self.dataTermination = dataTermination
            self.quit = quit
        }

        /// The same limit for every step (handy in tests).
        public static func uniform(_ limit: Duration) -> Timeouts {
            Timeouts(
                connect: limit, tlsHandshake: limit, greeting: limit, command: limit, mail: limit,
                rcpt: limit, dataInitiation: limit, dataBlock: limit, dataTermination: limit, quit: limit
            )
        }

        /// The limit for waiting on the reply that ends `phase`.
        func limit(for phase: SMTPPhase) -> Duration {
            switch phase {
            case .connect: self.connect
            case .tlsHandshake: self.tlsHandshake
            case .greeting: self.greeting
            case .ehlo, .helo, .startTLS, .auth: self.command
            case .quit: self.quit
            case .mail: self.mail
            case .rcpt: self.rcpt
            case .data: self.dataInitiation
            case .dataBlock: self.dataBlock
            case .dataTermination: self.dataTermination
            }
        }
    }
}
