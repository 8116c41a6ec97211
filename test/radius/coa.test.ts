import assert from 'assert';
import { CoaServer, type CoaAction, type CoaHandler, type CoaResult, type CoaTarget } from '../../src/radius/coa';
import { decodePacket, encodePacket, getNumber, verifyResponse } from '../../src/radius/codec';
import type { SubscriberEvent } from '../../src/radius/events';
import type { MappingConfig } from '../../src/radius/mapping';
import { MemoryStore } from './support/memory-store';
import { counted } from './support/harness';
import { radclient, radclientAvailable } from './support/radclient';

const SECRET = 'coa-secret';
const mapping: MappingConfig = { rules: [
  { kind: 'pattern', attribute: 'NAS-Port-Id', template: 'olt1 eth 1/1/{port}:{vlan}', dpid: '1' },
  { kind: 'nas-port', dpid: '1' },
] };
let serial = 0;

class FakeHandler implements CoaHandler {
  calls: { target: CoaTarget; action: CoaAction | 'disconnect'; actor: string }[] = [];
  result: CoaResult = { ok: true };
  async applyOverride(target: CoaTarget, action: CoaAction, meta: { actor: string }): Promise<CoaResult> {
    this.calls.push({ target, action, actor: meta.actor });
    return this.result;
  }
  async disconnect(target: CoaTarget, meta: { actor: string }): Promise<CoaResult> {
    this.calls.push({ target, action: 'disconnect', actor: meta.actor });
    return { ok: true };
  }
}

async function setup() {
  const store = new MemoryStore();
  await store.recordEvent({ kind: 'start', nas: 'bng-1', sessionId: 'sess-A', key: { dpid: 1n, port: 3 }, dpid: 1n, port: 3, user: 'alice', framedIp: '100.64.0.3', profile: 'default', eventTime: 1000, receivedAt: 1000 });
  await store.recordEvent({ kind: 'start', nas: 'bng-1', sessionId: 'sess-B', key: { dpid: 1n, port: 4 }, dpid: 1n, port: 4, user: 'bob', framedIp: '100.64.0.4', profile: 'default', eventTime: 1000, receivedAt: 1000 });
  store.events.length = 0;
  const handler = new FakeHandler();
  const name = `coa-test-${++serial}`;
  const server = new CoaServer({ store, handler, name, mapping, host: '127.0.0.1', port: 0, now: () => 2_000_000, clients: [{ address: '127.0.0.1', secret: SECRET }] });
  const events: SubscriberEvent[] = [];
  server.events$.subscribe((e) => events.push(e));
  return { store, handler, server, name, events };
}

const peer = { address: '127.0.0.1', port: 50000 };

function errorCause(stdout: string): string | undefined {
  return /Error-Cause = (\S+)/.exec(stdout)?.[1];
}

