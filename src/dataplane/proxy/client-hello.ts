/**
 * Reading the server name (SNI) from the first bytes of a TLS connection without terminating it: a pure parser of
 * the TLS record holding the ClientHello (RFC 8446 section 4.1.2, RFC 6066 section 3).
 */

/** The largest ClientHello read (bytes of records): a client sending more is refused. */
export const MAX_CLIENT_HELLO = 16 * 1024 + 5;

export type ClientHelloResult =
  | { readonly kind: 'incomplete' }
  | { readonly kind: 'not-tls'; readonly reason: string }
  | { readonly kind: 'hello'; readonly serverName?: string };

/** Parses the ClientHello at the start of `buf` (which may hold only part of it). */
export function parseClientHello(buf: Buffer): ClientHelloResult {
  if (buf.length < 5) return buf.length > 0 && buf[0] !== 0x16 ? notTls('the first byte is not a TLS handshake record') : { kind: 'incomplete' };
  if (buf[0] !== 0x16) return notTls('the first byte is not a TLS handshake record');
  if (buf[1] !== 0x03) return notTls(`unknown record version ${buf[1]}.${buf[2]}`);
  // The handshake message may span records: gather the fragments of consecutive handshake records.
  const fragments: Buffer[] = [];
  let offset = 0;
  let total = 0;
  let needed = -1;
  while (offset + 5 <= buf.length) {
    if (buf[offset] !== 0x16) return notTls('the ClientHello is interrupted by another record type');
    const len = buf.readUInt16BE(offset + 3);
    if (offset + 5 + len > buf.length) break;
    fragments.push(buf.subarray(offset + 5, offset + 5 + len));
    total += len;
    offset += 5 + len;
    const hs = Buffer.concat(fragments);
    if (needed < 0 && hs.length >= 4) {
      if (hs[0] !== 0x01) return notTls('the first handshake message is not a ClientHello');
      needed = 4 + hs.readUIntBE(1, 3);
    }
    if (needed >= 0 && total >= needed) return readHello(hs.subarray(4, needed));
  }
  if (buf.length >= MAX_CLIENT_HELLO) return notTls(`the ClientHello is longer than ${MAX_CLIENT_HELLO} bytes`);
  return { kind: 'incomplete' };
}

function notTls(reason: string): ClientHelloResult {
  return { kind: 'not-tls', reason };
}

/** The ClientHello body: version, random, session id, cipher suites, compression methods, extensions. */
function readHello(body: Buffer): ClientHelloResult {
  let p = 2 + 32;
  const skip = (lengthBytes: number): boolean => {
    if (p + lengthBytes > body.length) return false;
    const n = body.readUIntBE(p, lengthBytes);
    p += lengthBytes + n;
    return p <= body.length;
  };
  if (!skip(1) || !skip(2) || !skip(1)) return notTls('a truncated ClientHello');
  if (p === body.length) return { kind: 'hello' }; // no extensions
  if (p + 2 > body.length) return notTls('a truncated ClientHello');
  const end = p + 2 + body.readUInt16BE(p);
  p += 2;
  if (end > body.length) return notTls('truncated ClientHello extensions');
  while (p + 4 <= end) {
    const type = body.readUInt16BE(p);
    const len = body.readUInt16BE(p + 2);
    const ext = body.subarray(p + 4, p + 4 + len);
    p += 4 + len;
    if (type !== 0 || ext.length < 2) continue;
    // server_name: a list of (type, name); type 0 = host_name.
    let q = 2;
    while (q + 3 <= ext.length) {
      const nameType = ext[q];
      const nameLen = ext.readUInt16BE(q + 1);
      const name = ext.subarray(q + 3, q + 3 + nameLen);
      q += 3 + nameLen;
      if (nameType === 0 && name.length === nameLen) return { kind: 'hello', serverName: name.toString('ascii').toLowerCase() };
    }
  }
  return { kind: 'hello' };
}
