export * as l1 from './imports/gateway.networking.k8s.io';