describe('radius CoA/Disconnect server (datagram handler)', () => {
  it('CoA-ACK after the handler confirmed; NAK carries Error-Cause and a valid Response Authenticator', async () => {
    const { server, handler } = await setup();
    const req = encodePacket({ code: 43, identifier: 1, attributes: [['Acct-Session-Id', 'sess-A'], ['Filter-Id', 'op25b-quarantine'], ['Proxy-State', Buffer.from('p')]] }, SECRET);
    const ack = decodePacket((await server.handleDatagram(req, peer))!);
    assert.strictEqual(ack.code, 44);
    verifyResponse(ack, decodePacket(req).authenticator, SECRET);
    assert.deepStrictEqual(handler.calls.map((c) => [c.target.key, c.target.session?.sessionId, c.action, c.actor]), [[{ dpid: 1n, port: 3 }, 'sess-A', 'quarantine-smtp', 'radius-coa:127.0.0.1']]);
    handler.result = { ok: false, errorCause: 506 };
    const nak = decodePacket((await server.handleDatagram(encodePacket({ code: 43, identifier: 2, attributes: [['User-Name', 'bob'], ['Filter-Id', 'op25b-exempt']] }, SECRET), peer))!);
    assert.strictEqual(nak.code, 45);
    assert.strictEqual(getNumber(nak, 'Error-Cause'), 506);
  });

  it('duplicates get the same answer and the handler runs once', async () => {
    const { server, handler, name } = await setup();
    const req = encodePacket({ code: 43, identifier: 3, attributes: [['User-Name', 'alice'], ['Filter-Id', 'op25b-default']] }, SECRET);
    const a = await server.handleDatagram(req, peer);
    const b = await server.handleDatagram(req, peer);
    assert.ok(a && b);
    assert.deepStrictEqual(a, b);
    assert.strictEqual(handler.calls.length, 1);
    assert.strictEqual(await counted(name, 'duplicate'), 1);
  });

  it('handler failure -> NAK 506; other codes and bad authenticators get no reply', async () => {
    const { server, handler } = await setup();
    handler.applyOverride = () => Promise.reject(new Error('switch gone'));
    const nak = decodePacket((await server.handleDatagram(encodePacket({ code: 43, identifier: 4, attributes: [['User-Name', 'alice'], ['Filter-Id', 'op25b-exempt']] }, SECRET), peer))!);
    assert.strictEqual(getNumber(nak, 'Error-Cause'), 506);
    assert.strictEqual(await server.handleDatagram(encodePacket({ code: 4, identifier: 5, attributes: [['Acct-Session-Id', 'x']] }, SECRET), peer), undefined);
    assert.strictEqual(await server.handleDatagram(encodePacket({ code: 43, identifier: 6, attributes: [['User-Name', 'alice'], ['Filter-Id', 'op25b-exempt']] }, 'bad'), peer), undefined);
  });
});

