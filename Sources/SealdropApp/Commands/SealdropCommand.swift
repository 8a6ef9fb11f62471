import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import SealdropCore
import SealdropHTTP
import SealdropServices

/// The `sealdrop` command line: the operational contract (docs/operations.md). The executable target only calls
/// `SealdropCommand.main()`; every subcommand lives here, in the composition root.
public struct SealdropCommand: AsyncParsableCommand {
    public init() {}

    /// The executable's entry point: ArgumentParser's asynchronous `main`. Called from top-level code, a plain
    /// `SealdropCommand.main()` resolves to the synchronous overload, which refuses an asynchronous command.
    public static func runCommandLine() async {
        await main(nil)
    }

    public static let configuration = CommandConfiguration(
        commandName: "sealdrop",
        abstract: "Secure file and message transfer server, compatible with the Cryptshare REST API.",
        subcommands: [Serve.self, Admin.self, Audit.self, Backup.self, Config.self, Version.self]
    )
}

/// `sealdrop serve [--config FILE] [--dev]`.
struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the server until SIGTERM or SIGINT.")

    @Option(help: "JSON configuration file; environment variables override it.") var config: String?
    @Flag(help: "Development defaults: data in ./sealdrop-data, user ports 8000/8443.") var dev = false

    func run() async throws {
        let configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(environment: ProcessInfo.processInfo.environment, configFile: config, dev: dev)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("sealdrop: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        do {
            try await SealdropServer.serve(configuration: configuration)
        } catch let error as ConfigurationError {
            FileHandle.standardError.write(Data("sealdrop: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
    }
}

/// `sealdrop config check [--config FILE]`.
struct Config: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Configuration tools.", subcommands: [Check.self])

    /// Validates the configuration without starting anything.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Validate the configuration and print the effective listeners.")

        @Option(help: "JSON configuration file.") var config: String?
        @Flag(help: "Check with the development defaults.") var dev = false

        func run() async throws {
            do {
                let c = try ServerConfiguration.load(environment: ProcessInfo.processInfo.environment, configFile: config, dev: dev)
                let templates = try c.loadMailTemplates()
                print("configuration ok")
                print("data dir:     \(c.dataDirectory)")
                print("user HTTP:    \(c.listeners.userHTTP)")
                print("user HTTPS:   \(c.listeners.userHTTPS)")
                print("admin HTTPS:  \(c.listeners.adminHTTPS)")
                print("admin HTTP:   \(c.listeners.adminHTTP)")
                print("base URL:     \(c.baseURL)")
                print("database:     \(c.storage.databaseURL)")
                print("mail:         \(c.smtpURLForDisplay)")
                print("mail templates: built-in + overrides from \(c.mailTemplatesDirectory) (languages: \(templates.languages.sorted().joined(separator: ", ")))")
            } catch let error as ConfigurationError {
                FileHandle.standardError.write(Data("sealdrop: \(error.description)\n".utf8))
                throw ExitCode(2)
            }
        }
    }
}

/// Loads the configuration and builds the server's services without starting any listener.
func buildServer(config: String?, dev: Bool) throws -> SealdropServer {
    do {
        let configuration = try ServerConfiguration.load(environment: ProcessInfo.processInfo.environment, configFile: config, dev: dev)
        var logger = Logger(label: "sealdrop")
        logger.logLevel = .warning
        return try SealdropServer.build(configuration: configuration, logger: logger)
    } catch let error as ConfigurationError {
        FileHandle.standardError.write(Data("sealdrop: \(error.description)\n".utf8))
        throw ExitCode(2)
    }
}

