import NIOCore
import Testing

@testable import SSHClient

/// The session rules without I/O: handshake, ids, reply matching, and how the session ends.
@Suite struct SFTPStateMachineTests {
    /// A state machine past a VERSION 3 handshake.
    private func ready() -> SFTPStateMachine {
        var machine = SFTPStateMachine()
        _ = machine.start()
        _ = machine.receive(.version(3, extensions: [:]))
        return machine
    }

    /// The request id `send` assigned, or nil.
    private func id(_ action: SFTPStateMachine.SendAction) -> UInt32? {
        if case .send(let id) = action { return id }
        return nil
    }

    /// Requests before VERSION are refused; VERSION opens the session.
    @Test func handshakeComesFirst() {
        var machine = SFTPStateMachine()
        guard case .sendInit = machine.start() else { Issue.record("no INIT"); return }
        guard case .fail(let early) = machine.send(.stat, path: "/a") else { Issue.record("sent early"); return }
        #expect(early.kind == .closed)
        guard case .versionReceived(3, let extensions) = machine.receive(.version(3, extensions: ["fsync@openssh.com": "1"])) else {
            Issue.record("no version")
            return
        }
        #expect(extensions["fsync@openssh.com"] == "1")
        #expect(self.id(machine.send(.stat, path: "/a")) == 1)
    }

    /// Ids increase; replies may come in any order and each completes its own request once.
    @Test func repliesAreMatchedByID() {
        var machine = self.ready()
        let first = self.id(machine.send(.write, path: "/f"))
        let second = self.id(machine.send(.write, path: "/f"))
        #expect(first == 1 && second == 2)
        #expect(machine.pendingCount == 2)
        guard case .complete(2, _) = machine.receive(.status(id: 2, code: .ok, message: "")) else {
            Issue.record("second not completed")
            return
        }
        guard case .complete(1, _) = machine.receive(.status(id: 1, code: .ok, message: "")) else {
            Issue.record("first not completed")
            return
        }
        #expect(machine.pendingCount == 0)
        // A second reply to id 1 is now unknown.
        guard case .failAndClose(_, let failures) = machine.receive(.status(id: 1, code: .ok, message: "")) else {
            Issue.record("duplicate accepted")
            return
        }
        #expect(failures.isEmpty)
    }

    /// A wrong reply type fails every outstanding request and refuses later ones.
    @Test func wrongReplyTypeEndsTheSession() {
        var machine = self.ready()
        _ = machine.send(.stat, path: "/a")
        _ = machine.send(.open, path: "/b")
        guard case .failAndClose(nil, let failures) = machine.receive(.data(id: 1, ByteBuffer())) else {
            Issue.record("accepted DATA for STAT")
            return
        }
        #expect(failures.map(\.id) == [1, 2])
        #expect(failures.allSatisfy { $0.error.kind == .protocolViolation })
        #expect(failures.map(\.error.path) == ["/a", "/b"])
        guard case .fail(let later) = machine.send(.stat, path: "/c") else { Issue.record("sent after close"); return }
        #expect(later.kind == .closed)
        #expect(later.message.contains("protocolViolation"))
        guard case .ignore = machine.receive(.status(id: 2, code: .ok, message: "")) else {
            Issue.record("reply after close not ignored")
            return
        }
    }

    /// A timeout fails its own request as a timeout and the others as closed.
    @Test func timeoutEndsTheSession() {
        var machine = self.ready()
        _ = machine.send(.write, path: "/f")
        _ = machine.send(.realpath, path: ".")
        guard case .failAndClose(nil, let failures) = machine.timedOut(id: 2, after: .seconds(1)) else {
            Issue.record("timeout ignored")
            return
        }
        #expect(failures.first { $0.id == 2 }?.error.kind == .timeout)
        #expect(failures.first { $0.id == 2 }?.error.request == "REALPATH")
        #expect(failures.first { $0.id == 1 }?.error.kind == .closed)
        guard case .ignore = machine.timedOut(id: 1, after: .seconds(1)) else {
            Issue.record("second timeout not ignored")
            return
        }
    }

    /// A timer firing after its reply arrived does nothing.
    @Test func lateTimerIsIgnored() {
        var machine = self.ready()
        _ = machine.send(.stat, path: "/a")
        _ = machine.receive(.status(id: 1, code: .noSuchFile, message: ""))
        guard case .ignore = machine.timedOut(id: 1, after: .seconds(1)) else {
            Issue.record("late timer acted")
            return
        }
        #expect(self.id(machine.send(.stat, path: "/b")) == 2)
    }

    /// A closed channel fails the handshake when it is still pending.
    @Test func closeDuringHandshakeFailsIt() {
        var machine = SFTPStateMachine()
        _ = machine.start()
        guard case .failAndClose(let handshake?, let failures) = machine.channelClosed("gone") else {
            Issue.record("handshake not failed")
            return
        }
        #expect(handshake.kind == .closed)
        #expect(failures.isEmpty)
        guard case .ignore = machine.channelClosed("again") else { Issue.record("closed twice"); return }
    }

    /// Only version 3 is accepted, and only once.
    @Test func versionRules() {
        var other = SFTPStateMachine()
        _ = other.start()
        guard case .failAndClose(let error?, _) = other.receive(.version(4, extensions: [:])) else {
            Issue.record("version 4 accepted")
            return
        }
        #expect(error.kind == .protocolViolation)
        var twice = self.ready()
        guard case .failAndClose = twice.receive(.version(3, extensions: [:])) else {
            Issue.record("second VERSION accepted")
            return
        }
    }
}
