/** JSON schemas of the resources read at the boundary; errors become results, not exceptions. */
const name = { type: 'string', minLength: 1 } as const;
const labels = { type: 'object', additionalProperties: { type: 'string' } } as const;
const stringList = { type: 'array', items: { type: 'string' } } as const;
const nameRef = { type: 'object', required: ['name'], properties: { name } } as const;
/** A VLAN ID as YAML gives it: a number, or its text when the scalar is kept as written. */
const vlanId = { anyOf: [{ type: 'integer' }, { type: 'string' }] } as const;

export const SCHEMAS: Record<string, object> = {
  Interface: {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        required: ['networkInstance'],
        properties: {
          networkInstance: nameRef,
          cniType: { enum: ['macvlan', 'ipvlan', 'sriov'] },
          attachmentType: { enum: ['none', 'vlan'] },
          ipFamilyPolicy: {
            enum: ['ipv4-only', 'ipv6-only', 'dual-stack', 'none', 'ipv4only', 'ipv6only', 'dualstack'],
          },
        },
      },
    },
  },
  WorkloadCluster: {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        required: ['clusterName'],
        properties: {
          // Empty in Nephio's placeholder WorkloadCluster until a PackageVariant injects the cluster.
          clusterName: { type: 'string' },
          cnis: stringList,
          masterInterface: name,
        },
      },
    },
  },
  NetworkInstance: {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: {
          prefixes: {
            type: 'array',
            items: {
              type: 'object',
              required: ['prefix'],
              properties: { prefix: name, labels, gateway: name, exclude: stringList },
            },
          },
        },
      },
    },
  },
  IPPrefix: {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        required: ['prefix', 'networkInstance'],
        properties: {
          kind: { enum: ['network', 'loopback', 'pool', 'aggregate'] },
          networkInstance: nameRef,
          prefix: name,
          labels,
          gateway: name,
          exclude: stringList,
        },
      },
    },
  },
  IPClaim: {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        required: ['networkInstance'],
        properties: {
          kind: { type: 'string' },
          networkInstance: nameRef,
          prefix: name,
          selector: { type: 'object', properties: { matchLabels: labels } },
        },
      },
      status: {
        type: 'object',
        properties: { prefix: { type: 'string' }, gateway: { type: 'string' } },
      },
    },
  },
  VLANClaim: {
    type: 'object',
    required: ['spec'],
    properties: {
      spec: {
        type: 'object',
        required: ['vlanIndex'],
        properties: { vlanIndex: nameRef, vlanID: vlanId },
      },
      status: { type: 'object', properties: { vlanID: vlanId } },
    },
  },
  VLANIndex: {
    type: 'object',
    properties: {
      spec: {
        type: 'object',
        properties: { minID: vlanId, maxID: vlanId, exclude: { type: 'array', items: vlanId } },
      },
    },
  },
};
