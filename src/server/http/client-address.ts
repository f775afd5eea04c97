/**
 * The key a client is rate-limited by: its IPv4 address, or the /64 network of
 * its IPv6 one. One IPv6 subscriber is handed a whole /64 and can rotate through
 * it freely, so a limit per full IPv6 address would limit nobody.
 */
import ipaddr from 'ipaddr.js';

export function clientAddressKey(ip: string): string {
  if (!ipaddr.isValid(ip)) return ip;
  const address = ipaddr.process(ip); // an IPv4-mapped IPv6 address becomes the IPv4 one
  if (address.kind() === 'ipv4') return address.toString();
  const parts = (address as ipaddr.IPv6).parts.slice(0, 4);
  return `${parts.map((part) => part.toString(16)).join(':')}::/64`;
}
