/** Client-address allow-lists (CIDRs) with node's BlockList: IPv4 and IPv6, no library needed. */
import { BlockList, isIP } from 'node:net';

/** A parsed CIDR. Throws with a message naming the bad value. */
export function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const [address = '', prefixText, extra] = text.trim().split('/');
  const version = isIP(address);
  const max = version === 4 ? 32 : 128;
  const prefix = prefixText === undefined ? max : Number(prefixText);
  if (version === 0 || extra !== undefined || !Number.isInteger(prefix) || prefix < 0 || prefix > max || (prefixText !== undefined && !/^\d+$/.test(prefixText))) {
    throw new Error(`"${text}" is not a CIDR such as 10.0.0.0/8 or 2001:db8::/32`);
  }
  return { address, prefix, family: version === 4 ? 'ipv4' : 'ipv6' };
}

/** True when the list is absent (no restriction) or the address is inside one of its CIDRs. */
export function addressAllowed(cidrs: readonly string[] | undefined, address: string | undefined): boolean {
  if (cidrs === undefined) return true;
  if (address === undefined) return false;
  const list = new BlockList();
  for (const cidr of cidrs) {
    const { address: network, prefix, family } = parseCidr(cidr);
    list.addSubnet(network, prefix, family);
  }
  // An IPv4 client on a dual-stack socket shows up as ::ffff:a.b.c.d.
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  const plain = mapped ? (mapped[1] as string) : address;
  const family = isIP(plain) === 4 ? 'ipv4' : isIP(plain) === 6 ? 'ipv6' : undefined;
  return family !== undefined && list.check(plain, family);
}
