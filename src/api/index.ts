/**
 * The REST API's public surface. The composition root (src/app/run.ts)
 * starts it with one call after the controller:
 *
 *   const api = cfg.api.enabled ? await startApi(controller, cfg.api) : undefined;
 *   // on close, before the controller stops: await api?.close();
 */
import type { NocBackend } from './backend';
import { apiOptionsFromConfig, createApiServer, type ApiServer, type ApiServerOptions } from './server';

export type { NocBackend, SwitchInfo, PortView, FlowChange, OverrideRequest, PolicyReason } from './backend';
export { createApiServer, apiOptionsFromConfig, type ApiServer, type ApiServerOptions } from './server';
export { FlowStatsPoller, refreshScrapeGauges } from './metrics';

/** Default interval of the flow-stats poll behind op25b_flows and op25b_blocked_smtp_packets. */
export const DEFAULT_FLOW_STATS_INTERVAL_MS = 15_000;

/** Create and listen, from the config's api section; the flow-stats poller runs with the server. */
export async function startApi(
  backend: NocBackend,
  api: { host: string; port: number; token?: string; read_token_required: boolean; allow_tokenless_ofctl_writes_from_loopback: boolean; flow_stats_interval_s?: number },
  extra: ApiServerOptions = {},
): Promise<ApiServer & { address: { host: string; port: number } }> {
  const server = createApiServer(backend, {
    ...apiOptionsFromConfig(api),
    flowStatsIntervalMs: api.flow_stats_interval_s !== undefined ? api.flow_stats_interval_s * 1000 : DEFAULT_FLOW_STATS_INTERVAL_MS,
    ...extra,
  });
  const address = await server.listen();
  return Object.assign(server, { address });
}
