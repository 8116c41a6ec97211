import { strict as assert } from 'assert';
import type { SubscriberEvent, SubscriberEventKind } from '../../src/radius/events';
import type { PortKey, Session } from '../../src/policy/types';
import {
  decide, decideNasReset, endRow, eventIdentity, eventKey, historyFieldsChanged, type Decision, type HistoryOp,
} from '../../src/store/session-rules';

const P: PortKey = { dpid: 1n, port: 3 };
const PV: PortKey = { dpid: 1n, port: 3, vlan: 101 };

function ev(kind: SubscriberEventKind, sessionId: string, eventTime: number, extra: Partial<SubscriberEvent> = {}): SubscriberEvent {
  const e: SubscriberEvent = { kind, nas: 'nas1', sessionId, profile: 'default', eventTime, receivedAt: eventTime };
  if (kind !== 'nas-on' && kind !== 'nas-off') e.key = P;
  return { ...e, ...extra };
}

function session(sessionId: string, startedAt: number, extra: Partial<Session> = {}): Session {
  return { nas: 'nas1', sessionId, key: P, profile: 'default', startedAt, updatedAt: startedAt, framedIp: '100.64.0.1', ...extra };
}

function begins(d: Decision): HistoryOp[] {
  return d.history.filter((h) => h.op === 'begin');
}

