/**
 * Config -> the controller's AppPolicy: the policy helper's Op25bPolicy
 * (src/policy/policy.ts) already has the AppPolicy shape; this module is the
 * one place that says so (and type-checks it).
 */
import type { Config } from './config';
import type { AppPolicy } from './controller';
import { Op25bPolicy } from '../policy/policy';

export function policyFromConfig(cfg: Config): AppPolicy {
  const p: AppPolicy = new Op25bPolicy(cfg);
  return p;
}
