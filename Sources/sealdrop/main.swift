import SealdropApp

// The process entry point: the command line and everything it builds live in SealdropApp.
await SealdropCommand.runCommandLine()
