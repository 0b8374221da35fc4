# Sourced by Tests/Benchmarks/transport for --peers (issue 23): calls that cross from a
# service to auth, against auth's own method, in the same run, 8 connections each, driven
# by madoctl bench (a scrypt hash or a PIN check per call dominates, not the tool):
#   mypage.login via registration (one auth call, session.open)  vs password.verify, session.open
#   line.block.list via lines (one auth call, pin.verify)        vs pin.verify
#   line.login via lines (one auth call, session.open)            vs session.open (phone-pin)
#   ispContracts.setPassword via linking (one auth call, password.set) vs password.set
# Its data set is made here, small: $accounts customers (madoctl generate customers), their
# contracts in registration, their lines in lines, network PINs in auth, and a My Page
# account each, signed up through registration (Tests/Benchmarks/peer-accounts).
#
# Uses transport's BIN, ROOT, data, accounts, peer_seconds and record.

peers_setup() {
    echo "== peers: a data set of $accounts customers, each signed up to My Page" >&2
    "$BIN/madoctl" generate customers --customers "$accounts" --accounts 0 --calls 1000 --wrong-percent 0 \
        --output "$data" >&2
    Tests/Benchmarks/peer-data "$data" >&2
    for name in auth registration lines linking; do start_service "$name"; done
    madoctl contracts import "$data/contracts.jsonl" >&2
    madoctl lines import "$data/lines.jsonl" >&2
    madoctl isp-contracts import "$data/isp-contracts.jsonl" >&2
    madoctl bench auth pin.set --params-file "$data/pin-set.jsonl" --count "$(wc -l <"$data/pin-set.jsonl")" \
        --connections 4 >&2
    Tests/Benchmarks/peer-accounts "$ROOT/run" "$ROOT/spool" "$data" "$accounts" >&2
}

# peer LABEL REPEAT SERVICE METHOD PARAMS-FILE: one madoctl bench run, kept with a label.
peer() {
    record peers "$1" "$2" "$(madoctl bench "$3" "$4" --params-file "$data/$5" --connections 8 \
        --duration "$peer_seconds" --json || true)"
}

# peers_measure REPEAT: each path beside auth's own method, alternating.
peers_measure() {
    peer "mypage.login via registration" "$1" registration mypage.login mypage-login.jsonl
    peer "password.verify (auth)" "$1" auth password.verify password-verify.jsonl
    peer "session.open (auth)" "$1" auth session.open session-open.jsonl
    peer "line.block.list via lines" "$1" lines line.block.list line-block-list.jsonl
    peer "pin.verify (auth)" "$1" auth pin.verify pin-verify-right.jsonl
    peer "line.login via lines" "$1" lines line.login line-login.jsonl
    peer "session.open (auth, phone-pin)" "$1" auth session.open session-open-line.jsonl
    peer "ispContracts.setPassword via linking" "$1" linking ispContracts.setPassword isp-set-password.jsonl
    peer "password.set (auth, ISP)" "$1" auth password.set isp-password-set.jsonl
}
