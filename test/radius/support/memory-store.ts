/**
 * A tiny in-memory Store for the RADIUS tests: records every event it is
 * given, keeps one open session per port (start/interim open, stop closes,
 * nas-on/off close the NAS's sessions), and can be made slow or failing.
 * It does NOT implement the store's ordering rule; the real store's tests do.
 */
import type { ApplyResult, AuditEntry, AuditInput, AuditQuery, SessionRecord, Store } from '../../../src/store/types';
import type { SubscriberEvent } from '../../../src/radius/events';
import { portKeyString, type Override, type PortKey, type Session } from '../../../src/policy/types';

export class MemoryStore implements Store {
  readonly events: SubscriberEvent[] = [];
  readonly audit: AuditEntry[] = [];
  readonly open = new Map<string, Session>();
  /** When set, recordEvent waits for this promise before recording. */
  gate: Promise<void> | undefined;
  /** When set, recordEvent rejects with it. */
  failWith: Error | undefined;

  async recordEvent(ev: SubscriberEvent): Promise<ApplyResult> {
    if (this.gate) await this.gate;
    if (this.failWith) throw this.failWith;
    this.events.push(ev);
    const affected: PortKey[] = [];
    if (ev.kind === 'nas-on' || ev.kind === 'nas-off') {
      for (const [k, s] of this.open) if (s.nas === ev.nas) { this.open.delete(k); affected.push(s.key); }
      return { applied: true, affected };
    }
    if (!ev.key) return { applied: false, ignored: 'no key', affected };
    const k = portKeyString(ev.key);
    if (ev.kind === 'stop') {
      const s = this.open.get(k);
      if (!s || s.sessionId !== ev.sessionId) return { applied: false, ignored: 'stale: not the open session', affected };
      this.open.delete(k);
      return { applied: true, affected: [ev.key] };
    }
    const s: Session = { nas: ev.nas, sessionId: ev.sessionId, key: ev.key, profile: ev.profile, startedAt: ev.eventTime, updatedAt: ev.eventTime };
    if (ev.user !== undefined) s.user = ev.user;
    if (ev.framedIp !== undefined) s.framedIp = ev.framedIp;
    if (ev.framedIpv6Prefix !== undefined) s.framedIpv6Prefix = ev.framedIpv6Prefix;
    if (ev.delegatedIpv6Prefix !== undefined) s.delegatedIpv6Prefix = ev.delegatedIpv6Prefix;
    this.open.set(k, s);
    return { applied: true, affected: [ev.key] };
  }

  async sessions(filter?: { key?: PortKey; nas?: string }): Promise<Session[]> {
    return [...this.open.values()].filter((s) =>
      (!filter?.key || portKeyString(filter.key) === portKeyString(s.key)) && (!filter?.nas || filter.nas === s.nas));
  }

  async setOverride(_key: PortKey, _override: Override | undefined, audit: AuditInput): Promise<void> {
    await this.appendAudit(audit);
  }

  async overrides(): Promise<{ key: PortKey; override: Override }[]> {
    return [];
  }

  async appendAudit(entry: AuditInput): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.audit.push({ ...entry, id: String(this.audit.length + 1) });
  }

  async queryAudit(_q: AuditQuery): Promise<AuditEntry[]> {
    return [...this.audit];
  }

  async whois(_address: string, _at: number): Promise<SessionRecord[]> {
    return [];
  }

  async close(): Promise<void> {}
}
