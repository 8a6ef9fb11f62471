import Foundation
import Logging
import SealdropCore
import SealdropCrypto
import ServiceLifecycle

/// The archive queue's worker: copies each prepared transfer to the archive target, retries with back-off while the
/// target is down or refuses, and only then marks the job archived, wipes its key and deletes its spool folder.
///
/// Idempotent: every entry is written under the write suffix and renamed over its ready name, so an attempt cut off by
/// a crash or a dropped connection is simply made again and the archive ends with exactly one complete copy.
public struct ArchiveService: Service {
    /// Back-off and polling.
    public struct Configuration: Sendable {
        /// How often the queue is looked at. Default 1 s.
        public var pollInterval: Duration = .seconds(1)
        /// Seconds before the first retry, doubling up to `maxRetryDelay`. Default 30.
        public var firstRetryDelay: TimeInterval = 30
        /// Longest wait between two attempts, in seconds. Default an hour. Jobs are retried for as long as it takes.
        public var maxRetryDelay: TimeInterval = 3600
        /// Jobs fetched per round. Default 10 (copied one after another: archive targets are one server).
        public var batchSize: Int = 10
        /// How often the local connector's clean-up of files the archive system marked archived runs. Default 10 min.
        public var localCleanupInterval: TimeInterval = 600

        public init() {}
    }

    let repository: any ArchiveRepository
    let spool: ArchiveSpool
    let targets: [ArchiveSettings.Connector: any ArchiveTarget]
    let settings: SettingsStore
    let serverKey: ServerKey
    let configuration: Configuration
    let logger: Logger
    let now: @Sendable () -> Date

    public init(repository: any ArchiveRepository, spool: ArchiveSpool, targets: [ArchiveSettings.Connector: any ArchiveTarget], settings: SettingsStore,
                serverKey: ServerKey, configuration: Configuration = Configuration(), logger: Logger, now: @escaping @Sendable () -> Date = Date.init) {
        self.repository = repository
        self.spool = spool
        self.targets = targets
        self.settings = settings
        self.serverKey = serverKey
        self.configuration = configuration
        self.logger = logger
        self.now = now
    }

    public func run() async throws {
        let interval = configuration.pollInterval
        let lastCleanup = LastRun()
        await PeriodicLoop.run(interval: { interval }, logger: logger, failureEvent: "archive.poll.failed") {
            try await archiveDue()
            if lastCleanup.due(now(), every: configuration.localCleanupInterval) { try await removeArchivedFromLocalTarget() }
        }
    }

    /// Removes spool folders no queued job needs (a crash between preparing a copy and committing the finalize).
    /// Call before any listener accepts traffic; returns how many were removed.
    @discardableResult
    public func recoverAfterStart() async throws -> Int {
        let needed = try await repository.unarchivedTrackingIds()
        var removed = 0
        for trackingId in spool.trackingIds() where !needed.contains(trackingId.rawValue) {
            spool.remove(trackingId)
            removed += 1
        }
        if removed > 0 { logger.info("archive.spool.recovered", metadata: ["removed": "\(removed)"]) }
        return removed
    }

    /// Attempts every due job once, one after another; returns how many were archived.
    @discardableResult
    public func archiveDue() async throws -> Int {
        var archived = 0
        for job in try await repository.dueArchiveJobs(asOf: now(), limit: configuration.batchSize) {
            if try await attempt(job) { archived += 1 }
        }
        return archived
    }

