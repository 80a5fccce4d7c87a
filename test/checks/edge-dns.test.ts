import { check } from '../../checks/edge/edge-dns.js';
import { baseFacts } from '../harness/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { dnsFail, dnsOk, edge, withLive } from '../lab/live-facts.js';

const oneHostDown = edge({
  hosts: [
    { label: 'region1', host: 'region1.v2.argotunnel.com', port: 7844, a: dnsOk(['198.41.192.7']), aaaa: dnsOk([]) },
    {
      label: 'region2',
      host: 'region2.v2.argotunnel.com',
      port: 7844,
      a: dnsFail('nxdomain'),
      aaaa: dnsFail('nxdomain'),
    },
  ],
});

testCheck(check, {
  pass: [
    { name: 'SRV answers two targets that resolve', facts: withLive({ edge: edge() }), info: ['discovered'] },
    {
      name: '--edge with a host name: its lookup is judged, and the SRV discovery it replaced is named as not checked',
      facts: withLive({
        edge: edge({
          discovery: 'flag',
          srv: null,
          srvName: null,
          hosts: [{ label: 'edge', host: 'edge.lab.test', port: 7844, a: dnsOk(['127.0.0.1']), aaaa: dnsOk([]) }],
        }),
      }),
      info: ['discovery-replaced'],
      notChecked: 'the SRV discovery cloudflared makes (--edge replaced it with edge.lab.test:7844)',
    },
  ],
  fail: [
    {
      name: 'NXDOMAIN',
      facts: withLive({ edge: edge({ srv: dnsFail('nxdomain'), hosts: [], targets: [] }) }),
      status: 'fail',
      messageIds: ['srv-nxdomain'],
    },
    {
      name: 'SERVFAIL',
      facts: withLive({ edge: edge({ srv: dnsFail('servfail'), hosts: [], targets: [] }) }),
      status: 'fail',
      messageIds: ['srv-servfail'],
    },
    {
      name: 'empty answer',
      facts: withLive({ edge: edge({ srv: dnsFail('nodata'), hosts: [], targets: [] }) }),
      status: 'fail',
      messageIds: ['srv-no-answer'],
    },
    {
      name: 'resolver silent',
      facts: withLive({ edge: edge({ srv: dnsFail('timeout'), hosts: [], targets: [] }) }),
      status: 'fail',
      messageIds: ['srv-timeout'],
      assert: (f) => {
        if (!f[0]?.cause.includes('1.1.1.1:853')) throw new Error('the cause names the DNS-over-TLS retry');
      },
    },
    {
      name: 'one SRV record',
      facts: withLive({
        edge: edge({ srv: dnsOk([{ target: 'region1.v2.argotunnel.com', port: 7844, priority: 1, weight: 1 }]) }),
      }),
      status: 'fail',
      messageIds: ['srv-too-few'],
    },
    {
      name: 'one region host unresolved (the other works)',
      facts: withLive({ edge: oneHostDown }),
      status: 'warn',
      messageIds: ['region-host-unresolved'],
    },
  ],
  skip: [
    { name: 'offline', facts: baseFacts({ offline: true }), reason: '--offline' },
    {
      // Before: a pass, although --edge with an address makes no DNS lookup at all.
      name: '--edge with an address: no lookup was made',
      facts: withLive({
        edge: edge({
          discovery: 'flag',
          srv: null,
          srvName: null,
          hosts: [{ label: 'edge', host: '198.41.192.7', port: 7844, a: null, aaaa: null }],
        }),
      }),
      reason: '--edge replaced discovery with addresses (198.41.192.7:7844): no DNS lookup was made',
    },
    { name: 'live probes did not run', facts: baseFacts({ offline: false }), reason: 'did not run' },
    {
      name: 'edge probe failed',
      facts: withLive({ edge: null, edgeSkipped: 'the edge probe itself failed: boom' }),
      reason: 'boom',
    },
    {
      name: 'loopback guard',
      facts: withLive({
        edge: edge({
          srv: { ok: false, failure: 'guard', detail: 'refused by loopback-only guard: no --dns-server', latencyMs: 0 },
        }),
      }),
      reason: 'loopback-only guard',
    },
  ],
});
