/** Start the API over a FakeBackend on an ephemeral port; call it with fetch. */
import { createApiServer, type ApiServer, type ApiServerOptions } from '../../src/api/server';
import { parseJson } from '../../src/openflow/bigjson';
import { FakeBackend } from './fake-backend';

export const TOKEN = 'test-token-1234';
export const BIG_DPID = 0xfedcba9876543210n;

export interface Running {
  backend: FakeBackend;
  server: ApiServer;
  base: string;
  call(method: string, path: string, body?: unknown, opts?: { token?: string | null; contentType?: string }): Promise<{ status: number; json: unknown; text: string }>;
}

export async function startFake(opts: ApiServerOptions = {}, setup?: (b: FakeBackend) => void): Promise<Running> {
  const backend = new FakeBackend();
  backend.addSwitch(1n, [1, 2, 3, 4], 'sw1');
  backend.addSwitch(BIG_DPID, [1, 2], 'edge-big');
  setup?.(backend);
  const server = createApiServer(backend, { port: 0, token: TOKEN, now: backend.now, ...opts });
  const { host, port } = await server.listen();
  const base = `http://${host}:${port}`;
  return {
    backend, server, base,
    async call(method, path, body, o = {}) {
      const headers: Record<string, string> = {};
      const token = o.token === undefined ? TOKEN : o.token;
      if (token !== null) headers.authorization = `Bearer ${token}`;
      let payload: string | undefined;
      if (body !== undefined) {
        payload = typeof body === 'string' ? body : JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? `__BIG__${v}` : v)).replace(/"__BIG__(\d+)"/g, '$1');
        headers['content-type'] = o.contentType ?? 'application/json';
      }
      const res = await fetch(base + path, { method, headers, ...(payload !== undefined ? { body: payload } : {}) });
      const text = await res.text();
      let json: unknown;
      try { json = text ? parseJson(text) : undefined; } catch { json = undefined; }
      return { status: res.status, json, text };
    },
  };
}

/** The error object of an error reply. */
export function err(json: unknown): { code: string; field?: string; message: string } {
  return (json as { error: { code: string; field?: string; message: string } }).error;
}
