/**
 * The composition root: from a Config to a running controller (store,
 * OpenFlow listener, RADIUS accounting and CoA servers, controller), and a
 * clean shutdown in the safe order. Used by `op25b start` and by in-process
 * integration tests.
 */
import { logger as rootLogger } from '../log';
import type { Config } from './config';
import { findSwitch } from './config';
import { Controller } from './controller';
import { policyFromConfig } from './policy-adapter';
import { openStore, type Store } from '../store';
import { OpenFlowServer } from '../switch';
import { AccountingServer, type RecordedEvent } from '../radius/accounting';
import { CoaServer } from '../radius/coa';
import type { PortLookup } from '../radius/mapping';
import type { Observable } from 'rxjs';
import { startApi, type ApiServer } from '../api';

export interface RunningController {
  controller: Controller;
  store: Store;
  openflow: OpenFlowServer;
  accounting: AccountingServer;
  coa: CoaServer | undefined;
  /** The REST API (api.enabled), with its flow-stats poller. */
  api?: ApiServer;
  addresses: { openflow: { host: string; port: number }; accounting: { address: string; port: number }; coa?: { address: string; port: number }; api?: { host: string; port: number } };
  /** Re-read config applied: policy swapped, switches reconciled from the index. */
  reload(next: Config): Promise<{ switches: number; adds: number; deletes: number; restartNeeded: string[] }>;
  /** RADIUS first, then controller, switch channel, store last. */
  close(): Promise<void>;
}

function withContext(e: unknown, what: string): Error {
  const code = (e as { code?: string }).code;
  const msg = e instanceof Error ? e.message : String(e);
  const err = new Error(code === 'EADDRINUSE' ? `${what}: address already in use` : `${what}: ${msg}`);
  (err as Error & { code?: string }).code = code;
  return err;
}

