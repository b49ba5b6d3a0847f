/**
 * The far ends for `bench media`, run in a child process so their CPU time
 * is not counted as the gateway's: per call two phones (X towards leg A, Y
 * towards leg B) each send one 20 ms G.711 packet per tick and count what
 * comes back. Kept as plain JavaScript source run with `node -e`, so it
 * runs the same from TypeScript sources and from the bundled build.
 *
 * Input: env LINEGATE_BENCH_PEERS = JSON { gatewayPorts: [legAPort, legBPort][], durationMs }.
 * IPC messages: { type: 'ready', ports } once bound, { type: 'done', received, sent } at the end.
 */
export const PEER_WORKER_SOURCE = `
const { createSocket } = require('node:dgram');
const { gatewayPorts, durationMs } = JSON.parse(process.env.LINEGATE_BENCH_PEERS);
const parentPort = { postMessage: (m) => process.send(m) };
let received = 0;
const peers = [];
function bind() {
  return new Promise((resolve) => {
    const s = createSocket('udp4');
    s.on('message', () => { received++; });
    s.on('error', () => {});
    s.bind(0, '127.0.0.1', () => resolve(s));
  });
}
(async () => {
  for (const [a, b] of gatewayPorts) {
    for (const [target, pt] of [[a, 0], [b, 8]]) {
      const socket = await bind();
      const packet = Buffer.alloc(12 + 160, pt === 0 ? 0xff : 0xd5);
      packet[0] = 0x80;
      packet[1] = pt;
      packet.writeUInt32BE(0x1000 + peers.length, 8);
      peers.push({ socket, target, packet });
    }
  }
  parentPort.postMessage({ type: 'ready', ports: peers.map((p) => p.socket.address().port) });
  let seq = 0;
  const start = performance.now();
  const tick = () => {
    seq++;
    for (const p of peers) {
      p.packet.writeUInt16BE(seq & 0xffff, 2);
      p.packet.writeUInt32BE((seq * 160) >>> 0, 4);
      p.packet[12] = 0x80 | (seq & 0x3f);
      p.socket.send(p.packet, p.target, '127.0.0.1');
    }
    if (performance.now() - start < durationMs) {
      setTimeout(tick, Math.max(0, start + (seq + 1) * 20 - performance.now()));
    } else {
      for (const p of peers) p.socket.close();
      parentPort.postMessage({ type: 'done', received, sent: seq * peers.length });
      process.disconnect();
    }
  };
  setTimeout(tick, 20);
})();
`;
