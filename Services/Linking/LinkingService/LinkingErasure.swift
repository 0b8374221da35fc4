import Foundation
import ServiceKit

extension LinkingService {
    /// What linking removes of a former customer: the links of their carrier IDs to ISP
    /// contracts and their link journeys (the ISP contracts are the ISP's records, not the
    /// customer's, and stay). The link audit is kept until `--audit-retention-days` purges it.
    public func erasureRules(for subject: ErasureSubject) -> [ErasureRule] {
        let carriers = ErasureValue.list(subject.loginIDs)
        let inList = "carrierKey IN (SELECT value FROM json_each(?1))"
        return [
            ErasureRule(
                "link audit rows", sqlite: ("link_audit", inList), postgres: ("link_audit", "carrier_key = ANY($1)"), values: [carriers],
                action: .keep(why: "the link audit is kept for --audit-retention-days, then purged")),
            ErasureRule("link journeys", sqlite: ("link_journey", inList), postgres: ("link_journey", "carrier_key = ANY($1)"), values: [carriers]),
            ErasureRule("ISP links", sqlite: ("isp_link", inList), postgres: ("isp_link", "carrier_key = ANY($1)"), values: [carriers]),
        ]
    }
}
