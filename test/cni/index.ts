/** Entry point for tests that prove generated NADs and annotations with the real CNI plugins. */
export { parseNetworksAnnotation } from './annotation';
export { attachPod } from './attach';
export type { AttachPodOptions, AttachedInterface, AttachedPod } from './attach';
export { CNI_PATH, planDelegate, pluginEnv, pluginStdin, runAdd, runDel } from './multus';
export type { CniCommand, DelegatePlan, DelegateRequest, Invocation, PluginExec, PluginStep } from './multus';
export { CniHarness, sweepStale } from './netns';
export type { Delegation, IpRoute, Netns, Underlay } from './netns';
export { CniPluginError, assertCniPrerequisites, execPlugin, pluginSupportedVersions } from './plugins';
export { NETWORKS_ANNOTATION } from './types';
export type { CniResult, NetworkAttachmentDefinition, NetworkSelectionElement } from './types';
export type { Json, JsonObject } from './json';
