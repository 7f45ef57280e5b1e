import ArgumentParser
import Foundation
import StewardPrivacy
import StewardServer

struct PolicyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy", abstract: "Check and render the privacy declaration.",
        subcommands: [PolicyCheckCommand.self, PolicyRenderCommand.self])
}

/// Which declaration a policy command reads: `--file`, else `privacy.yaml` in the data directory, else the default.
struct DeclarationSource: ParsableArguments {
    @Option(help: "A declaration file to read instead of the data directory's privacy.yaml.") var file: String?
    @Option(help: "Data directory (env STEWARD_DATA_DIR, default ./steward-data).") var dataDir: String?

    var path: String? {
        if let file { return file }
        var configuration = ServerConfiguration()
        configuration.applyEnvironment()
        if let dataDir { configuration.dataDirectory = dataDir }
        let path = (configuration.dataDirectory as NSString).appendingPathComponent("privacy.yaml")
        return FileManager.default.fileExists(atPath: path) ? path : nil
    }

    func load() throws -> (PrivacyDeclaration, String) {
        guard let path else { return (PrivacyDeclaration.bundledDefault, "the bundled default declaration") }
        do {
            return (try PrivacyDeclaration.load(file: URL(fileURLWithPath: path)), path)
        } catch {
            print("\(path) is invalid:\n\(error.description)")
            throw ExitCode(1)
        }
    }
}

/// `steward policy check`: validates the declaration and explains every problem with its line.
struct PolicyCheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check", abstract: "Validate the privacy declaration; exit 1 with every problem and its line.")

    @OptionGroup var source: DeclarationSource

    func run() async throws {
        let (declaration, name) = try source.load()
        let missing = Art1314Checklist.check(declaration).filter { !$0.present }
        for placeholder in declaration.placeholders() { print("warning: \(placeholder)") }
        guard missing.isEmpty else {
            print("\(name) lacks what GDPR Art. 13/14 require:")
            for item in missing { print("  - \(item.item)") }
            throw ExitCode(1)
        }
        print("\(name) is valid: version \(declaration.version), \(declaration.purposes.count) purposes, \(declaration.categories.count) categories, \(declaration.cookies.count) cookies")
    }
}

/// `steward policy render`: the published policy as Markdown, HTML or JSON, for publishing elsewhere.
struct PolicyRenderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render", abstract: "Render the privacy policy from the declaration (Markdown, HTML or JSON).")

    @OptionGroup var source: DeclarationSource
    @Option(help: "md, html or json.") var format: String = "md"
    @Option(help: "Write to this file instead of standard output.") var out: String?

    func run() async throws {
        let (declaration, _) = try source.load()
        let text: String
        switch format.lowercased() {
        case "md", "markdown": text = PolicyRenderer.markdown(declaration)
        case "html": text = PolicyRenderer.html(declaration)
        case "json": text = PolicyRenderer.json(declaration)
        default: throw ValidationError("--format must be md, html or json")
        }
        if let out {
            try text.write(toFile: out, atomically: true, encoding: .utf8)
        } else {
            print(text, terminator: text.hasSuffix("\n") ? "" : "\n")
        }
    }
}
