/**
 * The controller's listener for OpenFlow 1.3 switches (TCP, or TLS for OVS's
 * `ssl:` controller target). Keeps one Datapath per dpid and publishes switch
 * events as an rxjs stream.
 *
 *   const server = new OpenFlowServer({ port: 6653 });
 *   server.events$.subscribe((ev) => ...);
 *   await server.listen();
 */
import * as net from 'net';
import * as tls from 'tls';
import { asyncScheduler, Subject, type Observable, type SchedulerLike } from 'rxjs';
import { logger as rootLogger, type Logger } from '../log';
import { counter, gauge } from '../metrics';
import { dpidHex, type Dpid } from '../openflow/types';
import { Connection } from './connection';
import type { Datapath, SwitchErrorInfo, SwitchEvent } from './types';

export interface OpenFlowServerOptions {
  /** Default '0.0.0.0'. */
  host?: string;
  /** Default 6653 (IANA); 6633 for older switches; 0 for an ephemeral port. */
  port?: number;
  /** PEM (or buffers). With `ca`, switches must present a certificate it signed. */
  tls?: { cert: string | Buffer; key: string | Buffer; ca?: string | Buffer };
  /** Keepalive: an ECHO_REQUEST every interval. Default 5000. */
  echoIntervalMs?: number;
  /** Intervals with nothing received before a switch is declared dead. Default 3. */
  echoMissLimit?: number;
  /** Per request (and per multipart part, and for the handshake steps). Default 10000. */
  requestTimeoutMs?: number;
  /** Largest message accepted from a switch (the framer's limit). Default: the codec's (65535). */
  maxMessageLength?: number;
  /** Bytes waiting to be written to one switch before it is closed as not reading. Default 32 MiB. */
  maxQueuedBytes?: number;
  logger?: Logger;
  /** Timers (echo, request timeouts, stalls). Default rxjs asyncScheduler. */
  scheduler?: SchedulerLike;
}

const errorsTotal = counter('op25b_openflow_errors_total', 'OFPT_ERROR messages received from switches, by spec name', ['type', 'code'] as const);
const protocolErrorsTotal = counter('op25b_switch_protocol_errors_total', 'Connections closed for malformed or unsupported input from a switch', ['code'] as const);
const connectedGauge = gauge('op25b_switches_connected', 'Switches connected (handshake complete)');

export class OpenFlowServer {
  readonly events$: Observable<SwitchEvent>;
  private readonly subject = new Subject<SwitchEvent>();
  private readonly dps = new Map<Dpid, Connection>();
  private readonly conns = new Set<Connection>();
  private server: net.Server | undefined;
  private readonly log: Logger;
  private readonly opts: Required<Omit<OpenFlowServerOptions, 'tls' | 'maxMessageLength' | 'logger' | 'scheduler'>>;

  constructor(private readonly options: OpenFlowServerOptions = {}) {
    this.events$ = this.subject.asObservable();
    this.log = options.logger ?? rootLogger.child({ component: 'switch' });
    this.opts = {
      host: options.host ?? '0.0.0.0',
      port: options.port ?? 6653,
      echoIntervalMs: options.echoIntervalMs ?? 5000,
      echoMissLimit: options.echoMissLimit ?? 3,
      requestTimeoutMs: options.requestTimeoutMs ?? 10000,
      maxQueuedBytes: options.maxQueuedBytes ?? 32 * 1024 * 1024,
    };
  }

  /** Connected datapaths by dpid (handshake complete). */
  get datapaths(): ReadonlyMap<Dpid, Datapath> {
    return this.dps;
  }

  datapath(dpid: Dpid): Datapath | undefined {
    return this.dps.get(dpid);
  }

  listen(): Promise<{ host: string; port: number }> {
    if (this.server) throw new Error('OpenFlowServer: already listening');
    const onSocket = (socket: net.Socket): void => this.accept(socket);
    const t = this.options.tls;
    const server = t
      ? tls.createServer({ cert: t.cert, key: t.key, ca: t.ca, requestCert: t.ca !== undefined, rejectUnauthorized: t.ca !== undefined }, onSocket)
      : net.createServer(onSocket);
    if (t) {
      server.on('tlsClientError', (e: Error, s: tls.TLSSocket) => {
        this.log.warn('TLS handshake with switch failed', { peer: `${s.remoteAddress ?? '?'}:${s.remotePort ?? '?'}`, error: e.message });
      });
    }
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.opts.port, this.opts.host, () => {
        server.off('error', reject);
        server.on('error', (e: Error) => this.log.error('listener error', { error: e.message }));
        const a = server.address();
        const addr = typeof a === 'object' && a ? { host: a.address, port: a.port } : { host: this.opts.host, port: this.opts.port };
        this.log.info('listening for OpenFlow 1.3 switches', { ...addr, tls: t !== undefined });
        resolve(addr);
      });
    });
  }

  /** Stops listening and closes every switch connection (switches keep their flows). */
  async close(): Promise<void> {
    const server = this.server;
    this.server = undefined;
    for (const c of [...this.conns]) c.shutdown('controller shutting down', 'destroy');
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    this.subject.complete();
  }

  private accept(socket: net.Socket): void {
    const conn = new Connection(socket, {
      echoIntervalMs: this.opts.echoIntervalMs,
      echoMissLimit: this.opts.echoMissLimit,
      requestTimeoutMs: this.opts.requestTimeoutMs,
      maxMessageLength: this.options.maxMessageLength,
      maxQueuedBytes: this.opts.maxQueuedBytes,
      logger: this.log,
      scheduler: this.options.scheduler ?? asyncScheduler,
    }, {
      ready: (c) => this.onReady(c),
      closed: (c, reason) => this.onClosed(c, reason),
      event: (ev) => this.subject.next(ev),
      switchError: (info: SwitchErrorInfo) => errorsTotal.inc({ type: info.typeName, code: info.codeName }),
      protocolError: (code) => protocolErrorsTotal.inc({ code }),
    });
    this.conns.add(conn);
    this.log.debug('switch connecting', { peer: conn.peer });
  }

  private onReady(conn: Connection): void {
    const old = this.dps.get(conn.dpid);
    if (old && old !== conn) {
      // Closing the old one emits its 'disconnected' (it is still the registered one) before ours.
      old.shutdown(`replaced by a new connection from ${conn.peer}`, 'end');
    }
    this.dps.set(conn.dpid, conn);
    connectedGauge.set(this.dps.size);
    this.subject.next({ type: 'connected', dpid: conn.dpid, datapath: conn, ports: [...conn.ports.values()], desc: conn.desc });
  }

  private onClosed(conn: Connection, reason: string): void {
    this.conns.delete(conn);
    // Only the registered connection for a dpid may remove it: a replaced one closing late must not.
    if (this.dps.get(conn.dpid) === conn) {
      this.dps.delete(conn.dpid);
      connectedGauge.set(this.dps.size);
      this.log.info('switch disconnected', { dpid: dpidHex(conn.dpid), reason });
      this.subject.next({ type: 'disconnected', dpid: conn.dpid, reason });
    }
  }
}
