// `npm run bench` (or `node bench/runtime.mjs`): what inspecting the running deployment costs.
// The healthy Docker lab (real containers, the reference proxy and a cloudflared stand-in in its
// namespace); the doctor through the CLI with the runtime (the Engine API, the proxy-side probes
// and cloudflared's metrics inside the namespaces, the containers' logs) against the same run
// with --runtime none, interleaved, in the same invocation. The edge probes are left out (no edge
// here). The runtime must add at most 1 s. MCP_TUNNEL_LOOPBACK_ONLY=1 guards every probe.

import { register } from 'node:module';
import { median, timedDoctor } from './doctor-timing.mjs';

const ROUNDS = 5;
const LIMIT_MS = 1000;
const NO_EDGE = ['--skip', 'edge-dns,edge-tcp,edge-udp', '--timeout', '3000'];

// The doctor with the Docker runtime inspected (auto) or not (none), the edge left out.
const doctor = (dir, runtime) => timedDoctor(['--dir', dir, '--runtime', runtime, ...NO_EDGE]);

const fmt = (ms) => `${Math.round(ms)} ms`;

export async function runRuntimeBench() {
  register('../test/lab/ts-hooks.mjs', import.meta.url);
  const { labGate, programMissing } = await import('../test/lab/programs.ts');
  const { dockerLabUnavailable, ensureLabImages } = await import('../test/lab/docker/images.ts');
  const gate = labGate(
    'the runtime bench',
    dockerLabUnavailable(),
    programMissing('docker-compose', ['version']),
    process.getuid?.() === 0 ? null : "entering the containers' namespaces needs root",
  );
  console.log('doctor beside a running deployment (the healthy Docker lab, loopback only)');
  if (gate.reasons.length > 0) {
    console.log(`  skipped: ${gate.reasons.join('; ')}`);
    if (process.env.CI) throw new Error(`the runtime bench needs: ${gate.reasons.join('; ')}`);
    return;
  }
  await ensureLabImages();
  const { startComposeLab } = await import('../test/lab/docker/compose-lab.ts');
  const lab = await startComposeLab('healthy');
  try {
    await doctor(lab.dir, 'none'); // warm the file cache and the code cache
    await doctor(lab.dir, 'auto');
    const times = { none: [], auto: [] };
    let last;
    for (let i = 0; i < ROUNDS; i++) {
      times.none.push((await doctor(lab.dir, 'none')).ms);
      last = await doctor(lab.dir, 'auto');
      times.auto.push(last.ms);
    }
    const base = median(times.none);
    const withRuntime = median(times.auto);
    const added = withRuntime - base;
    const rt = last.report.runtime;
    console.log(`  --runtime none     ${fmt(base).padStart(8)}  (baseline: files and probes from this host)`);
    console.log(
      `  with the runtime   ${fmt(withRuntime).padStart(8)}  x${(withRuntime / base).toFixed(2)}  ` +
        `(${rt.containers.length} containers, ${rt.tunnel.connections} tunnel connections, ` +
        `${rt.logs.reduce((n, l) => n + l.lines, 0)} log lines; medians of ${ROUNDS})`,
    );
    const ok = added <= LIMIT_MS;
    console.log(`  added              ${fmt(added).padStart(8)}  (limit ${fmt(LIMIT_MS)} ${ok ? 'met' : 'EXCEEDED'})`);
    if (!ok) throw new Error(`the runtime added ${fmt(added)} to a live run, over ${fmt(LIMIT_MS)}`);
  } finally {
    await lab.down();
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  runRuntimeBench().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
