import StewardCore

extension StewardError {
    /// The one answer for an access token that is already in use, by a device of this tenant or of any other:
    /// the same words and status either way, so it never tells a tenant that another tenant has that token.
    public static let accessTokenUnavailable = StewardError.badRequest("This access token is not available; choose another")
}
