export * from './go';
export * from './http-echo';
export * from './grpc-echo';
export * from './fleet';
