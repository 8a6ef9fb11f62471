import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Logging
import SealdropHTTP

/// The `sealdrop` command line: the operational contract of DESIGN §6.
@main
struct SealdropCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sealdrop",
        abstract: "Secure file and message transfer server, compatible with the Cryptshare REST API.",
        subcommands: [Serve.self, Config.self, Version.self]
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
        LogSetup.bootstrap(level: configuration.logLevel, format: configuration.logFormat)
        MemorySetup.tune()
        let logger = Logger(label: "sealdrop")
        do {
            let server = try SealdropServer.build(configuration: configuration, logger: logger)
            try await server.run()
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
                print("user HTTP:    \(c.userHTTP)")
                print("user HTTPS:   \(c.userHTTPS)")
                print("admin HTTPS:  \(c.adminHTTPS)")
                print("admin HTTP:   \(c.adminHTTP)")
                print("base URL:     \(c.baseURL)")
                print("database:     \(c.databaseURL)")
                print("mail:         \(c.smtpURLForDisplay)")
                print("mail templates: built-in + overrides from \(c.mailTemplatesDirectory) (languages: \(templates.languages.sorted().joined(separator: ", ")))")
            } catch let error as ConfigurationError {
                FileHandle.standardError.write(Data("sealdrop: \(error.description)\n".utf8))
                throw ExitCode(2)
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