export async function startController(cfg: Config, opts: { auditIntervalMs?: number } = {}): Promise<RunningController> {
  const log = rootLogger.child({ component: 'start' });
  let store: Store;
  try {
    // The embedded store commits in its writer thread by default: an inline commit blocks the
    // event loop for its fsync (RADIUS, OpenFlow and the reconciler wait behind it). Storm bench,
    // N=10,000 at 1,000 Starts/s: inline p50/p99 21/159 ms, thread 6/39 ms. While the thread is
    // idle a small batch still commits on the loop (store.inline_when_idle, src/store/sqlite.ts).
    store = await openStore(cfg.store, cfg.store.kind === 'embedded'
      ? { writer: cfg.store.writer ?? 'thread', inlineWhenIdle: cfg.store.inline_when_idle }
      : {});
  } catch (e) {
    throw withContext(e, `cannot open the store (${cfg.store.kind === 'embedded' ? cfg.store.path : cfg.store.kind})`);
  }
  const openflow = new OpenFlowServer({
    host: cfg.openflow.host, port: cfg.openflow.port,
    echoIntervalMs: cfg.openflow.echo_interval_s * 1000,
    echoMissLimit: Math.max(1, Math.round(cfg.openflow.echo_timeout_s / Math.max(1, cfg.openflow.echo_interval_s))),
    requestTimeoutMs: cfg.openflow.request_timeout_s * 1000,
    ...(cfg.openflow.tls ? { tls: cfg.openflow.tls } : {}),
  });
  const portLookup: PortLookup = (dpid, name) => {
    const dp = openflow.datapath(dpid);
    if (!dp) return undefined;
    for (const p of dp.ports.values()) if (p.name === name) return p.port_no;
    return undefined;
  };
  const accounting = new AccountingServer({
    store, clients: cfg.radius.clients, mapping: cfg.radius.mapping, portLookup,
    host: cfg.radius.accounting.host, port: cfg.radius.accounting.port,
    profileAttributes: [cfg.radius.profile_attribute],
    exemptValues: cfg.radius.exempt_values,
    duplicateWindowMs: cfg.radius.duplicate_window_s * 1000,
  });
  let policy = policyFromConfig(cfg);
  const recorded: Observable<RecordedEvent>[] = [accounting.recorded$];
  // The controller is the CoA handler; it is created before the CoA server.
  const controller: Controller = new Controller({
    store, policy, switchEvents$: openflow.events$, recorded$: recorded,
    auditIntervalMs: opts.auditIntervalMs ?? cfg.audit_interval_s * 1000,
  });
  let coa: CoaServer | undefined;
  if (cfg.radius.coa.enabled) {
    coa = new CoaServer({
      store, handler: controller, clients: cfg.radius.clients, mapping: cfg.radius.mapping, portLookup,
      host: cfg.radius.coa.host, port: cfg.radius.coa.port, duplicateWindowMs: cfg.radius.duplicate_window_s * 1000,
    });
    recorded.push(coa.recorded$);
  }
  const undo: (() => Promise<void>)[] = [async () => store.close()];
  try {
    await controller.start();
    undo.unshift(() => controller.stop());
    let ofAddr: { host: string; port: number };
    try { ofAddr = await openflow.listen(); } catch (e) { throw withContext(e, `cannot listen for OpenFlow on ${cfg.openflow.host}:${cfg.openflow.port}`); }
    undo.unshift(() => openflow.close());
    let acctAddr;
    try { acctAddr = await accounting.listen(); } catch (e) { throw withContext(e, `cannot listen for RADIUS accounting on ${cfg.radius.accounting.host}:${cfg.radius.accounting.port}/udp`); }
    undo.unshift(() => accounting.close());
    let coaAddr;
    if (coa) {
      try { coaAddr = await coa.listen(); } catch (e) { throw withContext(e, `cannot listen for RADIUS CoA on ${cfg.radius.coa.host}:${cfg.radius.coa.port}/udp`); }
      const c = coa;
      undo.unshift(() => c.close());
    }
    let api: (ApiServer & { address: { host: string; port: number } }) | undefined;
    if (cfg.api.enabled) {
      try { api = await startApi(controller, cfg.api); } catch (e) { throw withContext(e, `cannot listen for the REST API on ${cfg.api.host}:${cfg.api.port}`); }
      const a = api;
      undo.unshift(() => a.close());
    }
    const addresses = { openflow: ofAddr, accounting: acctAddr, ...(coaAddr ? { coa: coaAddr } : {}), ...(api ? { api: api.address } : {}) };
    log.info('controller ready', {
      openflow_port: ofAddr.port, accounting_port: acctAddr.port, coa_port: coaAddr?.port, api_port: addresses.api?.port,
      switches: cfg.switches.length, audit_interval_s: cfg.audit_interval_s, config: cfg.source,
    });
    let current = cfg;
    let closed = false;
    return {
      controller, store, openflow, accounting, coa, addresses, ...(api ? { api } : {}),
      async reload(next: Config) {
        const restartNeeded: string[] = [];
        const same = (a: unknown, b: unknown): boolean => JSON.stringify(a, big) === JSON.stringify(b, big);
        if (!same(current.openflow, next.openflow)) restartNeeded.push('openflow');
        if (!same(current.radius, next.radius)) restartNeeded.push('radius');
        if (!same(current.store, next.store)) restartNeeded.push('store');
        if (restartNeeded.length) log.warn('config reload: these sections change only at restart', { sections: restartNeeded.join(',') });
        policy = policyFromConfig(next);
        current = next;
        const res = await controller.reload(policy);
        let adds = 0; let deletes = 0;
        for (const r of res) { adds += r.adds.length; deletes += r.deletes.length; }
        for (const sw of next.switches) if (!findSwitch(cfg, sw.dpid)) log.info('config reload: new switch', { dpid: sw.dpid, name: sw.name });
        return { switches: res.length, adds, deletes, restartNeeded };
      },
      async close() {
        if (closed) return;
        closed = true;
        // RADIUS first (stop answering), then the controller's work in flight, then switches, store last.
        if (api) await api.close().catch(() => undefined);
        if (coa) await coa.close().catch(() => undefined);
        await accounting.close().catch(() => undefined);
        await controller.stop();
        await openflow.close();
        await store.close();
      },
    };
  } catch (e) {
    for (const u of undo) await u().catch(() => undefined);
    throw e;
  }
}

function big(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}