    /// One attempt at one job; records the outcome and says whether the copy is complete.
    func attempt(_ job: ArchiveJob) async throws -> Bool {
        let attempts = job.attempts + 1
        let current = settings.current.archive
        let started = ContinuousClock.now
        do {
            try await copy(job, settings: current)
            try await repository.markArchived(job.trackingId, attempts: attempts, at: now())
            spool.remove(job.trackingId)
            let took = started.duration(to: .now)
            logger.info("archive.archived", metadata: [
                "tracking.id": "\(job.trackingId)", "entries": "\(job.entries.count)", "attempts": "\(attempts)",
                "bytes": "\(job.entries.reduce(Int64(0)) { $0 + $1.size })",
                "duration.ms": "\(took.components.seconds * 1000 + took.components.attoseconds / 1_000_000_000_000_000)",
            ])
            return true
        } catch {
            let failure = error as? ArchiveError
            let reason = String((failure?.description ?? "\(type(of: error)): \(error)").prefix(1000))
            if failure?.permanent == true {
                try await repository.markArchiveFailed(job.trackingId, attempts: attempts, error: reason)
                logger.error("archive.failed", metadata: ["tracking.id": "\(job.trackingId)", "reason": "\(reason)"])
            } else {
                let delay = min(configuration.maxRetryDelay, configuration.firstRetryDelay * pow(2, Double(min(attempts - 1, 20))))
                try await repository.markArchiveRetry(job.trackingId, attempts: attempts, nextAttemptAt: now().addingTimeInterval(delay), error: reason)
                logger.warning("archive.retry", metadata: ["tracking.id": "\(job.trackingId)", "delay.s": "\(Int(delay))", "reason": "\(reason)"])
            }
            return false
        }
    }

    /// Writes every entry of `job` into its folder on the target: under the write suffix, then renamed to the ready
    /// name (replacing a partial file of an earlier attempt); an entry the archive system already marked archived is
    /// left alone.
    func copy(_ job: ArchiveJob, settings: ArchiveSettings) async throws {
        guard let target = settings.target else { throw ArchiveError("archiving is not configured: archive.url is empty or invalid") }
        guard let connector = targets[target.connector] else { throw ArchiveError("the \(target.connector.rawValue) connector is not available") }
        let sources = try ArchiveSources(job: job, spool: spool, serverKey: serverKey)
        let connection = try await connector.connect(settings, logger: logger)
        do {
            let folder = (target.path == "/" ? "" : target.path) + "/" + job.trackingId.rawValue
            try await connection.makeDirectory(folder)
            for entry in job.entries {
                let base = folder + "/" + entry.name
                if try await connection.exists(base + settings.archivedSuffix) { continue }
                let ready = base + settings.readySuffix
                if settings.writeSuffix.isEmpty {
                    try await connection.write(ready, size: entry.size, body: try sources.body(entry))
                } else {
                    let writing = base + settings.writeSuffix
                    try await connection.write(writing, size: entry.size, body: try sources.body(entry))
                    try await connection.rename(writing, to: ready)
                }
            }
        } catch {
            await connection.close()
            throw error
        }
        await connection.close()
    }

    /// "Check connection": the target of `settings` (saved or not), step by step, writing nothing.
    public func check(_ settings: ArchiveSettings) async -> ArchiveCheck {
        guard let target = settings.target else {
            return ArchiveCheck(steps: [ArchiveCheckStep(step: "url", ok: false, detail: "archive.url is empty or not a file://, sftp:// or scp:// URL")])
        }
        guard let checker = targets[target.connector] as? any ArchiveTargetCheck else {
            return ArchiveCheck(steps: [ArchiveCheckStep(step: "connect", ok: false, detail: "the \(target.connector.rawValue) connector is not available")])
        }
        return await checker.check(settings, logger: logger)
    }

    /// The queue for the admin: jobs newest first and the counts per state.
    public func jobs(states: Set<ArchiveJob.State>?, limit: Int, offset: Int) async throws -> (jobs: [ArchiveJob], counts: [ArchiveJob.State: Int]) {
        (try await repository.archiveJobs(states: states, limit: limit, offset: offset), try await repository.archiveJobCounts())
    }

    /// How many copies are in each state.
    public func counts() async throws -> [ArchiveJob.State: Int] { try await repository.archiveJobCounts() }

    /// Makes a pending or failed job due now (the admin's retry); false when there is no such job or it is archived.
    public func retry(_ trackingId: TrackingID) async throws -> Bool {
        try await repository.retryArchiveJob(trackingId, at: now())
    }