describe('store/session-rules: decide', () => {
  describe('start', () => {
    it('opens a session on a free port and begins its history', () => {
      const d = decide(undefined, ev('start', 'A', 100, { framedIp: '100.64.0.9', user: 'u1' }));
      assert.equal(d.outcome, 'open');
      assert.equal(d.applied, true);
      assert.deepEqual(d.put, { nas: 'nas1', sessionId: 'A', key: P, profile: 'default', startedAt: 100, updatedAt: 100, framedIp: '100.64.0.9', user: 'u1' });
      assert.deepEqual(d.end, []);
      assert.deepEqual(d.history, [{ op: 'begin', record: { nas: 'nas1', sessionId: 'A', key: P, profile: 'default', from: 100, framedIp: '100.64.0.9', user: 'u1' } }]);
    });
    it('a newer Start replaces the current session, which ends at the new Start', () => {
      const a = session('A', 100);
      const d = decide(a, ev('start', 'B', 200));
      assert.equal(d.outcome, 'open');
      assert.equal(d.put?.sessionId, 'B');
      assert.deepEqual(d.end, [a]);
      assert.deepEqual(d.history[0], { op: 'end', nas: 'nas1', sessionId: 'A', at: 200 });
    });
    it('equal Event-Timestamps: the later arrival wins', () => {
      const d = decide(session('A', 100), ev('start', 'B', 100));
      assert.equal(d.outcome, 'open');
      assert.equal(d.put?.sessionId, 'B');
    });
    it('an older Start is recorded in history until the newer session began, and does not replace it', () => {
      const b = session('B', 200);
      const d = decide(b, ev('start', 'A', 100, { framedIp: '100.64.0.7' }));
      assert.equal(d.outcome, 'ignore');
      assert.equal(d.applied, false);
      assert.match(d.ignored ?? '', /^stale: port has a newer session/);
      assert.equal(d.put, undefined);
      assert.deepEqual(d.end, []);
      assert.deepEqual(begins(d), [{ op: 'begin', record: { nas: 'nas1', sessionId: 'A', key: P, profile: 'default', from: 100, to: 200, framedIp: '100.64.0.7' } }]);
    });
    it('a Start whose Stop arrived first goes to history only (from Start to Stop)', () => {
      const d = decide(undefined, ev('start', 'A', 100), { stoppedAt: 150 });
      assert.equal(d.applied, false);
      assert.match(d.ignored ?? '', /already stopped/);
      const b = begins(d)[0];
      assert.ok(b && b.op === 'begin');
      assert.equal(b.record.from, 100);
      assert.equal(b.record.to, 150);
    });
    it('a Start older than a NAS reset goes to history only', () => {
      const d = decide(undefined, ev('start', 'A', 100), { nasResetAt: 120 });
      assert.equal(d.applied, false);
      assert.match(d.ignored ?? '', /NAS reset/);
      const b = begins(d)[0];
      assert.ok(b && b.op === 'begin' && b.record.to === 120);
    });
    it('the earliest known end closes the history row of a stale Start', () => {
      const d = decide(session('B', 130), ev('start', 'A', 100), { stoppedAt: 160, nasResetAt: 140 });
      const b = begins(d)[0];
      assert.ok(b && b.op === 'begin');
      assert.equal(b.record.to, 130);
      assert.match(d.ignored ?? '', /newer session/);
    });
    it('a Start after a known Stop or NAS reset of earlier time opens (session id reused)', () => {
      assert.equal(decide(undefined, ev('start', 'A', 200), { stoppedAt: 150, nasResetAt: 199 }).outcome, 'open');
      assert.equal(decide(undefined, ev('start', 'A', 200), { stoppedAt: 200 }).outcome, 'open');
    });
    it('a repeated Start of the current session refreshes it, and a stale one does not', () => {
      const a = session('A', 100, { updatedAt: 150 });
      const d = decide(a, ev('start', 'A', 160, { framedIp: '100.64.0.2' }));
      assert.equal(d.outcome, 'update');
      assert.equal(d.put?.startedAt, 100);
      assert.equal(d.put?.updatedAt, 160);
      assert.equal(d.put?.framedIp, '100.64.0.2');
      const old = decide(a, ev('start', 'A', 140));
      assert.equal(old.applied, false);
      assert.match(old.ignored ?? '', /^stale/);
    });
    it('the same session id from another NAS is another session', () => {
      const d = decide(session('A', 100), ev('start', 'A', 200, { nas: 'nas2' }));
      assert.equal(d.outcome, 'open');
      assert.equal(d.end.length, 1);
    });
    it('takes the port from dpid/port when key is absent, and is stale without any', () => {
      const e = ev('start', 'A', 100);
      delete e.key;
      assert.equal(decide(undefined, { ...e, dpid: 7n, port: 2 }).put?.key.dpid, 7n);
      assert.deepEqual(eventKey({ ...e, dpid: 7n, port: 2 }), { dpid: 7n, port: 2 });
      const d = decide(undefined, e);
      assert.equal(d.applied, false);
      assert.match(d.ignored ?? '', /no attachment point/);
    });
    it('keeps VLAN attachment points apart', () => {
      assert.throws(() => decide(session('A', 100), ev('start', 'B', 200, { key: PV })), /not on the event's port/);
    });
  });

  describe('interim', () => {
    it('refreshes the current session; an address change ends the history row and begins a new one', () => {
      const a = session('A', 100);
      const d = decide(a, ev('interim', 'A', 200, { framedIp: '100.64.0.2' }));
      assert.equal(d.outcome, 'update');
      assert.equal(d.applied, true);
      assert.equal(d.put?.framedIp, '100.64.0.2');
      assert.equal(d.put?.startedAt, 100);
      assert.equal(d.put?.updatedAt, 200);
      assert.deepEqual(d.history, [
        { op: 'end', nas: 'nas1', sessionId: 'A', at: 200 },
        { op: 'begin', record: { nas: 'nas1', sessionId: 'A', key: P, profile: 'default', from: 200, framedIp: '100.64.0.2' } },
      ]);
    });
    it('an Interim with the same addresses touches no history', () => {
      const d = decide(session('A', 100), ev('interim', 'A', 200, { framedIp: '100.64.0.1' }));
      assert.equal(d.outcome, 'update');
      assert.deepEqual(d.history, []);
    });
    it('keeps fields the Interim does not carry', () => {
      const d = decide(session('A', 100, { delegatedIpv6Prefix: '2001:db8::/56' }), ev('interim', 'A', 200));
      assert.equal(d.put?.framedIp, '100.64.0.1');
      assert.equal(d.put?.delegatedIpv6Prefix, '2001:db8::/56');
    });
    it('an Interim older than the last update is stale', () => {
      const d = decide(session('A', 100, { updatedAt: 300 }), ev('interim', 'A', 200, { framedIp: '100.64.0.5' }));
      assert.equal(d.applied, false);
      assert.equal(d.put, undefined);
    });
    it('an Interim for session A never changes newer session B on the port, whatever its time', () => {
      const b = session('B', 200);
      for (const t of [100, 200, 300]) {
        const d = decide(b, ev('interim', 'A', t, { framedIp: '100.64.0.66' }));
        assert.equal(d.applied, false, `t=${t}`);
        assert.equal(d.put, undefined);
        assert.deepEqual(d.end, []);
        assert.deepEqual(d.history, []);
      }
    });
    it('an Interim without a known Start opens the session from its time', () => {
      const d = decide(undefined, ev('interim', 'A', 200));
      assert.equal(d.outcome, 'open');
      assert.equal(d.put?.startedAt, 200);
    });
    it('an Interim for a stopped session does not reopen it', () => {
      for (const stoppedAt of [100, 300]) {
        const d = decide(undefined, ev('interim', 'A', 200), { stoppedAt });
        assert.equal(d.applied, false);
        assert.match(d.ignored ?? '', /already stopped/);
      }
    });
    it('an Interim older than a NAS reset is stale; a newer one opens', () => {
      assert.equal(decide(undefined, ev('interim', 'A', 200), { nasResetAt: 250 }).applied, false);
      assert.equal(decide(undefined, ev('interim', 'A', 300), { nasResetAt: 250 }).outcome, 'open');
    });
  });

  describe('stop', () => {
    it('ends the current session at the Stop time', () => {
      const a = session('A', 100);
      const d = decide(a, ev('stop', 'A', 500));
      assert.equal(d.outcome, 'close');
      assert.equal(d.applied, true);
      assert.deepEqual(d.end, [a]);
      assert.equal(d.put, undefined);
      assert.deepEqual(d.history, [{ op: 'end', nas: 'nas1', sessionId: 'A', at: 500 }]);
    });
    it('a Stop at the Start time (arriving later) ends the session', () => {
      assert.equal(decide(session('A', 100), ev('stop', 'A', 100)).outcome, 'close');
    });
    it('a Stop older than an Interim of the session still ends it', () => {
      assert.equal(decide(session('A', 100, { updatedAt: 300 }), ev('stop', 'A', 200)).outcome, 'close');
    });
    it('a stale Stop for session A after newer session B started leaves B and corrects A\'s history', () => {
      const b = session('B', 200);
      for (const t of [150, 250]) {
        const d = decide(b, ev('stop', 'A', t));
        assert.equal(d.applied, false);
        assert.match(d.ignored ?? '', /^stale: port has another session/);
        assert.deepEqual(d.end, []);
        assert.equal(d.put, undefined);
        assert.deepEqual(d.history, [{ op: 'end', nas: 'nas1', sessionId: 'A', at: t }]);
      }
    });
    it('a Stop older than the current incarnation of the same session id is stale', () => {
      const d = decide(session('A', 300), ev('stop', 'A', 200));
      assert.equal(d.applied, false);
      assert.match(d.ignored ?? '', /older than the session's start/);
    });
    it('a Stop on a free port is stale but recorded in history', () => {
      const d = decide(undefined, ev('stop', 'A', 200));
      assert.equal(d.applied, false);
      assert.match(d.ignored ?? '', /no open session/);
      assert.equal(d.history.length, 1);
    });
  });

  describe('moves (the session is open on another port)', () => {
    const Q: PortKey = { dpid: 2n, port: 9 };
    const onQ = (updatedAt: number): Session => ({ ...session('A', 50), key: Q, updatedAt });
    it('a Start or Interim opening the session here ends it on the old port', () => {
      for (const kind of ['start', 'interim'] as const) {
        const d = decide(undefined, ev(kind, 'A', 200), { elsewhere: onQ(100) });
        assert.equal(d.outcome, 'open', kind);
        assert.deepEqual(d.put?.key, P);
        assert.deepEqual(d.end, [onQ(100)]);
        assert.deepEqual(d.history, [
          { op: 'end', nas: 'nas1', sessionId: 'A', at: 200 },
          { op: 'begin', record: { nas: 'nas1', sessionId: 'A', key: P, profile: 'default', from: 200 } },
        ]);
      }
    });
    it('also replaces the port\'s own current session', () => {
      const d = decide(session('B', 100), ev('start', 'A', 200), { elsewhere: onQ(100) });
      assert.deepEqual(d.end.map((x) => x.sessionId).sort(), ['A', 'B']);
    });
    it('is stale when the old port knows newer state of the session', () => {
      const d = decide(undefined, ev('start', 'A', 200), { elsewhere: onQ(300) });
      assert.equal(d.applied, false);
      assert.match(d.ignored ?? '', /another port with newer state/);
    });
    it('ignores an "elsewhere" that is this very port', () => {
      const d = decide(undefined, ev('start', 'A', 200), { elsewhere: { ...onQ(100), key: P } });
      assert.equal(d.outcome, 'open');
      assert.deepEqual(d.end, []);
    });
  });

  it('refuses NAS-wide events (they go to decideNasReset)', () => {
    assert.throws(() => decide(undefined, ev('nas-off', '', 1)), /decideNasReset/);
  });
});

describe('store/session-rules: decideNasReset', () => {
  const other: Session = { ...session('C', 50), nas: 'nas2', key: { dpid: 2n, port: 1 } };
  it('ends every open session of that NAS started at or before the event, and no other NAS\'s', () => {
    const a = session('A', 100);
    const b = { ...session('B', 150), key: PV };
    const late = { ...session('L', 400), key: { dpid: 1n, port: 9 } };
    for (const kind of ['nas-on', 'nas-off'] as const) {
      const d = decideNasReset([a, b, late, other], ev(kind, '', 150));
      assert.equal(d.outcome, 'nas-reset');
      assert.equal(d.applied, true);
      assert.deepEqual(d.end, [a, b]);
      assert.deepEqual(d.history, [
        { op: 'end', nas: 'nas1', sessionId: 'A', at: 150 },
        { op: 'end', nas: 'nas1', sessionId: 'B', at: 150 },
      ]);
    }
  });
  it('with no open session it still applies and ends nothing', () => {
    const d = decideNasReset([], ev('nas-off', '', 1));
    assert.equal(d.applied, true);
    assert.deepEqual(d.end, []);
  });
  it('refuses session events', () => {
    assert.throws(() => decideNasReset([], ev('stop', 'A', 1)), /not a NAS event/);
  });
});

describe('store/session-rules: helpers', () => {
  it('event identity: nas, session, kind and event time, nothing else', () => {
    const a = ev('stop', 'A', 100);
    assert.equal(eventIdentity(a), eventIdentity({ ...a, receivedAt: 999, framedIp: '100.64.0.3' }));
    for (const b of [{ ...a, nas: 'x' }, { ...a, sessionId: 'B' }, { ...a, kind: 'start' as const }, { ...a, eventTime: 101 }]) {
      assert.notEqual(eventIdentity(a), eventIdentity(b));
    }
    // No field boundary ambiguity.
    assert.notEqual(eventIdentity({ ...a, nas: 'n', sessionId: 'as1A' }), eventIdentity({ ...a, nas: 'nas1', sessionId: 'A' }));
  });
  it('endRow: an end only shortens, only its own session, only rows begun by then', () => {
    const row = { nas: 'nas1', sessionId: 'A', from: 100 };
    assert.equal(endRow(row, { nas: 'nas1', sessionId: 'A', at: 200 }), 200);
    assert.equal(endRow({ ...row, to: 150 }, { nas: 'nas1', sessionId: 'A', at: 200 }), 150);
    assert.equal(endRow({ ...row, to: 250 }, { nas: 'nas1', sessionId: 'A', at: 200 }), 200);
    assert.equal(endRow(row, { nas: 'nas1', sessionId: 'A', at: 50 }), undefined);
    assert.equal(endRow(row, { nas: 'nas1', sessionId: 'B', at: 200 }), undefined);
    assert.equal(endRow(row, { nas: 'nas2', sessionId: 'A', at: 200 }), undefined);
  });
  it('historyFieldsChanged sees addresses, user, profile', () => {
    const a = session('A', 100);
    assert.equal(historyFieldsChanged(a, { ...a, updatedAt: 500 }), false);
    for (const b of [{ ...a, framedIp: 'x' }, { ...a, user: 'u' }, { ...a, profile: 'exempt' as const }, { ...a, delegatedIpv6Prefix: '2001:db8::/56' }]) {
      assert.equal(historyFieldsChanged(a, b), true);
    }
  });
});

describe('store/session-rules: sequences (a port folded over events in arrival order)', () => {
  /** Apply events to a one-port state the way a store does, with the store's own event-log knowledge. */
  function run(events: SubscriberEvent[]): { current?: Session; outcomes: string[] } {
    let current: Session | undefined;
    const seen = new Set<string>();
    const stopped = new Map<string, number>();
    let reset: number | undefined;
    const outcomes: string[] = [];
    for (const e of events) {
      if (seen.has(eventIdentity(e))) { outcomes.push('duplicate'); continue; }
      seen.add(eventIdentity(e));
      let d: Decision;
      if (e.kind === 'nas-on' || e.kind === 'nas-off') {
        d = decideNasReset(current ? [current] : [], e);
        reset = Math.max(reset ?? -Infinity, e.eventTime);
      } else {
        const s = stopped.get(e.sessionId);
        d = decide(current, e, { ...(s !== undefined ? { stoppedAt: s } : {}), ...(reset !== undefined ? { nasResetAt: reset } : {}) });
        if (e.kind === 'stop') stopped.set(e.sessionId, Math.max(s ?? -Infinity, e.eventTime));
      }
      if (d.end.length) current = undefined;
      if (d.put) current = d.put;
      outcomes.push(d.ignored ?? d.outcome);
    }
    return current ? { current, outcomes } : { outcomes };
  }

  it('Start A, Start B, late Stop A: B stays', () => {
    const r = run([ev('start', 'A', 100), ev('start', 'B', 200), ev('stop', 'A', 150)]);
    assert.equal(r.current?.sessionId, 'B');
  });
  it('Start B arrives first, then the older Start A and Stop A: B stays', () => {
    const r = run([ev('start', 'B', 200), ev('start', 'A', 100), ev('stop', 'A', 150)]);
    assert.equal(r.current?.sessionId, 'B');
  });
  it('Stop arrives before its Start: the port ends free', () => {
    const r = run([ev('stop', 'A', 200), ev('start', 'A', 100)]);
    assert.equal(r.current, undefined);
  });
  it('a retransmitted Stop after a re-Start of the same port applies once', () => {
    const r = run([ev('start', 'A', 100), ev('stop', 'A', 200), ev('start', 'B', 300), ev('stop', 'A', 200)]);
    assert.equal(r.current?.sessionId, 'B');
    assert.equal(r.outcomes[3], 'duplicate');
  });
  it('Accounting-Off, then a late Interim of the old session: the port stays free', () => {
    const r = run([ev('start', 'A', 100), ev('nas-off', '', 200), ev('interim', 'A', 150)]);
    assert.equal(r.current, undefined);
  });
  it('every permutation of {Start A, Start B, Stop A} ends with B on the port', () => {
    const evs = [ev('start', 'A', 100), ev('start', 'B', 200), ev('stop', 'A', 150)];
    const perms = (xs: SubscriberEvent[]): SubscriberEvent[][] => xs.length <= 1 ? [xs]
      : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    for (const p of perms(evs)) {
      assert.equal(run(p).current?.sessionId, 'B', p.map((e) => `${e.kind}${e.sessionId}`).join(','));
    }
  });
  it('every permutation of {Start A, Interim A, Stop A, Start B, Stop B} ends with the port free', () => {
    const evs = [ev('start', 'A', 100), ev('interim', 'A', 120), ev('stop', 'A', 150), ev('start', 'B', 200), ev('stop', 'B', 300)];
    const perms = (xs: SubscriberEvent[]): SubscriberEvent[][] => xs.length <= 1 ? [xs]
      : xs.flatMap((x, i) => perms([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));
    for (const p of perms(evs)) {
      assert.equal(run(p).current, undefined, p.map((e) => `${e.kind}${e.sessionId}`).join(','));
    }
  });
});
