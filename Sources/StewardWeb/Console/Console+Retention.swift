import Foundation
import Hummingbird
import StewardCore
import StewardPrivacy
import StewardStore

/// `/retention` (issue 14, promise MB-14): for the system administrator, where the declaration's retention stands
/// (a dry run, counted on each load) and the last runs recorded in the audit trail.
extension Console {
    func registerRetentionPage(on router: Router<StewardRequestContext>) {
        router.get("retention") { request, _ in
            try await signedIn(request) { viewer in
                guard viewer.user.authority == .systemAdmin else {
                    return errorPage(request, viewer: viewer, .forbidden("Only the system administrator sees retention"))
                }
                // A dry run deletes nothing and records nothing; on a large database it takes a moment.
                let report = try await retention?.run(dryRun: true, credential: "console")
                let runs = try await identity.auditEntries(tenant: nil, subject: nil, event: "retention.run", limit: RetentionPage.runLimit)
                return page(
                    viewer, "retention", title: "Retention",
                    RetentionPage.data(report: report, runs: runs, declaration: privacy))
            }
        }
    }
}
