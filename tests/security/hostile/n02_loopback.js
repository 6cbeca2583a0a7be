// N02 (Judge0 CVE-2024-29021 pattern): the host's loopback services, from
// the box's own loopback.  stdin: "A B": the host listens on port A (TCP
// and UDP, 127.0.0.1 and ::1) and keeps sending to port B.  We connect to
// database/cache/web ports and to A, send a datagram to A, then listen on
// B (TCP and UDP) and wait to be killed at the wall limit, printing any
// datagram that arrives.  Prints "WHAT: CODE" lines.
'use strict';
const net = require('net');
const dgram = require('dgram');
const fs = require('fs');

const [a, b] = fs.readFileSync(0, 'utf8').trim().split(/\s+/).map(Number);
const targets = [['127.0.0.1', 5432], ['127.0.0.1', 6379], ['127.0.0.1', 8080],
	['::1', 5432], ['::1', 8080], ['127.0.0.1', a], ['::1', a]];

function attempt(i) {
	if (i === targets.length)
		return sendUdp();
	const [host, p] = targets[i];
	const tag = `connect ${host}:${p === a ? 'A' : p}`;
	const s = net.connect({ host, port: p });
	s.on('connect', () => { console.log(`${tag}: OK`); s.destroy(); attempt(i + 1); });
	s.on('error', (e) => { console.log(`${tag}: ${e.code}`); attempt(i + 1); });
}

function sendUdp() {
	const u = dgram.createSocket('udp4');
	u.send('from-the-box', a, '127.0.0.1', (e) => {
		console.log(`send udp 127.0.0.1:A: ${e ? e.code : 'OK'}`);
		u.close();
		listen();
	});
}

function listen() {
	const srv = net.createServer(() => console.log('accepted: yes'));
	srv.on('error', (e) => { console.log(`listen tcp 0.0.0.0:B: ${e.code}`); udp(); });
	srv.listen(b, '0.0.0.0', () => { console.log('listen tcp 0.0.0.0:B: OK'); udp(); });
}

function udp() {
	const u = dgram.createSocket('udp4');
	u.on('error', (e) => console.log(`bind udp 0.0.0.0:B: ${e.code}`));
	u.on('message', (m) => console.log(`received: ${m}`));
	u.bind(b, '0.0.0.0', () => {
		console.log('bind udp 0.0.0.0:B: OK');
		console.log('waiting: yes');
	});
	setInterval(() => {}, 1000);	// stay until the wall limit
}

attempt(0);
