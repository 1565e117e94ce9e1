/** Re-exports used by the policy tests. */
export { parsePolicyManifest, parsePolicyManifests } from '../../../engine/calico/policy/index.ts';
export { selectorToString as selectorToStringOf } from '../../../engine/calico/selector/index.ts';
