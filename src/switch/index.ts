/** The switch channel: `new OpenFlowServer(opts)`, its `events$`, and the Datapath API (see types.ts). */
export { OpenFlowServer, type OpenFlowServerOptions } from './server';
export { describe as describeMessage } from './connection';
export * from './types';
