/**
 * Where a webhook may send (SSRF): a webhook's URL is chosen by a namespace owner, and Berth's
 * nodes usually sit next to databases, metadata services (169.254.169.254) and admin ports that
 * the owner must not reach through it. Unless `webhooks.allowPrivateTargets`, only public unicast
 * addresses are allowed. The check runs on the address the socket actually connects to (the
 * lookup that the HTTP request itself uses), not on a separate DNS answer that a rebinding
 * server could change between check and connect.
 */
import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import type { LookupFunction } from 'node:net';
import ipaddr from 'ipaddr.js';

/** A URL or address a webhook may not use, with a message for its owner. */
export class TargetRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TargetRefused';
  }
}

/** Why `address` is not a public unicast address, or undefined when it is. */
export function privateRange(address: string): string | undefined {
  if (!ipaddr.isValid(address)) return 'not an IP address';
  let parsed = ipaddr.parse(address);
  // ::ffff:10.0.0.1 is 10.0.0.1.
  if (parsed.kind() === 'ipv6' && (parsed as ipaddr.IPv6).isIPv4MappedAddress()) parsed = (parsed as ipaddr.IPv6).toIPv4Address();
  const range = parsed.range();
  return range === 'unicast' ? undefined : range;
}

/** Checks a webhook URL's form: http(s), a host, no credentials; a literal private address is refused here already. */
export function checkTargetUrl(text: string, allowPrivate: boolean): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new TargetRefused(`${JSON.stringify(text)} is not a URL: give an absolute http:// or https:// URL`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new TargetRefused(`a webhook URL is http:// or https://, not ${url.protocol}`);
  if (url.username !== '' || url.password !== '') throw new TargetRefused('a webhook URL carries no credentials: use --authorization for a static Authorization header');
  if (url.hash !== '') throw new TargetRefused('a webhook URL has no #fragment');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!allowPrivate && ipaddr.isValid(host)) {
    const range = privateRange(host);
    if (range !== undefined) throw refusedAddress(host, range);
  }
  if (!allowPrivate && (host === 'localhost' || host.endsWith('.localhost'))) throw refusedAddress(host, 'loopback');
  return url;
}

/**
 * The DNS lookup a delivery's request uses: the system resolver, then every address it gave is
 * checked (all of them: a client may try the next one after the first fails).
 */
export function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 0);
      if (!allowPrivate) {
        for (const { address } of addresses) {
          const range = privateRange(address);
          if (range !== undefined) return callback(refusedAddress(`${hostname} (${address})`, range), '', 0);
        }
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 0);
      callback(null, first.address, first.family);
    });
  };
}

function refusedAddress(what: string, range: string): TargetRefused {
  return new TargetRefused(`${what} is a ${range} address: webhooks go to public addresses only (set webhooks.allowPrivateTargets to allow private ones)`);
}
