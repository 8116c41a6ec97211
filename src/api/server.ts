/**
 * The REST API process part: fastify 5, JSON-schema validation on every
 * route, bearer tokens, exact 64-bit JSON, errors as {error: {code, field,
 * message}} (src/api/http.ts). Routes: the NOC API (src/api/noc-routes.ts),
 * Ryu's ofctl_rest (src/api/ofctl-routes.ts), GET /metrics (Prometheus).
 *
 * Tokens (Authorization: Bearer TOKEN)
 * - every write needs the token; with no token configured, writes are refused;
 * - reads need it only when readTokenRequired;
 * - allowTokenlessOfctlWritesFromLoopback lets Ryu-era scripts on the
 *   controller host write through /stats/* without it (off by default).
 *
 * Bodies are read as JSON whatever the Content-Type says (curl -d sends
 * application/x-www-form-urlencoded, and Ryu's documentation uses curl -d);
 * integers beyond 2^53 stay exact (bigint).
 */
import { createHash, timingSafeEqual } from 'crypto';
import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { parseJson } from '../openflow/bigjson';
import { OfError } from '../openflow/errors';
import { registry } from '../metrics';
import { logger as rootLogger, type Logger } from '../log';
import type { NocBackend } from './backend';
import { ApiError, errorBody, isLoopback, ofErrorField, sendJson } from './http';
import { registerNocRoutes } from './noc-routes';
import { registerOfctlRoutes } from './ofctl-routes';
import { FlowStatsPoller, refreshScrapeGauges } from './metrics';

export interface ApiServerOptions {
  /** Default 127.0.0.1. */
  host?: string;
  /** Default 8080 (Ryu's); 0 = ephemeral. */
  port?: number;
  token?: string;
  readTokenRequired?: boolean;
  allowTokenlessOfctlWritesFromLoopback?: boolean;
  /** The clock for expiry times and relative queries (tests pass the fake backend's). */
  now?: () => number;
  logger?: Logger;
  /** Start a FlowStatsPoller with this interval (ms) for the per-port blocked-SMTP gauges; absent = none (the controller may run its own). */
  flowStatsIntervalMs?: number;
  /** Request body limit, bytes (default 1 MiB). */
  bodyLimit?: number;
}

export interface ApiServer {
  readonly app: FastifyInstance;
  listen(): Promise<{ host: string; port: number }>;
  close(): Promise<void>;
}

/** The config file's api section, as the server options. */
export function apiOptionsFromConfig(api: {
  host: string; port: number; token?: string; read_token_required: boolean; allow_tokenless_ofctl_writes_from_loopback: boolean;
}): ApiServerOptions {
  return {
    host: api.host, port: api.port, readTokenRequired: api.read_token_required,
    allowTokenlessOfctlWritesFromLoopback: api.allow_tokenless_ofctl_writes_from_loopback,
    ...(api.token !== undefined ? { token: api.token } : {}),
  };
}

const digest = (s: string): Buffer => createHash('sha256').update(s).digest();

