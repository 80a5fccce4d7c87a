// Free loopback ports and lab child processes that are always killed: each started program is
// registered, and stopAll() (called in afterAll) kills whatever is still running.

import { spawn, type ChildProcess } from 'node:child_process';
import dgram from 'node:dgram';
import net from 'node:net';
import { removeLabDirs } from './certs.js';

/** A port free on 127.0.0.1 for both TCP and UDP (Caddy serves HTTP/3 on the same number). */
export async function freePort(): Promise<number> {
  for (let attempt = 0; attempt < 20; attempt++) {
    const port = await new Promise<number>((resolve, reject) => {
      const s = net.createServer();
      s.once('error', reject);
      s.listen(0, '127.0.0.1', () => {
        const p = (s.address() as net.AddressInfo).port;
        s.close(() => resolve(p));
      });
    });
    const udpFree = await new Promise<boolean>((resolve) => {
      const u = dgram.createSocket('udp4');
      u.once('error', () => resolve(false));
      u.bind(port, '127.0.0.1', () => u.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no free loopback port for TCP and UDP');
}

export interface LabProcess {
  name: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

const running = new Set<LabProcess>();

export function startProcess(
  name: string,
  command: string,
  args: string[],
  env: NodeJS.ProcessEnv = process.env,
): LabProcess {
  const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout?.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-20000)));
  child.stderr?.on('data', (b: Buffer) => (out = (out + b.toString()).slice(-20000)));
  child.on('error', (err) => (out += `\n[spawn error] ${err.message}`));
  const p: LabProcess = {
    name,
    child,
    output: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        running.delete(p);
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const hard = setTimeout(() => child.kill('SIGKILL'), 2000);
        child.once('exit', () => {
          clearTimeout(hard);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
  running.add(p);
  return p;
}

/** Poll `ready` until it says yes, the process exits, or the time is up. */
export async function waitUntil(p: LabProcess, ready: () => Promise<boolean>, timeoutMs = 10000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (p.child.exitCode !== null)
      throw new Error(`${p.name} exited (${p.child.exitCode}) before it was ready:\n${p.output()}`);
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  await p.stop();
  throw new Error(`${p.name} was not ready within ${timeoutMs} ms:\n${p.output()}`);
}

/** True when something accepts TCP connections on 127.0.0.1:port. */
export function tcpOpen(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect({ host, port });
    const done = (v: boolean) => {
      s.destroy();
      resolve(v);
    };
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
    s.setTimeout(500, () => done(false));
  });
}

/** Stop every lab process still running and remove the lab's temporary directories. */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((p) => p.stop()));
  removeLabDirs();
}

/** Close a net/http/tls server and every connection it still holds. */
export function closeServer(
  server: net.Server & { closeAllConnections?: () => void },
  sockets?: Set<net.Socket>,
): Promise<void> {
  for (const s of sockets ?? []) s.destroy();
  server.closeAllConnections?.();
  return new Promise((resolve) => server.close(() => resolve()));
}
