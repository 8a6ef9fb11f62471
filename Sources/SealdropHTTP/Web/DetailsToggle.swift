import Hummingbird

/// The "Details" toggles of the web app (spec product §1.10): per-file progress on the upload page
/// (`show_upload_details`) and per-file details on the download page (`show_download_details`).
///
/// Each is a `<details data-cookie="…">`; the page's script writes the cookie when the user opens or closes
/// it (not HttpOnly, `Path=/; Secure; SameSite=Strict`, one year, like `show_cc`), and the server only reads
/// it. A missing cookie means open, so the details show until the user closes them (and without a script).
enum DetailsToggle {
    static let upload = "show_upload_details"
    static let download = "show_download_details"

    /// Whether the toggle named by `cookie` is rendered open: unless the cookie says `false`.
    static func isOpen(_ request: Request, cookie: String) -> Bool {
        request.cookies[cookie]?.value != "false"
    }
}