export function createApiServer(backend: NocBackend, opts: ApiServerOptions = {}): ApiServer {
  const log = (opts.logger ?? rootLogger).child({ component: 'api' });
  const now = opts.now ?? Date.now;
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit ?? 1 << 20,
    ajv: { customOptions: { removeAdditional: false, coerceTypes: false, allErrors: false } },
    // errors fastify raises before routing (a malformed URL, a bad header): same error body
    frameworkErrors: (e, _req, reply) => {
      const status = typeof e.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500 ? e.statusCode : 400;
      void sendJson(reply, status, errorBody(new ApiError(status, e.code ?? 'API_ERR_BAD_REQUEST', e.message, 'url')));
    },
  });

  const tokenDigest = opts.token !== undefined && opts.token !== '' ? digest(opts.token) : undefined;
  const hasToken = (req: FastifyRequest): boolean => {
    const h = req.headers.authorization;
    if (tokenDigest === undefined || typeof h !== 'string') return false;
    const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
    return m !== null && timingSafeEqual(digest(m[1]!), tokenDigest);
  };
  const unauthorized = (why: string) => new ApiError(401, 'API_ERR_UNAUTHORIZED', why);
  const readAuth = (req: FastifyRequest): void => {
    if (opts.readTokenRequired && !hasToken(req)) throw unauthorized('this API requires a bearer token for reads (Authorization: Bearer TOKEN)');
  };
  const writeAuth = (req: FastifyRequest): void => {
    if (hasToken(req)) return;
    if (tokenDigest === undefined) throw unauthorized('writes need a bearer token and none is configured (api.token)');
    throw unauthorized('writes need a bearer token (Authorization: Bearer TOKEN)');
  };
  const ofctlWriteAuth = (req: FastifyRequest): void => {
    if (opts.allowTokenlessOfctlWritesFromLoopback && isLoopback(req.socket.remoteAddress ?? '')) return;
    writeAuth(req);
  };

  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') { done(null, {}); return; }
    try {
      done(null, parseJson(text));
    } catch (e) {
      done(new ApiError(400, 'API_ERR_BAD_JSON', `body: ${e instanceof Error ? e.message : String(e)}`, 'body'), undefined);
    }
  });

  app.setErrorHandler((err: FastifyError | ApiError | OfError | Error, req, reply) => {
    if (err instanceof ApiError) {
      if (err.status >= 500) log.warn('request failed', { method: req.method, url: req.url, code: err.code, error: err.message });
      return sendJson(reply, err.status, errorBody(err));
    }
    if (err instanceof OfError) {
      return sendJson(reply, 400, errorBody(new ApiError(400, err.code, err.message, ofErrorField(err.message) ?? 'body')));
    }
    const fe = err as FastifyError;
    if (fe.validation && fe.validation.length > 0) {
      const v = fe.validation[0]!;
      const ctx = fe.validationContext === 'querystring' ? 'query' : fe.validationContext ?? 'body';
      let field = ctx + (v.instancePath ? v.instancePath.replace(/\//g, '.') : '');
      const p = v.params as Record<string, unknown>;
      if (v.keyword === 'required' && typeof p.missingProperty === 'string') field += `.${p.missingProperty}`;
      if (v.keyword === 'additionalProperties' && typeof p.additionalProperty === 'string') field += `.${p.additionalProperty}`;
      let msg = v.message ?? 'is invalid';
      if (v.keyword === 'additionalProperties') msg = 'is not a known field';
      if (v.keyword === 'enum' && Array.isArray(p.allowedValues)) msg = `must be one of ${p.allowedValues.map(String).join(', ')}`;
      if (v.keyword === 'required') msg = 'is required';
      return sendJson(reply, 400, errorBody(new ApiError(400, 'API_ERR_BAD_INPUT', `${field}: ${msg}`, field)));
    }
    if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
      return sendJson(reply, fe.statusCode, errorBody(new ApiError(fe.statusCode, fe.code ?? 'API_ERR_BAD_REQUEST', err.message)));
    }
    log.error('internal error', { method: req.method, url: req.url, error: err.stack ?? err.message });
    return sendJson(reply, 500, errorBody(new ApiError(500, 'API_ERR_INTERNAL', err.message)));
  });

  app.setNotFoundHandler((req, reply) => sendJson(reply, 404, errorBody(new ApiError(404, 'API_ERR_NOT_FOUND', `no route ${req.method} ${req.url.split('?')[0]}`))));

  registerNocRoutes(app, { backend, now, readAuth, writeAuth });
  registerOfctlRoutes(app, { backend, log, readAuth, writeAuth: ofctlWriteAuth });

  app.get('/metrics', {
    preHandler: (req, _r, done) => { try { readAuth(req); done(); } catch (e) { done(e as Error); } },
  }, async (_req, reply) => {
    refreshScrapeGauges(backend);
    const text = await registry.metrics();
    return reply.code(200).type(registry.contentType).send(text);
  });

  const poller = opts.flowStatsIntervalMs !== undefined ? new FlowStatsPoller(backend, { intervalMs: opts.flowStatsIntervalMs, ...(opts.logger ? { logger: opts.logger } : {}) }) : undefined;

  return {
    app,
    async listen() {
      const host = opts.host ?? '127.0.0.1';
      await app.listen({ host, port: opts.port ?? 8080 });
      const addr = app.server.address();
      const port = typeof addr === 'object' && addr ? addr.port : opts.port ?? 8080;
      poller?.start();
      log.info('REST API listening', { host, port, token: tokenDigest ? 'set' : 'none (writes refused)', read_token_required: !!opts.readTokenRequired });
      return { host, port };
    },
    async close() {
      await poller?.stop();
      await app.close();
    },
  };
}
