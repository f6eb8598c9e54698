/**
 * The floor for bench:relay: a bare `ws` server that pairs the two sockets that open the same `?pair=`
 * and forwards every frame to the other — no protocol, no validation, no consultations. Prints its URL.
 *   tsx bench/ws-floor.ts
 */
import type { AddressInfo } from 'node:net';
import { type WebSocket, WebSocketServer } from 'ws';

const server = new WebSocketServer({ port: 0, host: '127.0.0.1', maxPayload: 64 * 1024, perMessageDeflate: false });
const waiting = new Map<string, WebSocket>();

server.on('connection', (ws, req) => {
  const key = new URL(req.url ?? '/', 'ws://floor').searchParams.get('pair') ?? '';
  const other = waiting.get(key);
  if (!other) {
    waiting.set(key, ws);
    return;
  }
  waiting.delete(key);
  ws.on('message', (data, isBinary) => other.send(data, { binary: isBinary }));
  other.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
});

server.on('listening', () => {
  const { port } = server.address() as AddressInfo;
  process.stdout.write(`ws-floor on ws://127.0.0.1:${port}\n`);
});
process.once('SIGTERM', () => server.close(() => process.exit(0)));
