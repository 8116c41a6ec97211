/**
 * The NOC commands of `op25b`, talking to the REST API (src/api/):
 *
 *   op25b status | switches | ports [--switch SW] | sessions [--port P] [--nas N]
 *   op25b whois ADDRESS [--at TIME]
 *   op25b quarantine PORT [--all] --reason R [--ticket T] [--expires DURATION]
 *   op25b exempt PORT --reason R [--ticket T] [--expires DURATION]
 *   op25b clear PORT --reason R [--ticket T]
 *   op25b audit [--port P] [--subscriber S] [--since T] [--until T] [--limit N]
 *   op25b flows DPID [--op25b]
 *   op25b plan PORT quarantine|exempt|clear [--all]
 *   op25b plan-config FILE
 *
 * Every command takes --api URL (env OP25B_API, default http://127.0.0.1:8080),
 * --token TOKEN (env OP25B_TOKEN) and --json (the API's JSON, exact 64-bit).
 * PORT is DPID:PORT[.VLAN] (dpid in hex) or SWITCHNAME:PORT[.VLAN]; TIME is
 * ISO 8601, ms since the epoch, "now" or "-2h"; DURATION is 90s, 30m, 2h, 1d.
 * Exit code 1 on any error, with the API's error code and field.
 */
import type { Command } from 'commander';
import * as os from 'os';
import { readFileSync } from 'fs';
import { parseJson, stringifyJson } from '../openflow/bigjson';

export interface NocCliOptions {
  api?: string;
  token?: string;
  json?: boolean;
}

type Obj = Record<string, unknown>;

export class ApiCallError extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/** Call the API; resolves the parsed JSON, or throws with the API's error code, field and message. */
export async function callApi(o: NocCliOptions, method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown; text: string }> {
  const base = (o.api ?? process.env.OP25B_API ?? 'http://127.0.0.1:8080').replace(/\/+$/, '');
  const token = o.token ?? process.env.OP25B_TOKEN;
  const headers: Record<string, string> = {};
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let res: Response;
  try {
    res = await fetch(base + path, { method, headers, ...(body !== undefined ? { body: stringifyJson(body) } : {}) });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`cannot reach the API at ${base}: ${cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e))} (is the controller running? --api URL or OP25B_API)`, { cause: e });
  }
  const text = await res.text();
  let json: unknown;
  try { json = text ? parseJson(text) : undefined; } catch { json = undefined; }
  if (res.status >= 400) {
    const er = (json as { error?: { code?: string; field?: string; message?: string } } | undefined)?.error;
    const hint = res.status === 401 ? ' (give --token or set OP25B_TOKEN)' : '';
    throw new ApiCallError(res.status, er?.code ?? `HTTP_${res.status}`, `${er?.message ?? text} [${res.status} ${er?.code ?? ''}${er?.field ? ` field=${er.field}` : ''}]${hint}`);
  }
  return { status: res.status, json, text };
}

/** Plain aligned columns. */
export function table(headers: string[], rows: (string | number | undefined)[][]): string {
  const cells = rows.map((r) => r.map((c) => (c === undefined || c === null ? '-' : String(c))));
  const w = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => (r[i] ?? '').length)));
  const line = (r: string[]) => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(w[i]!))).join('  ').trimEnd();
  return [line(headers), ...cells.map(line)].join('\n') + '\n';
}

const out = (s: string) => { process.stdout.write(s); };
const printJson = (text: string) => out(stringifyJson(parseJson(text), 2) + '\n');
const s = (v: unknown): string | undefined => (v === undefined || v === null ? undefined : typeof v === 'string' ? v : stringifyJson(v));
const enc = encodeURIComponent;

function actor(): string {
  try {
    return os.userInfo().username.replace(/[^A-Za-z0-9_.:@-]/g, '_') || 'cli';
  } catch {
    return 'cli';
  }
}

function common(c: Command): Command {
  return c
    .option('--api <url>', 'REST API base URL (env OP25B_API, default http://127.0.0.1:8080)')
    .option('--token <token>', 'bearer token (env OP25B_TOKEN)')
    .option('--json', 'print the API\'s JSON');
}

function overrideSummary(j: Obj): string {
  const f = j.flows as Obj;
  const st = j.state as Obj | undefined;
  const o = j.override as Obj | null;
  const lines = [
    `${j.port}: ${j.action} ${j.confirmed ? 'CONFIRMED by the switch (barrier)' : 'RECORDED, NOT confirmed'}; flows added ${f.added}, removed ${f.removed}`,
  ];
  if (o) lines.push(`  by ${o.actor}, reason: ${o.reason}${o.ticket ? `, ticket ${o.ticket}` : ''}${o.expires_at ? `, expires ${o.expires_at}` : ''}`);
  if (st) lines.push(`  now: ${st.effective} (${st.why})`);
  if (j.note) lines.push(`  note: ${j.note}`);
  return lines.join('\n') + '\n';
}

