import AuthAPI
import Foundation
import JSONRPC
import JSONRPCTransport
import LinkingAPI
import MadoguchiModels
import ServiceContract
import TestSupport
import Testing

/// Linking an ISP contract to a carrier ID across the real auth, registration and linking
/// processes, with every code read from the spool and every time rule on the test clock.
@Suite(.sandboxed) struct LinkingTests {
    static let ichiro = "ichiro@example.jp"
    static let ichiroISP = "ichiro@isp.example.ne.jp"

    /// Starts a journey for the fibre contract as Ichiro's carrier ID and enters the mailed code.
    func startAndEnterCode(_ fixture: LinkingFixture, _ linking: RPCClient, session: String, name: String = "山田 一郎")
        async throws -> String
    {
        let started = try await linking.call(
            LinkStart.self,
            .init(
                session: session, name: try PersonName(validating: name), kana: try KanaName(validating: "ヤマダ イチロウ"),
                birthDate: try CivilDate(validating: "1970-03-03"), ispEmail: try EmailAddress(validating: Self.ichiroISP)))
        #expect(started.step == .emailCode && started.phoneOnFile == nil)
        let code = try await fixture.code(to: Self.ichiroISP)
        #expect(try await linking.call(LinkCode.self, .init(session: session, journeyId: started.journeyId, code: code)).step == .ispLogin)
        return started.journeyId
    }

    /// Ichiro's carrier ID issued and logged in, and its journey for the fibre contract past
    /// the mailed code, on `engine`.
    func ichiroAtISPLogin(_ engine: StorageEngine, authArguments: [String] = []) async throws
        -> (fixture: LinkingFixture, linking: RPCClient, session: String, journey: String)
    {
        let fixture = try await LinkingFixture(engine: engine, authArguments: authArguments)
        try await fixture.issueCarrierID(Self.ichiro, password: "Kaede2026x", name: "山田 一郎", kana: "ヤマダ イチロウ")
        let session = try await fixture.login(Self.ichiro, "Kaede2026x")
        let linking = try await fixture.client()
        return (fixture, linking, session, try await startAndEnterCode(fixture, linking, session: session))
    }

    /// `LinkISPLogin` of `journey` with the ISP address on file and `password`: nil when it
    /// is answered, else the refusal.
    func ispLogin(_ linking: RPCClient, session: String, journey: String, _ password: String) async -> RPCError? {
        await refusal {
            try await linking.call(
                LinkISPLogin.self,
                .init(session: session, journeyId: journey, ispEmail: try EmailAddress(validating: Self.ichiroISP), password: password))
        }
    }