    /// On the local connector, deletes files the archive system marked with the archived suffix, and then-empty
    /// transfer folders; returns how many files were removed.
    @discardableResult
    public func removeArchivedFromLocalTarget() async throws -> Int {
        let current = settings.current.archive
        guard current.connector == .local, let target = current.target, !current.archivedSuffix.isEmpty else { return 0 }
        let fm = FileManager.default
        var removed = 0
        for folder in (try? fm.contentsOfDirectory(atPath: target.path)) ?? [] where TrackingID(rawValue: folder) != nil {
            let path = target.path + "/" + folder
            let names = (try? fm.contentsOfDirectory(atPath: path)) ?? []
            for name in names where name.hasSuffix(current.archivedSuffix) {
                if unlink(path + "/" + name) == 0 { removed += 1 }
            }
            if ((try? fm.contentsOfDirectory(atPath: path)) ?? ["?"]).isEmpty { rmdir(path) }
        }
        if removed > 0 { logger.info("archive.local.cleaned", metadata: ["removed": "\(removed)"]) }
        return removed
    }
}

/// Remembers when something periodic last ran.
final class LastRun: @unchecked Sendable {
    private let lock = NSLock()
    private var last: Date?

    /// True (and remembers `now`) when it never ran or `interval` seconds have passed.
    func due(_ now: Date, every interval: TimeInterval) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if let last, now.timeIntervalSince(last) < interval { return false }
        last = now
        return true
    }
}

/// Opens the spool files of a job as plaintext (plain mode, with the transfer key opened from the job) or as they
/// are (age mode: already sealed for the archive's recipients).
struct ArchiveSources: Sendable {
    let job: ArchiveJob
    let spool: ArchiveSpool
    let transferKey: TransferKey?

    init(job: ArchiveJob, spool: ArchiveSpool, serverKey: ServerKey) throws {
        self.job = job
        self.spool = spool
        if job.mode == .plain {
            guard let sealed = job.sealedKey else { throw ArchiveError("the copy's key is gone (archived already?)", permanent: true) }
            do {
                transferKey = try TransferKey(rawBytes: serverKey.openSecret(sealed, context: ArchivePreparer.keyContext(job.trackingId)))
            } catch {
                throw ArchiveError("the copy's key does not open with this server key", permanent: true)
            }
        } else {
            transferKey = nil
        }
    }

    /// The bytes of `entry` as the archive receives them.
    func body(_ entry: ArchiveJob.Entry) throws -> ArchiveBody {
        let path = spool.path(job.trackingId, entry.spoolFile)
        guard FileManager.default.fileExists(atPath: path) else {
            throw ArchiveError("the spool file of \(entry.name) is missing (\(path))", permanent: true)
        }
        if let transferKey {
            let label = entry.fileId ?? String(entry.spoolFile.dropLast(".blob".count)).replacingOccurrences(of: "archive-", with: "archive:")
            let reader: BlobFileReader
            do {
                reader = try BlobFileReader(path: path, key: transferKey.fileKey(fileId: label))
            } catch {
                throw ArchiveError("the spool file of \(entry.name) is unreadable", permanent: true)
            }
            let chunks = ChunkBox(reader.chunks())
            return ArchiveBody { try chunks.next() }
        }
        guard let handle = FileHandle(forReadingAtPath: path) else { throw ArchiveError("cannot open the spool file \(path)") }
        let box = FileBox(handle)
        return ArchiveBody { try box.next() }
    }
}

/// A blob reader's chunks behind a lock (an `ArchiveBody` is pulled by one task at a time).
final class ChunkBox: @unchecked Sendable {
    private let lock = NSLock()
    private var chunks: BlobFileReader.Chunks

    init(_ chunks: BlobFileReader.Chunks) { self.chunks = chunks }

    func next() throws -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        return try chunks.next()
    }
}

/// A spool file read in 1 MiB chunks, closed at the end.
final class FileBox: @unchecked Sendable {
    private let lock = NSLock()
    private var handle: FileHandle?

    init(_ handle: FileHandle) { self.handle = handle }

    func next() throws -> [UInt8]? {
        lock.lock()
        defer { lock.unlock() }
        guard let handle else { return nil }
        let data = try handle.read(upToCount: 1 << 20) ?? Data()
        if data.isEmpty {
            try? handle.close()
            self.handle = nil
            return nil
        }
        return [UInt8](data)
    }

    deinit { try? handle?.close() }
}
