/**
 * RTP/RTCP port pairs from a configured range (`LINEGATE_RTP_PORTS`,
 * default 10000–20000): RTP on an even port, RTCP on the next odd one
 * (RFC 3550 §11). A pair whose ports are taken by someone else is skipped.
 * Allocation walks the range round-robin so a just-released pair is not
 * reused at once (late packets of the old call would land in the new one).
 */
import { createSocket, type Socket } from 'node:dgram';
import { LinegateError } from '../../../drivers/base/errors.ts';

export interface RtpSocketPair {
  /** The even RTP port; RTCP is `port + 1`. */
  readonly port: number;
  readonly rtp: Socket;
  readonly rtcp: Socket;
}

export interface RtpPortAllocatorOptions {
  minPort?: number;
  maxPort?: number;
  /** Address to bind; default 0.0.0.0. */
  host?: string;
}

function bind(port: number, host: string): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: 'udp4' });
    const onError = (err: Error) => {
      socket.close();
      reject(err);
    };
    socket.once('error', onError);
    socket.bind(port, host, () => {
      socket.off('error', onError);
      resolve(socket);
    });
  });
}

export class RtpPortAllocator {
  readonly #minPort: number;
  readonly #maxPort: number;
  readonly #host: string;
  readonly #inUse = new Set<number>();
  #next: number;

  constructor(options: RtpPortAllocatorOptions = {}) {
    const min = options.minPort ?? 10000;
    this.#minPort = min % 2 === 0 ? min : min + 1;
    this.#maxPort = options.maxPort ?? 20000;
    this.#host = options.host ?? '0.0.0.0';
    this.#next = this.#minPort;
  }

  /** Number of pairs the range holds. */
  get capacity(): number {
    return Math.max(0, Math.floor((this.#maxPort - this.#minPort + 1) / 2));
  }

  get inUse(): number {
    return this.#inUse.size;
  }

  async allocate(): Promise<RtpSocketPair> {
    for (let tries = 0; tries < this.capacity; tries++) {
      const port = this.#next;
      this.#next = port + 2 + 1 > this.#maxPort ? this.#minPort : port + 2;
      if (this.#inUse.has(port)) continue;
      let rtp: Socket | undefined;
      try {
        rtp = await bind(port, this.#host);
        const rtcp = await bind(port + 1, this.#host);
        this.#inUse.add(port);
        return { port, rtp, rtcp };
      } catch {
        rtp?.close();
      }
    }
    throw new LinegateError('UNAVAILABLE', `no free RTP port pair in ${this.#minPort}-${this.#maxPort}`);
  }

  /** Closes both sockets and returns the pair to the range. Safe to call twice. */
  release(pair: RtpSocketPair): void {
    if (!this.#inUse.delete(pair.port)) return;
    for (const s of [pair.rtp, pair.rtcp]) {
      try {
        s.close();
      } catch {
        // already closed
      }
    }
  }
}