    @Test(arguments: StorageEngine.allCases) func wholeJourney_bySMS_linksWithAMailedLinkNumber_thenTheCarrierIDLogsInToTheISP(_ engine: StorageEngine) async throws {
        let (fixture, linking, session, journey) = try await ichiroAtISPLogin(engine)

        // A wrong ISP password counts; the right one shows the phone on file.
        let wrong = await refusal {
            try await linking.call(
                LinkISPLogin.self,
                .init(session: session, journeyId: journey, ispEmail: try EmailAddress(validating: Self.ichiroISP), password: "Wrong2026x"))
        }
        #expect(wrong?.reason == "isp_login_failed" && wrong?.data?["triesLeft"] == 4)
        let loggedIn = try await linking.call(
            LinkISPLogin.self,
            .init(session: session, journeyId: journey, ispEmail: try EmailAddress(validating: "ICHIRO@isp.example.ne.jp"), password: "Hikari2026"))
        #expect(loggedIn.step == .secondFactor && loggedIn.phoneOnFile == "*******0001" && loggedIn.channels == [.sms, .voice])
        // The code step comes before entering a code.
        #expect(await refusal {
            try await linking.call(LinkSecondFactorVerify.self, .init(session: session, journeyId: journey, code: "123456"))
        }?.data?["expected"] == "second_factor_send")

        _ = try await linking.call(LinkSecondFactorSend.self, .init(session: session, journeyId: journey, channel: .sms))
        let sms = try await fixture.message(to: "09055550001")
        #expect(sms.channel == .sms)
        let code = try await fixture.code(to: "09055550001")
        let linked = try await linking.call(LinkSecondFactorVerify.self, .init(session: session, journeyId: journey, code: code))
        let link = try #require(linked.link)
        #expect(linked.step == .linked && link.customerNumber == LinkingFixture.fibre && link.holderMatchesContract)
        #expect(link.contractDescription == "fibre with family plan" && link.carrierId == Self.ichiro)

        // The completion mail carries the link number, to the carrier ID and the ISP address.
        #expect(try await fixture.message(to: Self.ichiro, containing: link.linkNumber).subject?.contains("連携完了") == true)
        #expect(try await fixture.message(to: Self.ichiroISP, containing: link.linkNumber).subject?.contains("連携完了") == true)
        #expect(try await fixture.message(to: Self.ichiro, containing: link.linkNumber).body.contains("ISPのメールアドレス: \(Self.ichiroISP)"))
        // The carrier ID's key and the ISP link's code came under subjects that say which.
        let subjects = Set(fixture.sandbox.messages(to: Self.ichiro).compactMap(\.subject) + fixture.sandbox.messages(to: Self.ichiroISP).compactMap(\.subject))
        #expect(subjects.contains("【キャリアID】発行手続きの確認キー") && subjects.contains("【ID連携】ISPご契約との連携の確認コード"), "\(subjects)")
        #expect(try await linking.call(LinkConfirm.self, .init(session: session)) == link)
        #expect(try await fixture.audit() == ["linked \(link.linkNumber)"])

        // From now on the carrier ID and its password log in to the ISP.
        let isp = try await linking.call(ISPLogin.self, .init(loginId: "Ichiro@example.jp", password: "Kaede2026x"))
        #expect(isp.customerNumber == LinkingFixture.fibre && isp.carrierId == Self.ichiro)
        let token = try #require(isp.token)
        #expect(try await linking.call(ISPSessionCheck.self, .init(session: token)).contractDescription == "fibre with family plan")
        #expect(await refusal {
            try await linking.call(ISPLogin.self, .init(loginId: Self.ichiro, password: "Wrong2026x"))
        }?.reason == "login_failed")

        // Unlinking by the carrier ID ends ISP access at once, with an e-mail.
        let unlinked = try await linking.call(LinkUnlink.self, .init(session: session))
        #expect(unlinked.linkNumber == link.linkNumber)
        #expect(try await fixture.message(to: Self.ichiro, containing: "連携を解除しました").body.contains(link.linkNumber))
        #expect(await refusal { try await linking.call(ISPSessionCheck.self, .init(session: token)) }?.reason == "not_linked")
        #expect(await refusal {
            try await linking.call(ISPLogin.self, .init(loginId: Self.ichiro, password: "Kaede2026x"))
        }?.reason == "login_failed")
        #expect(try await fixture.audit() == ["linked \(link.linkNumber)", "unlinked \(link.linkNumber)"])
        await linking.close()
        // Where the links are: the sandbox's engine, and no SQLite file beside it.
        let stateFiles = try FileManager.default.contentsOfDirectory(atPath: fixture.sandbox.root.file("linking"))
        #expect(stateFiles.contains("linking.sqlite") == (engine == .sqlite), "\(stateFiles)")
        #expect(fixture.linking.log.contains("keeping state in PostgreSQL") == (engine == .postgres))
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func landline_takesOnlyTheVoiceCall_aFamilyMemberLinks_andARestartAndALongPauseLoseNothing(_ engine: StorageEngine) async throws {
        var fixture = try await LinkingFixture(engine: engine)
        try await fixture.issueCarrierID("ken@example.jp", password: "Momiji2026", name: "加藤 健", kana: "カトウ ケン")
        var session = try await fixture.login("ken@example.jp", "Momiji2026")
        var linking = try await fixture.client()
        // Ken enters his own details; the contract holder is his mother Hanako.
        let started = try await linking.call(
            LinkStart.self,
            .init(
                session: session, name: try PersonName(validating: "加藤 健"), kana: try KanaName(validating: "カトウ ケン"),
                birthDate: try CivilDate(validating: "1995-08-08"), ispEmail: try EmailAddress(validating: "hanako@isp.example.ne.jp")))
        let journey = started.journeyId
        let code = try await fixture.code(to: "hanako@isp.example.ne.jp")
        _ = try await linking.call(LinkCode.self, .init(session: session, journeyId: journey, code: code))

        // The linking service is killed and restarted in the middle.
        await linking.close()
        try await fixture.restartLinking()
        linking = try await fixture.client()
        #expect(try await linking.call(LinkStatus.self, .init(session: session, journeyId: journey)).step == .ispLogin)
        let loggedIn = try await linking.call(
            LinkISPLogin.self,
            .init(session: session, journeyId: journey, ispEmail: try EmailAddress(validating: "hanako@isp.example.ne.jp"), password: "Denwa2026x"))
        #expect(loggedIn.channels == [.voice] && loggedIn.phoneOnFile == "******0002")
        #expect(await refusal {
            try await linking.call(LinkSecondFactorSend.self, .init(session: session, journeyId: journey, channel: .sms))
        }?.reason == "landline_takes_voice_only")

        // A 45-minute pause: the journey waits; the session has expired, so Ken logs in again.
        try fixture.sandbox.setClock("2026-11-21T12:45:00+09:00")
        #expect(await refusal { try await linking.call(LinkStatus.self, .init(session: session, journeyId: journey)) }?.reason == "session_invalid")
        session = try await fixture.login("ken@example.jp", "Momiji2026")
        #expect(try await linking.call(LinkStatus.self, .init(session: session, journeyId: journey)).step == .secondFactor)

        _ = try await linking.call(LinkSecondFactorSend.self, .init(session: session, journeyId: journey, channel: .voice))
        let call = try await fixture.message(to: "0355550002")
        #expect(call.channel == .voice)
        let spoken = try await fixture.code(to: "0355550002")
        let linked = try await linking.call(LinkSecondFactorVerify.self, .init(session: session, journeyId: journey, code: spoken))
        #expect(linked.link?.holderMatchesContract == false && linked.link?.customerNumber == LinkingFixture.adsl)

        // The operator sees the details Ken entered beside the contract holder.
        let shown = try await fixture.sandbox.madoctl(["link", "show", "n100000002", "--json"])
        #expect(shown.status == 0, "\(shown.stderr)")
        guard case .array(let links)? = try JSONValue.parse(Data(shown.stdout.utf8))["links"], let record = links.first else {
            Issue.record("no links in \(shown.stdout)")
            return
        }
        #expect(record["enteredName"] == "加藤\u{3000}健" && record["holderName"] == "加藤\u{3000}花子")
        #expect(record["link"]?["holderMatchesContract"] == false)
        await linking.close()
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func unknownISPAddress_looksTheSame_andItsCodeStepCountsTriesLikeAuth(_ engine: StorageEngine) async throws {
        let fixture = try await LinkingFixture(engine: engine)
        try await fixture.issueCarrierID(Self.ichiro, password: "Kaede2026x", name: "山田 一郎", kana: "ヤマダ イチロウ")
        let session = try await fixture.login(Self.ichiro, "Kaede2026x")
        let linking = try await fixture.client()
        func start(_ address: String) async throws -> LinkJourney {
            try await fixture.startLink(linking, session: session, ispEmail: address)
        }
        let known = try await start(Self.ichiroISP)
        let unknown = try await start("nobody@isp.example.ne.jp")
        #expect(known.step == unknown.step && known.expiresAt == unknown.expiresAt && known.phoneOnFile == unknown.phoneOnFile)
        _ = try await fixture.message(to: Self.ichiroISP)
        #expect(fixture.messageCount(to: "nobody@isp.example.ne.jp") == 0)

        // The same refusals, with the same tries left, for a wrong code to either address.
        for triesLeft in [4, 3, 2, 1] {
            for journey in [known, unknown] {
                let wrong = await refusal {
                    try await linking.call(LinkCode.self, .init(session: session, journeyId: journey.journeyId, code: "000000"))
                }
                #expect(wrong?.reason == "code_incorrect" && wrong?.data?["triesLeft"] == .int(Int64(triesLeft)))
            }
        }
        for journey in [known, unknown] {
            #expect(await refusal {
                try await linking.call(LinkCode.self, .init(session: session, journeyId: journey.journeyId, code: "000000"))
            }?.reason == "too_many_tries")
            #expect(await refusal {
                try await linking.call(LinkStatus.self, .init(session: session, journeyId: journey.journeyId))
            }?.reason == "journey_not_found")
        }

        // A code is good for 10 minutes, for either address.
        let late = try await start("nobody@isp.example.ne.jp")
        try fixture.sandbox.setClock("2026-11-21T12:10:00+09:00")
        #expect(await refusal {
            try await linking.call(LinkCode.self, .init(session: session, journeyId: late.journeyId, code: "000000"))
        }?.reason == "code_expired")
        await linking.close()
        try await fixture.stop()
    }

    /// Auth sends an address at most 5 codes an hour. A contract's address past them
    /// starts its journey as an unknown address does, with no mail, rather than answering
    /// `too_many_attempts`: only a contract's address gets codes, so that answer would
    /// tell which addresses are contracts'.
    @Test(arguments: StorageEngine.allCases) func aKnownAddressPastItsCodesForTheHour_startsLikeAnUnknownOne(_ engine: StorageEngine) async throws {
        let fixture = try await LinkingFixture(engine: engine)
        try await fixture.issueCarrierID(Self.ichiro, password: "Kaede2026x", name: "山田 一郎", kana: "ヤマダ イチロウ")
        let session = try await fixture.login(Self.ichiro, "Kaede2026x")
        let linking = try await fixture.client()
        for _ in 0..<6 {
            let known = await refusal { _ = try await fixture.startLink(linking, session: session, ispEmail: Self.ichiroISP) }
            let unknown = await refusal { _ = try await fixture.startLink(linking, session: session, ispEmail: "nobody@isp.example.ne.jp") }
            #expect(known == nil && unknown == nil, "\(String(describing: known)) \(String(describing: unknown))")
        }
        _ = try await fixture.message(to: Self.ichiroISP, count: 5)
        #expect(fixture.messageCount(to: Self.ichiroISP) == 5)
        await linking.close()
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func abandonedJourney_expiresAfter24HoursWithoutAStep_andIsNobodyElses(_ engine: StorageEngine) async throws {
        let fixture = try await LinkingFixture(engine: engine)
        try await fixture.issueCarrierID(Self.ichiro, password: "Kaede2026x", name: "山田 一郎", kana: "ヤマダ イチロウ")
        try await fixture.issueCarrierID("ken@example.jp", password: "Momiji2026", name: "加藤 健", kana: "カトウ ケン")
        let session = try await fixture.login(Self.ichiro, "Kaede2026x")
        let linking = try await fixture.client()
        let journey = try await startAndEnterCode(fixture, linking, session: session)
        // Another carrier ID holding the journey ID gets nothing.
        let ken = try await fixture.login("ken@example.jp", "Momiji2026")
        #expect(await refusal { try await linking.call(LinkStatus.self, .init(session: ken, journeyId: journey)) }?.reason == "journey_not_found")

        try fixture.sandbox.setClock("2026-11-22T11:59:59+09:00")
        let fresh = try await fixture.login(Self.ichiro, "Kaede2026x")
        #expect(try await linking.call(LinkStatus.self, .init(session: fresh, journeyId: journey)).step == .ispLogin)
        try fixture.sandbox.setClock("2026-11-22T12:00:00+09:00")
        #expect(await refusal {
            try await linking.call(
                LinkISPLogin.self,
                .init(session: fresh, journeyId: journey, ispEmail: try EmailAddress(validating: Self.ichiroISP), password: "Hikari2026"))
        }?.reason == "journey_not_found")
        await linking.close()
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func secondLink_ofALinkedContract_isRefused_untilAnOperatorUnlinksIt(_ engine: StorageEngine) async throws {
        let fixture = try await LinkingFixture(engine: engine)
        try await fixture.issueCarrierID(Self.ichiro, password: "Kaede2026x", name: "山田 一郎", kana: "ヤマダ イチロウ")
        try await fixture.issueCarrierID("jiro@example.jp", password: "Sakura2026", name: "山田 次郎", kana: "ヤマダ ジロウ")
        let linking = try await fixture.client()

        func linkFibre(session: String, mailNumber: Int, callNumber: Int) async throws -> LinkJourney? {
            let started = try await linking.call(
                LinkStart.self,
                .init(
                    session: session, name: try PersonName(validating: "山田 次郎"), kana: try KanaName(validating: "ヤマダ ジロウ"),
                    birthDate: try CivilDate(validating: "2000-01-01"), ispEmail: try EmailAddress(validating: Self.ichiroISP)))
            let code = try await fixture.code(to: Self.ichiroISP, number: mailNumber)
            _ = try await linking.call(LinkCode.self, .init(session: session, journeyId: started.journeyId, code: code))
            _ = try await linking.call(
                LinkISPLogin.self,
                .init(session: session, journeyId: started.journeyId, ispEmail: try EmailAddress(validating: Self.ichiroISP), password: "Hikari2026"))
            _ = try await linking.call(LinkSecondFactorSend.self, .init(session: session, journeyId: started.journeyId, channel: .voice))
            let spoken = try await fixture.code(to: "09055550001", number: callNumber)
            return try await linking.call(LinkSecondFactorVerify.self, .init(session: session, journeyId: started.journeyId, code: spoken))
        }

        let ichiro = try await fixture.login(Self.ichiro, "Kaede2026x")
        let first = try #require(try await linkFibre(session: ichiro, mailNumber: 1, callNumber: 1)?.link)
        // The carrier ID cannot start a second link of its own.
        #expect(await refusal {
            try await linking.call(
                LinkStart.self,
                .init(
                    session: ichiro, name: try PersonName(validating: "山田 一郎"), kana: try KanaName(validating: "ヤマダ イチロウ"),
                    birthDate: try CivilDate(validating: "1970-03-03"), ispEmail: try EmailAddress(validating: "hanako@isp.example.ne.jp")))
        }?.reason == "carrier_id_already_linked")

        // Jiro knows the ISP password too, but the contract is taken: he is told so after the ISP login.
        let jiro = try await fixture.login("jiro@example.jp", "Sakura2026")
        let started = try await linking.call(
            LinkStart.self,
            .init(
                session: jiro, name: try PersonName(validating: "山田 次郎"), kana: try KanaName(validating: "ヤマダ ジロウ"),
                birthDate: try CivilDate(validating: "2000-01-01"), ispEmail: try EmailAddress(validating: Self.ichiroISP)))
        let code = try await fixture.code(to: Self.ichiroISP, number: 2)
        _ = try await linking.call(LinkCode.self, .init(session: jiro, journeyId: started.journeyId, code: code))
        let taken = await refusal {
            try await linking.call(
                LinkISPLogin.self,
                .init(session: jiro, journeyId: started.journeyId, ispEmail: try EmailAddress(validating: Self.ichiroISP), password: "Hikari2026"))
        }
        #expect(taken?.reason == "isp_contract_already_linked" && taken?.message.contains("already linked") == true)

        // An operator unlinks it, saying who and why; nobody else may.
        let refused = try await fixture.sandbox.madoctlAsNobody(
            "linking", ["link", "unlink", "N100000001", "--staff", "x", "--reason", "y", "--runtime-dir", fixture.sandbox.runtimeDirectory])
        #expect(refused.status == 1 && refused.stderr.contains("operator"), "\(refused)")
        // The unlink is audited: a blank name or reason is refused as pin.reset refuses it.
        for (staff, reason) in [("   ", "holder asked by phone"), ("suzuki", "\u{3000}\t")] {
            let blank = try await fixture.sandbox.madoctl(["link", "unlink", "N100000001", "--staff", staff, "--reason", reason])
            #expect(blank.status == 1 && blank.stderr.contains("reason invalid_value"), "\(blank.stderr)")
        }
        let unlinked = try await fixture.sandbox.madoctl(
            ["link", "unlink", "N100000001", "--staff", "suzuki", "--reason", "holder asked by phone"])
        #expect(unlinked.status == 0, "\(unlinked.stderr)")
        let second = try #require(try await linkFibre(session: jiro, mailNumber: 3, callNumber: 2)?.link)
        #expect(second.carrierId == "jiro@example.jp" && second.linkNumber != first.linkNumber)

        let shown = try await linking.call(LinkShow.self, .init(customerNumber: try ISPCustomerNumber(validating: "N100000001")))
        #expect(shown.links.map(\.link.linkNumber) == [second.linkNumber, first.linkNumber])
        #expect(shown.links[1].unlinkedBy == "suzuki" && shown.links[1].unlinkReason == "holder asked by phone")
        #expect(try await fixture.audit() == ["linked \(first.linkNumber)", "unlinked \(first.linkNumber)", "linked \(second.linkNumber)"])
        await linking.close()
        try await fixture.stop()
    }

    @Test(arguments: StorageEngine.allCases) func registrationDown_answersUnavailable_withinThePeerTimeout(_ engine: StorageEngine) async throws {
        let fixture = try await LinkingFixture(engine: engine)
        try await fixture.issueCarrierID(Self.ichiro, password: "Kaede2026x", name: "山田 一郎", kana: "ヤマダ イチロウ")
        let session = try await fixture.login(Self.ichiro, "Kaede2026x")
        #expect(try await fixture.registration.registration.terminate() == 0)
        let linking = try await fixture.client()
        let asked = ContinuousClock.now
        let down = await refusal {
            try await linking.call(
                LinkStart.self,
                .init(
                    session: session, name: try PersonName(validating: "山田 一郎"), kana: try KanaName(validating: "ヤマダ イチロウ"),
                    birthDate: try CivilDate(validating: "1970-03-03"), ispEmail: try EmailAddress(validating: Self.ichiroISP)))
        }
        #expect(down?.reason == "unavailable" && down?.data?["service"] == "registration", "\(String(describing: down))")
        #expect(ContinuousClock.now - asked < .seconds(5))
        #expect(fixture.messageCount(to: Self.ichiroISP) == 0)
        await linking.close()
        try await fixture.stop()
    }

    /// A try the store will not count (an operator's trigger or constraint refuses the
    /// write) is not made: the call fails — the right password's too — until the store
    /// counts tries again, and then each try counts from where the store left off.
    @Test(arguments: StorageEngine.allCases) func aTryTheStoreWillNotCount_isNotMade_andTheJourneyWaitsForIt(_ engine: StorageEngine) async throws {
        let (fixture, linking, session, journey) = try await ichiroAtISPLogin(engine)
        let ispLogin = { (password: String) in await self.ispLogin(linking, session: session, journey: journey, password) }
        let (refuse, allow) =
            engine == .sqlite
            ? ("CREATE TRIGGER refuse_tries BEFORE UPDATE OF tries ON link_journey WHEN NEW.tries > 0 BEGIN SELECT RAISE(ABORT, 'no tries today'); END",
               "DROP TRIGGER refuse_tries")
            : ("ALTER TABLE linking.link_journey ADD CONSTRAINT refuse_tries CHECK (tries = 0) NOT VALID",
               "ALTER TABLE linking.link_journey DROP CONSTRAINT refuse_tries")

        try await fixture.sandbox.operatorRuns(refuse, in: "linking")
        #expect(await ispLogin("Wrong2026x")?.reason == "internal")
        #expect(await ispLogin("Hikari2026")?.reason == "internal", "the right password while no try can be counted")
        try await fixture.sandbox.operatorRuns(allow, in: "linking")
        let counted = await ispLogin("Wrong2026x")
        #expect(counted?.reason == "isp_login_failed" && counted?.data?["triesLeft"] == 4, "\(String(describing: counted))")
        #expect(await ispLogin("Hikari2026") == nil)
        await linking.close()
        try await fixture.stop()
    }

    /// Five wrong ISP passwords use the journey up; when it cannot be ended then (an
    /// operator's trigger refuses the delete), it is still refused — the right password
    /// too — rather than tried a sixth time, and ends once the delete is allowed.
    @Test(arguments: StorageEngine.allCases) func aJourneyWhoseTriesAreUsedUp_isRefused_evenWhenItCouldNotBeEnded(_ engine: StorageEngine) async throws {
        let (fixture, linking, session, journey) = try await ichiroAtISPLogin(engine)
        let ispLogin = { (password: String) in await self.ispLogin(linking, session: session, journey: journey, password) }
        let (refuse, allow) =
            engine == .sqlite
            ? (["CREATE TRIGGER refuse_end BEFORE DELETE ON link_journey BEGIN SELECT RAISE(ABORT, 'no ending today'); END"],
               ["DROP TRIGGER refuse_end"])
            : (["CREATE FUNCTION linking.refuse_end() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'no ending today'; END $$",
                "CREATE TRIGGER refuse_end BEFORE DELETE ON linking.link_journey FOR EACH ROW EXECUTE FUNCTION linking.refuse_end()"],
               ["DROP TRIGGER refuse_end ON linking.link_journey"])

        for sql in refuse { try await fixture.sandbox.operatorRuns(sql, in: "linking") }
        for triesLeft in [4, 3, 2, 1] {
            let wrong = await ispLogin("Wrong2026x")
            #expect(wrong?.reason == "isp_login_failed" && wrong?.data?["triesLeft"] == .int(Int64(triesLeft)), "\(String(describing: wrong))")
        }
        #expect(await ispLogin("Wrong2026x")?.reason == "internal", "the fifth try, whose journey cannot be ended")
        #expect(await ispLogin("Hikari2026")?.reason == "internal", "the right password after the last try")
        for sql in allow { try await fixture.sandbox.operatorRuns(sql, in: "linking") }
        #expect(await ispLogin("Hikari2026")?.reason == "too_many_tries")
        #expect(await ispLogin("Hikari2026")?.reason == "journey_not_found")
        await linking.close()
        try await fixture.stop()
    }

    /// ISP passwords sent all at once on one journey cannot beat its 5 tries: each try is
    /// counted before auth checks it, so auth checks 5 and no more, and the right password
    /// sent after them is refused with the rest. (Before, every try of the burst found the
    /// journey with all its tries left.)
    @Test(arguments: StorageEngine.allCases) func triesSentTogether_neverPassTheJourneysLimit(_ engine: StorageEngine) async throws {
        let (fixture, linking, session, journey) = try await ichiroAtISPLogin(engine)
        var clients = [linking]
        for _ in 0..<3 { clients.append(try await fixture.client()) }
        let answers = await withTaskGroup(of: String?.self) { group in
            for index in 0..<24 {
                let client = clients[index % clients.count]
                group.addTask { await self.ispLogin(client, session: session, journey: journey, "Wrong2026x")?.reason ?? "linked" }
            }
            return await group.reduce(into: [String?]()) { $0.append($1) }
        }
        #expect(answers.filter { $0 == "isp_login_failed" }.count == 4, "\(answers)")
        #expect(answers.allSatisfy { ["isp_login_failed", "too_many_tries", "journey_not_found"].contains($0) }, "\(answers)")
        #expect(await ispLogin(linking, session: session, journey: journey, "Hikari2026") != nil)
        let audit = try await fixture.sandbox.madoctl(["audit"])
        let checked = audit.stdout.split(separator: "\n").filter { $0.contains("password_failure isp:") }.count
        #expect(checked == 5, "auth checked \(checked) passwords: \(audit.stdout)")
        for client in clients { await client.close() }
        try await fixture.stop()
    }

    /// Auth too slow to answer a try (its one hashing thread busy past linking's half-second
    /// budget): the try is answered `unavailable` and still counts, since auth may have
    /// checked it; and the right password sent then links nothing: the journey stays at
    /// the ISP login, with one try fewer.
    @Test func aTryAuthAnswersTooLate_countsAndAdvancesNothing() async throws {
        var (fixture, linking, session, journey) = try await ichiroAtISPLogin(.sqlite, authArguments: ["--hash-threads", "1"])
        // Linking started again with `arguments` (the journey is in its database).
        func restartLinking(_ arguments: [String]) async throws {
            await linking.close()
            try await fixture.restartLinking(arguments: arguments)
            linking = try await fixture.sandbox.client("linking", timeout: .seconds(30))
        }
        // Waiting half a second for auth.
        try await restartLinking(["--peer-timeout", "0.5"])

        // Auth's one hashing thread kept busy for seconds by logins sent straight to it.
        let auth = try await fixture.sandbox.client("auth", timeout: .seconds(60))
        let busy = Task {
            await withTaskGroup(of: Void.self) { group in
                for _ in 0..<12 {
                    group.addTask { _ = try? await auth.call(PasswordVerify.self, .init(loginId: try LoginID(validating: Self.ichiro), password: "Kaede2026x")) }
                }
            }
        }
        let watcher = try await fixture.sandbox.client("auth", timeout: .seconds(60))
        try await waitUntil("auth to be hashing the logins") { (try await watcher.call(ServiceInfo.self)).callsInFlight >= 10 }
        await watcher.close()
        let late = await ispLogin(linking, session: session, journey: journey, "Hikari2026")
        #expect(late?.reason == "unavailable", "\(String(describing: late))")
        await busy.value
        await auth.close()

        // Linking again with its usual budget: a debug build's hash under the other tests'
        // load can take longer than half a second.
        try await restartLinking([])
        let wrong = await ispLogin(linking, session: session, journey: journey, "Wrong2026x")
        #expect(wrong?.reason == "isp_login_failed" && wrong?.data?["triesLeft"] == 3, "\(String(describing: wrong))")
        #expect(await ispLogin(linking, session: session, journey: journey, "Hikari2026") == nil)
        await linking.close()
        try await fixture.stop()
    }
}
