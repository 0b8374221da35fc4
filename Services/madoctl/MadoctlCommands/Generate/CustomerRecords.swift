import MadoguchiModels

/// The JSON lines of a synthetic customer's records and calls, assembled by hand: every
/// text is generated without characters needing escapes, and a million customers through
/// `JSONEncoder` would take minutes.
struct CustomerRecords {
    func contract(_ customer: SyntheticCustomer) -> String {
        let phones = customer.lines.map { "\"\($0.phone)\"" }.joined(separator: ",")
        let iccids = customer.lines.map { "\"\($0.iccid)\"" }.joined(separator: ",")
        let services = customer.services.map { "\"\($0)\"" }.joined(separator: ",")
        return #"{"customerNumber":"\#(customer.number)","name":"\#(customer.name)","kana":"\#(customer.kana)","birthDate":"\#(customer.birthDate)","phoneNumbers":[\#(phones)],"email":"\#(customer.email)","postalCode":"\#(customer.postalCode)","address":"\#(customer.address)","iccids":[\#(iccids)],"services":[\#(services)]}"#
    }

    func ispContract(_ customer: SyntheticCustomer) -> String? {
        guard let number = customer.ispCustomerNumber else { return nil }
        return #"{"customerNumber":"\#(number)","description":"fibre single plan","email":"customer\#(customer.number)@isp.example.ne.jp","phoneNumber":"\#(customer.lines[0].phone)","phoneKind":"mobile","holderName":"\#(customer.name)"}"#
    }

    /// The line inventory's row for one of the customer's lines.
    func line(_ customer: SyntheticCustomer, line: SyntheticCustomer.Line) -> String {
        #"{"phoneNumber":"\#(line.phone)","customerNumber":"\#(customer.number)","iccid":"\#(line.iccid)","kind":"\#(line.voice ? "voice" : "data")"}"#
    }

    /// `pin.set` as a shop sets a line's network PIN, with the holder facts it is checked against.
    func pinSet(_ customer: SyntheticCustomer, line: SyntheticCustomer.Line) -> String {
        #"{"subject":"line:\#(line.phone)","kind":"network","pin":"\#(customer.networkPIN(of: line).digits)","birthDate":"\#(customer.birthDate)","phoneNumbers":["\#(line.phone)"]}"#
    }

    func pinVerify(_ customer: SyntheticCustomer, line: SyntheticCustomer.Line, wrong: Bool, origin: String) -> String {
        let pin = wrong ? customer.wrongPIN(of: line) : customer.networkPIN(of: line)
        return #"{"subject":"line:\#(line.phone)","kind":"network","pin":"\#(pin.digits)","origin":"\#(origin)"}"#
    }

    /// A My Page login: the customer's e-mail address, a password only this data set uses.
    func passwordSet(customer: Int) -> String {
        #"{"loginId":"customer\#(customer)@example.jp","password":"\#(Self.password(customer))","customerNumber":"\#(customer)"}"#
    }

    func passwordVerify(customer: Int, origin: String) -> String {
        #"{"loginId":"customer\#(customer)@example.jp","password":"\#(Self.password(customer))","origin":"\#(origin)"}"#
    }

    /// 12 characters whatever the customer number (the policy allows 8 to 16).
    private static func password(_ customer: Int) -> String { "Kd" + String(zeroPadded: customer, width: 8) + "xy" }
}
