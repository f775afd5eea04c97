/**
 * Who a client is, for per-client limits: the key is its IPv4 address, or the
 * /64 network of its IPv6 one (one IPv6 subscriber is handed a whole /64 and
 * can rotate through it freely, so a limit per full IPv6 address would limit
 * nobody); its address comes from the socket, or from X-Forwarded-For as far
 * as TRUST_PROXY trusts the proxies in front.
 */
import type { IncomingMessage } from 'node:http';
import proxyaddr from '@fastify/proxy-addr';
import ipaddr from 'ipaddr.js';
import type { Config } from '../config.js';

/** Which proxies' X-Forwarded-For to believe, as proxy-addr (and so Fastify's request.ip) reads it. */
export function proxyTrust(setting: Config['TRUST_PROXY']): (address: string, hop: number) => boolean {
  if (setting === true) return () => true;
  if (setting === false) return () => false;
  // A hop count trusts that many proxies nearest to us.
  if (typeof setting === 'number') return (_address, hop) => hop < setting;
  return proxyaddr.compile(setting.split(','));
}

/** The limit key of a request that Fastify does not route (a WebSocket upgrade). */
export function clientKeyOf(request: IncomingMessage, trust: (address: string, hop: number) => boolean): string {
  return clientAddressKey(proxyaddr(request, trust));
}

/** Whether `ip` is a loopback address (127.0.0.0/8, ::1, or 127.x mapped into IPv6). */
export function isLoopback(ip: string): boolean {
  return ipaddr.isValid(ip) && ipaddr.process(ip).range() === 'loopback';
}

export function clientAddressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip); // an IPv4-mapped IPv6 address becomes the IPv4 one
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
}