function changeRows(f: Obj): string {
  const rows: (string | number | undefined)[][] = [];
  for (const [op, list] of [['add', f.adds], ['delete', f.deletes]] as const) {
    for (const m of (list as Obj[]) ?? []) rows.push([op, m.table_id as number, m.priority as number, s(m.rule), s(m.match), s(m.actions)]);
  }
  return rows.length ? table(['OP', 'TABLE', 'PRIORITY', 'RULE', 'MATCH', 'ACTIONS'], rows) : '(no flow changes)\n';
}

export function registerNoc(program: Command): void {
  common(program.command('status').description('controller summary: switches, sessions, ports by state'))
    .action(async (o: NocCliOptions) => {
      const r = await callApi(o, 'GET', '/op25b/v1/status');
      if (o.json) return printJson(r.text);
      const j = r.json as Obj;
      const sw = j.switches as Obj;
      const ports = Object.entries(j.ports as Obj).map(([k, v]) => `${k} ${String(v)}`).join(', ') || 'none';
      out(`switches: ${sw.connected} connected of ${sw.known} known\nsessions: ${j.sessions}\nports: ${ports}\noverrides: ${j.overrides}\n`);
    });

  common(program.command('switches').description('switches with connection state'))
    .action(async (o: NocCliOptions) => {
      const r = await callApi(o, 'GET', '/op25b/v1/switches');
      if (o.json) return printJson(r.text);
      out(table(['DPID', 'NAME', 'STATE', 'PEER', 'PORTS', 'SUBSCRIBER PORTS'], (r.json as Obj[]).map((x) => [
        x.dpid as string, s(x.name), x.connected ? 'connected' : 'DISCONNECTED', s(x.peer), x.ports as number, x.subscriber_ports as number,
      ])));
    });

  common(program.command('ports').description('ports with effective policy and why').option('--switch <sw>', 'one switch (name or hex dpid)'))
    .action(async (o: NocCliOptions & { switch?: string }) => {
      const r = await callApi(o, 'GET', `/op25b/v1/ports${o.switch ? `?dpid=${enc(o.switch)}` : ''}`);
      if (o.json) return printJson(r.text);
      out(table(['PORT', 'NAME', 'STATE', 'WHY'], (r.json as Obj[]).map((p) => [p.port as string, s(p.name), p.effective as string, p.why as string])));
    });

  common(program.command('sessions').description('open subscriber sessions').option('--port <port>', 'one port').option('--nas <nas>', 'one NAS'))
    .action(async (o: NocCliOptions & { port?: string; nas?: string }) => {
      const q = new URLSearchParams();
      if (o.port) q.set('port', o.port);
      if (o.nas) q.set('nas', o.nas);
      const r = await callApi(o, 'GET', `/op25b/v1/sessions${q.size ? `?${q}` : ''}`);
      if (o.json) return printJson(r.text);
      out(table(['PORT', 'NAS', 'SESSION', 'USER', 'ADDRESS', 'PROFILE', 'SINCE'], (r.json as Obj[]).map((x) => [
        x.port as string, x.nas as string, x.session_id as string, s(x.user),
        [x.framed_ip, x.framed_ipv6_prefix, x.delegated_ipv6_prefix].filter(Boolean).join(' ') || undefined, x.profile as string, s(x.started_at),
      ])));
    });

  common(program.command('whois').description('who had ADDRESS (IPv4, IPv6, or inside a delegated prefix) at a time').argument('<address>')
    .option('--at <time>', 'ISO 8601, ms since epoch, "now" or "-2h" (default now)'))
    .action(async (address: string, o: NocCliOptions & { at?: string }) => {
      const q = new URLSearchParams({ address });
      if (o.at) q.set('at', o.at);
      const r = await callApi(o, 'GET', `/op25b/v1/whois?${q}`);
      if (o.json) return printJson(r.text);
      const j = r.json as Obj;
      const m = j.matches as Obj[];
      if (m.length === 0) { out(`${address} at ${j.at}: no session had it\n`); return; }
      out(`${address} at ${j.at}:\n` + table(['SUBSCRIBER', 'SESSION', 'NAS', 'SWITCH', 'PORT', 'FROM', 'TO'], m.map((x) => [
        s(x.subscriber), x.session_id as string, x.nas as string, s((x.switch as Obj).name) ?? s((x.switch as Obj).dpid), x.port as string, s(x.from), s(x.to) ?? 'open',
      ])));
    });

  const overrideCmd = (name: 'quarantine' | 'exempt', desc: string) => {
    const c = common(program.command(name).description(desc).argument('<port>', 'DPID:PORT[.VLAN] or SWITCHNAME:PORT[.VLAN]')
      .requiredOption('--reason <reason>', 'why (kept in the audit log)')
      .option('--ticket <ticket>', 'ticket reference')
      .option('--expires <duration>', 'lift itself after 90s, 30m, 2h, 1d...'));
    if (name === 'quarantine') c.option('--all', 'drop all traffic of the port (default: SMTP only)');
    c.action(async (port: string, o: NocCliOptions & { reason: string; ticket?: string; expires?: string; all?: boolean }) => {
      const body: Obj = { reason: o.reason, actor: actor() };
      if (name === 'quarantine') body.mode = o.all ? 'all' : 'smtp';
      if (o.ticket) body.ticket = o.ticket;
      if (o.expires) body.expires = o.expires;
      const r = await callApi(o, 'POST', `/op25b/v1/ports/${enc(port)}/${name}`, body);
      if (o.json) return printJson(r.text);
      out(overrideSummary(r.json as Obj));
    });
  };
  overrideCmd('quarantine', 'quarantine a port (SMTP only, or --all traffic); returns once the switch confirmed it');
  overrideCmd('exempt', 'exempt a port from OP25B; returns once the switch confirmed it');

  common(program.command('clear').description('clear the NOC override of a port').argument('<port>')
    .requiredOption('--reason <reason>', 'why (kept in the audit log)').option('--ticket <ticket>', 'ticket reference'))
    .action(async (port: string, o: NocCliOptions & { reason: string; ticket?: string }) => {
      const body: Obj = { reason: o.reason, actor: actor(), ...(o.ticket ? { ticket: o.ticket } : {}) };
      const r = await callApi(o, 'POST', `/op25b/v1/ports/${enc(port)}/clear`, body);
      if (o.json) return printJson(r.text);
      out(overrideSummary(r.json as Obj));
    });

  common(program.command('audit').description('audit log: session changes and NOC actions')
    .option('--port <port>', 'one port').option('--subscriber <s>', 'one subscriber')
    .option('--since <time>', 'from (ISO 8601, ms, "-2h")').option('--until <time>', 'to').option('--limit <n>', 'at most N entries'))
    .action(async (o: NocCliOptions & { port?: string; subscriber?: string; since?: string; until?: string; limit?: string }) => {
      const q = new URLSearchParams();
      for (const k of ['port', 'subscriber', 'since', 'until', 'limit'] as const) if (o[k] !== undefined) q.set(k, o[k]);
      const r = await callApi(o, 'GET', `/op25b/v1/audit${q.size ? `?${q}` : ''}`);
      if (o.json) return printJson(r.text);
      out(table(['TIME', 'ACTOR', 'ACTION', 'PORT', 'SUBSCRIBER', 'REASON', 'TICKET'], (r.json as Obj[]).map((a) => [
        a.at as string, a.actor as string, a.action as string, s(a.port), s(a.subscriber), s(a.reason), s(a.ticket),
      ])));
    });

  common(program.command('flows').description('flows on a switch (ofctl form); OP25B ones named by rule').argument('<dpid>', 'switch name or hex dpid')
    .option('--op25b', 'only the OP25B flows'))
    .action(async (dpid: string, o: NocCliOptions & { op25b?: boolean }) => {
      const r = await callApi(o, 'GET', `/op25b/v1/switches/${enc(dpid)}/flows`);
      const j = r.json as Obj;
      const flows = (j.flows as Obj[]).filter((f) => !o.op25b || f.op25b);
      if (o.json) return out(stringifyJson({ ...j, flows }, 2) + '\n');
      out(table(['TABLE', 'PRIORITY', 'RULE', 'PACKETS', 'MATCH', 'ACTIONS'], flows.map((f) => [
        f.table_id as number, f.priority as number, s(f.rule) ?? s(f.cookie), s(f.packet_count), s(f.match), s(f.actions),
      ])));
    });

  common(program.command('plan').description('what a quarantine/exempt/clear would change on the switch, without applying it')
    .argument('<port>').argument('<action>', 'quarantine, exempt or clear').option('--all', 'quarantine all traffic'))
    .action(async (port: string, action: string, o: NocCliOptions & { all?: boolean }) => {
      const body: Obj = { action };
      if (o.all) body.mode = 'all';
      const r = await callApi(o, 'POST', `/op25b/v1/ports/${enc(port)}/plan`, body);
      if (o.json) return printJson(r.text);
      const j = r.json as Obj;
      const cur = j.current as Obj | undefined;
      out(`${j.port}: plan ${j.action} (not applied)${cur ? `; now ${cur.effective} (${cur.why})` : ''}\n` + changeRows(j.flows as Obj));
    });

  common(program.command('plan-config').description('what reloading the controller with FILE would change on every connected switch, without applying it')
    .argument('<file>', 'proposed config (YAML or JSON)'))
    .action(async (file: string, o: NocCliOptions) => {
      let text: string;
      try { text = readFileSync(file, 'utf8'); } catch (e) { throw new Error(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`, { cause: e }); }
      const r = await callApi(o, 'POST', '/op25b/v1/plan/config', { config: text });
      if (o.json) return printJson(r.text);
      const j = r.json as Obj;
      const sws = j.switches as Obj[];
      if (sws.length === 0) return out('no connected switch: nothing to plan\n');
      out(sws.map((sw) => `${String(sw.dpid)}${sw.name !== undefined ? ` (${String(sw.name)})` : ''}: plan (not applied)\n` + changeRows(sw.flows as Obj)).join('\n'));
    });

}
