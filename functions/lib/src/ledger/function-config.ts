import { readFunctionConfig } from '../function-config';
import { KubeObject } from '../kube/object';
import { ledgerConfig, LedgerConfigResult } from './config';

/**
 * The ledger settings of a function's functionConfig (`data.ledger*` of its ConfigMap, alone or in
 * a List beside pools).
 */
export function functionLedgerConfig(functionConfig: KubeObject | undefined, env: NodeJS.ProcessEnv = process.env): LedgerConfigResult {
  return ledgerConfig(readFunctionConfig(functionConfig).data, env);
}
