// The Node reference of the transport benchmark (issue 23): a JSON-RPC server as a
// reasonable Node programmer writes it with `net` alone. It splits what it reads into
// lines, JSON.parses each and answers it with JSON.stringify, one write per read chunk.
// Madoguchi's service.ping is meant to beat it; the C echo server (no parsing at all) is
// the ceiling both are read against.
//
//   node Tests/Benchmarks/node-peer.js /tmp/node.sock
'use strict';
const fs = require('fs');
const net = require('net');

const path = process.argv[2];
if (!path) {
    console.error('usage: node node-peer.js SOCKET_PATH');
    process.exit(64);
}
try { fs.unlinkSync(path); } catch (error) { if (error.code !== 'ENOENT') throw error; }

const server = net.createServer((socket) => {
    let pending = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk) => {
        const lines = (pending + chunk).split('\n');
        pending = lines.pop(); // the unfinished last line, if any
        let out = '';
        for (const line of lines) {
            if (line.length === 0) continue;
            let answer;
            try {
                const request = JSON.parse(line);
                answer = { jsonrpc: '2.0', id: request.id, result: { service: 'node' } };
            } catch (error) {
                answer = { jsonrpc: '2.0', id: null, error: { code: -32700, message: 'Parse error' } };
            }
            out += JSON.stringify(answer) + '\n';
        }
        if (out.length > 0) socket.write(out);
    });
    socket.on('error', () => socket.destroy());
});
server.listen(path);
for (const signal of ['SIGINT', 'SIGTERM']) {
    process.on(signal, () => {
        fs.rmSync(path, { force: true });
        process.exit(0);
    });
}
