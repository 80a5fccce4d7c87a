// Does UDP reach a QUIC stack? Send one long-header packet that carries a reserved version
// (0x1a2a3a4a, a "greasing" value no server speaks) and random connection IDs, padded to the
// 1200 bytes a client Initial must have; a QUIC endpoint answers with a Version Negotiation
// packet (RFC 9000, section 6 and 17.2.1): version 0, our SCID as its DCID and our DCID as its
// SCID, then the versions it supports. No QUIC handshake is run.
//
// A timeout means the datagram (or its answer) was dropped. On a connected UDP socket the
// kernel reports an ICMP port unreachable as ECONNREFUSED: that is "refused".

import { randomBytes } from 'node:crypto';
import dgram from 'node:dgram';
import { isIP } from 'node:net';
import type { EdgeUdpOutcome } from '../core/live-facts.js';
import { startDeadline, whenAborted } from './deadline.js';
import { guardRefusal } from './loopback-guard.js';
import { guarded, internalFailureDetail } from './callback-guard.js';
import { classifyConnectError, describeConnectFailure, hostPort } from './tcp-connect.js';

export const GREASE_VERSION = 0x1a2a3a4a;
const MIN_INITIAL_SIZE = 1200;

export interface ProbePacket {
  bytes: Buffer;
  dcid: Buffer;
  scid: Buffer;
}

/** A long-header packet shaped like a client Initial, with the reserved version. */
export function buildProbePacket(): ProbePacket {
  const dcid = randomBytes(8);
  const scid = randomBytes(8);
  const bytes = Buffer.alloc(MIN_INITIAL_SIZE);
  let o = 0;
  // Header form 1 (long), fixed bit 1, type Initial (00), the low bits random.
  bytes[o++] = 0xc0 | (randomBytes(1).readUInt8(0) & 0x0f);
  bytes.writeUInt32BE(GREASE_VERSION, o);
  o += 4;
  bytes[o++] = dcid.length;
  dcid.copy(bytes, o);
  o += dcid.length;
  bytes[o++] = scid.length;
  scid.copy(bytes, o);
  o += scid.length;
  bytes[o++] = 0; // token length 0
  // The rest stays zero: padding up to 1200 bytes.
  return { bytes, dcid, scid };
}

export type VersionNegotiation = { ok: true; versions: number[] } | { ok: false; problem: string };

/** Parse an answer as a Version Negotiation packet for our probe. */
export function parseVersionNegotiation(answer: Buffer, probe: Pick<ProbePacket, 'dcid' | 'scid'>): VersionNegotiation {
  if (answer.length < 7)
    return { ok: false, problem: `answer of ${answer.length} bytes is too short for a QUIC long header` };
  if ((answer.readUInt8(0) & 0x80) === 0) return { ok: false, problem: 'answer is not a QUIC long-header packet' };
  const version = answer.readUInt32BE(1);
  if (version !== 0)
    return { ok: false, problem: `answer carries version 0x${version.toString(16)}, not a Version Negotiation (0)` };
  let o = 5;
  const dcidLen = answer.readUInt8(o++);
  const dcid = answer.subarray(o, o + dcidLen);
  o += dcidLen;
  if (o >= answer.length) return { ok: false, problem: 'Version Negotiation packet is truncated' };
  const scidLen = answer.readUInt8(o++);
  const scid = answer.subarray(o, o + scidLen);
  o += scidLen;
  if (!dcid.equals(probe.scid) || !scid.equals(probe.dcid))
    return { ok: false, problem: 'Version Negotiation packet does not echo our connection IDs' };
  const rest = answer.subarray(o);
  if (rest.length === 0 || rest.length % 4 !== 0)
    return { ok: false, problem: 'Version Negotiation packet has no well-formed version list' };
  const versions: number[] = [];
  for (let i = 0; i < rest.length; i += 4) versions.push(rest.readUInt32BE(i));
  return { ok: true, versions };
}

function versionHex(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

export async function probeQuicVersionNegotiation(
  address: string,
  port: number,
  timeoutMs: number,
  parent?: AbortSignal,
): Promise<EdgeUdpOutcome> {
  const target = hostPort(address, port);
  const refusal = guardRefusal(address);
  if (refusal) return { ok: false, failure: 'guard', detail: refusal, versions: [], latencyMs: 0 };
  const family = isIP(address);
  if (family === 0)
    return { ok: false, failure: 'error', detail: `${address} is not an IP address`, versions: [], latencyMs: 0 };
  const d = startDeadline(timeoutMs, parent);
  const probe = buildProbePacket();
  const socket = dgram.createSocket(family === 6 ? 'udp6' : 'udp4');
  return new Promise<EdgeUdpOutcome>((resolve) => {
    let settled = false;
    let lastProblem: string | null = null;
    const finish = (r: EdgeUdpOutcome) => {
      if (settled) return;
      settled = true;
      unsubscribe();
      d.dispose();
      try {
        socket.close();
      } catch {
        // already closed
      }
      resolve(r);
    };
    const unsubscribe = whenAborted(d.signal, () =>
      finish({
        ok: false,
        failure: lastProblem ? 'unexpected-answer' : 'timeout',
        detail: lastProblem
          ? `${target} answered over UDP, but not with a QUIC Version Negotiation: ${lastProblem}`
          : `no QUIC answer from UDP ${target} before the deadline (UDP is dropped)`,
        versions: [],
        latencyMs: d.elapsed(),
      }),
    );
    const fault = (err: unknown) => {
      const detail = internalFailureDetail(`UDP to ${target}`, err);
      finish({ ok: false, failure: 'error', detail, versions: [], latencyMs: d.elapsed() });
    };
    socket.on(
      'error',
      guarded(fault, (err: Error) => {
        const kind = classifyConnectError(err);
        finish({
          ok: false,
          failure: kind,
          detail: `UDP: ${describeConnectFailure(kind, target, err)}`,
          versions: [],
          latencyMs: d.elapsed(),
        });
      }),
    );
    socket.on(
      'message',
      guarded(fault, (msg: Buffer) => {
        const vn = parseVersionNegotiation(msg, probe);
        if (vn.ok)
          finish({
            ok: true,
            failure: null,
            detail: null,
            versions: vn.versions.map(versionHex),
            latencyMs: d.elapsed(),
          });
        else lastProblem = vn.problem; // keep listening: a stray datagram is not the answer
      }),
    );
    socket.connect(
      port,
      address,
      guarded(fault, () => {
        socket.send(
          probe.bytes,
          guarded(fault, (err: Error | null) => {
            if (err) socket.emit('error', err);
          }),
        );
      }),
    );
  });
}