/// `sealdrop admin create-user NAME --role ROLE [--password-stdin]`.
struct Admin: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Administrator accounts and API tokens.", subcommands: [CreateUser.self, CreateToken.self])

    /// Creates an administrator account in the server's database (the server may be running).
    struct CreateUser: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-user",
            abstract: "Create an administrator account.",
            discussion: "Roles: administrator, config-admin, log-analyst, quick-supporter. The password is read from standard input with --password-stdin, otherwise asked for without echo."
        )

        @Argument(help: "Login name (letters, digits, . _ @ -).") var name: String
        @Option(help: "administrator, config-admin, log-analyst or quick-supporter.") var role: String
        @Flag(help: "Read the password from the first line of standard input.") var passwordStdin = false
        @Option(help: "JSON configuration file.") var config: String?
        @Flag(help: "Use the development defaults (./sealdrop-data).") var dev = false

        func run() async throws {
            guard let role = Self.role(role) else {
                FileHandle.standardError.write(Data("sealdrop: --role must be administrator, config-admin, log-analyst or quick-supporter\n".utf8))
                throw ExitCode(2)
            }
            let password: String
            if passwordStdin {
                password = readLine(strippingNewline: true) ?? ""
            } else if isatty(0) == 1, let entered = getpass("Password for \(name): ") {
                password = String(cString: entered)
            } else {
                FileHandle.standardError.write(Data("sealdrop: no terminal to ask for the password; use --password-stdin\n".utf8))
                throw ExitCode(2)
            }
            let server = try buildServer(config: config, dev: dev)
            do {
                try await server.accounts.create(name: name, role: role, password: password, by: "cli")
                print("created administrator \(name) (\(role.rawValue))")
            } catch AdminError.invalid(let problems) {
                for problem in problems { FileHandle.standardError.write(Data("sealdrop: \(problem.field): \(problem.message)\n".utf8)) }
                throw ExitCode(1)
            }
        }

        static func role(_ text: String) -> AdminRole? {
            let key = text.lowercased().replacingOccurrences(of: "-", with: "").replacingOccurrences(of: "_", with: "")
            return AdminRole.allCases.first { $0.rawValue.lowercased() == key }
        }
    }
}

extension Admin {
    /// Creates an admin API token for configuration management (a server set up without a browser); the token is
    /// printed once on standard output, stored only as its hash, audited and listed on the Administrators page.
    struct CreateToken: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "create-token",
            abstract: "Create an admin API token and print it once.",
            discussion: "Use it as 'Authorization: Bearer TOKEN' on the admin listener. Roles as for create-user. The token is not shown again; delete it on the Administrators page."
        )

        @Option(help: "What the token is for (1 to 80 characters), shown on the Administrators page.") var name: String
        @Option(help: "administrator, config-admin, log-analyst or quick-supporter.") var role: String
        @Option(help: "JSON configuration file.") var config: String?
        @Flag(help: "Use the development defaults (./sealdrop-data).") var dev = false

        func run() async throws {
            guard let role = CreateUser.role(role) else {
                FileHandle.standardError.write(Data("sealdrop: --role must be administrator, config-admin, log-analyst or quick-supporter\n".utf8))
                throw ExitCode(2)
            }
            let server = try buildServer(config: config, dev: dev)
            do {
                let created = try await server.accounts.createToken(label: name, role: role, by: "cli")
                print(created.token)
                FileHandle.standardError.write(Data("sealdrop: created API token \(created.id) \"\(name)\" (\(role.rawValue)); it is not shown again\n".utf8))
            } catch AdminError.invalid(let problems) {
                for problem in problems { FileHandle.standardError.write(Data("sealdrop: --name: \(problem.message)\n".utf8)) }
                throw ExitCode(1)
            }
        }
    }
}

/// `sealdrop audit verify`.
struct Audit: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "The administrative audit log.", subcommands: [Verify.self])

    /// Walks the hash chain and reports the first broken link; exit status 1 when there is one.
    struct Verify: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Check that no audit row was edited or deleted.")

        @Option(help: "JSON configuration file.") var config: String?
        @Flag(help: "Use the development defaults (./sealdrop-data).") var dev = false

        func run() async throws {
            let server = try buildServer(config: config, dev: dev)
            switch try await server.audit.verify() {
            case .intact(let count):
                print("audit log intact: \(count) rows, every link verified")
            case .broken(let id, let reason):
                print("audit log BROKEN at row \(id): \(reason)")
                throw ExitCode(1)
            }
        }
    }
}

/// `sealdrop version`.
struct Version: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Print the version.")

    func run() async throws {
        print("sealdrop \(SealdropVersion.current)")
    }
}
