/** Valid objects of every Gateway API kind, for the schema tests to start from and break. */
const GROUP = 'gateway.networking.k8s.io';

export function gateway(): any {
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'Gateway',
    metadata: { name: 'gw', namespace: 'default' },
    spec: {
      gatewayClassName: 'cdk8s-gateway',
      listeners: [
        { name: 'http', port: 80, protocol: 'HTTP' },
        { name: 'https', port: 443, protocol: 'HTTPS', hostname: '*.example.com', tls: { mode: 'Terminate', certificateRefs: [{ name: 'example-cert' }] } },
      ],
    },
  };
}

export function gatewayClass(): any {
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'GatewayClass',
    metadata: { name: 'cdk8s-gateway' },
    spec: { controllerName: 'cdk8s-gateway.dev/gateway-controller' },
  };
}

export function httpRoute(): any {
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'HTTPRoute',
    metadata: { name: 'web', namespace: 'default', labels: { 'app.kubernetes.io/name': 'web' } },
    spec: {
      parentRefs: [{ name: 'gw', sectionName: 'http' }],
      hostnames: ['www.example.com'],
      rules: [
        {
          matches: [{ path: { type: 'PathPrefix', value: '/api' }, headers: [{ name: 'x-version', value: '2' }] }],
          filters: [{ type: 'RequestHeaderModifier', requestHeaderModifier: { set: [{ name: 'x-gateway', value: 'cdk8s' }] } }],
          backendRefs: [{ name: 'api', port: 8080, weight: 90 }, { name: 'api-canary', port: 8080, weight: 10 }],
        },
        {
          backendRefs: [{ name: 'web', port: 80 }],
        },
      ],
    },
  };
}

export function grpcRoute(): any {
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'GRPCRoute',
    metadata: { name: 'echo', namespace: 'default' },
    spec: {
      parentRefs: [{ name: 'gw' }],
      hostnames: ['grpc.example.com'],
      rules: [{ matches: [{ method: { service: 'echo.v1.Echo', method: 'Ping' } }], backendRefs: [{ name: 'echo', port: 50051 }] }],
    },
  };
}

export function referenceGrant(): any {
  return {
    apiVersion: `${GROUP}/v1beta1`,
    kind: 'ReferenceGrant',
    metadata: { name: 'allow-routes', namespace: 'backends' },
    spec: {
      from: [{ group: GROUP, kind: 'HTTPRoute', namespace: 'default' }],
      to: [{ group: '', kind: 'Service' }],
    },
  };
}

export function backendTlsPolicy(): any {
  return {
    apiVersion: `${GROUP}/v1`,
    kind: 'BackendTLSPolicy',
    metadata: { name: 'api-tls', namespace: 'default' },
    spec: {
      targetRefs: [{ group: '', kind: 'Service', name: 'api' }],
      validation: { caCertificateRefs: [{ group: '', kind: 'ConfigMap', name: 'api-ca' }], hostname: 'api.example.com' },
    },
  };
}
