import { readFunctionConfig } from '../function-config';
import { KubeObject } from '../kube/object';
import { LedgerConfig, ledgerConfig } from './config';
import type { Outcome } from '../ipam/result';

/**
 * The ledger settings of a function's functionConfig (`data.ledger*` of its ConfigMap, alone or in
 * a List beside pools).
 */
export function functionLedgerConfig(functionConfig: KubeObject | undefined, env: NodeJS.ProcessEnv = process.env): Outcome<LedgerConfig | undefined, string> {
  return ledgerConfig(readFunctionConfig(functionConfig).data, env);
}
