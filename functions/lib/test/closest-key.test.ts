import { closestKey, editDistance } from '../src/closest-key';
import { unknownConfigKeys } from '../src/function-config';

describe('closestKey', () => {
  it('counts single-character edits', () => {
    expect(editDistance('dta', 'data')).toBe(1);
    expect(editDistance('kitten', 'sitting')).toBe(3);
    expect(editDistance('', 'abc')).toBe(3);
  });

  it('guesses the key a typo was meant to be, ignoring case', () => {
    expect(closestKey('defaultRouteNetwork', ['defaultRouteNetworks'])).toBe('defaultRouteNetworks');
    expect(closestKey('cniversion', ['sriovResourceName', 'cniVersion'])).toBe('cniVersion');
    expect(closestKey('ledgerEndpoint', ['ledgerPrefix', 'ledgerEndpoints'])).toBe('ledgerEndpoints');
    expect(closestKey('dta', ['data'])).toBe('data');
  });

  it('makes no guess for a key unlike every known one, or when none is known', () => {
    expect(closestKey('defaultRoutes', ['cniVersion', 'sriovResourceName'])).toBeUndefined();
    expect(closestKey('x', [])).toBeUndefined();
  });

  it('breaks ties by the order of the known keys', () => {
    expect(closestKey('ab', ['ax', 'ay'])).toBe('ax');
    expect(closestKey('ab', ['ay', 'ax'])).toBe('ay');
  });
});

describe('unknown functionConfig keys say "did you mean"', () => {
  const fc = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'c' }, dta: {}, data: { cniversion: '1.0.0', other: 'x' } };
  it('names the closest key, or asks to remove or fix one with no close key', () => {
    const results = unknownConfigKeys('nad-fn', fc, ['data'], ['cniVersion', 'sriovResourceName']);
    expect(results.map((r) => r.message)).toEqual([
      'nad-fn ignores functionConfig key dta (it reads data): did you mean data?',
      "unknown key cniversion in nad-fn's functionConfig (its keys are cniVersion, sriovResourceName): did you mean cniVersion?",
      "unknown key other in nad-fn's functionConfig (its keys are cniVersion, sriovResourceName): remove it or fix its spelling",
    ]);
  });
});
