import type { SipMessage } from './message.ts';
import { formatUri } from './uri.ts';

/**
 * Writes a message for the wire. Content-Length is always rewritten from
 * the body (mandatory over streams, harmless over UDP), headers keep their
 * order, unknown headers are written as received.
 */
export function serializeSipMessage(msg: SipMessage): Buffer {
  const startLine =
    msg.kind === 'request'
      ? `${msg.method} ${formatUri(msg.uri)} ${msg.version}`
      : `${msg.version} ${msg.status} ${msg.reason}`;
  let head = `${startLine}\r\n`;
  for (const h of msg.headers.entries()) {
    if (h.name.toLowerCase() === 'content-length') continue;
    head += `${h.name}: ${h.value}\r\n`;
  }
  head += `Content-Length: ${msg.body.length}\r\n\r\n`;
  const headBuf = Buffer.from(head, 'utf8');
  return msg.body.length === 0 ? headBuf : Buffer.concat([headBuf, msg.body]);
}
