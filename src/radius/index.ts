/**
 * Public surface of src/radius: the accounting server, the CoA/Disconnect
 * server, the port mapping and the codec. The application wires them:
 *
 *   const mapper = compileMapping(cfg.mapping);
 *   const acct = new AccountingServer({ ...cfg.accounting, store, mapping: mapper, portLookup });
 *   const coa = new CoaServer({ ...cfg.coa, store, mapping: mapper, portLookup, handler });
 *   merge(acct.events$, coa.events$).subscribe(...)   // after durable recording
 *   await acct.listen(); await coa.listen();
 */
import type { RadiusClientConfig } from './clients';
import type { MappingConfig } from './mapping';

export { AccountingServer, eventFromAccounting, packetsTotal, type AccountingServerOptions, type RecordedEvent, type PacketResult } from './accounting';
export { CoaServer, COA_FILTER_IDS, type CoaAction, type CoaHandler, type CoaMeta, type CoaResult, type CoaTarget, type CoaServerOptions } from './coa';
export { compileMapping, isMappingError, parseDpid, profileFrom, type MappingConfig, type MappingInput, type MappingRule, type PortLookup, type PortMapper } from './mapping';
export { ClientTable, type RadiusClientConfig } from './clients';
export { decodePacket, encodePacket, verifyRequest, verifyResponse, type RadiusPacket, type Attribute } from './codec';
export { RadiusError, isRadiusError, type RadiusErrorCode } from './errors';
export type { SubscriberEvent, SubscriberEventKind } from './events';

/** The `radius:` section of the controller's config file. */
export interface RadiusConfig {
  accounting?: {
    /** Default 0.0.0.0. */
    host?: string;
    /** Default 1813. */
    port?: number;
    clients: RadiusClientConfig[];
    /** RFC 5080 duplicate window, default 30000 ms. */
    duplicateWindowMs?: number;
    /** Default ['Filter-Id', 'Class']. */
    profileAttributes?: string[];
  };
  coa?: {
    /** Default 0.0.0.0. */
    host?: string;
    /** Default 3799. */
    port?: number;
    clients: RadiusClientConfig[];
    duplicateWindowMs?: number;
  };
  mapping: MappingConfig;
}
