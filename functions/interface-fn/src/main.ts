import { main } from '../../lib/src/runner';
import { interfaceFn } from './transform';

const USAGE = `interface-fn: for each Interface (req.nephio.org/v1alpha1) emits one IPClaim per address family.
Run by kpt: kpt fn eval --exec functions/interface-fn/dist/interface-fn.js, or as a Kptfile mutator.
functionConfig data keys: none.
`;

main('interface-fn', USAGE, interfaceFn);
