import { check } from '../../checks/tls/listener-protocol.js';
import { baseFacts } from '../harness/facts.js';
import { testCheck } from '../harness/check-tester.js';
import { proxy, withLive } from '../lab/live-facts.js';

const curlNote = (f: { fix: string; cause: string }[]) => {
  if (!f.some((x) => /wrong version number/.test(x.fix + x.cause))) throw new Error('the curl note is missing');
};

testCheck(check, {
  pass: [{ name: 'WebSocket upgrade', facts: withLive({ proxy: proxy('websocket') }), info: ['websocket'] }],
  fail: [
    {
      name: 'plain HTTP',
      facts: withLive({ proxy: proxy('http') }),
      status: 'fail',
      messageIds: ['plain-http'],
      assert: curlNote,
    },
    {
      name: 'TLS directly',
      facts: withLive({ proxy: proxy('tls') }),
      status: 'fail',
      messageIds: ['tls-direct'],
      assert: curlNote,
    },
    { name: 'silent', facts: withLive({ proxy: proxy('silent') }), status: 'fail', messageIds: ['no-answer'] },
    { name: 'closed', facts: withLive({ proxy: proxy('closed') }), status: 'fail', messageIds: ['closed'] },
    { name: 'reset', facts: withLive({ proxy: proxy('reset') }), status: 'fail', messageIds: ['reset'] },
    {
      name: 'refused at --proxy',
      facts: withLive({ proxy: proxy('refused') }),
      status: 'fail',
      messageIds: ['not-listening'],
    },
    {
      name: 'refused at the listen_addr guess: a warning',
      facts: withLive({ proxy: proxy('refused', [], { urlSource: 'listen_addr' }) }),
      status: 'warn',
      messageIds: ['not-listening'],
    },
    {
      name: 'neither HTTP nor TLS',
      facts: withLive({ proxy: proxy('other') }),
      status: 'fail',
      messageIds: ['unknown-protocol'],
    },
  ],
  skip: [
    { name: 'offline', facts: baseFacts({ offline: true }), reason: '--offline' },
    { name: 'no listener', facts: withLive({ proxySkipped: 'no --proxy was given' }), reason: 'no --proxy' },
  ],
});