describe('radius CoA/Disconnect server driven by radclient', function () {
  before(function () {
    if (!radclientAvailable()) {
      console.log('  skipped: radclient not installed (apt-get install freeradius-utils)');
      this.skip();
    }
  });

  let ctx: Awaited<ReturnType<typeof setup>>;
  let target: string;
  beforeEach(async () => {
    ctx = await setup();
    target = `127.0.0.1:${(await ctx.server.listen()).port}`;
  });
  afterEach(async () => {
    await ctx.server.close();
  });

  it('CoA by Acct-Session-Id with op25b-quarantine -> CoA-ACK after the override was applied', async () => {
    const r = await radclient(target, 'coa', SECRET, 'Acct-Session-Id = "sess-A"\nFilter-Id = "op25b-quarantine"\n');
    assert.deepStrictEqual(r.received, ['CoA-ACK'], r.stdout + r.stderr);
    assert.deepStrictEqual(ctx.handler.calls.map((c) => [c.target.key.port, c.action]), [[3, 'quarantine-smtp']]);
  });

  it('CoA by Framed-IP-Address and by User-Name; every Filter-Id value maps to its action', async () => {
    for (const [id, attr, action] of [['op25b-quarantine-all', 'Framed-IP-Address = 100.64.0.4', 'quarantine-all'], ['op25b-exempt', 'User-Name = "bob"', 'exempt'], ['op25b-default', 'User-Name = "bob"', 'default']] as const) {
      const r = await radclient(target, 'coa', SECRET, `${attr}\nFilter-Id = "${id}"\n`);
      assert.deepStrictEqual(r.received, ['CoA-ACK'], r.stdout);
      assert.deepStrictEqual(ctx.handler.calls.at(-1)?.action, action);
      assert.strictEqual(ctx.handler.calls.at(-1)?.target.key.port, 4);
    }
  });

  it('CoA for a port by NAS-Port-Id applies even with no session on it', async () => {
    const r = await radclient(target, 'coa', SECRET, 'NAS-Identifier = "olt1"\nNAS-Port-Id = "olt1 eth 1/1/9:101"\nFilter-Id = "op25b-quarantine-all"\n');
    assert.deepStrictEqual(r.received, ['CoA-ACK'], r.stdout);
    assert.deepStrictEqual(ctx.handler.calls.map((c) => [c.target.key, c.target.session, c.action]), [[{ dpid: 1n, port: 9, vlan: 101 }, undefined, 'quarantine-all']]);
  });

  const naks: [string, string, string][] = [
    ['no session matches -> 503', 'Acct-Session-Id = "nope"\nFilter-Id = "op25b-quarantine"\n', 'Session-Context-Not-Found'],
    ['NAS-Port-Id mapping to no port -> 503', 'NAS-Port-Id = "unknown port"\nFilter-Id = "op25b-quarantine"\n', 'Session-Context-Not-Found'],
    ['unsupported attribute -> 401', 'Acct-Session-Id = "sess-A"\nFilter-Id = "op25b-quarantine"\nSession-Timeout = 60\n', 'Unsupported-Attribute'],
    ['bad Filter-Id value -> 407', 'Acct-Session-Id = "sess-A"\nFilter-Id = "gold-plan"\n', 'Invalid-Attribute-Value'],
    ['no Filter-Id -> 402', 'Acct-Session-Id = "sess-A"\n', 'Missing-Attribute'],
    ['no identification -> 402', 'Filter-Id = "op25b-quarantine"\n', 'Missing-Attribute'],
    ['two Filter-Ids -> 404', 'Acct-Session-Id = "sess-A"\nFilter-Id = "op25b-exempt"\nFilter-Id += "op25b-default"\n', 'Invalid-Request'],
  ];
  for (const [title, input, cause] of naks) {
    it(`CoA-NAK: ${title}`, async () => {
      const r = await radclient(target, 'coa', SECRET, input);
      assert.deepStrictEqual(r.received, ['CoA-NAK'], r.stdout + r.stderr);
      assert.strictEqual(errorCause(r.stdout), cause, r.stdout);
      assert.strictEqual(ctx.handler.calls.length, 0);
    });
  }

  it('a wrong secret gets no CoA reply', async () => {
    const r = await radclient(target, 'coa', 'wrong', 'Acct-Session-Id = "sess-A"\nFilter-Id = "op25b-quarantine"\n', { retries: 1, timeout: 1 });
    assert.deepStrictEqual(r.received, []);
    assert.strictEqual(ctx.handler.calls.length, 0);
    assert.strictEqual(await counted(ctx.name, 'bad_authenticator'), 1);
  });

  it('Disconnect-Request ends the session as a Stop would: recorded, published, then Disconnect-ACK', async () => {
    const r = await radclient(target, 'disconnect', SECRET, 'User-Name = "alice"\nEvent-Timestamp = 1700000300\n');
    assert.deepStrictEqual(r.received, ['Disconnect-ACK'], r.stdout + r.stderr);
    assert.deepStrictEqual(ctx.store.events.map((e) => [e.kind, e.nas, e.sessionId, e.port, e.eventTime]), [['stop', 'bng-1', 'sess-A', 3, 1_700_000_300_000]]);
    assert.strictEqual((await ctx.store.sessions()).length, 1);
    await new Promise((res) => setImmediate(res));
    assert.deepStrictEqual(ctx.events, ctx.store.events);
    assert.deepStrictEqual(ctx.handler.calls.map((c) => c.action), ['disconnect']);
  });

  it('Disconnect-NAK 503 for an unknown session, 401 for a Filter-Id in a Disconnect', async () => {
    let r = await radclient(target, 'disconnect', SECRET, 'Acct-Session-Id = "gone"\n');
    assert.deepStrictEqual(r.received, ['Disconnect-NAK'], r.stdout);
    assert.strictEqual(errorCause(r.stdout), 'Session-Context-Not-Found');
    r = await radclient(target, 'disconnect', SECRET, 'Acct-Session-Id = "sess-A"\nFilter-Id = "op25b-exempt"\n');
    assert.strictEqual(errorCause(r.stdout), 'Unsupported-Attribute', r.stdout);
    assert.strictEqual(ctx.store.events.length, 0);
  });
});
