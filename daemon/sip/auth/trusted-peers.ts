import { BlockList, isIP } from 'node:net';

/**
 * Trusted peers by IP or CIDR ('127.0.0.1/32', '10.0.0.0/8', '2001:db8::/32',
 * '192.0.2.7'): trunks that send calls without authenticating. Invalid
 * entries are reported, never silently widened.
 */
export class TrustedPeers {
  readonly #list = new BlockList();
  readonly invalid: string[] = [];

  constructor(entries: readonly string[]) {
    for (const entry of entries) {
      const [address, prefixText] = entry.trim().split('/');
      const family = isIP(address ?? '');
      if (!address || family === 0) {
        this.invalid.push(entry);
        continue;
      }
      const type = family === 6 ? 'ipv6' : 'ipv4';
      if (prefixText === undefined) {
        this.#list.addAddress(address, type);
        continue;
      }
      const prefix = Number(prefixText);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 6 ? 128 : 32)) {
        this.invalid.push(entry);
        continue;
      }
      this.#list.addSubnet(address, prefix, type);
    }
  }

  has(address: string): boolean {
    const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
    const plain = mapped ?? address;
    const family = isIP(plain);
    if (family === 0) return false;
    return this.#list.check(plain, family === 6 ? 'ipv6' : 'ipv4');
  }
}
