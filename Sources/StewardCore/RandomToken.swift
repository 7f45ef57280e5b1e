/// Unguessable tokens from the system's secure generator (`getrandom` on Linux).
public enum RandomToken {
    static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789")

    /// A random alphanumeric string; 20 characters is ThingsBoard's access-token format (~119 bits).
    public static func alphanumeric(length: Int = 20) -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}
