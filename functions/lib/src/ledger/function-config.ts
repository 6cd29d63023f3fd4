import { isObject, KubeObject, scalarText } from '../kube/object';
import { ledgerConfig, LedgerConfigResult } from './config';

/** The ledger settings of a function's ConfigMap functionConfig (`data.ledger*`). */
export function functionLedgerConfig(functionConfig: KubeObject | undefined, env: NodeJS.ProcessEnv = process.env): LedgerConfigResult {
  if (!functionConfig || functionConfig.kind !== 'ConfigMap' || !isObject(functionConfig.data)) return { ok: true, config: undefined };
  const data: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(functionConfig.data)) data[k] = scalarText(v);
  return ledgerConfig(data, env);
}
